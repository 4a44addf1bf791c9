"""zkvm.stark."""

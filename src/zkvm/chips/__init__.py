"""zkvm.chips."""

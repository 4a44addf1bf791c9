"""zkvm.poly."""

"""zkvm.hash."""

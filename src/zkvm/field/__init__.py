"""zkvm.field."""

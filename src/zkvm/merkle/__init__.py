"""zkvm.merkle."""

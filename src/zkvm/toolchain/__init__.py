"""zkvm.toolchain."""

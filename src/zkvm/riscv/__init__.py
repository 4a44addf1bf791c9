"""zkvm.riscv."""

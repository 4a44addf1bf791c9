"""zkvm: a readable zero-knowledge virtual machine for RISC-V (RV32IM) with a STARK over BabyBear."""

__version__ = "0.1.0"

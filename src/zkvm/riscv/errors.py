"""Typed errors raised by the RISC-V executor.

Every problem caused by untrusted input -- a malformed ELF file or a guest program that
does something the zkvm does not allow -- is reported as one of these classes with a
message that says what is wrong. Nothing here is an ``assert``: the checks must survive
``python -O``.
"""

from __future__ import annotations


class ElfError(ValueError):
    """The ELF file cannot be loaded (not ELF, wrong machine, bad segments, ...)."""


class GuestError(RuntimeError):
    """The guest program did something the zkvm does not allow.

    ``pc`` is the address of the instruction that caused it (for a syscall, the ``ecall``).
    """

    def __init__(self, message: str, pc: int):
        self.pc = pc
        super().__init__(f"{message} (pc=0x{pc:08x})")


class IllegalInstruction(GuestError):
    """The word at ``pc`` is not an RV32IMA instruction the zkvm executes (or is ebreak)."""

    def __init__(self, message: str, pc: int, insn: int | None = None):
        self.insn = insn
        super().__init__(message, pc)


class MemoryFault(GuestError):
    """An access to an address that is reserved, unmapped or lacks the permission.

    ``kind`` is one of ``"read"``, ``"write"``, ``"execute"``.
    """

    def __init__(self, message: str, pc: int, address: int, kind: str):
        self.address = address
        self.kind = kind
        super().__init__(message, pc)


class MisalignedAccess(GuestError):
    """A load/store/AMO or jump target that is not naturally aligned (see docs/abi.md)."""

    def __init__(self, message: str, pc: int, address: int, kind: str):
        self.address = address
        self.kind = kind
        super().__init__(message, pc)


class UnknownSyscall(GuestError):
    """``ecall`` with a syscall number (a7) the zkvm does not implement."""

    def __init__(self, number: int, pc: int):
        self.number = number
        super().__init__(f"unknown syscall {number} (0x{number:x})", pc)


class CycleLimitExceeded(GuestError):
    """The guest ran ``max_cycles`` instructions without exiting."""

    def __init__(self, limit: int, pc: int):
        self.limit = limit
        super().__init__(f"cycle limit of {limit} instructions exceeded", pc)


# Aliases with the longer names some callers may expect.
IllegalInstructionError = IllegalInstruction
MemoryFaultError = MemoryFault
MisalignedAccessError = MisalignedAccess
UnknownSyscallError = UnknownSyscall
CycleLimitExceededError = CycleLimitExceeded


class UnprovableSyscall(GuestError):
    """A syscall outside the prover's provable subset (docs/abi.md "What the prover
    accepts"), raised only by runs that ask to stop there (``split(..., strict=True)``);
    plain runs record it in ``ExecutionResult.unprovable`` and go on."""

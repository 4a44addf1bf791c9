"""zkvm.riscv: the RV32IM(+A subset) executor.

Public API::

    from zkvm.riscv import load_elf, execute, Program
    result = execute(load_elf(open("guest.elf", "rb").read()), input=b"...", record=True)

See docs/abi.md for the guest ABI and docs/architecture.md section 5 for the event records.
This package must not import zkvm.field or zkvm.stark.
"""

from .elf import load_elf
from .errors import (
    CycleLimitExceeded,
    ElfError,
    GuestError,
    IllegalInstruction,
    MemoryFault,
    MisalignedAccess,
    UnknownSyscall,
)
from .events import Events, SyscallAccesses
from .executor import DEFAULT_MAX_CYCLES, ExecutionResult, execute
from .layout import Program, Segment

__all__ = [
    "load_elf",
    "execute",
    "Program",
    "Segment",
    "ExecutionResult",
    "Events",
    "SyscallAccesses",
    "DEFAULT_MAX_CYCLES",
    "GuestError",
    "IllegalInstruction",
    "MemoryFault",
    "MisalignedAccess",
    "UnknownSyscall",
    "CycleLimitExceeded",
    "ElfError",
]

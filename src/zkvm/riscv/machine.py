"""Guest machine state shared by both interpreters and the syscall layer.

Memory is one flat ``np.uint8`` array of 2**30 bytes in its own anonymous private mapping
(:func:`zeroed_pages`: the OS maps zero pages lazily, so untouched memory costs nothing,
whatever the process's malloc policy), with ``uint16``/``uint32`` views
for aligned accesses (the host must be little endian, like RISC-V). ``perm`` holds the
R/W/X bits of each 4 KiB page. Registers are an ``int64`` array of 33 entries holding
values in ``[0, 2**32)``; entry 32 is a scratch slot the fast interpreter writes instead of
x0, so ``regs[0]`` is always 0.

Data memory is flat (docs/abi.md "Memory map", soundness checklist item 31): every
aligned load, store, AMO or syscall buffer in ``[0x1_0000, 2^30)`` is performed, because
that is exactly what the circuits prove (they cannot model page permissions). The page
permissions are kept for *diagnostics*: the first access to a page the program did not
map (or mapped read-only, or code) is recorded in :attr:`CpuState.warnings` and the page
becomes readable and writable (:meth:`CpuState.soft_fault`). Hard faults remain for what
the circuits refuse too: the null guard below ``0x1_0000``, addresses from ``2^30``,
misaligned accesses, and fetches outside the executable segments.
"""

from __future__ import annotations

import mmap
import sys

import numpy as np

from .errors import MemoryFault, MisalignedAccess
from .events import KIND_READ, KIND_WRITE
from .layout import (
    MEM_SIZE,
    PERM_X,
    RESERVED_END,
    MMAP_START,
    NUM_PAGES,
    OS_KEY_BRK,
    OS_KEY_INPUT,
    OS_KEY_MMAP,
    OS_KEY_RESERVATION,
    PAGE_SHIFT,
    PERM_R,
    PERM_W,
    STACK_START,
    STACK_TOP,
    Program,
    perm_of_flags,
)

if sys.byteorder != "little":  # pragma: no cover
    raise ImportError("zkvm.riscv needs a little-endian host (guest memory is viewed as uint32)")

_KIND_NAME = {PERM_R: "read", PERM_W: "write", 4: "execute"}
#: warnings kept per run (every soft fault is counted in ``warning_count``)
MAX_WARNINGS = 16


def zeroed_pages(n: int) -> np.ndarray:
    """A writable ``np.uint8`` array of ``n`` zero bytes in a fresh anonymous private
    mapping (unmapped when the array is freed).

    Not ``np.zeros``: a proving process keeps freed blocks in its heap
    (:mod:`zkvm.heap`), and ``calloc`` must then clear a reused block by writing it --
    1 GiB of guest memory faulted in and zeroed (0.8 s) for every execution."""
    mm = mmap.mmap(-1, int(n), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                   prot=mmap.PROT_READ | mmap.PROT_WRITE)
    return np.frombuffer(mm, dtype=np.uint8)


class CpuState:
    """Registers, memory, permissions, program break, I/O streams and syscall records."""

    def __init__(self, program: Program, input: bytes = b"", record: bool = False, load_image: bool = True):
        """The initial state of ``program`` (``load_image=False``: all-zero memory,
        permissions and registers, for a caller that restores a snapshot, see
        :mod:`zkvm.riscv.segments`)."""
        self.program = program
        self.mem = zeroed_pages(MEM_SIZE)
        self.mem16 = self.mem.view(np.uint16)
        self.mem32 = self.mem.view(np.uint32)
        self.perm = np.zeros(NUM_PAGES, dtype=np.uint8)
        self.regs = np.zeros(33, dtype=np.int64)
        if load_image:
            for seg in program.segments:
                self.mem[seg.vaddr : seg.vaddr + len(seg.data)] = np.frombuffer(seg.data, dtype=np.uint8)
                p0, p1 = seg.vaddr >> PAGE_SHIFT, (seg.end + (1 << PAGE_SHIFT) - 1) >> PAGE_SHIFT
                self.perm[p0:p1] |= perm_of_flags(seg.flags)
            stack = program.initial_stack()
            self.perm[STACK_START >> PAGE_SHIFT : STACK_TOP >> PAGE_SHIFT] = PERM_R | PERM_W
            self.mem[stack.base : stack.base + len(stack.data)] = np.frombuffer(stack.data, dtype=np.uint8)
            self.regs[2] = stack.sp
        self.pc = program.entry
        self.cycles = 0
        self.reservation = -1  # address of the lr.w reservation, -1 = none
        self.brk = program.brk_start
        self.mmap_next = MMAP_START
        self.input = bytes(input)
        self.input_pos = 0
        #: input bytes that exist beyond ``self.input`` (a segment's machine holds only
        #: its own input slice, docs/continuations.md §4)
        self.input_extra = 0
        #: a read of fd 0 has happened (the input cell is initialised, docs/abi.md)
        self.input_started = False
        #: the first reason this run cannot be proven, ``(pc, reason)`` (None: provable
        #: so far); set by :mod:`zkvm.riscv.syscalls`, reported by ``zkvm run``
        self.unprovable: tuple[int, str] | None = None
        #: raise :class:`~zkvm.riscv.errors.UnprovableSyscall` at the first unprovable call
        self.strict = False
        #: one :class:`zkvm.riscv.syscalls.SysRecord` per ecall when recording
        self.sys_records: list = []
        #: diagnostics of accesses to pages the program did not map for that use
        #: (:meth:`soft_fault`), at most ``MAX_WARNINGS``; ``warning_count`` counts all
        self.warnings: list[str] = []
        self.warning_count = 0
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.journal = bytearray()
        self.exit_code: int | None = None
        self.note: str | None = None
        self.record = record
        self.sys_chunks: list = []  # (cycle, addrs, before, after, kind)

    # -- OS state -------------------------------------------------------------------------
    def input_left(self) -> int:
        """Private-input bytes not yet read (also those beyond a segment's slice)."""
        return len(self.input) - self.input_pos + self.input_extra

    def os_cells(self) -> dict[int, int]:
        """The OS state cells (docs/abi.md "OS state") as ``{memory key: u32 value}``."""
        return {
            OS_KEY_BRK: self.brk,
            OS_KEY_MMAP: self.mmap_next,
            OS_KEY_INPUT: self.input_left() + 1 if self.input_started else 0,
            OS_KEY_RESERVATION: max(self.reservation, 0),
        }

    # -- registers ----------------------------------------------------------------------
    def reg(self, r: int) -> int:
        return int(self.regs[r]) if r else 0

    def set_reg(self, r: int, v: int) -> None:
        if r:
            self.regs[r] = v & 0xFFFF_FFFF

    def warn(self, message: str) -> None:
        """Record a diagnostic (``ExecutionResult.warnings``, at most ``MAX_WARNINGS``)."""
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    # -- flat data memory: soft faults -------------------------------------------------------
    def soft_fault(self, addr: int, need: int, pc: int, what: str = "") -> bool:
        """A data access (``need`` = PERM_R or PERM_W) to ``addr`` hit a page without that
        permission.  Inside ``[0x1_0000, 2^30)`` it is performed anyway (flat data memory,
        module docstring): record a warning, make the page readable and writable (an
        executable page stays executable: fetches use the program image) and return True.
        Return False for a hard fault (null guard, outside guest memory)."""
        if not RESERVED_END <= addr < MEM_SIZE:
            return False
        page = addr >> PAGE_SHIFT
        old = int(self.perm[page])
        self.perm[page] = (old & PERM_X) | PERM_R | PERM_W
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:  # (the message is only built when kept)
            kind = _KIND_NAME[need]
            if old & PERM_X:
                why = "a code page"
            elif old & PERM_R:
                why = "a read-only page"
            elif STACK_START - (1 << 20) <= addr < STACK_START:
                why = "unmapped memory just below the stack: a stack overflow?"
            else:
                why = "unmapped memory"
            where = f" ({what})" if what else ""
            self.warnings.append(f"{kind} of {why} at 0x{addr:08x}{where} at pc 0x{pc:08x}: "
                                 "performed (zkvm data memory is flat; Linux would fault)")
        return True

    # -- checked access for the reference interpreter -------------------------------------
    def check_access(self, addr: int, size: int, need: int, pc: int) -> None:
        """Raise unless the aligned ``size``-byte access at ``addr`` can be performed
        (``need`` = PERM_*): misaligned, or a hard fault (:meth:`soft_fault`)."""
        kind = _KIND_NAME[need]
        if addr % size:
            raise MisalignedAccess(f"misaligned {size}-byte {kind} at 0x{addr:08x}", pc, addr, kind)
        if addr >= MEM_SIZE or not self.perm[addr >> PAGE_SHIFT] & need:
            if need == 4 or not self.soft_fault(addr, need, pc):
                raise MemoryFault(f"{kind} of unmapped or protected address 0x{addr:08x}", pc, addr, kind)

    def load(self, addr: int, size: int) -> int:
        if size == 4:
            return int(self.mem32[addr >> 2])
        if size == 2:
            return int(self.mem16[addr >> 1])
        return int(self.mem[addr])

    def store(self, addr: int, size: int, value: int) -> None:
        if size == 4:
            self.mem32[addr >> 2] = value & 0xFFFF_FFFF
        elif size == 2:
            self.mem16[addr >> 1] = value & 0xFFFF
        else:
            self.mem[addr] = value & 0xFF

    # -- guest buffers for syscalls (checklist item 26) -----------------------------------
    def check_buffer(self, addr: int, length: int, need: int, pc: int, what: str) -> None:
        """Raise :class:`MemoryFault` unless every byte of ``[addr, addr+length)`` has ``need``.

        Correctness: ``addr`` and ``length`` come from guest registers; the sum is checked
        in unbounded Python ints, so there is no wrap-around.
        """
        kind = _KIND_NAME[need]
        if length < 0 or addr < 0:
            raise MemoryFault(f"{what}: bad buffer (address 0x{addr:x}, length {length})", pc, addr, kind)
        if length == 0:
            return
        end = addr + length
        if end > MEM_SIZE or addr < RESERVED_END:
            raise MemoryFault(
                f"{what}: buffer [0x{addr:08x}, 0x{end:x}) is outside guest memory "
                f"[0x{RESERVED_END:08x}, 0x{MEM_SIZE:08x})", pc, addr, kind
            )
        p0 = addr >> PAGE_SHIFT
        pages = self.perm[p0 : ((end - 1) >> PAGE_SHIFT) + 1]
        for b in np.flatnonzero((pages & need) == 0):  # flat data memory: soft faults
            self.soft_fault(max(addr, (p0 + int(b)) << PAGE_SHIFT), need, pc, what)

    def read_buffer(self, addr: int, length: int, pc: int, what: str) -> bytes:
        self.check_buffer(addr, length, PERM_R, pc, what)
        if length == 0:
            return b""
        if self.record:
            w0, w1 = addr >> 2, (addr + length + 3) >> 2
            words = self.mem32[w0:w1].copy()
            self.sys_chunks.append((self.cycles, np.arange(w0, w1, dtype=np.uint64) << 2, words, words, KIND_READ))
        return self.mem[addr : addr + length].tobytes()

    def write_buffer(self, addr: int, data: bytes, pc: int, what: str) -> None:
        self.check_buffer(addr, len(data), PERM_W, pc, what)
        if not data:
            return
        w0, w1 = addr >> 2, (addr + len(data) + 3) >> 2
        before = self.mem32[w0:w1].copy() if self.record else None
        self.mem[addr : addr + len(data)] = np.frombuffer(data, dtype=np.uint8)
        if self.record:
            after = self.mem32[w0:w1].copy()
            self.sys_chunks.append((self.cycles, np.arange(w0, w1, dtype=np.uint64) << 2, before, after, KIND_WRITE))

    def read_u32(self, addr: int, pc: int, what: str) -> int:
        return int.from_bytes(self.read_buffer(addr, 4, pc, what), "little")

"""Executor splitting for continuations (docs/continuations.md §4).

A run is cut into *segments* at instruction boundaries. :func:`split` runs the guest once
with the fast interpreter (no event recording) and returns one :class:`SegmentStart` per
segment: the complete machine state at the segment's first instruction plus the
segment's exact length. :func:`run_segment` rebuilds a :class:`CpuState` from one snapshot
and re-executes exactly that segment with event recording, so segments can be proved
independently (and on different machines: snapshots are picklable and contain no host
state).

Cutting rule. Every instruction costs one EXEC step, except ``ecall``, which costs
``cost(a7, a0, a1, a2, ret)`` (syscall number, first three arguments, a0 after the call).
A segment ends at the first instruction boundary where its steps reach ``max_steps`` (so
it overshoots by at most one ecall's cost minus one), anywhere: the lr.w reservation and
the rest of the OS state (docs/abi.md "OS state") are memory words carried by the memory
tree like every other word. The last segment ends with the exiting ecall.

Paging cost (``paging``, a :class:`PagingCost`; the prover's planning run passes one,
:func:`zkvm.continuation.paging_cost`). A segment also pays for the memory-tree work it
causes (docs/continuations.md §3): every 64-byte tree page it touches (a load, store or
atomic, or a syscall / precompile buffer, which :meth:`CpuState.check_buffer` checks)
gets a ``mem_page`` row, and every internal node on the path of a touched page, counted
once per segment, a ``mem_node`` row; each row sends its entry and its exit blocks (a
page row three per version: its two halves and its leaf) to the ``poseidon2`` table,
which compresses each *distinct* block once. A row whose subtree
is all zeros at entry (a page, or a subtree of pages, the program never wrote before)
has the same entry blocks as every other such row of its level, so all of them cost at
most :data:`ZERO_BLOCKS` units together (26 compressions: 2 at level 0, 1 above); a row
whose subtree the segment does not write has exit blocks equal to its entry blocks. So
a row costs at most one unit of its own (a node row one distinct block, a page row
three) unless its subtree is both non-zero at entry (it lies on the path of a
non-zero page of the initial image, or was written in an earlier segment: the only ways
a word becomes non-zero) and written in this segment. The segment's *paging measure*
``U`` counts 1 per touched page or node, 1 more where both hold, plus
:data:`ZERO_BLOCKS`; it is an upper bound on the ``mem_page`` + ``mem_node`` rows, and
``3U`` on the ``poseidon2`` rows (:data:`zkvm.continuation.HASH_PER_UNIT`). It is counted incrementally: when a page is first
touched in the segment the interpreter marks it and walks up its path until a node that
is already marked, and when a page is first written (a store, an atomic but ``lr.w``, a
syscall or precompile buffer) it flags it and walks up until an already-written node
(:func:`zkvm.riscv.fast.touch_pages`, ``write`` False or True). The register
pages (0, 1), the salt page (2) and the OS page (3) and their paths
(:data:`BASE_UNITS` rows, non-zero and written) are counted at every segment start
whether touched or not (:data:`BASE_MEASURE`), and a syscall buffer counts whole, as
written. The paging tables are padded to powers of two, so the cost
counts ``pad(U)``, the least power of two ``≥ U`` (``poseidon2`` has ``4·pad(U)``
rows at most). With ``c = paging.unit_steps`` and ``A = paging.allowance`` (a power of
two) a segment's cost is ``steps + c·max(0, pad(U) − A)``, and it ends at the first
boundary where ``steps + c·max(0, pad(U + 50) − A)`` reaches ``max_steps``
(:func:`zkvm.riscv.fast.paging_extra`; 50 = :data:`zkvm.riscv.fast.TOUCH_MAX`, the most
measure one store adds: its page and 24 ancestors, 2 each), so its cost stays
``≤ max_steps`` but for the overshoot of its last ecall's step cost. An ecall's buffers
can add much at once: before an I/O ecall (read, readv, write, writev) or a precompile,
the splitter computes the measure its buffers would add (:func:`_ecall_ranges`, an upper
bound on the ranges its handler checks, and :func:`zkvm.riscv.fast.count_new`) and, if
the segment is not empty and ``steps + c·max(0, pad(U + new) − A)`` would exceed
``max_steps``, ends the segment before the ecall instead; so only an ecall that alone
exceeds the budget (the first of its segment) overshoots it. This replaces the plain step
rule (the two agree while ``pad(U + 50) ≤ A`` and no ecall's buffers break it:
compute-bound guests get the same segments). A segment always executes at least one
instruction.

Correctness: where a segment ends does not affect soundness (every segment proves its own
transition between two memory roots, whatever its length); a wrong paging count only
changes the segments' sizes, i.e. the prover's time and memory.

State a snapshot carries (everything :mod:`zkvm.riscv.fast` and
:mod:`zkvm.riscv.syscalls` read): pc, x0..x31, every non-zero 4 KiB page of guest memory
(including pages that are no longer mapped: their bytes are part of the memory state the
paging circuits hash, even though the guest can never read them again), the per-page
permission array, the program break, the next mmap address, the reservation, whether the
private input was read yet, the private-input bytes the segment reads (and how many remain
after them), and counters (journal bytes, cycles before the segment). Not carried: stdout/stderr (outputs only), the
precompile call log (per segment), the pre-decoded code (a pure function of the program,
valid because executable pages are never writable).

How ``split`` stays fast (it must not scan 1 GiB of memory at every boundary): it tracks
the pages written since the last boundary. Instructions run against a *shadow* permission
array with the W bit removed from every page not yet written in this segment; the first
store to such a page stops the interpreter with a write fault, the driver checks the real
permission (a real fault is raised exactly as :func:`~zkvm.riscv.executor.execute` would),
marks the page dirty, restores its W bit in the shadow and resumes (the faulting
instruction had not been executed: the interpreter checks permissions before it writes).
Syscalls write guest memory only after :meth:`CpuState.check_buffer` with ``PERM_W`` on the
whole buffer (soundness checklist item 26; the precompiles do the same), so the splitter's
machine marks those ranges dirty in ``check_buffer``. A snapshot is then the previous
snapshot with the dirty pages re-read.

Correctness: a snapshot that missed a written page would make :func:`run_segment` execute
something else than the full run (its memory roots would then not chain, so the proof
would fail rather than prove a wrong statement, but it is still a bug). The tests compare
every snapshot's memory with the memory reconstructed from the full recorded run's write
events, and the concatenated segment events with the full run's.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import fast
from .elf import load_elf
from .errors import CycleLimitExceeded
from .executor import DEFAULT_MAX_CYCLES, ExecutionResult, _raise_fault, _run_fast, result_of, soft_fault
from .isa import OP
from .layout import (MEM_SIZE, MMAP_END, MMAP_START, NUM_PAGES, OS_KEY_BRK, OS_KEY_INPUT, OS_KEY_MMAP,
                     OS_KEY_RESERVATION, PAGE_SHIFT, PAGE_SIZE, PERM_W, PROGRAM_END, Program)
from .machine import CpuState
from .syscalls import handle_syscall

#: ``cost(a7, a0, a1, a2, ret) -> steps`` of one ecall.
CostFn = Callable[[int, int, int, int, int], int]


@dataclass(frozen=True)
class PagingCost:
    """The paging part of the cutting rule (module docstring "Paging cost"): a segment
    ends at the first boundary where ``steps + unit_steps·max(0, pad(U + 50) − allowance)``
    reaches ``max_steps`` (``U``: its paging measure). ``unit_steps``: a positive int (the
    EXEC-step equivalent of one padded unit of measure); ``allowance``: a power of two
    (the padded measure a segment gets for free). Plain integers: the cost model is the caller's, see
    :func:`zkvm.continuation.paging_cost`."""

    unit_steps: int
    allowance: int

    def __post_init__(self):
        for name in ("unit_steps", "allowance"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"PagingCost.{name} must be a positive int, got {v!r}")
        if self.allowance & (self.allowance - 1):
            raise ValueError(f"PagingCost.allowance must be a power of two, got {self.allowance}")

    def cost(self, steps: int, units: int) -> int:
        """The cost of a segment of ``steps`` EXEC steps and paging measure ``units``."""
        return steps + self.unit_steps * int(fast.padded_over(int(units), self.allowance))


def _ecall_ranges(m: CpuState, a7: int, a0: int, a1: int, a2: int) -> list[tuple[int, int]] | None:
    """``[(addr, length)]``: an upper bound on the guest byte ranges the handler of this
    ecall passes to ``check_buffer`` (read/readv of fd 0, write/writev, precompiles), or
    ``None`` for another syscall or arguments it would reject (the handler then raises or
    counts what it counts: no prediction, never an exception here)."""
    from .precompiles import BY_NUMBER
    from .syscalls import MAX_IOV, SYS_READ, SYS_READV, SYS_WRITE, SYS_WRITEV

    out: list[tuple[int, int]] = []
    if a7 == SYS_READ and a0 == 0:
        out.append((a1, min(a2, m.input_left())))
    elif a7 == SYS_WRITE:
        out.append((a1, a2))
    elif a7 in (SYS_READV, SYS_WRITEV) and (a7 == SYS_WRITEV or a0 == 0):
        if not 0 <= a2 <= MAX_IOV or a1 % 4 or not 0 <= a1 <= MEM_SIZE - 8 * a2:
            return None
        out.append((a1, 8 * a2))
        iov = m.mem32[a1 >> 2 : (a1 >> 2) + 2 * a2]
        out += [(int(iov[2 * i]), int(iov[2 * i + 1])) for i in range(a2)]
    else:
        p = BY_NUMBER.get(a7)
        if p is None:
            return None
        ptr = {10: a0, 11: a1}
        out += [(ptr[b.reg], 4 * b.words) for b in p.buffers]
    out = [(a, n) for a, n in out if n > 0]
    if any(a < 0 or a + n > MEM_SIZE for a, n in out):
        return None
    return out


def _tree_pages(addr: int, length: int) -> tuple[int, int]:
    """The memory-tree pages ``[p0, p1)`` holding the guest bytes ``[addr, addr + length)``
    (``length > 0``)."""
    return addr >> fast.TREE_PAGE_SHIFT, ((addr + length - 1) >> fast.TREE_PAGE_SHIFT) + 1


def _base_units() -> int:
    touch = np.zeros(fast.TREE_NODES, dtype=np.uint8)
    return int(fast.touch_pages(touch, 0, 4))


#: ``mem_page`` + ``mem_node`` rows of the register pages 0 and 1, the salt page 2 and the
#: OS page 3 with their paths to the root (4 leaves + 2 + 1 + 22 nodes), every segment
BASE_UNITS = 29
#: units for the distinct entry blocks of all-zero subtrees, one per level, pages (0) to
#: the root (24): 26 Poseidon2 blocks (2 at level 0), at most 3 per unit
ZERO_BLOCKS = fast.TREE_DEPTH + 1
#: the paging measure every segment starts with (module docstring "Paging cost"): the
#: base rows, non-zero and written (2 each), and the zero blocks
BASE_MEASURE = 2 * BASE_UNITS + ZERO_BLOCKS

_NOT_W = 0xFF & ~PERM_W
_WORDS_PER_PAGE = PAGE_SIZE // 4


class SegmentError(ValueError):
    """A snapshot is malformed or does not belong to the program it is replayed with."""


_RUN = np.dtype([("value", "u1"), ("length", "<u4")])


def encode_perm(perm: np.ndarray) -> bytes:
    """Run-length encode a permission array: 5 bytes per run (value u8, length u32 LE).

    Canonical (maximal runs, in order), so equal arrays give equal bytes on every host
    (unlike a general-purpose compressor, whose output may depend on its version).
    """
    perm = np.asarray(perm, dtype=np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(perm[1:] != perm[:-1]) + 1])
    runs = np.empty(len(starts), dtype=_RUN)
    runs["value"] = perm[starts]
    runs["length"] = np.diff(np.concatenate([starts, [len(perm)]]))
    return runs.tobytes()


def decode_perm(data: bytes, n: int = NUM_PAGES) -> np.ndarray:
    """Inverse of :func:`encode_perm`; raises :class:`SegmentError` unless ``data`` is a
    well-formed encoding of exactly ``n`` entries."""
    if not isinstance(data, bytes) or len(data) % _RUN.itemsize:
        raise SegmentError("permission array: the run-length encoding is malformed")
    runs = np.frombuffer(data, dtype=_RUN)
    lengths = runs["length"].astype(np.int64)
    if (lengths < 1).any() or int(lengths.sum()) != n:
        raise SegmentError(f"permission array: runs must be non-empty and cover exactly {n} pages")
    return np.repeat(runs["value"], lengths)


@dataclass(frozen=True)
class SegmentStart:
    """The machine state at a segment's first instruction and the segment's length.

    Fields: ``index`` (0-based); ``pc``; ``registers`` (x0..x31, x0 = 0); ``pages``
    (4 KiB page number -> its 4096 bytes, every non-zero page, in increasing order);
    ``perm`` (the ``NUM_PAGES``-entry permission array, run-length encoded by
    :func:`encode_perm`, see :meth:`perm_array`); ``brk``; ``mmap_next``; ``reservation``
    (lr.w reservation address, -1 = none); ``input_slice`` (the private-input bytes the
    segment's reads consume); ``input_after`` (input bytes left after them);
    ``input_started`` (a read of fd 0 happened before the segment: the input OS cell is
    initialised);
    ``journal_len`` (journal bytes written before the segment); ``cycle_offset``
    (instructions executed before it); ``cycles`` (instructions it executes, its final
    exit ecall included); ``steps`` (its EXEC-step cost); ``halts`` (it ends with the
    guest's exit); ``paging``: its paging measure ``U`` when :func:`split` was given a
    :class:`PagingCost` (module docstring; an upper bound on its ``mem_page``
    plus ``mem_node`` rows, a third of one on its ``poseidon2`` rows), else 0.

    Equal runs give equal snapshots (no host state: no addresses, times or paths).
    Picklable; not hashable (``pages`` is a dict).
    """

    index: int
    pc: int
    registers: tuple[int, ...]
    pages: dict[int, bytes]
    perm: bytes
    brk: int
    mmap_next: int
    reservation: int
    input_slice: bytes
    input_after: int
    input_started: bool
    journal_len: int
    cycle_offset: int
    cycles: int
    steps: int
    halts: bool
    paging: int = 0

    def perm_array(self) -> np.ndarray:
        """The decoded permission array (``uint8``, one entry per 4 KiB page)."""
        try:
            return decode_perm(self.perm)
        except SegmentError as e:
            raise SegmentError(f"segment {self.index}: {e}") from None

    def os_cells(self) -> dict[int, int]:
        """The OS state cells at entry (docs/abi.md "OS state"): ``{key: u32 value}``."""
        left = len(self.input_slice) + self.input_after
        return {OS_KEY_BRK: self.brk, OS_KEY_MMAP: self.mmap_next,
                OS_KEY_INPUT: left + 1 if self.input_started else 0,
                OS_KEY_RESERVATION: max(self.reservation, 0)}

    def memory_words(self) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, values)`` (``uint32``, sorted by key): every non-zero word at entry.

        Keys follow docs/circuits.md §4: register ``i`` (1..31) has key ``i``; the OS cells
        keys 48..51; the RAM word at byte address ``4w`` has key ``4w``
        (``0x1_0000 ≤ 4w < 2^30``: pages below ``0x1_0000`` are never mapped, so never
        non-zero). Values are the words as stored (little endian). Includes non-zero words
        of pages that are no longer mapped.
        """
        regs = np.array(self.registers[1:32], dtype=np.uint32)
        rk = np.flatnonzero(regs).astype(np.uint32) + 1
        keys, vals = [rk], [regs[rk - 1]]
        cells = sorted((k, v) for k, v in self.os_cells().items() if v)
        keys.append(np.array([k for k, _ in cells], dtype=np.uint32))
        vals.append(np.array([v for _, v in cells], dtype=np.uint32))
        for p in sorted(self.pages):
            w = np.frombuffer(self.pages[p], dtype="<u4")
            nz = np.flatnonzero(w)
            keys.append((nz.astype(np.uint32) << 2) + np.uint32(p << PAGE_SHIFT))
            vals.append(w[nz].astype(np.uint32))
        return np.concatenate(keys).astype(np.uint32), np.concatenate(vals).astype(np.uint32)

    def nbytes(self) -> int:
        """Payload size in bytes: pages, encoded permissions, input slice and scalars
        (the pickled size is this plus ~10 bytes per page and ~600 bytes of framing)."""
        return PAGE_SIZE * len(self.pages) + len(self.perm) + len(self.input_slice) + 4 * 32 + 8 * 12

    def validate(self, program: Program | None = None) -> None:
        """Raise :class:`SegmentError` unless the fields are well formed (types, ranges)."""
        i = self.index

        def bad(msg: str):
            raise SegmentError(f"segment {i}: {msg}")

        for name in ("index", "pc", "brk", "mmap_next", "reservation", "input_after", "journal_len",
                     "cycle_offset", "cycles", "steps", "paging"):  # fmt: skip
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                bad(f"{name} must be an int, got {type(v).__name__}")
        if not isinstance(self.halts, bool) or not isinstance(self.input_started, bool):
            bad("halts and input_started must be bools")
        if self.index < 0 or self.input_after < 0 or self.journal_len < 0 or self.cycle_offset < 0 or \
                self.paging < 0:
            bad("index, input_after, journal_len, cycle_offset and paging must be non-negative")
        if self.cycles < 1 or self.steps < 1:
            bad(f"a segment executes at least one instruction (cycles {self.cycles}, steps {self.steps})")
        if not 0 <= self.pc < MEM_SIZE or self.pc % 4:
            bad(f"pc 0x{self.pc:x} is not an aligned guest address")
        if not (isinstance(self.registers, tuple) and len(self.registers) == 32):
            bad("registers must be a tuple of 32 ints")
        if any(not isinstance(r, int) or not 0 <= r < 1 << 32 for r in self.registers) or self.registers[0]:
            bad("registers must be u32 values with x0 = 0")
        if not isinstance(self.pages, dict):
            bad("pages must be a dict")
        for p, data in self.pages.items():
            if not isinstance(p, int) or not 0 <= p < NUM_PAGES:
                bad(f"page number {p!r} out of range")
            if not isinstance(data, bytes) or len(data) != PAGE_SIZE:
                bad(f"page {p} must be {PAGE_SIZE} bytes")
        if not (self.reservation == -1 or (0 <= self.reservation < MEM_SIZE and self.reservation % 4 == 0)):
            bad(f"reservation {self.reservation} is neither -1 nor an aligned address")
        if not (0 <= self.brk <= PROGRAM_END and MMAP_START <= self.mmap_next <= MMAP_END):
            bad(f"brk 0x{self.brk:x} / mmap_next 0x{self.mmap_next:x} out of range")
        if not isinstance(self.input_slice, bytes) or not isinstance(self.perm, bytes):
            bad("input_slice and perm must be bytes")
        self.perm_array()


# ------------------------------------------------------------------------------ split
class _TrackingMachine(CpuState):
    """A machine that marks the pages of every buffer a syscall may write as dirty, and
    (with paging tracking) the tree pages of every buffer a syscall checks as touched."""

    def check_buffer(self, addr: int, length: int, need: int, pc: int, what: str) -> None:
        super().check_buffer(addr, length, need, pc, what)
        if length > 0:  # the buffer is now known to be inside guest memory
            if need & PERM_W:
                self.splitter.mark(addr >> PAGE_SHIFT, ((addr + length - 1) >> PAGE_SHIFT) + 1)
            self.splitter.touch_range(addr, length)


def _check_max_steps(max_steps) -> int:
    if isinstance(max_steps, bool) or not isinstance(max_steps, numbers.Integral):
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r} ({type(max_steps).__name__})")
    if max_steps < 1:
        raise ValueError(f"max_steps must be a positive int (at least 1 EXEC step per segment), got {max_steps}")
    return int(max_steps)


class _Splitter:
    """The driver behind :func:`split` (one instance per run)."""

    def __init__(self, program: Program, input: bytes, max_steps: int, cost: CostFn | None, max_cycles: int,
                 strict: bool = False, paging: PagingCost | None = None):
        self.program, self.input = program, input
        self.max_steps, self.cost, self.max_cycles = max_steps, cost, max_cycles
        self.paging = paging
        m = self.m = _TrackingMachine(program, input, record=False)
        m.strict = strict
        m.splitter = self
        self.code, self.base = fast.predecode(program)
        self.keep = np.full(NUM_PAGES, _NOT_W, dtype=np.uint8)  # 0xFF on dirty pages
        self.shadow = np.empty(NUM_PAGES, dtype=np.uint8)
        self.dirty: list[int] = []
        self.st = np.zeros(fast.STATE_LEN, dtype=np.int64)
        self.st[fast.S_PC] = m.pc
        self.st[fast.S_RESERVATION] = -1
        self.ev = np.zeros((9, 1), dtype=np.uint32)
        # the memory-tree nodes touched in this segment (fast.TREE_NODES entries, 32 MiB)
        self.touch = np.zeros(fast.TREE_NODES if paging else 1, dtype=np.uint8)
        self.pages = _initial_pages(m, program)
        if paging:
            self.st[fast.S_UNIT_STEPS] = paging.unit_steps
            self.st[fast.S_ALLOW] = paging.allowance
            # subtrees that may be non-zero at the first segment's entry: the initial
            # image's non-zero pages and the base pages (registers, salt, OS cells)
            per = 1 << (PAGE_SHIFT - fast.TREE_PAGE_SHIFT)
            for p in self.pages:
                fast.mark_nonzero(self.touch, p * per, (p + 1) * per)
            fast.mark_nonzero(self.touch, 0, 4)
        self._begin_paging()
        self.perm_raw = m.perm.copy()
        self.perm_z = encode_perm(self.perm_raw)
        self._refresh_shadow()

    # -- paging measure ------------------------------------------------------------------
    def _begin_paging(self) -> None:
        """Start a segment's paging count: nothing touched but the base pages 0..3 (every
        node written so far is flagged non-zero), plus the zero blocks."""
        if self.paging:
            fast.clear_touch(self.touch)
            self.st[fast.S_PAGING] = fast.touch_pages(self.touch, 0, 4) + ZERO_BLOCKS

    def touch_range(self, addr: int, length: int) -> None:
        """Count the tree pages of the guest bytes ``[addr, addr + length)`` as touched and
        written (a syscall or precompile buffer, whatever the call does with it)."""
        if self.paging:
            self.st[fast.S_PAGING] += fast.touch_pages(self.touch, *_tree_pages(addr, length))

    def _ecall_overflows(self, steps: int) -> bool:
        """The ecall the run stopped at would take the segment's paging over the budget
        (module docstring, "Paging cost"): end the segment before it."""
        m = self.m
        ranges = _ecall_ranges(m, m.reg(17), m.reg(10), m.reg(11), m.reg(12))
        if not ranges:
            return False
        p0, p1 = np.array([_tree_pages(a, n) for a, n in ranges], dtype=np.int64).T
        new = int(fast.count_new(self.touch, np.ascontiguousarray(p0), np.ascontiguousarray(p1)))
        # up to TOUCH_MAX new measure is covered by the reserve of the cut rule
        return new > fast.TOUCH_MAX and self.paging.cost(steps, int(self.st[fast.S_PAGING]) + new) > self.max_steps

    def _full(self, steps: int) -> bool:
        """The segment ends here (module docstring, "Cutting rule", "Paging cost")."""
        if self.paging:
            steps += self.paging.unit_steps * int(fast.paging_extra(int(self.st[fast.S_PAGING]), self.paging.allowance))
        return steps >= self.max_steps

    # -- dirty-page tracking -------------------------------------------------------------
    def _refresh_shadow(self) -> None:
        np.bitwise_and(self.m.perm, self.keep, out=self.shadow)

    def mark(self, p0: int, p1: int) -> None:
        """Mark pages ``[p0, p1)`` dirty (written in this segment)."""
        sel = self.keep[p0:p1]
        new = np.flatnonzero(sel != 0xFF)
        if len(new):
            sel[new] = 0xFF
            self.shadow[p0:p1] = self.m.perm[p0:p1]
            self.dirty.extend((new + p0).tolist())

    def _trap(self, addr: int) -> bool:
        """A write fault at ``addr`` under the shadow permissions: True if it was only the
        dirty-tracking trap (page now marked; resume), False for a real fault."""
        if addr >= MEM_SIZE:
            return False
        p = addr >> PAGE_SHIFT
        if self.keep[p] == 0xFF or not self.m.perm[p] & PERM_W:
            return False
        self.mark(p, p + 1)
        return True

    def _run(self, code: np.ndarray, stop: int) -> int:
        m, st = self.m, self.st
        while True:
            st[fast.S_STOP_AT] = stop
            status = fast.run(code, self.base, m.mem, m.mem16, m.mem32, self.shadow, m.regs, st, self.ev, False,
                              self.touch)
            addr = int(st[fast.S_ERR_ADDR])
            if status == fast.ST_FAULT_WRITE and self._trap(addr):
                continue
            if soft_fault(m, status, int(st[fast.S_PC]), addr):  # flat data memory
                self._refresh_shadow()
                if status == fast.ST_FAULT_WRITE:
                    self._trap(addr)  # and the page is now written in this segment
                continue
            return status

    # -- snapshots -----------------------------------------------------------------------
    def _snapshot(self, index: int) -> dict:
        """The state at the current boundary (the fields of a SegmentStart but its length)."""
        m, st = self.m, self.st
        if self.dirty:
            pages = dict(self.pages)
            mem = m.mem
            for p in sorted(set(self.dirty)):
                blk = mem[p << PAGE_SHIFT : (p + 1) << PAGE_SHIFT]
                if blk.any():
                    b = blk.tobytes()
                    old = pages.get(p)
                    pages[p] = old if old == b else b  # share unchanged pages between snapshots
                else:
                    pages.pop(p, None)
            self.pages = dict(sorted(pages.items()))
            self.keep[self.dirty] = _NOT_W
            self.dirty.clear()
            self._refresh_shadow()
        if not np.array_equal(m.perm, self.perm_raw):
            self.perm_raw = m.perm.copy()
            self.perm_z = encode_perm(self.perm_raw)
        return dict(
            index=index,
            pc=int(st[fast.S_PC]),
            registers=tuple(int(v) for v in m.regs[:32]),
            pages=self.pages,
            perm=self.perm_z,
            brk=int(m.brk),
            mmap_next=int(m.mmap_next),
            reservation=int(st[fast.S_RESERVATION]),
            input_pos=m.input_pos,
            input_started=bool(m.input_started),
            journal_len=len(m.journal),
            cycle_offset=int(st[fast.S_CYCLES]),
        )

    def _close(self, start: dict, halts: bool, steps: int) -> SegmentStart:
        m = self.m
        pos = start.pop("input_pos")
        seg = SegmentStart(
            **start,
            input_slice=self.input[pos : m.input_pos],
            input_after=len(self.input) - m.input_pos,
            cycles=int(self.st[fast.S_CYCLES]) - start["cycle_offset"],
            steps=steps,
            halts=halts,
            paging=int(self.st[fast.S_PAGING]) if self.paging else 0,
        )
        self._begin_paging()
        return seg

    # -- the run -------------------------------------------------------------------------
    def _ecall(self, pc: int) -> int:
        """Perform the ecall at ``pc``; return its cost (the cycle count is advanced)."""
        m, st = self.m, self.st
        m.pc, m.cycles = pc, int(st[fast.S_CYCLES])
        m.reservation = int(st[fast.S_RESERVATION])
        a7, a0, a1, a2 = m.reg(17), m.reg(10), m.reg(11), m.reg(12)
        handle_syscall(m, pc)
        self._refresh_shadow()  # brk/mmap/munmap/mprotect may have changed permissions
        m.cycles += 1
        st[fast.S_CYCLES] = m.cycles
        if self.cost is None:
            return 1
        c = self.cost(a7, a0, a1, a2, m.reg(10))
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or c < 1:
            raise ValueError(f"cost({a7}, {a0}, {a1}, {a2}, {m.reg(10)}) returned {c!r}; it must be a positive int")
        return int(c)

    def run(self) -> list[SegmentStart]:
        m, st, code = self.m, self.st, self.code
        out: list[SegmentStart] = []
        start = self._snapshot(0)
        steps = 0
        while True:
            c0 = int(st[fast.S_CYCLES])
            if self.paging:  # stop where steps + unit_steps·paging_extra(U) reaches max_steps
                st[fast.S_COST_STOP] = c0 - steps + self.max_steps
                if steps == 0:  # but a segment executes at least one instruction
                    extra = int(fast.paging_extra(int(st[fast.S_PAGING]), self.paging.allowance))
                    st[fast.S_COST_STOP] = max(int(st[fast.S_COST_STOP]), c0 + 1 + self.paging.unit_steps * extra)
            status = self._run(code, min(self.max_cycles, c0 + self.max_steps - steps))
            steps += int(st[fast.S_CYCLES]) - c0
            pc = int(st[fast.S_PC])
            if status == fast.ST_ECALL:
                if self.paging and steps and self._ecall_overflows(steps):
                    out.append(self._close(start, False, steps))  # the next segment starts at the ecall
                    start = self._snapshot(len(out))
                    steps = 0
                    continue
                steps += self._ecall(pc)
                if m.exit_code is not None:
                    st[fast.S_PC] = pc
                    out.append(self._close(start, True, steps))
                    return out
                st[fast.S_PC] = pc + 4
            elif status == fast.ST_STOP:
                if int(st[fast.S_CYCLES]) >= self.max_cycles:
                    raise CycleLimitExceeded(self.max_cycles, pc)
            else:
                m.pc, m.cycles = pc, int(st[fast.S_CYCLES])
                _raise_fault(status, pc, int(st[fast.S_ERR_ADDR]), m)
            if self._full(steps):
                if int(st[fast.S_CYCLES]) >= self.max_cycles:
                    # execute() would need another instruction past the limit
                    raise CycleLimitExceeded(self.max_cycles, int(st[fast.S_PC]))
                out.append(self._close(start, False, steps))
                start = self._snapshot(len(out))
                steps = 0


def _initial_pages(m: CpuState, program: Program) -> dict[int, bytes]:
    """The non-zero pages of the initial image (only pages the image overlaps can be)."""
    cand: set[int] = set()
    for addr, data in program.initial_memory():
        if data:
            cand.update(range(addr >> PAGE_SHIFT, ((addr + len(data) - 1) >> PAGE_SHIFT) + 1))
    pages = {}
    for p in sorted(cand):
        blk = m.mem[p << PAGE_SHIFT : (p + 1) << PAGE_SHIFT]
        if blk.any():
            pages[p] = blk.tobytes()
    return pages


def _as_program(program) -> Program:
    if isinstance(program, Program):
        return program
    if isinstance(program, (bytes, bytearray, memoryview)):
        return load_elf(bytes(program))
    raise TypeError(f"program must be a zkvm.riscv.Program or ELF bytes, got {type(program).__name__}")


def split(
    program: Program,
    input: bytes = b"",
    max_steps: int = 1 << 20,
    cost: CostFn | None = None,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    strict: bool = False,
    paging: PagingCost | None = None,
) -> list[SegmentStart]:
    """Run ``program`` once (fast, not recording) and cut it into segments.

    A segment ends at the first instruction boundary where its EXEC steps reach
    ``max_steps`` (non-ecall instructions cost 1, an ecall ``cost(a7, a0, a1, a2, ret)``,
    default 1); the last one ends with the guest's exit. Guest errors raise the same
    :class:`~zkvm.riscv.errors.GuestError` subclasses as :func:`~zkvm.riscv.executor.execute`
    (``max_cycles`` counts the whole run). ``max_steps`` must be a positive int
    (:class:`ValueError` otherwise), as must every value ``cost`` returns.

    ``strict``: stop with :class:`~zkvm.riscv.errors.UnprovableSyscall` at the first
    syscall outside the provable subset (the prover's planning run).

    ``paging``: count the memory-tree work in the cost too (module docstring "Paging
    cost"); every snapshot's ``paging`` field then holds its paging measure.

    Returns the snapshots in order: ``sum(s.cycles) == execute(...).cycles`` and the input
    slices concatenate to the prefix of ``input`` the guest read.
    """
    max_steps = _check_max_steps(max_steps)
    if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) or max_cycles < 1:
        raise ValueError(f"max_cycles must be a positive int, got {max_cycles!r}")
    if cost is not None and not callable(cost):
        raise TypeError("cost must be callable: cost(a7, a0, a1, a2, ret) -> int")
    if paging is not None and not isinstance(paging, PagingCost):
        raise TypeError(f"paging must be a PagingCost or None, got {type(paging).__name__}")
    return _Splitter(_as_program(program), bytes(input), max_steps, cost, max_cycles, strict, paging).run()


# ------------------------------------------------------------------------- run_segment
def restore(program: Program, start: SegmentStart, record: bool = False) -> CpuState:
    """A :class:`CpuState` in the state ``start`` describes (input = the segment's slice).

    The machine holds only the segment's input slice, with ``input_extra =
    input_after``: every ``read`` sees the same number of input bytes left as in the
    full run (``CpuState.input_left``), so it returns what it returned there, and the
    input OS cell has the same value.
    """
    program = _as_program(program)
    start.validate()
    m = CpuState(program, start.input_slice, record, load_image=False)
    for p, data in start.pages.items():
        m.mem[p << PAGE_SHIFT : (p + 1) << PAGE_SHIFT] = np.frombuffer(data, dtype=np.uint8)
    m.perm[:] = start.perm_array()
    m.regs[:32] = start.registers
    m.pc = start.pc
    m.brk = start.brk
    m.mmap_next = start.mmap_next
    m.reservation = start.reservation
    m.input_extra = start.input_after
    m.input_started = start.input_started
    return m


def replay(program: Program, start: SegmentStart, record: bool = True) -> tuple[ExecutionResult, CpuState]:
    """:func:`run_segment`, also returning the machine in its state after the segment."""
    m = restore(program, start, record)
    events = _run_fast(m, start.cycles, stop_at_limit=True)
    i = start.index
    if m.cycles != start.cycles or (m.exit_code is not None) != start.halts:
        what = "exited" if m.exit_code is not None else "did not exit"
        raise SegmentError(
            f"segment {i}: replay {what} after {m.cycles} of {start.cycles} cycles "
            f"(halts={start.halts}): the snapshot does not belong to this program"
        )
    if m.input_pos != len(start.input_slice):
        raise SegmentError(
            f"segment {i}: replay read {m.input_pos} of the {len(start.input_slice)} input bytes of its slice"
        )
    result = result_of(m, events)
    return result, m


def run_segment(program: Program, start: SegmentStart, record: bool = True) -> ExecutionResult:
    """Re-execute exactly the segment ``start`` describes (with event recording by default).

    The result differs from a full :func:`~zkvm.riscv.executor.execute` as follows:

    * ``events``, ``syscall_accesses``, ``precompile_events``: only this segment's
      instructions; cycle indices (event rows, ``SyscallAccesses.cycle``, precompile
      ``cycle``) are relative to the segment start (add ``start.cycle_offset``);
    * ``journal``, ``stdout``, ``stderr``, ``precompile_calls``: only what this segment
      wrote/called (the journal continues at byte ``start.journal_len``);
    * ``exit_code``: the exit code if ``start.halts``, else ``None``; ``note`` likewise;
    * ``cycles = start.cycles``; ``registers``: x0..x31 after the segment;
    * ``pc``: the exiting ecall's pc if ``start.halts``, else the pc of the next
      segment's first instruction.

    Raises :class:`SegmentError` if the snapshot is malformed or the replay does not
    behave as recorded (exits early, runs past the end, or leaves input unread), and a
    :class:`~zkvm.riscv.errors.GuestError` if the guest faults.
    """
    return replay(program, start, record)[0]


__all__ = [
    "SegmentStart", "SegmentError", "split", "run_segment", "replay", "restore", "encode_perm", "decode_perm",
    "CostFn", "PagingCost", "BASE_UNITS", "BASE_MEASURE", "ZERO_BLOCKS",
]

"""``execute``: run a guest program to its exit and return what it produced.

The fast interpreter (:mod:`zkvm.riscv.fast`) runs in a numba loop and returns here for
every ``ecall`` (handled by :mod:`zkvm.riscv.syscalls`), for errors, and when the event
buffer is full (it grows by doubling). ``engine="spec"`` runs the reference interpreter
instead (slow; for tests).  ``engine="auto"`` (unrecorded runs, what ``zkvm run`` uses)
starts with the reference interpreter and hands the machine over to the fast one after
:data:`AUTO_SPEC_CYCLES` cycles: a small program then finishes before numba is even
imported (importing numba and loading the cached interpreter cost ~0.4 s per process,
most of a short run), a long one loses ~0.1 s.  :mod:`zkvm.riscv.fast` is imported on
first use only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import (
    CycleLimitExceeded,
    GuestError,
    IllegalInstruction,
    MemoryFault,
    MisalignedAccess,
)
from .events import Events, SyscallAccesses
from .hostcalls import markers_of
from .layout import PERM_R, PERM_W, Program
from .machine import CpuState
from .precompiles import PrecompileEvents, log_of
from .spec import run_spec
from .syscalls import handle_syscall

#: Default cycle limit (executed instructions).
DEFAULT_MAX_CYCLES = 1 << 30
#: ``engine="auto"``: cycles run by the reference interpreter (~0.1 s) before the fast one
AUTO_SPEC_CYCLES = 20_000
#: Rows per event chunk (36 MiB). Measured: 2**20 records at ~35 MHz, 2**25 at ~5 MHz
#: (page-faulting one huge lazily mapped buffer is slow), 2**16 at ~20 MHz.
_EVENT_CHUNK = 1 << 20


@dataclass
class ExecutionResult:
    """What a guest run produced. ``events``/``syscall_accesses`` are None unless ``record``."""

    exit_code: int
    stdout: bytes
    stderr: bytes
    journal: bytes
    cycles: int
    events: Events | None
    syscall_accesses: SyscallAccesses | None
    registers: tuple[int, ...]  # x0..x31 at exit
    pc: int  # pc of the exiting ecall
    note: str | None = None  # e.g. "aborted" (musl abort())
    #: precompile calls per name (e.g. ``{"sha256_compress": 16}``), counted apart from
    #: ``cycles`` (each call's ecall is one cycle there); empty if none were made.
    precompile_calls: dict = field(default_factory=dict)
    #: per-call records (words read/written) when ``record``, else None.
    precompile_events: PrecompileEvents | None = None
    #: why this run cannot be proven (the first syscall outside the provable subset,
    #: docs/abi.md), as ``"<what> at pc 0x..."``; None when every call is provable
    unprovable: str | None = None
    #: one :class:`zkvm.riscv.syscalls.SysRecord` per ecall when ``record``, else None
    sys_records: list | None = None
    #: accesses to pages the program did not map for that use, performed anyway (flat
    #: data memory, docs/abi.md); the first few, and how many there were
    warnings: list = field(default_factory=list)
    warning_count: int = 0
    #: cycle markers ``(cycle, name, kind)`` (kind 0 begin, 1 end) in execution order
    #: (:mod:`zkvm.riscv.hostcalls`); empty if the guest used none.
    cycle_markers: tuple = ()


def execute(
    program: Program,
    input: bytes = b"",
    max_cycles: int = DEFAULT_MAX_CYCLES,
    record: bool = False,
    engine: str = "fast",
) -> ExecutionResult:
    """Run ``program`` with private ``input`` until it exits.

    Raises a :class:`~zkvm.riscv.errors.GuestError` subclass when the guest faults, hits an
    illegal instruction or an unknown syscall, or runs ``max_cycles`` instructions without
    exiting. ``cycles`` counts executed instructions, the final ``ecall`` included.
    """
    if not isinstance(max_cycles, int) or max_cycles < 1:
        raise ValueError(f"max_cycles must be a positive int, got {max_cycles!r}")
    m = CpuState(program, bytes(input), record)
    if engine == "auto" and record:
        engine = "fast"  # one engine must record all the events
    try:
        if engine == "spec":
            rows = run_spec(m, max_cycles)
            events = Events.from_rows(rows) if record else None
        elif engine == "fast":
            events = _run_fast(m, max_cycles)
        elif engine == "auto":
            events = None
            try:
                run_spec(m, min(max_cycles, AUTO_SPEC_CYCLES))
            except CycleLimitExceeded:
                if m.cycles >= max_cycles:
                    raise
                # resume where the reference interpreter stopped (pc, cycles, registers,
                # memory and reservation all live in ``m``)
                _run_fast(m, max_cycles)
        else:
            raise ValueError(f"unknown engine {engine!r} (use 'fast', 'spec' or 'auto')")
    except GuestError as e:
        _attach_state(e, m)
        raise
    return result_of(m, events)


def _attach_state(e: GuestError, m: CpuState) -> None:
    """Give a guest error what the guest had done when it stopped (for diagnostics):
    ``e.stdout``/``e.stderr``/``e.journal`` (bytes written so far), ``e.registers``
    (x0..x31), ``e.cycles`` and ``e.cycle_markers``."""
    e.stdout, e.stderr, e.journal = bytes(m.stdout), bytes(m.stderr), bytes(m.journal)
    e.registers = tuple(int(v) for v in m.regs[:32])
    e.cycles = int(m.cycles)
    e.cycle_markers = tuple(markers_of(m))


def result_of(m: CpuState, events: Events | None) -> ExecutionResult:
    """The :class:`ExecutionResult` of machine ``m`` after a run (a whole execution or a
    segment, :mod:`zkvm.riscv.segments`); ``exit_code`` is ``None`` if it did not exit."""
    return ExecutionResult(
        exit_code=None if m.exit_code is None else int(m.exit_code),
        stdout=bytes(m.stdout),
        stderr=bytes(m.stderr),
        journal=bytes(m.journal),
        cycles=m.cycles,
        events=events,
        syscall_accesses=SyscallAccesses.from_chunks(m.sys_chunks) if m.record else None,
        registers=tuple(int(v) for v in m.regs[:32]),
        pc=m.pc,
        note=m.note,
        precompile_calls=log_of(m).calls(),
        precompile_events=log_of(m).events() if m.record else None,
        unprovable=None if m.unprovable is None else
        f"{m.unprovable[1]} at pc 0x{m.unprovable[0]:08x}",
        sys_records=list(m.sys_records) if m.record else None,
        warnings=list(m.warnings),
        warning_count=m.warning_count,
        cycle_markers=tuple(markers_of(m)),
    )


def _run_fast(m: CpuState, max_cycles: int, stop_at_limit: bool = False) -> Events | None:
    """Run ``m`` from its current state (pc, cycles, reservation) with the fast interpreter.

    Stops at the guest's exit. Reaching ``max_cycles`` raises :class:`CycleLimitExceeded`,
    unless ``stop_at_limit``: then the run just ends there (continuation segments,
    :func:`zkvm.riscv.segments.run_segment`), with ``m.pc`` the next instruction's pc.
    """
    from . import fast

    code, base = fast.predecode(m.program)
    no_touch = np.zeros(1, dtype=np.uint8)  # no paging tracking (fast.run)
    st = np.zeros(fast.STATE_LEN, dtype=np.int64)
    st[fast.S_PC] = m.pc
    st[fast.S_CYCLES] = m.cycles
    st[fast.S_RESERVATION] = m.reservation
    # Events go to chunks of shape (9, cap): one line per field, so the loop writes nine
    # sequential streams. With one chunk the Events columns are views (no copy); otherwise a
    # full chunk is kept, another started, and they are joined at the end.
    chunks: list[tuple[np.ndarray, int]] = []
    cap = min(max_cycles, _EVENT_CHUNK) if m.record else 1
    ev = np.zeros((9, cap), dtype=np.uint32)
    recorded = 0  # rows in finished chunks
    while True:
        cycles = int(st[fast.S_CYCLES])
        if m.record:
            if st[fast.S_NEV] == ev.shape[1]:
                chunks.append((ev, ev.shape[1]))
                recorded += ev.shape[1]
                ev = np.zeros((9, max(1, min(_EVENT_CHUNK, max_cycles - recorded))), dtype=np.uint32)
                st[fast.S_NEV] = 0
            st[fast.S_STOP_AT] = min(max_cycles, cycles + ev.shape[1] - int(st[fast.S_NEV]))
        else:
            st[fast.S_STOP_AT] = max_cycles
        status = fast.run(code, base, m.mem, m.mem16, m.mem32, m.perm, m.regs, st, ev, m.record, no_touch)
        pc = int(st[fast.S_PC])
        m.pc, m.cycles = pc, int(st[fast.S_CYCLES])
        if status == fast.ST_ECALL:
            m.reservation = int(st[fast.S_RESERVATION])
            a7, a0 = m.reg(17), m.reg(10)
            handle_syscall(m, pc)
            if m.record:
                i = int(st[fast.S_NEV])
                ev[:, i] = (pc, pc + 4, 0x73, a7, a0, m.reg(10), 0, 0, 0)
                st[fast.S_NEV] = i + 1
            m.cycles += 1
            st[fast.S_CYCLES] = m.cycles
            if m.exit_code is not None:
                break
            st[fast.S_PC] = m.pc = pc + 4
            if stop_at_limit and m.cycles >= max_cycles:
                break
            continue
        if status == fast.ST_STOP:
            if m.cycles >= max_cycles:
                if stop_at_limit:
                    break
                raise CycleLimitExceeded(max_cycles, pc)
            continue  # event chunk full: start another and resume
        if soft_fault(m, status, pc, int(st[fast.S_ERR_ADDR])):
            continue  # flat data memory: the access is performed (machine.py)
        _raise_fault(status, pc, int(st[fast.S_ERR_ADDR]), m)
    m.reservation = int(st[fast.S_RESERVATION])
    if not m.record:
        return None
    chunks.append((ev, int(st[fast.S_NEV])))
    if len(chunks) == 1:
        cols = [ev[k, : chunks[0][1]] for k in range(9)]
    else:
        cols = [np.concatenate([c[k, :n] for c, n in chunks]) for k in range(9)]
    return Events(*cols)


def soft_fault(m: CpuState, status: int, pc: int, addr: int) -> bool:
    """A read/write fault of the fast interpreter that flat data memory performs anyway
    (:meth:`CpuState.soft_fault`; the faulting instruction has not executed, so the caller
    resumes it)."""
    from . import fast

    if status == fast.ST_FAULT_READ:
        return m.soft_fault(addr, PERM_R, pc)
    if status == fast.ST_FAULT_WRITE:
        return m.soft_fault(addr, PERM_W, pc)
    return False


def _raise_fault(status: int, pc: int, addr: int, m: CpuState) -> None:
    from . import fast

    if status == fast.ST_FAULT_READ:
        raise MemoryFault(f"read of unmapped or protected address 0x{addr:08x}", pc, addr, "read")
    if status == fast.ST_FAULT_WRITE:
        raise MemoryFault(f"write of unmapped or protected address 0x{addr:08x}", pc, addr, "write")
    if status == fast.ST_FAULT_EXEC:
        raise MemoryFault(f"execute at non-executable address 0x{pc:08x}", pc, pc, "execute")
    if status == fast.ST_MISALIGNED_LOAD:
        raise MisalignedAccess(f"misaligned read at 0x{addr:08x}", pc, addr, "read")
    if status == fast.ST_MISALIGNED_STORE:
        raise MisalignedAccess(f"misaligned write at 0x{addr:08x}", pc, addr, "write")
    if status == fast.ST_MISALIGNED_JUMP:
        raise MisalignedAccess(f"jump to misaligned address 0x{addr:08x}", pc, addr, "execute")
    if status == fast.ST_EBREAK:
        raise IllegalInstruction("ebreak: breakpoints are not supported", pc, 0x0010_0073)
    word = int(m.mem32[pc >> 2])
    raise IllegalInstruction(f"illegal instruction 0x{word:08x}", pc, word)

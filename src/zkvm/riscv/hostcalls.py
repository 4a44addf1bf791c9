"""zkvm host calls: system calls that exist only for the developer, not for the program.

Numbers ``0x5B00..0x5BFF`` are reserved for them (after the precompiles' ``0x5A00..0x5AFF``,
docs/abi.md). A host call has **no effect on the guest's state** apart from ``a0 = 0``:
it reads no input, writes no output and no memory, so a program that uses one computes
exactly what it computes without it (under Linux or ``qemu-riscv32`` the number is unknown
and the kernel returns ``-ENOSYS``, which the SDK ignores).

==========  ==========================  ============================================
number      name                        arguments
==========  ==========================  ============================================
``0x5B00``  ``ZKVM_SYS_CYCLE_MARKER``   a0 = pointer to a NUL-terminated region
                                        name (at most 255 bytes before the NUL),
                                        a1 = 0 begin / 1 end
==========  ==========================  ============================================

Cycle markers (docs/cycle-tracking.md): the executor records ``(cycle, name, kind)``
in :attr:`zkvm.riscv.executor.ExecutionResult.cycle_markers`, where ``cycle`` is the
cycle index of the marker's ``ecall`` (the number of instructions executed before it)
and ``kind`` is ``0`` (begin) or ``1`` (end). :func:`region_stats` turns them into
per-region counts and totals. The name is read straight from guest memory *without*
going through :meth:`CpuState.read_buffer`, so it is not a syscall memory access: the
circuits see an ``ecall`` whose only effect is ``a0 = 0`` (the Syscall chip pins it).

Bad arguments (a name pointer outside guest memory, a name without a NUL in its first 256
bytes, ``a1`` not 0/1) never stop the guest -- the circuits prove the call as a no-op
whatever its arguments (soundness checklist 31) --: the marker is dropped and a warning
says why (``ExecutionResult.warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .layout import MEM_SIZE, RESERVED_END

SYS_CYCLE_MARKER = 0x5B00
HOSTCALL_RANGE = range(0x5B00, 0x5C00)
MARKER_BEGIN = 0
MARKER_END = 1
MAX_NAME = 255


def markers_of(m) -> list:
    """The machine's cycle-marker list ``[(cycle, name, kind), ...]`` (created on first use)."""
    log = m.__dict__.get("cycle_markers")
    if log is None:
        log = m.cycle_markers = []
    return log


def _read_name(m, addr: int) -> str | None:
    """The NUL-terminated name at ``addr`` (at most ``MAX_NAME`` bytes), or None if it
    is not inside guest memory ``[0x1_0000, 2^30)`` or has no NUL in time. Data memory is
    flat (docs/abi.md): page permissions do not matter here either."""
    if not RESERVED_END <= addr < MEM_SIZE:
        return None
    raw = m.mem[addr:min(addr + MAX_NAME + 1, MEM_SIZE)].tobytes()
    z = raw.find(b"\0")
    return None if z < 0 else raw[:z].decode("utf-8", "replace")


def handle_hostcall(m, num: int, pc: int) -> None:
    """Perform host call ``num`` (in :data:`HOSTCALL_RANGE`) of the ``ecall`` at ``pc``.

    Correctness (soundness checklist 31): the circuits prove a cycle marker as a call
    whose only effect is ``a0 = 0``, whatever its arguments, so the executor must not fail
    on any of them either: a bad name pointer or ``a1`` drops the marker with a warning
    (``ExecutionResult.warnings``) and the run goes on."""
    from .errors import UnknownSyscall

    if num != SYS_CYCLE_MARKER:
        raise UnknownSyscall(num, pc)
    addr, kind = m.reg(10), m.reg(11)
    name = _read_name(m, addr)
    if kind not in (MARKER_BEGIN, MARKER_END) or name is None:
        why = (f"a1 must be 0 (begin) or 1 (end), got {kind}" if name is not None else
               f"no NUL-terminated name at 0x{addr:08x} (guest memory, at most {MAX_NAME} bytes)")
        m.warn(f"cycle marker at pc 0x{pc:08x} ignored: {why}")
    else:
        markers_of(m).append((int(m.cycles), name, kind))
    m.set_reg(10, 0)


@dataclass(frozen=True)
class RegionStats:
    """One named region: ``count`` completed begin/end pairs, their ``total`` cycles
    (sum of ``end cycle - begin cycle``), ``min``/``max`` of one pair, and ``unclosed``
    begins left open at exit / ``unmatched_ends`` ends without a begin."""

    name: str
    count: int
    total: int
    min: int
    max: int
    unclosed: int = 0
    unmatched_ends: int = 0

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


def region_stats(markers) -> list[RegionStats]:
    """Pair the markers by name (an end closes the most recent open begin of the same
    name, so a region may nest in itself, e.g. in recursion) and summarise each name, in
    order of first appearance. A pair's cycles are ``end.cycle - begin.cycle``: the
    instructions from the begin marker's ``ecall`` (included) to the end marker's
    ``ecall`` (excluded)."""
    open_: dict[str, list[int]] = {}
    acc: dict[str, list] = {}
    for cycle, name, kind in markers:
        a = acc.setdefault(name, [0, 0, None, None, 0])  # count, total, min, max, unmatched
        if kind == MARKER_BEGIN:
            open_.setdefault(name, []).append(int(cycle))
            continue
        stack = open_.get(name)
        if not stack:
            a[4] += 1
            continue
        d = int(cycle) - stack.pop()
        a[0] += 1
        a[1] += d
        a[2] = d if a[2] is None else min(a[2], d)
        a[3] = d if a[3] is None else max(a[3], d)
    return [RegionStats(n, a[0], a[1], a[2] or 0, a[3] or 0, len(open_.get(n, ())), a[4])
            for n, a in acc.items()]


__all__ = ["SYS_CYCLE_MARKER", "HOSTCALL_RANGE", "RegionStats", "handle_hostcall",
           "markers_of", "region_stats"]

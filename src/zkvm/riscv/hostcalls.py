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
going through :meth:`Machine.read_buffer`, so it is not a syscall memory access: the
circuits see an ``ecall`` whose only effect is ``a0 = 0`` (the Syscall chip pins it).

Errors (a guest bug is reported loudly, like every other bad syscall argument): a name
pointer into unreadable memory, a name without a NUL in its first 256 bytes, or
``a1`` not 0/1 raise :class:`~zkvm.riscv.errors.MemoryFault` /
:class:`HostCallError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import GuestError, MemoryFault
from .layout import MEM_SIZE, PAGE_SHIFT, PERM_R

SYS_CYCLE_MARKER = 0x5B00
HOSTCALL_RANGE = range(0x5B00, 0x5C00)
MARKER_BEGIN = 0
MARKER_END = 1
MAX_NAME = 255


class HostCallError(GuestError):
    """A host call with bad arguments (e.g. a cycle marker whose ``a1`` is not 0/1)."""


def markers_of(m) -> list:
    """The machine's cycle-marker list ``[(cycle, name, kind), ...]`` (created on first use)."""
    log = m.__dict__.get("cycle_markers")
    if log is None:
        log = m.cycle_markers = []
    return log


def _read_name(m, addr: int, pc: int) -> str:
    """The NUL-terminated name at ``addr`` (every byte up to the NUL must be readable)."""
    limit = min(addr + MAX_NAME + 1, MEM_SIZE)
    a = addr
    while a < limit:
        if not m.perm[a >> PAGE_SHIFT] & PERM_R:
            raise MemoryFault(f"cycle marker: name at 0x{addr:08x} is not readable at 0x{a:08x}",
                              pc, a, "read")
        page_end = min(((a >> PAGE_SHIFT) + 1) << PAGE_SHIFT, limit)
        z = m.mem[a:page_end].tobytes().find(b"\0")
        if z >= 0:
            return m.mem[addr:a + z].tobytes().decode("utf-8", "replace")
        a = page_end
    if addr >= MEM_SIZE:
        raise MemoryFault(f"cycle marker: name at 0x{addr:08x} is outside guest memory", pc, addr, "read")
    raise HostCallError(f"cycle marker: the name at 0x{addr:08x} has no NUL in its first "
                        f"{MAX_NAME + 1} bytes", pc)


def handle_hostcall(m, num: int, pc: int) -> None:
    """Perform host call ``num`` (in :data:`HOSTCALL_RANGE`) of the ``ecall`` at ``pc``."""
    from .errors import UnknownSyscall

    if num != SYS_CYCLE_MARKER:
        raise UnknownSyscall(num, pc)
    addr, kind = m.reg(10), m.reg(11)
    if kind not in (MARKER_BEGIN, MARKER_END):
        raise HostCallError(f"cycle marker: a1 must be 0 (begin) or 1 (end), got {kind}", pc)
    name = _read_name(m, addr, pc)
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


__all__ = ["SYS_CYCLE_MARKER", "HOSTCALL_RANGE", "HostCallError", "RegionStats", "handle_hostcall",
           "markers_of", "region_stats"]

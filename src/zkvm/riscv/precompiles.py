"""Executing precompiles: the generic dispatcher over :mod:`zkvm.precompiles.registry`.

Precompiles are system calls in the reserved range ``0x5A00..0x5AFF`` (docs/abi.md,
"Precompiles"; the list is the registry, docs/precompiles.md).  Each one reads a fixed
set of aligned 32-bit words of guest memory (its registry row's buffers, pointers in
``a0``/``a1``), computes a fixed function (its folder's ``exec.run``), writes its output
buffers and returns ``a0 = 0``.

Checks (soundness checklist item 26): pointers must be 4-aligned (``MisalignedAccess``)
and every byte of each buffer must be inside guest memory with the needed permission
(``MemoryFault`` naming the precompile and the buffer); an output buffer is read and
written, so it needs R and W.  The buffers are checked in register order (a0 first)
and all inputs are read before any output is written, so the buffers may overlap (the
circuits do the same: reads at earlier memory times than the writes).

Accounting: :class:`PrecompileLog` counts calls per precompile (``ExecutionResult.
precompile_calls``, separate from RISC-V ``cycles``: the ``ecall`` itself is one cycle)
and, when recording, keeps one record per call (:class:`PrecompileEvents`) with the
words read and written; the precompile traffic is *not* part of ``SyscallAccesses``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zkvm.precompiles.registry import BY_NUMBER, PRECOMPILE_RANGE, REGISTRY, calls_class

from .errors import MisalignedAccess, UnknownSyscall
from .layout import PERM_R, PERM_W

#: number -> name (the names used in ``ExecutionResult.precompile_calls``).
PRECOMPILE_NAMES = {p.number: p.name for p in REGISTRY}


class PrecompileEvents:
    """Per-call records of every precompile (``ExecutionResult.precompile_events``): one
    :func:`zkvm.precompiles.registry.calls_class` record per registry row, as the
    attribute named by its folder (``events.sha256``, ``events.keccak``, ...)."""

    def __init__(self, calls: dict):
        self.by_folder = dict(calls)

    def __getattr__(self, name):
        try:
            return self.__dict__["by_folder"][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def of(cls, **calls) -> "PrecompileEvents":
        """Events with the given ``folder=calls`` records and no calls of the others
        (tests and tools that build records by hand)."""
        return cls({p.folder: calls.get(p.folder) if p.folder in calls else PrecompileLog()
                    .events().by_folder[p.folder] for p in REGISTRY})

    def memory_words(self) -> int:
        """Number of word accesses (a read-and-write of one word counts once)."""
        return sum(p.words * len(self.by_folder[p.folder]) for p in REGISTRY)


def _column(rows, i, width=None):
    if not rows:
        return np.zeros((0,) if width is None else (0, width), dtype=np.uint32)
    return np.array([r[i] for r in rows], dtype=np.uint32)


@dataclass
class PrecompileLog:
    """Per-run accumulator the syscall layer attaches to the machine."""

    counts: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)  # number -> [record tuple per call]

    def calls(self) -> dict[str, int]:
        return {PRECOMPILE_NAMES[k]: v for k, v in sorted(self.counts.items())}

    def events(self) -> PrecompileEvents:
        out = {}
        for p in REGISTRY:
            rows = self.rows.get(p.number, [])
            widths = [None] * (3 + len(p.buffers))
            for b in p.buffers:
                widths += [b.words, b.words] if b.write else [b.words]
            out[p.folder] = calls_class(p)(*[_column(rows, i, w) for i, w in enumerate(widths)])
        return PrecompileEvents(out)


def log_of(m) -> PrecompileLog:
    """The machine's :class:`PrecompileLog` (created on first use)."""
    log = m.__dict__.get("precompile_log")
    if log is None:
        log = m.precompile_log = PrecompileLog()
    return log


def _words(m, addr: int, n: int, need: int, pc: int, what: str) -> np.ndarray:
    """Check and return the ``n`` aligned words at ``addr`` (a copy)."""
    if addr % 4:
        kind = "write" if need & PERM_W else "read"
        raise MisalignedAccess(f"{what}: pointer 0x{addr:08x} is not 4-byte aligned", pc, addr, kind)
    m.check_buffer(addr, 4 * n, need, pc, what)
    return m.mem32[addr >> 2 : (addr >> 2) + n].copy()


def handle_precompile(m, num: int, pc: int) -> None:
    """Run precompile ``num`` (in :data:`PRECOMPILE_RANGE`) for the ecall at ``pc``.

    Raises :class:`UnknownSyscall` for an unassigned number in the range, and
    :class:`MisalignedAccess`/:class:`MemoryFault` for a bad pointer (nothing is written
    then). On success writes the output words and sets ``a0 = 0``.
    """
    p = BY_NUMBER.get(num)
    if p is None:
        raise UnknownSyscall(num, pc)
    a0, a1 = m.reg(10), m.reg(11)
    ptr = {10: a0, 11: a1}
    words = {}
    for b in sorted(p.buffers, key=lambda b: b.reg):
        what = f"{p.name} {b.name}"
        words[b.name] = _words(m, ptr[b.reg], b.words, PERM_R, pc, what)
        if b.write:
            _words(m, ptr[b.reg], b.words, PERM_W, pc, what)
    out = p.exec().run(words)
    for b in p.buffers:
        if b.write:
            o = np.asarray(out[b.name], dtype=np.uint32)
            m.mem32[ptr[b.reg] >> 2 : (ptr[b.reg] >> 2) + b.words] = o
            out[b.name] = o
    log = log_of(m)
    if m.record:
        rec = [m.cycles, a0, a1, *(ptr[b.reg] for b in p.buffers)]
        for b in p.buffers:
            rec += [words[b.name], out[b.name]] if b.write else [words[b.name]]
        log.rows.setdefault(num, []).append(tuple(rec))
    log.counts[num] = log.counts.get(num, 0) + 1
    m.set_reg(10, 0)


__all__ = ["PRECOMPILE_RANGE", "PRECOMPILE_NAMES", "handle_precompile", "PrecompileEvents",
           "PrecompileLog", "log_of"]

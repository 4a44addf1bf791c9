"""Execution records: :class:`Events` (one row per instruction) and :class:`SyscallAccesses`.

Both are structs of numpy ``uint32`` arrays of equal length (docs/architecture.md section 5).

``Events`` columns, row ``i`` = the ``i``-th executed instruction (ecall included):

* ``pc``, ``next_pc``, ``insn`` (the raw instruction word);
* ``rs1_val``, ``rs2_val``: values of the registers named by the decoded rs1/rs2 fields
  *before* the instruction (0 for a field the format does not have, i.e. x0). For
  ``ecall`` they are a7 (the syscall number) and a0 (first argument);
* ``rd_val``: the value written to rd (0 when rd = x0 or the instruction writes no
  register). For ``ecall`` it is a0 *after* the syscall (its return value; unchanged for
  syscalls that do not return, e.g. exit);
* ``mem_addr``: effective byte address of a load/store/lr/sc/AMO, else 0;
* ``mem_before``, ``mem_after``: the aligned 32-bit word at ``mem_addr & ~3`` before and
  after the instruction (equal for loads and for a failed ``sc.w``; 0 when no access).

``SyscallAccesses`` columns, one row per 32-bit word a syscall touched in guest memory, in
order: ``cycle`` (row index of the ``ecall`` in ``Events``), ``addr`` (word aligned),
``before``, ``after``, ``kind`` (:data:`KIND_WRITE` = 0, the syscall wrote guest memory, e.g.
private input for ``read``; :data:`KIND_READ` = 1, the syscall read guest memory, e.g. the
buffer of ``write``). A word that is only partly written keeps its other bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

KIND_WRITE = 0  # "input write" in docs/architecture.md
KIND_READ = 1  # "output read"

EVENT_COLUMNS = ("pc", "next_pc", "insn", "rs1_val", "rs2_val", "rd_val", "mem_addr", "mem_before", "mem_after")
SYSCALL_COLUMNS = ("cycle", "addr", "before", "after", "kind")


@dataclass
class Events:
    pc: np.ndarray
    next_pc: np.ndarray
    insn: np.ndarray
    rs1_val: np.ndarray
    rs2_val: np.ndarray
    rd_val: np.ndarray
    mem_addr: np.ndarray
    mem_before: np.ndarray
    mem_after: np.ndarray

    def __len__(self) -> int:
        return len(self.pc)

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> "Events":
        """Build from an ``(n, 9)`` array whose columns follow :data:`EVENT_COLUMNS`."""
        rows = np.asarray(rows)
        return cls(*(np.ascontiguousarray(rows[:, i], dtype=np.uint32) for i in range(len(EVENT_COLUMNS))))

    def row(self, i: int) -> dict[str, int]:
        return {f.name: int(getattr(self, f.name)[i]) for f in fields(self)}

    def equals(self, other: "Events") -> bool:
        return all(np.array_equal(getattr(self, c), getattr(other, c)) for c in EVENT_COLUMNS)


@dataclass
class SyscallAccesses:
    cycle: np.ndarray
    addr: np.ndarray
    before: np.ndarray
    after: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.cycle)

    @classmethod
    def from_chunks(cls, chunks: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, int]]) -> "SyscallAccesses":
        """Concatenate ``(cycle, addrs, before, after, kind)`` chunks."""
        if not chunks:
            e = np.zeros(0, dtype=np.uint32)
            return cls(e, e.copy(), e.copy(), e.copy(), e.copy())
        cyc = np.concatenate([np.full(len(a), c, dtype=np.uint32) for c, a, _, _, _ in chunks])
        addr = np.concatenate([a for _, a, _, _, _ in chunks]).astype(np.uint32)
        before = np.concatenate([b for _, _, b, _, _ in chunks]).astype(np.uint32)
        after = np.concatenate([x for _, _, _, x, _ in chunks]).astype(np.uint32)
        kind = np.concatenate([np.full(len(a), k, dtype=np.uint32) for _, a, _, _, k in chunks])
        return cls(cyc, addr, before, after, kind)

    def equals(self, other: "SyscallAccesses") -> bool:
        return all(np.array_equal(getattr(self, c), getattr(other, c)) for c in SYSCALL_COLUMNS)

"""The precompiles in the machine: generic plumbing over the registry
(docs/circuits.md §11; each precompile's own tables are in its folder's ``air.py``).

* The **PRECOMPILE** bus (:data:`zkvm.chips.buses.PRECOMPILE`): the ``Syscall`` row of a
  precompile ecall sends ``(number, ts, a0_0..a0_3, a1_0..a1_3)`` -- the syscall number,
  the ecall's EXEC time ``ts`` and the byte limbs of the two pointer registers as read by
  that row -- with multiplicity "is a precompile"; the precompile's table receives it on
  the first row of the call.
* **Memory times**: a precompile call at EXEC time ``ts`` owns the EXEC steps
  ``ts+2 … ts+1+steps`` (the syscall row advances EXEC by ``2 + steps``, registry
  ``Precompile.steps``), i.e. the memory times ``4(ts+2) + k`` for ``0 ≤ k < 4·steps``.
  No instruction has those EXEC times, so the precompile's accesses never collide with
  another access.  Word ``k`` of the concatenation of the row's buffers (in their
  declared order) is accessed at ``4(ts+2) + k``.
* :func:`memory_accesses` lists every word access of every call, in a fixed order, for
  the global offline-memory-checking history (tracegen), and :func:`split_prev_ts` hands
  each precompile back its accesses' ``prev_ts``.

Correctness: the pointer limbs come from the Syscall row's register reads (bytes, since
every register write range-checks its limbs), so the tables may rely on them being bytes.
"""

from __future__ import annotations

import numpy as np

from zkvm.precompiles.registry import BY_NUMBER, REGISTRY

STEPS = {p.number: p.steps for p in REGISTRY}


def ts_step(number: int) -> int:
    """How far the Syscall row advances EXEC time for precompile ``number``."""
    return 2 + BY_NUMBER[number].steps


def _ts_of(calls, ts_of_cycle):
    if not len(calls):
        return np.zeros(0, dtype=np.int64)
    return np.asarray(ts_of_cycle(calls.cycle.astype(np.int64)), dtype=np.int64)


def memory_accesses(events, ecall_ts_of_cycle):
    """Every precompile word access as arrays ``(key, time, before, after)`` (int64).

    ``events``: ``ExecutionResult.precompile_events``; ``ecall_ts_of_cycle(cycles)``:
    the EXEC time of the ecall at each given event index (tracegen's ``ts`` array
    indexed by cycle).  Order: registry order; per precompile its calls in order; per
    call its buffers' words in declared order, at memory times ``4(ts+2) + k``.
    :func:`split_prev_ts` undoes that order.
    """
    parts = []
    for p in REGISTRY:
        c = getattr(events, p.folder)
        if not len(c):
            continue
        t0 = 4 * (_ts_of(c, ecall_ts_of_cycle) + 2)
        keys, befores, afters = [], [], []
        for b in p.buffers:
            keys.append(getattr(c, b.name + "_ptr").astype(np.int64)[:, None]
                        + 4 * np.arange(b.words)[None, :])
            if b.write:
                befores.append(getattr(c, b.name + "_in"))
                afters.append(getattr(c, b.name + "_out"))
            else:
                befores.append(getattr(c, b.name))
                afters.append(getattr(c, b.name))
        key = np.concatenate(keys, axis=1)
        time = t0[:, None] + np.arange(p.words)[None, :]
        before = np.concatenate(befores, axis=1).astype(np.int64)
        after = np.concatenate(afters, axis=1).astype(np.int64)
        parts.append((key.ravel(), time.ravel(), before.ravel(), after.ravel()))
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))


def split_prev_ts(events, prev_ts) -> dict:
    """``{folder: {buffer: (n, words) prev_ts}}`` from the ``prev_ts`` of the accesses
    of :func:`memory_accesses`, in its order."""
    prev_ts = np.asarray(prev_ts, dtype=np.int64)
    out, at = {}, 0
    for p in REGISTRY:
        n = len(getattr(events, p.folder))
        block = prev_ts[at : at + n * p.words].reshape(n, p.words)
        at += n * p.words
        per, col = {}, 0
        for b in p.buffers:
            per[b.name] = block[:, col : col + b.words]
            col += b.words
        out[p.folder] = per
    return out


# ---------------------------------------------------------------------------- machine hook
def precompile_airs() -> list:
    """The precompile tables to append to the machine's AIR list: per registry row (in
    order) its ``air.airs()``, named as its ``tables`` (part of the chip list / image ID)."""
    out = []
    for p in REGISTRY:
        airs = p.air().airs()
        if tuple(a.name for a in airs) != tuple(p.tables):
            raise RuntimeError(f"precompile {p.name}: air.airs() names "
                               f"{[a.name for a in airs]} != registry tables {p.tables}")
        out += airs
    return out


def real_rows(events) -> dict:
    """``{main table: number of calls}`` per precompile (a table whose count is 0 may
    be left out of a proof: ``Air.may_be_empty``)."""
    return {p.tables[0]: len(getattr(events, p.folder)) for p in REGISTRY}


def precompile_traces(airs, events, ts_of_cycle, prev_ts) -> dict:
    """``{table name: trace}`` for the tables of :func:`precompile_airs`.

    ``events``: ``ExecutionResult.precompile_events``; ``ts_of_cycle``: as for
    :func:`memory_accesses`; ``prev_ts``: the ``prev_ts`` of the accesses returned by
    :func:`memory_accesses` (same order), from the global memory history."""
    split = split_prev_ts(events, prev_ts)
    by = {a.name: a for a in airs}
    out = {}
    for p in REGISTRY:
        c = getattr(events, p.folder)
        out.update(p.air().traces(by, c, _ts_of(c, ts_of_cycle), split[p.folder]))
    return out

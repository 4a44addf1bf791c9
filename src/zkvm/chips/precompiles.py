"""Precompile plumbing shared by the precompile chips (docs/circuits.md §11, owner: C4).

* The **PRECOMPILE** bus (id 16): the ``Syscall`` row of a precompile ecall sends
  ``(number, ts, a0_0..a0_3, a1_0..a1_3)`` -- the syscall number, the ecall's EXEC time
  ``ts`` and the byte limbs of the two pointer registers as read by that row -- with
  multiplicity ``f_sha256 + f_keccak``; the precompile table receives it on the first row
  of the call.
* **Memory times**: a precompile call at EXEC time ``ts`` owns the EXEC steps
  ``ts+2 … ts+1+STEPS[number]`` (the syscall row advances EXEC by ``2 + STEPS``), i.e.
  the memory times ``4(ts+2) + k`` for ``0 ≤ k < 4·STEPS``.  No instruction has those
  EXEC times, so the precompile's accesses never collide with another access.
* :func:`memory_accesses` lists every word access of every call, in a fixed order, for
  the global offline-memory-checking history (tracegen), and :func:`split_prev_ts` hands
  each chip back its accesses' ``prev_ts``.

Correctness: the pointer limbs come from the Syscall row's register reads (bytes, since
every register write range-checks its limbs), so the chips may rely on them being bytes.
"""

from __future__ import annotations

import numpy as np

from zkvm.stark.air import Bus

SYS_SHA256_COMPRESS = 0x5A00
SYS_KECCAK_F1600 = 0x5A01

#: ``(number, ts, a0 limbs[4], a1 limbs[4])``
PRECOMPILE = Bus(id=16, name="precompile", width=10)
#: the SHA-256 round-constant lookup (precompile_sha256.Sha256RoundAir)
SHA256_ROUND = Bus(id=17, name="sha256_round", width=15)
#: the Keccak round lookup (precompile_keccak.KeccakRoundAir):
#: ``(rnd, rc0..rc6, f_first, f_last, f_mem, f_mem4, sel0..sel12)``
KECCAK_ROUND = Bus(id=18, name="keccak_round", width=25)

#: EXEC steps reserved by each precompile after the syscall row's own two steps:
#: SHA-256 does 16 block reads + 8 state read/writes = 24 memory times (6 steps);
#: Keccak-f does 50 state read/writes (13 steps = 52 times).
STEPS = {SYS_SHA256_COMPRESS: 6, SYS_KECCAK_F1600: 13}


def ts_step(number: int) -> int:
    """How far the Syscall row advances EXEC time for precompile ``number``."""
    return 2 + STEPS[number]


def memory_accesses(events, ecall_ts_of_cycle):
    """Every precompile word access as arrays ``(key, time, before, after)`` (int64).

    ``events``: ``ExecutionResult.precompile_events``; ``ecall_ts_of_cycle(cycles)``:
    the EXEC time of the ecall at each given event index (tracegen's ``ts`` array
    indexed by cycle).  Order: all SHA-256 calls (per call: 16 block reads at
    ``4(ts+2)+i``, then 8 state read/writes at ``4(ts+2)+16+j``), then all Keccak calls
    (50 read/writes at ``4(ts+2)+i``).  :func:`split_prev_ts` undoes that order.
    """
    parts = []
    s = events.sha256
    if len(s):
        t0 = 4 * (np.asarray(ecall_ts_of_cycle(s.cycle.astype(np.int64)), dtype=np.int64) + 2)
        i16, i8 = np.arange(16), np.arange(8)
        bkey = s.block_ptr.astype(np.int64)[:, None] + 4 * i16[None, :]
        skey = s.state_ptr.astype(np.int64)[:, None] + 4 * i8[None, :]
        key = np.concatenate([bkey, skey], axis=1)
        time = t0[:, None] + np.arange(24)[None, :]
        before = np.concatenate([s.block, s.state_in], axis=1).astype(np.int64)
        after = np.concatenate([s.block, s.state_out], axis=1).astype(np.int64)
        parts.append((key.ravel(), time.ravel(), before.ravel(), after.ravel()))
    k = events.keccak
    if len(k):
        t0 = 4 * (np.asarray(ecall_ts_of_cycle(k.cycle.astype(np.int64)), dtype=np.int64) + 2)
        key = k.state_ptr.astype(np.int64)[:, None] + 4 * np.arange(50)[None, :]
        time = t0[:, None] + np.arange(50)[None, :]
        parts.append((key.ravel(), time.ravel(), k.state_in.astype(np.int64).ravel(),
                      k.state_out.astype(np.int64).ravel()))
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))


def split_prev_ts(events, prev_ts):
    """``(sha_block (n,16), sha_state (n,8), keccak (m,50))`` from the ``prev_ts`` of the
    accesses of :func:`memory_accesses`, in its order."""
    prev_ts = np.asarray(prev_ts, dtype=np.int64)
    n, m = len(events.sha256), len(events.keccak)
    sha = prev_ts[: 24 * n].reshape(n, 24)
    kec = prev_ts[24 * n : 24 * n + 50 * m].reshape(m, 50)
    return sha[:, :16], sha[:, 16:], kec


# ---------------------------------------------------------------------------- machine hook
def precompile_airs() -> list:
    """The precompile tables to append to the machine's AIR list (order fixed; the names
    are part of the chip list / image ID): ``sha256``, ``sha256_round``, ``keccak``,
    ``keccak_round``."""
    from zkvm.chips.precompile_keccak import KeccakAir, KeccakRoundAir
    from zkvm.chips.precompile_sha256 import Sha256Air, Sha256RoundAir

    return [Sha256Air(), Sha256RoundAir(), KeccakAir(), KeccakRoundAir()]


def check_provable(events) -> None:
    """Raise ``ValueError`` naming the first precompile the circuits cannot prove (none:
    SHA256_COMPRESS and KECCAK_F1600 both have chips; kept as the hook for future
    precompiles)."""
    return None


def precompile_traces(airs, events, ts_of_cycle, prev_ts) -> dict:
    """``{table name: trace}`` for the tables of :func:`precompile_airs`.

    ``events``: ``ExecutionResult.precompile_events``; ``ts_of_cycle``: as for
    :func:`memory_accesses`; ``prev_ts``: the ``prev_ts`` of the accesses returned by
    :func:`memory_accesses` (same order), from the global memory history.  The Keccak
    calls need ``events.keccak.a1`` (the a1 value of each call's ecall, attached by
    tracegen: the PRECOMPILE message carries it)."""
    from zkvm.chips.precompile_keccak import KeccakRoundAir
    from zkvm.chips.precompile_sha256 import Sha256RoundAir

    check_provable(events)
    blk, st, kpt = split_prev_ts(events, prev_ts)

    def ts_of(calls):
        if not len(calls):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(ts_of_cycle(calls.cycle.astype(np.int64)), dtype=np.int64)

    s, k = events.sha256, events.keccak
    by = {a.name: a for a in airs}
    out = {"sha256": by["sha256"].generate_trace(s, ts_of(s), blk, st),
           "sha256_round": Sha256RoundAir.generate_trace(len(s))}
    if "keccak" in by:
        kt = by["keccak"].generate_trace(k, ts_of(k), kpt)
        if len(k):
            a1 = getattr(k, "a1", None)
            if a1 is None or len(a1) != len(k):
                raise ValueError("keccak calls lack the a1 values of their ecalls "
                                 "(tracegen attaches them)")
            by["keccak"].set_a1(kt, a1)
        out["keccak"] = kt
        out["keccak_round"] = KeccakRoundAir.generate_trace(len(k))
    return out

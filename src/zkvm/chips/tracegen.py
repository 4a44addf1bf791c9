"""From an execution record to the witness of every table (docs/circuits.md §8).

:func:`build_witness` takes ``execute(program, input, record=True)``'s result and the
preprocessed tables and computes, with numpy only (no Python loop over rows):

* the opcode and operands of each executed instruction (from the Program table);
* EXEC times: ``ts`` starts at 1 and advances by 1 per instruction, by ``2 + n`` for an
  ``ecall`` that moves ``n`` bytes (read / journal write), by ``2 + S`` for a precompile
  ecall (``S`` = precompiles.STEPS), and the journal position;
* every memory access ``(key, time, expected previous value, value after)``: register
  reads/writes in slots 0/1/3 (and the ecall's second step), the data access of
  loads/stores/atomics in slot 2, one access per byte moved by a syscall, the word
  accesses of each precompile call (precompiles.memory_accesses); sorted by
  ``(key, time)`` with ``np.lexsort`` to get each access's ``prev_ts``/previous value,
  each key's final value and time;
* the per-chip row selections (:class:`zkvm.chips.adapter.ExecRows`), the Io rows and
  the MemoryBoundary rows.

The values the executor recorded are cross-checked against the memory model (a read
must return the previous record's value): a mismatch means the execution used something
the circuits do not model, and raises :class:`UnprovableExecution` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkvm.chips import buses
from zkvm.chips.adapter import ExecRows
from zkvm.chips.opcodes import (CHIP_ATOMIC, CHIP_LOADSTORE, CHIP_SYSCALL, BY_ID, chip_of_id,
                                op_id)
from zkvm.chips import precompiles
from zkvm.chips.syscall import HALT_FLAGS, PRECOMPILE_FLAGS, SYS_FLAGS, SYSCALLS


class UnprovableExecution(ValueError):
    """The execution ran fine but cannot be proven (unsupported syscall or fd, an
    instruction outside the program table, too long, ...).  The message says why."""


@dataclass
class Witness:
    """Everything the machine needs to fill the traces."""

    rows: ExecRows                 # all executed instructions, execution order
    chip_index: np.ndarray         # chip name per row (object array)
    io: dict                       # Io rows (arrays), see syscall.IoAir.generate_trace
    boundary: dict                 # keys, zero_init, final, final_ts
    exit_code: int
    journal: bytes
    cycles: int
    ts: np.ndarray = None          # EXEC time of each executed instruction
    precompile_events: object = None   # ExecutionResult.precompile_events
    precompile_prev_ts: np.ndarray = None  # prev_ts of precompiles.memory_accesses(...)
    #: every key the execution accessed, sorted, with its final value and last access
    #: time: ``{"keys", "final", "final_ts"}`` (the paging tables of a segment use it)
    touched: dict = None
    #: the EXEC state after the last instruction: ``(pc, ts, jpos)`` (segments that do
    #: not halt end their EXEC chain there)
    end_state: tuple = None


_KIND_INDEX = {k: i for i, k in enumerate(SYS_FLAGS)}
_NUM_TO_KIND = {}
for _k, _num in SYSCALLS.items():
    if _k not in ("write_j", "write_out", "writev_out"):
        _NUM_TO_KIND[_num] = _k


def classify_syscalls(a7: np.ndarray, a0: np.ndarray) -> np.ndarray:
    """Index into :data:`syscall.SYS_FLAGS` per ecall; raises :class:`UnprovableExecution`
    for a syscall (or fd) the circuits do not support."""
    kind = np.full(len(a7), -1, dtype=np.int64)
    for num, k in _NUM_TO_KIND.items():
        kind[a7 == num] = _KIND_INDEX[k]
    w = a7 == SYSCALLS["write_j"]
    kind[w & (a0 == 3)] = _KIND_INDEX["write_j"]
    kind[w & ((a0 == 1) | (a0 == 2))] = _KIND_INDEX["write_out"]
    wv = a7 == SYSCALLS["writev_out"]
    kind[wv & ((a0 == 1) | (a0 == 2))] = _KIND_INDEX["writev_out"]
    kind[wv & ~((a0 == 1) | (a0 == 2))] = -1
    kind[(a7 == SYSCALLS["read"]) & (a0 != 0)] = -1
    bad = np.flatnonzero(kind < 0)
    if len(bad):
        i = bad[0]
        num, fd = int(a7[i]), int(a0[i])
        if num == 65:
            why = "readv is not supported by the prover (use read)"
        elif num in (63, 64, 66):
            why = f"syscall {num} on fd {fd} is not supported by the prover"
        else:
            why = f"syscall {num} is not supported by the prover"
        raise UnprovableExecution(why)
    return kind


def _history(keys, ts, exp_val, has_exp, aft_val, aft_known, init_keys, init_vals, what):
    """Offline-memory-checking history of a list of accesses (module docstring).

    Returns ``(prev, prev_ts, after)`` per access (input order) and the per-key finals
    ``(ukeys, final, final_ts)``.  Reads with ``aft_known = False`` return the previous
    value.  Checks ``prev == exp_val`` where ``has_exp``.
    """
    m = len(keys)
    keys = keys.astype(np.int64)
    ts = ts.astype(np.int64)
    if m == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z, z, z
    order = np.lexsort((ts, keys))
    k, t = keys[order], ts[order]
    first = np.ones(m, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    if m > 1 and np.any(~first[1:] & (t[1:] == t[:-1])):
        raise ValueError(f"{what}: two accesses to one key at the same time (tracegen bug)")
    init_keys = np.asarray(init_keys, dtype=np.int64)
    init_vals = np.asarray(init_vals, dtype=np.int64)
    if len(init_keys):
        pos = np.searchsorted(init_keys, k)
        posc = np.minimum(pos, len(init_keys) - 1)
        init = np.where(init_keys[posc] == k, init_vals[posc], 0)
    else:
        init = np.zeros(m, dtype=np.int64)
    ar = np.arange(m)
    known = aft_known[order]
    av = aft_val[order].astype(np.int64)
    last = np.maximum.accumulate(np.where(known, ar, -1))
    gstart = np.maximum.accumulate(np.where(first, ar, 0))
    after = np.where(last >= gstart, av[np.maximum(last, 0)], init)
    prev = np.where(first, init, np.roll(after, 1))
    prev_ts = np.where(first, 0, np.roll(t, 1))
    e = has_exp[order]
    bad = np.flatnonzero(e & (prev != exp_val[order].astype(np.int64)))
    if len(bad):
        i = bad[0]
        raise UnprovableExecution(
            f"{what}: key 0x{int(k[i]):x} at time {int(t[i])} was recorded with value "
            f"0x{int(exp_val[order][i]):08x} but the memory model has 0x{int(prev[i]):08x} "
            "(the execution touched memory in a way the circuits do not model)")
    lastg = np.ones(m, dtype=bool)
    lastg[:-1] = first[1:]
    out_prev = np.empty(m, dtype=np.int64)
    out_pts = np.empty(m, dtype=np.int64)
    out_after = np.empty(m, dtype=np.int64)
    out_prev[order] = prev
    out_pts[order] = prev_ts
    out_after[order] = after
    return out_prev, out_pts, out_after, k[lastg], after[lastg], t[lastg]


def _compose(before, after, word_key, lo, hi):
    """Word whose bytes at addresses in ``[lo, hi)`` come from ``after``, others from ``before``."""
    out = np.zeros(len(before), dtype=np.int64)
    for b in range(4):  # 4 byte lanes, vectorised over rows
        a = word_key + b
        take = (a >= lo) & (a < hi)
        src = np.where(take, after, before)
        out |= ((src >> (8 * b)) & 0xFF) << (8 * b)
    return out


def build_witness(program_air, image_keys, image_vals, result, *, start_jpos: int = 0,
                  halts: bool = True) -> Witness:
    """Compute the witness of ``result`` (an ``ExecutionResult`` with events) for the
    program table ``program_air`` and the initial image ``(image_keys, image_vals)``.

    Segments (docs/continuations.md): ``image_keys/image_vals`` are then the memory at
    segment entry, ``start_jpos`` the journal position at entry (the journal of
    ``result`` holds only this segment's bytes), and ``halts=False`` for a segment that
    does not end with exit (it must then contain no exit at all)."""
    ev = result.events
    if ev is None or result.syscall_accesses is None:
        raise ValueError("execute(..., record=True) is needed to prove")
    n = len(ev)
    if n == 0:
        raise UnprovableExecution("empty execution")
    try:
        prow = program_air.row_of_pc(ev.pc)
    except ValueError as e:
        raise UnprovableExecution(str(e)) from None
    d = program_air.decoded
    opcode = d["opcode"][prow]
    rd = d["rd"][prow].astype(np.int64)
    rs1 = d["rs1"][prow].astype(np.int64)
    rs2 = d["rs2"][prow].astype(np.int64)
    imm = d["imm"][prow]
    chips = np.array(chip_of_id(), dtype=object)[opcode]

    # --- syscalls and EXEC times -------------------------------------------------
    e_idx = np.flatnonzero(opcode == op_id("ecall"))
    a7 = ev.rs1_val[e_idx].astype(np.int64)
    a0 = ev.rs2_val[e_idx].astype(np.int64)
    ret = ev.rd_val[e_idx].astype(np.int64)
    kind = classify_syscalls(a7, a0)
    halt = np.isin(kind, [_KIND_INDEX[h] for h in HALT_FLAGS])
    if halts:
        if not len(e_idx) or e_idx[-1] != n - 1 or not halt[-1]:
            raise UnprovableExecution("the execution does not end with exit/exit_group")
        if halt[:-1].any():
            raise UnprovableExecution("exit before the end of the execution (executor bug)")
    elif halt.any():
        raise UnprovableExecution("a segment that is not the last one exits (split bug)")
    is_read = kind == _KIND_INDEX["read"]
    is_wj = kind == _KIND_INDEX["write_j"]
    nio = np.where(is_read | is_wj, ret, 0)
    if (nio >= 1 << 16).any():
        raise UnprovableExecution("a read or journal write of 2^16 bytes or more in one "
                                  "syscall is not supported by the prover (split it)")
    pre_steps = np.zeros(len(e_idx), dtype=np.int64)
    for k, st in PRECOMPILE_FLAGS.items():
        pre_steps[kind == _KIND_INDEX[k]] = st
    steps = np.ones(n, dtype=np.int64)
    steps[e_idx] = 2 + nio + pre_steps
    ts = 1 + np.concatenate([[0], np.cumsum(steps)[:-1]])
    end_ts = int(ts[-1] + steps[-1])
    if ts[-1] >= 1 << buses.EXEC_TS_BITS or (not halts and end_ts >= 1 << buses.EXEC_TS_BITS):
        raise UnprovableExecution(f"execution too long to prove in one segment "
                                  f"(EXEC time {int(ts[-1])} >= 2^{buses.EXEC_TS_BITS})")
    jinc = np.zeros(n, dtype=np.int64)
    jinc[e_idx[is_wj]] = nio[is_wj]
    jpos = int(start_jpos) + np.concatenate([[0], np.cumsum(jinc)[:-1]])
    if int(jpos[-1] + jinc[-1]) - int(start_jpos) != len(result.journal):
        raise UnprovableExecution("journal length does not match the journal writes")

    # --- register accesses ----------------------------------------------------------
    rdw = np.flatnonzero(rd != 0)
    nh = e_idx[~halt]
    et = ts[e_idx]
    parts = [
        # keys, times, exp_val, has_exp, aft_val, aft_known
        (rs1, 4 * ts + 0, ev.rs1_val, True, ev.rs1_val, True),
        (rs2, 4 * ts + 1, ev.rs2_val, True, ev.rs2_val, True),
        (rd[rdw], 4 * ts[rdw] + 3, np.zeros(len(rdw)), False, ev.rd_val[rdw], True),
        (np.full(len(e_idx), 11), 4 * (et + 1), np.zeros(len(e_idx)), False,
         np.zeros(len(e_idx)), False),
        (np.full(len(e_idx), 12), 4 * (et + 1) + 1, np.zeros(len(e_idx)), False,
         np.zeros(len(e_idx)), False),
        (np.full(len(nh), 10), 4 * (ts[nh] + 1) + 3, np.zeros(len(nh)), False,
         ev.rd_val[nh], True),
    ]
    sizes = [len(p[0]) for p in parts]
    cat = lambda i, dt=np.int64: np.concatenate(  # noqa: E731
        [np.broadcast_to(np.asarray(p[i]), (s,)).astype(dt) for p, s in zip(parts, sizes)])
    rkeys, rts = cat(0), cat(1)
    rexp, rhas = cat(2), cat(3, bool)
    raft, rknown = cat(4), cat(5, bool)
    is_reg = image_keys < 32
    rprev, rpts, rafter, rk_final, rv_final, rt_final = _history(
        rkeys, rts, rexp, rhas, raft, rknown, image_keys[is_reg], image_vals[is_reg],
        "registers")
    off = np.cumsum([0] + sizes)
    prev_ts = np.zeros((n, 4), dtype=np.int64)
    prev_ts[:, 0] = rpts[off[0]:off[1]]
    prev_ts[:, 1] = rpts[off[1]:off[2]]
    prev_ts[rdw, 3] = rpts[off[2]:off[3]]
    rd_prev = np.zeros(n, dtype=np.int64)
    rd_prev[rdw] = rprev[off[2]:off[3]]
    a1 = rafter[off[3]:off[4]]
    a2 = rafter[off[4]:off[5]]
    a1_pts = rpts[off[3]:off[4]]
    a2_pts = rpts[off[4]:off[5]]

    # --- RAM accesses: data slot and syscall bytes -------------------------------------
    mem_rows = np.flatnonzero((chips == CHIP_LOADSTORE) | (chips == CHIP_ATOMIC))
    mkeys = ev.mem_addr[mem_rows].astype(np.int64) & ~3
    io_sel = np.flatnonzero(nio > 0)
    cnt = nio[io_sel]
    tot = int(cnt.sum())
    sid = np.repeat(np.arange(len(io_sel)), cnt)
    starts = (np.cumsum(cnt) - cnt).astype(np.int64)
    j = np.arange(tot, dtype=np.int64) - np.repeat(starts, cnt)
    s_ev = e_idx[io_sel][sid]                    # event index of each byte's syscall
    s_a1 = a1[io_sel][sid]
    b_addr = s_a1 + j
    b_key = b_addr & ~3
    b_journal = is_wj[io_sel][sid]
    b_ts = ts[s_ev] + 2 + j
    b_rem = cnt[sid] - j
    b_jpos = jpos[s_ev] + np.where(b_journal, j, 0)
    sa = result.syscall_accesses
    # the executor's record of the words each syscall touched
    written = sa.kind == 0
    sa_ev = sa.cycle.astype(np.int64)
    ok_write = np.isin(sa_ev[written], e_idx[is_read])
    if not ok_write.all():
        i = int(sa_ev[written][np.flatnonzero(~ok_write)[0]])
        raise UnprovableExecution(f"syscall {int(ev.rs1_val[i])} at pc 0x{int(ev.pc[i]):08x} "
                                  "wrote guest memory; the prover only models read(fd 0)")
    comb = (sa_ev << 32) | sa.addr.astype(np.int64)
    order = np.argsort(comb, kind="stable")
    combs = comb[order]
    q = (s_ev.astype(np.int64) << 32) | b_key
    pos = np.searchsorted(combs, q)
    posc = np.minimum(pos, max(len(combs) - 1, 0))
    if tot and (len(combs) == 0 or np.any(combs[posc] != q)):
        raise ValueError("syscall memory record missing a word (executor/tracegen mismatch)")
    w_before = sa.before[order][posc].astype(np.int64) if tot else np.zeros(0, np.int64)
    w_after = sa.after[order][posc].astype(np.int64) if tot else np.zeros(0, np.int64)
    b_exp = np.where(b_journal, w_before, _compose(w_before, w_after, b_key, s_a1, b_addr))
    b_aft = np.where(b_journal, w_before, _compose(w_before, w_after, b_key, s_a1, b_addr + 1))
    if b_journal.any():
        jb = (w_before[b_journal] >> (8 * (b_addr[b_journal] & 3))) & 0xFF
        ref = np.frombuffer(bytes(result.journal), dtype=np.uint8)[
            b_jpos[b_journal] - int(start_jpos)]
        if not np.array_equal(jb, ref):
            raise ValueError("journal bytes do not match memory (executor/tracegen mismatch)")
    # precompile word accesses at the memory times the syscall row reserved (§11.1)
    pev = result.precompile_events
    if pev is None:
        raise ValueError("execute(..., record=True) is needed to prove (precompile events)")
    n_sha = int(np.count_nonzero(kind == _KIND_INDEX["sha256_compress"]))
    is_kec = kind == _KIND_INDEX["keccak_f1600"]
    if len(pev.sha256) != n_sha or len(pev.keccak) != int(np.count_nonzero(is_kec)):
        raise ValueError("precompile events do not match the precompile ecalls "
                         "(executor/tracegen mismatch)")
    if len(pev.keccak):
        if not np.array_equal(pev.keccak.cycle.astype(np.int64), e_idx[is_kec]):
            raise ValueError("keccak event cycles do not match the ecalls "
                             "(executor/tracegen mismatch)")
        pev.keccak.a1 = a1[is_kec]  # the PRECOMPILE message carries a1 (precompile_keccak)
    if n_sha and not np.array_equal(np.sort(pev.sha256.cycle.astype(np.int64)),
                                    e_idx[kind == _KIND_INDEX["sha256_compress"]]):
        raise ValueError("precompile event cycles do not match the ecalls "
                         "(executor/tracegen mismatch)")
    pk, pt, pb, pa = precompiles.memory_accesses(pev, lambda cyc: ts[cyc])
    mparts = [
        (mkeys, 4 * ts[mem_rows] + 2, ev.mem_before[mem_rows], ev.mem_after[mem_rows]),
        (b_key, 4 * b_ts + 2, b_exp, b_aft),
        (pk, pt, pb, pa),
    ]
    mk = np.concatenate([p[0] for p in mparts]).astype(np.int64)
    mt = np.concatenate([p[1] for p in mparts]).astype(np.int64)
    mexp = np.concatenate([p[2] for p in mparts]).astype(np.int64)
    maft = np.concatenate([p[3] for p in mparts]).astype(np.int64)
    ones = np.ones(len(mk), dtype=bool)
    if len(mk) and (mk.min() < buses.RAM_WORD_MIN * 4 or mk.max() >= 1 << 30):
        raise UnprovableExecution("a memory access outside guest RAM [0x10000, 2^30)")
    mprev, mpts, mafter, mk_final, mv_final, mt_final = _history(
        mk, mt, mexp, ones, maft, ones, image_keys[~is_reg], image_vals[~is_reg], "memory")
    prev_ts[mem_rows, 2] = mpts[: len(mem_rows)]
    nm = len(mem_rows)
    nb = nm + tot
    io = {"ts": b_ts.astype(np.uint32), "addr": b_addr.astype(np.uint32),
          "rem": b_rem.astype(np.uint32), "jpos": b_jpos.astype(np.uint32),
          "is_journal": b_journal.astype(np.uint32), "prev": mprev[nm:nb].astype(np.uint32),
          "new": mafter[nm:nb].astype(np.uint32), "prev_ts": mpts[nm:nb].astype(np.uint32)}
    pre_prev_ts = mpts[nb:]

    # --- boundary ----------------------------------------------------------------------
    fk = np.concatenate([rk_final, mk_final])
    fv = np.concatenate([rv_final, mv_final])
    ft = np.concatenate([rt_final, mt_final])
    ik = np.asarray(image_keys, dtype=np.int64)
    allk = np.union1d(np.union1d(fk, ik), [0])
    final = np.zeros(len(allk), dtype=np.int64)
    final_ts = np.zeros(len(allk), dtype=np.int64)
    pi = np.searchsorted(allk, ik)
    final[pi] = image_vals
    pf = np.searchsorted(allk, fk)
    final[pf] = fv
    final_ts[pf] = ft
    zero_init = ~np.isin(allk, ik)
    boundary = {"keys": allk, "zero_init": zero_init, "final": final, "final_ts": final_ts}

    u = lambda x: np.asarray(x).astype(np.uint32)  # noqa: E731
    rows = ExecRows(
        index=np.arange(n, dtype=np.int64), pc=u(ev.pc), next_pc=u(ev.next_pc), insn=u(ev.insn),
        opcode=u(opcode), rd=u(rd), rs1=u(rs1), rs2=u(rs2), imm=imm.astype(np.int64),
        rs1_val=u(ev.rs1_val), rs2_val=u(ev.rs2_val), rd_val=u(ev.rd_val),
        mem_addr=u(ev.mem_addr), mem_before=u(ev.mem_before), mem_after=u(ev.mem_after),
        ts=u(ts), jpos=u(jpos), prev_ts=u(prev_ts), rd_prev=u(rd_prev))
    # syscall extras, aligned with the ecall rows (only meaningful there)
    ex = {name: np.zeros(n, dtype=np.int64) for name in
          ("a1", "a2", "a1_prev_ts", "a2_prev_ts", "n", "kind", "ret")}
    ex["a1"][e_idx] = a1
    ex["a2"][e_idx] = a2
    ex["a1_prev_ts"][e_idx] = a1_pts
    ex["a2_prev_ts"][e_idx] = a2_pts
    ex["n"][e_idx] = nio
    ex["kind"][e_idx] = kind
    ex["ret"][e_idx] = ret
    rows.extra = ex
    touched = {"keys": fk, "final": fv, "final_ts": ft}
    end_state = (int(ev.next_pc[-1]), end_ts, int(jpos[-1] + jinc[-1]))
    return Witness(rows, chips, io, boundary, int(result.exit_code or 0), bytes(result.journal),
                   n, ts=ts, precompile_events=pev, precompile_prev_ts=pre_prev_ts,
                   touched=touched, end_state=end_state)


def unsupported_chip_rows(chips: np.ndarray, available: set) -> dict:
    """``{chip name: count}`` of executed instructions whose chip is not available."""
    out = {}
    for c in np.unique(chips):
        if c not in available:
            out[str(c)] = int(np.count_nonzero(chips == c))
    return out


def opcode_names(ids) -> list[str]:
    return [BY_ID[int(i)].name if int(i) in BY_ID else "invalid" for i in ids]

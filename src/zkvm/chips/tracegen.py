"""From an execution record to the witness of every table (docs/circuits.md §8).

:func:`build_witness` takes ``execute(program, input, record=True)``'s result and the
preprocessed tables and computes, with numpy (and one numba pass over the sorted memory
accesses; no Python loop over rows):

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
from numba import njit

from zkvm.chips import buses
from zkvm.chips.adapter import ExecRows
from zkvm.chips.opcodes import (CHIP_ATOMIC, CHIP_LOADSTORE, CHIP_SYSCALL, BY_ID, chip_of_id,
                                op_id)
from zkvm.chips.syscall import (HALT_FLAGS, OS_CELL, OS_STEPS, PRECOMPILE_FLAGS, SYS_FLAGS,
                                T_A0W, T_A1, T_A2, T_A3, T_AUX, T_CHAIN, T_OS)
from zkvm.precompiles import tables as precompiles
from zkvm.precompiles.registry import REGISTRY as PRECOMPILES
from zkvm.riscv.layout import OS_KEY_RESERVATION
from zkvm.riscv.syscalls import MODE_JOURNAL


class UnprovableExecution(ValueError):
    """The execution ran fine but cannot be proven (unsupported syscall or fd, an
    instruction outside the program table, too long, ...).  The message says why."""


class RunTooLong(UnprovableExecution):
    """The run is longer than one proof holds (``cycles``): prove it as continuation
    segments instead (``zkvm prove`` does so by itself)."""

    def __init__(self, message: str, cycles: int):
        self.cycles = cycles
        super().__init__(message)


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
    #: ``chip_index`` as small integers: ``chip_names[chip_code[i]] == chip_index[i]``
    #: (selecting a chip's rows by an integer compare instead of 2^20 string compares)
    chip_code: np.ndarray = None
    chip_names: tuple = ()

    def chip_rows(self, chip: str) -> np.ndarray:
        """Boolean mask of the rows executed by ``chip``."""
        if self.chip_code is None:
            return self.chip_index == chip
        try:
            c = self.chip_names.index(chip)
        except ValueError:
            return np.zeros(len(self.chip_code), dtype=bool)
        return self.chip_code == c

    def chips_used(self) -> set:
        """Names of the chips that executed at least one row."""
        if self.chip_code is None:
            return {str(c) for c in np.unique(self.chip_index)}
        return {self.chip_names[int(c)] for c in np.unique(self.chip_code)}


_KIND_INDEX = {k: i for i, k in enumerate(SYS_FLAGS)}


def _chain_rows(recs, e_pos, ts, jpos):
    """Io rows of every byte chain (docs/circuits.md §6): arrays per covered word, and the
    memory accesses ``(key, time, before, after)`` of those words (same order)."""
    cols = {k: [] for k in ("ctime", "addr", "rem", "jpos", "mode", "cnt", "key", "before",
                            "after")}
    for i, rec in zip(e_pos, recs):
        t = int(ts[i])
        for slot, ch in enumerate(rec.chains):
            if ch.count == 0:
                continue
            nw = len(ch.words)
            key = np.asarray(ch.words, dtype=np.int64)
            first = np.maximum(key, ch.addr)                     # first covered byte
            end = np.minimum(key + 4, ch.addr + ch.count)        # one past the last
            cnt = end - first
            done = np.concatenate([[0], np.cumsum(cnt)[:-1]])
            cols["ctime"].append(np.full(nw, 4 * t + T_CHAIN[slot], dtype=np.int64))
            cols["addr"].append(first)
            cols["rem"].append(ch.count - done)
            j0 = int(jpos[i]) if ch.mode == MODE_JOURNAL else 0
            cols["jpos"].append(np.where(ch.mode == MODE_JOURNAL, j0 + done, int(jpos[i])))
            cols["mode"].append(np.full(nw, ch.mode, dtype=np.int64))
            cols["cnt"].append(cnt)
            cols["key"].append(key)
            cols["before"].append(np.asarray(ch.before, dtype=np.int64))
            cols["after"].append(np.asarray(ch.after, dtype=np.int64))
    return {k: (np.concatenate(v) if v else np.zeros(0, dtype=np.int64)) for k, v in cols.items()}


def _key_time_order(keys: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """The accesses' order by key, then time (``np.lexsort((ts, keys))``): a stable
    argsort by time (the accesses come almost in time order: a few long runs), then a
    stable one by key of that sequence, a radix sort when the keys span fewer than 2^16
    values (the registers).  0.21-0.23 -> 0.03-0.05 s for the ~2.9 M register accesses
    of a 2^20-cycle run (one argsort of the packed ``key·2^b + time`` before).  Equal
    (key, time) pairs keep their input order; the caller rejects them."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    o = np.argsort(ts, kind="stable")
    k = keys[o]
    kmin, kmax = int(k.min()), int(k.max())
    if kmax - kmin < (1 << 16):
        return o[np.argsort((k - kmin).astype(np.uint16), kind="stable")]
    return o[np.argsort(k, kind="stable")]


def _history(keys, ts, exp_val, has_exp, aft_val, aft_known, init_keys, init_vals, what):
    """Offline-memory-checking history of a list of accesses (module docstring).

    Returns ``(prev, prev_ts, after)`` per access (input order) and the per-key finals
    ``(ukeys, final, final_ts)``.  Reads with ``aft_known = False`` return the previous
    value.  Checks ``prev == exp_val`` where ``has_exp``.  One sort, then one numba pass
    over the accesses in (key, time) order (:func:`_history_pass`).
    """
    m = len(keys)
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    ts = np.ascontiguousarray(ts, dtype=np.int64)
    if m == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z, z, z
    order = _key_time_order(keys, ts)
    init_keys = np.ascontiguousarray(init_keys, dtype=np.int64)
    init_vals = np.ascontiguousarray(init_vals, dtype=np.int64)
    if len(init_keys) > 1 and np.any(init_keys[1:] < init_keys[:-1]):
        io = np.argsort(init_keys, kind="stable")
        init_keys, init_vals = init_keys[io], init_vals[io]
    out_prev = np.empty(m, dtype=np.int64)
    out_pts = np.empty(m, dtype=np.int64)
    out_after = np.empty(m, dtype=np.int64)
    fin = np.empty((m, 3), dtype=np.int64)
    dup, bad, nfin = _history_pass(
        order, keys, ts, np.ascontiguousarray(exp_val, dtype=np.int64),
        np.ascontiguousarray(has_exp, dtype=np.bool_),
        np.ascontiguousarray(aft_val, dtype=np.int64),
        np.ascontiguousarray(aft_known, dtype=np.bool_), init_keys, init_vals,
        out_prev, out_pts, out_after, fin)
    if dup >= 0:
        raise ValueError(f"{what}: two accesses to one key at the same time (tracegen bug)")
    if bad >= 0:
        raise UnprovableExecution(
            f"{what}: key 0x{int(keys[bad]):x} at time {int(ts[bad])} was recorded with value "
            f"0x{int(exp_val[bad]):08x} but the memory model has 0x{int(out_prev[bad]):08x} "
            "(the execution touched memory in a way the circuits do not model)")
    fin = fin[:nfin]
    return out_prev, out_pts, out_after, fin[:, 0].copy(), fin[:, 1].copy(), fin[:, 2].copy()


@njit(cache=True)
def _history_pass(order, keys, ts, exp_val, has_exp, aft_val, aft_known, init_keys, init_vals,
                  out_prev, out_pts, out_after, fin):
    """The accesses ``order[0], order[1], …`` (sorted by key, then time): per access its
    previous value and time (the key's initial value and 0 for its first access), the
    value after it (``aft_val`` where ``aft_known``, else unchanged), written at its input
    index; per key ``(key, final value, last time)`` into ``fin`` rows in key order.
    Returns ``(dup, bad, keys)``: ``dup`` ≥ 0 is the input index of an access at the same
    time as the previous one on its key (else −1), ``bad`` ≥ 0 the input index (first in
    sorted order) of an access whose ``exp_val`` (where ``has_exp``) differs from the
    previous value (else −1), ``keys`` the number of ``fin`` rows."""
    m = order.shape[0]
    ni = init_keys.shape[0]
    dup = -1
    bad = -1
    nfin = 0
    cur = np.int64(0)
    last_t = np.int64(0)
    last_k = np.int64(0)
    for s in range(m):
        o = order[s]
        key = keys[o]
        t = ts[o]
        if s == 0 or key != last_k:
            if s > 0:
                fin[nfin, 0] = last_k
                fin[nfin, 1] = cur
                fin[nfin, 2] = last_t
                nfin += 1
            pos = np.searchsorted(init_keys, key)
            cur = init_vals[pos] if pos < ni and init_keys[pos] == key else np.int64(0)
            pt = np.int64(0)
        else:
            if t == last_t and dup < 0:
                dup = o
            pt = last_t
        if has_exp[o] and exp_val[o] != cur and bad < 0:
            bad = o
        out_prev[o] = cur
        out_pts[o] = pt
        if aft_known[o]:
            cur = aft_val[o]
        out_after[o] = cur
        last_k = key
        last_t = t
    fin[nfin, 0] = last_k
    fin[nfin, 1] = cur
    fin[nfin, 2] = last_t
    nfin += 1
    return dup, bad, nfin


def build_witness(program_air, image_keys, image_vals, result, *, start_jpos: int = 0,
                  halts: bool = True) -> Witness:
    """Compute the witness of ``result`` (an ``ExecutionResult`` with events) for the
    program table ``program_air`` and the initial image ``(image_keys, image_vals)``.

    Segments (docs/continuations.md): ``image_keys/image_vals`` are then the memory at
    segment entry, ``start_jpos`` the journal position at entry (the journal of
    ``result`` holds only this segment's bytes), and ``halts=False`` for a segment that
    does not end with exit (it must then contain no exit at all)."""
    ev = result.events
    recs = result.sys_records
    if ev is None or recs is None:
        raise ValueError("execute(..., record=True) is needed to prove")
    if result.unprovable:
        raise UnprovableExecution(f"cannot prove this execution: {result.unprovable}")
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
    chip_names = tuple(sorted(set(chip_of_id())))
    code_of_id = np.array([chip_names.index(c) for c in chip_of_id()], dtype=np.int16)
    chip_code = code_of_id[opcode]
    chips = np.array(chip_names, dtype=object)[chip_code]

    # --- syscalls and EXEC times -------------------------------------------------
    e_idx = np.flatnonzero(opcode == op_id("ecall"))
    ne = len(e_idx)
    if len(recs) != ne or any(r.cycle != int(c) for r, c in zip(recs, e_idx)):
        raise ValueError("syscall records do not match the ecalls (executor/tracegen mismatch)")
    if any(r.kind is None for r in recs):  # result.unprovable is set in that case
        raise UnprovableExecution("cannot prove this execution: an unsupported syscall")
    kind = np.array([_KIND_INDEX[r.kind] for r in recs], dtype=np.int64)
    ret = ev.rd_val[e_idx].astype(np.int64)
    halt = np.isin(kind, [_KIND_INDEX[h] for h in HALT_FLAGS])
    if halts:
        if not ne or e_idx[-1] != n - 1 or not halt[-1]:
            raise UnprovableExecution("the execution does not end with exit/exit_group")
        if halt[:-1].any():
            raise UnprovableExecution("exit before the end of the execution (executor bug)")
    elif halt.any():
        raise UnprovableExecution("a segment that is not the last one exits (split bug)")
    is_wj = kind == _KIND_INDEX["write_j"]
    c0_cnt = np.array([r.chains[0].count if r.chains else 0 for r in recs], dtype=np.int64)
    steps = np.ones(n, dtype=np.int64)
    esteps = np.full(ne, OS_STEPS, dtype=np.int64)
    for k, st in PRECOMPILE_FLAGS.items():
        esteps[kind == _KIND_INDEX[k]] = 2 + st
    steps[e_idx] = esteps
    is_lrsc = (opcode == op_id("lr.w")) | (opcode == op_id("sc.w"))
    ts = 1 + np.concatenate([[0], np.cumsum(steps)[:-1]])
    end_ts = int(ts[-1] + steps[-1])
    if ts[-1] >= 1 << buses.EXEC_TS_BITS or (not halts and end_ts >= 1 << buses.EXEC_TS_BITS):
        raise UnprovableExecution(f"execution too long to prove in one segment "
                                  f"(EXEC time {int(ts[-1])} >= 2^{buses.EXEC_TS_BITS})")
    jinc = np.zeros(n, dtype=np.int64)
    jinc[e_idx[is_wj]] = c0_cnt[is_wj]
    jpos = int(start_jpos) + np.concatenate([[0], np.cumsum(jinc)[:-1]])
    if int(jpos[-1] + jinc[-1]) - int(start_jpos) != len(result.journal):
        raise UnprovableExecution("journal length does not match the journal writes")

    # --- register accesses ----------------------------------------------------------
    rdw = np.flatnonzero(rd != 0)
    nh = e_idx[~halt]
    et = ts[e_idx]
    zeros_e = np.zeros(ne)
    parts = [
        # keys, times, exp_val, has_exp, aft_val, aft_known
        (rs1, 4 * ts + 0, ev.rs1_val, True, ev.rs1_val, True),
        (rs2, 4 * ts + 1, ev.rs2_val, True, ev.rs2_val, True),
        (rd[rdw], 4 * ts[rdw] + 3, np.zeros(len(rdw)), False, ev.rd_val[rdw], True),
        (np.full(ne, 11), 4 * et + T_A1, zeros_e, False, zeros_e, False),
        (np.full(ne, 12), 4 * et + T_A2, zeros_e, False, zeros_e, False),
        (np.full(ne, 13), 4 * et + T_A3, zeros_e, False, zeros_e, False),
        (np.full(len(nh), 10), 4 * ts[nh] + T_A0W, np.zeros(len(nh)), False,
         ev.rd_val[nh], True),
    ]
    sizes = [len(p[0]) for p in parts]
    cat = lambda ps, sz, i, dt=np.int64: np.concatenate(  # noqa: E731
        [np.broadcast_to(np.asarray(p[i]), (s_,)).astype(dt) for p, s_ in zip(ps, sz)])
    rkeys, rts = cat(parts, sizes, 0), cat(parts, sizes, 1)
    rexp, rhas = cat(parts, sizes, 2), cat(parts, sizes, 3, bool)
    raft, rknown = cat(parts, sizes, 4), cat(parts, sizes, 5, bool)
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
    regs = {nm: (rafter[off[i]:off[i + 1]], rpts[off[i]:off[i + 1]])
            for i, nm in ((3, "a1"), (4, "a2"), (5, "a3"))}

    # --- RAM and OS-cell accesses ------------------------------------------------------
    mem_rows = np.flatnonzero((chip_code == chip_names.index(CHIP_LOADSTORE))
                              | (chip_code == chip_names.index(CHIP_ATOMIC)))
    mkeys = ev.mem_addr[mem_rows].astype(np.int64) & ~3
    io = _chain_rows(recs, np.arange(ne), et, jpos[e_idx])
    # single words of syscalls (aux slots) and OS cells
    ax_k, ax_t, ax_b, ax_a, ax_e, ax_j = [], [], [], [], [], []
    os_k, os_t, os_a, os_e = [], [], [], []
    for i, rec in enumerate(recs):
        t4 = 4 * int(et[i])
        for j, (addr, before, after) in enumerate(rec.aux):
            ax_k.append(addr)
            ax_t.append(t4 + T_AUX[j])
            ax_b.append(before)
            ax_a.append(after)
            ax_e.append(i)
            ax_j.append(j)
        if rec.kind in OS_CELL:
            os_k.append(OS_CELL[rec.kind])
            os_t.append(t4 + T_OS)
            os_a.append(rec.os_after)
            os_e.append(i)
    ax_k, ax_t, ax_b, ax_a = (np.asarray(x, dtype=np.int64) for x in (ax_k, ax_t, ax_b, ax_a))
    os_k, os_t, os_a = (np.asarray(x, dtype=np.int64) for x in (os_k, os_t, os_a))
    # the lr/sc reservation cell
    res_rows = np.flatnonzero(is_lrsc)
    res_after = np.where(opcode[res_rows] == op_id("lr.w"), ev.rs1_val[res_rows], 0)
    # precompile word accesses at the memory times the syscall row reserved (§11.1)
    pev = result.precompile_events
    if pev is None:
        raise ValueError("execute(..., record=True) is needed to prove (precompile events)")
    for p in PRECOMPILES:
        calls = getattr(pev, p.folder)
        rows_p = e_idx[kind == _KIND_INDEX[p.name]]
        if len(calls) != len(rows_p) or (len(calls) and (
                not np.array_equal(calls.cycle.astype(np.int64), rows_p)
                or not np.array_equal(calls.a1.astype(np.int64),
                                      np.asarray(regs["a1"][0], dtype=np.int64)[kind == _KIND_INDEX[p.name]]))):
            raise ValueError(f"{p.name} events do not match the precompile ecalls "
                             "(executor/tracegen mismatch)")
    pk, pt, pb, pa = precompiles.memory_accesses(pev, lambda cyc: ts[cyc])
    nres = len(res_rows)
    mparts = [
        # keys, times, exp_val, has_exp, aft_val
        (mkeys, 4 * ts[mem_rows] + 2, ev.mem_before[mem_rows], True, ev.mem_after[mem_rows]),
        (io["key"], io["ctime"], io["before"], True, io["after"]),
        (ax_k, ax_t, ax_b, True, ax_a),
        (pk, pt, pb, True, pa),
        (os_k, os_t, np.zeros(len(os_k)), False, os_a),
        (np.full(nres, OS_KEY_RESERVATION), 4 * ts[res_rows] + 2, np.zeros(nres), False,
         res_after),
    ]
    msz = [len(p[0]) for p in mparts]
    mk, mt = cat(mparts, msz, 0), cat(mparts, msz, 1)
    mexp, mhas = cat(mparts, msz, 2), cat(mparts, msz, 3, bool)
    maft = cat(mparts, msz, 4)
    ram = mk[: sum(msz[:4])]
    if len(ram) and (ram.min() < buses.RAM_WORD_MIN * 4 or ram.max() >= 1 << 30):
        raise UnprovableExecution("a memory access outside guest RAM [0x10000, 2^30)")
    mprev, mpts, mafter, mk_final, mv_final, mt_final = _history(
        mk, mt, mexp, mhas, maft, np.ones(len(mk), dtype=bool), image_keys[~is_reg],
        image_vals[~is_reg], "memory")
    mo = np.cumsum([0] + msz)
    prev_ts[mem_rows, 2] = mpts[mo[0]:mo[1]]
    io_rows = {"ctime": io["ctime"].astype(np.uint32), "addr": io["addr"].astype(np.uint32),
               "rem": io["rem"].astype(np.uint32), "jpos": io["jpos"].astype(np.uint32),
               "mode": io["mode"].astype(np.uint32), "cnt": io["cnt"].astype(np.uint32),
               "prev": mprev[mo[1]:mo[2]].astype(np.uint32),
               "new": mafter[mo[1]:mo[2]].astype(np.uint32),
               "prev_ts": mpts[mo[1]:mo[2]].astype(np.uint32)}
    if len(io["key"]) and io_rows["jpos"].size:
        jrows = io["mode"] == MODE_JOURNAL
        if jrows.any():
            _check_journal(io, jrows, result.journal, int(start_jpos))
    pre_prev_ts = mpts[mo[3]:mo[4]]

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
    # syscall and atomic extras, aligned with the event rows (only meaningful on theirs)
    names = ("a1", "a2", "a3", "a1_prev_ts", "a2_prev_ts", "a3_prev_ts", "kind", "ret",
             "os_prev", "os_new", "os_prev_ts", "aux_key", "rem", "k0", "k1", "c0_cnt",
             "res_prev", "res_prev_ts",
             *[f"aux{j}_{x}" for j in range(4) for x in ("prev", "new", "prev_ts")])
    ex = {name: np.zeros(n, dtype=np.int64) for name in names}
    for nm in ("a1", "a2", "a3"):
        ex[nm][e_idx] = regs[nm][0]
        ex[nm + "_prev_ts"][e_idx] = regs[nm][1]
    ex["kind"][e_idx] = kind
    ex["ret"][e_idx] = ret
    ex["c0_cnt"][e_idx] = c0_cnt
    os_e = np.asarray(os_e, dtype=np.int64)
    ev_os = e_idx[os_e]
    ex["os_prev"][ev_os] = mprev[mo[4]:mo[5]]
    ex["os_new"][ev_os] = os_a
    ex["os_prev_ts"][ev_os] = mpts[mo[4]:mo[5]]
    ax_e = np.asarray(ax_e, dtype=np.int64)
    ax_j = np.asarray(ax_j, dtype=np.int64)
    for j in range(4):
        sel = ax_j == j
        evj = e_idx[ax_e[sel]]
        ex[f"aux{j}_prev"][evj] = mprev[mo[2]:mo[3]][sel]
        ex[f"aux{j}_new"][evj] = ax_a[sel]
        ex[f"aux{j}_prev_ts"][evj] = mpts[mo[2]:mo[3]][sel]
        if j == 0:
            ex["aux_key"][evj] = ax_k[sel]
    counts = [[ch.count for ch in r.chains] for r in recs]
    k0 = np.array([c[0] if c else 0 for c in counts], dtype=np.int64)
    k1 = np.array([c[1] if len(c) > 1 else 0 for c in counts], dtype=np.int64)
    inp = np.isin(kind, [_KIND_INDEX["read"], _KIND_INDEX["readv"]])
    ex["k0"][e_idx] = np.where(inp, k0, 0)
    ex["k1"][e_idx] = np.where(kind == _KIND_INDEX["readv"], k1, 0)
    os_new_e = np.zeros(ne, dtype=np.int64)
    os_new_e[os_e] = os_a
    ex["rem"][e_idx] = np.where(inp, os_new_e - 1 + k0 + np.where(kind == _KIND_INDEX["readv"],
                                                                  k1, 0), 0)
    ex["res_prev"][res_rows] = mprev[mo[5]:mo[6]]
    ex["res_prev_ts"][res_rows] = mpts[mo[5]:mo[6]]
    rows.extra = ex
    touched = {"keys": fk, "final": fv, "final_ts": ft}
    end_state = (int(ev.next_pc[-1]), end_ts, int(jpos[-1] + jinc[-1]))
    return Witness(rows, chips, io_rows, boundary, int(result.exit_code or 0),
                   bytes(result.journal), n, ts=ts, precompile_events=pev,
                   precompile_prev_ts=pre_prev_ts, touched=touched, end_state=end_state,
                   chip_code=chip_code, chip_names=chip_names)


def _check_journal(io, jrows, journal: bytes, start_jpos: int) -> None:
    """The journal bytes the chains read from memory are the journal (executor check)."""
    jb = []
    for key, before, first, cnt in zip(io["key"][jrows], io["before"][jrows],
                                       io["addr"][jrows], io["cnt"][jrows]):
        o = int(first) - int(key)
        jb.append(int(before).to_bytes(4, "little")[o:o + int(cnt)])
    got = b"".join(jb)
    j0 = int(io["jpos"][jrows][0]) - start_jpos
    if bytes(journal)[j0:j0 + len(got)] != got:
        raise ValueError("journal bytes do not match memory (executor/tracegen mismatch)")


def unsupported_chip_rows(chips: np.ndarray, available: set) -> dict:
    """``{chip name: count}`` of executed instructions whose chip is not available."""
    out = {}
    for c in np.unique(chips):
        if c not in available:
            out[str(c)] = int(np.count_nonzero(chips == c))
    return out


def opcode_names(ids) -> list[str]:
    return [BY_ID[int(i)].name if int(i) in BY_ID else "invalid" for i in ids]

"""SHA-256 round-core fault forgeries for the constraint-coverage run (docs/soundness.md
§2.2.S).

The round core of the ``sha256`` precompile table (:mod:`zkvm.precompiles.sha256.air`:
row structure, 64 rounds, message schedule, initial state, final addition; until the
memory tree moved to Poseidon2 it was shared with the paging hash table
``sha256_hash``).  Its constraints lock together: one changed bit fails about ten
equations, so the single-cell repairs of :mod:`tests.support.mutation` do not close.
Here, as for Keccak (:class:`constraint_coverage.KFault`), a *fault* changes one value of
one call and the rest of the call is **recomputed** from it: every later round, the
schedule, the output state and its carries.  By the round algebra exactly one constraint
then fails, and the changed output is re-matched where the call's output goes (the state
words written to memory, re-matched by cross-table repair).  The oracle
(``_credit_one``) confirms: the full checker fails exactly that one constraint with
every bus balanced, the mutant without it accepts.

Fault kinds (:class:`SFault`), with the constraint each breaks:

* ``next`` (var, i, row): the next row's ``var`` (bit ``i`` of a/b/c/e/f/g, half ``i`` of
  d/h, window half ``i`` of w) differs from what this row passes on → ``next_{var}{i}``;
* ``init`` (word j, half k): the state on round 0 differs from ``hin`` → ``init{j}_{k}``;
* ``out`` (j, k): ``hout`` differs from ``hin + final`` → ``out{j}_lo`` / ``out{j}_hi``;
* ``eq`` (na/ne/nw, k): a new value's half ``k`` differs from its sum →
  ``{var}_lo`` / ``{var}_hi``;
* ``compose`` (x1/x14, k): the schedule bits differ from the window word →
  ``{var}_compose{k}``;
* ``range`` (ca/ce/cw): the new value changed and its carries solved in the field (not
  bytes) → the byte-pair lookup ``{var}_range``;
* ``co_hi`` (j): ``hout``'s high half changed, its carry solved in the field →
  ``co{j}_hi_bool``;
* ``co_lo`` (j): the low carry set to ``clo + 30720``: since ``2^16 · 30720 = p − 1``,
  ``hout_lo`` moves by +1 and ``hout_hi`` by +30720 while both equations still hold →
  ``co{j}_lo_bool`` (a field wrap, not an integer carry);
* ``bool`` (var, i, row): bit ``i`` of ``var`` is a non-boolean field value
  ``b_i + (b_j − b'_j)·2^(j−i)`` while a neighbour bit ``j`` of the same half flips, so the
  half is unchanged and only the round polynomials see the difference.  Real attacks on
  ``c``/``g`` at round 0 (pinned by ``init`` as halves only) and ``x1``/``x14`` (pinned by
  ``*_compose`` as halves only) → ``{var}{i}_bool``; ``na``/``ne`` on round 63 (nothing
  copies them): the non-canonical half with the carries moved keeps every output word
  (a different witness of the same statement); ``a``/``b``/``e``/``f`` only on a padding
  row (on real rows they equal bool-checked bits of a neighbouring row, see §2.2.S);
* ``const`` (index, row): the call constant differs between rows ≤ ``row`` and later
  rows → ``const{index}`` (``hin``/``hout``; ``ts``/``ws``/``wb`` move memory keys and
  times, bus-level);
* ``block`` / ``hin`` / ``sn``: the block or the state hashed differs
  from the words read from memory, or the word written differs from the output word →
  ``block_w_*`` / ``state_in_*`` / ``state_out_*``.

Test-only: nothing here is reachable from the CLI or a receipt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from zkvm.precompiles.sha256.air import K as _K
from tests.support import mutation as mu

P = mu.P
M32 = 0xFFFFFFFF
_INV = {e: pow(1 << e, P - 2, P) for e in range(0, 33)}  # 2^-e mod p


def _bits(x: int) -> list[int]:
    return [(x >> i) & 1 for i in range(32)]


def _half(bits, k) -> int:
    return sum(bits[16 * k + i] << i for i in range(16)) % P


def _word(bits) -> int:
    """The 32-bit value of boolean ``bits`` (an integer, not reduced mod p)."""
    return _half(bits, 0) + (_half(bits, 1) << 16)


def _xor3(x, y, z):
    return (x + y + z - 2 * (x * y + x * z + y * z) + 4 * x * y * z) % P


def _rotr(bits, n):
    return [bits[(i + n) % 32] for i in range(32)]


def _shr(bits, n):
    return [bits[i + n] if i + n < 32 else 0 for i in range(32)]


def _hsum(vals, k) -> int:
    return sum(vals[16 * k + i] << i for i in range(16)) % P


def _split(total: int, carry_in: int = 0):
    """``(half, carry)`` with ``half + 2^16·carry = total + carry_in`` over the integers, or
    None if the sum (a field element) is not an integer in ``[0, 2^24)``."""
    s = (total + carry_in) % P
    if s >= 1 << 24:
        return None
    return s & 0xFFFF, s >> 16


def round_row(A, B, C, E, F, G, d, h, win, X1, X14, k_lo, k_hi):
    """The dependent columns of one round row from its inputs (field values; bits may be
    non-boolean): ``na``/``ne`` (bits), ``ca``/``ce``, ``nw``/``cw`` and the sums they
    solve.  None if a sum is not a small integer (no byte carry satisfies it)."""
    S0 = [_xor3(x, y, z) for x, y, z in zip(_rotr(A, 2), _rotr(A, 13), _rotr(A, 22))]
    S1 = [_xor3(x, y, z) for x, y, z in zip(_rotr(E, 6), _rotr(E, 11), _rotr(E, 25))]
    ch = [(e * f + g - e * g) % P for e, f, g in zip(E, F, G)]
    maj = [(x * y + x * z + y * z - 2 * x * y * z) % P for x, y, z in zip(A, B, C)]
    t1 = [(h[k] + _hsum(S1, k) + _hsum(ch, k) + (k_hi if k else k_lo) + win[k]) % P
          for k in (0, 1)]
    t2 = [(_hsum(S0, k) + _hsum(maj, k)) % P for k in (0, 1)]
    s0 = [_xor3(x, y, z) for x, y, z in zip(_rotr(X1, 7), _rotr(X1, 18), _shr(X1, 3))]
    s1 = [_xor3(x, y, z) for x, y, z in zip(_rotr(X14, 17), _rotr(X14, 19), _shr(X14, 10))]
    tw = [(_hsum(s1, k) + win[18 + k] + _hsum(s0, k) + win[k]) % P for k in (0, 1)]
    out = {"t1": t1, "t2": t2, "tw": tw}
    for nm, lo, hi in (("a", t1[0] + t2[0], t1[1] + t2[1]), ("e", d[0] + t1[0], d[1] + t1[1]),
                       ("w", tw[0], tw[1])):
        r0 = _split(lo)
        if r0 is None:
            return None
        r1 = _split(hi, r0[1])
        if r1 is None:
            return None
        val = r0[0] | (r1[0] << 16)
        if nm == "w":
            out["nw"], out["cw"] = [r0[0], r1[0]], [r0[1], r1[1]]
        else:
            out["n" + nm], out["c" + nm] = _bits(val), [r0[1], r1[1]]
    return out


@dataclass(frozen=True)
class SFault:
    """One fault in a round-core call (module docstring)."""

    kind: str
    var: str = ""
    i: int = 0
    row: int = 40

    @property
    def target(self) -> str:
        k, v, i = self.kind, self.var, self.i
        if k == "next":
            return f"next_{v}{i}"
        if k == "init":
            return f"init{i // 2}_{i % 2}"
        if k == "out":
            return f"out{i // 2}_{'hi' if i % 2 else 'lo'}"
        if k == "eq":
            return f"{v}_{'hi' if i else 'lo'}"
        if k == "compose":
            return f"{v}_compose{i}"
        if k == "range":
            return f"{v}_range"
        if k in ("co_hi", "co_lo"):
            return f"co{i}_{k[3:]}_bool"
        if k == "bool":
            return f"{v}{i}_bool"
        if k == "const":
            return f"const{i}"
        if k in ("block", "hin", "sn"):
            half = "hi" if i % 2 else "lo"
            return {"block": f"block_w_{half}", "hin": f"state_in_{half}",
                    "sn": f"state_out_{half}"}[k]
        raise ValueError(f"unknown fault kind {k!r}")


def _nonbool(bits, i, partner_order):
    """``bits`` with bit ``i`` non-boolean and a partner bit of the same half flipped so the
    half is unchanged: yields candidate lists (partners in ``partner_order``)."""
    base = 16 * (i // 16)
    for j in partner_order:
        if j == i or not (base <= j < base + 16):
            continue
        nb = list(bits)
        old = nb[j]
        nb[j] = 1 - old
        e = j - i
        delta = (old - nb[j]) % P
        step = (1 << e) if e >= 0 else _INV[-e]
        nb[i] = (nb[i] + delta * step) % P
        yield nb


def simulate_call(state_in, w16, hin, hin_out=None, fault: SFault | None = None):
    """Rows of one call with ``fault``: ``(rows, hout16 per row (64 lists), co16)`` or None
    when the fault cannot be placed on this call (a sum leaves the carry range, a carry
    condition does not hold).  ``state_in``: 8 words the rounds start from, ``w16``: the
    block ``W_0..W_15``, ``hin``: the call's ``hin`` (8 words),
    ``hin_out``: the ``hin`` the final addition sees (default ``hin``)."""
    f = fault
    kind = f.kind if f else ""
    S = [int(x) for x in state_in]
    if kind == "init":
        S[f.i // 2] ^= 1 << (16 * (f.i % 2))
    win = [int(x) for x in w16]
    rows = []
    for t in range(64):
        A, B, C, E, F, G = (_bits(S[i]) for i in (0, 1, 2, 4, 5, 6))
        d = [S[3] & 0xFFFF, S[3] >> 16]
        h = [S[7] & 0xFFFF, S[7] >> 16]
        X1, X14 = _bits(win[1]), _bits(win[14])
        here = f is not None and t == f.row
        if here and kind == "compose":
            X = X1 if f.var == "x1" else X14
            X[16 * f.i] ^= 1
        cands = [None]
        if here and kind == "bool" and f.var in ("a", "b", "c", "e", "f", "g", "x1", "x14"):
            src = {"a": A, "b": B, "c": C, "e": E, "f": F, "g": G, "x1": X1, "x14": X14}[f.var]
            order = [f.i + 1, f.i - 1, f.i + 2, f.i - 2, f.i + 3, f.i - 3]
            cands = list(_nonbool(src, f.i, order))
        kk = _K[t]
        wh = _halves(win)
        res = None
        for nb in cands:
            if nb is not None:
                src[:] = nb
            res = round_row(A, B, C, E, F, G, d, h, wh, X1, X14, kk & 0xFFFF, kk >> 16)
            if res is not None:
                break
        if res is None:
            return None
        row = {"a": A, "b": B, "c": C, "e": E, "f": F, "g": G, "d": d, "h": h,
               "w": wh, "x1": X1, "x14": X14,
               "na": res["na"], "ne": res["ne"], "ca": res["ca"], "ce": res["ce"],
               "nw": res["nw"], "cw": res["cw"]}
        if here and kind == "eq":
            if f.var == "nw":
                row["nw"] = list(row["nw"])
                row["nw"][f.i] ^= 1
            else:
                row[f.var] = list(row[f.var])
                row[f.var][16 * f.i] ^= 1
        if here and kind == "range":
            nm = {"ca": "na", "ce": "ne", "cw": "nw"}[f.var]
            lo_sum = {"ca": res["t1"][0] + res["t2"][0], "ce": d[0] + res["t1"][0],
                      "cw": res["tw"][0]}[f.var]
            hi_sum = {"ca": res["t1"][1] + res["t2"][1], "ce": d[1] + res["t1"][1],
                      "cw": res["tw"][1]}[f.var]
            if nm == "nw":
                row["nw"] = [row["nw"][0] ^ 1, row["nw"][1]]
                lo_v, hi_v = row["nw"]
            else:
                row[nm] = list(row[nm])
                row[nm][0] ^= 1
                lo_v, hi_v = _half(row[nm], 0), _half(row[nm], 1)
            c0 = (lo_sum - lo_v) * _INV[16] % P
            c1 = (hi_sum + c0 - hi_v) * _INV[16] % P
            row[f.var] = [c0, c1]
        rows.append(row)
        na, ne = _word(row["na"]), _word(row["ne"])
        nw = row["nw"][0] | (row["nw"][1] << 16)
        S = [na, S[0], S[1], S[2], ne, S[4], S[5], S[6]]
        win = win[1:] + [nw]
        if here and kind == "next":
            v, i = f.var, f.i
            if v in ("a", "b", "c", "e", "f", "g"):
                S["abc.efg".index(v)] ^= 1 << i
            elif v in ("d", "h"):
                S[3 if v == "d" else 7] ^= 1 << (16 * i)
            else:  # w: window half i of the next row
                win[i // 2] ^= 1 << (16 * (i % 2))
    fin = S
    ho = [int(x) for x in (hin_out if hin_out is not None else hin)]
    hout, co = [], []
    for j in range(8):
        lo = (ho[j] & 0xFFFF) + (fin[j] & 0xFFFF)
        hi = (ho[j] >> 16) + (fin[j] >> 16) + (lo >> 16)
        hout += [lo & 0xFFFF, hi & 0xFFFF]
        co += [lo >> 16, hi >> 16]
    if kind == "out":
        hout[f.i] ^= 1
    if kind == "co_hi":
        j = f.i
        y = (hout[2 * j + 1] + (co[2 * j + 1] << 16))   # hin_hi + fin_hi + clo
        hout[2 * j + 1] ^= 1
        co[2 * j + 1] = (y - hout[2 * j + 1]) * _INV[16] % P
    if kind == "co_lo":
        j = f.i
        if hout[2 * j] == 0xFFFF:
            return None
        s = hout[2 * j + 1] + (co[2 * j + 1] << 16) + 30720   # Y + clo + 30720
        if s >> 16 > 1:
            return None
        co[2 * j] = co[2 * j] + 30720
        hout[2 * j] += 1
        hout[2 * j + 1], co[2 * j + 1] = s & 0xFFFF, s >> 16
    if kind == "bool" and f.var in ("na", "ne") and f.row == 63:
        if not _last_row_nonbool(rows[63], f, hin, hout, co):
            return None
    hrows = [list(hout) for _ in range(64)]
    return rows, hrows, co


def _last_row_nonbool(row, f: SFault, hin, hout, co) -> bool:
    """Round 63: bit ``i`` of ``na``/``ne`` set to ``b_i ∓ 2^(16−i%16)`` so the half moves
    by ∓2^16; the row's carry and the final-addition carry move by ±1 and every output
    half stays (a non-canonical witness of the same output).  False if the carries do not
    allow it on this call."""
    var, i = f.var, f.i
    j = 0 if var == "na" else 4                     # output word fed by na / ne
    k = i // 16                                     # half
    cvar = "ca" if var == "na" else "ce"
    bits = list(row[var])
    step = 1 << (16 - i % 16)
    c = list(row[cvar])
    oc = list(co)
    # half moves by -2^16 (bit -= step): row carry k +1, output carry k -1 -- or the reverse
    for sgn in (1, -1):
        nc, no = c[k] + sgn, oc[2 * j + k] - sgn
        if not (0 <= nc <= 255 and no in (0, 1)):
            continue
        nb = (bits[i] - sgn * step) % P
        if k == 0:
            # the high half of na/ne moves by +sgn, the output's low carry by -sgn: the
            # output's high half is unchanged; the high half must stay in 16 bits
            hi = _half(bits, 1) + sgn
            if not 0 <= hi <= 0xFFFF:
                continue
            bits[16:] = _bits(hi << 16)[16:]
        bits[i] = nb
        c[k] = nc
        oc[2 * j + k] = no
        row[var] = bits
        row[cvar] = c
        co[:] = oc
        return True
    return False


# ---------------------------------------------------------------------------------- writing

def write_call(v, base: int, rows, hrows, co) -> None:
    """Write the round-core columns of one call (rows ``base .. base + 63``) into the
    trace view ``v`` (``Columns.view``)."""
    for t, row in enumerate(rows):
        r = base + t
        for nm in ("a", "b", "c", "e", "f", "g", "na", "ne", "x1", "x14", "d", "h", "w",
                   "ca", "ce", "nw", "cw"):
            getattr(v, nm)[r] = [x % P for x in row[nm]]
        v.hout[r] = hrows[t]
    v.co[base + 63] = [x % P for x in co]


def _words(halves):
    """32-bit words from interleaved ``(lo, hi)`` 16-bit halves."""
    h = [int(x) for x in halves]
    return [h[2 * j] | (h[2 * j + 1] << 16) for j in range(len(h) // 2)]


def _halves(words):
    """Interleaved ``(lo, hi)`` 16-bit halves of 32-bit words (inverse of :func:`_words`)."""
    return [v for x in words for v in (x & 0xFFFF, x >> 16)]


# ------------------------------------------------------------------------ sha256 precompile

def sha256_forgery(ws, f: SFault | None, call: int = 0):
    """Traces of ``ws`` with call ``call`` of the ``sha256`` table rebuilt under ``f`` (None:
    the honest call, a self-test) and the changed state words written re-matched in the
    memory chains.  None if the fault cannot be placed or the re-match fails."""
    ti = ws.tindex["sha256"]
    cols = ws.system.tables[ti].air.columns
    t = ws.traces[ti].copy()
    v = cols.view(t)
    base = 64 * call
    hin = _words(v.hin[base])
    w16 = _words(v.w[base])     # the block W_0..W_15: the window on round 0
    if f is not None and f.kind == "block":    # the block hashed ≠ the block read
        w16[f.row] ^= 1 << (16 * (f.i % 2))
    if f is not None and f.kind == "hin":      # the state hashed ≠ the state read
        hin[f.i // 2] ^= 1 << (16 * (f.i % 2))
        v.hin[base:base + 64] = _halves(hin)
    hin_out = None
    if f is not None and f.kind == "const" and 3 <= f.i < 19:     # hin, rows > f.row
        hin_out = list(hin)
        m = f.i - 3
        hin_out[m // 2] ^= 1 << (16 * (m % 2))
    got = simulate_call(hin, w16, hin, hin_out, f)
    if got is None:
        return None
    rows, hrows, co = got
    if f is not None and f.kind == "const" and 19 <= f.i < 35:     # hout, rows <= f.row
        for r in range(f.row + 1):
            hrows[r][f.i - 19] ^= 1
    write_call(v, base, rows, hrows, co)
    if hin_out is not None:
        hv = _halves(hin_out)
        for r in range(f.row + 1, 64):
            v.hin[base + r] = hv
    for r in range(8):   # state words written: bytes of hout (as row r sees it)
        lo, hi = hrows[r][2 * r], hrows[r][2 * r + 1]
        v.sn[base + r] = [lo & 0xFF, lo >> 8, hi & 0xFF, hi >> 8]
    if f is not None and f.kind == "sn":       # the word written ≠ the output word
        v.sn[base + f.i // 2, 2 * (f.i % 2)] ^= 1
    if f is None:
        return list(ws.traces) if np.array_equal(t, ws.traces[ti]) else None
    from tests.support.constraint_coverage import rematch

    kind = "interaction" if f.kind == "range" else "constraint"
    return rematch(ws, mu.Target("sha256", f.target, kind), t)


# ------------------------------------------------------------------------------- the faults

CORE_VARS = ("a", "b", "c", "e", "f", "g")


def core_faults(table: str = "sha256") -> dict[str, list[SFault]]:
    """Every fault family of the ``sha256`` table, by family name."""
    if table != "sha256":
        raise ValueError(f"SHA-256 round-core faults exist for the sha256 table only, not "
                         f"{table!r} (sha256_hash is gone: the memory tree uses Poseidon2)")
    return {
        "next": [SFault("next", v, i) for v in CORE_VARS for i in range(32)]
        + [SFault("next", v, k) for v in ("d", "h") for k in (0, 1)]
        + [SFault("next", "w", k) for k in range(32)],
        "init": [SFault("init", "", i, row=0) for i in range(16)],
        "out": [SFault("out", "", i, row=63) for i in range(16)],
        "eq": [SFault("eq", v, k) for v in ("na", "ne", "nw") for k in (0, 1)],
        "compose": [SFault("compose", v, k, row=20) for v in ("x1", "x14") for k in (0, 1)],
        "range": [SFault("range", v) for v in ("ca", "ce", "cw")],
        "co": [SFault(k, "", j, row=63) for k in ("co_lo", "co_hi") for j in range(8)],
        "bool_real": [SFault("bool", v, i, row=0) for v in ("c", "g") for i in range(32)]
        + [SFault("bool", v, i, row=20) for v in ("x1", "x14") for i in range(32)]
        + [SFault("bool", v, i, row=63) for v in ("na", "ne") for i in range(32)],
        "const": [SFault("const", "", i, row=40) for i in range(3, 35)],
        # memory side of the precompile: the block / state hashed ≠ the words read, the
        # word written ≠ the output (one member per constraint)
        "io": [SFault("block", "", k, row=5) for k in (0, 1)]
        + [SFault("hin", "", 2 * 3 + k, row=3) for k in (0, 1)]
        + [SFault("sn", "", 2 * 6 + k, row=6) for k in (0, 1)],
    }


def padding_bool_forgery(ws, table: str, var: str, i: int):
    """Traces of ``ws`` with bit ``i`` of ``var`` set to 2 on the first padding row of
    ``table`` and that row's dependent columns re-solved (an attack on padding rows only:
    such a row sends nothing).  None if the table has no padding row."""
    ti = ws.tindex[table]
    cols = ws.system.tables[ti].air.columns
    t = ws.traces[ti].copy()
    v = cols.view(t)
    pad = np.flatnonzero(v.is_real == 0)
    if not len(pad):
        return None
    r = int(pad[0])
    get = lambda nm: [int(x) for x in getattr(v, nm)[r]]  # noqa: E731
    A, B, C, E, F, G = (get(n) for n in CORE_VARS)
    src = {"a": A, "b": B, "c": C, "e": E, "f": F, "g": G}[var]
    src[i] = 2
    res = round_row(A, B, C, E, F, G, get("d"), get("h"), get("w"), get("x1"), get("x14"),
                    int(v.k_lo[r]), int(v.k_hi[r]))
    if res is None:
        return None
    for nm, val in (("a", A), ("b", B), ("c", C), ("e", E), ("f", F), ("g", G)):
        getattr(v, nm)[r] = val
    for nm in ("na", "ne", "ca", "ce", "nw", "cw"):
        getattr(v, nm)[r] = res[nm]
    traces = list(ws.traces)
    traces[ti] = t % P
    return traces


def harvest_sha(ws, table: str, members: int, seed: int = 0, log=print):
    """The fault forgeries of the ``sha256`` table (``table``; the only one with the round
    core) on the machine workspace ``ws`` as ``constraint_coverage.SuiteCase``s."""
    from tests.support.constraint_coverage import _credit_one, sample_families

    fams = core_faults(table)
    cache: dict = {}
    cases = []
    if sha256_forgery(ws, None) is None:
        raise RuntimeError("sha256 forgery: the honest call is not reproduced")
    calls = int(ws.traces[ws.tindex["sha256"]][:, 0].astype(np.int64).sum()) // 64
    faults = sample_families(fams, members, seed)
    for f in faults:
        name = f"sha-fault:{table}:{f.kind}:{f.var}{f.i}@row{f.row}"
        got = None
        for call in range(calls):
            got = sha256_forgery(ws, f, call)
            if got is not None:
                break
        if got is None:
            log(f"{name}: cannot be placed on any call")
            continue
        c = _credit_one(ws, got, ws.pv, name, cache)
        want = f"{table}.{f.target}"
        if c.shown != [want]:
            log(f"{name}: expected {want}, fails {c.failing}, credited {c.shown}")
        cases.append(c)
    # a/b/e/f (and every bit var) on a padding row: padding-only attacks
    if members == 0 or members >= 32:
        pvars = [(v, i) for v in ("a", "b", "e", "f") for i in range(32)]
    else:
        rng = random.Random(seed)
        pvars = [(v, i) for v in ("a", "b", "e", "f") for i in sorted(rng.sample(range(32), members))]
    for var, i in pvars:
        traces = padding_bool_forgery(ws, table, var, i)
        if traces is None:
            break
        c = _credit_one(ws, traces, ws.pv, f"sha-pad:{table}:{var}{i}", cache)
        c.inert = True
        cases.append(c)
    return cases

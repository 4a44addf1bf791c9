"""The SHA-256 compression precompile chip (docs/circuits.md §11.2).

One SHA256_COMPRESS call (``state[8]`` at ``a0``, 64-byte ``block`` at ``a1``) is 64 rows of
the ``sha256`` table, row ``t`` = round ``t``; the preprocessed ``sha256_round`` table
(64 rows) pins, per round index ``rnd``, the constant ``K_rnd`` and the row-type flags.

Per row (round ``t``):

* working variables before the round: ``a, b, c, e, f, g`` as 32 bits each, ``d, h`` as
  16-bit halves; ``na``, ``ne`` (the new ``a``/``e``) as bits, with
  ``na = h + Σ1(e) + Ch(e,f,g) + K_t + W_t + Σ0(a) + Maj(a,b,c)`` and
  ``ne = d + h + Σ1(e) + Ch(e,f,g) + K_t + W_t`` (mod 2^32, in 16-bit halves with carries
  ``< 256``); the bitwise functions are polynomials in the bits
  (``x⊕y⊕z = x+y+z−2(xy+xz+yz)+4xyz``, ``Ch = ef + g − eg``, ``Maj = ab+ac+bc−2abc``),
  degree ≤ 3;
* the message-schedule window ``w[k] = W_{t+k}`` (``k < 16``, halves), the bits of
  ``w[1]`` and ``w[14]`` and ``nw = σ1(w[14]) + w[9] + σ0(w[1]) + w[0]`` (= ``W_{t+16}``;
  the table uses the schedule recurrence also past ``W_63``, harmlessly);
* transitions inside a call (``nx = is_real − f_last``): ``a' = na, b' = a, c' = b,
  d' = c, e' = ne, f' = e, g' = f, h' = g``, ``w'[k] = w[k+1]``, ``w'[15] = nw``,
  ``rnd' = rnd + 1`` and the call constants (``ts``, pointers, ``hin``, ``hout``) equal;
* first row (``f_first``): receives ``(0x5A00, ts, a0 limbs, a1 limbs)`` on PRECOMPILE,
  splits the pointers into word indices (4-aligned, ``2^16 ≤ ptr``, ``ptr < 2^30``) and
  sets ``(a..h) = hin``;
* rows ``t < 16`` (``f_blk``): read block word ``t`` at key ``4(wb + t)``, time
  ``T0 + t`` (``T0 = 4(ts + 2)``), and pin ``W_t`` (big-endian reading of its bytes) to
  ``w[0]``;
* rows ``t < 8`` (``f_st``, one-hot ``sel_j``): access state word ``t`` at key
  ``4(ws + t)``, time ``T0 + 16 + t``: receive ``hin[t]`` (bytes) and send ``hout[t]``
  (range-checked bytes).  Block reads come first, so overlapping buffers behave like
  the executor (all inputs read before the state is written);
* last row (``f_last``): ``hout[j] = hin[j] + final[j] mod 2^32`` (carries boolean) with
  ``final = (na, a, b, c, ne, e, f, g)``.

The round circuit (row structure, rounds, schedule, initial state, final addition) is
the "round core" below (until session 16 it was shared with ``sha256_hash``, the paging
tables' hash, now Poseidon2: :mod:`zkvm.chips.poseidon2`).

Correctness: every bit column is boolean and every carry is range-checked below 256, so
each 16-bit-half equation holds over the integers (all sums < 2^25 < p); the schedule
words all pass through position 14 of the window while a row of the call still exists,
where their bits compose to them, so every ``W_t`` (t < 64) is a genuine 32-bit value.
The round lookup (multiplicity ``is_real``) fixes ``K`` and the flags per ``rnd``; the
flags are zero on padding, ``rnd`` increments inside a call, a call starts at ``rnd = 0``
(first row of the table, and after every ``f_last``) and only ends at ``f_last``
(``nx·(1 − is_real') = 0``, and the table's last row is not mid-call), so every real row
belongs to a complete call that received exactly one PRECOMPILE message.  Memory is only
touched through the MEMORY bus with the ``prev_ts < t`` check (buses.mem_access), at the
times reserved for this call, so a precompile cannot see or change memory the program
does not.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import buses
from zkvm.chips.buses import PRECOMPILE
from zkvm.precompiles.registry import BY_FOLDER, bus_id
from zkvm.precompiles.sha256.constants import SHA256_K
from zkvm.stark.air import Air, Bus, Columns

SPEC = BY_FOLDER["sha256"]
SYS_SHA256_COMPRESS = SPEC.number
#: the SHA-256 round-constant lookup (:class:`Sha256RoundAir`)
SHA256_ROUND = Bus(id=bus_id("sha256_round"), name="sha256_round", width=15)

ROUNDS = 64
M32 = 0xFFFFFFFF

#: FIPS 180-4 round constants (plain data shared with the executor side: constants.py)
K = SHA256_K

ROUND_COLUMNS = ("rnd", "k_lo", "k_hi", "f_first", "f_blk", "f_st", "f_last",
                 *[f"sel{j}" for j in range(8)])


class Sha256RoundAir(Air):
    """Preprocessed 64-row table: round index, ``K`` halves and row-type flags.

    Receives ``(rnd, k_lo, k_hi, f_first, f_blk, f_st, f_last, sel0..sel7)`` on
    SHA256_ROUND with a free multiplicity column (``max_multiplicity=None``: its rows are
    fixed by the verifying key, so only these tuples can be looked up).
    """

    name = "sha256_round"
    preprocessed = Columns(*[(c, "fixed") for c in ROUND_COLUMNS])
    columns = Columns(("mult", "number of sha256 rows of this round"))
    max_degree = 3

    def generate_preprocessed(self) -> np.ndarray:
        r = np.arange(ROUNDS, dtype=np.uint32)
        k = np.array(K, dtype=np.uint32)
        cols = [r, k & 0xFFFF, k >> 16, r == 0, r < 16, r < 8, r == ROUNDS - 1]
        cols += [r == j for j in range(8)]
        return np.stack([np.asarray(c, dtype=np.uint32) for c in cols], axis=1)

    def eval(self, b):
        p = b.preprocessed_local
        b.receive(SHA256_ROUND, [getattr(p, c) for c in ROUND_COLUMNS],
                  multiplicity=b.local.mult, name="round", max_multiplicity=None)

    @staticmethod
    def generate_trace(num_calls: int) -> np.ndarray:
        return np.full((ROUNDS, 1), num_calls, dtype=np.uint32)


def _bits_cols(name, doc):
    return (name, 32, doc)


# ============================================================================ round core
#
# The round circuit of ``sha256`` (the precompile; shared with the paging hash table
# ``sha256_hash`` until session 16): row structure, the 64 rounds, the message schedule,
# the initial state and the final addition.  A table built on it has the columns ``CORE_HEAD``,
# then its own, then ``CORE_STATE`` (``hout``, ``co``), then ``CORE_ROUNDS``, and calls
# the ``_core_*`` functions below in the order the precompile always used (the order of
# constraints is part of the verifying key).

CORE_HEAD = (
    ("is_real", "1 on rows of a call (a prefix)"),
    *[(c, "from the sha256_round lookup") for c in ROUND_COLUMNS],
)
CORE_STATE = (
    ("hout", 16, "output state words, (lo, hi) halves"),
    ("co", 16, "final addition carries (last row)"),
)
CORE_ROUNDS = (
    _bits_cols("a", "a bits"), _bits_cols("b", "b bits"), _bits_cols("c", "c bits"),
    _bits_cols("e", "e bits"), _bits_cols("f", "f bits"), _bits_cols("g", "g bits"),
    ("d", 2, "d halves"), ("h", 2, "h halves"),
    _bits_cols("na", "new a bits"), _bits_cols("ne", "new e bits"),
    ("ca", 2, "carries of na"), ("ce", 2, "carries of ne"),
    ("w", 32, "schedule window W_{t+k}, halves (lo, hi) per k"),
    _bits_cols("x1", "bits of w[1]"), _bits_cols("x14", "bits of w[14]"),
    ("nw", 2, "W_{t+16} halves"), ("cw", 2, "carries of nw"),
)


def _half(bits, hi):
    o = 16 if hi else 0
    return sum((bits[o + i] * (1 << i) for i in range(1, 16)), bits[o])


def _rotr_bits(bits, n):
    return [bits[(i + n) % 32] for i in range(32)]


def _shr_bits(bits, n):
    return [bits[i + n] if i + n < 32 else 0 for i in range(32)]


def _xor3(x, y, z):
    return x + y + z - 2 * (x * y + x * z + y * z) + 4 * x * y * z


def _xor3_word(p, q, s):
    return [_xor3(x, y, z) for x, y, z in zip(p, q, s)]


def _hsum(bits_expr, hi):
    o = 16 if hi else 0
    return sum((bits_expr[o + i] * (1 << i) for i in range(16)), 0)


def _core_structure(b, consts):
    """Row structure of a round-core table; ``consts``: the call constants (equal on
    consecutive rows of a call, ``const{i}``).  Returns ``(r, flags, sel, nx, tr)``."""
    loc, nxt = b.local, b.next
    r = loc.is_real
    fl = {c: getattr(loc, c) for c in ("f_first", "f_blk", "f_st", "f_last")}
    sel = [getattr(loc, f"sel{j}") for j in range(8)]
    nx = r - fl["f_last"]  # 1 on real rows followed by another row of the same call

    b.assert_bool(r, "is_real_bool")
    b.when_transition().assert_zero(nxt.is_real * (1 - r), "padding_suffix")
    for name, x in list(fl.items()) + [(f"sel{j}", s) for j, s in enumerate(sel)]:
        b.assert_zero(x * (1 - r), f"{name}_padding")  # flags are 0 on padding
    b.send(SHA256_ROUND, [getattr(loc, c) for c in ROUND_COLUMNS], multiplicity=r,
           name="round_lookup")
    b.when_first_row().assert_zero(loc.rnd, "first_rnd")
    tr = b.when_transition()
    tr.assert_zero(nx * (nxt.rnd - loc.rnd - 1), "rnd_inc")
    tr.assert_zero(nx * (1 - nxt.is_real), "call_complete")
    tr.assert_zero(fl["f_last"] * nxt.rnd, "call_starts_at_0")
    b.when_last_row().assert_zero(nx, "last_row_not_mid_call")
    for i, (x, y) in enumerate(consts):
        tr.assert_zero(nx * (y - x), f"const{i}")
    return r, fl, sel, nx, tr


def _core_rounds(b, r, nx, tr):
    """Bits, the round equations, the round transition and the message schedule.
    Returns ``(A, B, C, E, F, G, NA, NE)`` (bit lists) for the init / final helpers."""
    loc, nxt = b.local, b.next
    for nm in ("a", "b", "c", "e", "f", "g", "na", "ne", "x1", "x14"):
        for i, x in enumerate(getattr(loc, nm)):
            b.assert_bool(x, f"{nm}{i}_bool")

    A, B, C, E, F, G = (list(getattr(loc, n)) for n in ("a", "b", "c", "e", "f", "g"))
    S0 = _xor3_word(_rotr_bits(A, 2), _rotr_bits(A, 13), _rotr_bits(A, 22))
    S1 = _xor3_word(_rotr_bits(E, 6), _rotr_bits(E, 11), _rotr_bits(E, 25))
    ch = [e * f + g - e * g for e, f, g in zip(E, F, G)]
    maj = [x * y + x * z + y * z - 2 * x * y * z for x, y, z in zip(A, B, C)]
    w0 = (loc.w[0], loc.w[1])
    t1 = [loc.h[k] + _hsum(S1, k) + _hsum(ch, k) + (loc.k_hi if k else loc.k_lo) + w0[k]
          for k in (0, 1)]
    t2 = [_hsum(S0, k) + _hsum(maj, k) for k in (0, 1)]
    NA, NE = list(loc.na), list(loc.ne)
    b.assert_zero(_half(NA, 0) + 65536 * loc.ca[0] - t1[0] - t2[0], "na_lo")
    b.assert_zero(_half(NA, 1) + 65536 * loc.ca[1] - t1[1] - t2[1] - loc.ca[0], "na_hi")
    b.assert_zero(_half(NE, 0) + 65536 * loc.ce[0] - loc.d[0] - t1[0], "ne_lo")
    b.assert_zero(_half(NE, 1) + 65536 * loc.ce[1] - loc.d[1] - t1[1] - loc.ce[0], "ne_hi")
    buses.range_u8_pair(b, loc.ca[0], loc.ca[1], r, "ca_range")
    buses.range_u8_pair(b, loc.ce[0], loc.ce[1], r, "ce_range")

    # --- round transition ---------------------------------------------------------
    for nm_next, cur in (("a", NA), ("b", A), ("c", B), ("e", NE), ("f", E), ("g", F)):
        for i, x in enumerate(getattr(nxt, nm_next)):
            tr.assert_zero(nx * (x - cur[i]), f"next_{nm_next}{i}")
    for k in (0, 1):
        tr.assert_zero(nx * (nxt.d[k] - _half(C, k)), f"next_d{k}")
        tr.assert_zero(nx * (nxt.h[k] - _half(G, k)), f"next_h{k}")

    # --- message schedule -----------------------------------------------------------
    X1, X14 = list(loc.x1), list(loc.x14)
    for k in (0, 1):
        b.assert_zero(_half(X1, k) - loc.w[2 + k], f"x1_compose{k}")
        b.assert_zero(_half(X14, k) - loc.w[28 + k], f"x14_compose{k}")
    s0 = _xor3_word(_rotr_bits(X1, 7), _rotr_bits(X1, 18), _shr_bits(X1, 3))
    s1 = _xor3_word(_rotr_bits(X14, 17), _rotr_bits(X14, 19), _shr_bits(X14, 10))
    b.assert_zero(loc.nw[0] + 65536 * loc.cw[0] - _hsum(s1, 0) - loc.w[18] - _hsum(s0, 0)
                  - loc.w[0], "nw_lo")
    b.assert_zero(loc.nw[1] + 65536 * loc.cw[1] - _hsum(s1, 1) - loc.w[19] - _hsum(s0, 1)
                  - loc.w[1] - loc.cw[0], "nw_hi")
    buses.range_u8_pair(b, loc.cw[0], loc.cw[1], r, "cw_range")
    for k in range(30):
        tr.assert_zero(nx * (nxt.w[k] - loc.w[k + 2]), f"next_w{k}")
    tr.assert_zero(nx * (nxt.w[30] - loc.nw[0]), "next_w30")
    tr.assert_zero(nx * (nxt.w[31] - loc.nw[1]), "next_w31")
    return A, B, C, E, F, G, NA, NE


def _core_init(b, ff, core, hin):
    """First row of a call: ``(a..h) = hin`` (16 halves, expressions or constants)."""
    A, B, C, E, F, G, _, _ = core
    loc = b.local
    init = [(_half(A, k), _half(B, k), _half(C, k), loc.d[k], _half(E, k), _half(F, k),
             _half(G, k), loc.h[k]) for k in (0, 1)]
    for j in range(8):
        for k in (0, 1):
            b.assert_zero(ff * (init[k][j] - hin[2 * j + k]), f"init{j}_{k}")


def _core_final(b, lf, core, hin):
    """Last row: ``hout = hin + final state mod 2^32`` with boolean carries ``co``."""
    A, B, C, E, F, G, NA, NE = core
    loc = b.local
    fin = [(_half(NA, k), _half(A, k), _half(B, k), _half(C, k), _half(NE, k), _half(E, k),
            _half(F, k), _half(G, k)) for k in (0, 1)]
    for j in range(8):
        clo, chi = loc.co[2 * j], loc.co[2 * j + 1]
        b.assert_bool(clo, f"co{j}_lo_bool")
        b.assert_bool(chi, f"co{j}_hi_bool")
        b.assert_zero(lf * (loc.hout[2 * j] + 65536 * clo - hin[2 * j] - fin[0][j]),
                      f"out{j}_lo")
        b.assert_zero(lf * (loc.hout[2 * j + 1] + 65536 * chi - hin[2 * j + 1]
                            - fin[1][j] - clo), f"out{j}_hi")


_u64 = np.uint64


def _rotr64(x, k):
    return ((x >> _u64(k)) | (x << _u64(32 - k))) & _u64(M32)


def _lo(x):
    return x & _u64(0xFFFF)


def _hi(x):
    return x >> _u64(16)


def _bits_np(x):  # (..., ) -> (..., 32)
    return ((x[..., None] >> np.arange(32, dtype=_u64)) & _u64(1)).astype(np.uint32)


def _halves_np(x):  # (..., m) -> (..., 2m) interleaved (lo, hi)
    return np.stack([_lo(x), _hi(x)], axis=-1).reshape(*x.shape[:-1], -1).astype(np.uint32)


def _core_trace(v, st_in, msg):
    """Fill the round-core columns of ``n = len(msg)`` calls (rows ``0 .. 64n``).

    ``st_in``: (n, 8) uint64 input states; ``msg``: (n, 16) uint64 message words
    ``W_0..W_15``.  Fills ``is_real``, the round-lookup columns, ``hout``, ``co`` and the
    ``CORE_ROUNDS`` columns; returns the output states (n, 8) uint64.  Vectorised over
    calls (the Python loops run over the 64 rounds / bit positions).
    """
    u64 = _u64
    n = msg.shape[0]
    rows = ROUNDS * n
    W = np.zeros((n, ROUNDS + 16 + 16), dtype=u64)
    W[:, :16] = msg
    rotr, lo, hi = _rotr64, _lo, _hi
    for t in range(16, W.shape[1]):
        x1, x14 = W[:, t - 15], W[:, t - 2]
        s0 = rotr(x1, 7) ^ rotr(x1, 18) ^ (x1 >> u64(3))
        s1 = rotr(x14, 17) ^ rotr(x14, 19) ^ (x14 >> u64(10))
        W[:, t] = (W[:, t - 16] + s0 + W[:, t - 7] + s1) & u64(M32)
    # working variables before each round, new a / e, carries
    S = np.zeros((n, ROUNDS + 1, 8), dtype=u64)
    S[:, 0] = st_in
    CA = np.zeros((n, ROUNDS, 2), dtype=u64)
    CE = np.zeros((n, ROUNDS, 2), dtype=u64)
    for t in range(ROUNDS):
        a, b_, c, d, e, f, g, h = (S[:, t, i] for i in range(8))
        s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        ch = (e & f) ^ (~e & u64(M32) & g)
        s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        maj = (a & b_) ^ (a & c) ^ (b_ & c)
        k = u64(K[t])
        wt = W[:, t]
        t1lo = lo(h) + lo(s1) + lo(ch) + lo(k) + lo(wt)
        t1hi = hi(h) + hi(s1) + hi(ch) + hi(k) + hi(wt)
        t2lo, t2hi = lo(s0) + lo(maj), hi(s0) + hi(maj)
        alo = t1lo + t2lo
        CA[:, t, 0] = alo >> u64(16)
        ahi = t1hi + t2hi + CA[:, t, 0]
        CA[:, t, 1] = ahi >> u64(16)
        elo = lo(d) + t1lo
        CE[:, t, 0] = elo >> u64(16)
        ehi = hi(d) + t1hi + CE[:, t, 0]
        CE[:, t, 1] = ehi >> u64(16)
        na = (lo(alo) | (lo(ahi) << u64(16)))
        ne = (lo(elo) | (lo(ehi) << u64(16)))
        S[:, t + 1] = np.stack([na, a, b_, c, ne, e, f, g], axis=1)
    out = (st_in + S[:, ROUNDS]) & u64(M32)
    bits, halves = _bits_np, _halves_np

    R = slice(0, rows)
    cur = S[:, :ROUNDS].reshape(rows, 8)
    nxt = S[:, 1:].reshape(rows, 8)
    v.is_real[R] = 1
    rnd = np.tile(np.arange(ROUNDS), n)
    v.rnd[R] = rnd
    kk = np.array(K, dtype=np.int64)[rnd]
    v.k_lo[R] = kk & 0xFFFF
    v.k_hi[R] = kk >> 16
    v.f_first[R] = rnd == 0
    v.f_blk[R] = rnd < 16
    v.f_st[R] = rnd < 8
    v.f_last[R] = rnd == ROUNDS - 1
    for j in range(8):
        getattr(v, f"sel{j}")[R] = rnd == j
    v.hout[R] = np.repeat(halves(out), ROUNDS, axis=0)
    first = np.arange(n) * ROUNDS
    last = first + ROUNDS - 1
    fin = S[:, ROUNDS]
    clo = (lo(st_in) + lo(fin)) >> u64(16)
    chi = (hi(st_in) + hi(fin) + clo) >> u64(16)
    v.co[last] = np.stack([clo, chi], axis=-1).reshape(n, 16).astype(np.uint32)
    for nm, i in (("a", 0), ("b", 1), ("c", 2), ("e", 4), ("f", 5), ("g", 6)):
        getattr(v, nm)[R] = bits(cur[:, i])
    v.d[R] = halves(cur[:, 3:4])
    v.h[R] = halves(cur[:, 7:8])
    v.na[R] = bits(nxt[:, 0])
    v.ne[R] = bits(nxt[:, 4])
    v.ca[R] = CA.reshape(rows, 2)
    v.ce[R] = CE.reshape(rows, 2)
    win = np.stack([W[:, t : t + 16] for t in range(ROUNDS)], axis=1)  # (n, 64, 16)
    v.w[R] = halves(win.reshape(rows, 16))
    v.x1[R] = bits(win[:, :, 1].reshape(rows))
    v.x14[R] = bits(win[:, :, 14].reshape(rows))
    nw = W[:, 16 : 16 + ROUNDS].reshape(rows)
    v.nw[R] = halves(nw[:, None])
    x1, x14 = win[:, :, 1].reshape(rows), win[:, :, 14].reshape(rows)
    s0lo = lo(rotr(x1, 7) ^ rotr(x1, 18) ^ (x1 >> u64(3)))
    s0hi = hi(rotr(x1, 7) ^ rotr(x1, 18) ^ (x1 >> u64(3)))
    s1lo = lo(rotr(x14, 17) ^ rotr(x14, 19) ^ (x14 >> u64(10)))
    s1hi = hi(rotr(x14, 17) ^ rotr(x14, 19) ^ (x14 >> u64(10)))
    w0, w9 = win[:, :, 0].reshape(rows), win[:, :, 9].reshape(rows)
    cw0 = (s1lo + lo(w9) + s0lo + lo(w0)) >> u64(16)
    cw1 = (s1hi + hi(w9) + s0hi + hi(w0) + cw0) >> u64(16)
    v.cw[R] = np.stack([cw0, cw1], axis=1)
    return out


def _table_height(n_calls: int) -> int:
    rows = ROUNDS * n_calls
    return max(8, 1 << max(0, (rows - 1).bit_length()))


class Sha256Air(Air):
    """64 rows per SHA256_COMPRESS call (module docstring)."""

    name = "sha256"
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    columns = Columns(
        *CORE_HEAD,
        ("ts", "EXEC time of the ecall (constant in a call)"),
        ("ws", "state pointer / 4"), ("wb", "block pointer / 4"),
        ("ps", 4, "state pointer limbs (first row)"), ("pb", 4, "block pointer limbs (first row)"),
        ("qs", "ps[0] / 4"), ("qb", "pb[0] / 4"),
        ("hin", 16, "input state words, (lo, hi) halves"),
        *CORE_STATE,
        *CORE_ROUNDS,
        ("bw", 4, "block word bytes (memory order)"),
        ("b_prev_ts", "block read: previous access time"), ("b_lo", "ts limb"), ("b_hi", "ts limb"),
        ("sp", 4, "state word bytes before"), ("sn", 4, "state word bytes after"),
        ("s_prev_ts", "state access: previous access time"), ("s_lo", "ts limb"), ("s_hi", "ts limb"),
    )
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        consts = [loc.ts, loc.ws, loc.wb, *loc.hin, *loc.hout]
        nconsts = [nxt.ts, nxt.ws, nxt.wb, *nxt.hin, *nxt.hout]
        r, fl, sel, nx, tr = _core_structure(b, list(zip(consts, nconsts)))
        core = _core_rounds(b, r, nx, tr)

        # --- first row: hand-off, pointers, initial state -------------------------------
        ff = fl["f_first"]
        b.receive(PRECOMPILE, [SYS_SHA256_COMPRESS, loc.ts, *loc.ps, *loc.pb], multiplicity=ff,
                  name="precompile_recv")
        for nm, p, q, wv in (("s", loc.ps, loc.qs, loc.ws), ("b", loc.pb, loc.qb, loc.wb)):
            b.assert_zero(ff * (p[0] - 4 * q), f"p{nm}_aligned")
            b.assert_zero(ff * (wv - q - 64 * p[1] - 16384 * p[2] - 4194304 * p[3]),
                          f"p{nm}_word")
            # q < 64 (so p0 = 4q is the byte's own value) and p3 < 64 (ptr < 2^30), one lookup
            buses.range_u8_pair(b, q + 192, p[3] + 192, ff, f"p{nm}_q_top")
            # ptr >= 2^16: p2 + 256 p3 >= 1
            buses.range_u16(b, p[2] + 256 * p[3] - 1, ff, f"p{nm}_min")
        _core_init(b, ff, core, list(loc.hin))

        # --- rows 0..15: block words ----------------------------------------------------
        T0 = 4 * (loc.ts + 2)
        fb = fl["f_blk"]
        bw = list(loc.bw)
        b.assert_zero(fb * (loc.w[0] - bw[3] - 256 * bw[2]), "block_w_lo")
        b.assert_zero(fb * (loc.w[1] - bw[1] - 256 * bw[0]), "block_w_hi")
        buses.mem_read(b, 4 * (loc.wb + loc.rnd), bw, T0 + loc.rnd, loc.b_prev_ts, loc.b_lo,
                       loc.b_hi, fb, "blk", check_hi=False)

        # --- rows 0..7: state words -----------------------------------------------------
        fs = fl["f_st"]
        sp, sn = list(loc.sp), list(loc.sn)
        hin_sel = [sum((sel[j] * loc.hin[2 * j + k] for j in range(1, 8)), sel[0] * loc.hin[k])
                   for k in (0, 1)]
        hout_sel = [sum((sel[j] * loc.hout[2 * j + k] for j in range(1, 8)), sel[0] * loc.hout[k])
                    for k in (0, 1)]
        b.assert_zero(hin_sel[0] - sp[0] - 256 * sp[1], "state_in_lo")
        b.assert_zero(hin_sel[1] - sp[2] - 256 * sp[3], "state_in_hi")
        b.assert_zero(hout_sel[0] - sn[0] - 256 * sn[1], "state_out_lo")
        b.assert_zero(hout_sel[1] - sn[2] - 256 * sn[3], "state_out_hi")
        buses.mem_write(b, 4 * (loc.ws + loc.rnd), sp, sn, T0 + 16 + loc.rnd, loc.s_prev_ts,
                        loc.s_lo, loc.s_hi, fs, "st", check_hi=False)
        buses.range_u8_pair(b, sn[0], sn[1], fs, "sn01")
        buses.range_u8_pair(b, sn[2], sn[3], fs, "sn23")
        # the two timestamp 'hi' bytes in one lookup (rows 0..15 cover rows 0..7)
        buses.range_u8_pair(b, loc.b_hi, loc.s_hi, fb, "ts_hi")

        # --- last row: hout = hin + final state ----------------------------------------
        _core_final(b, fl["f_last"], core, list(loc.hin))

    # ------------------------------------------------------------------ trace
    def generate_trace(self, calls, ts, blk_prev_ts, st_prev_ts) -> np.ndarray:
        """Trace of the calls ``calls`` (:func:`zkvm.precompiles.registry.calls_class`).

        ``ts``: EXEC time of each call's ecall (n,); ``blk_prev_ts`` (n, 16) and
        ``st_prev_ts`` (n, 8): the previous access time of each block / state word
        (from the global memory history, :func:`zkvm.precompiles.tables.split_prev_ts`).
        Vectorised over calls (the Python loops run over the 64 rounds / bit positions).
        """
        n = len(calls)
        rows = ROUNDS * n
        tr = self.columns.new_trace(_table_height(n))
        v = self.columns.view(tr)
        if n == 0:
            return tr
        u64 = np.uint64
        st_in = calls.state_in.astype(u64)
        blk = calls.block.astype(u64)
        # memory words are little endian; W_t is the big-endian reading of the same bytes
        wbe = ((blk & u64(0xFF)) << u64(24)) | (((blk >> u64(8)) & u64(0xFF)) << u64(16)) | \
              (((blk >> u64(16)) & u64(0xFF)) << u64(8)) | (blk >> u64(24))
        out = _core_trace(v, st_in, wbe)
        if not np.array_equal(out.astype(np.uint32), calls.state_out):
            raise ValueError("sha256 precompile record disagrees with the compression "
                             "function (executor/tracegen mismatch)")
        R = slice(0, rows)
        rep = lambda x: np.repeat(np.asarray(x), ROUNDS, axis=0)  # noqa: E731
        ts = np.asarray(ts, dtype=np.int64)
        v.ts[R] = rep(ts)
        sp_, bp_ = calls.state_ptr.astype(np.int64), calls.block_ptr.astype(np.int64)
        v.ws[R] = rep(sp_ >> 2)
        v.wb[R] = rep(bp_ >> 2)
        first = np.arange(n) * ROUNDS
        limbs = lambda x: np.stack([(x >> (8 * i)) & 0xFF for i in range(4)], axis=1)  # noqa: E731
        v.ps[first] = limbs(sp_)
        v.pb[first] = limbs(bp_)
        v.qs[first] = (sp_ & 0xFF) >> 2
        v.qb[first] = (bp_ & 0xFF) >> 2
        v.hin[R] = rep(_halves_np(st_in))
        # memory: rows 0..15 block reads, rows 0..7 state read/writes
        t0 = 4 * (ts + 2)
        bl = (np.arange(n)[:, None] * ROUNDS + np.arange(16)[None, :]).ravel()
        v.bw[bl] = limbs(calls.block.astype(np.int64).ravel())
        bpt = np.asarray(blk_prev_ts, dtype=np.int64)
        blo, bhi = buses.ts_diff_limbs((t0[:, None] + np.arange(16)[None, :]).ravel(), bpt.ravel())
        v.b_prev_ts[bl] = bpt.ravel()
        v.b_lo[bl] = blo
        v.b_hi[bl] = bhi
        sl = (np.arange(n)[:, None] * ROUNDS + np.arange(8)[None, :]).ravel()
        v.sp[sl] = limbs(calls.state_in.astype(np.int64).ravel())
        v.sn[sl] = limbs(out.astype(np.int64).ravel())
        spt = np.asarray(st_prev_ts, dtype=np.int64)
        slo, shi = buses.ts_diff_limbs((t0[:, None] + 16 + np.arange(8)[None, :]).ravel(), spt.ravel())
        v.s_prev_ts[sl] = spt.ravel()
        v.s_lo[sl] = slo
        v.s_hi[sl] = shi
        return tr


# ============================================================================ registry hooks
def airs() -> list:
    """The tables of this precompile, in the order of its registry row's ``tables``."""
    return [Sha256Air(), Sha256RoundAir()]


def traces(by_name: dict, calls, ts, prev_ts: dict) -> dict:
    """``{table: trace}`` for ``calls`` (``ts``: EXEC time of each ecall; ``prev_ts``:
    ``{buffer: (n, words)}`` previous access times)."""
    return {"sha256": by_name["sha256"].generate_trace(calls, ts, prev_ts["block"],
                                                         prev_ts["state"]),
            "sha256_round": Sha256RoundAir.generate_trace(len(calls))}

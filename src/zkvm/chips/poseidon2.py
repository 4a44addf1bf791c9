"""``poseidon2``: one Poseidon2 permutation per row, the memory tree's hash table.

The continuation memory tree (:mod:`zkvm.memtree`) compresses 16 field elements to 8 with
``C(x) = P(x)[0..8]``, ``P`` the Poseidon2 permutation of :mod:`zkvm.hash.poseidon2`
(BabyBear, width 16, S-box ``x^7``, 4 + 13 + 4 rounds; read its docstring for the
constants and the linear layers ``M_E`` and ``M_I``).  This table proves those
compressions: every HASH message ``(in[16], out[8])`` received here is a block and its
compression.

Bus
---
:data:`HASH` (``p2_hash``, width 24): ``(in[16], out[8])``, ``out = C(in)``.  The table
receives it with multiplicity ``mult`` (a free count, ``max_multiplicity=None``: the
table is a lookup table of genuine compressions; the senders, ``mem_page`` and
``mem_node``, send with boolean multiplicities).

Layout (299 columns, one row per permutation)
---------------------------------------------
* ``mult`` (1): how many times the row's message is received (0 on padding rows);
* ``inp`` (16): the block ``x`` (the state before the initial ``M_E``);
* full rounds ``r`` = 0..3: ``cube{r}`` (16), ``(s_i + RC_FULL[r][i])^3``, and
  ``state{r}`` (16), the state after the round (after ``M_E``);
* ``p_cube`` (13): partial round ``r``'s ``(s_0 + RC_PART[r])^3``; ``p_sbox`` (13): its
  ``(s_0 + RC_PART[r])^7``, the new ``s_0``;
* full rounds ``r`` = 4..7: ``cube{r}``, ``state{r}`` as above.

(``cube0, state0, …, cube3, state3, p_cube, p_sbox, cube4, state4, …, cube7, state7``.)
The digest is ``state7[0..8]``.

Constraints (282, all named, degree ≤ 3)
-----------------------------------------
Write ``s`` for the state entering a round: a *linear* expression of earlier columns:

* before round 0: ``s = M_E · inp``;
* after full round ``r``: ``s = state{r}`` (16 columns);
* in the partial rounds: ``s_0 ← p_sbox[r]`` then ``s ← M_I · s`` (``y_i = DIAG_i·s_i +
  Σ_j s_j``), so after partial round ``r`` every element is a linear combination of
  ``state3`` and ``p_sbox[0..r]``.

Per full round ``r`` and element ``i`` (``x = s_i + RC_FULL[r][i]``):

* ``full{r}_cube{i}``:  ``cube{r}[i] − x^3 = 0`` (degree 3);
* ``full{r}_state{i}``: ``state{r}[i] − (M_E · u)_i = 0`` with ``u_j = cube{r}[j]^2 · x_j``
  (``= x_j^7``; degree 3: ``M_E`` is linear).

Per partial round ``r`` (``x = s_0 + RC_PART[r]``):

* ``part{r}_cube``: ``p_cube[r] − x^3 = 0``;
* ``part{r}_sbox``: ``p_sbox[r] − p_cube[r]^2 · x = 0``.

8 · 32 + 13 · 2 = 282 constraints; interaction ``hash``:
``receive(HASH, [*inp, *state7[0..8]], multiplicity=mult)``.

Expression size.  The partial rounds' state is never stored: its 16 elements are
symbolic linear expressions built round by round (``M_I`` as one shared sum ``Σ s_j``
plus ``DIAG_i·s_i``), and the symbolic DAG is hash-consed, so each partial round adds
under 50 nodes however deep the nesting.  Measured: the 282 constraints are a DAG of
2 724 nodes, 2 849 instructions of the quotient's bytecode (~9.5 per column; the
``sha256`` precompile table: 6 096 for 459 columns).  Flattening each partial-round
element into one sum over the columns (``state3`` and ``p_sbox[0..r]``, up to 29 terms)
gives 3 769 nodes / 3 598 instructions, and storing the state every few rounds adds 16
committed columns per copy, so neither is used; ``M_E`` uses the paper's addition
chain for ``M4`` (the plain 4×4 product: 3 209 instructions).  Proving a 2^16-row
table (default parameters, 2 cores) took 1.8 s, of which the quotient 0.21 s.

Correctness
-----------
Every received message is ``(block, C(block))``.  Fix a row.  By induction over the rounds,
each round's S-box input ``x`` is determined by ``inp`` and the columns already fixed:
``full{r}_cube`` / ``part{r}_cube`` force the cube column to ``x^3`` and then
``full{r}_state`` / ``part{r}_sbox`` force the stored state (resp. ``p_sbox[r]``) to the
honest value ``M_E(x^7)`` (resp. ``x^7``), since ``cube^2 · x = x^7`` once
``cube = x^3``.  The linear layers are expressions, not witnesses.  So every column of a
row is a function of its ``inp``, and ``state7[0..8] = P(inp)[0..8] = C(inp)``: the
message ``(inp, state7[0..8])`` of every row, whatever ``mult`` is, is a genuine
compression.  ``mult`` is a free witness (a lookup table's count): LogUp balances only if,
for each message, the senders' total equals the sum of ``mult`` over the rows receiving
it, and a message no row computes has no receiver, so the senders (bounded
multiplicities, fewer than ``p`` sends in all, checked by the verifier) cannot send it.
``inp`` is not range-checked: blocks are field elements (canonical by the commitment).
Padding rows are the honest trace of the all-zero block with ``mult = 0``: they satisfy
every constraint and send nothing.

Trace generation (:meth:`Poseidon2Air.generate_trace`) is one parallel numba kernel over
the rows (its own implementation of the rounds, checked against
:func:`zkvm.hash.poseidon2.compress_many` in the tests).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkvm.chips.adapter import trace_height
from zkvm.hash.poseidon2 import (DIAG, DIGEST, P, RC_FULL, RC_PART, ROUNDS_F,
                                 ROUNDS_P, WIDTH, Poseidon2Error, _batch, _ext, _mm)
from zkvm.precompiles.registry import bus_id
from zkvm.stark import symbolic as sym
from zkvm.stark.air import Air, Bus, Columns

__all__ = ["HASH", "Poseidon2Air", "Poseidon2AirError", "WIDTH", "DIGEST"]

#: ``(in[16], out[8])``: a block and its compression ``C(in) = P(in)[0..8]``.
HASH = Bus(id=bus_id("p2_hash"), name="p2_hash", width=WIDTH + DIGEST)

_HALF = ROUNDS_F // 2


class Poseidon2AirError(Poseidon2Error):
    """Inputs of :meth:`Poseidon2Air.generate_trace` / :meth:`Poseidon2Air.unique_blocks`
    are malformed (shape, a block element ``≥ p``, a multiplicity outside ``[0, p)``)."""


def _full_cols(r):
    return ((f"cube{r}", WIDTH, f"full round {r}: S-box cubes (s_i + RC_FULL[{r}][i])^3"),
            (f"state{r}", WIDTH, f"full round {r}: state after the round (after M_E)"))


_COLUMNS = Columns(
    ("mult", "HASH receives of this row's message (0 on padding rows)"),
    ("inp", WIDTH, "the block: the state before the initial M_E"),
    *[c for r in range(_HALF) for c in _full_cols(r)],
    ("p_cube", ROUNDS_P, "partial round r: (s_0 + RC_PART[r])^3"),
    ("p_sbox", ROUNDS_P, "partial round r: (s_0 + RC_PART[r])^7, the new s_0"),
    *[c for r in range(_HALF, ROUNDS_F) for c in _full_cols(r)],
)


# ------------------------------------------------------------------------ symbolic layers
def _m4(a, b, c, d):
    """``M4 · (a, b, c, d)`` with the paper's addition chain (8 sums, 4 doublings)."""
    t0 = a + b
    t1 = c + d
    t2 = 2 * b + t1
    t3 = 2 * d + t0
    t4 = 4 * t1 + t3
    t5 = 4 * t0 + t2
    return t3 + t5, t5, t2 + t4, t4


def _ext_expr(s):
    """``M_E · s`` (16 expressions)."""
    y = []
    for k in range(4):
        y += _m4(*s[4 * k:4 * k + 4])
    col = [y[i] + y[4 + i] + y[8 + i] + y[12 + i] for i in range(4)]
    return [y[i] + col[i % 4] for i in range(WIDTH)]


def _int_expr(s):
    """``M_I · s = DIAG ∘ s + Σ s`` (16 expressions)."""
    tot = sym.sum_exprs(s)
    return [DIAG[i] * s[i] + tot for i in range(WIDTH)]


class Poseidon2Air(Air):
    """One Poseidon2 permutation per row; receives ``(in, C(in))`` on :data:`HASH`
    (module docstring)."""

    name = "poseidon2"
    columns = _COLUMNS
    max_degree = 3

    def eval(self, b):
        loc = b.local
        s = _ext_expr(list(loc.inp))
        for r in range(ROUNDS_F):
            if r == _HALF:
                s = self._partial_rounds(b, s)
            cube, post = list(getattr(loc, f"cube{r}")), list(getattr(loc, f"state{r}"))
            xs = [s[i] + int(RC_FULL[r, i]) for i in range(WIDTH)]
            for i, x in enumerate(xs):
                b.assert_zero(cube[i] - x * x * x, f"full{r}_cube{i}")
            u = [cube[i] * cube[i] * xs[i] for i in range(WIDTH)]
            for i, y in enumerate(_ext_expr(u)):
                b.assert_zero(post[i] - y, f"full{r}_state{i}")
            s = post
        b.receive(HASH, [*loc.inp, *s[:DIGEST]], multiplicity=loc.mult, name="hash",
                  max_multiplicity=None)

    @staticmethod
    def _partial_rounds(b, s):
        loc = b.local
        s = list(s)
        for r in range(ROUNDS_P):
            x = s[0] + int(RC_PART[r])
            c, o = loc.p_cube[r], loc.p_sbox[r]
            b.assert_zero(c - x * x * x, f"part{r}_cube")
            b.assert_zero(o - c * c * x, f"part{r}_sbox")
            s[0] = o
            s = _int_expr(s)
        return s

    # ------------------------------------------------------------------ witness
    @staticmethod
    def digest_columns() -> slice:
        """Column range of the digest ``C(inp)`` (``state7[0..8]``)."""
        st = _COLUMNS.slice(f"state{ROUNDS_F - 1}")
        return slice(st.start, st.start + DIGEST)

    def generate_trace(self, blocks, mult=None) -> np.ndarray:
        """Trace of one permutation per row of ``blocks`` (``(n, 16)`` canonical field
        elements), received ``mult[i]`` times (default once each; ``0 ≤ mult < p``).

        Height ``trace_height(n)`` (a power of two ≥ 8); rows ``n..`` are the honest trace
        of the all-zero block with ``mult = 0``.  One parallel numba kernel."""
        blk = _blocks(blocks)
        n = blk.shape[0]
        if mult is None:
            m = np.ones(n, dtype=np.int64)
        else:
            m = np.asarray(mult)
            if m.shape != (n,) or (n and m.dtype.kind not in "iu"):
                raise Poseidon2AirError(
                    f"poseidon2: one integer multiplicity per block ({n}), got shape "
                    f"{m.shape} dtype {m.dtype}")
            if n and (int(m.min()) < 0 or int(m.max()) >= P):
                raise Poseidon2AirError("poseidon2: multiplicities must be in [0, p)")
        h = trace_height(n)
        tr = self.columns.new_trace(h)
        offs = _offsets()
        if n:
            _fill_rows(blk, m.astype(np.uint32), tr, *offs, *_consts())
        if h > n:
            pad = self.columns.new_trace(1)
            _fill_rows(np.zeros((1, WIDTH), np.uint32), np.zeros(1, np.uint32), pad, *offs,
                       *_consts())
            tr[n:] = pad[0]
        return tr

    @staticmethod
    def unique_blocks(blocks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(distinct blocks in sorted order, how often each occurs (int64), the index of
        each block's distinct one (int64))`` of ``(n, 16)`` blocks: the first two are the
        arguments of :meth:`generate_trace` that compute each distinct block once."""
        blk = _blocks(blocks)
        if not blk.shape[0]:
            return blk, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        u, where, counts = np.unique(blk, axis=0, return_inverse=True, return_counts=True)
        return (np.ascontiguousarray(u), counts.astype(np.int64),
                where.reshape(-1).astype(np.int64))


def _blocks(blocks) -> np.ndarray:
    """The hash module's input checks (shape, canonical), integers only."""
    a = np.asarray(blocks)
    if a.size and a.dtype.kind not in "iu":
        raise Poseidon2AirError(f"poseidon2: blocks must be integers, got {a.dtype}")
    return _batch(a, Poseidon2AirError)


_OFFSETS = None
_CONSTS = None


def _offsets():
    global _OFFSETS
    if _OFFSETS is None:
        c = _COLUMNS
        _OFFSETS = (np.array([c.index(f"cube{r}") for r in range(ROUNDS_F)], np.int64),
                    np.array([c.index(f"state{r}") for r in range(ROUNDS_F)], np.int64),
                    c.index("p_cube"), c.index("p_sbox"), c.index("inp"), c.index("mult"))
    return _OFFSETS


def _consts():
    global _CONSTS
    if _CONSTS is None:
        _CONSTS = (np.ascontiguousarray(RC_FULL, dtype=np.uint64),
                   np.ascontiguousarray(RC_PART, dtype=np.uint64),
                   np.array(DIAG, dtype=np.uint64))
    return _CONSTS


# ------------------------------------------------------------------------ trace kernel
# The permutation's primitives are the hash module's (``_mm``: a product mod p, ``_ext``:
# ``M_E``), so the trace and :func:`zkvm.hash.poseidon2.compress_many` share them; this
# kernel only records the intermediate values the columns hold.


@njit(cache=True, parallel=True)
def _fill_rows(blocks, mult, out, oc, ost, opc, opo, oin, om, rcf, rcp, diag):
    n = blocks.shape[0]
    pp = np.uint64(P)
    half = rcf.shape[0] // 2
    for i in prange(n):
        s = np.empty(16, dtype=np.uint64)
        y = np.empty(16, dtype=np.uint64)
        out[i, om] = mult[i]
        for k in range(16):
            s[k] = blocks[i, k]
            out[i, oin + k] = blocks[i, k]
        _ext(s, y)
        for r in range(rcf.shape[0]):
            if r == half:
                for q in range(rcp.shape[0]):
                    x = (s[0] + rcp[q]) % pp
                    c = _mm(_mm(x, x), x)
                    out[i, opc + q] = c
                    s[0] = _mm(_mm(c, c), x)
                    out[i, opo + q] = s[0]
                    tot = np.uint64(0)
                    for k in range(16):
                        tot += s[k]
                    tot %= pp
                    for k in range(16):
                        s[k] = (_mm(diag[k], s[k]) + tot) % pp
            for k in range(16):
                x = (s[k] + rcf[r, k]) % pp
                c = _mm(_mm(x, x), x)
                out[i, oc[r] + k] = c
                s[k] = _mm(_mm(c, c), x)
            _ext(s, y)
            for k in range(16):
                out[i, ost[r] + k] = s[k]

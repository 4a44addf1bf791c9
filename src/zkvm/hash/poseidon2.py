"""Poseidon2 over BabyBear, width 16: the memory tree's compression (docs/continuations.md §2).

Why: the memory tree of continuations is rebuilt inside every segment's proof.  A SHA-256
compression costs 64 rows of the 413-column ``sha256_hash`` table (26 432 cells); one
Poseidon2 permutation is one row of ~300 field elements, because its S-box ``x^7`` and
its linear layers are native to the field.

The permutation ``P`` (Grassi, Khovratovich, Schofnegger, "Poseidon2", 2023), on a state of
:data:`WIDTH` = 16 BabyBear elements (``p = 15·2^27 + 1``):

* S-box ``x ↦ x^7`` (7 is the smallest ``d`` with ``gcd(d, p − 1) = 1``);
* external layer ``M_E = circ(2·M4, M4, M4, M4)``: each block of 4 is multiplied by
  ``M4 = [[5,7,1,3],[4,6,1,1],[1,3,5,7],[1,1,4,6]]`` (the paper's MDS 4×4), then each
  element gets the sum of the same position over the four blocks;
* internal layer ``M_I = J + diag(DIAG)`` (``J`` all ones): ``y_i = DIAG_i·x_i + Σ_j x_j``;
* ``P(x)``: ``M_E``; 4 full rounds (add :data:`RC_FULL` ``[r]``, S-box on every element,
  ``M_E``); :data:`ROUNDS_P` = 13 partial rounds (add :data:`RC_PART` ``[r]`` to element
  0, S-box on element 0, ``M_I``); 4 more full rounds.

Round numbers: ``R_F = 8``, ``R_P = 13`` are the paper's choice for ``t = 16``, ``d = 7``
and a 31-bit prime at 128-bit security (its round-number formulas for statistical,
interpolation and Gröbner-basis attacks, ``R_P`` plus the recommended 7.5 % margin);
the same counts are used for BabyBear width 16 elsewhere (e.g. Plonky3).

Constants (our own, reproducible): :data:`RC_FULL` (8 × 16) then :data:`RC_PART` (13) are
read from the SHAKE-256 stream of :data:`_SEED`, 4 bytes little-endian at a time, masked
to 31 bits and kept when ``< p`` (rejection sampling: uniform).  :data:`DIAG` holds
small integers (|d| ≤ 17, distinct, not 0 or −1): the first of a seeded random search
(``random.seed(2026)``, 16 of them sampled from ``−17..17``; the 38th draw) for which
:func:`internal_matrix_ok` holds: ``M_I`` is invertible and the characteristic polynomial
of ``M_I^k`` is irreducible over ``F_p`` for ``k = 1..2t``, the paper's sufficient
condition against arbitrarily long invariant subspace trails through the partial rounds
(an irreducible characteristic polynomial is also the minimal one, of maximal degree).
``tests/hash/test_poseidon2.py`` re-checks it.

Compression (the tree's 2-to-1 function): ``C(x) = P(x)[0..8]`` for ``x`` 16 elements
(a truncated permutation: 8 output elements, ~248 bits, so ~124-bit collision
resistance; a node's other 8 inputs are constrained by the tree below it, which is what
makes inverting ``P`` useless to a forger).

Representation: states and blocks are ``uint32`` arrays of canonical elements
(``< p``); :func:`compress_many` and :func:`permute_many` are numba kernels over a batch
(parallel, no Python loop per item); :func:`permute` is the plain-int reference.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit, prange

__all__ = ["P", "WIDTH", "DIGEST", "ROUNDS_F", "ROUNDS_P", "ALPHA", "M4", "DIAG", "RC_FULL",
           "RC_PART", "Poseidon2Error", "permute", "compress", "permute_many", "compress_many",
           "external_layer", "internal_layer", "internal_matrix_ok"]

P = 2013265921
WIDTH = 16
#: elements of a digest (the compression's output)
DIGEST = 8
ROUNDS_F = 8
ROUNDS_P = 13
ALPHA = 7
M4 = ((5, 7, 1, 3), (4, 6, 1, 1), (1, 3, 5, 7), (1, 1, 4, 6))
#: ``M_I = J + diag(DIAG)`` (module docstring; checked by :func:`internal_matrix_ok`)
DIAG = tuple(d % P for d in (-10, 7, -2, 14, 15, -14, 2, 1, 17, -6, 6, -3, 3, 8, -15, 5))
_SEED = b"zkvm/poseidon2/babybear/t16/rf8/rp13/x7/v1"


class Poseidon2Error(ValueError):
    """A state or block given to Poseidon2 is malformed (shape, or an element ``≥ p``)."""


def _round_constants():
    need = ROUNDS_F * WIDTH + ROUNDS_P
    stream = hashlib.shake_256(_SEED).digest(8 * need + 4096)
    out, at = [], 0
    while len(out) < need:
        x = int.from_bytes(stream[at:at + 4], "little") & 0x7FFFFFFF
        at += 4
        if x < P:
            out.append(x)
    full = np.array(out[:ROUNDS_F * WIDTH], dtype=np.uint32).reshape(ROUNDS_F, WIDTH)
    part = np.array(out[ROUNDS_F * WIDTH:], dtype=np.uint32)
    return full, part


#: round constants of the 8 full rounds (rounds 0..3 before, 4..7 after the partial ones)
RC_FULL, RC_PART = _round_constants()
RC_FULL.setflags(write=False)
RC_PART.setflags(write=False)
_DIAG_ARR = np.array(DIAG, dtype=np.uint64)


# ------------------------------------------------------------------------ reference (ints)
def _sbox(x: int) -> int:
    return pow(x, ALPHA, P)


def external_layer(s: list[int]) -> list[int]:
    """``M_E · s`` (16 ints mod p)."""
    y = []
    for k in range(4):
        blk = s[4 * k:4 * k + 4]
        y += [sum(M4[i][j] * blk[j] for j in range(4)) for i in range(4)]
    col = [sum(y[4 * k + i] for k in range(4)) for i in range(4)]
    return [(y[i] + col[i % 4]) % P for i in range(WIDTH)]


def internal_layer(s: list[int]) -> list[int]:
    """``M_I · s = DIAG ∘ s + Σ s`` (16 ints mod p)."""
    tot = sum(s)
    return [(DIAG[i] * s[i] + tot) % P for i in range(WIDTH)]


def _check_state(state, n=WIDTH) -> list[int]:
    s = [int(x) for x in state]
    if len(s) != n or any(not 0 <= x < P for x in s):
        raise Poseidon2Error(f"a Poseidon2 input is {n} canonical BabyBear elements")
    return s


def permute(state) -> list[int]:
    """The permutation ``P`` of 16 canonical elements (plain-int reference)."""
    s = external_layer(_check_state(state))
    half = ROUNDS_F // 2
    for r in range(half):
        s = external_layer([_sbox((x + int(c)) % P) for x, c in zip(s, RC_FULL[r])])
    for r in range(ROUNDS_P):
        s[0] = _sbox((s[0] + int(RC_PART[r])) % P)
        s = internal_layer(s)
    for r in range(half, ROUNDS_F):
        s = external_layer([_sbox((x + int(c)) % P) for x, c in zip(s, RC_FULL[r])])
    return s


def compress(block) -> list[int]:
    """``C(block) = P(block)[0..8]`` (16 canonical elements -> 8)."""
    return permute(block)[:DIGEST]


# ------------------------------------------------------------------------ batched kernels
@njit(cache=True, inline="always")
def _mm(a, b):
    return (a * b) % np.uint64(P)


@njit(cache=True, inline="always")
def _s7(x):
    x2 = _mm(x, x)
    x3 = _mm(x2, x)
    return _mm(_mm(x3, x3), x)


@njit(cache=True, inline="always")
def _ext(s, y):
    """s <- M_E s (s: 16 uint64 canonical), y scratch."""
    for k in range(4):
        a, b, c, d = s[4 * k], s[4 * k + 1], s[4 * k + 2], s[4 * k + 3]
        y[4 * k] = 5 * a + 7 * b + c + 3 * d
        y[4 * k + 1] = 4 * a + 6 * b + c + d
        y[4 * k + 2] = a + 3 * b + 5 * c + 7 * d
        y[4 * k + 3] = a + b + 4 * c + 6 * d
    for i in range(4):
        col = y[i] + y[4 + i] + y[8 + i] + y[12 + i]
        for k in range(4):
            s[4 * k + i] = (y[4 * k + i] + col) % np.uint64(P)


@njit(cache=True)
def _permute_one(s, y, rcf, rcp, diag):
    _ext(s, y)
    for r in range(4):
        for i in range(16):
            s[i] = _s7((s[i] + rcf[r, i]) % np.uint64(P))
        _ext(s, y)
    for r in range(rcp.shape[0]):
        s[0] = _s7((s[0] + rcp[r]) % np.uint64(P))
        tot = np.uint64(0)
        for i in range(16):
            tot += s[i]
        tot %= np.uint64(P)
        for i in range(16):
            s[i] = (_mm(diag[i], s[i]) + tot) % np.uint64(P)
    for r in range(4, 8):
        for i in range(16):
            s[i] = _s7((s[i] + rcf[r, i]) % np.uint64(P))
        _ext(s, y)


@njit(cache=True, parallel=True)
def _permute_rows(states, out, keep, rcf, rcp, diag):
    n = states.shape[0]
    for i in prange(n):
        s = np.empty(16, dtype=np.uint64)
        y = np.empty(16, dtype=np.uint64)
        for k in range(16):
            s[k] = states[i, k]
        _permute_one(s, y, rcf, rcp, diag)
        for k in range(keep):
            out[i, k] = s[k]


def _batch(states, error=Poseidon2Error) -> np.ndarray:
    """``states`` as a contiguous ``(n, 16)`` uint32 array; ``error`` (a
    :class:`Poseidon2Error` type) unless the shape is right and every element canonical."""
    a = np.asarray(states)
    if a.ndim != 2 or a.shape[1] != WIDTH:
        raise error(f"Poseidon2 inputs must be (n, {WIDTH}), got {a.shape}")
    if a.size and (a.min() < 0 or a.max() >= P):
        raise error("Poseidon2 inputs must be canonical BabyBear elements (< p)")
    return np.ascontiguousarray(a, dtype=np.uint32)


def _run(states, keep: int) -> np.ndarray:
    a = _batch(states)
    out = np.empty((a.shape[0], keep), dtype=np.uint32)
    if a.shape[0]:
        _permute_rows(a, out, keep, RC_FULL.astype(np.uint64), RC_PART.astype(np.uint64),
                      _DIAG_ARR)
    return out


def permute_many(states) -> np.ndarray:
    """``P`` of each row of ``states`` ``(n, 16)`` (canonical) -> ``(n, 16)`` uint32."""
    return _run(states, WIDTH)


def compress_many(blocks) -> np.ndarray:
    """``C`` of each row of ``blocks`` ``(n, 16)`` (canonical) -> ``(n, 8)`` uint32."""
    return _run(blocks, DIGEST)


# ------------------------------------------------------------------------ M_I check
def _matmul(a, b):
    bt = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) % P for col in bt] for row in a]


def _charpoly(a) -> list[int]:
    """Characteristic polynomial of ``a`` mod p (Faddeev–LeVerrier), coefficients from
    the constant term up, monic (degree ``n``)."""
    n = len(a)
    c = [0] * (n + 1)
    c[n] = 1
    m = [[0] * n for _ in range(n)]
    for k in range(1, n + 1):
        if k > 1:
            m = _matmul(a, m)
        for i in range(n):
            m[i][i] = (m[i][i] + c[n - k + 1]) % P
        am = _matmul(a, m)
        tr = sum(am[i][i] for i in range(n)) % P
        c[n - k] = (-tr * pow(k, P - 2, P)) % P
    return c


def _polymulmod(u, v, f):
    """``u·v mod f`` (coefficient lists, ``f`` monic of degree n, u, v of degree < n)."""
    n = len(f) - 1
    prod = [0] * (2 * n - 1)
    for i, x in enumerate(u):
        if x:
            for j, y in enumerate(v):
                prod[i + j] += x * y
    for d in range(len(prod) - 1, n - 1, -1):
        q = prod[d] % P
        if q:
            for j in range(n + 1):
                prod[d - n + j] -= q * f[j]
    return [x % P for x in prod[:n]]


def _polygcd_is_one(u, f) -> bool:
    """Whether ``gcd(u, f) = 1`` over F_p."""
    def trim(w):
        w = [x % P for x in w]
        while w and w[-1] == 0:
            w.pop()
        return w
    a, b = trim(f), trim(u)
    while b:
        inv = pow(b[-1], P - 2, P)
        while len(a) >= len(b):
            q = a[-1] * inv % P
            sh = len(a) - len(b)
            for j in range(len(b)):
                a[sh + j] -= q * b[j]
            a = trim(a)
            if not a:
                break
        a, b = b, a
    return len(a) == 1


def _irreducible(f) -> bool:
    """Rabin's test for a monic ``f`` of degree 16 over F_p: ``x^(p^16) ≡ x`` and
    ``gcd(x^(p^8) − x, f) = 1`` (2 is the only prime factor of 16)."""
    n = len(f) - 1
    x = [0, 1] + [0] * (n - 2)
    # Frobenius matrix: rows = x^(p·i) mod f, i = 0..n-1
    xp, base, e = [1] + [0] * (n - 1), x, P
    while e:
        if e & 1:
            xp = _polymulmod(xp, base, f)
        base = _polymulmod(base, base, f)
        e >>= 1
    q = [[1] + [0] * (n - 1)]
    for _ in range(1, n):
        q.append(_polymulmod(q[-1], xp, f))

    def frob(u):
        out = [0] * n
        for i, c in enumerate(u):
            if c:
                for j in range(n):
                    out[j] += c * q[i][j]
        return [v % P for v in out]

    h = x
    for _ in range(n // 2):
        h = frob(h)
    if not _polygcd_is_one([(a - b) % P for a, b in zip(h, x)], f):
        return False
    for _ in range(n // 2):
        h = frob(h)
    return h == x


def internal_matrix_ok(diag=DIAG, powers: int = 2 * WIDTH) -> bool:
    """Whether ``M_I = J + diag(diag)`` is invertible and the characteristic polynomial of
    ``M_I^k`` is irreducible of degree 16 over F_p for ``k = 1..powers`` (module
    docstring)."""
    n = len(diag)
    m = [[(1 + (int(diag[i]) if i == j else 0)) % P for j in range(n)] for i in range(n)]
    mk = m
    for k in range(1, powers + 1):
        if k > 1:
            mk = _matmul(mk, m)
        cp = _charpoly(mk)
        if cp[0] == 0 or not _irreducible(cp):
            return False
    return True

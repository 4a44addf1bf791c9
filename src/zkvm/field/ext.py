"""The quartic extension F_{p^4} = F_p[X]/(X^4 − W), W = 11, over BabyBear.

An element is ``c0 + c1·X + c2·X^2 + c3·X^3`` with ``c_i`` canonical base elements.

* Scalars: the immutable class :class:`Ext` (pure Python ints; used by the verifier and
  for Fiat–Shamir challenges).
* Vectors: ``uint32`` arrays with a trailing axis of length 4 (shape ``(..., 4)``,
  coefficient of X^i at index i), operated on by the numba kernels ``ext_*``.

Why X^4 − 11 is irreducible (so the quotient ring is a field of size p^4 ≈ 2^124):
by the classical criterion for binomials (Lidl–Niederreiter, Theorem 3.75), X^t − a with
a ≠ 0 is irreducible over F_q iff every prime factor of t divides ord(a) but not
(q − 1)/ord(a), and q ≡ 1 (mod 4) when 4 | t.  For t = 4 the only prime is 2, and the
condition "2 | ord(a) and 2 ∤ (q−1)/ord(a)" says exactly that a is not a square in F_q
(Euler: a^((q−1)/2) = −1).  Here q = p ≡ 1 (mod 4) (indeed p ≡ 1 mod 2^27) and
11^((p−1)/2) ≡ −1 (mod p), so X^4 − 11 is irreducible.  tests/field/test_ext.py checks
both facts and also runs Rabin's irreducibility test directly.

Multiplication: with X^4 = W,
  c0 = a0b0 + W(a1b3 + a2b2 + a3b1)      c1 = a0b1 + a1b0 + W(a2b3 + a3b2)
  c2 = a0b2 + a1b1 + a2b0 + W·a3b3       c3 = a0b3 + a1b2 + a2b1 + a3b0.
Inversion: write x = A + X·B with A = a0 + a2·Y, B = a1 + a3·Y in F_p[Y]/(Y^2 − W),
Y = X^2.  Then x·(A − X·B) = A^2 − Y·B^2 =: N ∈ F_p[Y]/(Y^2 − W), and N = n0 + n1·Y has
inverse (n0 − n1·Y)/(n0^2 − W·n1^2), whose denominator is the field norm of x down to
F_p — nonzero iff x ≠ 0 (because the extension is a field).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from numba import njit, prange

from .babybear import DTYPE, FieldError, P, inv_scalar

__all__ = [
    "W",
    "Ext",
    "ext_add",
    "ext_sub",
    "ext_mul",
    "ext_neg",
    "ext_mul_base",
    "ext_inv",
    "ext_inv_numpy",
    "ext_from_base",
    "ext_pow",
    "ext_powers",
    "ext_lincomb",
    "ext_lincomb_acc",
    "ext_to_base_columns",
    "base_columns_to_ext",
    "ext_array",
    "ext_list",
    "to_ext",
]

#: The non-residue defining the extension: X^4 = W.
W: int = 11

_P64 = np.uint64(P)
_W64 = np.uint64(W)


# ============================================================================ scalar class


def _coerce_scalar(o):
    """Return ``o`` as an :class:`Ext`, or ``None`` (→ NotImplemented) if unsupported."""
    if isinstance(o, Ext):
        return o
    if isinstance(o, (int, np.integer)) and not isinstance(o, bool):
        return Ext.from_base(int(o))
    return None


class Ext:
    """An immutable element of F_p[X]/(X^4 − 11).

    Construct with ``Ext((c0, c1, c2, c3))``, ``Ext(c0, c1, c2, c3)``, ``Ext(c0)`` or
    ``Ext.from_base(c0)``.  Coefficients may be any Python ints; they are reduced mod p.
    ``.coeffs`` is a tuple of 4 canonical ints.  Supports ``+ - * / **`` (with Ext and
    int operands, ints meaning base-field elements), unary ``-``, ``==`` (also against
    ints), ``hash``.  Division by zero and ``0 ** negative`` raise ``ZeroDivisionError``.
    """

    __slots__ = ("coeffs",)

    ZERO: "Ext"
    ONE: "Ext"
    #: The generator X of the extension as an algebra over F_p.
    X: "Ext"

    def __init__(self, *args):
        if len(args) == 1:
            c = args[0]
            if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
                cs = (int(c) % P, 0, 0, 0)
            else:
                cs = tuple(int(v) % P for v in c)
        elif len(args) == 4:
            cs = tuple(int(v) % P for v in args)
        else:
            raise TypeError("Ext takes 4 coefficients (or one iterable of 4, or one int)")
        if len(cs) != 4:
            raise ValueError(f"Ext needs exactly 4 coefficients, got {len(cs)}")
        object.__setattr__(self, "coeffs", cs)

    def __setattr__(self, name, value):  # immutability
        raise AttributeError("Ext is immutable")

    def __reduce__(self):
        return (Ext, (self.coeffs,))

    @staticmethod
    def from_base(x: int) -> "Ext":
        """Embed a base-field element."""
        return Ext((int(x) % P, 0, 0, 0))

    @staticmethod
    def from_canonical(coeffs: Iterable[int]) -> "Ext":
        """Build from 4 coefficients that must already be canonical (untrusted input).

        Correctness: raises :class:`FieldError` (instead of reducing) on any
        coefficient outside ``[0, p)`` — proof parsing must reject non-canonical
        encodings (soundness checklist 20).
        """
        cs = tuple(int(v) for v in coeffs)
        if len(cs) != 4 or any(not 0 <= v < P for v in cs):
            raise FieldError("extension element: need 4 coefficients in [0, p)")
        return Ext(cs)

    # -- predicates / conversions
    def is_zero(self) -> bool:
        return self.coeffs == (0, 0, 0, 0)

    def is_base(self) -> bool:
        """True iff the element lies in the base field (c1 = c2 = c3 = 0)."""
        return self.coeffs[1:] == (0, 0, 0)

    def to_base(self) -> int:
        """The base-field value; raises ``ValueError`` if not in the base field."""
        if not self.is_base():
            raise ValueError("extension element is not in the base field")
        return self.coeffs[0]

    def to_array(self) -> np.ndarray:
        """``(4,)`` uint32 array of the coefficients."""
        return np.array(self.coeffs, dtype=DTYPE)

    def __iter__(self):
        return iter(self.coeffs)

    # -- arithmetic
    def __add__(self, o):
        o = _coerce_scalar(o)
        if o is None:
            return NotImplemented
        a, b = self.coeffs, o.coeffs
        return _mk(((a[0] + b[0]) % P, (a[1] + b[1]) % P, (a[2] + b[2]) % P, (a[3] + b[3]) % P))

    __radd__ = __add__

    def __neg__(self):
        a = self.coeffs
        return _mk(((-a[0]) % P, (-a[1]) % P, (-a[2]) % P, (-a[3]) % P))

    def __sub__(self, o):
        o = _coerce_scalar(o)
        if o is None:
            return NotImplemented
        a, b = self.coeffs, o.coeffs
        return _mk(((a[0] - b[0]) % P, (a[1] - b[1]) % P, (a[2] - b[2]) % P, (a[3] - b[3]) % P))

    def __rsub__(self, o):
        o = _coerce_scalar(o)
        if o is None:
            return NotImplemented
        return o - self

    def __mul__(self, o):
        if isinstance(o, (int, np.integer)) and not isinstance(o, bool):
            k = int(o) % P
            return _mk(tuple(c * k % P for c in self.coeffs))
        if not isinstance(o, Ext):
            return NotImplemented
        a0, a1, a2, a3 = self.coeffs
        b0, b1, b2, b3 = o.coeffs
        return _mk(
            (
                (a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1)) % P,
                (a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2)) % P,
                (a0 * b2 + a1 * b1 + a2 * b0 + W * a3 * b3) % P,
                (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) % P,
            )
        )

    __rmul__ = __mul__

    def inverse(self) -> "Ext":
        """Multiplicative inverse (see module docstring); ``ZeroDivisionError`` on 0."""
        a0, a1, a2, a3 = self.coeffs
        if self.is_zero():
            raise ZeroDivisionError("inverse of zero in the extension field")
        # N = A^2 - Y B^2 with A = a0 + a2 Y, B = a1 + a3 Y, Y^2 = W.
        # A^2 = a0^2 + W a2^2 + 2 a0 a2 Y;  Y B^2 = 2 W a1 a3 + (a1^2 + W a3^2) Y.
        n0 = (a0 * a0 + W * a2 * a2 - 2 * W * a1 * a3) % P
        n1 = (2 * a0 * a2 - (a1 * a1 + W * a3 * a3)) % P
        d = inv_scalar((n0 * n0 - W * n1 * n1) % P)
        m0 = n0 * d % P
        m1 = (-n1) * d % P  # N^-1 = m0 + m1 Y
        # x^-1 = (A - X B) * N^-1, with A - X B = a0 - a1 X + a2 X^2 - a3 X^3.
        return _mk(
            (
                (a0 * m0 + W * a2 * m1) % P,
                (-a1 * m0 - W * a3 * m1) % P,
                (a2 * m0 + a0 * m1) % P,
                (-a3 * m0 - a1 * m1) % P,
            )
        )

    def __truediv__(self, o):
        o = _coerce_scalar(o)
        if o is None:
            return NotImplemented
        return self * o.inverse()

    def __rtruediv__(self, o):
        o = _coerce_scalar(o)
        if o is None:
            return NotImplemented
        return o * self.inverse()

    def __pow__(self, e):
        if not isinstance(e, (int, np.integer)) or isinstance(e, bool):
            return NotImplemented
        e = int(e)
        base = self
        if e < 0:
            base = self.inverse()
            e = -e
        acc = Ext.ONE
        while e:
            if e & 1:
                acc = acc * base
            base = base * base
            e >>= 1
        return acc

    def frobenius(self) -> "Ext":
        """x ↦ x^p (an automorphism; fixes exactly the base field)."""
        return self ** P

    # -- comparisons
    def __eq__(self, o):
        o2 = _coerce_scalar(o)
        if o2 is None:
            return NotImplemented
        return self.coeffs == o2.coeffs

    def __hash__(self):
        return hash(("Ext", self.coeffs))

    def __bool__(self):
        return not self.is_zero()

    def __repr__(self):
        return f"Ext({self.coeffs[0]}, {self.coeffs[1]}, {self.coeffs[2]}, {self.coeffs[3]})"


def _mk(cs: tuple) -> Ext:
    """Internal constructor for a tuple of 4 ints already in [0, p) (the arithmetic's
    results): skips the coercion and checks of ``Ext.__init__``, ~3x cheaper."""
    e = _NEW(Ext)
    _SET(e, "coeffs", cs)
    return e


_NEW = object.__new__
_SET = object.__setattr__

Ext.ZERO = Ext((0, 0, 0, 0))
Ext.ONE = Ext((1, 0, 0, 0))
Ext.X = Ext((0, 1, 0, 0))


# ============================================================================ arrays <-> Ext


def ext_array(values: Iterable[Ext]) -> np.ndarray:
    """A sequence of :class:`Ext` (or ints) → ``(n, 4)`` uint32 array."""
    rows = []
    for v in values:
        e = _coerce_scalar(v)
        if e is None:
            raise TypeError(f"not an extension element: {v!r}")
        rows.append(e.coeffs)
    if not rows:
        return np.zeros((0, 4), dtype=DTYPE)
    return np.array(rows, dtype=DTYPE)


def ext_list(arr) -> list:
    """A ``(n, 4)`` (or ``(4,)``) uint32 array → list of :class:`Ext` (or one Ext)."""
    a = np.asarray(arr)
    if a.shape == (4,):
        return Ext(tuple(int(v) for v in a))
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"expected shape (n, 4), got {a.shape}")
    return [Ext(tuple(row)) for row in a.tolist()]


def to_ext(x) -> np.ndarray:
    """Operand coercion: Ext/int → ``(4,)`` array; ``(...,4)`` uint32 arrays as is."""
    if isinstance(x, Ext):
        return x.to_array()
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return Ext.from_base(int(x)).to_array()
    a = np.asarray(x)
    if a.ndim == 0 or a.shape[-1] != 4:
        raise ValueError(f"extension arrays need a trailing axis of 4, got shape {a.shape}")
    if a.dtype != DTYPE:
        from .babybear import to_field

        a = to_field(a)
    return a


def _bcast2(a, b):
    """Broadcast two (..., 4) arrays → two contiguous (N, 4) arrays and the result shape."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    fa = np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1, 4)
    fb = np.ascontiguousarray(np.broadcast_to(b, shape)).reshape(-1, 4)
    return fa, fb, shape


# ============================================================================ kernels


@njit(cache=True, inline="always")
def _emul(a0, a1, a2, a3, b0, b1, b2, b3):
    """Product in F_p[X]/(X^4 − W) of canonical uint64 coefficients → canonical uint64.

    Delayed reduction: p < 2^31 so a product is < 2^62 and a sum of up to 4 products
    (< 4p^2 < 2^64) does not wrap; W·(x mod p) < 2^35.  7 reductions instead of 16.
    """
    p = _P64
    c0 = (a0 * b0 + _W64 * ((a1 * b3 + a2 * b2 + a3 * b1) % p)) % p
    c1 = (a0 * b1 + a1 * b0 + _W64 * ((a2 * b3 + a3 * b2) % p)) % p
    c2 = (a0 * b2 + a1 * b1 + a2 * b0 + _W64 * ((a3 * b3) % p)) % p
    c3 = (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) % p
    return c0, c1, c2, c3


@njit(cache=True, parallel=True)
def _ext_mul_k(a, b):
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    for i in prange(n):
        c0, c1, c2, c3 = _emul(
            np.uint64(a[i, 0]), np.uint64(a[i, 1]), np.uint64(a[i, 2]), np.uint64(a[i, 3]),
            np.uint64(b[i, 0]), np.uint64(b[i, 1]), np.uint64(b[i, 2]), np.uint64(b[i, 3]),
        )
        out[i, 0] = c0
        out[i, 1] = c1
        out[i, 2] = c2
        out[i, 3] = c3
    return out


@njit(cache=True)
def _ext_add_k(a, b):
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    for i in range(n):
        for j in range(4):
            s = np.uint64(a[i, j]) + np.uint64(b[i, j])
            if s >= _P64:
                s -= _P64
            out[i, j] = s
    return out


@njit(cache=True)
def _ext_sub_k(a, b):
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    for i in range(n):
        for j in range(4):
            s = np.uint64(a[i, j]) + _P64 - np.uint64(b[i, j])
            if s >= _P64:
                s -= _P64
            out[i, j] = s
    return out


@njit(cache=True)
def _ext_mul_base_k(a, b):
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    for i in range(n):
        bb = np.uint64(b[i])
        for j in range(4):
            out[i, j] = (np.uint64(a[i, j]) * bb) % _P64
    return out


@njit(cache=True)
def _pow_u64(x, e):
    acc = np.uint64(1)
    while e > 0:
        if e & 1:
            acc = (acc * x) % _P64
        x = (x * x) % _P64
        e >>= 1
    return acc


_TWO = np.uint64(2)
_W2 = np.uint64(2 * W)
_W2P = np.uint64(2 * W * P)
_WP = np.uint64(W * P)
_PP = np.uint64(P * P)
#: independent product chains interleaved in the batch inversion (see _ext_inv_k)
_INV_CHAINS = 8


@njit(cache=True)
def _ext_inv_k(a):
    """Batch inverse of (n, 4) extension elements (no zeros; the caller checks).

    For a = a0 + a1 X + a2 X^2 + a3 X^3 let ā = a0 − a1 X + a2 X^2 − a3 X^3 (a(−X)); then
    a·ā = n0 + n1 X^2 with n0 = a0² + W a2² − 2W a1 a3, n1 = 2 a0 a2 − a1² − W a3², and
    (n0 + n1 X^2)(n0 − n1 X^2) = d = n0² − W n1² ∈ F_p (the norm).  So
    a^{-1} = ā·(n0 − n1 X^2)·d^{-1}, and the base-field norms d_i are inverted together with
    Montgomery's trick (prefix products, one exponentiation, a backward sweep).

    The prefix products run as _INV_CHAINS interleaved chains (element i belongs to chain
    i mod _INV_CHAINS), so consecutive multiplications are independent and the CPU
    overlaps their latencies; each chain's total is inverted separately (8 exponentiations,
    negligible).  Correctness: the result is exact for any split into chains.
    """
    n = a.shape[0]
    p = _P64
    K = _INV_CHAINS
    out = np.empty((n, 4), dtype=np.uint32)
    if n == 0:
        return out
    n0s = np.empty(n, dtype=np.uint64)
    n1s = np.empty(n, dtype=np.uint64)
    dn = np.empty(n, dtype=np.uint64)
    for i in range(n):
        a0 = np.uint64(a[i, 0])
        a1 = np.uint64(a[i, 1])
        a2 = np.uint64(a[i, 2])
        a3 = np.uint64(a[i, 3])
        # n0 = a0^2 + W a2^2 - 2W a1 a3 ; n1 = 2 a0 a2 - a1^2 - W a3^2 ; d = n0^2 - W n1^2.
        # Delayed reduction (p < 2^31, W = 11): every sum below stays < 3p^2 + 2^36 < 2^64
        # and the added multiples of p keep the differences non-negative.
        x13 = (a1 * a3) % p
        n0 = (a0 * a0 + _W64 * ((a2 * a2) % p) + _W2P - _W2 * x13) % p
        n1 = (_TWO * a0 * a2 + _PP - a1 * a1 + _WP - _W64 * ((a3 * a3) % p)) % p
        d = (n0 * n0 + _WP - _W64 * ((n1 * n1) % p)) % p
        n0s[i] = n0
        n1s[i] = n1
        dn[i] = d
    # prefix[i] = Π_{j ≤ i, j ≡ i mod K} d_j
    prefix = np.empty(n, dtype=np.uint64)
    acc = np.ones(K, dtype=np.uint64)
    for g in range(0, n, K):
        for l in range(min(K, n - g)):
            acc[l] = (acc[l] * dn[g + l]) % p
            prefix[g + l] = acc[l]
    inv = np.empty(K, dtype=np.uint64)
    for l in range(K):
        inv[l] = _pow_u64(acc[l], P - 2)  # acc[l] = 1 for an empty chain
    for i in range(n - 1, -1, -1):
        l = i % K
        if i >= K:
            dinv = (inv[l] * prefix[i - K]) % p
            inv[l] = (inv[l] * dn[i]) % p
        else:
            dinv = inv[l]
        m0 = (n0s[i] * dinv) % p
        m1 = ((p - n1s[i]) * dinv) % p
        a0 = np.uint64(a[i, 0])
        a1 = np.uint64(a[i, 1])
        a2 = np.uint64(a[i, 2])
        a3 = np.uint64(a[i, 3])
        # (a0 - a1 X + a2 X^2 - a3 X^3) * (m0 + m1 X^2), X^4 = W
        r1 = (a1 * m0 + _W64 * ((a3 * m1) % p)) % p
        r3 = (a3 * m0 + a1 * m1) % p
        out[i, 0] = (a0 * m0 + _W64 * ((a2 * m1) % p)) % p
        out[i, 1] = p - r1 if r1 else r1
        out[i, 2] = (a2 * m0 + a0 * m1) % p
        out[i, 3] = p - r3 if r3 else r3
    return out


@njit(cache=True, parallel=True)
def _ext_inv_par(a, chunks):
    """_ext_inv_k on ``chunks`` contiguous slices in parallel (one field inversion each;
    the batch trick is exact, so the result does not depend on the split)."""
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    step = (n + chunks - 1) // chunks
    for c in prange(chunks):
        lo = c * step
        hi = min(n, lo + step)
        if lo < hi:
            out[lo:hi] = _ext_inv_k(a[lo:hi])
    return out


#: inputs with at least this many elements are inverted in parallel chunks
_EXT_INV_PAR_MIN = 1 << 15


def _ext_inv_flat(flat):
    """Batch inverse of a C-contiguous (n, 4) array without zeros (caller checks)."""
    if flat.shape[0] >= _EXT_INV_PAR_MIN:
        return _ext_inv_par(flat, 16)
    return _ext_inv_k(flat)


@njit(cache=True)
def _ext_pow_k(a, e):
    n = a.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    for i in range(n):
        b0 = np.uint64(a[i, 0])
        b1 = np.uint64(a[i, 1])
        b2 = np.uint64(a[i, 2])
        b3 = np.uint64(a[i, 3])
        r0 = np.uint64(1)
        r1 = np.uint64(0)
        r2 = np.uint64(0)
        r3 = np.uint64(0)
        k = e
        while k > 0:
            if k & 1:
                r0, r1, r2, r3 = _emul(r0, r1, r2, r3, b0, b1, b2, b3)
            b0, b1, b2, b3 = _emul(b0, b1, b2, b3, b0, b1, b2, b3)
            k >>= 1
        out[i, 0] = r0
        out[i, 1] = r1
        out[i, 2] = r2
        out[i, 3] = r3
    return out


@njit(cache=True)
def _ext_powers_k(x, n, start):
    out = np.empty((n, 4), dtype=np.uint32)
    r0, r1, r2, r3 = np.uint64(start[0]), np.uint64(start[1]), np.uint64(start[2]), np.uint64(start[3])
    x0, x1, x2, x3 = np.uint64(x[0]), np.uint64(x[1]), np.uint64(x[2]), np.uint64(x[3])
    for i in range(n):
        out[i, 0] = r0
        out[i, 1] = r1
        out[i, 2] = r2
        out[i, 3] = r3
        r0, r1, r2, r3 = _emul(r0, r1, r2, r3, x0, x1, x2, x3)
    return out


@njit(cache=True, parallel=True)
def ext_lincomb_acc(mat, cols, coeffs, acc):
    """``acc[i] += Σ_c coeffs[c]·mat[i, cols[c]]`` mod p, in place: base ``mat`` (n, ·)
    (read in place, only the columns ``cols``), extension ``coeffs`` (len(cols), 4),
    ``acc`` (n, 4) uint64 canonical in and out.  Delayed reduction: the accumulators
    (< p after a reduction) take 4 unreduced products (< 4p^2 + p < 2^64) between
    reductions."""
    n = mat.shape[0]
    m = cols.shape[0]
    for i in prange(n):
        s0 = acc[i, 0]
        s1 = acc[i, 1]
        s2 = acc[i, 2]
        s3 = acc[i, 3]
        for c in range(m):
            v = np.uint64(mat[i, cols[c]])
            s0 += v * np.uint64(coeffs[c, 0])
            s1 += v * np.uint64(coeffs[c, 1])
            s2 += v * np.uint64(coeffs[c, 2])
            s3 += v * np.uint64(coeffs[c, 3])
            if (c & 3) == 3:
                s0 %= _P64
                s1 %= _P64
                s2 %= _P64
                s3 %= _P64
        acc[i, 0] = s0 % _P64
        acc[i, 1] = s1 % _P64
        acc[i, 2] = s2 % _P64
        acc[i, 3] = s3 % _P64


# ============================================================================ vector API


def ext_add(a, b) -> np.ndarray:
    """Elementwise sum of (..., 4) arrays / Ext / int (broadcasting over leading axes)."""
    fa, fb, shape = _bcast2(to_ext(a), to_ext(b))
    return _ext_add_k(fa, fb).reshape(shape)


def ext_sub(a, b) -> np.ndarray:
    """Elementwise difference ``a − b``."""
    fa, fb, shape = _bcast2(to_ext(a), to_ext(b))
    return _ext_sub_k(fa, fb).reshape(shape)


def ext_neg(a) -> np.ndarray:
    """Elementwise negation."""
    return ext_sub(np.zeros(4, dtype=DTYPE), a)


def ext_mul(a, b) -> np.ndarray:
    """Elementwise product of extension arrays (broadcasting; Ext/int operands allowed)."""
    fa, fb, shape = _bcast2(to_ext(a), to_ext(b))
    return _ext_mul_k(fa, fb).reshape(shape)


def ext_mul_base(a_ext, b_base) -> np.ndarray:
    """Elementwise ``a_ext · b_base``: ``a_ext`` (..., 4), ``b_base`` base array/int (...)."""
    from .babybear import _coerce

    a = to_ext(a_ext)
    b = np.asarray(_coerce(b_base))
    shape = np.broadcast_shapes(a.shape[:-1], b.shape)
    fa = np.ascontiguousarray(np.broadcast_to(a, shape + (4,))).reshape(-1, 4)
    fb = np.ascontiguousarray(np.broadcast_to(b, shape)).reshape(-1)
    return _ext_mul_base_k(fa, fb).reshape(shape + (4,))


def ext_inv(a) -> np.ndarray:
    """Elementwise (batch) inverse of a (..., 4) array.

    Correctness: raises ``ZeroDivisionError`` if any element is zero (the batch trick
    would otherwise corrupt every output).
    """
    x = to_ext(a)
    flat = np.ascontiguousarray(x).reshape(-1, 4)
    if flat.shape[0] and not flat.any(axis=1).all():
        raise ZeroDivisionError("ext_inv: input contains 0")
    return _ext_inv_flat(flat).reshape(x.shape)


def ext_inv_numpy(a) -> np.ndarray:
    """Elementwise inverse of a (..., 4) array with numpy only (no numba kernel: a
    process that never ran one, such as a verifier, does not pay numba's ~0.6 s of
    target-context start-up for a few thousand inversions).  Same values as
    :func:`ext_inv`.

    Math: with ``u = X²`` (``u² = W``) write ``a = A + B·X``, ``A = a0 + a2·u``,
    ``B = a1 + a3·u`` in ``F_p[u]/(u² − W)``.  Then ``a·(A − B·X) = A² − u·B² =: c``
    lies in that quadratic field, and ``c·(c0 − c1·u) = c0² − W·c1² =: d ∈ F_p``, so
    ``a⁻¹ = (A − B·X)·(c0 − c1·u)·d⁻¹`` with one base-field inverse
    ``d^(p−2)`` per element (vectorised square-and-multiply).  ``d = 0`` exactly when
    ``a = 0`` (the norm of a field element).

    Correctness: raises ``ZeroDivisionError`` if any element is zero.
    """
    x = to_ext(a)
    f = np.ascontiguousarray(x).reshape(-1, 4).astype(np.uint64)
    p = np.uint64(P)
    w = np.uint64(W)

    def mul(u, v):
        return (u * v) % p

    a0, a1, a2, a3 = f[:, 0], f[:, 1], f[:, 2], f[:, 3]
    # c = A^2 - u B^2 with A = a0 + a2 u, B = a1 + a3 u (u^2 = W):
    # c0 = a0^2 + W a2^2 - 2 W a1 a3,  c1 = 2 a0 a2 - a1^2 - W a3^2
    c0 = (mul(a0, a0) + mul(w, mul(a2, a2)) + 2 * p - 2 * mul(w, mul(a1, a3))) % p
    c1 = (2 * mul(a0, a2) + 2 * p - mul(a1, a1) - mul(w, mul(a3, a3))) % p
    d = (mul(c0, c0) + p - mul(w, mul(c1, c1))) % p
    if d.size and not d.all():
        raise ZeroDivisionError("ext_inv: input contains 0")
    # d^(p-2)
    e, r, b = P - 2, np.ones_like(d), d.copy()
    while e:
        if e & 1:
            r = mul(r, b)
        b = mul(b, b)
        e >>= 1
    # (c0 - c1 u) * d^-1 =: g0 + g1 u
    g0, g1 = mul(c0, r), mul((p - c1) % p, r)
    # (A - B X) * (g0 + g1 u): A g = (a0 + a2 u)(g0 + g1 u), B g likewise, X-part negated
    ag0 = (mul(a0, g0) + mul(w, mul(a2, g1))) % p
    ag1 = (mul(a0, g1) + mul(a2, g0)) % p
    bg0 = (mul(a1, g0) + mul(w, mul(a3, g1))) % p
    bg1 = (mul(a1, g1) + mul(a3, g0)) % p
    out = np.stack([ag0, (p - bg0) % p, ag1, (p - bg1) % p], axis=1).astype(np.uint32)
    return out.reshape(x.shape)


def ext_pow(a, e: int) -> np.ndarray:
    """Elementwise ``a^e`` for a scalar int exponent (negative: inverse first)."""
    x = to_ext(a)
    e = int(e)
    if e < 0:
        x = ext_inv(x)
        e = -e
    flat = np.ascontiguousarray(x).reshape(-1, 4)
    return _ext_pow_k(flat, e).reshape(x.shape)


def ext_from_base(a) -> np.ndarray:
    """Embed base elements: (...) uint32 → (..., 4) with zeros in coefficients 1..3."""
    from .babybear import _coerce

    b = np.asarray(_coerce(a))
    out = np.zeros(b.shape + (4,), dtype=DTYPE)
    out[..., 0] = b
    return out


def ext_powers(x, n: int, start=None) -> np.ndarray:
    """``(n, 4)`` array ``[start·x^0, …, start·x^(n−1)]`` (start defaults to 1)."""
    xs = to_ext(x).reshape(4)
    st = to_ext(Ext.ONE if start is None else start).reshape(4)
    return _ext_powers_k(np.ascontiguousarray(xs), int(n), np.ascontiguousarray(st))


def ext_lincomb(mat, coeffs) -> np.ndarray:
    """Row-wise ``out[i] = Σ_j mat[i, j] · coeffs[j]`` with base ``mat`` (n, k) and
    extension ``coeffs`` ((k, 4) array or list of Ext); returns (n, 4).

    Typical use: reducing k committed base columns with powers of a challenge α.
    """
    from .babybear import _coerce

    m = np.ascontiguousarray(_coerce(mat))
    c = coeffs if isinstance(coeffs, np.ndarray) else ext_array(coeffs)
    c = np.ascontiguousarray(to_ext(c))
    if m.ndim != 2 or c.shape != (m.shape[1], 4):
        raise ValueError(f"ext_lincomb: shapes {m.shape} and {c.shape} do not match")
    acc = np.zeros((m.shape[0], 4), dtype=np.uint64)
    ext_lincomb_acc(m, np.arange(m.shape[1], dtype=np.int64), c, acc)
    return acc.astype(np.uint32)


def ext_to_base_columns(a) -> np.ndarray:
    """``(n, k, 4)`` extension matrix → ``(n, 4k)`` base matrix.

    Base column ``4j + i`` holds coefficient ``i`` of extension column ``j``.  This is how
    extension-valued columns are committed (architecture §4).  Inverse of
    :func:`base_columns_to_ext`.
    """
    x = np.asarray(a)
    if x.ndim != 3 or x.shape[2] != 4:
        raise ValueError(f"expected shape (n, k, 4), got {x.shape}")
    return np.ascontiguousarray(x).reshape(x.shape[0], 4 * x.shape[1])


def base_columns_to_ext(m) -> np.ndarray:
    """``(n, 4k)`` base matrix → ``(n, k, 4)`` extension matrix (see ext_to_base_columns)."""
    x = np.asarray(m)
    if x.ndim != 2 or x.shape[1] % 4:
        raise ValueError(f"expected shape (n, 4k), got {x.shape}")
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1] // 4, 4)

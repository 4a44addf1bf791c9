"""The BabyBear prime field F_p, p = 15·2^27 + 1 = 2013265921.

Representation (the contract of docs/architecture.md §1):

* a base-field *vector* is a ``numpy.ndarray`` of dtype ``uint32`` whose entries are
  canonical, i.e. in ``[0, p)``;
* a base-field *scalar* is a Python ``int`` in ``[0, p)``.

All vectorised operations take arrays (any shape, numpy broadcasting rules) and/or Python
ints, and return canonical ``uint32`` arrays.  Arrays of another integer dtype are accepted
and reduced mod p first (:func:`to_field`); ``uint32`` arrays are trusted to be canonical
(use :func:`is_canonical` / :func:`check_canonical` on untrusted data).

Arithmetic is done on ``uint64`` intermediates inside numba kernels: a product of two
canonical values is < p^2 < 2^62, so it never wraps, and is then reduced mod p.

Why this field: p − 1 = 2^27 · 15, so F_p^* contains a cyclic subgroup of order 2^k for
every k ≤ 27 (:data:`TWO_ADICITY`), which is what radix-2 NTTs and FRI need, and p < 2^31
so two canonical elements add without overflowing 32 bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "P",
    "GENERATOR",
    "TWO_ADICITY",
    "DTYPE",
    "FieldError",
    "to_field",
    "is_canonical",
    "check_canonical",
    "two_adic_generator",
    "add",
    "sub",
    "mul",
    "neg",
    "pow_",
    "inv",
    "batch_inverse",
    "inv_scalar",
    "pow_scalar",
    "powers",
    "dot",
    "lincomb",
    "sum_",
]

#: The BabyBear prime 15·2^27 + 1.
P: int = 2013265921
#: A generator of the multiplicative group F_p^* (order p − 1 = 2^27·3·5).
GENERATOR: int = 31
#: The largest k with 2^k | p − 1.
TWO_ADICITY: int = 27
#: dtype of base-field vectors.
DTYPE = np.uint32

_P64 = np.uint64(P)
_P32 = np.uint32(P)


class FieldError(ValueError):
    """A value is not a canonical field element (e.g. >= p in untrusted input)."""


# ----------------------------------------------------------------------------- scalars


def pow_scalar(x: int, e: int) -> int:
    """``x^e mod p`` for Python ints; negative ``e`` means ``(x^-1)^|e|``.

    Raises ``ZeroDivisionError`` for ``0^e`` with ``e < 0``.
    """
    x %= P
    if e < 0:
        return pow(inv_scalar(x), -e, P)
    return pow(x, e, P)


def inv_scalar(x: int) -> int:
    """Multiplicative inverse of a scalar, ``x^(p-2) mod p``.

    Correctness: raises ``ZeroDivisionError`` (never returns 0) when ``x ≡ 0 mod p``;
    callers computing e.g. ``1/(α − φ)`` rely on this to never silently turn a zero
    denominator into a zero term.
    """
    x %= P
    if x == 0:
        raise ZeroDivisionError("inverse of zero in BabyBear")
    return pow(x, P - 2, P)


def two_adic_generator(log_n: int) -> int:
    """A primitive ``2^log_n``-th root of unity ω_n, for ``0 <= log_n <= 27``.

    ω_n = GENERATOR^((p−1)/2^log_n).  Since GENERATOR generates F_p^* (order p − 1), ω_n
    has order exactly 2^log_n.  The choice is canonical and consistent across sizes:
    ``two_adic_generator(k)**2 == two_adic_generator(k-1)``, which the NTT, LDE and FRI
    folding rely on (H_{n/2} = {x^2 : x in H_n}).
    """
    if not isinstance(log_n, (int, np.integer)) or isinstance(log_n, bool):
        raise TypeError("log_n must be an int")
    if not 0 <= log_n <= TWO_ADICITY:
        raise ValueError(f"log_n must be in [0, {TWO_ADICITY}], got {log_n}")
    return pow(GENERATOR, (P - 1) >> int(log_n), P)


# ----------------------------------------------------------------------------- coercion


def to_field(x) -> np.ndarray:
    """Convert ints / integer arrays (any sign, any size) to a canonical uint32 array.

    Python ints (even huge or negative) and arrays of any integer dtype are reduced mod p.
    A ``uint32`` array is reduced too (values >= p become ``v − p``), so the result is
    always canonical.  Returns a new array (never a view of the input).
    """
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return np.array(int(x) % P, dtype=DTYPE)
    a = np.asarray(x)
    if a.dtype == object:
        return np.array(np.vectorize(lambda v: int(v) % P, otypes=[np.int64])(a), dtype=DTYPE)
    if a.dtype.kind == "u":
        return (a.astype(np.uint64) % _P64).astype(DTYPE)
    if a.dtype.kind == "i" or a.dtype.kind == "b":
        return (a.astype(np.int64) % np.int64(P)).astype(DTYPE)
    raise TypeError(f"cannot convert dtype {a.dtype} to field elements")


def is_canonical(a) -> bool:
    """True iff every entry of the integer array ``a`` is in ``[0, p)``."""
    a = np.asarray(a)
    if a.size == 0:
        return True
    if a.dtype.kind == "i" and int(a.min()) < 0:
        return False
    if a.dtype.kind not in "iu":
        return False
    return int(a.max()) < P


def check_canonical(a, what: str = "field elements") -> np.ndarray:
    """Return ``a`` as a uint32 array, or raise :class:`FieldError` if any entry is >= p.

    Correctness: use on untrusted data (proof bytes, public inputs): a non-canonical
    encoding must be rejected, not reduced (soundness checklist item 20).
    """
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu" or not is_canonical(arr):
        raise FieldError(f"{what}: not canonical BabyBear elements (must be integers in [0, p))")
    return arr.astype(DTYPE, copy=False)


def _coerce(x):
    """Operand coercion: ints -> uint32 scalar mod p; uint32 arrays as is; others reduced."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        if isinstance(x, np.uint32) and x < _P32:
            return x
        return np.uint32(int(x) % P)
    if isinstance(x, np.ndarray) and x.dtype == DTYPE:
        return x
    return to_field(x)


# ----------------------------------------------------------------------------- ufuncs


# Elementwise kernels.  These were numba ``@vectorize`` ufuncs; numba builds a ufunc's
# loop wrapper in LLVM in every process (its on-disk cache keeps only the kernel), which
# cost ~0.2 s per ufunc at ``import zkvm.field`` -- most of the start-up of every
# ``zkvm`` command that loads the field (issue 17).  Plain cached ``njit`` loops over
# contiguous arrays, with the broadcasting done here, load in milliseconds.

_OP_ADD, _OP_SUB, _OP_MUL = 0, 1, 2


@njit(cache=True, inline="always")
def _op(a, b, op):
    if op == 0:
        s = a + b
    elif op == 1:
        s = a + _P64 - b
    else:
        return (a * b) % _P64
    return s - _P64 if s >= _P64 else s


@njit(cache=True)
def _binop_aa(a, b, out, op):
    for i in range(out.size):
        out[i] = _op(np.uint64(a[i]), np.uint64(b[i]), op)


@njit(cache=True)
def _binop_as(a, s, out, op, swap):
    for i in range(out.size):
        if swap:
            out[i] = _op(s, np.uint64(a[i]), op)
        else:
            out[i] = _op(np.uint64(a[i]), s, op)


@njit(cache=True)
def _neg_k(a, out):
    for i in range(out.size):
        v = np.uint64(a[i])
        out[i] = 0 if v == 0 else _P64 - v


def _binop(a, b, op: int) -> np.ndarray:
    a = np.asarray(_coerce(a), dtype=DTYPE)
    b = np.asarray(_coerce(b), dtype=DTYPE)
    if a.ndim == 0 and b.ndim == 0:
        return np.array(_op_py(int(a), int(b), op), dtype=DTYPE)
    if b.ndim == 0 or a.ndim == 0:
        arr, sc, swap = (a, b, False) if b.ndim == 0 else (b, a, True)
        arr_c = np.ascontiguousarray(arr)
        out = np.empty(arr_c.shape, dtype=DTYPE)
        _binop_as(arr_c.reshape(-1), np.uint64(int(sc)), out.reshape(-1), op, swap)
        return out
    if a.shape != b.shape:
        a, b = np.broadcast_arrays(a, b)
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    out = np.empty(a.shape, dtype=DTYPE)
    _binop_aa(a.reshape(-1), b.reshape(-1), out.reshape(-1), op)
    return out


def _op_py(x: int, y: int, op: int) -> int:
    return (x + y) % P if op == 0 else (x - y) % P if op == 1 else x * y % P


def _out(r):
    return r if isinstance(r, np.ndarray) else np.array(r, dtype=DTYPE)


def add(a, b) -> np.ndarray:
    """Elementwise ``a + b mod p`` (broadcasting; ints allowed)."""
    return _binop(a, b, _OP_ADD)


def sub(a, b) -> np.ndarray:
    """Elementwise ``a − b mod p`` (broadcasting; ints allowed)."""
    return _binop(a, b, _OP_SUB)


def mul(a, b) -> np.ndarray:
    """Elementwise ``a · b mod p`` (broadcasting; ints allowed)."""
    return _binop(a, b, _OP_MUL)


def neg(a) -> np.ndarray:
    """Elementwise ``−a mod p``."""
    a = np.asarray(_coerce(a), dtype=DTYPE)
    if a.ndim == 0:
        return np.array((-int(a)) % P, dtype=DTYPE)
    a = np.ascontiguousarray(a)
    out = np.empty(a.shape, dtype=DTYPE)
    _neg_k(a.reshape(-1), out.reshape(-1))
    return out


# ----------------------------------------------------------------------------- kernels


@njit(cache=True, inline="always")
def mulmod(a, b):
    """``a·b mod p`` for canonical uint64 inputs (numba helper, usable from other kernels)."""
    return (a * b) % _P64


@njit(cache=True)
def _pow_kernel(a, e):
    out = np.empty_like(a)
    for i in range(a.size):
        base = np.uint64(a[i])
        acc = np.uint64(1)
        k = e
        while k > 0:
            if k & 1:
                acc = (acc * base) % _P64
            base = (base * base) % _P64
            k >>= 1
        out[i] = acc
    return out


@njit(cache=True)
def _batch_inverse_kernel(a):
    """Montgomery's trick: n inversions for 3(n−1) multiplications and one exponentiation.

    Precondition: no zero entries (checked by the caller).
    """
    n = a.size
    out = np.empty(n, dtype=np.uint32)
    if n == 0:
        return out
    prefix = np.empty(n, dtype=np.uint64)
    acc = np.uint64(1)
    for i in range(n):
        acc = (acc * np.uint64(a[i])) % _P64
        prefix[i] = acc
    # acc^(p-2)
    inv = np.uint64(1)
    base = acc
    k = P - 2
    while k > 0:
        if k & 1:
            inv = (inv * base) % _P64
        base = (base * base) % _P64
        k >>= 1
    for i in range(n - 1, 0, -1):
        out[i] = (inv * prefix[i - 1]) % _P64
        inv = (inv * np.uint64(a[i])) % _P64
    out[0] = inv
    return out


@njit(cache=True, parallel=True)
def _batch_inverse_par(a, chunks):
    n = a.size
    out = np.empty(n, dtype=np.uint32)
    step = (n + chunks - 1) // chunks
    for c in prange(chunks):
        lo = c * step
        hi = min(n, lo + step)
        if lo < hi:
            out[lo:hi] = _batch_inverse_kernel(a[lo:hi])
    return out


def pow_(a, e: int) -> np.ndarray:
    """Elementwise ``a^e mod p`` for a scalar integer exponent ``e`` (negative: inverse first).

    ``0^0 = 1``.  Negative exponents raise ``ZeroDivisionError`` if ``a`` has a zero.
    """
    e = int(e)
    arr = np.asarray(_coerce(a))
    if e < 0:
        arr = inv(arr)
        e = -e
    if e >= P - 1:
        # x^(p-1) = 1 for x != 0; keep 0^e = 0 for e > 0 by not reducing to exponent 0.
        e = (e - 1) % (P - 1) + 1
    flat = np.ascontiguousarray(arr).reshape(-1)
    return _pow_kernel(flat, e).reshape(arr.shape)


def batch_inverse(a) -> np.ndarray:
    """Elementwise inverses of a uint32 array (any shape) via Montgomery's trick.

    Correctness: raises ``ZeroDivisionError`` if any entry is 0 — the kernel would
    otherwise return garbage for *every* entry (the running product becomes 0).
    """
    arr = np.asarray(_coerce(a))
    flat = np.ascontiguousarray(arr).reshape(-1)
    if flat.size and not flat.all():
        raise ZeroDivisionError("batch_inverse: input contains 0")
    if flat.size >= 1 << 16:
        out = _batch_inverse_par(flat, 8)
    else:
        out = _batch_inverse_kernel(flat)
    return out.reshape(arr.shape)


def inv(a) -> np.ndarray:
    """Elementwise inverse (same as :func:`batch_inverse`); ``ZeroDivisionError`` on 0."""
    return batch_inverse(a)


@njit(cache=True)
def _powers_kernel(x, n, start):
    out = np.empty(n, dtype=np.uint32)
    acc = np.uint64(start)
    xx = np.uint64(x)
    for i in range(n):
        out[i] = acc
        acc = (acc * xx) % _P64
    return out


def powers(x: int, n: int, start: int = 1) -> np.ndarray:
    """``[start·x^0, start·x^1, …, start·x^(n−1)]`` as a uint32 array."""
    return _powers_kernel(int(x) % P, int(n), int(start) % P)


@njit(cache=True, parallel=True)
def _lincomb_kernel(mat, coeffs):
    n, k = mat.shape
    out = np.empty(n, dtype=np.uint32)
    for i in prange(n):
        acc = np.uint64(0)
        for j in range(k):
            # delayed reduction: < p + 4·p^2 < 2^64 between reductions
            acc += np.uint64(mat[i, j]) * np.uint64(coeffs[j])
            if (j & 3) == 3:
                acc %= _P64
        out[i] = acc % _P64
    return out


def lincomb(mat, coeffs) -> np.ndarray:
    """Row-wise linear combination ``out[i] = Σ_j mat[i, j]·coeffs[j] mod p``.

    ``mat`` is ``(n, k)`` uint32, ``coeffs`` is a length-``k`` sequence/array of base
    elements; returns ``(n,)`` uint32.  (For extension-field coefficients see
    :func:`zkvm.field.ext.ext_lincomb`.)  The uint64 accumulator is reduced every 4
    products (p + 4p^2 < 2^64), so it never wraps.
    """
    m = np.ascontiguousarray(_coerce(mat))
    c = np.ascontiguousarray(_coerce(np.asarray(coeffs) if not isinstance(coeffs, np.ndarray) else coeffs))
    if m.ndim != 2 or c.ndim != 1 or c.shape[0] != m.shape[1]:
        raise ValueError(f"lincomb: shapes {m.shape} and {c.shape} do not match")
    return _lincomb_kernel(m, c)


def dot(a, b) -> int:
    """``Σ_i a[i]·b[i] mod p`` of two equal-length base vectors, as a Python int."""
    a = np.ascontiguousarray(_coerce(a)).reshape(1, -1)
    b = np.ascontiguousarray(_coerce(b)).reshape(-1)
    if a.shape[1] != b.shape[0]:
        raise ValueError("dot: length mismatch")
    return int(_lincomb_kernel(a, b)[0])


def sum_(a, axis=None):
    """Sum mod p along ``axis`` (None = all); returns an int for axis=None else an array."""
    arr = np.asarray(_coerce(a)).astype(np.uint64)
    # Sum of < 2^33 canonical values fits in uint64.
    s = arr.sum(axis=axis, dtype=np.uint64) % _P64
    if axis is None:
        return int(s)
    return s.astype(DTYPE)

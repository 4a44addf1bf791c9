"""Vectorised evaluation of constraint DAGs over many rows (prover side and checker).

Values are

* Python ``int`` -- constants (and public values), canonical;
* ``uint32`` arrays of shape ``(N,)`` -- base-field values, one per row;
* ``uint32`` arrays of shape ``(N, 4)`` or ``(4,)`` -- extension values (per row, or a
  scalar such as a challenge).

Arithmetic goes through the numba ufuncs/kernels of :mod:`zkvm.field`, so each DAG node
is one pass over ``N`` values; :func:`zkvm.stark.symbolic.evaluate` memoises shared
nodes.  Evaluate large domains in row-chunks (see ``quotient.py``) to stay in cache.
"""

from __future__ import annotations

import numpy as np

from zkvm.field import babybear as bb
from zkvm.field import ext as fx
from zkvm.field.babybear import P
from zkvm.stark.symbolic import Algebra


class ExtScalar:
    """A row-independent extension value (a challenge or a claimed sum)."""

    __slots__ = ("arr",)

    def __init__(self, arr):
        self.arr = np.asarray(arr, dtype=np.uint32).reshape(4)


class NumpyAlgebra(Algebra):
    """Base values: int or (N,) uint32; extension values: (N, 4) uint32 or ExtScalar."""

    def const(self, v):
        return v

    # helpers ---------------------------------------------------------------------
    @staticmethod
    def _kind(v):
        if isinstance(v, int):
            return 0  # base scalar
        if isinstance(v, ExtScalar):
            return 2  # ext scalar
        if v.ndim == 2:
            return 3  # ext vector
        return 1  # base vector

    @staticmethod
    def _ext(v):
        if isinstance(v, ExtScalar):
            return v.arr
        if isinstance(v, int):
            return fx.Ext.from_base(v).to_array()
        if v.ndim == 1:
            return fx.ext_from_base(v)
        return v

    def add(self, a, b):
        ka, kb = self._kind(a), self._kind(b)
        if ka <= 1 and kb <= 1:
            if ka == 0 and kb == 0:
                return (a + b) % P
            return bb.add(a, b)
        if ka in (0, 2) and kb in (0, 2):
            # extension scalar with a base/extension scalar: the result is a scalar,
            # never a bare (4,) array (which the next operation would read as 4 rows)
            return ExtScalar(fx.ext_add(self._ext(a), self._ext(b)))
        return fx.ext_add(self._ext(a), self._ext(b))

    def sub(self, a, b):
        ka, kb = self._kind(a), self._kind(b)
        if ka <= 1 and kb <= 1:
            if ka == 0 and kb == 0:
                return (a - b) % P
            return bb.sub(a, b)
        if ka in (0, 2) and kb in (0, 2):
            # extension scalar with a base/extension scalar: the result is a scalar,
            # never a bare (4,) array (which the next operation would read as 4 rows)
            return ExtScalar(fx.ext_sub(self._ext(a), self._ext(b)))
        return fx.ext_sub(self._ext(a), self._ext(b))

    def mul(self, a, b):
        ka, kb = self._kind(a), self._kind(b)
        if ka <= 1 and kb <= 1:
            if ka == 0 and kb == 0:
                return (a * b) % P
            return bb.mul(a, b)
        if ka == 2 and kb == 2:
            return ExtScalar(fx.ext_mul(a.arr, b.arr))
        # one side extension
        if kb >= 2:
            a, b, ka, kb = b, a, kb, ka
        # now a is ext (scalar or vector)
        if kb == 0:
            if ka == 2:
                return ExtScalar(fx.ext_mul_base(a.arr, b))
            return fx.ext_mul_base(a, b)
        if kb == 1:
            if ka == 2:
                return fx.ext_mul_base(a.arr[None, :], b)
            return fx.ext_mul_base(a, b)
        # both ext, at least one vector
        return fx.ext_mul(self._ext(a), self._ext(b))

    def neg(self, a):
        k = self._kind(a)
        if k == 0:
            return (-a) % P
        if k == 1:
            return bb.neg(a)
        if k == 2:
            return ExtScalar(fx.ext_neg(a.arr))
        return fx.ext_neg(a)


def broadcast_base(v, n: int) -> np.ndarray:
    """A base value (int or (N,)) as an (n,) uint32 array."""
    if isinstance(v, int):
        return np.full(n, v, dtype=np.uint32)
    return np.asarray(v, dtype=np.uint32)


def broadcast_ext(v, n: int) -> np.ndarray:
    """Any value as an (n, 4) uint32 extension array."""
    if isinstance(v, ExtScalar):
        return np.broadcast_to(v.arr, (n, 4)).copy()
    if isinstance(v, int):
        out = np.zeros((n, 4), dtype=np.uint32)
        out[:, 0] = v
        return out
    if v.ndim == 1:
        return fx.ext_from_base(v)
    return v


def trace_leaf(main: np.ndarray, pre: np.ndarray | None, public, aux_ext=None,
               challenges=None, claimed_sum=None):
    """Leaf resolver over the *trace domain* ``H_n`` (row ``i`` ↔ ``ω^i``).

    ``main_next`` is the cyclic next row (row ``n−1``'s next is row 0, as for the
    polynomial ``T(ω·x)``); selectors are the 0/1 vectors of first/last/transition rows.
    ``aux_ext`` is an ``(n, k, 4)`` extension matrix; ``challenges`` a list of (4,)
    arrays; ``claimed_sum`` a (4,) array.  Used by the debug checker and the LogUp
    trace generator.
    """
    n = main.shape[0]
    cache: dict = {}

    def col(mat, i, shift):
        key = (id(mat), i, shift)
        v = cache.get(key)
        if v is None:
            c = np.ascontiguousarray(mat[:, i])
            v = np.roll(c, -1) if shift else c
            cache[key] = v
        return v

    def leaf(node):
        kind, i = node.value
        if kind == "main":
            return col(main, i, False)
        if kind == "main_next":
            return col(main, i, True)
        if kind == "pre":
            return col(pre, i, False)
        if kind == "pre_next":
            return col(pre, i, True)
        if kind == "public":
            return int(public[i])
        if kind == "is_first_row":
            v = np.zeros(n, dtype=np.uint32)
            v[:1] = 1  # slices: an empty (0-row) trace gives empty selectors
            return v
        if kind == "is_last_row":
            v = np.zeros(n, dtype=np.uint32)
            v[-1:] = 1
            return v
        if kind == "is_transition":
            v = np.ones(n, dtype=np.uint32)
            v[-1:] = 0
            return v
        if kind == "aux":
            return np.ascontiguousarray(aux_ext[:, i, :])
        if kind == "aux_next":
            return np.ascontiguousarray(np.roll(aux_ext[:, i, :], -1, axis=0))
        if kind == "challenge":
            return ExtScalar(challenges[i])
        if kind == "claimed_sum":
            return ExtScalar(claimed_sum)
        raise ValueError(f"unknown leaf {kind}")  # pragma: no cover

    return leaf

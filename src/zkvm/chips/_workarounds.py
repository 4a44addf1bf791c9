"""Temporary workarounds for bugs found in other layers (reported to the lead).

Applied on import of :mod:`zkvm.chips.machine`, and only if a probe shows the bug is still
there, so they disappear by themselves once the owning layer is fixed.

1. ``zkvm.stark.evaluate.NumpyAlgebra.add/sub`` of an extension *scalar* (``ExtScalar``)
   and a base-field ``int`` returned a bare ``(4,)`` array instead of an ``ExtScalar``;
   the next operation then took it for a base vector of 4 rows, and the prover crashed
   (shape mismatch) on any LogUp message with two constant entries, e.g. ``(op, x, 0, 0)``.
   Prover-side only (the verifier uses ``ScalarAlgebra``); soundness is unaffected.
2. numba's SSA pass recurses once per basic block of a generated quotient kernel
   (:mod:`zkvm.stark.kernels`); the kernels of the wide chips exceed Python's default
   recursion limit of 1000 (``RecursionError`` while compiling).  :func:`ensure_recursion_limit`
   raises the limit before proving (Python 3.11 frames of pure-Python recursion do not
   use the C stack, so this is safe).
"""

from __future__ import annotations

import sys

import numpy as np


def _apply():
    from zkvm.stark import evaluate as ev

    alg = ev.NumpyAlgebra()
    s = ev.ExtScalar(np.array([1, 2, 3, 4], dtype=np.uint32))
    if isinstance(alg.add(s, 5), ev.ExtScalar) and isinstance(alg.sub(5, s), ev.ExtScalar):
        return
    cls = ev.NumpyAlgebra
    orig_add, orig_sub = cls.add, cls.sub

    def _fix(self, a, b, orig):
        r = orig(self, a, b)
        ka, kb = self._kind(a), self._kind(b)
        if {ka, kb} <= {0, 2} and not isinstance(r, ev.ExtScalar):
            return ev.ExtScalar(r)
        return r

    cls.add = lambda self, a, b: _fix(self, a, b, orig_add)
    cls.sub = lambda self, a, b: _fix(self, a, b, orig_sub)


def ensure_recursion_limit(n: int = 200000) -> None:
    if sys.getrecursionlimit() < n:
        sys.setrecursionlimit(n)


_apply()

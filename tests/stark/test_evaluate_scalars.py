"""NumpyAlgebra keeps extension *scalars* scalar when mixed with base-field ints.

Regression: ``ExtScalar + int`` used to return a bare ``(4,)`` array, which the next
operation read as a base vector of 4 rows (a LogUp message with two constant entries
crashed the prover).
"""

import numpy as np

from zkvm.stark import evaluate as ev


def test_ext_scalar_plus_int_stays_scalar():
    alg = ev.NumpyAlgebra()
    s = ev.ExtScalar(np.array([1, 2, 3, 4], dtype=np.uint32))
    for r in (alg.add(s, 5), alg.add(5, s), alg.sub(s, 5), alg.sub(5, s)):
        assert isinstance(r, ev.ExtScalar)
    assert list(alg.add(s, 5).arr) == [6, 2, 3, 4]
    assert list(alg.sub(5, s).arr) == [4, (-2) % ev.P, (-3) % ev.P, (-4) % ev.P]

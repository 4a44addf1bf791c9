"""Poseidon2 over BabyBear width 16 (zkvm.hash.poseidon2): parameters, the plain-int
reference against an independent matrix formulation, the numba kernels against the
reference, and the internal matrix's security condition."""

from __future__ import annotations

import hashlib
import os
import random

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                      ".zkvm-cache", "numba"))

import numpy as np
import pytest

from zkvm.field.babybear import P as FIELD_P
from zkvm.hash import poseidon2 as p2

P = p2.P


def test_parameters():
    assert P == FIELD_P == 15 * 2**27 + 1
    import math
    assert math.gcd(p2.ALPHA, P - 1) == 1 and all(math.gcd(d, P - 1) > 1 for d in range(2, 7))
    assert p2.RC_FULL.shape == (8, 16) and p2.RC_PART.shape == (13,)
    assert (p2.RC_FULL < P).all() and (p2.RC_PART < P).all()
    assert len(set(int(d) for d in p2.DIAG)) == 16 and all(0 <= d < P for d in p2.DIAG)


def test_round_constants_are_the_documented_shake_stream():
    """Independent re-derivation: SHAKE-256(seed), 4-byte LE words, low 31 bits, < p."""
    xof = hashlib.shake_256(b"zkvm/poseidon2/babybear/t16/rf8/rp13/x7/v1").digest(4 * 400)
    vals = [v for v in (int.from_bytes(xof[i:i + 4], "little") & (2**31 - 1)
                        for i in range(0, len(xof), 4)) if v < P]
    assert [int(x) for x in p2.RC_FULL.ravel()] == vals[:128]
    assert [int(x) for x in p2.RC_PART] == vals[128:141]


def _matrices():
    m4 = np.array(p2.M4, dtype=object)
    me = np.empty((16, 16), dtype=object)
    for i in range(4):
        for j in range(4):
            me[4 * i:4 * i + 4, 4 * j:4 * j + 4] = (2 if i == j else 1) * m4
    mi = np.ones((16, 16), dtype=object) + np.diag([int(d) for d in p2.DIAG]).astype(object)
    return me, mi


def _ref_matrix_form(x):
    """P written with explicit 16x16 matrices (circ(2 M4, M4, M4, M4) and J + diag)."""
    me, mi = _matrices()
    s = np.array(x, dtype=object)
    s = me.dot(s) % P
    for r in range(4):
        s = me.dot(np.array([pow(int(v + c) % P, 7, P) for v, c in zip(s, p2.RC_FULL[r])],
                            dtype=object)) % P
    for r in range(13):
        s[0] = pow(int(s[0] + int(p2.RC_PART[r])) % P, 7, P)
        s = mi.dot(s) % P
    for r in range(4, 8):
        s = me.dot(np.array([pow(int(v + c) % P, 7, P) for v, c in zip(s, p2.RC_FULL[r])],
                            dtype=object)) % P
    return [int(v) for v in s]


def test_reference_equals_matrix_form():
    rng = random.Random(3)
    for x in ([0] * 16, [P - 1] * 16, list(range(16)),
              [rng.randrange(P) for _ in range(16)]):
        assert p2.permute(x) == _ref_matrix_form(x)


def test_known_answer():
    """Pins the permutation (any change of constants or rounds changes every memory root
    and image ID)."""
    assert p2.permute(list(range(16))) == [
        1159489586, 1650273918, 862122096, 386860603, 706718862, 521133923, 1618770259,
        1431574919, 1210557401, 1980768643, 1512601949, 82830009, 157009037, 74035414,
        1712008350, 1681569562]
    assert p2.compress([0] * 16) == [1559281789, 686924238, 138067311, 886210938,
                                     1816329408, 1156973982, 505390490, 726763515]


def test_kernels_match_reference():
    rng = np.random.default_rng(5)
    x = rng.integers(0, P, (40, 16), dtype=np.int64)
    x[0] = P - 1
    x[1] = 0
    got = p2.permute_many(x.astype(np.uint32))
    comp = p2.compress_many(x.astype(np.uint32))
    for i in range(40):
        ref = p2.permute([int(v) for v in x[i]])
        assert list(got[i]) == ref and list(comp[i]) == ref[:8]
    assert got.dtype == np.uint32 and comp.shape == (40, 8)
    assert p2.compress_many(np.zeros((0, 16), np.uint32)).shape == (0, 8)


def test_bad_inputs():
    with pytest.raises(p2.Poseidon2Error):
        p2.permute([0] * 15)
    with pytest.raises(p2.Poseidon2Error):
        p2.permute([P] + [0] * 15)
    with pytest.raises(p2.Poseidon2Error):
        p2.compress_many(np.full((2, 16), P, dtype=np.uint32))
    with pytest.raises(p2.Poseidon2Error):
        p2.permute_many(np.zeros((2, 8), dtype=np.uint32))
    with pytest.raises(p2.Poseidon2Error):
        p2.compress_many(np.full((1, 16), -1, dtype=np.int64))


def test_internal_matrix_condition():
    """M_I = J + diag(DIAG): invertible, and the characteristic polynomial of M_I^k is
    irreducible for k = 1..32; the test itself rejects known-bad cases."""
    assert p2.internal_matrix_ok()
    assert not p2.internal_matrix_ok(diag=(0,) * 16, powers=1)          # J: rank 1
    assert not p2.internal_matrix_ok(diag=(1,) * 16, powers=1)          # J + I: reducible
    # Rabin's test itself: x^16 - 31 is irreducible (31 is a non-square generator of
    # F_p^*, p = 1 mod 4), x^16 - 4 is not (4 is a square); a product is not
    assert p2._irreducible([(-31) % P] + [0] * 15 + [1])
    assert not p2._irreducible([(-4) % P] + [0] * 15 + [1])
    rng = random.Random(9)
    g = [rng.randrange(P) for _ in range(8)] + [1]
    h = [rng.randrange(P) for _ in range(8)] + [1]
    prod = [0] * 17
    for i, a in enumerate(g):
        for j, b in enumerate(h):
            prod[i + j] = (prod[i + j] + a * b) % P
    assert not p2._irreducible(prod)


def test_charpoly_matches_cayley_hamilton():
    rng = random.Random(4)
    a = [[rng.randrange(P) for _ in range(16)] for _ in range(16)]
    c = p2._charpoly(a)
    acc = [[0] * 16 for _ in range(16)]
    power = [[int(i == j) for j in range(16)] for i in range(16)]
    for k in range(17):
        for i in range(16):
            for j in range(16):
                acc[i][j] = (acc[i][j] + c[k] * power[i][j]) % P
        power = p2._matmul(power, a)
    assert all(v == 0 for row in acc for v in row)

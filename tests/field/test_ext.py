"""Tests for zkvm.field.ext (the quartic extension F_p[X]/(X^4 - 11))."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.field import ext as E
from zkvm.field.babybear import P, FieldError
from zkvm.field.ext import W, Ext

felt = st.integers(min_value=0, max_value=P - 1)
small = st.integers(min_value=0, max_value=3)
# mix of random and structured (sparse / small) coefficients
coef = st.one_of(felt, small, st.just(P - 1))
ext = st.tuples(coef, coef, coef, coef).map(Ext)


# ------------------------------------------------------------------ irreducibility


def _pmod(a, f):
    """a mod f over F_p (lists, low degree first; f monic)."""
    a = a[:]
    while len(a) >= len(f):
        c = a[-1]
        if c:
            s = len(a) - len(f)
            for i, fc in enumerate(f):
                a[s + i] = (a[s + i] - c * fc) % P
        a.pop()
    while a and a[-1] == 0:
        a.pop()
    return a


def _pgcd(a, b):
    while b:
        inv = pow(b[-1], P - 2, P)
        bm = [c * inv % P for c in b]
        a, b = b, _pmod(a, bm)
    return a


def test_x4_minus_11_is_irreducible():
    # Criterion (Lidl–Niederreiter 3.75) for X^4 - a: a non-square and p ≡ 1 mod 4.
    assert P % 4 == 1
    assert pow(W, (P - 1) // 2, P) == P - 1  # Euler: 11 is not a square
    # Rabin's test, directly: f | X^(p^4) - X and gcd(X^(p^2) - X mod f, f) = 1.
    x = Ext.X
    xp2 = x ** (P**2)
    assert x ** (P**4) == x
    g = list((xp2 - x).coeffs)
    while g and g[-1] == 0:
        g.pop()
    f = [(-W) % P, 0, 0, 0, 1]
    assert len(_pgcd(f, g)) == 1  # a non-zero constant


# ------------------------------------------------------------------ scalar class


@settings(max_examples=80, deadline=None)
@given(ext, ext, ext)
def test_field_laws(a, b, c):
    assert (a * b) * c == a * (b * c)
    assert (a + b) + c == a + (b + c)
    assert a * (b + c) == a * b + a * c
    assert a * b == b * a and a + b == b + a
    assert a - a == Ext.ZERO and a + (-a) == 0
    assert a * Ext.ONE == a and a + Ext.ZERO == a
    if not a.is_zero():
        assert a * a.inverse() == Ext.ONE
        assert (b / a) * a == b
        assert a ** -2 * a * a == 1


@settings(max_examples=40, deadline=None)
@given(ext, st.integers(min_value=0, max_value=200))
def test_pow_matches_repeated_mul(a, e):
    r = Ext.ONE
    for _ in range(e):
        r = r * a
    assert a**e == r


def test_ext_basics():
    assert Ext.X**4 == W
    assert Ext.from_base(5) == 5 and 5 == Ext.from_base(5)
    assert Ext(5) == Ext((5, 0, 0, 0)) == Ext(5, 0, 0, 0)
    assert Ext(-1, P, 0, 0).coeffs == (P - 1, 0, 0, 0)
    assert hash(Ext(1, 2, 3, 4)) == hash(Ext((1, 2, 3, 4)))
    assert len({Ext(1, 2, 3, 4), Ext(1, 2, 3, 4), Ext(1)}) == 2
    assert 2 * Ext(1, 2, 3, 4) == Ext(2, 4, 6, 8)
    assert 1 - Ext(1, 2, 3, 4) == Ext(0, P - 2, P - 3, P - 4)
    assert (1 / Ext(2)) == Ext((P + 1) // 2)
    a = Ext(1, 2, 3, 4)
    assert a.frobenius() != a and Ext(7).frobenius() == Ext(7)
    with pytest.raises(AttributeError):
        a.coeffs = (0, 0, 0, 0)
    with pytest.raises(ZeroDivisionError):
        Ext.ZERO.inverse()
    with pytest.raises(ZeroDivisionError):
        Ext(1) / Ext.ZERO
    with pytest.raises(FieldError):
        Ext.from_canonical((0, P, 0, 0))
    assert Ext.from_canonical((1, 2, 3, 4)) == a


# ------------------------------------------------------------------ vector API


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(ext, ext), min_size=1, max_size=12))
def test_vector_ops_match_scalar(pairs):
    xs = [p[0] for p in pairs]
    ys = [p[1] for p in pairs]
    a, b = E.ext_array(xs), E.ext_array(ys)
    assert E.ext_list(E.ext_add(a, b)) == [x + y for x, y in pairs]
    assert E.ext_list(E.ext_sub(a, b)) == [x - y for x, y in pairs]
    assert E.ext_list(E.ext_mul(a, b)) == [x * y for x, y in pairs]
    assert E.ext_list(E.ext_neg(a)) == [-x for x in xs]
    assert E.ext_list(E.ext_pow(a, 1000003)) == [x**1000003 for x in xs]
    base = np.array([y.coeffs[0] for y in ys], dtype=np.uint32)
    assert E.ext_list(E.ext_mul_base(a, base)) == [x * int(c) for x, c in zip(xs, base)]
    nz = [x for x in xs if not x.is_zero()]
    if nz:
        assert E.ext_list(E.ext_inv(E.ext_array(nz))) == [x.inverse() for x in nz]


def test_ext_inv_zero_raises_and_broadcast():
    a = E.ext_array([Ext(1, 2, 3, 4), Ext.ZERO])
    with pytest.raises(ZeroDivisionError):
        E.ext_inv(a)
    x = Ext(1, 2, 3, 4)
    m = np.zeros((3, 2, 4), dtype=np.uint32)
    m[..., 0] = 1
    r = E.ext_mul(m, x)  # (3,2,4) times a scalar
    assert r.shape == (3, 2, 4) and all(v == x for v in E.ext_list(r.reshape(-1, 4)))
    assert E.ext_add(m, 1).shape == (3, 2, 4)
    assert E.ext_mul_base(x, np.array([1, 2], dtype=np.uint32)).shape == (2, 4)


def test_from_base_columns_roundtrip_powers_lincomb():
    rng = np.random.default_rng(5)
    b = rng.integers(0, P, (6,), dtype=np.uint32)
    e = E.ext_from_base(b)
    assert e.shape == (6, 4) and (e[:, 0] == b).all() and (e[:, 1:] == 0).all()
    m = rng.integers(0, P, (5, 3, 4), dtype=np.uint32)
    flat = E.ext_to_base_columns(m)
    assert flat.shape == (5, 12) and (flat[:, 4 * 2 + 1] == m[:, 2, 1]).all()
    assert (E.base_columns_to_ext(flat) == m).all()
    x = Ext(3, 1, 4, 1)
    pw = E.ext_list(E.ext_powers(x, 6, start=Ext(2)))
    assert pw == [Ext(2) * x**i for i in range(6)]
    mat = rng.integers(0, P, (4, 6), dtype=np.uint32)
    coeffs = [Ext(2) * x**i for i in range(6)]
    ref = [sum((c * int(mat[r, j]) for j, c in enumerate(coeffs)), Ext.ZERO) for r in range(4)]
    assert E.ext_list(E.ext_lincomb(mat, coeffs)) == ref
    assert E.ext_list(E.ext_lincomb(mat, E.ext_array(coeffs))) == ref


def test_ext_worst_case_no_overflow():
    """All coefficients p−1 (= −1): exercises the delayed-reduction bounds."""
    m1 = Ext(P - 1, P - 1, P - 1, P - 1)
    a = E.ext_array([m1] * 3)
    assert E.ext_list(E.ext_mul(a, a)) == [m1 * m1] * 3
    for k in (1, 4, 5, 9):
        mat = np.full((2, k), P - 1, dtype=np.uint32)
        got = E.ext_list(E.ext_lincomb(mat, [m1] * k))
        assert got == [m1 * (P - 1) * k] * 2


@pytest.mark.parametrize("n,k", [(3, 5 * (1 << 13) + 7), (70, 300), (1, 1 << 13)])
def test_ext_lincomb_split_rows_match_reference(n, k):
    """Few rows of many terms and many rows of few: the same values as exact integer
    arithmetic."""
    rng = np.random.default_rng(n + k)
    mat = rng.integers(0, P, (n, k), dtype=np.uint32)
    co = rng.integers(0, P, (k, 4), dtype=np.uint32)
    got = E.ext_lincomb(mat, co)
    mo = mat.astype(object)
    for q in range(4):
        want = [int((mo[i] * co[:, q].astype(object)).sum() % P) for i in range(n)]
        assert got[:, q].tolist() == want


def test_ext_inv_parallel_chunks_match_serial():
    """Above _EXT_INV_PAR_MIN the inverse is computed in parallel chunks: same result as
    the one-chunk kernel, and a·a⁻¹ = 1 across every chunk boundary."""
    from zkvm.field import ext as E

    rng = np.random.default_rng(11)
    n = E._EXT_INV_PAR_MIN + 37
    a = rng.integers(0, P, (n, 4), dtype=np.uint32)
    a[:, 0] |= 1  # no zero elements
    got = E.ext_inv(a)
    assert (got == E._ext_inv_k(a)).all()
    one = E.ext_mul(a, got)
    assert (one[:, 0] == 1).all() and not one[:, 1:].any()


def test_ext_inv_edge_values_vs_scalar():
    """Delayed-reduction bounds of the batch inverse: extreme coefficients (p − 1), base
    elements (n1 = 0), pure powers of X, and more elements than interleaved chains."""
    vals = [(1, 0, 0, 0), (P - 1, 0, 0, 0), (0, 1, 0, 0), (0, 0, P - 1, 0), (0, 0, 0, 1),
            (P - 1, P - 1, P - 1, P - 1), (0, P - 1, 0, P - 1), (P - 1, 0, P - 1, 0),
            (2, 3, 5, 7), (P - 2, 1, P - 3, 2), (5, 0, 0, 0)]
    elems = [Ext(v) for v in vals]
    assert E.ext_list(E.ext_inv(E.ext_array(elems))) == [x.inverse() for x in elems]


@settings(max_examples=60, deadline=None)
@given(st.lists(ext, min_size=1, max_size=12))
def test_ext_inv_numpy_matches_scalar(xs):
    """The numba-free batch inverse (the verifier's public-batch sums use it): the same
    values as Ext.inverse on random, sparse and extreme elements; zero raises."""
    nz = [x for x in xs if not x.is_zero()]
    if nz:
        assert E.ext_list(E.ext_inv_numpy(E.ext_array(nz))) == [x.inverse() for x in nz]
    if len(nz) < len(xs):
        with pytest.raises(ZeroDivisionError):
            E.ext_inv_numpy(E.ext_array(xs))


def test_ext_inv_numpy_edges_and_shapes():
    vals = [(1, 0, 0, 0), (P - 1, 0, 0, 0), (0, 1, 0, 0), (0, 0, P - 1, 0), (0, 0, 0, 1),
            (P - 1, P - 1, P - 1, P - 1), (0, P - 1, 0, P - 1), (P - 1, 0, P - 1, 0)]
    a = E.ext_array([Ext(v) for v in vals])
    assert (E.ext_inv_numpy(a) == E.ext_inv(a)).all()
    rng = np.random.default_rng(3)
    m = rng.integers(1, P, (5, 7, 4), dtype=np.uint32)
    got = E.ext_inv_numpy(m)
    assert got.shape == m.shape and got.dtype == np.uint32 and (got == E.ext_inv(m)).all()
    assert E.ext_inv_numpy(np.zeros((0, 4), dtype=np.uint32)).shape == (0, 4)
    with pytest.raises(ZeroDivisionError):
        E.ext_inv_numpy(np.zeros((2, 4), dtype=np.uint32))



def test_ext_lincomb_acc_column_subset_in_place():
    """``acc += Σ_c coeffs[c]·mat[:, cols[c]]`` mod p in place, against exact integers:
    worst-case entries p − 1 and 9 columns (several delayed reductions), a column
    subset read in place, a canonical non-zero accumulator in."""
    rng = np.random.default_rng(11)
    mat = rng.integers(0, P, (300, 13), dtype=np.uint32)
    mat[:7] = P - 1
    cols = np.array([0, 2, 3, 5, 6, 8, 9, 11, 12], dtype=np.int64)
    co = rng.integers(0, P, (len(cols), 4), dtype=np.uint32)
    co[0] = P - 1
    acc0 = rng.integers(0, P, (300, 4)).astype(np.uint64)
    acc0[:3] = P - 1
    acc = acc0.copy()
    E.ext_lincomb_acc(mat, cols, co, acc)
    want = (acc0.astype(object) + mat[:, cols].astype(object).dot(co.astype(object))) % P
    assert (acc.astype(object) == want).all()

"""Tests for zkvm.field.babybear."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.field import babybear as bb
from zkvm.field.babybear import P

felt = st.integers(min_value=0, max_value=P - 1)
nonzero = st.integers(min_value=1, max_value=P - 1)
vec = st.lists(felt, min_size=1, max_size=20)


def A(xs):
    return np.array(xs, dtype=np.uint32)


def test_constants():
    assert P == 15 * 2**27 + 1
    assert (P - 1) % 2**bb.TWO_ADICITY == 0 and ((P - 1) >> bb.TWO_ADICITY) % 2 == 1
    # GENERATOR generates F_p^*: g^((p-1)/q) != 1 for every prime q | p-1 = 2^27·3·5.
    for q in (2, 3, 5):
        assert pow(bb.GENERATOR, (P - 1) // q, P) != 1


@pytest.mark.parametrize("log_n", [0, 1, 2, 5, 16, 26, 27])
def test_two_adic_generator_order(log_n):
    w = bb.two_adic_generator(log_n)
    assert pow(w, 1 << log_n, P) == 1
    if log_n > 0:
        assert pow(w, 1 << (log_n - 1), P) != 1
        assert pow(w, 2, P) == bb.two_adic_generator(log_n - 1)


def test_two_adic_generator_range():
    with pytest.raises(ValueError):
        bb.two_adic_generator(28)
    with pytest.raises(ValueError):
        bb.two_adic_generator(-1)


@settings(max_examples=60, deadline=None)
@given(vec, vec, vec)
def test_ring_laws(xs, ys, zs):
    n = min(len(xs), len(ys), len(zs))
    a, b, c = A(xs[:n]), A(ys[:n]), A(zs[:n])
    for r, ref in [
        (bb.add(a, b), [(x + y) % P for x, y in zip(xs, ys)]),
        (bb.sub(a, b), [(x - y) % P for x, y in zip(xs, ys)]),
        (bb.mul(a, b), [(x * y) % P for x, y in zip(xs, ys)]),
        (bb.neg(a), [(-x) % P for x in xs[:n]]),
    ]:
        assert r.dtype == np.uint32 and r.tolist() == ref[:n]
    assert (bb.mul(bb.mul(a, b), c) == bb.mul(a, bb.mul(b, c))).all()
    assert (bb.add(bb.add(a, b), c) == bb.add(a, bb.add(b, c))).all()
    assert (bb.mul(a, bb.add(b, c)) == bb.add(bb.mul(a, b), bb.mul(a, c))).all()
    assert (bb.add(a, bb.neg(a)) == 0).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(nonzero, min_size=1, max_size=30))
def test_batch_inverse_matches_scalar(xs):
    a = A(xs)
    inv = bb.batch_inverse(a)
    assert inv.tolist() == [bb.inv_scalar(x) for x in xs]
    assert (bb.mul(inv, a) == 1).all()


def test_batch_inverse_large_parallel_path():
    rng = np.random.default_rng(3)
    a = rng.integers(1, P, (300, 301), dtype=np.uint32)  # > 2^16 entries, 2-D
    inv = bb.inv(a)
    assert inv.shape == a.shape and (bb.mul(inv, a) == 1).all()


def test_inverse_of_zero_raises():
    with pytest.raises(ZeroDivisionError):
        bb.inv_scalar(0)
    with pytest.raises(ZeroDivisionError):
        bb.inv_scalar(P)
    with pytest.raises(ZeroDivisionError):
        bb.batch_inverse(A([1, 2, 0, 4]))
    with pytest.raises(ZeroDivisionError):
        bb.pow_(A([0]), -1)


def test_broadcast_with_ints_and_reduction():
    a = A([0, 1, P - 1])
    assert bb.add(a, 1).tolist() == [1, 2, 0]
    assert bb.add(1, a).tolist() == [1, 2, 0]
    assert bb.mul(a, -1).tolist() == [0, P - 1, 1]
    assert bb.sub(a, P + 1).tolist() == [P - 1, 0, P - 2]
    assert bb.mul(a.reshape(3, 1), A([2, 3])).shape == (3, 2)
    assert bb.to_field([-1, P, 2 * P + 5]).tolist() == [P - 1, 0, 5]
    assert bb.to_field(np.array([P + 3], dtype=np.uint32)).tolist() == [3]


def test_check_canonical():
    assert bb.is_canonical(A([0, P - 1]))
    assert not bb.is_canonical(A([P]))
    assert not bb.is_canonical(np.array([-1]))
    with pytest.raises(bb.FieldError):
        bb.check_canonical(np.array([P], dtype=np.uint32), "x")
    bb.check_canonical(np.array([5], dtype=np.int64))


@settings(max_examples=40, deadline=None)
@given(felt, st.integers(min_value=-(P**2), max_value=P**2))
def test_pow(x, e):
    if x == 0 and e < 0:
        return
    ref = bb.pow_scalar(x, e)
    assert bb.pow_(A([x]), e).tolist() == [ref]
    if e >= 0:
        assert ref == pow(x, e, P)
    else:
        assert ref * pow(x, -e, P) % P == 1


def test_pow_zero():
    assert bb.pow_(A([0, 5]), 0).tolist() == [1, 1]
    assert bb.pow_(A([0]), P - 1).tolist() == [0]
    assert bb.pow_(A([0]), 2 * (P - 1)).tolist() == [0]


def test_powers_lincomb_dot_sum():
    assert bb.powers(3, 5).tolist() == [1, 3, 9, 27, 81]
    assert bb.powers(3, 3, start=2).tolist() == [2, 6, 18]
    rng = np.random.default_rng(0)
    m = rng.integers(0, P, (7, 5), dtype=np.uint32)
    c = rng.integers(0, P, 5, dtype=np.uint32)
    ref = [sum(int(m[i, j]) * int(c[j]) for j in range(5)) % P for i in range(7)]
    assert bb.lincomb(m, c).tolist() == ref
    assert bb.dot(m[0], c) == ref[0]
    assert bb.sum_(m) == int(m.astype(object).sum()) % P
    assert bb.sum_(m, axis=0).tolist() == [int(v) % P for v in m.astype(object).sum(axis=0)]
    with pytest.raises(ValueError):
        bb.lincomb(m, c[:4])


def test_lincomb_worst_case_no_overflow():
    """All entries p−1: exercises the delayed-reduction bound (p + 4p² < 2^64)."""
    for k in (1, 3, 4, 5, 8, 9, 17):
        m = np.full((3, k), P - 1, dtype=np.uint32)
        c = np.full(k, P - 1, dtype=np.uint32)
        assert bb.lincomb(m, c).tolist() == [k % P] * 3  # (−1)(−1)·k

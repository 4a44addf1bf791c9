"""Tests for zkvm.poly.ntt."""

import numpy as np
import pytest

from zkvm.field.babybear import GENERATOR, P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.poly import ntt as N

rng = np.random.default_rng(42)


def rand(n, w):
    return rng.integers(0, P, (n, w), dtype=np.uint32)


def direct_eval(coeffs_col, x):
    acc = 0
    for c in reversed([int(v) for v in coeffs_col]):
        acc = (acc * x + c) % P
    return acc


@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5, 7])
@pytest.mark.parametrize("w", [1, 2, 5])
def test_ntt_matches_naive_dft(log_n, w):
    a = rand(1 << log_n, w)
    f = N.ntt(a)
    assert f.dtype == np.uint32 and f.shape == a.shape
    assert (f == N.naive_dft(a)).all()
    assert (N.intt(f) == a).all()


@pytest.mark.parametrize("log_n,w", [(13, 1), (13, 3), (14, 2), (15, 1)])
def test_roundtrip_and_blocked_paths(log_n, w):
    """Sizes above the cache block (2^12) exercise the blocked and in-stage-parallel kernels."""
    a = rand(1 << log_n, w)
    f = N.ntt(a)
    assert (N.intt(f) == a).all()
    # spot-check a few evaluations directly: f[i] = A(ω^i) where A has coefficients a
    om = two_adic_generator(log_n)
    for i in (0, 1, 777, (1 << log_n) - 1):
        for c in range(w):
            assert int(f[i, c]) == direct_eval(a[:, c], pow(om, i, P))


def test_1d_input_and_errors():
    a = rand(8, 1)[:, 0]
    assert (N.ntt(a) == N.ntt(a.reshape(-1, 1))[:, 0]).all()
    with pytest.raises(N.NttError):
        N.ntt(rand(6, 1))
    with pytest.raises(N.NttError):
        N.ntt(np.zeros((2, 2, 2), dtype=np.uint32))
    with pytest.raises(N.NttError):
        N.coset_lde(rand(4, 1), -1)
    with pytest.raises(N.NttError):
        N.coset_lde(rand(4, 1), 1, shift=0)


@pytest.mark.parametrize("log_n,w,log_b,shift", [
    (0, 1, 1, GENERATOR), (1, 2, 1, GENERATOR), (3, 3, 2, GENERATOR), (4, 2, 1, 1),
    (5, 1, 3, 7), (13, 2, 1, GENERATOR), (13, 1, 2, GENERATOR),
])
def test_coset_lde_matches_direct_evaluation(log_n, w, log_b, shift):
    n = 1 << log_n
    evals = rand(n, w)
    coeffs = N.intt(evals)
    lde = N.coset_lde(evals, log_b, shift=shift)
    assert lde.shape == (n << log_b, w)
    om = two_adic_generator(log_n + log_b)
    rows = range(n << log_b) if n <= 64 else (0, 1, 2, 12345 % (n << log_b), (n << log_b) - 1)
    for i in rows:
        x = shift * pow(om, i, P) % P
        for c in range(w):
            assert int(lde[i, c]) == direct_eval(coeffs[:, c], x)
    # the LDE restricted to every 2^log_b-th row with shift 1 is the input itself
    if shift == 1:
        assert (lde[:: 1 << log_b] == evals).all()
    assert (N.coset_ntt(coeffs, shift, log_b) == lde).all()


def test_coset_intt_roundtrip():
    c = rand(32, 3)
    e = N.coset_ntt(c, 5)
    assert (N.coset_intt(e, 5) == c).all()


def test_evaluate_poly_base_and_ext():
    c = rand(10, 2)
    assert N.evaluate_poly(c[:, 0], 3) == direct_eval(c[:, 0], 3)
    assert N.evaluate_poly(c, 3).tolist() == [direct_eval(c[:, j], 3) for j in range(2)]
    z = Ext(5, 6, 7, 8)
    ref = sum((z**i * int(v) for i, v in enumerate(c[:, 1])), Ext.ZERO)
    assert N.evaluate_poly(c[:, 1], z) == ref
    assert Ext(tuple(N.evaluate_poly(c, z)[1])) == ref
    ce = rng.integers(0, P, (9, 4), dtype=np.uint32)
    ref2 = sum((z**i * Ext(tuple(r)) for i, r in enumerate(ce.tolist())), Ext.ZERO)
    assert N.evaluate_ext_poly(ce, z) == ref2
    assert Ext(tuple(N.evaluate_ext_poly(ce.reshape(9, 1, 4), z)[0])) == ref2


@pytest.mark.parametrize("log_n,shift", [(0, 1), (3, 1), (4, GENERATOR), (13, GENERATOR)])
def test_barycentric_eval(log_n, shift):
    n = 1 << log_n
    coeffs = rand(n, 2)
    evals = N.coset_ntt(coeffs, shift)
    z = Ext(11, 22, 33, 44)
    got = N.barycentric_eval(evals, z, shift)
    for c in range(2):
        assert Ext(tuple(got[c])) == N.evaluate_poly(coeffs[:, c], z)
    with pytest.raises(ZeroDivisionError):
        N.barycentric_eval(evals, Ext(shift), shift)  # z = shift·ω^0 is in the domain


@pytest.mark.parametrize("log_n,shift", [(0, 1), (4, GENERATOR), (13, GENERATOR)])
def test_barycentric_eval_many_matches_single_point(log_n, shift):
    """Several points in one pass give the single-point values (strided rows too)."""
    n = 1 << log_n
    coeffs = rand(n, 5)
    evals = N.coset_ntt(coeffs, shift, log_blowup=1)[::2]  # a strided (n, 5) view
    zs = [Ext(11, 22, 33, 44), Ext(5, 0, 7, P - 1), Ext(P - 1, P - 1, P - 1, P - 2)]
    ws = [N.barycentric_weights(log_n, z, shift) for z in zs]
    got = N.barycentric_eval_many(evals, ws)
    for z, g in zip(zs, got):
        assert (g == N.barycentric_eval(np.ascontiguousarray(evals), z, shift)).all()
        assert Ext(tuple(g[4])) == N.evaluate_poly(coeffs[:, 4], z)
    with pytest.raises(ValueError):
        N.barycentric_eval_many(evals[: max(1, n // 2)] if n > 1 else rand(2, 5), ws)
    # a subset of the columns, read in place from the strided view, in any order
    for cols in ([4, 0, 3], [2], []):
        sub = N.barycentric_eval_many(evals, ws, cols)
        for g, full in zip(sub, got):
            assert g.shape == (len(cols), 4) and (g == full[cols]).all()
    with pytest.raises(ValueError):
        N.barycentric_eval_many(evals, ws, [5])


@pytest.mark.parametrize("D", [1, 5, 4096 + 37])
def test_coeff_eval_many(D):
    """Coefficient matrices of any height (masked polynomials: n + k rows) at several
    points in one pass, from a strided view too, all columns or a subset."""
    coeffs = rand(D, 6)
    zs = [Ext(11, 22, 33, 44), Ext(5, 0, 7, P - 1), Ext(0)]
    got = N.coeff_eval_many(coeffs, zs)
    for z, g in zip(zs, got):
        assert g.shape == (6, 4)
        for c in (0, 5):
            assert Ext(tuple(g[c])) == N.evaluate_poly(coeffs[:, c], z)
    wide = rand(D, 12)
    wide[:, ::2] = coeffs
    for g, full in zip(N.coeff_eval_many(wide[:, ::2], zs), got):  # strided columns
        assert (g == full).all()
    for cols in ([4, 0, 3], [2], []):
        for g, full in zip(N.coeff_eval_many(coeffs, zs, cols), got):
            assert g.shape == (len(cols), 4) and (g == full[cols]).all()
    with pytest.raises(ValueError):
        N.coeff_eval_many(coeffs, zs, [6])
    with pytest.raises(ValueError):
        N.coeff_eval_many(np.zeros((0, 3), dtype=np.uint32), zs)


def test_bit_reverse_rows():
    a = np.arange(8, dtype=np.uint32).reshape(8, 1)
    assert N.bit_reverse_rows(a)[:, 0].tolist() == [0, 4, 2, 6, 1, 5, 3, 7]


def test_many_columns_chunked():
    """Widths above the 16-column chunk: every chunk boundary must line up."""
    a = rand(16, 37)
    assert (N.ntt(a) == N.naive_dft(a)).all()
    assert (N.intt(N.ntt(a)) == a).all()
    lde = N.coset_lde(a, 1)
    for c in (0, 15, 16, 17, 36):
        assert (lde[:, c] == N.coset_lde(a[:, c], 1)).all()
    assert N.ntt(np.zeros((8, 0), dtype=np.uint32)).shape == (8, 0)


def test_non_contiguous_and_non_uint32_input():
    a = rand(32, 6)
    view = a[:, ::2]  # non-contiguous
    assert (N.ntt(view) == N.ntt(np.ascontiguousarray(view))).all()
    assert (N.ntt(a.astype(np.int64)) == N.ntt(a)).all()


def test_barycentric_worst_case_values():
    evals = np.full((16, 3), P - 1, dtype=np.uint32)  # the constant polynomial −1
    got = N.barycentric_eval(evals, Ext(P - 1, P - 1, P - 1, P - 2))
    assert all(Ext(tuple(r)) == P - 1 for r in got)


@pytest.mark.parametrize("log_n,w,k", [(0, 1, 3), (4, 3, 5), (6, 9, 20), (5, 8, 40)])
def test_intt_padded(log_n, w, k):
    """intt into the first n rows of an (n + k)-row matrix, zeros below (both paths)."""
    a = rand(1 << log_n, w)
    got = N.intt_padded(a, k)
    assert got.shape == ((1 << log_n) + k, w)
    assert (got[: 1 << log_n] == N.intt(a)).all() and not got[1 << log_n:].any()

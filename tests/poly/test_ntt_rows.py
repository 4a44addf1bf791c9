"""The row-major NTT/LDE kernels (widths ≥ _ROW_MIN_WIDTH) against the column-major
kernels (the previous implementation, still used for narrow matrices) and the O(n²) DFT.

Both paths are exact field arithmetic, so results must be bit-identical.  The cache-block
size is shrunk in some cases so that small matrices exercise the high-stage work items.
"""

import numpy as np
import pytest

from zkvm.field.babybear import GENERATOR, P
from zkvm.poly import ntt as N

rng = np.random.default_rng(7)


def rand(n, w):
    return rng.integers(0, P, (n, w), dtype=np.uint32)


def column_path(monkeypatch, fn, *args, **kw):
    """Run ``fn`` with the row-major path disabled (reference)."""
    with monkeypatch.context() as m:
        m.setattr(N, "_ROW_MIN_WIDTH", 1 << 30)
        return fn(*args, **kw)


@pytest.mark.parametrize("block_bytes", [N._ROW_BLOCK_BYTES, 1 << 9, 1 << 6])
@pytest.mark.parametrize("log_n,w", [(0, 8), (1, 8), (3, 9), (6, 16), (9, 8), (11, 33), (12, 64)])
def test_rows_ntt_intt_match_column_path(monkeypatch, block_bytes, log_n, w):
    monkeypatch.setattr(N, "_ROW_BLOCK_BYTES", block_bytes)
    a = rand(1 << log_n, w)
    f = N.ntt(a)
    assert f.shape == a.shape and f.dtype == np.uint32
    assert (f == column_path(monkeypatch, N.ntt, a)).all()
    g = N.intt(a)
    assert (g == column_path(monkeypatch, N.intt, a)).all()
    assert (N.intt(f) == a).all()


@pytest.mark.parametrize("log_n", [0, 2, 4])
def test_rows_ntt_matches_naive_dft(log_n):
    a = rand(1 << log_n, 8)
    assert (N.ntt(a) == N.naive_dft(a)).all()


@pytest.mark.parametrize("block_bytes", [N._ROW_BLOCK_BYTES, 1 << 9, 1 << 6])
@pytest.mark.parametrize("log_n,w,log_b,shift", [
    (0, 8, 1, GENERATOR), (1, 8, 2, GENERATOR), (3, 12, 1, 1), (5, 8, 3, 7),
    (8, 16, 1, GENERATOR), (10, 9, 2, GENERATOR), (11, 64, 1, GENERATOR), (7, 8, 0, 5),
])
def test_rows_coset_lde_matches_column_path(monkeypatch, block_bytes, log_n, w, log_b, shift):
    monkeypatch.setattr(N, "_ROW_BLOCK_BYTES", block_bytes)
    a = rand(1 << log_n, w)
    src = a.copy()
    lde = N.coset_lde(a, log_b, shift=shift)
    assert (a == src).all(), "coset_lde must not modify its input"
    assert lde.shape == ((1 << log_n) << log_b, w)
    assert (lde == column_path(monkeypatch, N.coset_lde, a, log_b, shift=shift)).all()
    if shift == 1:
        assert (lde[:: 1 << log_b] == a).all()


def test_rows_parallel_kernels_match(monkeypatch):
    """Above _ROW_PAR_MIN entries the prange kernels run; compare with the serial ones."""
    a = rand(1 << 13, 16)
    par_f, par_l = N.ntt(a), N.coset_lde(a, 1)
    monkeypatch.setattr(N, "_ROW_PAR_MIN", 1 << 62)
    assert (N.ntt(a) == par_f).all()
    assert (N.coset_lde(a, 1) == par_l).all()


def test_rows_extreme_values():
    a = np.full((64, 8), P - 1, dtype=np.uint32)
    a[::3] = 0
    f = N.ntt(a)
    assert (f == N.naive_dft(a)).all() and int(f.max()) < P
    assert (N.coset_lde(a, 2, shift=1)[::4] == a).all()


@pytest.mark.parametrize("log_n", [8, 13])
@pytest.mark.parametrize("threads", [1, 2])
def test_single_column_path_matches_row_path(log_n, threads):
    """Width 1 (2-D or 1-D) takes the dedicated one-column path (bit reversal straight into
    the output); it must agree with the row-major path on the same column repeated."""
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        a = rand(1 << log_n, 1)
        wide = np.repeat(a, 8, axis=1)
        for fn in (N.ntt, N.intt):
            ref = fn(wide)[:, 0]
            assert (fn(a)[:, 0] == ref).all()
            assert (fn(a[:, 0]) == ref).all()
    finally:
        numba.set_num_threads(old)


@pytest.mark.parametrize("D,w,log_N,shift", [
    (1, 8, 0, GENERATOR), (5, 8, 3, GENERATOR), (8, 9, 3, 1), (13, 16, 6, 7),
    (1 << 10, 8, 12, GENERATOR), ((1 << 10) + 4, 12, 12, GENERATOR), (37, 3, 7, GENERATOR),
    (64, 1, 6, 5), (0, 8, 4, GENERATOR),
])
def test_coset_eval_coeffs(D, w, log_N, shift):
    """Evaluations of zero-padded coefficients (any D ≤ N) over shift·H_N: same as the
    explicit padding + coset_ntt, and as direct evaluation at a few points."""
    from zkvm.field.babybear import two_adic_generator

    c = rand(D, w)
    n_out = 1 << log_N
    got = N.coset_eval_coeffs(c, log_N, shift)
    assert got.shape == (n_out, w) and got.dtype == np.uint32
    padded = np.zeros((n_out, w), dtype=np.uint32)
    padded[:D] = c
    assert (got == N.coset_ntt(padded, shift)).all()
    om = two_adic_generator(log_N)
    for i in sorted({0, n_out // 2, n_out - 1}):
        x = shift * pow(om, i, P) % P
        for col in range(w):
            acc = 0
            for v in reversed([int(t) for t in c[:, col]]):
                acc = (acc * x + v) % P
            assert int(got[i, col]) == acc


def test_coset_eval_coeffs_errors():
    with pytest.raises(N.NttError):
        N.coset_eval_coeffs(rand(9, 8), 3)
    with pytest.raises(N.NttError):
        N.coset_eval_coeffs(rand(4, 8), -1)

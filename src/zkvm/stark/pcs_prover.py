"""FRI PCS prover: ``commit`` and ``open`` (see :mod:`zkvm.stark.pcs` for the protocol).

Hot loops are numba/numpy: the LDE (:func:`zkvm.poly.ntt.coset_lde`), the Merkle tree,
the α-combination of columns (``ext_lincomb``), the batch inversions of ``x − z``, the
barycentric evaluations and the FRI folds.  Python loops only run over matrices, points,
rounds and queries.
"""

from __future__ import annotations

import os

import numpy as np
from numba import njit, prange

from zkvm.field.babybear import GENERATOR, P, TWO_ADICITY, two_adic_generator
from zkvm.field.ext import (Ext, _pow_u64, ext_add, ext_lincomb, ext_lincomb_acc, ext_mul,
                            ext_powers)
from zkvm.hash.sha256 import bitrev_permutation
from zkvm.merkle import MerkleTree
from zkvm.poly.ntt import (barycentric_eval_many, barycentric_weights, coeff_eval_many,
                           coset_eval_coeffs, coset_lde, intt_padded)

from .fri_prover import answer_query, commit_phase
from .params import StarkParams
from .pcs_types import SALT_WIDTH, ProverData
from .pcs_types import BatchOpening, OpeningProof, QueryProof
from .pcs_verifier import _shape_header, normalize_cols, stacked_interpolant
from .transcript import Transcript
from .zk import lde_extra_log, deep_mask_coeffs

__all__ = ["commit", "commit_coeffs", "open_", "shape_header", "random_field", "mask_coeffs"]


def _log2(n: int) -> int:
    if n <= 0 or n & (n - 1):
        raise ValueError(f"PCS: height {n} is not a power of two")
    return n.bit_length() - 1


def random_field(shape) -> np.ndarray:
    """Uniform field elements in ``[0, p)`` of the given shape from the OS CSPRNG
    (``os.urandom``; 31-bit draws, rejection of values ≥ p: no modulo bias).

    Correctness (zero knowledge): every mask, salt and masking polynomial comes from here;
    a predictable source would let a verifier strip the masks."""
    shape = tuple(int(x) for x in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    need = int(np.prod(shape, dtype=np.int64))
    out = np.empty(0, dtype=np.uint32)
    while out.size < need:
        draw = need - out.size
        draw += draw // 8 + 16
        v = np.frombuffer(os.urandom(4 * draw), dtype=np.uint32) & np.uint32(0x7FFFFFFF)
        out = np.concatenate([out, v[v < P]])
    return np.ascontiguousarray(out[:need].reshape(shape))


def mask_coeffs(coeffs: np.ndarray, log_n: int, k: int) -> np.ndarray:
    """Coefficients of ``f + Z_H·r`` (``Z_H = X^n − 1``, ``r`` random with ``k``
    coefficients per column) from those of ``f`` (``(n, w)``): an ``(n + k, w)`` matrix.
    ``f + Z_H·r`` equals ``f`` on ``H_n``."""
    return _apply_mask(coeffs, log_n, random_field((k, coeffs.shape[1])))


def _apply_mask(coeffs: np.ndarray, log_n: int, r: np.ndarray) -> np.ndarray:
    """``f + Z_H·r`` as ``(n + k, w)`` coefficients."""
    n = 1 << log_n
    k, w = r.shape
    out = np.empty((n + k, w), dtype=np.uint32)
    out[:n, :w] = coeffs
    out[n:, :w] = 0
    return _mask_in_place(out, log_n, r)


def _mask_in_place(out: np.ndarray, log_n: int, r: np.ndarray) -> np.ndarray:
    """``out`` ``(n + k, w)``: the coefficients of ``f`` (rows ``≥ n`` zero) become those
    of ``f + Z_H·r``; only the rows ``< k`` and ``≥ n`` are touched.  Returns ``out``."""
    n = 1 << log_n
    k, w = r.shape
    body = out[:, :w]
    rr = r.astype(np.int64)
    lo = min(k, n)
    body[:lo] = (body[:lo].astype(np.int64) - rr[:lo]) % P   # − r (low coefficients)
    if k > n:  # tiny tables: r overlaps X^n·r
        body[n:k] = (body[n:k].astype(np.int64) - rr[n:]) % P
    body[n:] = (body[n:].astype(np.int64) + rr) % P         # + X^n·r
    return out


def column_lde(data: ProverData, m: int) -> np.ndarray:
    """See :meth:`zkvm.stark.pcs.FriPcs.lde`: the kept LDE, or for a stacked matrix its
    columns' LDE made now from the kept coefficients (the same values the commitment's
    polynomials take there; a fresh array the caller may drop)."""
    lde = data.ldes[m]
    if lde is not None:
        return lde
    log_N = data.log_heights[m] + data.log_blowup + data.extra_log_list[m]
    return _coeff_lde(data.coeffs[m], log_N)


def _coeff_lde(coeffs: np.ndarray, log_N: int) -> np.ndarray:
    """Evaluations over ``g·H_{2^log_N}`` (natural order) of the polynomials with the
    given ``(D, w)`` coefficients, ``D ≤ 2^log_N``."""
    D, w = coeffs.shape
    N = 1 << log_N
    if D > N:
        raise ValueError(f"PCS commit: {D} coefficients do not fit an LDE of {N} rows")
    return coset_eval_coeffs(coeffs, log_N, GENERATOR)


def _extra_logs(params: StarkParams, log_ns: list, extra_log) -> list:
    if extra_log is None:
        return [lde_extra_log(params, ln) for ln in log_ns]
    if len(extra_log) != len(log_ns):
        raise ValueError("PCS commit: extra_log must have one entry per matrix")
    out = [int(e) for e in extra_log]
    if any(e < 0 for e in out):
        raise ValueError("PCS commit: extra_log entries must be >= 0")
    return out


def _salt_index(log_Ns: list) -> int:
    """The matrix that carries a salted commitment's ``SALT_WIDTH`` salt columns: the
    first one of the largest LDE (its rows are the tree's leaves)."""
    return log_Ns.index(max(log_Ns))


def _salt(star: int | None) -> tuple | None:
    """The Merkle tree's virtual salt columns for a salted commitment: ``SALT_WIDTH``
    PRF values per row of matrix ``star`` under a fresh 32-byte key
    (:func:`zkvm.merkle.tree.salt_words`).

    Correctness (zero knowledge): the salt of every leaf is pseudorandom and independent
    of the others given the verifier's view (the key is never revealed), so an unopened
    leaf's digest hides its row.  Salts are hashed and opened, never batched into FRI or
    opened at ζ; they need no low-degree structure (before issue 17 they were the LDE of
    random coefficient columns: 8 more columns in every salted transform and stored in
    the LDE matrix, 0.4 GiB at 2^20 cycles)."""
    return None if star is None else (star, os.urandom(32), SALT_WIDTH)


def _stack_list(stack_log, n: int) -> list:
    if stack_log is None:
        return [0] * n
    out = [int(x) for x in stack_log]
    if len(out) != n or any(not 0 <= x <= 6 for x in out):
        raise ValueError("PCS commit: stack_log must have one entry in [0, 6] per matrix")
    return out


def _stacked_lde(coeffs: np.ndarray, log_N: int, s: int) -> np.ndarray:
    """The LDE over ``g·H_{2^(log_N + s)}`` of the stacked columns of the polynomials with
    ``(D, w)`` coefficients: ``g_j(X) = Σ_t X^t f_{jk+t}(X^k)`` (``k = 2^s``; columns past
    ``w`` are zero), i.e. coefficient ``i·k + t`` of ``g_j`` is coefficient ``i`` of
    ``f_{jk+t}``: a ``(D·k, ⌈w/k⌉)`` coefficient matrix, one transform."""
    D, w = coeffs.shape
    k = 1 << s
    W = -(-w // k)
    c = coeffs
    if W * k != w:
        c = np.zeros((D, W * k), dtype=np.uint32)
        c[:, :w] = coeffs
    g = np.ascontiguousarray(c.reshape(D, W, k).transpose(0, 2, 1).reshape(D * k, W))
    return _coeff_lde(g, log_N + s)


def _tree_of(ldes: list, tree_ldes: list, salt) -> MerkleTree:
    """The commitment's Merkle tree: a stacked matrix contributes its stacked LDE."""
    mats = [t if t is not None else l for l, t in zip(ldes, tree_ldes, strict=True)]
    return MerkleTree(mats, bit_reversed_rows=True, salt=salt)


def commit(params: StarkParams, evals: list, hiding: bool = False,
           extra_log=None, stack_log=None) -> tuple[bytes, ProverData]:
    """See :meth:`zkvm.stark.pcs.FriPcs.commit`."""
    if not isinstance(evals, (list, tuple)) or len(evals) == 0:
        raise ValueError("PCS commit: need a non-empty list of matrices")
    if hiding and not params.zk:
        raise ValueError("PCS commit: hiding commitments need params.zk")
    mats, log_ns = [], []
    for i, e in enumerate(evals):
        a = np.asarray(e)
        if a.ndim != 2 or a.dtype != np.uint32 or a.shape[1] < 1:
            raise ValueError(f"PCS commit: matrix {i} must be 2-D uint32 with ≥ 1 column, "
                             f"got {a.dtype} {a.shape}")
        log_ns.append(_log2(a.shape[0]))
        if a.size and int(a.max()) >= P:
            raise ValueError(f"PCS commit: matrix {i} has non-canonical entries")
        mats.append(a)
    extras = _extra_logs(params, log_ns, extra_log)
    stacks = _stack_list(stack_log, len(mats))
    count = len(mats)
    ldes, coeffs, tree_ldes = [None] * count, [None] * count, [None] * count
    k = params.zk_mask_len()
    star = _salt_index([ln + e + s for ln, e, s in zip(log_ns, extras, stacks, strict=True)]) \
        if hiding else None
    for i, (log_n, e, s) in enumerate(zip(log_ns, extras, stacks, strict=True)):
        if log_n + params.log_blowup + e + s > TWO_ADICITY:
            raise ValueError(f"PCS commit: matrix {i} too tall for the two-adic domain")
    masks = [random_field((k, a.shape[1])) if hiding else None for a in mats]
    # largest matrix first: its transient coefficients (a quarter of its LDE) then sit
    # beside no other LDE (the commitment's peak memory; same values in any order)
    for i in sorted(range(count), key=lambda j: -mats[j].nbytes):
        a, log_n, e, s, r = mats[i], log_ns[i], extras[i], stacks[i], masks[i]
        log_N = log_n + params.log_blowup + e
        c = None
        if hiding:  # f' = f + Z_H·r from the coefficients (n + k of them), one size-N NTT
            c = _mask_in_place(intt_padded(a, k), log_n, r)
        elif s:  # the coefficients serve both LDEs (coset_lde may transform its input)
            c = intt_padded(a, 0)
        if s:  # the tree holds the stacked LDE; the columns' own LDE is made on demand
            tree_ldes[i] = _stacked_lde(c, log_N, s)
            coeffs[i] = c
        else:  # opened from evals + masks; dropping c frees (n + k)·w words
            ldes[i] = (coset_lde(a, params.log_blowup + e, GENERATOR) if c is None
                       else _coeff_lde(c, log_N))
        del c
    tree = _tree_of(ldes, tree_ldes, _salt(star))
    # the evaluations are not kept: openings interpolate the LDE (_eval_points)
    return tree.root, ProverData([None] * len(mats), ldes, tree, params.log_blowup, coeffs,
                                 log_ns, extras, hiding, masks, star,
                                 stacks, tree_ldes)


def commit_coeffs(params: StarkParams, coeffs: list, log_heights: list, extra_log=None,
                  salt: bool = False, stack_log=None) -> tuple[bytes, ProverData]:
    """See :meth:`zkvm.stark.pcs.FriPcs.commit_coeffs`."""
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) == 0 or \
            len(coeffs) != len(log_heights):
        raise ValueError("PCS commit_coeffs: need one log height per coefficient matrix")
    log_ns = [int(x) for x in log_heights]
    extras = _extra_logs(params, log_ns, extra_log)
    stacks = _stack_list(stack_log, len(log_ns))
    mats, ldes, tree_ldes = [], [], []
    star = _salt_index([ln + e + s for ln, e, s in zip(log_ns, extras, stacks, strict=True)]) \
        if salt else None
    for i, (c, log_n, e, s) in enumerate(zip(coeffs, log_ns, extras, stacks, strict=True)):
        a = np.ascontiguousarray(np.asarray(c))
        if a.ndim != 2 or a.dtype != np.uint32 or a.shape[1] < 1 or a.shape[0] < 1:
            raise ValueError(f"PCS commit_coeffs: matrix {i} must be 2-D uint32")
        if int(a.max()) >= P:
            raise ValueError(f"PCS commit_coeffs: matrix {i} has non-canonical entries")
        log_N = log_n + params.log_blowup + e
        if log_n < 0 or log_N + s > TWO_ADICITY:
            raise ValueError(f"PCS commit_coeffs: matrix {i}: bad height 2^{log_n}")
        mats.append(a)
        ldes.append(None if s else _coeff_lde(a, log_N))  # stacked: made on demand
        tree_ldes.append(_stacked_lde(a, log_N, s) if s else None)
    tree = _tree_of(ldes, tree_ldes, _salt(star))
    return tree.root, ProverData([None] * len(mats), ldes, tree, params.log_blowup, mats,
                                 log_ns, extras, salt, None, star, stacks, tree_ldes)


def _eval_points(data: ProverData, m: int, zs: list, cache: dict, cols=None) -> list:
    """Matrix ``m``'s column polynomials at each point of ``zs``: a list of ``(w, 4)``
    (with ``cols``: only those columns, ``(len(cols), 4)``).

    Matrices committed from evaluations (``commit``) are interpolated barycentrically from
    their LDE, read in place on a sub-coset ``g·H_M`` (every ``N/M``-th LDE row), all
    points in one pass.  The traces themselves are not kept (memory: 0.4 GiB at 2^20
    cycles).  Without a mask ``M = n``.  A hiding commitment holds ``f' = f + Z_H·r``
    (``n + k`` coefficients, the mask ``r`` of ``k ≤ n`` coefficients is kept): on
    ``S = g·H_n`` the vanishing polynomial is the constant ``Z_H = g^n − 1``, so the
    degree-``< n`` interpolant of ``f'|S`` is ``f + (g^n − 1)·r`` and

        ``f'(z) = bary_S(f'|S)(z) + (z^n − g^n)·r(z)``,

    which reads ``n`` rows instead of the ``2^⌈log2(n + k)⌉ = 2n`` a direct interpolation
    of ``f'`` needs (for ``k > n``, tiny tables, ``M`` is the next power of two
    ``≥ n + k`` and no correction is applied).  Coefficient commitments and stacked
    matrices (which keep their coefficients instead of their columns' LDE) are evaluated
    from their coefficients, all points in one pass over the rows
    (:func:`zkvm.poly.ntt.coeff_eval_many`).

    Correctness: the returned values are exactly the committed polynomials' values
    (both formulas are identities for the committed ``f'``); they are absorbed into the
    transcript and checked by the verifier against the openings through DEEP/FRI."""
    if data.coeffs is not None and data.coeffs[m] is not None:
        return coeff_eval_many(data.coeffs[m], zs, cols)
    lde = data.ldes[m]
    N = lde.shape[0]
    n = 1 << data.log_heights[m]
    r = None
    if data.masks is not None and data.masks[m] is not None:
        r = data.masks[m]
    k = 0 if r is None else r.shape[0]
    if 0 < k <= n:
        M = n
    else:
        D = n + k
        M = 1 << (D - 1).bit_length()
        r = None
    if M > N:  # pragma: no cover - lde_extra_log makes the LDE large enough
        raise ValueError("PCS open: LDE too small to interpolate the committed polynomial")
    weights = []
    for z in zs:
        wkey = ("bary", M, z.coeffs)  # shared by every matrix over g·H_M at z
        if wkey not in cache:
            cache[wkey] = barycentric_weights(M.bit_length() - 1, z, GENERATOR)
        weights.append(cache[wkey])
    src = lde[::N // M]  # a strided view: the kernel reads the rows (and ``cols``) in place
    if cols is not None and r is not None:
        r = r[:, list(cols)]
    vals = barycentric_eval_many(src, weights, cols)
    if r is None:
        return vals
    rt = np.ascontiguousarray(r.T)  # (w, k)
    gn = pow(GENERATOR, n, P)
    out = []
    for z, v in zip(zs, vals, strict=True):
        rz = ext_lincomb(rt, ext_powers(z, k))                  # r(z): (w, 4)
        corr = (z ** n - Ext.from_base(gn)).to_array()           # z^n − g^n
        out.append(ext_add(v, ext_mul(rz, corr)))
    return out


def shape_header(shapes: list, salted: list | None = None) -> bytes:
    """Canonical bytes of the opening shape (:func:`zkvm.stark.pcs_verifier._shape_header`:
    one encoding for both sides)."""
    salted = salted if salted is not None else [False] * len(shapes)
    return _shape_header(shapes, salted)


def mask_round(params: StarkParams, rounds: list):
    """zk: commit the random DEEP-batch masking polynomial ``R`` (one extension column =
    4 base columns) with as many coefficients as FRI's tested degree for the largest
    LDE, ``F·2^(L0 − L_f)``.  Returns ``(root, data)``."""
    lb = params.log_blowup
    sizes = [ln + lb + e + data.stack_log(m) for data, _ in rounds
             for m, (ln, e) in enumerate(zip(data.log_heights, data.extra_log_list, strict=True))]
    L0 = max(sizes)
    D = deep_mask_coeffs(params, L0, sizes)
    return commit_coeffs(params, [random_field((D, 4))], [L0 - lb], extra_log=[0])


# ---------------------------------------------------------------------------- DEEP


_PD = np.uint64(P)
_WD = np.uint64(11)
_W2P_D = np.uint64(22 * P)
_WP_D = np.uint64(11 * P)
_PP_D = np.uint64(P * P)
_TWO_D = np.uint64(2)
_DEEP_BLOCK = 128


@njit(cache=True, inline="always")
def _em(a0, a1, a2, a3, b0, b1, b2, b3):
    """Product in F_p[X]/(X^4 − 11) of canonical uint64 coefficients (≤ 4 products summed
    before a reduction: 4·(p−1)^2 < 2^64)."""
    p = _PD
    c0 = (a0 * b0 + _WD * ((a1 * b3 + a2 * b2 + a3 * b1) % p)) % p
    c1 = (a0 * b1 + a1 * b0 + _WD * ((a2 * b3 + a3 * b2) % p)) % p
    c2 = (a0 * b2 + a1 * b1 + a2 * b0 + _WD * ((a3 * b3) % p)) % p
    c3 = (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) % p
    return c0, c1, c2, c3


_M32D = np.uint64(0xFFFFFFFF)
#: 2^32 mod p
_R32D = np.uint64((1 << 32) % P)


@njit(cache=True, inline="always")
def _fold32(x):
    """``x mod p`` up to a multiple of p: ``lo + hi·(2^32 mod p)`` (< 2^61 for any
    uint64 ``x``), with 32×32-bit products only, so LLVM vectorises it (a vector ``%`` by
    a constant is scalarised on x86)."""
    return (x & _M32D) + (x >> np.uint64(32)) * _R32D


#: from this width on, :func:`_deep_acc` sums each row's columns contiguously (measured
#: 2.6 -> 1.9 ns per element at width 49, 5.3 -> 4.8 at 12; narrower matrices keep the
#: column-by-column pass, vectorised over rows)
_DEEP_ROW_MIN = 12
_S32D = np.uint64(32)
#: 2^64 mod p
_R64D = np.uint64((1 << 64) % P)


@njit(cache=True, nogil=True, inline="always")
def _deep_cols(mat, k0s, k1s, k2s, k3s, cols, C, b0, m_):
    """``C[:, j] = Σ_i mat[b0 + j, cols[i]]·k_i mod p`` for ``j < m_``, column by column
    (contiguous accumulators: LLVM vectorises the row loop); partial reductions every 3
    products (:func:`_fold32`)."""
    p = _PD
    for j in range(m_):
        C[0, j] = 0
        C[1, j] = 0
        C[2, j] = 0
        C[3, j] = 0
    blk = mat[b0:b0 + m_]
    for c in range(cols.shape[0]):
        k0 = k0s[c]
        k1 = k1s[c]
        k2 = k2s[c]
        k3 = k3s[c]
        col = blk[:, cols[c]]
        for j in range(m_):
            v = np.uint64(col[j])
            C[0, j] += v * k0
            C[1, j] += v * k1
            C[2, j] += v * k2
            C[3, j] += v * k3
        if c % 3 == 2:
            for j in range(m_):
                C[0, j] = _fold32(C[0, j])
                C[1, j] = _fold32(C[1, j])
                C[2, j] = _fold32(C[2, j])
                C[3, j] = _fold32(C[3, j])
    for j in range(m_):
        C[0, j] %= p
        C[1, j] %= p
        C[2, j] %= p
        C[3, j] %= p


@njit(cache=True, nogil=True, inline="always")
def _deep_rows(mat, k0s, k1s, k2s, k3s, cols, C, b0, m_):
    """:func:`_deep_cols` row by row, the columns contiguous: each product ``t < 2^62``
    is split into its low and high 32 bits, summed apart (no overflow below 2^30
    columns), and recombined as ``l + h_lo·(2^32 mod p) + h_hi·(2^64 mod p) < 2^64``."""
    p = _PD
    for j in range(m_):
        row = mat[b0 + j]
        l0 = np.uint64(0)
        l1 = np.uint64(0)
        l2 = np.uint64(0)
        l3 = np.uint64(0)
        h0 = np.uint64(0)
        h1 = np.uint64(0)
        h2 = np.uint64(0)
        h3 = np.uint64(0)
        for c in range(cols.shape[0]):
            v = np.uint64(row[cols[c]])
            t = v * k0s[c]
            l0 += t & _M32D
            h0 += t >> _S32D
            t = v * k1s[c]
            l1 += t & _M32D
            h1 += t >> _S32D
            t = v * k2s[c]
            l2 += t & _M32D
            h2 += t >> _S32D
            t = v * k3s[c]
            l3 += t & _M32D
            h3 += t >> _S32D
        C[0, j] = (l0 + (h0 & _M32D) * _R32D + (h0 >> _S32D) * _R64D) % p
        C[1, j] = (l1 + (h1 & _M32D) * _R32D + (h1 >> _S32D) * _R64D) % p
        C[2, j] = (l2 + (h2 & _M32D) * _R32D + (h2 >> _S32D) * _R64D) % p
        C[3, j] = (l3 + (h3 & _M32D) * _R32D + (h3 >> _S32D) * _R64D) % p


@njit(cache=True, nogil=True)
def _deep_acc(mat, coef, cols, pair_pt, pair_off, T, r0, r1):
    """``T[k, i − r0] += off·c(i)`` for rows ``r0 ≤ i < r1`` of one matrix, where
    ``c(i) = Σ_j mat[i, cols[j]]·coef[j]`` (extension coefficients ``α^cols[j]``,
    canonical uint32; salt columns are never in ``cols``) and ``(k, off)`` runs over the
    opening points that open exactly the columns ``cols``.  Accumulators take 3 products
    (< 2^62 each) between partial reductions (:func:`_fold32`, < 2^61): < 2^64."""
    p = _PD
    B = _DEEP_BLOCK
    C = np.zeros((4, B), dtype=np.uint64)
    w = cols.shape[0]
    k0s = coef[:w, 0].astype(np.uint64)
    k1s = coef[:w, 1].astype(np.uint64)
    k2s = coef[:w, 2].astype(np.uint64)
    k3s = coef[:w, 3].astype(np.uint64)
    for b0 in range(r0, r1, B):
        m_ = min(B, r1 - b0)
        if w >= _DEEP_ROW_MIN:
            _deep_rows(mat, k0s, k1s, k2s, k3s, cols, C, b0, m_)
        else:
            _deep_cols(mat, k0s, k1s, k2s, k3s, cols, C, b0, m_)
        for q in range(pair_pt.shape[0]):
            k = pair_pt[q]
            f0 = pair_off[q, 0]
            f1 = pair_off[q, 1]
            f2 = pair_off[q, 2]
            f3 = pair_off[q, 3]
            for j in range(m_):
                e0, e1, e2, e3 = _em(C[0, j], C[1, j], C[2, j], C[3, j], f0, f1, f2, f3)
                i = b0 - r0 + j
                t = np.uint64(T[k, i, 0]) + e0
                T[k, i, 0] = t - p if t >= p else t
                t = np.uint64(T[k, i, 1]) + e1
                T[k, i, 1] = t - p if t >= p else t
                t = np.uint64(T[k, i, 2]) + e2
                T[k, i, 2] = t - p if t >= p else t
                t = np.uint64(T[k, i, 3]) + e3
                T[k, i, 3] = t - p if t >= p else t


@njit(cache=True, nogil=True)
def _deep_fin(T, zs, ys, x0, omega, out, rev, r0, r1):
    """``out[rev[i]] = Σ_k (T[k, i − r0] − ys[k]) / (x_i − zs[k])`` for ``r0 ≤ i < r1``
    (``out[i]`` for an empty ``rev``),
    ``x_i = x0·ω^i``; the denominators of a block of rows are inverted together (norm to
    the base field, Montgomery's trick).  Returns −1, or a row where ``x_i = z_k``."""
    p = _PD
    K = zs.shape[0]
    B = _DEEP_BLOCK
    C = np.zeros((4, B), dtype=np.uint64)
    xs = np.empty(B, dtype=np.uint64)
    n0s = np.empty((K, B), dtype=np.uint64)
    n1s = np.empty((K, B), dtype=np.uint64)
    dns = np.empty((K, B), dtype=np.uint64)
    pre = np.empty((K, B), dtype=np.uint64)
    xr = (_pow_u64(omega, np.uint64(r0)) * x0) % p
    for b0 in range(r0, r1, B):
        m_ = min(B, r1 - b0)
        for j in range(m_):
            xs[j] = xr
            xr = (xr * omega) % p
        acc = np.uint64(1)
        for k in range(K):
            z0 = zs[k, 0]
            z1 = (p - zs[k, 1]) % p
            z2 = (p - zs[k, 2]) % p
            z3 = (p - zs[k, 3]) % p
            for j in range(m_):
                a0 = (xs[j] + p - z0) % p
                x13 = (z1 * z3) % p
                n0 = (a0 * a0 + _WD * ((z2 * z2) % p) + _W2P_D - _WD * _TWO_D * x13) % p
                n1 = (_TWO_D * a0 * z2 + _PP_D - z1 * z1 + _WP_D - _WD * ((z3 * z3) % p)) % p
                dn = (n0 * n0 + _WP_D - _WD * ((n1 * n1) % p)) % p
                if dn == 0:
                    return b0 + j
                n0s[k, j] = n0
                n1s[k, j] = n1
                dns[k, j] = dn
                pre[k, j] = acc
                acc = (acc * dn) % p
        inv = np.uint64(1)
        bb = acc
        e = np.int64(2013265919)  # p − 2
        while e > 0:
            if e & 1:
                inv = (inv * bb) % p
            bb = (bb * bb) % p
            e >>= 1
        for j in range(m_):
            C[0, j] = 0
            C[1, j] = 0
            C[2, j] = 0
            C[3, j] = 0
        for k in range(K - 1, -1, -1):
            z0 = zs[k, 0]
            z1 = (p - zs[k, 1]) % p
            z2 = (p - zs[k, 2]) % p
            z3 = (p - zs[k, 3]) % p
            y0 = ys[k, 0]
            y1 = ys[k, 1]
            y2 = ys[k, 2]
            y3 = ys[k, 3]
            for j in range(m_ - 1, -1, -1):
                dinv = (inv * pre[k, j]) % p
                inv = (inv * dns[k, j]) % p
                m0 = (n0s[k, j] * dinv) % p
                m1 = ((p - n1s[k, j]) * dinv) % p
                a0 = (xs[j] + p - z0) % p
                # (a0 − z1 X + z2 X² − z3 X³)(m0 + m1 X²), X⁴ = W: the inverse of d
                i0 = (a0 * m0 + _WD * ((z2 * m1) % p)) % p
                i1 = (p - (z1 * m0 + _WD * ((z3 * m1) % p)) % p) % p
                i2 = (z2 * m0 + a0 * m1) % p
                i3 = (p - (z3 * m0 + z1 * m1) % p) % p
                i = b0 - r0 + j
                u0 = (np.uint64(T[k, i, 0]) + p - y0) % p
                u1 = (np.uint64(T[k, i, 1]) + p - y1) % p
                u2 = (np.uint64(T[k, i, 2]) + p - y2) % p
                u3 = (np.uint64(T[k, i, 3]) + p - y3) % p
                e0, e1, e2, e3 = _em(u0, u1, u2, u3, i0, i1, i2, i3)
                t = C[0, j] + e0
                C[0, j] = t - p if t >= p else t
                t = C[1, j] + e1
                C[1, j] = t - p if t >= p else t
                t = C[2, j] + e2
                C[2, j] = t - p if t >= p else t
                t = C[3, j] + e3
                C[3, j] = t - p if t >= p else t
        for j in range(m_):
            r = rev[b0 + j] if rev.shape[0] else b0 + j
            out[r, 0] = np.uint32(C[0, j])
            out[r, 1] = np.uint32(C[1, j])
            out[r, 2] = np.uint32(C[2, j])
            out[r, 3] = np.uint32(C[3, j])
    return -1


_STACK_BLOCK = 1 << 12


@njit(cache=True, inline="always")
def _rev_bits(v, bits):
    """The low ``bits`` bits of ``v`` reversed."""
    r = 0
    for _ in range(bits):
        r = (r << 1) | (v & 1)
        v >>= 1
    return r


@njit(cache=True, nogil=True, parallel=True)
def _stack_fin(A, coefs, x0, omega, invd, res, L):
    """``res[rev(i)] += (A[i] − Ĩ(x_i)) · invd[i mod N/K]`` for ``x_i = x0·ω^i``
    (``ω`` of order ``N = 2^L``), where ``Ĩ(X) = Σ_t coefs[t]·X^t`` (``K = 2^S`` =
    ``coefs`` rows), ``invd[a] = 1/(x_a^K − z)`` (period ``N/K``) and ``rev`` the
    ``L``-bit reversal: a stacked group's DEEP term (see :func:`_stacked_deep`).

    The ``K`` points ``x_{a + b·N/K} = y_a·η^b`` (``y_a = x_a``, ``η = ω^{N/K}`` of order
    ``K``, ``b < K``) share ``invd[a]``, and ``Ĩ`` on them is the size-``K`` DFT of
    ``coefs[t]·y_a^t``: ``K + (K/2)·log K`` products per ``K`` points instead of ``K``
    per point by Horner; ``rev(a + b·N/K) = rev_{L−S}(a)·K + rev_S(b)``, so the ``K``
    results land in one block of ``res``.  (The reversal is computed here, not read
    from :func:`bitrev_permutation`'s memo: new sizes allocated mid-proof fragmented
    the retained heap.)  Every index is written by one iteration."""
    p = _PD
    N = A.shape[0]
    K = coefs.shape[0]
    per = invd.shape[0]
    S = 0
    while (1 << S) < K:
        S += 1
    eta = _pow_u64(omega, np.uint64(per))
    tw = np.empty(max(1, K // 2), dtype=np.uint64)  # η^j, j < K/2
    acc = np.uint64(1)
    for j in range(tw.shape[0]):
        tw[j] = acc
        acc = (acc * eta) % p
    revk = np.zeros(K, dtype=np.int64)
    for b in range(K):
        revk[b] = _rev_bits(b, S)
    ab = max(1, _STACK_BLOCK >> S)  # values of a per work item (K points each)
    nb = (per + ab - 1) // ab
    for blk in prange(nb):
        a0 = blk * ab
        a1 = min(per, a0 + ab)
        u = np.empty((K, 4), dtype=np.uint64)
        y = (_pow_u64(omega, np.uint64(a0)) * x0) % p
        for a in range(a0, a1):
            # u[revk[t]] = coefs[t]·y^t (bit-reversed input of the DIT transform)
            yt = np.uint64(1)
            for t in range(K):
                q = revk[t]
                u[q, 0] = (coefs[t, 0] * yt) % p
                u[q, 1] = (coefs[t, 1] * yt) % p
                u[q, 2] = (coefs[t, 2] * yt) % p
                u[q, 3] = (coefs[t, 3] * yt) % p
                yt = (yt * y) % p
            h = 1
            while h < K:
                step = K // (2 * h)
                for s0 in range(0, K, 2 * h):
                    for j in range(h):
                        w = tw[j * step]
                        lo = s0 + j
                        hi = lo + h
                        for c in range(4):
                            xv = u[lo, c]
                            yv = (u[hi, c] * w) % p
                            u[lo, c] = (xv + yv) % p
                            u[hi, c] = (xv + p - yv) % p
                h *= 2
            d0 = np.uint64(invd[a, 0])
            d1 = np.uint64(invd[a, 1])
            d2 = np.uint64(invd[a, 2])
            d3 = np.uint64(invd[a, 3])
            ra = _rev_bits(a, L - S)
            for b in range(K):
                i = a + b * per
                u0 = (np.uint64(A[i, 0]) + p - u[b, 0]) % p
                u1 = (np.uint64(A[i, 1]) + p - u[b, 1]) % p
                u2 = (np.uint64(A[i, 2]) + p - u[b, 2]) % p
                u3 = (np.uint64(A[i, 3]) + p - u[b, 3]) % p
                e0, e1, e2, e3 = _em(u0, u1, u2, u3, d0, d1, d2, d3)
                r = (ra << S) | revk[b]
                res[r, 0] = np.uint32((np.uint64(res[r, 0]) + e0) % p)
                res[r, 1] = np.uint32((np.uint64(res[r, 1]) + e1) % p)
                res[r, 2] = np.uint32((np.uint64(res[r, 2]) + e2) % p)
                res[r, 3] = np.uint32((np.uint64(res[r, 3]) + e3) % p)
            y = (y * omega) % p


def _stacked_deep(groups: dict, out: dict) -> None:
    """Add the DEEP terms of the stacked matrices to ``out[L]`` (bit-reversed).

    ``groups[(L, s, z)] = [A, c]``: ``A(x) = Σ_m Σ_j off_m·α^j·g_{m,j}(x)`` over the
    stacked columns ``g_{m,j}`` of LDE size ``2^L`` and factor ``k = 2^s`` opened at
    ``z``, and ``c`` the ``k`` coefficients of ``Ĩ(X) = Σ_t X^t Σ_m off_m Σ_j α^j
    v_{m,jk+t}`` (``v``: the claimed values of the original columns at ``z``).  Adds
    ``(A(x) − Ĩ(x)) / (x^k − z)``: a polynomial exactly when ``g_{m,j} ≡ Σ_t X^t
    v_{m,jk+t} mod (X^k − z)`` for every term, i.e. when every claimed ``f_{jk+t}(z)``
    is right."""
    from zkvm.field.babybear import powers
    from zkvm.field.ext import ext_inv

    for (L, s, zc), (A, c) in groups.items():
        N = 1 << L
        k = 1 << s
        per = N >> s
        # x_j^k − z for the N/k distinct values x_j^k = g^k·ω_{N/k}^j
        xk = powers(two_adic_generator(L - s), per, pow(GENERATOR, k, P)).astype(np.uint64)
        den = np.empty((per, 4), dtype=np.uint32)
        den[:, 0] = (xk + np.uint64(P) - np.uint64(zc[0])) % np.uint64(P)
        for t in range(1, 4):
            den[:, t] = (P - zc[t]) % P
        if not np.all(den.any(axis=1)):
            raise ValueError("PCS open: point is a k-th power of the LDE coset")
        invd = ext_inv(den)
        A = (A % np.uint64(P)).astype(np.uint32)
        if L not in out:
            out[L] = np.zeros((N, 4), dtype=np.uint32)
        coefs = np.array([e.coeffs for e in c], dtype=np.uint64).reshape(k, 4)
        _stack_fin(A, coefs,
                   np.uint64(GENERATOR), np.uint64(two_adic_generator(L)), invd, out[L], L)


#: rows per DEEP work item (its accumulators: points × rows × 16 bytes)
_DEEP_CHUNK = 1 << 17


_NO_REV = np.zeros(0, dtype=np.int64)  # _deep_fin: natural order


@njit(cache=True, nogil=True)
def _bitrev_rows_inplace(a, rev):
    """Rows ``i`` and ``rev[i]`` of ``a`` swapped (``rev`` an involution)."""
    for i in range(a.shape[0]):
        j = rev[i]
        if i < j:
            for c in range(a.shape[1]):
                t = a[i, c]
                a[i, c] = a[j, c]
                a[j, c] = t


def _coeff_count(data: ProverData, m: int) -> int:
    """How many coefficients matrix ``m``'s committed polynomials have (their degree is
    below it): the coefficient matrix's rows, else ``n`` plus the zk mask's rows (as
    :func:`_eval_points` reads them)."""
    if data.coeffs is not None and data.coeffs[m] is not None:
        return int(data.coeffs[m].shape[0])
    r = data.masks[m] if data.masks is not None else None
    return (1 << data.log_heights[m]) + (0 if r is None else int(r.shape[0]))


def _deep_pass(mats: list, zs, ys, omega, res, rev) -> None:
    """``res[rev[i]] = Σ_k (T_k(x_i) − ys[k]) / (x_i − zs[k])`` over ``x_i = g·ω^i``,
    ``i < len(res)``, with ``T_k`` accumulated from ``mats`` (:func:`_deep_acc`), in
    numba work items of ``_DEEP_CHUNK`` rows over threads (no full-size temporaries)."""
    import numba

    N = res.shape[0]
    K = zs.shape[0]
    x0 = np.uint64(GENERATOR)
    threads = 1 if N < (1 << 14) else max(1, min(numba.get_num_threads(), N >> 13))
    step = min(_DEEP_CHUNK, -(-N // threads))
    step = -(-step // _DEEP_BLOCK) * _DEEP_BLOCK
    ranges = [(a, min(N, a + step)) for a in range(0, N, step)]

    def job(rg):
        r0, r1 = rg
        T = np.zeros((K, r1 - r0, 4), dtype=np.uint32)
        for mat, coef, cols, mpts, moffs in mats:
            _deep_acc(mat, coef, cols, mpts, moffs, T, r0, r1)
        return _deep_fin(T, zs, ys, x0, np.uint64(omega), res, rev, r0, r1)

    if threads == 1 or len(ranges) == 1:
        bad = [job(rg) for rg in ranges]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as ex:
            bad = list(ex.map(job, ranges))
    if any(b >= 0 for b in bad):
        raise ValueError("PCS open: point lies in the LDE coset")


def _deep_inputs(rounds: list, opened: list, alpha: Ext) -> dict:
    """``{L: (2^L, 4) uint32}``: for every LDE log-size ``L``, the DEEP quotient
    ``Σ_{m, z} α^(off) (Σ_{c∈C} α^c f_{m,c}(x) − Σ_{c∈C} α^c y_{m,c,z}) / (x − z)`` over
    the matrices of that size (``C``: the columns opened at ``z``, all by default), in
    **bit-reversed** order (FRI's input layout).

    ``off`` runs over the matrices and points in the order (round, matrix, point), and
    the same α-power sequence as the verifier (:func:`zkvm.stark.pcs_verifier.verify`):
    each (matrix, point) term is multiplied by ``α^(Σ widths of the earlier terms)``.
    Numba work items of ``_DEEP_CHUNK`` rows (split over threads): per matrix and column
    set one pass (:func:`_deep_acc`) accumulating ``Σ off·c_m`` per point, then one pass
    (:func:`_deep_fin`) for the quotients.

    Half the rows: when every polynomial of a size has fewer than ``N/2`` coefficients
    (the LDEs' blowup is ≥ 2: always, but for hand-made statements), the DEEP quotient
    ``Q`` of that size, a sum of ``(G_z(X) − y_z)/(X − z)``, is a polynomial of degree
    ``< N/2`` for an honest prover, so it is computed on the even rows ``g·H_{N/2}``
    only and extended to ``g·H_N`` by one coset iNTT + NTT of its 4 base columns: the
    same values, for half of the two passes (the DEEP pass was ~60 % of the opening at
    2^20 cycles).  Where a claimed value is wrong ``Q`` is no polynomial and its
    extension differs from it on the odd rows: the verifier, which recomputes ``Q`` at
    every query from the opened rows, rejects the first-layer value there (unchanged)."""
    groups: dict = {}
    stacked: dict = {}
    off = Ext.ONE
    for r, (data, pts) in enumerate(rounds):
        for m, zs in enumerate(pts):
            if data.stack_log(m):
                off = _stacked_terms(data, m, zs, opened[r][m], alpha, off, stacked)
                continue
            lde = data.ldes[m]
            L = _log2(lde.shape[0])
            w = data.widths[m]  # without the salt columns
            apows = ext_powers(alpha, w)
            alpha_list = [Ext(tuple(int(t) for t in a)) for a in apows]
            g = groups.setdefault(L, {"mats": [], "points": {}, "coeffs": 0})
            g["coeffs"] = max(g["coeffs"], _coeff_count(data, m))
            passes: dict = {}  # cols (None = all) -> (point slots, offsets)
            for k, (z, cols) in enumerate(zs):
                idx = range(w) if cols is None else cols
                ys = Ext.ZERO
                for c, y in zip(idx, opened[r][m][k], strict=True):
                    ys = ys + alpha_list[c] * y
                pk = g["points"].setdefault(z.coeffs, [len(g["points"]), Ext.ZERO])
                pk[1] = pk[1] + off * ys  # T_k collects off·c_m; its constant term Σ off·ys
                mpts, moffs = passes.setdefault(cols, ([], []))
                mpts.append(pk[0])
                moffs.append(off.coeffs)
                off = off * (alpha ** w)
            mat = np.ascontiguousarray(lde)
            for cols, (mpts, moffs) in passes.items():
                ci = np.arange(w, dtype=np.int64) if cols is None else np.array(cols, np.int64)
                g["mats"].append((mat, np.ascontiguousarray(apows[ci], np.uint32), ci,
                                  np.array(mpts, dtype=np.int64),
                                  np.array(moffs, dtype=np.uint64).reshape(-1, 4)))
    out = {}
    for L, g in groups.items():
        N = 1 << L
        K = len(g["points"])
        zs = np.zeros((K, 4), dtype=np.uint64)
        ys = np.zeros((K, 4), dtype=np.uint64)
        for zc, (k, y) in g["points"].items():
            zs[k] = zc
            ys[k] = y.coeffs
        rev = bitrev_permutation(L)
        omega = np.uint64(two_adic_generator(L))
        if L >= 1 and g["coeffs"] <= N // 2:
            # Q on the even rows g·H_{N/2} (natural order), then extended to g·H_N:
            # Q'(Y) = Q(g·Y) is known on H_{N/2}, and its plain LDE is Q on g·H_N
            half = np.empty((N // 2, 4), dtype=np.uint32)
            mats = [(mat[::2], *rest) for mat, *rest in g["mats"]]
            _deep_pass(mats, zs, ys, (omega * omega) % _PD, half, _NO_REV)
            res = coset_lde(half, 1, 1)
            del half
            _bitrev_rows_inplace(res, rev)  # FRI reads bit-reversed order
        else:
            res = np.empty((N, 4), dtype=np.uint32)
            _deep_pass(g["mats"], zs, ys, omega, res, rev)
        out[L] = res
    _stacked_deep(stacked, out)
    return out


def _stacked_terms(data: ProverData, m: int, zs: list, vals: list, alpha: Ext, off: Ext,
                   stacked: dict) -> Ext:
    """Collect the DEEP terms of stacked matrix ``m`` (points ``zs``, claimed values
    ``vals``) into ``stacked`` (:func:`_stacked_deep`); returns the next α offset (each
    (matrix, point) term advances it by ``α^W``, ``W`` the stacked column count, as the
    verifier does)."""
    s = data.stack_log(m)
    w = data.widths[m]
    G = data.tree_ldes[m]
    W = G.shape[1]
    L = _log2(G.shape[0])
    apows = [Ext(tuple(int(t) for t in a)) for a in ext_powers(alpha, W)]
    aW = alpha ** W
    for (z, cols), vz in zip(zs, vals, strict=True):
        js, ct = stacked_interpolant(vz, cols, w, s, off, apows)
        coef = np.array([(off * apows[j]).coeffs for j in js], dtype=np.uint32).reshape(-1, 4)
        key = (L, s, z.coeffs)
        g = stacked.get(key)
        if g is None:  # canonical uint64 sums (_stacked_deep reduces them again)
            g = stacked[key] = [np.zeros((G.shape[0], 4), dtype=np.uint64), [Ext.ZERO] * len(ct)]
        ext_lincomb_acc(G, np.array(js, dtype=np.int64), coef, g[0])
        g[1] = [a + b for a, b in zip(g[1], ct, strict=True)]
        off = off * aW
    return off


def open_(params: StarkParams, rounds: list, transcript: Transcript,
          mask_in_rounds: bool = False):
    """See :meth:`zkvm.stark.pcs.FriPcs.open`."""
    lb = params.log_blowup
    if not isinstance(rounds, (list, tuple)) or len(rounds) == 0:
        raise ValueError("PCS open: need at least one round")
    shapes = []
    rounds = list(rounds)  # normalised below: points as (z, cols or None)
    for r, rd in enumerate(rounds):
        if len(rd) != 2:
            raise ValueError(f"PCS open: round {r} must be (ProverData, points_per_matrix)")
        data, pts = rd
        if not isinstance(data, ProverData) or data.log_blowup != lb:
            raise ValueError(f"PCS open: round {r} has no ProverData for this log_blowup")
        if len(pts) != len(data.ldes):
            raise ValueError(f"PCS open: round {r} has {len(pts)} point lists for "
                             f"{len(data.evals)} matrices")
        row, npts = [], []
        for m, zs in enumerate(pts):
            if len(zs) == 0:
                raise ValueError(f"PCS open: round {r} matrix {m} has no opening point")
            w = data.widths[m]
            st = data.stack_log(m)
            norm = []
            for z in zs:
                z, cols = z if isinstance(z, tuple) else (z, None)
                if not isinstance(z, Ext):
                    raise ValueError("PCS open: points must be Ext")
                try:
                    norm.append((z, normalize_cols(cols, w, st)))
                except ValueError as e:
                    raise ValueError(f"PCS open: round {r} matrix {m}: {e}") from None
            npts.append(norm)
            row.append((data.log_heights[m], w, [c for _, c in norm], data.extra_log_list[m],
                        st))
        shapes.append(row)
        rounds[r] = (data, npts)
    mask_root = None
    if params.zk and not mask_in_rounds:
        if params.fri_leaf_inputs:
            raise ValueError("PCS open: zk with FRI leaf inputs needs the caller's DEEP masks "
                             "(mask_in_rounds=True, zkvm.stark.zk.leaf_mask_logs)")
        mask_root, mask_data = mask_round(params, rounds)
        transcript.absorb_digest("pcs_mask_root", mask_root)
        z0 = rounds[0][1][0][0][0]
        rounds.append((mask_data, [[(z0, None)]]))
        shapes.append([(mask_data.log_heights[0], 4, [None], 0, 0)])
    transcript.absorb_bytes("pcs_shape", shape_header(shapes, [d.salted for d, _ in rounds]))

    # 1. evaluate at the points, absorb points and values, then sample alpha
    opened = []
    ct_cache: dict = {}
    for data, pts in rounds:
        per_mat = []
        for m, zs in enumerate(pts):
            per_pt = []
            try:
                full = [z for z, c in zs if c is None]  # every column: one pass
                got = iter(_eval_points(data, m, full, ct_cache) if full else [])
                all_vals = [next(got) if c is None else _eval_points(data, m, [z], ct_cache, c)[0]
                            for z, c in zs]
            except ZeroDivisionError:
                raise ValueError("PCS open: point lies in the trace domain H_n") from None
            for (z, _), vals in zip(zs, all_vals, strict=True):
                vals_e = [Ext(tuple(int(t) for t in v)) for v in vals]
                transcript.absorb_ext("pcs_point", [z])
                transcript.absorb_ext("pcs_values", vals_e)
                per_pt.append(vals_e)
            per_mat.append(per_pt)
        opened.append(per_mat)
    alpha = transcript.sample_ext("pcs_alpha")

    # 2. DEEP reduced openings per LDE height, written in bit-reversed order (FRI's)
    inputs = _deep_inputs(rounds, opened, alpha)
    L0 = max(inputs)

    # 3. FRI
    lf, final_extra = params.fri_final_shape()
    fri = commit_phase(inputs, log_blowup=lb, log_final_poly_len=lf,
                       fri_log_arity=params.fri_log_arity, num_queries=params.num_queries,
                       pow_bits=params.pow_bits, transcript=transcript, final_extra=final_extra,
                       leaf_inputs=params.fri_leaf_inputs)

    # 4. answer queries
    qps = []
    for q in fri.queries:
        inp = []
        for data, _ in rounds:
            Lr = data.tree.log_max_height
            rows, path = data.tree.open(q >> (L0 - Lr))
            inp.append(BatchOpening(rows, path))
        qps.append(QueryProof(inp, answer_query(fri, q, L0)))
    proof = OpeningProof(fri.commits, fri.final_poly, fri.pow_nonce, qps,
                         query_indices=list(fri.queries))
    if mask_root is not None:
        proof.mask_root = mask_root
        proof.mask_values = [v.coeffs for v in opened[-1][0][0]]
        opened = opened[:-1]
    return opened, proof

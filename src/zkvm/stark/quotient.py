"""Prover side: the LogUp aux trace and the quotient polynomial of each table.

Quotient
--------
For a table of height ``n`` whose constraints ``C_0..C_{K−1}`` have degree ≤ ``d``,
the combined constraint ``C(x) = Σ_i α^i C_i(x)`` (``α`` the constraint-combination
challenge) has degree ≤ ``d·(n−1)``; if every constraint holds on ``H_n`` it is divisible
by ``Z_H(x) = x^n − 1`` and ``Q = C / Z_H`` has degree < ``(d−1)·n ≤ 2^k·n``.  We evaluate
``C`` on the *quotient domain* ``D = g·H_{n·2^k}`` (``g`` = GENERATOR): it is a subset of
the PCS's LDE coset ``g·H_{n·B}`` (``2^k ≤ B`` is guaranteed by
``max_degree ≤ 2^log_blowup + 1``), so the trace values there are the LDE rows with
stride ``B / 2^k`` and nothing is recomputed.  The "next row" of point ``x`` is
``x·ω_n``, i.e. index ``i + 2^k`` of ``D``.

Selectors on ``D``: ``L_0(x) = Z_H(x) / (n(x − 1))`` (first row),
``L_{n−1}(x) = ω^{−1} Z_H(x) / (n(x − ω^{−1}))`` (last row), ``1 − L_{n−1}`` (transition):
exactly the 0/1 vectors on ``H_n`` that the checker and the aux generator use.
``Z_H`` takes only ``2^k`` distinct values on ``D`` (``x^n = g^n ω_{2^k}^i``), so its
inverse costs ``2^k`` scalar inversions.

``Q`` (extension-valued) is interpolated on ``D`` (coset iNTT), its ``2^k·n``
coefficients are cut into ``2^k`` chunks ``Q_j`` of ``n`` coefficients,
``Q(x) = Σ_j x^{jn} Q_j(x)``, and each chunk is committed as its evaluations over
``H_n`` -- 4 base columns per chunk (coefficients of 1, X, X², X³).

Evaluation: by default the constraint DAG is compiled to bytecode and interpreted over
blocks of rows of ``D`` by one generic numba kernel (:mod:`zkvm.stark.kernels`, compiled
once for every AIR).  The reference ``method="numpy"`` evaluates it with
:class:`~zkvm.stark.evaluate.NumpyAlgebra` on row-chunks of ``D`` (each node one pass over
the chunk through numba ufuncs), base constraints combined with one ``ext_lincomb`` call
per chunk, extension (LogUp) constraints with ``ext_mul``.

Zero-knowledge mode
-------------------
With ``params.zk`` the committed traces are ``f + Z_H·r`` (``n + k`` coefficients, see
:mod:`zkvm.stark.zk`): the AIR sees the same values on ``H_n`` but the quotient has up to
``C_Q = (d − 1)·n + d·(k − 1) + 1`` coefficients.  It is evaluated on the classic domain
plus a few extra LDE points (:func:`_split_domain`) -- or, for short tables, on the larger
coset ``g·H_{n·2^log_qdomain}`` (a strided subset of the LDE coset) -- and returned as
coefficients; :func:`zk_quotient_chunks` cuts it into chunks of ``c`` coefficients (the
last one longer, up to FRI's capacity) and randomises them (``Q_j' = Q_j + X^c·s_j −
s_{j−1}``, which leaves ``Σ_j X^{jc} Q_j'`` = ``Q``).
"""

from __future__ import annotations

import os

import numpy as np
from numba import njit

from zkvm.field import babybear as bb
from zkvm.field import ext as fx
from zkvm.field.babybear import GENERATOR, P
from zkvm.poly import ntt as nttmod
from zkvm.stark import symbolic as sym
from zkvm.stark.evaluate import ExtScalar, NumpyAlgebra, broadcast_base, broadcast_ext, trace_leaf
from zkvm.stark.logup import denominator_expr

CHUNK_ROWS = 1 << 15
_P64 = np.uint64(P)


class ProvingError(RuntimeError):
    """The prover cannot continue (e.g. a LogUp denominator is zero -- probability
    ≈ rows/|F_{p^4}| -- or the traces are malformed)."""


# ---------------------------------------------------------------------------------
# LogUp aux trace


def generate_aux_trace(table, main: np.ndarray, pre, public, alpha, beta,
                       method: str | None = None):
    """LogUp helper and running-sum columns of one table.

    ``method``: ``"bytecode"`` (default: the interactions compiled to bytecode and run,
    with a per-block batch inversion, by :func:`zkvm.stark.kernels.logup_aux_trace`) or
    ``"numpy"`` (node-by-node reference, below); ``$ZKVM_QUOTIENT=numpy`` selects the
    reference for both the aux trace and the quotient.  Identical outputs.

    ``main`` is the *committed* main trace (with the blinding columns of a blinded
    table, :attr:`TableInfo.committed_width`).

    Returns ``(aux_base, claimed_sum)``: ``aux_base`` is ``(n, 4·(G+1))`` uint32 (extension
    columns as 4 base columns each), ``claimed_sum`` a (4,) uint32 array (the sum over
    every row: the exclusive running sum's last row plus that row's helpers).  All rows at once: the denominators ``α − φ_k`` of all interactions
    are inverted together with one batch inversion.
    """
    method = method or os.environ.get("ZKVM_QUOTIENT") or "bytecode"
    if method not in ("bytecode", "numba", "numpy"):
        raise ValueError(f"unknown LogUp method {method!r}")
    if method != "numpy":
        from zkvm.stark.kernels import logup_aux_trace

        try:
            return logup_aux_trace(table, main, pre, public, [alpha.to_array(), beta.to_array()])
        except ZeroDivisionError:
            raise ProvingError(f"{table.name}: a LogUp denominator α − φ is zero; "
                               "resample by changing the statement") from None
    layout = table.layout
    its = table.interactions  # AIR interactions, then the zk blinding ones
    n = main.shape[0]
    alg = NumpyAlgebra()
    ch = [alpha.to_array(), beta.to_array()]
    leaf = trace_leaf(main, pre, public, challenges=ch)
    dens = [denominator_expr(it) for it in its]
    mults = [it.multiplicity for it in its]
    K = len(its)
    # Only rows with a non-zero multiplicity contribute: evaluate and invert those
    # denominators only (padding rows; the zk blinding interaction's two rows).
    # Correctness: on a row where m_k = 0 the helper constraint holds for
    # h = Σ_{l: m_l ≠ 0} s_l m_l / d_l whatever d_k is.
    ms = [broadcast_base(v, n) for v in sym.evaluate(mults, leaf, alg)]
    nzs = [np.flatnonzero(m) for m in ms]
    dense = [k for k in range(K) if 2 * len(nzs[k]) > n]
    dsel: list = [None] * K
    for k, v in zip(dense, sym.evaluate([dens[k] for k in dense], leaf, alg)):
        dsel[k] = broadcast_ext(v, n)[nzs[k]]
    for k in range(K):
        if dsel[k] is None and not len(nzs[k]):
            dsel[k] = np.zeros((0, 4), dtype=np.uint32)
        elif dsel[k] is None:  # sparse: evaluate on the contributing rows only
            rows = nzs[k]
            v = sym.evaluate([dens[k]], _rows_leaf(main, pre, public, ch, rows, n), alg)[0]
            dsel[k] = broadcast_ext(v, len(rows))
    try:
        flat = fx.ext_inv(np.concatenate(dsel).reshape(-1, 4)) if sum(map(len, nzs)) else \
            np.zeros((0, 4), dtype=np.uint32)
    except ZeroDivisionError:
        raise ProvingError(f"{table.name}: a LogUp denominator α − φ is zero; "
                           "resample by changing the statement") from None
    offs = np.cumsum([0] + [len(z) for z in nzs])
    g_count = len(layout.groups)
    aux = np.zeros((n, g_count + 1, 4), dtype=np.uint32)
    for g, idx in enumerate(layout.groups):
        acc = np.zeros((n, 4), dtype=np.uint32)
        for k in idx:
            nz = nzs[k]
            if not len(nz):
                continue
            m = ms[k][nz]
            if its[k].sign < 0:
                m = bb.neg(m)
            acc[nz] = fx.ext_add(acc[nz], fx.ext_mul_base(flat[offs[k]:offs[k + 1]], m))
        aux[:, g, :] = acc
    rowsum = aux[:, :g_count, :].astype(np.uint64).sum(axis=1) % P  # (n, 4)
    # prefix sums: values < 2^31, n <= 2^24 -> partial sums < 2^55, no overflow
    running = np.cumsum(rowsum, axis=0) % P  # inclusive; the column is exclusive
    aux[0, g_count, :] = 0
    aux[1:, g_count, :] = running[:-1].astype(np.uint32)
    claimed = running[-1].astype(np.uint32)
    return fx.ext_to_base_columns(aux), claimed


def _rows_leaf(main, pre, public, challenges, rows: np.ndarray, n: int):
    """Leaf resolver like :func:`~zkvm.stark.evaluate.trace_leaf` restricted to the trace
    rows ``rows`` (``main_next`` of row ``i`` is row ``(i + 1) mod n``), for the
    denominators of sparse interactions (no aux, no claimed sum)."""
    nxt = (rows + 1) % n

    def leaf(node):
        kind, i = node.value
        if kind == "main":
            return main[rows, i]
        if kind == "main_next":
            return main[nxt, i]
        if kind == "pre":
            return pre[rows, i]
        if kind == "pre_next":
            return pre[nxt, i]
        if kind == "public":
            return int(public[i])
        if kind == "is_first_row":
            return (rows == 0).astype(np.uint32)
        if kind == "is_last_row":
            return (rows == n - 1).astype(np.uint32)
        if kind == "is_transition":
            return (rows != n - 1).astype(np.uint32)
        if kind == "challenge":
            return ExtScalar(challenges[i])
        raise ProvingError(f"unknown leaf {kind} in a LogUp denominator")  # pragma: no cover

    return leaf


# ---------------------------------------------------------------------------------
# quotient


def selectors_on_coset(log_n: int, log_q: int):
    """``(x, z_h_inv_vals, first, last, trans)`` on ``D = g·H_{n·2^log_q}``.

    ``z_h_inv_vals``: the 2^log_q distinct values of ``1/Z_H`` (index ``i mod 2^log_q``).
    """
    n = 1 << log_n
    N = n << log_q
    w_big = bb.two_adic_generator(log_n + log_q)
    x = bb.powers(w_big, N, GENERATOR)
    gn = bb.pow_scalar(GENERATOR, n)
    w_q = bb.two_adic_generator(log_q) if log_q else 1
    zh = [(gn * bb.pow_scalar(w_q, i) - 1) % P for i in range(1 << log_q)]
    zh_inv = np.array([bb.inv_scalar(v) for v in zh], dtype=np.uint32)
    zh_full = np.tile(np.array(zh, dtype=np.uint32), n)  # index i -> zh[i mod 2^log_q]
    w_n = bb.two_adic_generator(log_n)
    w_inv = bb.inv_scalar(w_n)
    n_inv = bb.inv_scalar(n)
    inv_xm1 = bb.batch_inverse(bb.sub(x, 1))
    inv_xmw = bb.batch_inverse(bb.sub(x, w_inv))
    base = bb.mul(zh_full, n_inv)
    first = bb.mul(base, inv_xm1)
    last = bb.mul(bb.mul(base, w_inv), inv_xmw)
    trans = bb.sub(1, last)
    return x, zh_inv, first, last, trans


def compute_quotient(table, log_n: int, main_lde, pre_lde, aux_lde, log_blowup: int,
                     public, challenges, claimed_sum, alpha, method: str | None = None,
                     layout=None, split: bool = True):
    """Quotient chunks of one table as an ``(n, 4·2^k)`` matrix of evaluations over H_n.

    ``layout``: a :class:`zkvm.stark.zk.TableLayout`; when it says ``coeff_chunks`` (zk
    mode) the quotient is evaluated on ``g·H_{n·2^log_qdomain}`` and its coefficients
    ``(n·2^log_qdomain, 4)`` are returned instead (see :func:`zk_quotient_chunks`).

    ``*_lde``: the PCS LDE matrices over ``g·H_{n·B}`` (natural order) or None;
    ``challenges``: [(4,) LogUp α, (4,) β]; ``claimed_sum``: (4,) or None;
    ``alpha``: the constraint-combination challenge (Ext).  ``method``: ``"bytecode"``
    (the default: the DAG compiled to bytecode and run by one generic numba interpreter,
    :mod:`zkvm.stark.kernels`; ``"numba"`` is accepted as an alias) or ``"numpy"`` (the
    DAG evaluated node by node, the reference); ``$ZKVM_QUOTIENT`` overrides the default.
    Both give identical outputs.

    ``split`` (zk mode): when ``C_Q`` exceeds the classic domain ``n·2^log_quotient_chunks``
    by at most ``n`` and the LDE is larger than that domain, the quotient is evaluated on
    the classic domain plus ``M ≥ excess`` extra LDE points (:func:`_split_domain`)
    instead of on ``g·H_{n·2^log_qdomain}``: about half the constraint evaluations of a
    tall degree-3 table.  Same coefficients either way (``split=False`` forces the full
    domain; tests compare the two).
    """
    method = method or os.environ.get("ZKVM_QUOTIENT") or "bytecode"
    if method not in ("bytecode", "numba", "numpy"):
        raise ValueError(f"unknown quotient method {method!r}")
    coeff_out = layout is not None and layout.coeff_chunks
    if coeff_out and split and method != "numpy" and layout.quotient_coeffs:
        n = 1 << log_n
        n_std = n << table.log_quotient_chunks
        excess = layout.quotient_coeffs - n_std
        rows = main_lde.shape[0]
        if 0 < excess <= n and rows % n_std == 0 and rows > n_std:
            return _split_domain(table, log_n, main_lde, pre_lde, aux_lde, public,
                                 challenges, claimed_sum, alpha, excess)
    log_q = table.log_quotient_chunks if layout is None else layout.log_qdomain
    n = 1 << log_n
    N = n << log_q
    rows = main_lde.shape[0]
    if rows < N or rows % N:  # pragma: no cover - excluded by params validation / layout
        raise ProvingError("LDE too small for the quotient domain")
    stride = rows // N
    _, zh_inv, first, last, trans = selectors_on_coset(log_n, log_q)
    cons = table.all_constraints
    base_idx = [i for i, c in enumerate(cons) if not c.expr.is_ext]
    ext_idx = [i for i, c in enumerate(cons) if c.expr.is_ext]
    apows = fx.ext_powers(alpha.to_array(), len(cons))  # (K, 4)
    base_coeffs = np.ascontiguousarray(apows[base_idx]) if base_idx else None
    exprs = [c.expr for c in cons]
    alg = NumpyAlgebra()
    shift = 1 << log_q
    out = np.empty((N, 4), dtype=np.uint32)
    if method != "numpy":
        from zkvm.stark.kernels import evaluate_quotient

        evaluate_quotient(exprs, main_lde, pre_lde, aux_lde, public, challenges, claimed_sum,
                          apows, first, last, trans, zh_inv, shift, stride, out)
        return nttmod.coset_intt(out, GENERATOR) if coeff_out else _split_chunks(out, n, log_q)
    # numpy path: column-major views of the quotient-domain rows
    main_q = np.ascontiguousarray(main_lde[::stride].T)
    pre_q = None if pre_lde is None else np.ascontiguousarray(pre_lde[::stride].T)
    aux_q = None
    if aux_lde is not None:
        a = aux_lde[::stride]
        aux_q = np.ascontiguousarray(a.reshape(N, -1, 4).transpose(1, 0, 2))  # (k, N, 4)
    for s in range(0, N, CHUNK_ROWS):
        e = min(N, s + CHUNK_ROWS)
        m = e - s
        nxt = np.arange(s + shift, e + shift) % N if e + shift > N else None

        def col(mat, i, is_next, s=s, e=e, nxt=nxt):
            if not is_next:
                return mat[i, s:e]
            if nxt is None:
                return mat[i, s + shift:e + shift]
            return mat[i, nxt]

        def leaf(node, s=s, e=e, nxt=nxt):
            kind, i = node.value
            if kind == "main":
                return col(main_q, i, False)
            if kind == "main_next":
                return col(main_q, i, True)
            if kind == "pre":
                return col(pre_q, i, False)
            if kind == "pre_next":
                return col(pre_q, i, True)
            if kind == "aux":
                return aux_q[i, s:e]
            if kind == "aux_next":
                return aux_q[i, s + shift:e + shift] if nxt is None else aux_q[i, nxt]
            if kind == "public":
                return int(public[i])
            if kind == "challenge":
                return ExtScalar(challenges[i])
            if kind == "claimed_sum":
                return ExtScalar(claimed_sum)
            if kind == "is_first_row":
                return first[s:e]
            if kind == "is_last_row":
                return last[s:e]
            if kind == "is_transition":
                return trans[s:e]
            raise ProvingError(f"unknown leaf {kind}")  # pragma: no cover

        vals = sym.evaluate(exprs, leaf, alg)
        if base_idx:
            mat = np.empty((m, len(base_idx)), dtype=np.uint32)
            for j, ci in enumerate(base_idx):
                mat[:, j] = broadcast_base(vals[ci], m)
            acc = fx.ext_lincomb(mat, base_coeffs)
        else:
            acc = np.zeros((m, 4), dtype=np.uint32)
        for ci in ext_idx:
            acc = fx.ext_add(acc, fx.ext_mul(broadcast_ext(vals[ci], m), apows[ci]))
        # divide by Z_H: value depends on the row index mod 2^log_q
        zi = np.tile(zh_inv, m >> log_q) if m >= shift else zh_inv[np.arange(s, e) % shift]
        out[s:e] = fx.ext_mul_base(acc, zi)
    return nttmod.coset_intt(out, GENERATOR) if coeff_out else _split_chunks(out, n, log_q)


@njit(cache=True)
def _fold(coef, M, hm):
    """Residues of the column polynomials ``coef`` ``(D, w)`` modulo ``X^M − hm``:
    ``out[s] = Σ_b coef[b·M + s]·hm^b`` (``(M, w)`` uint32)."""
    D, w = coef.shape
    out = np.zeros((M, w), dtype=np.uint64)
    pw = np.uint64(1)
    for blk in range(0, D, M):
        for s in range(min(M, D - blk)):
            for c in range(w):
                out[s, c] = (out[s, c] + np.uint64(coef[blk + s, c]) * pw) % _P64
        pw = pw * np.uint64(hm) % _P64
    return out.astype(np.uint32)


def _split_domain(table, log_n, main_lde, pre_lde, aux_lde, public, challenges,
                  claimed_sum, alpha, excess):
    """Quotient coefficients from the classic domain plus ``M`` extra LDE points.

    Math: let ``N = n·2^log_quotient_chunks`` and ``D = g·H_N`` (the classic quotient
    domain: LDE rows ``0, s, 2s, …`` with ``s = N_lde / N ≥ 2``), ``V = X^N − g^N``
    (vanishes on ``D``), ``deg Q < N + excess`` with ``excess ≤ M = 2^⌈log2 excess⌉ ≤ n``.
    Write ``Q = R + V·Q_hi`` with ``deg R < N``, ``deg Q_hi < M``.

    1. ``R`` is the interpolant of ``Q`` on ``D``: evaluate the constraints there (the
       usual kernel) and coset-iNTT.
    2. ``E = h·H_M`` with ``h = g·ω_{N_lde}``: the LDE rows ``1 + i·N_lde/M``, whose
       "next" points ``x·ω_n`` are the rows ``+ N_lde/n``; both are gathered from the
       committed LDEs (no recomputation).  The constraints there give
       ``Q(x) = C(x)/Z_H(x)`` and ``Q_hi(x) = (Q(x) − R(x))/V(x)``; ``M`` values
       determine ``Q_hi`` (size-``M`` coset iNTT).

    Correctness: on ``E``, ``x^n = (g·ω_{N_lde})^n ≠ 1`` (the LDE coset misses ``H_n``)
    and ``x^N = g^N·ω_s ≠ g^N`` (``ω_s`` a primitive ``s``-th root of unity, ``s ≥ 2``),
    both constant because ``M | n``; so ``Z_H`` and ``V`` are non-zero constants there.
    For an honest prover ``Q`` is a polynomial with fewer than ``N + excess``
    coefficients and the result equals the full-domain interpolation (tested); for a
    cheating one the verifier rejects either way.
    """
    from zkvm.stark.kernels import evaluate_quotient

    n = 1 << log_n
    log_q = table.log_quotient_chunks
    N = n << log_q
    rows = main_lde.shape[0]
    log_m = max(0, (excess - 1).bit_length())
    M = 1 << log_m
    stride = rows // N
    cons = table.all_constraints
    exprs = [c.expr for c in cons]
    apows = fx.ext_powers(alpha.to_array(), len(cons))
    # 1. classic domain
    _, zh_inv, first, last, trans = selectors_on_coset(log_n, log_q)
    out = np.empty((N, 4), dtype=np.uint32)
    evaluate_quotient(exprs, main_lde, pre_lde, aux_lde, public, challenges, claimed_sum,
                      apows, first, last, trans, zh_inv, 1 << log_q, stride, out)
    R = nttmod.coset_intt(out, GENERATOR)  # (N, 4)
    # 2. extra points: rows [0, M) are x_i (LDE row 1 + i·rows/M), rows [M, 2M) x_i·ω_n
    idx = 1 + np.arange(M, dtype=np.int64) * (rows // M)
    idx = np.concatenate([idx, (idx + rows // n) % rows])
    mats = [None if m is None else np.ascontiguousarray(m[idx])
            for m in (main_lde, pre_lde, aux_lde)]
    w_lde = bb.two_adic_generator(rows.bit_length() - 1)
    h = GENERATOR * w_lde % P
    x = bb.powers(bb.two_adic_generator(log_m) if log_m else 1, M, h)
    zh = (bb.pow_scalar(h, n) - 1) % P  # Z_H(x) on E
    w_n = bb.two_adic_generator(log_n)
    w_inv = bb.inv_scalar(w_n)
    base = zh * bb.inv_scalar(n) % P
    sel_first = np.zeros(2 * M, dtype=np.uint32)
    sel_last = np.zeros(2 * M, dtype=np.uint32)
    sel_first[:M] = bb.mul(bb.batch_inverse(bb.sub(x, 1)), base)
    sel_last[:M] = bb.mul(bb.batch_inverse(bb.sub(x, w_inv)), base * w_inv % P)
    sel_trans = bb.sub(1, sel_last)
    zh_inv_e = np.full(M, bb.inv_scalar(zh), dtype=np.uint32)
    out_e = np.empty((2 * M, 4), dtype=np.uint32)
    evaluate_quotient(exprs, mats[0], mats[1], mats[2], public, challenges, claimed_sum,
                      apows, sel_first, sel_last, sel_trans, zh_inv_e, M, 1, out_e,
                      threads=1)
    r_e = nttmod.coset_eval_coeffs(_fold(np.ascontiguousarray(R), M, bb.pow_scalar(h, M)),
                                   log_m, h)
    gN = bb.pow_scalar(GENERATOR, N)
    v_inv = bb.inv_scalar((bb.pow_scalar(h, N) - gN) % P)
    q_hi = nttmod.coset_intt(fx.ext_mul_base(fx.ext_sub(out_e[:M], r_e),
                                             np.full(M, v_inv, dtype=np.uint32)), h)
    Q = np.zeros((N + M, 4), dtype=np.int64)
    Q[:N] = R
    Q[:M] = (Q[:M] - np.int64(gN) * q_hi.astype(np.int64)) % P
    Q[N:] = q_hi
    return Q.astype(np.uint32)


def zk_quotient_chunks(coeffs: np.ndarray, layout, k: int) -> np.ndarray:
    """Randomised quotient chunks (zk mode) as one ``(rows, 4·m)`` coefficient matrix.

    ``coeffs``: the quotient's coefficients ``(M, 4)`` (extension-valued, as returned by
    :func:`compute_quotient` with a zk layout); ``c = 2^layout.log_chunk``,
    ``m = layout.num_chunks``.  Chunk ``j < m − 1`` is ``Q_j' = Q_j + X^c·s_j − s_{j−1}``
    with ``Q_j`` the coefficients ``[j·c, (j+1)·c)``; the last chunk takes all remaining
    coefficients ``[(m−1)·c, M)`` (it may be longer than ``c``, up to the layout's chunk
    capacity) minus ``s_{m−2}``.  ``s_0..s_{m−2}`` are fresh random extension
    polynomials of ``k`` coefficients (``s_{−1} = 0``), so ``Σ_j X^{jc} Q_j' = Q`` and the
    verifier's identity at ζ is unchanged, while each chunk's openings are uniformly
    random (docs/zero-knowledge.md).  ``coeffs`` is first cut to ``layout.quotient_coeffs
    = C_Q`` rows (the rest is zero for an honest quotient; dropping it makes a cheating
    prover fail the identity at ζ).  ``rows = max(c + k, C_Q − (m−1)·c, k)`` (zero
    padded), at most the layout's chunk capacity, so FRI accepts every chunk."""
    from zkvm.stark.pcs_prover import random_field

    c = 1 << layout.log_chunk
    m = layout.num_chunks
    if layout.quotient_coeffs:  # beyond C_Q an honest quotient is zero: drop
        coeffs = coeffs[:layout.quotient_coeffs]
    M = coeffs.shape[0]
    tail = max(0, M - (m - 1) * c)
    rows = max(c + k if m > 1 else 0, tail, k, 1)
    out = np.zeros((rows, m, 4), dtype=np.int64)
    for j in range(m - 1):
        out[:c, j] = coeffs[j * c:(j + 1) * c]
    out[:tail, m - 1] = coeffs[(m - 1) * c:]
    for j in range(m - 1):
        s = random_field((k, 4)).astype(np.int64)
        out[c:c + k, j] = (out[c:c + k, j] + s) % P
        out[:k, j + 1] = (out[:k, j + 1] - s) % P
    return np.ascontiguousarray(out.reshape(rows, 4 * m).astype(np.uint32))


def _split_chunks(out, n, log_q):
    """Evaluations of Q on g·H_{n·2^k} → the 2^k chunk evaluations over H_n, (n, 4·2^k)."""
    coeffs = nttmod.coset_intt(out, GENERATOR)  # (N, 4) coefficients of Q (per coordinate)
    chunks = [nttmod.ntt(np.ascontiguousarray(coeffs[j * n:(j + 1) * n]))
              for j in range(1 << log_q)]
    return np.ascontiguousarray(np.concatenate(chunks, axis=1))

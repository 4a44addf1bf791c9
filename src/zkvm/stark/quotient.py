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
``C_Q = (d − 1)·n + d·(k − 1) + 1`` coefficients, so it is evaluated on a larger coset
``g·H_{n·2^log_qdomain}`` (still a strided subset of the LDE coset) and returned as
coefficients; :func:`zk_quotient_chunks` cuts it into chunks of ``c`` coefficients and
randomises them (``Q_j' = Q_j + X^c·s_j − s_{j−1}``, which leaves ``Σ_j X^{jc} Q_j'`` = ``Q``).
"""

from __future__ import annotations

import os

import numpy as np

from zkvm.field import babybear as bb
from zkvm.field import ext as fx
from zkvm.field.babybear import GENERATOR, P
from zkvm.poly import ntt as nttmod
from zkvm.stark import symbolic as sym
from zkvm.stark.evaluate import ExtScalar, NumpyAlgebra, broadcast_base, broadcast_ext, trace_leaf
from zkvm.stark.logup import denominator_expr

CHUNK_ROWS = 1 << 15


class ProvingError(RuntimeError):
    """The prover cannot continue (e.g. a LogUp denominator is zero -- probability
    ≈ rows/|F_{p^4}| -- or the traces are malformed)."""


# ---------------------------------------------------------------------------------
# LogUp aux trace


def generate_aux_trace(table, main: np.ndarray, pre, public, alpha, beta):
    """LogUp helper and running-sum columns of one table.

    Returns ``(aux_base, claimed_sum)``: ``aux_base`` is ``(n, 4·(G+1))`` uint32 (extension
    columns as 4 base columns each), ``claimed_sum`` a (4,) uint32 array (= last row of
    the running sum).  All rows at once: the denominators ``α − φ_k`` of all interactions
    are inverted together with one batch inversion.
    """
    layout = table.layout
    its = table.compiled.interactions
    n = main.shape[0]
    alg = NumpyAlgebra()
    ch = [alpha.to_array(), beta.to_array()]
    leaf = trace_leaf(main, pre, public, challenges=ch)
    dens = [denominator_expr(it) for it in its]
    mults = [it.multiplicity for it in its]
    vals = sym.evaluate(dens + mults, leaf, alg)
    den = np.stack([broadcast_ext(v, n) for v in vals[:len(its)]])  # (K, n, 4)
    try:
        inv = fx.ext_inv(den.reshape(-1, 4)).reshape(den.shape)
    except ZeroDivisionError:
        raise ProvingError(f"{table.name}: a LogUp denominator α − φ is zero; "
                           "resample by changing the statement") from None
    g_count = len(layout.groups)
    aux = np.zeros((n, g_count + 1, 4), dtype=np.uint32)
    for g, idx in enumerate(layout.groups):
        acc = np.zeros((n, 4), dtype=np.uint32)
        for k in idx:
            m = broadcast_base(vals[len(its) + k], n)
            if its[k].sign < 0:
                m = bb.neg(m)
            acc = fx.ext_add(acc, fx.ext_mul_base(inv[k], m))
        aux[:, g, :] = acc
    rowsum = aux[:, :g_count, :].astype(np.uint64).sum(axis=1) % P  # (n, 4)
    # prefix sums: values < 2^31, n <= 2^24 -> partial sums < 2^55, no overflow
    running = np.cumsum(rowsum, axis=0) % P
    aux[:, g_count, :] = running.astype(np.uint32)
    claimed = aux[-1, g_count, :].copy()
    return fx.ext_to_base_columns(aux), claimed


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
                     layout=None):
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
    """
    method = method or os.environ.get("ZKVM_QUOTIENT") or "bytecode"
    if method not in ("bytecode", "numba", "numpy"):
        raise ValueError(f"unknown quotient method {method!r}")
    coeff_out = layout is not None and layout.coeff_chunks
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


def zk_quotient_chunks(coeffs: np.ndarray, layout, k: int) -> np.ndarray:
    """Randomised quotient chunks (zk mode) as one ``(c + k, 4·m)`` coefficient matrix.

    ``coeffs``: the quotient's coefficients ``(M, 4)`` (extension-valued, as returned by
    :func:`compute_quotient` with a zk layout); ``c = 2^layout.log_chunk``,
    ``m = layout.num_chunks``.  Chunk ``j`` is ``Q_j' = Q_j + X^c·s_j − s_{j−1}`` with
    ``Q_j`` the coefficients ``[j·c, (j+1)·c)`` and fresh random extension polynomials
    ``s_0..s_{m−2}`` of ``k`` coefficients (``s_{−1} = s_{m−1} = 0``), so
    ``Σ_j X^{jc} Q_j' = Σ_j X^{jc} Q_j = Q`` and the verifier's identity at ζ is
    unchanged, while each chunk's openings are uniformly random (docs/zero-knowledge.md).
    Coefficients at index ``≥ m·c`` are dropped: they are zero for an honest quotient
    (a cheating prover's proof then fails the check at ζ)."""
    from zkvm.stark.pcs_prover import random_field

    c = 1 << layout.log_chunk
    m = layout.num_chunks
    q = np.zeros((m * c, 4), dtype=np.int64)
    take = min(m * c, coeffs.shape[0])
    q[:take] = coeffs[:take]
    out = np.zeros((c + k, m, 4), dtype=np.int64)
    out[:c] = q.reshape(m, c, 4).transpose(1, 0, 2)
    for j in range(m - 1):
        s = random_field((k, 4)).astype(np.int64)
        out[c:c + k, j] = (out[c:c + k, j] + s) % P
        out[:k, j + 1] = (out[:k, j + 1] - s) % P
    return np.ascontiguousarray(out.reshape(c + k, 4 * m).astype(np.uint32))


def _split_chunks(out, n, log_q):
    """Evaluations of Q on g·H_{n·2^k} → the 2^k chunk evaluations over H_n, (n, 4·2^k)."""
    coeffs = nttmod.coset_intt(out, GENERATOR)  # (N, 4) coefficients of Q (per coordinate)
    chunks = [nttmod.ntt(np.ascontiguousarray(coeffs[j * n:(j + 1) * n]))
              for j in range(1 << log_q)]
    return np.ascontiguousarray(np.concatenate(chunks, axis=1))

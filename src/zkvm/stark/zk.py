"""Zero-knowledge layout rules shared by the prover and the verifier.

Pure integer arithmetic on the statement (heights, constraint degrees, parameters); no
randomness and no prover code, so the verifier derives exactly the shapes the prover
used.  The protocol and the argument are in docs/zero-knowledge.md; in short:

* every committed witness polynomial (main trace, LogUp aux columns) is ``f + Z_H·r``
  with ``r`` random of ``k = params.zk_mask_len()`` coefficients: ``n + k`` coefficients;
* the quotient ``Q = C(f')/Z_H`` of the masked traces has at most
  ``C_Q = (d − 1)·n + d·(k − 1) + 1`` coefficients (``d`` the table's constraint degree);
  it is cut into ``m = ⌈C_Q / n⌉`` chunks of ``n`` coefficients, randomised by the
  "chunks summing to zero" trick (``Q_j' = Q_j + X^n s_j − s_{j−1}``), so every committed
  quotient chunk also has at most ``n + k`` coefficients;
* FRI tests every input of LDE log-size ``L`` against degree ``F·2^(L − L_f)`` with
  ``F = 2^lf + 1`` (:meth:`StarkParams.fri_final_shape`) and ``L_f = lf + log_blowup``.

The LDE of a table of height ``n`` lives on ``g·H_N`` with ``N = n·B·2^e``;
``e = lde_extra_log(params, log n)`` is the smallest value for which (a) the quotient
evaluation domain (``2^⌈log2 C_Q⌉`` points, ``C_Q`` for ``d = params.max_constraint_degree``)
fits in the LDE coset, (b) the FRI final level is reachable (``n·2^e ≥ 2^lf``), and (c) the
degree FRI tests covers the masked polynomials: ``F·2^(log n + e − lf) ≥ n + k``.  For
tall tables (``n ≥ k·2^lf``) ``e = 0``: no LDE growth.  Without zk everything is the
classic layout: ``e = 0``, ``2^log_quotient_chunks`` chunks.

``e`` depends only on ``(params, log n)``, so every commitment of a table (preprocessed,
main, aux, quotient) gets the same LDE size without the PCS knowing about tables: the
PCS applies :func:`lde_extra_log` by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.field.babybear import TWO_ADICITY

from .params import StarkParams

__all__ = ["TableLayout", "table_layout", "quotient_coeff_count", "lde_extra_log"]


@dataclass(frozen=True)
class TableLayout:
    """Committed shapes of one table of height ``2^log_n``.

    extra_log:    ``e``: the LDE has ``2^(log_n + log_blowup + e)`` rows.
    log_qdomain:  the quotient is evaluated on ``g·H_{n·2^log_qdomain}``.
    num_chunks:   number of quotient chunks (each an extension column = 4 base columns).
    log_chunk:    chunks hold ``c = 2^log_chunk`` coefficients each (``Q = Σ_j X^{j·c} Q_j``)
                  and are committed as matrices of height ``c``; ``c = n`` except for
                  short tables in zk mode, where ``c`` grows so that there are at most
                  4 chunks (a quotient of ``C_Q`` coefficients, ``c ≥ C_Q / 4``).
    coeff_chunks: True in zk mode: chunks are committed from coefficients (degree may
                  exceed n); False: chunks are evaluations over ``H_n`` (degree < n).
    """

    extra_log: int
    log_qdomain: int
    num_chunks: int
    coeff_chunks: bool
    log_chunk: int


def _ceil_log2(x: int) -> int:
    return max(0, (x - 1).bit_length())


def quotient_coeff_count(log_n: int, degree: int, k: int) -> int:
    """``C_Q = (d − 1)·n + d·(k − 1) + 1``: bound on the number of coefficients of the
    quotient of a degree-``d`` constraint system over traces of ``n + k`` coefficients
    (selectors count as degree ``n − 1``); used with ``k ≥ 1``."""
    n = 1 << log_n
    return (degree - 1) * n + degree * (k - 1) + 1


def lde_extra_log(params: StarkParams, log_n: int) -> int:
    """``e`` for a matrix of height ``2^log_n`` (0 without zk); see the module docstring.
    Raises ``ValueError`` if the LDE would exceed the two-adic domain."""
    if not params.zk:
        return 0
    lb = params.log_blowup
    n = 1 << log_n
    k = params.zk_mask_len()
    lf, extra = params.fri_final_shape()
    F = (1 << lf) + extra
    log_qd = max(0, _ceil_log2(quotient_coeff_count(log_n, params.max_constraint_degree, k))
                 - log_n)
    e = max(0, log_qd - lb, lf - log_n)          # (a) and (b)
    while F << (log_n + e - lf) < n + k:          # (c)
        e += 1
    if log_n + lb + e > TWO_ADICITY:
        raise ValueError(f"zk layout: a matrix of height 2^{log_n} needs an LDE of 2^"
                         f"{log_n + lb + e} rows, beyond the two-adic domain")
    return e


def table_layout(params: StarkParams, log_n: int, degree: int,
                 log_quotient_chunks: int) -> TableLayout:
    """The layout of a table (see the module docstring).  ``degree`` and
    ``log_quotient_chunks`` are the table's (``TableInfo.degree`` / ``.log_quotient_chunks``).
    """
    if not params.zk:
        return TableLayout(0, log_quotient_chunks, 1 << log_quotient_chunks, False, log_n)
    cq = quotient_coeff_count(log_n, degree, params.zk_mask_len())
    log_qd = max(0, _ceil_log2(cq) - log_n)
    lc = max(log_n, _ceil_log2(cq) - 2)
    return TableLayout(lde_extra_log(params, log_n), log_qd, -(-cq >> lc), True, lc)

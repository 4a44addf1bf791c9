"""Zero-knowledge layout rules shared by the prover and the verifier.

Pure integer arithmetic on the statement (heights, constraint degrees, parameters); no
randomness and no prover code, so the verifier derives exactly the shapes the prover
used.  The protocol and the argument are in docs/zero-knowledge.md; in short:

* every committed witness polynomial (main trace, LogUp aux columns) is ``f + Z_H·r``
  with ``r`` random of ``k = params.zk_mask_len()`` coefficients: ``n + k`` coefficients;
* the quotient ``Q = C(f')/Z_H`` of the masked traces has at most
  ``C_Q = (d − 1)·n + d·(k − 1) + 1`` coefficients (``d`` the table's constraint degree);
  it is cut into ``m`` chunks of ``n`` coefficients, the last one taking the remainder
  (up to FRI's capacity ``≈ n·(1 + 2^-lf)``, :func:`chunk_capacity`), randomised by the
  "chunks summing to zero" trick (``Q_j' = Q_j + X^n s_j − s_{j−1}``), so every committed
  quotient chunk has at most ``n + k`` coefficients, the last at most the capacity;
* FRI tests every input of LDE log-size ``L`` against degree ``F·2^(L − L_f)`` with
  ``F = 2^lf + 1`` (:meth:`StarkParams.fri_final_shape`) and ``L_f = lf + log_blowup``.

The LDE of a table of height ``n`` lives on ``g·H_N`` with ``N = n·B·2^e``;
``e = lde_extra_log(params, log n)`` is the smallest value for which (a) the quotient
evaluation domain (``2^⌈log2 C_Q⌉`` points, ``C_Q`` for ``d = params.max_constraint_degree``)
fits in the LDE coset, (b) the FRI final level is reachable (``n·2^e ≥ 2^lf``), (c) the
degree FRI tests covers the masked polynomials: ``F·2^(log n + e − lf) ≥ n + k``, and (d)
the LDE has at least ``2^(lf + log_blowup + fri_log_arity)`` rows (``n·2^e ≥
2^(lf + fri_log_arity)``): every input then reaches FRI at least one full folding round
above the final size, so short tables of many different heights do not cut FRI into
many small-arity rounds (each a Merkle tree and a path per query; issue 17: −15 KiB at
2^20 cycles).  For tall tables (``n ≥ k·2^lf``) ``e = 0``: no LDE growth.  Without zk everything is the
classic layout: ``e = 0``, ``2^log_quotient_chunks`` chunks.

``e`` depends only on ``(params, log n)``, so every commitment of a table (preprocessed,
main, aux, quotient) gets the same LDE size without the PCS knowing about tables: the
PCS applies :func:`lde_extra_log` by default.

Also here (statement-level, shared by both sides): the DEEP masking polynomial's shape
(:func:`mask_poly_shape`, :func:`mask_host`; it is committed in the quotient commitment)
and the LogUp claimed-sum blinding ring (:func:`blind_ring`, :func:`blind_interactions`;
docs/zero-knowledge.md, "Blinding the claimed sums").
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.field.babybear import TWO_ADICITY
from zkvm.stark import symbolic as sym
from zkvm.stark.air import Bus, Interaction

from .params import StarkParams

__all__ = ["TableLayout", "table_layout", "quotient_coeff_count", "lde_extra_log",
           "chunk_capacity", "mask_poly_shape", "mask_host", "committed_lde_logs",
           "leaf_mask_logs", "deep_mask_coeffs",
           "BLIND_BUS", "BLIND_WIDTH", "blind_ring", "proof_blind_ring", "blind_interactions"]

# ---------------------------------------------------------------------------------
# LogUp claimed-sum blinding (docs/zero-knowledge.md, "Blinding the claimed sums")

#: The engine's bus for claimed-sum blinding; reserved (an AIR may not use this id).
BLIND_BUS = Bus(id=0xFFFF, name="zk_blind", width=4)
#: Engine-owned main columns appended to a blinded table's trace (the message ``m``).
BLIND_WIDTH = 4


def blind_ring(params: StarkParams, interaction_counts: list) -> list:
    """Indices of the tables whose LogUp claimed sums are blinded, in ring order.

    ``interaction_counts[i]``: number of AIR interactions of table ``i``.  Only tables
    with interactions have a claimed sum; with fewer than two of them there is nothing
    to blind (a lone claimed sum equals minus the public interactions' sum, which the
    verifier computes itself), so the ring is empty.  Empty without zk.  A function of
    the statement only, so prover and verifier agree.
    """
    if not params.zk:
        return []
    ring = [i for i, c in enumerate(interaction_counts) if c]
    return ring if len(ring) >= 2 else []


def proof_blind_ring(system_ring: list, log_heights: list, empty_height: int) -> list:
    """The blinding ring of one proof: the system's ring (:func:`blind_ring`) without
    the tables that are empty in this proof (log height ``empty_height``), in the same
    order.  A function of the statement and the proof's heights only (prover and
    verifier agree).  A ring of one table is harmless: that table sends and receives
    its own message (net zero), its claimed sum stays its true sum, which is then the
    only claimed sum and equals minus the public interactions' sum anyway.

    Correctness (zero knowledge only): an empty table has no rows to carry blinding
    columns, so it cannot be in the ring; the ring closes over the tables present."""
    return [i for i in system_ring if log_heights[i] != empty_height]


def blind_interactions(air_width: int) -> list:
    """The engine interaction of a blinded table whose AIR has ``air_width`` main
    columns: the blind message ``m`` lives in main columns ``air_width..air_width+3`` and
    goes on the bus with multiplicity ``is_first_row − is_last_row``: the table **sends**
    row 0 (its own ``m_j``) and **receives** row ``n − 1`` (the previous ring table's
    ``m_{j−1}``).  Other rows are zero and do not interact.  One interaction (one
    denominator) instead of a send and a receive: it often fits in the AIR's last LogUp
    helper group, and costs the quotient one fingerprint per row.

    Correctness: the messages carry the reserved bus id (constant term of the
    fingerprint), so they can only cancel each other, never an AIR message; their
    multiplicities are therefore left out of the overflow bound (``max_multiplicity``
    None).  The columns are in the *main* trace, committed before α, β are drawn."""
    vals = tuple(sym.var("main", air_width + j) for j in range(BLIND_WIDTH))
    mult = sym.var("is_first_row", 0) - sym.var("is_last_row", 0)
    return [Interaction("zk.blind", BLIND_BUS, vals, mult, +1, None)]


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
    quotient_coeffs: zk mode: ``C_Q``, the coefficient count of an honest quotient (the
                  prover drops any coefficient beyond it); 0 without zk.
    """

    extra_log: int
    log_qdomain: int
    num_chunks: int
    coeff_chunks: bool
    log_chunk: int
    quotient_coeffs: int = 0


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
    e = max(0, log_qd - lb, lf + params.fri_log_arity - log_n)  # (a), (b) and (d)
    while F << (log_n + e - lf) < n + k:          # (c)
        e += 1
    if log_n + lb + e > TWO_ADICITY:
        raise ValueError(f"zk layout: a matrix of height 2^{log_n} needs an LDE of 2^"
                         f"{log_n + lb + e} rows, beyond the two-adic domain")
    return e


def chunk_capacity(params: StarkParams, log_chunk: int) -> int:
    """Largest coefficient count FRI accepts for a quotient chunk committed as a matrix of
    height ``2^log_chunk``: ``F·2^(log_chunk + e − lf)`` with ``e = lde_extra_log(params,
    log_chunk)`` (zk mode only)."""
    lf, extra = params.fri_final_shape()
    e = lde_extra_log(params, log_chunk)
    return ((1 << lf) + extra) << (log_chunk + e - lf)


def table_layout(params: StarkParams, log_n: int, degree: int,
                 log_quotient_chunks: int) -> TableLayout:
    """The layout of a table (see the module docstring).  ``degree`` and
    ``log_quotient_chunks`` are the table's (``TableInfo.degree`` / ``.log_quotient_chunks``).

    zk chunk count: chunks ``0..m−2`` hold ``c`` coefficients of ``Q`` (plus ``k`` mask
    coefficients, within FRI's capacity by condition (c)); the last chunk holds the
    remaining ``C_Q − (m−1)·c`` coefficients, which may exceed ``c`` up to the chunk
    capacity :func:`chunk_capacity` (``≈ c·(1 + 2^-lf)``).  So ``m`` is the smallest
    count with ``C_Q − (m−1)·c ≤ capacity``: for tall degree-3 tables ``m = 2`` (as
    without zk) although ``C_Q = 2n + 3(k − 1) + 1 > 2n``.
    """
    if not params.zk:
        return TableLayout(0, log_quotient_chunks, 1 << log_quotient_chunks, False, log_n)
    cq = quotient_coeff_count(log_n, degree, params.zk_mask_len())
    log_qd = max(0, _ceil_log2(cq) - log_n)
    lc = max(log_n, _ceil_log2(cq) - 2)
    c = 1 << lc
    cap = chunk_capacity(params, lc)
    m = 1 + max(0, -(-(cq - cap) // c))
    return TableLayout(lde_extra_log(params, log_n), log_qd, m, True, lc, cq)


def mask_poly_shape(params: StarkParams, log_heights: list, layouts: list) -> tuple[int, int]:
    """``(log_height, D)`` of the DEEP/FRI masking polynomial ``R`` of a STARK proof (zk).

    ``R`` is one extension column with ``D = F·2^(L0 − lb − lf)`` random coefficients,
    FRI's degree bound for the largest LDE ``2^L0`` among all committed matrices (traces
    of height ``2^log_h`` with ``e = layout.extra_log``, quotient chunks of height
    ``2^log_chunk``), as a matrix of height ``2^(L0 − lb)`` with no extra LDE growth.
    The STARK prover commits it inside the quotient commitment (:func:`mask_host`): one
    tree and one Merkle path per query less than a separate mask round."""
    logs = _table_lde_logs(params, log_heights, layouts)
    L0 = max(logs)
    return L0 - params.log_blowup, deep_mask_coeffs(params, L0, logs)


def _table_lde_logs(params: StarkParams, log_heights: list, layouts: list,
                    stack_logs: list | None = None) -> list:
    """Per non-empty table, the LDE log-sizes of its trace (``log n + lb + e + s``; the
    aux trace has the main trace's) and of its quotient chunks (``log_chunk + lb +
    e(log_chunk) + s``), flattened; ``s = 0`` without ``stack_logs``."""
    lb = params.log_blowup
    out = []
    for i, (h, lay) in enumerate(zip(log_heights, layouts, strict=True)):
        st = 0 if stack_logs is None else stack_logs[i]
        out.append(h + lb + lay.extra_log + st)
        out.append(lay.log_chunk + lb + lde_extra_log(params, lay.log_chunk) + st)
    return out


def mask_host(params: StarkParams, log_heights: list, layouts: list) -> int | None:
    """The table whose quotient-chunk matrix also carries the DEEP masking polynomial
    ``R`` as 4 extra trailing columns: the first table whose chunk LDE is the largest
    committed LDE ``2^L0`` (then ``R``'s ``D = F·2^(L0 − lb − lf)`` coefficients are exactly
    that matrix's FRI capacity).  One matrix instead of two of the same height saves the
    Merkle tree's concatenation of them (a copy of both) and a transform call.  ``None``
    (zk off, or no chunk matrix at ``L0``): ``R`` is a separate last matrix."""
    if not params.zk:
        return None
    log_r, _ = mask_poly_shape(params, log_heights, layouts)
    for i, lay in enumerate(layouts):
        if lay.log_chunk + lde_extra_log(params, lay.log_chunk) == log_r:
            return i
    return None


def committed_lde_logs(params: StarkParams, pre_log_heights: list, log_heights: list,
                       layouts: list, stack_logs: list) -> set:
    """The LDE log-sizes of the matrices a STARK proof commits before any DEEP mask:
    preprocessed traces (never stacked), main and aux traces (``log n + lb + e + s``)
    and quotient chunks (``log_chunk + lb + e(log_chunk) + s``) of the non-empty tables
    (``log_heights``/``layouts``/``stack_logs`` in the same order).  These are FRI's input
    sizes (the masks add none: ``R`` lives at the largest, each leaf mask at its own)."""
    if len(stack_logs) != len(log_heights):
        raise ValueError("committed_lde_logs: one stacking factor per table")
    lb = params.log_blowup
    out = {h + lb + lde_extra_log(params, h) for h in pre_log_heights}
    return out | set(_table_lde_logs(params, log_heights, layouts, stack_logs))


def leaf_mask_logs(params: StarkParams, sizes) -> list:
    """zk with ``params.fri_leaf_inputs``: the LDE log-sizes whose DEEP input FRI
    commits in a round's leaves (:func:`zkvm.stark.fri.fri_rounds`), in decreasing
    order; empty otherwise.  ``sizes``: :func:`committed_lde_logs`.

    Correctness (zero knowledge): a leaf word ``RO_L`` is opened at ``2^(L − h)``
    positions per query (``h`` the round's output size), not at the one the verifier
    recomputes, and unlike a classic FRI layer it is not added to the (uniform, masked
    by ``R``) folded word: so each such size gets its own random masking polynomial
    ``R_L`` (:func:`deep_mask_coeffs` coefficients, one extension column in the quotient
    commitment, opened at ζ), whose DEEP quotient makes ``RO_L`` a uniformly random
    polynomial of FRI's degree bound at ``L`` (docs/zero-knowledge.md, "FRI leaf
    inputs")."""
    if not (params.zk and params.fri_leaf_inputs):
        return []
    from .fri import fri_rounds

    lf, _ = params.fri_final_shape()
    rounds, _ = fri_rounds(sorted(sizes), params.log_blowup, lf, params.fri_log_arity, True)
    return [L for _, inner in rounds for L in inner]


def deep_mask_coeffs(params: StarkParams, log_lde: int, sizes) -> int:
    """Coefficients of a DEEP mask (``R`` at ``L0``, :func:`mask_poly_shape`; a leaf mask
    ``R_L``; the PCS's own mask round) at LDE log-size ``log_lde``: FRI's degree bound
    there, ``F·2^(L − lb − l)`` with ``F = 2^l + extra`` the final polynomial's length for
    these input ``sizes`` (``l = min(lf, min(sizes) − lb)``)."""
    lb = params.log_blowup
    lf, extra = params.fri_final_shape()
    lf = min(lf, min(sizes) - lb)
    return ((1 << lf) + extra) << (log_lde - lb - lf)

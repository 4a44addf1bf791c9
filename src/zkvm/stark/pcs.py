"""Two-adic FRI polynomial commitment scheme (prover side; the shape of Plonky3's ``Pcs``).

Usage (prover)::

    pcs = FriPcs(params)
    root, data = pcs.commit([trace_evals])          # (n, w) uint32 over H_n, natural order
    transcript.absorb_digest("main_commit", root)
    lde = pcs.lde(data, 0)                          # (n·B, w) over g·H_{nB}, natural order
    ...
    zeta = transcript.sample_ext("zeta")
    opened, proof = pcs.open([(data, [[zeta, zeta * omega_n]])], transcript)
    # opened[r][m][k] = list[Ext], one per column of matrix m of round r at point k

Usage (verifier, see :mod:`zkvm.stark.pcs_verifier`, which does not import this module)::

    verify([(root, [(log_n, width, [(zeta, opened[0][0][0]), (zeta*omega_n, opened[0][0][1])])])],
           proof, transcript)

Commitment
----------
Each committed matrix ``m`` is ``(n_m, w_m)`` uint32 — column ``c`` holds the values of a
polynomial ``f_{m,c}`` of degree < n_m on ``H_{n_m} = <ω_{n_m}>`` (row ``i`` ↔ ``ω^i``).
``commit`` computes the low-degree extension over the coset ``D_m = g·H_{n_m·B}``
(``g = GENERATOR = 31``, ``B = 2^log_blowup``) with :func:`zkvm.poly.ntt.coset_lde` and
commits **all LDE matrices of the call in one mixed-height Merkle tree**
(:class:`zkvm.merkle.MerkleTree`).

*Row order in the tree:* leaf/row position ``j`` of an LDE matrix of size ``N = 2^L``
holds the LDE row at natural index ``bitrev_L(j)``, i.e. the point
``g·ω_N^{bitrev_L(j)}``.  With this order the two points ``±x`` folded together by FRI
sit at positions ``2i, 2i+1`` (the ``2^a`` points ``x·ζ_{2^a}^t`` folded by an arity-2^a
round at positions ``2^a·i + t``), and a FRI query index ``q`` of the largest domain maps
to position ``q >> (L_max − L)`` of a smaller one -- exactly the mixed-matrix opening
rule.  ``lde()`` still returns natural order (the tree reads rows through the
permutation; no second copy is stored).

Extension-valued columns are committed as 4 base columns each (``ext_to_base_columns``);
the PCS only ever sees base matrices.

Opening (``open``)
------------------
1. Evaluate every requested column at every requested point ``z`` (barycentric formula
   on ``H_n``), absorb all points and values into the transcript ("pcs_openings"), *then*
   sample the batching challenge ``α`` (checklist 18: values absorbed before α).  A point
   may open a subset ``C_{m,z}`` of the matrix's columns (the STARK opens at ``ζ·ω``
   only the columns a constraint reads at the next row); the shape header absorbed
   first names every subset.
2. For every LDE height ``N`` form the DEEP reduced opening, over the coset ``g·H_N``::

       RO_N(x) = Σ_{(m, z)}  α^{off(m,z)} · Σ_{c ∈ C_{m,z}} α^c · (f_{m,c}(x) − f_{m,c}(z)) / (x − z)

   where ``c`` is the column's index in the matrix and ``off`` advances by ``α^{w_m}``
   after every (matrix, point) pair, in the order rounds → matrices → points, so every
   opened (column, point) gets its own power of α. If every claimed
   value is right, ``RO_N`` is a polynomial of degree < N/B; a wrong claim leaves a pole,
   making ``RO_N`` far from low degree except with probability ~(#terms)/|F_{p^4}|.
3. Run FRI (:mod:`zkvm.stark.fri`) on the family ``{RO_N}``: start at the largest N,
   fold, and *roll in* ``RO_N`` at the round whose folded domain has size ``N``, with
   coefficient ``β^{arity}`` (after ``Σ_r β^r f_r``), so a high-degree part of one input
   cannot cancel another's (checklist 21; Plonky3 GHSA-f69f-5fx9-w9r9).
4. Stop when the folded polynomial has ``2^l`` coefficients (``l =
   min(log_final_poly_len, min log n_m)``), absorb them (length-prefixed) and check
   their number exactly on the verifier side; grind ``pow_bits`` of PoW (absorbed); only
   then sample the ``num_queries`` query indices (checklist 21/23).
5. For each query index answer with a Merkle opening of every input commitment and of
   every FRI layer.

Zero-knowledge (hiding) mode
----------------------------
Used when ``params.zk`` (see docs/zero-knowledge.md for the argument):

* ``commit(evals, hiding=True)`` replaces every column polynomial ``f`` (degree < n) by
  ``f + Z_H·r``, ``Z_H = X^n − 1``, ``r`` fresh random with ``params.zk_mask_len()``
  coefficients (same values on ``H_n``, so the AIR sees the same trace), and *salts* every
  leaf: the first matrix of the largest LDE gets ``SALT_WIDTH`` trailing columns of
  pseudorandom values (a SHA-256 PRF of the row index under a fresh secret key,
  :func:`zkvm.merkle.tree.salt_words`; computed when hashed or opened, never stored), so
  sibling digests in authentication paths reveal nothing about unopened rows.  The
  salt values of a leaf are opened with its row (the verifier strips them).
  ``commit_coeffs`` commits polynomials given by their coefficients (the randomised
  quotient chunks, whose degree exceeds n), optionally salted.
* ``extra_log`` (per matrix, default 0) enlarges a matrix's LDE to ``n·B·2^e`` rows: the
  masked polynomials of short tables have ``n + k > n`` coefficients and need room.
  The verifier receives ``e`` in the statement (4th entry of a matrix description).
* ``open`` commits, in an extra round, a random polynomial ``R`` (one extension column)
  with as many coefficients as FRI's degree bound for the largest input, absorbs its
  root, opens it at the first opening point and includes it in the α-batch like any
  other matrix.  The DEEP quotient of ``R`` is uniform, so every FRI layer word is a
  uniformly random low-degree polynomial apart from the values the verifier computes
  itself from the (masked) input openings.
* FRI's final polynomial has ``2^lf + 1`` coefficients (``params.fri_final_shape()``),
  which fixes the tested degree of a top input at ``(1 + 2^-lf)·N/B``.

Non-hiding commitments (``hiding=False``, the default; the preprocessed commitment
always) are exactly the classic ones.

Stacking
--------
A matrix committed with ``stack_log`` ``s > 0`` (``k = 2^s``) puts in the tree, instead of
its ``w`` columns ``f_c`` of height ``n``, the ``W = ⌈w/k⌉`` *stacked* columns

    ``g_j(X) = Σ_{t<k} X^t · f_{jk+t}(X^k)``   (``f_c = 0`` for ``c ≥ w``),

polynomials of degree ``< k·n`` (``k·(n + k_zk)`` masked) with an LDE of ``k·N`` rows on
``g·H_{kN}``: coefficient ``i·k + t`` of ``g_j`` is coefficient ``i`` of ``f_{jk+t}``.  A
query opens ``W`` values of it instead of ``w``.  The claimed values stay those of the
original columns, ``f_c(z)``; a point opens whole groups ``[jk, jk + k)``.  Since
``g_j(X) ≡ I_j(X) := Σ_t X^t f_{jk+t}(z)  mod (X^k − z)``, the DEEP term of the matrix at
``z`` is

    ``α^off · (Σ_{j∈J} α^j g_j(x) − Σ_{j∈J} α^j I_j(x)) / (x^k − z)``

(``J``: the opened groups; ``off`` advances by ``α^W``), a polynomial exactly when every
claimed ``f_c(z)`` of the opened groups is right: ``g_j − I_j`` vanishes on the roots of
``X^k − z`` iff the remainder of ``g_j`` mod ``X^k − z``, which is ``Σ_t X^t f_{jk+t}(z)``
computed in ``F_{p^4}[X]``, equals ``I_j`` (no ``k``-th root of ``z`` needs to exist).
The verifier evaluates ``Σ_j α^j I_j`` at a query by Horner (``k`` terms) and ``x^k`` by
``s`` squarings.  The prover keeps the stacked LDE (``tree_ldes``) and the columns'
coefficients (``ProverData.coeffs``, a quarter of an LDE at blowup 4: the evaluations at
``z`` read them); the columns' own LDE, which the quotient reads, is made when asked for
(:meth:`FriPcs.lde`) and not kept (memory: 0.4 GiB at a real program's 2^20-cycle
segment).  A point
``z`` must not be a ``k``-th power of an LDE point (``x^k − z ≠ 0``).
"""

from __future__ import annotations


import numpy as np

from zkvm.field.ext import Ext
from zkvm.merkle import MerkleTree

from .params import StarkParams
from .pcs_types import SALT_WIDTH, BatchOpening, OpeningProof, ProverData, QueryProof
from .transcript import Transcript

__all__ = ["FriPcs", "ProverData", "OpeningProof", "QueryProof", "BatchOpening"]


class FriPcs:
    """The FRI PCS for one parameter set (see module docstring for the protocol)."""

    def __init__(self, params: StarkParams):
        self.params = params

    # ------------------------------------------------------------------ commit
    def commit(self, evals: list, hiding: bool = False,
               extra_log: list | None = None,
               stack_log: list | None = None) -> tuple[bytes, ProverData]:
        """Commit to a list of ``(n_m, w_m)`` uint32 matrices of evaluations over
        ``H_{n_m}`` (natural order; n_m powers of two ≥ 1, w_m ≥ 1, canonical entries).

        ``hiding``: mask every column with ``Z_H·r`` (fresh OS randomness) and salt the
        leaves (see "Zero-knowledge"); requires ``params.zk``.  ``extra_log``: per matrix
        ``e_m ≥ 0``, the LDE has ``n_m·B·2^e_m`` rows (default all 0).  ``stack_log``: per
        matrix ``s_m`` (default all 0): commit it stacked (see "Stacking").

        Returns ``(root, data)``; ``root`` is the 32-byte Merkle root of the LDEs.
        Raises ``ValueError`` on a malformed input matrix (prover bug).
        """
        from .pcs_prover import commit as _commit

        return _commit(self.params, evals, hiding=hiding, extra_log=extra_log,
                       stack_log=stack_log)

    def commit_coeffs(self, coeffs: list, log_heights: list, extra_log: list | None = None,
                      salt: bool = False,
                      stack_log: list | None = None) -> tuple[bytes, ProverData]:
        """Commit to polynomials given by coefficients: ``coeffs[m]`` is ``(D_m, w_m)``
        uint32 (row i = coefficient of X^i), described to the verifier as a matrix of
        height ``2^log_heights[m]`` with LDE ``2^(log_heights[m] + log_blowup +
        extra_log[m])`` rows (``D_m`` must not exceed it).  ``salt`` adds the salt
        matrix.  Used for the zk quotient chunks (already randomised by the caller)."""
        from .pcs_prover import commit_coeffs as _cc

        return _cc(self.params, coeffs, log_heights, extra_log=extra_log, salt=salt,
                   stack_log=stack_log)

    def lde(self, data: ProverData, i: int) -> np.ndarray:
        """The LDE of matrix ``i`` over ``g·H_{N_i}`` (``N_i = n_i·B·2^e_i``) in
        **natural** order (row ``j`` ↔ point ``GENERATOR·ω_{N_i}^j``), shape ``(N_i, w_i)``
        uint32.  The returned array is the committed one: do not modify it.  For a stacked
        matrix it is its columns' own LDE, computed on each call from the kept coefficients
        (the tree holds the stacked one, ``data.tree_ldes[i]``, see "Stacking")."""
        from .pcs_prover import column_lde

        return column_lde(data, i)

    # ------------------------------------------------------------------ open
    def open(self, rounds: list, transcript: Transcript,
             mask_in_rounds: bool = False) -> tuple[list, OpeningProof]:
        """Open committed matrices at out-of-domain points.

        ``rounds = [(ProverData, points_per_matrix)]`` where ``points_per_matrix[m]`` is a
        non-empty list of the opening points of matrix ``m`` of that commitment (exactly
        one list per committed matrix): an :class:`Ext` point opens every column, a pair
        ``(point, cols)`` only the columns ``cols`` (strictly increasing indices < width).
        Points must lie outside every LDE coset (they do with overwhelming probability
        for sampled ζ).

        Returns ``(opened_values, proof)`` with ``opened_values[r][m][k]`` a list of
        :class:`Ext` (one per opened column, in column order) = the column polynomials at
        point ``k``.

        Transcript effects (mirrored exactly by ``verify``): absorbs the points and the
        opened values, samples α, runs the FRI commit phase (layer roots absorbed, β
        sampled per round), absorbs the final polynomial, grinds PoW, samples the
        queries.

        zk: the DEEP/FRI batch needs a random masking polynomial ``R``.  By default the
        PCS commits it itself (a separate tree, ``proof.mask_root``); with
        ``mask_in_rounds=True`` the caller has already committed it as a matrix of one
        of ``rounds`` (opened at a point like any other matrix; the STARK prover puts it
        in the quotient commitment, :func:`zkvm.stark.zk.mask_poly_shape`), and the proof
        has no separate mask.
        """
        from .pcs_prover import open_ as _open

        return _open(self.params, rounds, transcript, mask_in_rounds=mask_in_rounds)

    # ------------------------------------------------------------------ verify
    def verify(self, rounds: list, proof: OpeningProof, transcript: Transcript,
               mask_in_rounds: bool = False) -> None:
        """Verify an opening proof; see :func:`zkvm.stark.pcs_verifier.verify`.

        ``rounds = [(root, [(log_height, width, [(point, claimed_values[, cols])])])]``
        with ``log_height = log2 n_m`` (the trace height, *not* the LDE height) and
        ``claimed_values`` a list of ``width`` :class:`Ext` (or, with ``cols``, one per
        column of ``cols``: strictly increasing column indices).  Optional extensions: a
        matrix description may have a 4th entry ``e_m`` (LDE ``n_m·B·2^e_m`` rows) and a
        round a 3rd entry ``salted`` (bool: the commitment has a salt matrix).  Raises a subclass of
        :class:`~zkvm.stark.errors.VerificationError` naming the failing check.
        """
        from .pcs_verifier import verify as _verify

        _verify(self.params, rounds, proof, transcript, mask_in_rounds=mask_in_rounds)

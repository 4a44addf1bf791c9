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
   sample the batching challenge ``α`` (checklist 18: values absorbed before α).
2. For every LDE height ``N`` form the DEEP reduced opening, over the coset ``g·H_N``::

       RO_N(x) = Σ_{(m, z)}  α^{off(m,z)} · Σ_c α^c · (f_{m,c}(x) − f_{m,c}(z)) / (x − z)

   where ``off`` advances by ``α^{w_m}`` after every (matrix, point) pair, in the order
   rounds → matrices → points, so every term gets its own power of α. If every claimed
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

Zero-knowledge hook
-------------------
This PCS is not hiding.  The planned extension point is the batch in step 2: a hiding
variant commits, in an extra round, a random masking matrix (random polynomials of the
LDE's max degree, or randomised trace extensions with extra random rows before the LDE)
and includes it in the α-batch like any other opened matrix, and salts Merkle leaves.
Nothing in the reduced-opening / FRI code assumes the inputs are non-random, so adding
such a round needs no protocol change here beyond committing it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkvm.field.ext import Ext
from zkvm.merkle import MerkleTree

from .params import StarkParams
from .pcs_types import BatchOpening, OpeningProof, QueryProof
from .transcript import Transcript

__all__ = ["FriPcs", "ProverData", "OpeningProof", "QueryProof", "BatchOpening"]


@dataclass
class ProverData:
    """Prover-side state of one ``commit`` call.

    evals:      the committed matrices as given, ``(n_m, w_m)`` over ``H_{n_m}``.
    ldes:       their coset LDEs ``(n_m·B, w_m)`` over ``g·H_{n_m·B}``, natural order.
    tree:       the mixed-height Merkle tree over ``ldes`` (bit-reversed row order).
    log_blowup: ``log2 B`` used.
    """

    evals: list
    ldes: list
    tree: MerkleTree
    log_blowup: int

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def log_heights(self) -> list[int]:
        """``log2 n_m`` of each committed matrix (trace heights, not LDE heights)."""
        return [int(e.shape[0]).bit_length() - 1 for e in self.evals]

    @property
    def widths(self) -> list[int]:
        return [int(e.shape[1]) for e in self.evals]


class FriPcs:
    """The FRI PCS for one parameter set (see module docstring for the protocol)."""

    def __init__(self, params: StarkParams):
        self.params = params

    # ------------------------------------------------------------------ commit
    def commit(self, evals: list) -> tuple[bytes, ProverData]:
        """Commit to a list of ``(n_m, w_m)`` uint32 matrices of evaluations over
        ``H_{n_m}`` (natural order; n_m powers of two ≥ 1, w_m ≥ 1, canonical entries).

        Returns ``(root, data)``; ``root`` is the 32-byte Merkle root of the LDEs.
        Raises ``ValueError`` on a malformed input matrix (prover bug).
        """
        from .pcs_prover import commit as _commit

        return _commit(self.params, evals)

    def lde(self, data: ProverData, i: int) -> np.ndarray:
        """The LDE of matrix ``i`` over ``g·H_{n_i·B}`` in **natural** order
        (row ``j`` ↔ point ``GENERATOR·ω_{n_i·B}^j``), shape ``(n_i·B, w_i)`` uint32.
        The returned array is the committed one: do not modify it."""
        return data.ldes[i]

    # ------------------------------------------------------------------ open
    def open(self, rounds: list, transcript: Transcript) -> tuple[list, OpeningProof]:
        """Open committed matrices at out-of-domain points.

        ``rounds = [(ProverData, points_per_matrix)]`` where ``points_per_matrix[m]`` is a
        list of :class:`Ext` points for matrix ``m`` of that commitment (may be empty;
        must have exactly one entry per committed matrix).  Points must lie outside
        every LDE coset (they do with overwhelming probability for sampled ζ).

        Returns ``(opened_values, proof)`` with ``opened_values[r][m][k]`` a list of
        :class:`Ext` (one per column) = the column polynomials at point ``k``.

        Transcript effects (mirrored exactly by ``verify``): absorbs the points and the
        opened values, samples α, runs the FRI commit phase (layer roots absorbed, β
        sampled per round), absorbs the final polynomial, grinds PoW, samples the
        queries.
        """
        from .pcs_prover import open_ as _open

        return _open(self.params, rounds, transcript)

    # ------------------------------------------------------------------ verify
    def verify(self, rounds: list, proof: OpeningProof, transcript: Transcript) -> None:
        """Verify an opening proof; see :func:`zkvm.stark.pcs_verifier.verify`.

        ``rounds = [(root, [(log_height, width, [(point, claimed_values)])])]`` with
        ``log_height = log2 n_m`` (the trace height, *not* the LDE height) and
        ``claimed_values`` a list of ``width`` :class:`Ext`.  Raises a subclass of
        :class:`~zkvm.stark.errors.VerificationError` naming the failing check.
        """
        from .pcs_verifier import verify as _verify

        _verify(self.params, rounds, proof, transcript)

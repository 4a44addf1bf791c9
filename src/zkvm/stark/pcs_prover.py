"""FRI PCS prover: ``commit`` and ``open`` (see :mod:`zkvm.stark.pcs` for the protocol).

Hot loops are numba/numpy: the LDE (:func:`zkvm.poly.ntt.coset_lde`), the Merkle tree,
the α-combination of columns (``ext_lincomb``), the batch inversions of ``x − z``, the
barycentric evaluations and the FRI folds.  Python loops only run over matrices, points,
rounds and queries.
"""

from __future__ import annotations

import struct

import numpy as np

from zkvm.field.babybear import GENERATOR, P, TWO_ADICITY, powers, two_adic_generator
from zkvm.field.ext import Ext, ext_inv, ext_lincomb, ext_mul, ext_powers, ext_sub
from zkvm.hash.sha256 import bitrev_permutation
from zkvm.merkle import MerkleTree
from zkvm.poly.ntt import barycentric_eval, coset_lde

from .fri_prover import _axpy_ext_kernel, answer_query, commit_phase
from .params import StarkParams
from .pcs import ProverData
from .pcs_types import BatchOpening, OpeningProof, QueryProof
from .transcript import Transcript

__all__ = ["commit", "open_", "shape_header"]


def _log2(n: int) -> int:
    if n <= 0 or n & (n - 1):
        raise ValueError(f"PCS: height {n} is not a power of two")
    return n.bit_length() - 1


def commit(params: StarkParams, evals: list) -> tuple[bytes, ProverData]:
    """See :meth:`zkvm.stark.pcs.FriPcs.commit`."""
    if not isinstance(evals, (list, tuple)) or len(evals) == 0:
        raise ValueError("PCS commit: need a non-empty list of matrices")
    mats, ldes = [], []
    for i, e in enumerate(evals):
        a = np.asarray(e)
        if a.ndim != 2 or a.dtype != np.uint32 or a.shape[1] < 1:
            raise ValueError(f"PCS commit: matrix {i} must be 2-D uint32 with ≥ 1 column, "
                             f"got {a.dtype} {a.shape}")
        log_n = _log2(a.shape[0])
        if log_n + params.log_blowup > TWO_ADICITY:
            raise ValueError(f"PCS commit: matrix {i} too tall for the two-adic domain")
        if a.size and int(a.max()) >= P:
            raise ValueError(f"PCS commit: matrix {i} has non-canonical entries")
        mats.append(a)
        ldes.append(coset_lde(a, params.log_blowup, GENERATOR))
    tree = MerkleTree(ldes, bit_reversed_rows=True)
    return tree.root, ProverData(mats, ldes, tree, params.log_blowup)


def shape_header(shapes: list) -> bytes:
    """Canonical bytes of the opening shape ``[[(log_n, width, num_points)]]`` per round,
    absorbed before any point/value so the encoding of what follows is unambiguous."""
    out = [len(shapes)]
    for mats in shapes:
        out.append(len(mats))
        for (log_n, w, k) in mats:
            out.extend((log_n, w, k))
    return struct.pack(f"<{len(out)}I", *out)


def open_(params: StarkParams, rounds: list, transcript: Transcript):
    """See :meth:`zkvm.stark.pcs.FriPcs.open`."""
    lb = params.log_blowup
    if not isinstance(rounds, (list, tuple)) or len(rounds) == 0:
        raise ValueError("PCS open: need at least one round")
    shapes = []
    for r, rd in enumerate(rounds):
        if len(rd) != 2:
            raise ValueError(f"PCS open: round {r} must be (ProverData, points_per_matrix)")
        data, pts = rd
        if not isinstance(data, ProverData) or data.log_blowup != lb:
            raise ValueError(f"PCS open: round {r} has no ProverData for this log_blowup")
        if len(pts) != len(data.evals):
            raise ValueError(f"PCS open: round {r} has {len(pts)} point lists for "
                             f"{len(data.evals)} matrices")
        row = []
        for m, zs in enumerate(pts):
            if len(zs) == 0:
                raise ValueError(f"PCS open: round {r} matrix {m} has no opening point")
            for z in zs:
                if not isinstance(z, Ext):
                    raise ValueError("PCS open: points must be Ext")
            row.append((data.log_heights[m], data.widths[m], len(zs)))
        shapes.append(row)
    transcript.absorb_bytes("pcs_shape", shape_header(shapes))

    # 1. evaluate at the points, absorb points and values, then sample alpha
    opened = []
    for data, pts in rounds:
        per_mat = []
        for m, zs in enumerate(pts):
            per_pt = []
            for z in zs:
                try:
                    vals = barycentric_eval(data.evals[m], z)
                except ZeroDivisionError:
                    raise ValueError("PCS open: point lies in the trace domain H_n") from None
                vals_e = [Ext(tuple(int(t) for t in v)) for v in vals]
                transcript.absorb_ext("pcs_point", [z])
                transcript.absorb_ext("pcs_values", vals_e)
                per_pt.append(vals_e)
            per_mat.append(per_pt)
        opened.append(per_mat)
    alpha = transcript.sample_ext("pcs_alpha")

    # 2. DEEP reduced openings per LDE height (natural order)
    ro: dict[int, np.ndarray] = {}
    dinv_cache: dict[tuple, np.ndarray] = {}
    xs_cache: dict[int, np.ndarray] = {}
    off = Ext.ONE
    for r, (data, pts) in enumerate(rounds):
        for m, zs in enumerate(pts):
            lde = data.ldes[m]
            N = lde.shape[0]
            L = _log2(N)
            w = lde.shape[1]
            apows = ext_powers(alpha, w)  # (w, 4): α^0..α^(w-1)
            comb = ext_lincomb(lde, apows)  # (N, 4): Σ_c α^c f_c(x)
            alpha_list = [Ext(tuple(int(t) for t in a)) for a in apows]
            acc = ro.setdefault(L, np.zeros((N, 4), dtype=np.uint32))
            if L not in xs_cache:
                xs_cache[L] = powers(two_adic_generator(L), N, GENERATOR)
            for k, z in enumerate(zs):
                key = (L, z.coeffs)
                if key not in dinv_cache:
                    den = np.zeros((N, 4), dtype=np.uint32)
                    den[:, 0] = (xs_cache[L].astype(np.int64) - z.coeffs[0]) % P
                    den[:, 1:] = [(-c) % P for c in z.coeffs[1:]]
                    try:
                        dinv_cache[key] = ext_inv(den)
                    except ZeroDivisionError:
                        raise ValueError("PCS open: point lies in the LDE coset") from None
                ys = Ext.ZERO
                for a_c, y in zip(alpha_list, opened[r][m][k], strict=True):
                    ys = ys + a_c * y
                term = ext_mul(ext_sub(comb, ys.to_array()), dinv_cache[key])
                _axpy_ext_kernel(acc, off.to_array(), term)
                off = off * (alpha ** w)
    inputs = {L: np.ascontiguousarray(v[bitrev_permutation(L)]) for L, v in ro.items()}
    L0 = max(inputs)

    # 3. FRI
    fri = commit_phase(inputs, log_blowup=lb, log_final_poly_len=params.log_final_poly_len,
                       fri_log_arity=params.fri_log_arity, num_queries=params.num_queries,
                       pow_bits=params.pow_bits, transcript=transcript)

    # 4. answer queries
    qps = []
    for q in fri.queries:
        inp = []
        for data, _ in rounds:
            Lr = data.tree.log_max_height
            rows, path = data.tree.open(q >> (L0 - Lr))
            inp.append(BatchOpening(rows, path))
        qps.append(QueryProof(inp, answer_query(fri, q, L0)))
    proof = OpeningProof(fri.commits, fri.final_poly, fri.pow_nonce, qps)
    return opened, proof

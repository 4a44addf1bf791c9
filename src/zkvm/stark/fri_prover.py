"""FRI prover: vectorised folding (numba) and the commit / query phases.

See :mod:`zkvm.stark.fri` for the protocol, the bit-reversed layout and the roll-in
rule; this module produces exactly what :func:`zkvm.stark.fri.verify_fri` checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from zkvm.field.babybear import GENERATOR, P, inv_scalar, powers, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.hash.sha256 import bitrev_permutation
from zkvm.merkle import MerkleTree
from zkvm.poly.ntt import coset_intt

from .fri import fri_rounds, leaf_offsets
from .pcs_types import BatchOpening
from .transcript import Transcript

__all__ = ["fold_vector", "fold_vector_naive", "FriProverData", "commit_phase", "answer_query"]

_P64 = np.uint64(P)
_W64 = np.uint64(11)


@njit(cache=True, inline="always")
def _emul(a0, a1, a2, a3, b0, b1, b2, b3):
    """Product in F_p[X]/(X^4 − 11) of uint64 canonical coefficients."""
    p = _P64
    c0 = (a0 * b0) % p + _W64 * (((a1 * b3) % p + (a2 * b2) % p + (a3 * b1) % p) % p)
    c1 = (a0 * b1) % p + (a1 * b0) % p + _W64 * (((a2 * b3) % p + (a3 * b2) % p) % p)
    c2 = (a0 * b2) % p + (a1 * b1) % p + (a2 * b0) % p + _W64 * ((a3 * b3) % p)
    c3 = (a0 * b3) % p + (a1 * b2) % p + (a2 * b1) % p + (a3 * b0) % p
    return c0 % p, c1 % p, c2 % p, c3 % p


@njit(cache=True, parallel=True)
def _fold_kernel(v, beta, inv_2x, inv2):
    """out[i] = (v[2i] + v[2i+1])·inv2 + β·(v[2i] − v[2i+1])·inv_2x[i]."""
    half = v.shape[0] // 2
    out = np.empty((half, 4), dtype=np.uint32)
    p = _P64
    b0 = np.uint64(beta[0])
    b1 = np.uint64(beta[1])
    b2 = np.uint64(beta[2])
    b3 = np.uint64(beta[3])
    h = np.uint64(inv2)
    for i in prange(half):
        t = np.uint64(inv_2x[i])
        d0 = (np.uint64(v[2 * i, 0]) + p - np.uint64(v[2 * i + 1, 0])) % p * t % p
        d1 = (np.uint64(v[2 * i, 1]) + p - np.uint64(v[2 * i + 1, 1])) % p * t % p
        d2 = (np.uint64(v[2 * i, 2]) + p - np.uint64(v[2 * i + 1, 2])) % p * t % p
        d3 = (np.uint64(v[2 * i, 3]) + p - np.uint64(v[2 * i + 1, 3])) % p * t % p
        e0, e1, e2, e3 = _emul(d0, d1, d2, d3, b0, b1, b2, b3)
        out[i, 0] = ((np.uint64(v[2 * i, 0]) + np.uint64(v[2 * i + 1, 0])) % p * h + e0) % p
        out[i, 1] = ((np.uint64(v[2 * i, 1]) + np.uint64(v[2 * i + 1, 1])) % p * h + e1) % p
        out[i, 2] = ((np.uint64(v[2 * i, 2]) + np.uint64(v[2 * i + 1, 2])) % p * h + e2) % p
        out[i, 3] = ((np.uint64(v[2 * i, 3]) + np.uint64(v[2 * i + 1, 3])) % p * h + e3) % p
    return out


@njit(cache=True, parallel=True)
def _axpy_ext_kernel(acc, c, x):
    """acc[i] += c·x[i] (extension scalar c, extension vectors), in place."""
    p = _P64
    c0 = np.uint64(c[0])
    c1 = np.uint64(c[1])
    c2 = np.uint64(c[2])
    c3 = np.uint64(c[3])
    for i in prange(acc.shape[0]):
        e0, e1, e2, e3 = _emul(np.uint64(x[i, 0]), np.uint64(x[i, 1]), np.uint64(x[i, 2]),
                               np.uint64(x[i, 3]), c0, c1, c2, c3)
        acc[i, 0] = (np.uint64(acc[i, 0]) + e0) % p
        acc[i, 1] = (np.uint64(acc[i, 1]) + e1) % p
        acc[i, 2] = (np.uint64(acc[i, 2]) + e2) % p
        acc[i, 3] = (np.uint64(acc[i, 3]) + e3) % p


def _inv_2x_bitrev(log_size: int, shift: int) -> np.ndarray:
    """``1/(2·x_i)`` for the even positions ``2i`` of a bit-reversed vector over
    ``shift·H_{2^log_size}``: ``x_i = shift·ω^{bitrev_{log_size−1}(i)}``."""
    half = 1 << (log_size - 1)
    w_inv = inv_scalar(two_adic_generator(log_size))
    pw = powers(w_inv, half, inv_scalar(2 * shift % P))  # (2s)^-1·ω^-i, natural i
    return pw[bitrev_permutation(log_size - 1)]


def fold_vector(v: np.ndarray, beta: Ext, log_size: int, shift: int) -> np.ndarray:
    """One binary fold of a bit-reversed ``(2^log_size, 4)`` vector over ``shift·H``;
    returns the ``(2^(log_size−1), 4)`` folded vector over ``shift²·H``."""
    if v.shape != (1 << log_size, 4):
        raise ValueError(f"fold_vector: shape {v.shape} does not match log_size {log_size}")
    return _fold_kernel(np.ascontiguousarray(v), beta.to_array(), _inv_2x_bitrev(log_size, shift),
                        inv_scalar(2))


def fold_vector_naive(v: np.ndarray, beta: Ext, log_size: int, shift: int) -> np.ndarray:
    """Reference (pure Python, for tests): fold via f_e/f_o per pair."""
    from .fri import domain_point

    half = 1 << (log_size - 1)
    out = []
    for i in range(half):
        x = domain_point(log_size, 2 * i, shift)
        a = Ext(tuple(int(t) for t in v[2 * i]))
        b = Ext(tuple(int(t) for t in v[2 * i + 1]))
        fe = (a + b) / 2
        fo = (a - b) / (2 * x)
        out.append((fe + beta * fo).coeffs)
    return np.array(out, dtype=np.uint32).reshape(half, 4)


def _fold_by(v: np.ndarray, beta: Ext, log_size: int, shift: int, log_arity: int):
    """``log_arity`` binary folds of ``v`` (over ``shift·H_{2^log_size}``) with β, β²,
    β⁴, …: returns the folded vector and its domain's shift (``shift^(2^log_arity)``)."""
    b = beta
    for _ in range(log_arity):
        v = fold_vector(v, b, log_size, shift)
        log_size -= 1
        shift = shift * shift % P
        b = b * b
    return v, shift


@dataclass
class FriProverData:
    """Prover state after the commit phase (needed to answer queries)."""

    log_arities: list
    trees: list            # MerkleTree per round (leaf i = 2^a values, 4·2^a u32)
    commits: list          # roots
    final_poly: list       # 4-tuples
    pow_nonce: int
    queries: list          # sampled indices (L0 bits)


def commit_phase(inputs: dict, *, log_blowup: int, log_final_poly_len: int, fri_log_arity: int,
                 num_queries: int, pow_bits: int, transcript: Transcript,
                 strict: bool = True, final_extra: int = 0,
                 leaf_inputs: bool = False) -> FriProverData:
    """Run the FRI commit phase on ``inputs = {L: (2^L, 4) uint32 bit-reversed vector}``,
    then PoW and query sampling (see :mod:`zkvm.stark.fri`).

    The final polynomial has ``2^log_final_len + final_extra`` coefficients (zk mode
    uses ``final_extra = 1``, see :meth:`zkvm.stark.params.StarkParams.fri_final_shape`).

    Raises ``ValueError`` if the folded result is not of low degree (which means the
    inputs were not low-degree: a prover bug, e.g. a wrong opened value).  Tests that
    simulate a cheating prover pass ``strict=False``: the high coefficients are then
    silently dropped (and the verifier must catch the lie).

    ``leaf_inputs``: full-arity rounds, an input whose size falls inside a round committed
    in that round's leaves (:func:`zkvm.stark.fri.fri_rounds`).
    """
    sizes = sorted(inputs, reverse=True)
    rounds, log_final_len = fri_rounds(sizes, log_blowup, log_final_poly_len, fri_log_arity,
                                       leaf_inputs)
    arities = [a for a, _ in rounds]
    L0 = sizes[0]
    cur = L0
    shift = GENERATOR
    v = np.ascontiguousarray(inputs[L0], dtype=np.uint32)
    trees, commits = [], []
    for a, inner in rounds:
        k = 1 << a
        words = [np.ascontiguousarray(inputs[L], dtype=np.uint32) for L in inner]
        tree = MerkleTree([v.reshape(-1, 4 * k)] +
                          [w.reshape(-1, 4 << (L - cur + a)) for w, L in zip(words, inner)])
        trees.append(tree)
        commits.append(tree.root)
        transcript.absorb_digest("fri_commit", tree.root)
        beta = transcript.sample_ext("fri_beta")
        offs, off_end = leaf_offsets(a, inner, cur)
        # a leaf input: folded by its own arity 2^(L − cur + a) over s_L·H
        folded = [_fold_by(w, beta, L, pow(GENERATOR, 1 << (L0 - L), P), L - cur + a)[0]
                  for w, L in zip(words, inner)]
        words = None
        # every round folds at least once (a ≥ 1), so v is a fresh array, not the
        # committed one: the roll-ins below may add into it in place
        v, shift = _fold_by(v, beta, cur, shift, a)
        cur -= a
        for w, off in zip(folded, offs):
            _axpy_ext_kernel(v, (beta ** off).to_array(), w)
        if cur in inputs:
            _axpy_ext_kernel(v, (beta ** off_end).to_array(),
                             np.ascontiguousarray(inputs[cur], dtype=np.uint32))
    # final polynomial: interpolate the last vector over shift·H_{2^cur}
    nat = v[bitrev_permutation(cur)]
    coeffs = coset_intt(nat, shift)  # (2^cur, 4): ext coefficient-wise (linear)
    n_final = (1 << log_final_len) + final_extra
    if n_final > coeffs.shape[0]:
        raise ValueError("FRI: final polynomial longer than its domain")
    if strict and np.any(coeffs[n_final:]):
        raise ValueError("FRI: folded polynomial is not of low degree (inconsistent openings?)")
    final_poly = [tuple(int(t) for t in row) for row in coeffs[:n_final]]
    transcript.absorb_ext("fri_final_poly", [Ext(c) for c in final_poly])
    nonce = transcript.grind(pow_bits)
    queries = [transcript.sample_index(L0, "fri_query") for _ in range(num_queries)]
    return FriProverData(arities, trees, commits, final_poly, nonce, queries)


def answer_query(data: FriProverData, q: int, log_max: int) -> list:
    """The FRI layer openings (one :class:`BatchOpening` per round) for query ``q``."""
    out = []
    pos = q
    for a, tree in zip(data.log_arities, data.trees, strict=True):
        rows, path = tree.open(pos >> a)
        out.append(BatchOpening(rows, path))
        pos >>= a
    return out

"""FRI: folding kernels vs reference, schedule, completeness and soundness checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.field.babybear import GENERATOR, P
from zkvm.field.ext import Ext
from zkvm.hash.sha256 import bitrev_permutation
from zkvm.poly.ntt import coset_ntt
from zkvm.stark.errors import FriError, MerkleError, PowError, ShapeError
from zkvm.stark.fri import fold_row, fri_rounds, fri_schedule, leaf_offsets, verify_fri
from zkvm.stark.fri_prover import answer_query, commit_phase, fold_vector, fold_vector_naive
from zkvm.stark.transcript import Transcript

LB = 2


def low_degree(rng, log_size, log_blowup=LB, shift=GENERATOR):
    """Bit-reversed evaluations over shift·H_{2^log_size} of a random extension
    polynomial of degree < 2^(log_size − log_blowup)."""
    d = 1 << (log_size - log_blowup)
    coeffs = rng.integers(0, P, (d, 4), dtype=np.uint32)
    ev = coset_ntt(coeffs, shift, log_blowup)
    return np.ascontiguousarray(ev[bitrev_permutation(log_size)])


def rand_vec(rng, log_size):
    return rng.integers(0, P, (1 << log_size, 4), dtype=np.uint32)


def prove_verify(inputs, *, arity=1, lfp=0, nq=8, pow_bits=2, strict=True, tamper=None,
                 leaf=False, claimed=None):
    """Commit, answer and verify; ``claimed`` (default ``inputs``): what the verifier
    computes as the DEEP inputs at the queries (a cheating prover commits ``inputs``)."""
    kw = dict(log_blowup=LB, log_final_poly_len=lfp, fri_log_arity=arity, num_queries=nq,
              pow_bits=pow_bits, leaf_inputs=leaf)
    claimed = inputs if claimed is None else claimed
    tp = Transcript(b"fri-test")
    data = commit_phase(inputs, transcript=tp, strict=strict, **kw)
    L0 = max(inputs)
    openings = [answer_query(data, q, L0) for q in data.queries]
    commits, final_poly, nonce = list(data.commits), list(data.final_poly), data.pow_nonce
    if tamper:
        commits, final_poly, nonce, openings = tamper(commits, final_poly, nonce, openings)

    def query_inputs(qi, q):
        return {L: Ext(tuple(int(t) for t in v[q >> (L0 - L)])) for L, v in claimed.items()}

    tv = Transcript(b"fri-test")
    verify_fri(input_log_sizes=list(inputs), fri_commits=commits, final_poly=final_poly,
               pow_nonce=nonce, transcript=tv, query_inputs=query_inputs,
               fri_openings=openings, **kw)
    assert tv.state == tp.state


def test_fold_fast_vs_naive():
    rng = np.random.default_rng(1)
    beta = Ext(5, 6, 7, 8)
    for L in (1, 2, 5, 8):
        v = rand_vec(rng, L)
        for shift in (GENERATOR, GENERATOR**4 % P):
            assert (fold_vector(v, beta, L, shift) == fold_vector_naive(v, beta, L, shift)).all()


def test_fold_row_matches_vector_fold():
    rng = np.random.default_rng(2)
    beta = Ext(1, 2, 3, 4)
    L = 6
    v = rand_vec(rng, L)
    for a in (1, 2, 3):
        f, s, b = v, GENERATOR, beta
        for i in range(a):
            f = fold_vector(f, b, L - i, s)
            s = s * s % P
            b = b * b
        k = 1 << a
        for row in range(0, 1 << (L - a), 3):
            vals = [Ext(tuple(int(t) for t in v[k * row + j])) for j in range(k)]
            assert fold_row(vals, row, L, GENERATOR, beta, a) == Ext(tuple(int(t) for t in f[row]))


def test_fold_preserves_low_degree():
    rng = np.random.default_rng(3)
    v = low_degree(rng, 7)
    f = fold_vector(v, Ext(9, 8, 7, 6), 7, GENERATOR)
    # folded vector is over g^2·H_64, degree < 16: re-evaluating from 16 coefficients matches
    from zkvm.poly.ntt import coset_intt
    nat = f[bitrev_permutation(6)]
    c = coset_intt(nat, GENERATOR**2 % P)
    assert not c[16:].any()


def test_schedule():
    assert fri_schedule([10], 2, 0, 1) == ([1] * 8, 0)
    assert fri_schedule([10], 2, 3, 1) == ([1] * 5, 3)
    assert fri_schedule([10], 2, 0, 3) == ([3, 3, 2], 0)
    # every input size is hit exactly, even with a large arity
    arities, _ = fri_schedule([10, 9, 5], 2, 0, 3)
    sizes, cur = [], 10
    for a in arities:
        cur -= a
        sizes.append(cur)
    assert 9 in sizes and 5 in sizes and cur == 2
    # final length shrinks to fit the smallest input
    assert fri_schedule([10, 3], 2, 4, 1)[1] == 1


@pytest.mark.parametrize("arity", [1, 2, 3])
@pytest.mark.parametrize("lfp", [0, 2])
def test_accepts_low_degree(arity, lfp):
    rng = np.random.default_rng(arity * 10 + lfp)
    inputs = {9: low_degree(rng, 9), 8: low_degree(rng, 8), 5: low_degree(rng, 5)}
    prove_verify(inputs, arity=arity, lfp=lfp)


def test_single_input_no_rounds():
    rng = np.random.default_rng(4)
    prove_verify({3: low_degree(rng, 3)}, lfp=1)


def test_honest_prover_refuses_high_degree():
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError):
        prove_verify({8: rand_vec(rng, 8)})


@pytest.mark.parametrize("arity", [1, 2])
def test_rejects_random_function(arity):
    rng = np.random.default_rng(6)
    with pytest.raises(FriError):
        prove_verify({8: rand_vec(rng, 8)}, arity=arity, strict=False)


def test_rejects_random_small_input():
    rng = np.random.default_rng(7)
    with pytest.raises(FriError):
        prove_verify({9: low_degree(rng, 9), 7: rand_vec(rng, 7)}, strict=False)


def test_rejects_cancelling_rollin():
    """Checklist 21: f = p(X) + H(X²) with H of too high degree, and the smaller input
    g = −H.  With roll-in coefficient 1 the first fold would give p_e + βp_o + H − H,
    low degree, and the attack would pass.  With coefficient β² it must fail."""
    with pytest.raises(FriError):
        prove_verify(_cancelling_inputs(np.random.default_rng(8), 8), strict=False, nq=16)


def _cancelling_inputs(rng, L0):
    """``{L0: p + H(X²), L0 − 1: −H}``: ``p`` of low degree, ``H`` a random function on
    the size-2^(L0−1) folded domain g²·H (i.e. high degree); in bit-reversed order
    ``H(x²)`` for positions 2i, 2i+1 equals ``H_vec[i]``."""
    p_vec = low_degree(rng, L0)
    h_vec = rand_vec(rng, L0 - 1)
    f = (p_vec.astype(np.int64) + np.repeat(h_vec, 2, axis=0)) % P
    g = (-h_vec.astype(np.int64)) % P
    return {L0: f.astype(np.uint32), L0 - 1: g.astype(np.uint32)}


def _tamper_layer_value(c, fp, n, ops):
    ops[0][1].rows[0][0] = (ops[0][1].rows[0][0] + 1) % P
    return c, fp, n, ops


def test_rejects_tampered_layer_value():
    rng = np.random.default_rng(9)
    with pytest.raises(MerkleError):
        prove_verify({8: low_degree(rng, 8)}, tamper=_tamper_layer_value)


def test_rejects_tampered_final_poly_and_lengths():
    rng = np.random.default_rng(10)
    inputs = {8: low_degree(rng, 8)}

    def bump(c, fp, n, ops):
        fp[0] = ((fp[0][0] + 1) % P,) + tuple(fp[0][1:])
        return c, fp, n, ops

    with pytest.raises((FriError, PowError, MerkleError)):
        prove_verify(inputs, lfp=2, tamper=bump)
    with pytest.raises(FriError):
        prove_verify(inputs, lfp=2, tamper=lambda c, fp, n, o: (c, fp + [(0, 0, 0, 0)], n, o))
    with pytest.raises(FriError):
        prove_verify(inputs, lfp=2, tamper=lambda c, fp, n, o: (c, fp[:-1], n, o))
    with pytest.raises(ShapeError):
        prove_verify(inputs, tamper=lambda c, fp, n, o: (c[:-1], fp, n, o))
    with pytest.raises(ShapeError):
        prove_verify(inputs, tamper=lambda c, fp, n, o: (c, fp, n, o[:-1]))
    with pytest.raises(ShapeError):
        prove_verify(inputs, tamper=lambda c, fp, n, o: (c, fp, n, [x[:-1] for x in o]))


def test_rejects_bad_pow_nonce():
    rng = np.random.default_rng(11)
    inputs = {8: low_degree(rng, 8)}
    with pytest.raises(PowError):
        prove_verify(inputs, pow_bits=12, tamper=lambda c, fp, n, o: (c, fp, n + 1, o))


# ---------------------------------------------------------------------------- leaf inputs
def test_leaf_rounds_schedule():
    """Full-arity rounds; inputs inside a round are its leaf words (the 2^20-cycle
    walker's input sizes); the classic schedule cuts a round at every input size."""
    sizes = [21, 20, 19, 18, 16, 12]
    assert fri_rounds(sizes, 2, 7, 3, True) == ([(3, (20, 19)), (3, (16,)), (3, ()), (3, ())], 7)
    assert fri_schedule(sizes, 2, 7, 3) == ([1, 1, 1, 2, 3, 1, 3], 7)
    assert fri_schedule(sizes, 2, 7, 3, leaf_inputs=True) == ([3, 3, 3, 3], 7)
    # arity 2 (log 1): no size lies strictly inside a round, same as the classic schedule
    assert fri_rounds(sizes, 2, 0, 1, True)[0] == [(1, ())] * 19
    # the last round is cut at the final size; powers of β: 8 for the folded word, then
    # 4 and 2 for the leaf words, the round's output-size input after them
    assert fri_rounds([12, 11], 2, 7, 3, True) == ([(3, (11,))], 7)
    assert leaf_offsets(3, (20, 19), 21) == ([8, 12], 14)
    assert leaf_offsets(3, (), 21) == ([], 8)


@pytest.mark.parametrize("lfp", [0, 2])
def test_leaf_inputs_accept_low_degree(lfp):
    rng = np.random.default_rng(20 + lfp)
    inputs = {L: low_degree(rng, L) for L in (12, 11, 10, 9, 7, 4)}
    prove_verify(inputs, arity=3, lfp=lfp, leaf=True)


def test_leaf_inputs_reject_high_degree_leaf_word():
    """A leaf word that is not of low degree (random) is caught by the folding."""
    rng = np.random.default_rng(30)
    inputs = {12: low_degree(rng, 12), 11: rand_vec(rng, 11), 9: low_degree(rng, 9)}
    with pytest.raises(FriError):
        prove_verify(inputs, arity=3, leaf=True, strict=False, nq=16)


def test_leaf_inputs_reject_committed_word_not_the_deep_value():
    """The prover commits a low-degree leaf word that is not RO_L (the verifier's DEEP
    value at the query): the spot check at the query's position names the leaf input."""
    rng = np.random.default_rng(31)
    inputs = {12: low_degree(rng, 12), 11: low_degree(rng, 11), 9: low_degree(rng, 9)}
    claimed = dict(inputs)
    claimed[11] = low_degree(rng, 11)
    with pytest.raises(FriError, match="leaf input of size 2\\^11"):
        prove_verify(inputs, arity=3, leaf=True, claimed=claimed)


def test_leaf_inputs_reject_cancelling_word():
    """Checklist 21 for leaf words: f = p + H(X²) with H of high degree and the leaf word
    g = −H at the next size.  Added to the folded word after its first binary fold with
    coefficient 1 (and folded on with β², β⁴ like it), g would cancel H's components
    exactly; with powers of its own (β^8, β^9, … : :func:`leaf_offsets`) it cannot."""
    with pytest.raises(FriError):
        prove_verify(_cancelling_inputs(np.random.default_rng(32), 9), arity=3, leaf=True,
                     strict=False, nq=16)


def test_leaf_inputs_reject_wrong_shape():
    rng = np.random.default_rng(33)
    inputs = {12: low_degree(rng, 12), 11: low_degree(rng, 11)}

    def drop_word(c, fp, n, ops):
        for q in ops:
            q[0].rows.pop()
        return c, fp, n, ops

    with pytest.raises(ShapeError):
        prove_verify(inputs, arity=3, leaf=True, tamper=drop_word)
    # a classic verifier (no leaf inputs) refuses a leaf-input proof and vice versa
    with pytest.raises((ShapeError, FriError, MerkleError)):
        prove_verify(inputs, arity=3, leaf=True,
                     tamper=lambda c, fp, n, o: (c + [c[0]], fp, n, o))


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(4, 11), min_size=1, max_size=6), st.integers(1, 3),
       st.integers(0, 2), st.booleans(), st.integers(0, 2**32 - 1))
def test_any_sizes_schedule_and_proof(sizes, arity, lfp, leaf, seed):
    """Any family of input sizes, arity, final length, with or without leaf inputs: the
    rounds fold exactly down to the final size, every input size is the top, a leaf
    word or a round boundary (exactly once), and an honest proof verifies."""
    rounds, lfl = fri_rounds(sizes, LB, lfp, arity, leaf)
    L0, lf = max(sizes), lfl + LB
    assert sum(a for a, _ in rounds) == L0 - lf
    seen, cur = [L0], L0
    for a, inner in rounds:
        assert 1 <= a <= arity and (leaf or not inner)
        assert all(cur - a < s < cur for s in inner)
        seen += list(inner)
        cur -= a
        if cur in sizes:
            seen.append(cur)
    assert sorted(seen) == sorted(sizes)
    rng = np.random.default_rng(seed)
    prove_verify({L: low_degree(rng, L) for L in sizes}, arity=arity, lfp=lfp, leaf=leaf, nq=4)

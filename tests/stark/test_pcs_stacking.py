"""Stacked commitments (``StarkParams.log_stack``, :mod:`zkvm.stark.pcs` "Stacking"):
round trips in both modes, the values are those of the original columns, and a wrong
claimed value, a tampered stacked row or a statement with another stacking factor is
rejected."""

import copy
import dataclasses
import functools

import numpy as np
import pytest

from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.poly.ntt import evaluate_poly, intt
from zkvm.stark.errors import FriError, MerkleError, ShapeError, VerificationError
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import FriPcs
from zkvm.stark.pcs_verifier import normalize_cols
from zkvm.stark.transcript import Transcript
from zkvm.stark.zk import lde_extra_log


def params(zk=False, **kw):
    return StarkParams(**{**dict(log_blowup=2, num_queries=8, pow_bits=2, fri_log_arity=2,
                                 log_final_poly_len=0, is_testing=True, zk=zk, log_stack=3),
                          **kw})


def setup(p, n=16, w=11, s=2, seed=0):
    """A stacked (n, w) matrix (factor 2^s, opened at z and at z·ω on group 1) beside an
    unstacked taller one."""
    rng = np.random.default_rng(seed)
    A = rng.integers(0, P, (n, w), dtype=np.uint32)
    B = rng.integers(0, P, (n << s, 3), dtype=np.uint32)
    pcs = FriPcs(p)
    root, data = pcs.commit([A, B], hiding=p.zk, stack_log=[s, 0])
    t = Transcript(b"stack-test")
    t.absorb_digest("c", root)
    z = t.sample_ext("zeta")
    k = 1 << s
    grp = tuple(range(k, min(w, 2 * k))) if w > k else None
    zn = z * Ext.from_base(two_adic_generator(n.bit_length() - 1))
    pts_a = [z] + ([(zn, grp)] if grp else [])
    opened, proof = pcs.open([(data, [pts_a, [z]])], t)
    ln = n.bit_length() - 1
    e = lde_extra_log(p, ln)
    ops = [(z, opened[0][0][0])] + ([(zn, opened[0][0][1], grp)] if grp else [])
    rounds = [(root, [(ln, w, ops, e, s), (ln + s, 3, [(z, opened[0][1][0])])], p.zk)]
    return dict(pcs=pcs, A=A, z=z, zn=zn, grp=grp, opened=opened, proof=proof, rounds=rounds,
                state=t.state, p=p, data=data)


def verify(st, rounds=None, proof=None):
    t = Transcript(b"stack-test")
    t.absorb_digest("c", st["rounds"][0][0])
    t.sample_ext("zeta")
    st["pcs"].verify(rounds if rounds is not None else st["rounds"],
                     proof if proof is not None else st["proof"], t)
    return t


@pytest.mark.parametrize("zk", [False, True])
@pytest.mark.parametrize("n,w,s", [(16, 11, 2), (8, 3, 3), (4, 1, 1), (32, 8, 3), (2, 5, 2)])
def test_round_trip(zk, n, w, s):
    st = setup(params(zk), n, w, s, seed=n + w + s)
    assert verify(st).state == st["state"]
    from zkvm.stark.pcs_types import SALT_WIDTH

    row = st["proof"].query_proofs[0].input_openings[0].rows[0]
    salt = SALT_WIDTH if st["data"].salt_matrix == 0 else 0
    assert len(row) - salt == -(-w // (1 << s))  # a query opens one value per group


@pytest.mark.parametrize("zk", [False, True])
def test_stacked_matrix_keeps_coefficients_not_its_column_lde(zk):
    """Memory: a stacked matrix's data holds its stacked LDE and its (masked) coefficients,
    not its columns' LDE; ``FriPcs.lde`` makes that LDE on demand, equal to the columns'
    LDE an unstacked commitment keeps (same polynomials: same mask ⇒ same values)."""
    from zkvm.poly.ntt import coset_eval_coeffs, coset_lde
    from zkvm.field.babybear import GENERATOR

    p = params(zk)
    st = setup(p, 16, 11, 2)
    data = st["data"]
    assert data.ldes[0] is None and data.tree_ldes[0] is not None
    c = data.coeffs[0]
    assert c.shape == (16 + (p.zk_mask_len() if zk else 0), 11)
    assert data.ldes[1] is not None and data.coeffs[1] is None and data.widths == [11, 3]
    lde = st["pcs"].lde(data, 0)
    log_N = 4 + p.log_blowup + lde_extra_log(p, 4)
    assert lde.shape == (1 << log_N, 11)
    assert (lde == coset_eval_coeffs(c, log_N, GENERATOR)).all()
    if not zk:  # the same values as the LDE of the evaluations
        assert (lde == coset_lde(st["A"], p.log_blowup + lde_extra_log(p, 4), GENERATOR)).all()
    else:  # the masked polynomial agrees with the trace on H_n
        big = (c.shape[0] - 1).bit_length()
        assert (coset_eval_coeffs(c, big, 1)[::1 << (big - 4)] == st["A"]).all()


def test_values_are_the_original_columns():
    st = setup(params(False), 16, 11, 2)
    coeffs = intt(st["A"])
    for c in range(11):
        assert evaluate_poly(coeffs[:, c], st["z"]) == st["opened"][0][0][0][c]
    for c, v in zip(st["grp"], st["opened"][0][0][1], strict=True):
        assert evaluate_poly(coeffs[:, c], st["zn"]) == v


@pytest.mark.parametrize("zk", [False, True])
@pytest.mark.parametrize("col", [0, 5, 10])
def test_cheating_prover_wrong_stacked_value_rejected(monkeypatch, zk, col):
    """A prover that lies about one claimed value of a stacked matrix and runs the rest of
    the protocol consistently is caught: the DEEP term (g − I)/(x^k − z) has a pole."""
    import zkvm.stark.pcs_prover as pp
    from zkvm.poly.ntt import coeff_eval_many as real

    calls = {"n": 0}

    def lying(coeffs, points, cols=None):  # a stacked matrix is evaluated from its coefficients
        out = real(coeffs, points, cols)
        if calls["n"] == 0:  # the stacked matrix's evaluation at z (first call)
            out[0] = out[0].copy()
            out[0][col, 1] = (int(out[0][col, 1]) + 1) % P
        calls["n"] += 1
        return out

    monkeypatch.setattr(pp, "coeff_eval_many", lying)
    monkeypatch.setattr(pp, "commit_phase", functools.partial(pp.commit_phase, strict=False))
    st = setup(params(zk, num_queries=10), 16, 11, 2, seed=3)
    assert calls["n"] >= 1
    with pytest.raises(FriError):
        verify(st)


@pytest.mark.parametrize("delta_at", [(0, 3), (1, 1)])
def test_rejects_a_changed_claimed_value(delta_at):
    st = setup(params(), 16, 11, 2)
    rounds = copy.deepcopy(st["rounds"])
    k, c = delta_at
    z, vals = rounds[0][1][0][2][k][:2]
    vals = list(vals)
    vals[c] = vals[c] + Ext(1)
    rounds[0][1][0][2][k] = (z, vals) + tuple(rounds[0][1][0][2][k][2:])
    with pytest.raises(VerificationError):
        verify(st, rounds=rounds)


def test_rejects_a_tampered_stacked_row():
    st = setup(params(), 16, 11, 2)
    proof = copy.deepcopy(st["proof"])
    row = proof.query_proofs[2].input_openings[0].rows[0]
    row[1] = (row[1] + 1) % P
    with pytest.raises((MerkleError, FriError)):
        verify(st, proof=proof)


@pytest.mark.parametrize("s2", [0, 1, 3])
def test_rejects_a_statement_with_another_factor(s2):
    st = setup(params(), 16, 11, 2)
    rounds = copy.deepcopy(st["rounds"])
    ln, w, ops, e, _ = rounds[0][1][0]
    if s2 == 3:  # the group of the next-row opening is not whole for k = 8
        rounds[0][1][0] = (ln, w, ops, e, s2)
    else:
        rounds[0][1][0] = (ln, w, ops, e, s2)
    with pytest.raises(VerificationError):
        verify(st, rounds=rounds)


def test_partial_groups_are_refused():
    assert normalize_cols((4, 5, 6, 7), 11, 2) == (4, 5, 6, 7)
    assert normalize_cols((8, 9, 10), 11, 2) == (8, 9, 10)  # the last group is short
    with pytest.raises(ValueError):
        normalize_cols((4, 5), 11, 2)
    st = setup(params(), 16, 11, 2)
    rounds = copy.deepcopy(st["rounds"])
    z, vals, grp = rounds[0][1][0][2][1]
    rounds[0][1][0][2][1] = (z, vals[:2], grp[:2])
    with pytest.raises(ShapeError):
        verify(st, rounds=rounds)


def test_params_encoding_keeps_unstacked_digests():
    d = StarkParams.default()
    assert d.log_stack == 4 and d.fri_leaf_inputs and d.to_bytes().startswith(b"zkvm/stark-params/v4")
    s = dataclasses.replace(d, fri_leaf_inputs=False)
    assert s.to_bytes().startswith(b"zkvm/stark-params/v3") and s.digest() != d.digest()
    u = dataclasses.replace(s, log_stack=0)
    assert u.to_bytes().startswith(b"zkvm/stark-params/v2") and u.digest() != s.digest()
    lu = dataclasses.replace(d, log_stack=0)
    assert len({lu.digest(), u.digest(), s.digest(), d.digest()}) == 4
    assert StarkParams.high().log_stack == 4 and StarkParams.high().fri_leaf_inputs
    for p in (StarkParams.evm(), StarkParams.testing()):
        assert p.log_stack == 0 and p.to_bytes().startswith(b"zkvm/stark-params/v2")
        assert not p.fri_leaf_inputs
    with pytest.raises(Exception):
        dataclasses.replace(d, log_stack=7)
    with pytest.raises(Exception):
        dataclasses.replace(d, fri_leaf_inputs=1)


@pytest.mark.parametrize("L, S", [(3, 3), (5, 0), (5, 2), (6, 4)])
def test_stacked_deep_kernel_matches_the_formula(L, S):
    """``_stack_fin`` (the DFT form: K points share x^K and one size-K transform) adds
    exactly ``(A[i] − Ĩ(x_i)) / (x_i^K − z)`` at the bit-reversed index of every point."""
    from zkvm.field.babybear import GENERATOR
    from zkvm.stark.pcs_prover import _stack_fin

    N, K = 1 << L, 1 << S
    rng = np.random.default_rng(L * 10 + S)
    A = rng.integers(0, P, (N, 4), dtype=np.uint32)
    coefs = rng.integers(0, P, (K, 4)).astype(np.uint64)
    z = Ext(tuple(int(v) for v in rng.integers(0, P, 4)))
    om = two_adic_generator(L)
    xs = [GENERATOR * pow(om, i, P) % P for i in range(N)]
    invd = np.array([(Ext((pow(xs[a], K, P), 0, 0, 0)) - z).inverse().coeffs
                     for a in range(N // K)], dtype=np.uint32)
    res0 = rng.integers(0, P, (N, 4), dtype=np.uint32)
    res = res0.copy()
    _stack_fin(A, coefs, np.uint64(GENERATOR), np.uint64(om), invd, res, L)
    for i, x in enumerate(xs):
        interp = Ext.ZERO
        for t in range(K - 1, -1, -1):
            interp = interp * Ext((x, 0, 0, 0)) + Ext(tuple(int(c) for c in coefs[t]))
        term = (Ext(tuple(int(c) for c in A[i])) - interp) * \
            Ext(tuple(int(c) for c in invd[i % (N // K)]))
        r = int(f"{i:0{L}b}"[::-1], 2) if L else 0
        assert tuple(int(c) for c in res[r]) == (Ext(tuple(int(c) for c in res0[r])) + term).coeffs


"""The prover's DEEP pass on half the rows (pcs_prover._deep_inputs): the same values as
the full pass, which a wrong claimed value cannot exploit."""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.stark import pcs_prover
from zkvm.stark.errors import VerificationError
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import FriPcs
from zkvm.stark.transcript import Transcript
from zkvm.stark.zk import lde_extra_log


def params(zk):
    return StarkParams(log_blowup=2, num_queries=16, pow_bits=2, fri_log_arity=2,
                       log_final_poly_len=0, is_testing=True, zk=zk)


def commit_and_open(p, monkeypatch=None):
    """Two evaluation matrices of different heights (hiding when zk) and a coefficient
    matrix, opened at ζ (and at ζ·ω on the first); returns the PCS, the verifier's
    rounds, the proof and what ``_deep_inputs`` got and gave."""
    rng = np.random.default_rng(7)
    A = rng.integers(0, P, (64, 13), dtype=np.uint32)
    B = rng.integers(0, P, (16, 5), dtype=np.uint32)
    # a coefficient matrix of 2^4 rows (+ 4 more with zk: a masked, non-power-of-two count)
    C = rng.integers(0, P, (20 if p.zk else 16, 4), dtype=np.uint32)
    pcs = FriPcs(p)
    r1, d1 = pcs.commit([A, B], hiding=p.zk)
    r2, d2 = pcs.commit_coeffs([C], [4])
    t = Transcript(b"deep-half")
    t.absorb_digest("c1", r1)
    t.absorb_digest("c2", r2)
    z = t.sample_ext("zeta")
    zn = z * Ext.from_base(two_adic_generator(6))
    seen = []
    real = pcs_prover._deep_inputs

    def record(rounds, opened, alpha):
        out = real(rounds, opened, alpha)
        seen.append((rounds, opened, alpha, out))
        return out

    if monkeypatch is not None:
        monkeypatch.setattr(pcs_prover, "_deep_inputs", record)
    opened, proof = pcs.open([(d1, [[z, (zn, (0, 3))], [z]]), (d2, [[z]])], t)
    ops_a = [(z, opened[0][0][0]), (zn, opened[0][0][1], (0, 3))]
    rounds = [(r1, [(6, 13, ops_a, lde_extra_log(p, 6)), (4, 5, [(z, opened[0][1][0])],
                                                          lde_extra_log(p, 4))], p.zk),
              (r2, [(4, 4, [(z, opened[1][0][0])])], False)]
    return pcs, rounds, proof, seen


def verify(pcs, rounds, proof):
    t = Transcript(b"deep-half")
    t.absorb_digest("c1", rounds[0][0])
    t.absorb_digest("c2", rounds[1][0])
    t.sample_ext("zeta")
    pcs.verify(rounds, proof, t)


@pytest.mark.parametrize("zk", [False, True])
def test_half_pass_equals_the_full_pass(zk, monkeypatch):
    p = params(zk)
    pcs, rounds, proof, seen = commit_and_open(p, monkeypatch)
    verify(pcs, rounds, proof)
    (prounds, opened, alpha, half), = seen
    monkeypatch.setattr(pcs_prover, "_coeff_count", lambda data, m: 1 << 40)  # full pass
    full = pcs_prover._deep_inputs(prounds, opened, alpha)
    assert sorted(half) == sorted(full)
    for L in full:
        assert np.array_equal(half[L], full[L]), L


@pytest.mark.parametrize("zk", [False, True])
def test_a_wrong_claimed_value_is_still_rejected(zk, monkeypatch):
    """A prover that claims a wrong value at ζ and runs the rest consistently (its own
    low-degree check off): the DEEP quotient is then no polynomial, its half-row
    extension is one but differs from it on the odd rows, and the verifier, which
    recomputes the quotient at every query from the opened rows, rejects."""
    import functools

    from zkvm.poly.ntt import barycentric_eval_many as real

    calls = {"n": 0}

    def lying(evals, weights, cols=None):
        out = real(evals, weights, cols)
        if calls["n"] == 0:  # matrix A at ζ (the first evaluation)
            out[0] = out[0].copy()
            out[0][2, 1] = (int(out[0][2, 1]) + 1) % P
        calls["n"] += 1
        return out

    monkeypatch.setattr(pcs_prover, "barycentric_eval_many", lying)
    monkeypatch.setattr(pcs_prover, "commit_phase",
                        functools.partial(pcs_prover.commit_phase, strict=False))
    pcs, rounds, proof, _ = commit_and_open(params(zk))
    with pytest.raises(VerificationError):
        verify(pcs, rounds, proof)

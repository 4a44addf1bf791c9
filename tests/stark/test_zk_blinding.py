"""Zero knowledge: the per-table LogUp claimed sums are blinded (docs/zero-knowledge.md,
"Blinding the claimed sums").

With two tables exchanging witness-dependent messages (sender / receiver of the pairs
``(x, x²)``), each table's *unblinded* claimed sum ``Σ ±m/(α − φ)`` is a function of the
witness.  In zk mode the engine appends a blinding message to every table with
interactions (a ring on the reserved bus ``zk_blind``), so the claimed sums are uniform
subject to their (public) total.  The statistical half reuses the TEST-ONLY fixed-challenge
transcript override of ``test_zk_hiding`` and must detect the dependence with zk off.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from tests.support.stark_airs import FibAir, ReceiverAir, SenderAir
from tests.stark.test_zk_hiding import _chi2_uniform_pvalue, _ks_pvalue, fixed_challenges  # noqa: F401
from zkvm.field.babybear import P
from zkvm.stark import prover as prover_mod
from zkvm.stark.air import Air, AirDefinitionError, Columns
from zkvm.stark.errors import LogUpSumError
from zkvm.stark.params import StarkParams
from zkvm.stark.prover import prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.verifier import verify
from zkvm.stark.zk import BLIND_BUS, BLIND_WIDTH

XS_A = [3, 5, 3, 9, 5, 5, 11]
XS_B = [2, 2, 2, 7, 8, 13, 13]


def _params(zk: bool) -> StarkParams:
    return StarkParams(log_blowup=2, num_queries=4, pow_bits=0, fri_log_arity=1,
                       log_final_poly_len=0, max_constraint_degree=3, is_testing=True, zk=zk)


def _traces(xs):
    return [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4)]


@pytest.fixture
def one_thread():
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(threads)


def test_ring_layout():
    """Tables with interactions are blinded (4 engine columns, 2 interactions on the
    reserved bus); tables without interactions, a lone table with interactions and the
    classic mode are not."""
    s = StarkSystem([SenderAir(), FibAir(), ReceiverAir()], StarkParams.testing())
    assert s.blind_ring == [0, 2]
    snd, fib, rcv = s.tables
    assert snd.committed_width == snd.main_width + BLIND_WIDTH
    assert rcv.committed_width == rcv.main_width + BLIND_WIDTH
    assert fib.committed_width == fib.main_width and not fib.layout.num_aux_ext
    assert [it.bus for it in snd.interactions[1:]] == [BLIND_BUS]  # one engine interaction
    # the AIR's own view is unchanged (checker, mutation tooling, chips)
    assert [it.name for it in snd.compiled.interactions] == ["send_pair"]
    assert StarkSystem([SenderAir(), FibAir()], StarkParams.testing()).blind_ring == []
    assert StarkSystem([SenderAir(), ReceiverAir()],
                       StarkParams.testing(zk=False)).blind_ring == []


def test_blind_bus_id_is_reserved():
    class Squatter(Air):
        name = "squatter"
        columns = Columns("a", "b", "c", "d")
        max_degree = 3

        def eval(self, b):
            loc = b.local
            b.send(BLIND_BUS, [loc.a, loc.b, loc.c, loc.d], name="s")

    with pytest.raises(AirDefinitionError, match="reserved"):
        StarkSystem([Squatter()], StarkParams.testing())


def test_claimed_sums_differ_between_proofs_of_one_witness(one_thread):
    s = StarkSystem([SenderAir(), ReceiverAir()], StarkParams.testing())
    pk, vk = s.setup()
    tr = _traces(XS_A)
    p1, p2 = prove(pk, tr, []), prove(pk, tr, [])
    verify(vk, p1, [])
    verify(vk, p2, [])
    assert p1.claimed_sums[0] != p2.claimed_sums[0]
    assert p1.claimed_sums[1] != p2.claimed_sums[1]
    for p in (p1, p2):  # the blinding telescopes: the total is still 0
        assert (p.claimed_sums[0] + p.claimed_sums[1]).is_zero()


def _claimed(params, xs, count):
    s = StarkSystem([SenderAir(), ReceiverAir()], params)
    pk, vk = s.setup()
    tr = _traces(xs)
    out = []
    for i in range(count):
        proof = prove(pk, tr, [], debug=False)
        if i == 0:
            verify(vk, proof, [])
        out.append(list(proof.claimed_sums[0].coeffs))
    return np.array(out, dtype=np.float64)  # (count, 4)


def _distinguish(params, count):
    a, b = _claimed(params, XS_A, count), _claimed(params, XS_B, count)
    pu = min(_chi2_uniform_pvalue(a), _chi2_uniform_pvalue(b)) * 2
    p_ab = min(_ks_pvalue(a[:, j], b[:, j]) for j in range(4)) * 4
    return pu, p_ab


def test_claimed_sums_uniform_and_witness_independent(fixed_challenges):
    pu, p_ab = _distinguish(_params(zk=True), count=40)
    assert pu > 1e-6, "blinded claimed sums are not uniform"
    assert p_ab > 1e-6, "two witnesses give distinguishable claimed sums"


def test_same_test_detects_unblinded_claimed_sums(fixed_challenges):
    pu, p_ab = _distinguish(_params(zk=False), count=24)
    assert pu < 1e-6 and p_ab < 1e-6


def test_inconsistent_ring_is_rejected(monkeypatch, one_thread):
    """A prover whose receiving table does not receive the sender's blinding message
    (``m' ≠ m_t``) unbalances the blinding bus: the global LogUp check fails."""
    s = StarkSystem([SenderAir(), ReceiverAir()], StarkParams.testing())
    pk, vk = s.setup()
    honest = prover_mod.blind_columns

    def broken(system, log_heights, ring=None):
        cols = honest(system, log_heights, ring)
        t = system.blind_ring[1]
        cols[t][-1, 0] = (int(cols[t][-1, 0]) + 1) % P  # receives m' = m_0 + (1, 0, 0, 0)
        return cols

    monkeypatch.setattr(prover_mod, "blind_columns", broken)
    proof = prove(pk, _traces(XS_A), [])
    with pytest.raises(LogUpSumError):
        verify(vk, proof, [])
    monkeypatch.setattr(prover_mod, "blind_columns", honest)
    verify(vk, prove(pk, _traces(XS_A), []), [])

"""Tables that may be empty (``Air.may_be_empty``): a 0-row trace leaves the table out of
the proof; the flag is part of the statement and only flagged tables may be empty."""

import numpy as np
import pytest

from tests.support.stark_airs import FibAir, PAIR_BUS, PrepAir, ReceiverAir, SenderAir
from zkvm.stark.air import Air, AirDefinitionError, Columns
from zkvm.stark.checker import check_all_padding, check_traces
from zkvm.stark.errors import TraceHeightError, VerificationError
from zkvm.stark.params import StarkParams
from zkvm.stark.proof import Proof
from zkvm.stark.prover import prove
from zkvm.stark.system import EMPTY_LOG_HEIGHT, StarkSystem
from zkvm.stark.verifier import verify


class OptSenderAir(SenderAir):
    """SenderAir that may be empty (every multiplicity is ``is_real``)."""

    name = "opt_sender"
    may_be_empty = True


class OptReceiverAir(ReceiverAir):
    name = "opt_receiver"
    may_be_empty = True


def _empty(air):
    return np.zeros((0, air.columns.width), dtype=np.uint32)


XS = [3, 5, 3, 9]
YS = [5, 7]


def _three(zk):
    return StarkSystem([SenderAir(), OptSenderAir(), ReceiverAir()], StarkParams.testing(zk=zk))


@pytest.mark.parametrize("zk", [True, False])
def test_empty_table_proves_and_verifies(zk):
    s = _three(zk)
    pk, vk = s.setup()
    traces = [SenderAir.generate_trace(XS, 8), _empty(OptSenderAir),
              ReceiverAir.generate_trace(XS, 4)]
    assert check_traces(s, traces, []).ok
    proof = prove(pk, traces, [])
    assert proof.log_heights == [3, EMPTY_LOG_HEIGHT, 2]
    data = proof.to_bytes()
    assert verify(vk, data, []).zk is zk
    # the same system with the optional table present also verifies, and is larger
    full = [SenderAir.generate_trace(XS, 8), OptSenderAir.generate_trace(YS, 2),
            ReceiverAir.generate_trace(XS + YS, 8)]
    data2 = prove(pk, full, []).to_bytes()
    verify(vk, data2, [])
    # (compared without the Merkle siblings, whose count depends on the random query
    # indices: with 8 queries an empty-table proof could come out longer)
    shape_bytes = [len(d) - 32 * Proof.from_bytes(d).opening_proof.sent_digests()
                   for d in (data, data2)]
    assert shape_bytes[0] < shape_bytes[1]
    # marking a present table empty (or vice versa) breaks the proof
    forged = Proof.from_bytes(data2)
    forged.log_heights[1] = EMPTY_LOG_HEIGHT
    with pytest.raises(VerificationError):
        verify(vk, forged.to_bytes(), [])
    forged = Proof.from_bytes(data)
    forged.log_heights[1] = 1
    with pytest.raises(VerificationError):
        verify(vk, forged.to_bytes(), [])


@pytest.mark.parametrize("zk", [True, False])
def test_ring_shrinks_to_one_or_none(zk):
    """zk ring over the tables present: one table left (it blinds against itself), or none
    (only a table without interactions left)."""
    s = StarkSystem([FibAir(), OptSenderAir(), OptReceiverAir()], StarkParams.testing(zk=zk))
    pk, vk = s.setup()
    fib, pv = FibAir.generate_trace(8)
    recv = OptReceiverAir.columns.new_trace(4)  # receives nothing
    for traces in ([fib, _empty(OptSenderAir), recv],
                   [fib, _empty(OptSenderAir), _empty(OptReceiverAir)]):
        verify(vk, prove(pk, traces, pv).to_bytes(), pv)


def test_empty_table_imbalance_is_caught():
    """An empty sender does not send: a receiver expecting its messages fails."""
    s = _three(True)
    pk, vk = s.setup()
    traces = [SenderAir.generate_trace(XS, 8), _empty(OptSenderAir),
              ReceiverAir.generate_trace(XS + YS, 8)]
    assert not check_traces(s, traces, []).ok
    proof = prove(pk, traces, [], debug=False)
    with pytest.raises(VerificationError):
        verify(vk, proof, [])


def test_empty_trace_without_flag_is_refused():
    s = _three(True)
    pk, vk = s.setup()
    traces = [_empty(SenderAir), OptSenderAir.generate_trace(XS, 4),
              ReceiverAir.generate_trace(XS, 4)]
    with pytest.raises(ValueError, match="sender: empty trace"):
        prove(pk, traces, [], debug=False)
    rep = check_traces(s, traces, [])
    assert any("not may_be_empty" in e for e in rep.shape_errors)
    # a forged proof marking the unflagged table empty is refused, naming it
    good = prove(pk, [SenderAir.generate_trace(XS, 4), OptSenderAir.generate_trace(YS, 2),
                      ReceiverAir.generate_trace(XS + YS, 8)], [])
    forged = Proof.from_bytes(good.to_bytes())
    forged.log_heights[0] = EMPTY_LOG_HEIGHT
    with pytest.raises(TraceHeightError, match="sender: marked empty"):
        verify(vk, forged.to_bytes(), [])


def test_all_tables_empty_is_refused():
    s = StarkSystem([OptSenderAir(), OptReceiverAir()], StarkParams.testing())
    pk, vk = s.setup()
    with pytest.raises(ValueError, match="every table is empty"):
        prove(pk, [_empty(OptSenderAir), _empty(OptReceiverAir)], [])


def test_flag_is_in_the_vk_digest():
    p = StarkParams.testing()
    a = StarkSystem([SenderAir(), ReceiverAir()], p).setup()[1].digest
    b = StarkSystem([SenderAir(), ReceiverAir()], p).setup()[1].digest

    class Flagged(SenderAir):
        may_be_empty = True

    c = StarkSystem([Flagged(), ReceiverAir()], p).setup()[1].digest
    assert a == b != c


def test_preprocessed_table_cannot_be_flagged():
    class OptPrep(PrepAir):
        may_be_empty = True

    with pytest.raises(AirDefinitionError, match="preprocessed"):
        StarkSystem([OptPrep()], StarkParams.testing())


class _Ungated(Air):
    name = "ungated"
    columns = Columns("x", "is_real")

    def eval(self, b):
        b.send(PAIR_BUS, [b.local.x, b.local.x], multiplicity=1, name="always")


class _NonZero(Air):
    name = "nonzero"
    columns = Columns("x")

    def eval(self, b):
        b.assert_eq(b.local.x, 1, "x_is_one")


def test_check_all_padding():
    assert check_all_padding(SenderAir()).ok
    assert check_all_padding(ReceiverAir()).ok
    rep = check_all_padding(_Ungated())
    assert not rep.ok and rep.bus_imbalances[0].sources[0][1] == "always"
    rep = check_all_padding(_NonZero())
    assert [f.constraint for f in rep.constraint_failures] == ["x_is_one"]
    assert check_all_padding(_NonZero(), padding=[1]).ok
    assert not check_all_padding(PrepAir()).ok

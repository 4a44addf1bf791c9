"""Public data (docs/architecture.md §4): bytes bound by the transcript whose bus messages
the verifier adds to the LogUp sum as vectorised batches (a machine's journal)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.stark_airs import PAIR_BUS, SenderAir
from zkvm.field.ext import Ext
from zkvm.stark import protocol
from zkvm.stark.errors import LogUpSumError, PublicValuesError, VerificationError
from zkvm.stark.logup import public_fingerprint
from zkvm.stark.params import StarkParams
from zkvm.stark.prover import prove
from zkvm.stark.system import PublicBatch, StarkSystem
from zkvm.stark.verifier import verify

PARAMS = StarkParams.testing()


def squares(pv, data: bytes):
    """Receive (b, b^2) for every byte of the data."""
    x = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    vals = np.stack([x, x * x], axis=1).astype(np.uint32)
    return [PublicBatch(PAIR_BUS, vals, -1)]


@pytest.fixture(scope="module")
def setup():
    s = StarkSystem([SenderAir()], PARAMS, public_data_interactions=squares)
    pk, vk = s.setup()
    data = bytes([3, 7, 7, 200, 0, 255, 9])
    tr = [SenderAir.generate_trace(list(data), 8)]
    proof = prove(pk, tr, [], public_data=data)
    return s, pk, vk, tr, data, proof


def test_public_data_roundtrip(setup):
    s, pk, vk, tr, data, proof = setup
    verify(vk, proof.to_bytes(), [], public_data=data)


def test_other_public_data_rejected(setup):
    s, pk, vk, tr, data, proof = setup
    for bad in (data[:-1], data + b"\x01", bytes([4]) + data[1:], data[::-1]):
        with pytest.raises(VerificationError):
            verify(vk, proof.to_bytes(), [], public_data=bad)


def test_unbalanced_public_data_is_a_logup_error(setup):
    """Same transcript-bound data, traces that do not send it: the sum step fails."""
    s, pk, vk, tr, data, proof = setup
    other = [SenderAir.generate_trace([1, 2], 8)]
    forged = prove(pk, other, [], public_data=data, debug=False)
    with pytest.raises(LogUpSumError):
        verify(vk, forged.to_bytes(), [], public_data=data)


def test_data_for_a_system_without_hook_rejected():
    s = StarkSystem([SenderAir()], PARAMS)
    pk, vk = s.setup()
    proof = prove(pk, [SenderAir.generate_trace([], 8)], [])
    verify(vk, proof.to_bytes(), [])
    with pytest.raises(PublicValuesError):
        verify(vk, proof.to_bytes(), [], public_data=b"x")


def test_batch_sum_equals_per_message_sum():
    rng = np.random.default_rng(1)
    vals = rng.integers(0, 2**31 - 2**27, size=(1000, 2), dtype=np.int64).astype(np.uint32)
    batch = PublicBatch(PAIR_BUS, vals, -3)
    alpha, beta = Ext(5, 6, 7, 8), Ext(11, 0, 2, 1)
    want = Ext.ZERO
    for row in vals.tolist():
        want = want + Ext.from_base(-3) / (alpha - public_fingerprint(PAIR_BUS.id, row, beta))
    assert protocol.public_batch_sum(batch, alpha, beta, chunk=97) == want

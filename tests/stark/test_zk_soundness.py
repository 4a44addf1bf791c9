"""Zero-knowledge mode: the new checks (mode flag, masking round, salts, final polynomial
length) reject tampering, and the masking keeps the committed data consistent.

The engine's soundness tests (test_prove_verify.py: byte flips in every section,
tampering, violated constraints, unbalanced LogUp, …) run with ``StarkParams.testing()``,
which is zero-knowledge, so they cover the zk prover and verifier; the few tests here
also run the classic mode (``zk=False``).
"""

from __future__ import annotations

import copy

import numba
import numpy as np
import pytest

from stark_airs import FibAir, ReceiverAir, SenderAir
from zkvm.field.babybear import GENERATOR, P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.poly.ntt import evaluate_poly, intt, ntt
from zkvm.stark.errors import (ConstraintMismatchError, FriError, MerkleError,
                               ShapeError, StatementMismatchError, VerificationError)
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import SALT_WIDTH, FriPcs
from zkvm.stark.proof import Proof
from zkvm.stark.prover import prove
from zkvm.stark.quotient import zk_quotient_chunks
from zkvm.stark.system import StarkSystem
from zkvm.stark.verifier import verify
from zkvm.stark.zk import lde_extra_log, table_layout

PARAMS = StarkParams.testing()


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny proofs: numba's thread pool only adds overhead on the loaded CI machine."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(threads)


@pytest.fixture(scope="module")
def bus_proof():
    xs = [3, 5, 3, 9, 5, 5, 11]
    s = StarkSystem([SenderAir(), ReceiverAir()], PARAMS)
    pk, vk = s.setup()
    traces = [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4)]
    proof = prove(pk, traces, [])
    return s, pk, vk, traces, proof


def _rejects(vk, proof, exc=VerificationError):
    with pytest.raises(exc):
        verify(vk, proof, [])


def test_zk_round_trip_reports_mode(bus_proof):
    s, pk, vk, traces, proof = bus_proof
    res = verify(vk, proof.to_bytes(), [])
    assert res.zk is True and res.security_bits == PARAMS.security_bits()
    assert proof.zk and Proof.from_bytes(proof.to_bytes()).zk
    assert proof.opening_proof.mask_root is not None


@pytest.mark.parametrize("zk", [False, True])
def test_classic_and_zk_mode(zk):
    params = StarkParams.testing(zk=zk)
    s = StarkSystem([FibAir()], params)
    pk, vk = s.setup()
    t, pv = FibAir.generate_trace(16)
    proof = prove(pk, [t], pv)
    assert verify(vk, proof.to_bytes(), pv).zk is zk
    bad = t.copy()
    bad[5, 1] = (int(bad[5, 1]) + 1) % P
    with pytest.raises(ConstraintMismatchError):
        verify(vk, prove(pk, [bad], pv, debug=False), pv)


def test_mode_mismatch_rejected(bus_proof):
    s, pk, vk, traces, proof = bus_proof
    # the same statement in classic mode: other parameter digest
    s2 = StarkSystem([SenderAir(), ReceiverAir()], StarkParams.testing(zk=False))
    _, vk2 = s2.setup()
    _rejects(vk2, proof, StatementMismatchError)
    # the zk flag in the header disagrees with the parameters
    p = copy.deepcopy(proof)
    p.zk = False
    _rejects(vk, p, StatementMismatchError)
    data = bytearray(proof.to_bytes())
    assert data[12] == 1  # magic (8) + version (4), then the flag
    data[12] = 0
    _rejects(vk, bytes(data), StatementMismatchError)


def test_masking_round_required_and_bound(bus_proof):
    s, pk, vk, traces, proof = bus_proof
    p = copy.deepcopy(proof)
    p.opening_proof.mask_root = None
    p.opening_proof.mask_values = None
    _rejects(vk, p, ShapeError)
    p = copy.deepcopy(proof)
    v = list(p.opening_proof.mask_values[0])
    v[0] = (v[0] + 1) % P
    p.opening_proof.mask_values[0] = tuple(v)
    _rejects(vk, p)
    p = copy.deepcopy(proof)
    p.opening_proof.mask_root = bytes(32)
    _rejects(vk, p)


def test_salt_is_authenticated(bus_proof):
    s, pk, vk, traces, proof = bus_proof
    p = copy.deepcopy(proof)
    rows = p.opening_proof.query_proofs[0].input_openings[0].rows  # main round
    assert len(rows[-1]) == SALT_WIDTH
    rows[-1][0] = (rows[-1][0] + 1) % P
    _rejects(vk, p, MerkleError)
    p = copy.deepcopy(proof)
    del p.opening_proof.query_proofs[0].input_openings[0].rows[-1]  # drop the salt row
    _rejects(vk, p, ShapeError)


def test_final_polynomial_length_exact(bus_proof):
    s, pk, vk, traces, proof = bus_proof
    lf, extra = PARAMS.fri_final_shape()
    assert len(proof.opening_proof.final_poly) == (1 << lf) + extra
    p = copy.deepcopy(proof)
    p.opening_proof.final_poly.pop()
    _rejects(vk, p, FriError)
    p = copy.deepcopy(proof)
    p.opening_proof.final_poly.append((0, 0, 0, 0))
    _rejects(vk, p, FriError)


def test_setup_is_deterministic_in_zk_mode():
    from stark_airs import ByteTableAir

    a = StarkSystem([ByteTableAir()], PARAMS).setup()[1].digest
    b = StarkSystem([ByteTableAir()], PARAMS).setup()[1].digest
    assert a == b  # the preprocessed commitment is not hiding


def test_hiding_commit_agrees_with_trace_on_h():
    pcs = FriPcs(PARAMS)
    rng = np.random.default_rng(5)
    A = rng.integers(0, P, (16, 3), dtype=np.uint32)
    r1, d1 = pcs.commit([A], hiding=True)
    r2, d2 = pcs.commit([A], hiding=True)
    assert r1 != r2  # fresh masks and salts
    k = PARAMS.zk_mask_len()
    r = d1.masks[0].astype(np.int64)
    assert r.shape == (k, 3) and r.any()
    c = np.zeros((16 + k, 3), dtype=np.int64)  # f + (X^16 − 1)·r
    c[:16] = intt(A)
    c[:k] -= r
    c[16:] += r
    c %= P
    folded = np.zeros((16, 3), dtype=np.int64)
    for i in range(c.shape[0]):  # reduce mod X^16 − 1: back to the trace on H
        folded[i % 16] += c[i]
    assert np.array_equal(ntt((folded % P).astype(np.uint32)), A)
    lde = d1.ldes[0]
    N = lde.shape[0]
    w = two_adic_generator(N.bit_length() - 1)
    for j in (0, 1, 5, N - 1):  # the committed LDE is the masked polynomial's
        x = GENERATOR * pow(w, j, P) % P
        for col in range(3):
            assert evaluate_poly(c[:, col].astype(np.uint32), x) == int(lde[j, col])
    e = lde_extra_log(PARAMS, 4)
    assert d1.ldes[0].shape[0] == 16 << (PARAMS.log_blowup + e)
    with pytest.raises(ValueError):
        FriPcs(StarkParams.testing(zk=False)).commit([A], hiding=True)


def test_quotient_chunk_masks_cancel():
    lay = table_layout(PARAMS, 8, 3, 1)
    k = PARAMS.zk_mask_len()
    c = 1 << lay.log_chunk
    rng = np.random.default_rng(9)
    q = rng.integers(0, P, ((lay.num_chunks - 1) * c + 5, 4), dtype=np.uint32)
    m = zk_quotient_chunks(q, lay, k).astype(np.int64)
    assert m.shape == (c + k, 4 * lay.num_chunks)
    total = np.zeros((lay.num_chunks * c + k, 4), dtype=np.int64)
    for j in range(lay.num_chunks):
        total[j * c: j * c + c + k] += m[:, 4 * j: 4 * j + 4]
    total %= P
    assert np.array_equal(total[: q.shape[0]], q.astype(np.int64))
    assert not total[q.shape[0]:].any()
    assert m[c:, :4].any()  # chunk 0 gets X^c·s_0 ...
    assert not np.array_equal(m[:c, 4:8], q[c:2 * c].astype(np.int64))  # chunk 1 gets −s_0


def test_layout_covers_masked_degrees():
    for params in (StarkParams.default(), StarkParams.testing(), StarkParams.high()):
        lf, extra = params.fri_final_shape()
        k = params.zk_mask_len()
        for log_n in range(1, 21):
            e = lde_extra_log(params, log_n)
            tested = ((1 << lf) + extra) << (log_n + e - lf)  # FRI's degree bound
            assert tested >= (1 << log_n) + k
            lay = table_layout(params, log_n, params.max_constraint_degree, 1)
            assert lay.log_qdomain <= params.log_blowup + e
            ce = lde_extra_log(params, lay.log_chunk)
            assert ((1 << lf) + extra) << (lay.log_chunk + ce - lf) >= (1 << lay.log_chunk) + k
            if log_n >= 13:
                assert e == 0  # no LDE growth for tall tables

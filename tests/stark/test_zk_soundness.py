"""Zero-knowledge mode: the new checks (mode flag, masking round, salts, final polynomial
length) reject tampering, and the masking keeps the committed data consistent.

The engine's soundness tests (test_prove_verify.py: byte flips in every section,
tampering, violated constraints, unbalanced LogUp, …) run with ``StarkParams.testing()``,
which is zero-knowledge, so they cover the zk prover and verifier; the few tests here
also run the classic mode (``zk=False``).
"""

from __future__ import annotations

import copy
import math

import numba
import numpy as np
import pytest

from tests.support.stark_airs import FibAir, ReceiverAir, SenderAir
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
def zk_bus_proof():
    xs = [3, 5, 3, 9, 5, 5, 11]
    s = StarkSystem([SenderAir(), ReceiverAir()], PARAMS)
    pk, vk = s.setup()
    traces = [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4)]
    proof = prove(pk, traces, [])
    return s, pk, vk, traces, proof


def _rejects(vk, proof, exc=VerificationError):
    with pytest.raises(exc):
        verify(vk, proof, [])


def test_zk_round_trip_reports_mode(zk_bus_proof):
    s, pk, vk, traces, proof = zk_bus_proof
    res = verify(vk, proof.to_bytes(), [])
    assert res.zk is True and res.security_bits == PARAMS.security_bits()
    assert proof.zk and Proof.from_bytes(proof.to_bytes()).zk
    # the DEEP masking polynomial R: 4 trailing columns of the host's quotient matrix
    assert proof.opening_proof.mask_root is None
    host = _host(s, proof)
    assert host is not None and len(proof.opened[-1]) == len(s.tables)
    lay = _layout(s, proof, host)
    assert len(proof.opened[-1][host][0]) == 4 * lay.num_chunks + 4


def _layout(s, proof, i):
    t = s.tables[i]
    return table_layout(PARAMS, proof.log_heights[i], t.degree, t.log_quotient_chunks)


def _host(s, proof):
    from zkvm.stark.zk import mask_host

    lays = [_layout(s, proof, i) for i in range(len(s.tables))]
    return mask_host(PARAMS, proof.log_heights, lays)


def test_separate_mask_matrix_fallback(monkeypatch):
    """Without a host table R is the quotient commitment's separate last matrix."""
    from zkvm.stark import prover as prover_mod
    from zkvm.stark import verifier as verifier_mod

    monkeypatch.setattr(prover_mod, "mask_host", lambda *a: None)
    monkeypatch.setattr(verifier_mod, "mask_host", lambda *a: None)
    s = StarkSystem([SenderAir(), ReceiverAir()], PARAMS)
    pk, vk = s.setup()
    xs = [3, 5, 3, 9]
    proof = prove(pk, [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4)], [])
    assert len(proof.opened[-1]) == len(s.tables) + 1 and len(proof.opened[-1][-1][0]) == 4
    verify(vk, proof, [])
    del proof.opened[-1][-1]
    _rejects(vk, proof, ShapeError)


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


def test_mode_mismatch_rejected(zk_bus_proof):
    s, pk, vk, traces, proof = zk_bus_proof
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


def test_masking_polynomial_required_and_bound(zk_bus_proof):
    """R (in the quotient commitment) must be opened, its value is bound by the transcript
    and the Merkle/FRI checks, and no separate PCS mask round is allowed."""
    s, pk, vk, traces, proof = zk_bus_proof
    host = _host(s, proof)
    p = copy.deepcopy(proof)
    del p.opened[-1][host][0][-4:]  # drop R's opening
    _rejects(vk, p, ShapeError)
    p = copy.deepcopy(proof)
    v = p.opened[-1][host][0]
    v[-1] = Ext(((v[-1].coeffs[0] + 1) % P,) + v[-1].coeffs[1:])
    _rejects(vk, p)
    p = copy.deepcopy(proof)
    p.opening_proof.mask_root = bytes(32)
    p.opening_proof.mask_values = [(0, 0, 0, 0)] * 4
    _rejects(vk, p, ShapeError)
    p = copy.deepcopy(proof)  # the quotient tree (with R) is authenticated
    row = p.opening_proof.query_proofs[0].input_openings[-1].rows[host]
    c = 4 * _layout(s, proof, host).num_chunks  # R's first column in the host's row
    row[c] = (row[c] + 1) % P
    _rejects(vk, p, MerkleError)


def test_salt_is_authenticated(zk_bus_proof):
    """The salt columns ride at the end of the first largest matrix's opened row: they
    are authenticated by the Merkle path and must be present."""
    s, pk, vk, traces, proof = zk_bus_proof
    p = copy.deepcopy(proof)
    rows = p.opening_proof.query_proofs[0].input_openings[0].rows  # main round
    w0 = s.tables[0].committed_width
    assert len(rows[0]) == w0 + SALT_WIDTH
    rows[0][-1] = (rows[0][-1] + 1) % P
    _rejects(vk, p, MerkleError)
    p = copy.deepcopy(proof)
    del p.opening_proof.query_proofs[0].input_openings[0].rows[0][-SALT_WIDTH:]
    _rejects(vk, p, MerkleError)  # wrong row length


def test_final_polynomial_length_exact(zk_bus_proof):
    s, pk, vk, traces, proof = zk_bus_proof
    lf, extra = PARAMS.fri_final_shape()
    assert len(proof.opening_proof.final_poly) == (1 << lf) + extra
    p = copy.deepcopy(proof)
    p.opening_proof.final_poly.pop()
    _rejects(vk, p, FriError)
    p = copy.deepcopy(proof)
    p.opening_proof.final_poly.append((0, 0, 0, 0))
    _rejects(vk, p, FriError)


def test_setup_is_deterministic_in_zk_mode():
    from tests.support.stark_airs import ByteTableAir

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
            if log_n >= 14:
                # no LDE growth for tall tables: (c) needs 2^(log_n - lf) >= k, and the
                # presets have lf <= 7 and k <= 8 + 2*40 = 88
                assert e == 0


def test_split_domain_quotient_matches_full_domain(monkeypatch):
    """zk: the quotient computed on the classic domain plus a small extra coset
    (quotient._split_domain) has exactly the coefficients of the full-domain evaluation
    (tables of 256 rows with preprocessed, LogUp and blinding columns), and verifies."""
    from tests.support.stark_airs import ByteTableAir, U16Air
    from zkvm.stark import prover as prover_mod
    from zkvm.stark import quotient as qmod

    orig = qmod.compute_quotient
    used = []

    def both(*args, **kw):
        split = orig(*args, **kw)
        full = orig(*args, **{**kw, "split": False})
        cq = kw["layout"].quotient_coeffs
        used.append(split.shape[0] < full.shape[0])
        assert np.array_equal(split[:cq], full[:cq])
        assert not split[cq:].any() and not full[cq:].any()
        return split

    monkeypatch.setattr(prover_mod, "compute_quotient", both)
    ws = [int(x) for x in np.random.default_rng(4).integers(0, 1 << 16, 200)]
    lo_hi = [w & 255 for w in ws] + [w >> 8 for w in ws]
    fib, pv = FibAir.generate_trace(256)
    s = StarkSystem([ByteTableAir(), U16Air(), FibAir()], PARAMS)
    pk, vk = s.setup()
    proof = prove(pk, [ByteTableAir.generate_trace(lo_hi), U16Air.generate_trace(ws, 256),
                       fib], pv)
    assert all(used) and len(used) == 3
    verify(vk, proof, pv)


def test_pcs_own_mask_round():
    """The PCS used on its own (no caller-committed mask) still adds and checks its own
    masking round in zk mode; a caller that says the mask is in its rounds gets no
    separate mask, and a proof carrying one is then refused."""
    from zkvm.stark.transcript import Transcript

    pcs = FriPcs(PARAMS)
    a = np.random.default_rng(5).integers(0, P, (16, 3), dtype=np.uint32)
    root, data = pcs.commit([a], hiding=True)
    z = Ext((5, 6, 7, 8))

    def tr():
        t = Transcript(b"test/pcs-mask")
        t.absorb_digest("root", root)
        return t

    opened, proof = pcs.open([(data, [[z]])], tr())
    assert proof.mask_root is not None
    stmt = [(root, [(4, 3, [(z, opened[0][0][0])])], True)]
    pcs.verify(stmt, proof, tr())
    with pytest.raises(ShapeError):
        pcs.verify(stmt, proof, tr(), mask_in_rounds=True)
    _, proof2 = pcs.open([(data, [[z]])], tr(), mask_in_rounds=True)
    assert proof2.mask_root is None
    with pytest.raises(ShapeError):
        pcs.verify(stmt, proof2, tr())


def test_salt_is_canonical_fresh_and_keyed():
    """The salt PRF: canonical values, a different stream under another key, the same
    values for the same (key, row) whichever rows are asked together."""
    import os

    from zkvm.merkle.tree import salt_words

    k1, k2 = os.urandom(32), os.urandom(32)
    rows = np.arange(1000)
    a, b = salt_words(k1, rows, SALT_WIDTH), salt_words(k2, rows, SALT_WIDTH)
    assert a.shape == (1000, SALT_WIDTH) and a.dtype == np.uint32
    assert int(a.max()) < P and not np.array_equal(a, b)
    assert np.array_equal(salt_words(k1, rows[::-7], SALT_WIDTH), a[::-7])
    # a 32-bit word mod p: values below 2^32 - 2p are 3/2 as likely as the others (≥ 30.4
    # bits of min-entropy per value), so the mean is ≈ 0.473 p, not 0.5 p
    u = a.astype(np.float64).ravel() / P
    assert abs(u.mean() - 0.4730) < 5 * math.sqrt(1 / 12 / u.size)


def test_last_quotient_chunk_fits_fri_capacity():
    """The layout lets the last chunk take C_Q − (m−1)·c coefficients, within FRI's
    capacity for its matrix; tall degree-3 tables keep 2 chunks from 2^15 rows on."""
    from zkvm.stark.zk import chunk_capacity, quotient_coeff_count

    for params in (StarkParams.default(), StarkParams.testing(), StarkParams.high()):
        k = params.zk_mask_len()
        for log_n in range(1, 21):
            for d in (2, 3):
                lay = table_layout(params, log_n, d, 1)
                c = 1 << lay.log_chunk
                cq = quotient_coeff_count(log_n, d, k)
                assert lay.quotient_coeffs == cq
                cap = chunk_capacity(params, lay.log_chunk)
                assert cq - (lay.num_chunks - 1) * c <= cap
                assert lay.num_chunks == 1 or cq - (lay.num_chunks - 2) * c > cap  # minimal
                assert c + k <= cap
    d = StarkParams.default()
    assert [table_layout(d, ln, 3, 1).num_chunks for ln in (15, 16, 20)] == [2, 2, 2]

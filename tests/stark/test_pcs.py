"""FRI PCS: commit → open → verify round trips, and rejection of every kind of tampering."""

import copy

import numpy as np
import pytest

from zkvm.field.babybear import GENERATOR, P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.poly.ntt import evaluate_poly, intt
from zkvm.stark.errors import (
    FriError,
    MerkleError,
    PowError,
    ProofFormatError,
    ShapeError,
    VerificationError,
)
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import FriPcs
from zkvm.stark.pcs_types import OpeningProof
from zkvm.stark.transcript import Transcript


def params(**kw):
    # the classic (non-hiding) PCS; zk mode is covered by test_round_trip and test_zk_*.py
    base = dict(log_blowup=2, num_queries=6, pow_bits=4, fri_log_arity=1,
                log_final_poly_len=0, is_testing=True, zk=False)
    base.update(kw)
    return StarkParams(**base)


def setup(p, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.integers(0, P, (64, 3), dtype=np.uint32)
    B = rng.integers(0, P, (16, 2), dtype=np.uint32)
    C = rng.integers(0, P, (32, 5), dtype=np.uint32)
    D = rng.integers(0, P, (2, 1), dtype=np.uint32)
    pcs = FriPcs(p)
    r1, d1 = pcs.commit([A, B])
    r2, d2 = pcs.commit([C, D])
    t = Transcript(b"pcs-test")
    t.absorb_digest("c1", r1)
    t.absorb_digest("c2", r2)
    z = t.sample_ext("zeta")
    w6 = two_adic_generator(6)
    opened, proof = pcs.open([(d1, [[z, z * w6], [z]]), (d2, [[z], [z * 3]])], t)
    rounds = [(r1, [(6, 3, [(z, opened[0][0][0]), (z * w6, opened[0][0][1])]),
                    (4, 2, [(z, opened[0][1][0])])]),
              (r2, [(5, 5, [(z, opened[1][0][0])]), (1, 1, [(z * 3, opened[1][1][0])])])]
    return dict(pcs=pcs, mats=[A, B, C, D], data=(d1, d2), z=z, opened=opened, proof=proof,
                rounds=rounds, prover_state=t.state)


def verify(s, rounds=None, proof=None):
    t = Transcript(b"pcs-test")
    t.absorb_digest("c1", s["rounds"][0][0])
    t.absorb_digest("c2", s["rounds"][1][0])
    t.sample_ext("zeta")
    s["pcs"].verify(rounds if rounds is not None else s["rounds"],
                    proof if proof is not None else s["proof"], t)
    return t


@pytest.fixture(scope="module")
def honest():
    return setup(params())


@pytest.mark.parametrize("kw", [dict(), dict(fri_log_arity=2), dict(fri_log_arity=3, log_final_poly_len=1),
                                dict(log_blowup=1, max_constraint_degree=2), dict(log_final_poly_len=3),
                                dict(zk=True), dict(zk=True, fri_log_arity=3)])
def test_round_trip(kw):
    s = setup(params(**kw), seed=1)
    t = verify(s)
    assert t.state == s["prover_state"]  # prover and verifier transcripts agree
    # serialisation round trip
    p2 = OpeningProof.from_bytes(s["proof"].to_bytes())
    verify(s, proof=p2)


def test_opened_values_correct(honest):
    z = honest["z"]
    w6 = two_adic_generator(6)
    A, B, C, D = honest["mats"]
    for mat, got, pt in [(A, honest["opened"][0][0][0], z), (A, honest["opened"][0][0][1], z * w6),
                         (B, honest["opened"][0][1][0], z), (D, honest["opened"][1][1][0], z * 3)]:
        coeffs = intt(mat)
        for c in range(mat.shape[1]):
            assert evaluate_poly(coeffs[:, c], pt) == got[c]


def test_lde_natural_order(honest):
    pcs, (d1, _) = honest["pcs"], honest["data"]
    A = honest["mats"][0]
    lde = pcs.lde(d1, 0)
    assert lde.shape == (256, 3)
    coeffs = intt(A)
    w = two_adic_generator(8)
    for j in (0, 1, 77, 255):
        x = GENERATOR * pow(w, j, P) % P
        assert evaluate_poly(coeffs[:, 1], x) == int(lde[j, 1])


def _claimed(rounds, r, m, k, c, delta):
    rounds = copy.deepcopy(rounds)
    z, vals = rounds[r][1][m][2][k]
    vals = list(vals)
    vals[c] = vals[c] + delta
    rounds[r][1][m][2][k] = (z, vals)
    return rounds


@pytest.mark.parametrize("where", [(0, 0, 0, 0), (0, 0, 1, 2), (0, 1, 0, 1), (1, 0, 0, 4), (1, 1, 0, 0)])
def test_rejects_wrong_opened_value(honest, where):
    # changing a claimed value after the fact changes the transcript: rejected somewhere
    with pytest.raises(VerificationError):
        verify(honest, rounds=_claimed(honest["rounds"], *where, Ext(1)))


@pytest.mark.parametrize("mat", [0, 1, 3])
def test_cheating_prover_wrong_value_rejected_by_deep_check(monkeypatch, mat):
    """A prover that lies about one opened value and runs the whole protocol
    consistently (transcript, Merkle trees, PoW) is caught by the DEEP quotient having a
    pole: FRI rejects."""
    import functools

    import zkvm.stark.pcs_prover as pp
    from zkvm.poly.ntt import barycentric_eval_many as real

    target = {"n": 0}
    order = {0: 0, 1: 1, 3: 2}[mat]  # index of the barycentric call for that matrix

    def lying(evals, weights, cols=None):
        out = real(evals, weights, cols)
        if target["n"] == order:  # the first point's value of the first column
            out[0] = out[0].copy()
            out[0][0, 0] = (int(out[0][0, 0]) + 1) % P
        target["n"] += 1
        return out

    monkeypatch.setattr(pp, "barycentric_eval_many", lying)
    monkeypatch.setattr(pp, "commit_phase", functools.partial(pp.commit_phase, strict=False))
    s = setup(params(num_queries=8, pow_bits=2), seed=5)
    with pytest.raises(FriError):
        verify(s)


def test_rejects_wrong_commitment(honest):
    rounds = copy.deepcopy(honest["rounds"])
    rounds[1] = (bytes(32), rounds[1][1])
    with pytest.raises(VerificationError):
        verify(honest, rounds=rounds)
    # same transcript, only the PCS statement's root differs: the input Merkle check fails
    t = Transcript(b"pcs-test")
    t.absorb_digest("c1", honest["rounds"][0][0])
    t.absorb_digest("c2", honest["rounds"][1][0])
    t.sample_ext("zeta")
    with pytest.raises(MerkleError, match="input round 1"):
        honest["pcs"].verify(rounds, honest["proof"], t)


def test_rejects_tampered_input_row(honest):
    proof = copy.deepcopy(honest["proof"])
    row = proof.query_proofs[2].input_openings[0].rows[1]
    row[0] = (row[0] + 1) % P
    with pytest.raises(MerkleError, match="input round 0"):
        verify(honest, proof=proof)


def test_rejects_tampered_fri_layer(honest):
    proof = copy.deepcopy(honest["proof"])
    row = proof.query_proofs[0].fri_openings[3].rows[0]
    row[1] = (row[1] + 1) % P
    with pytest.raises(MerkleError, match="FRI layer 3"):
        verify(honest, proof=proof)
    proof = copy.deepcopy(honest["proof"])
    proof.fri_commits[2] = bytes(32)
    with pytest.raises(VerificationError):
        verify(honest, proof=proof)


def test_rejects_tampered_final_poly(honest):
    proof = copy.deepcopy(honest["proof"])
    c = proof.final_poly[0]
    proof.final_poly[0] = ((c[0] + 1) % P,) + tuple(c[1:])
    with pytest.raises(VerificationError):
        verify(honest, proof=proof)
    proof = copy.deepcopy(honest["proof"])
    proof.final_poly.append((0, 0, 0, 0))
    with pytest.raises(FriError, match="final polynomial"):
        verify(honest, proof=proof)


def test_rejects_bad_pow_nonce():
    s = setup(params(pow_bits=12), seed=3)
    proof = copy.deepcopy(s["proof"])
    proof.pow_nonce += 1
    with pytest.raises(PowError):
        verify(s, proof=proof)


def test_rejects_shape_mismatches(honest):
    proof = copy.deepcopy(honest["proof"])
    proof.query_proofs.pop()
    with pytest.raises(ShapeError):
        verify(honest, proof=proof)
    proof = copy.deepcopy(honest["proof"])
    proof.query_proofs[0].input_openings.pop()
    with pytest.raises(ShapeError):
        verify(honest, proof=proof)
    rounds = copy.deepcopy(honest["rounds"])
    z, vals = rounds[0][1][0][2][0]
    rounds[0][1][0][2][0] = (z, vals[:-1])
    with pytest.raises(ShapeError):
        verify(honest, rounds=rounds)
    rounds = copy.deepcopy(honest["rounds"])
    rounds[0][1].pop()  # drop a matrix from the statement
    with pytest.raises(VerificationError):
        verify(honest, rounds=rounds)
    rounds = copy.deepcopy(honest["rounds"])
    rounds[0][1][0] = (6, 3, [])
    with pytest.raises(ShapeError):
        verify(honest, rounds=rounds)


def test_rejects_point_in_lde_domain(honest):
    rounds = copy.deepcopy(honest["rounds"])
    L = 4 + 2
    x = Ext(GENERATOR * two_adic_generator(L) % P)
    rounds[0][1][1] = (4, 2, [(x, rounds[0][1][1][2][0][1])])
    with pytest.raises(ProofFormatError):
        verify(honest, rounds=rounds)


def test_proof_bytes_parsing(honest):
    b = honest["proof"].to_bytes()
    with pytest.raises(ProofFormatError):
        OpeningProof.from_bytes(b + b"\x00")
    with pytest.raises(ProofFormatError):
        OpeningProof.from_bytes(b[:-1])
    # a non-canonical field element in the final polynomial (offset: 4 + 32·k + 4)
    k = len(honest["proof"].fri_commits)
    off = 4 + 32 * k + 4
    bad = b[:off] + (P).to_bytes(4, "little") + b[off + 4:]
    with pytest.raises(ProofFormatError):
        OpeningProof.from_bytes(bad)
    with pytest.raises(ProofFormatError):
        OpeningProof.from_bytes(b"\xff\xff\xff\xff")


def test_commit_rejects_bad_matrices():
    pcs = FriPcs(params())
    with pytest.raises(ValueError):
        pcs.commit([np.zeros((3, 2), dtype=np.uint32)])
    with pytest.raises(ValueError):
        pcs.commit([np.full((4, 2), P, dtype=np.uint32)])
    with pytest.raises(ValueError):
        pcs.commit([])


def test_compressed_query_encoding(honest):
    """Queries after the first carry neither row lengths nor Merkle siblings an earlier
    query of the same tree already sent; the bytes decode to the full proof, which is
    smaller than the naive encoding, and the indices are checked against the transcript."""
    import struct

    proof = honest["proof"]
    b = proof.to_bytes()
    p2 = OpeningProof.from_bytes(b)
    assert p2.query_indices == proof.query_indices
    holes = 0
    for qa, qb in zip(proof.query_proofs, p2.query_proofs):
        for oa, ob in zip(qa.input_openings + qa.fri_openings, qb.input_openings + qb.fri_openings):
            assert oa.rows == ob.rows
            for da, db in zip(oa.path, ob.path, strict=True):
                assert db is None or bytes(db) == bytes(da)
                holes += db is None
    assert holes > 0  # siblings on another query's path were left out ...
    assert p2.to_bytes() == b
    verify(honest, proof=p2)  # ... and the verifier computed them
    for qa, qb in zip(proof.query_proofs, p2.query_proofs):
        for oa, ob in zip(qa.input_openings + qa.fri_openings, qb.input_openings + qb.fri_openings):
            assert [bytes(d) for d in oa.path] == [bytes(d) for d in ob.path]
    naive = sum(4 + sum(4 + 4 * len(r) for r in o.rows) + 4 + 32 * len(o.path)
                for q in proof.query_proofs for o in q.input_openings + q.fri_openings)
    assert len(b) < naive
    # other indices: decodes (to other paths) but the verifier refuses them
    bad = copy.deepcopy(proof)
    bad.query_indices = [(i + 1) % 2 ** 8 for i in proof.query_indices]
    try:
        p3 = OpeningProof.from_bytes(bad.to_bytes())
    except ProofFormatError:
        pass  # the duplicates no longer line up: refused at encoding
    else:
        with pytest.raises(VerificationError):
            verify(honest, proof=p3)
    k = len(proof.fri_commits)
    off = 4 + 32 * k + 4 + 16 * len(proof.final_poly) + 8 + 4  # first query index
    i0 = struct.unpack_from("<I", b, off)[0]
    forged = b[:off] + struct.pack("<I", i0 ^ 1) + b[off + 4:]
    with pytest.raises(VerificationError):
        verify(honest, proof=OpeningProof.from_bytes(forged))


def test_batch_paths_with_forged_rows_rejected(honest):
    """A left-out sibling is computed from another query's rows: forging those rows
    makes the filled path (and that query's own path) fail the root check."""
    p2 = OpeningProof.from_bytes(honest["proof"].to_bytes())
    row = p2.query_proofs[1].input_openings[0].rows[0]
    row[0] = (row[0] + 1) % P
    with pytest.raises(MerkleError):
        verify(honest, proof=p2)
    p3 = OpeningProof.from_bytes(honest["proof"].to_bytes())
    p3.query_indices = list(reversed(p3.query_indices))  # other nodes would be computable
    with pytest.raises(VerificationError):
        verify(honest, proof=p3)


def test_encoding_refuses_inconsistent_or_unindexed_proofs(honest):
    proof = copy.deepcopy(honest["proof"])
    proof.query_indices = None
    with pytest.raises(ProofFormatError, match="query index"):
        proof.to_bytes()
    from zkvm.stark import pcs_types as pt

    proof = copy.deepcopy(honest["proof"])
    # find a sibling that two queries share and that is sent (not on any query's path)
    idx = proof.query_indices
    shape = pt._query_shape(proof.query_proofs[0])
    own = pt._own_nodes(idx, shape[2])
    first: dict = {}
    target = None
    for qi, q in enumerate(proof.query_proofs):
        for pos, (key, _) in enumerate(pt._path_nodes(q, idx[qi], shape)):
            if key[2] in own[key[0]][key[1]]:
                continue
            if key in first and target is None:
                target = (qi, pos)
            first.setdefault(key, qi)
    assert target is not None
    qi, pos = target
    ops = proof.query_proofs[qi].input_openings + proof.query_proofs[qi].fri_openings
    for o in ops:
        if pos < len(o.path):
            o.path[pos] = bytes(32)
            break
        pos -= len(o.path)
    with pytest.raises(ProofFormatError, match="another digest"):
        proof.to_bytes()


def test_forged_query_count_times_tree_heights_refused_before_building_paths():
    """Rows may be empty and siblings implied by other queries, so a forged proof could
    ask for queries × trees × heights path entries from a few hundred KB of input (an
    unbounded loop and allocation); the parser bounds the product first."""
    import struct

    nq, trees = 20_000, 10_000
    data = (struct.pack("<I", 0) + struct.pack("<I", 0) + struct.pack("<Q", 0)
            + struct.pack("<I", nq) + bytes(4 * nq)
            + struct.pack("<II", trees, 0) + struct.pack("<II", 0, 40) * trees + b"\x00")
    with pytest.raises(ProofFormatError, match="parser bound"):
        OpeningProof.from_bytes(data)


@pytest.mark.parametrize("log_n", [3, 7])
def test_hiding_openings_are_the_masked_polynomials(log_n):
    """A hiding commitment opens ``f' = f + Z_H·r`` at out-of-domain points: tall tables
    (k ≤ n) interpolate ``f'`` on ``g·H_n`` and add the mask correction, tiny ones
    (k > n) interpolate it on a larger sub-coset; both must equal ``f'(z)`` computed
    from its coefficients."""
    import zkvm.stark.pcs_prover as pp

    p = params(zk=True, num_queries=6)  # k = 20 mask coefficients
    rng = np.random.default_rng(log_n)
    A = rng.integers(0, P, (1 << log_n, 3), dtype=np.uint32)
    _, data = FriPcs(p).commit([A], hiding=True)
    r = data.masks[0]
    assert r.shape[0] == p.zk_mask_len() and (r.shape[0] <= len(A)) == (log_n == 7)
    coeffs = pp._apply_mask(intt(A), log_n, r)  # f' = f + (X^n − 1)·r
    zs = [Ext(3, 1, 4, 1), Ext(5, 9, 2, 6) * Ext.from_base(two_adic_generator(log_n))]
    got = pp._eval_points(data, 0, zs, {})
    for z, g in zip(zs, got):
        for c in range(3):
            assert Ext(tuple(int(v) for v in g[c])) == evaluate_poly(coeffs[:, c], z)


@pytest.mark.parametrize("zk", [False, True])
def test_commit_extends_the_largest_matrix_first(monkeypatch, zk):
    """Memory: the LDEs are made largest trace first, so the biggest transient (its
    coefficients) sits beside no other LDE; the masks are still drawn in matrix order and
    every matrix gets the LDE of its own (masked) polynomial."""
    import zkvm.stark.pcs_prover as pp
    from zkvm.poly.ntt import coset_lde

    p = params(zk=zk, num_queries=6)
    rng = np.random.default_rng(7)
    mats = [rng.integers(0, P, shape, dtype=np.uint32)
            for shape in [(16, 2), (64, 5), (32, 3), (64, 1)]]
    seen = []
    real = pp.intt_padded if zk else pp.coset_lde

    def spy(a, *rest):
        seen.append(a.shape)
        return real(a, *rest)

    drawn = []
    real_rf = pp.random_field

    def rf(shape):
        drawn.append(tuple(shape))
        return real_rf(shape)

    monkeypatch.setattr(pp, "intt_padded" if zk else "coset_lde", spy)
    monkeypatch.setattr(pp, "random_field", rf)
    _, data = FriPcs(p).commit(mats, hiding=zk)
    assert seen == [(64, 5), (32, 3), (64, 1), (16, 2)]
    k = p.zk_mask_len()
    assert drawn == ([(k, 2), (k, 5), (k, 3), (k, 1)] if zk else [])
    for m, a in enumerate(mats):
        if zk:
            assert data.masks[m].shape == (p.zk_mask_len(), a.shape[1])
            lb = p.log_blowup + data.extra_log_list[m]
            want = pp._coeff_lde(pp._apply_mask(intt(a), len(a).bit_length() - 1,
                                                data.masks[m]), data.log_heights[m] + lb)
        else:
            want = coset_lde(a, p.log_blowup, GENERATOR)
        assert (data.ldes[m] == want).all()

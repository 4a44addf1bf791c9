"""FRI leaf inputs (``StarkParams.fri_leaf_inputs``, on in the default parameters): a DEEP
input whose LDE size falls inside a full-arity FRI round is committed in that round's
leaves, and in zk mode gets its own DEEP mask ``R_L`` in the quotient commitment
(:func:`zkvm.stark.fri.fri_rounds`, :func:`zkvm.stark.zk.leaf_mask_logs`).

The FRI-level checks (schedule, folding, cancelling words, the spot check against the
DEEP value) are in test_fri.py; here: whole STARK and machine proofs."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from tests.support.core_programs import echo_words
from tests.support.stark_airs import ReceiverAir, SenderAir
from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.stark.errors import (MerkleError, ShapeError, StatementMismatchError,
                               VerificationError)
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import FriPcs
from zkvm.stark.proof import Proof
from zkvm.stark.prover import prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.verifier import verify

XS = [3, 5, 3, 9, 5, 5, 11]


def _params(zk: bool = True, leaf: bool = True) -> StarkParams:
    return dataclasses.replace(StarkParams.testing(zk=zk), fri_log_arity=3,
                               fri_leaf_inputs=leaf)


def _prove(params):
    """Sender (512 rows) and receiver (16 rows): with arity 8 the receiver's LDE size
    lies strictly inside FRI's first round."""
    s = StarkSystem([SenderAir(), ReceiverAir()], params)
    pk, vk = s.setup()
    traces = [SenderAir.generate_trace(XS, 512), ReceiverAir.generate_trace(XS, 16)]
    return s, pk, vk, prove(pk, traces, [])


@pytest.fixture(scope="module")
def leaf_proof():
    return _prove(_params())


def test_leaf_proof_verifies_with_fewer_fri_rounds(leaf_proof):
    _, _, vk, proof = leaf_proof
    verify(vk, proof, [])
    verify(vk, Proof.from_bytes(proof.to_bytes()), [])
    q0 = proof.opening_proof.query_proofs[0]
    assert len(q0.fri_openings[0].rows) == 2  # the folded word + one leaf word
    # + the leaf size's DEEP mask R_L: a third matrix of 4 columns in the quotient round
    assert len(proof.opened[-1]) == 3 and len(proof.opened[-1][-1][0]) == 4
    _, _, _, classic = _prove(_params(leaf=False))
    assert _fri_path_levels(proof) < _fri_path_levels(classic)


def _fri_path_levels(proof) -> int:
    """Merkle levels of one query's FRI layer paths (what the leaf inputs shorten)."""
    return sum(len(o.path) for o in proof.opening_proof.query_proofs[0].fri_openings)


def test_non_zk_leaf_proof_has_no_leaf_masks():
    _, _, vk, proof = _prove(_params(zk=False))
    verify(vk, proof, [])
    assert any(len(o.rows) == 2 for o in proof.opening_proof.query_proofs[0].fri_openings)
    assert len(proof.opened[-1]) == 2


def test_leaf_mask_required(leaf_proof):
    _, _, vk, proof = leaf_proof
    p = copy.deepcopy(proof)
    del p.opened[-1][-1]
    with pytest.raises(ShapeError):
        verify(vk, p, [])


def test_leaf_mask_value_bound(leaf_proof):
    """R_L's value at ζ is absorbed and enters RO_L: a changed value is rejected."""
    _, _, vk, proof = leaf_proof
    p = copy.deepcopy(proof)
    v = p.opened[-1][-1][0]
    v[0] = Ext(((v[0].coeffs[0] + 1) % P,) + v[0].coeffs[1:])
    with pytest.raises(VerificationError):
        verify(vk, p, [])


def test_leaf_word_authenticated(leaf_proof):
    _, _, vk, proof = leaf_proof
    p = copy.deepcopy(proof)
    row = p.opening_proof.query_proofs[0].fri_openings[0].rows[1]
    row[0] = (row[0] + 1) % P
    with pytest.raises(MerkleError):
        verify(vk, p, [])


def test_leaf_word_missing_rejected(leaf_proof):
    _, _, vk, proof = leaf_proof
    p = copy.deepcopy(proof)
    for q in p.opening_proof.query_proofs:
        q.fri_openings[0].rows.pop()
    with pytest.raises(VerificationError):
        verify(vk, p, [])


def test_classic_verifier_refuses_leaf_proof(leaf_proof):
    _, _, _, proof = leaf_proof
    s = StarkSystem([SenderAir(), ReceiverAir()], _params(leaf=False))
    _, vk2 = s.setup()
    with pytest.raises(StatementMismatchError):
        verify(vk2, proof, [])


def test_pcs_own_mask_refuses_leaf_inputs():
    """zk + leaf inputs needs the caller's DEEP masks (the STARK's quotient commitment);
    the PCS alone refuses to prove or verify without them."""
    from zkvm.stark.transcript import Transcript

    pcs = FriPcs(_params())
    a = np.random.default_rng(5).integers(0, P, (16, 3), dtype=np.uint32)
    root, data = pcs.commit([a], hiding=True)
    z = Ext((5, 6, 7, 8))
    with pytest.raises(ValueError, match="leaf inputs"):
        pcs.open([(data, [[z]])], Transcript(b"t"))
    opened, proof = pcs.open([(data, [[z]])], Transcript(b"t"), mask_in_rounds=True)
    with pytest.raises(ShapeError, match="leaf inputs"):
        pcs.verify([(root, [(4, 3, [(z, opened[0][0][0])])], True)], proof, Transcript(b"t"))


def test_machine_proof_with_leaf_inputs(testing_params):
    """A RISC-V machine proof (echo: tables of many heights, stacked short tables as in
    the default parameters) with arity-8 leaf-input FRI verifies; the receipt carries
    the flag (bit 2 of the params flags), so the image ID differs from the classic one."""
    from zkvm.machine import Machine
    from zkvm.machine import verify as mverify
    from zkvm.receipt import Receipt
    from zkvm.riscv.layout import Program

    out = {}
    for leaf in (False, True):
        p = dataclasses.replace(testing_params, fri_log_arity=3, log_stack=4,
                                fri_leaf_inputs=leaf)
        m = Machine.for_program(Program.from_words(echo_words()), p)
        raw = m.prove(b"leaf inputs").to_bytes()
        mverify(raw, m.image_id)
        rc = Receipt.from_bytes(raw)
        assert rc.vk.params.fri_leaf_inputs is leaf
        out[leaf] = (m.image_id, Proof.from_bytes(rc.proof))
    assert out[False][0] != out[True][0]
    assert _fri_path_levels(out[True][1]) < _fri_path_levels(out[False][1])
    assert any(len(o.rows) > 1 for o in out[True][1].opening_proof.query_proofs[0].fri_openings)


def test_byte_flips_rejected(leaf_proof):
    """Any flipped bit of a leaf-input proof (FRI leaf words and paths in the PCS
    section, the leaf mask's value among the opened values) is rejected, typed."""
    import random

    _, _, vk, proof = leaf_proof
    data = proof.to_bytes()
    rng = random.Random(77)
    offsets = proof.section_offsets()
    for name in ("opened_values", "pcs"):
        lo, hi = offsets[name]
        for pos in sorted({hi - 1} | {rng.randrange(lo, hi) for _ in range(24)}):
            bad = bytearray(data)
            bad[pos] ^= 1 << rng.randrange(8)
            with pytest.raises(VerificationError):
                verify(vk, bytes(bad), [])

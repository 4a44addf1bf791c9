"""Proof format v6: a trace matrix is opened at ζ·ω only in the columns some constraint
reads at the next row (``TableInfo.next_cols``), through PCS points that open a column
subset; the LogUp running sum is exclusive, so of the aux columns only it is read there.

Negative tests: a tampered next-row value, a subset the statement does not name, an
ill-formed subset, and values opened for a column outside the subset are all rejected."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tests.support.stark_airs import FibAir, ReceiverAir, SenderAir
from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.stark.errors import ShapeError, VerificationError
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import FriPcs
from zkvm.stark.prover import prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.transcript import Transcript
from zkvm.stark.verifier import verify

PARAMS = StarkParams.testing()


def _bump(e: Ext) -> Ext:
    return Ext(((e.coeffs[0] + 1) % P,) + e.coeffs[1:])


# ------------------------------------------------------------------ PCS column subsets

def _pcs_setup(seed=0):
    p = StarkParams(log_blowup=2, num_queries=6, pow_bits=2, fri_log_arity=1,
                    log_final_poly_len=0, is_testing=True, zk=False)
    rng = np.random.default_rng(seed)
    A = rng.integers(0, P, (32, 5), dtype=np.uint32)
    pcs = FriPcs(p)
    root, data = pcs.commit([A])
    t = Transcript(b"subset-test")
    z = t.sample_ext("zeta")
    zw = z * Ext.from_base(two_adic_generator(5))
    opened, proof = pcs.open([(data, [[z, (zw, (1, 3))]])], t)
    return pcs, root, z, zw, opened, proof


def _pcs_verify(pcs, root, proof, ops):
    t = Transcript(b"subset-test")
    t.sample_ext("zeta")
    pcs.verify([(root, [(5, 5, ops)])], proof, t)


def test_pcs_opens_a_column_subset_and_verifies():
    pcs, root, z, zw, opened, proof = _pcs_setup()
    assert [len(v) for v in opened[0][0]] == [5, 2]
    _pcs_verify(pcs, root, proof, [(z, opened[0][0][0]), (zw, opened[0][0][1], (1, 3))])


def test_pcs_subset_values_are_bound():
    pcs, root, z, zw, opened, proof = _pcs_setup()
    full, sub = opened[0][0]
    with pytest.raises(VerificationError):  # a wrong claimed value leaves a DEEP pole
        _pcs_verify(pcs, root, proof, [(z, full), (zw, [sub[0], _bump(sub[1])], (1, 3))])


@pytest.mark.parametrize("cols", [(1, 2), (0, 3), (3, 1)])
def test_pcs_statement_must_name_the_opened_columns(cols):
    """The same values claimed for other columns (or in another order) fail: the shape
    header binds the subset and each column keeps its own power of α."""
    pcs, root, z, zw, opened, proof = _pcs_setup()
    full, sub = opened[0][0]
    with pytest.raises(VerificationError):
        _pcs_verify(pcs, root, proof, [(z, full), (zw, sub, cols)])


@pytest.mark.parametrize("cols, n", [((), 0), ((1, 1), 2), ((2, 1), 2), ((1, 5), 2),
                                     ((-1, 2), 2), ((True, 2), 2), ("ab", 2)])
def test_pcs_rejects_ill_formed_subsets(cols, n):
    pcs, root, z, zw, opened, proof = _pcs_setup()
    vals = opened[0][0][1][:1] * n
    with pytest.raises(ShapeError):
        _pcs_verify(pcs, root, proof, [(z, opened[0][0][0]), (zw, vals, cols)])


def test_pcs_subset_value_count_must_match():
    pcs, root, z, zw, opened, proof = _pcs_setup()
    full, sub = opened[0][0]
    with pytest.raises(ShapeError):
        _pcs_verify(pcs, root, proof, [(z, full), (zw, sub + [sub[0]], (1, 3))])
    with pytest.raises(VerificationError):  # claiming every column at ζ·ω: another shape
        _pcs_verify(pcs, root, proof, [(z, full), (zw, full)])


def test_pcs_prover_refuses_bad_subsets():
    p = StarkParams.testing()
    pcs = FriPcs(p)
    _, data = pcs.commit([np.ones((8, 3), dtype=np.uint32)])
    z = Transcript(b"x").sample_ext("z")
    with pytest.raises(ValueError, match="increase strictly"):
        pcs.open([(data, [[z, (z * 3, (2, 1))]])], Transcript(b"x"))


# ------------------------------------------------------------------ the STARK

@pytest.fixture(scope="module")
def bus_proof():
    xs = [3, 5, 3, 9, 5, 5, 11]
    s = StarkSystem([SenderAir(), ReceiverAir(), FibAir()], PARAMS)
    pk, vk = s.setup()
    fib, pv = FibAir.generate_trace(8)
    traces = [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4), fib]
    return s, vk, pv, prove(pk, traces, pv)


def test_next_cols_are_what_the_constraints_read(bus_proof):
    s, _, _, _ = bus_proof
    sender, receiver, fib = s.tables
    assert sender.next_cols("main") == () and sender.next_cols("pre") == ()
    assert fib.next_cols("main") == (0, 1)  # a' = b, b' = a + b
    assert fib.next_cols("aux") == ()       # no interactions
    for t in (sender, receiver):  # only the running sum (the last ext column) is read
        G = t.layout.num_aux_ext - 1
        assert t.next_cols("aux") == tuple(range(4 * G, 4 * G + 4))


def test_proof_opens_the_next_row_only_where_read(bus_proof):
    s, vk, pv, proof = bus_proof
    verify(vk, proof, pv)
    main = proof.opened[0]  # no preprocessed tables: round 0 is main
    assert [len(pts) for pts in main] == [1, 1, 2]
    assert len(main[2][1]) == 2
    aux = proof.opened[1]
    assert [[len(v) for v in pts] for pts in aux] == [[t.aux_width, 4] for t in s.tables[:2]]


@pytest.mark.parametrize("where", ["main", "aux"])
def test_tampered_next_row_value_is_rejected(bus_proof, where):
    _, vk, pv, proof = bus_proof
    p = copy.deepcopy(proof)
    vals = p.opened[0][2][1] if where == "main" else p.opened[1][0][1]
    vals[0] = _bump(vals[0])
    with pytest.raises(VerificationError):
        verify(vk, p, pv)


def test_extra_next_row_values_are_rejected(bus_proof):
    """Opening a column the constraints do not read at ζ·ω is a shape error."""
    _, vk, pv, proof = bus_proof
    p = copy.deepcopy(proof)
    p.opened[0][0].append(list(p.opened[0][0][0]))  # sender main at a second point
    with pytest.raises(ShapeError):
        verify(vk, p, pv)
    p = copy.deepcopy(proof)
    p.opened[0][2][1].append(p.opened[0][2][1][0])
    with pytest.raises(ShapeError):
        verify(vk, p, pv)


def test_running_sum_is_exclusive(bus_proof):
    """Row 0 of the running sum is 0 and the claimed sum is the total over every row."""
    from zkvm.stark.quotient import generate_aux_trace

    s, _, _, _ = bus_proof
    t = s.tables[0]
    xs = [3, 5, 3]
    main = np.zeros((4, t.committed_width), dtype=np.uint32)  # + zero blinding columns
    main[:, :t.main_width] = SenderAir.generate_trace(xs, 4)
    a, b = Ext((1, 2, 3, 4)), Ext((5, 6, 7, 8))
    for method in ("bytecode", "numpy"):
        aux, claimed = generate_aux_trace(t, main, None, [], a, b, method=method)
        G = t.layout.num_aux_ext - 1
        run = aux[:, 4 * G:4 * G + 4].astype(np.int64)
        h = aux[:, :4 * G].astype(np.int64).reshape(4, G, 4).sum(axis=1) % P
        assert not run[0].any()
        assert ((run[1:] - run[:-1] - h[:-1]) % P == 0).all()
        assert ((run[-1] + h[-1]) % P == claimed).all()


def test_running_sum_must_start_at_zero(bus_proof, monkeypatch):
    """``logup.first_row`` (S = 0) is load-bearing: shifting one table's running sum by
    +c and another's by −c keeps every transition and the global balance, and is caught
    only by the first-row constraint."""
    from zkvm.stark import prover as prover_mod

    s, _, pv, _ = bus_proof
    real = prover_mod.generate_aux_trace
    shift = {0: 5, 1: P - 5}

    def forged(t, *a, **kw):
        aux, claimed = real(t, *a, **kw)
        c = shift.get(t.index, 0)
        G = t.layout.num_aux_ext - 1
        aux = aux.copy()
        aux[:, 4 * G] = (aux[:, 4 * G].astype(np.int64) + c) % P
        claimed = claimed.copy()
        claimed[0] = (int(claimed[0]) + c) % P
        return aux, claimed

    monkeypatch.setattr(prover_mod, "generate_aux_trace", forged)
    xs = [3, 5, 3, 9, 5, 5, 11]
    fib, _ = FibAir.generate_trace(8)
    traces = [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4), fib]
    weak = s.mutant({"sender.logup.first_row", "receiver.logup.first_row"})
    wpk, wvk = weak.setup()
    verify(wvk, prove(wpk, traces, pv), pv)  # accepted without the constraint
    pk, vk = s.setup()
    with pytest.raises(VerificationError):
        verify(vk, prove(pk, traces, pv), pv)

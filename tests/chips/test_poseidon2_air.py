"""The ``poseidon2`` hash table (zkvm.chips.poseidon2), standalone.

System: ``poseidon2`` and a test-only ``p2_user`` table that sends one HASH message
``(in[16], out[8])`` per real row, so the bus balances against the table's ``mult``.

Honest traces pass the checker (digests = ``compress_many``, padding rows = the zero
block with ``mult = 0``); a tampered cube / full-round state / partial-round column /
input / digest fails its named constraint, a wrong ``mult`` or a consistent row of
another block unbalances the bus; each constraint family is load-bearing (a row
recomputed honestly after the tampered cell passes the mutant without that constraint
and fails the real system); bad inputs raise :class:`Poseidon2AirError`.
"""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.chips.adapter import trace_height
from zkvm.chips.poseidon2 import HASH, Poseidon2Air, Poseidon2AirError
from zkvm.hash.poseidon2 import (DIGEST, P, RC_FULL, RC_PART, ROUNDS_F, ROUNDS_P, WIDTH,
                                 Poseidon2Error, compress_many, external_layer,
                                 internal_layer, permute_many)
from tests.support import mutation as mu
from zkvm.stark.air import Air, Columns
from zkvm.stark.checker import check_all_padding, check_traces
from zkvm.stark.system import StarkSystem

COLS = Poseidon2Air.columns


class P2UserAir(Air):
    """TEST-ONLY: sends one HASH message ``(in[16], out[8])`` per real row."""

    name = "p2_user"
    columns = Columns("is_real", ("msg", WIDTH + DIGEST))
    max_degree = 3

    def eval(self, b):
        b.assert_bool(b.local.is_real, "is_real_bool")
        b.send(HASH, list(b.local.msg), multiplicity=b.local.is_real, name="hash")

    def generate_trace(self, msgs):
        msgs = np.asarray(msgs, dtype=np.uint32).reshape(-1, WIDTH + DIGEST)
        t = self.columns.new_trace(trace_height(len(msgs)))
        v = self.columns.view(t)
        v.is_real[:len(msgs)] = 1
        v.msg[:len(msgs)] = msgs
        return t


@pytest.fixture(scope="module")
def system(testing_params):
    return StarkSystem([Poseidon2Air(), P2UserAir()], testing_params, num_public_values=0,
                       name="poseidon2-test")


def _blocks(n, seed=1):
    rng = np.random.default_rng(seed)
    b = rng.integers(0, P, size=(n, WIDTH), dtype=np.int64).astype(np.uint32)
    b[1] = 0                      # the zero block as a real row too
    b[2, :8] = P - 1              # extreme values
    return b


@pytest.fixture(scope="module")
def honest():
    """5 distinct blocks (trace height 8: three padding rows), multiplicities 1..3."""
    blocks = _blocks(5)
    mult = np.array([1, 3, 2, 1, 2], dtype=np.int64)
    tr = Poseidon2Air().generate_trace(blocks, mult)
    msgs = np.concatenate([blocks, compress_many(blocks)], axis=1)
    user = P2UserAir().generate_trace(np.repeat(msgs, mult, axis=0))
    return blocks, mult, tr, user


def _failing(rep):
    return ({f.constraint for f in rep.constraint_failures}
            | {str(b.bus) for b in rep.bus_imbalances} | set(rep.shape_errors))


def _col(name, k=0):
    return COLS.slice(name).start + k


# ------------------------------------------------------------------ reference row
def ref_row(block, mult, override=None):
    """One trace row from plain ints, following the constraints: each S-box cube is
    ``x^3``, its output ``cube^2·x``, each full-round state ``M_E`` of the outputs —
    except that ``override[column index] = value`` replaces a column's value when it is
    computed and the rest of the row is derived from it."""
    ov = override or {}
    row = [0] * COLS.width

    def put(c, v):
        row[c] = ov.get(c, v % P)
        return row[c]

    put(_col("mult"), mult)
    s = [put(_col("inp", i), int(x)) for i, x in enumerate(block)]
    s = external_layer(s)
    for r in range(ROUNDS_F):
        if r == ROUNDS_F // 2:
            for q in range(ROUNDS_P):
                x = (s[0] + int(RC_PART[q])) % P
                c = put(_col("p_cube", q), pow(x, 3, P))
                s[0] = put(_col("p_sbox", q), c * c * x)
                s = internal_layer(s)
        u = []
        for i in range(WIDTH):
            x = (s[i] + int(RC_FULL[r, i])) % P
            c = put(_col(f"cube{r}", i), pow(x, 3, P))
            u.append(c * c * x % P)
        s = [put(_col(f"state{r}", i), y) for i, y in enumerate(external_layer(u))]
    return np.array(row, dtype=np.uint32)


# ------------------------------------------------------------------ layout
def test_layout_and_degrees():
    air = Poseidon2Air()
    comp = air.compile()
    assert COLS.width == 1 + WIDTH + ROUNDS_F * 2 * WIDTH + 2 * ROUNDS_P == 299
    assert len(comp.constraints) == ROUNDS_F * 2 * WIDTH + 2 * ROUNDS_P == 282
    assert comp.max_constraint_degree == 3 == air.max_degree
    assert all(COLS.doc(n) for n in COLS.names)
    (it,) = comp.interactions
    assert (it.name, it.bus, it.sign, it.max_multiplicity) == ("hash", HASH, -1, None)
    assert all(v.degree == 1 for v in it.values)
    from zkvm.precompiles.registry import BUS_IDS

    assert HASH.id == BUS_IDS["p2_hash"] and HASH.width == 24
    assert len(set(BUS_IDS.values())) == len(BUS_IDS)
    assert Poseidon2Air.digest_columns() == slice(_col("state7"), _col("state7") + DIGEST)


# ------------------------------------------------------------------ honest
def test_trace_matches_reference(honest):
    blocks, mult, tr, _ = honest
    n = len(blocks)
    assert tr.shape == (8, COLS.width) and tr.dtype == np.uint32
    v = COLS.view(tr)
    assert np.array_equal(v.mult[:n], mult) and not v.mult[n:].any()
    assert np.array_equal(v.inp[:n], blocks)
    assert np.array_equal(tr[:n, Poseidon2Air.digest_columns()], compress_many(blocks))
    assert np.array_equal(v.state7[:n], permute_many(blocks))
    for i in range(n):  # the numba kernel agrees with the plain-int reference, every column
        assert np.array_equal(tr[i], ref_row(blocks[i], mult[i]))
    pad = ref_row(np.zeros(WIDTH, np.int64), 0)
    assert all(np.array_equal(tr[i], pad) for i in range(n, 8))


def test_honest_passes_checker(system, honest):
    _, _, tr, user = honest
    rep = check_traces(system, [tr, user], [])
    assert rep.ok, str(rep)


def test_padding_row_satisfies_everything():
    """An all-padding table (the zero block's row, mult 0) fails no constraint and sends
    nothing; the all-zero row would not satisfy the rounds."""
    air = Poseidon2Air()
    pad = air.generate_trace(np.zeros((0, WIDTH), np.uint32))
    assert pad.shape == (8, COLS.width) and (pad == pad[0]).all() and pad[0, 0] == 0
    assert check_all_padding(air, pad[0], log_height=3).ok
    assert not check_all_padding(air, log_height=3).ok


def test_larger_trace_and_default_multiplicity(system):
    blocks = _blocks(300, seed=5)
    tr = Poseidon2Air().generate_trace(blocks)
    assert tr.shape[0] == 512 and (COLS.view(tr).mult[:300] == 1).all()
    assert np.array_equal(tr[:300, Poseidon2Air.digest_columns()], compress_many(blocks))
    user = P2UserAir().generate_trace(np.concatenate([blocks, compress_many(blocks)], axis=1))
    assert check_traces(system, [tr, user], []).ok


# ------------------------------------------------------------------ tampering
TAMPER = [
    (("cube0", 3), "full0_cube3"),
    (("cube5", 15), "full5_cube15"),
    (("state1", 7), "full1_state7"),
    (("state4", 0), "full4_state0"),
    (("p_cube", 0), "part0_cube"),
    (("p_cube", 12), "part12_cube"),
    (("p_sbox", 6), "part6_sbox"),
    (("state7", 2), "full7_state2"),       # a digest element
    (("state7", 12), "full7_state12"),     # past the digest
]


@pytest.mark.parametrize("cell,constraint", TAMPER, ids=[t[1] for t in TAMPER])
def test_tampered_column_fails_its_constraint(system, honest, cell, constraint):
    _, _, tr, user = honest
    tr = tr.copy()
    c = _col(*cell)
    tr[1, c] = (int(tr[1, c]) + 1) % P
    rep = check_traces(system, [tr, user], [])
    fails = _failing(rep)
    assert constraint in fails
    assert {f.row for f in rep.constraint_failures if f.constraint == constraint} == {1}
    # the digest is a bus value: changing it also unbalances HASH
    assert ("p2_hash" in fails) == (cell[0] == "state7" and cell[1] < DIGEST)


def test_tampered_input_fails(system, honest):
    _, _, tr, user = honest
    tr = tr.copy()
    tr[0, _col("inp", 9)] ^= 1
    fails = _failing(check_traces(system, [tr, user], []))
    assert "p2_hash" in fails and any(f.startswith("full0_cube") for f in fails)


def test_padding_row_tampered_fails(system, honest):
    _, _, tr, user = honest
    tr = tr.copy()
    tr[6, _col("p_sbox", 3)] = 0
    assert "part3_sbox" in _failing(check_traces(system, [tr, user], []))


@pytest.mark.parametrize("row,delta", [(1, 1), (1, -1), (0, -1), (6, 1)],
                         ids=["mult_plus", "mult_minus", "mult_zero", "padding_receives"])
def test_wrong_multiplicity_unbalances_bus(system, honest, row, delta):
    _, _, tr, user = honest
    tr = tr.copy()
    tr[row, 0] = (int(tr[row, 0]) + delta) % P
    rep = check_traces(system, [tr, user], [])
    assert not rep.constraint_failures and _failing(rep) == {"p2_hash"}


def test_consistent_row_of_another_block_unbalances_bus(system, honest):
    """A row replaced by the honest trace of another block satisfies every constraint;
    the sender's (block, digest) then has no receiver."""
    blocks, mult, tr, user = honest
    tr = tr.copy()
    other = blocks[3].copy()
    other[0] = (int(other[0]) + 1) % P
    tr[3] = ref_row(other, mult[3])
    rep = check_traces(system, [tr, user], [])
    assert not rep.constraint_failures and _failing(rep) == {"p2_hash"}


def test_sender_of_a_wrong_digest_unbalanced(system, honest):
    blocks, mult, tr, _ = honest
    msgs = np.concatenate([blocks, compress_many(blocks)], axis=1)
    msgs[0, WIDTH + 4] = (int(msgs[0, WIDTH + 4]) + 1) % P
    user = P2UserAir().generate_trace(np.repeat(msgs, mult, axis=0))
    rep = check_traces(system, [tr, user], [])
    assert not rep.constraint_failures and _failing(rep) == {"p2_hash"}


LOAD_BEARING = [
    (("cube2", 7), "full2_cube7"),
    (("state3", 5), "full3_state5"),
    (("p_cube", 4), "part4_cube"),
    (("p_sbox", 9), "part9_sbox"),
    (("state7", 1), "full7_state1"),
]


@pytest.mark.parametrize("cell,constraint", LOAD_BEARING, ids=[t[1] for t in LOAD_BEARING])
def test_each_constraint_family_is_load_bearing(system, honest, cell, constraint):
    """One wrong cell, the rest of the row recomputed from it by the round equations, and
    the sender sends the resulting (false) digest: only ``constraint`` catches it."""
    blocks, mult, tr, _ = honest
    tr = tr.copy()
    c = _col(*cell)
    tr[2] = ref_row(blocks[2], mult[2], {c: (int(tr[2, c]) + 5) % P})
    msgs = np.concatenate([blocks, compress_many(blocks)], axis=1)
    msgs[2, WIDTH:] = tr[2, Poseidon2Air.digest_columns()]
    assert not np.array_equal(msgs[2, WIDTH:], compress_many(blocks[2:3])[0])
    user = P2UserAir().generate_trace(np.repeat(msgs, mult, axis=0))
    rep = check_traces(system, [tr, user], [])
    assert [f.constraint for f in rep.constraint_failures] == [constraint]
    assert not rep.bus_imbalances
    weak = mu.mutant(system, [f"poseidon2.{constraint}"])
    assert mu.shows_load_bearing(system, weak, [tr, user], [])


# ------------------------------------------------------------------ unique_blocks
def test_unique_blocks():
    b = _blocks(4, seed=3)
    rep = b[[2, 0, 2, 1, 3, 2, 0]]
    u, counts, where = Poseidon2Air.unique_blocks(rep)
    assert u.dtype == np.uint32 and counts.dtype == np.int64 and where.dtype == np.int64
    assert u.shape == (4, WIDTH) and counts.sum() == 7
    assert np.array_equal(u[where], rep)
    assert [tuple(r) for r in u] == sorted(tuple(r) for r in u)
    assert counts[where[0]] == 3 and counts[where[1]] == 2
    z = Poseidon2Air.unique_blocks(np.zeros((3, WIDTH), np.uint32))
    assert z[0].shape == (1, WIDTH) and z[1].tolist() == [3] and z[2].tolist() == [0, 0, 0]
    e = Poseidon2Air.unique_blocks(np.zeros((0, WIDTH), np.uint32))
    assert e[0].shape == (0, WIDTH) and e[1].shape == (0,) and e[2].shape == (0,)
    # the pair (distinct, counts) is a trace whose mults balance every send
    tr = Poseidon2Air().generate_trace(u, counts)
    assert int(COLS.view(tr).mult.sum()) == 7


# ------------------------------------------------------------------ bad inputs
BAD = [
    (np.zeros((2, 15), np.uint32), None),
    (np.zeros(16, np.uint32), None),
    (np.full((1, 16), P, np.int64), None),
    (np.full((1, 16), -1, np.int64), None),
    (np.zeros((1, 16), np.float64), None),
    (np.zeros((2, 16), np.uint32), [1]),
    (np.zeros((2, 16), np.uint32), [1, -1]),
    (np.zeros((2, 16), np.uint32), [1, P]),
    (np.zeros((2, 16), np.uint32), [1.0, 2.0]),
]


@pytest.mark.parametrize("blocks,mult", BAD)
def test_bad_inputs_rejected(blocks, mult):
    with pytest.raises(Poseidon2AirError):
        Poseidon2Air().generate_trace(blocks, mult)
    if mult is None:
        with pytest.raises(Poseidon2AirError):
            Poseidon2Air.unique_blocks(blocks)
    assert issubclass(Poseidon2AirError, Poseidon2Error) and issubclass(Poseidon2AirError,
                                                                           ValueError)


def test_zero_multiplicity_allowed(system):
    blocks = _blocks(3)
    tr = Poseidon2Air().generate_trace(blocks, [0, 2, 0])
    msgs = np.concatenate([blocks, compress_many(blocks)], axis=1)
    user = P2UserAir().generate_trace(np.repeat(msgs, [0, 2, 0], axis=0))
    assert check_traces(system, [tr, user], []).ok


# ------------------------------------------------------------------ proof
@pytest.mark.slow
def test_prove_verify_and_forgery_rejected(system, honest):
    from zkvm.stark import prover, verifier

    _, _, tr, user = honest
    pk, vk = system.setup()
    proof = prover.prove(pk, [tr, user], [])
    verifier.verify(vk, proof, [])

    bad = tr.copy()
    bad[1, _col("p_sbox", 6)] = (int(bad[1, _col("p_sbox", 6)]) + 1) % P
    forged = prover.prove(pk, [bad, user], [], debug=False)
    with pytest.raises(Exception):
        verifier.verify(vk, forged, [])

"""LogUp helper columns of a larger degree (``StarkParams.max_constraint_degree`` > 3):
per table the engine picks the helper degree that opens the fewest columns per
query (``zkvm.stark.system._choose_layout``); the wide layout proves, verifies and
rejects like the default one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.support.stark_airs import BYTE_BUS, ByteTableAir, FibAir
from zkvm.field.babybear import P
from zkvm.stark.air import Air, Columns
from zkvm.stark.errors import ConstraintMismatchError, LogUpSumError, VerificationError
from zkvm.stark.params import StarkParams
from zkvm.stark.prover import prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.verifier import verify

NARROW = StarkParams.testing()
WIDE = dataclasses.replace(NARROW, max_constraint_degree=5)
K = 11  # byte lookups per row


class ManyBytesAir(Air):
    """Each row range-checks K byte columns (K lookups: many interactions per row)."""

    name = "many_bytes"
    columns = Columns(("b", K), "is_real")
    max_degree = 3

    def eval(self, b):
        loc = b.local
        b.assert_bool(loc.is_real, "is_real_bool")
        for j in range(K):
            b.send(BYTE_BUS, [loc.b[j]], multiplicity=loc.is_real, name=f"range_{j}")

    @staticmethod
    def generate_trace(rows, n):
        t = ManyBytesAir.columns.new_trace(n)
        v = ManyBytesAir.columns.view(t)
        rows = np.asarray(rows, dtype=np.uint32).reshape(-1, K)
        v.b[: len(rows)] = rows
        v.is_real[: len(rows)] = 1
        return t


def _traces(rows, n=16):
    rows = np.asarray(rows, dtype=np.uint32).reshape(-1, K)
    return [ByteTableAir.generate_trace(rows.ravel()), ManyBytesAir.generate_trace(rows, n)]


ROWS = [[(17 * i + 3 * j) % 256 for j in range(K)] for i in range(11)]


def _system(params):
    return StarkSystem([ByteTableAir(), ManyBytesAir()], params)


def test_degree_3_pairs_interactions():
    s = _system(NARROW)
    t = s.tables[1]
    # K lookups (+ the zk blinding interactions of a blinded table), paired
    n = len(t.interactions)
    assert n >= K and t.degree == 3 and t.log_quotient_chunks == 1
    assert [len(g) for g in t.layout.groups] == [2] * (n // 2) + [1] * (n % 2)


def _width(t, params):
    """Aux + quotient base columns opened per query at the choice height."""
    from zkvm.stark.system import _CHOICE_LOG_N
    from zkvm.stark.zk import table_layout

    lay = table_layout(params, _CHOICE_LOG_N, t.degree, t.log_quotient_chunks)
    return 4 * t.layout.num_aux_ext + 4 * lay.num_chunks


def test_wide_layout_chosen_where_it_opens_fewer_columns():
    s = _system(WIDE)
    many, table = s.tables[1], s.tables[0]
    narrow = _system(NARROW).tables[1]
    n = len(many.interactions)
    # zk: degree 5 would need quotient chunks taller than the trace (C_Q > 4n), so
    # groups of 3 (degree 4, 3 chunks of n): 4·(4 helpers + S) + 4·3 = 32 < 4·(6 + 1) + 4·2
    assert many.degree == 4 and many.log_quotient_chunks == 2
    assert [len(g) for g in many.layout.groups] == [3] * (n // 3) + [n % 3] * (n % 3 > 0)
    assert _width(many, WIDE) < _width(narrow, NARROW)
    # one lookup + the blinding interactions: wider groups save no column, stays degree 3
    assert table.degree == 3 and table.log_quotient_chunks == 1
    # the choice is part of the statement: other digests
    assert s._digest_body != _system(NARROW)._digest_body


def test_without_zk_degree_5_is_chosen():
    """Without zk the quotient of degree 4n is 4 chunks of n: groups of 4 (degree 5,
    4·(3 + 1) + 16 = 32) beat groups of 3 (4·(4 + 1) + 16 = 36) and pairs (4·(6 + 1) + 8)."""
    wide = dataclasses.replace(WIDE, zk=False)
    t = _system(wide).tables[1]
    assert len(t.interactions) == K
    assert t.degree == 5 and [len(g) for g in t.layout.groups] == [4, 4, 3]
    s = _system(wide)
    pk, vk = s.setup()
    verify(vk, prove(pk, _traces(ROWS), []).to_bytes(), [])


def test_wide_layout_proves_and_verifies():
    s = _system(WIDE)
    pk, vk = s.setup()
    proof = prove(pk, _traces(ROWS), []).to_bytes()
    verify(vk, proof, [])
    # a proof of the narrow system does not verify under the wide one and vice versa
    npk, nvk = _system(NARROW).setup()
    nproof = prove(npk, _traces(ROWS), []).to_bytes()
    with pytest.raises(VerificationError):
        verify(vk, nproof, [])
    with pytest.raises(VerificationError):
        verify(nvk, proof, [])


def test_wide_layout_value_outside_table_rejected():
    s = _system(WIDE)
    pk, vk = s.setup()
    tr = _traces(ROWS)
    tr[1][4, 2] = 256  # not a byte: no receiver
    proof = prove(pk, tr, [], debug=False)
    with pytest.raises(LogUpSumError):
        verify(vk, proof, [])


def test_wide_helper_constraint_is_load_bearing(monkeypatch):
    """The 4-interaction helper constraint is what binds ``h_0`` to its lookups.  Row 3
    looks up 300 (not a byte) in group 0; the forging prover adds
    ``δ = 1/(α − φ(orig)) − 1/(α − φ(300))`` to that row's ``h_0`` (as if the byte
    ``orig`` the byte table counts had been looked up) and carries ``δ`` through the
    running sum and the claimed sum: the bus balances and every other constraint holds.
    The mutant without ``logup.helper[0]`` accepts it, the real system rejects it."""
    from zkvm.field.ext import Ext
    from zkvm.stark import prover as prover_mod

    orig = ROWS[3][0]
    real = prover_mod.generate_aux_trace

    def forged(t, main, pre, public, alpha, beta, **kw):
        aux, claimed = real(t, main, pre, public, alpha, beta, **kw)
        if t.name != "many_bytes":
            return aux, claimed
        assert 0 in t.layout.groups[0]  # range_0 is in group 0
        phi = lambda v: Ext.from_base(BYTE_BUS.id) + beta * Ext.from_base(v)  # noqa: E731
        delta = (alpha - phi(orig)).inverse() - (alpha - phi(300)).inverse()
        d = np.array(delta.coeffs, dtype=np.int64)
        aux = aux.astype(np.int64)
        G = t.layout.num_aux_ext - 1
        aux[3, 0:4] = (aux[3, 0:4] + d) % P
        aux[4:, 4 * G:4 * G + 4] = (aux[4:, 4 * G:4 * G + 4] + d) % P
        claimed = ((claimed.astype(np.int64) + d) % P).astype(np.uint32)
        return aux.astype(np.uint32), claimed

    monkeypatch.setattr(prover_mod, "generate_aux_trace", forged)
    tr = _traces(ROWS)  # the byte table counts orig
    tr[1][3, 0] = 300
    s = _system(WIDE)
    weak = s.mutant({"many_bytes.logup.helper[0]"})
    wpk, wvk = weak.setup()
    verify(wvk, prove(wpk, tr, [], debug=False), [])  # accepted without the constraint
    pk, vk = s.setup()
    with pytest.raises(ConstraintMismatchError):
        verify(vk, prove(pk, tr, [], debug=False), [])


def test_wide_proof_byte_flips_rejected():
    s = _system(WIDE)
    pk, vk = s.setup()
    data = bytearray(prove(pk, _traces(ROWS), []).to_bytes())
    rng = np.random.default_rng(5)
    for pos in rng.choice(len(data), 40, replace=False):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(8))
        with pytest.raises(VerificationError):
            verify(vk, bytes(bad), [])


def test_degree_bounded_by_params():
    """No helper exceeds max_constraint_degree; the FibAir (no interactions) is unchanged."""
    s = StarkSystem([FibAir()], WIDE)
    assert s.tables[0].degree == StarkSystem([FibAir()], NARROW).tables[0].degree == 2
    for t in _system(WIDE).tables:
        assert all(c.expr.degree <= WIDE.max_constraint_degree for c in t.all_constraints)
    with pytest.raises(Exception):
        dataclasses.replace(NARROW, max_constraint_degree=6)  # > 2^2 + 1
    assert P > 0

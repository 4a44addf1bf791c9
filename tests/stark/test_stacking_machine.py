"""A RISC-V machine proof with stacked short tables (``StarkParams.log_stack``) verifies,
opens fewer values per query, and is rejected when a stacked table's claimed value at ζ
is changed (``zkvm.stark.protocol.stack_logs``, :mod:`zkvm.stark.pcs` "Stacking")."""

from __future__ import annotations

import dataclasses

import pytest

from zkvm.field.ext import Ext
from zkvm.machine import Machine, verify
from zkvm.receipt import Receipt
from zkvm.riscv.layout import Program
from zkvm.stark import protocol
from zkvm.stark.errors import VerificationError
from zkvm.stark.proof import Proof
from zkvm.stark.zk import table_layout

from tests.support.core_programs import echo_words


@pytest.fixture(scope="module")
def proofs(testing_params):
    out = {}
    for ls in (0, 3):
        p = dataclasses.replace(testing_params, log_stack=ls)
        m = Machine.for_program(Program.from_words(echo_words()), p)
        out[ls] = (m, m.prove(b"stacked tables").to_bytes())
    return out


def test_stacked_proof_verifies_and_is_smaller(proofs):
    (m0, r0), (m3, r3) = proofs[0], proofs[3]
    assert m0.image_id != m3.image_id  # the parameters (and so the image ID) differ
    verify(r0, m0.image_id)
    verify(r3, m3.image_id)
    rows = {}
    for ls, (_, raw) in proofs.items():
        p = Proof.from_bytes(Receipt.from_bytes(raw).proof)
        rows[ls] = sum(len(x) for o in p.opening_proof.query_proofs[0].input_openings
                       for x in o.rows)
    assert rows[3] < rows[0] / 2, rows


def test_some_tables_are_stacked(proofs):
    m, raw = proofs[3]
    p = Proof.from_bytes(Receipt.from_bytes(raw).proof)
    sysm = m.system()
    live = [t for t in sysm.tables if p.log_heights[t.index] < 64]
    hs = [p.log_heights[t.index] for t in live]
    lays = [table_layout(sysm.params, h, t.degree, t.log_quotient_chunks)
            for t, h in zip(live, hs)]
    st = protocol.stack_logs(sysm.params, hs, lays)
    assert any(st) and not all(st)


@pytest.mark.parametrize("rnd", [1, 2, 3])  # main, aux, quotient
def test_changed_value_of_a_stacked_table_is_rejected(proofs, rnd):
    m, raw = proofs[3]
    rc = Receipt.from_bytes(raw)
    p = Proof.from_bytes(rc.proof)
    # the last matrix of the round belongs to a short (stacked) table
    mat = p.opened[rnd][-2]
    mat[0][0] = mat[0][0] + Ext(1)
    bad = dataclasses.replace(rc, proof=p.to_bytes()).to_bytes()
    with pytest.raises(VerificationError):
        verify(bad, m.image_id)

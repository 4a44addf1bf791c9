"""May-be-empty tables in the machine: every flagged chip's all-padding trace is inert
(the soundness condition of ``Air.may_be_empty``), unused chips are left out of the proof,
and ``pad_cycles`` keeps every table present but the chips' tables 2.. (empty)."""

from __future__ import annotations

import pytest

from zkvm.machine import INSTRUCTION_CHIP_AIRS, Machine, verify
from zkvm.machine.chips import SHARDS, ShardAir, shard_name
from zkvm.precompiles.registry import REGISTRY
from zkvm.chips.syscall import IoAir
from zkvm.riscv.layout import Program
from zkvm.stark.checker import check_all_padding
from zkvm.stark.proof import Proof
from zkvm.stark.system import EMPTY_LOG_HEIGHT

from tests.support.core_programs import arith_words, echo_words  # noqa: E402

#: every instruction chip and its tables 2.., io, and each precompile's main table
FLAGGED = set(INSTRUCTION_CHIP_AIRS) | \
    {shard_name(c, i) for c in INSTRUCTION_CHIP_AIRS for i in range(2, SHARDS + 1)} | \
    {"io"} | {p.tables[0] for p in REGISTRY}


def _flagged_airs():
    pre = [a for p in REGISTRY for a in p.air().airs() if a.name == p.tables[0]]
    chips = [cls() for cls in INSTRUCTION_CHIP_AIRS.values()]
    shards = [ShardAir(c, i) for c in chips for i in range(2, SHARDS + 1)]
    return chips + shards + [IoAir(), *pre]


@pytest.mark.parametrize("air", _flagged_airs(), ids=lambda a: a.name)
def test_all_padding_is_inert(air):
    """The all-padding (all-zero) trace of the minimum height satisfies every constraint
    and every interaction multiplicity is 0 on it."""
    assert air.may_be_empty
    rep = check_all_padding(air)
    assert rep.ok, rep


@pytest.fixture(scope="module")
def arith_machine(testing_params):
    return Machine.for_program(Program.from_words(arith_words()), testing_params)


def test_only_the_intended_tables_are_flagged(arith_machine):
    flagged = {a.name for a in arith_machine.airs if a.may_be_empty}
    assert flagged == FLAGGED & {a.name for a in arith_machine.airs}
    seg = {a.name for a in arith_machine.segment_airs if a.may_be_empty}
    assert seg == FLAGGED & {a.name for a in arith_machine.segment_airs}


@pytest.mark.parametrize("prog,inp,expect", [
    (arith_words, b"", (194, b"")),
    (echo_words, b"hello world", (7, b"hello")),
])
def test_unused_tables_are_empty_and_verify(testing_params, prog, inp, expect):
    m = Machine.for_program(Program.from_words(prog()), testing_params)
    _, traces, _ = m.traces(m.execute(inp))
    empty = {a.name for a, t in zip(m.airs, traces) if t.shape[0] == 0}
    assert {"keccak", "sha256", "divrem", "atomic", "mul"} <= empty <= FLAGGED
    assert "addsub" not in empty
    r = m.prove(inp, debug=True)
    assert verify(r, m.image_id) == expect
    proof = Proof.from_bytes(r.proof)
    names = [a.name for a in m.airs]
    assert {names[i] for i, h in enumerate(proof.log_heights) if h == EMPTY_LOG_HEIGHT} == empty


def test_pad_cycles_keeps_every_table(arith_machine):
    """... but the chips' tables 2.., which length hiding leaves empty (fixed shape)."""
    _, traces, _ = arith_machine.traces(arith_machine.execute(b""), pad_cycles=256)
    for a, t in zip(arith_machine.airs, traces):
        assert (t.shape[0] == 0) == isinstance(a, ShardAir), a.name

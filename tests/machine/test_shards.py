"""A chip's rows over two or three tables (``zkvm.machine.chips.ShardAir``,
``shard_split``): the split rule, honest split proofs (any split verifies), and
forgeries in or across the tables rejected."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import zkvm.machine.chips as mchips
import zkvm.machine.witness as mwitness
from zkvm.chips.adapter import trace_height
from zkvm.chips.padding import pad_targets
from zkvm.machine import Machine, verify
from zkvm.machine.chips import SHARDS, ShardAir, shard_name, shard_split
from zkvm.riscv.layout import Program
from zkvm.stark import prover
from zkvm.stark.checker import check_all_padding, check_traces
from zkvm.stark.errors import VerificationError
from zkvm.stark.proof import Proof
from zkvm.stark.system import EMPTY_LOG_HEIGHT

from tests.support.chip_checks import bytes_trace_for_valid_lookups
from tests.support.core_programs import fib_loop_words as loop_words

CHIPS = ("addsub", "branch")
SHARD = shard_name("addsub", 2)


@pytest.fixture(scope="module")
def machine(testing_params):
    """A machine that splits from 2^3 rows on; 9 rounds: 41 addsub rows (a 64-row
    table unsplit, 32 + 16 split)."""
    m = Machine.for_program(Program.from_words(loop_words(9)), testing_params, chips=CHIPS)
    m.shard_min_log = 3
    return m


def _names(m):
    return [a.name for a in m.airs]


# ------------------------------------------------------------------ the rule
@pytest.mark.parametrize("n,min_log,parts", [
    (0, 3, (0,)), (5, 3, (5,)), (8, 3, (8,)),    # one table of the minimum height
    (9, 3, (9,)), (12, 3, (12,)),                # 16 rows: two 8-row tables save nothing
    (17, 3, (16, 1)), (24, 3, (16, 8)),          # 32 rows: split while the rest fits in 8
    (25, 3, (25,)),                              # 16 + 8 + 8: no saving
    (49, 3, (32, 16, 1)),                        # 64 rows: 32 + 16 + 8
    (597_717, 17, (524_288, 73_429)),            # the walker bench's addsub chip at 2^20
    (297_984, 17, (262_144, 35_840)), (149_574, 17, (131_072, 18_502)),
    (40_000, 17, (40_000,)),                     # a 2^16-row table: below the threshold
    (839_000, 17, (524_288, 262_144, 52_568)),   # fibonacci's addsub at 2^20: 3 tables
    (1_000_000, 17, (1_000_000,)),               # 95 %: the rest would need 2^18
    (200_000, 17, (200_000,)),                   # 76 % of 2^18: three only from 2^19
])
def test_shard_split_examples(n, min_log, parts):
    assert shard_split(n, min_log) == parts


@given(st.integers(0, 1 << 24), st.integers(3, 22))
def test_shard_split_saves_rows_or_keeps_one_table(n, min_log):
    parts = shard_split(n, min_log)
    h = trace_height(n)
    assert sum(parts) == n and 1 <= len(parts) <= SHARDS
    if len(parts) == 1:
        return
    assert all(p > 0 for p in parts) and h >= 1 << min_log
    assert parts[:-1] == tuple(h >> (i + 1) for i in range(len(parts) - 1))  # full tables
    padded = sum(parts[:-1]) + trace_height(parts[-1])
    if len(parts) == 2:
        assert padded <= 3 * h // 4
    else:
        assert h >= 1 << (min_log + 2) and padded <= 7 * h // 8


def test_shard_air_is_the_chip_under_another_name():
    base = mchips._shared_air(mchips.INSTRUCTION_CHIP_AIRS["addsub"])
    sh, sh3 = mchips._shard_airs(type(base))
    assert isinstance(sh, ShardAir) and sh.base is base and sh.name == SHARD
    assert sh3.base is base and sh3.name == "addsub#3" and SHARDS == 3
    assert sh.may_be_empty and sh.columns is base.columns and sh.max_degree == base.max_degree
    cb, cs = base.compile(), sh.compile()
    assert [c.name for c in cs.constraints] == [c.name for c in cb.constraints]
    assert [(i.bus.id, i.sign) for i in cs.interactions] == \
        [(i.bus.id, i.sign) for i in cb.interactions]
    assert check_all_padding(sh).ok


# ------------------------------------------------------------------ honest proofs
def test_split_traces_prove_and_verify(machine):
    w, traces, pv = machine.traces(machine.execute())
    by = dict(zip(_names(machine), traces))
    n = int(np.count_nonzero(w.chip_rows("addsub")))
    assert n == 41
    assert by["addsub"].shape[0] == 32 and by[SHARD].shape[0] == 16
    real = machine.chip_airs["addsub"].columns.view(by[SHARD]).is_real
    assert int(real.sum()) == 9
    assert by["addsub#3"].shape[0] == 0
    assert by["branch#2"].shape[0] == 0    # 9 rows: a 16-row table
    r = machine.prove(debug=True)
    assert verify(r, machine.image_id) == (34, b"")
    proof = Proof.from_bytes(r.proof)
    heights = dict(zip(_names(machine), proof.log_heights))
    assert (heights["addsub"], heights[SHARD]) == (5, 4)
    assert heights["branch#2"] == heights["addsub#3"] == EMPTY_LOG_HEIGHT


def test_three_tables_prove_and_verify(testing_params):
    """11 rounds: 49 addsub rows in tables of 32, 16 and 8 rows (instead of 64)."""
    m = Machine.for_program(Program.from_words(loop_words(11)), testing_params, chips=CHIPS)
    m.shard_min_log = 3
    _, traces, _ = m.traces(m.execute())
    by = dict(zip(_names(m), traces))
    assert [by[n].shape[0] for n in ("addsub", "addsub#2", "addsub#3")] == [32, 16, 8]
    assert verify(m.prove(debug=True), m.image_id) == (89, b"")


def test_any_split_verifies(machine, monkeypatch):
    """The split is the prover's choice: 3 rows in the first table (padded to 8) and 38
    in the shard (64) proves the same statement."""
    monkeypatch.setattr(mwitness, "shard_split", lambda n, min_log: (min(n, 3), n - min(n, 3)))
    _, traces, _ = machine.traces(machine.execute())
    by = dict(zip(_names(machine), traces))
    assert by["addsub"].shape[0] == 8 and by[SHARD].shape[0] == 64
    assert verify(machine.prove(debug=True), machine.image_id) == (34, b"")


def test_unsplit_machine_keeps_the_shards_empty(testing_params):
    m = Machine.for_program(Program.from_words(loop_words(9)), testing_params, chips=CHIPS)
    _, traces, _ = m.traces(m.execute())
    by = dict(zip(_names(m), traces))
    assert by["addsub"].shape[0] == 64
    assert all(by[s.name].shape[0] == 0 for s in m.shard_list)


def test_length_hiding_keeps_the_shards_empty(machine):
    _, traces, _ = machine.traces(machine.execute(), pad_cycles=256)
    by = dict(zip(_names(machine), traces))
    assert by["addsub"].shape[0] == 256
    assert all(by[s.name].shape[0] == 0 for s in machine.shard_list)
    with pytest.raises(ValueError, match="unknown table"):
        pad_targets(256, [a for a in machine.airs if not isinstance(a, ShardAir)], 0,
                    {SHARD: 8})


# ------------------------------------------------------------------ forgeries
def _forge(m, traces, pv):
    proof = prover.prove(m.proving_key(), traces, pv, debug=False)
    from zkvm.stark import verifier

    verifier.verify(m.verifying_key(), proof, pv)


def test_row_in_both_tables_rejected(machine, monkeypatch):
    """Counting one instruction twice (a shard row copied into the first table's
    padding) unbalances the buses: the checker sees it, the verifier rejects."""
    monkeypatch.setattr(mwitness, "shard_split", lambda n, min_log: (min(n, 3), n - min(n, 3)))
    _, traces, pv = machine.traces(machine.execute())
    names = _names(machine)
    base, sh = names.index("addsub"), names.index(SHARD)
    traces = [t.copy() for t in traces]
    traces[base][3] = traces[sh][0]
    system = machine.system()
    traces[names.index("bytes")] = bytes_trace_for_valid_lookups(system, traces, pv)
    rep = check_traces(system, traces, pv)
    assert not rep.constraint_failures and rep.bus_imbalances, str(rep)
    with pytest.raises(VerificationError):
        _forge(machine, traces, pv)


def test_forged_shard_row_rejected(machine):
    """A wrong sum in the shard breaks the chip's own constraints there."""
    _, traces, pv = machine.traces(machine.execute())
    names = _names(machine)
    sh = names.index(SHARD)
    traces = [t.copy() for t in traces]
    v = machine.shard_airs["addsub"][0].columns.view(traces[sh])
    v.rd_val[0, 0] = (int(v.rd_val[0, 0]) + 1) % 256
    system = machine.system()
    traces[names.index("bytes")] = bytes_trace_for_valid_lookups(system, traces, pv)
    rep = check_traces(system, traces, pv)
    assert {x.table for x in rep.constraint_failures} == {SHARD}, str(rep)
    with pytest.raises(VerificationError):
        _forge(machine, traces, pv)


def test_dry_run_shows_the_split_at_the_default_threshold():
    """``zkvm prove --execute-only`` / ``api.execute_only``: 160 005 addsub rows (a 2^18
    table) go to tables of 2^17 and 2^15 rows at the default ``SHARD_MIN_LOG``; the CLI
    leaves the unused extra tables out of its listing."""
    from typer.testing import CliRunner

    from zkvm import api
    from zkvm.cli import app

    from tests.support.elfs import example_elf

    info = api.execute_only(Program.from_words(loop_words(40_000)), params="testing")
    t = info["tables"]
    assert (t["addsub"], t["addsub#2"], t["addsub#3"]) == (1 << 17, 1 << 15, 0)
    assert t["branch"] == 1 << 16 and t["branch#2"] == 0     # 40 000 rows: 61 % of 2^16
    assert {"addsub#2", "addsub#3", "branch#2"} <= set(info["extra_tables"])
    assert "addsub" not in info["extra_tables"] and "io" not in info["extra_tables"]
    r = CliRunner().invoke(app, ["prove", str(example_elf("fibonacci")), "--params", "testing",
                                 "--execute-only"])
    assert r.exit_code == 0, r.output
    assert " addsub " in r.output and "#2" not in r.output and "#3" not in r.output


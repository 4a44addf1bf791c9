"""The continuation splitter's paging cost (zkvm.continuation.paging_cost,
zkvm.riscv.segments "Paging cost"): the cost model follows the circuits, compute-bound
guests keep the step rule's segments, a real C guest's segments stay within the budget
(its paging tables as the prover generates them), and a composite receipt of a
paging-heavy guest cut by the rule proves, verifies, and rejects a tampered segment."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkvm import continuation
from zkvm.continuation import HASH_PER_UNIT, paging_cost, segment_cost
from zkvm.riscv import fast
from zkvm.riscv.segments import PagingCost, split

PROGRAMS = Path(__file__).parents[1] / "guests" / "programs"


def _guest(name: str) -> bytes:
    from tests.support.elfs import build_cached

    try:
        return build_cached(PROGRAMS / name, name=name).read_bytes()
    except Exception as e:  # toolchain unavailable
        pytest.skip(f"cannot build tests/guests/programs/{name}: {e}")


def _csv_rows(n: int) -> bytes:
    from tests.guests.test_real_programs import csv_rows

    return csv_rows(n)


def _pad(u: int) -> int:
    """``pad(U)``: the least power of two ``≥ U``."""
    return 1 << (u - 1).bit_length()


#: ``pad(HASH_PER_UNIT·U) ≤ P2_PAD·pad(U)``: the poseidon2 rows of a measure ``U``
P2_PAD = 4


def test_cost_model_follows_the_circuits():
    from zkvm.chips.mem_merkle import MemNodeAir, MemPageAir, Poseidon2Air
    from zkvm.machine.chips import INSTRUCTION_CHIP_AIRS

    assert HASH_PER_UNIT == 3 and _pad(HASH_PER_UNIT) == P2_PAD
    w_step = max(c.columns.width for c in INSTRUCTION_CHIP_AIRS.values())
    w_unit = P2_PAD * Poseidon2Air.columns.width + MemPageAir.columns.width + \
        MemNodeAir.columns.width
    pc = paging_cost(20)
    assert pc == PagingCost(unit_steps=-(-w_unit // w_step), allowance=4096)
    assert (w_step, w_unit, pc.unit_steps) == (91, 1467, 17)  # the figures of the docstring
    assert (Poseidon2Air.columns.width, MemPageAir.columns.width,
            MemNodeAir.columns.width) == (299, 218, 53)
    for u in range(1, 5000):   # 3U blocks pad to at most 4·pad(U) rows
        assert _pad(HASH_PER_UNIT * u) <= P2_PAD * _pad(u)
    for po2 in range(continuation.MIN_SEGMENT_PO2, continuation.MAX_SEGMENT_PO2 + 1):
        pc = paging_cost(po2)
        assert pc.allowance >= 512 and pc.allowance == 1 << max(po2 - 8, 9)
        # the largest padded paging a segment can reach (but for one ecall's buffers):
        # pad(U) ≤ A + 2^po2 / unit_steps
        top = pc.allowance + ((1 << po2) - 1) // pc.unit_steps
        pad = 1 << (top.bit_length() - 1)
        if po2 >= 15:  # every paging table stays within 2^po2 rows: poseidon2 ≤ 4·pad(U)
            assert P2_PAD * pad <= 1 << po2, po2


def _walker(cycles: int):
    from zkvm.riscv.asm import encode, li
    from zkvm.riscv.testing import program

    inner = [encode("lw", rd="t0", rs1="s1", imm=0), encode("add", rd="s2", rs1="s2", rs2="t0"),
             encode("sw", rs1="s1", rs2="s2", imm=0), encode("addi", rd="s1", rs1="s1", imm=4),
             encode("addi", rd="s4", rs1="s4", imm=-1)]
    inner.append(encode("bne", rs1="s4", rs2="zero", imm=-4 * len(inner)))
    body = [encode("addi", rd="s1", rs1="sp", imm=-2048), encode("addi", rd="s4", rs1="zero", imm=256),
            *inner, encode("addi", rd="s0", rs1="s0", imm=-1)]
    body.append(encode("bne", rs1="s0", rs2="zero", imm=-4 * len(body)))
    return program(li("s0", cycles // (6 * 256 + 4) + 1) + body, exit_code=0)


@pytest.mark.parametrize("po2,cycles", [(20, 5 << 20), (16, 1 << 19), (10, 1 << 14)])
def test_compute_bound_guests_keep_their_segments(po2, cycles, loop_program):
    """The bench_continuation walker (1 KiB stack buffer) and the continuation tests' loop
    guest are cut exactly as by the step rule alone."""
    counts = []
    for prog, inp in ((_walker(cycles), b""), (loop_program, bytes(range(7, 207)))):
        plain = split(prog, inp, 1 << po2, cost=segment_cost)
        jobs = continuation.plan(prog, inp, _params(), po2)
        assert [(j.start.cycles, j.start.steps) for j in jobs] == [(s.cycles, s.steps) for s in plain]
        assert all(j.start.paging > 0 for j in jobs)
        counts.append(len(jobs))
    assert counts[0] >= 5 and (counts[1] > 3 or po2 > 10)


def segment_tables(job):
    """``(traces, paging witness)`` of one job as the prover generates them (no proof)."""
    from zkvm.machine.segments import salt_words
    from zkvm.memtree import MemTree
    from zkvm.riscv.segments import run_segment

    m = continuation._machine(job.elf, job.params, job.chips)
    st = job.start
    keys, vals = st.memory_words()
    entry = MemTree.from_words(keys, vals, salt=salt_words(job.salt_in))
    _, traces, paging = m.segment_traces(run_segment(m.program, st), (keys, vals), entry,
                                         salt_words(job.salt_out), st.journal_len, st.halts)
    return traces, paging


def _params():
    from zkvm.stark.params import StarkParams

    return StarkParams.testing()


@pytest.mark.slow  # ~10 s: the paging witness of every segment of a 1.9 M-cycle run
def test_csvstats_segments_stay_within_the_budget():
    """csvstats on 130 rows (docs/benchmarks.md): the step rule gives 2 segments and the
    paging rule keeps them (with the Poseidon2 tree a unit of measure costs 17 steps, and
    the segments' measures, ~550 and ~2950, stay within the 2^12 allowance; with the
    SHA-256 tree, 294 steps a unit, the rule cut the second one).  Every segment's
    mem_page + mem_node rows (as the prover generates them) are at most the splitter's
    paging measure ``U``, its distinct Poseidon2 blocks at most ``3U``, its poseidon2
    table at most ``4·pad(U)`` rows and within ``2^18`` (``pad(U) ≤ A + 2^20 /
    unit_steps`` gives ``pad(U) ≤ 2^16``), and its main-trace cells at most those of a
    compute-bound 2^20 segment (~123 M)."""
    elf, data = _guest("csvstats"), _csv_rows(130)
    po2 = continuation.DEFAULT_SEGMENT_PO2
    plain = split(elf, data, 1 << po2, cost=segment_cost)
    jobs = continuation.plan(elf, data, _params(), po2)
    assert len(plain) == 2
    assert [(j.start.cycles, j.start.steps) for j in jobs] == [(s.cycles, s.steps) for s in plain]
    pc = paging_cost(po2)
    assert all(0 < j.start.paging <= pc.allowance - 50 for j in jobs)
    for j in jobs:
        traces, pw = segment_tables(j)
        st = j.start
        assert len(pw.pages) + pw.node_rows <= st.paging, st.index
        assert pw.hash_calls <= HASH_PER_UNIT * st.paging, st.index
        assert pw.sends == 6 * len(pw.pages) + 2 * pw.node_rows >= pw.hash_calls
        assert traces["poseidon2"].shape[0] <= P2_PAD * _pad(st.paging), st.index
        assert traces["poseidon2"].shape[0] <= 1 << (po2 - 2), st.index
        assert sum(t.shape[0] * t.shape[1] for t in traces.values()) <= 125_000_000, st.index
        if not st.halts:
            assert st.steps + pc.unit_steps * fast.paging_extra(st.paging, pc.allowance) >= 1 << po2


@pytest.mark.parametrize("inp,po2", [(b"300 3", 14), (b"64 1", 12)])
def test_measure_bounds_the_paging_the_prover_generates(inp, po2):
    """The paging-heavy C guest (pages written, re-read and rewritten across segments):
    in every segment the mem_page + mem_node rows the prover generates are at most the
    splitter's paging measure ``U`` and its distinct Poseidon2 blocks at most ``3U``, so
    the paging tables' heights (poseidon2 ``≤ 4·pad(U)``) are what the cut rule paid for.
    The measure is no loose bound on the rows (some segment uses ≥ 65 % of it), and a
    unit does pay for more than one block (some segment has more blocks than ``U``: the
    factor ``HASH_PER_UNIT`` is needed)."""
    elf = _guest("pages")
    jobs = continuation.plan(elf, inp, _params(), po2)
    assert len(jobs) > 2
    tight = over = 0
    for j in jobs:
        traces, pw = segment_tables(j)
        st = j.start
        rows = len(pw.pages) + pw.node_rows
        assert rows <= st.paging, st.index
        assert pw.hash_calls <= HASH_PER_UNIT * st.paging, st.index
        assert traces["poseidon2"].shape[0] <= P2_PAD * _pad(st.paging), st.index
        assert traces["mem_page"].shape[0] <= _pad(st.paging), st.index
        assert traces["mem_node"].shape[0] <= _pad(st.paging), st.index
        tight += rows >= 0.65 * st.paging
        over += pw.hash_calls > st.paging
    assert tight  # the measure is no loose bound on the rows
    assert over   # nor a bound on the blocks without HASH_PER_UNIT


def _random_access_guest(ops, reps):
    """asm guest: ``reps`` passes over ``ops`` = (store?, page, word, value kind) loads and
    stores to 64-byte pages scattered over the tree (page ``k`` at SCRATCH + 64·37·k),
    storing 0 (a page that stays zero), a constant, or the pass counter."""
    from zkvm.riscv.asm import encode, li
    from zkvm.riscv.testing import SCRATCH, program

    words = li("s0", 0)
    for r in range(reps):
        for store, page, word, kind in ops:
            words += li("t0", SCRATCH + 64 * 37 * page + 4 * word)
            if store:
                if kind == 0:
                    words.append(encode("sw", rs1="t0", rs2="zero", imm=0))
                else:
                    words += li("t1", 0x1234 * kind) if kind < 3 else \
                        [encode("addi", rd="t1", rs1="s0", imm=r + 1)]
                    words.append(encode("sw", rs1="t0", rs2="t1", imm=0))
            else:
                words.append(encode("lw", rd="t1", rs1="t0", imm=0))
    return program(words, exit_code=0)


@pytest.mark.slow  # ~10-20 s: the paging witness of every segment of 6 random guests
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 300), st.integers(0, 15),
                          st.integers(0, 3)), min_size=40, max_size=160),
       st.integers(1, 3))
def test_measure_bounds_random_access_guests(ops, reps):
    """Random loads and stores (zero and non-zero values, pages re-read and rewritten by
    later passes, so later segments see pages earlier ones wrote): in every segment the
    prover's paging rows are at most the splitter's measure ``U`` and its distinct
    Poseidon2 blocks at most ``3U``."""
    prog = _random_access_guest(ops, reps)
    jobs = continuation.plan(prog, b"", _params(), 10)
    for j in jobs:
        traces, pw = segment_tables(j)
        assert len(pw.pages) + pw.node_rows <= j.start.paging, j.start.index
        assert pw.hash_calls <= HASH_PER_UNIT * j.start.paging, j.start.index
        assert traces["poseidon2"].shape[0] <= P2_PAD * _pad(j.start.paging), j.start.index


@pytest.fixture(scope="module")
def pages_receipt():
    """The paging-heavy C guest (malloc, scanf, printf) proven in segments of 2^14 steps:
    its paging measure makes the rule cut it into 2 segments (the step rule: 1).  (At
    2^16, the size used with the SHA-256 tree, Poseidon2's cheaper paging no longer cuts
    it.)"""
    elf = _guest("pages")
    params = _params()
    jobs = continuation.plan(elf, b"64 1", params, 14)
    assert len(jobs) == 2 and len(split(elf, b"64 1", 1 << 14, cost=segment_cost)) == 1
    recs = [continuation.prove_segment_job(j) for j in jobs]
    return elf, params, continuation.assemble(jobs, recs, elf, params)


@pytest.mark.slow  # three full-machine segment proofs
def test_paging_heavy_composite_proves_and_verifies(pages_receipt):
    from zkvm import api
    from zkvm.machine import verify_composite
    from zkvm.riscv.elf import load_elf
    from zkvm.riscv.executor import execute

    elf, params, receipt = pages_receipt
    full = execute(load_elf(elf), b"64 1")
    image = api.image_id(elf, params="testing")
    assert verify_composite(receipt.to_bytes(), image) == (full.exit_code, full.journal)
    assert full.journal.startswith(b"n=64 sum=")


@pytest.mark.slow
def test_paging_heavy_composite_rejects_a_changed_memory_root(pages_receipt):
    """A boundary root changed consistently on both sides of the link: the chain checks
    pass, the segment proofs (whose paging tables bind the roots) must fail.  (A root
    whose bytes are not 8 canonical field elements is rejected before any proof.)"""
    from zkvm import api
    from zkvm import memtree as mt
    from zkvm.hash.poseidon2 import P
    from zkvm.machine import verify_composite
    from zkvm.receipt import CompositeReceipt
    from zkvm.stark.errors import VerificationError

    elf, params, receipt = pages_receipt
    image = api.image_id(elf, params="testing")

    def with_root(root: bytes):
        s = [dataclasses.replace(x) for x in receipt.segments]
        s[0].root_out = s[1].root_in = root
        return CompositeReceipt.from_bytes(dataclasses.replace(receipt, segments=s).to_bytes())

    elems = mt.digest_elems(receipt.segments[0].root_out)
    elems[0] = (elems[0] + 1) % P                   # another canonical element
    with pytest.raises(VerificationError, match="segment 0 of"):
        verify_composite(with_root(mt.root_from_elems(elems)), image)
    root = bytearray(receipt.segments[0].root_out)
    root[0] |= 0x80                                 # element 0 ≥ 2^31 > p
    with pytest.raises(VerificationError, match="canonical"):
        verify_composite(with_root(bytes(root)), image)

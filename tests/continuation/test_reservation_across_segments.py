"""The lr.w reservation crosses segment boundaries (issue 15): it is an OS cell in memory,
carried by the memory roots, so a cut between an lr.w and its sc.w changes nothing, and
a prover who restarts a segment without the reservation (making the sc.w fail) breaks
the chain of memory roots."""

from __future__ import annotations

import dataclasses

import pytest

from zkvm import continuation
from zkvm.machine import Machine, SegmentChainError, verify_composite
from zkvm.riscv.asm import encode, exit_program, li
from zkvm.riscv.executor import execute
from zkvm.riscv.layout import Program

PO2 = 10
CHIPS = ("addsub", "branch", "atomic", "lui_auipc")


def lrsc_words(spin=1500):
    """lr.w; a loop of ``spin`` iterations (several segments); sc.w a0; exit(a0)."""
    w = [encode("addi", "s0", "sp", imm=-64)]
    w += [encode("lr.w", "t0", "s0")] + li("t1", spin)
    w += [encode("addi", "t1", "t1", imm=-1), encode("bne", rs1="t1", rs2=0, imm=-4)]
    w += [encode("sc.w", "a0", "s0", "t0")]
    return w + exit_program("a0")


@pytest.fixture(scope="module")
def setup(testing_params):
    prog = Program.from_words(lrsc_words())
    assert execute(prog).exit_code == 0  # the sc.w succeeds in every honest run
    jobs = continuation.plan(prog, b"", testing_params, PO2, chips=CHIPS)
    assert len(jobs) >= 3
    assert any(j.start.reservation != -1 for j in jobs[1:])  # cuts inside the pair
    return prog, jobs


@pytest.mark.slow
def test_cut_inside_lr_sc_proves_exit_0(setup, testing_params):
    prog, jobs = setup
    recs = [continuation.prove_segment_job(j) for j in jobs]
    r = continuation.assemble(jobs, recs, prog, testing_params, chips=CHIPS)
    m = Machine.for_program(prog, testing_params, chips=CHIPS)
    assert verify_composite(r.to_bytes(), m.image_id) == (0, b"")


@pytest.mark.slow
def test_segment_restarted_without_reservation_rejected(setup, testing_params):
    """The cheater proves the last segment from a start with no reservation: its sc.w
    fails and the run 'exits 1'.  Each segment proof is valid on its own, but the last
    segment's entry memory root (reservation cell 0) is not the previous exit root."""
    prog, jobs = setup
    last = jobs[-1]
    assert last.start.reservation != -1
    forged = dataclasses.replace(last, start=dataclasses.replace(last.start, reservation=-1))
    recs = [continuation.prove_segment_job(j) for j in jobs[:-1]]
    recs.append(continuation.prove_segment_job(forged))
    assert recs[-1].exit_code == 1
    r = continuation.assemble(jobs, recs, prog, testing_params, chips=CHIPS)
    m = Machine.for_program(prog, testing_params, chips=CHIPS)
    with pytest.raises(SegmentChainError, match="entry memory root"):
        verify_composite(r.to_bytes(), m.image_id)

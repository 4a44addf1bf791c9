"""Continuations end to end: a multi-segment run proves and verifies, equals the
monolithic run, and every broken link of the segment chain is rejected."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.loop_guest import CHIPS
from zkvm.machine import Machine, SegmentChainError, verify_composite
from zkvm.receipt import CompositeReceipt, ReceiptFormatError
from zkvm.riscv.executor import execute
from zkvm.stark.errors import VerificationError

PO2 = 10
INPUT = bytes(range(7, 7 + 200))


def composite(program, params, inp, po2=PO2):
    """Prove ``program`` in segments in this process (the continuation pipeline with the
    loop guest's small chip set)."""
    from zkvm import continuation

    jobs = continuation.plan(program, inp, params, po2, chips=CHIPS)
    recs = [continuation.prove_segment_job(j) for j in jobs]
    return continuation.assemble(jobs, recs, program, params, chips=CHIPS)


@pytest.fixture(scope="module")
def machine(loop_program, testing_params):
    return Machine.for_program(loop_program, testing_params, chips=CHIPS)


@pytest.fixture(scope="module")
def receipt(loop_program, testing_params):
    return composite(loop_program, testing_params, INPUT)


@pytest.fixture(scope="module")
def other_receipt(loop_program, testing_params):
    """The same program on another private input (for splicing)."""
    return composite(loop_program, testing_params, bytes(200))


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_several_segments_match_monolithic_run(receipt, machine, loop_program):
    full = execute(loop_program, INPUT)
    assert len(receipt.segments) >= 3
    code, journal = verify_composite(receipt.to_bytes(), machine.image_id)
    assert (code, journal) == (full.exit_code, full.journal)
    assert len(journal) == 120
    # and the monolithic receipt of the same run states the same
    mono = machine.prove(INPUT)
    assert (mono.exit_code, mono.journal) == (code, journal)


def test_roundtrip_canonical(receipt):
    b = receipt.to_bytes()
    assert CompositeReceipt.from_bytes(b).to_bytes() == b
    with pytest.raises(ReceiptFormatError):
        CompositeReceipt.from_bytes(b + b"\x00")
    with pytest.raises(ReceiptFormatError):
        CompositeReceipt.from_bytes(b[:-1])


def _with(receipt, segments, **kw):
    r = dataclasses.replace(receipt, segments=list(segments), **kw)
    return CompositeReceipt.from_bytes(r.to_bytes())


def test_drop_middle_segment(receipt, machine):
    s = receipt.segments
    j = receipt.journal
    bad = _with(receipt, [s[0]] + s[2:], journal=j[:s[0].journal_len] +
                j[s[0].journal_len + s[1].journal_len:])
    with pytest.raises(SegmentChainError, match="segment 1 starts at pc|entry memory root"):
        verify_composite(bad, machine.image_id)


def test_drop_last_segment(receipt, machine):
    s = receipt.segments
    bad = _with(receipt, s[:-1], journal=receipt.journal[:len(receipt.journal) - s[-1].journal_len])
    with pytest.raises(SegmentChainError, match="last one but has an end state"):
        verify_composite(bad, machine.image_id)


def test_swap_two_segments(receipt, machine):
    s = list(receipt.segments)
    s[1], s[2] = s[2], s[1]
    with pytest.raises(SegmentChainError):
        verify_composite(_with(receipt, s), machine.image_id)


def test_duplicate_segment(receipt, machine):
    s = list(receipt.segments)
    bad = _with(receipt, [s[0], s[0]] + s[1:],
                journal=receipt.journal[:s[0].journal_len] + receipt.journal)
    with pytest.raises(SegmentChainError, match="segment 1"):
        verify_composite(bad, machine.image_id)


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_splice_segment_from_other_run(receipt, other_receipt, machine):
    s = list(receipt.segments)
    o = other_receipt.segments
    s[1] = o[1]
    j = (receipt.journal[:s[0].journal_len] + other_receipt.journal[
        o[0].journal_len:o[0].journal_len + o[1].journal_len] +
        receipt.journal[s[0].journal_len + o[1].journal_len:])
    with pytest.raises(SegmentChainError, match="memory root"):
        verify_composite(_with(receipt, s, journal=j), machine.image_id)


def test_changed_boundary_root_is_rejected(receipt, machine):
    s = [dataclasses.replace(x) for x in receipt.segments]
    root = bytearray(s[0].root_out)
    root[5] ^= 1
    s[0].root_out = bytes(root)
    s[1].root_in = bytes(root)  # keep the chain consistent: the proofs must catch it
    with pytest.raises(VerificationError, match="segment 0 of"):
        verify_composite(_with(receipt, s), machine.image_id)


def test_non_canonical_boundary_root_is_rejected(receipt, machine):
    """A root element given as ``x + p`` (the same field element, other bytes): rejected
    before any proof is read, as is a non-canonical last exit root (no chain link)."""
    from zkvm.field.babybear import P

    def bump(root):
        w = int.from_bytes(root[:4], "big")
        assert w + P < 1 << 32
        return (w + P).to_bytes(4, "big") + root[4:]

    s = [dataclasses.replace(x) for x in receipt.segments]
    s[0].root_out = s[1].root_in = bump(s[0].root_out)
    with pytest.raises(SegmentChainError, match="segment 0: its exit memory root is not"):
        verify_composite(_with(receipt, s), machine.image_id)
    s = [dataclasses.replace(x) for x in receipt.segments]
    s[-1].root_out = bump(s[-1].root_out)
    with pytest.raises(SegmentChainError, match=f"segment {len(s) - 1}: its exit memory root"):
        verify_composite(_with(receipt, s), machine.image_id)


def test_changed_end_pc_is_rejected(receipt, machine):
    s = [dataclasses.replace(x) for x in receipt.segments]
    s[0].end_pc += 4
    s[1].start_pc += 4
    with pytest.raises(VerificationError, match="segment 0 of"):
        verify_composite(_with(receipt, s), machine.image_id)


def test_tampered_journal_byte_is_rejected(receipt, machine):
    j = bytearray(receipt.journal)
    j[-1] ^= 1
    with pytest.raises(VerificationError):
        verify_composite(_with(receipt, receipt.segments, journal=bytes(j)), machine.image_id)


def test_tampered_exit_code_is_rejected(receipt, machine):
    with pytest.raises(VerificationError):
        verify_composite(_with(receipt, receipt.segments, exit_code=receipt.exit_code ^ 1),
                         machine.image_id)


def test_other_image_is_rejected(receipt, testing_params):
    from zkvm.machine import ImageIdMismatch
    from zkvm.riscv.layout import Program
    from tests.support.loop_guest import loop_words

    other = Machine.for_program(Program.from_words(loop_words(iters=121)), testing_params,
                                chips=CHIPS)
    with pytest.raises(ImageIdMismatch):
        verify_composite(receipt, other.image_id)


def test_intermediate_roots_are_salted(receipt, loop_program, testing_params):
    """Two proofs of the same run have different intermediate memory roots (fresh salt
    per segment) but the same first entry root (the image's)."""
    from zkvm import continuation

    job = continuation.plan(loop_program, INPUT, testing_params, PO2, chips=CHIPS)[0]
    again = continuation.prove_segment_job(job)
    assert again.root_in == receipt.segments[0].root_in
    assert again.root_out != receipt.segments[0].root_out
    assert again.end_pc == receipt.segments[0].end_pc


def test_segment_prover_runs_without_the_execution(loop_program, testing_params, monkeypatch):
    """Memory: when a segment's STARK proof starts, its recorded execution is no longer
    referenced and the traces are handed over (``consume=True``): a 2^20-step segment's
    worker peaked at 5.0 GiB with them alive, 4.3 GiB without."""
    import gc
    import weakref

    from zkvm import continuation
    from zkvm.riscv import segments
    from zkvm.stark import prover

    runs, seen = [], []
    real_run, real_prove = segments.run_segment, prover.prove

    def run(*a, **k):
        r = real_run(*a, **k)
        runs.append(weakref.ref(r))
        return r

    def prove(key, traces, *a, **k):
        gc.collect()
        seen.append((runs[-1]() is None, k.get("consume")))
        return real_prove(key, traces, *a, **k)

    monkeypatch.setattr(segments, "run_segment", run)
    monkeypatch.setattr(prover, "prove", prove)
    job = continuation.plan(loop_program, INPUT, testing_params, PO2, chips=CHIPS)[0]
    continuation.prove_segment_job(job)
    assert seen == [(True, True)]


def test_segments_with_split_chips_verify(loop_program, testing_params, monkeypatch):
    """Segment proofs split a chip's rows over its two tables like whole-run proofs
    (zkvm.machine.chips.shard_split, here from 2^3 rows on) and the composite verifies."""
    import zkvm.machine.chips as mchips
    from zkvm import continuation
    from zkvm.stark.proof import Proof
    from zkvm.stark.system import EMPTY_LOG_HEIGHT

    monkeypatch.setattr(mchips, "SHARD_MIN_LOG", 3)
    monkeypatch.setattr(continuation, "_MACHINES", {})
    rec = composite(loop_program, testing_params, bytes(40))
    m = Machine.for_program(loop_program, testing_params, chips=CHIPS)
    full = execute(loop_program, bytes(40))
    assert verify_composite(rec.to_bytes(), m.image_id) == (full.exit_code, full.journal)
    names = [a.name for a in m.segment_airs]
    split = set()
    for s in rec.segments:
        hs = Proof.from_bytes(s.proof).log_heights
        split |= {n for n, h in zip(names, hs) if "#" in n and h != EMPTY_LOG_HEIGHT}
    assert split, "no segment split a chip"


def test_segment_peak_and_workers_that_fit():
    """The per-segment memory model (fitted to session 15's measurements: ≤ 3.0 GiB at
    2^20 steps, ≤ 1.85 GiB at 2^19, default parameters) and the workers it lets run."""
    from zkvm.continuation import segment_peak_bytes, workers_that_fit
    from zkvm.stark.params import StarkParams

    GiB = 1 << 30
    d = StarkParams.default()
    assert segment_peak_bytes(20, d) == 3 * GiB
    assert 1.85 * GiB <= segment_peak_bytes(19, d) < 2 * GiB
    assert segment_peak_bytes(21, d) == segment_peak_bytes(20, StarkParams.high()) > 5 * GiB
    with pytest.raises(ValueError):
        segment_peak_bytes(30, d)
    assert workers_that_fit(4, 20, d, 24 * GiB) == 4       # the 4 workers in 24 GiB
    assert workers_that_fit(8, 20, d, 20 * GiB) == 6
    assert workers_that_fit(4, 20, d, GiB) == 1            # never below one
    assert workers_that_fit(4, 20, d, None) in range(1, 5)  # this machine's memory
    assert workers_that_fit(1, 20, d, 0) == 1

"""Continuations: prove a run of any length as segments (docs/continuations.md).

``prove_segments(elf, input, params, segment_po2=…, workers=…, dask_address=…)``:

1. :func:`zkvm.riscv.segments.split` runs the guest once (fast, no recording) and cuts it
   into segments of at most ``2^segment_po2`` EXEC steps (:func:`segment_cost`);
2. each segment becomes an independent :class:`SegmentJob` (the ELF, the parameters,
   the segment's start state -- registers, memory pages, input slice -- and its two
   memory-tree salts), proven by :func:`prove_segment_job` in this process, a local
   process pool or on a Dask cluster (:func:`zkvm.distributed.run_jobs`);
3. the segment records are assembled, in segment order, into a
   :class:`zkvm.receipt.CompositeReceipt`, verified by
   :func:`zkvm.machine.verify_composite`.

The salts: segment 0's entry tree has salt 0 (the image's memory root); every exit tree
gets 64 fresh bytes from the OS CSPRNG, handed to segment ``i`` as ``salt_out`` and to
segment ``i+1`` as ``salt_in``, so the intermediate roots hide memory.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

#: default segment size (EXEC steps, log2): ~6-7 GiB peak per worker (docs/benchmarks.md),
#: so two workers fit a 24 GiB machine
DEFAULT_SEGMENT_PO2 = 20
MIN_SEGMENT_PO2 = 10
#: Runs longer than this many cycles are not proven as one STARK (its tables and memory
#: grow with the run: ~3-4 GiB at 2^20 cycles) but as continuation segments
#: (``zkvm.api.prove`` raises RunTooLong; ``zkvm prove`` proves segments).
MONOLITHIC_MAX_CYCLES = 1 << 20
#: memory times 4·ts + 3 must stay < 2^24 (buses.TS_BITS): with the one-ecall overshoot
#: of a segment (< 2^16 + 80 steps) 2^21 still fits
MAX_SEGMENT_PO2 = 21
#: the cost of a precompile call is its registry row's ``call_cost`` (an upper bound on
#: the table rows it adds, so a segment's precompile tables stay within the segment size)


def check_segment_po2(po2) -> int:
    """Validate ``--segment-po2`` (``ValueError`` with the allowed range)."""
    if not isinstance(po2, int) or isinstance(po2, bool) or \
            not MIN_SEGMENT_PO2 <= po2 <= MAX_SEGMENT_PO2:
        raise ValueError(f"segment_po2 must be an integer in [{MIN_SEGMENT_PO2}, "
                         f"{MAX_SEGMENT_PO2}], got {po2!r}")
    return po2


def segment_cost(a7: int, a0: int, a1: int, a2: int, ret: int) -> int:
    """Upper bound on the proving work of one ``ecall`` in EXEC-step units: its EXEC
    steps (docs/circuits.md §6: 4 for an OS call, ``2 + S`` for a precompile, whose
    table rows are counted instead), plus one per guest word a read / readv / journal
    write moves (the ``io`` rows; they take no EXEC time)."""
    from zkvm.chips.syscall import FD_INPUT, FD_JOURNAL, OS_STEPS
    from zkvm.precompiles.registry import BY_NUMBER
    from zkvm.riscv.syscalls import SYS_READ, SYS_READV, SYS_WRITE

    pre = BY_NUMBER.get(a7)
    if pre is not None:
        return 2 + pre.call_cost
    moved = (a7 in (SYS_READ, SYS_READV) and a0 == FD_INPUT) or \
        (a7 == SYS_WRITE and a0 == FD_JOURNAL)
    if moved and 0 < int(ret) < 1 << 31:
        return OS_STEPS + 2 + int(ret) // 4
    return OS_STEPS


@dataclass
class SegmentJob:
    """Everything a worker needs to prove one segment (picklable, small)."""

    elf: object     # ELF bytes or a zkvm.riscv Program
    params: object  # StarkParams
    start: object   # zkvm.riscv.segments.SegmentStart
    salt_in: bytes
    salt_out: bytes
    #: restrict the instruction chips (tests); None = every available chip
    chips: tuple | None = None

    @property
    def label(self) -> str:
        return f"segment {self.start.index}"


_MACHINES: dict = {}


def _machine(elf, params, chips=None):
    """The prover Machine of ``elf`` (cached per process: workers prove many segments)."""
    from zkvm.machine import Machine

    import pickle

    raw = bytes(elf) if isinstance(elf, (bytes, bytearray)) else pickle.dumps(elf)
    key = (hashlib.sha256(raw).digest(), params.digest(), chips)
    m = _MACHINES.get(key)
    if m is None:
        if len(_MACHINES) > 4:
            _MACHINES.clear()
        m = Machine.for_program(elf, params, chips=chips)
        _MACHINES[key] = m
    return m


def prove_segment_job(job: SegmentJob):
    """Prove one segment (runs on a worker).  Returns a :class:`zkvm.receipt.SegmentRecord`."""
    m = _machine(job.elf, job.params, job.chips)
    return m.prove_segment(job.start, job.salt_in, job.salt_out)


def plan(elf, input: bytes, params, segment_po2: int = DEFAULT_SEGMENT_PO2,
         max_cycles: int | None = None, chips=None) -> list[SegmentJob]:
    """Execute once and cut the run into :class:`SegmentJob` s."""
    from zkvm.machine import _load_program
    from zkvm.chips.tracegen import UnprovableExecution
    from zkvm.riscv.errors import UnprovableSyscall
    from zkvm.riscv.executor import DEFAULT_MAX_CYCLES
    from zkvm.riscv.segments import split

    check_segment_po2(segment_po2)
    program, _ = _load_program(elf)
    try:
        starts = split(program, bytes(input), max_steps=1 << segment_po2, cost=segment_cost,
                       max_cycles=max_cycles or DEFAULT_MAX_CYCLES, strict=True)
    except UnprovableSyscall as e:
        raise UnprovableExecution(str(e)) from None
    salts = [b"\x00" * 64] + [os.urandom(64) for _ in starts]
    elf = bytes(elf) if isinstance(elf, (bytes, bytearray)) else elf
    return [SegmentJob(elf, params, st, salts[i], salts[i + 1], chips)
            for i, st in enumerate(starts)]


def assemble(jobs: list[SegmentJob], records: list, elf, params, chips=None):
    """The composite receipt from the jobs' records (in segment order)."""
    from zkvm.receipt.image_id import elf_sha256
    from zkvm.receipt import CompositeReceipt

    m = _machine(elf, params, chips)
    if len(records) != len(jobs):
        raise ValueError("one record per job")
    journal = b"".join(bytes(r.journal) for r in records)
    digest = elf_sha256(elf) if isinstance(elf, (bytes, bytearray)) else b"\x00" * 32
    return CompositeReceipt(m.vk_fields, int(records[-1].exit_code), journal, list(records),
                            digest)


def prove_segments(elf, input: bytes = b"", params=None,
                   segment_po2: int = DEFAULT_SEGMENT_PO2, workers: int = 1,
                   dask_address: str | None = None, client=None, progress=None,
                   max_cycles: int | None = None):
    """Prove ``elf`` on ``input`` as a composite receipt (module docstring)."""
    from zkvm.distributed import run_jobs
    from zkvm.stark.params import StarkParams

    params = StarkParams.default() if params is None else params
    jobs = plan(elf, input, params, segment_po2, max_cycles)
    records = run_jobs(prove_segment_job, jobs, workers=workers, dask_address=dask_address,
                       client=client, progress=progress, labels=[j.label for j in jobs])
    return assemble(jobs, records, elf, params)

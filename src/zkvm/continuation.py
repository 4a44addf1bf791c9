"""Continuations: prove a run of any length as segments (docs/continuations.md).

``prove_segments(elf, input, params, segment_po2=…, workers=…, dask_address=…)``:

1. :func:`zkvm.riscv.segments.split` runs the guest once (fast, no recording) and cuts it
   into segments of at most ``2^segment_po2`` EXEC steps (:func:`segment_cost`) whose
   cost including the memory-tree work stays within a budget (:func:`paging_cost`);
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

#: default segment size (EXEC steps, log2): 2.5-3.0 GiB peak RSS per segment (fibonacci,
#: walker, the csvstats C guest: docs/benchmarks.md, session 15), so four workers fit a
#: 24 GiB machine
DEFAULT_SEGMENT_PO2 = 20
MIN_SEGMENT_PO2 = 10
#: Runs longer than this many cycles are not proven as one STARK (its tables and memory
#: grow with the run: 2.5-2.7 GiB at 2^20 cycles) but as continuation segments
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


#: peak RSS of one process proving one segment, fitted to the measurements of session 15
#: (docs/benchmarks.md; default parameters, blowup 4): 2.53-2.96 GiB at 2^20 steps
#: (fibonacci, the walker, every csvstats segment), <= 1.85 GiB at 2^19; the LDEs, most
#: of it, grow with the steps and the blowup: ``BASE + SCALE·2^(po2 − 20)·B/4``.  Kept as
#: a margin in session 16, when the Poseidon2 tree brought csvstats' segments to
#: 2.58-2.69 GiB at 2^20 and <= 1.66 GiB at 2^19 (other guests may have wider tables)
SEGMENT_PEAK_BASE = 7 << 27     # 0.875 GiB
SEGMENT_PEAK_SCALE = 17 << 27   # 2.125 GiB


def segment_peak_bytes(segment_po2: int, params) -> int:
    """About how much memory one process proving a segment of ``2^segment_po2`` steps
    with ``params`` peaks at (:data:`SEGMENT_PEAK_BASE`, :data:`SEGMENT_PEAK_SCALE`):
    3.0 GiB at 2^20 with the default parameters, 1.9 GiB at 2^19."""
    check_segment_po2(segment_po2)
    scale = SEGMENT_PEAK_SCALE * 2.0 ** (segment_po2 - 20) * 2.0 ** (params.log_blowup - 2)
    return int(SEGMENT_PEAK_BASE + scale)


def workers_that_fit(workers: int, segment_po2: int, params,
                     available: int | None = None) -> int:
    """How many of ``workers`` local proving processes fit in ``available`` bytes of
    memory (default: :func:`zkvm.threads.available_memory`, this machine's or container's
    headroom), each peaking at :func:`segment_peak_bytes`: at least 1 (a single worker
    is what the caller asked for at least) and at most ``workers``; ``workers`` when the
    memory is unknown."""
    if workers <= 1:
        return workers
    if available is None:
        from zkvm.threads import available_memory

        available = available_memory()
    if available is None:
        return workers
    return max(1, min(workers, int(available) // segment_peak_bytes(segment_po2, params)))


#: paging measure (``zkvm.riscv.segments`` "Paging cost": ≥ the ``mem_page`` + ``mem_node``
#: rows, ≥ a third of the Poseidon2 permutations) a segment gets for free, as a power of
#: two below the segment size: 2^(segment_po2 - 8) (4096 at 2^20: paging tables of at most
#: ~6 M cells, a tenth of a compute-bound 2^20 segment's), and at least 2^9 (the few dozen pages any C guest touches, stack,
#: globals, heap, and their paths, so small segments are never cut to a handful of
#: instructions)
PAGING_ALLOWANCE_SHIFT = 8
PAGING_ALLOWANCE_MIN_LOG = 9
#: distinct Poseidon2 blocks per unit of paging measure: a page row hashes 3 blocks per
#: version (two halves and the leaf), a node row 1 (riscv.segments "Paging cost")
HASH_PER_UNIT = 3


def paging_cost(segment_po2: int):
    """The paging part of the cutting rule (:class:`zkvm.riscv.segments.PagingCost`).

    Cost model, in EXEC-step units, counting main-trace cells (height × width):

    * one EXEC step: at most one row of one instruction chip, ``w_step`` = the widest
      instruction chip (``divrem``, 91 columns); the step rule keeps every table the
      steps fill at most ``2^segment_po2`` rows;
    * paging (:mod:`zkvm.chips.mem_merkle`): the paging measure ``U`` (touched 64-byte
      tree pages and internal nodes on their paths, twice where the subtree may be
      non-zero at entry and is written, plus the zero blocks: :mod:`zkvm.riscv.segments`
      "Paging cost") bounds the ``mem_page`` + ``mem_node`` rows, and ``3U``
      (:data:`HASH_PER_UNIT`) the distinct Poseidon2 blocks, one row each of the
      ``poseidon2`` table: padded to powers of two at most ``pad(U)·w_unit`` cells with
      ``w_unit = 4·w_p2 + w_page + w_node`` (``pad(3U) ≤ 4·pad(U)``);
    * ``unit_steps = ⌈w_unit / w_step⌉``: a padded unit of measure costs as many cells as
      that many steps (the widths are read from the AIRs, so the model follows the
      circuits; 17 with Poseidon2, 294 with the SHA-256 tree before session 16);
    * allowance ``A = 2^max(segment_po2 − 8, 9)`` (4096 at 2^20) is free: a
      compute-bound segment keeps its ``2^segment_po2`` steps (the rule cuts earlier
      than the step rule only once ``pad(U + 50) > A``).  At least 512, the footprint of
      any C guest (stack, globals, heap: ~50-150 rows, most of them non-zero).

    So a segment's cells stay within about ``2^segment_po2·w_step + A·w_unit`` whatever
    its mix of steps and pages, instead of growing with the pages it touches; and
    ``pad(U) ≤ A + 2^segment_po2 / unit_steps`` (but for an ecall whose buffers alone
    exceed the budget) keeps every paging table within ``2^segment_po2`` rows for every
    ``segment_po2 ≥ 15`` (tests/continuation/test_paging_cut.py).

    Correctness: the cut rule affects only the segments' sizes (prover time and memory),
    never soundness: every segment proves its own transition between two memory roots
    (docs/continuations.md §4).
    """
    from zkvm.chips.mem_merkle import MemNodeAir, MemPageAir, Poseidon2Air
    from zkvm.machine.chips import INSTRUCTION_CHIP_AIRS
    from zkvm.riscv.segments import PagingCost

    check_segment_po2(segment_po2)
    w_step = max(cls.columns.width for cls in INSTRUCTION_CHIP_AIRS.values())
    w_unit = (HASH_PER_UNIT + 1) * Poseidon2Air.columns.width + MemPageAir.columns.width + \
        MemNodeAir.columns.width
    unit_steps = -(-w_unit // w_step)
    allowance = 1 << max(segment_po2 - PAGING_ALLOWANCE_SHIFT, PAGING_ALLOWANCE_MIN_LOG)
    return PagingCost(unit_steps=unit_steps, allowance=allowance)


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


def prove_segment_job(job: SegmentJob, timings: dict | None = None):
    """Prove one segment (runs on a worker).  Returns a :class:`zkvm.receipt.SegmentRecord`;
    ``timings`` (a dict) receives the prover's phase times and peaks (``prove_phases``,
    ``prove_peaks``, as :meth:`zkvm.machine.Machine.prove_segment` fills them)."""
    m = _machine(job.elf, job.params, job.chips)
    return m.prove_segment(job.start, job.salt_in, job.salt_out, timings=timings)


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
                       max_cycles=max_cycles or DEFAULT_MAX_CYCLES, strict=True,
                       paging=paging_cost(segment_po2))
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
                   max_cycles: int | None = None, stats: dict | None = None):
    """Prove ``elf`` on ``input`` as a composite receipt (module docstring).

    ``stats`` (a dict) receives ``peak_rss``: the largest peak RSS in bytes of the
    processes that proved a segment (each one's peak when its segment was done), and
    ``segment_seconds``: each segment's proving time, in segment order."""
    from zkvm.distributed import run_jobs_detailed
    from zkvm.stark.params import StarkParams

    params = StarkParams.default() if params is None else params
    jobs = plan(elf, input, params, segment_po2, max_cycles)
    outcomes = run_jobs_detailed(prove_segment_job, jobs, workers=workers,
                                 dask_address=dask_address, client=client, progress=progress,
                                 labels=[j.label for j in jobs])
    if stats is not None:
        stats["peak_rss"] = max(int(o.peak_rss) for o in outcomes)
        stats["segment_seconds"] = [float(o.seconds) for o in outcomes]
    return assemble(jobs, [o.value for o in outcomes], elf, params)

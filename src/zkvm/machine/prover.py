"""Proving: a whole run (one receipt) or one continuation segment."""

from __future__ import annotations

import time

from zkvm import heap
from zkvm.chips.tracegen import UnprovableExecution

from .segments import salt_words, segment_public_values


#: heap bytes faulted in ahead of a proof per (padded) cycle, on a background thread while
#: the serial witness/trace building runs (:func:`zkvm.heap.prefault_async`, on by default,
#: ``ZKVM_PREFAULT=0`` turns it off; measured gain in its docstring): a 2^20-cycle
#: proof of the smallest program (fibonacci: CPU, program, memory and ALU tables) peaks
#: at 2.7-3.0 GiB of heap; 2.5 KiB per cycle leaves no fault in commit_main/commit_aux
#: and keeps the peak RSS at 2.72-2.84 GiB (the trace building reuses the pieces already
#: faulted in; an all-at-once block of this size had raised it to 3.4 GiB)
PREFAULT_BYTES_PER_CYCLE = 2560


def _prefault(cycles: int):
    """Start faulting in the heap for a proof of ``cycles`` cycles (or ``None``)."""
    n = 1 << max(0, int(cycles) - 1).bit_length()
    return heap.prefault_async(PREFAULT_BYTES_PER_CYCLE * n)


def _steps(result) -> int:
    """Rows of the CPU table a recorded execution needs (its events; 0 if none)."""
    ev = getattr(result, "events", None)
    return 0 if ev is None else len(ev)


class MachineProver:
    """Proving; mixed into :class:`zkvm.machine.system.Machine`."""

    # ------------------------------------------------------------------ prove / verify
    def prove(self, input: bytes = b"", result=None, debug: bool = False,
              timings: dict | None = None, max_cycles: int | None = None,
              pad_cycles: int | None = None, pad_to: dict | None = None):
        """Execute (unless ``result`` is given) and prove; returns a :class:`Receipt`.

        ``pad_cycles``: see :meth:`traces` (every witness table padded to a height that
        depends only on it and the program)."""
        from zkvm.receipt import Receipt
        from zkvm.stark import prover
        from zkvm.stark.prover import Timings

        tm = timings if timings is not None else {}
        t0 = time.perf_counter()
        if result is None:
            result = self.execute(input, max_cycles)
        tm["execute"] = time.perf_counter() - t0
        pre = _prefault(max(_steps(result), int(pad_cycles or 0)))
        try:
            w, traces, pv = self.traces(result, tm, pad_cycles=pad_cycles, pad_to=pad_to)
        finally:
            if pre is not None:
                pre.finish()  # its pages now serve the prover's buffers
        pk = self.proving_key()
        cycles, exit_code, journal = w.cycles, w.exit_code, w.journal
        del w, result  # the prover needs the traces only (peak memory)
        ptm = Timings()
        t0 = time.perf_counter()
        proof = prover.prove(pk, traces, pv, debug=debug, timings=ptm, consume=True,
                             public_data=bytes(journal))
        tm["prove"] = time.perf_counter() - t0
        tm["prove_phases"] = dict(ptm)
        tm["prove_peaks"] = dict(ptm.peaks)
        tm["cycles"] = cycles
        return Receipt(self.vk_fields, exit_code, journal, proof.to_bytes(),
                       elf_sha256=self.elf_sha256 or b"\x00" * 32)

    def prove_segment(self, start, salt_in: bytes, salt_out: bytes, debug: bool = False,
                      timings: dict | None = None):
        """Re-execute the segment described by ``start`` (a
        :class:`zkvm.riscv.segments.SegmentStart`) and prove it.  Returns a
        :class:`zkvm.receipt.SegmentRecord`.

        ``salt_in``: the salt of the entry memory tree (64 zero bytes for segment 0, as
        in the image's memory root; else the previous segment's ``salt_out``);
        ``salt_out``: 64 fresh random bytes (docs/continuations.md §2)."""
        from zkvm.riscv.segments import run_segment

        tm = timings if timings is not None else {}
        t0 = time.perf_counter()
        # in a list the callee empties: an argument would stay referenced by this frame
        # for the whole proof (the recorded execution: ~0.2 GiB at 2^20 steps)
        box = [run_segment(self.program, start, record=True)]
        tm["execute"] = time.perf_counter() - t0
        pre = _prefault(_steps(box[0]))
        try:
            return self._prove_segment(start, box, salt_in, salt_out, debug, tm, pre)
        finally:
            if pre is not None:
                pre.finish()

    def _prove_segment(self, start, box, salt_in, salt_out, debug, tm, pre):
        """:meth:`prove_segment` after the re-execution (``box``: a list holding the
        recorded execution, emptied here); ``pre`` (a heap prefault or ``None``) is
        finished before the STARK prover starts.

        Memory: the STARK prover runs with nothing else of the segment alive (execution,
        witness, paging witness, the caller's references to the traces: 1.3 → ~0.5 GiB
        held when the commitments start at 2^20 steps, as in :meth:`prove`)."""
        from zkvm.memtree import MemTree
        from zkvm.receipt import SegmentRecord
        from zkvm.stark import prover
        from zkvm.stark.prover import Timings

        result = box.pop()
        if result.events is None or not len(result.events) or \
                int(result.events.pc[0]) != start.pc:
            raise UnprovableExecution(f"segment {start.index}: re-execution does not start "
                                      f"at pc 0x{start.pc:08x}")
        t0 = time.perf_counter()
        keys, vals = start.memory_words()
        entry = MemTree.from_words(keys, vals, salt=salt_words(salt_in))
        tm["entry_tree"] = time.perf_counter() - t0
        w, traces, paging = self.segment_traces(result, (keys, vals), entry, salt_words(salt_out),
                                                start.journal_len, start.halts, tm)
        if start.halts:
            end_pc = end_ts = 0
        else:
            end_pc, end_ts, _ = w.end_state
        root_in, root_out = entry.root_bytes(), paging.exit_tree.root_bytes()
        exit_code = w.exit_code if start.halts else 0
        pv = segment_public_values(exit_code, w.journal, start.halts, start.index, start.pc,
                                   end_pc, end_ts, start.journal_len, root_in, root_out)
        system = self.segment_system()
        t0 = time.perf_counter()
        traces["bytes"] = self._bytes_trace(system, traces, pv)
        ordered = [traces[a.name] for a in self.segment_airs]
        traces.clear()
        tm["bytes_mult"] = time.perf_counter() - t0
        pk = self._proving_key(self.segment_verifying_key())
        journal, cycles = bytes(w.journal), w.cycles
        tm["hash_calls"] = paging.hash_calls
        tm["pages"] = int(paging.traces["mem_page"].shape[0])
        del w, result, paging, entry, keys, vals  # the prover needs the traces only
        if pre is not None:
            pre.finish()  # its pages now serve the prover's buffers
        ptm = Timings()
        t0 = time.perf_counter()
        proof = prover.prove(pk, ordered, pv, debug=debug, timings=ptm, consume=True,
                             public_data=journal)
        tm["prove"] = time.perf_counter() - t0
        tm["prove_phases"] = dict(ptm)
        tm["prove_peaks"] = dict(ptm.peaks)
        tm["cycles"] = cycles
        return SegmentRecord(start_pc=start.pc, end_pc=end_pc, end_ts=end_ts, root_in=root_in,
                             root_out=root_out, journal_len=len(journal),
                             proof=proof.to_bytes(), exit_code=exit_code,
                             journal=journal)

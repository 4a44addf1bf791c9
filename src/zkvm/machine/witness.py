"""Witness and trace building of the machine (prover side): the executed run ->
every table's trace, the Bytes multiplicities, segment traces with paging."""

from __future__ import annotations

import time

import numpy as np

from zkvm.chips import buses, opcodes as opc
from zkvm.chips.bytes import BytesAir
from zkvm.chips.tracegen import build_witness, UnprovableExecution
from zkvm.precompiles.tables import precompile_traces, real_rows

from .chips import _bytes_exprs, shard_split


class MachineWitness:
    """Trace building; mixed into :class:`zkvm.machine.system.Machine`."""

    def traces(self, result, timings: dict | None = None, pad_cycles: int | None = None,
               pad_to: dict | None = None):
        """``(witness, traces, public_values)`` for an ExecutionResult with events.

        ``pad_cycles``: pad every witness table to the height fixed by
        :func:`zkvm.chips.padding.pad_targets` (length hiding; ``pad_to`` overrides
        named tables' heights); raises :class:`~zkvm.chips.padding.PadCyclesExceeded` if
        the execution does not fit."""
        tm = timings if timings is not None else {}
        t0 = time.perf_counter()
        w = build_witness(self.program_air, self.image_air.keys, self.image_air.values, result)
        self._check_chips(w)
        tm["witness"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pv = self.public_values(w.exit_code, w.journal)
        traces = self._table_traces(w, allow_empty=pad_cycles is None)
        b = w.boundary
        traces["memory_boundary"] = self.boundary_air.generate_trace(
            b["keys"], b["zero_init"], b["final"], b["final_ts"])
        if pad_to and pad_cycles is None:
            raise ValueError("pad_to needs pad_cycles")
        if pad_cycles is not None:
            from zkvm.chips.padding import check_fit, pad_targets, pad_traces

            check_fit(pad_cycles, int(w.cycles), len(w.io["ctime"]))
            shards = {a.name for a in self.shard_list}  # they stay empty (0 rows)
            pad_traces(traces, pad_targets(pad_cycles, [a for a in self.airs
                                                        if a.name not in shards],
                                           len(self.image_air.keys), pad_to))
        tm["traces"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        system = self.system()
        traces["bytes"] = self._bytes_trace(system, traces, pv)
        tm["bytes_mult"] = time.perf_counter() - t0
        ordered = [traces[a.name] for a in self.airs]
        return w, ordered, pv

    def _check_chips(self, w) -> None:
        need = w.chips_used() - {opc.CHIP_SYSCALL}
        missing = sorted(need - set(self.chip_airs))
        if missing:
            counts = {c: int(np.count_nonzero(w.chip_rows(c))) for c in missing}
            raise UnprovableExecution(f"the execution needs chips that are not available: "
                                      f"{counts} (instructions per chip)")

    def _table_traces(self, w, allow_empty: bool = True) -> dict:
        """Traces of the tables common to the monolithic and the segment systems (all but
        ``bytes`` and the memory boundary / paging tables).

        ``allow_empty``: a ``may_be_empty`` table (instruction chips, ``io``, ``sha256``,
        ``keccak``) with no real row gets a 0-row trace and is left out of the proof
        (:attr:`zkvm.stark.air.Air.may_be_empty`).  False with ``pad_cycles`` (length
        hiding: which tables are present must not depend on the execution).

        A chip's rows are shared out over its own table and its ``ShardAir`` tables
        as :func:`zkvm.machine.chips.shard_split` says (``self.shard_min_log``); with
        ``allow_empty`` False they all stay in the chip's table and the others are
        empty (0 rows) in every proof."""
        traces = {}
        real: dict[str, int] = {}
        traces["program"] = self.program_air.generate_trace(w.rows.pc)
        traces["memory_image"] = self.image_air.generate_trace()
        traces["io"] = self.io_air.generate_trace(w.io)
        real["io"] = len(w.io["ctime"])
        sel = w.chip_rows(opc.CHIP_SYSCALL)
        traces["syscall"] = self.syscall_air.generate_trace(w.rows.select(sel))
        for c, air in self.chip_airs.items():
            idx = np.flatnonzero(w.chip_rows(c))
            tables = [air, *self.shard_airs[c]]
            # under length hiding (allow_empty False) tables 2.. stay empty: fixed shape
            parts = shard_split(len(idx), self.shard_min_log) if allow_empty else (len(idx),)
            if len(parts) > len(tables) or sum(parts) != len(idx):
                raise RuntimeError(f"{c}: bad split {parts} of {len(idx)} rows (a bug)")
            start = 0
            for i, t in enumerate(tables):
                k = parts[i] if i < len(parts) else 0
                real[t.name] = k
                if k or t is air:
                    traces[t.name] = t.generate_trace(w.rows.select(idx[start:start + k]))
                else:
                    traces[t.name] = np.zeros((0, t.columns.width), dtype=np.uint32)
                start += k
        traces.update(precompile_traces(self.precompile_airs, w.precompile_events,
                                        lambda cyc: w.ts[cyc], w.precompile_prev_ts))
        real.update(real_rows(w.precompile_events))
        if allow_empty:
            airs = {a.name: a for a in [self.io_air, *self.chip_airs.values(),
                                        *self.precompile_airs]}
            for name, count in real.items():
                air = airs.get(name)
                if count == 0 and air is not None and air.may_be_empty and name in traces:
                    traces[name] = np.zeros((0, air.columns.width), dtype=np.uint32)
        return traces

    def segment_traces(self, result, entry_words, entry, salt_out, jpos_start: int,
                       halts: bool, timings: dict | None = None):
        """``(witness, ordered traces, paging witness)`` of one segment.

        ``result``: the segment's recorded execution (:func:`zkvm.riscv.segments.run_segment`);
        ``entry_words``: ``(keys, values)`` of every non-zero word at entry;
        ``entry``: the :class:`zkvm.memtree.MemTree` of that memory (its salt is the
        previous segment's exit salt); ``salt_out``: 16 random words for the exit
        tree's salt page."""
        from zkvm.chips.mem_merkle import paging_witness

        tm = timings if timings is not None else {}
        t0 = time.perf_counter()
        keys, vals = entry_words
        w = build_witness(self.program_air, keys, vals, result, start_jpos=jpos_start,
                          halts=halts)
        self._check_chips(w)
        tm["witness"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        traces = self._table_traces(w)
        t = w.touched
        paging = paging_witness(entry, t["keys"], t["final"], t["final_ts"], salt_out)
        traces.update(paging.traces)
        tm["traces"] = time.perf_counter() - t0
        return w, traces, paging

    def _bytes_trace(self, system, traces: dict, pv) -> np.ndarray:
        """Multiplicities of the Bytes table: every BYTES message of every other table,
        evaluated from its trace (so no chip has to report its lookups)."""
        from zkvm.stark.kernels import evaluate_on_trace

        parts = []
        for t in system.tables:
            if t.name == "bytes":
                continue
            its = [it for it in t.compiled.interactions if it.bus.id == buses.BYTES.id]
            if not its:
                continue
            tr = traces[t.name]
            if not tr.shape[0]:
                continue
            for it in its:
                if it.sign < 0:
                    raise ValueError(f"{t.name}.{it.name}: only the Bytes table may receive "
                                     "on BYTES")
            exprs = _bytes_exprs(t, its)  # (op, a, b, c, multiplicity) per interaction
            vals = evaluate_on_trace(exprs, tr, t.pre_trace, pv)  # (n, 5·len(its))
            v5 = vals.reshape(-1, 5)
            parts.append((v5[:, :4], v5[:, 4]))
        try:
            return BytesAir.generate_trace_parts(parts)
        except ValueError as e:
            raise ValueError(f"byte lookups: {e}") from None

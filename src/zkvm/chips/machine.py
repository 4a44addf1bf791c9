"""The RV32IM machine: every chip in one :class:`~zkvm.stark.system.StarkSystem`.

Public API (used by :mod:`zkvm.api` and the CLI)::

    from zkvm.chips.machine import prove, verify, Machine
    receipt = prove(elf_bytes_or_program, input=b"", params=StarkParams.default())
    exit_code, journal = verify(receipt, image_id)          # or receipt bytes

Tables (in this order): ``program``, ``bytes``, ``memory_image`` (preprocessed, committed
together at setup: their root is in the image ID), ``memory_boundary``, ``io``,
``syscall`` and the instruction chips (``addsub``, ``bitwise``, ``lt``, ``shift``,
``mul``, ``divrem``, ``lui_auipc``, ``branch``, ``jump``, ``loadstore``, ``atomic``) that
are available (the list of chips is part of the image ID; a chip whose module is
missing is left out, and proving an execution that needs it fails with
:class:`UnprovableExecution` naming it), then the precompile tables
(``precompiles.precompile_airs()``: ``sha256``, ``sha256_round``; always present, fixed
by the machine version like ``io``/``syscall``, and bound by the verifying-key digest).

Statement
---------
Public values: ``[exit_code, journal_len]``; the journal itself is the proof's *public
data* (bytes absorbed into the transcript before any challenge, checklist 17), so one
system (one verifying key) serves every journal length and the verifier's cost for the
journal is one hash plus one vectorised LogUp sum (``zkvm.stark.system.PublicBatch``).
Public interactions (the verifier adds them to the LogUp sum):

* EXEC send ``(entry, 1, 0)`` — the initial state; the only EXEC chain starts here and,
  by balance, ends at the single exit row (a row that sends nothing);
* JOURNAL receive ``(i, journal[i])`` for every ``i`` (one public batch) — the journal Io
  rows must send exactly these bytes at exactly these positions.

The system's name is ``"zkvm-rv32im/v1/" + image_id.hex()``, so the verifying-key digest
that seeds the Fiat–Shamir transcript binds the image ID (entry pc, memory image,
preprocessed commitment, chip list, params: checklist 16).
"""

from __future__ import annotations

import importlib
import time

import numpy as np

from zkvm.chips import buses
from zkvm.chips import opcodes as opc
from zkvm.chips.bytes import BytesAir
from zkvm.chips.memory import MemoryBoundaryAir, MemoryImageAir
from zkvm.precompiles.tables import precompile_airs, precompile_traces, real_rows
from zkvm.chips.program import ProgramAir
from zkvm.chips.syscall import IoAir, SyscallAir
from zkvm.chips.tracegen import UnprovableExecution, build_witness
from zkvm.image_id import VkFields
from zkvm.stark.air import Air
from zkvm.stark.errors import VerificationError
from zkvm.stark.params import StarkParams
from zkvm.stark.system import ProvingKey, StarkSystem, VerifyingKey

__all__ = ["Machine", "prove", "verify", "UnprovableExecution", "ImageIdMismatch",
           "CHIP_MODULES", "available_chips"]

#: Instruction chip -> module defining its Air (an ``Air`` subclass whose ``name`` is
#: the chip name and which has a no-argument constructor).
CHIP_MODULES = {
    opc.CHIP_ADDSUB: "zkvm.chips.alu_addsub",
    opc.CHIP_BITWISE: "zkvm.chips.alu_bitwise",
    opc.CHIP_LT: "zkvm.chips.alu_lt",
    opc.CHIP_SHIFT: "zkvm.chips.alu_shift",
    opc.CHIP_MUL: "zkvm.chips.alu_mul",
    opc.CHIP_DIVREM: "zkvm.chips.alu_divrem",
    opc.CHIP_LUI_AUIPC: "zkvm.chips.lui_auipc",
    opc.CHIP_BRANCH: "zkvm.chips.branch",
    opc.CHIP_JUMP: "zkvm.chips.jump",
    opc.CHIP_LOADSTORE: "zkvm.chips.loadstore",
    opc.CHIP_ATOMIC: "zkvm.chips.atomic",
}
VERSION = 1


class ImageIdMismatch(VerificationError):
    """The receipt is for another program (or other parameters / circuits)."""


def _find_air_class(chip: str):
    try:
        mod = importlib.import_module(CHIP_MODULES[chip])
    except ImportError:
        return None
    for v in vars(mod).values():
        if isinstance(v, type) and issubclass(v, Air) and v is not Air and \
                getattr(v, "name", None) == chip:
            return v
    return None


_CHIP_CLASSES: dict = {}


def available_chips() -> dict:
    """``{chip name: Air class}`` of the instruction chips whose module is importable."""
    if not _CHIP_CLASSES:
        for chip in CHIP_MODULES:
            cls = _find_air_class(chip)
            if cls is not None:
                _CHIP_CLASSES[chip] = cls
    return dict(_CHIP_CLASSES)


def _load_program(elf_or_program):
    from zkvm.riscv.layout import Program

    if isinstance(elf_or_program, Program):
        return elf_or_program, None
    if isinstance(elf_or_program, (bytes, bytearray, memoryview)):
        from zkvm.riscv.elf import load_elf

        data = bytes(elf_or_program)
        return load_elf(data), data
    raise TypeError("expected ELF bytes or a zkvm.riscv Program")


def _log2(h: int) -> int:
    return h.bit_length() - 1


_SHARED_AIRS: dict = {}


def _shared_air(cls):
    """The process-wide instance of an AIR class whose constructor takes no argument
    (every chip but ``program`` and ``memory_image``): its compiled constraints, LogUp
    layout and preprocessed columns are then computed once per process, not once per
    Machine (``Machine.system`` took ~1 s per new Machine).  AIR instances are not
    modified after construction, apart from those caches."""
    air = _SHARED_AIRS.get(cls)
    if air is None:
        air = _SHARED_AIRS.setdefault(cls, cls())
    return air


_BYTES_EXPRS: dict = {}


def _bytes_exprs(table, its) -> list:
    """The BYTES message values and multiplicity of each interaction, as one stable list
    (memoised per compiled AIR, so the compiled evaluation program is reused)."""
    hit = _BYTES_EXPRS.get(id(table.compiled))
    if hit is None or hit[0] is not table.compiled:
        ex = []
        for it in its:
            ex.extend(it.values)
            ex.append(it.multiplicity)
        hit = _BYTES_EXPRS[id(table.compiled)] = (table.compiled, ex)
    return hit[1]


class Machine:
    """All chips of one program (prover side) or of one verifying key (verifier side).

    Build with :meth:`for_program` (commits the preprocessed tables; has ``image_id``)
    or :meth:`for_vk` (verifier: placeholder preprocessed columns, the commitment comes
    from the receipt).  ``system(journal_len)`` gives the StarkSystem for a journal
    length.
    """

    def __init__(self, params: StarkParams, program_air: ProgramAir, image_air: MemoryImageAir,
                 chips: tuple, entry: int, mem_root: bytes, program=None, elf_sha256=None):
        self.params = params
        self.program = program
        self.entry = entry
        self.mem_root = mem_root
        self.elf_sha256 = elf_sha256
        classes = available_chips()
        missing = [c for c in chips if c not in classes]
        if missing:
            raise ImageIdMismatch(f"this zkvm build lacks the chips {missing} that the "
                                  "receipt's circuits use")
        self.chips = tuple(chips)
        self.program_air = program_air
        self.image_air = image_air
        self.bytes_air = _shared_air(BytesAir)
        self.boundary_air = _shared_air(MemoryBoundaryAir)
        self.io_air = _shared_air(IoAir)
        self.syscall_air = _shared_air(SyscallAir)
        self.chip_airs = {c: _shared_air(classes[c]) for c in self.chips}
        self.precompile_airs = [_shared_air(type(a)) for a in precompile_airs()]
        self.airs = [self.program_air, self.bytes_air, self.image_air, self.boundary_air,
                     self.io_air, self.syscall_air, *self.chip_airs.values(),
                     *self.precompile_airs]
        for a in self.pre_airs:
            _cache_preprocessed(a)
        self.pre_root = None
        self.pre_data = None
        self._systems: dict = {}
        self._segment_airs = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def for_program(cls, elf_or_program, params: StarkParams | None = None,
                    chips=None) -> "Machine":
        """Prover side: decode the program, build and commit the preprocessed tables.

        ``chips``: restrict the instruction chips (default: every available one; the
        list is part of the image ID)."""
        from zkvm.chips.memory import memory_root
        from zkvm.image_id import elf_sha256
        from zkvm.stark.pcs import FriPcs

        params = StarkParams.default() if params is None else params
        program, data = _load_program(elf_or_program)
        if chips is None:
            chips = tuple(c for c in CHIP_MODULES if c in available_chips())
        chips = tuple(c for c in CHIP_MODULES if c in set(chips))
        m = cls(params, ProgramAir(program), MemoryImageAir.from_program(program), chips,
                program.entry, memory_root(program), program=program,
                elf_sha256=None if data is None else elf_sha256(data))
        pres = [a.generate_preprocessed() for a in m.pre_airs]
        m.pre_root, m.pre_data = FriPcs(params).commit(pres)
        return m

    @classmethod
    def for_vk(cls, f: VkFields) -> "Machine":
        """Verifier side: the tables' shapes from ``f`` (no program needed)."""
        m = cls(f.params, ProgramAir(height=1 << f.program_log_height),
                MemoryImageAir(height=1 << f.image_log_height), f.chips, f.entry, f.mem_root)
        m.pre_root = f.pre_root
        return m

    @property
    def vk_fields(self) -> VkFields:
        return VkFields(self.params, self.entry, self.mem_root, opc.digest(), self.chips,
                        self.pre_root, _log2(self.program_air.height),
                        _log2(self.image_air.height))

    @property
    def image_id(self) -> bytes:
        return self.vk_fields.image_id()

    @property
    def pre_airs(self) -> list:
        """The tables with preprocessed columns, in table order (their columns are
        committed together at setup, in this order: ``program``, ``bytes``,
        ``memory_image``, ``sha256_round``)."""
        return [a for a in self.airs if a.preprocessed.width > 0]

    # ------------------------------------------------------------------ the system
    def system(self) -> StarkSystem:
        """The StarkSystem of a whole run: public values ``[exit_code, journal_len]``,
        the journal as public data (module docstring)."""
        s = self._systems.get("run")
        if s is None:
            entry = self.entry

            def machine_public_interactions(pv):
                return [(buses.EXEC, [entry, 1, 0], 1)]

            s = StarkSystem(self.airs, self.params, num_public_values=2,
                            public_interactions=machine_public_interactions,
                            public_data_interactions=journal_batches,
                            name=f"zkvm-rv32im/v{VERSION}/{self.image_id.hex()}")
            self._systems["run"] = s
        return s

    # ------------------------------------------------------------------ segments
    @property
    def segment_airs(self) -> list:
        """The tables of the segment system (docs/continuations.md §1): the machine's,
        with ``memory_boundary`` replaced by the paging tables and ``memory_image`` kept
        for its preprocessed columns only (it sends nothing), so the preprocessed
        commitment, and with it the image ID, is the monolithic machine's."""
        if self._segment_airs is None:
            from zkvm.chips.mem_merkle import MemNodeAir, MemPageAir
            from zkvm.precompiles.sha256.air import Sha256HashAir

            img = SilentMemoryImageAir(self.image_air)
            self._segment_airs = [self.program_air, self.bytes_air, img, self.io_air,
                                  self.syscall_air, *self.chip_airs.values(),
                                  *self.precompile_airs, _shared_air(MemPageAir),
                                  _shared_air(MemNodeAir), _shared_air(Sha256HashAir)]
            pre_names = [a.name for a in self._segment_airs if a.preprocessed.width > 0]
            if pre_names != [a.name for a in self.pre_airs]:
                raise RuntimeError("segment system: preprocessed tables differ (a bug)")
        return self._segment_airs

    def segment_system(self) -> StarkSystem:
        """The StarkSystem proving one segment (its journal slice is the public data).

        Public values: :func:`segment_public_values`; public interactions: EXEC start
        ``(start_pc, 1, jpos_start)``, EXEC end ``(end_pc, end_ts, jpos_start + jlen)``
        with multiplicity ``1 − is_last``, the journal bytes at ``jpos_start + i`` (one
        public batch) and the memory root pair ``NODE(24, 0, root_in, root_out)``."""
        s = self._systems.get("segment")
        if s is None:
            s = StarkSystem(self.segment_airs, self.params,
                            num_public_values=2 + SEGMENT_FIELDS,
                            public_interactions=segment_public_interactions,
                            public_data_interactions=journal_batches,
                            name=f"zkvm-rv32im-segment/v{VERSION}/{self.image_id.hex()}")
            self._systems["segment"] = s
        return s

    def segment_verifying_key(self) -> VerifyingKey:
        return VerifyingKey(self.segment_system(), self.pre_root)

    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey(self.system(), self.pre_root)

    def proving_key(self) -> ProvingKey:
        return self._proving_key(self.verifying_key())

    def _proving_key(self, vk: VerifyingKey) -> ProvingKey:
        if self.pre_data is None:
            raise ValueError("a verifier-side Machine cannot prove")
        return ProvingKey(vk, self.pre_data)

    @staticmethod
    def public_values(exit_code: int, journal: bytes) -> list[int]:
        return [int(exit_code), len(journal)]

    # ------------------------------------------------------------------ witness
    def execute(self, input: bytes = b"", max_cycles: int | None = None):
        from zkvm.riscv.executor import DEFAULT_MAX_CYCLES, execute

        return execute(self.program, input, max_cycles=max_cycles or DEFAULT_MAX_CYCLES,
                       record=True)

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
            pad_traces(traces, pad_targets(pad_cycles, self.airs, len(self.image_air.keys),
                                               pad_to))
        tm["traces"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        system = self.system()
        traces["bytes"] = self._bytes_trace(system, traces, pv)
        tm["bytes_mult"] = time.perf_counter() - t0
        ordered = [traces[a.name] for a in self.airs]
        return w, ordered, pv

    def _check_chips(self, w) -> None:
        need = {str(c) for c in np.unique(w.chip_index)} - {opc.CHIP_SYSCALL}
        missing = sorted(need - set(self.chip_airs))
        if missing:
            counts = {c: int(np.count_nonzero(w.chip_index == c)) for c in missing}
            raise UnprovableExecution(f"the execution needs chips that are not available: "
                                      f"{counts} (instructions per chip)")

    def _table_traces(self, w, allow_empty: bool = True) -> dict:
        """Traces of the tables common to the monolithic and the segment systems (all but
        ``bytes`` and the memory boundary / paging tables).

        ``allow_empty``: a ``may_be_empty`` table (instruction chips, ``io``, ``sha256``,
        ``keccak``) with no real row gets a 0-row trace and is left out of the proof
        (:attr:`zkvm.stark.air.Air.may_be_empty`).  False with ``pad_cycles`` (length
        hiding: which tables are present must not depend on the execution)."""
        traces = {}
        real: dict[str, int] = {}
        traces["program"] = self.program_air.generate_trace(w.rows.pc)
        traces["memory_image"] = self.image_air.generate_trace()
        traces["io"] = self.io_air.generate_trace(w.io)
        real["io"] = len(w.io["ctime"])
        sel = w.chip_index == opc.CHIP_SYSCALL
        traces["syscall"] = self.syscall_air.generate_trace(w.rows.select(sel))
        for c, air in self.chip_airs.items():
            sel = w.chip_index == c
            real[c] = int(np.count_nonzero(sel))
            traces[c] = air.generate_trace(w.rows.select(sel))
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
        from zkvm.precompiles.sha256.air import Sha256RoundAir

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
        n_sha = len(w.precompile_events.sha256)
        traces["sha256_round"] = Sha256RoundAir.generate_trace(n_sha + paging.hash_calls)
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
            parts.append(vals.reshape(-1, 5))
        allv = np.concatenate(parts) if parts else np.zeros((0, 5), dtype=np.uint32)
        allm, allc = allv[:, :4], allv[:, 4]
        try:
            return BytesAir.generate_trace(allm, allc)
        except ValueError as e:
            raise ValueError(f"byte lookups: {e}") from None

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
        w, traces, pv = self.traces(result, tm, pad_cycles=pad_cycles, pad_to=pad_to)
        pk = self.proving_key()
        cycles, exit_code, journal = w.cycles, w.exit_code, w.journal
        del w, result  # the prover needs the traces only (peak memory)
        ptm = Timings()
        t0 = time.perf_counter()
        proof = prover.prove(pk, traces, pv, debug=debug, timings=ptm, consume=True,
                             public_data=bytes(journal))
        tm["prove"] = time.perf_counter() - t0
        tm["prove_phases"] = dict(ptm)
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
        from zkvm.memtree import MemTree
        from zkvm.receipt import SegmentRecord
        from zkvm.riscv.segments import run_segment
        from zkvm.stark import prover
        from zkvm.stark.prover import Timings

        tm = timings if timings is not None else {}
        t0 = time.perf_counter()
        result = run_segment(self.program, start, record=True)
        tm["execute"] = time.perf_counter() - t0
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
        tm["bytes_mult"] = time.perf_counter() - t0
        pk = self._proving_key(self.segment_verifying_key())
        ptm = Timings()
        t0 = time.perf_counter()
        proof = prover.prove(pk, ordered, pv, debug=debug, timings=ptm,
                             public_data=bytes(w.journal))
        tm["prove"] = time.perf_counter() - t0
        tm["prove_phases"] = dict(ptm)
        tm["cycles"] = w.cycles
        tm["hash_calls"] = paging.hash_calls
        tm["pages"] = int(paging.traces["mem_page"].shape[0])
        return SegmentRecord(start_pc=start.pc, end_pc=end_pc, end_ts=end_ts, root_in=root_in,
                             root_out=root_out, journal_len=len(w.journal),
                             proof=proof.to_bytes(), exit_code=exit_code,
                             journal=bytes(w.journal))


#: public values of a segment after ``[exit_code, jlen]``: is_last, index, start_pc,
#: end_pc, end_ts, jpos_start, root_in (16 halves), root_out (16 halves)
SEGMENT_FIELDS = 6 + 32


def segment_public_values(exit_code: int, journal: bytes, is_last: bool, index: int,
                          start_pc: int, end_pc: int, end_ts: int, jpos_start: int,
                          root_in: bytes, root_out: bytes) -> list[int]:
    """The public-value vector of a segment (docs/continuations.md §1); roots are 32-byte
    digests (8 big-endian words), given to the circuit as 16-bit halves.  The journal
    slice itself is the proof's public data."""
    return [int(exit_code), len(journal), int(bool(is_last)), int(index),
            int(start_pc), int(end_pc), int(end_ts), int(jpos_start),
            *halves_of_bytes(root_in), *halves_of_bytes(root_out)]


def journal_batches(pv, journal: bytes) -> list:
    """Public-data hook of both systems: JOURNAL receive ``(jpos0 + i, journal[i])`` for
    every byte (``jpos0`` = 0 for a whole run, the segment's ``jpos_start`` else), as one
    :class:`~zkvm.stark.system.PublicBatch`.  ``pv[1]`` must be the journal length."""
    from zkvm.stark.system import PublicBatch

    if pv[1] != len(journal):
        raise ValueError("journal length public value differs from the journal")
    jpos0 = pv[7] if len(pv) > 2 else 0
    vals = np.empty((len(journal), 2), dtype=np.uint32)
    vals[:, 0] = np.arange(jpos0, jpos0 + len(journal), dtype=np.uint32)
    vals[:, 1] = np.frombuffer(bytes(journal), dtype=np.uint8)
    return [PublicBatch(buses.JOURNAL, vals, -1)]


def segment_public_interactions(pv) -> list:
    """Public interactions of the segment system (:meth:`Machine.segment_system`)."""
    from zkvm.chips.mem_merkle import DEPTH, NODE

    jl = pv[1]
    is_last, _index, start_pc, end_pc, end_ts, jpos0 = pv[2:8]
    roots = pv[8:40]
    return [(buses.EXEC, [start_pc, 1, jpos0], 1),
            (buses.EXEC, [end_pc, end_ts, jpos0 + jl], -(1 - is_last)),
            (NODE, [DEPTH, 0, *roots], -1)]


def halves_of_bytes(digest: bytes) -> list[int]:
    """A 32-byte digest (8 big-endian u32 words) as 16 field elements (lo, hi) per word."""
    import struct

    if len(digest) != 32:
        raise ValueError("a digest is 32 bytes")
    out = []
    for w in struct.unpack(">8I", digest):
        out += [w & 0xFFFF, w >> 16]
    return out


class SilentMemoryImageAir(MemoryImageAir):
    """``memory_image`` in the segment system: the same preprocessed columns (hence the
    same preprocessed commitment and image ID) but no MEMORY sends -- a segment's memory
    comes from the paging tables, checked against the memory root."""

    def __init__(self, image: MemoryImageAir):
        super().__init__(image.keys, image.values, height=image.height)
        self.generate_preprocessed = image.generate_preprocessed

    def eval(self, b):
        b.assert_eq(b.local.m, b.preprocessed_local.is_real, "m_is_real")


def salt_words(salt: bytes) -> np.ndarray:
    """64 salt bytes as the salt page's 16 u32 words (little endian)."""
    if not isinstance(salt, (bytes, bytearray)) or len(salt) != 64:
        raise ValueError("a salt is 64 bytes")
    return np.frombuffer(bytes(salt), dtype="<u4").astype(np.uint32)


def _cache_preprocessed(air):
    """Make ``air.generate_preprocessed`` compute its (possibly large) trace once."""
    if getattr(air, "_pre_cached", False):
        return
    orig = air.generate_preprocessed
    box = []

    def cached():
        if not box:
            box.append(orig())
        return box[0]

    air.generate_preprocessed = cached
    air._pre_cached = True


# ---------------------------------------------------------------------------- module API
_MACHINES: dict = {}


def prove(elf_or_program, input: bytes = b"", params: StarkParams | None = None,
          debug: bool = False, timings: dict | None = None, max_cycles: int | None = None,
          pad_cycles: int | None = None, pad_to: dict | None = None):
    """Execute ``elf_or_program`` (ELF bytes or a ``zkvm.riscv`` Program) on the private
    ``input`` and prove it.  Returns a :class:`zkvm.receipt.Receipt`.  ``pad_cycles``:
    length hiding (:mod:`zkvm.chips.padding`).

    Raises the executor's ``GuestError`` if the guest faults, :class:`UnprovableExecution`
    if the run uses something the circuits do not support.
    """
    m = Machine.for_program(elf_or_program, params)
    return m.prove(input, debug=debug, timings=timings, max_cycles=max_cycles,
                   pad_cycles=pad_cycles, pad_to=pad_to)


def verify(receipt, image_id: bytes) -> tuple[int, bytes]:
    """Verify a receipt (a :class:`Receipt` or its bytes) against the expected
    ``image_id`` (32 bytes).  Returns ``(exit_code, journal)``.

    Raises (all subclasses of :class:`zkvm.stark.errors.VerificationError`):
    :class:`zkvm.receipt.ReceiptFormatError` for a malformed receipt,
    :class:`ImageIdMismatch` if the receipt is for another image, and the STARK
    verifier's errors if the proof does not verify.
    """
    from zkvm.receipt import Receipt
    from zkvm.stark import verifier

    if not isinstance(receipt, Receipt):
        receipt = Receipt.from_bytes(receipt)
    m = _verifier_machine(receipt.vk, image_id)
    vk = m.verifying_key()
    pv = Machine.public_values(receipt.exit_code, receipt.journal)
    verifier.verify(vk, receipt.proof, pv, public_data=bytes(receipt.journal))
    return receipt.exit_code, bytes(receipt.journal)


def _verifier_machine(vk_fields: VkFields, image_id: bytes) -> Machine:
    """Check the receipt's image ID against the expected one (``ValueError`` for a
    malformed ``image_id``, :class:`ImageIdMismatch`), then the verifier-side Machine of
    those vk fields (cached by image ID)."""
    if not isinstance(image_id, (bytes, bytearray)) or len(image_id) != 32:
        raise ValueError("image_id must be 32 bytes")
    got = vk_fields.image_id()
    if got != bytes(image_id):
        raise ImageIdMismatch(f"receipt is for image {got.hex()}, expected {bytes(image_id).hex()}")
    m = _MACHINES.get(got)
    if m is None:
        m = Machine.for_vk(vk_fields)
        if len(_MACHINES) > 8:
            _MACHINES.clear()
        _MACHINES[got] = m
    return m


class SegmentChainError(VerificationError):
    """The segments of a composite receipt do not form one run of the program (a link,
    index, journal or halting check failed); the message names the broken link."""


def verify_composite(receipt, image_id: bytes) -> tuple[int, bytes]:
    """Verify a :class:`zkvm.receipt.CompositeReceipt` (or its bytes) against
    ``image_id``.  Returns ``(exit_code, journal)``.

    Protocol (docs/continuations.md §5), in order:

    1. parse (``ReceiptFormatError``), recompute the image ID from the verifying-key
       fields and compare (``ImageIdMismatch``);
    2. the segment journal slices add up to the journal; every pc is a canonical field
       element; non-last segments end at an EXEC time ``< 2^22``; the last one has
       ``end_pc = end_ts = 0``;
    3. the chain: segment 0 starts at the entry pc with ``root_in`` = the image's memory
       root; segment ``i+1`` starts at segment ``i``'s ``end_pc`` with ``root_in`` = its
       ``root_out`` (``SegmentChainError`` naming the link);
    4. every segment's STARK proof, against public values whose index, ``is_last`` and
       journal position come from the segment's place in the list (so a reordered,
       dropped, duplicated or spliced segment fails here if it passed step 3).
    """
    from zkvm.field.babybear import P
    from zkvm.receipt import CompositeReceipt
    from zkvm.stark import verifier

    if not isinstance(receipt, CompositeReceipt):
        receipt = CompositeReceipt.from_bytes(receipt)
    # 1. image ID
    m = _verifier_machine(receipt.vk, image_id)
    segs = receipt.segments
    n = len(segs)
    # 2. shapes
    if sum(s.journal_len for s in segs) != len(receipt.journal):
        raise SegmentChainError("the segments' journal slices do not add up to the journal")
    for i, s in enumerate(segs):
        if s.start_pc >= P or s.end_pc >= P:
            raise SegmentChainError(f"segment {i}: pc is not a canonical field element")
        if i < n - 1 and not 1 <= s.end_ts < 1 << buses.EXEC_TS_BITS:
            raise SegmentChainError(f"segment {i}: end time {s.end_ts} not in [1, 2^22)")
        if i == n - 1 and (s.end_pc or s.end_ts):
            raise SegmentChainError(f"segment {i} is the last one but has an end state "
                                    "(the run would continue: a segment is missing)")
    # 3. the chain
    if segs[0].start_pc != receipt.vk.entry:
        raise SegmentChainError(f"segment 0 starts at pc 0x{segs[0].start_pc:08x}, not at "
                                f"the entry 0x{receipt.vk.entry:08x}")
    if segs[0].root_in != receipt.vk.mem_root:
        raise SegmentChainError("segment 0 does not start from the image's memory root")
    for i in range(1, n):
        a, b = segs[i - 1], segs[i]
        if b.start_pc != a.end_pc:
            raise SegmentChainError(f"segment {i} starts at pc 0x{b.start_pc:08x} but segment "
                                    f"{i - 1} ended at pc 0x{a.end_pc:08x}")
        if b.root_in != a.root_out:
            raise SegmentChainError(f"segment {i}'s entry memory root is not segment {i - 1}'s "
                                    "exit memory root")
    # 4. the proofs
    jpos = 0
    for i, s in enumerate(segs):
        last = i == n - 1
        journal = receipt.journal[jpos:jpos + s.journal_len]
        pv = segment_public_values(receipt.exit_code if last else 0, journal, last, i,
                                   s.start_pc, s.end_pc, s.end_ts, jpos, s.root_in, s.root_out)
        vk = m.segment_verifying_key()
        try:
            verifier.verify(vk, s.proof, pv, public_data=bytes(journal))
        except VerificationError as e:
            e.args = (f"segment {i} of {n}: {e}",)
            raise
        jpos += s.journal_len
    return receipt.exit_code, bytes(receipt.journal)

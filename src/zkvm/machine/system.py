"""The machine: every chip of one program (prover side) or of one verifying key
(verifier side) in one StarkSystem, whole-run and segment systems, the keys."""

from __future__ import annotations

from zkvm.chips import buses, opcodes as opc
from zkvm.chips.bytes import BytesAir
from zkvm.chips.memory import MemoryBoundaryAir, MemoryImageAir
from zkvm.chips.program import ProgramAir
from zkvm.chips.syscall import IoAir, SyscallAir
from zkvm.receipt.image_id import VkFields
from zkvm.precompiles.tables import precompile_airs
from zkvm.stark.params import StarkParams
from zkvm.stark.system import ProvingKey, StarkSystem, VerifyingKey

from . import chips as _chips
from .chips import _load_program, _log2, _shard_airs, _shared_air, INSTRUCTION_CHIP_AIRS, VERSION
from .errors import ImageIdMismatch
from .prover import MachineProver
from .segments import _cache_preprocessed, journal_batches, SEGMENT_FIELDS, segment_public_interactions, SilentMemoryImageAir
from .witness import MachineWitness


class Machine(MachineWitness, MachineProver):
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
        classes = INSTRUCTION_CHIP_AIRS
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
        #: each chip's tables 2.. (:class:`zkvm.machine.chips.ShardAir`), last in the list
        self.shard_airs = {c: list(_shard_airs(classes[c])) for c in self.chips}
        #: :func:`zkvm.machine.chips.shard_split`'s threshold for this machine's proofs
        #: (a prover choice: the verifier accepts any split of a chip's rows)
        self.shard_min_log = _chips.SHARD_MIN_LOG
        self.airs = [self.program_air, self.bytes_air, self.image_air, self.boundary_air,
                     self.io_air, self.syscall_air, *self.chip_airs.values(),
                     *self.precompile_airs, *self.shard_list]
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
        from zkvm.receipt.image_id import elf_sha256
        from zkvm.stark.pcs import FriPcs

        params = StarkParams.default() if params is None else params
        program, data = _load_program(elf_or_program)
        if chips is None:
            chips = tuple(INSTRUCTION_CHIP_AIRS)
        chips = tuple(c for c in INSTRUCTION_CHIP_AIRS if c in set(chips))
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
    def shard_list(self) -> list:
        """Every chip's tables 2.. in table order (chip by chip)."""
        return [s for airs in self.shard_airs.values() for s in airs]

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
            from zkvm.chips.poseidon2 import Poseidon2Air

            img = SilentMemoryImageAir(self.image_air)
            self._segment_airs = [self.program_air, self.bytes_air, img, self.io_air,
                                  self.syscall_air, *self.chip_airs.values(),
                                  *self.precompile_airs, _shared_air(MemPageAir),
                                  _shared_air(MemNodeAir), _shared_air(Poseidon2Air),
                                  *self.shard_list]
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

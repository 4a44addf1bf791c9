"""The machine's chip list: the instruction chips' modules (part of the image ID), the
process-wide AIR instances, and the program loader."""

from __future__ import annotations

from zkvm.chips import opcodes as opc
from zkvm.chips.adapter import trace_height
from zkvm.chips.alu_addsub import AddSubAir
from zkvm.chips.alu_bitwise import BitwiseAir
from zkvm.chips.alu_divrem import DivRemAir
from zkvm.chips.alu_lt import LtAir
from zkvm.chips.alu_mul import MulAir
from zkvm.chips.alu_shift import ShiftAir
from zkvm.chips.atomic import AtomicAir
from zkvm.chips.branch import BranchAir
from zkvm.chips.jump import JumpAir
from zkvm.chips.loadstore import LoadStoreAir
from zkvm.chips.lui_auipc import LuiAuipcAir
from zkvm.stark.air import Air

#: The instruction chips a machine may leave out (``Machine.for_program(chips=...)``), by
#: name, in the order of the machine's chip list (the names, in this order, are part of
#: the image ID).  The syscall chip is not optional: every machine has it.
INSTRUCTION_CHIP_AIRS: dict = {cls.name: cls for cls in (
    AddSubAir, BitwiseAir, LtAir, ShiftAir, MulAir, DivRemAir, LuiAuipcAir, BranchAir,
    JumpAir, LoadStoreAir, AtomicAir)}

if tuple(INSTRUCTION_CHIP_AIRS) != tuple(c for c in opc.INSTRUCTION_CHIPS
                                         if c != opc.CHIP_SYSCALL):
    raise RuntimeError("zkvm.machine.chips: the instruction chip list must name every chip of "
                       "the ISA table (zkvm.riscv.isa.CHIPS but syscall), in its order")

VERSION = 1


def available_chips() -> dict:
    """``{chip name: Air class}`` of the optional instruction chips
    (:data:`INSTRUCTION_CHIP_AIRS`, chip-list order)."""
    return dict(INSTRUCTION_CHIP_AIRS)


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


#: Name suffix of an instruction chip's second table (``addsub#2``: :class:`ShardAir`).
SHARD_SUFFIX = "#2"

#: A chip's rows are split over its two tables only when one table would be at least
#: ``2^SHARD_MIN_LOG`` rows tall (:func:`shard_split`): below it the second table's
#: openings (every column of every table is opened at every FRI query) cost more
#: receipt bytes than the padding rows cost prover time.
SHARD_MIN_LOG = 17


class ShardAir(Air):
    """The second table of an instruction chip: the same columns, constraints and bus
    messages as ``base`` under its own name (``base.name + SHARD_SUFFIX``), always
    ``may_be_empty``.

    Why: a table is as tall as the power of two above its row count, so a chip with
    ``n = 2^a + r`` rows (``r`` small) pays for up to twice the rows it uses (the
    walker bench's addsub chip: 597 717 rows in a 2^20-row table).  The prover may put
    the first ``2^a`` rows in ``base`` and the other ``r`` in this table, of height
    ``trace_height(r)`` (:func:`shard_split`).

    Correctness: each row of a chip is checked on its own (the chips' only transition
    constraint is the padding suffix, which holds in each table separately) and talks
    to the other tables only through bus messages, which the LogUp argument sums over
    every table.  So any split of a valid set of rows over the two tables proves the
    same statement as the rows in one table, and a row that is invalid in ``base`` is
    invalid here (same constraints).  An empty shard sends nothing (the chips'
    ``may_be_empty`` argument, :func:`zkvm.stark.checker.check_all_padding`)."""

    may_be_empty = True

    def __init__(self, base: Air):
        self.base = base
        self.name = base.name + SHARD_SUFFIX
        self.columns = base.columns
        self.preprocessed = base.preprocessed
        self.num_public_values = base.num_public_values
        self.max_degree = base.max_degree

    def eval(self, b) -> None:
        self.base.eval(b)

    def generate_trace(self, rows):
        return self.base.generate_trace(rows)


_SHARDS: dict = {}


def _shard_air(cls) -> ShardAir:
    """The process-wide :class:`ShardAir` of the chip class ``cls`` (as
    :func:`_shared_air`)."""
    air = _SHARDS.get(cls)
    if air is None:
        air = _SHARDS.setdefault(cls, ShardAir(_shared_air(cls)))
    return air


def shard_split(n: int, min_log: int = SHARD_MIN_LOG) -> int:
    """How many of a chip's ``n`` rows go to its first table; the rest (``n`` minus
    that) go to the :class:`ShardAir`.

    With ``H = trace_height(n)``: split at ``H/2`` when ``H ≥ 2^min_log`` and the two
    tables are at most ``3H/4`` rows tall together (the rest fits in ``H/4`` rows, and
    ``H/4`` is at least the minimum table height); otherwise keep every row in the
    first table."""
    n = int(n)
    h = trace_height(n)
    k = h // 2
    if h < 1 << min_log or n <= k or k + trace_height(n - k) > 3 * h // 4:
        return n
    return k


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

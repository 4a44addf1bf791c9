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


#: Tables per instruction chip: its own and ``SHARDS − 1`` :class:`ShardAir` tables
#: (``addsub#2``, ``addsub#3``).
SHARDS = 3

#: A chip's rows are split over two tables only when its one table would be at least
#: ``2^SHARD_MIN_LOG`` rows tall, over three from ``2^(SHARD_MIN_LOG + 2)`` on
#: (:func:`shard_split`): below that a further table's openings (every column of every
#: table is opened at every FRI query, ~10 KiB at the default parameters) cost more
#: receipt bytes than its saved padding rows cost prover time.
SHARD_MIN_LOG = 17


def shard_name(chip: str, index: int) -> str:
    """The name of table ``index`` (2 or 3) of ``chip``: ``"addsub#2"``."""
    return f"{chip}#{index}"


class ShardAir(Air):
    """Table ``index`` (2..:data:`SHARDS`) of an instruction chip: the same columns,
    constraints and bus messages as ``base`` under its own name (:func:`shard_name`),
    always ``may_be_empty``.

    Why: a table is as tall as the power of two above its row count, so a chip with
    ``n = 2^a + r`` rows (``r`` small) pays for up to twice the rows it uses (the
    walker bench's addsub chip: 597 717 rows in a 2^20-row table).  The prover may put
    the first ``2^a`` rows in ``base`` and the other ``r`` in table 2, of height
    ``trace_height(r)`` (and a third slice in table 3: :func:`shard_split`).

    Correctness: each row of a chip is checked on its own (the chips' only transition
    constraint is the padding suffix, which holds in each table separately) and talks
    to the other tables only through bus messages, which the LogUp argument sums over
    every table.  So any split of a valid set of rows over the tables proves the same
    statement as the rows in one table, and a row that is invalid in ``base`` is
    invalid here (same constraints).  An empty shard sends nothing (the chips'
    ``may_be_empty`` argument, :func:`zkvm.stark.checker.check_all_padding`)."""

    may_be_empty = True

    def __init__(self, base: Air, index: int = 2):
        if not 2 <= index <= SHARDS:
            raise ValueError(f"shard index {index} not in 2..{SHARDS}")
        self.base = base
        self.index = index
        self.name = shard_name(base.name, index)
        self.columns = base.columns
        self.preprocessed = base.preprocessed
        self.num_public_values = base.num_public_values
        self.max_degree = base.max_degree

    def eval(self, b) -> None:
        self.base.eval(b)

    def compile(self):
        """``base``'s compiled constraints and interactions (the same DAG: no second
        symbolic run, and the verifying-key encoding of it is memoised once)."""
        return self.base.compile()

    def generate_trace(self, rows):
        return self.base.generate_trace(rows)


_SHARDS: dict = {}


def _shard_airs(cls) -> list:
    """The process-wide :class:`ShardAir` tables 2..:data:`SHARDS` of the chip class
    ``cls`` (as :func:`_shared_air`)."""
    airs = _SHARDS.get(cls)
    if airs is None:
        base = _shared_air(cls)
        airs = _SHARDS.setdefault(cls, [ShardAir(base, i) for i in range(2, SHARDS + 1)])
    return airs


def shard_split(n: int, min_log: int = SHARD_MIN_LOG) -> tuple:
    """How a chip's ``n`` rows are shared out over its tables: the row counts of its
    own table, then of tables 2 and 3 (as many as used; they sum to ``n``).

    With ``H = trace_height(n)``:

    * ``(H/2, n − H/2)`` when ``H ≥ 2^min_log`` and the two tables are at most ``3H/4``
      rows tall together (the rest fits in ``H/4`` rows, and ``H/4`` is at least the
      minimum table height): ≥ 25 % fewer rows;
    * else ``(H/2, H/4, n − 3H/4)`` when ``H ≥ 2^(min_log + 2)`` and the three tables
      are at most ``7H/8`` rows tall: ≥ 12.5 % fewer;
    * else ``(n,)``: one table."""
    n = int(n)
    h = trace_height(n)
    a = h // 2
    if h < 1 << min_log or n <= a:
        return (n,)
    if a + trace_height(n - a) <= 3 * h // 4:
        return (a, n - a)
    b = h // 4
    if h >= 1 << (min_log + 2) and n - a - b > 0 and \
            a + b + trace_height(n - a - b) <= 7 * h // 8:
        return (a, b, n - a - b)
    return (n,)


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

"""The machine's chip list: the instruction chips' modules (part of the image ID), the
process-wide AIR instances, and the program loader."""

from __future__ import annotations

from zkvm.chips import opcodes as opc
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

"""The machine's chip list: the instruction chips' modules (part of the image ID), the
process-wide AIR instances, and the program loader."""

from __future__ import annotations

import importlib

from zkvm.chips import opcodes as opc
from zkvm.stark.air import Air


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

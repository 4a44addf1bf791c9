"""Instruction decoding: a 32-bit word -> (name, rd, rs1, rs2, imm).

The decoder is driven by the ``mask``/``match`` columns of the ISA table in
:mod:`zkvm.riscv.isa`; a word that matches no row is illegal. :func:`fields` extracts the
register numbers and the sign-extended immediate of a format. It is written with plain
integer operations only so that :mod:`zkvm.riscv.fast` compiles the *same* function with
numba for its pre-decoder (one source of truth for immediates).

Register fields a format does not have are reported as 0 (so "reads rs2" of an I-type
instruction reads ``x0 = 0``). For ``ecall`` the decoder reports ``rs1 = 17`` (a7, the
syscall number) and ``rs2 = 10`` (a0, the first argument), the registers it reads; the
event records follow the same convention (docs/abi.md).

Correctness: the immediates are exactly those of the RISC-V unprivileged spec (v20191213,
chapter 2.3 "Immediate Encoding Variants"); a wrong bit here changes what the guest
computes.
"""

from __future__ import annotations

import numpy as np

from .errors import IllegalInstruction
from .isa import FMT_CODES, INSTRUCTIONS, Decoded

F_R = FMT_CODES["R"]
F_I = FMT_CODES["I"]
F_S = FMT_CODES["S"]
F_B = FMT_CODES["B"]
F_U = FMT_CODES["U"]
F_J = FMT_CODES["J"]
F_SH = FMT_CODES["SH"]
F_A = FMT_CODES["A"]
F_LR = FMT_CODES["LR"]
F_FENCE = FMT_CODES["FENCE"]
F_SYS = FMT_CODES["SYS"]

#: Columns of the table as arrays (used by the numba pre-decoder).
MASKS = np.array([ins.mask for ins in INSTRUCTIONS], dtype=np.int64)
MATCHES = np.array([ins.match for ins in INSTRUCTIONS], dtype=np.int64)
FMTS = np.array([FMT_CODES[ins.fmt] for ins in INSTRUCTIONS], dtype=np.int64)


def fields(word, fmt):
    """Return ``(rd, rs1, rs2, imm)`` of ``word`` read in format code ``fmt``.

    ``imm`` is sign-extended from its top bit (bit 11, 12, 20 or 31 of the assembled
    immediate). Plain integer code only: also compiled by numba in :mod:`zkvm.riscv.fast`.
    """
    rd = (word >> 7) & 31
    rs1 = (word >> 15) & 31
    rs2 = (word >> 20) & 31
    raw = 0  # the immediate's bits, before sign extension
    bits = 0  # width of the immediate; 0 = no sign extension
    if fmt == F_R or fmt == F_A:
        pass
    elif fmt == F_LR:
        rs2 = 0
    elif fmt == F_I:
        rs2 = 0
        raw = word >> 20
        bits = 12
    elif fmt == F_SH:
        rs2 = 0
        raw = (word >> 20) & 31
    elif fmt == F_S:
        rd = 0
        raw = ((word >> 25) << 5) | ((word >> 7) & 31)
        bits = 12
    elif fmt == F_B:
        rd = 0
        raw = (
            (((word >> 31) & 1) << 12)
            | (((word >> 7) & 1) << 11)
            | (((word >> 25) & 0x3F) << 5)
            | (((word >> 8) & 0xF) << 1)
        )
        bits = 13
    elif fmt == F_U:
        rs1 = 0
        rs2 = 0
        raw = word & 0xFFFFF000
        bits = 32
    elif fmt == F_J:
        rs1 = 0
        rs2 = 0
        raw = (
            (((word >> 31) & 1) << 20)
            | (((word >> 12) & 0xFF) << 12)
            | (((word >> 20) & 1) << 11)
            | (((word >> 21) & 0x3FF) << 1)
        )
        bits = 21
    elif fmt == F_SYS and word == 0x73:  # ecall reads a7 (number) and a0 (first argument)
        rd = 0
        rs1 = 17
        rs2 = 10
    else:  # ebreak, fence, fence.i: no operands
        rd = 0
        rs1 = 0
        rs2 = 0
    imm = raw
    if bits > 0:
        sign = 1 << (bits - 1)
        imm = ((raw & ((1 << bits) - 1)) ^ sign) - sign
    return rd, rs1, rs2, imm


def lookup(word: int) -> int | None:
    """Op id (index into the ISA table) of ``word``, or None if no row matches."""
    for i, ins in enumerate(INSTRUCTIONS):
        if word & ins.mask == ins.match:
            return i
    return None


def decode(word: int, pc: int = 0) -> Decoded:
    """Decode one instruction word; raise :class:`IllegalInstruction` if it is not one."""
    if not 0 <= word <= 0xFFFF_FFFF:
        raise IllegalInstruction(f"instruction word {word!r} is not a 32-bit value", pc)
    op = lookup(word)
    if op is None:
        raise IllegalInstruction(f"illegal instruction 0x{word:08x}", pc, word)
    ins = INSTRUCTIONS[op]
    rd, rs1, rs2, imm = fields(word, FMT_CODES[ins.fmt])
    return Decoded(ins.name, rd, rs1, rs2, imm)

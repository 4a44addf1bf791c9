"""A tiny assembler for building test programs from the ISA table.

``encode("addi", rd=1, rs1=0, imm=5)`` returns the instruction word. Immediates are given
as the *value* the instruction uses (byte offsets for branches/jumps, the full 32-bit
value with the low 12 bits zero for ``lui``/``auipc``; a shift amount for ``slli``...).
Out-of-range operands raise :class:`ValueError`. The pseudo-instructions return lists
of words: :func:`li`, :func:`mv`, :func:`nop`, :func:`j`, :func:`exit_program`.

Also used by the chips/proving layer to build per-instruction programs.
"""

from __future__ import annotations

from .isa import BY_NAME

_REG_NAMES = {
    "zero": 0, "ra": 1, "sp": 2, "gp": 3, "tp": 4, "t0": 5, "t1": 6, "t2": 7, "s0": 8, "fp": 8,
    "s1": 9, "a0": 10, "a1": 11, "a2": 12, "a3": 13, "a4": 14, "a5": 15, "a6": 16, "a7": 17,
    "s2": 18, "s3": 19, "s4": 20, "s5": 21, "s6": 22, "s7": 23, "s8": 24, "s9": 25,
    "s10": 26, "s11": 27, "t3": 28, "t4": 29, "t5": 30, "t6": 31,
}  # fmt: skip


def reg(r: int | str) -> int:
    """Register number from an int or an ABI/x name ("a0", "x10")."""
    if isinstance(r, str):
        if r in _REG_NAMES:
            return _REG_NAMES[r]
        if r.startswith("x") and r[1:].isdigit():
            r = int(r[1:])
        else:
            raise ValueError(f"unknown register name {r!r}")
    if not 0 <= r < 32:
        raise ValueError(f"register number {r} out of range 0..31")
    return r


def _check_imm(name: str, imm: int, bits: int, align: int = 1) -> int:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not lo <= imm <= hi:
        raise ValueError(f"{name}: immediate {imm} out of range [{lo}, {hi}]")
    if imm % align:
        raise ValueError(f"{name}: immediate {imm} must be a multiple of {align}")
    return imm & ((1 << bits) - 1)


def encode(name: str, rd: int | str = 0, rs1: int | str = 0, rs2: int | str = 0, imm: int = 0) -> int:
    """Encode one instruction of the ISA table."""
    if name not in BY_NAME:
        raise ValueError(f"unknown instruction {name!r}")
    ins = BY_NAME[name]
    rd, rs1, rs2 = reg(rd), reg(rs1), reg(rs2)
    w = ins.match
    f = ins.fmt
    if f in ("R", "A"):
        return w | rd << 7 | rs1 << 15 | rs2 << 20
    if f == "LR":
        return w | rd << 7 | rs1 << 15
    if f == "I":
        return w | rd << 7 | rs1 << 15 | _check_imm(name, imm, 12) << 20
    if f == "SH":
        if not 0 <= imm < 32:
            raise ValueError(f"{name}: shift amount {imm} out of range 0..31")
        return w | rd << 7 | rs1 << 15 | imm << 20
    if f == "S":
        u = _check_imm(name, imm, 12)
        return w | (u & 31) << 7 | rs1 << 15 | rs2 << 20 | (u >> 5) << 25
    if f == "B":
        u = _check_imm(name, imm, 13, 2)
        return (
            w | ((u >> 11) & 1) << 7 | ((u >> 1) & 0xF) << 8 | rs1 << 15 | rs2 << 20
            | ((u >> 5) & 0x3F) << 25 | ((u >> 12) & 1) << 31
        )  # fmt: skip
    if f == "U":
        if imm & 0xFFF or not -(1 << 31) <= imm < (1 << 32):
            raise ValueError(f"{name}: immediate 0x{imm:x} must be a 32-bit value with low 12 bits 0")
        return w | rd << 7 | (imm & 0xFFFFF000)
    if f == "J":
        u = _check_imm(name, imm, 21, 2)
        return (
            w | rd << 7 | ((u >> 12) & 0xFF) << 12 | ((u >> 11) & 1) << 20
            | ((u >> 1) & 0x3FF) << 21 | ((u >> 20) & 1) << 31
        )  # fmt: skip
    return w  # FENCE / SYS: fixed words


def li(rd: int | str, value: int) -> list[int]:
    """Load a 32-bit constant (signed or unsigned form): ``lui`` + ``addi`` (or one ``addi``)."""
    if not -(1 << 31) <= value < (1 << 32):
        raise ValueError(f"li: value {value} does not fit in 32 bits")
    value &= 0xFFFF_FFFF
    lo = value & 0xFFF
    if lo >= 0x800:
        lo -= 0x1000
    hi = (value - lo) & 0xFFFF_FFFF
    if hi == 0:
        return [encode("addi", rd, 0, imm=lo)]
    out = [encode("lui", rd, imm=hi)]
    if lo:
        out.append(encode("addi", rd, rd, imm=lo))
    return out


def mv(rd: int | str, rs: int | str) -> list[int]:
    return [encode("addi", rd, rs, imm=0)]


def nop() -> list[int]:
    return [encode("addi", 0, 0, imm=0)]


def j(offset: int) -> list[int]:
    return [encode("jal", 0, imm=offset)]


def exit_program(code: int | str = 0) -> list[int]:
    """``exit_group(code)``: a0 = code (an int, or a register to copy), a7 = 94, ecall."""
    words = mv("a0", code) if isinstance(code, str) else li("a0", code)
    return words + li("a7", 94) + [encode("ecall")]

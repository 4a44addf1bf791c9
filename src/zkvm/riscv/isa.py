"""The instruction set the zkvm executes, as ONE table.

Each row of :data:`INSTRUCTIONS` is an :class:`Instr`: the mnemonic, the encoding format,
the ``mask``/``match`` pair that recognises it (``word & mask == match``, the convention of
the riscv-opcodes repository), a small semantics function, and the circuit facts: the
opcode id the proving circuits use for it and the chip that proves it.  Everything else
is derived from this table: the decoder's arrays (:mod:`zkvm.riscv.decode`), the fast
interpreter's op ids (:mod:`zkvm.riscv.fast`), the assembler, and the circuits' opcode
table (:mod:`zkvm.chips.opcodes`, whose digest is part of the image ID).  The reference
interpreter (:mod:`zkvm.riscv.spec`) runs the semantics functions directly; the fast
interpreter re-implements the same semantics in one numba loop and the tests check that
both agree. The table index of an instruction is its *op id* (``OP[name]``), used by the
decoder and by the numba loop; the circuits' *opcode* ids are a separate, fixed column.

Supported: RV32I (without CSR instructions), RV32M, and from RV32A ``lr.w``, ``sc.w`` and
the nine ``amo*.w`` (the aq/rl bits are ignored: there is one hart). ``fence`` and
``fence.i`` are no-ops. ``ecall`` is a system call (handled by :mod:`zkvm.riscv.syscalls`);
``ebreak`` stops the guest with :class:`~zkvm.riscv.errors.IllegalInstruction`.

Values are Python ints in ``[0, 2**32)``; ``sx`` reads one as two's complement.

Correctness: these functions define what the guest computes; the proving circuits must
constrain exactly this behaviour (division by zero, ``INT_MIN / -1``, shift amounts masked to
5 bits, ``jalr`` clearing bit 0, ``x0`` ignoring writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

MASK32 = 0xFFFF_FFFF
INT_MIN = 0x8000_0000


def sx(v: int) -> int:
    """Two's-complement value of a 32-bit word."""
    return v - (1 << 32) if v & INT_MIN else v


class State(Protocol):  # pragma: no cover - typing only
    """What a semantics function may touch (implemented by :class:`zkvm.riscv.spec.SpecMachine`)."""

    pc: int
    next_pc: int

    def x(self, r: int) -> int: ...
    def set_x(self, r: int, v: int) -> None: ...
    def load(self, addr: int, size: int) -> int: ...
    def store(self, addr: int, size: int, value: int) -> None: ...
    def jump(self, target: int) -> None: ...
    def load_reserved(self, addr: int) -> int: ...
    def store_conditional(self, addr: int, value: int) -> bool: ...
    def amo(self, addr: int, f: Callable[[int, int], int], value: int) -> int: ...
    def ecall(self) -> None: ...
    def ebreak(self) -> None: ...


@dataclass(frozen=True)
class Decoded:
    """A decoded instruction. Register fields a format does not have are 0."""

    name: str
    rd: int
    rs1: int
    rs2: int
    imm: int  # sign-extended immediate as a Python int (may be negative); 0 if none


# --- the chips (AIRs) that prove instructions: names, plain strings -------------------------
ADDSUB = "addsub"
BITWISE = "bitwise"
LT = "lt"
SHIFT = "shift"
MUL = "mul"
DIVREM = "divrem"
LUI_AUIPC = "lui_auipc"
BRANCH = "branch"
JUMP = "jump"
LOADSTORE = "loadstore"
ATOMIC = "atomic"
SYSCALL = "syscall"
#: every instruction chip, in the order of the machine's chip list (image ID order)
CHIPS = (ADDSUB, BITWISE, LT, SHIFT, MUL, DIVREM, LUI_AUIPC, BRANCH, JUMP, LOADSTORE, ATOMIC,
         SYSCALL)


@dataclass(frozen=True)
class Instr:
    """One instruction, everything about it in one row.

    Executor columns: ``name`` (mnemonic), ``fmt`` (encoding format: R, I, S, B, U, J, SH
    shift-immediate, A atomic, LR, FENCE, SYS), ``mask``/``match`` (``word & mask ==
    match``) and ``execute`` (the semantics).

    Circuit columns (plain data; the executor never reads them; :mod:`zkvm.chips.opcodes`
    derives its table from them): ``opcode``, the id the preprocessed Program table stores
    for the instruction (≥ 1, *fixed forever*: the opcode-table digest is part of every
    image ID; 0 = not proven as itself), ``chip``, the name of the chip (AIR) whose rows
    execute it, and ``proven_as``, the instruction whose id the Program table stores for
    it instead (``fence`` is proven as ``addi x0, x0, 0``).
    """

    name: str
    fmt: str
    mask: int
    match: int
    execute: Callable[[State, Decoded], None]
    opcode: int = 0
    chip: str = ""
    proven_as: str = ""


# --- encoding helpers for the table ------------------------------------------------------
_OPC = 0x7F
_F3 = 0x7 << 12
_F7 = 0x7F << 25
_F5 = 0x1F << 27
_RS2 = 0x1F << 20


def _m(opcode: int, f3: int | None = None, f7: int | None = None) -> tuple[int, int]:
    mask, match = _OPC, opcode
    if f3 is not None:
        mask |= _F3
        match |= f3 << 12
    if f7 is not None:
        mask |= _F7
        match |= f7 << 25
    return mask, match


# --- semantics ---------------------------------------------------------------------------
def _alu(f: Callable[[int, int], int]) -> Callable[[State, Decoded], None]:
    """rd <- f(x[rs1], x[rs2])."""

    def run(s: State, d: Decoded) -> None:
        s.set_x(d.rd, f(s.x(d.rs1), s.x(d.rs2)) & MASK32)

    return run


def _alu_imm(f: Callable[[int, int], int]) -> Callable[[State, Decoded], None]:
    """rd <- f(x[rs1], imm) with the immediate as a 32-bit word."""

    def run(s: State, d: Decoded) -> None:
        s.set_x(d.rd, f(s.x(d.rs1), d.imm & MASK32) & MASK32)

    return run


def _load(size: int, signed: bool) -> Callable[[State, Decoded], None]:
    def run(s: State, d: Decoded) -> None:
        v = s.load((s.x(d.rs1) + d.imm) & MASK32, size)
        if signed and v >> (8 * size - 1):
            v -= 1 << (8 * size)
        s.set_x(d.rd, v & MASK32)

    return run


def _store(size: int) -> Callable[[State, Decoded], None]:
    def run(s: State, d: Decoded) -> None:
        s.store((s.x(d.rs1) + d.imm) & MASK32, size, s.x(d.rs2) & ((1 << (8 * size)) - 1))

    return run


def _branch(cond: Callable[[int, int], bool]) -> Callable[[State, Decoded], None]:
    def run(s: State, d: Decoded) -> None:
        if cond(s.x(d.rs1), s.x(d.rs2)):
            s.jump((s.pc + d.imm) & MASK32)

    return run


def _lui(s: State, d: Decoded) -> None:
    s.set_x(d.rd, d.imm & MASK32)


def _auipc(s: State, d: Decoded) -> None:
    s.set_x(d.rd, (s.pc + d.imm) & MASK32)


def _jal(s: State, d: Decoded) -> None:
    link = (s.pc + 4) & MASK32
    s.jump((s.pc + d.imm) & MASK32)
    s.set_x(d.rd, link)


def _jalr(s: State, d: Decoded) -> None:
    link = (s.pc + 4) & MASK32
    s.jump((s.x(d.rs1) + d.imm) & MASK32 & ~1)  # target computed before rd is written
    s.set_x(d.rd, link)


def _sll(a: int, b: int) -> int:
    return a << (b & 31)


def _srl(a: int, b: int) -> int:
    return a >> (b & 31)


def _sra(a: int, b: int) -> int:
    return sx(a) >> (b & 31)


def _mulh(a: int, b: int) -> int:
    return (sx(a) * sx(b)) >> 32


def _mulhsu(a: int, b: int) -> int:
    return (sx(a) * b) >> 32


def _mulhu(a: int, b: int) -> int:
    return (a * b) >> 32


def _div(a: int, b: int) -> int:
    """Signed division rounding toward zero; x/0 = -1; INT_MIN/-1 = INT_MIN."""
    if b == 0:
        return MASK32
    sa, sb = sx(a), sx(b)
    if sa == -INT_MIN and sb == -1:
        return INT_MIN
    q = abs(sa) // abs(sb)
    return -q if (sa < 0) != (sb < 0) else q


def _divu(a: int, b: int) -> int:
    return MASK32 if b == 0 else a // b


def _rem(a: int, b: int) -> int:
    """Signed remainder with the sign of the dividend; x%0 = x; INT_MIN%-1 = 0."""
    if b == 0:
        return a
    sa, sb = sx(a), sx(b)
    if sa == -INT_MIN and sb == -1:
        return 0
    r = abs(sa) % abs(sb)
    return -r if sa < 0 else r


def _remu(a: int, b: int) -> int:
    return a if b == 0 else a % b


def _lr(s: State, d: Decoded) -> None:
    s.set_x(d.rd, s.load_reserved(s.x(d.rs1)))


def _sc(s: State, d: Decoded) -> None:
    ok = s.store_conditional(s.x(d.rs1), s.x(d.rs2))
    s.set_x(d.rd, 0 if ok else 1)


def _amo(f: Callable[[int, int], int]) -> Callable[[State, Decoded], None]:
    """rd <- M[x[rs1]]; M[x[rs1]] <- f(old, x[rs2]) (one atomic step)."""

    def run(s: State, d: Decoded) -> None:
        s.set_x(d.rd, s.amo(s.x(d.rs1), f, s.x(d.rs2)))

    return run


def _nop(s: State, d: Decoded) -> None:
    pass


def _ecall(s: State, d: Decoded) -> None:
    s.ecall()


def _ebreak(s: State, d: Decoded) -> None:
    s.ebreak()


def _amo_row(name: str, funct5: int, f: Callable[[int, int], int], opcode: int,
             chip: str) -> Instr:
    return Instr(name, "A", _OPC | _F3 | _F5, 0x2F | (2 << 12) | (funct5 << 27), _amo(f),
                 opcode, chip)


# --- the table ---------------------------------------------------------------------------
# Frequent instructions first: the fast interpreter's dispatch follows this order (its
# numba kernel pins it: zkvm.riscv.fast._ISA_PIN).  Columns: name, format, mask, match,
# semantics, circuit opcode id, proving chip (Instr).
INSTRUCTIONS: tuple[Instr, ...] = (
    Instr("addi", "I", *_m(0x13, 0), _alu_imm(lambda a, b: a + b), 3, ADDSUB),
    Instr("add", "R", *_m(0x33, 0, 0x00), _alu(lambda a, b: a + b), 1, ADDSUB),
    Instr("lw", "I", *_m(0x03, 2), _load(4, False), 40, LOADSTORE),
    Instr("sw", "S", *_m(0x23, 2), _store(4), 45, LOADSTORE),
    Instr("beq", "B", *_m(0x63, 0), _branch(lambda a, b: a == b), 30, BRANCH),
    Instr("bne", "B", *_m(0x63, 1), _branch(lambda a, b: a != b), 31, BRANCH),
    Instr("blt", "B", *_m(0x63, 4), _branch(lambda a, b: sx(a) < sx(b)), 32, BRANCH),
    Instr("bge", "B", *_m(0x63, 5), _branch(lambda a, b: sx(a) >= sx(b)), 33, BRANCH),
    Instr("bltu", "B", *_m(0x63, 6), _branch(lambda a, b: a < b), 34, BRANCH),
    Instr("bgeu", "B", *_m(0x63, 7), _branch(lambda a, b: a >= b), 35, BRANCH),
    Instr("jal", "J", *_m(0x6F), _jal, 36, JUMP),
    Instr("jalr", "I", *_m(0x67, 0), _jalr, 37, JUMP),
    Instr("lui", "U", *_m(0x37), _lui, 28, LUI_AUIPC),
    Instr("auipc", "U", *_m(0x17), _auipc, 29, LUI_AUIPC),
    Instr("slli", "SH", *_m(0x13, 1, 0x00), _alu_imm(_sll), 17, SHIFT),
    Instr("srli", "SH", *_m(0x13, 5, 0x00), _alu_imm(_srl), 18, SHIFT),
    Instr("srai", "SH", *_m(0x13, 5, 0x20), _alu_imm(_sra), 19, SHIFT),
    Instr("andi", "I", *_m(0x13, 7), _alu_imm(lambda a, b: a & b), 7, BITWISE),
    Instr("ori", "I", *_m(0x13, 6), _alu_imm(lambda a, b: a | b), 8, BITWISE),
    Instr("xori", "I", *_m(0x13, 4), _alu_imm(lambda a, b: a ^ b), 9, BITWISE),
    Instr("slti", "I", *_m(0x13, 2), _alu_imm(lambda a, b: int(sx(a) < sx(b))), 12, LT),
    Instr("sltiu", "I", *_m(0x13, 3), _alu_imm(lambda a, b: int(a < b)), 13, LT),
    Instr("sub", "R", *_m(0x33, 0, 0x20), _alu(lambda a, b: a - b), 2, ADDSUB),
    Instr("sll", "R", *_m(0x33, 1, 0x00), _alu(_sll), 14, SHIFT),
    Instr("slt", "R", *_m(0x33, 2, 0x00), _alu(lambda a, b: int(sx(a) < sx(b))), 10, LT),
    Instr("sltu", "R", *_m(0x33, 3, 0x00), _alu(lambda a, b: int(a < b)), 11, LT),
    Instr("xor", "R", *_m(0x33, 4, 0x00), _alu(lambda a, b: a ^ b), 6, BITWISE),
    Instr("srl", "R", *_m(0x33, 5, 0x00), _alu(_srl), 15, SHIFT),
    Instr("sra", "R", *_m(0x33, 5, 0x20), _alu(_sra), 16, SHIFT),
    Instr("or", "R", *_m(0x33, 6, 0x00), _alu(lambda a, b: a | b), 5, BITWISE),
    Instr("and", "R", *_m(0x33, 7, 0x00), _alu(lambda a, b: a & b), 4, BITWISE),
    Instr("lb", "I", *_m(0x03, 0), _load(1, True), 38, LOADSTORE),
    Instr("lh", "I", *_m(0x03, 1), _load(2, True), 39, LOADSTORE),
    Instr("lbu", "I", *_m(0x03, 4), _load(1, False), 41, LOADSTORE),
    Instr("lhu", "I", *_m(0x03, 5), _load(2, False), 42, LOADSTORE),
    Instr("sb", "S", *_m(0x23, 0), _store(1), 43, LOADSTORE),
    Instr("sh", "S", *_m(0x23, 1), _store(2), 44, LOADSTORE),
    Instr("mul", "R", *_m(0x33, 0, 0x01), _alu(lambda a, b: a * b), 20, MUL),
    Instr("mulh", "R", *_m(0x33, 1, 0x01), _alu(_mulh), 21, MUL),
    Instr("mulhsu", "R", *_m(0x33, 2, 0x01), _alu(_mulhsu), 22, MUL),
    Instr("mulhu", "R", *_m(0x33, 3, 0x01), _alu(_mulhu), 23, MUL),
    Instr("div", "R", *_m(0x33, 4, 0x01), _alu(_div), 24, DIVREM),
    Instr("divu", "R", *_m(0x33, 5, 0x01), _alu(_divu), 25, DIVREM),
    Instr("rem", "R", *_m(0x33, 6, 0x01), _alu(_rem), 26, DIVREM),
    Instr("remu", "R", *_m(0x33, 7, 0x01), _alu(_remu), 27, DIVREM),
    Instr("lr.w", "LR", _OPC | _F3 | _F5 | _RS2, 0x2F | (2 << 12) | (0x02 << 27), _lr,
          46, ATOMIC),
    Instr("sc.w", "A", _OPC | _F3 | _F5, 0x2F | (2 << 12) | (0x03 << 27), _sc, 47, ATOMIC),
    _amo_row("amoswap.w", 0x01, lambda old, v: v, 48, ATOMIC),
    _amo_row("amoadd.w", 0x00, lambda old, v: (old + v) & MASK32, 49, ATOMIC),
    _amo_row("amoxor.w", 0x04, lambda old, v: old ^ v, 50, ATOMIC),
    _amo_row("amoand.w", 0x0C, lambda old, v: old & v, 51, ATOMIC),
    _amo_row("amoor.w", 0x08, lambda old, v: old | v, 52, ATOMIC),
    _amo_row("amomin.w", 0x10, lambda old, v: old if sx(old) <= sx(v) else v, 53, ATOMIC),
    _amo_row("amomax.w", 0x14, lambda old, v: old if sx(old) >= sx(v) else v, 54, ATOMIC),
    _amo_row("amominu.w", 0x18, lambda old, v: old if old <= v else v, 55, ATOMIC),
    _amo_row("amomaxu.w", 0x1C, lambda old, v: old if old >= v else v, 56, ATOMIC),
    Instr("fence", "FENCE", *_m(0x0F, 0), _nop, proven_as="addi"),
    Instr("fence.i", "FENCE", *_m(0x0F, 1), _nop, proven_as="addi"),
    Instr("ecall", "SYS", MASK32, 0x0000_0073, _ecall, 57, SYSCALL),
    Instr("ebreak", "SYS", MASK32, 0x0010_0073, _ebreak),  # opcode 0: never provable
)

#: op id (index in :data:`INSTRUCTIONS`) by mnemonic.
OP: dict[str, int] = {ins.name: i for i, ins in enumerate(INSTRUCTIONS)}
BY_NAME: dict[str, Instr] = {ins.name: ins for ins in INSTRUCTIONS}
#: op id the decoder returns for a word no row matches.
OP_ILLEGAL = len(INSTRUCTIONS)
#: op id the fast interpreter uses for a word in a page without execute permission.
OP_NOEXEC = len(INSTRUCTIONS) + 1
#: format code (as used by the numba decoder) by format name.
FMT_CODES: dict[str, int] = {f: i for i, f in enumerate(("R", "I", "S", "B", "U", "J", "SH", "A", "LR", "FENCE", "SYS"))}

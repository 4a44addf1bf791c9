"""Opcode ids of the proving circuits: ONE table, instruction name → (id, chip, format).

The circuits never see instruction words.  The preprocessed ``Program`` table stores, per
instruction address, a small integer *opcode id* taken from :data:`OPCODES`; every
instruction chip row sends ``opcode = Σ_k flag_k · id_k`` on the PROGRAM bus (its flags
are boolean and exactly one is set on a real row), so a row of chip C can only execute an
instruction whose id belongs to C.

The ids are fixed here, *not* derived from the order of :mod:`zkvm.riscv.isa` (that order
is an executor detail and may change).  They are part of the verifying key: the image ID
hashes :func:`digest` of this table, so changing an id changes every image ID.

* ``0`` is the invalid opcode (an undecodable word, ``ebreak``, a word of a data page in
  an executable segment).  No chip has a flag for it, so an instruction row can never
  look up a program row with opcode 0.
* ``fence`` / ``fence.i`` are no-ops for a single hart: the program table decodes them as
  ``addi x0, x0, 0`` (:data:`ALIASES`).

Formats follow :mod:`zkvm.riscv.isa` (``R, I, S, B, U, J, SH, A, LR, FENCE, SYS``).
Correctness: two different instructions must never share an id, and every id a chip
declares must be the id of an instruction whose semantics that chip constrains
(checked by the tests in tests/chips/test_core_tables.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# --- chip names (the ``name`` of each instruction chip's Air) ----------------------
CHIP_ADDSUB = "addsub"
CHIP_BITWISE = "bitwise"
CHIP_LT = "lt"
CHIP_SHIFT = "shift"
CHIP_MUL = "mul"
CHIP_DIVREM = "divrem"
CHIP_LUI_AUIPC = "lui_auipc"
CHIP_BRANCH = "branch"
CHIP_JUMP = "jump"
CHIP_LOADSTORE = "loadstore"
CHIP_ATOMIC = "atomic"
CHIP_SYSCALL = "syscall"

INSTRUCTION_CHIPS = (CHIP_ADDSUB, CHIP_BITWISE, CHIP_LT, CHIP_SHIFT, CHIP_MUL, CHIP_DIVREM,
                     CHIP_LUI_AUIPC, CHIP_BRANCH, CHIP_JUMP, CHIP_LOADSTORE, CHIP_ATOMIC,
                     CHIP_SYSCALL)

INVALID = 0


@dataclass(frozen=True)
class Opcode:
    """One row of the table: ``name`` (the mnemonic of :mod:`zkvm.riscv.isa`), ``id``
    (≥ 1, fixed forever), ``chip`` (chip name) and ``fmt`` (encoding format)."""

    name: str
    id: int
    chip: str
    fmt: str


_TABLE = (
    # name, id, chip, fmt
    ("add", 1, CHIP_ADDSUB, "R"),
    ("sub", 2, CHIP_ADDSUB, "R"),
    ("addi", 3, CHIP_ADDSUB, "I"),
    ("and", 4, CHIP_BITWISE, "R"),
    ("or", 5, CHIP_BITWISE, "R"),
    ("xor", 6, CHIP_BITWISE, "R"),
    ("andi", 7, CHIP_BITWISE, "I"),
    ("ori", 8, CHIP_BITWISE, "I"),
    ("xori", 9, CHIP_BITWISE, "I"),
    ("slt", 10, CHIP_LT, "R"),
    ("sltu", 11, CHIP_LT, "R"),
    ("slti", 12, CHIP_LT, "I"),
    ("sltiu", 13, CHIP_LT, "I"),
    ("sll", 14, CHIP_SHIFT, "R"),
    ("srl", 15, CHIP_SHIFT, "R"),
    ("sra", 16, CHIP_SHIFT, "R"),
    ("slli", 17, CHIP_SHIFT, "SH"),
    ("srli", 18, CHIP_SHIFT, "SH"),
    ("srai", 19, CHIP_SHIFT, "SH"),
    ("mul", 20, CHIP_MUL, "R"),
    ("mulh", 21, CHIP_MUL, "R"),
    ("mulhsu", 22, CHIP_MUL, "R"),
    ("mulhu", 23, CHIP_MUL, "R"),
    ("div", 24, CHIP_DIVREM, "R"),
    ("divu", 25, CHIP_DIVREM, "R"),
    ("rem", 26, CHIP_DIVREM, "R"),
    ("remu", 27, CHIP_DIVREM, "R"),
    ("lui", 28, CHIP_LUI_AUIPC, "U"),
    ("auipc", 29, CHIP_LUI_AUIPC, "U"),
    ("beq", 30, CHIP_BRANCH, "B"),
    ("bne", 31, CHIP_BRANCH, "B"),
    ("blt", 32, CHIP_BRANCH, "B"),
    ("bge", 33, CHIP_BRANCH, "B"),
    ("bltu", 34, CHIP_BRANCH, "B"),
    ("bgeu", 35, CHIP_BRANCH, "B"),
    ("jal", 36, CHIP_JUMP, "J"),
    ("jalr", 37, CHIP_JUMP, "I"),
    ("lb", 38, CHIP_LOADSTORE, "I"),
    ("lh", 39, CHIP_LOADSTORE, "I"),
    ("lw", 40, CHIP_LOADSTORE, "I"),
    ("lbu", 41, CHIP_LOADSTORE, "I"),
    ("lhu", 42, CHIP_LOADSTORE, "I"),
    ("sb", 43, CHIP_LOADSTORE, "S"),
    ("sh", 44, CHIP_LOADSTORE, "S"),
    ("sw", 45, CHIP_LOADSTORE, "S"),
    ("lr.w", 46, CHIP_ATOMIC, "LR"),
    ("sc.w", 47, CHIP_ATOMIC, "A"),
    ("amoswap.w", 48, CHIP_ATOMIC, "A"),
    ("amoadd.w", 49, CHIP_ATOMIC, "A"),
    ("amoxor.w", 50, CHIP_ATOMIC, "A"),
    ("amoand.w", 51, CHIP_ATOMIC, "A"),
    ("amoor.w", 52, CHIP_ATOMIC, "A"),
    ("amomin.w", 53, CHIP_ATOMIC, "A"),
    ("amomax.w", 54, CHIP_ATOMIC, "A"),
    ("amominu.w", 55, CHIP_ATOMIC, "A"),
    ("amomaxu.w", 56, CHIP_ATOMIC, "A"),
    ("ecall", 57, CHIP_SYSCALL, "SYS"),
)

#: All opcodes, by name.
OPCODES: dict[str, Opcode] = {n: Opcode(n, i, c, f) for n, i, c, f in _TABLE}
#: Opcode by id.
BY_ID: dict[int, Opcode] = {o.id: o for o in OPCODES.values()}
#: Largest id (ids are 1..MAX_ID, dense).
MAX_ID = max(BY_ID)
#: Instructions the executor runs that the program table decodes as another one.
ALIASES: dict[str, str] = {"fence": "addi", "fence.i": "addi"}

if len(BY_ID) != len(OPCODES) or sorted(BY_ID) != list(range(1, MAX_ID + 1)):
    raise RuntimeError("zkvm.chips.opcodes: opcode ids must be unique and dense 1..N")


def op_id(name: str) -> int:
    """Id of instruction ``name`` (aliases resolved); KeyError for an unknown name."""
    return OPCODES[ALIASES.get(name, name)].id


def ops_of_chip(chip: str) -> tuple[str, ...]:
    """Names of the instructions executed by ``chip``, in id order."""
    return tuple(o.name for o in sorted(OPCODES.values(), key=lambda o: o.id) if o.chip == chip)


def chip_of_id() -> list[str]:
    """``chip_of_id()[id]`` is the chip name of opcode ``id`` ('' for id 0)."""
    out = [""] * (MAX_ID + 1)
    for o in OPCODES.values():
        out[o.id] = o.chip
    return out


def digest() -> bytes:
    """SHA-256 of the canonical encoding of the table (hashed into the image ID)."""
    h = hashlib.sha256(b"zkvm/opcodes/v1\x00")
    for o in sorted(OPCODES.values(), key=lambda o: o.id):
        h.update(f"{o.id}:{o.name}:{o.chip}:{o.fmt};".encode())
    for a in sorted(ALIASES):
        h.update(f"alias:{a}={ALIASES[a]};".encode())
    return h.digest()


def isa_op_map():
    """numpy ``int64`` array: executor op id (index in ``zkvm.riscv.isa.INSTRUCTIONS``,
    plus the two sentinel ids ``OP_ILLEGAL``/``OP_NOEXEC``) → circuit opcode id (0 for an
    instruction the circuits do not prove, e.g. ``ebreak``)."""
    import numpy as np

    from zkvm.riscv import isa

    m = np.zeros(len(isa.INSTRUCTIONS) + 2, dtype=np.int64)
    for i, ins in enumerate(isa.INSTRUCTIONS):
        name = ALIASES.get(ins.name, ins.name)
        if name in OPCODES:
            m[i] = OPCODES[name].id
    return m

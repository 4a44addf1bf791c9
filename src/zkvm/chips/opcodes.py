"""Opcode ids of the proving circuits: instruction name → (id, chip, format), derived
from the ONE instruction table, :data:`zkvm.riscv.isa.INSTRUCTIONS` (its ``opcode``,
``chip`` and ``proven_as`` columns).

The circuits never see instruction words.  The preprocessed ``Program`` table stores, per
instruction address, a small integer *opcode id* taken from :data:`OPCODES`; every
instruction chip row sends ``opcode = Σ_k flag_k · id_k`` on the PROGRAM bus (its flags
are boolean and exactly one is set on a real row), so a row of chip C can only execute an
instruction whose id belongs to C.

The ids are an explicit column of the ISA table, *not* derived from the order of its rows
(that order is an executor detail and may change).  They are part of the verifying key:
the image ID hashes :func:`digest` of this table, so changing an id, a chip or a format
changes every image ID.

* ``0`` is the invalid opcode (an undecodable word, ``ebreak``, a word of a data page in
  an executable segment).  No chip has a flag for it, so an instruction row can never
  look up a program row with opcode 0.
* ``fence`` / ``fence.i`` are no-ops for a single hart: the program table decodes them as
  ``addi x0, x0, 0`` (:data:`ALIASES`, the ISA table's ``proven_as`` column).

Correctness: two different instructions must never share an id, and every id a chip
declares must be the id of an instruction whose semantics that chip constrains (checked
at import below and by the tests in tests/chips/test_core.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zkvm.riscv import isa

# --- chip names (the ``name`` of each instruction chip's Air; defined by the ISA table) ---
CHIP_ADDSUB = isa.ADDSUB
CHIP_BITWISE = isa.BITWISE
CHIP_LT = isa.LT
CHIP_SHIFT = isa.SHIFT
CHIP_MUL = isa.MUL
CHIP_DIVREM = isa.DIVREM
CHIP_LUI_AUIPC = isa.LUI_AUIPC
CHIP_BRANCH = isa.BRANCH
CHIP_JUMP = isa.JUMP
CHIP_LOADSTORE = isa.LOADSTORE
CHIP_ATOMIC = isa.ATOMIC
CHIP_SYSCALL = isa.SYSCALL

INSTRUCTION_CHIPS = isa.CHIPS

INVALID = 0


@dataclass(frozen=True)
class Opcode:
    """One row of the table: ``name`` (the mnemonic of :mod:`zkvm.riscv.isa`), ``id``
    (≥ 1, fixed forever), ``chip`` (chip name) and ``fmt`` (encoding format)."""

    name: str
    id: int
    chip: str
    fmt: str


def check_isa_columns(rows=isa.INSTRUCTIONS) -> None:
    """The circuit columns of the ISA table are consistent (run at import): opcode ids
    unique and dense ``1..N``; a row has an id exactly when it has a chip, and the chip is
    one of :data:`INSTRUCTION_CHIPS`; a ``proven_as`` row has no id itself and names a row
    that has one.  ``RuntimeError`` naming the row otherwise."""
    ids = sorted(r.opcode for r in rows if r.opcode)
    if ids != list(range(1, len(ids) + 1)):
        raise RuntimeError("zkvm.riscv.isa: opcode ids must be unique and dense 1..N")
    proven = {r.name for r in rows if r.opcode}
    for r in rows:
        if bool(r.opcode) != bool(r.chip) or (r.chip and r.chip not in INSTRUCTION_CHIPS):
            raise RuntimeError(f"zkvm.riscv.isa: {r.name} needs an opcode id and a known chip, "
                               "or neither")
        if r.proven_as and (r.opcode or r.proven_as not in proven):
            raise RuntimeError(f"zkvm.riscv.isa: {r.name} must have no opcode id of its own "
                               "and be proven as an instruction that has one")


check_isa_columns()


#: All opcodes, by name (id order): the ISA rows with an opcode id.
OPCODES: dict[str, Opcode] = {
    ins.name: Opcode(ins.name, ins.opcode, ins.chip, ins.fmt)
    for ins in sorted(isa.INSTRUCTIONS, key=lambda i: i.opcode) if ins.opcode}
#: Opcode by id.
BY_ID: dict[int, Opcode] = {o.id: o for o in OPCODES.values()}
#: Largest id (ids are 1..MAX_ID, dense).
MAX_ID = max(BY_ID)
#: Instructions the executor runs that the program table decodes as another one.
ALIASES: dict[str, str] = {ins.name: ins.proven_as for ins in isa.INSTRUCTIONS if ins.proven_as}


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

    m = np.zeros(len(isa.INSTRUCTIONS) + 2, dtype=np.int64)
    for i, ins in enumerate(isa.INSTRUCTIONS):
        m[i] = OPCODES[ins.proven_as].id if ins.proven_as else ins.opcode
    return m

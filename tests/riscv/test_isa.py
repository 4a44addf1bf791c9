"""The ISA table, decoder and assembler."""

import random

import numpy as np
import pytest

from zkvm.riscv import IllegalInstruction
from zkvm.riscv.asm import encode, li
from zkvm.riscv.decode import decode, lookup
from zkvm.riscv.fast import C_IMM, C_OP, C_RD, C_RS1, C_RS2, _predecode_words
from zkvm.riscv import decode as dec
from zkvm.riscv.isa import INSTRUCTIONS, OP, OP_ILLEGAL, Instr
from zkvm.riscv.testing import run_both


def test_table_is_unambiguous():
    # every row's match word is recognised by that row only
    for i, ins in enumerate(INSTRUCTIONS):
        hits = [j for j, o in enumerate(INSTRUCTIONS) if ins.match & o.mask == o.match]
        assert hits == [i], ins.name
    rng = random.Random(1)
    for _ in range(20000):
        w = rng.getrandbits(32)
        hits = [o.name for o in INSTRUCTIONS if w & o.mask == o.match]
        assert len(hits) <= 1, (hex(w), hits)


def test_table_covers_rv32im_and_atomics():
    names = {i.name for i in INSTRUCTIONS}
    rv32i = "lui auipc jal jalr beq bne blt bge bltu bgeu lb lh lw lbu lhu sb sh sw addi slti sltiu xori ori andi slli srli srai add sub sll slt sltu xor srl sra or and fence fence.i ecall ebreak"
    rv32m = "mul mulh mulhsu mulhu div divu rem remu"
    rv32a = "lr.w sc.w amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w amominu.w amomaxu.w"
    assert names == set((rv32i + " " + rv32m + " " + rv32a).split())
    assert all(isinstance(i, Instr) and callable(i.execute) for i in INSTRUCTIONS)


@pytest.mark.parametrize("ins", INSTRUCTIONS, ids=lambda i: i.name)
def test_encode_decode_roundtrip(ins):
    rng = random.Random(ins.name)
    for _ in range(50):
        kw = dict(rd=rng.randrange(32), rs1=rng.randrange(32), rs2=rng.randrange(32))
        f = ins.fmt
        imm = 0
        if f in ("I", "S"):
            imm = rng.randrange(-2048, 2048)
        elif f == "B":
            imm = rng.randrange(-4096, 4096, 2)
        elif f == "J":
            imm = rng.randrange(-(1 << 20), 1 << 20, 2)
        elif f == "U":
            imm = rng.getrandbits(20) << 12
        elif f == "SH":
            imm = rng.randrange(32)
        w = encode(ins.name, imm=imm, **kw)
        d = decode(w)
        assert d.name == ins.name
        if f in ("R", "A", "I", "SH", "U", "J", "LR"):
            assert d.rd == kw["rd"]
        if f in ("R", "A", "I", "SH", "S", "B", "LR"):
            assert d.rs1 == kw["rs1"]
        if f in ("R", "A", "S", "B"):
            assert d.rs2 == kw["rs2"]
        want = imm - (1 << 32) if f == "U" and imm >= 1 << 31 else imm
        assert d.imm == want


def test_known_encodings():
    # checked against riscv64-unknown-elf-as -march=rv32ima output
    assert encode("addi", 1, 0, imm=5) == 0x00500093
    assert encode("add", 3, 1, 2) == 0x002081B3
    assert encode("sw", rs1=2, rs2=1, imm=-4) == 0xFE112E23
    assert encode("beq", rs1=1, rs2=2, imm=-8) == 0xFE208CE3
    assert encode("jal", 1, imm=2048) == 0x001000EF
    assert encode("lui", 5, imm=0x12345000) == 0x123452B7
    assert encode("srai", 1, 1, imm=3) == 0x4030D093
    assert encode("amoadd.w", 5, 6, 7) == 0x007322AF
    assert encode("lr.w", 5, 6) == 0x100322AF
    assert encode("ecall") == 0x00000073


def test_decode_illegal():
    bad_add = encode("add", 1, 2, 3) | (1 << 26)
    rdcycle, flw, shamt5 = 0xC0002573, 0x00002007, encode("slli", 1, 1, imm=1) | (1 << 25)
    for w in (0, 0xFFFFFFFF, bad_add, shamt5, 0x00200073, rdcycle, flw):
        with pytest.raises(IllegalInstruction):
            decode(w)
    with pytest.raises(IllegalInstruction):
        decode(1 << 32)


def test_asm_rejects_bad_operands():
    for kw in (dict(imm=2048), dict(imm=-2049), dict(rd=32)):
        with pytest.raises(ValueError):
            encode("addi", **{"rd": 1, **kw})
    with pytest.raises(ValueError):
        encode("beq", imm=3)
    with pytest.raises(ValueError):
        encode("lui", imm=0x123)
    with pytest.raises(ValueError):
        encode("nope")


@pytest.mark.parametrize("v", [0, 1, -1, 2047, 2048, -2048, -2049, 0x7FFFFFFF, 0x80000000, 0xFFFFF800, 0x12345FFF])
def test_li(v):
    assert run_both(li(5, v)).registers[5] == v & 0xFFFFFFFF


def test_fast_predecoder_matches_reference_decoder():
    rng = random.Random(7)
    words = [rng.getrandbits(32) for _ in range(3000)]
    words += [encode(i.name, 1, 2, 3) for i in INSTRUCTIONS if i.fmt in ("R", "A", "LR", "FENCE", "SYS")]
    words += [i.match | (rng.getrandbits(32) & ~i.mask) for i in INSTRUCTIONS for _ in range(30)]
    arr = np.array(words, dtype=np.uint32)
    out = np.zeros((len(words), 6), dtype=np.int64)
    _predecode_words(arr, np.ones(len(words), dtype=np.bool_), dec.MASKS, dec.MATCHES, dec.FMTS, out)
    for w, row in zip(words, out):
        op = lookup(w)
        if op is None:
            assert row[C_OP] == OP_ILLEGAL
            continue
        d = decode(w)
        assert row[C_OP] == op == OP[d.name]
        assert (row[C_RD] % 32, row[C_RS1], row[C_RS2], row[C_IMM]) == (d.rd, d.rs1, d.rs2, d.imm)


def test_fast_interpreter_pins_the_table_order(monkeypatch):
    """numba caches the kernel with the op ids as constants, keyed on fast.py alone: a
    reordered ISA table must make fast.py refuse to load until its pin is updated."""
    from zkvm.riscv import fast

    fast._check_isa_order()
    monkeypatch.setattr(fast, "INSTRUCTIONS", tuple(reversed(INSTRUCTIONS)))
    with pytest.raises(RuntimeError, match="_ISA_PIN"):
        fast._check_isa_order()


def test_fast_kernel_op_ids_are_the_table_rows():
    """Every op id constant of the numba kernel is the row index of its mnemonic."""
    from zkvm.riscv import fast

    for ins in INSTRUCTIONS:
        const = ins.name.upper().replace(".", "_")
        const = const[:-2] if const.startswith("AMO") else const  # AMOADD for amoadd.w
        assert getattr(fast, const) == OP[ins.name], ins.name

"""One hand-written test per RV32IM(+A) instruction, run on both interpreters (which must
agree on registers, memory and event records)."""

import pytest

from zkvm.riscv import IllegalInstruction, MemoryFault, MisalignedAccess
from zkvm.riscv.asm import encode, li
from zkvm.riscv.testing import SCRATCH, alu, run_both

M = 0xFFFF_FFFF
MIN = 0x8000_0000


def u(v):
    return v & M


@pytest.mark.parametrize(
    "name,a,b,want",
    [
        ("add", 5, 7, 12), ("add", M, 1, 0), ("add", 0x7FFF_FFFF, 1, MIN),
        ("sub", 5, 7, u(-2)), ("sub", 0, 1, M), ("sub", MIN, 1, 0x7FFF_FFFF),
        ("and", 0xF0F0, 0xFF00, 0xF000), ("or", 0xF0F0, 0x0F0F, 0xFFFF), ("xor", 0xFF, 0x0F, 0xF0),
        ("sll", 1, 31, MIN), ("sll", 1, 32, 1), ("sll", 3, 33, 6),  # shift amount masked to 5 bits
        ("srl", MIN, 31, 1), ("srl", MIN, 32, MIN), ("srl", M, 36, 0x0FFF_FFFF),
        ("sra", MIN, 31, M), ("sra", MIN, 32, MIN), ("sra", 0x4000_0000, 30, 1), ("sra", u(-16), 34, u(-4)),
        ("slt", u(-1), 0, 1), ("slt", 0, u(-1), 0), ("slt", 3, 3, 0),
        ("sltu", u(-1), 0, 0), ("sltu", 0, u(-1), 1), ("sltu", 3, 3, 0),
        ("mul", 7, u(-3), u(-21)), ("mul", 0x10000, 0x10000, 0), ("mul", M, M, 1),
        ("mulh", u(-1), u(-1), 0), ("mulh", MIN, MIN, 0x4000_0000), ("mulh", u(-2), 3, M),
        ("mulh", 0x7FFF_FFFF, 0x7FFF_FFFF, 0x3FFF_FFFF),
        ("mulhsu", u(-1), M, M), ("mulhsu", MIN, M, 0x8000_0000), ("mulhsu", 2, M, 1), ("mulhsu", u(-2), 3, M),
        ("mulhu", M, M, 0xFFFF_FFFE), ("mulhu", MIN, 2, 1), ("mulhu", 3, 5, 0),
        ("div", 20, 3, 6), ("div", u(-20), 3, u(-6)), ("div", 20, u(-3), u(-6)), ("div", u(-20), u(-3), 6),
        ("div", 5, 0, M), ("div", u(-5), 0, M), ("div", MIN, u(-1), MIN), ("div", 0, 5, 0), ("div", u(-1), 2, 0),
        ("divu", 20, 3, 6), ("divu", M, 2, 0x7FFF_FFFF), ("divu", 5, 0, M), ("divu", MIN, M, 0),
        ("rem", 20, 3, 2), ("rem", u(-20), 3, u(-2)), ("rem", 20, u(-3), 2), ("rem", u(-20), u(-3), u(-2)),
        ("rem", 5, 0, 5), ("rem", u(-5), 0, u(-5)), ("rem", MIN, u(-1), 0), ("rem", u(-6), 3, 0),
        ("remu", 20, 3, 2), ("remu", M, 10, 5), ("remu", 5, 0, 5), ("remu", MIN, M, MIN),
    ],
)  # fmt: skip
def test_register_ops(name, a, b, want):
    assert alu(name, a, b) == want


@pytest.mark.parametrize(
    "name,a,imm,want",
    [
        ("addi", 5, -7, u(-2)), ("addi", M, 1, 0), ("addi", 0, 2047, 2047), ("addi", 0, -2048, u(-2048)),
        ("andi", M, -1, M), ("andi", 0xFFFF, 0x7F0, 0x7F0), ("andi", 0x12345678, -16, 0x12345670),
        ("ori", 0x100, -2048, u(-2048) | 0x100), ("xori", 0xFF, -1, u(~0xFF)),
        ("slti", u(-5), -4, 1), ("slti", 0, -1, 0), ("slti", 5, 5, 0),
        ("sltiu", 5, -1, 1), ("sltiu", M, -1, 0), ("sltiu", 0, 1, 1),  # imm sign-extended then unsigned
        ("slli", 1, 31, MIN), ("slli", 0x8000_0001, 1, 2),
        ("srli", MIN, 31, 1), ("srli", M, 0, M),
        ("srai", MIN, 31, M), ("srai", MIN, 0, MIN), ("srai", 0x7000_0000, 28, 7),
    ],
)  # fmt: skip
def test_immediate_ops(name, a, imm, want):
    assert alu(name, a, imm=imm) == want


@pytest.mark.parametrize("name", ["add", "addi", "mul", "lui", "auipc", "jal", "lw", "sltu"])
def test_x0_writes_ignored(name):
    words = li(5, SCRATCH) + li(6, 77) + [encode("sw", rs1=5, rs2=6, imm=0)]
    kw = {"rd": 0, "rs1": 5, "rs2": 6}
    if name in ("lui", "auipc"):
        kw["imm"] = 0x12345000
    elif name == "jal":
        kw["imm"] = 4
    words.append(encode(name, **kw))
    r = run_both(words)
    assert r.registers[0] == 0
    row = [i for i in range(len(r.events)) if r.events.insn[i] == words[-1]][0]
    assert r.events.rd_val[row] == 0


def test_repeated_operands():
    # rd = rs1 = rs2 reads the old value for both operands
    r = run_both(li(5, 21) + [encode("add", 5, 5, 5), encode("mul", 6, 5, 5), encode("sub", 7, 5, 5)])
    assert r.registers[5:8] == (42, 42 * 42, 0)


def test_lui_auipc():
    r = run_both([encode("lui", 5, imm=0xFFFFF000), encode("auipc", 6, imm=0x1000), encode("auipc", 7, imm=0xFFFFF000)])
    assert r.registers[5] == 0xFFFFF000
    assert r.registers[6] == 0x10004 + 0x1000
    assert r.registers[7] == u(0x10008 - 0x1000)


@pytest.mark.parametrize(
    "name,a,b,taken",
    [
        ("beq", 3, 3, True), ("beq", 3, 4, False), ("bne", 3, 4, True), ("bne", 3, 3, False),
        ("blt", u(-1), 0, True), ("blt", 0, u(-1), False), ("blt", 2, 2, False),
        ("bge", 0, u(-1), True), ("bge", 2, 2, True), ("bge", u(-1), 0, False),
        ("bltu", 0, u(-1), True), ("bltu", u(-1), 0, False),
        ("bgeu", u(-1), 0, True), ("bgeu", 2, 2, True), ("bgeu", 0, 1, False),
    ],
)  # fmt: skip
def test_branches(name, a, b, taken):
    # branch over one "addi x7, x0, 1": x7 = 0 if taken else 1
    words = li(5, a) + li(6, b) + [encode(name, rs1=5, rs2=6, imm=8), encode("addi", 7, 0, imm=1)]
    r = run_both(words)
    assert r.registers[7] == (0 if taken else 1)


def test_branch_backwards():
    # x5 = 3; loop: x5 -= 1; x6 += 2; bne x5, x0, loop
    words = li(5, 3) + [encode("addi", 5, 5, imm=-1), encode("addi", 6, 6, imm=2), encode("bne", rs1=5, rs2=0, imm=-8)]
    assert run_both(words).registers[6] == 6


def test_jal_link_and_target():
    words = [encode("jal", 1, imm=8), encode("addi", 7, 0, imm=1), encode("addi", 8, 0, imm=2)]
    r = run_both(words)
    assert r.registers[1] == 0x10004 and r.registers[7] == 0 and r.registers[8] == 2
    assert r.events.next_pc[0] == 0x10008


def test_jalr_clears_low_bit_and_links():
    # x5 = 0x10000 + 16 + 1 (odd); jalr x1, 0(x5) must land at 0x10010
    words = li(5, 0x10011) + [encode("jalr", 1, 5, imm=0), encode("addi", 7, 0, imm=1), encode("addi", 8, 0, imm=2)]
    # li(0x10011) is lui+addi = 2 words; jalr at 0x10008; target 0x10010 skips the x7 write
    r = run_both(words)
    assert r.registers[1] == 0x1000C and r.registers[7] == 0 and r.registers[8] == 2


def test_jalr_rd_equals_rs1():
    # target uses the old rs1 before rd is written
    words = li(5, 0x10010) + [encode("jalr", 5, 5, imm=0), encode("addi", 7, 0, imm=1), encode("addi", 8, 0, imm=2)]
    r = run_both(words)
    assert r.registers[5] == 0x1000C and r.registers[7] == 0


def test_jump_to_misaligned_target():
    with pytest.raises(MisalignedAccess) as e:
        run_both(li(5, 0x10012) + [encode("jalr", 1, 5, imm=0)])
    assert e.value.pc == 0x10008 and e.value.address == 0x10012
    with pytest.raises(MisalignedAccess):
        run_both(li(5, 0x10012) + [encode("jal", 0, imm=2 + 4)])


def _mem(pre_word, insns):
    """Store pre_word at SCRATCH+4, run insns with x5 = SCRATCH."""
    return run_both(li(5, SCRATCH) + li(6, pre_word) + [encode("sw", rs1=5, rs2=6, imm=4)] + insns)


@pytest.mark.parametrize(
    "name,off,want",
    [
        ("lw", 4, 0x8081F2F3), ("lb", 4, 0xFFFFFFF3), ("lb", 5, 0xFFFFFFF2), ("lb", 6, 0xFFFFFF81),
        ("lb", 7, 0xFFFFFF80), ("lbu", 4, 0xF3), ("lbu", 7, 0x80), ("lh", 4, 0xFFFFF2F3), ("lh", 6, 0xFFFF8081),
        ("lhu", 4, 0xF2F3), ("lhu", 6, 0x8081), ("lw", 8, 0),
    ],
)  # fmt: skip
def test_loads_sign_extension(name, off, want):
    r = _mem(0x8081F2F3, [encode(name, 7, 5, imm=off)])
    assert r.registers[7] == want
    ev = r.events
    i = len(ev) - 4
    assert ev.mem_addr[i] == SCRATCH + off and ev.mem_before[i] == ev.mem_after[i]


def test_load_negative_offset():
    r = run_both(li(5, SCRATCH + 2048) + li(6, 99) + [encode("sw", rs1=5, rs2=6, imm=-2048), encode("lw", 7, 5, imm=-2048)])
    assert r.registers[7] == 99


@pytest.mark.parametrize(
    "name,off,want",
    [("sw", 4, 0xDEADBEEF), ("sh", 4, 0x1122BEEF), ("sh", 6, 0xBEEF3344), ("sb", 4, 0x112233EF), ("sb", 7, 0xEF223344)],
)
def test_stores(name, off, want):
    r = _mem(0x11223344, li(6, 0xDEADBEEF) + [encode(name, rs1=5, rs2=6, imm=off), encode("lw", 7, 5, imm=4)])
    assert r.registers[7] == want
    i = len(r.events) - 5
    assert r.events.mem_before[i] == 0x11223344 and r.events.mem_after[i] == want
    assert r.events.mem_addr[i] == SCRATCH + off


@pytest.mark.parametrize("name,off", [("lw", 2), ("lw", 1), ("lh", 1), ("lhu", 3), ("sw", 2), ("sh", 1)])
def test_misaligned_access_is_an_error(name, off):
    w = encode(name, rd=7, rs1=5, rs2=6, imm=off)
    with pytest.raises(MisalignedAccess) as e:
        run_both(li(5, SCRATCH) + [w])
    assert e.value.address == SCRATCH + off


@pytest.mark.parametrize("addr", [0, 0xFFFC, 0x4000_0000, 0xFFFF_FFFC])
@pytest.mark.parametrize("name", ["lw", "sw"])
def test_out_of_range_access(addr, name):
    """Outside guest memory (the null guard, from 2^30): a hard fault, as in the circuits."""
    with pytest.raises(MemoryFault) as e:
        run_both(li(5, addr) + [encode(name, rd=7, rs1=5, rs2=6)])
    assert e.value.address == addr and e.value.kind == ("read" if name == "lw" else "write")


@pytest.mark.parametrize("addr", [0x2000_0000, 0x1FFF_F000])
@pytest.mark.parametrize("name", ["lw", "sw"])
def test_unmapped_access_is_performed_with_a_warning(addr, name):
    """Data memory is flat (docs/abi.md, checklist 31): an access to a page the program
    never mapped is performed -- the circuits prove exactly that -- and reported."""
    r = run_both(li(5, addr) + li(6, 0x55) + [encode(name, rd=7, rs1=5, rs2=6),
                                              encode("lw", rd=8, rs1=5)])
    assert r.registers[8] == (0x55 if name == "sw" else 0)
    assert r.warning_count == 1 and f"0x{addr:08x}" in r.warnings[0]
    assert "unmapped" in r.warnings[0]


def test_store_to_text_changes_data_not_code():
    """Instructions come from the program image (a Harvard split): a store to a code
    address changes what loads read there, never what executes."""
    r = run_both(li(5, 0x10000) + [encode("lw", 7, 5, imm=0)])
    assert r.registers[7] == li(5, 0x10000)[0]
    w = li(5, 0x10000) + li(6, 0x12345678) + [encode("sw", rs1=5, rs2=6), encode("lw", 7, 5)]
    r = run_both(w)
    assert r.registers[7] == 0x12345678 and r.exit_code == 0
    assert r.warning_count == 1 and "code page" in r.warnings[0]


def test_execute_non_executable_faults():
    with pytest.raises(MemoryFault) as e:
        run_both(li(5, SCRATCH) + [encode("jalr", 0, 5, imm=0)])
    assert e.value.kind == "execute" and e.value.pc == SCRATCH
    with pytest.raises(IllegalInstruction):  # the rest of the code page reads as zeros
        run_both(Program_from([encode("addi", 0, 0, imm=0)]))
    with pytest.raises(MemoryFault) as e:  # run off the end of the last code page
        run_both(Program_from([encode("addi", 0, 0, imm=0)] * 1024))
    assert e.value.pc == 0x11000 and e.value.kind == "execute"


def Program_from(words):
    from zkvm.riscv import Program

    return Program.from_words(words)


def test_illegal_instruction_and_ebreak():
    for w in (0x0000_0000, 0xFFFF_FFFF, encode("add", 1, 2, 3) | (1 << 26)):
        with pytest.raises(IllegalInstruction) as e:
            run_both([w])
        assert e.value.pc == 0x10000
    with pytest.raises(IllegalInstruction, match="ebreak"):
        run_both([encode("ebreak")])


def test_fence_is_nop():
    r = run_both(li(5, 9) + [encode("fence"), encode("fence.i"), 0x0FF0000F, encode("addi", 6, 5, imm=1)])
    assert r.registers[6] == 10


# ---- RV32A ---------------------------------------------------------------------------------
def _atomic(name, old, val, addr_off=0):
    words = li(5, SCRATCH) + li(6, old) + [encode("sw", rs1=5, rs2=6)] + li(8, SCRATCH + addr_off) + li(6, val)
    words += [encode(name, rd=7, rs1=8, rs2=6), encode("lw", 9, 5, imm=0)]
    r = run_both(words)
    return r.registers[7], r.registers[9], r


@pytest.mark.parametrize(
    "name,old,val,new",
    [
        ("amoswap.w", 5, 9, 9), ("amoadd.w", M, 2, 1), ("amoxor.w", 0xF0, 0xFF, 0x0F), ("amoand.w", 0xF0, 0x3C, 0x30),
        ("amoor.w", 0xF0, 0x0F, 0xFF), ("amomin.w", u(-1), 1, u(-1)), ("amomin.w", 1, u(-1), u(-1)),
        ("amomax.w", u(-1), 1, 1), ("amomax.w", 7, 3, 7), ("amominu.w", u(-1), 1, 1), ("amominu.w", 1, 2, 1),
        ("amomaxu.w", u(-1), 1, u(-1)), ("amomaxu.w", 1, 2, 2),
    ],
)  # fmt: skip
def test_amo(name, old, val, new):
    rd, mem, r = _atomic(name, old, val)
    assert rd == old and mem == new
    i = len(r.events) - 5
    assert (r.events.mem_before[i], r.events.mem_after[i], r.events.mem_addr[i]) == (old, new, SCRATCH)


def test_lr_sc_success_and_failure():
    base = li(5, SCRATCH) + li(6, 41) + [encode("sw", rs1=5, rs2=6)]
    ok = base + [encode("lr.w", 7, 5), encode("addi", 7, 7, imm=1), encode("sc.w", 8, 5, 7), encode("lw", 9, 5)]
    r = run_both(ok)
    assert r.registers[8] == 0 and r.registers[9] == 42
    # sc without a reservation fails and does not write
    r = run_both(base + li(7, 5) + [encode("sc.w", 8, 5, 7), encode("lw", 9, 5)])
    assert r.registers[8] == 1 and r.registers[9] == 41
    # a second sc after a successful one fails (reservation consumed)
    r = run_both(ok + [encode("sc.w", 12, 5, 7)])
    assert r.registers[12] == 1
    # sc to a different address than the reservation fails
    r = run_both(base + [encode("lr.w", 7, 5), encode("addi", 11, 5, imm=4), encode("sc.w", 8, 11, 7)])
    assert r.registers[8] == 1


@pytest.mark.parametrize("name", ["lr.w", "sc.w", "amoadd.w", "amoswap.w"])
def test_atomic_misaligned_is_error(name):
    with pytest.raises(MisalignedAccess):
        run_both(li(5, SCRATCH + 2) + [encode(name, 7, 5, 6)])


def test_amo_on_code_is_performed_with_a_warning():
    r = run_both(li(5, 0x10000) + li(6, 1) + [encode("amoadd.w", 7, 5, 6), encode("lw", 8, 5)])
    assert r.registers[8] == (r.registers[7] + 1) & 0xFFFFFFFF
    assert r.warning_count == 1 and "code page" in r.warnings[0]

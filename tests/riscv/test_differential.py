"""Random straight-line programs: our executor vs unicorn (QEMU's RISC-V core)."""

import random

import numpy as np
import pytest

unicorn = pytest.importorskip("unicorn")
from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV32, Uc  # noqa: E402
from unicorn import riscv_const as rc  # noqa: E402

from zkvm.riscv import Program, Segment  # noqa: E402
from zkvm.riscv.asm import encode, exit_program, li  # noqa: E402
from zkvm.riscv.testing import run_both  # noqa: E402

CODE = 0x10000
DATA = 0x100000  # a read/write data segment
DATA_SIZE = 256
BASE_REG = 31
REGS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16]  # not a0/a7 (the exit sequence), not x31

R_OPS = "add sub sll slt sltu xor srl sra or and mul mulh mulhsu mulhu div divu rem remu".split()
I_OPS = "addi slti sltiu xori ori andi".split()
SH_OPS = "slli srli srai".split()
LOADS = {"lw": 4, "lh": 2, "lhu": 2, "lb": 1, "lbu": 1}
STORES = {"sw": 4, "sh": 2, "sb": 1}
BRANCHES = "beq bne blt bge bltu bgeu".split()
SPECIAL = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 2]


def _value(rng):
    return rng.choice(SPECIAL) if rng.random() < 0.3 else rng.getrandbits(32)


def random_program(rng, n=40):
    init = {r: _value(rng) for r in REGS}
    body = []
    regs = REGS + [0]
    while len(body) < n:
        k = rng.random()
        rd, rs1, rs2 = rng.choice(regs), rng.choice(regs), rng.choice(regs)
        if k < 0.45:
            body.append(encode(rng.choice(R_OPS), rd, rs1, rs2))
        elif k < 0.6:
            body.append(encode(rng.choice(I_OPS), rd, rs1, imm=rng.randrange(-2048, 2048)))
        elif k < 0.65:
            body.append(encode(rng.choice(SH_OPS), rd, rs1, imm=rng.randrange(32)))
        elif k < 0.68:
            body.append(encode(rng.choice(["lui", "auipc"]), rd, imm=rng.getrandbits(20) << 12))
        elif k < 0.8:
            name = rng.choice(list(LOADS))
            body.append(encode(name, rd, BASE_REG, imm=rng.randrange(0, DATA_SIZE, LOADS[name])))
        elif k < 0.92:
            name = rng.choice(list(STORES))
            body.append(encode(name, rs1=BASE_REG, rs2=rs2, imm=rng.randrange(0, DATA_SIZE, STORES[name])))
        else:  # forward branch over the next instruction (taken or not)
            body.append(encode(rng.choice(BRANCHES), rs1=rs1, rs2=rs2, imm=8))
            body.append(encode(rng.choice(R_OPS), rd, rs1, rs2))
    prelude = li(BASE_REG, DATA)
    for r, v in init.items():
        prelude += li(r, v)
    data = bytes(rng.getrandbits(8) for _ in range(DATA_SIZE))
    return prelude, body, data


def run_unicorn(prelude, body, data):
    words = prelude + body
    code = b"".join(w.to_bytes(4, "little") for w in words)
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
    uc.mem_map(CODE, 0x10000)
    uc.mem_map(DATA, 0x1000)
    uc.mem_write(CODE, code)
    uc.mem_write(DATA, data)
    uc.emu_start(CODE, CODE + len(code))
    regs = [uc.reg_read(getattr(rc, f"UC_RISCV_REG_X{i}")) for i in range(1, 32)]
    return [0] + regs, bytes(uc.mem_read(DATA, DATA_SIZE))


def run_ours(prelude, body, data):
    words = prelude + body + exit_program(0)
    code = b"".join(w.to_bytes(4, "little") for w in words)
    prog = Program(entry=CODE, segments=(Segment(CODE, code, len(code), 5), Segment(DATA, data, DATA_SIZE, 6)))
    r = run_both(prog)
    return r


@pytest.mark.parametrize("seed", range(300))
def test_random_programs_match_unicorn(seed):
    rng = random.Random(seed)
    prelude, body, data = random_program(rng)
    want_regs, want_mem = run_unicorn(prelude, body, data)
    r = run_ours(prelude, body, data)
    for i in REGS + [BASE_REG]:
        assert r.registers[i] == want_regs[i], f"x{i}: {r.registers[i]:#x} != {want_regs[i]:#x}"
    # final data memory: replay the store events onto the initial data
    mem = bytearray(data)
    ev = r.events
    for i in np.flatnonzero(ev.mem_addr):
        a = int(ev.mem_addr[i]) & ~3
        if DATA <= a < DATA + DATA_SIZE:
            mem[a - DATA : a - DATA + 4] = int(ev.mem_after[i]).to_bytes(4, "little")
    assert bytes(mem) == want_mem

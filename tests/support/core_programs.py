"""Small asm programs shared by test_core.py and test_machine.py (not a test module)."""

from zkvm.riscv import asm

CHIPS = ("addsub",)  # the core tests only need addi/add + ecall


def echo_words(n_read=5, exit_code=7):
    """read(0, sp-64, n_read); write(3, sp-64, n); getpid(); write(1, sp-64, n); exit."""
    e = asm.encode
    return [
        e("addi", "a1", "sp", imm=-64), e("addi", "a2", 0, imm=n_read), e("addi", "a0", 0, imm=0),
        e("addi", "a7", 0, imm=63), e("ecall"),
        e("addi", "a2", "a0", imm=0), e("addi", "a0", 0, imm=3), e("addi", "a7", 0, imm=64),
        e("ecall"),
        e("addi", "a7", 0, imm=172), e("ecall"),
        e("addi", "a0", 0, imm=1), e("addi", "a7", 0, imm=64), e("ecall"),
        *asm.exit_program(exit_code),
    ]


def arith_words():
    e = asm.encode
    return [e("addi", "t0", 0, imm=100), e("addi", "t1", 0, imm=-3), e("add", "t2", "t0", "t1"),
            e("add", "t2", "t2", "t2"), e("addi", 0, "t2", imm=1),  # write to x0 ignored
            e("add", "a0", "t2", 0), *asm.exit_program("a0")]


def fib_loop_words(iters: int):
    """``iters`` rounds of 3 addi + 1 add + bne (4 addsub rows and 1 branch row a round),
    exit code fib(iters) mod 2^8 (chips: addsub, branch; lui_auipc too from 2048 rounds)."""
    e = asm.encode
    body = [e("add", "a2", "a0", "a1"), e("addi", "a0", "a1", imm=0),
            e("addi", "a1", "a2", imm=0), e("addi", "t0", "t0", imm=-1),
            e("bne", 0, "t0", 0, imm=-16)]
    return [e("addi", "a0", 0, imm=0), e("addi", "a1", 0, imm=1),
            *asm.li("t0", iters), *body, *asm.exit_program("a0")]

"""The multi-segment asm guest of the continuation tests (not a test module)."""

#: the instruction chips the loop guest needs (a smaller machine keeps the tests fast)
CHIPS = ("addsub", "bitwise", "branch", "loadstore")


def loop_words(iters: int = 120, exit_code_reg: str = "s2"):
    """A guest that walks a buffer on the stack (so each segment touches other pages),
    reads one private input byte and writes one journal byte per iteration:

    ``for i in range(iters): read(0, buf+i, 1); acc += buf[i] + 1; buf4[i] = acc;
    write(3, buf+i, 1)``; ``exit(acc & 0xff)``."""
    from zkvm.riscv import asm

    e = asm.encode
    w = [
        e("addi", "s0", 0, imm=iters),
        e("addi", "s1", "sp", imm=-2040),     # word buffer, 16 bytes per iteration
        e("addi", "s3", "s1", imm=-200),      # byte buffer for input / journal
        e("addi", "s2", 0, imm=0),
    ]
    loop = [
        # read(0, s3, 1)
        e("addi", "a0", 0, imm=0), e("addi", "a1", "s3", imm=0), e("addi", "a2", 0, imm=1),
        e("addi", "a7", 0, imm=63), e("ecall"),
        e("lw", "t0", "s1", imm=0),
        e("add", "s2", "s2", "t0"),
        e("lbu", "t1", "s3", imm=0),
        e("add", "s2", "s2", "t1"),
        e("addi", "s2", "s2", imm=1),
        e("sw", rs1="s1", rs2="s2", imm=0),
        e("sb", rs1="s3", rs2="s2", imm=0),
        # write(3, s3, 1)
        e("addi", "a0", 0, imm=3), e("addi", "a1", "s3", imm=0), e("addi", "a2", 0, imm=1),
        e("addi", "a7", 0, imm=64), e("ecall"),
        e("addi", "s1", "s1", imm=16),
        e("addi", "s3", "s3", imm=1),
        e("addi", "s0", "s0", imm=-1),
    ]
    loop.append(e("bne", rs1="s0", rs2=0, imm=-4 * len(loop)))
    return w + loop + [e("andi", "a0", exit_code_reg, imm=0xFF), *asm.exit_program("a0")]


def flaky_prove(arg):
    """A segment job that kills its own worker process the first time it sees segment 1
    (``arg = (marker_path, job)``; the marker file records the first attempt)."""
    import os

    from zkvm.continuation import prove_segment_job

    marker, job = arg
    if job.start.index == 1 and not os.path.exists(marker):
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        os._exit(1)
    return prove_segment_job(job)

"""Executor throughput: zkvm fast interpreter (plain / recording) vs qemu-riscv32 and unicorn.

Builds bench/guests/checksum.c with zig cc -O2 (cached in .zkvm-cache/bench), runs it and
prints instructions per CPU second (best of a few runs). Usage:

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_executor.py [--iters N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import resource
import shutil
import subprocess
import sys

from zkvm.riscv import execute, load_elf

ROOT = pathlib.Path(__file__).resolve().parents[1]
CACHE = ROOT / ".zkvm-cache" / "bench"


def build(iters: int) -> pathlib.Path:
    src = ROOT / "bench" / "guests" / "checksum.c"
    flags = ["-target", "riscv32-linux-musl", "-mcpu=generic_rv32+m+a", "-O2", f"-DITERS={iters}u"]
    key = hashlib.sha256(src.read_bytes() + " ".join(flags).encode()).hexdigest()[:16]
    out = CACHE / f"checksum-{key}.elf"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "ziglang", "cc", *flags, "-o", str(out), str(src)], check=True)
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the machine is shared, so
    CPU time is a steadier measure than wall time; both are single-threaded)."""
    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def best_of(n, f):
    best, res = float("inf"), None
    for _ in range(n):
        t = _cpu()
        res = f()
        best = min(best, _cpu() - t)
    return best, res


def loop_program(n: int) -> list[int]:
    """A syscall-free loop (xorshift + table update + multiply), ~12 instructions/iteration."""
    from zkvm.riscv.asm import encode as e, li

    body = li(5, n) + li(6, 0x12345678) + li(8, 0x3F00_0000) + [
        e("slli", 7, 6, imm=13), e("xor", 6, 6, 7), e("srli", 7, 6, imm=17), e("xor", 6, 6, 7),
        e("slli", 7, 6, imm=5), e("xor", 6, 6, 7), e("andi", 7, 6, imm=1020), e("add", 7, 7, 8),
        e("lw", 9, 7), e("mul", 9, 9, 6), e("sw", rs1=7, rs2=9), e("addi", 5, 5, imm=-1),
        e("bne", rs1=5, rs2=0, imm=-48),
    ]  # fmt: skip
    return body


def run_unicorn(words: list[int]) -> tuple[int, ...]:
    """Run a syscall-free word list under unicorn; return x0..x31."""
    from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV32, Uc
    from unicorn import riscv_const as rc

    code = b"".join(w.to_bytes(4, "little") for w in words)
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
    uc.mem_map(0x10000, (len(code) + 0xFFFF) & ~0xFFFF)
    uc.mem_map(0x3F00_0000, 0x1000)
    uc.mem_write(0x10000, code)
    uc.emu_start(0x10000, 0x10000 + len(code))
    return tuple(uc.reg_read(getattr(rc, f"UC_RISCV_REG_X{i}")) if i else 0 for i in range(32))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=3_000_000)
    ap.add_argument("--record-iters", type=int, default=500_000)
    ap.add_argument("--unicorn-iters", type=int, default=4_000_000)
    args = ap.parse_args()
    elf = build(args.iters)
    prog = load_elf(elf.read_bytes())
    execute(load_elf(build(1000).read_bytes()), record=True)  # numba compile / cache load

    t_plain, r = best_of(3, lambda: execute(prog))
    n = r.cycles
    print(f"guest: checksum.c -O2, {args.iters} iterations, {n:,} instructions; {r.stdout.decode().strip()}")
    print(f"zkvm fast (plain)     : {t_plain:7.3f} s  {n / t_plain / 1e6:8.1f} MHz")

    rprog = load_elf(build(args.record_iters).read_bytes())
    t_rec, rr = best_of(2, lambda: execute(rprog, record=True))
    print(f"zkvm fast (recording) : {t_rec:7.3f} s  {rr.cycles / t_rec / 1e6:8.1f} MHz  ({rr.cycles:,} instructions,"
          f" {rr.events.pc.nbytes * 9 / 2**20:.0f} MiB of events)")

    if shutil.which("qemu-riscv32"):
        t_q, q = best_of(3, lambda: subprocess.run(["qemu-riscv32", str(elf)], capture_output=True, check=True))
        same = q.stdout == r.stdout
        print(f"qemu-riscv32          : {t_q:7.3f} s  {n / t_q / 1e6:8.1f} MHz (incl. process start; output match {same})")
        print(f"  zkvm plain / qemu time ratio: {t_plain / t_q:.1f}x")
    try:
        from zkvm.riscv.testing import program

        words = loop_program(args.unicorn_iters)
        lp = program(words)
        t_z, z = best_of(3, lambda: execute(lp))
        t_u, u = best_of(1, lambda: run_unicorn(words))
        same = z.registers[5:10] == u[5:10]
        print(f"loop program (no syscalls), {z.cycles:,} instructions; registers match unicorn: {same}")
        print(f"  zkvm fast (plain)   : {t_z:7.3f} s  {z.cycles / t_z / 1e6:8.1f} MHz")
        print(f"  unicorn 2.1.4       : {t_u:7.3f} s  {z.cycles / t_u / 1e6:8.1f} MHz")
        print(f"  zkvm / unicorn time ratio: {t_z / t_u:.2f}x")
    except ImportError:
        print("unicorn not installed")


if __name__ == "__main__":
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".zkvm-cache" / "numba"))
    main()

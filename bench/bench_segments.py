"""Executor splitting (zkvm.riscv.segments): split speed vs plain execute, replay speed,
snapshot sizes.

Guest: an asm loop of about ``2^log-cycles`` cycles that walks a 1 KiB buffer on the stack
(load, add, store, so every segment dirties the same pages) and, with ``--c``, the C guest
tests/riscv/guests/libc.c (musl, heap, stdio). Prints, for each ``max_steps``: execute
(no recording) MHz, split MHz, segment count, mean / max pickled SegmentStart size, and
run_segment (recording) MHz on the first few segments.

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python -m bench.bench_segments \\
        [--log-cycles 24] [--steps 16,20] [--c]
"""

from __future__ import annotations

import argparse
import os
import pickle
import time

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".zkvm-cache", "numba"))

from zkvm.riscv.asm import encode, li  # noqa: E402
from zkvm.riscv.executor import execute  # noqa: E402
from zkvm.riscv.segments import run_segment, split  # noqa: E402
from zkvm.riscv.testing import SCRATCH, program  # noqa: E402


def walker(cycles: int):
    inner = 256
    outer = max(1, cycles // (5 * inner + 4))
    w = li("s1", outer)
    loop = li("s0", SCRATCH) + li("t2", inner)
    body = [
        encode("lw", rd="t0", rs1="s0", imm=0),
        encode("add", rd="t0", rs1="t0", rs2="t2"),
        encode("sw", rs1="s0", rs2="t0", imm=0),
        encode("addi", rd="s0", rs1="s0", imm=4),
        encode("addi", rd="t2", rs1="t2", imm=-1),
    ]
    body.append(encode("bne", rs1="t2", rs2="zero", imm=-4 * len(body)))
    loop += body + [encode("addi", rd="s1", rs1="s1", imm=-1)]
    loop.append(encode("bne", rs1="s1", rs2="zero", imm=-4 * len(loop)))
    return program(w + loop)


def best(f, reps=3):
    """Result and best CPU time of ``reps`` calls (the machine is shared: CPU time of this
    single-threaded process is steadier than wall time)."""
    out, t = None, float("inf")
    for _ in range(reps):
        t0 = time.process_time()
        out = f()
        t = min(t, time.process_time() - t0)
    return out, t


def report(name, prog, inp, steps_list, reps):
    full, t_exec = best(lambda: execute(prog, inp), reps)
    n = full.cycles
    print(f"{name}: {n} cycles, execute {n / t_exec / 1e6:.1f} MHz ({t_exec * 1e3:.1f} ms)")
    for lg in steps_list:
        segs, t_split = best(lambda: split(prog, inp, 1 << lg), reps)
        sizes = [len(pickle.dumps(s)) for s in segs]
        k = min(3, len(segs))
        t0 = time.process_time()
        rec = sum(run_segment(prog, s).cycles for s in segs[:k])
        t_rec = time.process_time() - t0
        print(
            f"  max_steps 2^{lg}: {len(segs)} segments, split {n / t_split / 1e6:.1f} MHz "
            f"({t_split * 1e3:.1f} ms, {t_split / t_exec:.2f}x execute), "
            f"SegmentStart pickled mean {sum(sizes) / len(sizes) / 1024:.1f} KiB max {max(sizes) / 1024:.1f} KiB "
            f"({len(segs[-1].pages)} pages), run_segment(record) {rec / t_rec / 1e6:.1f} MHz on {k} segments"
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-cycles", type=int, default=24)
    ap.add_argument("--steps", default="16,20")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--c", action="store_true", help="also the C guest tests/riscv/guests/libc.c (zig cache)")
    a = ap.parse_args()
    steps = [int(x) for x in a.steps.split(",")]
    prog = walker(1 << a.log_cycles)
    execute(program(li("a0", 0)))  # compile / load the numba cache
    report(f"asm walker 2^{a.log_cycles}", prog, b"", steps, a.reps)
    if a.c:
        import pathlib
        import sys

        # run from the repository root as `python -m bench.bench_segments` (tests.*)
        from tests.riscv.conftest import GUESTS, build_guest  # noqa: E402

        from zkvm.riscv.elf import load_elf

        elf = build_guest(GUESTS / "libc.c")
        report("C libc guest", load_elf(elf.read_bytes()), b"", steps, a.reps)


if __name__ == "__main__":
    main()

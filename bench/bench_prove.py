"""Benchmark: prove and verify a fibonacci guest (asm loop) at 2^12 .. 2^16 cycles.

Prints, per size: cycles, proving time and cycles/s, per-phase times (execute, witness,
traces, byte multiplicities, STARK prover phases), peak RSS, receipt size, verify time.

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_prove.py [--max-log 16]
        [--params default|testing]

The first run compiles the numba kernels (about a minute); numbers are from a warm
cache (run twice).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..",
                                                      ".zkvm-cache", "numba"))


def fib_words(iters: int):
    from zkvm.riscv import asm

    e = asm.encode
    body = [e("add", "a2", "a0", "a1"), e("addi", "a0", "a1", imm=0), e("addi", "a1", "a2", imm=0),
            e("addi", "t0", "t0", imm=-1), e("bne", 0, "t0", 0, imm=-16)]
    return [*asm.li("a0", 0), *asm.li("a1", 1), *asm.li("t0", iters), *body,
            *asm.exit_program("a0")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-log", type=int, default=12)
    ap.add_argument("--max-log", type=int, default=16)
    ap.add_argument("--params", default="default", choices=["default", "testing", "high"])
    ap.add_argument("--no-zk", action="store_true", help="classic (non-hiding) mode")
    ap.add_argument("--only", type=int, nargs="*", default=None, help="only these log2 sizes")
    args = ap.parse_args()
    from zkvm.chips.machine import Machine, verify
    from zkvm.riscv.layout import Program
    from zkvm.stark.params import StarkParams

    params = getattr(StarkParams, args.params)(zk=not args.no_zk)
    print(f"params={args.params} zk={params.zk} ({params.security_bits()} bits conjectured), "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"{'log2':>4} {'cycles':>7} {'prove s':>8} {'cyc/s':>8} {'verify s':>8} "
          f"{'receipt KiB':>11} {'peak RSS MiB':>12}  phases")
    for lg in args.only or range(args.min_log, args.max_log + 1):
        iters = max(1, ((1 << lg) - 12) // 5)
        m = Machine.for_program(Program.from_words(fib_words(iters)), params)
        tm = {}
        t0 = time.perf_counter()
        r = m.prove(timings=tm)
        tp = time.perf_counter() - t0
        b = r.to_bytes()
        t0 = time.perf_counter()
        verify(b, m.image_id)
        tv = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ph = {k: round(v, 2) for k, v in tm.items() if isinstance(v, float)}
        ph.update({f"stark.{k}": round(v, 2) for k, v in tm.get("prove_phases", {}).items()})
        print(f"{lg:>4} {tm['cycles']:>7} {tp:>8.2f} {tm['cycles'] / tp:>8.0f} {tv:>8.2f} "
              f"{len(b) / 1024:>11.1f} {rss:>12.0f}  {ph}", flush=True)


if __name__ == "__main__":
    main()

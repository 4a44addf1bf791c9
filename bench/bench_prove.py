"""Benchmark: prove and verify a fibonacci guest (asm loop) of 2^k cycles on the RISC-V machine
(``--program walker``: a load/add/store loop over a 1 KiB buffer instead, the guest of
bench_continuation.py: the memory tables are filled too, as in real programs).

Prints, per proof: cycles, wall time and throughput (kHz = thousands of cycles proven per
second), process CPU time (user+sys, all threads), verify time, receipt size, peak RSS, and
the per-phase times (execute, witness, traces, byte multiplicities, STARK phases).

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_prove.py --only 20
        [--repeat N] [--threads T] [--params default|testing|high] [--no-zk]
        [--program fib|walker] [--shard-min-log L] [--no-leaf-inputs]

The first proof in a process also loads the numba kernels (and compiles them on an empty
cache, minutes): use ``--warmup`` (one small proof first) or ``--repeat`` and read the
later runs.  The load average of the machine is printed with every run: on a shared
machine compare CPU time, not wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".zkvm-cache", "numba"))


def fib_words(iters: int):
    from zkvm.riscv import asm

    e = asm.encode
    body = [e("add", "a2", "a0", "a1"), e("addi", "a0", "a1", imm=0), e("addi", "a1", "a2", imm=0),
            e("addi", "t0", "t0", imm=-1), e("bne", 0, "t0", 0, imm=-16)]
    return [*asm.li("a0", 0), *asm.li("a1", 1), *asm.li("t0", iters), *body,
            *asm.exit_program("a0")]


def program_words(program: str, lg: int):
    """The guest of ``program`` running just under ``2^lg`` cycles."""
    if program == "fib":
        return fib_words(max(1, ((1 << lg) - 12) // 5))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_continuation import INNER, walker_words

    per_outer = 7 * INNER + 5
    if lg < 15:
        raise SystemExit("--program walker needs 2^15 cycles or more")
    return walker_words((1 << lg) - 9 * per_outer)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "?"


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _sys_seconds() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-log", type=int, default=12)
    ap.add_argument("--max-log", type=int, default=16)
    ap.add_argument("--params", default="default", choices=["default", "testing", "high"])
    ap.add_argument("--degree", type=int, default=None,
                    help="override max_constraint_degree (LogUp grouping; quotient chunks)")
    ap.add_argument("--no-zk", action="store_true", help="classic (non-hiding) mode")
    ap.add_argument("--only", type=int, nargs="*", default=None, help="only these log2 sizes")
    ap.add_argument("--repeat", type=int, default=1, help="proofs per size")
    ap.add_argument("--threads", type=int, default=None,
                    help="numba threads [default: the cores available to this process]")
    ap.add_argument("--program", default="fib", choices=["fib", "walker"],
                    help="fib: ALU and branch only; walker: loads and stores too (2^15 and up)")
    ap.add_argument("--shard-min-log", type=int, default=None,
                    help="split a chip's rows over two tables from this log height on "
                         "(zkvm.machine.chips.shard_split; default the machine's, 99: never)")
    ap.add_argument("--no-leaf-inputs", action="store_true",
                    help="classic FRI schedule (StarkParams.fri_leaf_inputs=False: a round "
                         "cut short at every input size) instead of the default leaf inputs")
    ap.add_argument("--warmup", action="store_true", help="one 2^12 proof first (not printed)")
    args = ap.parse_args()

    from zkvm import threads as zthreads

    nthreads = zthreads.configure(threads=args.threads)
    import numba

    from zkvm.machine import Machine, verify
    from zkvm.hash import sha256 as _s  # noqa: F401
    from zkvm.riscv.layout import Program
    from zkvm.stark.params import StarkParams

    sha = sys.modules["zkvm.hash.sha256"]
    params = getattr(StarkParams, args.params)(zk=not args.no_zk)
    if args.degree is not None:
        import dataclasses

        params = dataclasses.replace(params, max_constraint_degree=args.degree)
    if args.no_leaf_inputs:
        import dataclasses

        params = dataclasses.replace(params, fri_leaf_inputs=False)
    print(f"# CPU {_cpu_model()}, {zthreads.available_cpus()} cores available, "
          f"{nthreads} numba threads, "
          f"SHA-256 kernel {sha.kernel()}")
    print(f"# program {args.program}")
    print(f"# params={args.params} zk={params.zk} queries={params.num_queries} "
          f"log_blowup={params.log_blowup} fri_log_arity={params.fri_log_arity} "
          f"pow_bits={params.pow_bits} max_constraint_degree={params.max_constraint_degree} "
          f"fri_leaf_inputs={params.fri_leaf_inputs}: "
          f"{params.security_bits()} bits conjectured")
    if args.warmup:
        m = Machine.for_program(Program.from_words(fib_words(800)), params)
        verify(m.prove().to_bytes(), m.image_id)
    try:
        print(f"# numba threading layer {numba.threading_layer()}")
    except ValueError:  # no parallel kernel has run yet (no --warmup)
        pass
    print(f"{'log2':>4} {'cycles':>8} {'prove s':>8} {'kHz':>7} {'cpu s':>7} {'verify s':>8} "
          f"{'sys s':>6} {'receipt KiB':>11} {'peak RSS GiB':>12} {'load':>5}  phases (s)")
    for lg in args.only or range(args.min_log, args.max_log + 1):
        for _ in range(args.repeat):
            words = program_words(args.program, lg)
            load0 = os.getloadavg()[0]
            c0 = _cpu_seconds()
            s0 = _sys_seconds()
            t0 = time.perf_counter()
            m = Machine.for_program(Program.from_words(words), params)
            if args.shard_min_log is not None:
                m.shard_min_log = args.shard_min_log
            tm = {}
            r = m.prove(timings=tm)
            tp = time.perf_counter() - t0
            cpu = _cpu_seconds() - c0
            sys_s = _sys_seconds() - s0
            b = r.to_bytes()
            t0 = time.perf_counter()
            verify(b, m.image_id)
            tv = time.perf_counter() - t0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
            load = max(load0, os.getloadavg()[0])
            ph = {k: round(v, 2) for k, v in tm.items() if isinstance(v, float)}
            ph.update({f"stark.{k}": round(v, 2) for k, v in tm.get("prove_phases", {}).items()})
            print(f"{lg:>4} {tm['cycles']:>8} {tp:>8.2f} {tm['cycles'] / tp / 1e3:>7.1f} {cpu:>7.2f} "
                  f"{tv:>8.2f} {sys_s:>6.2f} {len(b) / 1024:>11.1f} {rss:>12.2f} {load:>5.2f}  {ph}", flush=True)


if __name__ == "__main__":
    main()

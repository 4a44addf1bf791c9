"""Benchmark: prove a long guest (default 2^24 cycles) with continuations.

An asm guest walks a 1 KiB buffer on the stack (load, add, store: every segment touches
the same 16 pages) for ``2^log-cycles`` cycles.  The run is split into segments of at most
``2^segment-po2`` EXEC steps, proven with 1 and then 2 local workers; prints per run the
total wall time, the per-segment proving time and throughput, the peak RSS of each
worker, the composite receipt size and the verification time.

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_continuation.py \\
        [--log-cycles 24] [--segment-po2 20] [--workers 1,2] [--params default]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..",
                                                      ".zkvm-cache", "numba"))

INNER = 256  # words of the buffer


def walker_words(cycles: int):
    """``cycles`` ≈ outer × (7·INNER + 5): the inner loop is 7 instructions per word."""
    from zkvm.riscv import asm

    e = asm.encode
    outer = cycles // (7 * INNER + 4) + 8  # at least 2^log-cycles
    inner = [e("lw", "t0", "s1", imm=0), e("add", "s2", "s2", "t0"), e("addi", "s2", "s2", imm=7),
             e("sw", rs1="s1", rs2="s2", imm=0), e("addi", "s1", "s1", imm=4),
             e("addi", "s4", "s4", imm=-1)]
    inner.append(e("bne", rs1="s4", rs2=0, imm=-4 * len(inner)))
    head = [e("addi", "s1", "sp", imm=-2048), e("addi", "s4", 0, imm=INNER)]
    body = head + inner + [e("addi", "s0", "s0", imm=-1)]
    body.append(e("bne", rs1="s0", rs2=0, imm=-4 * len(body)))
    return [*asm.li("s0", outer), *body, e("andi", "a0", "s2", imm=0xFF),
            *asm.exit_program("a0")]


CHIPS = ("addsub", "bitwise", "branch", "loadstore", "lui_auipc")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-cycles", type=int, default=24)
    ap.add_argument("--segment-po2", type=int, default=20)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--params", default="default", choices=["default", "testing", "high"])
    args = ap.parse_args()

    from zkvm import threads

    threads.configure()  # passive OpenMP waiting, pool sized to the available cores
    from zkvm import api, continuation
    from zkvm.machine import Machine, verify_composite
    from zkvm.distributed import run_jobs_detailed
    from zkvm.riscv.executor import execute
    from zkvm.riscv.layout import Program

    params = api.stark_params(args.params)
    prog = Program.from_words(walker_words(1 << args.log_cycles))
    t0 = time.perf_counter()
    full = execute(prog)
    print(f"guest: {full.cycles} cycles (2^{full.cycles.bit_length() - 1}+), "
          f"plain execution {time.perf_counter() - t0:.2f} s; params {args.params} "
          f"({params.security_bits()} bits, zk={params.zk}); load {os.getloadavg()[0]:.2f}")
    m = Machine.for_program(prog, params, chips=CHIPS)
    for workers in [int(w) for w in args.workers.split(",")]:
        t0 = time.perf_counter()
        jobs = continuation.plan(prog, b"", params, args.segment_po2, chips=CHIPS)
        t_plan = time.perf_counter() - t0
        outs = run_jobs_detailed(continuation.prove_segment_job, jobs, workers=workers,
                                 labels=[j.label for j in jobs])
        rec = continuation.assemble(jobs, [o.value for o in outs], prog, params, chips=CHIPS)
        total = time.perf_counter() - t0
        data = rec.to_bytes()
        t1 = time.perf_counter()
        code, _ = verify_composite(data, m.image_id)
        t_ver = time.perf_counter() - t1
        assert code == full.exit_code
        print(f"\n== {workers} worker(s): {len(jobs)} segments of <= 2^{args.segment_po2} steps, "
              f"split {t_plan:.2f} s, total {total:.1f} s "
              f"({full.cycles / total / 1e3:.1f} kHz overall), load {os.getloadavg()[0]:.2f}")
        for o, j in zip(outs, jobs):
            print(f"  {o.label:<11} {j.start.cycles:>9} cycles  {o.seconds:7.1f} s  "
                  f"{j.start.cycles / o.seconds / 1e3:6.1f} kHz  worker {o.worker}  "
                  f"peak RSS {o.peak_rss / 2**30:.2f} GiB")
        print(f"  receipt {len(data) / 2**20:.2f} MiB ({len(data) // len(jobs) // 1024} KiB per "
              f"segment), verify {t_ver:.2f} s")


if __name__ == "__main__":
    main()

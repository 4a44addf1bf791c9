"""Benchmark of the quotient evaluation (zkvm.stark.quotient.compute_quotient).

Usage: python bench/bench_quotient.py [--chip NAME] [--methods bytecode,numpy]
                                       [--threads T] [--block B] [log_rows ...]
       (default: --chip divrem, log_rows 14; chips: zkvm.chips instruction chips,
       sha256, wide)

Builds one RISC-V chip table (``zkvm.chips``; or ``--chip wide`` for the 65-column
synthetic AIR of bench_stark.py), fills a random trace (constraints need not hold: the
evaluation cost is the same), computes its LogUp aux trace and the blowup-4 LDEs, and
times the quotient for each method (best of 3, after one warm-up call).  Also prints the
program size of the bytecode evaluator.  The one-time numba compile cost of the
interpreter shows up as the warm-up time of the first bytecode call in a process with an
empty ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.poly.ntt import coset_lde
from zkvm.stark import kernels
from zkvm.stark.params import StarkParams
from zkvm.field import ext as fx
from zkvm.stark.quotient import compute_quotient, generate_aux_trace, selectors_on_coset
from zkvm.stark.system import StarkSystem


def make_air(chip: str):
    if chip == "wide":
        from bench_stark import WideAir

        return WideAir()
    if chip == "sha256":  # the SHA-256 precompile table (459 columns)
        from zkvm.precompiles.sha256.air import Sha256Air

        return Sha256Air()
    from zkvm.machine import available_chips

    return available_chips()[chip]()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logs", nargs="*", type=int, default=[14])
    ap.add_argument("--chip", default="divrem")
    ap.add_argument("--methods", default="bytecode,numpy")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--block", type=int, default=None)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.threads is not None:
        kernels.SERIAL_ROWS = 1 << 62 if a.threads == 1 else 0
        import numba

        numba.config.NUMBA_NUM_THREADS = max(1, a.threads)
    if a.block is not None:
        kernels.DEFAULT_BLOCK = a.block
        kernels.evaluate_quotient.__defaults__ = (a.block, None)
    air = make_air(a.chip)
    s = StarkSystem([air], StarkParams.testing(zk=False), num_public_values=4)
    t = s.tables[0]
    prog = kernels.load_program([c.expr for c in t.all_constraints])
    print(f"table {t.name}: {t.main_width} main cols, {len(t.all_constraints)} constraints, "
          f"degree {t.degree}; bytecode: {len(prog.code)} instructions, "
          f"{prog.num_slots} scratch rows")
    rng = np.random.default_rng(1)
    lb = 2
    for log_n in a.logs:
        n = 1 << log_n
        tr = rng.integers(0, P, size=(n, t.main_width), dtype=np.uint64).astype(np.uint32)
        al, be, alpha = Ext(1, 2, 3, 4), Ext(5, 6, 7, 8), Ext(9, 10, 11, 12)
        pv = [1, 2, 3, 4]
        aux, cs = (generate_aux_trace(t, tr, None, pv, al, be) if t.layout.num_aux_ext
                   else (None, None))
        args = (t, log_n, coset_lde(tr, lb), None, None if aux is None else coset_lde(aux, lb),
                lb, pv, [al.to_array(), be.to_array()], cs, alpha)
        ref = None
        for m in a.methods.split(","):
            t0 = time.perf_counter()
            q = compute_quotient(*args, method=m)
            first = time.perf_counter() - t0
            best = first
            for _ in range(a.reps):
                t0 = time.perf_counter()
                compute_quotient(*args, method=m)
                best = min(best, time.perf_counter() - t0)
            same = "" if ref is None else f"  equal to {a.methods.split(',')[0]}: " \
                                          f"{np.array_equal(q, ref)}"
            ref = q if ref is None else ref
            print(f"2^{log_n} rows  {m:9s} first call {first:7.3f}s  best {best:7.3f}s{same}")
        # the evaluation alone (compute_quotient also builds the selectors and cuts Q into
        # chunks with an iNTT and NTTs: the same work for every method)
        _, zh_inv, first_, last_, trans_ = selectors_on_coset(log_n, t.log_quotient_chunks)
        N = n << t.log_quotient_chunks
        out = np.empty((N, 4), dtype=np.uint32)
        exprs = [c.expr for c in t.all_constraints]
        apow = fx.ext_powers(alpha.to_array(), len(exprs))
        best = 1e9
        for _ in range(a.reps + 1):
            t0 = time.perf_counter()
            kernels.evaluate_quotient(exprs, args[2], None, args[4], pv, args[7], cs, apow,
                                      first_, last_, trans_, zh_inv, N // n,
                                      args[2].shape[0] // N, out)
            best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        selectors_on_coset(log_n, t.log_quotient_chunks)
        sel = time.perf_counter() - t0
        print(f"2^{log_n} rows  bytecode evaluation only: {best:7.3f}s "
              f"({best / N / len(prog.code) * 1e9:.2f} ns per row-instruction); "
              f"selectors {sel:.3f}s")


if __name__ == "__main__":
    main()

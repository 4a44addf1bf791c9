"""Benchmark the BabyBear NTT and coset LDE.

Usage:  NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_ntt.py [--repeats 3]
        [--lde-width 64] [--log-n 20]

Prints the best-of-N wall time (the machine is shared, so the minimum is the figure that
reflects the code rather than the neighbours) of:
  * a 2^log_n single-column forward NTT with 1 and with 2 numba threads;
  * the batched forward NTT of the LDE width × 2^log_n (per column, per core);
  * a coset LDE of width × 2^log_n with blowup 2 (log_blowup = 1);
  * ``ext_inv`` of 2^log_n extension elements (batch inverse, parallel chunks);
  * ``coset_eval_coeffs`` of (2^log_n + 4) × width coefficients (a zk-masked trace) onto
    2^(log_n + 1) points, against the numpy "pad, scale by shift^j, ntt" formulation.
Each line gives wall and process CPU time (all threads), best of N.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from zkvm.field.babybear import P
from zkvm.field.ext import ext_inv
from zkvm.poly.ntt import coset_eval_coeffs, coset_lde, intt, ntt


def best(fn, repeats):
    """(best wall seconds, best process CPU seconds) over ``repeats`` runs.

    CPU time (all threads of this process) is less sensitive to other jobs on the shared
    machine than wall time; "per core" figures below are derived from it.
    """
    ws, cs = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        ws.append(time.perf_counter() - t)
        cs.append(time.process_time() - c)
    return min(ws), min(cs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--log-n", type=int, default=20)
    ap.add_argument("--lde-width", type=int, default=64)
    ap.add_argument("--log-blowup", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    n = 1 << args.log_n
    maxthreads = numba.config.NUMBA_NUM_THREADS

    col = rng.integers(0, P, (n, 1), dtype=np.uint32)
    # warm up (compilation, twiddle tables)
    small = rng.integers(0, P, (1 << 14, 2), dtype=np.uint32)
    ntt(small), intt(small), coset_lde(small, args.log_blowup), ntt(small[:, :1])
    coset_lde(small[:, :1], args.log_blowup)
    ntt(col), intt(col)

    for th in sorted({1, min(2, maxthreads)}):
        numba.set_num_threads(th)
        for name, fn in (("ntt ", ntt), ("intt", intt)):
            t, c = best(lambda: fn(col), args.repeats)
            print(f"{name}  2^{args.log_n} x 1 column, {th} thread(s): wall {t * 1e3:7.1f} ms, cpu {c * 1e3:7.1f} ms")

    numba.set_num_threads(maxthreads)
    w = args.lde_width
    mat = rng.integers(0, P, (n, w), dtype=np.uint32)
    t, c = best(lambda: ntt(mat), args.repeats)
    print(
        f"ntt   2^{args.log_n} x {w} columns, {maxthreads} threads: wall {t:6.3f} s, cpu {c:6.3f} s "
        f"({c / w * 1e3:.1f} ms cpu per column)"
    )
    t, c = best(lambda: coset_lde(mat, args.log_blowup), args.repeats)
    print(
        f"coset_lde 2^{args.log_n} x {w} columns, blowup 2^{args.log_blowup}, {maxthreads} threads: "
        f"wall {t:6.3f} s, cpu {c:6.3f} s ({c / w * 100:.2f} cpu-s per 100 columns)"
    )
    from zkvm.field.babybear import GENERATOR, powers

    coeffs = rng.integers(0, P, (n + 4, w), dtype=np.uint32)
    big = 2 * n

    def numpy_version():
        padded = np.zeros((big, w), dtype=np.uint32)
        pw = powers(GENERATOR, n + 4).astype(np.uint64)
        padded[: n + 4] = (coeffs.astype(np.uint64) * pw[:, None]) % P
        return ntt(padded)

    coset_eval_coeffs(coeffs[:64], 8)
    t, c = best(numpy_version, args.repeats)
    t2, c2 = best(lambda: coset_eval_coeffs(coeffs, args.log_n + 1), args.repeats)
    print(f"coeffs (2^{args.log_n}+4) x {w} -> 2^{args.log_n + 1} points: numpy pad + ntt wall {t:6.3f} s, "
          f"cpu {c:6.3f} s; coset_eval_coeffs wall {t2:6.3f} s, cpu {c2:6.3f} s")
    e = rng.integers(1, P, (n, 4), dtype=np.uint32)
    ext_inv(e[:1024])
    t, c = best(lambda: ext_inv(e), args.repeats)
    print(f"ext_inv 2^{args.log_n} elements, {maxthreads} threads: wall {t * 1e3:7.1f} ms, cpu {c * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: FRI PCS commit / open / verify time and opening-proof size.

Usage: python bench/bench_fri.py [--preset default|testing|high] [--sizes 14,16,18] [--cols 32]
One matrix of 2^k rows x cols columns per size, opened at ζ and ζ·ω (like a trace).
"""

import argparse
import time

import numpy as np

from zkvm.field.babybear import P, two_adic_generator
from zkvm.stark.params import StarkParams
from zkvm.stark.pcs import FriPcs
from zkvm.stark.transcript import Transcript


def run(params, log_n, cols, rng):
    pcs = FriPcs(params)
    mat = rng.integers(0, P, (1 << log_n, cols), dtype=np.uint32)
    t0 = time.perf_counter()
    root, data = pcs.commit([mat])
    t1 = time.perf_counter()
    tp = Transcript(b"bench")
    tp.absorb_digest("c", root)
    z = tp.sample_ext("zeta")
    zw = z * two_adic_generator(log_n)
    opened, proof = pcs.open([(data, [[z, zw]])], tp)
    t2 = time.perf_counter()
    size = len(proof.to_bytes())
    tv = Transcript(b"bench")
    tv.absorb_digest("c", root)
    tv.sample_ext("zeta")
    pcs.verify([(root, [(log_n, cols, [(z, opened[0][0][0]), (zw, opened[0][0][1])])])], proof, tv)
    t3 = time.perf_counter()
    print(f"2^{log_n} x {cols}: commit {t1 - t0:.2f} s  open {t2 - t1:.2f} s  "
          f"verify {t3 - t2:.3f} s  proof {size / 1024:.0f} KiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--sizes", default="12,16,18")
    ap.add_argument("--cols", type=int, default=32)
    a = ap.parse_args()
    params = getattr(StarkParams, a.preset)()
    print(params, f"security_bits={params.security_bits()}")
    rng = np.random.default_rng(0)
    run(params, 8, 4, rng)  # warm-up / compile
    for k in [int(x) for x in a.sizes.split(",")]:
        run(params, k, a.cols, rng)


if __name__ == "__main__":
    main()

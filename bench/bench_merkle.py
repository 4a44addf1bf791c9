"""Benchmark: SHA-256 hashing throughput and Merkle commitment time.

Usage: python bench/bench_merkle.py [--log-rows 21] [--cols 64]
Prints: leaf hashing MB/s, node compressions/s, full commit time (first run after a
warm-up call on a small tree, so numba compilation is excluded).
"""

import argparse
import time

import numpy as np

from zkvm.field.babybear import P
from zkvm.hash.sha256 import hash_pairs, hash_rows
from zkvm.merkle import MerkleTree


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-rows", type=int, default=21)
    ap.add_argument("--cols", type=int, default=64)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    MerkleTree([rng.integers(0, P, (8, 4), dtype=np.uint32)])  # warm-up / compile
    hash_rows(np.zeros((4, 4), dtype=np.uint32), 0, row_order_bitrev=True)

    n = 1 << a.log_rows
    mat = rng.integers(0, P, (n, a.cols), dtype=np.uint32)
    t = time.perf_counter()
    hash_rows(mat)
    dt = time.perf_counter() - t
    print(f"hash_rows: {n} rows x {a.cols} cols ({mat.nbytes / 1e6:.0f} MB): {dt:.2f} s, "
          f"{mat.nbytes / dt / 1e6:.0f} MB/s")
    d = rng.integers(0, 2**32, (n // 2, 8), dtype=np.uint32)
    t = time.perf_counter()
    hash_pairs(d, d, 1)
    dt = time.perf_counter() - t
    print(f"hash_pairs: {n // 2} compressions: {dt:.2f} s, {n / 2 / dt / 1e6:.2f} M/s")
    for br in (False, True):
        t = time.perf_counter()
        tree = MerkleTree([mat], bit_reversed_rows=br)
        dt = time.perf_counter() - t
        print(f"MerkleTree commit {a.cols} cols x 2^{a.log_rows} rows (bit_reversed_rows={br}): "
              f"{dt:.2f} s  root={tree.root.hex()[:16]}")


if __name__ == "__main__":
    main()

"""Benchmark: SHA-256 hashing throughput and Merkle commitment time.

Usage: NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_merkle.py
           [--log-rows 21] [--cols 64] [--repeats 3] [--threads N]

Prints best-of-N wall time and process CPU time (all threads) of:
  * leaf hashing (``hash_rows``) of a cols × 2^log_rows matrix, MB/s;
  * 2-to-1 node compressions (``hash_pairs``), M/s;
  * a full ``MerkleTree`` commit of an already-extended cols × 2^log_rows matrix
    (natural and bit-reversed row order);
  * the full "LDE + commit" of a cols × 2^(log_rows−1) trace (``coset_lde`` with blowup 2,
    then the tree over the 2^log_rows-row result), i.e. what the PCS does per commitment;
  * a tree whose second height holds two matrices (a 2^log_rows-row matrix beside two
    2^(log_rows−1)-row ones, as a proof's tables of two heights): their leaves are hashed
    from two parts, against the old way (concatenate, then hash) for comparison;
  * the same with six matrices at the second height: hashed from a reused buffer a chunk
    of rows at a time, against concatenate + hash.
Compilation is excluded (warm-up calls on small inputs first).  On a shared machine the
minimum wall time is the figure that reflects the code; CPU time is less load-sensitive.
"""

import argparse
import time

import numba
import numpy as np

from zkvm.field.babybear import P
from zkvm.hash.sha256 import hash_pairs, hash_rows
from zkvm.merkle import MerkleTree
from zkvm.poly.ntt import coset_lde


def best(fn, repeats):
    """(best wall s, best process-CPU s, last result) over ``repeats`` runs."""
    ws, cs, r = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        r = fn()
        ws.append(time.perf_counter() - t)
        cs.append(time.process_time() - c)
    return min(ws), min(cs), r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-rows", type=int, default=21)
    ap.add_argument("--cols", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="numba threads (0: default)")
    a = ap.parse_args()
    if a.threads:
        numba.set_num_threads(a.threads)
    th = numba.get_num_threads()
    rng = np.random.default_rng(0)
    MerkleTree([rng.integers(0, P, (8, 4), dtype=np.uint32)])  # warm-up / compile
    hash_rows(np.zeros((4, 4), dtype=np.uint32), 0, row_order_bitrev=True)
    hash_rows(np.zeros((4096, 4), dtype=np.uint32), 0)
    hash_pairs(np.zeros((4096, 8), dtype=np.uint32), np.zeros((4096, 8), dtype=np.uint32), 1)
    coset_lde(rng.integers(0, P, (1 << 12, a.cols), dtype=np.uint32), 1)

    n = 1 << a.log_rows
    mat = rng.integers(0, P, (n, a.cols), dtype=np.uint32)
    w, c, _ = best(lambda: hash_rows(mat), a.repeats)
    print(f"hash_rows: {n} rows x {a.cols} cols ({mat.nbytes / 1e6:.0f} MB), {th} threads: "
          f"wall {w:.2f} s ({mat.nbytes / w / 1e6:.0f} MB/s), cpu {c:.2f} s "
          f"({mat.nbytes / c / 1e6:.0f} MB/s per core)")
    d = rng.integers(0, 2**32, (n // 2, 8), dtype=np.uint32)
    w, c, _ = best(lambda: hash_pairs(d, d, 1), a.repeats)
    print(f"hash_pairs: {n // 2} compressions: wall {w:.2f} s ({n / 2 / w / 1e6:.2f} M/s), "
          f"cpu {c:.2f} s ({n / 2 / c / 1e6:.2f} M/s per core)")
    for br in (False, True):
        w, c, tree = best(lambda: MerkleTree([mat], bit_reversed_rows=br), a.repeats)
        print(f"MerkleTree commit {a.cols} cols x 2^{a.log_rows} rows (bit_reversed_rows={br}): "
              f"wall {w:.2f} s, cpu {c:.2f} s  root={tree.root.hex()[:16]}")
    trace = rng.integers(0, P, (n // 2, a.cols), dtype=np.uint32)
    w, c, _ = best(lambda: MerkleTree([coset_lde(trace, 1)], bit_reversed_rows=True), a.repeats)
    print(f"LDE (blowup 2) + commit, {a.cols} cols x 2^{a.log_rows - 1} -> 2^{a.log_rows} rows: "
          f"wall {w:.2f} s, cpu {c:.2f} s")
    lh = a.log_rows - 1
    widths = [max(1, a.cols * k // 8) for k in (6, 9, 1, 5, 8, 2)]  # a real program's tables
    for label, how, ws in (("two", "two parts", [a.cols, a.cols]), ("six", "chunked", widths)):
        group = [rng.integers(0, P, (n // 2, wi), dtype=np.uint32) for wi in ws]
        tree = MerkleTree([mat] + group, bit_reversed_rows=True)
        w, c, d2 = best(lambda: tree._leaf_hashes(lh), a.repeats)
        w0, c0, d1 = best(lambda: hash_rows(np.concatenate(group, axis=1), 0,
                                            row_order_bitrev=True), a.repeats)
        assert (d1 == d2).all()
        print(f"leaves of {label} matrices ({sum(ws)} cols) of 2^{lh} rows: {how} wall "
              f"{w:.2f} s, cpu {c:.2f} s; concatenate + hash wall {w0:.2f} s, cpu {c0:.2f} s")

if __name__ == "__main__":
    main()

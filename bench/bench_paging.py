"""Paging circuits of continuations: compressions, rows and times (docs/continuations.md §3).

Prints, for a few page-touching patterns, the number of touched pages, mem_node rows,
Poseidon2 permutations (distinct blocks = ``poseidon2`` rows, one each), the table
heights and the paging_witness time; and the MemTree.from_words / updated times for 50 000 words.

    .venv/bin/python bench/bench_paging.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..",
                                                      ".zkvm-cache", "numba"))

import numpy as np  # noqa: E402

from zkvm.chips.mem_merkle import paging_witness  # noqa: E402
from zkvm.memtree import MemTree  # noqa: E402


def best(f, k=3):
    ts = []
    for _ in range(k):
        t0 = time.perf_counter()
        r = f()
        ts.append(time.perf_counter() - t0)
    return min(ts), r


def main():
    rng = np.random.default_rng(0)
    # an entry memory: a 256 KiB program + data image and a stack
    img = (1 << 16) + 4 * np.arange(65536)
    stack = (1 << 30) - 4 - 4 * np.arange(4096)
    keys = np.concatenate([[2], img, stack]).astype(np.int64)
    vals = rng.integers(1, 1 << 32, len(keys), dtype=np.uint64)
    t, entry = best(lambda: MemTree.from_words(keys, vals))
    print(f"MemTree.from_words: {len(keys)} words ({len(entry.pages)} pages): {t * 1e3:.1f} ms")
    w50 = (rng.choice(1 << 22, 50_000, replace=False) + (1 << 14)) * 4
    v50 = rng.integers(0, 1 << 32, 50_000, dtype=np.uint64)
    t, tree50 = best(lambda: MemTree.from_words(w50, v50))
    print(f"MemTree.from_words: 50000 scattered words ({len(tree50.pages)} pages): {t * 1e3:.1f} ms")
    t, _ = best(lambda: MemTree.from_words((1 << 16) + 4 * np.arange(50_000), v50))
    print(f"MemTree.from_words: 50000 contiguous words: {t * 1e3:.1f} ms")
    t, _ = best(lambda: tree50.updated(w50[:1000], v50[:1000] + 1, salt=np.arange(16)))
    print(f"MemTree.updated: 1000 words of that tree: {t * 1e3:.1f} ms")

    patterns = {
        "1 page (+ regs)": [np.array([(1 << 16) + 0])],
        "8 scattered pages": [(1 << 16) + 64 * rng.choice(1 << 20, 8, replace=False)],
        "64 contiguous pages": [(1 << 16) + 4 * np.arange(64 * 16)],
        "64 pages, 1 word each, stack+heap": [(1 << 16) + 64 * np.arange(32), (1 << 30) - 64 * (1 + np.arange(32))],
        "1024 contiguous pages (64 KiB)": [(1 << 16) + 4 * np.arange(1024 * 16)],
    }
    print(f"\n{'pattern':38s} {'pages':>6s} {'nodes':>6s} {'compr.':>7s} {'hash rows':>10s} "
          f"{'page h':>7s} {'node h':>7s} {'tracegen':>9s}")
    for name, parts in patterns.items():
        tk = np.unique(np.concatenate([np.arange(1, 32)] + [np.asarray(p) for p in parts]).astype(np.int64))
        tv = rng.integers(0, 1 << 32, len(tk), dtype=np.uint64)
        tt = 1 + np.arange(len(tk))
        t, pw = best(lambda: paging_witness(entry, tk, tv, tt, np.arange(16)))
        th = pw.traces["poseidon2"]
        print(f"{name:38s} {len(pw.pages):6d} {pw.node_rows:6d} {pw.hash_calls:7d} {pw.hash_calls:10d} "
              f"{pw.traces['mem_page'].shape[0]:7d} {pw.traces['mem_node'].shape[0]:7d} "
              f"{t * 1e3:7.1f}ms   (poseidon2 height {th.shape[0]})")


if __name__ == "__main__":
    main()

"""Estimate (not a measurement): the receipt size if every table's committed matrices were
*stacked* -- a table of height ``h`` below the tallest table's ``H`` committed as
``⌈w/k⌉`` columns of height ``k·h`` (``k = min(2^cap, H/h)``), the polynomial
``g(X) = Σ_t X^t f_t(X^k)`` of ``k`` columns ``f_t`` -- so that a FRI query opens one value
per ``k`` columns (docs/benchmarks.md, "Session 10": the path to ≤ 200 KiB).

    .venv/bin/python bench/estimate_stacking.py ELF RECEIPT [--params default]

Exact under the design's invariants: the opened values at ζ / ζ·ω are the same per
original column (the DEEP term of a stacked matrix is ``(g(x) − I(x)) / (x^k − ζ)`` with
``I(X) = Σ_t X^t f_t(ζ)``), the Merkle trees keep their heights and the query indices
(so the sibling count is unchanged), FRI is unchanged; only every query's opened rows
shrink.  Extension-valued matrices (LogUp aux, quotient chunks) stack by whole extension
columns (4 base columns).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zkvm.machine.system import Machine  # noqa: E402
from zkvm.presets import stark_params  # noqa: E402
from zkvm.receipt import Receipt  # noqa: E402
from zkvm.stark.proof import Proof  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("elf")
    ap.add_argument("receipt")
    ap.add_argument("--params", default="default")
    args = ap.parse_args()
    params = stark_params(args.params)
    system = Machine.for_program(Path(args.elf).read_bytes(), params).system()
    raw = Path(args.receipt).read_bytes()
    proof = Proof.from_bytes(Receipt.from_bytes(raw).proof)
    lens = [[len(x) for x in o.rows] for o in proof.opening_proof.query_proofs[0].input_openings]
    hs = proof.log_heights
    live = [t for t in system.tables if hs[t.index] < 64]
    H = max(hs[t.index] for t in live)
    rounds = [[t for t in live if t.pre_width], live,
              [t for t in live if t.layout.num_aux_ext], live]
    ext_round = [False, False, True, True]
    q = params.num_queries
    total = sum(map(sum, lens))
    print(f"{args.receipt}: {len(raw)} bytes, {q} queries, tallest table 2^{H}, "
          f"{total} opened base values per query in the input rounds")
    for cap in (1, 2, 3, 4, 6):
        saved = 0
        for r, tabs in enumerate(rounds):
            for j, t in enumerate(tabs[:len(lens[r])]):
                k = 1 << min(H - hs[t.index], cap)
                w = lens[r][j]
                new = 4 * math.ceil((w // 4) / k) if ext_round[r] else math.ceil(w / k)
                saved += w - new
        size = len(raw) - 4 * saved * q
        print(f"  k ≤ 2^{cap}: {total - saved:5d} values per query, receipt ≈ {size} bytes "
              f"({size / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()

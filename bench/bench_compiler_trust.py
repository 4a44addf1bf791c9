"""The cost of caution: cycles (and estimated proving time) of every example guest per
compiler x optimisation level, as a markdown table for docs/compiler-trust.md.

    python bench/bench_compiler_trust.py [--cache .zkvm-cache/audit]

Runs ``zkvm.audit.audit`` on each example with its input files, so it also checks that
all 10 builds agree. The proving-time column is cycles / ``PROVER_CYCLES_PER_SECOND``
(zkvm.audit; measured by bench/bench_prove.py) -- "n/a" until that constant is set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from zkvm import audit as A  # noqa: E402

EXAMPLES = {  # guest -> the input files used (the first is the "typical" one)
    "fibonacci": ["input.bin", "input-10.bin"],
    "sha256": ["input-long.txt", "input.txt"],
    "battleship": ["input-hit.bin", "input-miss.bin", "input-invalid-board.bin"],
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=REPO / ".zkvm-cache" / "audit")
    args = ap.parse_args()
    specs = A.default_specs()
    rate = A.prover_cycles_per_second()
    all_ok = True
    print("| guest (input) | " + " | ".join(s.name for s in specs) + " |")
    print("|---|" + "---:|" * len(specs))
    notes = []
    for name, files in EXAMPLES.items():
        d = REPO / "examples" / name
        inputs = [A.InputCase(f, (d / f).read_bytes()) for f in files]
        report = A.audit(d, inputs, specs, cache_dir=args.cache)
        all_ok &= report.ok
        if not report.ok:
            notes.append(A.format_report(report))
        first = inputs[0].name
        cells = []
        for s in specs:
            o = report.results.get((s.name, first))
            cells.append("build failed" if o is None else (f"{o.cycles:,}" if o.kind == "exit" else o.kind))
        print(f"| {name} ({first}) | " + " | ".join(cells) + " |")
        est = []
        for s in specs:
            o = report.results.get((s.name, first))
            est.append(A.format_seconds(A.estimate_proving_seconds(o.cycles, rate)) if o and o.kind == "exit" else "-")
        print(f"| &nbsp;&nbsp;est. proving time | " + " | ".join(est) + " |")
        sizes = [f"{b.size:,}" if b.ok else "-" for b in report.builds]
        print(f"| &nbsp;&nbsp;ELF bytes | " + " | ".join(sizes) + " |")
    print()
    print(f"prover rate: {rate:,.0f} cycles/s" if rate else
          "prover rate: not measured yet (zkvm.audit.PROVER_CYCLES_PER_SECOND is None)")
    print("all builds agree on all inputs" if all_ok else "DISAGREEMENT:\n" + "\n\n".join(notes))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())

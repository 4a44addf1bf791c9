#!/usr/bin/env python3
"""Differential testing of both guest compilers and the zkvm executor on csmith programs.

    python tools/csmith_audit.py --count 20 [--seed 1000] [--keep csmith-failures]
                                 [--compilers zig,gcc] [--levels 0,1,2,3,s]

For each seed: generate a random C program with Debian's csmith (freestanding-friendly
options, zkvm.audit.CSMITH_OPTIONS) and our runtime header tools/csmith/csmith.h (the
checksum goes to the journal), build it with every compiler x level, run every distinct
ELF in the zkvm executor AND under qemu-riscv32, and compare checksums:

* executor-vs-qemu -- the same ELF ran differently: a zkvm executor bug;
* build-vs-build   -- builds of the same source disagree: a compiler bug, or undefined
                      behaviour csmith did not exclude (reduce it before reporting).

Every disagreeing program is kept in ``--keep/seed-<seed>/`` (prog.c + csmith.h, a guest
directory) with a ``REPRODUCE`` file holding the command that re-runs it. Exit code: 0 no
disagreement, 1 at least one, 2 the tools are missing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from zkvm import audit as A  # the installed package (scripts/setup.sh: .venv)

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", "-n", type=int, default=20, help="programs to generate [20]")
    ap.add_argument("--seed", type=int, default=1, help="first csmith seed; program i uses seed+i [1]")
    ap.add_argument("--keep", type=Path, default=Path("csmith-failures"), help="where disagreeing programs go")
    ap.add_argument("--compilers", default=",".join(A.COMPILERS))
    ap.add_argument("--levels", default=",".join(A.LEVELS))
    ap.add_argument("--max-cycles", type=int, default=10_000_000)
    ap.add_argument("--qemu-timeout", type=float, default=10.0)
    ap.add_argument("--jobs", "-j", type=int, default=2)
    args = ap.parse_args(argv)

    missing = [t for t in ("csmith", A.QEMU) if shutil.which(t) is None]
    if missing:
        print(f"error: not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    specs = A.default_specs(args.compilers.split(","), args.levels.split(","))
    counts: dict[str, int] = {}
    bad = []
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="zkvm-csmith-") as tmp:
        for i in range(args.count):
            seed = args.seed + i
            prog = A.generate_csmith(seed, Path(tmp) / f"seed-{seed}")
            res = A.csmith_check(
                prog, specs, seed=seed, max_cycles=args.max_cycles, qemu_timeout_s=args.qemu_timeout,
                cache_dir=Path(tmp) / "cache", jobs=args.jobs,
            )
            counts[res.verdict] = counts.get(res.verdict, 0) + 1
            print(res.describe().splitlines()[0], flush=True)
            if res.verdict in ("executor-vs-qemu", "build-vs-build"):
                keep = args.keep / f"seed-{seed}"
                keep.mkdir(parents=True, exist_ok=True)
                for name in ("prog.c", "csmith.h"):
                    shutil.copyfile(prog / name, keep / name)
                (keep / "REPORT").write_text(A.format_report(res.report) + "\n")
                (keep / "REPRODUCE").write_text(
                    f"# {res.verdict}\n"
                    f"zkvm audit {keep} --input /dev/null --qemu"
                    f" --compilers {args.compilers} --levels {args.levels}\n"
                    f"# or regenerate: python tools/csmith_audit.py --seed {seed} --count 1\n"
                )
                bad.append((seed, res))
                print("\n".join("    " + line for line in res.describe().splitlines()[1:]), flush=True)
    dt = time.time() - t0
    print()
    print(f"{args.count} programs in {dt:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for seed, res in bad:
        kind = "zkvm BUG" if res.verdict == "executor-vs-qemu" else "compiler bug or UB"
        print(f"  seed {seed}: {res.verdict} ({kind}) -> {args.keep / f'seed-{seed}'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: start-up of ``zkvm run`` on a small guest (a fresh process each time).

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_startup.py [--runs 10]
        [--elf out/fibonacci.elf --input examples/fibonacci/input.bin]

Prints the wall time of every run (best, median), the load average, and the largest
imports of one run (``python -X importtime``).  Builds ``examples/fibonacci`` into
``out/`` first if the ELF is missing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ZKVM = os.path.join(ROOT, ".venv", "bin", "zkvm")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--elf", default=os.path.join(ROOT, "out", "fibonacci.elf"))
    ap.add_argument("--input", default=os.path.join(ROOT, "examples", "fibonacci", "input.bin"))
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".zkvm-cache", "numba"))
    if not os.path.exists(args.elf):
        subprocess.run([ZKVM, "build", os.path.join(ROOT, "examples", "fibonacci"), "-o", args.elf],
                       check=True, env=env, capture_output=True)
    cmd = [ZKVM, "run", args.elf, "--input", args.input]
    subprocess.run(cmd, check=True, env=env, capture_output=True)  # warm the page cache
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, capture_output=True)
        times.append(time.perf_counter() - t0)
    print(f"zkvm run {os.path.basename(args.elf)}: best {min(times):.3f} s, median "
          f"{statistics.median(times):.3f} s over {args.runs} runs (load {os.getloadavg()[0]:.2f})")
    code = ("import sys; sys.argv = ['zkvm', 'run', %r, '--input', %r]\n"
            "from zkvm.entry import main\ntry:\n    main()\nexcept SystemExit:\n    pass") % (
                args.elf, args.input)
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env,
                       capture_output=True, text=True)
    rows = []
    for line in p.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line.split("|")
            if cum.strip().isdigit() and not name.startswith("  "):
                rows.append((int(cum), name.strip()))
    rows.sort(reverse=True)
    print("top-level imports (cumulative ms): " +
          ", ".join(f"{n} {c / 1000:.0f}" for c, n in rows[:8]))


if __name__ == "__main__":
    main()

"""Continuation segments of a real C program: steps, paging work, trace cells, peak RSS.

Plans ``tests/guests/programs/csvstats`` on ``--rows`` CSV rows (the input of
tests/guests/test_real_programs.py) with :func:`zkvm.continuation.plan` and prints, per
segment: EXEC steps, the splitter's paging measure (``SegmentStart.paging``: touched
pages + tree nodes, twice where non-zero at entry, + 25), the ``mem_page`` / ``mem_node``
rows, the HASH sends (six per page row, two per node row) and the Poseidon2 permutations
the prover generates (one ``poseidon2`` row per distinct block), the largest tables and the trace cells (sum of height x width of
every table of the segment's STARK but the fixed ``bytes`` table).  With ``--rss`` every segment
is also proven for real, each in its own process under ``nice -n 5`` (which reports its
peak RSS, ``ru_maxrss``), printing its peak RSS and wall time, and per STARK phase its
time and the peak RSS when it ended (``Timings.peaks``: where the proof peaked).

    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python bench/bench_segment_cost.py \\
        [--rows 130] [--segment-po2 20] [--params default] [--rss] [--guest csvstats|walker]
        [--elf out/csvstats.elf]
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".zkvm-cache" / "numba"))
sys.path.insert(0, str(ROOT))


def csv_rows(n: int, seed: int = 5) -> bytes:
    import random

    r = random.Random(seed)
    keys = ["apple", "pear", "fig", "kiwi", "plum", "lime", "date", "yuzu"]
    return "".join(f"{r.choice(keys)},{r.uniform(-50, 100):.3f}\n" for _ in range(n)).encode()


def segment_tables(job):
    """``(traces, paging witness, steps)`` of one job, without proving."""
    from zkvm.continuation import _machine
    from zkvm.machine.segments import salt_words
    from zkvm.memtree import MemTree
    from zkvm.riscv.segments import run_segment

    m = _machine(job.elf, job.params, job.chips)
    st = job.start
    res = run_segment(m.program, st, record=True)
    keys, vals = st.memory_words()
    entry = MemTree.from_words(keys, vals, salt=salt_words(job.salt_in))
    _, traces, paging = m.segment_traces(res, (keys, vals), entry, salt_words(job.salt_out),
                                         st.journal_len, st.halts)
    return traces, paging


def prove_one(path: str) -> None:
    from zkvm import threads

    threads.configure()
    from zkvm import heap
    from zkvm.continuation import prove_segment_job

    with open(path, "rb") as f:
        job = pickle.load(f)
    t0 = time.perf_counter()
    tm: dict = {}
    rec = prove_segment_job(job, timings=tm)
    phases = ", ".join(f"{k} {v:.2f} s / {tm['prove_peaks'][k] / 2**30:.2f} GiB"
                       for k, v in tm["prove_phases"].items())
    print(f"proved segment {job.start.index} in {time.perf_counter() - t0:.1f} s, "
          f"proof {len(rec.proof)} bytes; phase: time / peak RSS so far: {phases}", flush=True)
    print(f"peak_rss_kib {heap.peak_rss_bytes() // 1024}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=130)
    ap.add_argument("--segment-po2", type=int, default=20)
    ap.add_argument("--params", default="default", choices=["default", "testing"])
    ap.add_argument("--guest", default="csvstats", choices=["csvstats", "walker"])
    ap.add_argument("--walker-log-cycles", type=int, default=21)
    ap.add_argument("--rss", action="store_true", help="prove every segment (one process each)")
    ap.add_argument("--only", type=int, nargs="*", help="with --rss: only these segments")
    ap.add_argument("--elf", help="csvstats: this prebuilt ELF (a machine without the "
                    "toolchain; `zkvm build tests/guests/programs/csvstats -o FILE`)")
    ap.add_argument("--prove-one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prove_one:
        return prove_one(args.prove_one)

    from zkvm import continuation
    from zkvm.stark.params import StarkParams

    params = StarkParams.testing() if args.params == "testing" else StarkParams.default()
    if args.guest == "csvstats":
        if args.elf:
            elf = Path(args.elf).read_bytes()
        else:
            from tests.support.elfs import build_cached

            elf = build_cached(ROOT / "tests/guests/programs/csvstats",
                               name="csvstats").read_bytes()
        data = csv_rows(args.rows)
        chips = None
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_continuation import CHIPS, walker_words
        from zkvm.riscv.layout import Program

        elf = Program.from_words(walker_words(1 << args.walker_log_cycles))
        data, chips = b"", CHIPS
    t0 = time.perf_counter()
    jobs = continuation.plan(elf, data, params, args.segment_po2, chips=chips)
    print(f"guest {args.guest}, segment_po2 {args.segment_po2}, params {args.params}: "
          f"{len(jobs)} segments, {sum(j.start.cycles for j in jobs)} cycles "
          f"(plan {time.perf_counter() - t0:.1f} s)")
    print(f"{'seg':>3} {'steps':>8} {'measure':>7} {'pages':>6} {'nodes':>6} {'sends':>6} {'compr':>6} "
          f"{'hash rows':>9} {'cells M':>8} {'paging %':>8}  largest tables")
    tot = 0
    for j in jobs:
        traces, pw = segment_tables(j)
        cells = {k: int(v.shape[0]) * int(v.shape[1]) for k, v in traces.items()}
        total = sum(cells.values())
        tot += total
        pag = sum(cells[k] for k in ("mem_page", "mem_node", "poseidon2"))
        big = sorted(((v.shape[0], k) for k, v in traces.items()), reverse=True)[:4]
        units = getattr(j.start, "paging", -1)
        print(f"{j.start.index:3d} {j.start.steps:8d} {units:7d} {len(pw.pages):6d} {pw.node_rows:6d} "
              f"{pw.sends:6d} {pw.hash_calls:6d} {traces['poseidon2'].shape[0]:9d} {total / 1e6:8.1f} "
              f"{100 * pag / total:7.0f}%  " + ", ".join(f"{k} 2^{h.bit_length() - 1}" for h, k in big),
              flush=True)
    print(f"total cells {tot / 1e6:.1f} M")
    if not args.rss:
        return
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as td:
        total_wall = 0.0
        for j in jobs:
            if args.only and j.start.index not in args.only:
                continue
            p = os.path.join(td, f"job{j.start.index}.pkl")
            with open(p, "wb") as f:
                pickle.dump(j, f)
            cmd = ["nice", "-n", "5", sys.executable, __file__, "--prove-one", p]
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            total_wall += wall
            rss = re.search(r"^peak_rss_kib (\d+)$", r.stdout, re.M)
            if r.returncode or not rss:
                print(r.stdout, r.stderr[-3000:])
                raise SystemExit(f"segment {j.start.index}: prover failed")
            up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
            said = r.stdout[:rss.start()].strip()
            print(f"segment {j.start.index}: peak RSS {int(rss.group(1)) / 2**20:.2f} GiB, "
                  f"wall {wall:.1f} s ({said}); {up}", flush=True)
        print(f"total proving wall {total_wall:.1f} s")


if __name__ == "__main__":
    main()

"""Precompile benchmarks: cycles with and without the SHA-256 / Keccak precompiles, and the
cost of proving the SHA-256 precompile table.

    python bench/bench_precompiles.py                 # cycles + sha256 chip proof, 1 KiB
    python bench/bench_precompiles.py --prove-kib 64  # also prove the 64 KiB chip table
    python bench/bench_precompiles.py --machine       # also prove the plain-C 1 KiB guest

Figures printed:
* RV32IM cycles of examples/sha256-precompile and examples/keccak256, built with and
  without ``ZKVM_NO_PRECOMPILES``, and the precompile calls (the 64 KiB plain-C run is
  executed, not proven);
* the standalone ``sha256`` precompile table (chip + round table + Bytes, memory and the
  ecall hand-off as public interactions, tests/chips/test_precompile_sha256.py's harness):
  rows, main cells, proving time (numpy quotient path) and proof size;
* with ``--machine``: the full RV32IM machine proof of the plain-C guest (C1's machine),
  for comparison. The precompile variant cannot be proven end to end until the Syscall
  chip dispatches to the PRECOMPILE bus (docs/circuits.md §11.1).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".zkvm-cache" / "numba"))

REPO = Path(__file__).resolve().parents[1]


def elf(name, plain):
    from zkvm.toolchain import cached_build

    return cached_build(REPO / "examples" / name, REPO / ".zkvm-cache" / "elf",
                        name=name + ("-plain" if plain else ""),
                        extra_defines=["ZKVM_NO_PRECOMPILES"] if plain else [])


def cycles_table():
    from zkvm import api

    rows = []
    for name, kib in (("sha256-precompile", 1), ("sha256-precompile", 64), ("keccak256", 1)):
        data = random.Random(kib).randbytes(kib * 1024)
        res = {}
        for plain in (False, True):
            t0 = time.perf_counter()
            r = api.run(elf(name, plain), data, max_cycles=1 << 28)
            res[plain] = (r, time.perf_counter() - t0)
        (rp, tp), (rc, tc) = res[False], res[True]
        assert rp.journal == rc.journal
        rows.append((name, kib, rc.cycles, rp.cycles, rp.precompile_calls, tc, tp))
    print("| guest | input | cycles plain C | cycles with precompile | precompile calls | exec plain / precompile (s) |")
    print("|---|---|---|---|---|---|")
    for name, kib, c, p, calls, tc, tp in rows:
        print(f"| {name} | {kib} KiB | {c:,} | {p:,} | {calls} | {tc:.2f} / {tp:.2f} |")
    return rows


def prove_chip(kib: int):
    from zkvm.stark import prover, verifier
    from zkvm.stark.params import StarkParams

    sys.path.insert(0, str(REPO / "tests" / "chips"))
    from test_precompile_sha256 import Harness  # noqa: E402

    from zkvm.riscv import execute, load_elf

    data = random.Random(kib).randbytes(kib * 1024)
    r = execute(load_elf(elf("sha256-precompile", False).read_bytes()), data, record=True)
    calls = r.precompile_events.sha256
    params = StarkParams.default()
    h = Harness(calls, params)
    t0 = time.perf_counter()
    traces = h.traces()
    t_tr = time.perf_counter() - t0
    pk, vk = h.system.setup()
    t0 = time.perf_counter()
    proof = prover.prove(pk, traces, [0], debug=False)
    t_pr = time.perf_counter() - t0
    verifier.verify(vk, proof, [0])
    size = len(proof.to_bytes())
    rows = traces[0].shape[0]
    print(f"sha256 chip, {kib} KiB ({len(calls)} calls): table {rows} rows x {traces[0].shape[1]} "
          f"cols = {rows * traces[0].shape[1] / 1e6:.1f} M cells; tracegen {t_tr:.2f} s, "
          f"prove {t_pr:.1f} s (default params, numpy quotient), proof {size / 1024:.0f} KiB")


def prove_machine_plain():
    from zkvm.chips.machine import prove

    data = random.Random(1).randbytes(1024)
    tm = {}
    t0 = time.perf_counter()
    rec = prove(elf("sha256-precompile", True).read_bytes(), data, timings=tm)
    print(f"machine proof, plain C SHA-256 of 1 KiB: {tm.get('cycles')} cycles, "
          f"{time.perf_counter() - t0:.1f} s, receipt {len(rec.to_bytes()) / 1024:.0f} KiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prove-kib", type=int, action="append", default=None)
    ap.add_argument("--machine", action="store_true")
    a = ap.parse_args()
    cycles_table()
    for kib in a.prove_kib or [1]:
        prove_chip(kib)
    if a.machine:
        prove_machine_plain()


if __name__ == "__main__":
    main()

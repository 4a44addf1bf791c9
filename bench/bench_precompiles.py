"""Precompile benchmarks: cycles with and without the SHA-256 / Keccak precompiles, the
cost of proving the SHA-256 precompile table, and Keccak-256 proofs.

    python -m bench.bench_precompiles                 # cycles + sha256 chip proof, 1 KiB
    python -m bench.bench_precompiles --prove-kib 64  # also prove the 64 KiB chip table
    python -m bench.bench_precompiles --machine       # also prove the plain-C 1 KiB guest
    python -m bench.bench_precompiles --keccak [--params testing]  # only the Keccak figures
    python -m bench.bench_precompiles --sha-segments 64  # SHA-256 64 KiB, both proven (continuations)

Figures printed:
* RV32IM cycles of examples/sha256-precompile and examples/keccak256, built with and
  without ``ZKVM_NO_PRECOMPILES``, and the precompile calls (the 64 KiB plain-C run is
  executed, not proven);
* the standalone ``sha256`` precompile table (chip + round table + Bytes, memory and the
  ecall hand-off as public interactions, tests/precompiles/sha256/test_sha256_air.py's harness):
  rows, main cells, proving time (numpy quotient path) and proof size;
* with ``--machine``: the full RV32IM machine proof of the plain-C guest (C1's machine),
  for comparison;
* Keccak: machine proofs of an asm guest making 0, 1 and 8 KECCAK_F1600 calls (the
  ``keccak`` table's marginal cost), and examples/keccak256 on 1 KiB with and without
  the precompile (cycles, proving time, receipt size). The precompile variant cannot be proven end to end until the Syscall
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

    # run from the repository root as `python -m bench.bench_precompiles` (tests.*)
    from tests.precompiles.sha256.test_sha256_air import Harness  # noqa: E402

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
    from zkvm.machine import prove

    data = random.Random(1).randbytes(1024)
    tm = {}
    t0 = time.perf_counter()
    rec = prove(elf("sha256-precompile", True).read_bytes(), data, timings=tm)
    print(f"machine proof, plain C SHA-256 of 1 KiB: {tm.get('cycles')} cycles, "
          f"{time.perf_counter() - t0:.1f} s, receipt {len(rec.to_bytes()) / 1024:.0f} KiB")


def prove_keccak_1kib(params_name: str = "default"):
    """examples/keccak256 on 1 KiB, with and without the precompile: cycles, proving
    time of the whole machine proof, receipt size (and the keccak table's shape)."""
    from zkvm.machine import Machine
    from zkvm.stark.params import StarkParams

    params = StarkParams.testing() if params_name == "testing" else StarkParams.default()
    data = random.Random(1).randbytes(1024)
    print(f"| Keccak-256 of 1 KiB ({params_name} params) | cycles | keccak_f1600 calls "
          "| keccak rows | prove (s) | receipt (KiB) |")
    print("|---|---|---|---|---|---|")
    for plain in (False, True):
        m = Machine.for_program(elf("keccak256", plain).read_bytes(), params)
        r = m.execute(data)
        tm = {}
        t0 = time.perf_counter()
        rec = m.prove(result=r, timings=tm)
        dt = time.perf_counter() - t0
        calls = r.precompile_calls.get("keccak_f1600", 0)
        name = "plain C (-DZKVM_NO_PRECOMPILES)" if plain else "precompile"
        print(f"| {name} | {r.cycles:,} | {calls} | {24 * calls} | {dt:.1f} "
              f"| {len(rec.to_bytes()) / 1024:.0f} |")


def prove_keccak_calls(ncalls=(1, 8), params_name: str = "testing"):
    """Machine proof of an asm guest making ``n`` KECCAK_F1600 calls (the keccak table
    dominates): proving time per n, to isolate the chip's cost."""
    from zkvm.machine import Machine
    from zkvm.precompiles.keccak.air import SYS_KECCAK_F1600
    from zkvm.riscv.asm import encode, li
    from zkvm.riscv.testing import SCRATCH, program
    from zkvm.stark.params import StarkParams

    params = StarkParams.testing() if params_name == "testing" else StarkParams.default()
    for n in (0, *ncalls):
        words = []
        for _ in range(n):
            words += li(10, SCRATCH) + li(17, SYS_KECCAK_F1600) + [encode("ecall")]
        m = Machine.for_program(program(words, 0), params)
        r = m.execute()
        m.prove(result=r)  # warm-up (numba, caches)
        tm = {}
        t0 = time.perf_counter()
        rec = m.prove(result=r, timings=tm)
        dt = time.perf_counter() - t0
        print(f"asm guest, {n} keccak_f1600 call(s) ({params_name} params): machine proof "
              f"{dt:.2f} s (cycles {r.cycles}), receipt {len(rec.to_bytes()) / 1024:.0f} KiB")


def prove_sha_segments(kib: int, params_name: str = "default", segment_po2: int = 20):
    """SHA-256 of ``kib`` KiB, plain C vs precompile, both proven end to end with
    continuations (one process, segments of 2^segment_po2 steps) and verified."""
    from zkvm import api, continuation
    from zkvm.machine import verify_composite

    data = random.Random(kib).randbytes(kib * 1024)
    params = api.stark_params(params_name)
    res = {}
    for plain in (False, True):
        e = Path(elf("sha256-precompile", plain)).read_bytes()
        run = api.run(e, data, max_cycles=1 << 28)
        t0 = time.perf_counter()
        rec = continuation.prove_segments(e, data, params, segment_po2=segment_po2)
        dt = time.perf_counter() - t0
        blob = rec.to_bytes()
        t1 = time.perf_counter()
        iid = api.image_id(e, params=params_name)
        assert verify_composite(blob, iid)[1] == run.journal
        tv = time.perf_counter() - t1
        res[plain] = (run.cycles, dict(run.precompile_calls), len(rec.segments), dt, len(blob), tv)
        print(f"sha256 {kib} KiB {'plain C   ' if plain else 'precompile'}: {run.cycles} cycles, "
              f"calls {dict(run.precompile_calls)}, {len(rec.segments)} segment(s), prove "
              f"{dt:.1f} s, receipt {len(blob) / 1024:.0f} KiB, verify {tv:.2f} s "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"speed-up of proving with the precompile: {res[True][3] / res[False][3]:.1f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sha-segments", type=int, metavar="KIB", default=None,
                    help="only: SHA-256 of KIB KiB, plain C vs precompile, proven with "
                         "continuations")
    ap.add_argument("--prove-kib", type=int, action="append", default=None)
    ap.add_argument("--machine", action="store_true")
    ap.add_argument("--keccak", action="store_true",
                    help="only the Keccak figures (1 KiB with/without precompile, 0/1/8 calls)")
    ap.add_argument("--params", default="default", choices=("default", "testing"))
    a = ap.parse_args()
    if a.sha_segments:
        prove_sha_segments(a.sha_segments, a.params)
        return
    if a.keccak:
        prove_keccak_calls(params_name=a.params)
        prove_keccak_1kib(a.params)
        return
    cycles_table()
    for kib in a.prove_kib or [1]:
        prove_chip(kib)
    if a.machine:
        prove_machine_plain()
    prove_keccak_calls(params_name=a.params)
    prove_keccak_1kib(a.params)


if __name__ == "__main__":
    main()

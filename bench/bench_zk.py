"""Cost of zero knowledge: prove time and proof size with and without masking.

Usage: python bench/bench_zk.py [--runs R] [log_rows ...]   (default: 14 16, 3 runs)

Same AIR as bench_stark.py (65 main columns, degree-3 constraints, 4 LogUp
interactions; one table, so no claimed-sum blinding ring).  Compares
``StarkParams.default(zk=True)`` (43 queries, hiding salted commitments, randomised
quotient chunks evaluated on the split domain, DEEP masking polynomial in the quotient
commitment, final FRI polynomial of 65 coefficients) with
``StarkParams.default(zk=False)`` (42 queries; both ≥ 100 conjectured bits), and also the
classic mode at 43 queries to separate the cost of the extra query.  Proofs of the modes
are interleaved and the best of ``R`` runs is reported (CPU time as well as wall time:
the machine is shared; the load average is printed with each size).
"""

from __future__ import annotations

import os
import sys
import time


from bench_stark import WideAir, make_trace  # noqa: E402

from zkvm.stark.params import StarkParams  # noqa: E402
from zkvm.stark.prover import Timings, prove  # noqa: E402
from zkvm.stark.system import StarkSystem  # noqa: E402
from zkvm.stark.verifier import verify  # noqa: E402


def main(logs, runs):
    modes = {
        "no-zk (42 q)": StarkParams.default(zk=False),
        "no-zk (43 q)": StarkParams(**{**StarkParams.default(zk=False).__dict__,
                                       "num_queries": 43}),
        "zk (43 q)": StarkParams.default(zk=True),
    }
    keys = {}
    for name, params in modes.items():
        keys[name] = StarkSystem([WideAir()], params).setup()
        prove(keys[name][0], [make_trace(10)], [], debug=False)  # warm-up / compile
        print(f"{name:14s} security_bits={params.security_bits()}")
    for log_n in logs:
        trace = make_trace(log_n)
        best = {n: (float("inf"), float("inf"), None, None) for n in modes}
        for _ in range(runs):
            for name in modes:
                pk, vk = keys[name]
                tm = Timings()
                t0, c0 = time.perf_counter(), time.process_time()
                proof = prove(pk, [trace], [], debug=False, timings=tm)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                data = proof.to_bytes()
                res = verify(vk, data, [])
                assert res.zk == modes[name].zk
                if wall < best[name][0]:
                    best[name] = (wall, min(cpu, best[name][1]), len(data), dict(tm))
                else:
                    best[name] = (best[name][0], min(cpu, best[name][1]), len(data),
                                  best[name][3])
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n2^{log_n} rows x {trace.shape[1]} cols (best of {runs}; load average "
              f"after the runs: {load}):")
        base = best["no-zk (42 q)"]
        for name, (wall, cpu, size, tm) in best.items():
            print(f"  {name:14s} prove {wall:6.2f} s wall ({100 * (wall / base[0] - 1):+5.1f} %), "
                  f"{cpu:6.2f} s CPU ({100 * (cpu / base[1] - 1):+5.1f} %), "
                  f"proof {size / 1024:6.1f} KiB ({100 * (size / base[2] - 1):+5.1f} %)")
            print("      phases: " + ", ".join(f"{k} {v:.2f}" for k, v in tm.items()))


if __name__ == "__main__":
    os.environ.setdefault("NUMBA_CACHE_DIR", ".zkvm-cache/numba")
    args = sys.argv[1:]
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    main([int(a) for a in args] or [14, 16], runs)

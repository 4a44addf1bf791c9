"""Benchmark of the STARK engine on a wide synthetic AIR.

Usage: python bench/bench_stark.py [log_rows ...]   (default: 16 18)

The AIR has 65 main columns: 32 free columns x_i, 32 columns y_i = x_i·x_{i+1}·x_{i+2}
(degree-3 constraints), an accumulator z' = z + x_0 (transition) with z_0 = 0, and 4
LogUp interactions (2 sends, 2 receives of (x_i, y_i) on one bus, balancing inside the
table).  Prints prove/verify time, proof size, peak RSS and the prover's phase split;
the LDE share of the commit phases is measured by re-running coset_lde on the same
matrices (commit = LDE + Merkle hashing).
"""

from __future__ import annotations

import os
import resource
import sys
import time

import numpy as np

from zkvm.field.babybear import P
from zkvm.poly.ntt import coset_lde
from zkvm.stark.air import Air, Bus, Columns
from zkvm.stark.params import StarkParams
from zkvm.stark.prover import Timings, prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.verifier import verify

K = 32
BUS = Bus(id=99, name="bench", width=2)


class WideAir(Air):
    name = "wide"
    columns = Columns(("x", K), ("y", K), "z")
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        x, y = loc.x, loc.y
        for i in range(K):
            b.assert_eq(y[i], x[i] * x[(i + 1) % K] * x[(i + 2) % K], f"cube[{i}]")
        b.when_first_row().assert_zero(loc.z, "z_first")
        b.when_transition().assert_eq(nxt.z, loc.z + x[0], "z_step")
        for i in range(2):
            b.send(BUS, [x[i], y[i]], name=f"send{i}")
            b.receive(BUS, [x[i], y[i]], name=f"recv{i}")


def make_trace(log_n: int, seed: int = 1) -> np.ndarray:
    n = 1 << log_n
    rng = np.random.default_rng(seed)
    t = WideAir.columns.new_trace(n)
    v = WideAir.columns.view(t)
    x = rng.integers(0, P, size=(n, K), dtype=np.uint64)
    v.x[:] = x
    x1 = np.roll(x, -1, axis=1)
    x2 = np.roll(x, -2, axis=1)
    v.y[:] = (x * x1 % P) * x2 % P
    z = np.concatenate([[0], np.cumsum(x[:-1, 0]) % P])
    v.z[:] = z
    return t


def main(logs):
    params = StarkParams.default()
    system = StarkSystem([WideAir()], params)
    pk, vk = system.setup()
    # warm-up (numba compilation) on a small trace
    prove(pk, [make_trace(10)], [], debug=False)
    print(f"params: {params}  security_bits={params.security_bits()}")
    for log_n in logs:
        trace = make_trace(log_n)
        tm = Timings()
        t0 = time.perf_counter()
        proof = prove(pk, [trace], [], debug=False, timings=tm)
        t_prove = time.perf_counter() - t0
        data = proof.to_bytes()
        t0 = time.perf_counter()
        verify(vk, data, [])
        t_verify = time.perf_counter() - t0
        # LDE share of the commit phases
        t0 = time.perf_counter()
        coset_lde(trace, params.log_blowup)
        t_lde_main = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n2^{log_n} rows x {trace.shape[1]} cols: prove {t_prove:.2f} s, "
              f"verify {t_verify * 1000:.0f} ms, proof {len(data) / 1024:.1f} KiB, "
              f"peak RSS {rss:.0f} MiB")
        for k, v in tm.items():
            print(f"  {k:16s} {v:7.2f} s  {100 * v / t_prove:5.1f} %")
        print(f"  (LDE of the main trace alone: {t_lde_main:.2f} s)")
        print("  proof sections:", proof.size_breakdown())


if __name__ == "__main__":
    os.environ.setdefault("NUMBA_CACHE_DIR", ".zkvm-cache/numba")
    main([int(a) for a in sys.argv[1:]] or [16, 18])

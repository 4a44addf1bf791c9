"""Overheads of zkvm.distributed: local spawn pool, forkserver, Dask LocalCluster.

Prints figures (no assertions).  Run:
    NUMBA_CACHE_DIR=.zkvm-cache/numba .venv/bin/python -m bench.bench_distributed [--alloc-mib 256]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# run from the repository root as `python -m bench.bench_distributed` (tests.support)

from tests.support import dist_jobs as tj  # noqa: E402

from zkvm.distributed import run_jobs, run_jobs_detailed  # noqa: E402

MIB = 1 << 20


def t(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def pool_first_result(method: str, workers: int) -> float:
    ctx = multiprocessing.get_context(method)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        list(pool.map(tj.noop_job, range(workers)))
        first = time.perf_counter() - t0
    return first


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--alloc-mib", type=int, default=256)
    ap.add_argument("--no-dask", action="store_true")
    a = ap.parse_args()
    w, n = a.workers, a.jobs
    print(f"workers={w} jobs={n} cpus={multiprocessing.cpu_count()}")

    dt, _ = t(lambda: run_jobs(tj.noop_job, list(range(n))))
    print(f"inline      per-job overhead            {dt / n * 1e6:8.1f} us")

    for method in ("spawn", "forkserver"):
        pool_first_result(method, w)  # forkserver: its server starts on first use
        first = min(pool_first_result(method, w) for _ in range(3))
        print(f"{method:10s}  pool start-up ({w} procs, no-op) {first * 1e3:8.1f} ms")

    big_n = 10 * n  # start-up noise (~0.1 s) must be small against the jobs' total
    dt_small = min(t(lambda: run_jobs(tj.noop_job, list(range(w)), workers=w))[0] for _ in range(3))
    dt_big, _ = t(lambda: run_jobs(tj.noop_job, list(range(big_n)), workers=w))
    print(f"run_jobs    pool start-up ({w} jobs)          {dt_small * 1e3:8.1f} ms")
    print(f"run_jobs    pool per-job overhead         {(dt_big - dt_small) / (big_n - w) * 1e3:8.2f} ms"
          f" ({big_n} no-op jobs)")
    dt, imp = t(lambda: run_jobs(tj.import_job, ["zkvm.machine"] * w, workers=w))
    print(f"run_jobs    pool start + import machine  {dt * 1e3:8.1f} ms (import {max(imp) * 1e3:.0f} ms)")

    mib = a.alloc_mib
    base = run_jobs_detailed(tj.noop_job, [0] * w, workers=w)
    big = run_jobs_detailed(tj.alloc_job, [mib] * w, workers=w)
    print(f"peak RSS    pool worker, no-op            {max(o.peak_rss for o in base) / MIB:8.1f} MiB")
    print(f"peak RSS    pool worker, alloc {mib} MiB   " + ", ".join(
        f"{o.peak_rss / MIB:.1f}" for o in big) + " MiB")

    if a.no_dask:
        return
    import distributed

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    client = distributed.Client(cluster, set_as_default=False)
    client.wait_for_workers(w)
    start = time.perf_counter() - t0
    try:
        print(f"dask        LocalCluster start-up ({w} w)    {start * 1e3:8.1f} ms")
        run_jobs(tj.noop_job, list(range(w)), client=client)  # warm
        dt_small, _ = t(lambda: run_jobs(tj.noop_job, list(range(w)), client=client))
        dt_big, _ = t(lambda: run_jobs(tj.noop_job, list(range(n)), client=client))
        print(f"dask        round trip ({w} jobs)             {dt_small * 1e3:8.1f} ms")
        print(f"dask        per-job overhead              {(dt_big - dt_small) / (n - w) * 1e3:8.2f} ms")
        dt, _ = t(lambda: run_jobs(tj.noop_job, list(range(w)), dask_address=cluster.scheduler_address))
        print(f"dask        connect by address + {w} jobs     {dt * 1e3:8.1f} ms")
        base = run_jobs_detailed(tj.noop_job, [0] * w, client=client)
        big = run_jobs_detailed(tj.alloc_job, [mib] * (2 * w), client=client)
        print(f"peak RSS    dask worker, no-op            {max(o.peak_rss for o in base) / MIB:8.1f} MiB")
        print(f"peak RSS    dask worker, alloc {mib} MiB   " + ", ".join(
            f"{o.worker.rsplit(':', 1)[1]}={o.peak_rss / MIB:.1f}" for o in big) + " MiB")
    finally:
        t0 = time.perf_counter()
        client.close()
        cluster.close()
        print(f"dask        LocalCluster close            {(time.perf_counter() - t0) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()

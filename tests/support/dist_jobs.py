"""Toy job functions for the distributed tests and bench (top-level, so they pickle by
reference as ``tests.support.dist_jobs.<name>``).

Every job is deterministic in its input: the result is a SHA-256 of the value.
"""

from __future__ import annotations

import hashlib
import os
import time


def expected(value) -> bytes:
    return hashlib.sha256(b"toy:" + repr(value).encode()).digest()


def toy_job(job) -> bytes:
    """``job = (value, sleep_s)``: sleep, then hash the value."""
    value, sleep_s = job
    time.sleep(sleep_s)
    return expected(value)


def failing_job(job) -> bytes:
    """``job = (value, bad)``: raise ``ValueError`` on ``value == bad``."""
    value, bad = job
    if value == bad:
        raise ValueError(f"bad input {value}")
    return expected(value)


def _first_time(marker: str) -> bool:
    """True exactly once per marker path, across processes (atomic O_EXCL create)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def flaky_job(job) -> bytes:
    """``job = (value, marker or None, sleep_s)``: raise on the first attempt when given a marker."""
    value, marker, sleep_s = job
    time.sleep(sleep_s)
    if marker is not None and _first_time(marker):
        raise RuntimeError(f"transient failure on {value}")
    return expected(value)


def die_once_job(job) -> bytes:
    """``job = (value, marker or None, sleep_s)``: kill this worker process (``os._exit``)
    the first time it runs with a marker, mid-job; otherwise as :func:`toy_job`."""
    value, marker, sleep_s = job
    if marker is not None and _first_time(marker):
        time.sleep(sleep_s / 2)
        os._exit(17)
    time.sleep(sleep_s)
    return expected(value)


def always_die_job(job) -> bytes:
    """``job = (value, die, sleep_s)``: kill the worker every time if ``die``."""
    value, die, sleep_s = job
    time.sleep(sleep_s)
    if die:
        os._exit(17)
    return expected(value)


def alloc_job(mib: int) -> bytes:
    """Allocate and touch ``mib`` MiB, then return a digest of it (for peak-RSS figures)."""
    buf = bytearray(mib << 20)
    for off in range(0, len(buf), 4096):
        buf[off] = 1
    return hashlib.sha256(bytes(buf[:: 1 << 20])).digest()


def failing_job_slow_neighbour(job) -> bytes:
    """``job = (value, bad, sleep_s)``: raise at once on ``value == bad``, else sleep."""
    value, bad, sleep_s = job
    if value == bad:
        raise ValueError(f"bad input {value}")
    time.sleep(sleep_s)
    return expected(value)


def noop_job(job):
    """Return the job unchanged (per-job overhead measurements)."""
    return job


def import_job(module: str) -> float:
    """Import ``module`` in the worker; return the seconds it took (0 if already imported)."""
    import importlib
    import sys

    if module in sys.modules:
        return 0.0
    t0 = time.perf_counter()
    importlib.import_module(module)
    return time.perf_counter() - t0


def env_job(var: str):
    """Return ``os.environ.get(var)`` in the worker."""
    return os.environ.get(var)


def multiline_fail_job(job):
    """Raise an error whose message spans lines and is very long."""
    raise RuntimeError("first line\n  second line\n" + "x" * 2000)


def threads_job(_job):
    """Run a numba parallel kernel in the worker, then report its thread set-up:
    ``(numba threads in use, numba pool size, OS threads of the process, OMP_WAIT_POLICY,
    threading layer)``."""
    import numba
    import numpy as np
    from numba import njit, prange

    @njit(parallel=True)
    def _sum(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i]
        return s

    _sum(np.ones(1 << 12))
    return (numba.get_num_threads(), numba.config.NUMBA_NUM_THREADS,
            len(os.listdir("/proc/self/task")), os.environ.get("OMP_WAIT_POLICY"),
            numba.threading_layer())

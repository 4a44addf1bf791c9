"""Thread pools sized to the cores this process may really use, and a passive wait policy.

zkvm's hot loops are numba kernels; ``parallel=True`` ones run on numba's threading layer,
which on Linux wheels is OpenMP (GNU libgomp: ``numba.threading_layer() == "omp"``).
Two defaults hurt on shared machines:

* **Spin-waiting.**  libgomp's default wait policy spins ~300 000 iterations (milliseconds)
  before a thread that finished its share of a parallel region sleeps.  The prover runs
  thousands of short parallel regions, so idle threads burn the cores that another
  process (a second proving worker, another user) needs; a descheduled thread then
  stalls every region (measured on 2 cores at load 9-12: 2^20 cycles in 171.6 s instead
  of 19 s).  ``OMP_WAIT_POLICY=PASSIVE`` makes them sleep at once (futex), at no cost
  on an idle machine.  libgomp reads it once, when it is loaded -- i.e. at numba's first
  parallel kernel -- so :func:`configure` must run before that.
* **Pool size.**  numba sizes its pool from ``sched_getaffinity`` only; a container's
  CPU quota (cgroup ``cpu.max`` / ``cpu.cfs_quota_us``) is ignored, and N proving
  processes on one machine would each start one thread per core.

:func:`configure` (called by the ``zkvm`` command, the local pool workers and the Dask
job wrapper in :mod:`zkvm.distributed`, and the benchmarks) sets the passive policy
unless the user chose one, and caps numba's pool at ``available_cpus() // workers``
threads (at least 1), unless the user already set a smaller ``NUMBA_NUM_THREADS``.
It also keeps freed memory in the process for the next proof (:func:`zkvm.heap.retain`:
no fresh, zero-filled pages for every LDE; ``ZKVM_HEAP=system`` opts out).
This module imports only :mod:`zkvm.heap` from zkvm (any layer may use it) and never
imports numba.
"""

from __future__ import annotations

import math
import os
import sys

from zkvm import heap as _heap

__all__ = ["available_cpus", "available_memory", "cgroup_cpu_limit", "configure", "THREAD_VARS"]

#: environment variables that size the thread pools of numba and the BLAS libraries
THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def _cgroup_paths(proc_cgroup: str, controller: str) -> tuple[list, list]:
    """This process's cgroup paths from ``/proc/self/cgroup``: ``(v2, v1)`` lists, each
    starting with ``""`` (the mount point itself); v1 only the hierarchies holding
    ``controller``."""
    paths_v2, paths_v1 = [""], [""]
    for line in (_read(proc_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hid, controllers, path = parts
        path = path.strip()
        if hid == "0" and controllers == "":
            paths_v2.append(path)
        elif controller in controllers.split(","):
            paths_v1.append(path)
    return paths_v2, paths_v1


def _ancestors(path: str):
    """``a/b/c``, ``a/b``, ``a``, then ``""`` (the mount point)."""
    p = path.strip("/")
    while p:
        yield p
        p = p.rpartition("/")[0]
    yield ""


def cgroup_cpu_limit(root: str = "/sys/fs/cgroup", proc_cgroup: str = "/proc/self/cgroup") -> float | None:
    """The CPU quota of this process's cgroup in cores (e.g. 1.5), or ``None`` if there
    is none.  Reads cgroup v2 ``cpu.max`` (``"max 100000"`` = no limit, ``"150000
    100000"`` = 1.5 cores) and v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``, in the
    process's own cgroup and every ancestor up to the mount point (the smallest wins)."""
    paths_v2, paths_v1 = _cgroup_paths(proc_cgroup, "cpu")
    limits = []
    for base in paths_v2:
        for p in _ancestors(base):
            v = _read(os.path.join(root, p, "cpu.max"))
            if v:
                q, _, period = v.partition(" ")
                if q != "max" and q.isdigit() and period.isdigit() and int(period) > 0:
                    limits.append(int(q) / int(period))
    for sub in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        for base in paths_v1:
            for p in _ancestors(base):
                d = os.path.join(root, sub, p)
                q, period = _read(os.path.join(d, "cpu.cfs_quota_us")), _read(os.path.join(d, "cpu.cfs_period_us"))
                if q and period and q.lstrip("-").isdigit() and period.isdigit():
                    if int(q) > 0 and int(period) > 0:
                        limits.append(int(q) / int(period))
    return min(limits) if limits else None


def available_memory(root: str = "/sys/fs/cgroup", proc_cgroup: str = "/proc/self/cgroup",
                     meminfo: str = "/proc/meminfo") -> int | None:
    """Bytes of memory this process can still get, or ``None`` if unknown: the kernel's
    ``MemAvailable`` estimate, lowered by every cgroup memory limit on the way up from the
    process's own cgroup (v2 ``memory.max − memory.current``, v1 ``memory.limit_in_bytes −
    memory.usage_in_bytes``; the smallest headroom wins)."""
    out = []
    for line in (_read(meminfo) or "").splitlines():
        if line.startswith("MemAvailable:"):
            f = line.split()
            if len(f) >= 2 and f[1].isdigit():
                out.append(int(f[1]) * 1024)
    paths_v2, paths_v1 = _cgroup_paths(proc_cgroup, "memory")
    dirs = [(os.path.join(root, p), "memory.max", "memory.current")
            for base in paths_v2 for p in _ancestors(base)]
    dirs += [(os.path.join(root, "memory", p), "memory.limit_in_bytes", "memory.usage_in_bytes")
             for base in paths_v1 for p in _ancestors(base)]
    for d, lim_name, use_name in dirs:
        lim, use = _read(os.path.join(d, lim_name)), _read(os.path.join(d, use_name))
        if lim and lim.isdigit() and use and use.isdigit() and int(lim) < 1 << 60:
            out.append(max(0, int(lim) - int(use)))
    return min(out) if out else None


def available_cpus() -> int:
    """Cores this process may use: the CPUs of its affinity mask, capped by its cgroup
    CPU quota (rounded up: a 1.5-core quota allows 2 busy threads at 75 %), at least 1."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    quota = cgroup_cpu_limit()
    if quota is not None:
        n = min(n, max(1, math.ceil(quota - 1e-9)))
    return max(1, n)


def configure(workers: int = 1, threads: int | None = None) -> int:
    """Prepare this process's thread pools for one of ``workers`` proving processes
    sharing the machine; returns the number of numba threads it will use.

    * ``OMP_WAIT_POLICY=PASSIVE`` unless already set (effective only if numba has not
      run a parallel kernel yet in this process; see the module docstring);
    * threads = ``threads`` or ``available_cpus() // workers`` (at least 1), lowered to a
      smaller positive ``NUMBA_NUM_THREADS`` the user set;
    * numba not imported yet: ``NUMBA_NUM_THREADS`` and ``OMP_NUM_THREADS`` are set (and
      the BLAS pools to one thread: zkvm does no linear algebra), so the pool never
      starts more threads; numba already imported:
      ``numba.set_num_threads`` (its pool keeps its size, the extra threads sleep);
    * large freed blocks stay in the heap for the next allocation
      (:func:`zkvm.heap.retain`, glibc only; ``ZKVM_HEAP=system`` opts out).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _heap.retain()
    n = threads if threads is not None else max(1, available_cpus() // workers)
    n = max(1, int(n))
    user = os.environ.get("NUMBA_NUM_THREADS", "")
    if user.isdigit() and 0 < int(user) < n:
        n = int(user)
    numba = sys.modules.get("numba")
    pool = None
    if numba is not None:
        pool = getattr(getattr(numba, "config", None), "NUMBA_NUM_THREADS", None)
    for var in THREAD_VARS:
        cur = os.environ.get(var, "")
        if var == "NUMBA_NUM_THREADS" and pool is not None:
            continue  # numba read it at import; changing it now would only confuse it
        # zkvm does no linear algebra: one BLAS thread (its pool would start, and spin,
        # at numpy's import for nothing)
        want = 1 if var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") else n
        if not (cur.isdigit() and 0 < int(cur) < want):
            os.environ[var] = str(want)
    if pool is not None:
        try:
            numba.set_num_threads(max(1, min(n, int(pool))))
        except Exception:  # pragma: no cover - numba without a threading layer
            pass
    return n

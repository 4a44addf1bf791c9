"""zkvm.threads: cores available to the process (affinity, cgroup quota) and the thread
set-up that the CLI and the proving workers apply (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from zkvm import threads


def _cg(tmp_path, files: dict, proc: str):
    for rel, text in files.items():
        p = tmp_path / "cg" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (tmp_path / "proc").write_text(proc)
    return str(tmp_path / "cg"), str(tmp_path / "proc")


def test_cgroup_v2_quota(tmp_path):
    root, proc = _cg(tmp_path, {"cpu.max": "max 100000\n", "a/b/cpu.max": "150000 100000\n",
                                "a/cpu.max": "300000 100000\n"}, "0::/a/b\n")
    assert threads.cgroup_cpu_limit(root, proc) == 1.5


def test_cgroup_v2_unlimited(tmp_path):
    root, proc = _cg(tmp_path, {"cpu.max": "max 100000\n"}, "0::/\n")
    assert threads.cgroup_cpu_limit(root, proc) is None


def test_cgroup_v1_quota(tmp_path):
    root, proc = _cg(tmp_path, {"cpu,cpuacct/x/cpu.cfs_quota_us": "50000\n",
                                "cpu,cpuacct/x/cpu.cfs_period_us": "100000\n",
                                "cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
                                "cpu,cpuacct/cpu.cfs_period_us": "100000\n"},
                     "4:memory:/x\n3:cpu,cpuacct:/x\n")
    assert threads.cgroup_cpu_limit(root, proc) == 0.5


def test_cgroup_missing_files(tmp_path):
    assert threads.cgroup_cpu_limit(str(tmp_path / "none"), str(tmp_path / "none2")) is None


def test_available_memory_meminfo_and_cgroups(tmp_path):
    """The kernel's MemAvailable, lowered by the tightest cgroup headroom (v2 max −
    current up the tree; v1 limit − usage); unlimited groups and missing files ignored."""
    GiB = 1 << 30
    mi = tmp_path / "meminfo"
    mi.write_text(f"MemTotal: {24 * GiB // 1024} kB\nMemAvailable: {20 * GiB // 1024} kB\n")
    root, proc = _cg(tmp_path, {"memory.max": "max\n", "memory.current": f"{GiB}\n"}, "0::/\n")
    assert threads.available_memory(root, proc, str(mi)) == 20 * GiB
    root, proc = _cg(tmp_path, {"a/memory.max": f"{8 * GiB}\n", "a/memory.current": f"{3 * GiB}\n",
                                "a/b/memory.max": "max\n", "a/b/memory.current": "1\n"},
                     "0::/a/b\n")
    assert threads.available_memory(root, proc, str(mi)) == 5 * GiB
    root, proc = _cg(tmp_path, {"memory/x/memory.limit_in_bytes": f"{6 * GiB}\n",
                                "memory/x/memory.usage_in_bytes": f"{4 * GiB}\n",
                                "memory/memory.limit_in_bytes": "9223372036854771712\n",
                                "memory/memory.usage_in_bytes": f"{GiB}\n"},
                     "4:memory:/x\n3:cpu,cpuacct:/x\n")
    assert threads.available_memory(root, proc, str(mi)) == 2 * GiB
    none = str(tmp_path / "none")
    assert threads.available_memory(none, none, none) is None
    here = threads.available_memory()
    assert here is None or here > 0


def test_available_cpus_follows_affinity_and_quota(monkeypatch):
    n = len(os.sched_getaffinity(0))
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: None)
    assert threads.available_cpus() == n
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: 0.3)
    assert threads.available_cpus() == 1
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: 64.0)
    assert threads.available_cpus() == n


_PROBE = """
import os, sys
from zkvm import threads
n = threads.configure(workers=int(sys.argv[1]))
import numba, numpy as np
from numba import njit, prange
@njit(parallel=True)
def f(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i]
    return s
f(np.ones(4096))
print(n, numba.config.NUMBA_NUM_THREADS, numba.get_num_threads(), os.environ["OMP_WAIT_POLICY"],
      len(os.listdir("/proc/self/task")))
"""


@pytest.mark.parametrize("workers", [1, 2, 5])
def test_configure_before_numba(workers):
    """Called before numba starts (as the CLI and the workers do): the pool is created
    with the share of the cores, passive waiting."""
    env = {k: v for k, v in os.environ.items()
           if k not in threads.THREAD_VARS and k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", _PROBE, str(workers)], env=env,
                         capture_output=True, text=True, timeout=300, check=True).stdout.split()
    share = max(1, threads.available_cpus() // workers)
    assert out[:4] == [str(share), str(share), str(share), "PASSIVE"]
    assert int(out[4]) <= share + 2


def test_configure_keeps_user_choices():
    env = {k: v for k, v in os.environ.items() if k not in threads.THREAD_VARS}
    env.update(OMP_WAIT_POLICY="ACTIVE", NUMBA_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _PROBE, "1"], env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()
    assert out[:4] == ["1", "1", "1", "ACTIVE"]


def test_configure_rejects_bad_workers():
    with pytest.raises(ValueError):
        threads.configure(workers=0)

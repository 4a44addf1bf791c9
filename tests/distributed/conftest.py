"""Fixtures for the distributed tests: a two-worker ``LocalCluster`` torn down after the
module, and a check that no child process outlives a test.  The toy jobs are
``tests.support.dist_jobs`` (spawned pool and Dask worker processes inherit ``sys.path``,
where pytest's ``pythonpath`` setting put the repository root)."""

from __future__ import annotations

import pytest


def _children() -> list:
    import psutil

    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                continue
            # multiprocessing's resource tracker is one helper per parent process that
            # exits with it (started by the first spawn); it is not a leaked worker.
            if any("multiprocessing.resource_tracker" in a for a in p.cmdline()):
                continue
        except psutil.NoSuchProcess:
            continue
        out.append(p)
    return out


@pytest.fixture
def no_leftover_processes():
    """Fail the test if it leaves a child process of its own running."""
    import psutil

    before = {p.pid for p in _children()}
    yield
    # a process started by one that was already running (e.g. the module cluster's nanny
    # restarting the worker an earlier test killed) is not this test's
    left = []
    for p in _children():
        if p.pid in before:
            continue
        try:
            if p.ppid() in before:
                continue
        except psutil.NoSuchProcess:
            continue
        left.append(p)
    if left:
        gone, alive = psutil.wait_procs(left, timeout=5)
        assert not alive, f"child processes left running: {[(p.pid, p.ppid(), p.cmdline()[:6]) for p in alive]}"


@pytest.fixture(scope="module")
def dask_cluster():
    """A ``LocalCluster`` of 2 single-threaded worker processes, closed after the module."""
    import distributed
    import psutil

    before = {p.pid for p in _children()}
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=50,
    )
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()
        # Workers restarted by the nanny after a kill have new pids: look at all children.
        leftover = [p for p in _children() if p.pid not in before]
        _, alive = psutil.wait_procs(leftover, timeout=10)
        for p in alive:  # only processes started while this fixture was up
            p.kill()
        assert not alive, f"LocalCluster left processes running: {[p.pid for p in alive]}"

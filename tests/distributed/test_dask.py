"""run_jobs on a dask.distributed LocalCluster (2 worker processes, 1 thread each)."""

from __future__ import annotations

import socket
import time

import pytest
from tests.support import dist_jobs as tj

from zkvm.distributed import ClusterUnavailable, ProvingFailed, run_jobs, run_jobs_detailed

import distributed  # noqa: E402  (a core dependency: never skip)

VALUES = list(range(6))
JOBS = [(v, 0.05 * (len(VALUES) - v)) for v in VALUES]
EXPECTED = [tj.expected(v) for v in VALUES]


def test_client_results_in_order_and_equal_to_local(dask_cluster):
    _, client = dask_cluster
    calls = []
    outs = run_jobs_detailed(tj.toy_job, JOBS, client=client,
                             progress=lambda d, t, l: calls.append((d, t, l)))
    assert [o.value for o in outs] == EXPECTED == run_jobs(tj.toy_job, JOBS)
    assert [d for d, _, _ in calls] == list(range(1, len(JOBS) + 1))
    assert len({o.worker for o in outs}) >= 1
    assert client.status == "running"  # a caller's client is left open


def test_address_results_in_order(dask_cluster):
    cluster, _ = dask_cluster
    assert run_jobs(tj.toy_job, JOBS, dask_address=cluster.scheduler_address) == EXPECTED


def test_failing_job_is_named(dask_cluster):
    _, client = dask_cluster
    with pytest.raises(ProvingFailed) as ei:
        run_jobs(tj.failing_job, [(v, 2) for v in VALUES], client=client, retries=1,
                 labels=[f"segment {v}" for v in VALUES])
    e = ei.value
    assert (e.index, e.label, e.error) == (2, "segment 2", "ValueError: bad input 2")
    assert str(e) == "job 2 (segment 2) failed: ValueError: bad input 2"


def test_transient_failure_is_retried(dask_cluster, tmp_path):
    _, client = dask_cluster
    jobs = [(v, str(tmp_path / "m") if v == 3 else None, 0.0) for v in VALUES]
    assert run_jobs(tj.flaky_job, jobs, client=client, retries=1) == EXPECTED
    assert (tmp_path / "m").exists()


def test_worker_killed_mid_job_is_rescheduled(dask_cluster, tmp_path):
    _, client = dask_cluster
    jobs = [(v, str(tmp_path / "dead") if v == 1 else None, 0.3) for v in VALUES]
    assert run_jobs(tj.die_once_job, jobs, client=client) == EXPECTED
    assert (tmp_path / "dead").exists()  # a worker really died (the nanny restarts it)
    client.wait_for_workers(2, timeout=60)  # the restart happens here, not in a later test


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.usefixtures("no_leftover_processes")
def test_unreachable_address_fails_fast_with_clear_message():
    addr = f"tcp://127.0.0.1:{_closed_port()}"
    t0 = time.perf_counter()
    with pytest.raises(ClusterUnavailable, match="cannot reach the Dask scheduler at " + addr):
        run_jobs(tj.toy_job, JOBS, dask_address=addr, connect_timeout=1.0)
    assert time.perf_counter() - t0 < 8


def _scheduler_tasks(client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def test_failure_cancels_the_other_jobs(dask_cluster):
    _, client = dask_cluster
    # A running Dask task cannot be interrupted (it is a thread in the worker): the two
    # running neighbours finish their 1.5 s; the four queued ones must never start.
    jobs = [(v, 0, 1.5) for v in range(6)]
    t0 = time.perf_counter()
    with pytest.raises(ProvingFailed, match="job 0"):
        run_jobs(tj.failing_job_slow_neighbour, jobs, client=client, retries=0)
    assert time.perf_counter() - t0 < 1.4
    deadline = time.monotonic() + 10
    while _scheduler_tasks(client) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _scheduler_tasks(client) == 0, client.run_on_scheduler(lambda dask_scheduler: {k: (v.state, [str(w) for w in v.who_wants]) for k, v in dask_scheduler.tasks.items()})


@pytest.mark.usefixtures("no_leftover_processes")
def test_job_that_always_kills_its_worker_fails_with_a_clear_message():
    # The scheduler gives up after distributed.scheduler.allowed-failures (3) deaths.
    # A cluster of its own: the nannies keep restarting killed workers, and on a loaded
    # machine a restart can take minutes; closing the cluster ends them instead of
    # waiting (the module cluster's later users would otherwise wait for it).
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        # both workers up before submitting: on a loaded machine the second one can
        # start late, and a job queued on the worker that the killer job takes down is
        # counted as suspicious with it (then job "a" could be the one reported)
        client.wait_for_workers(2, timeout=240)
        jobs = [(0, False, 0.0), (1, True, 0.0)]
        with pytest.raises(ProvingFailed) as ei:
            run_jobs(tj.always_die_job, jobs, client=client, labels=["a", "b"])
        assert ei.value.index == 1 and ei.value.label == "b"
        assert "worker died every time" in str(ei.value) and "KilledWorker" in str(ei.value)
    finally:
        client.close()
        cluster.close()


@pytest.mark.usefixtures("no_leftover_processes")
def test_scheduler_without_workers_fails_fast():
    import distributed

    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0",
                                  silence_logs=50) as empty:
        t0 = time.perf_counter()
        with pytest.raises(ClusterUnavailable, match="has no worker after 1 s"):
            run_jobs(tj.toy_job, JOBS, dask_address=empty.scheduler_address, connect_timeout=1.0)
        assert time.perf_counter() - t0 < 8


@pytest.mark.usefixtures("no_leftover_processes")
def test_scheduler_lost_mid_run_fails_instead_of_hanging():
    import threading

    import distributed

    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    timer = threading.Timer(1.0, cluster.close)
    try:
        addr = cluster.scheduler_address
        timer.start()
        t0 = time.perf_counter()
        with pytest.raises(ProvingFailed, match="cancelled on the cluster"):
            run_jobs(tj.toy_job, [(v, 0.5) for v in range(8)], dask_address=addr)
        assert time.perf_counter() - t0 < 20
    finally:
        timer.join()
        cluster.close()

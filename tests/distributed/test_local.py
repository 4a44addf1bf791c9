"""run_jobs in-process (workers=1) and on a local spawn pool (workers>1)."""

from __future__ import annotations

import os
import sys
import time

import pytest
from tests.support import dist_jobs as tj

from zkvm.distributed import ProvingFailed, run_jobs, run_jobs_detailed

pytestmark = pytest.mark.usefixtures("no_leftover_processes")

VALUES = list(range(6))
# Decreasing sleeps: in a pool later jobs finish first, so order must come from indices.
JOBS = [(v, 0.05 * (len(VALUES) - v)) for v in VALUES]
EXPECTED = [tj.expected(v) for v in VALUES]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2", None])
def test_workers_must_be_int_at_least_one(workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        run_jobs(tj.toy_job, JOBS, workers=workers)


def test_other_argument_checks():
    with pytest.raises(ValueError, match="retries"):
        run_jobs(tj.toy_job, JOBS, retries=-1)
    with pytest.raises(ValueError, match="labels"):
        run_jobs(tj.toy_job, JOBS, labels=["a"])
    with pytest.raises(ValueError, match="not both"):
        run_jobs(tj.toy_job, JOBS, dask_address="tcp://127.0.0.1:1", client=object())
    with pytest.raises(ValueError, match="Dask"):
        run_jobs(tj.toy_job, JOBS, workers=2, dask_address="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="dask_address"):
        run_jobs(tj.toy_job, JOBS, dask_address="")
    with pytest.raises(TypeError):
        run_jobs(None, JOBS)


@pytest.mark.parametrize("workers", [1, 2])
def test_empty(workers):
    assert run_jobs(tj.toy_job, [], workers=workers) == []


def test_more_workers_than_jobs():
    assert run_jobs(tj.toy_job, JOBS[:2], workers=8) == EXPECTED[:2]


@pytest.mark.parametrize("workers", [1, 2])
def test_results_in_job_order(workers):
    calls = []
    labels = [f"segment {v}" for v in VALUES]
    out = run_jobs(tj.toy_job, JOBS, workers=workers, labels=labels,
                   progress=lambda d, t, l: calls.append((d, t, l)))
    assert out == EXPECTED
    assert [d for d, _, _ in calls] == list(range(1, len(JOBS) + 1))
    assert {t for _, t, _ in calls} == {len(JOBS)}
    assert sorted(l for _, _, l in calls) == sorted(labels)


def test_pool_really_runs_in_other_processes():
    import os

    outs = run_jobs_detailed(tj.toy_job, JOBS, workers=2)
    pids = {int(o.worker.rsplit(":", 1)[1]) for o in outs}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert [o.index for o in outs] == list(range(len(JOBS)))
    assert all(o.attempts == 1 and o.peak_rss > 0 and o.seconds >= 0 for o in outs)


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_job_is_named(workers):
    jobs = [(v, 3) for v in VALUES]
    with pytest.raises(ProvingFailed) as ei:
        run_jobs(tj.failing_job, jobs, workers=workers, retries=1,
                 labels=[f"segment {v}" for v in VALUES])
    e = ei.value
    assert (e.index, e.label, e.attempts) == (3, "segment 3", 2)
    assert e.error == "ValueError: bad input 3"
    assert str(e) == "job 3 (segment 3) failed after 2 attempts: ValueError: bad input 3"
    assert isinstance(e.__cause__, ValueError)


@pytest.mark.parametrize("workers", [1, 2])
def test_transient_failure_is_retried(workers, tmp_path):
    jobs = [(v, str(tmp_path / f"m{v}") if v == 2 else None, 0.0) for v in VALUES]
    outs = run_jobs_detailed(tj.flaky_job, jobs, workers=workers, retries=1)
    assert [o.value for o in outs] == EXPECTED
    assert outs[2].attempts == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_no_retries_means_one_attempt(workers, tmp_path):
    jobs = [(v, str(tmp_path / f"m{v}") if v == 2 else None, 0.0) for v in VALUES]
    with pytest.raises(ProvingFailed, match=r"job 2 \(job 2\) failed after 1 attempt: RuntimeError"):
        run_jobs(tj.flaky_job, jobs, workers=workers, retries=0)


def test_pool_worker_killed_mid_job_is_rescheduled(tmp_path):
    jobs = [(v, str(tmp_path / "dead") if v == 1 else None, 0.2) for v in VALUES]
    assert run_jobs(tj.die_once_job, jobs, workers=2, retries=1) == EXPECTED
    assert (tmp_path / "dead").exists()  # the worker really died once


def test_pool_job_that_always_kills_its_worker_is_named_not_its_neighbour():
    # Job 5 kills its worker after 0.1 s while job 4 (lower index, 1.5 s) is still
    # running in the other worker: blaming everything in flight would name job 4.
    jobs = [(v, v == 5, {4: 1.5, 5: 0.1}.get(v, 0.02)) for v in VALUES]
    with pytest.raises(ProvingFailed) as ei:
        run_jobs(tj.always_die_job, jobs, workers=2, retries=1)
    assert ei.value.index == 5 and ei.value.attempts == 2
    assert "worker process died" in str(ei.value)


def test_pool_failure_does_not_wait_for_long_jobs():
    # job 0 fails at once, job 1 would run for 60 s: the pool must be terminated.
    t0 = time.perf_counter()
    with pytest.raises(ProvingFailed, match="job 0"):
        run_jobs(tj.failing_job_slow_neighbour, [(0, 0, 60), (1, 0, 60)], workers=2, retries=0)
    assert time.perf_counter() - t0 < 20


def test_rich_progress_drives_a_bar():
    import io

    from rich.console import Console

    from zkvm.distributed import rich_progress

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, width=100)
    with rich_progress("proving segments", console=console) as cb:
        out = run_jobs(tj.toy_job, JOBS[:3], progress=cb, labels=["s0", "s1", "s2"])
    assert out == EXPECTED[:3]
    text = buf.getvalue()
    assert "proving segments" in text and "3/3" in text and "done: s2" in text


def test_pool_workers_share_the_cores(monkeypatch):
    # Each of `workers` processes gets available_cpus // workers numba/BLAS threads (>= 1),
    # so a pool does not run workers x cores threads; a smaller cap already set is kept.
    import zkvm.threads

    monkeypatch.setattr(zkvm.threads, "available_cpus", lambda: 8)  # read in this process
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert run_jobs(tj.env_job, ["NUMBA_NUM_THREADS"] * 2, workers=2) == ["4", "4"]
    assert run_jobs(tj.env_job, ["OMP_NUM_THREADS"] * 2, workers=2) == ["1", "1"]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity")
@pytest.mark.parametrize("cpus,workers", [(1, 2), (2, 2), (2, 3)])
def test_workers_on_one_machine_do_not_oversubscribe(monkeypatch, cpus, workers):
    """N workers on one machine: every worker's numba pool (the threads it actually
    starts, counted in /proc) fits its share of the CPUs this process may use (the
    affinity mask, inherited by the workers), and the wait policy is passive."""
    import zkvm.threads

    all_cpus = sorted(os.sched_getaffinity(0))
    if len(all_cpus) < cpus:
        pytest.skip(f"needs {cpus} CPUs")
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    os.sched_setaffinity(0, all_cpus[:cpus])
    try:
        assert zkvm.threads.available_cpus() == cpus
        out = run_jobs(tj.threads_job, list(range(workers)), workers=workers)
        share = max(1, cpus // workers)
        for in_use, pool, os_threads, policy, layer in out:
            assert in_use <= share and pool <= share, (in_use, pool, share)
            # main thread + pool threads (+ a few interpreter helpers), never one per core
            assert os_threads <= pool + 3, (os_threads, pool)
            assert policy == "PASSIVE"
            assert layer in ("omp", "tbb", "workqueue")
        # all workers together: within the CPUs (at least one thread per worker)
        assert workers * share <= max(cpus, workers)
    finally:
        os.sched_setaffinity(0, all_cpus)


def test_error_message_is_one_bounded_line():
    with pytest.raises(ProvingFailed) as ei:
        run_jobs(tj.multiline_fail_job, [0], retries=0)
    msg = str(ei.value)
    assert "\n" not in msg and "first line second line x" in msg
    assert msg.endswith("...") and len(ei.value.error) <= 500 + len("RuntimeError: ")


def test_pool_unpicklable_function_is_a_clear_error():
    with pytest.raises(ProvingFailed, match=r"job 0 \(job 0\) cannot be sent to a worker process"):
        run_jobs(lambda job: job, [1, 2], workers=2)


def test_pool_function_the_worker_cannot_import_is_a_job_error(monkeypatch):
    # A module that exists only in this process: the worker's unpickling fails.  That must
    # be reported as the import error, not as a crashed worker.
    import types

    ghost = types.ModuleType("zkvm_dist_ghost_module")
    exec("def f(job):\n    return job\n", ghost.__dict__)
    monkeypatch.setitem(sys.modules, "zkvm_dist_ghost_module", ghost)
    with pytest.raises(ProvingFailed) as ei:
        run_jobs(ghost.f, [1, 2], workers=2, retries=0)
    assert "ModuleNotFoundError: No module named 'zkvm_dist_ghost_module'" in str(ei.value)


def test_worker_env_turns_the_heap_prefault_off_unless_the_user_chose(monkeypatch):
    from zkvm.distributed import worker_env

    monkeypatch.delenv("ZKVM_PREFAULT", raising=False)
    worker_env()
    assert os.environ["ZKVM_PREFAULT"] == "0"
    monkeypatch.setenv("ZKVM_PREFAULT", "1")
    worker_env()
    assert os.environ["ZKVM_PREFAULT"] == "1"

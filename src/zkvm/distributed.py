"""Run independent proving jobs in-process, on a local process pool, or on a Dask cluster.

This layer is generic: it knows nothing about segments or STARKs.  A *job function*
``fn`` is a top-level (importable, picklable) function and every *job* is a picklable
value; :func:`run_jobs` computes ``[fn(job) for job in jobs]`` and returns the results
**in job order**, whichever process or machine computed each one.

Three back-ends, chosen by the arguments:

* ``workers == 1`` and no Dask (the default): in this process, one job after the other
  (no pool, no pickling; simplest to debug, best on a one-core machine).
* ``workers > 1``: a :class:`concurrent.futures.ProcessPoolExecutor` of at most
  ``workers`` processes started with the ``spawn`` method (``fork`` after numba or any
  thread pool has started is unsafe).  At most one job runs per process at a time.
* ``dask_address="tcp://HOST:8786"`` or an existing ``client``: every job becomes one
  ``dask.distributed`` task (``pure=False``), collected with ``as_completed``.

Retry and loss semantics (every back-end: a job is *attempted* at most
``1 + retries`` times):

* a job that **raises** is run again, up to ``retries`` more times; after that
  :class:`ProvingFailed` is raised naming the job index, its label and the worker's
  error (``TypeName: message``; the original exception is chained as ``__cause__``);
* a job whose **worker process dies** (``os._exit``, a segfault, the OOM killer) is
  rescheduled.  Local pool: the pool is rebuilt; when several jobs were running at the
  moment of the death, none of them is blamed and each is re-run *alone* (so a job that
  keeps killing its worker is identified exactly and an innocent neighbour is never
  failed); a job that kills its worker on ``1 + retries`` lone attempts fails with
  :class:`ProvingFailed`.  Dask: the scheduler reschedules tasks of a lost worker and
  gives up after its ``distributed.scheduler.allowed-failures`` setting (default 3),
  which we report as :class:`ProvingFailed`.

When a job fails for good, the remaining jobs are cancelled (local pool processes are
terminated; Dask futures are cancelled) before :class:`ProvingFailed` propagates.

A job already *running* on a Dask worker when the run fails finishes there (a thread
cannot be interrupted); its result is dropped.  Deterministic errors are retried like
transient ones (pass ``retries=0`` to avoid that).

Correctness: a result is stored at the index of the job that produced it (never in
completion order), so ``result[i]`` is always an output of ``fn(jobs[i])`` whichever
back-end, worker count, scheduling order, retries or worker losses occurred.  A
deterministic ``fn`` therefore gives the identical list everywhere; a prover that draws
fresh zero-knowledge masks (``os.urandom``) gives different proof bytes on every run
anyway, but each is still the proof of its own job (the segment's salts and public
values come from the job, chosen by the caller).  Soundness never depends on this
layer: the verifier checks every result.

Security: job inputs and results are pickles.  A Dask scheduler and its workers execute
whatever pickled function they are sent; connect only to a cluster on a trusted network
(see ``docs/distributed.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
import socket
import time
import uuid
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from . import heap
from . import threads as _threads

__all__ = [
    "ClusterUnavailable",
    "JobOutcome",
    "ProvingFailed",
    "rich_progress",
    "run_jobs",
    "run_jobs_detailed",
]

#: Seconds to wait for a Dask scheduler to answer (and for it to have a worker).
DEFAULT_CONNECT_TIMEOUT = 10.0

#: Start method of the local pool (``fork`` is unsafe once numba/threads have started).
START_METHOD = "spawn"

Progress = Callable[[int, int, str], None]


class ProvingFailed(RuntimeError):
    """A job failed for good (it raised on every attempt, or kept killing its worker),
    or the cluster could not be used.

    Attributes: ``index`` (job index, or ``None`` for a cluster-level failure),
    ``label`` (the job's label, or ``None``), ``error`` (the worker's error as
    ``"TypeName: message"``), ``attempts`` (how many times the job was started, or
    ``None`` when unknown, as for Dask).  The message names all of them, so a CLI can
    print ``str(exc)`` as its one-line error.
    """

    def __init__(
        self,
        message: str,
        *,
        index: Optional[int] = None,
        label: Optional[str] = None,
        error: str = "",
        attempts: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.label = label
        self.error = error
        self.attempts = attempts


class ClusterUnavailable(ProvingFailed):
    """The Dask scheduler could not be reached (or had no worker) within the timeout."""


@dataclass(frozen=True)
class JobOutcome:
    """One finished job: its ``value`` (what ``fn(job)`` returned) and where/how it ran.

    ``worker`` is ``"HOST:PID"`` of the process that ran the successful attempt;
    ``seconds`` the wall time of ``fn(job)`` in that process; ``peak_rss`` the peak
    resident set size of that process in bytes *so far* (``ru_maxrss``: a process that
    ran several jobs reports the maximum over them and its start-up); ``attempts`` how
    many times the job was started (``None`` on Dask, whose scheduler does not say).
    """

    index: int
    label: str
    value: Any
    worker: str
    seconds: float
    peak_rss: int
    attempts: Optional[int]


# --------------------------------------------------------------------------- workers


def _call(fn: Callable[[Any], Any], job: Any) -> tuple:
    """Run one job where it was sent; return ``(value, worker, seconds, peak_rss)``.

    Top-level so that it pickles by reference on every back-end.
    """
    t0 = time.perf_counter()
    value = fn(job)
    seconds = time.perf_counter() - t0
    return value, f"{socket.gethostname()}:{os.getpid()}", seconds, heap.peak_rss_bytes()


def _call_pickled(payload: bytes) -> tuple:
    """Pool-side entry: unpickle ``(fn, job)`` *inside* the task, so that a job function
    or job class the worker cannot import (``ModuleNotFoundError``) is an ordinary job
    error with its message, not a dead pool process."""
    fn, job = pickle.loads(payload)
    return _call(fn, job)


def _init_pool_worker(threads: int) -> None:
    """Pool-process initializer: a passive OpenMP wait policy and at most ``threads``
    numba/BLAS threads, so ``workers`` processes on one machine do not oversubscribe its
    cores (each gets ``available_cpus() // workers``, at least 1; a smaller cap the user
    already set is kept).  See :mod:`zkvm.threads`.  The heap prefault is off in workers
    unless the user set ``ZKVM_PREFAULT`` (:func:`worker_env`)."""
    worker_env()
    _threads.configure(threads=threads)


def worker_env() -> None:
    """Environment defaults of a proving worker (a process that proves segment after
    segment): ``ZKVM_PREFAULT=0`` unless set.  The prefault (:func:`zkvm.heap.
    prefault_async`) only speeds up a process's first proof (~0.9 s at 2^20 cycles) and
    the heap layout it leaves made a later 2^20 proof of the process peak at 3.24 GiB
    instead of 2.79-2.86 GiB in 2 of 5 runs (docs/benchmarks.md, "Session 10"); a
    worker's memory is what bounds how many fit on a machine."""
    os.environ.setdefault("ZKVM_PREFAULT", "0")


def _call_dask(fn: Callable[[Any], Any], job: Any, per_host: dict) -> tuple:
    """Dask-side entry: size this worker's thread pool to its share of its machine (the
    scheduler reported ``per_host[host]`` worker processes there), then run the job.

    A Dask worker process may run many jobs; the wait policy only takes effect if this is
    its first numba parallel kernel, the thread count every time."""
    host = None
    try:
        from distributed import get_worker

        addr = get_worker().address  # tcp://HOST:PORT
        host = addr.split("://", 1)[-1].rsplit(":", 1)[0]
    except Exception:  # noqa: BLE001 - not in a worker (tests call it directly)
        pass
    worker_env()
    _threads.configure(workers=max(1, int(per_host.get(host, 1))))
    return _call(fn, job)


# --------------------------------------------------------------------------- helpers


_MAX_ERROR_CHARS = 500


def _error_text(exc: BaseException) -> str:
    """``TypeName: message`` on one line (whitespace collapsed, at most 500 characters),
    so that a CLI can print it as its single error line."""
    msg = " ".join(str(exc).split())
    if len(msg) > _MAX_ERROR_CHARS:
        msg = msg[: _MAX_ERROR_CHARS - 3] + "..."
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _job_failed(index: int, label: str, exc: BaseException, attempts: Optional[int]) -> ProvingFailed:
    error = _error_text(exc)
    times = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
    err = ProvingFailed(
        f"job {index} ({label}) failed{times}: {error}",
        index=index,
        label=label,
        error=error,
        attempts=attempts,
    )
    err.__cause__ = exc
    return err


def _worker_died(index: int, label: str, attempts: int) -> ProvingFailed:
    error = "worker process died (killed, crashed or out of memory)"
    return ProvingFailed(
        f"job {index} ({label}) failed after {attempts} attempt{'s' if attempts != 1 else ''}: "
        f"its {error} every time",
        index=index,
        label=label,
        error=error,
        attempts=attempts,
    )


def _check_args(fn, jobs, workers, retries, labels, dask_address, client) -> list[str]:
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
    if dask_address is not None and client is not None:
        raise ValueError("give either dask_address or client, not both")
    if (dask_address is not None or client is not None) and workers != 1:
        raise ValueError("workers > 1 is a local process pool; it cannot be combined with Dask")
    if dask_address is not None and (not isinstance(dask_address, str) or not dask_address.strip()):
        raise ValueError(f"dask_address must be a non-empty string such as tcp://HOST:8786, got {dask_address!r}")
    if labels is None:
        return [f"job {i}" for i in range(len(jobs))]
    labels = [str(label) for label in labels]
    if len(labels) != len(jobs):
        raise ValueError(f"got {len(labels)} labels for {len(jobs)} jobs")
    return labels


# --------------------------------------------------------------------------- public API


def run_jobs(
    fn: Callable[[Any], Any],
    jobs: list,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    client=None,
    retries: int = 2,
    progress: Optional[Progress] = None,
    labels: list[str] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> list:
    """Return ``[fn(job) for job in jobs]``, computed in-process, on a local pool of
    ``workers`` processes, or on a Dask cluster (``dask_address`` or ``client``).

    ``fn`` must be a top-level function and every job picklable (for ``workers > 1``
    and Dask).  ``progress(done, total, label)`` is called in this process after each
    finished job.  ``labels[i]`` names job ``i`` in progress and errors (default
    ``"job i"``).  ``connect_timeout`` bounds the wait for a Dask scheduler and for it
    to have at least one worker.

    Raises ``ValueError``/``TypeError`` for bad arguments (``workers`` not an int
    ``>= 1``, ``retries < 0``, label count mismatch, pool and Dask together),
    :class:`ProvingFailed` when a job fails for good, :class:`ClusterUnavailable` when
    the scheduler cannot be reached.  See the module docstring for retry semantics.

    Correctness: ``result[i]`` is always ``fn(jobs[i])`` (placed by index).
    """
    return [o.value for o in run_jobs_detailed(
        fn, jobs, workers=workers, dask_address=dask_address, client=client,
        retries=retries, progress=progress, labels=labels, connect_timeout=connect_timeout,
    )]


def run_jobs_detailed(
    fn: Callable[[Any], Any],
    jobs: list,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    client=None,
    retries: int = 2,
    progress: Optional[Progress] = None,
    labels: list[str] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> list[JobOutcome]:
    """As :func:`run_jobs`, but return a :class:`JobOutcome` per job (value, worker,
    time, peak RSS, attempts), in job order."""
    jobs = list(jobs)
    labels = _check_args(fn, jobs, workers, retries, labels, dask_address, client)
    if not jobs:
        return []
    if dask_address is not None or client is not None:
        return _run_dask(fn, jobs, labels, retries, progress, dask_address, client, connect_timeout)
    if workers == 1:
        return _run_inline(fn, jobs, labels, retries, progress)
    return _run_pool(fn, jobs, labels, min(workers, len(jobs)), retries, progress)


# --------------------------------------------------------------------------- back-ends


def _run_inline(fn, jobs, labels, retries, progress) -> list[JobOutcome]:
    out: list[JobOutcome] = []
    for i, job in enumerate(jobs):
        for attempt in range(1, retries + 2):
            try:
                value, worker, seconds, peak = _call(fn, job)
            except Exception as exc:  # noqa: BLE001 - reported as ProvingFailed
                if attempt > retries:
                    raise _job_failed(i, labels[i], exc, attempt) from exc
                continue
            out.append(JobOutcome(i, labels[i], value, worker, seconds, peak, attempt))
            break
        if progress is not None:
            progress(i + 1, len(jobs), labels[i])
    return out


def _terminate_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: kill its processes (a failed run must not wait for minutes of
    proving in the other workers), then join them."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _run_pool(fn, jobs, labels, nproc, retries, progress) -> list[JobOutcome]:
    n = len(jobs)
    ctx = multiprocessing.get_context(START_METHOD)
    threads = max(1, _threads.available_cpus() // nproc)
    results: list[Optional[JobOutcome]] = [None] * n
    attempts = [0] * n
    pending: deque[int] = deque(range(n))
    suspects: set[int] = set()  # were running when a worker died: re-run each alone
    inflight: dict = {}  # future -> job index
    payloads: dict[int, bytes] = {}  # job index -> pickled (fn, job), made on first submit
    done = 0
    pool: Optional[ProcessPoolExecutor] = None

    def may_submit(i: int) -> bool:
        if not inflight:
            return True
        if i in suspects or any(j in suspects for j in inflight.values()):
            return False
        return len(inflight) < nproc

    try:
        while pending or inflight:
            if pool is None:
                pool = ProcessPoolExecutor(
                    nproc, mp_context=ctx, initializer=_init_pool_worker, initargs=(threads,)
                )
            while pending and may_submit(pending[0]):
                i = pending.popleft()
                if i not in payloads:
                    try:
                        payloads[i] = pickle.dumps((fn, jobs[i]), protocol=pickle.HIGHEST_PROTOCOL)
                    except Exception as exc:  # noqa: BLE001 - PicklingError/TypeError/AttributeError
                        err = ProvingFailed(
                            f"job {i} ({labels[i]}) cannot be sent to a worker process (fn must be "
                            f"a top-level function and the job picklable): {_error_text(exc)}",
                            index=i, label=labels[i], error=_error_text(exc), attempts=0,
                        )
                        raise err from exc
                attempts[i] += 1
                inflight[pool.submit(_call_pickled, payloads[i])] = i
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                i = inflight.pop(fut)
                exc = fut.exception()
                if exc is None:
                    value, worker, seconds, peak = fut.result()
                    results[i] = JobOutcome(i, labels[i], value, worker, seconds, peak, attempts[i])
                    suspects.discard(i)
                    payloads.pop(i, None)
                    done += 1
                    if progress is not None:
                        progress(done, n, labels[i])
                elif isinstance(exc, BrokenProcessPool):
                    broken = True
                    inflight[fut] = i  # handled with the others below
                elif attempts[i] > retries:
                    raise _job_failed(i, labels[i], exc, attempts[i]) from exc
                else:
                    pending.appendleft(i)
            if broken:
                # Every job still in flight is lost with the pool.  Blame a job only if
                # it ran alone; otherwise un-count the attempt and re-run each alone.
                lost = sorted(inflight.values())
                inflight.clear()
                _terminate_pool(pool)
                pool = None
                if len(lost) == 1:
                    i = lost[0]
                    if attempts[i] > retries:
                        raise _worker_died(i, labels[i], attempts[i])
                    suspects.add(i)
                else:
                    for i in lost:
                        attempts[i] -= 1
                        suspects.add(i)
                pending.extendleft(reversed(lost))
    finally:
        if pool is not None:
            if inflight or pending:
                _terminate_pool(pool)
            else:
                pool.shutdown(wait=True)
    return results  # type: ignore[return-value]


def _connect(dask_address: str, connect_timeout: float):
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is an optional extra
        raise ClusterUnavailable(
            "Dask proving needs the 'distributed' package: pip install 'zkvm[dist]'",
            error=_error_text(exc),
        ) from exc
    try:
        return Client(dask_address, timeout=connect_timeout, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError/TimeoutError/ValueError from dask
        raise ClusterUnavailable(
            f"cannot reach the Dask scheduler at {dask_address} within {connect_timeout:g} s "
            f"({_error_text(exc)}); is `dask scheduler` running there and reachable?",
            error=_error_text(exc),
        ) from exc


def _workers_per_host(client) -> dict:
    """``{host: number of Dask worker processes there}`` from the scheduler (empty if it
    cannot say): each worker then takes its share of its machine's cores."""
    try:
        info = client.scheduler_info()
        return dict(Counter(w.get("host") for w in info.get("workers", {}).values()))
    except Exception:  # noqa: BLE001 - informational only
        return {}


def _run_dask(fn, jobs, labels, retries, progress, dask_address, client, connect_timeout):
    from distributed import as_completed

    own = client is None
    if own:
        client = _connect(dask_address, connect_timeout)
    futures: list = []
    try:
        try:
            client.wait_for_workers(1, timeout=connect_timeout)
        except Exception as exc:  # noqa: BLE001 - TimeoutError
            where = dask_address or getattr(client.scheduler, "address", "the scheduler")
            raise ClusterUnavailable(
                f"the Dask scheduler at {where} has no worker after {connect_timeout:g} s; "
                "start one with `dask worker ADDRESS --nworkers 1 --nthreads 1`",
                error=_error_text(exc),
            ) from exc
        token = uuid.uuid4().hex[:12]
        keys = [f"zkvm-job-{token}-{i}" for i in range(len(jobs))]
        per_host = _workers_per_host(client)
        futures = client.map(
            _call_dask, [fn] * len(jobs), jobs, [per_host] * len(jobs), key=keys, pure=False,
            retries=retries,
        )
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Optional[JobOutcome]] = [None] * len(jobs)
        done = 0
        for fut in as_completed(futures, loop=client.loop):
            i = index[fut.key]
            # result() waits out a finished job whose result was lost with its worker
            # (another job killing workers): the scheduler recomputes it, and its status
            # is not "finished" meanwhile -- not a cancellation
            try:
                value, worker, seconds, peak = fut.result()
                exc = None
            except (Exception, asyncio.CancelledError) as failed:  # the job's error,
                exc = failed  # KilledWorker, CancelledError (scheduler lost, client closed)
            if exc is not None:
                if fut.status == "cancelled" or isinstance(exc, (CancelledError,
                                                                 asyncio.CancelledError)):
                    raise ProvingFailed(
                        f"job {i} ({labels[i]}) was cancelled on the cluster (scheduler "
                        "connection lost or client closed)",
                        index=i, label=labels[i], error="CancelledError",
                    ) from exc
                if type(exc).__name__ == "KilledWorker":
                    err = ProvingFailed(
                        f"job {i} ({labels[i]}) failed: its Dask worker died every time it "
                        f"ran ({_error_text(exc)})",
                        index=i, label=labels[i], error=_error_text(exc),
                    )
                    raise err from exc
                raise _job_failed(i, labels[i], exc, None) from exc
            results[i] = JobOutcome(i, labels[i], value, worker, seconds, peak, None)
            done += 1
            if progress is not None:
                progress(done, len(jobs), labels[i])
        return results  # type: ignore[return-value]
    finally:
        # Release every task now (running ones are cancelled, finished results freed)
        # rather than when the Future objects happen to be garbage-collected.
        if futures:
            with contextlib.suppress(Exception):
                client.cancel(futures)
        if own:
            with contextlib.suppress(Exception):
                client.close()


# --------------------------------------------------------------------------- progress


@contextlib.contextmanager
def rich_progress(description: str = "proving", console=None, transient: bool = False) -> Iterator[Progress]:
    """Context manager yielding a ``progress(done, total, label)`` callback that drives a
    rich progress bar (on stderr by default)::

        with rich_progress("proving segments") as cb:
            receipts = run_jobs(prove_segment_job, jobs, workers=4, progress=cb)
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn,
        TimeElapsedColumn, TimeRemainingColumn,
    )

    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
        console=console if console is not None else Console(stderr=True),
        transient=transient,
    )
    task = bar.add_task(description, total=None, last="")

    def update(done: int, total: int, label: str) -> None:
        bar.update(task, completed=done, total=total, last=f"done: {label}")

    with bar:
        yield update

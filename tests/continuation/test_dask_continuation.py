"""Continuations on a Dask LocalCluster (2 worker processes): the multi-segment guest
proves and verifies, and losing a worker mid-run still yields a verifying receipt."""

from __future__ import annotations

import pytest

from tests.support.loop_guest import CHIPS, flaky_prove
from zkvm import continuation
from zkvm.machine import Machine, verify_composite
from zkvm.distributed import run_jobs
from zkvm.riscv.executor import execute

INPUT = bytes(range(50, 250))


@pytest.fixture(scope="module")
def client():
    import distributed
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    c = distributed.Client(cluster, set_as_default=False)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_dask_proves_segments_and_survives_a_killed_worker(client, loop_program,
                                                           testing_params, tmp_path):
    jobs = continuation.plan(loop_program, INPUT, testing_params, 10, chips=CHIPS)
    assert len(jobs) >= 3
    marker = tmp_path / "killed"
    recs = run_jobs(flaky_prove, [(str(marker), j) for j in jobs], client=client,
                    labels=[j.label for j in jobs])
    assert marker.exists()  # segment 1's first worker really died
    rec = continuation.assemble(jobs, recs, loop_program, testing_params, chips=CHIPS)
    m = Machine.for_program(loop_program, testing_params, chips=CHIPS)
    full = execute(loop_program, INPUT)
    assert verify_composite(rec.to_bytes(), m.image_id) == (full.exit_code, full.journal)

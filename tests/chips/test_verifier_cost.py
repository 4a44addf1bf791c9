"""The verifier's cost is bounded by the proof, not by the claim (issue 15): the journal
is public data (hashed into the transcript), its LogUp messages are summed vectorised
and last, so a forged receipt claiming a 16 MiB journal is rejected in seconds and a few
hundred MiB, and an honest large journal verifies in about the same."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.support.core_programs import echo_words
from zkvm.machine import Machine
from zkvm.receipt import MAX_JOURNAL, Receipt
from zkvm.riscv.layout import Program

_MEASURE = textwrap.dedent("""
    import json, resource, sys, time, tracemalloc
    from zkvm import api
    from zkvm.stark.errors import VerificationError
    data = open(sys.argv[1], "rb").read()
    image_id = bytes.fromhex(sys.argv[2])
    # warm-up: the honest receipt builds the verifier's machine for this image (a one-time
    # cost per image ID, independent of any receipt); then time the receipt under test
    api.verify(open(sys.argv[3], "rb").read(), image_id)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()  # numpy arrays are traced too: the peak of this verification
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        api.verify(data, image_id)
        verdict = "accepted"
    except VerificationError as e:
        verdict = type(e).__name__
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = tracemalloc.get_traced_memory()[1]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"verdict": verdict, "seconds": dt, "cpu_seconds": cpu,
                      "peak_mib": peak / 2**20, "rss_mib": rss / 1024,
                      "rss_growth_mib": (rss - rss0) / 1024}))
""")


def _measure(tmp_path, receipt_bytes: bytes, image_id: bytes, warm: bytes) -> dict:
    path = tmp_path / "r.bin"
    path.write_bytes(receipt_bytes)
    wpath = tmp_path / "warm.bin"
    wpath.write_bytes(warm)
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path), image_id.hex(), str(wpath)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def honest(testing_params):
    m = Machine.for_program(Program.from_words(echo_words()), testing_params)
    return m, m.prove(b"hello world")


def test_forged_16_mib_journal_rejected_fast(honest, tmp_path):
    m, r = honest
    forged = Receipt(r.vk, r.exit_code, bytes(range(256)) * (MAX_JOURNAL // 256), r.proof,
                     elf_sha256=r.elf_sha256)
    got = _measure(tmp_path, forged.to_bytes(), m.image_id, r.to_bytes())
    assert got["verdict"] != "accepted"
    # CPU time, not wall time: the test machine may be shared (docs/benchmarks.md gives
    # the wall time on an idle machine)
    assert got["cpu_seconds"] <= 5.0, got
    # memory of this verification (the process's baseline -- interpreter, numba, the
    # verifier's compiled system from the warm-up -- is not the receipt's cost)
    assert got["peak_mib"] <= 500 and got["rss_growth_mib"] <= 500, got


def test_system_does_not_depend_on_the_journal_length(honest):
    m, r = honest
    assert m.system() is m.system()
    assert len(m._systems) <= 2  # the run system (and at most the segment one)

"""``zkvm prove --segment-po2`` writes a composite receipt that ``zkvm verify`` accepts,
with the same exit code and journal as the monolithic run; bad options are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from zkvm.cli import app
from zkvm.receipt import CompositeReceipt

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def fib_elf():
    from zkvm.toolchain import cached_build

    return cached_build(REPO / "examples" / "fibonacci", REPO / ".zkvm-cache" / "elf",
                        name="fibonacci")


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_prove_segments_and_verify(fib_elf, tmp_path):
    from zkvm import api

    out = tmp_path / "r.bin"
    inp = REPO / "examples" / "fibonacci" / "input.bin"
    r = runner.invoke(app, ["prove", str(fib_elf), "-i", str(inp), "--params", "testing",
                            "--segment-po2", "12", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "segments" in r.output
    rec = CompositeReceipt.from_bytes(out.read_bytes())
    assert len(rec.segments) >= 2
    import re

    peak = re.search(r"peak memory +([0-9.]+) GiB", r.output)
    per = re.search(r"per segment +([0-9.]+)–([0-9.]+) s", r.output)
    assert peak and 0.05 < float(peak.group(1)) < 64, r.output   # a real RSS, in GiB
    assert per and 0 < float(per.group(1)) <= float(per.group(2)), r.output
    iid = api.image_id(fib_elf, params="testing").hex()
    v = runner.invoke(app, ["verify", str(out), "--image-id", iid])
    assert v.exit_code == 0, v.output
    run = api.run(fib_elf, inp.read_bytes())
    assert rec.exit_code == run.exit_code and rec.journal == run.journal


@pytest.mark.parametrize("args,msg", [
    (["--segment-po2", "5"], "segment_po2 must be an integer in"),
    (["--segment-po2", "30"], "segment_po2 must be an integer in"),
    (["--workers", "0"], "--workers must be >= 1"),
    (["--segment-po2", "12", "--pad-cycles", "100000"], "cannot be combined"),
    (["--workers", "2", "--dask", "tcp://127.0.0.1:1"], "cannot be combined"),
])
def test_bad_segment_options(fib_elf, tmp_path, args, msg):
    r = runner.invoke(app, ["prove", str(fib_elf), "--params", "testing", "-o",
                            str(tmp_path / "r.bin"), *args])
    assert r.exit_code != 0
    assert msg in r.output


def test_workers_sized_to_memory(fib_elf, tmp_path, monkeypatch):
    """``--workers N`` on a machine without memory for N segment provers proves on as
    many as fit, with a note; with room for all of them nothing changes."""
    from zkvm import api, threads
    from zkvm.continuation import segment_peak_bytes
    from zkvm.stark.params import StarkParams

    seen = []

    class Stop(Exception):
        pass

    def fake(*a, workers=1, **kw):
        seen.append(workers)
        raise Stop

    monkeypatch.setattr(api, "prove_segments", fake)
    peak = segment_peak_bytes(12, StarkParams.testing())
    for avail, want in [(2 * peak + peak // 2, 2), (100 * peak, 3), (peak // 3, 1)]:
        monkeypatch.setattr(threads, "available_memory", lambda a=avail: a)
        r = runner.invoke(app, ["prove", str(fib_elf), "--params", "testing", "-o",
                                str(tmp_path / "r.bin"), "--segment-po2", "12",
                                "--workers", "3"])
        assert isinstance(r.exception, Stop) and seen[-1] == want
        assert ("note: 3 workers would need about" in r.output) == (want < 3), r.output
        if want < 3:
            assert f"proving on {want}" in r.output

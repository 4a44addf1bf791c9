"""``zkvm run`` says whether a run can be proven, and ``zkvm prove`` never dies of memory:
it checks the run first (no tracing), names an unprovable syscall, stops a guest that
never exits at the cycle limit, and proves a run too long for one proof as segments."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from zkvm import api
from zkvm.cli import app


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture(scope="module")
def guests(tmp_path_factory):
    root = tmp_path_factory.mktemp("g")
    srcs = {
        "badfd": '#include <unistd.h>\nint main(void) { write(7, "x", 1); return 0; }\n',
        "spin": "int main(void) { volatile int x = 0; for (;;) x++; }\n",
    }
    out = {}
    for name, code in srcs.items():
        d = root / name
        d.mkdir()
        (d / "main.c").write_text(code)
        out[name] = root / f"{name}.elf"
        api.build(d, out[name], image_id_params=None)
    return out


def test_run_reports_provability(example_elfs, guests):
    r = invoke("run", example_elfs["fibonacci"], "--input", "examples/fibonacci/input.bin")
    assert r.exit_code == 0 and "provable       yes" in r.output
    r = invoke("run", guests["badfd"])
    assert r.exit_code == 0
    assert "provable       no: write on fd 7 (only 1, 2 and 3 are supported) at pc 0x" in r.output


def test_prove_names_the_unprovable_call_before_tracing(guests, tmp_path):
    r = invoke("prove", guests["badfd"], "-o", tmp_path / "r.bin", "--params", "testing")
    assert r.exit_code == 2 and "cannot prove this execution: write on fd 7" in r.output
    assert not (tmp_path / "r.bin").exists()


def test_prove_stops_a_guest_that_never_exits(guests, tmp_path):
    r = invoke("prove", guests["spin"], "--max-cycles", "200000", "-o", tmp_path / "r.bin")
    assert r.exit_code == 2 and "cycle limit" in r.output.lower()


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_long_run_is_proven_as_segments(example_elfs, tmp_path, monkeypatch):
    monkeypatch.setattr(api, "MONOLITHIC_MAX_CYCLES", 2000)  # fibonacci: ~7.6k cycles
    out = tmp_path / "r.bin"
    r = invoke("prove", example_elfs["fibonacci"], "--input", "examples/fibonacci/input.bin",
               "-o", out, "--params", "testing")
    assert r.exit_code == 0, r.output
    assert "proving it as continuation segments" in r.output
    code, journal = api.verify(out, api.image_id(example_elfs["fibonacci"], params="testing"))
    assert code == 0 and len(journal) == 4
    with pytest.raises(Exception, match="segment-po2"):
        api.prove(example_elfs["fibonacci"], (10).to_bytes(4, "little"), params="testing")

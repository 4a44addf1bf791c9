"""``zkvm evm ...``: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from zkvm.cli import app

from .conftest import require_statetests

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["evm", *args])


@pytest.fixture()
def small_suite(tmp_path):
    """stShift (17 cases) and stExample copied into a folder without cases.txt."""
    d = require_statetests()
    out = tmp_path / "suite"
    for sub in ("stShift", "stExample"):
        shutil.copytree(d / sub, out / sub)
    return out


def test_statetest_directory(small_suite):
    r = invoke("statetest", str(small_suite))
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    # every case of the folder: stShift 17 + stExample (both files, all Cancun indexes)
    assert any(ln.endswith(" passed, 0 failed") for ln in lines), r.output
    assert "FAIL" not in r.output


def test_statetest_failure_line_and_exit_code(small_suite, tmp_path):
    f = small_suite / "stShift" / "shl01.json"
    data = json.loads(f.read_text())
    data["shl01"]["post"]["Cancun"][0]["hash"] = "0x" + "00" * 32
    f.write_text(json.dumps(data))
    r = invoke("statetest", str(small_suite / "stShift"))
    assert r.exit_code == 1
    assert "FAIL  shl01.json::shl01::Cancun::0: state root 0x" in r.output
    assert "16 passed, 1 failed" in r.output


def test_statetest_case_list(tmp_path):
    d = require_statetests()
    lst = tmp_path / "cases.txt"
    lines = [ln for ln in (d / "cases.txt").read_text().splitlines() if ln.startswith("stShift/")][:3]
    lst.write_text("# three cases\n" + "\n".join(lines) + "\n")
    # paths are relative to the list's folder: point the list at the fixtures
    (tmp_path / "stShift").symlink_to(d / "stShift")
    r = invoke("statetest", "--cases", str(lst), str(tmp_path))
    assert r.exit_code == 0, r.output
    assert "3 passed, 0 failed" in r.output


def test_statetest_jobs(small_suite):
    r = invoke("statetest", "-j", "2", str(small_suite / "stShift"))
    assert r.exit_code == 0, r.output
    assert "17 passed, 0 failed" in r.output


@pytest.mark.parametrize("content,msg", [
    ("{not json", "not valid JSON"),
    ('{"t": {"post": {"Cancun": [{"hash": "0x00"}]}}}', "missing"),
    ('{"t": {"env": {}, "pre": {}, "transaction": {}, "post": {"Cancun": [{"hash": "0x12"}]}}}', "env: missing"),
    ('[1, 2]', "expected a JSON object"),
])
def test_statetest_malformed_fixture(tmp_path, content, msg):
    f = tmp_path / "bad.json"
    f.write_text(content)
    r = invoke("statetest", str(f))
    assert r.exit_code == 2
    assert r.output.startswith("error: ") and msg in r.output and "Traceback" not in r.output


def test_statetest_missing_path(tmp_path):
    r = invoke("statetest", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "no such file" in r.output


def test_run_prints_journal():
    d = require_statetests()
    r = invoke("run", str(d / "stShift" / "shl01.json"))
    assert r.exit_code == 0, r.output
    for field in ("pre-state root", "post-state root", "logs hash", "gas used", "status", "fixture            match"):
        assert field in r.output


def test_run_bad_case_name():
    d = require_statetests()
    r = invoke("run", str(d / "stShift" / "shl01.json"), "--case", "nope")
    assert r.exit_code == 2 and "no Cancun case named 'nope'" in r.output
    r = invoke("run", str(d / "stShift" / "shl01.json"), "--index", "7")
    assert r.exit_code == 2 and "no Cancun post-state 7" in r.output


def test_image_id_pinned():
    """The pinned image IDs are those of the guest built from these sources (refresh
    with `zkvm evm image-id --write` after changing the guest, the toolchain or the
    circuits)."""
    r = invoke("image-id")
    assert r.exit_code == 0, r.output


def test_verify_unreadable_and_garbage(tmp_path):
    r = invoke("verify", str(tmp_path / "missing.bin"))
    assert r.exit_code == 2 and "cannot read receipt" in r.output
    (tmp_path / "g.bin").write_bytes(b"garbage")
    r = invoke("verify", str(tmp_path / "g.bin"))
    assert r.exit_code == 1 and "receipt rejected" in r.output
    r = invoke("verify", str(tmp_path / "g.bin"), "--params", "fast")
    assert r.exit_code == 2


def test_docs_print_the_pinned_image_ids():
    from pathlib import Path

    from zkvm.evm.host import pinned_image_ids

    doc = (Path(__file__).resolve().parents[2] / "docs" / "evm.md").read_text()
    for preset, iid in pinned_image_ids().items():
        assert iid.hex() in doc, f"docs/evm.md does not show the pinned {preset} image ID"

"""The light ``zkvm`` entry point (:mod:`zkvm.entry`): ``zkvm run`` without typer, rich
or (for short guests) numba, with the same output, exit codes and error lines as the
full CLI; everything else goes to the full CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zkvm.cli import app
from zkvm.entry import _parse_run

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"


def zkvm(*args, **kw):
    """``zkvm ARGS`` as the console script runs it (a fresh process)."""
    code = "import sys; from zkvm.entry import main; sys.argv[0] = 'zkvm'; main()"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          timeout=300, **kw)


def test_parse_run():
    assert _parse_run(["a.elf"]) == {"elf": "a.elf", "input": None, "journal": None,
                                     "max_cycles": None}
    assert _parse_run(["-i", "in", "a.elf", "--journal=j", "--max-cycles", "9"]) == \
        {"elf": "a.elf", "input": "in", "journal": "j", "max_cycles": 9}
    for bad in ([], ["--help"], ["a.elf", "b.elf"], ["a.elf", "--max-cycles", "0"],
                ["a.elf", "--max-cycles", "x"], ["a.elf", "-i"], ["a.elf", "-i", "x", "-i", "y"],
                ["a.elf", "--bogus"], ["a.elf", "-i=x"]):
        assert _parse_run(bad) is None, bad


def test_run_same_as_full_cli(tmp_path, example_elfs):
    """Same stdout, exit code and journal file through the fast path and through typer;
    the fast path does not import typer, rich or numba for this guest."""
    elf = example_elfs["fibonacci"]
    inp = EX / "fibonacci" / "input.bin"
    j1, j2 = tmp_path / "j1", tmp_path / "j2"
    fast = zkvm("run", elf, "--input", inp, "--journal", j1)
    full = CliRunner().invoke(app, ["run", str(elf), "--input", str(inp), "--journal", str(j2)])
    assert fast.returncode == full.exit_code == 0
    assert fast.stdout.decode().replace(str(j1), "J") == full.stdout.replace(str(j2), "J")
    assert j1.read_bytes() == j2.read_bytes()
    probe = ("import sys; from zkvm.entry import main; sys.argv = ['zkvm', 'run', %r, '-i', %r]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('typer', 'rich', 'numba', 'pydantic') if m in sys.modules),"
             " file=sys.stderr)") % (str(elf), str(inp))
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert p.stderr.strip().endswith("[]"), p.stderr


@pytest.mark.parametrize("case", ["bad_elf", "missing", "exit1", "cycles"])
def test_run_errors_same_as_full_cli(tmp_path, example_elfs, case):
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"\x7fELF" + bytes(60))
    args = {"bad_elf": ["run", bad],
            "missing": ["run", tmp_path / "nope.elf"],
            "exit1": ["run", example_elfs["fibonacci"], "--input", tmp_path / "nope.bin"],
            "cycles": ["run", example_elfs["fibonacci"], "--input", EX / "fibonacci" / "input.bin",
                       "--max-cycles", "100"]}[case]
    fast = zkvm(*args)
    full = CliRunner().invoke(app, [str(a) for a in args])
    assert fast.returncode == full.exit_code != 0
    assert fast.stderr.decode().strip() == full.stderr.strip()
    assert b"Traceback" not in fast.stderr


def test_other_commands_and_help_go_to_the_full_cli():
    p = zkvm("run", "--help")
    assert p.returncode == 0 and b"--max-cycles" in p.stdout
    p = zkvm("--version")
    assert p.returncode == 0 and p.stdout.startswith(b"zkvm ")
    p = zkvm("run", "a.elf", "--bogus")
    assert p.returncode == 2 and b"Traceback" not in p.stderr

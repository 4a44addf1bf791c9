"""The ``zkvm`` command line: build, run, summaries, and clean errors (no tracebacks)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zkvm import __version__
from zkvm.cli import app

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"


def invoke(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0
    assert r.stdout.startswith(f"zkvm {__version__}") and "zig 0.17.0" in r.stdout


def test_build_prints_path_size_sha256(tmp_path, example_elfs):
    out = tmp_path / "fib.elf"
    r = invoke("build", EX / "fibonacci", "-o", out, "-O2")
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert data == example_elfs["fibonacci"].read_bytes()
    assert str(out) in r.stdout
    assert f"{len(data)} bytes" in r.stdout
    assert hashlib.sha256(data).hexdigest() in r.stdout


def test_build_default_output_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("build", EX / "sha256")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "sha256.elf").is_file()


def test_build_errors(tmp_path):
    (tmp_path / "bad.c").write_text("int main(void) { syntax error }\n")
    r = invoke("build", tmp_path / "bad.c", "-o", tmp_path / "bad.elf")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: compilation failed") and "src/bad.c:1:" in r.stderr
    r = invoke("build", EX / "fibonacci", "-O", "9", "-o", tmp_path / "x.elf")
    assert r.exit_code == 2 and "unknown optimisation level" in r.stderr
    r = invoke("build", tmp_path / "nothing-here")
    assert r.exit_code == 1 and "no such file or directory" in r.stderr


RUNS = [
    ("fibonacci", "input.bin", b"fib(n) mod 2^32 = 1556111435\n", bytes.fromhex("4b60c05c")),
    ("sha256", "input.txt", (hashlib.sha256(b"abc").hexdigest() + "\n").encode(), hashlib.sha256(b"abc").digest()),
    ("battleship", "input-miss.bin", b"board valid; shot (5, 5): miss\n", None),
]


@pytest.mark.parametrize("example,input_name,stdout,journal", RUNS, ids=[r[0] for r in RUNS])
def test_run_examples(tmp_path, example_elfs, example, input_name, stdout, journal):
    jfile = tmp_path / "journal.bin"
    r = invoke("run", example_elfs[example], "--input", EX / example / input_name, "--journal", jfile)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(stdout.decode())
    written = jfile.read_bytes()
    if journal is not None:
        assert written == journal
    assert "exit code      0" in r.stdout
    assert int(r.stdout.split("cycles")[1].split()[0]) > 1000
    assert f"journal        {len(written)} bytes" in r.stdout
    assert f"journal hex    {written.hex()}" in r.stdout
    assert f"journal sha256 {hashlib.sha256(written).hexdigest()}" in r.stdout


def test_run_guest_exit_code_nonzero(example_elfs):
    r = invoke("run", example_elfs["battleship"], "-i", EX / "battleship" / "input-invalid-board.bin")
    assert r.exit_code == 1
    assert "exit code      1" in r.stdout
    assert "invalid board" in r.stderr
    assert "error: guest exited with code 1" in r.stderr


def test_run_without_input_reports_short_input(example_elfs):
    r = invoke("run", example_elfs["fibonacci"])
    assert r.exit_code == 1
    assert "private input too short" in r.stderr and "exit code      250" in r.stdout


def test_run_bad_elf(tmp_path, example_elfs):
    text = tmp_path / "notes.txt"
    text.write_text("hello, not an ELF\n")
    r = invoke("run", text)
    assert r.exit_code == 2
    assert r.stderr.startswith("error: invalid ELF") and "\n" == r.stderr[-1]
    truncated = tmp_path / "trunc.elf"
    truncated.write_bytes(example_elfs["fibonacci"].read_bytes()[:200])
    r = invoke("run", truncated)
    assert r.exit_code == 2 and r.stderr.startswith("error: invalid ELF")
    r = invoke("run", tmp_path / "missing.elf")
    assert r.exit_code == 2 and "cannot read ELF" in r.stderr


def test_run_max_cycles_too_small(example_elfs):
    r = invoke("run", example_elfs["fibonacci"], "-i", EX / "fibonacci" / "input.bin", "--max-cycles", "100")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: cycle limit of 100 instructions exceeded at pc 0x")
    r = invoke("run", example_elfs["fibonacci"], "--max-cycles", "0")
    assert r.exit_code == 2  # usage error from the option's min=1


def test_run_missing_input_file(tmp_path, example_elfs):
    r = invoke("run", example_elfs["fibonacci"], "--input", tmp_path / "nope.bin")
    assert r.exit_code == 2 and "cannot read input" in r.stderr


def test_long_journal_is_truncated_in_summary(tmp_path):
    src = tmp_path / "g.c"
    src.write_text('#include "zkvm.h"\nint main(void) { static unsigned char b[300]; '
                   "for (int i = 0; i < 300; i++) b[i] = (unsigned char)i; zkvm_commit(b, 300); return 0; }\n")
    out = tmp_path / "g.elf"
    assert invoke("build", src, "-o", out).exit_code == 0
    r = invoke("run", out)
    assert r.exit_code == 0
    assert "journal        300 bytes" in r.stdout
    assert f"journal hex    {bytes(range(64)).hex()}..." in r.stdout
    assert hashlib.sha256(bytes(i & 0xFF for i in range(300))).hexdigest() in r.stdout


def test_console_script_in_a_real_process(tmp_path):
    """A real process: stderr has one error line and no traceback."""
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"\x7fELF" + b"\x00" * 60)
    p = subprocess.run([sys.executable, "-m", "zkvm.cli", "run", str(bad)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 2
    assert p.stderr.startswith("error: invalid ELF") and "Traceback" not in p.stderr


def test_disasm(example_elfs, tmp_path):
    r = invoke("disasm", example_elfs["fibonacci"], "-n", "4")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 4 and all(len(line.split()) >= 3 for line in lines)
    # Every word of the examples' code is an instruction the zkvm executes (no RVC, F, D).
    for name, path in example_elfs.items():
        full = invoke("disasm", path)
        assert full.exit_code == 0 and ".word" not in full.stdout, name
    (tmp_path / "x.elf").write_bytes(b"junk")
    r = invoke("disasm", tmp_path / "x.elf")
    assert r.exit_code == 2 and r.stderr.startswith("error: invalid ELF")


def test_format_instruction_matches_known_encodings():
    from zkvm.api import format_instruction

    assert format_instruction(0x00112623, 0) == "sw x1, 12(x2)"
    assert format_instruction(0x00830067, 0) == "jalr x0, 8(x6)"
    assert format_instruction(0xFFFFF197, 0x11A24) == "auipc x3, 0xfffff"
    assert format_instruction(0x0AC69C63, 0x11ADC) == "bne x13, x12, 0x11b94"  # objdump: bne a3,a2,0x11b94
    assert format_instruction(0x00000073, 0) == "ecall"
    assert format_instruction(0xFFFFFFFF, 0) == ".word 0xffffffff"

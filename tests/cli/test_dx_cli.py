"""Developer-experience features through the real ``zkvm`` command (a subprocess each):
dev mode, cycle regions, the profiler, honest diagnostics, ``zkvm new`` (issue 20).

Guests live in tests/cli/guests/; they are built once per session with ``zkvm build``
(so each has its debug copy for symbols). The image-ID cache is a per-session directory.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from zkvm.api import Input, Journal

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"
GUESTS = Path(__file__).resolve().parent / "guests"
BANNER = "DEV RECEIPT \u2014 NOT A PROOF"


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    e = dict(os.environ)
    e["NUMBA_CACHE_DIR"] = str(REPO / ".zkvm-cache" / "numba")
    e["ZKVM_IMAGE_ID_CACHE"] = str(tmp_path_factory.mktemp("image-id-cache"))
    e.pop("ZKVM_DEV", None)
    e["PYTHONIOENCODING"] = "utf-8"
    return e


def zkvm(env, *args, extra_env=None, timeout=600):
    """Run ``python -m zkvm.cli ARGS``; return the CompletedProcess (text)."""
    e = dict(env, **(extra_env or {}))
    p = subprocess.run([sys.executable, "-m", "zkvm.cli", *map(str, args)], capture_output=True, text=True,
                       env=e, timeout=timeout, encoding="utf-8")
    assert "Traceback" not in p.stderr, p.stderr
    return p


@pytest.fixture(scope="session")
def elfs(env, tmp_path_factory):
    """Every guest of tests/cli/guests and examples/fibonacci, built by ``zkvm build``
    (no image ID: faster), with debug copies."""
    d = tmp_path_factory.mktemp("dx-elfs")
    out = {}
    for src in [*sorted(GUESTS.iterdir()), EX / "fibonacci"]:
        elf = d / f"{src.name}.elf"
        p = zkvm(env, "build", src, "-o", elf, "--no-image-id")
        assert p.returncode == 0, p.stderr
        assert (d / f"{src.name}.debug").is_file(), p.stdout
        out[src.name] = elf
    return out


def u32_file(tmp_path, n: int, name: str = "in.bin") -> Path:
    p = tmp_path / name
    p.write_bytes(Input().u32(n).to_bytes())
    return p


def cycles_of(stdout: str) -> int:
    return int(stdout.split("cycles")[1].split()[0].replace(",", ""))


def regions_of(stdout: str) -> dict:
    """``{name: (count, total)}`` from the run summary's region table."""
    out = {}
    lines = stdout.split("--- cycle regions")[1].splitlines()[2:]
    for ln in lines:
        parts = ln.split()
        if len(parts) >= 3 and parts[1].replace(",", "").isdigit():
            out[parts[0]] = (int(parts[1].replace(",", "")), int(parts[2].replace(",", "")))
    return out


# ---------------------------------------------------------------------------- dev mode
def test_dev_receipt_rejected_without_dev_flag(env, elfs, tmp_path):
    inp = EX / "fibonacci" / "input.bin"
    rcpt = tmp_path / "dev.receipt"
    p = zkvm(env, "prove", elfs["fibonacci"], "-i", inp, "--dev", "-o", rcpt, "--params", "testing")
    assert p.returncode == 0, p.stderr
    assert BANNER in p.stdout and BANNER in p.stderr and "fib(n) mod 2^32 = 1556111435" in p.stdout
    iid = zkvm(env, "image-id", elfs["fibonacci"], "--params", "testing").stdout.split()[2]

    rejected = zkvm(env, "verify", rcpt, "--image-id", iid)
    assert rejected.returncode == 1
    assert "DevReceiptRejected" in rejected.stderr and BANNER in rejected.stderr
    assert "verify: OK" not in rejected.stdout

    ok = zkvm(env, "verify", rcpt, "--image-id", iid, "--dev")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(BANNER) and ok.stdout.rstrip().endswith(BANNER)
    assert "journal hex    4b60c05c" in ok.stdout and "security       none" in ok.stdout

    via_env = zkvm(env, "verify", rcpt, "--image-id", iid, extra_env={"ZKVM_DEV": "1"})
    assert via_env.returncode == 0 and BANNER in via_env.stdout

    # ZKVM_DEV=1 turns `zkvm prove` into dev mode too; the receipt is the same kind.
    rcpt2 = tmp_path / "dev2.receipt"
    p = zkvm(env, "prove", elfs["fibonacci"], "-i", inp, "-o", rcpt2, "--params", "testing",
             extra_env={"ZKVM_DEV": "1"})
    assert p.returncode == 0 and BANNER in p.stdout
    assert rcpt2.read_bytes()[:8] == b"ZKVMDEVR"
    # A dev receipt checked against another image ID is rejected even in dev mode.
    other = zkvm(env, "verify", rcpt, "--image-id", "00" * 32, "--dev")
    assert other.returncode == 1 and "ImageIdMismatch" in other.stderr


def test_dev_mode_refuses_segment_and_padding_options(env, elfs, tmp_path):
    p = zkvm(env, "prove", elfs["fibonacci"], "-i", EX / "fibonacci" / "input.bin", "--dev", "--workers", "2",
             "-o", tmp_path / "x")
    assert p.returncode == 2 and "cannot be combined" in p.stderr
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------------------- regions
def test_region_counts_equal_the_cycle_differences_run_measures(env, elfs, tmp_path):
    runs = {}
    for n in (0, 5, 9):
        p = zkvm(env, "run", elfs["regions"], "-i", u32_file(tmp_path, n, f"n{n}.bin"))
        assert p.returncode == 0, p.stderr
        runs[n] = (cycles_of(p.stdout), regions_of(p.stdout))
    for n in (5, 9):
        cycles, reg = runs[n]
        assert reg["outer"][0] == 1 and reg["inner"][0] == n
        # Extra rounds cost exactly what the "outer" region grew by, as `run` counts.
        assert cycles - runs[0][0] == reg["outer"][1] - runs[0][1]["outer"][1]
        # ... and every inner region has the same length (a fixed loop of 10 steps).
        assert reg["inner"][1] % n == 0 and reg["inner"][1] // n > 10
    assert "inner" not in runs[0][1]  # never entered: not listed
    assert runs[9][0] - runs[5][0] == runs[9][1]["outer"][1] - runs[5][1]["outer"][1]


def test_no_region_table_without_markers(env, elfs):
    p = zkvm(env, "run", elfs["fibonacci"], "-i", EX / "fibonacci" / "input.bin")
    assert p.returncode == 0 and "cycle regions" not in p.stdout


# ---------------------------------------------------------------------------- profiler
def test_profile_totals_add_up_and_name_main_and_helper(env, elfs, tmp_path):
    inp = u32_file(tmp_path, 20)
    run = zkvm(env, "run", elfs["hot"], "-i", inp)
    assert run.returncode == 0
    cycles = cycles_of(run.stdout)
    out = tmp_path / "prof"
    p = zkvm(env, "profile", elfs["hot"], "-i", inp, "-o", out)
    assert p.returncode == 0, p.stderr
    assert f"{cycles:,}" in p.stdout and "hot.debug" in p.stdout
    # Collapsed stacks: every cycle exactly once.
    folded = (out / "stacks.folded").read_text().splitlines()
    assert sum(int(line.rsplit(" ", 1)[1]) for line in folded) == cycles
    stacks = {line.rsplit(" ", 1)[0] for line in folded}
    assert any(st.endswith(";main;checksum") for st in stacks)
    # checksum() ends in a tail call to mix() (`jr` with rd = x0): mix replaces its frame.
    assert any(st.endswith(";main;mix") for st in stacks)
    # The report: exclusive cycles sum to the run's cycles; main and the helper are named.
    rows = {}
    for line in (out / "profile.txt").read_text().splitlines()[3:]:
        parts = line.split()
        if len(parts) >= 8 and parts[1].replace(",", "").isdigit():
            rows[parts[0]] = (int(parts[1].replace(",", "")), int(parts[3].replace(",", "")))
    assert sum(e for e, _ in rows.values()) == cycles
    assert "main" in rows and "checksum" in rows and "mix" in rows
    assert rows["checksum"][0] > cycles // 2  # the hot helper
    assert rows["main"][1] >= rows["checksum"][1] + rows["main"][0]  # inclusive covers callees
    # The flame graph is SVG (drawn by a library) that names the functions.
    svg = (out / "flamegraph.svg").read_text()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and "checksum" in svg and "main" in svg


def test_profile_without_symbols_says_so(env, elfs, tmp_path):
    stripped = tmp_path / "alone.elf"
    stripped.write_bytes(elfs["hot"].read_bytes())  # no debug copy next to it
    p = zkvm(env, "profile", stripped, "-i", u32_file(tmp_path, 2), "-o", tmp_path / "p")
    assert p.returncode == 0 and "no symbols" in p.stdout and "[unknown]" in p.stdout
    stale = tmp_path / "alone.debug"
    stale.write_bytes((elfs["fibonacci"].with_suffix(".debug")).read_bytes())
    p = zkvm(env, "profile", stripped, "-i", u32_file(tmp_path, 2), "-o", tmp_path / "p2")
    assert p.returncode == 0 and "stale" in p.stdout
    bad = zkvm(env, "profile", stripped, "--symbols", stale, "-o", tmp_path / "p3")
    assert bad.returncode == 2 and "not the same program" in bad.stderr


# ---------------------------------------------------------------------------- diagnostics
def test_fault_shows_pre_fault_output_and_symbolised_pc(env, elfs, tmp_path):
    p = zkvm(env, "run", elfs["crash"], "-i", u32_file(tmp_path, 1))
    assert p.returncode == 2
    assert p.stdout == "about to crash\n"
    assert "stderr before the crash" in p.stderr
    err = p.stderr.strip().splitlines()[-1]
    assert err.startswith("error: read of unmapped or protected address 0x00000000 at pc 0x")
    assert " in parse_row+0x" in err and "(parse.c:" in err
    # --guest-stdout writes it to a file instead.
    p = zkvm(env, "run", elfs["crash"], "-i", u32_file(tmp_path, 1), "--guest-stdout", tmp_path / "out.txt")
    assert p.returncode == 2 and p.stdout == "" and (tmp_path / "out.txt").read_text() == "about to crash\n"


def test_prove_shows_guest_output_and_faults(env, elfs, tmp_path):
    p = zkvm(env, "prove", elfs["crash"], "-i", u32_file(tmp_path, 1), "-o", tmp_path / "r.bin",
             "--params", "testing")
    assert p.returncode == 2 and "about to crash" in p.stdout and "in parse_row+0x" in p.stderr
    assert not (tmp_path / "r.bin").exists()


@pytest.mark.slow
def test_stack_overflow_is_named(env, elfs, tmp_path):
    p = zkvm(env, "run", elfs["overflow"], "-i", u32_file(tmp_path, 0))
    assert p.returncode == 2 and p.stdout == "descending\n"
    err = p.stderr.strip().splitlines()[-1]
    assert err.startswith("error: stack overflow:") and "stack limit 0x30000000" in err
    assert "256 MiB" in err and "in descend+0x" in err


def test_output_paths_are_checked_before_any_work(env, elfs, tmp_path):
    t0 = time.monotonic()
    p = zkvm(env, "prove", elfs["fibonacci"], "-i", EX / "fibonacci" / "input.bin", "-o", tmp_path / "missing" / "r")
    assert p.returncode == 2 and "does not exist" in p.stderr and "proving" not in p.stdout
    assert time.monotonic() - t0 < 30  # no proof was attempted (a default-params proof takes minutes)
    d = tmp_path / "existing_dir"
    d.mkdir()
    p = zkvm(env, "build", EX / "fibonacci", "-o", d)
    assert p.returncode == 1 and "is a directory" in p.stderr
    assert list(d.iterdir()) == [] and not list(tmp_path.glob("*.part"))
    p = zkvm(env, "run", elfs["fibonacci"], "-i", EX / "fibonacci" / "input.bin", "--journal", d)
    assert p.returncode == 2 and "is a directory" in p.stderr


@pytest.mark.slow
def test_image_id_is_fast_once_built(env, tmp_path):
    elf = tmp_path / "fib.elf"
    p = zkvm(env, "build", EX / "fibonacci", "-o", elf, "--params", "testing")
    assert p.returncode == 0, p.stderr
    built_id = p.stdout.split("image  ")[1].split()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = zkvm(env, "image-id", elf, "--params", "testing")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert p.returncode == 0 and p.stdout.split()[2] == built_id
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 1.0, f"zkvm image-id used {cpu:.2f} s of CPU"
    # The digest path imports neither numba nor the circuits.
    code = ("import sys, zkvm.cli as c\nsys.argv = ['zkvm', 'image-id', sys.argv[1], '--params', 'testing']\n"
            "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY' if {'numba', 'zkvm.machine'} & set(sys.modules) else 'LIGHT')")
    q = subprocess.run([sys.executable, "-c", code, str(elf)], capture_output=True, text=True, env=env, timeout=120)
    assert q.stdout.strip().endswith("LIGHT"), q.stdout + q.stderr
    # Without the cache the same ID is computed from scratch.
    p = zkvm(env, "image-id", elf, "--params", "testing", "--no-cache")
    assert p.returncode == 0 and p.stdout.split()[2] == built_id


def test_verify_journal_option_never_overwrites(env, elfs, tmp_path):
    target = tmp_path / "expected.bin"
    target.write_bytes(b"precious")
    p = zkvm(env, "verify", tmp_path / "nonexistent.receipt", "--image-id", "00" * 32, "--journal", target)
    assert p.returncode == 2 and "--expect-journal" in p.stderr and "--write-journal" in p.stderr
    assert target.read_bytes() == b"precious"


@pytest.fixture(scope="module")
def real_receipt(env, elfs, tmp_path_factory):
    """A real proof of examples/fibonacci (testing parameters) and its image ID."""
    d = tmp_path_factory.mktemp("real")
    rcpt = d / "fib.receipt"
    p = zkvm(env, "prove", elfs["fibonacci"], "-i", EX / "fibonacci" / "input.bin", "-o", rcpt, "--params", "testing")
    assert p.returncode == 0, p.stderr
    assert "fib(n) mod 2^32 = 1556111435" in p.stdout  # guest stdout is shown by prove
    assert re.search(r"^peak memory +\d+\.\d\d GiB \(resident set\)$", p.stdout, re.M), p.stdout
    iid = zkvm(env, "image-id", elfs["fibonacci"], "--params", "testing").stdout.split()[2]
    return rcpt, iid


@pytest.mark.slow
def test_verify_reports_zk_and_security_and_checks_expected_journal(env, real_receipt, tmp_path):
    rcpt, iid = real_receipt
    p = zkvm(env, "verify", rcpt, "--image-id", iid)
    assert p.returncode == 0, p.stderr
    assert "zero-knowledge yes" in p.stdout
    assert "security       16 bits (conjectured; params testing)" in p.stdout
    # --expect-journal: a mismatch fails with a diff and leaves the file untouched.
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(bytes.fromhex("4b60c05d"))
    p = zkvm(env, "verify", rcpt, "--image-id", iid, "--expect-journal", wrong)
    assert p.returncode == 1 and "journal mismatch" in p.stderr
    assert "first difference at byte 3" in p.stderr and "4b 60 c0|5c" in p.stderr and "60 c0|5d" in p.stderr
    assert wrong.read_bytes() == bytes.fromhex("4b60c05d")
    right = tmp_path / "right.bin"
    right.write_bytes(bytes.fromhex("4b60c05c"))
    p = zkvm(env, "verify", rcpt, "--image-id", iid, "--expect-journal", right, "--write-journal", tmp_path / "w.bin")
    assert p.returncode == 0 and "journal check  matches" in p.stdout
    assert (tmp_path / "w.bin").read_bytes() == right.read_bytes()
    assert Journal((tmp_path / "w.bin").read_bytes()).u32() == 1556111435


@pytest.mark.slow
def test_image_id_mismatch_names_both_params_presets(env, elfs, real_receipt):
    rcpt, _ = real_receipt
    default_id = zkvm(env, "image-id", elfs["fibonacci"]).stdout.split()[2]
    p = zkvm(env, "verify", rcpt, "--image-id", default_id)
    assert p.returncode == 1 and "ImageIdMismatch" in p.stderr
    assert "(params testing)" in p.stderr and "(params default" in p.stderr
    assert "same ELF, different parameters" in p.stderr
    unknown = zkvm(env, "verify", rcpt, "--image-id", "ab" * 32)
    assert "params unknown" in unknown.stderr and "--params testing" in unknown.stderr


# ---------------------------------------------------------------------------- zkvm new
@pytest.mark.slow
def test_new_project_builds_and_its_test_passes(env, tmp_path):
    p = zkvm(env, "new", "demo-app", "--dir", tmp_path)
    assert p.returncode == 0, p.stderr
    proj = tmp_path / "demo-app"
    assert (proj / "guest" / "main.c").is_file() and (proj / "host.py").is_file()
    t = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"],
                       cwd=proj, capture_output=True, text=True, env=env, timeout=900)
    assert t.returncode == 0, t.stdout + t.stderr
    assert "2 passed" in t.stdout
    h = subprocess.run([sys.executable, "host.py", "--name", "ci", "1", "2", "39"], cwd=proj, capture_output=True,
                       text=True, env=env, timeout=600)
    assert h.returncode == 0, h.stderr
    assert "hello, ci: 3 values, sum 42" in h.stdout
    assert "dev receipt (NOT A PROOF)" in h.stdout and "'sum': 42" in h.stdout
    again = zkvm(env, "new", "demo-app", "--dir", tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = zkvm(env, "new", "../evil", "--dir", tmp_path)
    assert bad.returncode == 2 and "bad project name" in bad.stderr


def test_new_rust_project_uses_the_rust_sdk_api(env, tmp_path):
    p = zkvm(env, "new", "rusty", "--lang", "rust", "--dir", tmp_path)
    assert p.returncode == 0, p.stderr
    main_rs = (tmp_path / "rusty" / "guest" / "src" / "main.rs").read_text()
    assert "zkvm_guest::entry!(main);" in main_rs and "zkvm_guest::read_u32()" in main_rs
    assert "zkvm_guest::commit_u64(sum)" in main_rs
    cargo = (tmp_path / "rusty" / "guest" / "Cargo.toml").read_text()
    assert "zkvm-guest" in cargo
    assert zkvm(env, "new", "x", "--lang", "go", "--dir", tmp_path).returncode == 2


@pytest.mark.slow
def test_new_project_real_proof_test_passes(env, tmp_path):
    """The generated project's slow test (a real proof with testing parameters; its guest
    uses cycle markers, which the Syscall chip proves as no-ops)."""
    assert zkvm(env, "new", "proj", "--dir", tmp_path).returncode == 0
    t = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow"],
                       cwd=tmp_path / "proj", capture_output=True, text=True, env=env, timeout=900)
    assert t.returncode == 0, t.stdout + t.stderr


def test_build_writes_debug_copy_recorded_in_manifest(env, elfs):
    m = json.loads(elfs["fibonacci"].with_name("fibonacci.manifest.json").read_text())
    assert m["debug"]["file"] == "fibonacci.debug"
    assert "image_id" in m and m["elf"]["sha256"] != m["debug"]["sha256"]

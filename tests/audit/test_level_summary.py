"""`zkvm audit --level-summary`: what each optimisation level costs on the user's guest
(cycles, ELF size, trace cells, estimated proving time), through the real command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zkvm import audit as A
from zkvm.audit import InputCase

GUESTS = Path(__file__).resolve().parent / "guests"
REPO = Path(__file__).resolve().parents[2]


def test_estimate_from_cells_is_the_fitted_line():
    model = {"fixed_s": 2.0, "per_mcell_s": 0.5}
    assert A.estimate_from_cells(10_000_000, model) == pytest.approx(7.0)
    assert A.estimate_from_cells(None, model) is None
    assert A.PROVE_MODEL is not None, "fit the model: python bench/bench_compiler_trust.py --fit"
    assert A.PROVE_MODEL["fixed_s"] >= 0 and A.PROVE_MODEL["per_mcell_s"] > 0


def test_trace_profile_matches_the_provers_tables(audit_cache):
    """trace_profile sizes exactly what zkvm.api.execute_only reports for the same run,
    and its per-chip rows add up to the executed instructions."""
    from zkvm import api
    from zkvm.toolchain import cached_build

    elf = cached_build(GUESTS / "clean", audit_cache, name="audit-zig").read_bytes()
    prof = A.trace_profile(elf, b"hello")
    dry = api.execute_only(elf, b"hello")
    assert prof["cycles"] == dry["cycles"] and prof["tables"] == dry["tables"]
    assert prof["cells"] > dry["cells"]  # + the LogUp auxiliary columns
    assert prof["segments"] == 1
    assert sum(prof["rows"].values()) == prof["cycles"]


def test_level_costs_share_identical_elfs_and_report_failures(audit_cache):
    report = A.audit(GUESTS / "clean", [InputCase("in", b"abc")], A.default_specs(("zig",), ("2", "3")),
                     cache_dir=audit_cache)
    model = {"fixed_s": 1.0, "per_mcell_s": 0.25}
    costs = A.level_costs(report, model=model)
    assert [c.name for c in costs] == ["zig -O2", "zig -O3"]
    for c, b in zip(costs, report.builds):
        assert c.cycles == report.results[(b.spec.name, "in")].cycles
        assert c.est_seconds == pytest.approx(1.0 + 0.25 * c.cells / 1e6)
    text = A.format_level_costs(costs, "in", model)
    assert "zig -O3" in text and "ESTIMATE" in text
    # a run that does not finish has no figures, and says why
    report = A.audit(GUESTS / "clean", [InputCase("x", b"abc")], A.default_specs(("zig",), ("2",)),
                     cache_dir=audit_cache, max_cycles=500)
    (c,) = A.level_costs(report, model=model)
    assert c.cycles is None and c.error == "timeout"
    assert "timeout" in A.format_level_costs([c], "x", model)


@pytest.mark.slow
@pytest.mark.needs_gcc
def test_audit_levels_summary_cli(tmp_path, audit_cache):
    """The real `zkvm audit ... --levels 1,3` command: after the agreement table, one row
    per build with its cycles (the same as the audit's), ELF size, trace cells and
    estimated proving time, relative to -O3 of the same compiler, and a line saying it is
    an estimate (an explicit --levels asks for the summary)."""
    inp = tmp_path / "in.bin"
    inp.write_bytes(b"level summary")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(REPO / ".zkvm-cache" / "numba"))
    p = subprocess.run([sys.executable, "-m", "zkvm.cli", "audit", str(GUESTS / "clean"), "--input", str(inp),
                        "--compilers", "zig,gcc", "--levels", "1,3", "--cache-dir",
                        str(audit_cache)], capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "OK: all 4 builds agree" in out
    summary = out[out.index("cost of each optimisation level"):]
    assert "in.bin" in summary.splitlines()[0]
    for build in ("zig -O1", "zig -O3", "gcc -O1", "gcc -O3"):
        row = next(ln for ln in summary.splitlines() if ln.startswith(build))
        table_row = next(ln for ln in out.splitlines() if ln.startswith(build) and "agree" in ln)
        cycles = re.search(r"agree ([\d,]+)", table_row).group(1)
        assert cycles in row, (row, table_row)  # the same cycle count as the audit's run
        assert re.search(r"\d+(\.\d+)? (ms|s|min)", row), row  # an estimated time, not n/a
        assert " M " in row or row.count(" M") == 1  # trace cells in millions
        if build.endswith("-O3"):
            assert row.count("+0.0 %") == 2, row  # -O3 is the reference of its compiler
    assert "an ESTIMATE of the prover's CPU time, not a measurement" in summary


def test_level_summary_only_when_asked(tmp_path, audit_cache):
    """No --levels: the plain audit (no trace generation); --levels with
    --no-level-summary: the chosen builds without the summary; --level-summary: the
    summary for the default levels."""
    from typer.testing import CliRunner

    from zkvm.cli import app

    inp = tmp_path / "in.bin"
    inp.write_bytes(b"abc")
    base = ["audit", str(GUESTS / "clean"), "--input", str(inp), "--compilers", "zig", "--cache-dir", str(audit_cache)]
    r = CliRunner().invoke(app, base)
    assert r.exit_code == 0, r.output
    assert "OK: all 5 builds agree" in r.output and "cost of each optimisation level" not in r.output
    r = CliRunner().invoke(app, base + ["--levels", "2", "--no-level-summary"])
    assert r.exit_code == 0, r.output
    assert "OK: all 1 builds agree" in r.output and "cost of each optimisation level" not in r.output
    r = CliRunner().invoke(app, base + ["--levels", "0,3"])
    assert r.exit_code == 0, r.output
    summary = r.output[r.output.index("cost of each optimisation level"):]
    assert [ln.split()[1] for ln in summary.splitlines() if ln.startswith("zig ")] == ["-O0", "-O3"]

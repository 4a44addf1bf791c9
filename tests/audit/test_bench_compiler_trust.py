"""bench/bench_compiler_trust.py's model fit and report on synthetic results: the fit
recovers a known cost line, unmeasured proving times are the model's estimates marked
``~``, measured ones are printed as measured, and no table cell reads "n/a"."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_compiler_trust", REPO / "bench" / "bench_compiler_trust.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop(spec.name, None)


def synthetic(prove_missing: set) -> dict:
    """Two programs x zig/gcc x -O1/-O3 whose proofs cost exactly 2 s + 0.5 s per M cells
    (the cells of (program, compiler, level) in ``prove_missing`` are not proved)."""
    data = {"version": 1, "machine": {"cpu": "test", "cores": 2}, "builds": {}, "measurements": {}}
    for p, scale in (("alpha", 1.0), ("beta", 3.0)):
        for c, cfac in (("zig", 1.0), ("gcc", 1.2)):
            for lv, lfac in (("1", 1.5), ("3", 1.0)):
                cycles = int(100_000 * scale * cfac * lfac)
                cells = cycles * 150
                sha = f"{p}{c}{lv}"
                data["builds"][f"{p}:{c}:O{lv}"] = {"program": p, "compiler": c, "level": lv, "elf_sha256": sha,
                                                    "elf_bytes": 1000, "text_bytes": 800, "input_sha256": "in"}
                m = {"cycles": cycles, "cells": cells, "segments": 1, "exit_code": 0, "journal_sha256": "j",
                     "stdout_sha256": "s", "rows": {"addsub": cycles // 2, "mul": cycles // 2}}
                if (p, c, lv) not in prove_missing:
                    m.update(prove_cpu_s=2.0 + 0.5 * cells / 1e6, prove_s=1.0, receipt_bytes=1024, load=[1.0] * 6)
                data["measurements"][f"{sha}:in:default"] = m
    return data


def test_fit_recovers_the_cost_line(bench):
    model = bench.fit_model(synthetic(set()))
    assert model["fixed_s"] == pytest.approx(2.0, rel=1e-6) and model["per_mcell_s"] == pytest.approx(0.5, rel=1e-6)
    assert model["max_rel_error"] < 1e-6 and model["points"] == 8
    assert model["cycles_per_second"] > 0
    with pytest.raises(SystemExit, match="run the sweep first"):
        bench.fit_model({"measurements": {}})


def test_report_marks_model_estimates(bench):
    data = synthetic({("beta", "gcc", "1")})
    text = bench.report(data, "default", None, ("zig", "gcc"), ("1", "3"))
    assert "n/a" not in text
    beta = text[text.index("| beta | cycles"):]
    prove_row = beta.splitlines()[1]
    assert prove_row.startswith("| | prove CPU (s)")
    cells = [c.strip() for c in prove_row.split("|")[3:-1]]
    # columns: zig -O1, zig -O3, gcc -O1 (not proved: the model's estimate), gcc -O3
    est = 2.0 + 0.5 * int(100_000 * 3 * 1.2 * 1.5) * 150 / 1e6
    assert cells[2] == f"~{est:.1f}" and not cells[0].startswith("~") and not cells[3].startswith("~")
    # the measured geometric mean of gcc -O1 vs -O3 covers one program, the other row both
    assert "| proving CPU time, measured |" in text and "(n=1)" in text

"""The miscompilation audit (zkvm.audit): planted disagreements are reported, clean guests
pass, a broken executor is caught by the executor-vs-qemu comparison, csmith end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkvm import audit as A
from zkvm.audit import BuildSpec, InputCase, Outcome

pytestmark = pytest.mark.needs_gcc

GUESTS = Path(__file__).resolve().parent / "guests"
INT_MAX = InputCase("int-max", (0x7FFF_FFFF).to_bytes(4, "little"))
ONE = InputCase("one", (1).to_bytes(4, "little"))


def specs(*names: str) -> list[BuildSpec]:
    out = []
    for n in names:
        compiler, level = n.split()
        out.append(BuildSpec(compiler, level.removeprefix("-O")))
    return out


def test_undefined_behaviour_is_reported_as_differs(audit_cache):
    """Signed overflow: -O0 (wrapping add) and an optimised build (folds x + 1 > x) differ."""
    report = A.audit(GUESTS / "signed_overflow", [ONE, INT_MAX], specs("zig -O0", "zig -O2"), cache_dir=audit_cache)
    assert not report.ok
    [d] = report.disagreements
    assert d.kind == "build-vs-build" and d.input_name == "int-max"
    journals = {tuple(names): o.journal for names, o in d.groups}
    assert set(journals.values()) == {(0).to_bytes(4, "little"), (1).to_bytes(4, "little")}
    text = A.format_report(report)
    assert "DIFFERS" in text and "first disagreeing input: 'int-max'" in text
    assert "zig -O0" in text and "zig -O2" in text


def test_compiler_specific_result_names_both_compilers(audit_cache):
    report = A.audit(GUESTS / "compiler_ifdef", [ONE], specs("zig -O2", "gcc -O2"), cache_dir=audit_cache)
    assert not report.ok
    [d] = report.disagreements
    assert sorted(n for names, _ in d.groups for n in names) == ["gcc -O2", "zig -O2"]
    assert report.differing("one")  # one side is marked DIFFERS in the table


def test_clean_guest_agrees_across_all_builds(audit_cache):
    inputs = [InputCase("empty", b""), InputCase("text", b"hello zkvm"), *A.random_inputs(1, 37, seed=5)]
    report = A.audit(GUESTS / "clean", inputs, A.default_specs(), cache_dir=audit_cache)
    assert len(report.builds) == 10 and all(b.ok for b in report.builds)
    assert report.ok, A.format_report(report)
    o = report.results[("gcc -O0", "text")]
    assert o.kind == "exit" and o.exit_code == len(b"hello zkvm") % 7 and o.cycles > 0
    assert "OK: all 10 builds agree on all 3 inputs" in A.format_report(report)


def test_failing_compile_is_reported_not_fatal(tmp_path, audit_cache):
    (tmp_path / "main.c").write_text(
        '#include "zkvm.h"\n#ifndef __clang__\n#error "this guest only builds with clang"\n#endif\n'
        "int main(void) { zkvm_commit_u32(7); return 0; }\n"
    )
    report = A.audit(tmp_path, [ONE], specs("zig -O2", "gcc -O2"), cache_dir=audit_cache)
    assert report.ok
    failed = [b for b in report.builds if not b.ok]
    assert [b.spec.name for b in failed] == ["gcc -O2"] and "only builds with clang" in failed[0].error
    assert "build failed: gcc -O2" in A.format_report(report)


def test_nothing_built_is_an_error(tmp_path):
    (tmp_path / "main.c").write_text("int main(void) { return nope; }\n")
    with pytest.raises(A.AuditError, match="no build succeeded"):
        A.audit(tmp_path, [ONE], specs("gcc -O0"))
    with pytest.raises(A.AuditError, match="no inputs"):
        A.audit(tmp_path, [], specs("gcc -O0"))


@pytest.mark.qemu
def test_executor_vs_qemu_catches_a_broken_executor(audit_cache, broken_executor):
    """The same ELF run by an executor that executes XOR as OR and by qemu must differ;
    with the real executor the two agree."""
    inputs = [InputCase("text", b"hello zkvm")]
    good = A.audit(GUESTS / "clean", inputs, specs("gcc -O2"), qemu=True, cache_dir=audit_cache)
    assert good.ok, A.format_report(good)
    bad = A.audit(GUESTS / "clean", inputs, specs("gcc -O2"), qemu=True, cache_dir=audit_cache, executor=broken_executor)
    assert [d.kind for d in bad.disagreements] == ["executor-vs-qemu"]
    assert "zkvm executor bug" in A.format_report(bad)


def test_outcome_comparison_rules():
    a = Outcome("exit", 0, b"x", b"j", cycles=10)
    b = Outcome("exit", 0, b"x", b"j", cycles=99)  # cycles do not matter
    c = Outcome("exit", 0, b"x", b"k")
    assert A.compare_builds({"p": a, "q": b}, "in") is None
    d = A.compare_builds({"p": a, "q": b, "r": c}, "in")
    assert d is not None and d.groups[0][0] == ["p", "q"] and d.groups[1][0] == ["r"]
    fault = Outcome("fault", detail="MemoryFault: read of 0x0")
    sig = Outcome("fault", detail="SIGSEGV: killed by signal 11")
    assert A.compare_executor_qemu("b", fault, sig, "in") is None  # a fault is a fault
    assert A.compare_executor_qemu("b", a, Outcome("timeout"), "in") is None  # inconclusive
    assert A.compare_executor_qemu("b", a, c, "in").kind == "executor-vs-qemu"


def test_proving_time_estimate_uses_the_bench_constant(monkeypatch):
    monkeypatch.delenv("ZKVM_PROVER_CYCLES_PER_SECOND", raising=False)
    monkeypatch.setattr(A, "PROVER_CYCLES_PER_SECOND", None)
    assert A.estimate_proving_seconds(1000) is None and A.format_seconds(None) == "n/a"
    monkeypatch.setattr(A, "PROVER_CYCLES_PER_SECOND", 500.0)
    assert A.estimate_proving_seconds(1000) == 2.0
    monkeypatch.setenv("ZKVM_PROVER_CYCLES_PER_SECOND", "250")
    assert A.estimate_proving_seconds(1000) == 4.0
    assert A.estimate_proving_seconds(1000, cycles_per_second=1000) == 1.0


def test_audit_command_exit_codes(tmp_path, audit_cache, monkeypatch):
    import typer
    from typer.testing import CliRunner

    app = typer.Typer()
    app.command()(A.audit_command)
    app.command("noop")(lambda: None)  # keep `audit` a named subcommand as in zkvm's CLI
    inp = tmp_path / "one.bin"
    inp.write_bytes(ONE.data)
    runner = CliRunner()
    bad = runner.invoke(app, ["audit-command", str(GUESTS / "compiler_ifdef"), "--input", str(inp),
                              "--levels", "2", "--cache-dir", str(audit_cache)])
    assert bad.exit_code == 1, bad.output
    assert "DIFFERS" in bad.output and "one.bin" in bad.output
    ok = runner.invoke(app, ["audit-command", str(GUESTS / "clean"), "--input", str(inp), "--random", "2",
                             "--levels", "2,s", "--compilers", "gcc", "--cache-dir", str(audit_cache)])
    assert ok.exit_code == 0, ok.output
    assert "random#1" in ok.output and "OK: all 2 builds agree on all 3 inputs" in ok.output
    usage = runner.invoke(app, ["audit-command", str(GUESTS / "clean"), "--levels", "2"])
    assert usage.exit_code == 2 and "no inputs" in usage.output


def test_timeouts_are_called_out(audit_cache):
    report = A.audit(GUESTS / "clean", [InputCase("x", b"abc")], specs("gcc -O2"), cache_dir=audit_cache, max_cycles=500)
    assert report.results[("gcc -O2", "x")].kind == "timeout"
    assert "hit the cycle limit (x)" in A.format_report(report)

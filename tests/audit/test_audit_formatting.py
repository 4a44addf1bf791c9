"""``zkvm audit`` diagnostics (issue 20): the first differing byte is shown with context
from each side, and musl-vs-picolibc number formatting is classified apart from
semantic differences."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkvm import audit as A
from zkvm.audit import BuildSpec, InputCase, Outcome

pytestmark = pytest.mark.needs_gcc

GUESTS = Path(__file__).resolve().parent / "guests"
ONE = InputCase("one", (1).to_bytes(4, "little"))


def specs(*names):
    return [BuildSpec(n.split()[0], n.split()[1].removeprefix("-O")) for n in names]


def test_libc_float_formatting_is_not_a_disagreement(audit_cache):
    report = A.audit(GUESTS / "libc_format", [ONE], specs("zig -O2", "gcc -O2"), cache_dir=audit_cache)
    assert report.ok and not report.semantic
    [d] = report.formatting
    assert d.kind == "libc-formatting"
    text = A.format_report(report)
    assert "libc formatting: 1 input(s)" in text and "libc-fmt" in text
    assert "0.5614999|8999999995" in text and "0.5614999|9 (0.561)" in text  # both sides, at the byte
    assert "stdout up to libc number formatting" in text


def test_a_late_stdout_difference_is_shown_at_the_differing_byte(audit_cache):
    report = A.audit(GUESTS / "stdout_tail", [ONE], specs("zig -O2", "gcc -O2"), cache_dir=audit_cache)
    assert not report.ok
    [d] = report.semantic
    assert d.kind == "build-vs-build"  # text differs, not just digits: semantic
    text = A.format_report(report)
    assert "first difference at byte 267" in text or "first difference at byte 266" in text
    assert "compiler: |clang" in text and "compiler: |gcc" in text


def test_formatting_only_rules():
    f = A.formatting_only
    assert f(b"x = 0.560\n", b"x = 0.562\n")  # rounding in the last digits
    assert f(b"0.56149998999999995", b"0.56149999")
    assert f(b"1.5e+10 ok", b"1.50000001e+10 ok")
    assert not f(b"x = 0.560\n", b"x = 0.660\n")  # a real difference
    assert not f(b"n = 12\n", b"n = 13\n")  # integers must match
    assert not f(b"x = 0.5\n", b"y = 0.5\n")  # text differs
    assert not f(b"a 1.0 b", b"a 1.0 b")  # equal is not a formatting difference
    assert not f(b"1.0 2.0", b"1.0")


def test_semantic_split_within_one_compiler_is_never_formatting():
    a = Outcome("exit", 0, b"v 0.560\n", b"j")
    b = Outcome("exit", 0, b"v 0.562\n", b"j")
    d = A.compare_builds({"zig -O0": a, "zig -O2": b}, "in")
    assert A.classify(d, {n: s for n, s in zip(["zig -O0", "zig -O2"], specs("zig -O0", "zig -O2"))}) \
        == "build-vs-build"
    c = Outcome("exit", 0, b"v 0.562\n", b"k")  # journal differs too
    d = A.compare_builds({"zig -O2": a, "gcc -O2": c}, "in")
    assert A.classify(d, dict(zip(["zig -O2", "gcc -O2"], specs("zig -O2", "gcc -O2")))) == "build-vs-build"
    d = A.compare_builds({"zig -O2": a, "gcc -O2": b}, "in")
    assert A.classify(d, dict(zip(["zig -O2", "gcc -O2"], specs("zig -O2", "gcc -O2")))) == "libc-formatting"

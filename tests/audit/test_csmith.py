"""csmith end to end: generated programs built by both compilers at every level agree,
in the executor and under qemu; a broken executor is caught on a generated program."""

from __future__ import annotations

import pytest

from zkvm import audit as A

pytestmark = [pytest.mark.needs_gcc, pytest.mark.needs_csmith, pytest.mark.qemu]

SEEDS = (1, 2)  # small, fast, and known to be free of disagreements with the pinned tools


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    root = tmp_path_factory.mktemp("csmith")
    return {s: A.generate_csmith(s, root / f"seed-{s}") for s in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_program_agrees_everywhere(programs, seed, audit_cache):
    res = A.csmith_check(programs[seed], A.default_specs(), seed=seed, cache_dir=audit_cache)
    assert res.verdict == "agree", res.describe()
    outs = list(res.report.results.values()) + list(res.report.qemu_results.values())
    assert len(res.report.qemu_results) == 10
    assert all(o.kind == "exit" and o.exit_code == 0 for o in outs)
    [journal] = {o.journal for o in outs}
    assert len(journal) == 4
    checksum = int.from_bytes(journal, "little")
    assert outs[0].stdout == f"checksum = {checksum:08X}\n".encode()


def test_generated_program_catches_broken_executor(programs, audit_cache, broken_executor):
    res = A.csmith_check(programs[SEEDS[0]], A.default_specs(["gcc"], ["2"]), seed=SEEDS[0],
                         cache_dir=audit_cache, executor=broken_executor)
    assert res.verdict == "executor-vs-qemu", res.describe()


def test_csmith_runtime_header_is_ours():
    text = A.csmith_runtime_header().read_text()
    assert "zkvm_commit_u32(crc)" in text and "safe_add_func_##T##_s_s" in text

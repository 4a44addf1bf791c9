"""All 1 478 Cancun state-test cases of ../shared/evm-statetests (cases.txt) through the
EVM guest in the zkvm executor: post-state root, logs hash, and rejection of the invalid
transactions must match the fixtures.

The cases are split into chunks (test items) so pytest-xdist spreads them over workers;
the few cases that hash megabytes of EVM memory get chunks of their own and run first.
"""

from __future__ import annotations

import pytest

from zkvm.evm import statetest

from .conftest import require_statetests, statetests_dir

# Cases this guest cannot pass, with the reason. Target: none.
KNOWN_FAILURES: dict[str, str] = {}

# Cases that spend most of their time in the executor's Keccak-f (pure Python, ~2 ms per
# permutation): KECCAK256 over ~9 MiB of EVM memory, 30-70 thousand permutations each.
HEAVY = {
    "stRandom2/randomStatetest476.json::randomStatetest476::Cancun::0",
    "stRandom/randomStatetest36.json::randomStatetest36::Cancun::0",
    "stRandom/randomStatetest48.json::randomStatetest48::Cancun::0",
    "stRandom2/randomStatetest547.json::randomStatetest547::Cancun::0",
    "stRandom/randomStatetest326.json::randomStatetest326::Cancun::0",
    "stRandom2/randomStatetest583.json::randomStatetest583::Cancun::0",
}
CHUNKS = 24


def _case_lines() -> list[str]:
    d = statetests_dir()
    if d is None:
        return []
    return [ln.strip() for ln in (d / "cases.txt").read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def _chunks() -> list[tuple[str, list[str]]]:
    lines = _case_lines()
    if not lines:
        return [pytest.param("missing", [], id="missing")]
    heavy = [ln for ln in lines if ln in HEAVY]
    light = [ln for ln in lines if ln not in HEAVY]
    out = [pytest.param(f"heavy{i}", [ln], marks=pytest.mark.slow, id=f"heavy{i}") for i, ln in enumerate(heavy)]
    out += [pytest.param(f"chunk{i:02d}", light[i::CHUNKS], id=f"chunk{i:02d}") for i in range(CHUNKS)]
    return out


def test_case_list_complete():
    d = require_statetests()
    lines = _case_lines()
    assert len(lines) == 1478
    assert HEAVY <= set(lines)
    assert set(KNOWN_FAILURES) <= set(lines)
    assert sum(len(p.values[1]) for p in _chunks()) == len(lines)


@pytest.mark.parametrize("name,lines", _chunks())
def test_statetests(name, lines, tmp_path):
    d = require_statetests()
    listing = tmp_path / "cases.txt"
    listing.write_text("\n".join(lines) + "\n")
    # the listing's paths are relative to its own directory: point them at the fixtures
    cases = []
    for rel, wanted in statetest.read_case_list(listing).items():
        cases += statetest.cases_in_file(d / rel, rel, "Cancun", {(t, i) for t, f, i in wanted if f == "Cancun"})
    assert len(cases) == len(lines)
    unexpected, fixed = [], []
    for c in cases:
        r = statetest.run_case(c)
        if c.name in KNOWN_FAILURES:
            if r.ok:
                fixed.append(c.name)
        elif not r.ok:
            unexpected.append(f"{c.name}: {r.reason}")
    assert not unexpected, "\n".join(unexpected)
    assert not fixed, f"now passing, remove from KNOWN_FAILURES: {fixed}"

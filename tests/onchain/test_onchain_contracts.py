"""The committed contract artifacts are exactly what the pinned solc-js compiles from
contracts/src (skipped, with the reason, only where node or solc-js is not installed:
scripts/setup.sh --test-deps installs both)."""

import json

import pytest

from zkvm.onchain import artifacts


@pytest.mark.slow
def test_artifacts_match_a_fresh_compile(tmp_path):
    why = artifacts.solc_js_available()
    if why:
        pytest.skip(why)
    got = artifacts.compile_contracts(tmp_path)
    assert got == artifacts.names()
    for name in got:
        fresh = json.loads((tmp_path / f"{name}.json").read_text())
        committed = json.loads((artifacts.ARTIFACTS_DIR / f"{name}.json").read_text())
        assert fresh == committed, f"{name}: recompile with `cd contracts && node compile.mjs`"
        assert committed["compiler"].startswith(f"solc-js {artifacts.SOLC_VERSION}+")


def test_artifacts_load():
    for name in ("MerkleFacts", "ConstraintEval"):
        a = artifacts.load(name)
        assert a.bytecode and len(a.deployed_bytecode) <= artifacts.MAX_CODE_SIZE
        assert a.selectors

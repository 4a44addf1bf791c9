"""Shared helpers for the EVM guest's tests: where the official state tests are, and the
guest ELF (built once per session by the pinned toolchain, cached by source digest)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def statetests_dir() -> Path | None:
    """The 1 478 Cancun state tests (../shared/evm-statetests beside the repository;
    $ZKVM_EVM_STATETESTS overrides)."""
    env = os.environ.get("ZKVM_EVM_STATETESTS")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared" / "evm-statetests", REPO.parent.parent / "shared" / "evm-statetests"]
    for c in candidates:
        if (c / "cases.txt").is_file():
            return c
    return None


def require_statetests() -> Path:
    """The state-test folder, or skip (fail under CI: CI must run them)."""
    d = statetests_dir()
    if d is None:
        msg = "the shared state tests (../shared/evm-statetests) are missing"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return d


@pytest.fixture(scope="session")
def evm_program():
    from zkvm.evm import guest

    return guest.program()

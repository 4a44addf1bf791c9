"""Fixtures shared by the whole suite (helpers that are not fixtures: ``tests/support``).

Markers: ``slow`` (long proofs, big builds; ``./scripts/test.sh -m "not slow"`` is the
inner loop, CI runs everything) and ``qemu`` (needs qemu-riscv32).
"""

from __future__ import annotations

import os

import pytest

from tests.support.paths import CACHE

os.environ.setdefault("NUMBA_CACHE_DIR", str(CACHE / "numba"))


@pytest.fixture(scope="session")
def testing_params():
    """``StarkParams.testing()``: fast, low security, flagged in proofs (tests only)."""
    from zkvm.stark.params import StarkParams

    return StarkParams.testing()


@pytest.fixture(scope="session")
def example_elfs():
    """``{name: ELF path}`` of examples/fibonacci, sha256 and battleship, built once."""
    from tests.support.elfs import example_elfs as build

    return build()


@pytest.fixture(scope="session")
def qemu() -> str:
    """The qemu-riscv32 executable (skips the test when it is missing)."""
    from tests.support.qemu import qemu_path

    return qemu_path()

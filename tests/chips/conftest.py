"""Shared fixtures of the chips tests: small asm programs and a cached Machine per program."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                      ".zkvm-cache", "numba"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # core_programs


@pytest.fixture(scope="session")
def testing_params():
    from zkvm.stark.params import StarkParams

    return StarkParams.testing()

"""Shared fixtures of the continuation tests: a multi-segment asm guest."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # loop_guest

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                      ".zkvm-cache", "numba"))

@pytest.fixture(scope="session")
def testing_params():
    from zkvm.stark.params import StarkParams

    return StarkParams.testing()


@pytest.fixture(scope="session")
def loop_program():
    from zkvm.riscv.layout import Program

    from loop_guest import loop_words

    return Program.from_words(loop_words())

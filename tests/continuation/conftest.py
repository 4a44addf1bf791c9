"""Shared fixtures of the continuation tests: a multi-segment asm guest."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def loop_program():
    from zkvm.riscv.layout import Program

    from tests.support.loop_guest import loop_words

    return Program.from_words(loop_words())

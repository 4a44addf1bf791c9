"""Fixtures of the examples' tests (the example ELFs come from tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def battleship_helper():
    """The stdlib-only helper module examples/battleship/battleship.py."""
    from tests.support.elfs import load_example_modules

    return load_example_modules("battleship", "battleship")

"""Shared fixtures for the reproducible-build tests: example ELFs built once per session
(cached on disk by ``source_digest``, like tests/toolchain) and Alice's published
battleship manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zkvm import api

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"


@pytest.fixture(scope="session")
def alice(tmp_path_factory):
    """Alice builds the agreed battleship source in her layout and publishes the ELF and
    its manifest (with the image ID for the default parameters)."""
    root = tmp_path_factory.mktemp("alice")
    src = root / "home" / "alice" / "games" / "battleship"
    shutil.copytree(EX / "battleship", src)
    result = api.build(src, root / "publish" / "battleship.elf")
    return {"src": src, "result": result, "manifest": root / "publish" / "battleship.manifest.json"}

"""Shared fixtures: the example ELFs, built once per session and cached on disk.

The cache lives in ``.zkvm-cache/elf/`` and is keyed by ``source_digest`` (compiler
version, flags, SDK headers, sources), so a stale ELF is never reused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("fibonacci", "sha256", "battleship")


@pytest.fixture(scope="session")
def example_elfs() -> dict[str, Path]:
    cache = REPO / ".zkvm-cache" / "elf"
    return {name: cached_build(REPO / "examples" / name, cache, name=name) for name in EXAMPLES}

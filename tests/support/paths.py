"""Paths of the repository the tests run in."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
#: build caches of the test suite (ELFs keyed by source digest, audit builds, ...)
CACHE = REPO / ".zkvm-cache"
ELF_CACHE = CACHE / "elf"

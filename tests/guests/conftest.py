"""Fixtures: the real-program guests of tests/guests/programs, built once with the pinned
toolchain (cached by input digest), and qemu-riscv32 as the reference CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def guest_elf():
    from tests.support.elfs import build_cached

    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = build_cached(PROGRAMS / name, name=name)
        return built[name]

    return get


@pytest.fixture(scope="session")
def qemu_run():
    """``run(elf, input, tmp) -> (stdout, exit code, journal)`` under qemu-riscv32
    (:func:`tests.support.qemu.run_qemu`)."""
    from tests.support.qemu import qemu_path, run_qemu

    qemu_path()

    def run(elf: Path, data: bytes, tmp: Path):
        q = run_qemu(elf, data, tmp)
        return q.stdout, q.exit_code, q.journal

    return run

"""Fixtures: the real-program guests of tests/guests/programs, built once with the pinned
toolchain (cached by input digest), and qemu-riscv32 as the reference CPU."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def guest_elf():
    from zkvm.toolchain import cached_build

    cache = REPO / ".zkvm-cache" / "elf"
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = cached_build(PROGRAMS / name, cache, name=name)
        return built[name]

    return get


@pytest.fixture(scope="session")
def qemu_run():
    """``run(elf, input) -> (stdout, exit code, journal)`` under qemu-riscv32 (the journal
    is fd 3, as in docs/abi.md; a fatal signal is reported like a shell: 128 + signal)."""
    qemu = shutil.which("qemu-riscv32")
    if qemu is None:
        pytest.skip("qemu-riscv32 not installed")

    def run(elf: Path, data: bytes, tmp: Path):
        # stdin from a file, as `qemu-riscv32 prog < input`: a pipe would return at most
        # 64 KiB per read, a regular file (and the zkvm) everything asked for
        jpath, ipath = tmp / "journal.bin", tmp / "input.bin"
        ipath.write_bytes(data)
        p = subprocess.run(["sh", "-c", 'exec "$1" "$2" 3>"$3" <"$4"', "sh", qemu, str(elf),
                            str(jpath), str(ipath)], capture_output=True, timeout=600)
        code = p.returncode if p.returncode >= 0 else 128 - p.returncode  # -6: SIGABRT
        return p.stdout, code, jpath.read_bytes()

    return run

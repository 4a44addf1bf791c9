"""``qemu-riscv32`` as the reference CPU: the same ELF must behave identically under Linux
(input on stdin, journal on fd 3: ``qemu-riscv32 prog.elf < input 3> journal``) and under
the zkvm executor (docs/abi.md)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest


class QemuRun(NamedTuple):
    exit_code: int
    stdout: bytes
    stderr: bytes
    journal: bytes


def qemu_path() -> str:
    """The qemu-riscv32 executable, or skip the test (scripts/setup.sh --test-deps
    installs Debian's qemu-user)."""
    qemu = shutil.which("qemu-riscv32")
    if qemu is None:
        pytest.skip("qemu-riscv32 not installed")
    return qemu


def run_qemu(elf: Path, data: bytes, tmp_path: Path, timeout: float = 600) -> QemuRun:
    """Run ``elf`` under qemu-riscv32 on ``data``.  Stdin comes from a file, as with
    ``qemu-riscv32 prog < input`` (a pipe would return at most 64 KiB per read, a file
    and the zkvm everything asked for).  Death by a signal reads as ``128 + signal``
    (the zkvm's exit code for ``abort()``: 134)."""
    qemu = qemu_path()
    tmp_path = Path(tmp_path)
    jpath, ipath = tmp_path / "qemu-journal.bin", tmp_path / "qemu-input.bin"
    ipath.write_bytes(data)
    p = subprocess.run(["sh", "-c", 'exec "$1" "$2" 3>"$3" <"$4"', "sh", qemu, str(elf),
                        str(jpath), str(ipath)], capture_output=True, timeout=timeout)
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return QemuRun(code, p.stdout, p.stderr, jpath.read_bytes())

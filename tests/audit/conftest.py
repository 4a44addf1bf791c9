"""Shared fixtures of the audit tests: an on-disk build cache shared by the session.

Builds are cached in ``.zkvm-cache/audit/`` keyed by a digest of compiler, flags and
sources (``cached_build`` / ``cached_build_gcc``), so each (guest, compiler, level) is
compiled at most once per checkout, and never reused when anything changed.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUESTS = Path(__file__).resolve().parent / "guests"



def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, tests marked ``needs_gcc`` / ``qemu`` / ``needs_csmith``
    when that tool is not installed (CI installs all three)."""
    tools = {
        "needs_gcc": ("riscv64-unknown-elf-gcc", "Debian gcc-riscv64-unknown-elf + picolibc-riscv64-unknown-elf"),
        "qemu": ("qemu-riscv32", "Debian qemu-user"),
        "needs_csmith": ("csmith", "Debian csmith"),
    }
    for item in items:
        for mark, (exe, pkg) in tools.items():
            if item.get_closest_marker(mark) and shutil.which(exe) is None:
                item.add_marker(pytest.mark.skip(reason=f"{exe} not installed ({pkg})"))


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_gcc: needs riscv64-unknown-elf-gcc and picolibc")
    config.addinivalue_line("markers", "needs_csmith: needs csmith")


@pytest.fixture(scope="session")
def guests() -> Path:
    return GUESTS


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def broken_executor():
    return xor_as_or_executor


@pytest.fixture(scope="session")
def audit_cache() -> Path:
    path = REPO / ".zkvm-cache" / "audit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def xor_as_or_executor(elf: bytes, data: bytes, max_cycles: int):
    """A test double of the zkvm executor with one planted bug: it executes every XOR
    (R-type, funct3 = 4, funct7 = 0) as OR. Implemented by rewriting the loaded code, which
    is what a decoder that confuses the two would do."""
    from zkvm.audit import Outcome
    from zkvm.riscv import CycleLimitExceeded, GuestError, execute, load_elf
    from zkvm.riscv.layout import PF_X

    program = load_elf(elf)
    segments = []
    for seg in program.segments:
        if seg.flags & PF_X:
            code = bytearray(seg.data)
            for i in range(0, len(code) - 3, 4):
                w = int.from_bytes(code[i : i + 4], "little")
                if w & 0x7F == 0x33 and (w >> 12) & 7 == 4 and w >> 25 == 0:
                    w = (w & ~(7 << 12)) | (6 << 12)
                    code[i : i + 4] = w.to_bytes(4, "little")
            seg = dataclasses.replace(seg, data=bytes(code))
        segments.append(seg)
    program = dataclasses.replace(program, segments=tuple(segments), _stack=[])
    try:
        r = execute(program, input=data, max_cycles=max_cycles)
    except CycleLimitExceeded:
        return Outcome("timeout")
    except GuestError as e:
        return Outcome("fault", detail=f"{type(e).__name__}: {e}")
    return Outcome("exit", r.exit_code, r.stdout, r.journal, cycles=r.cycles)

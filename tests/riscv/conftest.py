"""Fixtures: C guest programs built once with zig (cached across sessions)."""

import hashlib
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

GUESTS = pathlib.Path(__file__).parent / "guests"
CACHE = pathlib.Path(os.environ.get("ZKVM_CACHE_DIR", pathlib.Path(__file__).parents[2] / ".zkvm-cache")) / "riscv-tests"
ZIG_FLAGS = ["-target", "riscv32-linux-musl", "-mcpu=generic_rv32+m+a", "-O2"]


def build_guest(source: pathlib.Path, extra=()) -> pathlib.Path:
    """Compile ``source`` with zig cc (static musl); cached by content hash."""
    flags = ZIG_FLAGS + list(extra)
    key = hashlib.sha256(source.read_bytes() + " ".join(flags).encode()).hexdigest()[:16]
    out = CACHE / f"{source.stem}-{key}.elf"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        cmd = [sys.executable, "-m", "ziglang", "cc", *flags, "-o", str(tmp), str(source)]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if res.returncode:
            pytest.skip(f"zig cc failed: {res.stderr[-2000:]}")
        os.replace(tmp, out)
    return out


@pytest.fixture(scope="session")
def guest_elf():
    built = {}

    def get(name: str) -> pathlib.Path:
        if name not in built:
            built[name] = build_guest(GUESTS / f"{name}.c")
        return built[name]

    return get


@pytest.fixture(scope="session")
def qemu():
    path = shutil.which("qemu-riscv32")
    if path is None:
        pytest.skip("qemu-riscv32 not installed")
    return path

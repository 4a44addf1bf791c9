"""Shared fixtures: the example ELFs, built once per session and cached on disk.

The cache lives in ``.zkvm-cache/elf/`` and is keyed by ``source_digest`` (compiler
version, flags, SDK headers, sources), so a stale ELF is never reused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- Rust, C++
GUESTS = Path(__file__).resolve().parent / "guests"
RUST_GUESTS = ("rust-collections", "rust-panic", "rust-typed-io", "rust-precompiles")


def rust_toolchain_problem() -> str | None:
    """None if the pinned Rust toolchain is installed, else why not (one line)."""
    from zkvm.toolchain import ToolchainError
    from zkvm.toolchain.rust import check_rust

    try:
        check_rust()
    except ToolchainError as e:
        return str(e)
    return None


@pytest.fixture(scope="session")
def rust_elfs() -> dict[str, Path]:
    """The Rust test guests and examples/battleship-rust, built once (cached on disk by
    their inputs digest). Skips when the pinned Rust toolchain is missing (scripts/setup.sh
    --test-deps installs it as root)."""
    problem = rust_toolchain_problem()
    if problem:
        pytest.skip(problem)
    cache = REPO / ".zkvm-cache" / "elf"
    out = {name: cached_build(GUESTS / name, cache, name=name) for name in RUST_GUESTS}
    out["battleship-rust"] = cached_build(REPO / "examples" / "battleship-rust", cache, name="battleship-rust")
    return out


@pytest.fixture(scope="session")
def cpp_elfs() -> dict[str, Path]:
    """The C++ test guests (cpp-exceptions with --cxx-exceptions), built once."""
    cache = REPO / ".zkvm-cache" / "elf"
    return {
        "cpp-templates": cached_build(GUESTS / "cpp-templates", cache, name="cpp-templates"),
        "cpp-exceptions": cached_build(GUESTS / "cpp-exceptions", cache, name="cpp-exceptions",
                                       cxx_exceptions=True),
    }


def run_qemu(elf: Path, data: bytes, tmp_path: Path) -> tuple[int, bytes, bytes, bytes]:
    """``(exit code, stdout, stderr, journal)`` under qemu-riscv32 (skips without it)."""
    from tests.support.qemu import run_qemu as run

    return tuple(run(elf, data, tmp_path, timeout=120))


def run_zkvm(elf: Path, data: bytes) -> tuple[int, bytes, bytes, bytes]:
    """``(exit code, stdout, stderr, journal)`` of the zkvm executor."""
    from zkvm import api

    r = api.run(elf, data, max_cycles=50_000_000)
    return r.exit_code, r.stdout, r.stderr, r.journal


@pytest.fixture
def same_as_qemu(tmp_path):
    """``check(elf, data)``: run under the zkvm executor and qemu-riscv32, assert exit
    code, stdout, stderr and journal agree, and return the zkvm's tuple."""
    def check(elf: Path, data: bytes):
        z = run_zkvm(elf, data)
        q = run_qemu(elf, data, tmp_path)
        assert z == q, f"zkvm {z!r}\nqemu {q!r}"
        return z
    return check


def _prove_and_verify(elf: Path, data: bytes) -> tuple[int, bytes]:
    """Prove ``elf`` on ``data`` with the testing parameters and verify the receipt
    against the ELF's image ID; returns the verified ``(exit code, journal)``."""
    from zkvm import api

    receipt = api.prove(elf, data, params="testing")
    return api.verify(receipt, api.image_id(elf, "testing"))


@pytest.fixture
def prove_verify():
    """:func:`_prove_and_verify`: ``(exit code, journal)`` of a verified testing-params
    receipt."""
    return _prove_and_verify

"""The GCC + picolibc guest route (zkvm.toolchain.gcc): builds, loads in the zkvm memory
map, and behaves like the default zig/musl build in the executor and under qemu."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkvm.audit import run_executor, run_qemu
from zkvm.riscv import load_elf
from zkvm.riscv.layout import PAGE_SIZE, PF_W, PF_X
from zkvm.toolchain import cached_build
from zkvm.toolchain.gcc import cached_build_gcc, gcc_flags, gcc_source_digest

pytestmark = pytest.mark.needs_gcc
needs_qemu = pytest.mark.qemu

REPO = Path(__file__).resolve().parents[2]
GUESTS = Path(__file__).resolve().parent / "guests"
FIB = REPO / "examples" / "fibonacci"


@pytest.fixture(scope="module")
def fib_elfs(audit_cache):
    return {
        "zig": cached_build(FIB, audit_cache, name="fib-zig", opt_level="2"),
        "gcc": cached_build_gcc(FIB, audit_cache, name="fib", opt_level="2"),
    }


def test_gcc_elf_fits_the_zkvm_memory_map(fib_elfs):
    program = load_elf(fib_elfs["gcc"].read_bytes())  # the loader's checks: W^X, no shared pages, >= 0x10000
    assert program.entry >= 0x10000
    code = [s for s in program.segments if s.flags & PF_X]
    data = [s for s in program.segments if s.flags & PF_W]
    assert code and data
    assert all(s.vaddr >= 0x10000 for s in program.segments)
    assert min(s.vaddr for s in data) // PAGE_SIZE > max(s.end - 1 for s in code) // PAGE_SIZE


def test_gcc_build_matches_zig_build_in_executor(fib_elfs):
    data = (FIB / "input.bin").read_bytes()
    zig = run_executor(fib_elfs["zig"].read_bytes(), data)
    gcc = run_executor(fib_elfs["gcc"].read_bytes(), data)
    assert zig.kind == gcc.kind == "exit"
    assert (gcc.exit_code, gcc.stdout, gcc.journal) == (zig.exit_code, zig.stdout, zig.journal)
    assert gcc.stdout.startswith(b"fib(n) mod 2^32 = ")
    assert len(gcc.journal) == 4


@needs_qemu
def test_gcc_build_runs_under_qemu(fib_elfs):
    data = (FIB / "input-10.bin").read_bytes()
    ex = run_executor(fib_elfs["gcc"].read_bytes(), data)
    qe = run_qemu(fib_elfs["gcc"], data)
    assert qe.kind == "exit"
    assert (qe.exit_code, qe.stdout, qe.journal) == (ex.exit_code, ex.stdout, ex.journal)
    assert ex.journal == (55).to_bytes(4, "little")  # fib(10)


@needs_qemu
def test_gcc_runtime_malloc_printf_exit_code(audit_cache):
    """The runtime's sbrk (malloc), buffered stdout and exit path, in executor and qemu."""
    elf = cached_build_gcc(GUESTS / "clean", audit_cache, name="clean", opt_level="2")
    data = bytes(range(10))
    ex = run_executor(elf.read_bytes(), data)
    qe = run_qemu(elf, data)
    assert ex.kind == "exit" and ex.exit_code == 10 % 7
    assert ex.stdout.startswith(b"fnv1a ") and len(ex.journal) == 8
    assert (qe.exit_code, qe.stdout, qe.journal) == (ex.exit_code, ex.stdout, ex.journal)


def test_gcc_build_is_deterministic_and_keyed(tmp_path):
    from zkvm.toolchain.gcc import build_gcc

    a = build_gcc(FIB, tmp_path / "a.elf", "s")
    b = build_gcc(FIB, tmp_path / "b.elf", "s")
    assert a.sha256 == b.sha256
    assert "/tmp" not in " ".join(a.command)
    assert gcc_source_digest(FIB, "s") != gcc_source_digest(FIB, "2")
    assert "-march=rv32im" in gcc_flags("2") and "-mabi=ilp32" in gcc_flags("2")


def test_gcc_build_error_is_reported(tmp_path):
    from zkvm.toolchain import BuildError
    from zkvm.toolchain.gcc import build_gcc

    (tmp_path / "bad.c").write_text("int main(void) { return undeclared; }\n")
    with pytest.raises(BuildError, match="undeclared"):
        build_gcc(tmp_path, tmp_path / "bad.elf")


@pytest.fixture(scope="module")
def mmap_elfs(audit_cache):
    return {
        "zig": cached_build(GUESTS / "mmap", audit_cache, name="mmap-zig", opt_level="2"),
        "gcc": cached_build_gcc(GUESTS / "mmap", audit_cache, name="mmap", opt_level="2"),
    }


def test_gcc_route_maps_memory_like_musl(mmap_elfs):
    """mmap/mprotect/munmap of the GCC route's runtime (include/sys/mman.h) behave as
    musl's: same journal and stdout in the executor, zero-filled pages."""
    data = (5).to_bytes(4, "little")
    zig = run_executor(mmap_elfs["zig"].read_bytes(), data)
    gcc = run_executor(mmap_elfs["gcc"].read_bytes(), data)
    assert zig.kind == gcc.kind == "exit" and gcc.exit_code == 0, (zig, gcc)
    assert (gcc.stdout, gcc.journal) == (zig.stdout, zig.journal)
    words = [int.from_bytes(gcc.journal[i:i + 4], "little") for i in range(0, 16, 4)]
    assert words[1:] == [1, 0, 0]  # zero-filled, mprotect 0, munmap 0


@needs_qemu
def test_gcc_route_mmap_runs_under_qemu(mmap_elfs):
    data = (3).to_bytes(4, "little")
    ex = run_executor(mmap_elfs["gcc"].read_bytes(), data)
    qe = run_qemu(mmap_elfs["gcc"], data)
    assert qe.kind == "exit"
    assert (qe.exit_code, qe.stdout, qe.journal) == (ex.exit_code, ex.stdout, ex.journal)


def test_gcc_route_mmap_proves(mmap_elfs):
    """A GCC-built guest that maps memory is proven and verified (testing parameters)."""
    from zkvm import api

    elf = mmap_elfs["gcc"].read_bytes()
    data = (2).to_bytes(4, "little")
    receipt = api.prove(elf, data, params="testing")
    code, journal = api.verify(receipt, api.image_id(elf, "testing"))
    assert code == 0 and journal == run_executor(elf, data).journal

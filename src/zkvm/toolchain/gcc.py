"""The second, independent guest compiler route: GNU GCC + picolibc (for ``zkvm audit``).

The pinned default route (:mod:`zkvm.toolchain.build`) is clang/LLVM (zig cc) with musl.
A miscompilation audit needs a compiler that shares none of that code: Debian's
``riscv64-unknown-elf-gcc`` (GCC 12) with ``-march=rv32im -mabi=ilp32`` and the
``picolibc-riscv64-unknown-elf`` C library (its ``rv32im/ilp32`` multilib). Different
front end, optimiser, back end, assembler, linker and C library: a bug that is in one
route is very unlikely to be in the other in the same way.

picolibc is a bare-metal libc, so the route brings a small runtime of its own
(``src/zkvm/guest/gcc/``, compiled into every guest):

* ``crt0.c`` -- ``_start``: sets ``gp`` and ``tp``, runs constructors, calls ``main``, then
  ``exit``. The stack pointer is the one the loader gives (zkvm executor or qemu).
* ``zkvm_gcc_syscalls.c`` -- ``read``/``write``/``_exit``/``sbrk``/... issuing the same
  Linux-style ``ecall``s as musl (docs/abi.md), and picolibc's ``stdin``/``stdout``/
  ``stderr`` on file descriptors 0/1/2 (stdout buffered like musl's).
* ``include/sys/mman.h`` -- ``mmap``/``munmap``/``mprotect`` (picolibc has no such header;
  implemented in ``zkvm_gcc_syscalls.c``).
* ``zkvm-gcc.ld`` -- the linker script: text at 0x10000, data on the next page (W^X,
  no page shared between segments of different permissions), TLS block.

The SDK header ``zkvm.h`` works unchanged (it issues ``ecall``s itself). The ELF runs in
the zkvm executor and under ``qemu-riscv32``.

Builds are sealed like the zig route's (fixed directory layout, relative paths,
``-ffile-prefix-map``, scrubbed environment, no debug info or build ID, stripped), so the
same machine gives the same ELF. This route is *not* pinned the way zig is: it is the
Debian package that is installed, and its version is part of the cache key
(:func:`gcc_source_digest`). It exists to cross-check the default route, not to produce
the ELFs whose image IDs are published.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from .common import (
    CANONICAL_ROOT,
    BuildResult,
    ToolchainError,
    _normalize_defines,
    check_hermetic,
    collect_sources,
    cached_elf,
    inputs_digest,
    normalize_opt_level,
    run_sealed,
    sdk_headers,
    sdk_include_dir,
)

GCC = "riscv64-unknown-elf-gcc"
MARCH = "rv32im"
MABI = "ilp32"
PICOLIBC_ROOT = Path("/usr/lib/picolibc/riscv64-unknown-elf")
"""Where Debian's ``picolibc-riscv64-unknown-elf`` installs (specs file, headers, libs)."""
PICOLIBC_SPECS = PICOLIBC_ROOT / "picolibc.specs"
PICOLIBC_LIBDIR = PICOLIBC_ROOT / "lib" / MARCH / MABI
BUILD_TIMEOUT_S = 300
RUNTIME_SOURCES = ("crt0.c", "zkvm_gcc_syscalls.c")
RUNTIME_HEADERS = ("include/sys/mman.h",)
"""POSIX headers picolibc lacks, on the include path after the guest's own (``-Irt/include``)."""
LINKER_SCRIPT = "zkvm-gcc.ld"

_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")


def runtime_dir() -> Path:
    """Directory holding the GCC route's runtime (crt0, syscalls, linker script)."""
    return Path(__file__).resolve().parent.parent / "guest" / "gcc"


def gcc_path() -> str | None:
    """Absolute path of ``riscv64-unknown-elf-gcc`` on the fixed PATH, or None."""
    return shutil.which(GCC, path="/usr/local/bin:/usr/bin:/bin")


@functools.lru_cache(maxsize=None)
def _gcc_version(path: str) -> str:
    proc = subprocess.run([path, "-dumpfullversion"], capture_output=True, text=True, timeout=30)
    version = proc.stdout.strip()
    if proc.returncode != 0 or not _VERSION_RE.fullmatch(version):
        raise ToolchainError(f"{path} -dumpfullversion failed: {proc.stderr.strip() or version!r}")
    return version


@functools.lru_cache(maxsize=None)
def _picolibc_fingerprint() -> str:
    """sha256 over picolibc's ``libc.a`` of the rv32im/ilp32 multilib (part of the cache key)."""
    h = hashlib.sha256()
    for name in ("libc.a",):
        h.update((PICOLIBC_LIBDIR / name).read_bytes())
    return h.hexdigest()


def check_gcc() -> str:
    """Return the GCC version (e.g. ``"12.2.0"``), or raise ToolchainError saying what to
    install if the compiler or picolibc's rv32im/ilp32 multilib is missing."""
    path = gcc_path()
    if path is None:
        raise ToolchainError(
            f"{GCC} is not installed: `apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf`"
        )
    if not PICOLIBC_SPECS.is_file() or not (PICOLIBC_LIBDIR / "libc.a").is_file():
        raise ToolchainError(
            f"picolibc for {MARCH}/{MABI} is not installed (no {PICOLIBC_LIBDIR / 'libc.a'}): "
            "`apt-get install picolibc-riscv64-unknown-elf`"
        )
    return _gcc_version(path)


def gcc_flags(opt_level: str | int = "2", extra_defines: Iterable = ()) -> list[str]:
    """The full flag list of the GCC route (without sources and output).

    Paths are relative to the sealed build directory, except the picolibc specs file
    (a system path, recorded nowhere in the output: no debug info, stripped).
    """
    level = normalize_opt_level(opt_level)
    return [
        f"-march={MARCH}",
        f"-mabi={MABI}",
        f"--specs={PICOLIBC_SPECS}",  # picolibc headers, libc + libgcc, TLS model local-exec
        "-nostartfiles",  # our crt0, not picolibc's bare-metal one
        f"-Trt/{LINKER_SCRIPT}",  # replaces picolibc.ld (flash/RAM layout of a microcontroller)
        "-static",
        f"-O{level}",
        "-g0",
        "-ffunction-sections",
        "-fdata-sections",
        "-Wl,--gc-sections",
        "-ffile-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-Iinclude",
        "-Isrc",
        "-Irt/include",  # sys/mman.h (RUNTIME_HEADERS)
        "-s",
        "-Wl,--build-id=none",
        *_normalize_defines(extra_defines),
    ]


def _sealed_env(root: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root),
        "TMPDIR": str(root.parent),
        "SOURCE_DATE_EPOCH": "0",
        "TZ": "UTC",
        "LC_ALL": "C",
    }


def build_gcc(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    opt_level: str | int = "2",
    extra_defines: Iterable[str | tuple[str, object]] = (),
) -> BuildResult:
    """Build a C guest with GCC + picolibc into the static RV32IM ELF ``output``.

    Same arguments and errors as :func:`zkvm.toolchain.build` (``sources``: a directory
    or ``.c`` files; the ``.h`` files beside them and the SDK headers are on the include
    path). The runtime (``runtime_dir()``) is compiled in with the guest, at the same
    optimisation level.
    """
    path = gcc_path()
    check_gcc()
    flags = gcc_flags(opt_level, extra_defines)
    c_files, headers = collect_sources(sources)
    output = Path(output)

    tmp = Path(tempfile.mkdtemp(prefix="zkvm-gcc-build-"))
    try:
        root = tmp / "zkvm-guest"
        for sub in ("src", "include", "rt"):
            (root / sub).mkdir(parents=True)
        for h in sorted(sdk_include_dir().glob("*.h"), key=lambda q: q.name.encode()):
            (root / "include" / h.name).write_bytes(h.read_bytes())
        for name in (*RUNTIME_SOURCES, LINKER_SCRIPT, *RUNTIME_HEADERS):
            (root / "rt" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "rt" / name).write_bytes((runtime_dir() / name).read_bytes())
        for f in [*headers, *c_files]:
            (root / "src" / f.name).write_bytes(f.read_bytes())
        real_flags = [x.replace("@ROOT@", str(root)) for x in flags]
        srcs = [f"rt/{n}" for n in RUNTIME_SOURCES] + [f"src/{f.name}" for f in c_files]
        cmd = [path, *real_flags, "-o", "out.elf", *srcs]
        elf, stderr = run_sealed(cmd, root, _sealed_env(root), GCC, BUILD_TIMEOUT_S)
        check_hermetic(elf, [str(tmp)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + f".{os.getpid()}.part")
    part.write_bytes(elf)
    os.chmod(part, 0o755)
    os.replace(part, output)
    shown = [GCC, *(x.replace(str(root), CANONICAL_ROOT) for x in cmd[1:])]
    return BuildResult(
        path=output,
        size=len(elf),
        sha256=hashlib.sha256(elf).hexdigest(),
        command=tuple(shown),
        warnings=stderr,
    )


def gcc_source_digest(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
) -> str:
    """A hex digest of everything that determines the GCC-route ELF: compiler version,
    picolibc's library, flags, runtime, SDK headers, source names and contents."""
    c_files, headers = collect_sources(sources)
    rt = [runtime_dir() / n for n in (*RUNTIME_SOURCES, LINKER_SCRIPT, *RUNTIME_HEADERS)]
    return inputs_digest([f"gcc {check_gcc()}".encode(), _picolibc_fingerprint().encode()],
                         gcc_flags(opt_level, extra_defines),
                         [(b"rt", rt), (b"sdk", sdk_headers()), (b"h", headers), (b"c", c_files)])


def cached_build_gcc(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    cache_dir: str | os.PathLike,
    name: str = "guest",
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
) -> Path:
    """Build into ``cache_dir/<name>-gcc-<digest>.elf`` unless that file exists
    (atomically, so several processes may share the cache)."""
    defines = list(extra_defines)
    digest = gcc_source_digest(sources, opt_level, defines)
    return cached_elf(cache_dir, f"{name}-gcc-{digest[:16]}",
                      lambda out: build_gcc(sources, out, opt_level, defines))


__all__ = [
    "GCC",
    "MARCH",
    "MABI",
    "build_gcc",
    "cached_build_gcc",
    "check_gcc",
    "gcc_flags",
    "gcc_path",
    "gcc_source_digest",
    "runtime_dir",
]

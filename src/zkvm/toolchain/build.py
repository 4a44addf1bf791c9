"""Hermetic, reproducible builds of C guest programs into static RV32IM ELF files.

The contract: the same sources, optimisation level and defines give a byte-identical ELF
on any machine that has the pinned compiler, whatever directory the sources live in,
whoever runs the build and whatever the host environment holds. The ELF's bytes are
what the zkvm proves (its image ID is derived from them), so this is what lets a
verifier rebuild a guest from source and check it is the program that was proved.

How (docs/toolchain.md has the full rules):

* One pinned compiler: ``python -m ziglang cc`` from the ``ziglang`` wheel, version
  ``ZIG_VERSION`` exactly (checked at run time), targeting ``riscv32-linux-musl`` with
  ``-mcpu=generic_rv32+m+a`` and statically linked against zig's bundled musl.
* Sealed inputs: the sources (``*.c`` and the ``*.h`` beside them) and the SDK headers
  are copied into a fresh temp directory at the canonical layout
  ``<tmp>/zkvm-guest/{src,include}``; the compiler runs there with relative paths, and
  ``-ffile-prefix-map`` maps ``<tmp>/zkvm-guest`` to ``/zkvm-guest`` so no host path or
  user name can reach the output (``__FILE__`` included).
* Sealed environment: the child gets only a fixed ``PATH``, the zig cache directories,
  ``SOURCE_DATE_EPOCH=0``, ``TZ=UTC``, ``LC_ALL=C`` and ``umask 022``; sources are passed
  in byte-wise sorted order.
* Deterministic output: no debug info (``-g0``), symbols and debug sections of the
  prebuilt musl stripped (``-s``), no build ID (``-Wl,--build-id=none``). After the
  build the ELF is checked not to contain the temp directory's path.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

ZIG_VERSION = "0.17.0"
"""The only ``ziglang`` version the toolchain accepts (pinned in pyproject.toml)."""

TARGET = "riscv32-linux-musl"
CPU = "generic_rv32+m+a"
OPT_LEVELS = ("0", "1", "2", "3", "s", "z")
COMPILERS = ("zig",)
"""Compiler routes. A GCC + picolibc route (``riscv64-unknown-elf-gcc -march=rv32im``)
is planned; it will be a second entry here with its own flag list."""

CANONICAL_ROOT = "/zkvm-guest"
"""The path the sealed build directory is mapped to in anything the compiler records."""

BUILD_TIMEOUT_S = 900
"""Upper bound on one compiler run (the first run also builds musl: ~40 s on 2 cores)."""

_DEFINE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(=[^\x00-\x1f]*)?$")
_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


class ToolchainError(RuntimeError):
    """The compiler is missing or is not the pinned version."""


class BuildError(RuntimeError):
    """The guest did not build. ``stderr`` holds the compiler's diagnostics (paths are
    relative to the canonical build directory, e.g. ``src/main.c:3:5: error: ...``)."""

    def __init__(self, message: str, stderr: str = ""):
        self.stderr = stderr
        super().__init__(message)


@dataclass(frozen=True)
class BuildResult:
    """What a build produced. ``sha256`` is the hex digest of the ELF bytes."""

    path: Path
    size: int
    sha256: str
    command: tuple[str, ...]  # the compiler command line (canonical paths)
    warnings: str  # compiler stderr of a successful build ("" when clean)


def sdk_include_dir() -> Path:
    """Directory holding the guest SDK headers (``zkvm.h``, ``zkvm_sha256.h``)."""
    return Path(__file__).resolve().parent.parent / "guest" / "include"


def check_compiler() -> str:
    """Return the installed ``ziglang`` version, or raise ToolchainError if it is not
    exactly ``ZIG_VERSION`` (a different compiler would build a different ELF)."""
    try:
        version = importlib.metadata.version("ziglang")
    except importlib.metadata.PackageNotFoundError:
        raise ToolchainError(
            f"the pinned guest compiler is not installed: run `pip install ziglang=={ZIG_VERSION}`"
        ) from None
    if version != ZIG_VERSION:
        raise ToolchainError(
            f"ziglang {version} is installed but zkvm needs exactly ziglang=={ZIG_VERSION} "
            f"(builds must be reproducible): run `pip install ziglang=={ZIG_VERSION}`"
        )
    return version


def zig_global_cache_dir() -> Path:
    """Where zig keeps its compiled musl (shared by all builds; content-addressed)."""
    override = os.environ.get("ZKVM_ZIG_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zkvm" / "zig"


def normalize_opt_level(opt_level: str | int) -> str:
    """Accept ``2``, ``"2"``, ``"O2"`` or ``"-O2"``; return ``"2"``."""
    level = str(opt_level).strip()
    for prefix in ("-O", "O"):
        if level.startswith(prefix):
            level = level[len(prefix):]
            break
    if level not in OPT_LEVELS:
        raise ValueError(f"unknown optimisation level {opt_level!r}; use one of {', '.join(OPT_LEVELS)}")
    return level


def _normalize_defines(extra_defines: Iterable[str | tuple[str, object]]) -> list[str]:
    out = []
    for d in extra_defines:
        text = f"{d[0]}={d[1]}" if isinstance(d, tuple) else str(d)
        if not _DEFINE_RE.fullmatch(text):
            raise ValueError(f"bad define {text!r}: expected NAME or NAME=VALUE")
        out.append(f"-D{text}")
    return out


def collect_sources(sources: str | os.PathLike | Sequence[str | os.PathLike]) -> tuple[list[Path], list[Path]]:
    """Resolve ``sources`` to ``(c_files, header_files)``, each sorted by file name.

    A directory means its ``*.c`` files; a list means those ``.c`` files. The ``*.h``
    files in the same directories are taken too, so ``#include "foo.h"`` works.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    c_files: dict[str, Path] = {}
    headers: dict[str, Path] = {}

    def add(table: dict[str, Path], path: Path) -> None:
        name = path.name
        if not _SAFE_NAME_RE.fullmatch(name):
            raise BuildError(f"unsupported source file name {name!r} (use letters, digits, _ . + -)")
        other = table.get(name)
        if other is not None and other.resolve() != path.resolve():
            if other.read_bytes() != path.read_bytes():
                raise BuildError(f"two different source files are both named {name!r}: {other} and {path}")
            return
        table[name] = path

    dirs = []
    for item in sources:
        p = Path(item)
        if p.is_dir():
            found = [q for q in p.iterdir() if q.suffix == ".c" and q.is_file()]
            if not found:
                raise BuildError(f"no .c files in directory {p}")
            for q in found:
                add(c_files, q)
            dirs.append(p)
        elif p.is_file():
            if p.suffix != ".c":
                raise BuildError(f"not a C source file (expected .c): {p}")
            add(c_files, p)
            dirs.append(p.parent)
        else:
            raise BuildError(f"no such file or directory: {p}")
    for d in dict.fromkeys(x.resolve() for x in dirs):
        for q in d.iterdir():
            if q.suffix == ".h" and q.is_file():
                add(headers, q)
    key = lambda q: q.name.encode()  # byte order, independent of the host locale
    return sorted(c_files.values(), key=key), sorted(headers.values(), key=key)


def compiler_flags(opt_level: str = "2", extra_defines: Iterable = ()) -> list[str]:
    """The full flag list of the pinned zig route (without sources and output).

    Paths in it are relative to the sealed build directory.
    """
    level = normalize_opt_level(opt_level)
    return [
        "-target", TARGET,
        f"-mcpu={CPU}",
        "-static",
        f"-O{level}",
        "-g0",
        "-fno-sanitize=undefined",  # zig turns UBSan on at -O0; its runtime is not wanted
        "-ffile-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-fdebug-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-fmacro-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-Iinclude",
        "-Isrc",
        "-s",  # strip symbols and the debug info of the prebuilt musl
        "-Wl,--build-id=none",
        *_normalize_defines(extra_defines),
    ]


def _sealed_env(root: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root),  # nothing real: zig must not read user configuration
        "ZIG_GLOBAL_CACHE_DIR": str(zig_global_cache_dir()),
        "ZIG_LOCAL_CACHE_DIR": str(root.parent / "zig-local-cache"),
        "SOURCE_DATE_EPOCH": "0",
        "TZ": "UTC",
        "LC_ALL": "C",
    }


def check_hermetic(elf: bytes, forbidden: Iterable[str]) -> None:
    """Raise BuildError if any of the ``forbidden`` strings (host paths) occurs in ``elf``.

    Correctness: a host path inside the ELF would make its bytes, hence its image ID,
    depend on where it was built.
    """
    for s in forbidden:
        if s and s.encode() in elf:
            raise BuildError(f"non-reproducible build: the ELF contains the host path {s!r}")


def build(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    opt_level: str | int = "2",
    extra_defines: Iterable[str | tuple[str, object]] = (),
    compiler: str = "zig",
) -> BuildResult:
    """Build a C guest into the static RV32IM ELF ``output``.

    ``sources``: a directory (its ``*.c`` files, sorted) or a list of ``.c`` files.
    ``opt_level``: one of ``OPT_LEVELS`` (``"2"``, ``"O2"`` and ``2`` all work).
    ``extra_defines``: ``"NAME"``, ``"NAME=VALUE"`` or ``(name, value)`` items.
    ``compiler``: only ``"zig"`` today (see ``COMPILERS``).

    Raises BuildError (bad sources, compiler diagnostics in ``.stderr``) or
    ToolchainError (wrong or missing compiler).
    """
    if compiler not in COMPILERS:
        raise ValueError(f"unknown compiler {compiler!r}; available: {', '.join(COMPILERS)}")
    check_compiler()
    flags = compiler_flags(opt_level, extra_defines)
    c_files, headers = collect_sources(sources)
    output = Path(output)

    tmp = Path(tempfile.mkdtemp(prefix="zkvm-build-"))
    try:
        root = tmp / "zkvm-guest"
        (root / "src").mkdir(parents=True)
        (root / "include").mkdir()
        for h in sorted(sdk_include_dir().glob("*.h"), key=lambda q: q.name.encode()):
            (root / "include" / h.name).write_bytes(h.read_bytes())
        for f in [*headers, *c_files]:
            (root / "src" / f.name).write_bytes(f.read_bytes())
        real_flags = [x.replace("@ROOT@", str(root)) for x in flags]
        srcs = [f"src/{f.name}" for f in c_files]
        cmd = [sys.executable, "-m", "ziglang", "cc", *real_flags, "-o", "out.elf", *srcs]
        try:
            proc = subprocess.run(
                cmd,
                cwd=root,
                env=_sealed_env(root),
                umask=0o022,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=BUILD_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"the compiler did not finish within {BUILD_TIMEOUT_S} s") from None
        stderr = proc.stderr.decode("utf-8", "replace").replace(str(root), CANONICAL_ROOT)
        if proc.returncode != 0 or not (root / "out.elf").is_file():
            raise BuildError(f"compilation failed (exit code {proc.returncode}):\n{stderr.rstrip()}", stderr)
        elf = (root / "out.elf").read_bytes()
        check_hermetic(elf, [str(tmp)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    part.write_bytes(elf)
    os.chmod(part, 0o755)
    os.replace(part, output)
    shown = [sys.executable.rsplit("/", 1)[-1], *cmd[1:]]
    shown = [x.replace(str(root), CANONICAL_ROOT) for x in shown]
    return BuildResult(
        path=output,
        size=len(elf),
        sha256=hashlib.sha256(elf).hexdigest(),
        command=tuple(shown),
        warnings=stderr,
    )


def source_digest(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
) -> str:
    """A hex digest of everything that determines the ELF: compiler version, flags, SDK
    headers, source names and contents. Equal digests mean equal ELFs."""
    h = hashlib.sha256()

    def put(b: bytes) -> None:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)

    put(f"zig {ZIG_VERSION}".encode())
    for flag in compiler_flags(opt_level, extra_defines):
        put(flag.encode())
    c_files, headers = collect_sources(sources)
    for tag, files in ((b"sdk", sorted(sdk_include_dir().glob("*.h"), key=lambda q: q.name.encode())),
                       (b"h", headers), (b"c", c_files)):
        put(tag)
        for f in files:
            put(f.name.encode())
            put(f.read_bytes())
    return h.hexdigest()


def cached_build(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    cache_dir: str | os.PathLike,
    name: str = "guest",
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
) -> Path:
    """Build into ``cache_dir/<name>-<source_digest>.elf`` unless that file exists.

    Safe to call from several processes at once (the file appears atomically).
    """
    defines = list(extra_defines)
    digest = source_digest(sources, opt_level, defines)
    path = Path(cache_dir) / f"{name}-{digest[:16]}.elf"
    if not path.is_file():
        tmp_out = Path(cache_dir) / f".{name}-{digest[:16]}-{os.getpid()}.elf"
        build(sources, tmp_out, opt_level, defines)
        os.replace(tmp_out, path)
    return path

"""Shared pieces of the guest toolchains (zig, gcc, rust): errors, the build result,
source collection, the sealed subprocess runner, digests and the ELF cache.  The
toolchain modules (:mod:`.build`, :mod:`.gcc`, :mod:`.rust`) import from here, so none
of them imports another's internals (no import circle)."""

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

OPT_LEVELS = ("0", "1", "2", "3", "s", "z")


C_SUFFIXES = (".c",)


CXX_SUFFIXES = (".cpp", ".cc", ".cxx")


SOURCE_SUFFIXES = C_SUFFIXES + CXX_SUFFIXES


HEADER_SUFFIXES = (".h", ".hpp", ".hh", ".hxx")


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
    """What a build produced. ``sha256`` is the hex digest of the ELF bytes.

    The fields after ``warnings`` describe the build's identity for the build manifest
    (:mod:`zkvm.manifest`): ``inputs`` are ``(canonical name, sha256 hex)`` of every file
    the compiler could see, in the order they were copied into the sealed directory
    (``include/<sdk header>``, then ``src/<header>``, then ``src/<file>.c``); ``flags``
    is :func:`compiler_flags` with the canonical root written out.
    """

    path: Path
    size: int
    sha256: str
    command: tuple[str, ...]  # the compiler command line (canonical paths)
    warnings: str  # compiler stderr of a successful build ("" when clean)
    compiler: str = "zig"
    compiler_version: str = ""
    opt_level: str = ""
    defines: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()
    #: the unstripped copy (symbols + line info, :func:`build` ``debug_output``), or None
    debug_path: Path | None = None
    debug_sha256: str = ""
    #: why there is no debug copy although one was asked for ("" otherwise)
    debug_error: str = ""


def sdk_include_dir() -> Path:
    """Directory holding the guest SDK headers (``zkvm.h``, ``zkvm_sha256.h``)."""
    return Path(__file__).resolve().parent.parent / "guest" / "include"


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
    """Resolve ``sources`` to ``(source_files, header_files)``, each sorted by file name.

    A directory means its ``*.c`` files, or its C++ files (``*.cpp``, ``*.cc``,
    ``*.cxx``); a list means those files. The headers (``*.h``, ``*.hpp``, ``*.hh``,
    ``*.hxx``) in the same directories are taken too, so ``#include "foo.h"`` works.
    :func:`source_language` tells C from C++ (a guest is one or the other).
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
            found = [q for q in p.iterdir() if q.suffix in SOURCE_SUFFIXES and q.is_file()]
            if not found:
                raise BuildError(f"no .c or .cpp files in directory {p}")
            for q in found:
                add(c_files, q)
            dirs.append(p)
        elif p.is_file():
            if p.suffix not in SOURCE_SUFFIXES:
                raise BuildError(f"not a C or C++ source file (expected .c, .cpp, .cc or .cxx): {p}")
            add(c_files, p)
            dirs.append(p.parent)
        else:
            raise BuildError(f"no such file or directory: {p}")
    for d in dict.fromkeys(x.resolve() for x in dirs):
        for q in d.iterdir():
            if q.suffix in HEADER_SUFFIXES and q.is_file():
                add(headers, q)
    key = lambda q: q.name.encode()  # byte order, independent of the host locale
    return sorted(c_files.values(), key=key), sorted(headers.values(), key=key)


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


def run_sealed(cmd: list[str], root: Path, env: dict[str, str], what: str,
               timeout_s: int, output: str | None = "out.elf") -> tuple[bytes, str]:
    """Run a compiler command in the canonical build tree ``root`` (cwd) with the sealed
    environment ``env``, umask 022 and no stdin; return ``(bytes of root/<output>, the
    compiler's output)`` -- the output holds its warnings, with canonical paths. With
    ``output=None`` (cargo, which reports its artifacts as JSON) the first item is the
    command's stdout instead.

    Raises :class:`BuildError` with the compiler's output (host paths replaced by
    ``CANONICAL_ROOT``) if it fails, produces no ELF, or runs past ``timeout_s``.
    Shared by every compiler route so they are sealed the same way."""
    try:
        proc = subprocess.run(
            cmd,
            cwd=root,
            env=env,
            umask=0o022,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what} did not finish within {timeout_s} s") from None
    stderr = proc.stderr.decode("utf-8", "replace").replace(str(root), CANONICAL_ROOT)
    if proc.returncode != 0 or (output is not None and not (root / output).is_file()):
        raise BuildError(f"compilation failed (exit code {proc.returncode}):\n{stderr.rstrip()}", stderr)
    if output is None:
        return proc.stdout, stderr
    return (root / output).read_bytes(), stderr


def check_hermetic(elf: bytes, forbidden: Iterable[str]) -> None:
    """Raise BuildError if any of the ``forbidden`` strings (host paths) occurs in ``elf``.

    Correctness: a host path inside the ELF would make its bytes, hence its image ID,
    depend on where it was built.
    """
    for s in forbidden:
        if s and s.encode() in elf:
            raise BuildError(f"non-reproducible build: the ELF contains the host path {s!r}")


def sdk_headers() -> list[Path]:
    """The SDK's headers in canonical (byte-sorted name) order."""
    return sorted(sdk_include_dir().glob("*.h"), key=lambda q: q.name.encode())


def inputs_digest(header: Sequence[bytes], flags: Iterable[str],
                  groups: Sequence[tuple[bytes, Sequence[Path]]]) -> str:
    """SHA-256 (hex) of a build's inputs, each part length-prefixed: the ``header`` parts
    (compiler identity), every flag, then per group its tag and each file's name and
    bytes. Shared by every compiler route's cache key."""
    h = hashlib.sha256()

    def put(b: bytes) -> None:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)

    for part in header:
        put(part)
    for flag in flags:
        put(flag.encode())
    for tag, files in groups:
        put(tag)
        for f in files:
            put(f.name.encode())
            put(f.read_bytes())
    return h.hexdigest()


def cached_elf(cache_dir: str | os.PathLike, stem: str, make) -> Path:
    """``cache_dir/<stem>.elf``, calling ``make(tmp_path)`` to build it if it is missing.
    The file appears atomically (temp name + rename), so processes may share the cache."""
    path = Path(cache_dir) / f"{stem}.elf"
    if not path.is_file():
        tmp_out = Path(cache_dir) / f".{stem}-{os.getpid()}.elf"
        make(tmp_out)
        os.replace(tmp_out, path)
    return path

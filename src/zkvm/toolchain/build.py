"""Hermetic, reproducible builds of C and C++ guest programs into static RV32IM ELF files
(Rust crates: :mod:`zkvm.toolchain.rust`, dispatched from :func:`build`).

The contract: the same sources, optimisation level and defines give a byte-identical ELF
on any machine that has the pinned compiler, whatever directory the sources live in,
whoever runs the build and whatever the host environment holds. The ELF's bytes are
what the zkvm proves (its image ID is derived from them), so this is what lets a
verifier rebuild a guest from source and check it is the program that was proved.

How (docs/toolchain.md has the full rules):

* One pinned compiler: ``python -m ziglang cc`` (``c++`` for C++ sources, with zig's
  bundled libc++) from the ``ziglang`` wheel, version ``ZIG_VERSION`` exactly (checked
  at run time), targeting ``riscv32-linux-musl`` with ``-mcpu=generic_rv32+m+a`` and
  statically linked against zig's bundled musl.
* Sealed inputs: the sources (``*.c`` and the ``*.h`` beside them) and the SDK headers
  are copied into a fresh temp directory at the canonical layout
  ``<tmp>/zkvm-guest/{src,include}``; the compiler runs there with relative paths, and
  ``-ffile-prefix-map`` maps ``<tmp>/zkvm-guest`` to ``/zkvm-guest`` so no host path or
  user name can reach the output (``__FILE__`` included).
* Sealed environment: the child gets only a fixed ``PATH``, the zig cache directories,
  ``SOURCE_DATE_EPOCH=0``, ``TZ=UTC``, ``LC_ALL=C`` and ``umask 022``; sources are passed
  in byte-wise sorted order.
* Isolated compiler process: ``python -I -m ziglang`` (no ``PYTHON*`` variables, no
  user site directory, the working directory not on ``sys.path``).
* Deterministic output: no debug info (``-g0``), symbols and debug sections of the
  prebuilt musl stripped (``-s``), no build ID (``-Wl,--build-id=none``). After the
  build the ELF is checked not to contain the temp directory's path, the zig
  installation's path or zig's cache path (:func:`check_hermetic`).
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

from .common import (  # noqa: F401 (re-exported: zkvm.toolchain.build.*)
    OPT_LEVELS,
    C_SUFFIXES,
    CXX_SUFFIXES,
    SOURCE_SUFFIXES,
    HEADER_SUFFIXES,
    CANONICAL_ROOT,
    BUILD_TIMEOUT_S,
    _DEFINE_RE,
    _SAFE_NAME_RE,
    ToolchainError,
    BuildError,
    BuildResult,
    sdk_include_dir,
    zig_global_cache_dir,
    normalize_opt_level,
    _normalize_defines,
    collect_sources,
    _sealed_env,
    run_sealed,
    check_hermetic,
    sdk_headers,
    inputs_digest,
    cached_elf,
)

ZIG_VERSION = "0.17.0"
"""The only ``ziglang`` version the toolchain accepts (pinned in pyproject.toml)."""

TARGET = "riscv32-linux-musl"
CPU = "generic_rv32+m+a"
COMPILERS = ("zig", "gcc", "rust")
"""Compiler routes. ``"zig"`` is the pinned default for C and C++ whose ELFs (and image
IDs) are published; ``"gcc"`` (GCC + picolibc, :mod:`zkvm.toolchain.gcc`, C only) is the
independent second route used to cross-check it. It is not pinned (it is the Debian
package that is installed). ``"rust"`` (:mod:`zkvm.toolchain.rust`) builds Cargo crates
with the pinned Debian Rust toolchain."""

CLANG_LEVEL_FLAGS: dict[str, tuple[str, ...]] = {
    "1": ("-Xclang", "-O1", "-fno-vectorize", "-fno-slp-vectorize"),
    "3": ("-Xclang", "-O3"),
    "z": ("-Xclang", "-Oz", "-fno-vectorize"),
}
"""Extra flags that make the zig route honour ``-O1``, ``-O3`` and ``-Oz``.

``zig cc`` maps the C optimisation levels to its own build modes and hands clang only
``-O0`` (Debug), ``-O2`` (ReleaseFast: for ``-O1``, ``-O2`` and ``-O3``) or ``-Os``
(ReleaseSmall: for ``-Os`` and ``-Oz``), so without these flags ``-O1``/``-O3`` build the
same ELF as ``-O2``. ``-Xclang -O<n>`` reaches clang's compiler (``-cc1``) after zig's
own ``-O2``/``-Os`` and wins (cc1 takes the last ``-O``): it sets both the LLVM
optimisation pipeline and the code generator's level. ``-fno-vectorize`` /
``-fno-slp-vectorize`` drop the vectorizer switches zig's ReleaseFast adds, as clang's
own driver does at ``-O1`` (both off) and ``-Oz`` (loop vectorizer off). Everything
else -- zig's mode (its musl build, frame pointers, ``NDEBUG`` handling) -- stays that
of ``-O2`` (``-Os`` for ``-Oz``), so the levels of one mode differ only in what clang's
optimiser does to the guest's own code; musl is zig's prebuilt copy for the mode.
``-O0``, ``-O2`` and ``-Os`` get nothing extra: their flags, ELFs and image IDs are
those of before this mapping existed (docs/compiler-trust.md has the evidence that the
levels now differ)."""

CXX_STD = "c++20"
"""The C++ standard of C++ guests (``-std=c++20``)."""


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


def source_language(files: Iterable[Path | str]) -> str:
    """``"c"`` or ``"c++"`` for a guest's source files; raises BuildError if it mixes
    both (one compiler invocation cannot give C files C flags and C++ files
    ``-std=c++20``)."""
    suffixes = {Path(f).suffix for f in files}
    cxx = suffixes & set(CXX_SUFFIXES)
    if cxx and suffixes & set(C_SUFFIXES):
        raise BuildError("a guest is either C or C++, this one has both .c and "
                         f"{'/'.join(sorted(cxx))} files: rename the C files to .cpp (C++ compiles most C) "
                         'or put the C code in a header included inside extern "C" { }')
    return "c++" if cxx else "c"


def compiler_flags(opt_level: str = "2", extra_defines: Iterable = (), language: str = "c",
                   cxx_exceptions: bool = False) -> list[str]:
    """The full flag list of the pinned zig route (without sources and output).

    Paths in it are relative to the sealed build directory. ``language="c++"`` adds
    ``-std=c++20`` and ``-fno-exceptions`` (``-fexceptions`` with ``cxx_exceptions``);
    the C flag list does not depend on these arguments.
    """
    level = normalize_opt_level(opt_level)
    if language not in ("c", "c++"):
        raise ValueError(f"unknown language {language!r}")
    if language == "c++":
        lang = [f"-std={CXX_STD}", "-fexceptions" if cxx_exceptions else "-fno-exceptions"]
    else:
        if cxx_exceptions:
            raise ValueError("cxx_exceptions is for C++ sources (.cpp, .cc, .cxx)")
        lang = []
    return [
        "-target", TARGET,
        f"-mcpu={CPU}",
        "-static",
        f"-O{level}",
        *CLANG_LEVEL_FLAGS.get(level, ()),
        *lang,
        "-g0",
        "-fno-sanitize=undefined",  # zig turns UBSan on at -O0; its runtime is not wanted
        "-ffile-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-fdebug-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-fmacro-prefix-map=@ROOT@=" + CANONICAL_ROOT,
        "-Iinclude",
        "-Isrc",
        "-s",  # strip symbols and the debug info of the prebuilt musl
        "-Wl,--build-id=none",
        # zig defines NDEBUG at -O1 and above (its release modes), which silently drops
        # every assert(); a guest's asserts are part of what it proves (docs/toolchain.md),
        # so they stay unless the build asks for NDEBUG explicitly (--ndebug / -DNDEBUG,
        # which come after this and win)
        "-UNDEBUG",
        *_normalize_defines(extra_defines),
    ]


def ziglang_dir() -> Path | None:
    """Directory of the installed ``ziglang`` package (holds the ``zig`` binary and its
    bundled libc sources), or None if it is not installed."""
    try:
        dist = importlib.metadata.distribution("ziglang")
    except importlib.metadata.PackageNotFoundError:
        return None
    return Path(str(dist.locate_file("ziglang")))


def _sorted_files(paths: Iterable[Path]) -> list[Path]:
    return sorted(paths, key=lambda q: q.name.encode())  # byte order, not the host locale


def _host_paths(tmp: Path) -> list[str]:
    """Host paths that must never appear in an ELF: the sealed temp directory, the zig
    installation (its bundled musl sources) and zig's global cache."""
    out = [str(tmp), str(zig_global_cache_dir())]
    z = ziglang_dir()
    if z is not None:
        out.append(str(z))
    return out


def build(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    opt_level: str | int = "2",
    extra_defines: Iterable[str | tuple[str, object]] = (),
    compiler: str | None = None,
    cxx_exceptions: bool = False,
    debug_output: str | os.PathLike | None = None,
) -> BuildResult:
    """Build a C, C++ or Rust guest into the static RV32IM ELF ``output``.

    ``sources``: a directory (its ``*.c`` files, or its C++ files, sorted), a list of
    ``.c`` or ``.cpp``/``.cc``/``.cxx`` files, or a Rust crate (a directory holding
    ``Cargo.toml``: :func:`zkvm.toolchain.rust.build_rust`).
    ``opt_level``: one of ``OPT_LEVELS`` (``"2"``, ``"O2"`` and ``2`` all work).
    ``extra_defines``: ``"NAME"``, ``"NAME=VALUE"`` or ``(name, value)`` items (C, C++).
    ``compiler``: None (``"rust"`` for a crate, else ``"zig"``), ``"zig"`` (the pinned
    default), ``"gcc"`` (GCC + picolibc, C only, :mod:`zkvm.toolchain.gcc`) or
    ``"rust"`` (see ``COMPILERS``).
    ``cxx_exceptions``: compile C++ with ``-fexceptions`` instead of ``-fno-exceptions``.

    ``debug_output``: also write an unstripped copy of the ELF there (symbols of every
    function and DWARF line info of the guest's sources, for the profiler and for
    symbolised fault messages; :func:`build_debug_copy`). It is not what gets proved:
    the ELF at ``output`` is built exactly as without it. If the copy cannot be made,
    the build still succeeds and ``BuildResult.debug_error`` says why (zig route only).

    Raises BuildError (bad sources, compiler diagnostics in ``.stderr``) or
    ToolchainError (wrong or missing compiler).
    """
    from . import rust

    if compiler is None:
        compiler = "rust" if rust.is_rust_crate(sources) else "zig"
    if compiler not in COMPILERS:
        raise ValueError(f"unknown compiler {compiler!r}; available: {', '.join(COMPILERS)}")
    if compiler == "rust":
        if cxx_exceptions:
            raise ValueError("cxx_exceptions is for C++ sources, not Rust crates")
        return rust.build_rust(sources, output, opt_level, extra_defines)
    if rust.is_rust_crate(sources):
        raise BuildError(f"{sources} is a Rust crate (it has a Cargo.toml): build it with the rust route, "
                         f"not {compiler}")
    if compiler == "gcc":
        return _build_gcc(sources, output, opt_level, extra_defines)
    version = check_compiler()
    level = normalize_opt_level(opt_level)
    defines = tuple(x[2:] for x in _normalize_defines(extra_defines))
    c_files, headers = collect_sources(sources)
    language = source_language(c_files)
    flags = compiler_flags(level, defines, language, cxx_exceptions)
    output = Path(output)

    tmp = Path(tempfile.mkdtemp(prefix="zkvm-build-"))
    inputs: list[tuple[str, str]] = []
    try:
        root = tmp / "zkvm-guest"
        (root / "src").mkdir(parents=True)
        (root / "include").mkdir()

        def put(name: str, data: bytes) -> None:
            # Correctness: the manifest's hashes are of exactly the bytes the compiler
            # reads (not of the host files, which could change in between).
            (root / name).write_bytes(data)
            inputs.append((name, hashlib.sha256(data).hexdigest()))

        for h in _sorted_files(sdk_include_dir().glob("*.h")):
            put(f"include/{h.name}", h.read_bytes())
        for f in [*headers, *c_files]:
            put(f"src/{f.name}", f.read_bytes())
        real_flags = [x.replace("@ROOT@", str(root)) for x in flags]
        srcs = [f"src/{f.name}" for f in c_files]
        # -I: isolated Python (no PYTHON* variables, no user site, cwd not on sys.path).
        driver = "c++" if language == "c++" else "cc"  # c++: links zig's libc++ and libc++abi
        cmd = [sys.executable, "-I", "-m", "ziglang", driver, *real_flags, "-o", "out.elf", *srcs]
        elf, stderr = run_sealed(cmd, root, _sealed_env(root), "the compiler", BUILD_TIMEOUT_S)
        check_hermetic(elf, _host_paths(tmp))
        debug_elf, debug_error = None, ""
        if debug_output is not None:
            (root / "out.elf").unlink()
            try:
                debug_elf = build_debug_copy(root, real_flags, srcs, elf, _host_paths(tmp), driver)
            except BuildError as e:
                debug_error = str(e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    output.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(output, elf, 0o755)
    debug_path = None
    if debug_elf is not None:
        debug_path = Path(debug_output)
        _write_atomic(debug_path, debug_elf, 0o644)
    shown = [sys.executable.rsplit("/", 1)[-1], *cmd[1:]]
    shown = [x.replace(str(root), CANONICAL_ROOT) for x in shown]
    return BuildResult(
        path=output,
        size=len(elf),
        sha256=hashlib.sha256(elf).hexdigest(),
        command=tuple(shown),
        warnings=stderr,
        compiler="zig",
        compiler_version=version,
        opt_level=level,
        defines=defines,
        flags=tuple(x.replace("@ROOT@", CANONICAL_ROOT) for x in flags),
        inputs=tuple(inputs),
        debug_path=debug_path,
        debug_sha256=hashlib.sha256(debug_elf).hexdigest() if debug_elf is not None else "",
        debug_error=debug_error,
    )


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` through a temporary file in the same directory and a rename, so a
    reader never sees half a file; the temporary file is removed if anything fails (e.g.
    ``path`` is an existing directory)."""
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        part.write_bytes(data)
        os.chmod(part, mode)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def debug_flags(real_flags: Sequence[str]) -> list[str]:
    """The compile flags of the debug copy: the published flags with ``-g`` instead of
    ``-g0``, without ``-s``, and with the zig installation and cache mapped to fixed
    names in the debug info (``/ziglang``, ``/zig-cache``) so no host path gets in.
    Clang's code generation does not depend on ``-g``; :func:`build_debug_copy` checks
    it anyway by relinking stripped and comparing with the published ELF."""
    out = ["-g" if f == "-g0" else f for f in real_flags if f != "-s"]
    z = ziglang_dir()
    if z is not None:
        out.append(f"-fdebug-prefix-map={z}=/ziglang")
    out.append(f"-fdebug-prefix-map={zig_global_cache_dir()}=/zig-cache")
    return out


def build_debug_copy(root: Path, real_flags: Sequence[str], srcs: Sequence[str], published: bytes,
                     forbidden: Iterable[str], driver: str = "cc") -> bytes:
    """Build the unstripped copy of the ELF ``published`` in the sealed tree ``root``.

    1. compile every source with :func:`debug_flags` to an object (``-c``);
    2. link the objects with the *published* flags (stripped) and check the result is
       byte-identical to ``published`` -- so the objects' code is the published code;
       zig prints the linker command (``-v``);
    3. rerun that ``ld.lld`` command without ``-s``: the same sections, plus the symbol
       table and the guest's DWARF. (Letting zig link unstripped would pick its debug
       build of musl, whose code differs.)

    The copy's allocated sections equal the published ELF's; only its ELF header (which
    the first PT_LOAD maps) and the non-allocated sections differ, so its image ID is
    *not* the program's. Raises BuildError if any step fails or does not match."""
    import shlex

    env = _sealed_env(root)
    py = [sys.executable, "-I", "-m", "ziglang"]
    objs = []
    dflags = debug_flags(real_flags)
    for i, src in enumerate(srcs):
        obj = f"obj/{i:03d}.o"
        (root / "obj").mkdir(exist_ok=True)
        cmd = [*py, driver, *[f for f in dflags if not f.startswith("-Wl,") and f != "-static"],
               "-c", src, "-o", obj]
        _run_in(cmd, root, env, f"debug compile of {src}")
        objs.append(obj)
    out = _run_in([*py, driver, *real_flags, "-v", "-o", "out.elf", *objs], root, env, "debug relink")
    stripped = (root / "out.elf").read_bytes()
    if stripped != published:
        raise BuildError("the debug objects do not link to the published ELF (code depends on -g?)")
    link = next((ln for ln in out.splitlines() if ln.startswith("ld.lld ")), None)
    if link is None:
        raise BuildError("zig did not print its linker command")
    args = shlex.split(link)[1:]
    if "-s" not in args or "-o" not in args:
        raise BuildError(f"unexpected linker command: {link[:200]}")
    args = [a for a in args if a != "-s"]
    args[args.index("-o") + 1] = "debug.elf"
    _run_in([*py, "ld.lld", *args], root, env, "debug link")
    data = (root / "debug.elf").read_bytes()
    check_hermetic(data, forbidden)
    return data


def _run_in(cmd: list[str], root: Path, env: dict, what: str) -> str:
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, umask=0o022, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what} did not finish within {BUILD_TIMEOUT_S} s") from None
    text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit code {proc.returncode}): "
                         f"{text.strip().replace(str(root), CANONICAL_ROOT)[:500]}")
    return text


def _build_gcc(sources, output, opt_level, extra_defines) -> BuildResult:
    """The GCC + picolibc route (:func:`zkvm.toolchain.gcc.build_gcc`), with the
    manifest fields filled in. Its ``inputs`` are hashed from the host files after the
    build (the GCC route is a cross-check, not the published one)."""
    import dataclasses

    from .gcc import build_gcc, check_gcc, gcc_flags, runtime_dir, RUNTIME_HEADERS, RUNTIME_SOURCES, LINKER_SCRIPT

    level = normalize_opt_level(opt_level)
    defines = tuple(x[2:] for x in _normalize_defines(extra_defines))
    if source_language(collect_sources(sources)[0]) != "c":
        raise BuildError("the GCC route builds C only (C++ guests build with zig)")
    result = build_gcc(sources, output, level, defines)
    c_files, headers = collect_sources(sources)
    inputs = [(f"include/{h.name}", _sha256_file(h)) for h in _sorted_files(sdk_include_dir().glob("*.h"))]
    inputs += [(f"rt/{n}", _sha256_file(runtime_dir() / n)) for n in (*RUNTIME_SOURCES, LINKER_SCRIPT, *RUNTIME_HEADERS)]
    inputs += [(f"src/{f.name}", _sha256_file(f)) for f in [*headers, *c_files]]
    return dataclasses.replace(
        result,
        compiler="gcc",
        compiler_version=check_gcc(),
        opt_level=level,
        defines=defines,
        flags=tuple(x.replace("@ROOT@", CANONICAL_ROOT) for x in gcc_flags(level, defines)),
        inputs=tuple(inputs),
    )


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


_FINGERPRINTS: dict = {}
#: format tag of the on-disk fingerprint entries (:func:`_zig_fingerprint_cached`)
_FP_DISK_TAG = "zkvm/zig-fingerprint/v1"


def _fingerprint_cache_path(key: str) -> Path | None:
    """Where the on-disk fingerprint entry for ``key`` lives (beside zig's cache), or
    None with ``ZKVM_FINGERPRINT_CACHE=off``."""
    if os.environ.get("ZKVM_FINGERPRINT_CACHE", "").strip().lower() in ("off", "0", "no"):
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return zig_global_cache_dir().parent / "fingerprints" / f"zig-{digest}.json"


def _zig_fingerprint_cached(zig: Path, record: Path | None, compute) -> dict:
    """``compute()``, or its earlier result read from disk when neither the ``zig``
    executable nor the wheel's RECORD changed since (same path, size, mtime, inode).

    Hashing the 185 MB executable and reading the 19 500-line RECORD took ~0.6 s of
    every ``zkvm build``.  The fingerprint is recorded in build manifests for
    diagnosis only (it is never compared as part of a build's identity, see
    :func:`compiler_fingerprint`), so a stale entry could at worst mislabel a manifest;
    entries are keyed by the files' metadata and unreadable ones are recomputed."""
    import json

    def stat_key(path: Path | None) -> str:
        if path is None:
            return "-"
        try:
            st = path.stat()
        except OSError:
            return "-"
        return f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"

    key = f"{_FP_DISK_TAG}\0{stat_key(zig)}\0{stat_key(record)}"
    path = _fingerprint_cache_path(key)
    if path is not None:
        try:
            entry = json.loads(path.read_text())
            if isinstance(entry, dict) and entry.get("key") == key and \
                    isinstance(entry.get("fingerprint"), dict):
                fp = entry["fingerprint"]
                if all(isinstance(fp.get(k), str) for k in
                       ("name", "package", "version", "package_sha256", "binary_sha256", "host")):
                    return fp
        except (OSError, ValueError):
            pass
    fp = compute()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "fingerprint": fp}))
            os.replace(tmp, path)
        except OSError:
            pass
    return fp


def _record_lines(dist) -> list[str]:
    """``path,sha256=…`` for every hashed file of the ``ziglang`` package, from the
    wheel's RECORD (the same lines as ``dist.files`` gives, ~3x faster: no PackagePath
    objects for 19 500 files)."""
    import csv
    import io

    text = dist.read_text("RECORD") or ""
    return sorted(f"{row[0]},{row[1]}" for row in csv.reader(io.StringIO(text))
                  if len(row) >= 2 and row[1] and row[0].startswith("ziglang/"))


def compiler_fingerprint(compiler: str = "zig") -> dict:
    """Identity of the installed compiler, for the build manifest.

    For ``"zig"``: ``{"name", "package": "ziglang", "version", "package_sha256",
    "binary_sha256", "host"}``. ``package_sha256`` hashes the sorted ``path,hash`` lines
    of the wheel's RECORD for every file of the ``ziglang`` package (so it covers the zig
    binary, its bundled libc sources and headers); ``binary_sha256`` is the hash of the
    ``zig`` executable as installed. Both differ between platforms (each platform has its
    own wheel) while the ELFs they build do not, so they are recorded for diagnosis, not
    compared as part of the build's identity. The result is cached per process (keyed by
    the binary's size and mtime) and on disk (:func:`_zig_fingerprint_cached`).
    """
    import platform

    host = f"{sys.platform}-{platform.machine()}"
    if compiler == "rust":
        from .rust import rust_fingerprint

        return rust_fingerprint()
    if compiler == "gcc":
        from .gcc import _picolibc_fingerprint, check_gcc, gcc_path

        return {"name": "gcc", "package": "gcc-riscv64-unknown-elf", "version": check_gcc(),
                "binary_sha256": _sha256_file(Path(gcc_path())),
                "picolibc_sha256": _picolibc_fingerprint(), "host": host}
    if compiler != "zig":
        raise ValueError(f"unknown compiler {compiler!r}; available: {', '.join(COMPILERS)}")
    version = check_compiler()
    zdir = ziglang_dir()
    zig = zdir / "zig" if zdir is not None else None
    if zig is None or not zig.is_file():
        raise ToolchainError(f"the ziglang package has no zig executable (looked at {zig})")
    st = zig.stat()
    key = (str(zig), st.st_size, st.st_mtime_ns)
    fp = _FINGERPRINTS.get(key)
    if fp is None:
        dist = importlib.metadata.distribution("ziglang")
        try:
            record = Path(str(dist.locate_file(""))) / f"ziglang-{version}.dist-info" / "RECORD"
            record = record if record.is_file() else None
        except (OSError, TypeError):  # pragma: no cover - unusual installers
            record = None

        def compute() -> dict:
            h = hashlib.sha256()
            with open(zig, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            return {
                "name": "zig",
                "package": "ziglang",
                "version": version,
                "package_sha256": hashlib.sha256("\n".join(_record_lines(dist)).encode()).hexdigest(),
                "binary_sha256": h.hexdigest(),
                "host": host,
            }

        fp = _zig_fingerprint_cached(zig, record, compute) if record is not None else compute()
        _FINGERPRINTS[key] = fp
    return dict(fp)


def source_digest(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
    cxx_exceptions: bool = False,
) -> str:
    """A hex digest of everything that determines the ELF: compiler version, flags, SDK
    headers, source names and contents. Equal digests mean equal ELFs. (Rust crates:
    :func:`zkvm.toolchain.rust.rust_source_digest`.)"""
    c_files, headers = collect_sources(sources)
    flags = compiler_flags(opt_level, extra_defines, source_language(c_files), cxx_exceptions)
    return inputs_digest([f"zig {ZIG_VERSION}".encode()], flags,
                         [(b"sdk", sdk_headers()), (b"h", headers), (b"c", c_files)])


def cached_build(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    cache_dir: str | os.PathLike,
    name: str = "guest",
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
    cxx_exceptions: bool = False,
) -> Path:
    """Build into ``cache_dir/<name>-<source_digest>.elf`` unless that file exists.
    A Rust crate goes to :func:`zkvm.toolchain.rust.cached_build_rust`.

    Safe to call from several processes at once (the file appears atomically).
    """
    from . import rust

    defines = list(extra_defines)
    if rust.is_rust_crate(sources):
        if defines or cxx_exceptions:
            raise ValueError("defines and cxx_exceptions are for C and C++ guests")
        return rust.cached_build_rust(sources, cache_dir, name, opt_level)
    digest = source_digest(sources, opt_level, defines, cxx_exceptions)
    return cached_elf(cache_dir, f"{name}-{digest[:16]}",
                      lambda out: build(sources, out, opt_level, defines, cxx_exceptions=cxx_exceptions))

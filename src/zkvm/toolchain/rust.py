"""Hermetic, reproducible builds of Rust guests (a Cargo crate) into static RV32IM ELFs.

Same contract as the C route (:mod:`zkvm.toolchain.build`): the same crate, SDK and
optimisation level give a byte-identical ELF on any machine with the pinned toolchain,
whatever directory the crate is in and whatever the host environment holds; the build
writes the same manifest, so ``zkvm verify-build`` works unchanged. docs/toolchain.md
("Rust guests") has the user's view.

The pinned toolchain is a set of exact Debian (bookworm) package versions,
``DEBIAN_PACKAGES``: ``rustc-web`` 1.96 (LLVM 22), ``cargo-web``, ``rust-web-src`` (the
sources of ``core``/``alloc`` and the crates they need, vendored), and ``lld`` 14 as the
linker. :func:`check_rust` compares the installed versions with ``dpkg-query`` at every
build and refuses anything else with one line naming the ``apt-get install`` command.

How a build goes:

1. **The sysroot** (once per optimisation level, cached): ``core``, ``alloc`` and
   ``compiler_builtins`` (with its ``mem`` feature: ``memcpy`` & co.) are compiled from
   ``rust-web-src`` for ``riscv32im-unknown-none-elf`` with ``cargo -Zbuild-std`` in a
   sealed temporary directory, their source paths remapped to ``/rustc/<commit>`` (as in
   official Rust releases), and the ``.rlib`` files are kept in a content-addressed cache
   directory (``sysroot_cache_dir()``, keyed by :func:`sysroot_digest`), like zig keeps
   its compiled musl.
2. **The guest**: the crate's ``Cargo.toml``, ``Cargo.lock`` and every file under
   ``src/`` are copied (contents only) to ``<tmp>/zkvm-guest/src/``, the SDK crate
   (``sdk/rust/zkvm-guest``) to ``<tmp>/zkvm-guest/src/.zkvm-sdk/zkvm-guest/`` (named
   ``sdk/zkvm-guest/...`` in the manifest; see ``SDK_SUBDIR``); the guest's
   dependency ``zkvm-guest = "0.1"`` is patched to that copy
   (``patch.crates-io.zkvm-guest.path``) and crates.io is replaced by the vendored crate
   sources of ``rust-web-src`` (offline; nothing is downloaded). ``cargo build --release
   --offline --locked`` runs there with ``codegen-units=1``, ``panic=abort``, no debug
   info, stripped symbols, ``ld.lld`` with image base ``0x10000``, ``--sysroot`` the
   cached sysroot, and ``--remap-path-prefix`` for the build directory
   (``/zkvm-guest``), the Rust sources (``/rustc/<commit>``), the sysroot
   (``/zkvm-sysroot``) and ``CARGO_HOME`` (``/cargo-home``), in a scrubbed environment
   (``PATH=/usr/bin:/bin``, ``LC_ALL=C``, ``TZ=UTC``, ``SOURCE_DATE_EPOCH=0``, umask 022).
3. **Checked output**: exactly one binary target; the ELF must not contain any host path
   (the temporary directory, the sysroot cache, the Rust sources, the crate's own
   directory): :func:`zkvm.toolchain.build.check_hermetic`.

``Cargo.lock`` is required by ``--locked``; when the crate has none, the build creates it
(offline, deterministic) and writes it into the crate directory, as ``cargo build``
would, with a note in the warnings.

Cargo reads configuration files from every parent directory of the build directory
(``/tmp/.cargo/config.toml`` ...); such a file would change the build, so the build
refuses to run when one exists (:func:`_foreign_cargo_configs`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

from .common import (
    CANONICAL_ROOT,
    BuildError,
    BuildResult,
    ToolchainError,
    cached_elf,
    check_hermetic,
    inputs_digest,
    normalize_opt_level,
    run_sealed,
)

RUST_TARGET = "riscv32im-unknown-none-elf"
"""The rustc target: RV32IM, no OS (the SDK supplies ``_start``, the heap and the panic
handler), soft-float, atomics without CAS (``+forced-atomics``)."""

RUST_VERSION = "1.96.0"
RUSTC_COMMIT = "ac68faa20c58cbccd01ee7208bf3b6e93a7d7f96"
"""``rustc -vV``'s commit-hash of the pinned compiler (checked too; it names the
``/rustc/<commit>`` prefix the Rust sources are remapped to)."""

DEBIAN_PACKAGES: dict[str, str] = {
    "rustc-web": "1.96.0+dfsg1-1~deb12u2",
    "libstd-rust-web-1.96": "1.96.0+dfsg1-1~deb12u2",  # librustc_driver: the compiler itself
    "libllvm22": "1:22.1.8-1~deb12u1",  # rustc's code generator
    "cargo-web": "1.96.0+dfsg1-1~deb12u2",
    "rust-web-src": "1.96.0+dfsg1-1~deb12u2",  # core/alloc sources + vendored crates
    "lld": "1:14.0-55.7~deb12u1",  # /usr/bin/ld.lld
    "lld-14": "1:14.0.6-12",
    "libllvm14": "1:14.0.6-12",  # lld 14's LLVM
}
"""The exact Debian package versions of the pinned Rust toolchain (what determines the
ELF: compiler, code generator, library sources, linker)."""

RUSTC = "/usr/bin/rustc"
CARGO = "/usr/bin/cargo"
LINKER = "/usr/bin/ld.lld"
RUST_SRC = Path("/usr/lib/rustlib/src/rust")
"""Where ``rust-web-src`` puts the Rust sources (a symlink to /usr/src/rustc-<version>)."""
RUST_SRC_CANONICAL = f"/rustc/{RUSTC_COMMIT}"
SYSROOT_CANONICAL = "/zkvm-sysroot"
CARGO_HOME_CANONICAL = "/cargo-home"
SDK_CRATE = "zkvm-guest"
SDK_SUBDIR = f".zkvm-sdk/{SDK_CRATE}"
"""Where the SDK copy sits inside the sealed crate directory. It must be inside the
crate (cargo's workspace root): cargo hashes a path dependency outside the workspace
root by its absolute path into ``-C metadata``, which changes symbol hashes and, through
them, the order of functions in the ELF (measured: two different ELFs from the same
sources). Inside, it hashes the relative path, and cargo hands rustc relative paths
(panic locations in the SDK read ``.zkvm-sdk/zkvm-guest/src/...``)."""
IMAGE_BASE = "0x10000"

BUILD_TIMEOUT_S = 900
SYSROOT_TIMEOUT_S = 1800
MAX_CRATE_FILES = 2000
MAX_CRATE_BYTES = 64 << 20

_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_SYSROOT_CRATES = ("core", "alloc", "compiler_builtins")


def install_command() -> str:
    """The one command that installs the pinned Rust toolchain (as root)."""
    return "apt-get install -y " + " ".join(f"{p}={v}" for p, v in DEBIAN_PACKAGES.items())


def rust_sdk_dir() -> Path:
    """The Rust guest SDK crate (``sdk/rust/zkvm-guest`` of the zkvm repository), or
    ``$ZKVM_RUST_SDK`` if set. Raises ToolchainError if it is not there."""
    override = os.environ.get("ZKVM_RUST_SDK")
    if override:
        p = Path(override)
    else:
        p = Path(__file__).resolve().parents[3] / "sdk" / "rust" / SDK_CRATE
    if not (p / "Cargo.toml").is_file():
        raise ToolchainError(f"the Rust guest SDK crate is missing (no {p / 'Cargo.toml'}); "
                             "use a zkvm source checkout or set ZKVM_RUST_SDK")
    return p


def is_rust_crate(sources) -> bool:
    """True if ``sources`` is one directory holding a ``Cargo.toml`` (or that file)."""
    if isinstance(sources, (list, tuple)):
        if len(sources) != 1:
            return False
        sources = sources[0]
    p = Path(sources)
    return (p.is_dir() and (p / "Cargo.toml").is_file()) or (p.name == "Cargo.toml" and p.is_file())


def _crate_dir(sources) -> Path:
    if isinstance(sources, (list, tuple)):
        if len(sources) != 1:
            raise BuildError("a Rust guest is one crate directory (holding Cargo.toml)")
        sources = sources[0]
    p = Path(sources)
    if p.name == "Cargo.toml" and p.is_file():
        p = p.parent
    if not (p / "Cargo.toml").is_file():
        raise BuildError(f"no Cargo.toml in {p}")
    return p


# --------------------------------------------------------------------------- toolchain
def _installed_versions(packages: Iterable[str]) -> dict[str, str | None]:
    """``{package: version or None (not installed)}`` from dpkg-query."""
    dpkg = shutil.which("dpkg-query", path="/usr/bin:/bin")
    if dpkg is None:
        raise ToolchainError("the pinned Rust toolchain is Debian's (no dpkg-query on this machine): "
                             f"on Debian 12 run `{install_command()}`")
    packages = list(packages)
    proc = subprocess.run([dpkg, "-W", "-f=${Package} ${Version} ${db:Status-Abbrev}\\n", *packages],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    out: dict[str, str | None] = {p: None for p in packages}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in out and parts[2].startswith("ii"):
            out[parts[0]] = parts[1]
    return out


def check_rust() -> dict[str, str]:
    """Return the installed versions of ``DEBIAN_PACKAGES``, or raise ToolchainError
    (one line, naming the install command) if any is missing or not the pinned
    version, or if ``rustc`` is not the pinned build."""
    have = _installed_versions(DEBIAN_PACKAGES)
    missing = [p for p, v in have.items() if v is None]
    if missing:
        raise ToolchainError(f"the pinned Rust toolchain is not installed (missing: {', '.join(missing)}): "
                             f"run `{install_command()}` as root")
    wrong = [f"{p} {have[p]} (needs {v})" for p, v in DEBIAN_PACKAGES.items() if have[p] != v]
    if wrong:
        raise ToolchainError(f"the Rust toolchain is not the pinned one (builds must be reproducible): "
                             f"{'; '.join(wrong)}: run `{install_command()}` as root")
    _check_rustc_binary()
    return {p: v for p, v in have.items() if v is not None}


_RUSTC_CHECKED: dict = {}


def _check_rustc_binary() -> None:
    st = os.stat(RUSTC)
    key = (st.st_size, st.st_mtime_ns)
    if _RUSTC_CHECKED.get("key") == key:
        return
    try:
        proc = subprocess.run([RUSTC, "-vV"], capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    except OSError as e:
        raise ToolchainError(f"cannot run {RUSTC}: {e.strerror or e}: run `{install_command()}` as root") from None
    info = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
    if info.get("release") != RUST_VERSION or info.get("commit-hash") != RUSTC_COMMIT:
        raise ToolchainError(f"{RUSTC} is rustc {info.get('release')} ({info.get('commit-hash')}), not the pinned "
                             f"{RUST_VERSION} ({RUSTC_COMMIT[:9]}): run `{install_command()}` as root")
    _RUSTC_CHECKED["key"] = key


def rust_fingerprint() -> dict:
    """Identity of the installed Rust toolchain, for the build manifest: ``name``
    (``rust``), ``version`` (the ``rustc-web`` package version), ``rustc`` (release and
    commit), ``packages`` (every pinned package's installed version), ``host``."""
    import platform
    import sys

    pk = check_rust()
    return {
        "name": "rust",
        "package": "rustc-web",
        "version": pk["rustc-web"],
        "rustc": f"{RUST_VERSION} ({RUSTC_COMMIT})",
        "packages": pk,
        "host": f"{sys.platform}-{platform.machine()}",
    }


# --------------------------------------------------------------------------- flags
def _opt_toml(level: str) -> str:
    return f'"{level}"' if level in ("s", "z") else level


def rust_src_real() -> str:
    """The real directory of the Rust sources (``/usr/src/rustc-<version>``)."""
    return os.path.realpath(RUST_SRC)


def profile_config(opt_level: str) -> list[str]:
    """The ``--config`` profile overrides (they win over the crate's ``[profile]``)."""
    return [
        "--config", f"profile.release.opt-level={_opt_toml(opt_level)}",
        "--config", "profile.release.codegen-units=1",
        "--config", 'profile.release.panic="abort"',
        "--config", "profile.release.debug=0",
        "--config", "profile.release.incremental=false",
    ]


def _remaps(root: str, sysroot: str | None, cargo_home: str) -> list[str]:
    out = [
        f"--remap-path-prefix={RUST_SRC}={RUST_SRC_CANONICAL}",
        f"--remap-path-prefix={rust_src_real()}={RUST_SRC_CANONICAL}",
        f"--remap-path-prefix={cargo_home}={CARGO_HOME_CANONICAL}",
    ]
    if sysroot is not None:
        out.append(f"--remap-path-prefix={sysroot}={SYSROOT_CANONICAL}")
    out.append(f"--remap-path-prefix={root}={CANONICAL_ROOT}")
    return out


def rustflags(opt_level: str = "2", root: str = "@ROOT@", sysroot: str = "@SYSROOT@",
              cargo_home: str = "@CARGO_HOME@") -> list[str]:
    """The rustc flags of a guest build (``CARGO_ENCODED_RUSTFLAGS``)."""
    return [
        f"--sysroot={sysroot}",
        f"-Clinker={LINKER}",
        "-Clink-arg=--image-base=" + IMAGE_BASE,
        "-Clink-arg=--build-id=none",
        "-Clink-arg=--strip-all",
        "-Cdebuginfo=0",
        *_remaps(root, sysroot, cargo_home),
    ]


def cargo_args(opt_level: str = "2", sdk: str = f"@ROOT@/src/{SDK_SUBDIR}") -> list[str]:
    """The cargo arguments of a guest build (after ``cargo``)."""
    return [
        "build", "--release", "--offline", "--locked", "--quiet",
        "--manifest-path", "src/Cargo.toml",
        "--target", RUST_TARGET, "--bins",
        "--message-format=json-render-diagnostics",
        *profile_config(opt_level),
        "--config", f'patch.crates-io.{SDK_CRATE}.path="{sdk}"',
    ]


def rust_flags(opt_level: str | int = "2", extra_defines: Iterable = ()) -> list[str]:
    """The flags recorded in the manifest (canonical paths): the cargo arguments, then
    ``RUSTFLAGS=<flag>`` for each rustc flag. ``extra_defines`` must be empty (Rust has
    no preprocessor defines; use cargo features in the crate)."""
    level = normalize_opt_level(opt_level)
    if list(extra_defines):
        raise ValueError("-D defines are not supported for Rust guests (use cfg or cargo features in the crate)")
    canon = {"@ROOT@": CANONICAL_ROOT, "@SYSROOT@": SYSROOT_CANONICAL, "@CARGO_HOME@": CARGO_HOME_CANONICAL}

    def c(s: str) -> str:
        for k, v in canon.items():
            s = s.replace(k, v)
        return s

    return [c(a) for a in cargo_args(level)] + [c("RUSTFLAGS=" + f) for f in rustflags(level)]


# --------------------------------------------------------------------------- sealed env
def rust_cache_dir() -> Path:
    """Where compiled sysroots are kept (``$ZKVM_RUST_CACHE_DIR``, default
    ``~/.cache/zkvm/rust``); content-addressed, shared by all builds."""
    override = os.environ.get("ZKVM_RUST_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zkvm" / "rust"


def _cargo_config() -> str:
    vendor = RUST_SRC / "library" / "vendor"
    return (
        "# written by zkvm: crates.io is the vendored crates of rust-web-src (offline)\n"
        "[source.crates-io]\n"
        'replace-with = "vendored-sources"\n'
        "[source.vendored-sources]\n"
        f'directory = "{vendor}"\n'
        "[net]\n"
        "offline = true\n"
        "[term]\n"
        "color = \"never\"\n"
    )


def _sealed_env(tmp: Path, cargo_home: Path, encoded_rustflags: list[str], bootstrap: bool) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),  # nothing real: no user configuration
        "CARGO_HOME": str(cargo_home),
        "CARGO_TARGET_DIR": str(tmp / "zkvm-guest" / "target"),
        "CARGO_ENCODED_RUSTFLAGS": "\x1f".join(encoded_rustflags),
        "CARGO_INCREMENTAL": "0",
        "CARGO_TERM_COLOR": "never",
        "RUSTC": RUSTC,
        "RUSTDOC": "/usr/bin/rustdoc",
        "TMPDIR": str(tmp),
        "SOURCE_DATE_EPOCH": "0",
        "TZ": "UTC",
        "LC_ALL": "C",
    }
    if bootstrap:
        env["RUSTC_BOOTSTRAP"] = "1"  # -Zbuild-std (the sysroot build only)
    return env


def _foreign_cargo_configs(start: Path) -> list[Path]:
    """Cargo configuration files in ``start``'s parent directories (cargo would read
    them: they could change flags, sources or the linker)."""
    found = []
    for d in [start, *start.parents]:
        for name in ("config", "config.toml"):
            f = d / ".cargo" / name
            if f.is_file():
                found.append(f)
    return found


def _make_tmp() -> tuple[Path, Path, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="zkvm-rust-build-")).resolve()
    foreign = _foreign_cargo_configs(tmp)
    if foreign:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError(f"refusing to build: cargo would read {foreign[0]}, which could change the build; "
                         "remove it or set TMPDIR to a directory without .cargo/ above it")
    root = tmp / "zkvm-guest"
    root.mkdir()
    cargo_home = tmp / "cargo-home"
    cargo_home.mkdir()
    (cargo_home / "config.toml").write_text(_cargo_config(), encoding="utf-8")
    return tmp, root, cargo_home


def _host_paths(tmp: Path, extra: Iterable[str] = ()) -> list[str]:
    return [str(tmp), str(rust_cache_dir()), str(RUST_SRC), rust_src_real(), *extra]


# --------------------------------------------------------------------------- sysroot
def sysroot_digest(opt_level: str) -> str:
    """Cache key of the compiled sysroot: the pinned packages, target and flags."""
    header = [f"{p}={v}".encode() for p, v in sorted(DEBIAN_PACKAGES.items())]
    header += [RUST_TARGET.encode(), b"sysroot-v1"]
    flags = _sysroot_cargo_args(opt_level) + _sysroot_rustflags("@ROOT@", "@CARGO_HOME@")
    return inputs_digest(header, flags, [])


def _sysroot_cargo_args(opt_level: str) -> list[str]:
    return [
        "build", "--release", "--offline", "--quiet",
        "--target", RUST_TARGET,
        "-Zbuild-std=" + ",".join(c for c in _SYSROOT_CRATES if c != "compiler_builtins"),
        "-Zbuild-std-features=compiler-builtins-mem",
        *profile_config(opt_level),
    ]


def _sysroot_rustflags(root: str, cargo_home: str) -> list[str]:
    return ["-Cdebuginfo=0", *_remaps(root, None, cargo_home)]


def rust_sysroot(opt_level: str | int = "2") -> Path:
    """The compiled sysroot for ``opt_level`` (a directory usable as ``--sysroot``),
    building it first if it is not in the cache (one cold build: ~40 s of CPU).

    Safe for concurrent processes: one builds under a file lock, the others wait; the
    directory appears atomically (temp name + rename)."""
    level = normalize_opt_level(opt_level)
    check_rust()
    cache = rust_cache_dir()
    final = cache / f"sysroot-{level}-{sysroot_digest(level)[:16]}"
    if (final / ".complete").is_file():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".lock-{final.name}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / ".complete").is_file():
            return final
        _build_sysroot(level, final)
    return final


def _build_sysroot(level: str, final: Path) -> None:
    tmp, root, cargo_home = _make_tmp()
    try:
        (root / "src").mkdir()
        (root / "Cargo.toml").write_text(
            '[package]\nname = "zkvm-sysroot"\nversion = "0.0.0"\nedition = "2021"\n'
            '[lib]\npath = "src/lib.rs"\n', encoding="utf-8")
        (root / "src" / "lib.rs").write_text("#![no_std]\nextern crate alloc;\n", encoding="utf-8")
        flags = _sysroot_rustflags(str(root), str(cargo_home))
        cmd = [CARGO, *_sysroot_cargo_args(level)]
        env = _sealed_env(tmp, cargo_home, flags, bootstrap=True)
        run_sealed(cmd, root, env, "cargo (building core and alloc)", SYSROOT_TIMEOUT_S, output=None)
        deps = root / "target" / RUST_TARGET / "release" / "deps"
        staging = final.with_name(f".{final.name}.{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        libdir = staging / "lib" / "rustlib" / RUST_TARGET / "lib"
        libdir.mkdir(parents=True)
        for crate in _SYSROOT_CRATES:
            found = sorted(deps.glob(f"lib{crate}-*.rlib"))
            if len(found) != 1:
                raise BuildError(f"the sysroot build produced {len(found)} lib{crate} rlibs")
            shutil.copyfile(found[0], libdir / found[0].name)
        (staging / ".complete").write_text(f"{sysroot_digest(level)}\n", encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- the guest
def collect_crate(crate: Path) -> list[tuple[str, Path]]:
    """The crate's files that take part in the build: ``Cargo.toml``, ``Cargo.lock`` (if
    present) and every file under ``src/``, as ``(relative posix path, path)`` sorted by
    the path's bytes. Names starting with ``.`` (editor files, ``.cargo/``) are skipped;
    other names must be plain (letters, digits, ``_ . + -``)."""
    out = [("Cargo.toml", crate / "Cargo.toml")]
    if (crate / "Cargo.lock").is_file():
        out.append(("Cargo.lock", crate / "Cargo.lock"))
    src = crate / "src"
    if not src.is_dir():
        raise BuildError(f"no src/ directory in the crate {crate}")
    total = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(dirpath).relative_to(crate)
        for part in rel_dir.parts:
            if not _SAFE_NAME_RE.fullmatch(part):
                raise BuildError(f"unsupported directory name {part!r} in {crate} (use letters, digits, _ . + -)")
        for name in filenames:
            if name.startswith("."):
                continue
            if not _SAFE_NAME_RE.fullmatch(name):
                raise BuildError(f"unsupported file name {name!r} in {crate / rel_dir} (use letters, digits, _ . + -)")
            p = Path(dirpath) / name
            if not p.is_file():
                continue
            out.append(((rel_dir / name).as_posix(), p))
            total += p.stat().st_size
            if len(out) > MAX_CRATE_FILES or total > MAX_CRATE_BYTES:
                raise BuildError(f"the crate {crate} has more than {MAX_CRATE_FILES} files or "
                                 f"{MAX_CRATE_BYTES >> 20} MiB under src/")
    return sorted(out, key=lambda t: t[0].encode())


def sdk_files() -> list[tuple[str, Path]]:
    """The SDK crate's files (``Cargo.toml`` and ``src/**.rs``), sorted like the crate's."""
    sdk = rust_sdk_dir()
    out = [("Cargo.toml", sdk / "Cargo.toml")]
    out += [(p.relative_to(sdk).as_posix(), p) for p in (sdk / "src").rglob("*.rs") if p.is_file()]
    return sorted(out, key=lambda t: t[0].encode())


def _cargo_error(stderr: str) -> str:
    """The first ``error`` line of cargo's output (for one-line messages)."""
    for line in stderr.splitlines():
        if line.startswith("error"):
            return line
    return stderr.strip().splitlines()[-1] if stderr.strip() else "cargo failed"


def build_rust(
    sources,
    output: str | os.PathLike,
    opt_level: str | int = "2",
    extra_defines: Iterable = (),
) -> BuildResult:
    """Build the Rust guest crate ``sources`` (its directory, or its ``Cargo.toml``)
    into the static RV32IM ELF ``output``.

    Raises ToolchainError (the pinned toolchain is missing or another version, one
    line), BuildError (bad crate layout, a foreign cargo config, compiler diagnostics in
    ``.stderr``, not exactly one binary, a host path in the ELF) or ValueError (bad
    ``opt_level``, any define).
    """
    level = normalize_opt_level(opt_level)
    flags = rust_flags(level, extra_defines)  # ValueError for defines
    packages = check_rust()
    crate = _crate_dir(sources)
    files = collect_crate(crate)
    sdk = sdk_files()
    sysroot = rust_sysroot(level)
    output = Path(output)

    tmp, root, cargo_home = _make_tmp()
    inputs: list[tuple[str, str]] = []
    notes = ""
    try:
        def put(name: str, data: bytes, dest: Path) -> None:
            # Correctness: the manifest's hashes are of exactly the bytes cargo reads.
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            inputs.append((name, hashlib.sha256(data).hexdigest()))

        sdk_path = root / "src" / SDK_SUBDIR
        for rel, p in sdk:
            put(f"sdk/{SDK_CRATE}/{rel}", p.read_bytes(), sdk_path / rel)
        for rel, p in files:
            put(f"src/{rel}", p.read_bytes(), root / "src" / rel)
        crate_root = root / "src"
        rflags = rustflags(level, str(root), str(sysroot), str(cargo_home))
        env = _sealed_env(tmp, cargo_home, rflags, bootstrap=False)
        if not (crate_root / "Cargo.lock").is_file():
            lock_cmd = [CARGO, "generate-lockfile", "--offline", "--quiet", "--manifest-path", "src/Cargo.toml",
                        "--config", f'patch.crates-io.{SDK_CRATE}.path="{sdk_path}"']
            try:
                run_sealed(lock_cmd, root, env, "cargo generate-lockfile", BUILD_TIMEOUT_S, output=None)
            except BuildError as e:
                raise BuildError(f"cannot create Cargo.lock: {_cargo_error(e.stderr)}", e.stderr) from None
            lock = (crate_root / "Cargo.lock").read_bytes()
            inputs.append(("src/Cargo.lock", hashlib.sha256(lock).hexdigest()))
            inputs.sort(key=lambda t: (not t[0].startswith("sdk/"), t[0].encode()))
            part = crate / f".Cargo.lock.{os.getpid()}.part"
            part.write_bytes(lock)
            os.replace(part, crate / "Cargo.lock")
            notes = f"note: wrote {crate / 'Cargo.lock'} (it pins the guest's dependencies: keep it with the sources)\n"
        cmd = [CARGO, *cargo_args(level, str(sdk_path))]
        stdout, stderr = run_sealed(cmd, root, env, "cargo", BUILD_TIMEOUT_S, output=None)
        exe = _executable(stdout, root)
        elf = exe.read_bytes()
        check_hermetic(elf, _host_paths(tmp, [str(sysroot), str(crate.resolve())]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(f"{output.name}.{os.getpid()}.part")
    part.write_bytes(elf)
    os.chmod(part, 0o755)
    os.replace(part, output)
    return BuildResult(
        path=output,
        size=len(elf),
        sha256=hashlib.sha256(elf).hexdigest(),
        command=("cargo", *[f.replace(str(root), CANONICAL_ROOT) for f in cmd[1:]]),
        warnings=notes + stderr,
        compiler="rust",
        compiler_version=packages["rustc-web"],
        opt_level=level,
        defines=(),
        flags=tuple(flags),
        inputs=tuple(inputs),
    )


def _executable(stdout: bytes, root: Path) -> Path:
    """The one binary cargo built (from its JSON messages)."""
    exes = []
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and \
                "bin" in msg.get("target", {}).get("kind", []):
            exes.append(Path(msg["executable"]))
    if len(exes) != 1:
        names = ", ".join(p.name for p in exes) or "none"
        raise BuildError(f"a Rust guest crate must have exactly one binary target (found: {names})")
    exe = exes[0]
    if root not in exe.parents or not exe.is_file():
        raise BuildError(f"cargo reported an unexpected executable {exe}")
    return exe


def rust_source_digest(sources, opt_level: str | int = "2") -> str:
    """A hex digest of everything that determines the ELF: the pinned packages, target,
    flags, the SDK crate and the guest crate's files. Equal digests mean equal ELFs."""
    level = normalize_opt_level(opt_level)
    crate = _crate_dir(sources)
    header = [f"{p}={v}".encode() for p, v in sorted(DEBIAN_PACKAGES.items())] + [RUST_TARGET.encode()]
    return inputs_digest(header, rust_flags(level),
                         [(b"sdk", _Named.wrap(sdk_files())), (b"crate", _Named.wrap(collect_crate(crate)))])


class _Named:
    """A file with a relative name, for :func:`inputs_digest` (which hashes ``.name``
    and ``.read_bytes()``)."""

    def __init__(self, name: str, path: Path):
        self.name = name
        self._path = path

    def read_bytes(self) -> bytes:
        return self._path.read_bytes()

    @classmethod
    def wrap(cls, items):
        return [cls(n, p) for n, p in items]


def cached_build_rust(sources, cache_dir: str | os.PathLike, name: str = "guest",
                      opt_level: str | int = "2") -> Path:
    """Build into ``cache_dir/<name>-rust-<digest>.elf`` unless that file exists
    (atomically, so several processes may share the cache)."""
    crate = _crate_dir(sources)
    if not (crate / "Cargo.lock").is_file():
        with tempfile.TemporaryDirectory(prefix="zkvm-lock-") as d:  # the first build writes Cargo.lock
            first = Path(d) / "guest.elf"
            build_rust(crate, first, opt_level)
            digest = rust_source_digest(crate, opt_level)
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            return cached_elf(cache_dir, f"{name}-rust-{digest[:16]}", lambda out: shutil.copyfile(first, out))
    digest = rust_source_digest(crate, opt_level)
    return cached_elf(cache_dir, f"{name}-rust-{digest[:16]}", lambda out: build_rust(crate, out, opt_level))


__all__ = [
    "DEBIAN_PACKAGES",
    "RUST_TARGET",
    "RUST_VERSION",
    "build_rust",
    "cached_build_rust",
    "check_rust",
    "install_command",
    "is_rust_crate",
    "rust_flags",
    "rust_fingerprint",
    "rust_sdk_dir",
    "rust_source_digest",
    "rust_sysroot",
]


if __name__ == "__main__":  # scripts/setup.sh: `python -m zkvm.toolchain.rust --apt-packages`
    import sys

    if sys.argv[1:] == ["--apt-packages"]:
        print(" ".join(f"{p}={v}" for p, v in DEBIAN_PACKAGES.items()))
    else:
        sys.exit("usage: python -m zkvm.toolchain.rust --apt-packages")

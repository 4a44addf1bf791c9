"""Build manifests and ``verify-build``: checking that sources build to a published ELF.

A proof talks about the bytes of one ELF (through its image ID). Someone who wants to
know *which program* that is reads the source, rebuilds it with the pinned toolchain and
checks that the result is the same ELF with the same image ID. The build manifest is
what the builder publishes for that; :func:`verify_build` is the check.

The manifest (JSON, ``FORMAT``) pins::

    format        "zkvm-build-manifest/v1"
    zkvm_version  the zkvm that wrote it (the image ID depends on its circuits)
    compiler      name, exact version, package, package_sha256, binary_sha256, host
                  (rust: name "rust", version = the rustc-web package version,
                  ``packages`` = every pinned Debian package's version)
    target, cpu   "riscv32-linux-musl", "generic_rv32+m+a" (zig route; rust:
                  "riscv32im-unknown-none-elf", "generic-rv32")
    opt_level     "2" ...
    defines       ["NAME=VALUE", ...]
    flags         every compiler flag, paths canonical (/zkvm-guest)
    sources       [{"name": "src/main.c", "sha256": ...}, ...]  the guest's files
                  (rust: src/Cargo.toml, src/Cargo.lock, src/src/main.rs, ...)
    sdk           [{"name": "include/zkvm.h", "sha256": ...}, ...] the SDK headers
                  (rust: sdk/zkvm-guest/Cargo.toml, sdk/zkvm-guest/src/lib.rs, ...)
    elf           {"file", "size", "sha256", "segments": [...], "sections": [...]}
    image_id      64 hex digits, or null when it was not computed (then
                  ``image_id_error`` may say why)
    image_id_params  the STARK parameter preset the image ID is for ("default", ...)
    debug         optional {"file", "sha256"}: the unstripped copy written beside the
                  ELF (``app.debug``: symbols and line info for ``zkvm profile``); not
                  part of the image ID and not compared by verify-build

Segment and section entries carry their own sha256, so a mismatch can be located
(which section or segment changed) without the original ELF at hand.

:func:`verify_build` rebuilds from a source directory in a fresh temporary directory,
using exactly the files the manifest names (other files in the directory are ignored and
listed as notes), and compares: compiler (name and version), flags, each source and SDK
file, the ELF (sha256, then each segment and section) and the image ID. The result is
MATCH only if all agree. Differences in the compiler *package* hashes are notes, not
mismatches: every platform has its own ziglang wheel, and what matters is that the ELF
is the same.

Correctness: the manifest is untrusted input (it may come from anybody). Every field is
type-checked and source names are restricted to ``src/<plain file name>`` so a manifest
cannot make ``verify_build`` read files outside the source directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .toolchain.build import (
    CANONICAL_ROOT,
    COMPILERS,
    CPU,
    HEADER_SUFFIXES,
    SOURCE_SUFFIXES,
    TARGET,
    ZIG_VERSION,
    BuildError,
    BuildResult,
    ToolchainError,
    compiler_fingerprint,
    compiler_flags,
    normalize_opt_level,
    source_language,
)
from .toolchain.build import build as toolchain_build

FORMAT = "zkvm-build-manifest/v1"
MANIFEST_SUFFIX = ".manifest.json"
MAX_MANIFEST_BYTES = 1 << 20
from .presets import PARAMS_PRESETS  # noqa: E402,F401 (re-exported)

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Plain path components only (no "." or ".." can match: a component cannot start with
# "."); nested paths are for Rust crates (src/src/main.rs, sdk/zkvm-guest/src/lib.rs).
_COMPONENT = r"[A-Za-z0-9_][A-Za-z0-9_.+-]*"
_SRC_NAME = re.compile(rf"^src/(?:{_COMPONENT}/){{0,16}}{_COMPONENT}$")
_PLAIN_NAME = re.compile(rf"^{_COMPONENT}$")
_SDK_NAME = re.compile(rf"^(?:include|rt|sdk)/(?:{_COMPONENT}/){{0,16}}{_COMPONENT}$")


class ManifestError(ValueError):
    """The manifest file is unreadable or malformed (the message says which field)."""


# ---------------------------------------------------------------------------- writing
def manifest_path_for(elf_path: str | os.PathLike) -> Path:
    """Where the manifest of ``elf_path`` goes: ``app.elf`` -> ``app.manifest.json``."""
    p = Path(elf_path)
    stem = p.stem if p.suffix == ".elf" else p.name
    return p.with_name(stem + MANIFEST_SUFFIX)


DEBUG_SUFFIX = ".debug"


def debug_path_for(elf_path: str | os.PathLike) -> Path:
    """Where ``zkvm build`` writes the unstripped copy of ``elf_path`` (symbols and line
    info for ``zkvm profile`` and fault messages): ``app.elf`` -> ``app.debug``."""
    p = Path(elf_path)
    stem = p.stem if p.suffix == ".elf" else p.name
    return p.with_name(stem + DEBUG_SUFFIX)


def stark_params(preset: str):
    """The ``StarkParams`` of a named preset (``PARAMS_PRESETS``)."""
    from .presets import stark_params as resolve

    return resolve(preset)


def compute_image_id(elf: bytes, preset: str = "default") -> str:
    """Hex image ID of the ELF bytes for a parameter preset (:mod:`zkvm.receipt.image_id`,
    through the local cache :mod:`zkvm.idcache`)."""
    from .idcache import image_id

    return image_id(bytes(elf), preset).hex()


def elf_layout(elf: bytes) -> dict:
    """``{"segments": [...], "sections": [...]}`` of an ELF, each entry with its sha256.

    Segments: ``{"index", "type", "vaddr", "filesz", "memsz", "flags", "sha256"}`` (hash
    of the file bytes of the segment). Sections: ``{"name", "type", "addr", "size",
    "sha256"}`` (hash of the file bytes; NOBITS sections such as ``.bss`` hash to the
    empty string's digest, their size still counts). Raises ManifestError if ``elf`` is
    not a parsable ELF file.
    """
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        f = ELFFile(io.BytesIO(bytes(elf)))
        segs = []
        for i, seg in enumerate(f.iter_segments()):
            fl = seg["p_flags"]
            segs.append({
                "index": i,
                "type": str(seg["p_type"]),
                "vaddr": f"0x{seg['p_vaddr']:x}",
                "filesz": seg["p_filesz"],
                "memsz": seg["p_memsz"],
                "flags": ("R" if fl & 4 else "-") + ("W" if fl & 2 else "-") + ("X" if fl & 1 else "-"),
                "sha256": hashlib.sha256(seg.data()).hexdigest(),
            })
        secs = []
        for sec in f.iter_sections():
            if sec.header["sh_type"] == "SHT_NULL":
                continue
            data = b"" if sec.header["sh_type"] == "SHT_NOBITS" else sec.data()
            secs.append({
                "name": sec.name,
                "type": str(sec.header["sh_type"]),
                "addr": f"0x{sec.header['sh_addr']:x}",
                "size": sec.header["sh_size"],
                "sha256": hashlib.sha256(data).hexdigest(),
            })
    except (ELFError, ValueError, KeyError, OSError, EOFError, AttributeError) as e:  # pyelftools' errors
        raise ManifestError(f"cannot parse the ELF: {e}") from None
    return {"segments": segs, "sections": secs}


def make_manifest(result: BuildResult, image_id_params: str | None = "default") -> dict:
    """The manifest of a finished build (module docstring for the fields).

    ``image_id_params``: the parameter preset to compute the image ID for, or None to
    leave ``image_id`` null (faster: no circuits are loaded).
    """
    elf = Path(result.path).read_bytes()
    if hashlib.sha256(elf).hexdigest() != result.sha256:
        raise BuildError(f"{result.path} changed after it was built")
    fp = compiler_fingerprint(result.compiler)
    layout = elf_layout(elf)
    m: dict[str, Any] = {
        "format": FORMAT,
        "zkvm_version": __version__,
        "compiler": fp,
    }
    if result.compiler == "zig":
        m["target"] = TARGET
        m["cpu"] = CPU
    elif result.compiler == "rust":
        from .toolchain import rust

        m["target"] = rust.RUST_TARGET
        m["cpu"] = "generic-rv32"
    else:
        from .toolchain import gcc

        m["target"] = f"{gcc.MARCH}-{gcc.MABI}-picolibc"
        m["cpu"] = gcc.MARCH
    m.update({
        "opt_level": result.opt_level,
        "defines": list(result.defines),
        "flags": list(result.flags),
        "sources": [{"name": n, "sha256": h} for n, h in result.inputs if n.startswith("src/")],
        "sdk": [{"name": n, "sha256": h} for n, h in result.inputs if not n.startswith("src/")],
        "elf": {
            "file": Path(result.path).name,
            "size": result.size,
            "sha256": result.sha256,
            **layout,
        },
        "image_id": None,
        "image_id_params": image_id_params,
    })
    if result.debug_path is not None:
        # Not part of the image ID (which depends only on the loaded bytes of "elf").
        m["debug"] = {"file": Path(result.debug_path).name, "sha256": result.debug_sha256,
                      "note": "unstripped copy of the ELF (symbols, line info): not what is proved"}
    if image_id_params is not None:
        try:
            m["image_id"] = compute_image_id(elf, image_id_params)
        except ValueError:
            raise  # an unknown preset is the caller's mistake
        except Exception as e:  # noqa: BLE001 -- the ELF is built; say why the ID is missing
            m["image_id_error"] = f"{type(e).__name__}: {e}"
    return m


def write_manifest(manifest: dict, path: str | os.PathLike) -> Path:
    """Write ``manifest`` as stable JSON (sorted keys, 2-space indent, trailing newline)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    part.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(part, path)
    return path


# ---------------------------------------------------------------------------- reading
def _need(obj: dict, key: str, typ, where: str = "manifest"):
    if key not in obj:
        raise ManifestError(f"{where}: missing field {key!r}")
    v = obj[key]
    if typ is int:
        ok = isinstance(v, int) and not isinstance(v, bool) and v >= 0
    else:
        ok = isinstance(v, typ)
    if not ok:
        raise ManifestError(f"{where}: field {key!r} has the wrong type ({type(v).__name__})")
    return v


def _hex64(v, where: str) -> str:
    if not isinstance(v, str) or not _HEX64.fullmatch(v):
        raise ManifestError(f"{where}: expected 64 lowercase hex digits")
    return v


def _file_list(m: dict, key: str, pattern: re.Pattern) -> list[dict]:
    items = _need(m, key, list)
    seen = set()
    for i, it in enumerate(items):
        where = f"manifest: {key}[{i}]"
        if not isinstance(it, dict):
            raise ManifestError(f"{where}: expected an object")
        name = _need(it, "name", str, where)
        if not pattern.fullmatch(name):
            raise ManifestError(f"{where}: unsupported file name {name!r}")
        if name in seen:
            raise ManifestError(f"{where}: {name!r} listed twice")
        seen.add(name)
        _hex64(it.get("sha256"), f"{where}.sha256")
    return items


def validate_manifest(m: Any) -> dict:
    """Check the structure of a parsed manifest; return it or raise ManifestError."""
    if not isinstance(m, dict):
        raise ManifestError("manifest: expected a JSON object")
    fmt = m.get("format")
    if fmt != FORMAT:
        raise ManifestError(f"manifest: unknown format {fmt!r} (this zkvm reads {FORMAT!r})")
    _need(m, "zkvm_version", str)
    comp = _need(m, "compiler", dict)
    _need(comp, "name", str, "manifest: compiler")
    _need(comp, "version", str, "manifest: compiler")
    _need(m, "opt_level", str)
    defines = _need(m, "defines", list)
    if not all(isinstance(d, str) for d in defines):
        raise ManifestError("manifest: defines must be strings")
    flags = _need(m, "flags", list)
    if not all(isinstance(f, str) for f in flags):
        raise ManifestError("manifest: flags must be strings")
    srcs = _file_list(m, "sources", _SRC_NAME)
    if not any(s["name"].endswith(SOURCE_SUFFIXES) or s["name"] == "src/Cargo.toml" for s in srcs):
        raise ManifestError("manifest: sources lists no source file (.c, .cpp, .cc, .cxx or Cargo.toml)")
    _file_list(m, "sdk", _SDK_NAME)
    elf = _need(m, "elf", dict)
    _need(elf, "size", int, "manifest: elf")
    _hex64(elf.get("sha256"), "manifest: elf.sha256")
    for key in ("segments", "sections"):
        entries = _need(elf, key, list, "manifest: elf")
        for i, e in enumerate(entries):
            if not isinstance(e, dict):
                raise ManifestError(f"manifest: elf.{key}[{i}]: expected an object")
            _hex64(e.get("sha256"), f"manifest: elf.{key}[{i}].sha256")
    dbg = m.get("debug")
    if dbg is not None:
        if not isinstance(dbg, dict) or not isinstance(dbg.get("file"), str) \
                or not _PLAIN_NAME.fullmatch(dbg["file"]):
            raise ManifestError("manifest: debug must be an object with a plain file name")
        _hex64(dbg.get("sha256"), "manifest: debug.sha256")
    iid = m.get("image_id")
    if iid is not None:
        _hex64(iid, "manifest: image_id")
        preset = m.get("image_id_params")
        if preset not in PARAMS_PRESETS:
            raise ManifestError(f"manifest: image_id_params must be one of {', '.join(PARAMS_PRESETS)}")
    return m


def load_manifest(path: str | os.PathLike) -> dict:
    """Read and validate a manifest file (ManifestError if unreadable or malformed)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as e:
        raise ManifestError(f"cannot read manifest {path}: {e.strerror or e}") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"manifest {path} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        m = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ManifestError(f"manifest {path} is not valid JSON: {e}") from None
    return validate_manifest(m)


# ---------------------------------------------------------------------------- verifying
@dataclass
class Difference:
    """One reason for a MISMATCH. ``kind`` is one of ``toolchain``, ``flags``,
    ``source``, ``sdk``, ``elf``, ``image_id``, ``build``."""

    kind: str
    message: str


@dataclass
class VerifyResult:
    """Outcome of :func:`verify_build`. ``match`` is True only with no differences."""

    manifest: dict
    source_dir: Path
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rebuilt_sha256: str | None = None
    rebuilt_image_id: str | None = None

    @property
    def match(self) -> bool:
        return not self.differences

    @property
    def verdict(self) -> str:
        return "MATCH" if self.match else "MISMATCH"

    def report(self) -> str:
        """A human-readable report, one finding per line, ending with the verdict."""
        m = self.manifest
        lines = [
            f"manifest  elf {m['elf'].get('file', '?')}  sha256 {m['elf']['sha256']}",
            f"          image id {m.get('image_id') or '(not recorded)'}"
            + (f"  (params {m.get('image_id_params')})" if m.get("image_id") else ""),
            f"sources   {self.source_dir}",
            f"rebuilt   sha256 {self.rebuilt_sha256 or '(no ELF)'}",
        ]
        if self.rebuilt_image_id:
            lines.append(f"          image id {self.rebuilt_image_id}")
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"differs ({d.kind}): {d.message}" for d in self.differences]
        lines.append(self.verdict)
        return "\n".join(lines)


def _compare_tables(kind: str, want: list[dict], have: list[tuple[str, str]]) -> list[Difference]:
    out = []
    have_d = dict(have)
    want_d = {w["name"]: w["sha256"] for w in want}
    for name, h in want_d.items():
        if name not in have_d:
            continue  # reported as missing by the caller (sources) or below (sdk)
        if have_d[name] != h:
            out.append(Difference(kind, f"{name} differs: manifest sha256 {h[:16]}..., "
                                        f"rebuilt from sha256 {have_d[name][:16]}..."))
    for name in want_d.keys() - have_d.keys():
        if kind == "sdk":
            out.append(Difference(kind, f"{name} is in the manifest but not in this zkvm's SDK"))
    for name in have_d.keys() - want_d.keys():
        out.append(Difference(kind, f"{name} was part of the rebuild but is not in the manifest"))
    return out


def _layout_key(e: dict, kind: str) -> str:
    if kind == "segments":
        return f"segment {e.get('index')} ({e.get('type')} {e.get('flags')})"
    return f"section {e.get('name')}"


_LAYOUT_ATTRS = {"segments": ("vaddr", "filesz", "memsz"), "sections": ("addr", "size")}


def compare_layouts(want: dict, have: dict) -> list[str]:
    """Which segments and sections differ between two :func:`elf_layout` results (the
    manifest's and the rebuilt ELF's), as readable strings such as
    ``"section .text: size 41700 -> 41660, contents differ"``."""
    out = []
    for kind in ("segments", "sections"):
        w = {_layout_key(e, kind): e for e in want.get(kind, [])}
        h = {_layout_key(e, kind): e for e in have.get(kind, [])}
        for k, we in w.items():
            he = h.get(k)
            if he is None:
                out.append(f"{k} is missing from the rebuilt ELF")
                continue
            if we == he:
                continue
            detail = [f"{a} {we.get(a)} -> {he.get(a)}" for a in _LAYOUT_ATTRS[kind] if we.get(a) != he.get(a)]
            if we.get("sha256") != he.get("sha256"):
                detail.append("contents differ")
            out.append(f"{k}: {', '.join(detail) or 'header differs'}")
        for k in h.keys() - w.keys():
            out.append(f"{k} is new in the rebuilt ELF")
    return out


def verify_build(manifest: dict | str | os.PathLike, source_dir: str | os.PathLike | None = None,
                 *, check_image_id: bool = True) -> VerifyResult:
    """Rebuild the guest a manifest describes and compare (module docstring).

    ``manifest``: a path or an already loaded dict. ``source_dir``: where the sources
    are (default: the manifest's directory). Only the files the manifest names are used;
    they are copied into a fresh temporary directory and built from there with the
    manifest's optimisation level and defines. ``check_image_id``: also recompute the
    image ID when the manifest has one.

    Raises ManifestError for an unreadable or malformed manifest; everything else that
    goes wrong (missing files, a refused compiler, a failed build) is reported as a
    difference.
    """
    if isinstance(manifest, (str, os.PathLike)):
        mpath = Path(manifest)
        m = load_manifest(mpath)
        default_dir = mpath.resolve().parent
    else:
        m = validate_manifest(manifest)
        default_dir = Path.cwd()
    src_dir = Path(source_dir) if source_dir is not None else default_dir
    res = VerifyResult(m, src_dir)
    diffs, notes = res.differences, res.notes

    # 1. The compiler.
    comp = m["compiler"]
    name = comp["name"]
    if name not in COMPILERS:
        diffs.append(Difference("toolchain", f"the manifest's compiler {name!r} is not one this zkvm has "
                                              f"({', '.join(COMPILERS)})"))
        return res
    try:
        here = compiler_fingerprint(name)
    except ToolchainError as e:
        diffs.append(Difference("toolchain", f"cannot use compiler {name}: {e}"))
        return res
    if comp["version"] != here["version"]:
        pinned = f" (this zkvm pins {name} {ZIG_VERSION})" if name == "zig" else ""
        if name == "rust":
            from .toolchain.rust import DEBIAN_PACKAGES

            pinned = f" (this zkvm pins rustc-web {DEBIAN_PACKAGES['rustc-web']})"
        diffs.append(Difference("toolchain", f"compiler version: the manifest was built with {name} "
                                              f"{comp['version']}, this machine has {name} "
                                              f"{here['version']}{pinned}"))
    elif name == "rust" and isinstance(comp.get("packages"), dict) and comp["packages"] != here["packages"]:
        changed = sorted(k for k in comp["packages"].keys() | here["packages"].keys()
                         if comp["packages"].get(k) != here["packages"].get(k))
        diffs.append(Difference("toolchain", "Rust toolchain packages differ: " + "; ".join(
            f"{k} {comp['packages'].get(k)} in the manifest, {here['packages'].get(k)} here" for k in changed)))
    else:
        for key in ("package_sha256", "binary_sha256", "picolibc_sha256"):
            if key in comp and key in here and comp[key] != here[key]:
                notes.append(f"compiler {key} differs ({comp.get('host', '?')} vs {here['host']}): "
                             "another platform's or a modified package; only the ELF decides")
    if m["zkvm_version"] != __version__:
        notes.append(f"the manifest was written by zkvm {m['zkvm_version']}, this is zkvm {__version__}")

    # 2. Flags (recomputed from opt level and defines by this zkvm).
    # C++ exceptions are the one build option besides -O and -D; it shows in the flags.
    cxx_exceptions = "-fexceptions" in m["flags"]
    try:
        level = normalize_opt_level(m["opt_level"])
        if name == "zig":
            language = source_language(s["name"] for s in m["sources"])
            flags = compiler_flags(level, m["defines"], language, cxx_exceptions and language == "c++")
        elif name == "rust":
            from .toolchain.rust import rust_flags

            flags = rust_flags(level, m["defines"])
        else:
            from .toolchain.gcc import gcc_flags

            flags = gcc_flags(level, m["defines"])
        flags = [f.replace("@ROOT@", CANONICAL_ROOT) for f in flags]
    except (ValueError, BuildError) as e:
        diffs.append(Difference("flags", f"bad optimisation level, define or sources in the manifest: {e}"))
        return res
    if flags != m["flags"]:
        extra = [f for f in m["flags"] if f not in flags]
        missing = [f for f in flags if f not in m["flags"]]
        what = []
        if extra:
            what.append(f"only in the manifest: {' '.join(extra)}")
        if missing:
            what.append(f"only in this zkvm's build: {' '.join(missing)}")
        if not what:
            what.append("same flags in a different order")
        diffs.append(Difference("flags", "compiler flags differ: " + "; ".join(what)))

    # 3. Sources: copy exactly the manifest's files into a fresh directory.
    if not src_dir.is_dir():
        diffs.append(Difference("source", f"source directory {src_dir} does not exist"))
        return res
    listed = {s["name"][len("src/"):] for s in m["sources"]}
    if name == "rust":
        from .toolchain.rust import collect_crate

        try:
            present = [rel for rel, _ in collect_crate(src_dir)] if (src_dir / "Cargo.toml").is_file() else []
        except BuildError:
            present = []
    else:
        present = [q.name for q in sorted(src_dir.iterdir(), key=lambda p: p.name.encode())
                   if q.is_file() and q.suffix in SOURCE_SUFFIXES + HEADER_SUFFIXES]
    for rel in present:
        if rel not in listed:
            notes.append(f"{rel} in {src_dir} is not in the manifest; ignored")
    tmp = Path(tempfile.mkdtemp(prefix="zkvm-verify-"))
    try:
        work = tmp / "src"
        work.mkdir()
        missing = []
        for s in m["sources"]:
            fname = s["name"][len("src/"):]
            p = src_dir / fname
            if not p.is_file():
                missing.append(fname)
                continue
            (work / fname).parent.mkdir(parents=True, exist_ok=True)
            (work / fname).write_bytes(p.read_bytes())
        for fname in missing:
            diffs.append(Difference("source", f"src/{fname} is in the manifest but missing from {src_dir}"))
        if missing:
            return res
        out = tmp / "rebuilt.elf"
        try:
            r = toolchain_build(work, out, level, m["defines"], compiler=name,
                                cxx_exceptions=cxx_exceptions and name == "zig")
        except (BuildError, ToolchainError) as e:
            diffs.append(Difference("build", f"the rebuild failed: {e}"))
            return res
        rebuilt = out.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res.rebuilt_sha256 = r.sha256
    have_src = [(n, h) for n, h in r.inputs if n.startswith("src/")]
    have_sdk = [(n, h) for n, h in r.inputs if not n.startswith("src/")]
    diffs += _compare_tables("source", m["sources"], have_src)
    diffs += _compare_tables("sdk", m["sdk"], have_sdk)

    # 4. The ELF.
    if r.sha256 != m["elf"]["sha256"]:
        where = compare_layouts(m["elf"], elf_layout(rebuilt))
        detail = "; ".join(where) if where else "the headers differ"
        diffs.append(Difference("elf", f"ELF sha256 {r.sha256} != manifest {m['elf']['sha256']} "
                                       f"(size {r.size} vs {m['elf']['size']}): {detail}"))

    # 5. The image ID.
    if m.get("image_id") is None:
        notes.append("the manifest has no image ID; only the ELF was compared")
    elif check_image_id:
        try:
            res.rebuilt_image_id = compute_image_id(rebuilt, m["image_id_params"])
        except Exception as e:  # noqa: BLE001 -- any failure of the circuits is a finding
            diffs.append(Difference("image_id", f"cannot compute the image ID: {type(e).__name__}: {e}"))
        else:
            if res.rebuilt_image_id != m["image_id"]:
                why = ""
                if r.sha256 == m["elf"]["sha256"]:
                    why = (" although the ELF is identical: the image ID also depends on the "
                           f"circuits (manifest by zkvm {m['zkvm_version']}, this is {__version__})")
                diffs.append(Difference("image_id", f"image ID {res.rebuilt_image_id} != manifest "
                                                    f"{m['image_id']}{why}"))
    return res

"""A local cache of image IDs, so ``zkvm image-id`` answers in well under a second and an
``ImageIdMismatch`` can say which parameter preset each side was computed for.

Computing an image ID commits the program's preprocessed tables (seconds: the circuits
are loaded, numba kernels too). The result is a pure function of

* the ELF bytes (only the loaded bytes matter, but the key uses the whole file's SHA-256,
  which is finer: an equal key always means an equal image ID),
* the parameter preset and its zk flag, and
* this zkvm's code (circuits, STARK engine, executor layout): the key includes a
  fingerprint of every ``.py`` file of the installed ``zkvm`` package, so any change to
  the code (a new circuit, another opcode table) misses the cache instead of returning a
  stale ID.

Entries are small JSON files under ``$ZKVM_IMAGE_ID_CACHE`` (default
``$XDG_CACHE_HOME/zkvm/image-id`` or ``~/.cache/zkvm/image-id``); ``ZKVM_IMAGE_ID_CACHE=off``
disables the cache. Each entry is also indexed by the image ID itself, for
:func:`describe`, which tells what an image ID was computed for on this machine.

Trust: the cache is local state of the person running zkvm, like the zkvm installation
itself. Verification never reads it -- the verifier recomputes the receipt's image ID
from the receipt -- it only speeds up printing an ID and enriches error messages.
Unreadable or malformed entries are ignored (and recomputed).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_FP: list = []


def cache_dir() -> Path | None:
    """The cache directory, or None when the cache is off."""
    env = os.environ.get("ZKVM_IMAGE_ID_CACHE")
    if env:
        return None if env.strip().lower() in ("off", "0", "no", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zkvm" / "image-id"


def code_fingerprint() -> str:
    """SHA-256 (hex) over the names and bytes of every ``.py`` file of the ``zkvm``
    package, in sorted order (computed once per process)."""
    if not _FP:
        root = Path(__file__).resolve().parent
        h = hashlib.sha256(b"zkvm/code-fingerprint/v1\0")
        for p in sorted(root.rglob("*.py"), key=lambda q: q.relative_to(root).as_posix().encode()):
            rel = p.relative_to(root).as_posix().encode()
            data = p.read_bytes()
            h.update(len(rel).to_bytes(4, "little") + rel + len(data).to_bytes(8, "little") + data)
        _FP.append(h.hexdigest())
    return _FP[0]


def _key(elf_sha256: str, preset: str, zk: bool) -> str:
    text = f"{code_fingerprint()}\0{preset}\0{int(zk)}\0{elf_sha256}"
    return hashlib.sha256(text.encode()).hexdigest()


def _read(path: Path) -> dict | None:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(4096)
        d = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(d, dict) or not isinstance(d.get("image_id"), str) or len(d["image_id"]) != 64:
        return None
    try:
        bytes.fromhex(d["image_id"])
    except ValueError:
        return None
    return d


def _write(path: Path, d: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        part.write_text(json.dumps(d, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(part, path)
    except OSError:
        pass  # a cache that cannot be written is only slower


def lookup(elf_bytes: bytes, preset: str, zk: bool = True) -> bytes | None:
    """The cached image ID of ``elf_bytes`` for ``preset`` (None on a miss)."""
    d = cache_dir()
    if d is None:
        return None
    e = _read(d / "by-key" / f"{_key(hashlib.sha256(elf_bytes).hexdigest(), preset, zk)}.json")
    if e is None or e.get("code") != code_fingerprint():
        return None
    return bytes.fromhex(e["image_id"])


def store(elf_bytes: bytes, preset: str, image_id: bytes, zk: bool = True) -> None:
    """Remember ``image_id`` for ``(elf_bytes, preset, zk)`` (and index it by the ID)."""
    d = cache_dir()
    if d is None:
        return
    sha = hashlib.sha256(elf_bytes).hexdigest()
    entry = {"image_id": bytes(image_id).hex(), "preset": preset, "zk": bool(zk),
             "elf_sha256": sha, "code": code_fingerprint()}
    _write(d / "by-key" / f"{_key(sha, preset, zk)}.json", entry)
    _write(d / "by-id" / f"{bytes(image_id).hex()}.json", entry)


def describe(image_id: bytes) -> dict | None:
    """What this machine computed ``image_id`` for: ``{"preset", "zk", "elf_sha256"}``,
    or None if it never did (with this zkvm's code)."""
    d = cache_dir()
    if d is None:
        return None
    e = _read(d / "by-id" / f"{bytes(image_id).hex()}.json")
    if e is None or e.get("code") != code_fingerprint() or e.get("image_id") != bytes(image_id).hex():
        return None
    return {"preset": e.get("preset"), "zk": e.get("zk"), "elf_sha256": e.get("elf_sha256")}


def image_id(elf_bytes: bytes, preset: str = "default", *, zk: bool = True, use_cache: bool = True) -> bytes:
    """The image ID of ``elf_bytes`` for a parameter preset, from the cache when possible,
    else computed (``Machine.for_program(elf, params).image_id``) and stored."""
    elf_bytes = bytes(elf_bytes)
    if use_cache:
        hit = lookup(elf_bytes, preset, zk)
        if hit is not None:
            return hit
    from .machine import Machine
    from .stark.params import StarkParams

    if preset not in ("default", "high", "evm", "testing"):
        raise ValueError(f"unknown parameter preset {preset!r}; use one of default, high, evm, testing")
    iid = Machine.for_program(elf_bytes, getattr(StarkParams, preset)(zk=zk)).image_id
    if use_cache:
        store(elf_bytes, preset, iid, zk)
    return iid


__all__ = ["cache_dir", "code_fingerprint", "describe", "image_id", "lookup", "store"]

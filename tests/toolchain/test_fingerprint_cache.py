"""The on-disk cache of the zig fingerprint (build manifests): same value as computing
it, recomputed when the files change or the entry is damaged, off on request."""

from __future__ import annotations

import json
import os
import sys

import pytest

from zkvm.toolchain.build import compiler_fingerprint, ziglang_dir

B = sys.modules["zkvm.toolchain.build"]

FP = {"name": "zig", "package": "ziglang", "version": "0.17.0", "package_sha256": "a" * 64,
      "binary_sha256": "b" * 64, "host": "linux-x86_64"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKVM_ZIG_CACHE_DIR", str(tmp_path / "zig"))
    monkeypatch.delenv("ZKVM_FINGERPRINT_CACHE", raising=False)
    zig, record = tmp_path / "zig-bin", tmp_path / "RECORD"
    zig.write_bytes(b"\x7fELF fake")
    record.write_text("ziglang/zig,sha256=x,9\n")
    calls = []

    def compute():
        calls.append(1)
        return dict(FP, binary_sha256=f"{len(calls):064d}")

    return zig, record, compute, calls


def test_second_call_reads_the_entry(cache):
    zig, record, compute, calls = cache
    a = B._zig_fingerprint_cached(zig, record, compute)
    b = B._zig_fingerprint_cached(zig, record, compute)
    assert a == b and len(calls) == 1


def test_changed_binary_or_record_misses(cache):
    zig, record, compute, calls = cache
    B._zig_fingerprint_cached(zig, record, compute)
    zig.write_bytes(b"\x7fELF another, longer fake")
    c = B._zig_fingerprint_cached(zig, record, compute)
    assert len(calls) == 2 and c["binary_sha256"] == f"{2:064d}"
    record.write_text("ziglang/zig,sha256=y,25\nziglang/lib/x.h,sha256=z,1\n")
    B._zig_fingerprint_cached(zig, record, compute)
    assert len(calls) == 3


@pytest.mark.parametrize("damage", ["not json", "[]", '{"key": "other"}',
                                    '{"key": null, "fingerprint": {"name": 1}}'])
def test_damaged_entry_is_recomputed(cache, damage):
    zig, record, compute, calls = cache
    B._zig_fingerprint_cached(zig, record, compute)
    (entry,) = (p for p in (zig.parent / "fingerprints").iterdir())
    if '"key": null' in damage:  # right key, wrong fingerprint types
        key = json.loads(entry.read_text())["key"]
        damage = json.dumps({"key": key, "fingerprint": {"name": 1}})
    entry.write_text(damage)
    B._zig_fingerprint_cached(zig, record, compute)
    assert len(calls) == 2


def test_cache_off(cache, monkeypatch):
    zig, record, compute, calls = cache
    monkeypatch.setenv("ZKVM_FINGERPRINT_CACHE", "off")
    B._zig_fingerprint_cached(zig, record, compute)
    B._zig_fingerprint_cached(zig, record, compute)
    assert len(calls) == 2 and not (zig.parent / "fingerprints").exists()


@pytest.mark.skipif(ziglang_dir() is None, reason="ziglang not installed")
def test_cached_fingerprint_equals_computed(tmp_path, monkeypatch):
    """The real zig: an entry written by one call, read by the next, equals a fresh
    computation with the cache off (RECORD parsed directly = ``dist.files``)."""
    import hashlib
    import importlib.metadata

    monkeypatch.setenv("ZKVM_ZIG_CACHE_DIR", str(tmp_path / "zig"))
    monkeypatch.setattr(B, "_FINGERPRINTS", {})
    first = compiler_fingerprint()
    monkeypatch.setattr(B, "_FINGERPRINTS", {})
    second = compiler_fingerprint()  # from disk
    assert any((tmp_path / "fingerprints").iterdir())
    monkeypatch.setenv("ZKVM_FINGERPRINT_CACHE", "off")
    monkeypatch.setattr(B, "_FINGERPRINTS", {})
    fresh = compiler_fingerprint()
    assert first == second == fresh
    dist = importlib.metadata.distribution("ziglang")
    lines = sorted(f"{f.as_posix()},{f.hash.mode}={f.hash.value}" for f in dist.files
                   if f.hash is not None and f.as_posix().startswith("ziglang/"))
    assert fresh["package_sha256"] == hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert os.path.basename(str(ziglang_dir())) == "ziglang"

"""Honest diagnostics (zkvm.diagnostics) and the image-ID cache (zkvm.idcache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zkvm import diagnostics as D
from zkvm import idcache

REPO = Path(__file__).resolve().parents[2]


def test_bytes_diff_shows_context_from_both_sides():
    a = b"line 1\nline 2: value 0.560\n"
    b = b"line 1\nline 2: value 0.562\n"
    text = D.bytes_diff(a, b, ("musl", "picolibc"))
    assert "first difference at byte 25 (line 2, column 19)" in text
    assert "musl      ...ine 1\\nline 2: value 0.56|0\\n..." in text
    assert "picolibc  ...ine 1\\nline 2: value 0.56|2\\n..." in text
    assert D.bytes_diff(b"x", b"x") == ""
    text = D.bytes_diff(b"\x00\x01\x02", b"\x00\x01", ("a", "b"))
    assert "first difference at byte 2" in text and "b  ...00 01| (ends here)" in text
    assert D.first_difference(b"abc", b"abd") == 2 and D.first_difference(b"ab", b"abc") == 2
    big = bytes(10_000)
    assert D.first_difference(big, big[:9000] + b"\x01" + big[9001:]) == 9000


def test_check_output_path(tmp_path):
    assert D.check_output_path(tmp_path / "x.bin") == tmp_path / "x.bin"
    with pytest.raises(IsADirectoryError):
        D.check_output_path(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        D.check_output_path(tmp_path / "no" / "x")
    assert D.check_output_path(tmp_path / "new" / "x", create_parent=True)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        D.check_output_path(tmp_path / "file" / "x")
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        with pytest.raises(PermissionError):
            D.check_output_path(ro / "x")


def test_params_preset_names():
    from zkvm.stark.params import StarkParams

    assert D.params_preset_name(StarkParams.default()) == "default"
    assert D.params_preset_name(StarkParams.testing(zk=False)) == "testing (no zk)"
    assert D.params_preset_name(StarkParams.high()) == "high"
    assert D.params_preset_name(StarkParams.evm()) == "evm"
    assert D.params_preset_name(StarkParams.evm(zk=False)) == "evm (no zk)"
    import dataclasses

    assert D.params_preset_name(dataclasses.replace(StarkParams.default(), num_queries=50)) == "custom"


def test_image_id_cache_hits_misses_and_describes(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKVM_IMAGE_ID_CACHE", str(tmp_path / "c"))
    elf = b"\x7fELF not really"
    assert idcache.lookup(elf, "default") is None
    idcache.store(elf, "testing", b"\x11" * 32)
    assert idcache.lookup(elf, "testing") == b"\x11" * 32
    assert idcache.lookup(elf, "default") is None and idcache.lookup(elf, "testing", zk=False) is None
    info = idcache.describe(b"\x11" * 32)
    assert info["preset"] == "testing" and info["elf_sha256"] and idcache.describe(b"\x22" * 32) is None
    # another zkvm code version misses
    monkeypatch.setattr(idcache, "_FP", ["0" * 64])
    assert idcache.lookup(elf, "testing") is None and idcache.describe(b"\x11" * 32) is None
    monkeypatch.setattr(idcache, "_FP", [])
    # corrupted entries are ignored
    for p in (tmp_path / "c").rglob("*.json"):
        p.write_text("{not json")
    assert idcache.lookup(elf, "testing") is None
    monkeypatch.setenv("ZKVM_IMAGE_ID_CACHE", "off")
    assert idcache.cache_dir() is None and idcache.lookup(elf, "testing") is None


def test_mismatch_message_names_both_presets(tmp_path, monkeypatch):
    from zkvm.stark.params import StarkParams

    monkeypatch.setenv("ZKVM_IMAGE_ID_CACHE", str(tmp_path / "c"))
    elf = b"some elf"
    idcache.store(elf, "default", b"\x01" * 32)
    import hashlib

    sha = hashlib.sha256(elf).digest()
    msg = D.image_id_mismatch_message(b"\x02" * 32, StarkParams.testing(), b"\x01" * 32, sha)
    assert "(params testing)" in msg and "(params default" in msg and "same ELF, different parameters" in msg
    msg = D.image_id_mismatch_message(b"\x02" * 32, StarkParams.testing(), b"\x03" * 32, sha)
    assert "params unknown" in msg and "--params testing" in msg

"""zkvm.toolchain: the examples build, builds are reproducible, errors are clear."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path

import pytest

from zkvm import api
from zkvm.toolchain import (
    BuildError,
    ToolchainError,
    build,
    check_hermetic,
    compiler_flags,
    normalize_opt_level,
    sdk_include_dir,
    source_digest,
)

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"


def elf_header(data: bytes) -> dict:
    ei_class, ei_data = data[4], data[5]
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    return {"magic": data[:4], "class": ei_class, "data": ei_data, "type": e_type, "machine": e_machine}


def test_examples_build_to_static_rv32_elf(example_elfs):
    for name, path in example_elfs.items():
        data = path.read_bytes()
        hdr = elf_header(data)
        assert hdr == {"magic": b"\x7fELF", "class": 1, "data": 1, "type": 2, "machine": 243}, name
        assert b".debug_info" not in data, f"{name}: debug info not stripped"
        assert b"/zkvm-guest" not in data and str(REPO).encode() not in data, name


def test_reproducible_from_different_directories(tmp_path, example_elfs):
    """Same sources in two unrelated directories -> byte-identical ELF (and = cached one)."""
    a = tmp_path / "alice" / "projects" / "battleship"
    b = tmp_path / "b" / "x"
    shutil.copytree(EX / "battleship", a)
    shutil.copytree(EX / "battleship", b)
    ra = build(a, tmp_path / "a.elf")
    rb = build(b, tmp_path / "out" / "b.elf")
    da, db = (tmp_path / "a.elf").read_bytes(), (tmp_path / "out" / "b.elf").read_bytes()
    assert da == db
    assert ra.sha256 == rb.sha256 == hashlib.sha256(da).hexdigest()
    assert ra.size == len(da)
    assert da == example_elfs["battleship"].read_bytes()
    assert str(tmp_path).encode() not in da
    assert source_digest(a) == source_digest(b)


def test_file_list_order_does_not_matter(tmp_path, example_elfs):
    """A list of .c files is sorted by name, so any order gives the directory's ELF."""
    files = [EX / "battleship" / "main.c", EX / "battleship" / "board.c"]
    build(files, tmp_path / "list.elf")
    assert (tmp_path / "list.elf").read_bytes() == example_elfs["battleship"].read_bytes()


def test_defines_and_multi_file(tmp_path):
    src = tmp_path / "guest"
    src.mkdir()
    (src / "value.h").write_text("int value(void);\n")
    (src / "value.c").write_text('#include "value.h"\nint value(void) { return VALUE; }\n')
    (src / "main.c").write_text(
        '#include "zkvm.h"\n#include "value.h"\n'
        "int main(void) { zkvm_commit_u32((uint32_t)value()); return 0; }\n"
    )
    r = api.build(src, tmp_path / "g.elf", defines=["VALUE=1234567"])
    res = api.run(r.path)
    assert (res.exit_code, res.journal) == (0, (1234567).to_bytes(4, "little"))
    r2 = api.build(src, tmp_path / "g2.elf", defines=[("VALUE", 7)])
    assert r2.sha256 != r.sha256
    assert api.run(r2.path).journal == (7).to_bytes(4, "little")


def test_compile_error_is_clear(tmp_path):
    bad = tmp_path / "secret-user-dir"
    bad.mkdir()
    (bad / "bad.c").write_text("int main(void) { return undeclared_thing; }\n")
    with pytest.raises(BuildError) as exc:
        build(bad, tmp_path / "bad.elf")
    msg = str(exc.value)
    assert "compilation failed" in msg
    assert "src/bad.c:1:" in msg and "undeclared_thing" in msg
    assert str(tmp_path) not in msg  # diagnostics use canonical paths
    assert not (tmp_path / "bad.elf").exists()


def test_bad_source_arguments(tmp_path):
    with pytest.raises(BuildError, match="no such file"):
        build(tmp_path / "missing", tmp_path / "o.elf")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BuildError, match="no .c or .cpp files"):
        build(tmp_path / "empty", tmp_path / "o.elf")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(BuildError, match="not a C or C\\+\\+ source"):
        build([tmp_path / "notes.txt"], tmp_path / "o.elf")
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "main.c").write_text(f"int main(void) {{ return {d[1]}; }}\n")
    with pytest.raises(BuildError, match="both named 'main.c'"):
        build([tmp_path / "d1" / "main.c", tmp_path / "d2" / "main.c"], tmp_path / "o.elf")


def test_wrong_compiler_version_refused(monkeypatch, tmp_path):
    import importlib.metadata

    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.13.0" if name == "ziglang" else real(name))
    with pytest.raises(ToolchainError, match="needs exactly ziglang==0.17.0"):
        build(EX / "fibonacci", tmp_path / "f.elf")

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(ToolchainError, match="not installed"):
        build(EX / "fibonacci", tmp_path / "f.elf")


def test_check_hermetic():
    check_hermetic(b"\x7fELF...clean", ["/tmp/zkvm-build-abc"])
    with pytest.raises(BuildError, match="host path"):
        check_hermetic(b"\x7fELF../tmp/zkvm-build-abc/zkvm-guest/src/main.c", ["/tmp/zkvm-build-abc"])


def test_flags_and_options():
    assert [normalize_opt_level(x) for x in (2, "2", "O2", "-O2", "s", "-Oz", "0")] == ["2"] * 4 + ["s", "z", "0"]
    for bad in ("4", "fast", "-O", ""):
        with pytest.raises(ValueError):
            normalize_opt_level(bad)
    flags = compiler_flags("s", ["A=1", "B"])
    for required in ("-Os", "-g0", "-s", "-static", "-fno-sanitize=undefined", "-Wl,--build-id=none",
                     "-mcpu=generic_rv32+m+a", "-DA=1", "-DB"):
        assert required in flags
    assert flags[flags.index("-target") + 1] == "riscv32-linux-musl"
    for bad in ("-o/etc/passwd", "A B", "1X=2", "X=\n"):
        with pytest.raises(ValueError, match="bad define"):
            compiler_flags("2", [bad])
    with pytest.raises(ValueError, match="unknown compiler"):
        build(EX / "fibonacci", "x.elf", compiler="clang")


def test_sdk_headers_are_package_data():
    names = {p.name for p in sdk_include_dir().glob("*.h")}
    assert {"zkvm.h", "zkvm_sha256.h"} <= names


def test_host_environment_does_not_leak(tmp_path, monkeypatch):
    """The compiler runs in a scrubbed environment: host variables that clang or zig
    honour (CCC_OVERRIDE_OPTIONS injects flags, CPATH adds include dirs) are ignored."""
    src = tmp_path / "g.c"
    src.write_text('#include "zkvm.h"\n#ifndef VALUE\n#define VALUE 1\n#endif\n'
                   "int main(void) { zkvm_commit_u32(VALUE); return 0; }\n")
    clean = build([src], tmp_path / "clean.elf")
    evil = tmp_path / "evil"
    evil.mkdir()
    monkeypatch.setenv("CCC_OVERRIDE_OPTIONS", "+-DVALUE=999")
    monkeypatch.setenv("CPATH", str(evil))
    monkeypatch.setenv("CFLAGS", "-O0")
    monkeypatch.setenv("ZIG_LOCAL_CACHE_DIR", str(tmp_path / "zig-cache-elsewhere"))
    dirty = build([src], tmp_path / "dirty.elf")
    assert dirty.sha256 == clean.sha256
    assert api.run(dirty.path).journal == (1).to_bytes(4, "little")


@pytest.mark.parametrize("level", ["0", "2", "s"])
def test_assert_kept_by_default(tmp_path, level):
    """zig defines NDEBUG at -O1 and above; zkvm build undoes it, so a guest's asserts
    (its way to reject bad input) survive every level unless --ndebug is asked for."""
    import json

    src = tmp_path / "g"
    src.mkdir()
    (src / "main.c").write_text(
        '#include <assert.h>\n#include "zkvm.h"\n'
        "int main(void) { uint32_t n = zkvm_read_u32(); assert(n < 5); return 7; }\n")
    out = tmp_path / f"g{level}.elf"
    api.build(src, out, opt_level=level, image_id_params=None)
    r = api.run(out, (9).to_bytes(4, "little"))
    assert r.exit_code == 134 and b"Assertion failed" in r.stderr
    assert "NDEBUG" not in json.loads(api.manifest_path(out).read_text())["defines"]
    nd = tmp_path / f"n{level}.elf"
    api.build(src, nd, opt_level=level, image_id_params=None, ndebug=True)
    assert api.run(nd, (9).to_bytes(4, "little")).exit_code == 7
    assert "NDEBUG" in json.loads(api.manifest_path(nd).read_text())["defines"]

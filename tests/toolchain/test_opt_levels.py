"""The zig route honours every optimisation level (zkvm.toolchain.build.CLANG_LEVEL_FLAGS).

zig 0.17's ``zig cc`` hands clang ``-O2`` for -O1, -O2 and -O3 (and ``-Os`` for -Oz), so
those builds used to be one ELF. The mapping passes the level on to clang's compiler;
these tests check that the levels now make different code where clang really differs,
that each level stays reproducible, that the manifest records it and verify-build
rebuilds it, and that -O0/-O2/-Os -- the published default among them -- are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from zkvm import api
from zkvm.riscv import execute, load_elf
from zkvm.riscv.layout import PF_X
from zkvm.toolchain import build, compiler_flags
from zkvm.toolchain.build import CLANG_LEVEL_FLAGS

REPO = Path(__file__).resolve().parents[2]
GUEST = Path(__file__).resolve().parent / "guests" / "opt-levels"

# The flag list of the zig route at -O2 (the default) as it was before the level mapping:
# any change here changes every published ELF and image ID.
O2_FLAGS = [
    "-target", "riscv32-linux-musl", "-mcpu=generic_rv32+m+a", "-static", "-O2", "-g0",
    "-fno-sanitize=undefined", "-ffile-prefix-map=@ROOT@=/zkvm-guest", "-fdebug-prefix-map=@ROOT@=/zkvm-guest",
    "-fmacro-prefix-map=@ROOT@=/zkvm-guest", "-Iinclude", "-Isrc", "-s", "-Wl,--build-id=none", "-UNDEBUG",
]


def test_flags_pass_the_level_to_clang():
    assert compiler_flags("2") == O2_FLAGS
    for level in ("0", "s"):
        assert compiler_flags(level) == [f"-O{level}" if f == "-O2" else f for f in O2_FLAGS]
    for level, extra in (("1", ["-Xclang", "-O1"]), ("3", ["-Xclang", "-O3"]), ("z", ["-Xclang", "-Oz"])):
        flags = compiler_flags(level)
        i = flags.index(f"-O{level}")
        assert flags[i + 1:i + 3] == extra  # after zig's own -O: clang -cc1 takes the last -O
        assert list(CLANG_LEVEL_FLAGS[level]) == flags[i + 1:i + 1 + len(CLANG_LEVEL_FLAGS[level])]
    assert "-fno-vectorize" in compiler_flags("1") and "-fno-slp-vectorize" in compiler_flags("1")
    assert "-Xclang" not in compiler_flags("2", language="c++")


def _text_bytes(elf: bytes) -> int:
    return sum(len(s.data) for s in load_elf(elf).segments if s.flags & PF_X)


def test_levels_make_different_code(tmp_path):
    """Every level is its own ELF; the optimiser's work shows in the code size and in the
    cycles (-O3 unswitches a loop -O2 keeps, -O1 unrolls and inlines less); all compute
    the same journal."""
    inp = (3).to_bytes(4, "little")
    elfs, text, cycles, journals = {}, {}, {}, set()
    for level in ("0", "1", "2", "3", "s", "z"):
        r = build(GUEST, tmp_path / f"O{level}.elf", level)
        data = r.path.read_bytes()
        elfs[level] = hashlib.sha256(data).hexdigest()
        text[level] = _text_bytes(data)
        res = execute(load_elf(data), input=inp)
        assert res.exit_code == 0
        cycles[level] = res.cycles
        journals.add(bytes(res.journal))
    assert len(set(elfs.values())) == 6, elfs  # no two levels share an ELF any more
    assert len(journals) == 1
    assert text["1"] < text["2"] < text["3"]  # more unrolling / unswitching at each level
    assert cycles["0"] > cycles["1"] > cycles["2"] > cycles["3"]
    assert text["s"] < text["2"] and text["z"] != text["s"]


def test_o2_is_the_published_build(tmp_path):
    """The default level is untouched by the mapping: examples/fibonacci at -O2 is still
    the ELF whose sha256 the README pins."""
    pinned = re.search(r"zkvm build examples/fibonacci.*?\nsha256 ([0-9a-f]{64})",
                       (REPO / "README.md").read_text(), re.S).group(1)
    r = build(REPO / "examples" / "fibonacci", tmp_path / "fib.elf", "2")
    assert r.sha256 == pinned


@pytest.mark.parametrize("level", ["1", "3", "z"])
def test_each_level_is_reproducible_from_two_directories(tmp_path, level):
    a = tmp_path / "alice" / "work" / "guest"
    b = tmp_path / "b"
    shutil.copytree(GUEST, a)
    shutil.copytree(GUEST, b)
    ra = build(a, tmp_path / "a.elf", level)
    rb = build(b, tmp_path / "out" / "b.elf", level)
    assert (tmp_path / "a.elf").read_bytes() == (tmp_path / "out" / "b.elf").read_bytes()
    assert ra.sha256 == rb.sha256
    assert str(tmp_path).encode() not in (tmp_path / "a.elf").read_bytes()


def test_manifest_records_the_level_and_verify_build_rebuilds_it(tmp_path):
    src = tmp_path / "guest"
    shutil.copytree(GUEST, src)
    out = tmp_path / "app.elf"
    r = api.build(src, out, opt_level="3", image_id_params=None, debug_copy=False)
    m = json.loads(api.manifest_path(out).read_text())
    assert m["opt_level"] == "3"
    assert m["flags"][m["flags"].index("-O3") + 1:][:2] == ["-Xclang", "-O3"]
    v = api.verify_build(api.manifest_path(out), src, check_image_id=False)
    assert v.match, v.report()
    assert r.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()

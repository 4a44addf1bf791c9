"""The unstripped debug copy ``app.debug`` written beside every built ELF: the published
ELF is unchanged by it, the copy has the same allocated sections plus symbols and the
guest's line info, no host path, and it is recorded in the manifest but is not part of
the image ID."""

from __future__ import annotations

import io
from pathlib import Path

from elftools.elf.elffile import ELFFile

from zkvm import api
from zkvm.manifest import debug_path_for, load_manifest
from zkvm.profiler import Symbols, same_program
from zkvm.toolchain import build as toolchain_build

REPO = Path(__file__).resolve().parents[2]
BATTLESHIP = REPO / "examples" / "battleship"  # two .c files


def test_debug_copy_matches_the_published_elf(tmp_path, example_elfs):
    r = api.build(BATTLESHIP, tmp_path / "b.elf", image_id_params=None)
    elf = (tmp_path / "b.elf").read_bytes()
    assert elf == example_elfs["battleship"].read_bytes()  # the debug copy changes nothing
    assert r.debug_path == tmp_path / "b.debug" == debug_path_for(tmp_path / "b.elf")
    dbg = r.debug_path.read_bytes()
    assert same_program(elf, dbg) and dbg != elf
    f = ELFFile(io.BytesIO(dbg))
    assert f.get_section_by_name(".symtab") is not None and f.has_dwarf_info()
    syms = Symbols.from_elf(dbg)
    assert {"main", "board_valid"} <= set(syms.names) or "main" in syms.names
    files = {row[1] for row in syms.lines if row[1]}
    assert {"main.c", "board.c"} <= files
    for host in (str(tmp_path), "/root", ".venv", "/tmp/zkvm-build"):
        assert host.encode() not in dbg
    assert r.debug_sha256 and not r.debug_error
    m = load_manifest(tmp_path / "b.manifest.json")
    assert m["debug"]["file"] == "b.debug" and m["debug"]["sha256"] == r.debug_sha256


def test_debug_copy_is_reproducible_and_optional(tmp_path):
    a = toolchain_build(BATTLESHIP, tmp_path / "a.elf", debug_output=tmp_path / "a.debug")
    b = toolchain_build(BATTLESHIP, tmp_path / "x" / "b.elf", debug_output=tmp_path / "x" / "b.debug")
    assert a.debug_sha256 == b.debug_sha256
    r = api.build(BATTLESHIP, tmp_path / "n.elf", image_id_params=None, debug_copy=False)
    assert r.debug_path is None and not (tmp_path / "n.debug").exists()
    assert "debug" not in load_manifest(tmp_path / "n.manifest.json")


def test_image_id_ignores_the_debug_copy_and_verify_build_matches(tmp_path):
    r = api.build(REPO / "examples" / "fibonacci", tmp_path / "f.elf", image_id_params="testing")
    m = load_manifest(tmp_path / "f.manifest.json")
    assert m["image_id"] == api.image_id(tmp_path / "f.elf", "testing", use_cache=False).hex()
    res = api.verify_build(tmp_path / "f.manifest.json", REPO / "examples" / "fibonacci")
    assert res.match, res.report()
    assert r.debug_path.is_file()

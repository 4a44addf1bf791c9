"""Build manifests and ``zkvm verify-build``: MATCH for the published source, MISMATCH
naming what differs (a source file, the compiler version, flags, ELF sections, the
image ID), clean errors for malformed manifests."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zkvm import api
from zkvm.cli import app
from zkvm.manifest import (
    FORMAT,
    ManifestError,
    compare_layouts,
    elf_layout,
    load_manifest,
    manifest_path_for,
    validate_manifest,
    verify_build,
)
from zkvm.toolchain import ZIG_VERSION, compiler_flags

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"


def invoke(*args):
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.output
    if r.exception is not None:
        assert isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def bob_copy(tmp_path: Path) -> Path:
    """Bob's checkout of the agreed source: another directory layout."""
    d = tmp_path / "b" / "checkout-of-the-battleship-game-source" / "v1"
    shutil.copytree(EX / "battleship", d)
    return d


def test_manifest_pins_everything(alice, example_elfs):
    m = load_manifest(alice["manifest"])
    r = alice["result"]
    assert m["format"] == FORMAT
    assert m["compiler"]["name"] == "zig" and m["compiler"]["version"] == ZIG_VERSION
    assert len(m["compiler"]["package_sha256"]) == 64 and len(m["compiler"]["binary_sha256"]) == 64
    assert m["target"] == "riscv32-linux-musl" and m["opt_level"] == "2" and m["defines"] == []
    assert m["flags"] == [f.replace("@ROOT@", "/zkvm-guest") for f in compiler_flags("2")]
    src = alice["src"]
    assert m["sources"] == [
        {"name": f"src/{n}", "sha256": hashlib.sha256((src / n).read_bytes()).hexdigest()}
        for n in ("battleship.h", "board.c", "main.c")
    ]
    assert [s["name"] for s in m["sdk"]] == ["include/zkvm.h", "include/zkvm_precompiles.h",
                                           "include/zkvm_sha256.h"]
    elf = example_elfs["battleship"].read_bytes()
    assert m["elf"]["sha256"] == r.sha256 == hashlib.sha256(elf).hexdigest()
    assert m["elf"]["file"] == "battleship.elf" and m["elf"]["size"] == len(elf)
    assert {s["name"] for s in m["elf"]["sections"]} >= {".text", ".rodata", ".data", ".bss"}
    assert any(s["type"] == "PT_LOAD" for s in m["elf"]["segments"])
    assert m["image_id_params"] == "default"
    assert m["image_id"] == api.image_id(elf).hex()
    # No host path of Alice's in what she publishes.
    assert str(src.parent) not in alice["manifest"].read_text()


def test_verify_build_match_from_another_layout(tmp_path, alice):
    src = bob_copy(tmp_path)
    (src / "notes.h").write_text("/* Bob's own notes, not part of the agreed source */\n")
    r = invoke("verify-build", alice["manifest"], "--source", src)
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == "MATCH"
    assert "notes.h" in r.stdout and "ignored" in r.stdout
    m = load_manifest(alice["manifest"])
    assert f"image id {m['image_id']}" in r.stdout  # recomputed and equal


def test_verify_build_names_the_changed_file(tmp_path, alice):
    src = bob_copy(tmp_path)
    text = (src / "board.c").read_text()
    (src / "board.c").write_text(text.replace("if (v > NUM_SHIPS) {", "if (v > NUM_SHIPS + 1) {"))
    res = verify_build(alice["manifest"], src, check_image_id=False)
    assert not res.match and res.verdict == "MISMATCH"
    kinds = {d.kind: d.message for d in res.differences}
    assert "src/board.c differs" in kinds["source"]
    assert "main.c" not in kinds["source"]
    assert "section .text" in kinds["elf"]
    r = invoke("verify-build", alice["manifest"], "--source", src, "--no-image-id")
    assert r.exit_code == 1 and r.stdout.strip().endswith("MISMATCH")
    assert "differs (source): src/board.c differs" in r.stdout


def test_verify_build_reports_another_compiler_version(tmp_path, alice):
    m = json.loads(alice["manifest"].read_text())
    m["compiler"]["version"] = "0.16.0"
    path = tmp_path / "old.manifest.json"
    path.write_text(json.dumps(m))
    res = verify_build(path, alice["src"], check_image_id=False)
    assert not res.match
    (tool,) = [d for d in res.differences if d.kind == "toolchain"]
    assert "zig 0.16.0" in tool.message and f"zig {ZIG_VERSION}" in tool.message
    r = invoke("verify-build", path, "--source", alice["src"], "--no-image-id")
    assert r.exit_code == 1 and "compiler version" in r.stdout


def test_verify_build_reports_flags_missing_sources_and_image_id(tmp_path, alice):
    m = json.loads(alice["manifest"].read_text())
    bad_flags = copy.deepcopy(m)
    bad_flags["flags"].append("-funroll-loops")
    res = verify_build(bad_flags | {}, alice["src"], check_image_id=False)
    assert [d.kind for d in res.differences] == ["flags"]
    assert "-funroll-loops" in res.differences[0].message

    src = bob_copy(tmp_path)
    (src / "board.c").unlink()
    res = verify_build(alice["manifest"], src, check_image_id=False)
    assert any(d.kind == "source" and "src/board.c" in d.message and "missing" in d.message
               for d in res.differences)

    other = copy.deepcopy(m)
    other["image_id"] = "00" * 32
    res = verify_build(other, alice["src"])
    assert [d.kind for d in res.differences] == ["image_id"]
    assert "although the ELF is identical" in res.differences[0].message


def test_package_hash_difference_is_only_a_note(alice):
    m = json.loads(alice["manifest"].read_text())
    m["compiler"]["package_sha256"] = "ab" * 32
    m["compiler"]["host"] = "darwin-arm64"
    res = verify_build(m, alice["src"], check_image_id=False)
    assert res.match
    assert any("package_sha256 differs" in n for n in res.notes)


@pytest.mark.parametrize("mutate,needle", [
    (lambda m: m.update(format="other/v9"), "unknown format"),
    (lambda m: m["sources"].append({"name": "src/../../etc/passwd", "sha256": "00" * 32}),
     "unsupported file name"),
    (lambda m: m["sources"].append({"name": "/etc/passwd", "sha256": "00" * 32}), "unsupported file name"),
    (lambda m: m["elf"].update(sha256="xyz"), "elf.sha256"),
    (lambda m: m.pop("flags"), "missing field 'flags'"),
    (lambda m: m.update(defines=[1]), "defines must be strings"),
    (lambda m: m.update(image_id_params="fast"), "image_id_params"),
    (lambda m: m["elf"].update(size=-1), "'size' has the wrong type"),
])
def test_malformed_manifests_are_rejected_clearly(tmp_path, alice, mutate, needle):
    m = json.loads(alice["manifest"].read_text())
    mutate(m)
    with pytest.raises(ManifestError, match=needle.replace("(", r"\(").replace(".", r"\.")):
        validate_manifest(m)
    path = tmp_path / "bad.manifest.json"
    path.write_text(json.dumps(m))
    r = invoke("verify-build", path, "--source", alice["src"])
    assert r.exit_code == 2 and r.stderr.startswith("error: ")


def test_unreadable_manifest(tmp_path):
    (tmp_path / "x.json").write_bytes(b"\xff{not json")
    r = invoke("verify-build", tmp_path / "x.json")
    assert r.exit_code == 2 and "not valid JSON" in r.stderr
    r = invoke("verify-build", tmp_path / "missing.json")
    assert r.exit_code == 2 and "cannot read manifest" in r.stderr


def test_compare_layouts_and_manifest_path(example_elfs):
    elf = example_elfs["fibonacci"].read_bytes()
    a = elf_layout(elf)
    assert compare_layouts(a, a) == []
    b = copy.deepcopy(a)
    text = next(s for s in b["sections"] if s["name"] == ".text")
    text["sha256"] = "00" * 32
    assert compare_layouts(a, b) == ["section .text: contents differ"]
    with pytest.raises(ManifestError, match="cannot parse the ELF"):
        elf_layout(b"\x7fELF" + b"\x00" * 10)
    assert manifest_path_for("out/app.elf") == Path("out/app.manifest.json")
    assert manifest_path_for("out/app") == Path("out/app.manifest.json")


def test_cli_build_writes_manifest(tmp_path):
    src = tmp_path / "g.c"
    src.write_text('#include "zkvm.h"\nint main(void) { zkvm_commit_u32(5); return 0; }\n')
    r = invoke("build", src, "-o", tmp_path / "g.elf", "--no-image-id", "-D", "X=1")
    assert r.exit_code == 0, r.output
    assert f"manifest {tmp_path / 'g.manifest.json'}" in r.stdout
    m = load_manifest(tmp_path / "g.manifest.json")
    assert m["image_id"] is None and m["defines"] == ["X=1"] and "-DX=1" in m["flags"]
    res = verify_build(tmp_path / "g.manifest.json")  # sources default to the manifest's dir
    assert res.match, res.report()
    r = invoke("build", src, "-o", tmp_path / "h.elf", "--no-manifest")
    assert r.exit_code == 0 and not (tmp_path / "h.manifest.json").exists()

"""Rust guests (zkvm.toolchain.rust + the zkvm-guest SDK crate): the pinned toolchain
check, the sealed cargo build (reproducible across directories, environments, users
and cache states), verify-build, and the SDK's features -- heap, collections, u128,
panics, typed I/O, precompiles -- run identically under the zkvm and qemu-riscv32 and
are proven."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from zkvm import api
from zkvm.toolchain import BuildError, ToolchainError, build
from zkvm.toolchain import rust

# The whole module is slow: it builds Rust guests with cargo build-std (~50 s on 2 shared cores);
# `-m "not slow"` skips it, CI runs it.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
GUESTS = Path(__file__).resolve().parent / "guests"
BATTLESHIP_RUST = REPO / "examples" / "battleship-rust"


def _dpkg_or_skip():
    if shutil.which("dpkg-query", path="/usr/bin:/bin") is None:
        pytest.skip("not a Debian system (no dpkg-query)")


def _copy_crate(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("target"))
    return dst


# ----------------------------------------------------------------------------- toolchain
def test_pinned_toolchain_is_checked(rust_elfs):
    assert rust.check_rust() == rust.DEBIAN_PACKAGES
    fp = rust.rust_fingerprint()
    assert fp["name"] == "rust" and fp["version"] == rust.DEBIAN_PACKAGES["rustc-web"]
    assert fp["packages"] == rust.DEBIAN_PACKAGES


def test_install_command_names_every_pinned_package():
    cmd = rust.install_command()
    assert cmd.startswith("apt-get install -y ")
    for pkg, ver in rust.DEBIAN_PACKAGES.items():
        assert f"{pkg}={ver}" in cmd.split()


def test_missing_package_is_one_clear_line(monkeypatch):
    _dpkg_or_skip()
    monkeypatch.setitem(rust.DEBIAN_PACKAGES, "zkvm-no-such-package", "1.0")
    with pytest.raises(ToolchainError) as e:
        rust.check_rust()
    msg = str(e.value)
    assert "\n" not in msg
    assert "not installed (missing: zkvm-no-such-package)" in msg
    assert "apt-get install -y" in msg and "zkvm-no-such-package=1.0" in msg


def test_mismatched_version_is_one_clear_line(monkeypatch, tmp_path):
    _dpkg_or_skip()
    have = rust._installed_versions(["rustc-web"])["rustc-web"]
    if have is None:
        pytest.skip("rustc-web is not installed")
    monkeypatch.setitem(rust.DEBIAN_PACKAGES, "rustc-web", "1.95.0+dfsg1-1")
    with pytest.raises(ToolchainError) as e:
        build(BATTLESHIP_RUST, tmp_path / "x.elf")
    msg = str(e.value)
    assert "\n" not in msg
    assert f"rustc-web {have} (needs 1.95.0+dfsg1-1)" in msg
    assert "apt-get install -y rustc-web=1.95.0+dfsg1-1" in msg


def test_no_dpkg_is_one_clear_line(monkeypatch):
    monkeypatch.setattr(rust.shutil, "which", lambda *a, **k: None)
    with pytest.raises(ToolchainError) as e:
        rust.check_rust()
    assert "\n" not in str(e.value) and "no dpkg-query" in str(e.value)


def test_other_rustc_binary_refused(monkeypatch, rust_elfs):
    monkeypatch.setattr(rust, "RUSTC_COMMIT", "0" * 40)
    monkeypatch.setattr(rust, "_RUSTC_CHECKED", {})
    with pytest.raises(ToolchainError, match="not the pinned 1.96.0 \\(000000000\\)"):
        rust.check_rust()


CLI_WITH_PIN = r"""
import sys
import zkvm.toolchain.rust as r
r.DEBIAN_PACKAGES[sys.argv[1]] = sys.argv[2]
from zkvm.cli import main
sys.argv = ["zkvm", "build", sys.argv[3], "-o", sys.argv[4], "--no-image-id"]
main()
"""


@pytest.mark.parametrize("package,version", [("rustc-web", "1.95.0+dfsg1-1"), ("zkvm-missing-pkg", "2.0")])
def test_cli_toolchain_error_is_one_line(tmp_path, package, version):
    """`zkvm build` with a mismatched or missing toolchain: exit code 1 and one
    `error:` line naming the install command -- no cargo output, no traceback."""
    _dpkg_or_skip()
    proc = subprocess.run([sys.executable, "-c", CLI_WITH_PIN, package, version, str(BATTLESHIP_RUST),
                           str(tmp_path / "b.elf")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "apt-get install -y" in lines[0]
    assert f"{package}={version}" in lines[0]
    assert not (tmp_path / "b.elf").exists()


# ----------------------------------------------------------------------------- the build
def test_build_records_manifest_fields(rust_elfs, tmp_path):
    crate = _copy_crate(BATTLESHIP_RUST, tmp_path / "bs")
    r = api.build(crate, tmp_path / "out" / "bs.elf", image_id_params=None)
    assert r.compiler == "rust" and r.opt_level == "2"
    assert (tmp_path / "out" / "bs.elf").read_bytes() == rust_elfs["battleship-rust"].read_bytes()
    m = json.loads((tmp_path / "out" / "bs.manifest.json").read_text())
    assert m["compiler"]["name"] == "rust" and m["compiler"]["packages"] == rust.DEBIAN_PACKAGES
    assert m["target"] == "riscv32im-unknown-none-elf"
    assert [s["name"] for s in m["sources"]] == ["src/Cargo.lock", "src/Cargo.toml", "src/src/board.rs",
                                                 "src/src/main.rs"]
    assert {s["name"] for s in m["sdk"]} >= {"sdk/zkvm-guest/Cargo.toml", "sdk/zkvm-guest/src/lib.rs"}
    assert m["flags"] == rust.rust_flags("2")
    for f in ("--locked", "--offline", "profile.release.codegen-units=1", 'profile.release.panic="abort"'):
        assert f in m["flags"]
    assert str(tmp_path) not in json.dumps(m["flags"])


def test_elf_has_no_host_paths(rust_elfs):
    elf = rust_elfs["rust-panic"].read_bytes()
    for s in ("/usr/src", "/usr/lib/rustlib", str(Path.home()), "/tmp/", str(rust.rust_cache_dir()),
              str(REPO)):
        assert s.encode() not in elf, s
    # core's own panic locations are remapped like official Rust releases do
    assert f"/rustc/{rust.RUSTC_COMMIT}/library/".encode() in elf


def test_missing_lock_is_written_and_locked(rust_elfs, tmp_path):
    crate = _copy_crate(BATTLESHIP_RUST, tmp_path / "bs")
    (crate / "Cargo.lock").unlink()
    r = build(crate, tmp_path / "a.elf")
    assert (crate / "Cargo.lock").read_bytes() == (BATTLESHIP_RUST / "Cargo.lock").read_bytes()
    assert "wrote" in r.warnings and "Cargo.lock" in r.warnings
    assert (tmp_path / "a.elf").read_bytes() == rust_elfs["battleship-rust"].read_bytes()
    # --locked: a lock that does not match Cargo.toml is an error, not silently updated
    (crate / "Cargo.lock").write_text((crate / "Cargo.lock").read_text().replace('"zkvm-guest",\n', ""))
    with pytest.raises(BuildError, match="lock file"):
        build(crate, tmp_path / "b.elf")


def test_build_errors(rust_elfs, tmp_path):
    crate = _copy_crate(GUESTS / "rust-panic", tmp_path / "p")
    with pytest.raises(ValueError, match="defines are not supported for Rust"):
        build(crate, tmp_path / "x.elf", extra_defines=["A=1"])
    with pytest.raises(BuildError, match="is a Rust crate"):
        build(crate, tmp_path / "x.elf", compiler="zig")
    # a compile error: cargo's diagnostics with the crate-relative path
    main = crate / "src" / "main.rs"
    main.write_text(main.read_text().replace("fn main() {", "fn main() { let x: u32 = \"no\";"))
    with pytest.raises(BuildError) as e:
        build(crate, tmp_path / "x.elf")
    assert "mismatched types" in e.value.stderr and "src/main.rs" in e.value.stderr
    assert str(tmp_path) not in e.value.stderr
    # two binaries
    crate2 = _copy_crate(GUESTS / "rust-panic", tmp_path / "two")
    (crate2 / "src" / "bin").mkdir()
    shutil.copy(crate2 / "src" / "main.rs", crate2 / "src" / "bin" / "other.rs")
    with pytest.raises(BuildError, match="exactly one binary target"):
        build(crate2, tmp_path / "x.elf")
    # odd file names are refused, dot files ignored
    (crate2 / "src" / "bin" / "other.rs").unlink()
    (crate2 / "src" / ".main.rs.swp").write_text("junk")
    (crate2 / "src" / "bad name.rs").write_text("")
    with pytest.raises(BuildError, match="unsupported file name 'bad name.rs'"):
        build(crate2, tmp_path / "x.elf")
    (crate2 / "src" / "bad name.rs").unlink()
    build(crate2, tmp_path / "ok.elf")
    assert (tmp_path / "ok.elf").read_bytes() == rust_elfs["rust-panic"].read_bytes()


def test_foreign_cargo_config_refused(rust_elfs, tmp_path, monkeypatch):
    """Cargo reads .cargo/config.toml in every parent of its working directory; a build
    whose temporary directory has one above it refuses to run."""
    top = tmp_path / "evil"
    (top / ".cargo").mkdir(parents=True)
    (top / ".cargo" / "config.toml").write_text('[build]\nrustflags = ["-Copt-level=0"]\n')
    monkeypatch.setenv("TMPDIR", str(top))
    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(BuildError, match="refusing to build: cargo would read .*evil/.cargo/config.toml"):
        build(GUESTS / "rust-panic", tmp_path / "x.elf")


def test_cached_build_digest_tracks_inputs(rust_elfs, tmp_path):
    crate = _copy_crate(GUESTS / "rust-panic", tmp_path / "p")
    d1 = rust.rust_source_digest(crate)
    assert rust.rust_source_digest(crate, "s") != d1
    (crate / "src" / "main.rs").write_text((crate / "src" / "main.rs").read_text() + "\n// x\n")
    assert rust.rust_source_digest(crate) != d1


# ----------------------------------------------------------------------------- reproducibility
_NOBODY_HELPER = REPO / "tests" / "repro" / "test_sealed_build.py"

HOSTILE_BUILD = r"""
import sys
from zkvm.cli import app
rc = app(["build", sys.argv[1], "-o", sys.argv[2], "--no-image-id"], standalone_mode=False)
sys.exit(rc or 0)
"""


@pytest.mark.slow
def test_reproducible_other_directory_environment_user_and_cold_cache(rust_elfs, tmp_path):
    """examples/battleship-rust built in another process, in a deep directory, with a
    hostile environment (Rust and cargo variables, HOME with a cargo config, TMPDIR, TZ,
    locale, umask 077), with an empty sysroot cache (core/alloc recompiled from source) and,
    when the tests run as root, as user ``nobody``: the same ELF bytes (hence image ID)."""
    base = Path(tempfile.mkdtemp(prefix="zkvm-rust-repro-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        user, python = None, sys.executable
        if os.geteuid() == 0:
            spec = importlib.util.spec_from_file_location("zkvm_repro_helpers", _NOBODY_HELPER)
            helpers = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(helpers)
            py, _why = helpers._interpreter_for_nobody(base)
            if py is not None:
                user, python = "nobody", py
        src = base / ("long-directory-name-" * 4) / "alice" / "games" / "battleship-rust"
        _copy_crate(BATTLESHIP_RUST, src)
        home = base / "home"
        (home / ".cargo").mkdir(parents=True)
        (home / ".cargo" / "config.toml").write_text('[build]\nrustflags = ["-Copt-level=0"]\n')
        tmpdir = base / ("t" * 100)
        tmpdir.mkdir()
        out = base / "out"
        out.mkdir()
        cache = base / "rust-cache"
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "ZKVM_RUST_CACHE_DIR": str(cache),  # cold: the sysroot is rebuilt
            "NUMBA_CACHE_DIR": str(base / "numba"),
            "TMPDIR": str(tmpdir),
            "TZ": "Pacific/Kiritimati", "LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8",
            "SOURCE_DATE_EPOCH": "1700000000", "USER": "mallory",
            "RUSTFLAGS": "-Copt-level=0 -Cdebuginfo=2", "CARGO_ENCODED_RUSTFLAGS": "-Copt-level=1",
            "CARGO_HOME": str(home / ".cargo"), "CARGO_TARGET_DIR": str(base / "tgt"),
            "CARGO_BUILD_RUSTFLAGS": "-Copt-level=0", "CARGO_PROFILE_RELEASE_OPT_LEVEL": "0",
            "CARGO_PROFILE_RELEASE_LTO": "fat", "RUSTC_WRAPPER": "/bin/false", "RUSTC": "/bin/false",
            "RUSTC_BOOTSTRAP": "1", "CARGO_INCREMENTAL": "1", "RUSTDOCFLAGS": "-Z",
        }
        if user is not None:
            import pwd

            nobody = pwd.getpwnam("nobody")
            for p in [base, *base.rglob("*")]:
                os.lchown(p, nobody.pw_uid, nobody.pw_gid)
        cmd = [python, "-c", HOSTILE_BUILD, str(src), str(out / "bs.elf")]
        if user is not None:
            cmd = ["setpriv", "--reuid=nobody", f"--regid={pwd.getpwnam('nobody').pw_gid}", "--clear-groups", *cmd]
        old = os.umask(0o077)
        try:
            proc = subprocess.run(cmd, env=env, cwd=base, capture_output=True, text=True, timeout=1800)
        finally:
            os.umask(old)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        got = (out / "bs.elf").read_bytes()
        assert got == rust_elfs["battleship-rust"].read_bytes()
        assert any(cache.glob("sysroot-2-*/.complete"))  # really rebuilt from source here
        m = json.loads((out / "bs.manifest.json").read_text())
        assert m["elf"]["sha256"] == hashlib.sha256(got).hexdigest() and m["image_id"] is None
        if user is not None:
            assert (out / "bs.elf").stat().st_uid == pwd.getpwnam("nobody").pw_uid
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_verify_build_match_then_mismatch(rust_elfs, tmp_path):
    """Alice publishes the manifest; Bob rebuilds from his own copy: MATCH. After a
    one-line change in src/board.rs: MISMATCH naming the file and the ELF sections."""
    alice = _copy_crate(BATTLESHIP_RUST, tmp_path / "alice" / "battleship-rust")
    api.build(alice, tmp_path / "pub" / "bs.elf", image_id_params="testing")
    manifest = tmp_path / "pub" / "bs.manifest.json"
    bob = _copy_crate(BATTLESHIP_RUST, tmp_path / "bob" / "src" / "zk")
    res = api.verify_build(manifest, bob)
    assert res.match, res.report()
    assert res.rebuilt_image_id == api.image_id(rust_elfs["battleship-rust"], "testing").hex()

    board = bob / "src" / "board.rs"
    text = board.read_text()
    assert "if v > NUM_SHIPS {" in text
    board.write_text(text.replace("if v > NUM_SHIPS {", "if v > NUM_SHIPS + 1 {"))
    res = api.verify_build(manifest, bob, check_image_id=False)
    assert not res.match
    kinds = {d.kind: d.message for d in res.differences}
    assert "src/src/board.rs differs" in kinds["source"]
    assert "section .text" in kinds["elf"]
    assert "MISMATCH" in res.report()

    # a manifest made with other Rust packages is reported as a toolchain difference
    m = json.loads(manifest.read_text())
    m["compiler"]["packages"]["lld-14"] = "1:15.0.0-1"
    res = api.verify_build(m, alice, check_image_id=False)
    assert any(d.kind == "toolchain" and "lld-14" in d.message for d in res.differences)


def test_cli_verify_build_rust(rust_elfs, tmp_path):
    crate = _copy_crate(BATTLESHIP_RUST, tmp_path / "c")
    zkvm = Path(sys.executable).with_name("zkvm")
    proc = subprocess.run([str(zkvm), "build", str(crate), "-o", str(tmp_path / "b.elf"), "--no-image-id"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^sha256 [0-9a-f]{64}$", proc.stdout, re.M)
    proc = subprocess.run([str(zkvm), "verify-build", str(tmp_path / "b.manifest.json"), "--source", str(crate)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("MATCH"), proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- SDK features
def _collections_expected(n: int) -> dict:
    total = sum(i * (2**64 - 1) for i in range(1, n + 1)) % 2**128
    prod = 1
    for i in range(1, n + 1):
        prod = (prod * (i * 0x9E3779B97F4A7C15)) % 2**64
    words = {f"w{(i * 7) % 11}" for i in range(n)}
    v = sorted({(i * ((2_654_435_761 * (i + 1)) % 2**32)) % 2**32 % 97 for i in range(n)})
    boxes = [[i] * (i % 13 + 1) for i in range(n)]
    boxes = [b for idx, b in enumerate(boxes) if (idx + 1) % 3 != 0]
    check = 0
    for b in boxes:
        for x in b:
            check = (check * 31 + x) % 2**32
    check = (check + sum(k % 256 for k in range(n * 100))) % 2**32
    return {"sum": total, "prod": prod, "words": len(words), "v": bytes(v), "check": check}


def _decode(journal: bytes, fmt: list[str]) -> list:
    """Decode the typed encoding (the spec shared with zkvm.api.Journal)."""
    out, pos = [], 0
    sizes = {"u8": 1, "i8": 1, "bool": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4, "u64": 8, "i64": 8,
             "u128": 16, "i128": 16}
    for f in fmt:
        if f in ("bytes", "str"):
            n = int.from_bytes(journal[pos:pos + 4], "little")
            raw = journal[pos + 4:pos + 4 + n]
            assert len(raw) == n
            out.append(raw.decode() if f == "str" else raw)
            pos += 4 + n
        elif f.startswith("["):
            n = int(f[1:-1])
            out.append(journal[pos:pos + n])
            pos += n
        else:
            size = sizes[f]
            v = int.from_bytes(journal[pos:pos + size], "little", signed=f.startswith("i"))
            out.append(bool(v) if f == "bool" else v)
            pos += size
    assert pos == len(journal), f"{len(journal) - pos} trailing bytes"
    return out


@pytest.mark.qemu
@pytest.mark.parametrize("n", [0, 1, 20])
def test_collections_u128_heap_same_as_qemu(rust_elfs, same_as_qemu, n):
    """Vec, BTreeMap, String formatting, trait objects, u128 arithmetic and heap reuse
    (free lists, realloc in place, alloc_zeroed): same exit code, stdout and journal
    under the zkvm and qemu-riscv32, and the values Python computes."""
    code, stdout, _err, journal = same_as_qemu(rust_elfs["rust-collections"], struct.pack("<I", n))
    assert code == 0
    exp = _collections_expected(n)
    total, prod, words, summary, v, check = _decode(journal, ["u128", "u64", "u32", "str", "bytes", "u32"])
    assert (total, prod, words, v, check) == (exp["sum"], exp["prod"], exp["words"], exp["v"], exp["check"])
    assert summary.startswith(f"n={n} sum={exp['sum']} prod={exp['prod']:#x} words={{")
    assert stdout.decode() == f"{summary}\nheap check {check:08x}\n"


@pytest.mark.slow
def test_collections_proves(rust_elfs, prove_verify):
    elf = rust_elfs["rust-collections"]
    code, journal = prove_verify(elf, struct.pack("<I", 12))
    assert code == 0 and journal == api.run(elf, struct.pack("<I", 12)).journal


@pytest.mark.qemu
@pytest.mark.parametrize("mode,code,message", [
    (0, 0, None),
    (1, 101, "guest panicked at src/main.rs:17:14:\nguest gave up: mode 1 of 4\n"),
    (2, 101, "guest panicked at src/main.rs:21:29:\nindex out of bounds: the len is 3 but the index is 7\n"),
    (3, 101, "memory allocation of 1073741824 bytes failed\n"),
    (4, 7, None),
])
def test_panic_handler_and_exit_codes(rust_elfs, same_as_qemu, mode, code, message):
    got, _out, err, journal = same_as_qemu(rust_elfs["rust-panic"], bytes([mode]))
    assert got == code
    assert journal == bytes([mode])  # committed before the panic: kept
    if message is not None:
        assert err.decode().endswith(message)


@pytest.mark.slow
def test_panic_exit_code_proves(rust_elfs, prove_verify):
    """A panicking guest proves its panic exit code (EXIT_PANIC = 101)."""
    code, journal = prove_verify(rust_elfs["rust-panic"], bytes([1]))
    assert (code, journal) == (101, b"\x01")


def _typed_input(text: str = "héllo ✓", flag: int = 1) -> bytes:
    d = struct.pack("<BbBHhIiQq", 200, -5, flag, 65000, -300, 4_000_000_000, -7, 2**64 - 3, -2**40)
    d += (2**128 - 5).to_bytes(16, "little") + (-(2**100)).to_bytes(16, "little", signed=True)
    raw, s = bytes(range(7)), text.encode()
    return d + struct.pack("<I", len(raw)) + raw + struct.pack("<I", len(s)) + s + b"ABCD"


TYPED = ["u8", "i8", "bool", "u16", "i16", "u32", "i32", "u64", "i64", "u128", "i128", "bytes", "str", "[4]"]


@pytest.mark.qemu
def test_typed_io_round_trip(rust_elfs, same_as_qemu):
    data = _typed_input()
    code, _o, _e, journal = same_as_qemu(rust_elfs["rust-typed-io"], data)
    assert code == 0
    assert journal[:len(data)] == data  # the encoding is the same both ways
    vals = _decode(journal, TYPED + ["u32", "bool", "i32"])
    assert vals == [200, -5, True, 65000, -300, 4_000_000_000, -7, 2**64 - 3, -2**40, 2**128 - 5, -(2**100),
                    bytes(range(7)), "héllo ✓", b"ABCD", 7, True, -8]


@pytest.mark.qemu
def test_typed_io_errors(rust_elfs, same_as_qemu):
    elf = rust_elfs["rust-typed-io"]
    code, _o, err, journal = same_as_qemu(elf, _typed_input(flag=2))
    assert (code, journal) == (253, b"") and b"invalid bool" in err
    bad_utf8 = _typed_input("ab").replace(b"\x02\x00\x00\x00ab", b"\x02\x00\x00\x00\xff\xfe")
    code, _o, err, _j = same_as_qemu(elf, bad_utf8)
    assert code == 253 and b"invalid UTF-8" in err
    code, _o, err, _j = same_as_qemu(elf, _typed_input()[:30])
    assert code == 250 and err == b"zkvm: private input too short\n"
    # a 4 GiB length prefix in a short input: exits 250 without allocating it
    fixed = 63 + 4 + 7  # the integers, then the 7-byte bytes value: the str length is next
    huge = _typed_input()[:fixed] + b"\xff\xff\xff\xff" + b"x" * 10
    code, _o, err, _j = same_as_qemu(elf, huge)
    assert code == 250


def _keccak256(data: bytes) -> bytes:
    from zkvm.precompiles.keccak.exec import keccak_f1600

    msg = bytearray(data) + b"\x01"
    msg += bytes(-len(msg) % 136)
    msg[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(msg), 136):
        for i in range(17):
            st[i] ^= int.from_bytes(msg[off + 8 * i:off + 8 * i + 8], "little")
        st = keccak_f1600(st)
    return b"".join(v.to_bytes(8, "little") for v in st[:4])


@pytest.mark.qemu
@pytest.mark.parametrize("size", [0, 1, 55, 64, 135, 136, 1000])
def test_precompile_wrappers(rust_elfs, same_as_qemu, size):
    """sha256/keccak256 (one-shot and streaming from unaligned, odd-sized chunks) and the
    raw primitives: the zkvm's precompiles and qemu's fallback give the same journal,
    equal to Python's hashes."""
    assert _keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    data = bytes((i * 37 + 11) % 256 for i in range(size))
    code, _o, _e, journal = same_as_qemu(rust_elfs["rust-precompiles"], data)
    assert code == 0
    sha, kec = hashlib.sha256(data).digest(), _keccak256(data)
    assert journal == sha + kec + sha + kec + hashlib.sha256(b"").digest() + (0xF1258F7940E1DDE7).to_bytes(8, "little")
    r = api.run(rust_elfs["rust-precompiles"], data)
    assert r.precompile_calls["sha256_compress"] > 0 and r.precompile_calls["keccak_f1600"] > 0


@pytest.mark.slow
def test_precompile_wrappers_prove(rust_elfs, prove_verify):
    code, journal = prove_verify(rust_elfs["rust-precompiles"], b"zkvm")
    assert code == 0 and journal[:32] == hashlib.sha256(b"zkvm").digest()


def test_sdk_exit_codes_match_the_c_sdk():
    """EXIT_INPUT_SHORT / _ERROR / COMMIT_ERROR are the same numbers in both SDKs."""
    from zkvm.toolchain import sdk_include_dir

    header = (sdk_include_dir() / "zkvm.h").read_text()
    lib = (rust.rust_sdk_dir() / "src" / "lib.rs").read_text()
    for name in ("INPUT_SHORT", "INPUT_ERROR", "COMMIT_ERROR"):
        c = int(re.search(rf"#define ZKVM_EXIT_{name} (\d+)", header).group(1))
        r = int(re.search(rf"pub const EXIT_{name}: i32 = (\d+);", lib).group(1))
        assert c == r, name
    assert "pub const EXIT_PANIC: i32 = 101;" in lib


def test_manifest_names_for_rust_crates_are_checked(rust_elfs, tmp_path):
    """Nested source names are allowed for crates, but never a path that leaves the
    source directory, a hidden component or an absurd depth."""
    from zkvm.manifest import ManifestError, validate_manifest

    crate = _copy_crate(BATTLESHIP_RUST, tmp_path / "c")
    api.build(crate, tmp_path / "b.elf", image_id_params=None)
    m = json.loads((tmp_path / "b.manifest.json").read_text())
    validate_manifest(m)
    for bad in ("src/../etc/passwd", "src/src/../../x", "src/.cargo/config.toml", "src//main.rs", "/src/x",
                "src/" + "d/" * 20 + "x.rs", "src/src/ma in.rs"):
        m2 = json.loads(json.dumps(m))
        m2["sources"][0]["name"] = bad
        with pytest.raises(ManifestError, match="unsupported file name"):
            validate_manifest(m2)
    m2 = json.loads(json.dumps(m))
    m2["sdk"][0]["name"] = "sdk/../../../etc/shadow"
    with pytest.raises(ManifestError, match="unsupported file name"):
        validate_manifest(m2)
    m2 = json.loads(json.dumps(m))
    m2["sources"] = [s for s in m2["sources"] if s["name"] != "src/Cargo.toml"]
    with pytest.raises(ManifestError, match="no source file"):
        validate_manifest(m2)
    # a missing crate file is a MISMATCH naming it, not an exception
    (crate / "src" / "board.rs").unlink()
    res = api.verify_build(tmp_path / "b.manifest.json", crate, check_image_id=False)
    assert not res.match and any("src/src/board.rs is in the manifest but missing" in d.message
                                 for d in res.differences)

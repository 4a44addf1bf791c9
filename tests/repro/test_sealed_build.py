"""The sealed build does not depend on the caller: every example, built by another
process with a hostile environment (other directories with other path lengths, TZ,
LANG/LC_ALL, umask, SOURCE_DATE_EPOCH, compiler variables, TMPDIR, shuffled file order)
and by another user, gives byte-identical ELFs and the same image ID."""

from __future__ import annotations

import json
import os
import pwd
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from zkvm import api
from zkvm.toolchain import build as toolchain_build
from zkvm.toolchain.build import _host_paths, ziglang_dir, zig_global_cache_dir

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"
EXAMPLES = ("fibonacci", "sha256", "battleship")

# Builds every example named on the command line (NAME=SRCDIR=OUT, .c files passed one by
# one in the given order) with the zkvm CLI, in this process's environment.
BUILD_SCRIPT = r"""
import sys
from pathlib import Path
from zkvm.cli import app
for spec in sys.argv[1:]:
    name, src, out, image = spec.split("=")
    files = [str(Path(src) / f) for f in name.split(",")]
    args = ["build", *files, "-o", out] + ([] if image == "1" else ["--no-image-id"])
    rc = app(args, standalone_mode=False)
    if rc:
        sys.exit(f"zkvm {' '.join(args)}: exit code {rc}")
"""


def _copy_shuffled(src: Path, dst: Path, rng: random.Random) -> list[str]:
    """Copy the example's sources, creating the files in a random order (so directory
    order differs), and return its .c file names in another random order."""
    dst.mkdir(parents=True)
    files = [p for p in src.iterdir() if p.suffix in (".c", ".h")]
    rng.shuffle(files)
    for p in files:
        (dst / p.name).write_bytes(p.read_bytes())
    cs = [p.name for p in files if p.suffix == ".c"]
    rng.shuffle(cs)
    return cs


def _run_builds(env: dict, specs: list[str], user: str | None = None, cwd: Path | None = None,
                python: str = sys.executable):
    cmd = [python, "-c", BUILD_SCRIPT, *specs]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}", "--clear-groups", *cmd]
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.mark.slow
def test_hostile_environment_and_layout(tmp_path, example_elfs):
    """A second build in another process under every perturbation at once."""
    rng = random.Random(6)
    long_dir = tmp_path / ("very-long-directory-name-" * 4) / "nested" / "deeper" / "still"
    long_tmp = tmp_path / ("t" * 120)
    long_tmp.mkdir()
    specs = []
    for i, name in enumerate(EXAMPLES):
        src = long_dir / f"{name}-copy"
        cs = _copy_shuffled(EX / name, src, rng)
        image = "1" if name == "battleship" else "0"  # one image ID (loads the circuits)
        specs.append(f"{','.join(cs)}={src}={tmp_path / 'out' / (name + '.elf')}={image}")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home-of-someone-else"),
        "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(REPO / ".zkvm-cache" / "numba")),
        "ZKVM_ZIG_CACHE_DIR": str(zig_global_cache_dir()),  # reuse the compiled musl
        "TZ": "Pacific/Kiritimati",
        "LANG": "tr_TR.UTF-8",  # a locale whose case mapping and collation are unusual
        "LC_ALL": "tr_TR.UTF-8",
        "LC_COLLATE": "tr_TR.UTF-8",
        "SOURCE_DATE_EPOCH": "1700000000",
        "TMPDIR": str(long_tmp),
        "CFLAGS": "-O0 -g", "CPPFLAGS": "-DNDEBUG=0", "LDFLAGS": "-Wl,--build-id=sha1",
        "CPATH": str(tmp_path), "C_INCLUDE_PATH": str(tmp_path), "LIBRARY_PATH": str(tmp_path),
        "CCC_OVERRIDE_OPTIONS": "+-DVALUE=999", "ZIG_LOCAL_CACHE_DIR": str(tmp_path / "zlc"),
        "ZIG_LIB_DIR": str(tmp_path), "PYTHONHASHSEED": "12345", "USER": "mallory",
        "LOGNAME": "mallory",
    }
    # umask 077 in the caller (applies to the child and everything it creates).
    old = os.umask(0o077)
    try:
        _run_builds(env, specs, cwd=tmp_path)
    finally:
        os.umask(old)
    for name in EXAMPLES:
        got = (tmp_path / "out" / f"{name}.elf").read_bytes()
        assert got == example_elfs[name].read_bytes(), name
        assert str(tmp_path).encode() not in got
    m = json.loads((tmp_path / "out" / "battleship.manifest.json").read_text())
    assert m["image_id"] == api.image_id(example_elfs["battleship"]).hex()
    # The manifests name the same sources in the same (byte) order, whatever the order
    # the files were created or listed in.
    names = [s["name"] for s in m["sources"]]
    assert names == ["src/battleship.h", "src/board.c", "src/main.c"]


_PROBE = "import subprocess, sys; subprocess.run([sys.executable, '-I', '-c', 'import ziglang, zkvm.toolchain'], check=True)"


def _as_nobody(python: str, code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", "--reuid=nobody", f"--regid={pwd.getpwnam('nobody').pw_gid}",
                           "--clear-groups", python, "-c", code],
                          capture_output=True, text=True, cwd="/", env=env, timeout=120)


def _interpreter_for_nobody(base: Path) -> tuple[str | None, str]:
    """A Python that user ``nobody`` can run (and re-run from inside, as the build does)
    with this zkvm and ziglang importable: this venv's own interpreter if nobody may
    execute it, else a throwaway venv over the system Python of the same version whose
    ``.pth`` file points at this venv's site-packages (e.g. when the venv's base
    interpreter lives under root's private home). ``(None, why)`` if neither works."""
    if os.geteuid() != 0:
        return None, "needs root to switch to another user"
    if shutil.which("setpriv") is None:
        return None, "setpriv (util-linux) is not installed"
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return None, "no user 'nobody'"
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    if _as_nobody(sys.executable, _PROBE, env).returncode == 0:
        return sys.executable, ""
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(ver, path="/usr/bin:/usr/local/bin")
    if system is None:
        return None, f"nobody cannot execute {sys.executable} and there is no system {ver}"
    venv = base / "venv"
    subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    import site
    import zkvm

    paths = [*site.getsitepackages(), str(Path(zkvm.__file__).resolve().parents[1])]
    (venv / "lib" / ver / "site-packages" / "zkvm-dev.pth").write_text("\n".join(paths) + "\n")
    python = str(venv / "bin" / "python")
    probe = _as_nobody(python, _PROBE, env)
    if probe.returncode != 0:
        return None, f"user nobody cannot run the toolchain: {probe.stderr.strip()[-300:]}"
    return python, ""


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_another_user(example_elfs):
    """Every example built as user ``nobody`` (own HOME, own copy of the zig cache, own
    directories) is byte-identical to the one built by this user."""
    base = Path(tempfile.mkdtemp(prefix="zkvm-repro-user-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        python, why = _interpreter_for_nobody(base)
        if python is None:
            pytest.skip(why)
        cache = base / "zig-cache"
        shutil.copytree(zig_global_cache_dir(), cache, symlinks=True)
        specs = []
        for name in EXAMPLES:
            src = base / "n" / name
            shutil.copytree(EX / name, src)
            cs = sorted(p.name for p in src.glob("*.c"))
            specs.append(f"{','.join(cs)}={src}={base / 'out' / (name + '.elf')}=0")
        (base / "out").mkdir()
        nobody = pwd.getpwnam("nobody")
        for p in [cache, *cache.rglob("*"), base / "n", *(base / "n").rglob("*"), base / "out"]:
            os.lchown(p, nobody.pw_uid, nobody.pw_gid)
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "ZKVM_ZIG_CACHE_DIR": str(cache),
               "LANG": "C.UTF-8", "TZ": "America/St_Johns", "USER": "nobody"}
        _run_builds(env, specs, user="nobody", cwd=base, python=python)
        for name in EXAMPLES:
            out = base / "out" / f"{name}.elf"
            assert out.stat().st_uid == nobody.pw_uid  # really built by nobody
            assert out.read_bytes() == example_elfs[name].read_bytes(), name
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_order_of_arguments_and_creation(tmp_path, example_elfs):
    """In process: the same files listed in reverse order, from a directory whose files
    were created in reverse order, give the same ELF."""
    src = tmp_path / "b"
    src.mkdir()
    for p in sorted((EX / "battleship").iterdir(), reverse=True):
        if p.suffix in (".c", ".h"):
            (src / p.name).write_bytes(p.read_bytes())
    r = toolchain_build([src / "main.c", src / "board.c"], tmp_path / "x.elf")
    assert (tmp_path / "x.elf").read_bytes() == example_elfs["battleship"].read_bytes()
    assert [n for n, _ in r.inputs if n.endswith(".c")] == ["src/board.c", "src/main.c"]


def test_hermetic_check_covers_the_zig_installation_and_cache():
    """check_hermetic is given the temp dir, zig's installation and zig's cache paths
    (musl's debug info would otherwise record the installation path)."""
    paths = _host_paths(Path("/tmp/zkvm-build-x"))
    assert "/tmp/zkvm-build-x" in paths
    assert str(zig_global_cache_dir()) in paths
    assert ziglang_dir() is not None and str(ziglang_dir()) in paths


def test_build_result_records_the_exact_inputs(tmp_path):
    """``inputs`` hash exactly the bytes the compiler saw, with canonical names."""
    src = tmp_path / "g.c"
    src.write_bytes(b'#include "zkvm.h"\nint main(void) { zkvm_commit_u32(7); return 0; }\n')
    r = toolchain_build([src], tmp_path / "g.elf")
    import hashlib

    table = dict(r.inputs)
    assert table["src/g.c"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert {"include/zkvm.h", "include/zkvm_sha256.h"} <= set(table)
    assert r.compiler == "zig" and r.compiler_version == "0.17.0" and r.opt_level == "2"
    assert "-I" in r.command[:3]  # isolated python for the compiler process
    assert all("@ROOT@" not in f for f in r.flags) and "-ffile-prefix-map=/zkvm-guest=/zkvm-guest" in r.flags


def test_no_debug_info_symbols_or_build_id(example_elfs):
    """Nothing host- or time-dependent can hide in the ELF: no debug sections, no symbol
    tables, no build-ID note (and the loaded segments hold only code and data)."""
    from zkvm.manifest import elf_layout

    for name, path in example_elfs.items():
        lay = elf_layout(path.read_bytes())
        names = {s["name"] for s in lay["sections"]}
        assert not any(n.startswith((".debug", ".zdebug")) for n in names), (name, names)
        assert not names & {".symtab", ".strtab", ".note.gnu.build-id"}, (name, names)
        assert not any(s["type"] == "PT_NOTE" for s in lay["segments"]), name

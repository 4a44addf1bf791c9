"""examples/sha256-precompile and examples/keccak256: results, precompile accounting, the
plain C build (-DZKVM_NO_PRECOMPILES) giving the same journal, and qemu-riscv32 (where the
precompile numbers are unknown and the SDK falls back to plain C)."""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from zkvm import api
from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"
CACHE = REPO / ".zkvm-cache" / "elf"


def _keccak_f(lanes):
    from zkvm.precompiles.keccak.exec import keccak_f1600

    return keccak_f1600(lanes)


def keccak256(data: bytes) -> bytes:
    """Ethereum Keccak-256 (checked against hashlib's SHA3 in tests/precompiles/test_precompile_exec.py)."""
    msg = bytearray(data) + b"\x01"
    msg += bytes(-len(msg) % 136)
    msg[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(msg), 136):
        for i in range(17):
            st[i] ^= int.from_bytes(msg[off + 8 * i : off + 8 * i + 8], "little")
        st = _keccak_f(st)
    return b"".join(v.to_bytes(8, "little") for v in st)[:32]


@pytest.fixture(scope="module")
def elfs():
    out = {}
    for name in ("sha256-precompile", "keccak256"):
        out[name] = cached_build(EX / name, CACHE, name=name)
        out[name + "/plain"] = cached_build(EX / name, CACHE, name=name + "-plain",
                                            extra_defines=["ZKVM_NO_PRECOMPILES"])
    return out


def run(elf, data):
    return api.run(elf, data, max_cycles=200_000_000)


def keccak_journal(msg: bytes) -> bytes:
    prefix = b"\x19Ethereum Signed Message:\n" + str(len(msg)).encode()
    return keccak256(msg) + keccak256(prefix + msg)


def test_keccak256_known_answer():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


SHA_LENS = (0, 1, 55, 56, 63, 64, 65, 200, 4095, 4096, 4097, 9000)


@pytest.mark.parametrize("n", SHA_LENS)
def test_sha256_precompile_example(elfs, n):
    data = random.Random(n).randbytes(n)
    r = run(elfs["sha256-precompile"], data)
    assert r.exit_code == 0
    assert r.journal == hashlib.sha256(data).digest()
    assert r.stdout == (hashlib.sha256(data).hexdigest() + "\n").encode()
    blocks = (n + 9 + 63) // 64
    assert r.precompile_calls == {"sha256_compress": blocks}
    p = run(elfs["sha256-precompile/plain"], data)
    assert (p.exit_code, p.journal, p.stdout) == (r.exit_code, r.journal, r.stdout)
    assert p.precompile_calls == {}
    if n >= 4096:  # marginal cost over the empty input (start-up and printf dominate it)
        r0, p0 = run(elfs["sha256-precompile"], b""), run(elfs["sha256-precompile/plain"], b"")
        assert p.cycles - p0.cycles > 50 * (r.cycles - r0.cycles)


def test_sha256_precompile_sample_inputs(elfs):
    for name in ("input.txt", "input-long.txt"):
        data = (EX / "sha256-precompile" / name).read_bytes()
        assert run(elfs["sha256-precompile"], data).journal == hashlib.sha256(data).digest()


@pytest.mark.parametrize("n", (0, 3, 135, 136, 137, 272, 1000))
def test_keccak256_example(elfs, n):
    msg = random.Random(n).randbytes(n)
    r = run(elfs["keccak256"], msg)
    assert r.exit_code == 0
    want = keccak_journal(msg)
    assert r.journal == want
    assert r.stdout == (want[:32].hex() + "\n" + want[32:].hex() + "\n").encode()
    assert r.precompile_calls["keccak_f1600"] == (n + 1 + 135) // 136 + (n + 28 + len(str(n)) + 135) // 136
    p = run(elfs["keccak256/plain"], msg)
    assert (p.exit_code, p.journal, p.stdout) == (r.exit_code, r.journal, r.stdout)
    assert p.precompile_calls == {}


def test_keccak256_sample_input(elfs):
    msg = (EX / "keccak256" / "input.txt").read_bytes()
    assert run(elfs["keccak256"], msg).journal == keccak_journal(msg)


@pytest.mark.qemu
def test_qemu_fallback(elfs, tmp_path):
    """Under qemu the precompiles are -ENOSYS; the SDK's plain C fallback gives the same."""
    qemu = shutil.which("qemu-riscv32")
    if qemu is None:
        pytest.skip("qemu-riscv32 not installed")
    for name, data in (("sha256-precompile", b"x" * 300), ("keccak256", b"hello world")):
        journal = tmp_path / "journal.bin"
        proc = subprocess.run(["sh", "-c", 'exec "$1" "$2" 3>"$3"', "sh", qemu, str(elfs[name]), str(journal)],
                              input=data, capture_output=True, timeout=60)
        r = run(elfs[name], data)
        assert (proc.returncode, proc.stdout, journal.read_bytes()) == (r.exit_code, r.stdout, r.journal)

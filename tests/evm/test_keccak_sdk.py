"""zkvm.h's streaming Keccak-256 with the word-wise absorb (used by the EVM guest):
any split of the message into update() calls, any alignment of the input, with the
precompile and with ZKVM_NO_PRECOMPILES, equals the host's Keccak-256. Also the cost:
one 64-byte hash takes a few hundred instructions, not thousands."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.evm.ethutil import keccak256
from zkvm.riscv import execute, load_elf
from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "tests/evm/guests/keccak_sdk.c"


@pytest.fixture(scope="module")
def elfs():
    cache = REPO / ".zkvm-cache" / "elf"
    return {"precompile": load_elf(cached_build([SRC], cache, name="keccak_sdk").read_bytes()),
            "plain": load_elf(cached_build([SRC], cache, name="keccak_sdk_plain",
                                           extra_defines=["ZKVM_NO_PRECOMPILES"]).read_bytes())}


def run(program, msg: bytes, chunks: list[int], off: int):
    data = struct.pack("<II", off, len(chunks)) + b"".join(struct.pack("<I", c) for c in chunks) + msg
    r = execute(program, input=data, max_cycles=1 << 28)
    assert r.exit_code == 0, r.stderr
    return r


def splits(n: int, cuts: list[int]) -> list[int]:
    pts = sorted({min(c, n) for c in cuts} | {0, n})
    return [b - a for a, b in zip(pts, pts[1:])] or [0]


@pytest.mark.parametrize("n", [0, 1, 3, 4, 31, 32, 64, 135, 136, 137, 271, 272, 273, 1000])
@pytest.mark.parametrize("off", [0, 1, 2, 3])
def test_lengths_and_alignment(elfs, n, off):
    msg = bytes((7 * i + n) & 0xFF for i in range(n))
    want = keccak256(msg)
    for kind in ("precompile", "plain"):
        r = run(elfs[kind], msg, [n], off)
        assert r.journal == want + want


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=8), st.integers(0, 3))
def test_random_splits(elfs, msg, cuts, off):
    r = run(elfs["precompile"], msg, splits(len(msg), cuts), off)
    assert r.journal[:32] == keccak256(msg) and r.journal[32:] == keccak256(msg)


def test_cost_of_a_64_byte_hash(elfs):
    """The absorb is word-wise: absorbing 64 more bytes in each of the guest's two hashes
    (and reading them) costs ~600 instructions in all, ~300 per hash (byte-wise
    absorbing took ~2 600 for one 64-byte keccak256)."""
    base = run(elfs["precompile"], b"", [0], 0).cycles
    r = run(elfs["precompile"], bytes(64), [64], 0)
    extra = r.cycles - base
    assert r.precompile_calls["keccak_f1600"] == 2
    assert extra < 800, extra

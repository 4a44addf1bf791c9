"""The EVM guest's 256-bit arithmetic (src/zkvm/evm/guest/u256.c) against Python
integers, through a small test guest run in the zkvm executor: edge values (0, 1,
2^k +- 1, -1, -2^255, values whose limbs trigger Knuth's add-back step) and random ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm.evm.guest import GUEST_DIR
from zkvm.riscv import execute, load_elf
from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]
M = 1 << 256


def _s(x: int) -> int:
    return x - M if x >> 255 else x


def _tdiv(a: int, b: int) -> int:  # truncating division (EVM SDIV)
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def reference(op: int, a: int, b: int, c: int) -> int:
    if op == 0:
        return (a + b) % M
    if op == 1:
        return (a - b) % M
    if op == 2:
        return a * b % M
    if op == 3:
        return a // b if b else 0
    if op == 4:
        return a % b if b else 0
    if op == 5:
        return _tdiv(_s(a), _s(b)) % M if b else 0
    if op == 6:
        if not b:
            return 0
        sa, sb = _s(a), _s(b)
        r = abs(sa) % abs(sb)
        return (-r if sa < 0 else r) % M
    if op == 7:
        return (a + b) % c if c else 0
    if op == 8:
        return a * b % c if c else 0
    if op == 9:
        return pow(a, b, M)
    if op == 10:
        if a >= 31:
            return b
        bit = 8 * a + 7
        v = b & ((1 << (bit + 1)) - 1)
        return (v | (M - (1 << (bit + 1)))) if (b >> bit) & 1 else v
    if op == 11:
        return (b >> (248 - 8 * a)) & 0xFF if a < 32 else 0
    if op == 12:
        return (b << a) % M if a < 256 else 0
    if op == 13:
        return b >> a if a < 256 else 0
    if op == 14:
        return (_s(b) >> min(a, 256)) % M
    if op == 15:
        return int(a < b)
    if op == 16:
        return int(_s(a) < _s(b))
    if op == 17:
        return (a.bit_length() + 7) // 8
    raise ValueError(op)


NOPS = 18


@pytest.fixture(scope="module")
def harness():
    elf = cached_build([REPO / "tests/evm/guests/u256_harness.c", GUEST_DIR / "u256.c"],
                       REPO / ".zkvm-cache" / "elf", name="u256_harness")
    return load_elf(elf.read_bytes())


def run_ops(program, ops: list[tuple[int, int, int, int]]) -> list[int]:
    data = b"".join(bytes([op]) + a.to_bytes(32, "big") + b.to_bytes(32, "big") + c.to_bytes(32, "big")
                    for op, a, b, c in ops)
    r = execute(program, input=data, max_cycles=1 << 30)
    assert r.exit_code == 0, r.stderr
    assert len(r.journal) == 32 * len(ops)
    return [int.from_bytes(r.journal[32 * i: 32 * i + 32], "big") for i in range(len(ops))]


def check(program, ops):
    got = run_ops(program, ops)
    bad = [(op, hex(a), hex(b), hex(c), hex(g), hex(reference(op, a, b, c)))
           for (op, a, b, c), g in zip(ops, got) if g != reference(op, a, b, c)]
    assert not bad, bad[:5]


EDGES = sorted({0, 1, 2, 3, 7, 31, 32, 255, 256, 2**32 - 1, 2**32, 2**32 + 1, 2**63, 2**64 - 1, 2**64,
                2**127, 2**128 - 1, 2**128, 2**192 + 5, 2**224 - 1, 2**255 - 1, 2**255, 2**255 + 1, M - 2, M - 1,
                # divisors whose top limb is 0x8000_0000 / 0xffff_ffff (normalisation, qhat corrections)
                (2**31) << 96, (2**32 - 1) << 64 | 1, 0xFFFFFFFF_00000000_FFFFFFFF_00000001,
                0x7FFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_80000000_00000000_00000000_00000001})


def test_edge_values(harness):
    ops = [(op, a, b, c) for op in range(NOPS) for a in EDGES for b in EDGES
           for c in ((0, 1, 7, M - 1, 2**128 + 3) if op in (7, 8) else (0,))
           if op != 9 or b < 2**20]
    for i in range(0, len(ops), 4000):
        check(harness, ops[i: i + 4000])


def test_knuth_add_back(harness):
    # Classic add-back triggers (Knuth D step D6) on 32-bit limbs.
    cases = [(0x8000_0000_0000_0000_0000_0000 << 64, 0x8000_0000_0000_0001 << 32 | 0xFFFF_FFFF),
             (0x7FFF_8000_0000_0000_0000_0000_0000_0000 << 96, 0x8000_0000_0000_0000_0000_0000_0000_0001 << 32),
             ((0x8000_0000 << 224) | 0xFFFE << 160, (0x8000_0000 << 64) | 0xFFFF_FFFF)]
    ops = [(op, a, b, 0) for a, b in cases for op in (3, 4)]
    ops += [(8, a, b, m) for a, b in cases for m in (b, a | 1, (1 << 255) + 1)]
    check(harness, ops)


U = st.one_of(st.integers(0, M - 1), st.sampled_from(EDGES), st.integers(0, 2**64), st.integers(0, 2**130))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, NOPS - 1), U, U, U), min_size=50, max_size=50))
def test_random(harness, ops):
    ops = [(op, a, b if op != 9 else b, c) for op, a, b, c in ops]
    check(harness, ops)

"""StatementCheck.ysMany (the claimed-value combinations ys = Σ α^j·v_j of step 10) against
the field's own arithmetic: every length around the kernel's 4-value blocks, column
subsets, and the worst-case operands (every limb p − 1, so every 64-bit lane holds its
largest sums: a lane that carried into the next would give a wrong result)."""

from __future__ import annotations

import random

import pytest

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import pack

TYPES = ["bytes", "uint256[]", "uint256[]", "uint256[]", "uint256[]"]


@pytest.fixture(scope="module")
def ys_contract():
    chain = LocalChain()
    st = artifacts.load("StatementCheck")
    z = b"\0" * 32
    ctor = abi.encode_args(["bytes32"] * 6 + ["uint256"] * 3 + ["bytes32[]"], [z] * 6 + [0, 0, 0, []])
    return chain, st, chain.deploy(st, ctor)


def _le(vals) -> bytes:
    return b"".join(c.to_bytes(4, "little") for v in vals for c in v)


def _ys_many(ys_contract, vals, counts, powers, cols, sub):
    chain, st, addr = ys_contract
    data = abi.encode_call(st.selector("ysMany"), TYPES,
                           [_le(vals), counts, [pack(a) for a in powers], cols, sub])
    out = chain.call(addr, data)
    n = int.from_bytes(out[32:64], "big")
    return [int.from_bytes(out[64 + 32 * i:96 + 32 * i], "big") for i in range(n)]


def _expect(vals, powers, idx) -> int:
    acc = Ext.ZERO
    for v, j in zip(vals, idx, strict=True):
        acc = acc + Ext(list(v)) * Ext(list(powers[j]))
    return pack(acc.coeffs)


def _rand_ext(rng, worst: bool):
    return tuple(P - 1 for _ in range(4)) if worst else tuple(rng.randrange(P) for _ in range(4))


@pytest.mark.parametrize("worst", [False, True])
def test_ys_every_length(ys_contract, worst):
    rng = random.Random(7)
    counts = list(range(0, 11)) + [16, 17, 31]
    vals = [_rand_ext(rng, worst) for _ in range(sum(counts))]
    powers = [_rand_ext(rng, worst) for _ in range(max(counts) + 1)]
    got = _ys_many(ys_contract, vals, counts, powers, [], [0] * len(counts))
    at = 0
    for t, c in enumerate(counts):
        assert got[t] == _expect(vals[at:at + c], powers, list(range(c))), (t, c)
        at += c


@pytest.mark.parametrize("worst", [False, True])
def test_ys_column_subsets(ys_contract, worst):
    rng = random.Random(11)
    width = 40
    sets = [[3], [0, 5, 9], [1, 2, 3, 4], [7, 0, 39, 12, 30], list(range(0, 40, 3))]
    cols, sub = [], []
    for cs in sets:
        cols.append(len(cs))
        sub.append((len(cols)) << 32 | len(cs))
        cols.extend(cs)
    counts = [len(cs) for cs in sets]
    vals = [_rand_ext(rng, worst) for _ in range(sum(counts))]
    powers = [_rand_ext(rng, worst) for _ in range(width + 1)]
    got = _ys_many(ys_contract, vals, counts, powers, cols, sub)
    at = 0
    for t, cs in enumerate(sets):
        assert got[t] == _expect(vals[at:at + len(cs)], powers, cs), t
        at += len(cs)


def test_ys_rejects_out_of_range(ys_contract):
    chain, st, addr = ys_contract
    vals = [(1, 2, 3, 4)] * 3
    powers = [(1, 0, 0, 0)] * 3  # α^0..α^2: a 3-value term needs α^3 too (the offset step)
    data = abi.encode_call(st.selector("ysMany"), TYPES, [_le(vals), [3], [pack(a) for a in powers], [], [0]])
    with pytest.raises(RuntimeError):
        chain.call(addr, data)
    # a column index beyond the powers
    data = abi.encode_call(st.selector("ysMany"), TYPES,
                           [_le(vals[:1]), [1], [pack(a) for a in powers], [1, 3], [1 << 32 | 1]])
    with pytest.raises(RuntimeError):
        chain.call(addr, data)

"""MerkleFacts.combs (the row combinations Σ_j row_j·α^j of every opened leaf and matrix)
against the field's own arithmetic: widths around the kernel's 8-value words and 4-value
folds, matrices at any byte offset of the row, the worst-case operands (every value and
limb p − 1: a lane that carried into the next would give a wrong result), a value ≥ p
inside a matrix's range (rejected) and right after it, in the next matrix's bytes of the
same calldata word (the masked tail must not read it as part of this matrix)."""

from __future__ import annotations

import random

import pytest

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import pack

TYPES = ["bytes", "uint256", "uint256[]", "uint256[]"]


@pytest.fixture(scope="module")
def merkle_facts():
    chain = LocalChain()
    mf = artifacts.load("MerkleFacts")
    return chain, mf, chain.deploy(mf)


def _combs(merkle_facts, rows: list[list[int]], widths: list[int], powers):
    chain, mf, addr = merkle_facts
    raw = b"".join(v.to_bytes(4, "little") for row in rows for v in row)
    mats, off = [], 0
    for w in widths:
        mats.append(w << 8 | off << 32)
        off += 4 * w
    data = abi.encode_call(mf.selector("combs"), TYPES, [raw, 4 * len(rows[0]), mats, [pack(a) for a in powers]])
    out = chain.call(addr, data)
    n = int.from_bytes(out[32:64], "big")
    return [int.from_bytes(out[64 + 32 * i:96 + 32 * i], "big") for i in range(n)]


def _expect(vals, powers) -> int:
    acc = Ext.ZERO
    for j, v in enumerate(vals):
        acc = acc + Ext(list(powers[j])) * v
    return pack(acc.coeffs)


@pytest.mark.parametrize("worst", [False, True])
def test_combs_matches_the_field(merkle_facts, worst):
    rng = random.Random(5)
    widths = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 2, 33]
    total = sum(widths)
    rows = [[P - 1 if worst else rng.randrange(P) for _ in range(total)] for _ in range(3)]
    powers = [tuple(P - 1 for _ in range(4)) if worst else tuple(rng.randrange(P) for _ in range(4))
              for _ in range(max(widths))]
    got = _combs(merkle_facts, rows, widths, powers)
    k = 0
    for row in rows:
        off = 0
        for w in widths:
            assert got[k] == _expect(row[off:off + w], powers), (k, w)
            k += 1
            off += w


def test_combs_rejects_a_non_canonical_value(merkle_facts):
    powers = [(1, 2, 3, 4)] * 8
    row = [5, 6, 7, P, 8, 9]  # P inside the first matrix (width 4)
    with pytest.raises(RuntimeError):
        _combs(merkle_facts, [row], [4, 2], powers)
    row = [5, 6, 7, 8, P, 9]  # P in the second matrix
    with pytest.raises(RuntimeError):
        _combs(merkle_facts, [row], [4, 2], powers)


def test_combs_masks_the_next_matrix(merkle_facts):
    # a 3-wide matrix followed, in the same calldata word, by a 5-wide one holding large
    # values: the first matrix's combination must not include them
    powers = [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (7, 7, 7, 7)]
    row = [1, 2, 3, P - 1, P - 2, P - 3, P - 4, P - 5]
    got = _combs(merkle_facts, [row], [3, 5], powers)
    assert got[0] == pack((1, 2, 3, 0))
    assert got[1] == _expect(row[3:], powers)


def test_combs_rejects_a_matrix_outside_the_row(merkle_facts):
    chain, mf, addr = merkle_facts
    raw = b"".join(v.to_bytes(4, "little") for v in range(8))
    for mats, npow in (([9 << 8], 9), ([4 << 8 | 20 << 32], 4), ([8 << 8], 7)):
        data = abi.encode_call(mf.selector("combs"), TYPES, [raw, 32, mats, [pack((1, 0, 0, 0))] * npow])
        with pytest.raises(RuntimeError):
            chain.call(addr, data)


@pytest.mark.parametrize("bad_value", [P, P + 1, 0x7FFFFFFF, 0x80000000, 0xF8000000, 0xFFFFFFFF])
def test_combs_lane_wise_canonical_check(merkle_facts, bad_value):
    # the eight values of one calldata word are tested at once (bit 31 of v | (v mod 2^31 +
    # 2^31 − p)): a value ≥ p in any lane, full word or masked tail, is rejected; the largest
    # canonical values (and those just below the 2^31 − p boundary) in every lane pass
    powers = [tuple((3 * j + k) % P for k in range(4)) for j in range(16)]
    good = [P - 1, 0, 0x07FFFFFF, 0x08000000, 0x77FFFFFF, P - 2, 1, 0x78000000 - 1]
    got = _combs(merkle_facts, [good + good[::-1]], [16], powers)
    assert got[0] == _expect(good + good[::-1], powers)
    for w in (16, 13):  # a full second word, a masked tail
        for k in range(w):
            row = (good + good[::-1])[:]
            row[k] = bad_value
            with pytest.raises(RuntimeError):
                _combs(merkle_facts, [row], [w, 16 - w] if w < 16 else [w], powers)

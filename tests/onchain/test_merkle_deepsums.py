"""MerkleFacts.deepSums (the per-leaf DEEP sums RO_L += off·(comb − ys)/(x − z)) called
directly against the Python field: worst-case operands (every lane of every comb and off
p − 1: the unreduced per-group accumulation must not carry between lanes) over many terms
in one group, and random ones over several groups and slots."""

import random

import pytest

from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import pack, unpack

TYPES = ["uint256", "uint256[]", "uint256[]", "uint256[]", "uint256[]", "uint256[]"]


def _bitrev(j: int, n: int) -> int:
    return int(format(j, f"0{n}b")[::-1], 2) if n else 0


def _run(Lr, indices, mats, terms, combs, slots):
    """mats: [(L, t0, n)], terms: [(z, ys, off)] Ext, combs[q][t] Ext."""
    c = LocalChain()
    mf = artifacts.load("MerkleFacts")
    a = c.deploy(mf)
    enc_m = [L | t0 << 64 | n << 96 for L, t0, n in mats]
    enc_t = [pack(v) for t in terms for v in t]
    cs = [pack(v) for row in combs for v in row]
    out = c.call(a, abi.encode_call(mf.selector("deepSums"), TYPES, [Lr, indices, cs, enc_m, enc_t, slots]))
    n = int.from_bytes(out[32:64], "big")
    return [unpack(int.from_bytes(out[64 + 32 * j:96 + 32 * j], "big")) for j in range(n)]


def _expect(Lr, indices, mats, terms, combs, slots):
    out = []
    for q, i in enumerate(indices):
        acc = {L: Ext.ZERO for L in slots}
        for L, t0, n in mats:
            x = Ext.from_base(31 * pow(two_adic_generator(L), _bitrev(i >> (Lr - L), L), P) % P)
            for t in range(t0, t0 + n):
                z, ys, off = terms[t]
                acc[L] = acc[L] + off * (combs[q][t] - ys) / (x - z)
        out += [acc[L] for L in slots]
    return out


@pytest.mark.parametrize("worst", [True, False])
def test_deep_sums_match_the_field(worst):
    rng = random.Random(7)

    def r():
        return Ext(tuple(P - 1 if worst else rng.randrange(P) for _ in range(4)))

    def y():  # ys random either way (a result of zero would hide little)
        return Ext(tuple(rng.randrange(P) for _ in range(4)))

    Lr, slots = 6, [6, 4]
    indices = [0, 5, 37, 63]
    zs = [Ext(tuple(rng.randrange(P) for _ in range(4))) for _ in range(3)]
    # matrix 0 (L = 6): 40 terms at one point (one group); matrix 1 (L = 6): 5 terms over two
    # points; matrix 2 (L = 4): 7 terms at the first point (another group: another slot)
    mats = [(6, 0, 40), (6, 40, 5), (4, 45, 7)]
    terms = [(zs[0], y(), r()) for _ in range(40)] + [(zs[1 + k % 2], y(), r()) for k in range(5)] \
        + [(zs[0], y(), r()) for _ in range(7)]
    combs = [[r() for _ in terms] for _ in indices]
    assert _run(Lr, indices, mats, terms, combs, slots) == _expect(Lr, indices, mats, terms, combs, slots)


def test_deep_sums_at_the_largest_height():
    # Lr = 27 (the largest deepSums accepts): every bit of the leaf index reversed into the
    # LDE point (bitrev of 27 bits), a slot 7 levels down
    rng = random.Random(11)

    def r():
        return Ext(tuple(rng.randrange(P) for _ in range(4)))

    Lr, slots = 27, [27, 20]
    indices = [0, 1, 12345677, (1 << 27) - 2, (1 << 27) - 1]
    mats = [(27, 0, 3), (20, 3, 2)]
    terms = [(r(), r(), r()) for _ in range(5)]
    combs = [[r() for _ in terms] for _ in indices]
    assert _run(Lr, indices, mats, terms, combs, slots) == _expect(Lr, indices, mats, terms, combs, slots)

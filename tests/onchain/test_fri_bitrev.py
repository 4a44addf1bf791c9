"""FriQueries' Yul `bitrev` (the low n bits of j reversed, by five mask-and-swap steps on
32 bits and a final shift: it replaced a one-bit-per-iteration loop) against
zkvm.stark.fri.bitrev.  The function body is read from contracts/src/FriQueries.sol and
evaluated with the EVM's 256-bit semantics of its opcodes, so the test checks the
contract's own text: every n in 0..27 (the largest FRI domain) with j = 0, all ones, every
single bit, random values, and exhaustively for n <= 10; also j with bits above n (only
the low n bits count) and the one-bit masks' worst case j = 2^32 − 1.  And its Yul
`canon` (every 64-bit lane < p, by one addition of 2^63 − p per lane and a mask of the
lanes' top bits; the lanes are < 2^32, as ext16 gives) against the lane-wise comparison,
at every lane's worst cases p − 1, p, p + 1, 2^32 − 1 and 0."""

from __future__ import annotations

import random
import re
from pathlib import Path

from zkvm.stark.fri import bitrev

from tests.support.yul_eval import OPS

SRC = Path(__file__).resolve().parents[2] / "contracts" / "src" / "FriQueries.sol"


def _yul_bitrev():
    body = re.search(r"function bitrev\(j_, n_\) -> r \{(.*?)\n\s*\}", SRC.read_text(), re.S).group(1)
    steps = [ln.strip() for ln in body.strip().splitlines()]
    assert len(steps) == 5 and all(s.startswith("r := ") for s in steps)
    exprs = [re.sub(r"\b(or|and)\(", r"\1_(", s[len("r := "):]) for s in steps]

    def f(j: int, n: int) -> int:
        env = dict(OPS, j_=j, n_=n, r=0)
        for e in exprs:
            env["r"] = eval(e, {"__builtins__": {}}, env)  # noqa: S307 - the contract's own text
        return env["r"]
    return f


def test_yul_bitrev_matches_field_bitrev():
    f = _yul_bitrev()
    rng = random.Random(5)
    for n in range(0, 28):
        js = {0, (1 << n) - 1} | {1 << b for b in range(n)} | {rng.randrange(1 << n) if n else 0 for _ in range(50)}
        if n <= 10:
            js |= set(range(1 << n))
        for j in js:
            assert f(j, n) == bitrev(j, n), (j, n)
        # bits above n (below 2^32) do not count
        for _ in range(20):
            hi = rng.randrange(1 << 32) >> n << n
            j = rng.randrange(1 << n) if n else 0
            assert f(hi | j, n) == bitrev(j, n)
        assert f((1 << 32) - 1, n) == (1 << n) - 1


def _yul_canon():
    body = re.search(r"function canon\(x\) -> ok \{(.*?)\n\s*\}", SRC.read_text(), re.S).group(1)
    expr = " ".join(ln.strip() for ln in body.strip().splitlines())
    assert expr.startswith("ok := ")
    expr = re.sub(r"\b(or|and)\(", r"\1_(", expr[len("ok := "):])
    return lambda x: eval(expr, {"__builtins__": {}}, dict(OPS, x=x))  # noqa: S307


def test_yul_canon_lanes():
    from itertools import product

    from zkvm.field.babybear import P
    f = _yul_canon()
    edge = [0, 1, P - 1, P, P + 1, (1 << 32) - 1]
    for lanes in product(edge, repeat=4):
        x = sum(v << (64 * i) for i, v in enumerate(lanes))
        assert f(x) == int(all(v < P for v in lanes)), lanes
    rng = random.Random(9)
    for _ in range(2000):
        lanes = [rng.randrange(1 << 32) for _ in range(4)]
        x = sum(v << (64 * i) for i, v in enumerate(lanes))
        assert f(x) == int(all(v < P for v in lanes))

"""FriQueries' lazily reduced lane arithmetic, read from contracts/src/FriQueries.sol and
evaluated with the EVM's 256-bit semantics (as test_fri_bitrev.py does for `bitrev`):

* the folding butterfly of `foldRound`, v = (ev + od)·INV2 + β·((ev − od)·inv2x) with one
  MUL for the four 64-bit lanes of each base product and reductions only where the lane
  bounds require them (`red`, `extmulRaw`), against zkvm.field.ext at the lanes' worst
  cases (0, 1, p − 1: a carry from a lane into the next would show there) and random values;
* `_allCanonical`'s word check (each 64-bit lane < p, any bit of the lane) against
  Field.canonical's lane-wise comparison at the edges 0, p − 1, p, 2^31, 2^32 − 1, 2^63,
  2^64 − 1;
* `_horner`'s lane-parallel step and the roll-in nv + β^(2^a)·RO against the field."""

from __future__ import annotations

import random
import re
from itertools import product
from pathlib import Path

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.onchain.constraints import pack, unpack

from tests.support.yul_eval import OPS, py as _py

SRC = (Path(__file__).resolve().parents[2] / "contracts" / "src" / "FriQueries.sol").read_text()
INV2 = (P + 1) // 2


def _statements(body: str) -> list[tuple[str, str]]:
    """`let x := e` / `x := e` statements of a straight-line Yul body (multi-line ones
    joined), as (name, python expression)."""
    out, cur = [], ""
    for ln in body.strip().splitlines():
        ln = ln.strip()
        if re.match(r"(let )?\w+ := ", ln) and cur:
            out.append(cur)
            cur = ""
        cur += " " + ln
    out.append(cur)
    res = []
    for s in out:
        name, e = re.match(r"\s*(?:let )?(\w+) := (.*)", s, re.S).groups()
        res.append((name, _py(" ".join(e.split()))))
    return res


def _function(name: str, args: tuple, ret: str):
    body = re.search(rf"function {name}\({', '.join(args)}\) -> {ret} \{{(.*?)\n\s*\}}", SRC, re.S).group(1)
    stmts = _statements(body)

    def f(*vals):
        env = dict(OPS, **dict(zip(args, vals, strict=True)), **FUNCS)
        for n, e in stmts:
            env[n] = eval(e, {"__builtins__": {}}, env)  # noqa: S307 - the contract's own text
        return env[ret]
    return f


FUNCS: dict = {}
FUNCS["red"] = _function("red", ("v",), "z")
FUNCS["extmulRaw"] = _function("extmulRaw", ("x", "y"), "z")


def _butterfly():
    body = re.search(r"function foldRound\(vp, half, lb, c, beta\) \{(.*?)\n            \}", SRC, re.S).group(1)
    y = re.search(r"let y := (.*?)\n", body).group(1)
    v = re.search(r"mstore\(add\(vp, shl\(5, t\)\), (.*)\)\n", body).group(1)

    def f(ev, od, beta, inv2x):
        env = dict(OPS, **FUNCS, ev=ev, od=od, beta=beta, inv2x=inv2x)
        env["y"] = eval(_py(y), {"__builtins__": {}}, env)  # noqa: S307
        return eval(_py(v), {"__builtins__": {}}, env)  # noqa: S307
    return f


def test_fold_butterfly_lanes():
    f = _butterfly()
    edge = [0, 1, P - 1]
    rng = random.Random(3)
    cases = [(a, b, c, d) for a, b, c, d in product(edge, repeat=4)]
    cases += [tuple(rng.randrange(P) for _ in range(4)) for _ in range(40)]
    for i, (a, b, c, d) in enumerate(cases):
        # lanes: ev, od, β take the same worst value in every lane, then mixed lanes
        ev = Ext((a, b, c, d)) if i % 2 else Ext((a,) * 4)
        od = Ext((b, c, d, a)) if i % 2 else Ext((b,) * 4)
        beta = Ext((c, d, a, b)) if i % 2 else Ext((c,) * 4)
        for inv2x in (0, 1, P - 1, d):
            want = (ev + od) * Ext.from_base(INV2) + beta * ((ev - od) * Ext.from_base(inv2x))
            got = f(pack(ev), pack(od), pack(beta), inv2x)
            assert got == pack(want), (ev, od, beta, inv2x)
            assert unpack(got) == want
    # the largest lane sums: ev + od = 2p − 3 and y = (ev − od)·inv2x = p − 1 in every
    # lane (inv2x = −1), β = p − 1: (ev + od)·INV2 ≈ p² next to β·y ≈ 4p² (> 2^64 together
    # without the inner reduction)
    ev, od, beta = Ext((P - 1,) * 4), Ext((P - 2,) * 4), Ext((P - 1,) * 4)
    want = (ev + od) * Ext.from_base(INV2) + beta * ((ev - od) * Ext.from_base(P - 1))
    assert f(pack(ev), pack(od), pack(beta), P - 1) == pack(want)


def test_all_canonical_lanes():
    body = re.search(r"function _allCanonical\(.*?\{(.*?)\n    \}", SRC, re.S).group(1)
    expr = re.search(r"bad := or\(bad, (.*?)\)\n\s*\}", body, re.S).group(1)
    expr = _py(" ".join(expr.split()))

    def bad(x):
        return eval(expr, {"__builtins__": {}}, dict(OPS, x=x))  # noqa: S307

    edge = [0, P - 1, P, 1 << 31, (1 << 32) - 1, 1 << 63, (1 << 64) - 1]
    for lanes in product(edge, repeat=4):
        x = sum(v << (64 * i) for i, v in enumerate(lanes))
        assert (bad(x) == 0) == all(v < P for v in lanes), lanes
    rng = random.Random(11)
    for _ in range(2000):
        lanes = [rng.choice((rng.randrange(P), rng.randrange(1 << 64), P + rng.randrange(1 << 20))) for _ in range(4)]
        x = sum(v << (64 * i) for i, v in enumerate(lanes))
        assert (bad(x) == 0) == all(v < P for v in lanes), lanes


def test_horner_step_lanes():
    body = re.search(r"function _horner\(.*?\{(.*?)\n    \}", SRC, re.S).group(1)
    v = _py(" ".join(re.search(r"let v := (.*?)\n", body).group(1).split()))
    acc = _py(" ".join(re.search(r"acc := (.*?)\n\s*\}", body, re.S).group(1).split()))
    rng = random.Random(13)
    for a, c, x in list(product([0, 1, P - 1], repeat=3)) + [tuple(rng.randrange(P) for _ in range(3)) for _ in range(50)]:
        A, C = Ext((a, c, a, c)), Ext((c, a, c, a))
        env = dict(OPS, acc=pack(A), x=x, m=(1 << 64) - 1, p=P,
                   calldataload=lambda _o, C=C: pack(C), c=type("c", (), {"offset": 0}), i=0)
        env["v"] = eval(v.replace("c.offset", "0"), {"__builtins__": {}}, env)  # noqa: S307
        got = eval(acc, {"__builtins__": {}}, env)  # noqa: S307
        assert got == pack(A * Ext.from_base(x) + C)


def test_roll_in_lanes():
    """The roll-in nv + β^(2^a)·RO (reduced nv, unreduced product < 4p², one reduction),
    from the contract's text, against the field at the lanes' worst cases."""
    line = re.search(r"if ri \{ nv := (.*) \}\n", SRC).group(1)
    expr = _py(line.replace("calldataload(add(roq_, shl(5, ri)))", "ro"))
    rng = random.Random(21)
    vals = [0, 1, P - 1] + [rng.randrange(P) for _ in range(4)]
    for a, b, c in product(vals, repeat=3):
        nv, bb, ro = Ext((a, b, c, a)), Ext((b, c, a, b)), Ext((c, a, b, c))
        for x, y, z in ((nv, bb, ro), (Ext((a,) * 4), Ext((b,) * 4), Ext((c,) * 4))):
            got = eval(expr, {"__builtins__": {}}, dict(OPS, **FUNCS, nv=pack(x), bb=pack(y), ro=pack(z)))  # noqa: S307
            assert got == pack(x + y * z)

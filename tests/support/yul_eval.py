"""EVM word semantics for evaluating a contract's own Yul text in tests (tests/onchain/test_fri_bitrev,
test_fri_lanes): `or`/`and` are spelled `or_`/`and_` in the evaluated Python (keywords)."""

from __future__ import annotations

import re

M = (1 << 256) - 1

OPS = {
    "or_": lambda a, b: a | b,
    "and_": lambda a, b: a & b,
    "shr": lambda s, v: v >> s if s < 256 else 0,
    "shl": lambda s, v: (v << s) & M if s < 256 else 0,
    "sub": lambda a, b: (a - b) & M,
    "add": lambda a, b: (a + b) & M,
    "mul": lambda a, b: (a * b) & M,
    "mod": lambda a, b: a % b if b else 0,
    "mulmod": lambda a, b, n: (a * b) % n if n else 0,
    "iszero": lambda a: int(a == 0),
}


def py(expr: str) -> str:
    """A Yul expression as Python over OPS (`or(`/`and(` renamed)."""
    return re.sub(r"\b(or|and)\(", r"\1_(", expr)

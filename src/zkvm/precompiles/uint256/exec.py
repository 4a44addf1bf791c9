"""UINT256_MULMOD: reference semantics (executor side; no field imports).

``x := x·y mod m`` on 256-bit unsigned integers, ``m = 0`` meaning ``2^256`` (the low
256 bits of the product).  ``a0`` = ``uint32_t x[8]`` (read and overwritten with the
result), ``a1`` = ``uint32_t ym[16]``: ``y`` (words 0..7) then ``m`` (words 8..15).  Each
number is 8 little-endian 32-bit words, least significant word first (so its 32 bytes
in memory are the little-endian encoding).
"""

from __future__ import annotations

import numpy as np

MASK256 = (1 << 256) - 1


def words_to_int(words) -> int:
    """The integer of little-endian 32-bit words (least significant first)."""
    return sum(int(w) << (32 * i) for i, w in enumerate(words))


def int_to_words(v: int, n: int = 8) -> np.ndarray:
    return np.array([(v >> (32 * i)) & 0xFFFF_FFFF for i in range(n)], dtype=np.uint32)


def mulmod(x: int, y: int, m: int) -> int:
    """``x·y mod m`` with ``m = 0`` meaning ``2^256``; inputs are < 2^256."""
    return (x * y) % m if m else (x * y) & MASK256


def run(words: dict) -> dict:
    """The executor's hook: ``{"x": 8 words}`` from ``{"x": 8 words, "ym": 16 words}``."""
    ym = words["ym"]
    x, y, m = words_to_int(words["x"]), words_to_int(ym[:8]), words_to_int(ym[8:])
    return {"x": int_to_words(mulmod(x, y, m))}


__all__ = ["mulmod", "run", "words_to_int", "int_to_words"]

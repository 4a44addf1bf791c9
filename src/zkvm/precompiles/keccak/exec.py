"""KECCAK_F1600: reference semantics (executor side; no field imports).

The Keccak-f[1600] permutation (FIPS 202, 24 rounds) on 25 little-endian 64-bit lanes
at ``a0`` (200 bytes, read and written), lane ``(x, y)`` at index ``x + 5y``, i.e. memory
words ``2j`` (low half) and ``2j + 1`` of lane ``j``.  The executor runs :func:`run`
(the numba kernel of :mod:`zkvm.precompiles.keccak.kernel`, loaded at the first call);
:func:`keccak_f1600` is the readable definition (tests compare the two).
"""

from __future__ import annotations

MASK64 = (1 << 64) - 1

# ---------------------------------------------------------------------------- Keccak
from .constants import KECCAK_RC, KECCAK_RHO


def _rotl64(x: int, n: int) -> int:
    return ((x << n) | (x >> (64 - n))) & MASK64 if n else x


def keccak_round(a: list[int], rnd: int) -> list[int]:
    """One Keccak-f[1600] round (theta, rho, pi, chi, iota) on 25 lanes ``a[x + 5y]``."""
    c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
    d = [c[(x - 1) % 5] ^ _rotl64(c[(x + 1) % 5], 1) for x in range(5)]
    a = [a[i] ^ d[i % 5] for i in range(25)]
    # rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
    b = [0] * 25
    for x in range(5):
        for y in range(5):
            b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl64(a[x + 5 * y], KECCAK_RHO[x + 5 * y])
    a = [b[i] ^ (~b[(i % 5 + 1) % 5 + 5 * (i // 5)] & b[(i % 5 + 2) % 5 + 5 * (i // 5)]) for i in range(25)]
    a[0] ^= KECCAK_RC[rnd]
    return a


def keccak_f1600(lanes) -> list[int]:
    """The Keccak-f[1600] permutation of 25 64-bit lanes (index ``x + 5y``)."""
    a = [int(v) & MASK64 for v in lanes]
    if len(a) != 25:
        raise ValueError("keccak_f1600: the state is 25 lanes")
    for r in range(24):
        a = keccak_round(a, r)
    return a



def run(words: dict) -> dict:
    """The executor's hook: ``{"state": 50 words}`` -> the permuted 50 words."""
    from .kernel import keccak_f1600_words  # numba: loaded at first use

    return {"state": keccak_f1600_words(words["state"])}


__all__ = ["KECCAK_RC", "KECCAK_RHO", "keccak_round", "keccak_f1600", "run"]

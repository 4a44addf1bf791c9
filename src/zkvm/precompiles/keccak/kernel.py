"""numba kernels of the precompiles' functions, for the executor's hot path.

:mod:`zkvm.precompiles.keccak.exec` keeps the readable reference definitions
(``keccak_round``, ``sha256_rounds``); these compute the same functions on word arrays
(tests compare them on random states). Imported lazily, at the first precompile call, so
short runs never load numba for them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .constants import KECCAK_RC, KECCAK_RHO

_RC = np.array(KECCAK_RC, dtype=np.uint64)
_RHO = np.array(KECCAK_RHO, dtype=np.uint64)
# pi: lane x + 5y moves to y + 5((2x + 3y) mod 5)
_PI = np.array([y + 5 * ((2 * x + 3 * y) % 5) for y in range(5) for x in range(5)],
               dtype=np.int64)


@njit(cache=True)
def _keccak_f1600_words(words, rc, rho, pi):
    a = np.empty(25, dtype=np.uint64)
    for i in range(25):
        a[i] = np.uint64(words[2 * i]) | (np.uint64(words[2 * i + 1]) << np.uint64(32))
    c = np.empty(5, dtype=np.uint64)
    b = np.empty(25, dtype=np.uint64)
    for r in range(24):
        for x in range(5):
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20]
        for x in range(5):
            t = c[(x + 1) % 5]
            d = c[(x + 4) % 5] ^ ((t << np.uint64(1)) | (t >> np.uint64(63)))
            for y in range(0, 25, 5):
                a[x + y] ^= d
        for i in range(25):
            s = rho[i]
            v = a[i]
            if s != 0:
                v = (v << s) | (v >> (np.uint64(64) - s))
            b[pi[i]] = v
        for y in range(0, 25, 5):
            for x in range(5):
                a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y])
        a[0] ^= rc[r]
    out = np.empty(50, dtype=np.uint32)
    for i in range(25):
        out[2 * i] = np.uint32(a[i] & np.uint64(0xFFFFFFFF))
        out[2 * i + 1] = np.uint32(a[i] >> np.uint64(32))
    return out


def keccak_f1600_words(words: np.ndarray) -> np.ndarray:
    """Keccak-f[1600] of a state given as 50 little-endian uint32 words (lane ``j`` is
    words ``2j``, ``2j + 1``); returns the 50 output words."""
    return _keccak_f1600_words(np.ascontiguousarray(words, dtype=np.uint32), _RC, _RHO, _PI)

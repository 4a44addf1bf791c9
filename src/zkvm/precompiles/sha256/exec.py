"""SHA256_COMPRESS: reference semantics (executor side; no field imports).

FIPS 180-4 compression of one 64-byte block into an 8-word state: ``a0`` = ``uint32_t
state[8]`` (native little-endian words, read and written), ``a1`` = the 64 block bytes
in order (read), so the message word ``W_t`` is the *big-endian* reading of bytes
``4t..4t+3``.  The executor runs :func:`run` (the numba kernel of
:mod:`zkvm.hash.sha256`); :func:`sha256_compress` is the readable definition (tests
compare the two).
"""

from __future__ import annotations

import numpy as np

from .constants import SHA256_IV, SHA256_K  # noqa: F401  (SHA256_IV re-exported)

MASK32 = 0xFFFF_FFFF

# ---------------------------------------------------------------------------- SHA-256
def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & MASK32


def sha256_schedule(w16) -> list[int]:
    """The 64 message-schedule words from the 16 block words (FIPS 180-4 §6.2.2 step 1)."""
    w = [int(x) for x in w16]
    for t in range(16, 64):
        s0 = _rotr(w[t - 15], 7) ^ _rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
        s1 = _rotr(w[t - 2], 17) ^ _rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & MASK32)
    return w


def sha256_rounds(state, w16) -> list[tuple[int, ...]]:
    """The working variables ``(a..h)`` before each of the 64 rounds and after the last
    (65 tuples), for the state ``state`` and block words ``w16`` (big-endian words)."""
    w = sha256_schedule(w16)
    a, b, c, d, e, f, g, h = (int(x) for x in state)
    out = [(a, b, c, d, e, f, g, h)]
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ (~e & g)
        t1 = (h + s1 + ch + SHA256_K[t] + w[t]) & MASK32
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = (s0 + maj) & MASK32
        a, b, c, d, e, f, g, h = (t1 + t2) & MASK32, a, b, c, (d + t1) & MASK32, e, f, g
        out.append((a, b, c, d, e, f, g, h))
    return out


def sha256_compress(state, block: bytes) -> tuple[int, ...]:
    """FIPS 180-4 SHA-256 compression of one 64-byte ``block`` into ``state`` (8 words)."""
    if len(block) != 64 or len(state) != 8:
        raise ValueError("sha256_compress: state is 8 words and the block 64 bytes")
    w16 = [int.from_bytes(block[4 * i : 4 * i + 4], "big") for i in range(16)]
    last = sha256_rounds(state, w16)[-1]
    return tuple((int(s) + v) & MASK32 for s, v in zip(state, last))



def fast_sha256_compress(state_words: np.ndarray, block_words: np.ndarray) -> np.ndarray:
    """:func:`sha256_compress` on word arrays with the numba kernel of
    :mod:`zkvm.hash.sha256` (loaded at first use): ``block_words`` are the 16 memory words
    (little endian), so the big-endian message words are their byte swaps."""
    from zkvm.hash.sha256 import _compress

    st = state_words.astype(np.uint32).copy()
    w = np.zeros(64, dtype=np.uint32)
    w[:16] = block_words.astype(np.uint32).byteswap()
    _compress(st, w)
    return st



def run(words: dict) -> dict:
    """The executor's hook: ``{"state": out}`` from ``{"state": 8 words, "block": 16
    words}`` (uint32 arrays, memory order)."""
    return {"state": fast_sha256_compress(words["state"], words["block"])}


__all__ = ["SHA256_K", "SHA256_IV", "sha256_compress", "sha256_schedule", "sha256_rounds",
           "fast_sha256_compress", "run"]

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

MASK32 = 0xFFFF_FFFF

# ---------------------------------------------------------------------------- SHA-256
#: FIPS 180-4 §4.2.2 round constants (first 32 bits of the fractional parts of the cube
#: roots of the first 64 primes).
SHA256_K = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
)  # fmt: skip
#: FIPS 180-4 §5.3.3 initial hash value.
SHA256_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)


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

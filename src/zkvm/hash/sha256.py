"""SHA-256 (FIPS 180-4) as batched numba kernels, plus hashlib-based scalar helpers.

Digest representation: a digest is 8 ``uint32`` words ``H0..H7`` exactly as FIPS 180-4
defines them (the digest *bytes* are these words big-endian).  Batches of digests are
``(n, 8)`` uint32 arrays; :func:`digests_to_bytes` / :func:`digest_from_bytes` convert.

Kernels (all parallel over the batch with ``numba.prange``, no Python loop per item;
``hash_rows`` and ``hash_pairs`` hash 16 messages at a time, with the CPU's SHA
instructions where available and faster -- see the "lanes", "SHA-NI" and "kernel
choice" sections; ``ZKVM_SHA_KERNEL=ni|portable`` forces one):

* :func:`sha256_many` — ``n`` messages of equal length ``L`` bytes, ``(n, L)`` uint8.
  General reference kernel (used by the tests against hashlib).
* :func:`hash_rows` — message ``i`` = ``prefix || le_bytes(mat[i, :])`` (one prefix byte,
  then each uint32 of the row little-endian).  Optionally rows are read in bit-reversed
  order (``row_order_bitrev=True``: output ``i`` hashes row ``bitrev(i)``), which the
  PCS uses to put FRI-folded pairs next to each other without copying the matrix.
* :func:`hash_pairs` — 2-to-1 compression ``prefix || left || right`` (65 bytes) of
  digest arrays; used for Merkle nodes (prefix 1) and injections (prefix 2).

The message schedule is built directly from the uint32 words (no byte buffer): with the
one-byte prefix the message word ``t`` is ``(hi byte of x[t-1]) << 24 |
byteswap24(x[t])`` -- see ``_row_word``.  Everything is checked against hashlib in
``tests/hash``.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
from llvmlite import ir
from numba import config as _numba_config
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "sha256",
    "sha256_many",
    "hash_rows",
    "hash_pairs",
    "digests_to_bytes",
    "digest_from_bytes",
    "digests_from_bytes",
    "IV",
    "bitrev_permutation",
    "pow_search",
    "kernel",
    "set_kernel",
    "calibrate",
    "kernel_info",
    "available_kernels",
]

_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
        0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
        0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
        0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
        0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
        0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
        0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
    ],
    dtype=np.uint32,
)

#: Initial hash value H^(0) (FIPS 180-4 §5.3.3).
IV = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19],
    dtype=np.uint32,
)


def sha256(data: bytes) -> bytes:
    """Scalar SHA-256 (hashlib); what verifier-side code uses."""
    return hashlib.sha256(data).digest()


# ============================================================================ core


_M32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _rotr(x, n):
    """32-bit rotate right of ``x`` (a uint64 holding a 32-bit value)."""
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & _M32


@njit(cache=True)
def _compress(state, w):
    """One SHA-256 compression: ``state`` (8,) uint32 updated in place; ``w`` (64,)
    uint32 whose first 16 entries hold the big-endian message block (overwritten with
    the message schedule).

    numba widens uint32 arithmetic to 64 bits, so all locals are uint64 holding 32-bit
    values and every sum is masked back to 32 bits before it is rotated or stored.
    """
    for t in range(16, 64):
        x = np.uint64(w[t - 15])
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint64(3))
        y = np.uint64(w[t - 2])
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint64(10))
        w[t] = np.uint32((np.uint64(w[t - 16]) + s0 + np.uint64(w[t - 7]) + s1) & _M32)
    a = np.uint64(state[0])
    b = np.uint64(state[1])
    c = np.uint64(state[2])
    d = np.uint64(state[3])
    e = np.uint64(state[4])
    f = np.uint64(state[5])
    g = np.uint64(state[6])
    h = np.uint64(state[7])
    for t in range(64):
        S1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ ((e ^ _M32) & g)
        t1 = (h + S1 + ch + np.uint64(_K[t]) + np.uint64(w[t])) & _M32
        S0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = S0 + maj
        h = g
        g = f
        f = e
        e = (d + t1) & _M32
        d = c
        c = b
        b = a
        a = (t1 + t2) & _M32
    state[0] = np.uint32((np.uint64(state[0]) + a) & _M32)
    state[1] = np.uint32((np.uint64(state[1]) + b) & _M32)
    state[2] = np.uint32((np.uint64(state[2]) + c) & _M32)
    state[3] = np.uint32((np.uint64(state[3]) + d) & _M32)
    state[4] = np.uint32((np.uint64(state[4]) + e) & _M32)
    state[5] = np.uint32((np.uint64(state[5]) + f) & _M32)
    state[6] = np.uint32((np.uint64(state[6]) + g) & _M32)
    state[7] = np.uint32((np.uint64(state[7]) + h) & _M32)


# ---------------------------------------------------------------------------- lanes
#
# The batch kernels hash LANES messages at once, "SIMD across messages": every value of
# the FIPS 180-4 computation (schedule word W_t, working variables a..h) is an array of
# LANES uint32, one per message, and each step is a loop over the lanes.  Those loops have
# no dependencies between iterations, so LLVM turns each into a few vector instructions
# (16 × 32-bit lanes fill one AVX-512 register; AVX2 machines use two).  A one-message
# kernel is a long dependency chain of scalar 32-bit operations and runs ~2.5× slower.
#
# The working variables are not shifted each round (h←g, g←f, …): they live in the rows
# of ``st`` (8, LANES) and round t reads variable r (a = 0 … h = 7) from row (r − t) mod 8;
# only the new e (written over d's row) and the new a (over h's row, which is dead) are
# stored.  After 64 rounds (a multiple of 8) the rows are back in a..h order.

#: messages hashed together by the batch kernels (one AVX-512 register of uint32)
LANES = 16


@njit(cache=True, inline="always")
def _rotr32(x, n):
    """32-bit rotate right of the uint32 ``x`` (LLVM emits one rotate instruction)."""
    return np.uint32((x >> np.uint32(n)) | np.uint32(x << np.uint32(32 - n)))


@njit(cache=True, inline="always")
def _compress_lanes(st, W, save, k):
    """SHA-256 compression of LANES messages: ``st`` (8, LANES) chaining values updated in
    place; ``W`` (64, LANES) whose rows 0..15 hold the big-endian message block words
    (rows 16..63 are overwritten with the message schedule); ``save`` (8, LANES) scratch;
    ``k`` the 64 round constants.  Same arithmetic as :func:`_compress`, per lane.
    """
    # flat views indexed with offsets (row r of W / st is [r·LANES, (r+1)·LANES))
    w = W.reshape(-1)
    s = st.reshape(-1)
    for t in range(16, 64):
        o = t * LANES
        for l in range(LANES):
            x = w[o - 15 * LANES + l]
            y = w[o - 2 * LANES + l]
            sig0 = _rotr32(x, 7) ^ _rotr32(x, 18) ^ np.uint32(x >> np.uint32(3))
            sig1 = _rotr32(y, 17) ^ _rotr32(y, 19) ^ np.uint32(y >> np.uint32(10))
            w[o + l] = np.uint32(w[o - 16 * LANES + l] + sig0 + w[o - 7 * LANES + l] + sig1)
    for r in range(8):
        for l in range(LANES):
            save[r, l] = st[r, l]
    for t in range(64):
        oa = ((0 - t) & 7) * LANES
        ob = ((1 - t) & 7) * LANES
        oc = ((2 - t) & 7) * LANES
        od = ((3 - t) & 7) * LANES
        oe = ((4 - t) & 7) * LANES
        of = ((5 - t) & 7) * LANES
        og = ((6 - t) & 7) * LANES
        oh = ((7 - t) & 7) * LANES
        kt = k[t]
        ow = t * LANES
        for l in range(LANES):
            a = s[oa + l]
            b = s[ob + l]
            c = s[oc + l]
            e = s[oe + l]
            S1 = _rotr32(e, 6) ^ _rotr32(e, 11) ^ _rotr32(e, 25)
            ch = np.uint32((e & s[of + l]) ^ (~e & s[og + l]))
            t1 = np.uint32(s[oh + l] + S1 + ch + kt + w[ow + l])
            S0 = _rotr32(a, 2) ^ _rotr32(a, 13) ^ _rotr32(a, 22)
            maj = np.uint32((a & b) ^ (a & c) ^ (b & c))
            s[od + l] = np.uint32(s[od + l] + t1)  # new e
            s[oh + l] = np.uint32(t1 + S0 + maj)  # new a
    for r in range(8):
        for l in range(LANES):
            st[r, l] = np.uint32(st[r, l] + save[r, l])


@njit(cache=True)
def _padded_byte(msg, i, L):
    """Byte ``i`` of the padded message (bytes ``msg[0:L]``, 0x80, zeros, 64-bit length)."""
    if i < L:
        return np.uint32(msg[i])
    if i == L:
        return np.uint32(0x80)
    nblocks = (L + 9 + 63) // 64
    total = nblocks * 64
    if i >= total - 8:
        shift = 8 * (total - 1 - i)
        bitlen = np.uint64(L) * np.uint64(8)
        return np.uint32((bitlen >> np.uint64(shift)) & np.uint64(0xFF))
    return np.uint32(0)


@njit(cache=True, parallel=True)
def sha256_many(msgs):
    """SHA-256 of each row of ``msgs`` ((n, L) uint8) → (n, 8) uint32 digest words."""
    n, L = msgs.shape
    nblocks = (L + 9 + 63) // 64
    out = np.empty((n, 8), dtype=np.uint32)
    for r in prange(n):
        state = IV.copy()
        w = np.empty(64, dtype=np.uint32)
        msg = msgs[r]
        for blk in range(nblocks):
            for t in range(16):
                base = blk * 64 + 4 * t
                w[t] = (
                    (_padded_byte(msg, base, L) << np.uint32(24))
                    | (_padded_byte(msg, base + 1, L) << np.uint32(16))
                    | (_padded_byte(msg, base + 2, L) << np.uint32(8))
                    | _padded_byte(msg, base + 3, L)
                )
            _compress(state, w)
        for k in range(8):
            out[r, k] = state[k]
    return out


# ============================================================================ rows


@njit(cache=True, inline="always")
def _bswap24(x):
    """Bytes 0,1,2 (little-endian order) of ``x`` as a big-endian 24-bit value."""
    return ((x & np.uint32(0xFF)) << np.uint32(16)) | (x & np.uint32(0xFF00)) | ((x >> np.uint32(16)) & np.uint32(0xFF))


@njit(cache=True, inline="always")
def _cw(row, row2, w1, k):
    """Word ``k`` of the concatenation ``row || row2`` (``row`` has ``w1`` words)."""
    return row[k] if k < w1 else row2[k - w1]


@njit(cache=True, inline="always")
def _row_word2(row, row2, w1, w, prefix, t, total_words, bitlen):
    """:func:`_row_word` of the concatenated row ``row || row2`` (``w`` words in all)."""
    if t < w:
        if t == 0:
            hi = prefix
        else:
            hi = _cw(row, row2, w1, t - 1) >> np.uint32(24)
        return (hi << np.uint32(24)) | _bswap24(_cw(row, row2, w1, t))
    if t == w:
        if w == 0:
            hi = prefix
        else:
            hi = _cw(row, row2, w1, w - 1) >> np.uint32(24)
        return (hi << np.uint32(24)) | np.uint32(0x800000)
    if t == total_words - 1:
        return bitlen
    return np.uint32(0)


@njit(cache=True, inline="always")
def _row_word(row, w, prefix, t, total_words, bitlen):
    """Message-schedule word ``t`` of the padded message ``prefix || le_bytes(row)``.

    Message byte ``4t + k``: k = 0 is the top byte of ``row[t-1]`` (or the prefix when
    t = 0), k = 1..3 are bytes 0..2 of ``row[t]``.  Word ``w`` (= after the last row
    word) holds the last data byte and the 0x80 terminator; the last two words the
    64-bit bit length (< 2^32 here).
    """
    if t < w:
        if t == 0:
            hi = prefix
        else:
            hi = row[t - 1] >> np.uint32(24)
        return (hi << np.uint32(24)) | _bswap24(row[t])
    if t == w:
        if w == 0:
            hi = prefix
        else:
            hi = row[w - 1] >> np.uint32(24)
        return (hi << np.uint32(24)) | np.uint32(0x800000)
    if t == total_words - 1:
        return bitlen
    return np.uint32(0)


@njit(cache=True)
def _bitrev_perm(log_n):
    n = 1 << log_n
    rev = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        rev[i] = (rev[i >> 1] >> 1) | ((i & 1) << (log_n - 1))
    return rev


_BITREV: dict = {}
_BITREV_KEEP = 6  # most recent sizes kept (2^22 entries are 32 MiB)


def bitrev_permutation(log_n: int) -> np.ndarray:
    """``perm[i] = bitrev_{log_n}(i)`` as an int64 array of length ``2^log_n``.

    Memoised (the few most recent sizes): a proof asks for the same few sizes dozens of
    times.  The array is shared: callers must not modify it."""
    r = _BITREV.get(log_n)
    if r is None:
        r = _bitrev_perm(log_n) if log_n > 0 else np.zeros(1, dtype=np.int64)
        if len(_BITREV) >= _BITREV_KEEP:
            _BITREV.pop(next(iter(_BITREV)))
        _BITREV[log_n] = r
    return r


@njit(cache=True)
def _hash_rows_range(mat, mat2, prefix, order, out, lo, hi):
    """Serial: digests of the rows ``mat[i] || mat2[i]`` for i in [lo, hi) into
    ``out[order[i]]`` (``out[i]`` if ``order`` is empty), LANES rows at a time (the last
    group repeats its last row in the unused lanes and does not store them)."""
    w1 = mat.shape[1]
    w = w1 + mat2.shape[1]
    L = 1 + 4 * w
    nblocks = (L + 9 + 63) // 64
    total_words = nblocks * 16
    bitlen = np.uint32(8 * L)
    pre = np.uint32(prefix)
    st = np.empty((8, LANES), dtype=np.uint32)
    save = np.empty((8, LANES), dtype=np.uint32)
    W = np.empty((64, LANES), dtype=np.uint32)
    rows = np.empty(LANES, dtype=np.int64)
    k = _K.copy()
    use_order = order.shape[0] > 0
    for g in range(lo, hi, LANES):
        for l in range(LANES):
            rows[l] = min(g + l, hi - 1)
        for r in range(8):
            for l in range(LANES):
                st[r, l] = IV[r]
        for blk in range(nblocks):
            for j in range(16):
                Wj = W[j]
                for l in range(LANES):
                    Wj[l] = _row_word2(mat[rows[l]], mat2[rows[l]], w1, w, pre, blk * 16 + j,
                                       total_words, bitlen)
            _compress_lanes(st, W, save, k)
        for l in range(min(LANES, hi - g)):
            o = order[g + l] if use_order else g + l
            for r in range(8):
                out[o, r] = st[r, l]


@njit(cache=True, parallel=True)
def _hash_rows_par(mat, mat2, prefix, order, out, nchunks):
    n = mat.shape[0]
    step = (n + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _hash_rows_range(mat, mat2, prefix, order, out, c * step, min(n, (c + 1) * step))


#: below this many items the kernels run serially (a parallel region costs a
#: synchronisation, which is expensive on a loaded machine)
_PAR_THRESHOLD = 2048


def _hash_rows_kernel(mat, prefix, order, mat2=None, out=None):
    n = mat.shape[0]
    if mat2 is None:
        mat2 = np.empty((n, 0), dtype=np.uint32)
    if out is None:
        out = np.empty((n, 8), dtype=np.uint32)
    if kernel() == "ni":
        if n < _PAR_THRESHOLD:
            _hash_rows_range_ni(mat, mat2, prefix, order, out, 0, n)
        else:
            _hash_rows_par_ni(mat, mat2, prefix, order, out, 64)
    elif n < _PAR_THRESHOLD:
        _hash_rows_range(mat, mat2, prefix, order, out, 0, n)
    else:
        _hash_rows_par(mat, mat2, prefix, order, out, 64)
    return out


def hash_rows(mat: np.ndarray, prefix: int = 0, row_order_bitrev: bool = False) -> np.ndarray:
    """Digest ``i`` = SHA-256(``prefix`` byte || little-endian bytes of row ``i``).

    ``mat``: (n, w) uint32 (made C-contiguous if needed).  With ``row_order_bitrev``
    (n must be a power of two) digest ``i`` hashes row ``bitrev_{log n}(i)``.
    Returns (n, 8) uint32.
    """
    m = np.ascontiguousarray(mat, dtype=np.uint32)
    if m.ndim != 2:
        raise ValueError(f"hash_rows expects a 2-D matrix, got shape {m.shape}")
    if not 0 <= prefix < 256:
        raise ValueError("prefix must be a byte")
    order = np.zeros(0, dtype=np.int64)
    if row_order_bitrev:
        n = m.shape[0]
        if n & (n - 1) or n == 0:
            raise ValueError("bit-reversed row order needs a power-of-two height")
        # digests are *stored* at bitrev(i) for row i: the same because bitrev is an
        # involution, and rows are read sequentially (no cache/TLB miss per row)
        order = bitrev_permutation(n.bit_length() - 1)
    return _hash_rows_kernel(m, prefix, order)


def hash_rows_into(mat: np.ndarray, extra: np.ndarray | None, prefix: int, order: np.ndarray,
                   out: np.ndarray) -> None:
    """Low-level: ``out[order[i]]`` (``out[i]`` if ``order`` is empty) = SHA-256(``prefix``
    || LE bytes of ``mat[i] || extra[i]``) for every row ``i`` of ``mat`` -- the Merkle
    tree hashes a chunk of LDE rows with their salt this way, without concatenating.
    ``mat`` and ``extra`` C-contiguous uint32 with equal heights (``extra`` may be None)."""
    n = mat.shape[0]
    if extra is None:
        extra = np.empty((n, 0), dtype=np.uint32)
    if extra.shape[0] != n or mat.dtype != np.uint32 or extra.dtype != np.uint32:
        raise ValueError("hash_rows_into: row counts or dtypes differ")
    if order.shape[0] not in (0, n):
        raise ValueError("hash_rows_into: order must be empty or have one entry per row")
    _hash_rows_kernel(np.ascontiguousarray(mat), prefix, order, np.ascontiguousarray(extra), out)


# ============================================================================ pairs


@njit(cache=True)
def _hash_pairs_range(left, right, prefix, out, lo, hi):
    """Serial: compress pairs [lo, hi) into ``out``, LANES pairs at a time.

    The 65-byte message is prefix || L0..L7 || R0..R7 (each word big-endian); the
    one-byte prefix shifts every word by 8 bits: word t = (low byte of d[t-1]) << 24 |
    d[t] >> 8, with d[-1] = prefix.  Block 2 is (low byte of R7) << 24 | 0x800000 (the
    terminator), zeros, and the bit length 65·8.
    """
    pre = np.uint32(prefix)
    st = np.empty((8, LANES), dtype=np.uint32)
    save = np.empty((8, LANES), dtype=np.uint32)
    W = np.empty((64, LANES), dtype=np.uint32)
    idx = np.empty(LANES, dtype=np.int64)
    k = _K.copy()
    for g in range(lo, hi, LANES):
        for l in range(LANES):
            idx[l] = min(g + l, hi - 1)
        for r in range(8):
            for l in range(LANES):
                st[r, l] = IV[r]
        for t in range(16):
            Wt = W[t]
            for l in range(LANES):
                i = idx[l]
                d = left[i, t] if t < 8 else right[i, t - 8]
                if t == 0:
                    prev = pre
                elif t <= 8:
                    prev = left[i, t - 1]
                else:
                    prev = right[i, t - 9]
                Wt[l] = ((prev & np.uint32(0xFF)) << np.uint32(24)) | (d >> np.uint32(8))
        _compress_lanes(st, W, save, k)
        W0 = W[0]
        for l in range(LANES):
            W0[l] = ((right[idx[l], 7] & np.uint32(0xFF)) << np.uint32(24)) | np.uint32(0x800000)
        for t in range(1, 15):
            W[t, :] = np.uint32(0)
        W[15, :] = np.uint32(65 * 8)
        _compress_lanes(st, W, save, k)
        for l in range(min(LANES, hi - g)):
            for r in range(8):
                out[g + l, r] = st[r, l]


@njit(cache=True, parallel=True)
def _hash_pairs_par(left, right, prefix, out, nchunks):
    n = left.shape[0]
    step = (n + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _hash_pairs_range(left, right, prefix, out, c * step, min(n, (c + 1) * step))


def _hash_pairs_kernel(left, right, prefix):
    n = left.shape[0]
    out = np.empty((n, 8), dtype=np.uint32)
    if kernel() == "ni":
        if n < _PAR_THRESHOLD:
            _hash_pairs_range_ni(left, right, prefix, out, 0, n)
        else:
            _hash_pairs_par_ni(left, right, prefix, out, 64)
    elif n < _PAR_THRESHOLD:
        _hash_pairs_range(left, right, prefix, out, 0, n)
    else:
        _hash_pairs_par(left, right, prefix, out, 64)
    return out


def hash_pairs(left: np.ndarray, right: np.ndarray, prefix: int) -> np.ndarray:
    """Digest ``i`` = SHA-256(``prefix`` byte || bytes(left[i]) || bytes(right[i])),
    for (n, 8) uint32 digest arrays.  Returns (n, 8) uint32."""
    # strided views (e.g. the even/odd rows of a Merkle layer) are hashed in place
    a = np.asarray(left, dtype=np.uint32)
    b = np.asarray(right, dtype=np.uint32)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != 8:
        raise ValueError(f"hash_pairs: bad shapes {a.shape}, {b.shape}")
    return _hash_pairs_kernel(a, b, prefix)


# ============================================================================ SHA-NI
#
# x86 CPUs with the SHA extensions (Intel since Ice Lake / Goldmont, AMD since Zen) have
# instructions for the SHA-256 round function and message schedule:
#
# * ``sha256rnds2(cdgh, abef, wk)`` — two rounds: the state is split in two 4-word
#   registers ABEF = (F, E, B, A) and CDGH = (H, G, D, C) (element 0 first); ``wk`` holds
#   W_t + K_t and W_{t+1} + K_{t+1} in elements 0, 1.  It returns the new ABEF; the new
#   CDGH is the old ABEF (after two rounds C, D, G, H are the previous A, B, E, F).
# * ``sha256msg1(x, y)`` / ``sha256msg2(x, y)`` — the σ0 and σ1 halves of the schedule:
#   W[t..t+3] = msg2(msg1(W[t−16..t−13], W[t−12..t−9]) + W[t−7..t−4], W[t−4..t−1]).
#
# numba cannot name these instructions, so :func:`_sha_block_ni` is a numba *intrinsic*
# that emits the LLVM IR for one 64-byte block of NI_LANES independent messages (the four
# dependency chains are interleaved so the CPU overlaps their latencies).  It is only
# compiled, and only called, when LLVM reports the ``sha`` feature for the host CPU
# (:data:`HAVE_SHA_NI`) *and* it is the faster kernel on this machine (see "kernel
# choice" below); otherwise the portable LANES kernels above are used.  Both compute
# FIPS 180-4 SHA-256 exactly; the tests compare both against hashlib on every path.
#
# SSE/AVX transitions.  ``sha256rnds2`` / ``sha256msg1`` / ``sha256msg2`` exist only in
# the legacy-SSE encoding.  On Intel cores, a legacy-SSE instruction executed while the
# upper halves of the YMM/ZMM registers are "dirty" (after any 256/512-bit VEX/EVEX
# instruction, e.g. numba's vectorised ``np.empty``/copy loops around the kernel) pays a
# state transition or a false dependency on every instruction: measured ~10x slower
# Merkle hashing on a Xeon (llvm/llvm-project#142368; OpenJDK put a ``vzeroupper`` at the
# entry of its SHA stubs for the same reason, JDK-8346653).  LLVM inserts ``vzeroupper``
# only before calls and returns, so :func:`_sha_block_ni` emits one itself at its entry
# when the target has AVX (CPUs with SHA but without AVX, e.g. Goldmont, must not execute
# it).  Every instruction between that ``vzeroupper`` and the end of the block is
# legacy-SSE or 128-bit VEX (which keeps the upper halves clean).
#
# Correctness: these kernels only produce the prover's commitments; the verifier recomputes
# every hash it checks with hashlib, so a wrong digest here cannot make a false statement
# verify -- it would make honest proofs fail.  The commitment bytes must still equal FIPS
# SHA-256 exactly (the tests compare every kernel family with hashlib and sha256_many).

#: messages per SHA-NI block call (independent chains interleaved)
NI_LANES = 4

#: position of H_r (r = 0..7 for a..h) in a lane's SHA-NI state row [F,E,B,A,H,G,D,C]
_NI_POS = np.array([3, 2, 7, 6, 1, 0, 5, 4], dtype=np.int64)


def _detect_sha_ni() -> bool:
    """True when the host CPU has the SHA extensions (and numba compiles for the host).

    ``ZKVM_SHA_NI=0`` (older spelling of ``ZKVM_SHA_KERNEL=portable``) reports False."""
    if os.environ.get("ZKVM_SHA_NI", "1") == "0":
        return False
    if _numba_config.CPU_NAME not in (None, "host"):  # cross-compiling for another CPU
        return False
    try:
        import llvmlite.binding as llb

        return bool(llb.get_host_cpu_features().get("sha", False))
    except Exception:  # pragma: no cover - no feature query: stay portable
        return False


#: True when the host CPU has the SHA extensions, so the SHA-NI kernels can run here
HAVE_SHA_NI = _detect_sha_ni()


def _target_has(context, feature: str) -> bool:
    """Whether the machine code numba generates in ``context`` may use ``feature``
    (e.g. ``"avx"``): read from the target machine's feature string.

    Correctness (numba cache): an intrinsic's codegen must depend only on what numba's
    on-disk cache key records, or a cached kernel compiled under one setting would be
    reused under another.  The key holds the target triple, CPU name and *this* feature
    string (``CPUCodegen.magic_tuple``), so a decision taken from it is always consistent
    with the cached code -- unlike an environment variable or a module global read here.
    """
    try:
        feats = context.codegen()._tm_features
    except AttributeError:  # pragma: no cover - numba internals changed: stay safe
        return False
    return f"+{feature}" in str(feats).split(",")


@intrinsic
def _sha_block_ni(typingctx, state, words, l0, w0):
    """One compression for messages (lanes) l0 … l0+NI_LANES−1 with SHA-NI, in place.

    ``state``: (nl, 8) uint32 C array, lane row in SHA-NI order [F,E,B,A,H,G,D,C] (see
    _NI_POS); ``words``: (nl, m) uint32 C array of big-endian message words; the block is
    ``words[l, w0 : w0+16]``.  Computes state += rounds(state, block) (FIPS 180-4 §6.2.2).
    """
    ok = all(
        isinstance(x, types.Array) and x.dtype == types.uint32 and x.layout == "C" and x.ndim == 2
        for x in (state, words)
    )
    if not ok or not isinstance(l0, types.Integer) or not isinstance(w0, types.Integer):
        return None
    sig = types.void(state, words, l0, w0)
    kk = [int(x) for x in _K]

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        i64 = ir.IntType(64)
        vt = ir.VectorType(i32, 4)

        def decl(name, nargs):
            return cgutils.get_or_insert_function(builder.module, ir.FunctionType(vt, [vt] * nargs), name)

        if _target_has(context, "avx"):
            # clean upper YMM/ZMM halves before the legacy-SSE SHA instructions (see
            # "SSE/AVX transitions" above); has side effects, so LLVM keeps it here
            vzu = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                                 "llvm.x86.avx.vzeroupper")
            builder.call(vzu, [])
        rnds2 = decl("llvm.x86.sha256rnds2", 3)
        msg1 = decl("llvm.x86.sha256msg1", 2)
        msg2 = decl("llvm.x86.sha256msg2", 2)
        sary = context.make_array(signature.args[0])(context, builder, args[0])
        wary = context.make_array(signature.args[1])(context, builder, args[1])
        # row strides in words (C layout: the stride of axis 0 in bytes / 4)
        s_row = builder.udiv(builder.extract_value(sary.strides, 0), ir.Constant(i64, 4))
        w_row = builder.udiv(builder.extract_value(wary.strides, 0), ir.Constant(i64, 4))

        def i64v(v):
            return builder.sext(v, i64) if v.type.width < 64 else v

        l0v, w0v = i64v(args[2]), i64v(args[3])

        def vec_ptr(base, off):
            return builder.bitcast(builder.gep(base, [off]), vt.as_pointer())

        def const_vec(vals):
            return ir.Constant(vt, [ir.Constant(i32, v) for v in vals])

        take_23 = const_vec([2, 3, 4, 4])   # (x2, x3, 0, 0): the second pair of W+K
        align_1 = const_vec([1, 2, 3, 4])   # (x1, x2, x3, y0): W[t−7..t−4] from two vectors
        zero = ir.Constant(vt, None)
        A, C, A0, C0, M, sofs = [], [], [], [], [], []
        for j in range(NI_LANES):
            lane = builder.add(l0v, ir.Constant(i64, j))
            so = builder.mul(lane, s_row)
            sofs.append(so)
            a = builder.load(vec_ptr(sary.data, so), align=4)
            c = builder.load(vec_ptr(sary.data, builder.add(so, ir.Constant(i64, 4))), align=4)
            A.append(a)
            C.append(c)
            A0.append(a)
            C0.append(c)
            wo = builder.add(builder.mul(lane, w_row), w0v)
            M.append([builder.load(vec_ptr(wary.data, builder.add(wo, ir.Constant(i64, 4 * q))), align=4)
                      for q in range(4)])
        for q in range(16):  # rounds 4q … 4q+3
            if q >= 4:
                for j in range(NI_LANES):
                    m = M[j]
                    t = builder.call(msg1, [m[q - 4], m[q - 3]])
                    t = builder.add(t, builder.shuffle_vector(m[q - 2], m[q - 1], align_1))
                    m.append(builder.call(msg2, [t, m[q - 1]]))
            kv = const_vec(kk[4 * q : 4 * q + 4])
            for j in range(NI_LANES):
                wk = builder.add(M[j][q], kv)
                C[j] = builder.call(rnds2, [C[j], A[j], wk])
                A[j] = builder.call(rnds2, [A[j], C[j], builder.shuffle_vector(wk, zero, take_23)])
        for j in range(NI_LANES):
            builder.store(builder.add(A[j], A0[j]), vec_ptr(sary.data, sofs[j]), align=4)
            builder.store(builder.add(C[j], C0[j]),
                          vec_ptr(sary.data, builder.add(sofs[j], ir.Constant(i64, 4))), align=4)
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True)
def _hash_rows_range_ni(mat, mat2, prefix, order, out, lo, hi):
    """SHA-NI version of :func:`_hash_rows_range` (same digests).

    Each message is first written as big-endian words (see _row_word) into its row of
    ``WB``; the words between the terminator and the length stay zero from the allocation.
    Rows are read in natural order and the digest of row i is *stored* at
    ``out[order[i]]`` (reading rows sequentially instead of in bit-reversed order avoids
    a cache and TLB miss per row).
    """
    w1 = mat.shape[1]
    w = w1 + mat2.shape[1]
    L = 1 + 4 * w
    nblocks = (L + 9 + 63) // 64
    total_words = nblocks * 16
    bitlen = np.uint32(8 * L)
    pre = np.uint32(prefix)
    st = np.empty((LANES, 8), dtype=np.uint32)
    WB = np.zeros((LANES, total_words), dtype=np.uint32)
    pos = _NI_POS.copy()
    use_order = order.shape[0] > 0
    for g in range(lo, hi, LANES):
        for l in range(LANES):
            i = min(g + l, hi - 1)
            row = mat[i]
            row2 = mat2[i]
            wb = WB[l]
            hb = pre
            if w > 0:
                # word t = (top byte of word t−1, or the prefix) << 24 | bswap24(word t):
                # two branch-free loops (row, then row2) that LLVM vectorises
                top = np.uint32(0xFF000000)
                wb[0] = (pre << np.uint32(24)) | _bswap24(_cw(row, row2, w1, 0))
                for t in range(1, w1):
                    wb[t] = (row[t - 1] & top) | _bswap24(row[t])
                if w1 < w:
                    if w1 > 0:
                        wb[w1] = (row[w1 - 1] & top) | _bswap24(row2[0])
                    for t in range(w1 + 1, w):
                        wb[t] = (row2[t - w1 - 1] & top) | _bswap24(row2[t - w1])
                if w1 < w:
                    hb = row2[w - w1 - 1] >> np.uint32(24)
                else:
                    hb = row[w1 - 1] >> np.uint32(24)
            wb[w] = (hb << np.uint32(24)) | np.uint32(0x800000)
            wb[total_words - 1] = bitlen
            for r in range(8):
                st[l, pos[r]] = IV[r]
        for blk in range(nblocks):
            for l0 in range(0, LANES, NI_LANES):
                _sha_block_ni(st, WB, l0, blk * 16)
        for l in range(min(LANES, hi - g)):
            o = order[g + l] if use_order else g + l
            for r in range(8):
                out[o, r] = st[l, pos[r]]


@njit(cache=True, parallel=True)
def _hash_rows_par_ni(mat, mat2, prefix, order, out, nchunks):
    n = mat.shape[0]
    step = (n + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _hash_rows_range_ni(mat, mat2, prefix, order, out, c * step, min(n, (c + 1) * step))


@njit(cache=True)
def _hash_pairs_range_ni(left, right, prefix, out, lo, hi):
    """SHA-NI version of :func:`_hash_pairs_range` (same digests): the two blocks of each
    65-byte message are written as 32 big-endian words, then compressed."""
    pre = np.uint32(prefix)
    st = np.empty((LANES, 8), dtype=np.uint32)
    WB = np.zeros((LANES, 32), dtype=np.uint32)
    pos = _NI_POS.copy()
    for g in range(lo, hi, LANES):
        for l in range(LANES):
            i = min(g + l, hi - 1)
            wb = WB[l]
            prev = pre
            for t in range(16):
                d = left[i, t] if t < 8 else right[i, t - 8]
                wb[t] = ((prev & np.uint32(0xFF)) << np.uint32(24)) | (d >> np.uint32(8))
                prev = d
            wb[16] = ((prev & np.uint32(0xFF)) << np.uint32(24)) | np.uint32(0x800000)
            wb[31] = np.uint32(65 * 8)  # words 17..30 stay zero
            for r in range(8):
                st[l, pos[r]] = IV[r]
        for blk in range(2):
            for l0 in range(0, LANES, NI_LANES):
                _sha_block_ni(st, WB, l0, blk * 16)
        for l in range(min(LANES, hi - g)):
            for r in range(8):
                out[g + l, r] = st[l, pos[r]]


@njit(cache=True, parallel=True)
def _hash_pairs_par_ni(left, right, prefix, out, nchunks):
    n = left.shape[0]
    step = (n + nchunks - 1) // nchunks
    for c in prange(nchunks):
        _hash_pairs_range_ni(left, right, prefix, out, c * step, min(n, (c + 1) * step))


# ============================================================================ kernel choice
#
# Which batch kernel family hashes rows and pairs: ``"ni"`` (SHA-NI, only where the CPU
# has it) or ``"portable"``.  SHA-NI is not always the faster one (before the
# ``vzeroupper`` fix it was 50-90x slower than the portable kernel on a Xeon), so the
# choice is measured once per machine, at first use: each available kernel hashes a few
# thousand Merkle pairs and a few hundred rows (serially, after a warm-up call that loads
# or compiles it), best of several interleaved repeats, and the faster one wins.  The
# result is cached in ``<zkvm cache>/sha256-kernel/<key>.json`` where the key hashes the
# CPU model, LLVM's CPU name and feature string, and the zkvm and numba versions, so a
# new machine, CPU or release measures again.  ``ZKVM_SHA_KERNEL=ni|portable`` overrides
# both (``ni`` on a CPU without SHA falls back to ``portable`` with a warning).
#
# The choice never changes a digest: both families compute FIPS 180-4 SHA-256 (tested
# against hashlib and each other, including whole Merkle roots).

#: names of the batch kernel families
SHA_KERNELS = ("ni", "portable")

_kernel: str | None = None  # the choice, once made (kernel() / set_kernel())
_kernel_info: dict = {}  # how it was made: source, timings, cache file


def available_kernels() -> tuple:
    """Kernel families that can run on this host: ``("ni", "portable")`` with SHA-NI."""
    return SHA_KERNELS if HAVE_SHA_NI else ("portable",)


def cache_dir() -> str:
    """The zkvm per-user cache directory: ``$ZKVM_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/zkvm``, else ``~/.cache/zkvm`` (the zig cache lives under it too)."""
    d = os.environ.get("ZKVM_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zkvm")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def machine_key() -> str:
    """Hex key of what decides the kernel choice: CPU model, LLVM host CPU name and
    feature string, zkvm and numba versions."""
    import llvmlite.binding as llb
    import numba

    from zkvm import __version__

    try:
        feats = llb.get_host_cpu_features().flatten()
    except Exception:  # pragma: no cover
        feats = ""
    parts = ["zkvm/sha256-kernel/v1", _cpu_model(), llb.get_host_cpu_name(), feats,
             __version__, numba.__version__, str(_numba_config.CPU_NAME)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _bench_kernels(kernels, repeats: int = 5, pairs: int = 4096, rows: int = 512) -> dict:
    """Seconds (best of ``repeats``) per kernel family to hash ``pairs`` Merkle pairs and
    ``rows`` rows of 24 words, serially (no thread pool: the per-core speed is what
    differs), after one warm-up call each."""
    import time

    left = (np.arange(pairs * 8, dtype=np.uint32) * np.uint32(2654435761)).reshape(pairs, 8)
    right = left[::-1].copy()
    mat = (np.arange(rows * 24, dtype=np.uint32) * np.uint32(40503)).reshape(rows, 24)
    no_order = np.zeros(0, dtype=np.int64)
    no_extra = np.empty((rows, 0), dtype=np.uint32)
    out_p = np.empty((pairs, 8), dtype=np.uint32)
    out_r = np.empty((rows, 8), dtype=np.uint32)
    fns = {"ni": (_hash_pairs_range_ni, _hash_rows_range_ni),
           "portable": (_hash_pairs_range, _hash_rows_range)}

    def once(name):
        fp, fr = fns[name]
        t0 = time.perf_counter()
        fp(left, right, 1, out_p, 0, pairs)
        fr(mat, no_extra, 0, no_order, out_r, 0, rows)
        return time.perf_counter() - t0

    for name in kernels:
        once(name)  # load from the numba cache (or compile)
    best = {name: float("inf") for name in kernels}
    for _ in range(repeats):  # interleaved, so a burst of load hits both
        for name in kernels:
            best[name] = min(best[name], once(name))
    return best


def calibrate(use_cache: bool = True) -> str:
    """Measure the available kernel families and return the faster one's name; with
    ``use_cache`` read the cached answer for this machine if there is one and store a new
    one.  A single available kernel is returned without measuring."""
    import json

    avail = available_kernels()
    if len(avail) == 1:
        _kernel_info.update(source="only kernel available")
        return avail[0]
    path = os.path.join(cache_dir(), "sha256-kernel", machine_key() + ".json")
    if use_cache:
        try:
            with open(path, encoding="utf-8") as f:
                rec = json.load(f)
            if rec.get("kernel") in avail:
                _kernel_info.update(source="cache", path=path, timings=rec.get("seconds"))
                return rec["kernel"]
        except (OSError, ValueError, AttributeError):
            pass  # missing or unreadable: measure
    secs = _bench_kernels(avail)
    choice = min(avail, key=lambda k: secs[k])
    _kernel_info.update(source="calibrated", path=path, timings=secs)
    if use_cache:
        rec = {"kernel": choice, "seconds": secs, "cpu": _cpu_model()}
        try:  # atomic: write a private file, then rename over the final name
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(rec, f)
            os.replace(tmp, path)
        except OSError:
            pass  # read-only cache: measure again next time
    return choice


def _from_env() -> str | None:
    want = os.environ.get("ZKVM_SHA_KERNEL", "").strip().lower()
    if not want:
        return None
    if want not in SHA_KERNELS:
        import warnings

        warnings.warn(f"ZKVM_SHA_KERNEL={want!r} is not one of {', '.join(SHA_KERNELS)}; ignored",
                      RuntimeWarning, stacklevel=3)
        return None
    if want == "ni" and not HAVE_SHA_NI:
        import warnings

        warnings.warn("ZKVM_SHA_KERNEL=ni but this CPU has no SHA extensions: using the "
                      "portable kernel", RuntimeWarning, stacklevel=3)
        return "portable"
    return want


def kernel() -> str:
    """The batch kernel family in use (``"ni"`` or ``"portable"``), chosen on first call:
    ``ZKVM_SHA_KERNEL`` if set, else the cached or fresh :func:`calibrate` result."""
    global _kernel
    if _kernel is None:
        env = _from_env()
        if env is not None:
            _kernel_info.update(source="ZKVM_SHA_KERNEL")
            _kernel = env
        else:
            _kernel = calibrate()
    return _kernel


def set_kernel(name: str | None) -> None:
    """Force the kernel family (``"ni"``/``"portable"``), or ``None`` to choose again on
    next use.  Raises ``ValueError`` for a kernel this host cannot run."""
    global _kernel
    if name is not None and name not in available_kernels():
        raise ValueError(f"SHA-256 kernel {name!r} is not available here "
                         f"(available: {', '.join(available_kernels())})")
    _kernel = name
    _kernel_info.clear()
    if name is not None:
        _kernel_info.update(source="set_kernel")


def kernel_info() -> dict:
    """How the current kernel was chosen: ``{"kernel", "source", "timings"?, "path"?}``."""
    return {"kernel": kernel(), **_kernel_info}


# ============================================================================ bytes


def digests_to_bytes(d: np.ndarray) -> bytes:
    """(n, 8) or (8,) uint32 digest words → concatenated 32-byte digests."""
    return np.ascontiguousarray(d, dtype=np.uint32).astype(">u4").tobytes()


def digests_from_bytes(b: bytes) -> np.ndarray:
    """Concatenated 32-byte digests → (n, 8) uint32 words."""
    if len(b) % 32:
        raise ValueError("digest bytes must be a multiple of 32")
    return np.frombuffer(b, dtype=">u4").astype(np.uint32).reshape(-1, 8)


def digest_from_bytes(b: bytes) -> np.ndarray:
    """One 32-byte digest → (8,) uint32 words."""
    if len(b) != 32:
        raise ValueError("a digest is 32 bytes")
    return digests_from_bytes(b)[0]


# ============================================================================ grinding


@njit(cache=True, parallel=True)
def _pow_search_kernel(prefix, bits, start, count):
    """Smallest nonce in [start, start+count) whose SHA-256(prefix || u64le(nonce)) has
    ``bits`` leading zero bits, or -1.  ``len(prefix) ≤ 47`` (one block); ``count`` a
    multiple of 64 (64 independent stripes, each with its own buffers)."""
    plen = prefix.shape[0]
    L = plen + 8
    stripes = 64
    per = count // stripes
    best = np.full(stripes, -1, dtype=np.int64)
    for s in prange(stripes):
        buf = np.zeros(64, dtype=np.uint8)
        for k in range(plen):
            buf[k] = prefix[k]
        buf[L] = np.uint8(0x80)
        bitlen = 8 * L
        buf[62] = np.uint8((bitlen >> 8) & 0xFF)
        buf[63] = np.uint8(bitlen & 0xFF)
        w = np.empty(64, dtype=np.uint32)
        state = np.empty(8, dtype=np.uint32)
        for j in range(per):
            nonce_i = start + s * per + j
            nonce = np.uint64(nonce_i)
            for k in range(8):
                buf[plen + k] = np.uint8((nonce >> np.uint64(8 * k)) & np.uint64(0xFF))
            for t in range(16):
                w[t] = (
                    (np.uint32(buf[4 * t]) << np.uint32(24))
                    | (np.uint32(buf[4 * t + 1]) << np.uint32(16))
                    | (np.uint32(buf[4 * t + 2]) << np.uint32(8))
                    | np.uint32(buf[4 * t + 3])
                )
            for k in range(8):
                state[k] = IV[k]
            _compress(state, w)
            if bits == 0 or (np.uint64(state[0]) >> np.uint64(32 - bits)) == 0:
                best[s] = nonce_i
                break
    res = -1
    for s in range(stripes):
        if best[s] >= 0 and (res < 0 or best[s] < res):
            res = best[s]
    return res


@njit(cache=True, inline="always")
def _pow_words(template, plen, nonce, wb):
    """The padded block ``prefix || u64le(nonce) || 0x80 …`` as 16 big-endian words
    (``template`` holds it with a zero nonce)."""
    for t in range(16):
        wb[t] = template[t]
    for k in range(8):
        pos = plen + k
        b = np.uint32((np.uint64(nonce) >> np.uint64(8 * k)) & np.uint64(0xFF))
        wb[pos >> 2] |= b << np.uint32(24 - 8 * (pos & 3))


@njit(cache=True, parallel=True)
def _pow_search_lanes(template, plen, bits, start, count):
    """As :func:`_pow_search_kernel` with the portable LANES kernel (16 nonces per
    compression call)."""
    stripes = 64
    per = count // stripes
    best = np.full(stripes, -1, dtype=np.int64)
    for s in prange(stripes):
        st = np.empty((8, LANES), dtype=np.uint32)
        save = np.empty((8, LANES), dtype=np.uint32)
        W = np.empty((64, LANES), dtype=np.uint32)
        wb = np.empty(16, dtype=np.uint32)
        k = _K.copy()
        lo = start + s * per
        for g in range(lo, lo + per, LANES):
            for l in range(LANES):
                _pow_words(template, plen, g + l, wb)
                for t in range(16):
                    W[t, l] = wb[t]
            for r in range(8):
                for l in range(LANES):
                    st[r, l] = IV[r]
            _compress_lanes(st, W, save, k)
            found = -1
            for l in range(LANES):
                if bits == 0 or np.uint64(st[0, l]) >> np.uint64(32 - bits) == 0:
                    found = g + l
                    break
            if found >= 0:
                best[s] = found
                break
    res = -1
    for s in range(stripes):
        if best[s] >= 0 and (res < 0 or best[s] < res):
            res = best[s]
    return res


@njit(cache=True, parallel=True)
def _pow_search_ni(template, plen, bits, start, count):
    """As :func:`_pow_search_kernel` with the SHA-NI block kernel."""
    stripes = 64
    per = count // stripes
    best = np.full(stripes, -1, dtype=np.int64)
    for s in prange(stripes):
        st = np.empty((LANES, 8), dtype=np.uint32)
        WB = np.zeros((LANES, 16), dtype=np.uint32)
        pos = _NI_POS.copy()
        lo = start + s * per
        for g in range(lo, lo + per, LANES):
            for l in range(LANES):
                _pow_words(template, plen, g + l, WB[l])
                for r in range(8):
                    st[l, pos[r]] = IV[r]
            for l0 in range(0, LANES, NI_LANES):
                _sha_block_ni(st, WB, l0, 0)
            found = -1
            for l in range(LANES):
                if bits == 0 or np.uint64(st[l, pos[0]]) >> np.uint64(32 - bits) == 0:
                    found = g + l
                    break
            if found >= 0:
                best[s] = found
                break
    res = -1
    for s in range(stripes):
        if best[s] >= 0 and (res < 0 or best[s] < res):
            res = best[s]
    return res


def pow_search(prefix: bytes, bits: int, max_nonce: int = 1 << 40) -> int:
    """Smallest nonce ≥ 0 with ``SHA-256(prefix || u64le(nonce))`` starting with ``bits``
    zero bits (1 ≤ bits ≤ 32, ``len(prefix) ≤ 47``).  Numba, parallel, chunked, 16 nonces
    per call of the batch kernel in use (:func:`kernel`); :func:`_pow_search_kernel` is
    the one-message reference (tests compare them)."""
    if len(prefix) > 47:
        raise ValueError("pow_search: prefix must fit in one block with the nonce")
    if not 0 <= bits <= 32:
        raise ValueError("pow_search: bits must be in [0, 32]")
    plen = len(prefix)
    block = bytearray(64)
    block[:plen] = prefix
    block[plen + 8] = 0x80
    block[56:] = (8 * (plen + 8)).to_bytes(8, "big")
    template = np.frombuffer(bytes(block), dtype=">u4").astype(np.uint32)
    kern = _pow_search_ni if kernel() == "ni" else _pow_search_lanes
    start = 0
    chunk = 1 << 14
    while start < max_nonce:
        r = kern(template, plen, bits, start, chunk)
        if r >= 0:
            return int(r)
        start += chunk
        chunk = min(chunk * 2, 1 << 20)
    raise RuntimeError("pow_search: no nonce found")

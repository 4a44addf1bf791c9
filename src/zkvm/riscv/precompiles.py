"""zkvm precompiles: hash permutations executed by the host, proven by dedicated chips.

Precompiles are system calls in the reserved range ``0x5A00..0x5AFF`` (docs/abi.md,
"Precompiles"). Each one reads a fixed set of aligned 32-bit words of guest memory,
computes a fixed function, writes a fixed set of words back and returns ``a0 = 0``:

==========  ===================  ===================================================
number      name                 arguments
==========  ===================  ===================================================
``0x5A00``  ``SHA256_COMPRESS``  a0 = ``uint32_t state[8]`` (read and written),
                                 a1 = ``uint8_t block[64]`` (read); both 4-aligned
``0x5A01``  ``KECCAK_F1600``     a0 = ``uint64_t state[25]`` (200 bytes, read and
                                 written, lanes little endian); 4-aligned
==========  ===================  ===================================================

SHA256_COMPRESS is the FIPS 180-4 compression function: the state words are native
(little-endian) ``uint32_t`` values, the block is the 64 message bytes in order (so the
message word ``W_t`` is the *big-endian* reading of bytes ``4t..4t+3``). KECCAK_F1600 is
the Keccak-f[1600] permutation (FIPS 202, 24 rounds) on 25 little-endian 64-bit lanes,
lane ``(x, y)`` at index ``x + 5y``.

Checks (soundness checklist item 26): pointers must be 4-aligned (``MisalignedAccess``)
and every byte of each buffer must be inside guest memory with the needed permission
(``MemoryFault`` naming the precompile and the buffer); the state is read and written,
so it needs R and W. The inputs are all read before the output is written, so the
buffers may overlap (the circuits do the same: reads at earlier memory times than the
state write).

Accounting: :class:`PrecompileLog` counts calls per precompile (``ExecutionResult.
precompile_calls``, separate from RISC-V ``cycles``: the ``ecall`` itself is one cycle)
and, when recording, keeps one record per call (:class:`PrecompileEvents`) with the
words read and written; the precompile traffic is *not* part of ``SyscallAccesses``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import MisalignedAccess, UnknownSyscall
from .layout import PERM_R, PERM_W

SYS_SHA256_COMPRESS = 0x5A00
SYS_KECCAK_F1600 = 0x5A01
PRECOMPILE_RANGE = range(0x5A00, 0x5B00)
#: number -> name (the names used in ``ExecutionResult.precompile_calls``).
PRECOMPILE_NAMES = {SYS_SHA256_COMPRESS: "sha256_compress", SYS_KECCAK_F1600: "keccak_f1600"}

MASK32 = 0xFFFF_FFFF
MASK64 = (1 << 64) - 1

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


# ---------------------------------------------------------------------------- Keccak
#: Keccak-f[1600] round constants (iota), FIPS 202 §3.2.5.
KECCAK_RC = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
#: rho offsets, indexed ``x + 5y`` (FIPS 202 §3.2.2).
KECCAK_RHO = (
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
)  # fmt: skip


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


# ---------------------------------------------------------------------------- records
@dataclass
class Sha256Calls:
    """One row per SHA256_COMPRESS call (uint32 arrays): ``cycle`` (row of the ecall in
    ``Events``), ``state_ptr``, ``block_ptr``, ``state_in``/``state_out`` ``(n, 8)`` (the
    words at ``state_ptr + 4i``), ``block`` ``(n, 16)`` (the memory words at
    ``block_ptr + 4i`` as little-endian uint32, i.e. byte-swapped message words)."""

    cycle: np.ndarray
    state_ptr: np.ndarray
    block_ptr: np.ndarray
    state_in: np.ndarray
    block: np.ndarray
    state_out: np.ndarray

    def __len__(self) -> int:
        return len(self.cycle)


@dataclass
class KeccakCalls:
    """One row per KECCAK_F1600 call: ``cycle``, ``state_ptr``, ``state_in``/``state_out``
    ``(n, 50)`` uint32 (the memory words at ``state_ptr + 4i``: lane ``j`` is words
    ``2j`` (low half) and ``2j + 1``)."""

    cycle: np.ndarray
    state_ptr: np.ndarray
    state_in: np.ndarray
    state_out: np.ndarray

    def __len__(self) -> int:
        return len(self.cycle)


@dataclass
class PrecompileEvents:
    """Per-call records of every precompile (``ExecutionResult.precompile_events``)."""

    sha256: Sha256Calls
    keccak: KeccakCalls

    def memory_words(self) -> int:
        """Number of word accesses (a read-and-write of one word counts once)."""
        return 32 * len(self.sha256) + 50 * len(self.keccak)


@dataclass
class PrecompileLog:
    """Per-run accumulator the syscall layer attaches to the machine."""

    counts: dict = field(default_factory=dict)
    sha: list = field(default_factory=list)
    keccak: list = field(default_factory=list)

    def calls(self) -> dict[str, int]:
        return {PRECOMPILE_NAMES[k]: v for k, v in sorted(self.counts.items())}

    def events(self) -> PrecompileEvents:
        def col(rows, i, width=None):
            if not rows:
                return np.zeros((0,) if width is None else (0, width), dtype=np.uint32)
            return np.array([r[i] for r in rows], dtype=np.uint32)

        s, k = self.sha, self.keccak
        return PrecompileEvents(
            Sha256Calls(col(s, 0), col(s, 1), col(s, 2), col(s, 3, 8), col(s, 4, 16), col(s, 5, 8)),
            KeccakCalls(col(k, 0), col(k, 1), col(k, 2, 50), col(k, 3, 50)),
        )


def log_of(m) -> PrecompileLog:
    """The machine's :class:`PrecompileLog` (created on first use)."""
    log = m.__dict__.get("precompile_log")
    if log is None:
        log = m.precompile_log = PrecompileLog()
    return log


# ---------------------------------------------------------------------------- handler
def _words(m, addr: int, n: int, need: int, pc: int, what: str) -> np.ndarray:
    """Check and return the ``n`` aligned words at ``addr`` (a copy)."""
    if addr % 4:
        kind = "write" if need & PERM_W else "read"
        raise MisalignedAccess(f"{what}: pointer 0x{addr:08x} is not 4-byte aligned", pc, addr, kind)
    m.check_buffer(addr, 4 * n, need, pc, what)
    return m.mem32[addr >> 2 : (addr >> 2) + n].copy()


def _fast_sha256_compress(state_words: np.ndarray, block_words: np.ndarray) -> np.ndarray:
    """:func:`sha256_compress` on word arrays with the numba kernel of
    :mod:`zkvm.hash.sha256` (loaded at first use): ``block_words`` are the 16 memory words
    (little endian), so the big-endian message words are their byte swaps."""
    from zkvm.hash.sha256 import _compress

    st = state_words.astype(np.uint32).copy()
    w = np.zeros(64, dtype=np.uint32)
    w[:16] = block_words.astype(np.uint32).byteswap()
    _compress(st, w)
    return st


def handle_precompile(m, num: int, pc: int) -> None:
    """Run precompile ``num`` (in :data:`PRECOMPILE_RANGE`) for the ecall at ``pc``.

    Raises :class:`UnknownSyscall` for an unassigned number in the range, and
    :class:`MisalignedAccess`/:class:`MemoryFault` for a bad pointer (nothing is written
    then). On success writes the output words and sets ``a0 = 0``.
    """
    a0, a1 = m.reg(10), m.reg(11)
    log = log_of(m)
    if num == SYS_SHA256_COMPRESS:
        st = _words(m, a0, 8, PERM_R, pc, "sha256_compress state")
        _words(m, a0, 8, PERM_W, pc, "sha256_compress state")
        blk = _words(m, a1, 16, PERM_R, pc, "sha256_compress block")
        out = _fast_sha256_compress(st, blk)
        m.mem32[a0 >> 2 : (a0 >> 2) + 8] = out
        if m.record:
            log.sha.append((m.cycles, a0, a1, st, blk, out))
    elif num == SYS_KECCAK_F1600:
        st = _words(m, a0, 50, PERM_R, pc, "keccak_f1600 state")
        _words(m, a0, 50, PERM_W, pc, "keccak_f1600 state")
        from .precompile_kernels import keccak_f1600_words  # numba: loaded at first use

        out = keccak_f1600_words(st)
        m.mem32[a0 >> 2 : (a0 >> 2) + 50] = out
        if m.record:
            log.keccak.append((m.cycles, a0, st, out))
    else:
        raise UnknownSyscall(num, pc)
    log.counts[num] = log.counts.get(num, 0) + 1
    m.set_reg(10, 0)


__all__ = [
    "SYS_SHA256_COMPRESS",
    "SYS_KECCAK_F1600",
    "PRECOMPILE_RANGE",
    "PRECOMPILE_NAMES",
    "SHA256_K",
    "SHA256_IV",
    "KECCAK_RC",
    "KECCAK_RHO",
    "sha256_compress",
    "sha256_schedule",
    "sha256_rounds",
    "keccak_f1600",
    "keccak_round",
    "handle_precompile",
    "PrecompileEvents",
    "Sha256Calls",
    "KeccakCalls",
    "PrecompileLog",
]

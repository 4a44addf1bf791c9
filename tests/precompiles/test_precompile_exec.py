"""Precompile syscalls (SHA256_COMPRESS 0x5A00, KECCAK_F1600 0x5A01) in the executor.

The Keccak reference here is written independently of :mod:`zkvm.riscv.precompiles`
(a lane-matrix formulation with rho offsets computed from FIPS 202's (t+1)(t+2)/2 rule and
iota constants from the LFSR) and is itself checked against ``hashlib.sha3_256``, which
uses the same permutation with another padding.
"""

import hashlib
import random

import numpy as np
import pytest

from zkvm.riscv import MemoryFault, MisalignedAccess, UnknownSyscall, execute
from zkvm.riscv.asm import encode, li
from zkvm.precompiles.keccak.air import SYS_KECCAK_F1600
from zkvm.precompiles.keccak.exec import keccak_f1600
from zkvm.precompiles.sha256.air import SYS_SHA256_COMPRESS
from zkvm.precompiles.sha256.exec import SHA256_IV, sha256_compress
from zkvm.riscv.testing import SCRATCH, run_both


# ----------------------------------------------------------------- independent references
def _lfsr_rc():
    """Iota constants from the FIPS 202 §3.2.5 LFSR rc(t)."""
    def rc(t):
        if t % 255 == 0:
            return 1
        r = [1, 0, 0, 0, 0, 0, 0, 0]
        for _ in range(t % 255):
            r = [0] + r
            r[0] ^= r[8]
            r[4] ^= r[8]
            r[5] ^= r[8]
            r[6] ^= r[8]
            r = r[:8]
        return r[0]

    out = []
    for ir in range(24):
        v = 0
        for j in range(7):
            if rc(j + 7 * ir):
                v |= 1 << ((1 << j) - 1)
        out.append(v)
    return out


def _rho_offsets():
    off = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        off[x][y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return off


_RC = _lfsr_rc()
_RHO = _rho_offsets()


def ref_keccak_f(lanes):
    M = (1 << 64) - 1
    rot = lambda v, n: ((v << n) | (v >> (64 - n))) & M if n % 64 else v  # noqa: E731
    A = [[lanes[x + 5 * y] for y in range(5)] for x in range(5)]
    for ir in range(24):
        C = [A[x][0] ^ A[x][1] ^ A[x][2] ^ A[x][3] ^ A[x][4] for x in range(5)]
        D = [C[(x - 1) % 5] ^ rot(C[(x + 1) % 5], 1) for x in range(5)]
        A = [[A[x][y] ^ D[x] for y in range(5)] for x in range(5)]
        B = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                B[y][(2 * x + 3 * y) % 5] = rot(A[x][y], _RHO[x][y])
        A = [[B[x][y] ^ ((~B[(x + 1) % 5][y]) & B[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        A[0][0] ^= _RC[ir]
    return [A[i % 5][i // 5] for i in range(25)]


def sponge(data: bytes, rate: int, pad: int, out_len: int, f=ref_keccak_f) -> bytes:
    """Keccak sponge; ``pad`` = 0x01 (Keccak/Ethereum) or 0x06 (SHA-3)."""
    msg = bytearray(data) + bytes([pad])
    msg += bytes(-len(msg) % rate)
    msg[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(msg), rate):
        blk = msg[off : off + rate]
        for i in range(rate // 8):
            st[i] ^= int.from_bytes(blk[8 * i : 8 * i + 8], "little")
        st = f(st)
    return b"".join(v.to_bytes(8, "little") for v in st)[:out_len]


def keccak256(data: bytes, f=ref_keccak_f) -> bytes:
    return sponge(data, 136, 0x01, 32, f)


def test_reference_keccak_matches_hashlib_sha3():
    for n in (0, 1, 135, 136, 137, 500):
        d = bytes(random.Random(n).randrange(256) for _ in range(n))
        assert sponge(d, 136, 0x06, 32) == hashlib.sha3_256(d).digest()


def test_keccak256_known_answers():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    # Ethereum: the selector of transfer(address,uint256)
    assert keccak256(b"transfer(address,uint256)")[:4].hex() == "a9059cbb"


def test_executor_keccak_f_matches_reference():
    rng = random.Random(1)
    for _ in range(5):
        st = [rng.getrandbits(64) for _ in range(25)]
        assert keccak_f1600(st) == ref_keccak_f(st)
    assert keccak256(b"", f=keccak_f1600) == keccak256(b"")


def test_sha256_compress_matches_hashlib():
    # one-block message "abc" (NIST FIPS 180-2 example), padded by hand
    msg = b"abc" + b"\x80" + bytes(52) + (24).to_bytes(8, "big")
    out = sha256_compress(SHA256_IV, msg)
    assert b"".join(v.to_bytes(4, "big") for v in out) == hashlib.sha256(b"abc").digest()


# ----------------------------------------------------------------- guest programs
def store_words(addr, words):
    w = li(28, addr)
    for i, v in enumerate(words):
        w += li(29, int(v)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
    return w


def ecall(num, a0, a1=0):
    return li(10, a0) + li(11, a1) + li(17, num) + [encode("ecall"), encode("addi", 18, 10, imm=0)]


def journal(addr, n):
    return li(10, 3) + li(11, addr) + li(12, n) + li(17, 64) + [encode("ecall")]


ST, BLK = SCRATCH, SCRATCH + 0x100


def test_sha256_compress_syscall():
    rng = random.Random(7)
    state = [rng.getrandbits(32) for _ in range(8)]
    block = bytes(rng.randrange(256) for _ in range(64))
    bw = np.frombuffer(block, dtype="<u4")
    prog = store_words(ST, state) + store_words(BLK, bw) + ecall(SYS_SHA256_COMPRESS, ST, BLK) + journal(ST, 32)
    r = run_both(prog)
    want = sha256_compress(state, block)
    assert r.journal == b"".join(v.to_bytes(4, "little") for v in want)
    assert r.registers[18] == 0
    assert r.precompile_calls == {"sha256_compress": 1}
    ev = r.precompile_events.sha256
    assert len(ev) == 1 and len(r.precompile_events.keccak) == 0
    assert ev.state_ptr[0] == ST and ev.block_ptr[0] == BLK
    assert list(ev.state_in[0]) == state and list(ev.state_out[0]) == list(want)
    assert list(ev.block[0]) == list(bw)
    i = int(ev.cycle[0])
    assert r.events.insn[i] == 0x73 and r.events.rs1_val[i] == SYS_SHA256_COMPRESS
    # precompile traffic is not in the syscall accesses (only the journal write is)
    assert set(r.syscall_accesses.kind.tolist()) == {1}


def test_sha256_overlapping_buffers_read_before_write():
    """state and block overlap: every input is read before the state is written."""
    rng = random.Random(8)
    words = [rng.getrandbits(32) for _ in range(16)]
    prog = store_words(ST, words) + ecall(SYS_SHA256_COMPRESS, ST, ST) + journal(ST, 64)
    r = run_both(prog)
    block = np.array(words, dtype="<u4").tobytes()
    want = sha256_compress(words[:8], block)
    exp = b"".join(v.to_bytes(4, "little") for v in want) + block[32:]
    assert r.journal == exp


def test_keccak_f1600_syscall():
    rng = random.Random(9)
    lanes = [rng.getrandbits(64) for _ in range(25)]
    words = [(v >> s) & 0xFFFFFFFF for v in lanes for s in (0, 32)]
    prog = store_words(ST, words) + ecall(SYS_KECCAK_F1600, ST) + ecall(SYS_KECCAK_F1600, ST) + journal(ST, 200)
    r = run_both(prog)
    want = ref_keccak_f(ref_keccak_f(lanes))
    assert r.journal == b"".join(v.to_bytes(8, "little") for v in want)
    assert r.precompile_calls == {"keccak_f1600": 2}
    assert len(r.precompile_events.keccak) == 2
    assert r.precompile_events.keccak.state_in.shape == (2, 50)


def test_counts_without_recording():
    prog = ecall(SYS_KECCAK_F1600, ST) + ecall(SYS_SHA256_COMPRESS, ST, ST)
    from zkvm.riscv.testing import program

    r = execute(program(prog))
    assert r.precompile_calls == {"sha256_compress": 1, "keccak_f1600": 1}
    assert r.precompile_events is None


@pytest.mark.parametrize("num,a0,a1,err", [
    (SYS_SHA256_COMPRESS, ST + 2, BLK, MisalignedAccess),
    (SYS_SHA256_COMPRESS, ST, BLK + 1, MisalignedAccess),
    (SYS_KECCAK_F1600, ST + 4 * 1 + 2, 0, MisalignedAccess),
    (SYS_SHA256_COMPRESS, 0x100, BLK, MemoryFault),              # null guard
    (SYS_SHA256_COMPRESS, ST, 0x3FFF_FFF0, MemoryFault),        # block runs past the top
    (SYS_KECCAK_F1600, 0x4000_0000 - 196, 0, MemoryFault),       # state runs past the top
    (SYS_SHA256_COMPRESS, 0xFFFF_FFFC, BLK, MemoryFault),        # outside guest memory
    (0x5A02, ST, BLK, UnknownSyscall),
    (0x5AFF, ST, BLK, UnknownSyscall),
])  # fmt: skip
def test_bad_calls(num, a0, a1, err):
    with pytest.raises(err):
        run_both(ecall(num, a0, a1))


def test_state_in_read_only_segment_is_written_with_a_warning():
    from zkvm.riscv.testing import program

    prog = program(ecall(SYS_SHA256_COMPRESS, 0x1_0000, BLK))  # the code segment (R+X)
    r = execute(prog)  # flat data memory: performed, reported
    assert r.warning_count == 1 and "sha256_compress state" in r.warnings[0]


def test_fast_kernels_equal_the_reference_definitions():
    """The executor's numba kernels compute the readable reference functions."""
    import random

    from zkvm.precompiles.keccak.kernel import keccak_f1600_words
    from zkvm.precompiles.keccak.exec import keccak_f1600
    from zkvm.precompiles.sha256.exec import fast_sha256_compress as _fast_sha256_compress, sha256_compress

    rng = random.Random(3)
    for _ in range(20):
        lanes = [rng.getrandbits(64) for _ in range(25)]
        words = np.array([(v >> s) & 0xFFFFFFFF for v in lanes for s in (0, 32)], dtype=np.uint32)
        want = keccak_f1600(lanes)
        got = keccak_f1600_words(words)
        assert [int(got[2 * i]) | int(got[2 * i + 1]) << 32 for i in range(25)] == want
        st = [rng.getrandbits(32) for _ in range(8)]
        blk = bytes(rng.getrandbits(8) for _ in range(64))
        got = _fast_sha256_compress(np.array(st, dtype=np.uint32),
                                    np.frombuffer(blk, dtype="<u4"))
        assert tuple(int(x) for x in got) == tuple(sha256_compress(st, blk))

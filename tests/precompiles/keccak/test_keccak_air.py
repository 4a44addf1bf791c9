"""The Keccak-f[1600] precompile chip (docs/circuits.md §11.3).

* the permutation: an independent Keccak-f written here from FIPS 202 agrees with the
  executor's on random states, and through the sponge with hashlib's SHA3-256 (padding
  0x06) and Ethereum's Keccak-256 known answers (padding 0x01);
* honest traces of asm guests calling KECCAK_F1600 (random states, several calls, a1
  arbitrary) pass the debug checker inside the full machine; one is proven and verified;
* examples/keccak256 proven end to end (journal = Keccak-256 of the input), and built
  with -DZKVM_NO_PRECOMPILES giving the same journal;
* malicious witnesses rejected (checker; one also at proof level): a wrong output word,
  the state read from another address, a skipped round, a wrong round constant, a0 ≠ 0
  returned by the ecall, the PRECOMPILE message dropped, a call without its ecall.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest

from zkvm.machine import Machine
from zkvm.precompiles.keccak.air import RC, RC_POS, RHO, KeccakAir, rc_bits
from zkvm.precompiles.keccak.air import SYS_KECCAK_F1600
from zkvm.riscv.asm import encode, li
from zkvm.precompiles.keccak.exec import KECCAK_RC, KECCAK_RHO, keccak_f1600
from zkvm.riscv.testing import SCRATCH, program
from zkvm.stark.checker import check_traces

REPO = Path(__file__).resolve().parents[3]
ST = SCRATCH
M64 = (1 << 64) - 1


# ------------------------------------------------------------------ trusted reference
def ref_keccak_f(lanes):
    """Keccak-f[1600] written independently from FIPS 202 §3 (state a[x][y][z] as lanes
    a[x][y]; rho offsets from the (x, y) -> (y, 2x + 3y) walk, RC from the LFSR)."""
    def rc_bit(t):
        if t % 255 == 0:
            return 1
        r = 1
        for _ in range(t % 255):
            r <<= 1
            if r & 0x100:
                r ^= 0x171
        return r & 1

    rcs = []
    for ir in range(24):
        v = 0
        for j in range(7):
            v |= rc_bit(j + 7 * ir) << ((1 << j) - 1)
        rcs.append(v)
    offs = {(0, 0): 0}
    x, y = 1, 0
    for t in range(24):
        offs[(x, y)] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    rot = lambda v, n: ((v << n) | (v >> (64 - n))) & M64 if n % 64 else v  # noqa: E731
    a = [[lanes[x + 5 * y] for y in range(5)] for x in range(5)]
    for ir in range(24):
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rot(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rot(a[x][y], offs[(x, y)])
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= rcs[ir]
    return [a[i % 5][i // 5] for i in range(25)]


def sponge(f, data: bytes, pad: int, rate: int = 136, out: int = 32) -> bytes:
    msg = bytearray(data) + bytes([pad])
    msg += bytes(-len(msg) % rate)
    msg[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            st[i] ^= int.from_bytes(msg[off + 8 * i: off + 8 * i + 8], "little")
        st = f(st)
    return b"".join(v.to_bytes(8, "little") for v in st)[:out]


def test_constants_match_executor_and_rc_bit_positions():
    assert tuple(RC) == tuple(KECCAK_RC) and tuple(RHO) == tuple(KECCAK_RHO)
    for r in range(24):
        assert sum(b << p for b, p in zip(rc_bits(r), RC_POS)) == RC[r]


def test_permutation_against_reference_and_hashlib():
    rng = random.Random(7)
    for _ in range(3):
        st = [rng.getrandbits(64) for _ in range(25)]
        assert keccak_f1600(st) == ref_keccak_f(st)
    for msg in (b"", b"abc", bytes(range(200))):
        assert sponge(keccak_f1600, msg, 0x06) == hashlib.sha3_256(msg).digest()
    # Ethereum's Keccak-256 (original padding 0x01)
    assert sponge(keccak_f1600, b"", 0x01).hex() == \
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert sponge(keccak_f1600, b"abc", 0x01).hex() == \
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"


# ------------------------------------------------------------------ asm guests
def _store_words(addr, words):
    w = li(28, addr)
    for i, v in enumerate(words):
        w += li(29, int(v)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
    return w


def _tix(m, name):
    return [a.name for a in m.airs].index(name)


@pytest.fixture(scope="module")
def honest(testing_params):
    """Three calls: random states at ST (a1 = 0x1234) and ST + 0x400 (a1 = 0), then ST
    again without rewriting it (its input is the first call's output)."""
    rng = random.Random(11)
    states = [[rng.getrandbits(32) for _ in range(50)] for _ in range(2)]
    words = []
    for st, p, a1 in ((states[0], ST, 0x1234), (states[1], ST + 0x400, 0)):
        words += _store_words(p, st) + li(10, p) + li(11, a1) + li(17, SYS_KECCAK_F1600) + [encode("ecall")]
    words += li(10, ST) + li(17, SYS_KECCAK_F1600) + [encode("ecall")]
    m = Machine.for_program(program(words, 0), testing_params)
    r = m.execute()
    assert r.precompile_calls["keccak_f1600"] == 3
    ev = r.precompile_events.keccak
    for i in range(3):
        lanes = [int(ev.state_in[i, 2 * j]) | int(ev.state_in[i, 2 * j + 1]) << 32 for j in range(25)]
        out = ref_keccak_f(lanes)
        assert [int(x) for x in ev.state_out[i]] == [(v >> s) & 0xFFFFFFFF for v in out for s in (0, 32)]
    assert np.array_equal(ev.state_in[2], ev.state_out[0])
    w, traces, pv = m.traces(r)
    return m, w, traces, pv


def _check(m, w, traces, pv):
    return check_traces(m.system(), traces, pv, public_data=w.journal)


def _failing(rep):
    return {f"{f.table}.{f.constraint}" for f in rep.constraint_failures}


def test_width_degree_rows(testing_params, honest):
    m, w, traces, pv = honest
    t = m.system().tables[_tix(m, "keccak")]
    assert t.degree <= 3
    assert t.main_width < 3000
    kt = traces[_tix(m, "keccak")]
    v = KeccakAir.columns.view(kt)
    assert int(v.is_real.sum()) == 72 and kt.shape[0] == 128


def test_honest_calls_pass_checker(honest):
    rep = _check(*honest)
    assert rep.ok, str(rep)


def _mutated(honest, table, fn):
    m, w, traces, pv = honest
    traces = [t.copy() for t in traces]
    ti = _tix(m, table)
    air = m.airs[ti]
    fn(air.columns.view(traces[ti]), traces[ti])
    return m, w, traces, pv


def test_wrong_output_word_rejected(honest):
    def mut(v, t):
        v.mn[5, 0] = (int(v.mn[5, 0]) + 1) % 256            # word 20 written wrong
    rep = _check(*_mutated(honest, "keccak", mut))
    assert not rep.ok and (rep.constraint_failures or rep.bus_imbalances)

    def mut2(v, t):  # consistent lie: post limb changed across the call as well
        v.mn[5, 0] = (int(v.mn[5, 0]) + 1) % 256
        v.post[:24, 40] = v.post[:24, 40] + 1
    rep = _check(*_mutated(honest, "keccak", mut2))
    assert "keccak.out40" in _failing(rep), str(rep)


def test_input_from_other_address_rejected(honest):
    def mut(v, t):
        v.w[:24] = v.w[:24] + 1                             # read the state 4 bytes further
        v.ps[0, 0] = int(v.ps[0, 0]) + 4
        v.q[0] = int(v.q[0]) + 1
    rep = _check(*_mutated(honest, "keccak", mut))
    assert not rep.ok
    assert {b.bus for b in rep.bus_imbalances} >= {"precompile", "memory"}


def test_skipped_round_rejected(honest):
    def mut(v, t):
        t[10:23] = t[11:24]                                  # drop round 10 of call 0
    rep = _check(*_mutated(honest, "keccak", mut))
    assert "keccak.rnd_inc" in _failing(rep)


def test_wrong_round_constant_rejected(honest):
    def mut(v, t):
        v.rc[3, 0] = 1 - int(v.rc[3, 0])
    rep = _check(*_mutated(honest, "keccak", mut))
    assert any(b.bus == "keccak_round" for b in rep.bus_imbalances), str(rep)


def test_nonzero_a0_rejected(honest):
    def mut(v, t):
        row = int(np.flatnonzero(v.s_keccak_f1600 == 1)[0])
        v.ret[row, 0] = 1
    rep = _check(*_mutated(honest, "syscall", mut))
    assert "syscall.ret_const0" in _failing(rep), str(rep)


def test_precompile_message_dropped_rejected(honest):
    m, w, traces, pv = honest
    traces = [t.copy() for t in traces]
    traces[_tix(m, "keccak")][:] = 0
    traces[_tix(m, "keccak_round")][:] = 0
    rep = _check(m, w, traces, pv)
    assert any(b.bus == "precompile" and any(s[0] == "syscall" for s in b.sources)
               for b in rep.bus_imbalances), str(rep)


def test_call_without_ecall_rejected(honest):
    """A fourth call appended to the table has no PRECOMPILE message to receive."""
    def mut(v, t):
        t[72:96] = t[24:48]                                  # a copy of call 1
    m, w, traces, pv = _mutated(honest, "keccak", mut)
    traces[_tix(m, "keccak_round")][:24] += 1                # its round lookups balance
    rep = _check(m, w, traces, pv)
    assert not rep.constraint_failures, str(rep)             # structurally a valid call
    assert any(b.bus == "precompile" for b in rep.bus_imbalances), str(rep)


def test_tampered_output_proof_rejected(honest, testing_params):
    """Proof level: the consistent wrong-output lie, proven with the checker off, does
    not verify; the honest traces do."""
    from zkvm.stark import prover, verifier

    m, w, traces, pv = honest
    pk = m.proving_key()
    proof = prover.prove(pk, traces, pv, debug=False, public_data=w.journal)
    verifier.verify(pk.vk, proof, pv, public_data=w.journal)

    def mut(v, t):
        v.mn[5, 0] = (int(v.mn[5, 0]) + 1) % 256
        v.post[:24, 40] = v.post[:24, 40] + 1
    _, _, bad, _ = _mutated(honest, "keccak", mut)
    proof = prover.prove(pk, bad, pv, debug=False)
    with pytest.raises(Exception):
        verifier.verify(pk.vk, proof, pv)


# ------------------------------------------------------------------ examples/keccak256
@pytest.fixture(scope="module")
def keccak_elfs():
    try:
        from zkvm.toolchain import cached_build

        cache = REPO / ".zkvm-cache" / "elf"
        ex = REPO / "examples" / "keccak256"
        return (cached_build(ex, cache, name="keccak256").read_bytes(),
                cached_build(ex, cache, name="keccak256-plain",
                             extra_defines=["ZKVM_NO_PRECOMPILES"]).read_bytes())
    except Exception as e:  # toolchain not installed in this environment
        pytest.skip(f"cannot build examples/keccak256: {e}")


@pytest.mark.slow
def test_keccak256_example_end_to_end(keccak_elfs):
    import zkvm.api as api

    elf, plain = keccak_elfs
    msg = b"abc"
    receipt = api.prove(elf, msg, params="testing")
    code, journal = api.verify(receipt, api.image_id(elf, "testing"))
    assert code == 0
    prefix = b"\x19Ethereum Signed Message:\n3"
    assert journal == sponge(ref_keccak_f, msg, 0x01) + sponge(ref_keccak_f, prefix + msg, 0x01)
    assert journal[:32].hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    # the plain-C build (executed only) gives the same journal without the precompile
    rp = Machine.for_program(plain).execute(msg)
    assert bytes(rp.journal) == journal and not rp.precompile_calls.get("keccak_f1600")
    r = Machine.for_program(elf).execute(msg)
    assert r.precompile_calls["keccak_f1600"] == 2 and r.cycles < rp.cycles

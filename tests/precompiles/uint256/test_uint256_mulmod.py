"""UINT256_MULMOD (src/zkvm/precompiles/uint256): executor semantics, the
``uint256_mulmod`` table (honest and forged traces), and a 256-bit modexp C guest proven,
verified and run identically under qemu-riscv32 (the SDK's plain C fallback)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from zkvm.machine import Machine
from zkvm.precompiles.uint256.air import N, NPOS, Uint256MulmodAir
from zkvm.precompiles.uint256.exec import int_to_words, mulmod, words_to_int
from zkvm.precompiles.uint256.air import SYS_UINT256_MULMOD
from zkvm.riscv import MemoryFault, MisalignedAccess, execute
from zkvm.riscv.asm import encode, li
from zkvm.riscv.testing import SCRATCH, program
from zkvm.stark.checker import check_traces

HERE = Path(__file__).resolve().parent
X, YM = SCRATCH, SCRATCH + 0x100
M256 = 1 << 256


def _store_words(addr, words):
    w = li(28, addr)
    for i, v in enumerate(words):
        w += li(29, int(v)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
    return w


def _call(x_ptr, ym_ptr):
    return li(10, x_ptr) + li(11, ym_ptr) + li(17, SYS_UINT256_MULMOD) + [encode("ecall")]


#: (x, y, m): m != 0, m = 0 (2^256), m = 1, x and y >= m, m = 2^256 - 1, small values
CASES = [
    (random.Random(1).getrandbits(256), random.Random(2).getrandbits(256), random.Random(3).getrandbits(256)),
    (M256 - 1, M256 - 1, 0),
    (12345, 67890, 1),
    (M256 - 5, M256 - 7, (1 << 128) + 3),
    (M256 - 2, M256 - 3, M256 - 1),
    (3, 5, 7),
]


def _program(cases):
    words = []
    for i, (x, y, m) in enumerate(cases):
        xp, yp = X + 0x400 * i, YM + 0x400 * i
        words += _store_words(xp, int_to_words(x)) + _store_words(yp, [*int_to_words(y), *int_to_words(m)])
        words += _call(xp, yp)
    return words


# ------------------------------------------------------------------ executor
def test_reference_semantics():
    rng = random.Random(5)
    for _ in range(200):
        x, y = rng.getrandbits(256), rng.getrandbits(256)
        m = rng.choice([0, 1, rng.getrandbits(rng.randint(1, 256))])
        want = (x * y) % (m or M256)
        assert mulmod(x, y, m) == want
        assert words_to_int(int_to_words(want)) == want


def test_executor_runs_the_call():
    r = execute(program(_program(CASES), 0), record=True)
    assert r.exit_code == 0 and r.precompile_calls == {"uint256_mulmod": len(CASES)}
    ev = r.precompile_events.uint256
    for i, (x, y, m) in enumerate(CASES):
        assert words_to_int(ev.x_in[i]) == x and words_to_int(ev.ym[i][:8]) == y
        assert words_to_int(ev.x_out[i]) == mulmod(x, y, m)
        assert ev.x_ptr[i] == X + 0x400 * i and ev.ym_ptr[i] == YM + 0x400 * i


@pytest.mark.parametrize("xp, yp, err", [
    (X + 2, YM, MisalignedAccess), (X, YM + 1, MisalignedAccess),
    (0x100, YM, MemoryFault), (X, 0x4000_0000 - 60, MemoryFault),
])
def test_bad_pointers_fault(xp, yp, err):
    with pytest.raises(err):
        execute(program(_call(xp, yp), 0))


# ------------------------------------------------------------------ the table
def _tix(m, name):
    return [a.name for a in m.airs].index(name)


@pytest.fixture(scope="module")
def honest(testing_params):
    # the cases, plus one call whose x buffer is the ym buffer's m (overlap) and one
    # reading the previous call's output
    words = _program(CASES)
    words += _call(YM + 32, YM)          # x := m0 * y0 mod m0 (overlapping buffers)
    words += _call(X, YM + 0x400)        # x0 (already reduced) times y1 mod m1
    m = Machine.for_program(program(words, 0), testing_params)
    r = m.execute()
    assert r.precompile_calls["uint256_mulmod"] == len(CASES) + 2
    w, traces, pv = m.traces(r)
    return m, w, traces, pv


def _check(m, w, traces, pv):
    return check_traces(m.system(), traces, pv, public_data=w.journal)


def _failing(rep):
    return {f"{f.table}.{f.constraint}" for f in rep.constraint_failures}


def _mutated(honest, fn):
    m, w, traces, pv = honest
    traces = [t.copy() for t in traces]
    ti = _tix(m, "uint256_mulmod")
    fn(Uint256MulmodAir.columns.view(traces[ti]))
    return m, w, traces, pv


def _int(row):
    return int.from_bytes(bytes(int(b) for b in row), "little")


def _refill(v, c, q, r):
    """Re-fill call ``c``'s arithmetic columns for a claimed quotient ``q`` (a list of 64
    limbs, not necessarily bytes) and remainder ``r`` (an int), as a cheating prover
    would: consistent carries and ``d``/``borrow`` for the claim."""
    x, y, m = (np.array(v.x[c], dtype=np.int64), np.array(v.y[c], dtype=np.int64),
               np.array(v.m[c], dtype=np.int64))
    rb = np.frombuffer(r.to_bytes(N, "little"), dtype=np.uint8).astype(np.int64)
    v.r[c] = rb
    v.q[c] = np.array(q, dtype=np.int64) % (15 * 2**27 + 1)
    mp = np.concatenate([m, [int(v.mz[c])]])
    conv = (np.convolve(x, y).tolist() + [0] * NPOS)[:NPOS]
    qm = np.convolve(np.array(q, dtype=object), mp.astype(object)).tolist()
    carry = 0
    for k in range(NPOS - 1):
        e = conv[k] - qm[k] - (int(rb[k]) if k < N else 0) + carry
        assert e % 256 == 0
        carry = e // 256
        v.carry[c, k] = carry + (1 << 15)
    mi = _int(v.m[c])
    d = (mi - 1 - r) % M256
    v.d[c] = np.frombuffer(d.to_bytes(N, "little"), dtype=np.uint8)
    bprev = 0
    for i in range(N):
        t = int(m[i]) - int(rb[i]) - (1 if i == 0 else 0) - bprev
        bprev = int(t < 0)
        v.borrow[c, i] = bprev


def test_honest_passes_checker(honest):
    rep = _check(*honest)
    assert rep.ok, str(rep)
    m, w, traces, pv = honest
    t = m.system().tables[_tix(m, "uint256_mulmod")]
    assert t.degree <= 3


def test_wrong_result_limb_rejected(honest):
    def mut(v):
        v.r[0, 5] = (int(v.r[0, 5]) + 1) % 256
    rep = _check(*_mutated(honest, mut))
    assert "uint256_mulmod.mul5" in _failing(rep), str(rep)

    def mut2(v):  # a different result with carries made consistent: the product fails higher up
        r = _int(v.r[0]) ^ (1 << 40)
        q = [int(b) for b in v.q[0]]
        try:
            _refill(v, 0, q, r)
        except AssertionError:
            pass
    rep = _check(*_mutated(honest, mut2))
    assert not rep.ok


def test_remainder_not_below_modulus_rejected(honest):
    """r + m with q - 1: the product identity holds, only r < m catches it."""
    def mut(v):
        c = 0
        m, r = _int(v.m[c]), _int(v.r[c])
        qi = int.from_bytes(bytes(int(b) for b in v.q[c]), "little")
        assert r + m < M256 and qi >= 1
        q = list((qi - 1).to_bytes(64, "little"))
        _refill(v, c, q, r + m)
    rep = _check(*_mutated(honest, mut))
    assert "uint256_mulmod.r_lt_m" in _failing(rep), str(rep)
    assert not any(f.startswith("uint256_mulmod.mul") for f in _failing(rep))


def test_quotient_limb_overflow_rejected(honest):
    """q0 + 256 with q1 - 1 (same integer, a non-byte limb): only the range check catches it."""
    def mut(v):
        c = 0
        q = [int(b) for b in v.q[c]]
        i = next(i for i in range(1, 64) if q[i] > 0)
        q[i] -= 1
        q[i - 1] += 256
        _refill(v, c, q, _int(v.r[c]))
    rep = _check(*_mutated(honest, mut))
    assert not _failing(rep), str(rep)
    assert "bytes" in {b.bus for b in rep.bus_imbalances}, str(rep)


def test_modulus_zero_flag_lie_rejected(honest):
    def mut(v):
        v.mz[0] = 1                     # claim m = 0 although it is not
    rep = _check(*_mutated(honest, mut))
    assert "uint256_mulmod.mz_m_zero" in _failing(rep), str(rep)


def test_input_from_other_address_rejected(honest):
    def mut(v):
        v.wy[0] = int(v.wy[0]) + 1       # read y, m 4 bytes further
        v.py[0, 0] = int(v.py[0, 0]) + 4
        v.qy[0] = int(v.qy[0]) + 1
    rep = _check(*_mutated(honest, mut))
    assert not rep.ok
    assert {b.bus for b in rep.bus_imbalances} >= {"precompile", "memory"}

    def mut2(v):                         # keep the pointer, read the words elsewhere
        v.wy[0] = int(v.wy[0]) + 1
    rep = _check(*_mutated(honest, mut2))
    assert "uint256_mulmod.py_word" in _failing(rep), str(rep)


def test_empty_table(testing_params):
    tr = Uint256MulmodAir().generate_trace(
        Machine.for_program(program([], 0), testing_params).execute().precompile_events.uint256,
        np.zeros(0), np.zeros((0, 16)), np.zeros((0, 8)))
    assert tr.shape[0] == 8 and not tr.any()


# ------------------------------------------------------------------ the modexp guest
@pytest.fixture(scope="module")
def modexp_elfs():
    from tests.support.elfs import build_cached

    return (build_cached(HERE / "modexp", name="modexp"),
            build_cached(HERE / "modexp", name="modexp-plain", extra_defines=["ZKVM_NO_PRECOMPILES"]))


def _modexp_input(b, e, m):
    return b.to_bytes(32, "little") + e.to_bytes(32, "little") + m.to_bytes(32, "little")


def test_modexp_guest_matches_pow_and_plain_c(modexp_elfs):
    from zkvm import api

    acc, plain = modexp_elfs
    rng = random.Random(7)
    for m in (rng.getrandbits(256) | 1 << 255, 0, 1, 97):
        b, e = rng.getrandbits(256), rng.getrandbits(256)
        r = api.run(acc, _modexp_input(b, e, m))
        assert r.exit_code == 0
        assert int.from_bytes(r.journal, "little") == pow(b, e, m or M256)
        p = api.run(plain, _modexp_input(b, e, m), max_cycles=10**9)
        assert (p.exit_code, p.journal, p.stdout) == (r.exit_code, r.journal, r.stdout)
        assert p.precompile_calls == {} and r.precompile_calls["uint256_mulmod"] >= 256
        if m > 1 << 128:  # the plain C long division dominates (m = 0 is only a product)
            assert p.cycles > 10 * r.cycles


@pytest.mark.qemu
def test_modexp_guest_under_qemu(modexp_elfs, tmp_path, qemu):
    from tests.support.qemu import run_qemu
    from zkvm import api

    data = _modexp_input(3, M256 - 1, (1 << 255) + 95)
    q = run_qemu(modexp_elfs[0], data, tmp_path)
    r = api.run(modexp_elfs[0], data)
    assert (q.exit_code, q.stdout, q.journal) == (r.exit_code, r.stdout, r.journal)


@pytest.mark.slow
def test_modexp_guest_proven_and_verified(modexp_elfs):
    from zkvm import api

    b, e, m = 0x1234567, (1 << 256) - 3, (1 << 255) + 95
    receipt = api.prove(modexp_elfs[0], _modexp_input(b, e, m), params="testing")
    code, journal = api.verify(receipt, api.image_id(modexp_elfs[0], "testing"))
    assert code == 0 and int.from_bytes(journal, "little") == pow(b, e, m)

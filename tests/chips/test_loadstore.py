"""LoadStore chip in isolation: honest traces from executor events satisfy every constraint
and BYTES lookup, access the right word with the right before/after values; targeted
corruptions (wrong byte, wrong offset, store touching another byte, misaligned or
out-of-range address, wrong sign) are caught.  End to end: test_loadstore_e2e.py.
"""

from __future__ import annotations


import numpy as np
import pytest

from tests.support import chip_checks as S

from zkvm.chips import buses
from zkvm.chips.loadstore import LoadStoreAir
from zkvm.field.babybear import P
from zkvm.riscv.asm import encode, li

LOADS = ("lb", "lh", "lw", "lbu", "lhu")


def loadstore_program():
    w = []
    # t0 = word with sign bits in several bytes; stored at sp-16
    w += li("t0", 0x80FF7F01) + [encode("sw", rs1="sp", rs2="t0", imm=-16)]
    for off in range(4):
        for op in ("lb", "lbu"):
            w.append(encode(op, rd="a0", rs1="sp", imm=-16 + off))
    for off in (0, 2):
        for op in ("lh", "lhu"):
            w.append(encode(op, rd="a1", rs1="sp", imm=-16 + off))
    w.append(encode("lw", rd="a2", rs1="sp", imm=-16))
    # a second word with the other sign pattern
    w += li("t1", 0x017F80FF) + [encode("sw", rs1="sp", rs2="t1", imm=-12)]
    for off in range(4):
        w.append(encode("lb", rd="a3", rs1="sp", imm=-12 + off))
    for off in (0, 2):
        w.append(encode("lh", rd="a4", rs1="sp", imm=-12 + off))
    # stores to every byte offset, both halves, and a word; values with high junk bits
    w += li("t2", 0xABCDEF80)
    for off in range(4):
        w.append(encode("sb", rs1="sp", rs2="t2", imm=-32 + off))
    w.append(encode("lw", rd="a5", rs1="sp", imm=-32))
    for off in (0, 2):
        w.append(encode("sh", rs1="sp", rs2="t0", imm=-24 + off))
    w.append(encode("lw", rd="a5", rs1="sp", imm=-24))
    w.append(encode("sb", rs1="sp", rs2="t2", imm=-15))   # overwrite one byte of a live word
    w.append(encode("lw", rd="a5", rs1="sp", imm=-16))
    # positive offset with a carry across limbs: t3 = sp - 0x7FF - 64, imm = +0x7FF
    w += [encode("addi", rd="t3", rs1="sp", imm=-0x7FF), encode("addi", rd="t3", rs1="t3", imm=-64),
          encode("sw", rs1="t3", rs2="t1", imm=0x7FF), encode("lw", rd="a6", rs1="t3", imm=0x7FF)]
    # x0 destination, rd = rs1, store of the base register itself
    w += [encode("lw", rd=0, rs1="sp", imm=-16), encode("lb", rd=0, rs1="sp", imm=-13)]
    w += [encode("addi", rd="t4", rs1="sp", imm=-48), encode("sw", rs1="t4", rs2="t4", imm=0),
          encode("lw", rd="t4", rs1="t4", imm=0)]
    # read of never-written (zero) memory
    w.append(encode("lw", rd="a7", rs1="sp", imm=-400))
    return w


@pytest.fixture(scope="module")
def ls_rows():
    _, rows = S.run_words(loadstore_program())
    return S.chip_rows(LoadStoreAir(), rows)


def test_loadstore_honest(ls_rows):
    air = LoadStoreAir()
    trace = S.assert_honest(air, ls_rows)
    S.check_results(air, trace, ls_rows)
    n = ls_rows.n
    # the memory access: key = aligned address, values before/after the executor's
    msgs = {name: (vals, m) for name, vals, m in S.messages(air, trace, buses.MEMORY)}
    recv, mr = msgs["mem_recv"]
    send, ms = msgs["mem_send"]
    key = ls_rows.mem_addr.astype(np.int64) & ~3
    assert np.array_equal(recv[:n, 0], key) and np.array_equal(send[:n, 0], key)
    limbs = lambda x: np.stack([(x.astype(np.int64) >> (8 * k)) & 0xFF for k in range(4)], 1)  # noqa
    assert np.array_equal(recv[:n, 1:5], limbs(ls_rows.mem_before))
    assert np.array_equal(send[:n, 1:5], limbs(ls_rows.mem_after))
    assert np.array_equal(send[:n, 5], 4 * ls_rows.ts.astype(np.int64) + 2)
    assert (mr[n:] == 0).all() and (ms[n:] == 0).all()
    # sign extension really happened somewhere, and rd = x0 rows carry the loaded value
    got = S.rd_values(air, trace, n)
    assert any(got[i] >> 31 for i in S.find_rows(air, ls_rows, "lb"))
    assert any(got[i] >> 31 for i in S.find_rows(air, ls_rows, "lh"))
    i = S.find_rows(air, ls_rows, "lb", lambda i: ls_rows.rd[i] == 0)[0]
    assert got[i] == 0xFFFFFF80


def _load_rows(air, rows, op):
    return S.find_rows(air, rows, op)


def test_load_byte_from_wrong_offset_rejected(ls_rows):
    """Select another byte of the word (moving the one-hot offset, or only sel0)."""
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    for op in ("lb", "lbu"):
        for i in _load_rows(air, ls_rows, op):
            off = int(ls_rows.mem_addr[i]) & 3
            new = (off + 1) % 4
            W = [int(trace[i, S.col(air, "mem_prev", k)]) for k in range(4)]
            if W[new] == W[off]:
                continue
            bad = trace.copy()
            bad[i, S.col(air, "off", off)] = 0
            bad[i, S.col(air, "off", new)] = 1
            bad[i, S.col(air, "sel0")] = W[new]
            sg = (W[new] >> 7) if op == "lb" else 0
            bad[i, S.col(air, "sel1")] = W[1] if new == 0 else (W[3] if new == 2 else 0)
            bad[i, S.col(air, "top")] = W[new] if op == "lb" else 0
            bad[i, S.col(air, "sgn")] = sg
            bad[i, S.col(air, "rd_val", 0)] = W[new]
            for k in (1, 2, 3):
                bad[i, S.col(air, "rd_val", k)] = 255 * sg
            assert "bytes:key.off" in S.assert_rejected(air, bad, [i])[i]
            bad2 = S.mutate(trace, i, S.col(air, "sel0"), W[new])
            bad2[i, S.col(air, "rd_val", 0)] = W[new]
            assert "sel0" in S.assert_rejected(air, bad2, [i])[i]


def test_load_wrong_sign_extension_rejected(ls_rows):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    for op in ("lb", "lh", "lbu", "lhu"):
        for i in _load_rows(air, ls_rows, op):
            bad = trace.copy()
            sg = 1 - int(trace[i, S.col(air, "sgn")])
            bad[i, S.col(air, "sgn")] = sg
            signed = op in ("lb", "lh")
            for k in ((1, 2, 3) if op == "lb" else (2, 3)):
                if signed:
                    bad[i, S.col(air, "rd_val", k)] = 255 * sg
            f = S.assert_rejected(air, bad, [i])[i]
            if signed:
                assert f == ["bytes:sign"], f


def test_load_wrong_result_rejected(ls_rows):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    for i in range(ls_rows.n):
        for k in range(4):
            bad = S.mutate(trace, i, S.col(air, "rd_val", k), int(trace[i, S.col(air, "rd_val", k)]) + 1)
            assert f"rd{k}" in S.assert_rejected(air, bad, [i])[i]


def test_store_changing_another_byte_rejected(ls_rows):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    for op in ("sb", "sh"):
        for i in S.find_rows(air, ls_rows, op):
            off = int(ls_rows.mem_addr[i]) & 3
            touched = {off} if op == "sb" else {off, off + 1}
            for j in set(range(4)) - touched:
                bad = S.mutate(trace, i, S.col(air, "mem_new", j),
                               int(trace[i, S.col(air, "mem_new", j)]) ^ 1)
                assert f"store{j}" in S.assert_rejected(air, bad, [i])[i]
            for j in touched:  # the written byte itself must be rs2's
                bad = S.mutate(trace, i, S.col(air, "mem_new", j),
                               int(trace[i, S.col(air, "mem_new", j)]) ^ 1)
                assert f"store{j}" in S.assert_rejected(air, bad, [i])[i]


def test_load_changing_memory_rejected(ls_rows):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    for op in LOADS:
        i = _load_rows(air, ls_rows, op)[0]
        bad = S.mutate(trace, i, S.col(air, "mem_new", 3), int(trace[i, S.col(air, "mem_new", 3)]) ^ 4)
        assert "store3" in S.assert_rejected(air, bad, [i])[i]


def _fake_address(air, trace, i, rs1, imm=0):
    """Rewrite row ``i`` to compute address rs1 + imm honestly (cols addr/acarry/off/key)."""
    bad = trace.copy()
    addr = (rs1 + imm) & S.M32
    cin = 0
    for k in range(4):
        a, b = (rs1 >> (8 * k)) & 0xFF, ((imm & S.M32) >> (8 * k)) & 0xFF
        s = a + b + cin
        cin = s >> 8
        bad[i, S.col(air, "rs1_val", k)] = a
        bad[i, S.col(air, "imm", k)] = b
        bad[i, S.col(air, "addr", k)] = (addr >> (8 * k)) & 0xFF
        bad[i, S.col(air, "acarry", k)] = cin
        bad[i, S.col(air, "off", k)] = int((addr & 3) == k)
    bad[i, S.col(air, "imm_f")] = imm % P
    return bad


@pytest.mark.parametrize("op,off", [("lw", 1), ("lw", 2), ("sw", 3), ("lh", 1), ("lhu", 3),
                                    ("sh", 1)])
def test_misaligned_address_rejected(ls_rows, op, off):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    i = S.find_rows(air, ls_rows, op)[0]
    bad = _fake_address(air, trace, i, int(ls_rows.mem_addr[i]) + off)
    f = S.assert_rejected(air, bad, [i])[i]
    assert ("align_word" if op in ("lw", "sw") else "align_half") in f, f


@pytest.mark.parametrize("addr,reason", [(0x0, "bytes:key.ge_64k"), (0xFFFC, "bytes:key.ge_64k"),
                                         (0x4000_0000, "bytes:key.top"),
                                         (0xFFFF_FFFC, "bytes:key.top")])
def test_address_out_of_range_rejected(ls_rows, addr, reason):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    i = S.find_rows(air, ls_rows, "lw")[0]
    bad = _fake_address(air, trace, i, addr)
    f = S.assert_rejected(air, bad, [i])[i]
    assert reason in f, f


def test_address_wrapping_negative_immediate_is_modular(ls_rows):
    """rs1 + imm wraps mod 2^32: rs1 = 0x10 with imm = -0x20 is 0xFFFFFFF0, not a field
    element near p; the range check rejects it."""
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    i = S.find_rows(air, ls_rows, "lw")[0]
    bad = _fake_address(air, trace, i, 0x10, -0x20)
    assert "bytes:key.top" in S.assert_rejected(air, bad, [i])[i]


def test_loadstore_wrong_address_carry_rejected(ls_rows):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    for i in range(min(ls_rows.n, 12)):
        bad = S.mutate(trace, i, S.col(air, "addr", 1), int(trace[i, S.col(air, "addr", 1)]) + 1)
        assert "addr1" in S.assert_rejected(air, bad, [i])[i]


def test_loadstore_padding_is_inert(ls_rows):
    air = LoadStoreAir()
    trace = air.generate_trace(ls_rows)
    n = ls_rows.n
    assert trace.shape[0] > n
    bad = S.mutate(trace, n, S.col(air, "off", 0), 1)
    assert "off_one_hot" in S.assert_rejected(air, bad, [n])[n]

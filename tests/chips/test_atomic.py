"""Atomic chip in isolation: lr.w/sc.w (with the executor's reservation semantics) and the
nine amo*.w; honest traces pass every constraint and BYTES lookup and access the right
word; targeted corruptions are caught.  End to end: test_atomic_e2e.py.
"""

from __future__ import annotations


import numpy as np
import pytest

from tests.support import chip_checks as S

from zkvm.chips import buses
from zkvm.chips.atomic import AtomicAir
from zkvm.field.babybear import P
from zkvm.riscv.asm import encode, li

AMOS = ("amoswap.w", "amoadd.w", "amoxor.w", "amoand.w", "amoor.w", "amomin.w", "amomax.w",
        "amominu.w", "amomaxu.w")
VALUES = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 0x92345678,
          0x12345677]


def atomic_program():
    w = [encode("addi", rd="t0", rs1="sp", imm=-64), encode("addi", rd="t2", rs1="sp", imm=-128)]
    w += li("t1", 0xCAFEBABE)
    # success, then failure (reservation consumed)
    w += [encode("lr.w", rd="a0", rs1="t0"), encode("sc.w", rd="a1", rs1="t0", rs2="t1"),
          encode("sc.w", rd="a1", rs1="t0", rs2="t1")]
    # reservation moved to another address: failure
    w += [encode("lr.w", rd="a0", rs1="t0"), encode("lr.w", rd="a0", rs1="t2"),
          encode("sc.w", rd="a1", rs1="t0", rs2="t1")]
    # AMOs and plain stores do not clear the reservation: success (rd = x0)
    w += [encode("lr.w", rd="a0", rs1="t0"), encode("amoadd.w", rd="a2", rs1="t0", rs2="t1"),
          encode("sw", rs1="t0", rs2="t1", imm=0), encode("sc.w", rd=0, rs1="t0", rs2="t1")]
    # sc.w failing with rd = x0; lr.w into x0; sc.w with rd = rs1
    w += [encode("sc.w", rd=0, rs1="t0", rs2="t1"), encode("lr.w", rd=0, rs1="t2")]
    w += [encode("addi", rd="t3", rs1="t2", imm=0), encode("sc.w", rd="t3", rs1="t3", rs2="t1")]
    # every AMO on pairs of values
    for op in AMOS:
        for old in VALUES:
            for v in (old, 0, 0x80000000, 0xFFFFFFFF, 0x12345678, 0x7FFFFFFF):
                w += li("a4", old) + li("a5", v)
                w += [encode("sw", rs1="t0", rs2="a4", imm=0),
                      encode(op, rd="a6", rs1="t0", rs2="a5"),
                      encode("lw", rd="a7", rs1="t0", imm=0)]
        # rd = rs1 and rd = x0 and rs1 = rs2 (the address itself as the operand)
        w += [encode("addi", rd="t4", rs1="t0", imm=0), encode(op, rd="t4", rs1="t4", rs2="t1"),
              encode(op, rd=0, rs1="t0", rs2="t1"), encode(op, rd="a6", rs1="t0", rs2="t0")]
    return w


@pytest.fixture(scope="module")
def at_rows():
    _, rows = S.run_words(atomic_program())
    return S.chip_rows(AtomicAir(), rows)


def test_atomic_honest(at_rows):
    air = AtomicAir()
    trace = S.assert_honest(air, at_rows)
    S.check_results(air, trace, at_rows)
    n = at_rows.n
    v = air.columns.view(trace)
    sc = S.find_rows(air, at_rows, "sc.w")
    ok = [int(v.ok[i]) for i in sc]
    assert ok == [1, 0, 0, 1, 0, 1], ok  # the program's expected reservation outcomes
    msgs = {name: (vals, m) for name, vals, m in S.messages(air, trace, buses.MEMORY)}
    send, _ = msgs["mem_send"]
    recv, _ = msgs["mem_recv"]
    limbs = lambda x: np.stack([(x.astype(np.int64) >> (8 * k)) & 0xFF for k in range(4)], 1)  # noqa
    assert np.array_equal(recv[:n, 0], at_rows.mem_addr)
    assert np.array_equal(recv[:n, 1:5], limbs(at_rows.mem_before))
    assert np.array_equal(send[:n, 1:5], limbs(at_rows.mem_after))


def _rows_of(air, rows, op):
    return S.find_rows(air, rows, op)


def test_sc_wrong_outcome_rejected(at_rows):
    """Claim success for a failing sc.w (or failure for a succeeding one), with rd and the
    memory value made consistent with the claim."""
    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    for i in _rows_of(air, at_rows, "sc.w"):
        ok = int(trace[i, S.col(air, "ok")])
        bad = S.mutate(trace, i, S.col(air, "ok"), 1 - ok)
        bad[i, S.col(air, "rd_val", 0)] = ok  # rd = 1 - new ok
        for k in range(4):
            src = "rs2_val" if ok == 0 else "mem_prev"
            bad[i, S.col(air, "mem_new", k)] = trace[i, S.col(air, src, k)]
        bad[i, S.col(air, "res_inv")] = 0
        f = S.assert_rejected(air, bad, [i])[i]
        assert ("ok_match" in f) if ok == 0 else ("fail_mismatch" in f), f


def test_reservation_comes_from_the_memory_cell(at_rows):
    """The reservation a row sees is the value it receives on MEMORY from the reservation
    cell (key 51), and lr.w/sc.w write it back (lr.w: the address, sc.w: none); forging
    it changes that message (end to end, the bus then fails: test_atomic_e2e)."""
    from zkvm.riscv.layout import OS_KEY_RESERVATION

    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    msgs = {name: (vals, m) for name, vals, m in S.messages(air, trace, buses.MEMORY)}
    recv, rm = msgs["res_recv"]
    send, sm = msgs["res_send"]
    n = at_rows.n
    ops = [S.op_of(air, at_rows, i) for i in range(n)]
    touch = np.array([o in ("lr.w", "sc.w") for o in ops])
    lr = np.array([o == "lr.w" for o in ops])
    assert (rm[:n][touch] != 0).all() and (rm[:n][~touch] == 0).all() and (rm[n:] == 0).all()
    assert (recv[:n][touch, 0] == OS_KEY_RESERVATION).all()
    word = lambda a: (a[:, 1:5].astype(np.int64) << (8 * np.arange(4))).sum(axis=1)  # noqa
    assert np.array_equal(word(send[:n][lr]), at_rows.rs1_val[lr].astype(np.int64))
    assert (word(send[:n][touch & ~lr]) == 0).all()
    assert np.array_equal(word(recv[:n][touch]), at_rows.extra["res_prev"][touch])


def test_amo_wrong_new_value_rejected(at_rows):
    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    for op in AMOS:
        for i in _rows_of(air, at_rows, op)[:12]:
            for k in (0, 3):
                bad = S.mutate(trace, i, S.col(air, "mem_new", k),
                               int(trace[i, S.col(air, "mem_new", k)]) ^ 0x10)
                S.assert_rejected(air, bad, [i])


def test_amo_wrong_old_value_in_rd_rejected(at_rows):
    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    for op in AMOS + ("lr.w",):
        i = _rows_of(air, at_rows, op)[0]
        bad = S.mutate(trace, i, S.col(air, "rd_val", 1), int(trace[i, S.col(air, "rd_val", 1)]) + 1)
        assert "rd1_old" in S.assert_rejected(air, bad, [i])[i]


def test_amominmax_flipped_keep_rejected(at_rows):
    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    for op in ("amomin.w", "amomax.w", "amominu.w", "amomaxu.w"):
        for i in _rows_of(air, at_rows, op):
            if at_rows.rs2_val[i] == at_rows.mem_before[i]:
                continue
            keep = int(trace[i, S.col(air, "keep")])
            bad = S.mutate(trace, i, S.col(air, "keep"), 1 - keep)
            for k in range(4):
                src = "mem_prev" if keep == 0 else "rs2_val"
                bad[i, S.col(air, "mem_new", k)] = trace[i, S.col(air, src, k)]
            assert "keep" in S.assert_rejected(air, bad, [i])[i]


@pytest.mark.parametrize("addr,reason", [(0x3FFF_FF02, "bytes:key.off"),
                                         (0x8000, "bytes:key.ge_64k"),
                                         (0x4000_0000, "bytes:key.top")])
def test_atomic_bad_address_rejected(at_rows, addr, reason):
    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    i = _rows_of(air, at_rows, "amoswap.w")[0]
    bad = trace.copy()
    for k in range(4):
        bad[i, S.col(air, "rs1_val", k)] = (addr >> (8 * k)) & 0xFF
    f = S.assert_rejected(air, bad, [i])[i]
    assert reason in f, f


def test_atomic_padding_is_inert(at_rows):
    air = AtomicAir()
    trace = air.generate_trace(at_rows)
    n = at_rows.n
    assert trace.shape[0] > n
    bad = S.mutate(trace, n, S.col(air, "ok"), 1)
    assert "ok_only_sc" in S.assert_rejected(air, bad, [n])[n]

"""Atomic chip end to end: a whole-machine proof of lr.w/sc.w (success and failure) and
all nine AMOs, and a malicious-prover suite (sc.w outcome forged either way, reservation
forged, wrong AMO results).  See test_control_e2e.py for how a forged execution is built.
"""

from __future__ import annotations


import pytest

from tests.support import chip_checks as S

from zkvm.riscv.asm import encode, li
from zkvm.riscv.layout import PROGRAM_START

np = S.np
AMOS = ("amoswap.w", "amoadd.w", "amoxor.w", "amoand.w", "amoor.w", "amomin.w", "amomax.w",
        "amominu.w", "amomaxu.w")



def test_prove_verify_atomic_instructions():
    w = [encode("addi", rd="t0", rs1="sp", imm=-64)] + li("t1", 0x80000001)
    w += [encode("lr.w", rd="a0", rs1="t0"), encode("sc.w", rd="a1", rs1="t0", rs2="t1"),
          encode("sc.w", rd="a1", rs1="t0", rs2="t1"), encode("lr.w", rd=0, rs1="t0"),
          encode("amoadd.w", rd="a2", rs1="t0", rs2="t1"), encode("sc.w", rd=0, rs1="t0", rs2="t1")]
    for op in AMOS:
        w += li("a3", 0x7FFFFFFF) + [encode("sw", rs1="t0", rs2="a3", imm=0),
                                    encode(op, rd="a4", rs1="t0", rs2="t1")]
    w += [encode("addi", rd="t2", rs1="t0", imm=0), encode("amoswap.w", rd="t2", rs1="t2", rs2="t2")]
    m = S.prove_and_verify(w)
    res = m.execute()
    wit, _, _ = m.traces(res)
    air = m.chip_airs["atomic"]
    rows = wit.rows.select(wit.chip_index == "atomic")
    assert {S.op_of(air, rows, i) for i in range(rows.n)} == set(air.OPS)


# ---------------------------------------------------------------------------------------
# malicious prover

OLD = 0x00000005
NEW = 0x00000007


def _fixture(body):
    """t0 = sp - 64 holding OLD, t1 = NEW, then ``body``; returns (m, res, first body pc)."""
    pre = [encode("addi", rd="t0", rs1="sp", imm=-64)] + li("t1", NEW) + li("t2", OLD) + [
        encode("sw", rs1="t0", rs2="t2", imm=0)]
    m = S.machine_for(pre + body)
    return m, m.execute(), PROGRAM_START + 4 * len(pre)


def _row_of(rows, pc):
    return int(np.flatnonzero(rows.pc == pc)[0])


@pytest.mark.slow
def test_malicious_sc_succeeds_without_reservation():
    """amoadd (no reservation change) then sc.w: the honest sc fails; claim success."""
    body = [encode("amoor.w", rd="a1", rs1="t0", rs2="t2"),
            encode("sc.w", rd="a0", rs1="t0", rs2="t1")]
    m, res, pc0 = _fixture(body)
    pc = pc0 + 4

    def ev(rows):
        i = S.event_row(rows, pc)
        rows[i, S.EV["rd_val"]] = 0
        rows[i, S.EV["mem_after"]] = NEW
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        v.ok[r] = 1
        v.res_inv[r] = 0
        S.set_word(v.rd_val[r], 0)
        S.set_word(v.mem_new[r], NEW)
    S.attack(m, S.patch_events(res, ev), "atomic", forge, ["ok_match"])


@pytest.mark.slow
def test_malicious_sc_fails_despite_reservation():
    body = [encode("lr.w", rd="a1", rs1="t0"), encode("sc.w", rd="a0", rs1="t0", rs2="t1")]
    m, res, pc0 = _fixture(body)
    pc = pc0 + 4

    def ev(rows):
        i = S.event_row(rows, pc)
        rows[i, S.EV["rd_val"]] = 1
        rows[i, S.EV["mem_after"]] = OLD
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        v.ok[r] = 0
        S.set_word(v.rd_val[r], 1)
        S.set_word(v.mem_new[r], OLD)
    S.attack(m, S.patch_events(res, ev), "atomic", forge, ["fail_mismatch"])


@pytest.mark.slow
def test_malicious_sc_with_forged_reservation():
    """The sc.w row claims the reservation was its address although nothing reserved it
    (an amoswap does not): the reservation cell's MEMORY record does not match."""
    body = [encode("amoswap.w", rd="a1", rs1="t0", rs2="t2"),
            encode("sc.w", rd="a0", rs1="t0", rs2="t1")]
    m, res, pc0 = _fixture(body)
    pc = pc0 + 4

    def ev(rows):
        i = S.event_row(rows, pc)
        rows[i, S.EV["rd_val"]] = 0
        rows[i, S.EV["mem_after"]] = NEW
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        S.set_word(v.res_in[r], int(rows.rs1_val[r]))
        v.ok[r] = 1
        v.res_inv[r] = 0
        S.set_word(v.rd_val[r], 0)
        S.set_word(v.mem_new[r], NEW)
    S.attack(m, S.patch_events(res, ev), "atomic", forge, [], other_buses=("memory",))


@pytest.mark.slow
def test_malicious_amoadd_wrong_sum_limb():
    m, res, pc = _fixture([encode("amoadd.w", rd="a0", rs1="t0", rs2="t1")])
    forged = OLD + NEW + 0x100

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["mem_after"]] = forged
        return rows

    def forge(air, v, rows):
        S.set_word(v.mem_new[_row_of(rows, pc)], forged)
    S.attack(m, S.patch_events(res, ev), "atomic", forge, ["new1_add"])


@pytest.mark.slow
def test_malicious_amomaxu_keeps_the_smaller_value():
    m, res, pc = _fixture([encode("amomaxu.w", rd="a0", rs1="t0", rs2="t1")])

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["mem_after"]] = OLD
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        v.keep[r] = 1
        S.set_word(v.mem_new[r], OLD)
    S.attack(m, S.patch_events(res, ev), "atomic", forge, ["keep"])


@pytest.mark.slow
def test_malicious_amoswap_returns_new_value_in_rd():
    m, res, pc = _fixture([encode("amoswap.w", rd="a0", rs1="t0", rs2="t1")])

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["rd_val"]] = NEW
        return rows

    def forge(air, v, rows):
        S.set_word(v.rd_val[_row_of(rows, pc)], NEW)
    S.attack(m, S.patch_events(res, ev), "atomic", forge, ["rd0_old"])

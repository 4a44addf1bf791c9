"""Control-flow chips in isolation (LuiAuipc, Branch, Jump): honest traces from executor
events satisfy every constraint and BYTES lookup and send the executor's next pc; targeted
corruptions are caught by a constraint or a byte-table lookup.

The EXEC/PROGRAM/MEMORY buses need the whole machine: see test_control_e2e.py.
"""

from __future__ import annotations


import numpy as np
import pytest

from tests.support import chip_checks as S

from zkvm.chips.branch import BranchAir
from zkvm.chips.jump import JumpAir
from zkvm.chips.lui_auipc import LuiAuipcAir
from zkvm.field.babybear import P
from zkvm.riscv.asm import encode, li

INT_MIN = 0x80000000
VALUES = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x1234, 0x7FFFFFFF, INT_MIN, INT_MIN + 1,
          0xFFFFFFFF, 0xFFFFFFFE, 0x12345678, 0x12345679, 0x12355678, 0x92345678]


# ---------------------------------------------------------------------------------------
# lui / auipc

def lui_auipc_program():
    words = []
    for imm in (0, 0x1000, 0x12345000, 0x7FFFF000, INT_MIN, 0xFFFFF000, 0xABCDE000):
        words += [encode("lui", rd=5, imm=imm), encode("auipc", rd=6, imm=imm)]
    # x0 destination, and a wrap-around auipc (pc + imm ≥ 2^32)
    words += [encode("lui", rd=0, imm=0x55555000), encode("auipc", rd=0, imm=0xFFFF0000),
              encode("auipc", rd=7, imm=0xFFFF0000)]
    return words


@pytest.fixture(scope="module")
def lui_rows():
    _, rows = S.run_words(lui_auipc_program())
    return S.chip_rows(LuiAuipcAir(), rows)


def test_lui_auipc_honest(lui_rows):
    air = LuiAuipcAir()
    trace = S.assert_honest(air, lui_rows)
    S.check_results(air, trace, lui_rows)
    # rd = x0 rows carry the computed value (the adapter writes nothing there)
    got = S.rd_values(air, trace, lui_rows.n)
    i = S.find_rows(air, lui_rows, "auipc", lambda i: lui_rows.rd[i] == 0)[0]
    assert got[i] == (int(lui_rows.pc[i]) + 0xFFFF0000) & S.M32


def test_lui_wrong_result_limb_rejected(lui_rows):
    air = LuiAuipcAir()
    trace = air.generate_trace(lui_rows)
    for i in (0, 1):
        bad = S.mutate(trace, i, S.col(air, "rd_val", 2), int(trace[i, S.col(air, "rd_val", 2)]) + 1)
        assert "limb2_sum" in S.assert_rejected(air, bad, [i])[i]


def test_auipc_pc_limbs_aliased_by_p_rejected(lui_rows):
    """OpenVM GHSA-jf2r-x3j4-23m7: decomposing pc as the bytes of pc + p (< 2^32) keeps the
    field recomposition; the top-limb < 64 check must catch it."""
    air = LuiAuipcAir()
    trace = air.generate_trace(lui_rows)
    i = S.find_rows(air, lui_rows, "auipc")[0]
    pc = int(lui_rows.pc[i])
    imm = int(lui_rows.imm[i]) & S.M32
    alias = pc + P
    assert alias < 1 << 32
    bad = trace.copy()
    res = (alias + imm) & S.M32
    for k in range(4):
        bad[i, S.col(air, "pc_limbs", k)] = (alias >> (8 * k)) & 0xFF
        bad[i, S.col(air, "rd_val", k)] = (res >> (8 * k)) & 0xFF
    cin = 0
    for k in range(4):
        s = ((alias >> (8 * k)) & 0xFF) + ((imm >> (8 * k)) & 0xFF) + cin
        cin = s >> 8
        bad[i, S.col(air, "carry", k)] = cin
    f = S.assert_rejected(air, bad, [i])[i]
    assert f == ["bytes:pc_top"], f


def test_auipc_non_boolean_carry_rejected(lui_rows):
    air = LuiAuipcAir()
    trace = air.generate_trace(lui_rows)
    i = S.find_rows(air, lui_rows, "auipc")[0]
    bad = S.mutate(trace, i, S.col(air, "carry", 0), 2)
    assert "carry0_bool" in S.assert_rejected(air, bad, [i])[i]


def test_lui_auipc_padding_is_inert(lui_rows):
    air = LuiAuipcAir()
    trace = air.generate_trace(lui_rows)
    n = lui_rows.n
    assert trace.shape[0] > n
    bad = S.mutate(trace, n, S.col(air, "f_lui"), 1)
    assert S.assert_rejected(air, bad)


# ---------------------------------------------------------------------------------------
# branches

BRANCHES = ("beq", "bne", "blt", "bge", "bltu", "bgeu")


def branch_program():
    words = []
    for op in BRANCHES:
        for a in VALUES:
            for b in (a, 0, 1, 0x7FFFFFFF, INT_MIN, 0xFFFFFFFF, 0x12345678, 0x92345678):
                # forward branch over one nop: taken and not taken both continue below
                words += li(5, a) + li(6, b) + [encode(op, rs1=5, rs2=6, imm=8),
                                                encode("addi", rd=0, rs1=0, imm=0)]
        # backward taken branch: jal +8; jal +8; b* -4  (rs1 = rs2 = x5: equal operands)
        words += li(5, 7) + [encode("jal", rd=0, imm=8), encode("jal", rd=0, imm=8),
                             encode(op, rs1=5, rs2=5, imm=-4)]
        words += [encode("jal", rd=0, imm=8), encode("jal", rd=0, imm=8),
                  encode(op, rs1=0, rs2=5, imm=-4)]
    return words


@pytest.fixture(scope="module")
def br_rows():
    _, rows = S.run_words(branch_program())
    return S.chip_rows(BranchAir(), rows)


def _taken(rows, i):
    return int(rows.next_pc[i]) != int(rows.pc[i]) + 4


def test_branch_honest_all_ops_both_paths(br_rows):
    air = BranchAir()
    trace = S.assert_honest(air, br_rows)
    v = air.columns.view(trace)
    for op in BRANCHES:
        idx = S.find_rows(air, br_rows, op)
        taken = [_taken(br_rows, i) for i in idx]
        assert any(taken) and not all(taken), op
        # backward taken branches are present
        assert any(int(br_rows.imm[i]) < 0 and _taken(br_rows, i) for i in idx), op
    assert np.array_equal(v.taken[:br_rows.n],
                          [int(_taken(br_rows, i)) for i in range(br_rows.n)])


@pytest.mark.parametrize("taken", [True, False])
def test_branch_wrong_next_pc_rejected(br_rows, taken):
    air = BranchAir()
    trace = air.generate_trace(br_rows)
    rows_ = [i for i in range(br_rows.n) if _taken(br_rows, i) == taken][:10]
    for i in rows_:
        other = int(br_rows.pc[i]) + 4 if taken else (int(br_rows.pc[i]) + int(br_rows.imm[i])) % P
        bad = S.mutate(trace, i, S.col(air, "next_pc"), other)
        assert "next_pc" in S.assert_rejected(air, bad, [i])[i]


@pytest.mark.parametrize("taken", [True, False])
def test_branch_flipped_taken_rejected(br_rows, taken):
    """Flip ``taken`` and make next_pc consistent with the flip: the condition is pinned."""
    air = BranchAir()
    trace = air.generate_trace(br_rows)
    for i in [i for i in range(br_rows.n) if _taken(br_rows, i) == taken][:10]:
        bad = S.mutate(trace, i, S.col(air, "taken"), 0 if taken else 1)
        npc = int(br_rows.pc[i]) + 4 if taken else (int(br_rows.pc[i]) + int(br_rows.imm[i])) % P
        bad[i, S.col(air, "next_pc")] = npc
        assert "taken" in S.assert_rejected(air, bad, [i])[i]


def test_branch_flipped_comparison_rejected(br_rows):
    """Flip the comparison result lt (and taken/next_pc to match): the LTU lookup fails."""
    air = BranchAir()
    trace = air.generate_trace(br_rows)
    for op in ("blt", "bge", "bltu", "bgeu"):
        for i in S.find_rows(air, br_rows, op)[:12]:
            bad = trace.copy()
            lt = int(trace[i, S.col(air, "cmp_lt")])
            bad[i, S.col(air, "cmp_lt")] = 1 - lt
            tk = 1 - int(trace[i, S.col(air, "taken")])
            bad[i, S.col(air, "taken")] = tk
            bad[i, S.col(air, "next_pc")] = ((int(br_rows.pc[i]) + int(br_rows.imm[i])) % P
                                             if tk else int(br_rows.pc[i]) + 4)
            assert "bytes:cmp.ltu" in S.assert_rejected(air, bad, [i])[i]


def test_branch_marker_on_equal_limb_rejected(br_rows):
    """Claim 'equal' (no marker) for different operands, or move the marker to an equal
    higher limb: constraints catch both."""
    air = BranchAir()
    trace = air.generate_trace(br_rows)
    m0 = S.col(air, "cmp_m")
    ne_rows = [i for i in S.find_rows(air, br_rows, "bne")
               if br_rows.rs1_val[i] != br_rows.rs2_val[i]][:10]
    for i in ne_rows:
        bad = trace.copy()
        bad[i, m0:m0 + 4] = 0
        for c in ("cmp_ma", "cmp_mb", "cmp_inv"):
            bad[i, S.col(air, c)] = 0
        bad[i, S.col(air, "taken")] = 0
        bad[i, S.col(air, "next_pc")] = int(br_rows.pc[i]) + 4
        S.assert_rejected(air, bad, [i])
    # marker moved above the first differing limb (where the limbs are equal)
    cases = [i for i in range(br_rows.n) if (int(br_rows.rs1_val[i]) ^ int(br_rows.rs2_val[i]))
             and (int(br_rows.rs1_val[i]) ^ int(br_rows.rs2_val[i])) < 1 << 24]
    assert cases
    for i in cases[:10]:
        bad = trace.copy()
        bad[i, m0:m0 + 4] = [0, 0, 0, 1]
        x3 = int(trace[i, S.col(air, "rs1_val", 3)])
        bad[i, S.col(air, "cmp_ma")] = x3
        bad[i, S.col(air, "cmp_mb")] = x3
        assert "cmp.marked_differ" in S.assert_rejected(air, bad, [i])[i]


def test_branch_wrong_sign_bit_rejected(br_rows):
    air = BranchAir()
    trace = air.generate_trace(br_rows)
    for i in S.find_rows(air, br_rows, "blt")[:10]:
        bad = S.mutate(trace, i, S.col(air, "cmp_sa"), 1 - int(trace[i, S.col(air, "cmp_sa")]))
        S.assert_rejected(air, bad, [i])


# ---------------------------------------------------------------------------------------
# jal / jalr

def jump_program():
    w = []
    # jal forward (link in ra), jal to x0, backward jal
    w += [encode("jal", rd=1, imm=8), encode("addi", rd=0, rs1=0, imm=0)]
    w += [encode("jal", rd=0, imm=8), encode("addi", rd=0, rs1=0, imm=0)]
    w += [encode("jal", rd=0, imm=8), encode("jal", rd=0, imm=8), encode("jal", rd=5, imm=-4)]
    # jalr with an odd target: x5 = pc (auipc) + 13 → target pc + 12 (bit 0 cleared)
    w += [encode("auipc", rd=5, imm=0), encode("addi", rd=5, rs1=5, imm=13),
          encode("jalr", rd=1, rs1=5, imm=0), encode("addi", rd=0, rs1=0, imm=0)]
    # jalr with a negative immediate and rd = rs1: x6 = pc + 100 + 12, jalr x6, -100(x6)
    w += [encode("auipc", rd=6, imm=0), encode("addi", rd=6, rs1=6, imm=112),
          encode("jalr", rd=6, rs1=6, imm=-100), encode("addi", rd=0, rs1=0, imm=0)]
    # jalr to x0 with an odd immediate (ret-like): x7 = pc + 8, jalr x0, 5(x7) -> pc + 12
    w += [encode("auipc", rd=7, imm=0), encode("addi", rd=7, rs1=7, imm=8),
          encode("jalr", rd=0, rs1=7, imm=5), encode("addi", rd=0, rs1=0, imm=0)]
    # jalr where rs1 + imm carries across limbs: x8 = pc - 0x7FC + 16 + 0x7FF (imm 0x7FF)
    w += [encode("auipc", rd=8, imm=0), encode("addi", rd=8, rs1=8, imm=-0x7FF + 16),
          encode("jalr", rd=9, rs1=8, imm=0x7FF), encode("addi", rd=0, rs1=0, imm=0)]
    return w


@pytest.fixture(scope="module")
def jmp_rows():
    _, rows = S.run_words(jump_program())
    return S.chip_rows(JumpAir(), rows)


def test_jump_honest(jmp_rows):
    air = JumpAir()
    trace = S.assert_honest(air, jmp_rows)
    S.check_results(air, trace, jmp_rows)
    got = S.rd_values(air, trace, jmp_rows.n)
    assert np.array_equal(got, jmp_rows.pc.astype(np.int64) + 4)  # also for rd = x0
    v = air.columns.view(trace)
    assert v.bit0[:jmp_rows.n].any(), "no odd jalr target in the program"


def test_jalr_target_with_bit0_set_rejected(jmp_rows):
    air = JumpAir()
    trace = air.generate_trace(jmp_rows)
    odd = [i for i in range(jmp_rows.n) if trace[i, S.col(air, "bit0")] == 1]
    for i in odd:
        bad = S.mutate(trace, i, S.col(air, "next_pc"), int(trace[i, S.col(air, "next_pc")]) + 1)
        assert "next_pc" in S.assert_rejected(air, bad, [i])[i]
        # claim bit0 = 0 and keep the odd target: the AND lookup fails
        bad = S.mutate(trace, i, S.col(air, "bit0"), 0)
        bad[i, S.col(air, "next_pc")] = int(trace[i, S.col(air, "next_pc")]) + 1
        assert "bytes:sum0_bit0" in S.assert_rejected(air, bad, [i])[i]


def test_jalr_target_aliased_by_p_rejected(jmp_rows):
    """A jalr sum of ``target + 2p`` (< 2^32, even) reduces to a genuine pc in the field;
    the top-byte < 64 check forbids it (checklist 4)."""
    air = JumpAir()
    trace = air.generate_trace(jmp_rows)
    i = S.find_rows(air, jmp_rows, "jalr")[0]
    target = int(jmp_rows.next_pc[i])
    alias = target + 2 * P
    assert alias < 1 << 32
    bad = trace.copy()
    # pretend rs1 held target + p and imm were 0 -- only the range checks stand in the way
    for k in range(4):
        bad[i, S.col(air, "rs1_val", k)] = (alias >> (8 * k)) & 0xFF
        bad[i, S.col(air, "imm", k)] = 0
        bad[i, S.col(air, "sum", k)] = (alias >> (8 * k)) & 0xFF
        bad[i, S.col(air, "carry", k)] = 0
    bad[i, S.col(air, "imm_f")] = 0
    bad[i, S.col(air, "bit0")] = alias & 1
    assert (alias - (alias & 1)) % P == target
    f = S.assert_rejected(air, bad, [i])[i]
    assert f == ["bytes:sum_top"], f


def test_jump_link_aliased_by_p_rejected(jmp_rows):
    air = JumpAir()
    trace = air.generate_trace(jmp_rows)
    i = 0
    alias = int(jmp_rows.pc[i]) + 4 + P
    bad = trace.copy()
    for k in range(4):
        bad[i, S.col(air, "rd_val", k)] = (alias >> (8 * k)) & 0xFF
    assert S.assert_rejected(air, bad, [i])[i] == ["bytes:link_top"]


def test_jal_wrong_target_rejected(jmp_rows):
    air = JumpAir()
    trace = air.generate_trace(jmp_rows)
    for i in S.find_rows(air, jmp_rows, "jal"):
        bad = S.mutate(trace, i, S.col(air, "next_pc"), int(jmp_rows.pc[i]) + 4)
        assert "next_pc" in S.assert_rejected(air, bad, [i])[i]


def test_jump_wrong_link_rejected(jmp_rows):
    air = JumpAir()
    trace = air.generate_trace(jmp_rows)
    for i in range(jmp_rows.n):
        bad = S.mutate(trace, i, S.col(air, "rd_val", 0), int(trace[i, S.col(air, "rd_val", 0)]) + 4)
        assert "link" in S.assert_rejected(air, bad, [i])[i]


def test_jalr_wrong_sum_carry_rejected(jmp_rows):
    air = JumpAir()
    trace = air.generate_trace(jmp_rows)
    for i in S.find_rows(air, jmp_rows, "jalr"):
        bad = trace.copy()
        # sum1 + 1 with carry0 toggled is not a solution either
        bad[i, S.col(air, "sum", 1)] = int(trace[i, S.col(air, "sum", 1)]) + 1
        bad[i, S.col(air, "next_pc")] = int(trace[i, S.col(air, "next_pc")]) + 256
        S.assert_rejected(air, bad, [i])

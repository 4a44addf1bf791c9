"""Control-flow chips end to end (LuiAuipc, Branch, Jump): whole-machine proofs of every
instruction, and a malicious-prover suite (checklist 4, 8, 9).

Malicious tests build a forged execution whose every other table is consistent with the
forgery (the executor's events are patched -- a deleted/inserted instruction, a forged
register value -- and the tracegen rebuilds memory, EXEC times and the boundary from
them), then forge the chip's row.  Exactly the expected constraints (or byte lookups)
fail; with those constraints switched off the forgery would be a valid witness; the proof
made with the checker disabled is rejected by the verifier.  Tests are named after the
attack.
"""

from __future__ import annotations


import pytest

from tests.support import chip_checks as S

from zkvm.field.babybear import P
from zkvm.field.babybear import inv_scalar
from zkvm.riscv.asm import encode, li
from zkvm.riscv.layout import PROGRAM_START

NOP = encode("addi", rd=0, rs1=0, imm=0)



def control_program():
    w = []
    for imm in (0, 0x12345000, 0x80000000, 0xFFFFF000):
        w += [encode("lui", rd=5, imm=imm), encode("auipc", rd=6, imm=imm)]
    w += [encode("lui", rd=0, imm=0x1000), encode("auipc", rd=0, imm=0x1000)]
    for op in ("beq", "bne", "blt", "bge", "bltu", "bgeu"):
        for a, b in ((1, 1), (1, 2), (2, 1), (0xFFFFFFFF, 1), (1, 0xFFFFFFFF), (0x80000000, 0x7FFFFFFF)):
            w += li(5, a) + li(6, b) + [encode(op, rs1=5, rs2=6, imm=8), NOP]
        # backward branch (taken for beq/bge/bgeu: x0 vs x0)
        w += [encode("jal", rd=0, imm=8), encode("jal", rd=0, imm=8),
              encode(op, rs1=0, rs2=0, imm=-4)]
    # jal with link, jal x0, jalr odd target, jalr rd = rs1 with negative imm, jalr x0
    w += [encode("jal", rd=1, imm=8), NOP, encode("jal", rd=0, imm=8), NOP]
    w += [encode("auipc", rd=5, imm=0), encode("addi", rd=5, rs1=5, imm=13),
          encode("jalr", rd=1, rs1=5, imm=0), NOP]
    w += [encode("auipc", rd=6, imm=0), encode("addi", rd=6, rs1=6, imm=112),
          encode("jalr", rd=6, rs1=6, imm=-100), NOP]
    w += [encode("auipc", rd=7, imm=0), encode("jalr", rd=0, rs1=7, imm=13), NOP]
    return w


def test_prove_verify_control_instructions():
    m = S.prove_and_verify(control_program())
    res = m.execute()
    w, _, _ = m.traces(res)
    for chip in ("lui_auipc", "branch", "jump"):
        air = m.chip_airs[chip]
        rows = w.rows.select(w.chip_index == chip)
        assert {S.op_of(air, rows, i) for i in range(rows.n)} == set(air.OPS), chip


# ---------------------------------------------------------------------------------------
# malicious prover

def _branch_fixture(op, a, b):
    words = li(5, a) + li(6, b) + [encode(op, rs1=5, rs2=6, imm=8), NOP]
    m = S.machine_for(words)
    bpc = PROGRAM_START + 4 * (len(words) - 2)
    return m, m.execute(), bpc


@pytest.mark.slow
def test_malicious_branch_taken_although_condition_false():
    """beq 1, 2 is not taken; the forged execution skips the next instruction."""
    m, res, bpc = _branch_fixture("beq", 1, 2)

    def ev(rows):
        i = S.event_row(rows, bpc)
        rows[i, S.EV["next_pc"]] = bpc + 8
        return S.np.delete(rows, i + 1, axis=0)

    def forge(air, v, rows):
        v.taken[0] = 1
        v.next_pc[0] = bpc + 8
    S.attack(m, S.patch_events(res, ev), "branch", forge, ["taken"])


@pytest.mark.slow
def test_malicious_branch_not_taken_although_condition_true():
    """bgeu 2, 1 is taken; the forged execution falls through into the skipped nop."""
    m, res, bpc = _branch_fixture("bgeu", 2, 1)

    def ev(rows):
        i = S.event_row(rows, bpc)
        rows[i, S.EV["next_pc"]] = bpc + 4
        nop = S.np.array([[bpc + 4, bpc + 8, NOP, 0, 0, 0, 0, 0, 0]], dtype=S.np.int64)
        return S.np.insert(rows, i + 1, nop, axis=0)

    def forge(air, v, rows):
        v.taken[0] = 0
        v.next_pc[0] = bpc + 4
    S.attack(m, S.patch_events(res, ev), "branch", forge, ["taken"])


@pytest.mark.slow
def test_malicious_blt_compared_as_unsigned():
    """blt -1, 1 is taken (signed); claim both signs positive so that the limbs compare
    unsigned: the sign lookups and the comparison lookup are not byte-table rows."""
    m, res, bpc = _branch_fixture("blt", 0xFFFFFFFF, 1)

    def ev(rows):
        i = S.event_row(rows, bpc)
        rows[i, S.EV["next_pc"]] = bpc + 4
        nop = S.np.array([[bpc + 4, bpc + 8, NOP, 0, 0, 0, 0, 0, 0]], dtype=S.np.int64)
        return S.np.insert(rows, i + 1, nop, axis=0)

    def forge(air, v, rows):
        v.cmp_sa[0] = 0
        v.cmp_sb[0] = 0
        v.cmp_ma[0] = 0xFF + 128   # top limb "flipped" as if it were positive
        v.cmp_mb[0] = 0x00 + 128
        v.cmp_inv[0] = inv_scalar((128 - 383) % P)
        v.cmp_lt[0] = 0
        v.taken[0] = 0
        v.next_pc[0] = bpc + 4
    S.attack(m, S.patch_events(res, ev), "branch", forge, expect_bytes=True)


@pytest.mark.slow
def test_malicious_jalr_jumps_past_its_target():
    words = [encode("auipc", rd=5, imm=0), encode("addi", rd=5, rs1=5, imm=16),
             encode("jalr", rd=1, rs1=5, imm=0), NOP, NOP]
    m = S.machine_for(words)
    base = PROGRAM_START

    def ev(rows):
        i = S.event_row(rows, base + 8)
        rows[i, S.EV["next_pc"]] = base + 20
        return S.np.delete(rows, i + 1, axis=0)  # the nop at base + 16

    def forge(air, v, rows):
        v.next_pc[0] = base + 20
    S.attack(m, S.patch_events(m.execute(), ev), "jump", forge, ["next_pc"])


@pytest.mark.slow
def test_malicious_jalr_target_aliased_by_p():
    """x5 = T + 2p (a 32-bit word ≥ 2^30) and jalr x0, 0(x5): reduced into the field the
    target is the genuine pc T (the OpenVM AUIPC-style bug, checklist 4).  The executor
    faults on this program, so the events come from the same program with x5 = T, patched
    with the register values of the forged run."""
    T = PROGRAM_START + 16
    V = T + 2 * P
    assert V < 1 << 32
    forged_li, honest_li = li(5, V), li(5, T)
    assert len(forged_li) == len(honest_li) == 2
    tail = [encode("jalr", rd=0, rs1=5, imm=0), NOP, NOP]
    m = S.machine_for(forged_li + tail)
    res = S.machine_for(honest_li + tail).execute()
    hi = V - ((V & 0xFFF) - 0x1000 if V & 0x800 else V & 0xFFF)

    def ev(rows):
        rows[0, S.EV["insn"]] = forged_li[0]
        rows[0, S.EV["rd_val"]] = hi
        rows[1, S.EV["insn"]] = forged_li[1]
        rows[1, S.EV["rs1_val"]] = hi
        rows[1, S.EV["rd_val"]] = V
        rows[2, S.EV["rs1_val"]] = V
        return rows

    def forge(air, v, rows):
        v.next_pc[0] = V % P  # == T
    S.attack(m, S.patch_events(res, ev), "jump", forge, expect_bytes=True)


@pytest.mark.slow
def test_malicious_auipc_pc_decomposed_as_pc_plus_p():
    """OpenVM GHSA-jf2r-x3j4-23m7: pc's limbs taken as the bytes of pc + p."""
    imm = 0x1000
    m = S.machine_for([encode("auipc", rd=5, imm=imm)])
    pc = PROGRAM_START
    alias = pc + P
    res_val = (alias + imm) & S.M32

    def ev(rows):
        rows[0, S.EV["rd_val"]] = res_val
        return rows

    def forge(air, v, rows):
        S.set_word(v.pc_limbs[0], alias)
        S.set_word(v.rd_val[0], res_val)
        cin = 0
        for k in range(4):
            s = ((alias >> (8 * k)) & 0xFF) + ((imm >> (8 * k)) & 0xFF) + cin
            cin = s >> 8
            v.carry[0, k] = cin
    S.attack(m, S.patch_events(m.execute(), ev), "lui_auipc", forge, expect_bytes=True)


@pytest.mark.slow
def test_malicious_jal_wrong_link_value():
    m = S.machine_for([encode("jal", rd=1, imm=8), NOP])
    pc = PROGRAM_START

    def ev(rows):
        rows[0, S.EV["rd_val"]] = pc + 8
        return rows

    def forge(air, v, rows):
        S.set_word(v.rd_val[0], pc + 8)
    S.attack(m, S.patch_events(m.execute(), ev), "jump", forge, ["link"])

"""LoadStore chip end to end: a whole-machine proof of every load/store (each byte offset,
sign/zero extension, negative offsets, x0 destination, rd = rs1), and a malicious-prover
suite (wrong byte, wrong offset, store touching a neighbour byte, misaligned access, missing
sign extension).  See test_control_e2e.py for how a forged execution is built.
"""

from __future__ import annotations


import pytest

from tests.support import chip_checks as S

from zkvm.riscv.asm import encode, li
from zkvm.riscv.layout import PROGRAM_START

np = S.np



def test_prove_verify_loadstore_instructions():
    w = li("t0", 0x80FF7F01) + [encode("sw", rs1="sp", rs2="t0", imm=-16)]
    for off in range(4):
        w += [encode("lb", rd="a0", rs1="sp", imm=-16 + off),
              encode("lbu", rd="a1", rs1="sp", imm=-16 + off),
              encode("sb", rs1="sp", rs2="t0", imm=-32 + off)]
    for off in (0, 2):
        w += [encode("lh", rd="a2", rs1="sp", imm=-16 + off),
              encode("lhu", rd="a3", rs1="sp", imm=-16 + off),
              encode("sh", rs1="sp", rs2="t0", imm=-24 + off)]
    w += [encode("lw", rd="a4", rs1="sp", imm=-32), encode("lw", rd=0, rs1="sp", imm=-24),
          encode("addi", rd="t1", rs1="sp", imm=-16), encode("lw", rd="t1", rs1="t1", imm=0),
          encode("addi", rd="t2", rs1="sp", imm=-0x7FF), encode("sw", rs1="t2", rs2="t2", imm=0x7F3)]
    m = S.prove_and_verify(w)
    res = m.execute()
    wit, _, _ = m.traces(res)
    air = m.chip_airs["loadstore"]
    rows = wit.rows.select(wit.chip_index == "loadstore")
    assert {S.op_of(air, rows, i) for i in range(rows.n)} == set(air.OPS)


# ---------------------------------------------------------------------------------------
# malicious prover

WORD = 0x44332211


def _fixture(op, imm, extra=()):
    """sw WORD at sp-16, then ``op a0, imm(sp)``; returns (machine, result, pc of op)."""
    words = li("t0", WORD) + [encode("sw", rs1="sp", rs2="t0", imm=-16)] + list(extra)
    pc = PROGRAM_START + 4 * len(words)
    if op in ("sb", "sh", "sw"):
        words.append(encode(op, rs1="sp", rs2="t0", imm=imm))
    else:
        words.append(encode(op, rd="a0", rs1="sp", imm=imm))
    m = S.machine_for(words)
    return m, m.execute(), pc


def _row_of(rows, pc):
    return int(np.flatnonzero(rows.pc == pc)[0])


@pytest.mark.slow
def test_malicious_lb_reads_byte_from_wrong_offset():
    """lb at offset 1 returns the byte at offset 2 (one-hot offset moved, selection
    consistent): the offset is pinned to the address by AND(addr0, 3, off)."""
    m, res, pc = _fixture("lb", -15)

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["rd_val"]] = 0x33
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        v.off[r] = [0, 0, 1, 0]
        v.sel0[r] = 0x33
        v.sel1[r] = 0x44
        v.top[r] = 0x33
        S.set_word(v.rd_val[r], 0x33)
    # moving the offset also moves the word key (key = addr - off): memory cannot balance
    S.attack(m, S.patch_events(res, ev), "loadstore", forge, expect_bytes=True,
             other_buses=("memory",))


@pytest.mark.slow
def test_malicious_lbu_selected_byte_forged():
    m, res, pc = _fixture("lbu", -15)

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["rd_val"]] = 0x99
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        v.sel0[r] = 0x99
        S.set_word(v.rd_val[r], 0x99)
    S.attack(m, S.patch_events(res, ev), "loadstore", forge, ["sel0"])


@pytest.mark.slow
def test_malicious_sb_also_changes_neighbour_byte():
    m, res, pc = _fixture("sb", -15)
    forged = (WORD & ~0xFFFF00) | (0x11 << 8) | (0x77 << 16)  # byte 1 written, byte 2 forged

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["mem_after"]] = forged
        return rows

    def forge(air, v, rows):
        S.set_word(v.mem_new[_row_of(rows, pc)], forged)
    S.attack(m, S.patch_events(res, ev), "loadstore", forge, ["store2"])


@pytest.mark.slow
def test_malicious_lw_misaligned_address():
    """lw a0, -15(sp): the executor faults; the forged run reads the aligned word as if
    the access were fine.  Only the natural-alignment constraint stands in the way."""
    words = li("t0", WORD) + [encode("sw", rs1="sp", rs2="t0", imm=-16)]
    pc = PROGRAM_START + 4 * len(words)
    m = S.machine_for(words + [encode("lw", rd="a0", rs1="sp", imm=-15)])
    res = S.machine_for(words + [encode("lw", rd="a0", rs1="sp", imm=-16)]).execute()
    # what the chip computes for lw at offset 1: (W1, 0, W2, W3)
    got = 0x22 | (0x33 << 16) | (0x44 << 24)

    def ev(rows):
        i = S.event_row(rows, pc)
        rows[i, S.EV["insn"]] = encode("lw", rd="a0", rs1="sp", imm=-15)
        rows[i, S.EV["mem_addr"]] += 1
        rows[i, S.EV["rd_val"]] = got
        return rows

    def forge(air, v, rows):
        assert S.np.array_equal(v.rd_val[_row_of(rows, pc)], [0x22, 0, 0x33, 0x44])
    S.attack(m, S.patch_events(res, ev), "loadstore", forge, ["align_word"])


@pytest.mark.slow
def test_malicious_lb_without_sign_extension():
    m, res, pc = _fixture("lb", -16, extra=li("t1", 0x80) + [
        encode("sb", rs1="sp", rs2="t1", imm=-16)])

    def ev(rows):
        rows[S.event_row(rows, pc), S.EV["rd_val"]] = 0x80
        return rows

    def forge(air, v, rows):
        r = _row_of(rows, pc)
        v.sgn[r] = 0
        S.set_word(v.rd_val[r], 0x80)
    S.attack(m, S.patch_events(res, ev), "loadstore", forge, expect_bytes=True)

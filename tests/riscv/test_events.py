"""Event records: exact content on small programs, and layering."""

import subprocess
import sys

from zkvm.riscv.asm import encode, li
from zkvm.riscv.testing import SCRATCH, run_both


def test_event_rows_exact():
    words = [
        encode("addi", 5, 0, imm=7),  # 0x10000
        encode("add", 6, 5, 5),  # 0x10004
        *li(8, SCRATCH),  # 0x10008 lui (+ no addi: low bits zero)
        encode("sw", rs1=8, rs2=6, imm=4),  # 0x1000c
        encode("lb", 9, 8, imm=4),  # 0x10010
        encode("beq", rs1=5, rs2=5, imm=8),  # 0x10014 taken
        encode("addi", 0, 0, imm=0),  # skipped
        encode("add", 0, 5, 6),  # 0x1001c: write to x0
    ]
    r = run_both(words)
    ev = r.events
    rows = [ev.row(i) for i in range(len(ev))]
    assert rows[0] == dict(pc=0x10000, next_pc=0x10004, insn=words[0], rs1_val=0, rs2_val=0, rd_val=7, mem_addr=0, mem_before=0, mem_after=0)
    assert rows[1]["rs1_val"] == 7 and rows[1]["rs2_val"] == 7 and rows[1]["rd_val"] == 14
    assert rows[2]["rd_val"] == SCRATCH
    assert rows[3] == dict(pc=0x1000C, next_pc=0x10010, insn=words[3], rs1_val=SCRATCH, rs2_val=14, rd_val=0, mem_addr=SCRATCH + 4, mem_before=0, mem_after=14)
    assert rows[4]["mem_addr"] == SCRATCH + 4 and rows[4]["mem_before"] == rows[4]["mem_after"] == 14 and rows[4]["rd_val"] == 14
    assert rows[5]["next_pc"] == 0x1001C and rows[5]["rd_val"] == 0
    assert rows[6]["pc"] == 0x1001C and rows[6]["rd_val"] == 0 and rows[6]["rs1_val"] == 7
    # exit sequence: li a0, 0; li a7, 94; ecall
    ecall = rows[-1]
    assert ecall["insn"] == 0x73 and ecall["rs1_val"] == 94 and ecall["rs2_val"] == 0 and ecall["rd_val"] == 0
    assert len(ev) == r.cycles == 10


def test_ecall_row_records_return_value():
    words = li(10, 1) + li(11, SCRATCH) + li(12, 0) + li(17, 64) + [encode("ecall")]
    r = run_both(words)
    row = r.events.row(len(words) - 1)
    assert row["insn"] == 0x73 and row["rs1_val"] == 64 and row["rs2_val"] == 1 and row["rd_val"] == 0


def test_riscv_does_not_import_field_or_stark():
    code = "import sys, zkvm.riscv, zkvm.riscv.testing; bad=[m for m in sys.modules if m.startswith(('zkvm.field','zkvm.stark'))]; print(bad); sys.exit(1 if bad else 0)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0

"""The preprocessed ``Program`` table: one row per decodable instruction of the guest.

Preprocessed columns (fixed by the verifying key, hence by the image ID): ``pc, opcode,
rd, rs1, rs2, imm[4], imm_f, rd_nz`` — exactly the PROGRAM bus message (buses.py).
Main column: ``mult`` — how many times the instruction at ``pc`` was executed.

Interaction: receive ``(pc, opcode, rd, rs1, rs2, imm0..3, imm_f, rd_nz)`` with
multiplicity ``mult`` (a free, unbounded count: ``max_multiplicity=None``).

Rows: every aligned word of every executable segment (``zkvm.riscv.fast.predecode``),
decoded with the ISA table; ``fence``/``fence.i`` become ``addi x0, x0, 0``; register
fields a format does not have are 0 (``ecall`` reads ``rs1 = 17`` (a7) and
``rs2 = 10`` (a0), the decoder's convention).  Words that do not decode (and ``ebreak``)
get **no row**: they would have opcode 0, which no chip can send (each real row has
exactly one flag set, adapter.py), so leaving them out is equivalent and smaller.
Padding rows are all zero (opcode 0, never matched).

Correctness: a chip row can only execute ``(pc, opcode, operands)`` present here, so pc,
opcode, register numbers and immediates are never free witness (checklist 3).  A pc that
is not an instruction of the program (outside the executable segments, or misaligned)
has no row, so the EXEC chain can never reach it.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import buses
from zkvm.chips.adapter import field_of_signed, trace_height, u32_limbs
from zkvm.chips.opcodes import isa_op_map
from zkvm.stark.air import Air, Columns

PRE_COLUMNS = Columns(
    ("pc", "instruction address"),
    ("opcode", "circuit opcode id (zkvm.chips.opcodes)"),
    ("rd", "destination register (0 if none)"),
    ("rs1", "first source register (0 if none)"),
    ("rs2", "second source register (0 if none)"),
    ("imm", 4, "immediate, two's-complement bytes"),
    ("imm_f", "sign-extended immediate mod p"),
    ("rd_nz", "rd != 0"),
)


def decode_program(program) -> dict[str, np.ndarray]:
    """Decoded rows of ``program``'s executable words as arrays ``pc, opcode, rd, rs1,
    rs2`` (uint32) and ``imm`` (int64), only for words with a non-zero opcode."""
    from zkvm.riscv import fast

    code, base = fast.predecode(program)
    opmap = isa_op_map()
    op = opmap[code[:, fast.C_OP]]
    keep = np.flatnonzero(op != 0)
    code = code[keep]
    op = op[keep]
    pc = (base + 4 * keep).astype(np.uint32)
    rd = code[:, fast.C_RD].copy()
    rd[rd == 32] = 0  # the fast decoder's scratch slot for x0
    rs1 = code[:, fast.C_RS1].copy()
    rs2 = code[:, fast.C_RS2].copy()
    imm = code[:, fast.C_IMM].astype(np.int64)
    return {"pc": pc, "opcode": op.astype(np.uint32), "rd": rd.astype(np.uint32),
            "rs1": rs1.astype(np.uint32), "rs2": rs2.astype(np.uint32), "imm": imm}


class ProgramAir(Air):
    """Preprocessed program table (module docstring)."""

    name = "program"
    preprocessed = PRE_COLUMNS
    columns = Columns(("mult", "number of executions of this instruction"))
    max_degree = 3

    def __init__(self, program=None, decoded: dict | None = None, height: int | None = None):
        """Build from a ``zkvm.riscv`` Program (prover), or from nothing but ``height``
        (verifier: the preprocessed trace is replaced by the commitment in the key)."""
        if decoded is None and program is not None:
            decoded = decode_program(program)
        self.decoded = decoded
        n = 0 if decoded is None else len(decoded["pc"])
        self.height = trace_height(n) if height is None else height
        if self.height < trace_height(n):
            raise ValueError("program table height too small")
        self._pc_index = None

    def generate_preprocessed(self) -> np.ndarray:
        t = PRE_COLUMNS.new_trace(self.height)
        if self.decoded is None:
            return t  # verifier-side placeholder (never committed)
        d = self.decoded
        n = len(d["pc"])
        v = PRE_COLUMNS.view(t)
        v.pc[:n] = d["pc"]
        v.opcode[:n] = d["opcode"]
        v.rd[:n] = d["rd"]
        v.rs1[:n] = d["rs1"]
        v.rs2[:n] = d["rs2"]
        v.imm[:n] = u32_limbs(d["imm"])
        v.imm_f[:n] = field_of_signed(d["imm"])
        v.rd_nz[:n] = d["rd"] != 0
        return t

    def eval(self, b):
        p = b.preprocessed_local
        b.receive(buses.PROGRAM, [p.pc, p.opcode, p.rd, p.rs1, p.rs2, *p.imm, p.imm_f, p.rd_nz],
                  multiplicity=b.local.mult, name="program", max_multiplicity=None)

    def row_of_pc(self, pcs: np.ndarray) -> np.ndarray:
        """Row index of each pc (``ValueError`` if one is not an instruction here)."""
        d = self.decoded
        idx = np.searchsorted(d["pc"], pcs)
        idx_c = np.minimum(idx, len(d["pc"]) - 1)
        bad = (idx >= len(d["pc"])) | (d["pc"][idx_c] != pcs)
        if bad.any():
            raise ValueError(f"pc 0x{int(pcs[np.flatnonzero(bad)[0]]):08x} is not an "
                             "instruction of the program table")
        return idx

    def generate_trace(self, executed_pcs: np.ndarray) -> np.ndarray:
        """``mult`` = how many times each pc occurs in ``executed_pcs``."""
        t = self.columns.new_trace(self.height)
        if len(executed_pcs):
            rows = self.row_of_pc(np.asarray(executed_pcs, dtype=np.uint32))
            t[:, 0] = np.bincount(rows, minlength=self.height).astype(np.uint32)
        return t

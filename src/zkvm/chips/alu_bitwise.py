"""``Bitwise`` chip: ``and, or, xor, andi, ori, xori`` (docs/circuits.md §1).

Semantics (RV32I): ``rd = rs1 op rs2`` or ``rd = rs1 op imm`` (imm sign-extended to 32
bits) for ``op ∈ {and, or, xor}``.

Columns: the adapter's (docs/circuits.md §5) and ``c[4]``, the second operand.

Constraints:

* ``c_k = (f_and + f_or + f_xor)·rs2_val_k + (f_andi + f_ori + f_xori)·imm_k``
  (degree 2; a column so that the lookups below have degree-1 values and pair up in
  LogUp helper columns);
* per limb ``k`` one BYTES lookup ``(op, rs1_val_k, c_k, rd_val_k)`` with multiplicity
  ``is_real``, where ``op = (f_and + f_andi)·AND + (f_or + f_ori)·OR + (f_xor + f_xori)·XOR``.

Correctness: the flags are boolean with exactly one set on a real row (adapter), so
``op`` is exactly the BYTES op of the executed instruction (and the opcode sent to the
PROGRAM bus pins which flag that is).  The ``Bytes`` table contains exactly the rows
``(op, a, b, a op b)`` for bytes ``a, b``; a successful lookup therefore proves
``rd_val_k = rs1_val_k op c_k`` *and* that ``rd_val_k`` is a byte, so the adapter's
``rd_val`` range check is switched off (``range_check_rd=False``).  Padding rows have
``is_real = 0`` and look nothing up.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_BITWISE, OPCODES, ops_of_chip
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: and, or, xor, andi, ori, xori
OPS = ops_of_chip(CHIP_BITWISE)


class BitwiseAir(Air):
    """and/or/xor (+ immediate forms): one byte-table lookup per limb (module docstring)."""

    name = CHIP_BITWISE
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("c", 4, "second operand: rs2_val (register forms) or imm (immediate forms)"),
    )
    max_degree = 3

    def eval(self, b):
        a_ = ad.eval_adapter(b, self.OPS, range_check_rd=False)
        loc = b.local
        f = a_.flags
        reg = f["and"] + f["or"] + f["xor"]
        imm = f["andi"] + f["ori"] + f["xori"]
        op = ((f["and"] + f["andi"]) * buses.OP_AND + (f["or"] + f["ori"]) * buses.OP_OR
              + (f["xor"] + f["xori"]) * buses.OP_XOR)
        for k in range(4):
            b.assert_eq(loc.c[k], reg * loc.rs2_val[k] + imm * loc.imm[k], f"c{k}")
            buses.bytes_op(b, op, loc.rs1_val[k], loc.c[k], loc.rd_val[k], a_.is_real,
                           f"op_limb{k}")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only this chip's rows); ``rd_val`` is the computed result."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        ids = {o: OPCODES[o].id for o in self.OPS}
        is_imm = np.isin(op, [ids["andi"], ids["ori"], ids["xori"]])
        a = rows.rs1_val.astype(np.int64)
        c = np.where(is_imm, rows.imm.astype(np.int64) & 0xFFFFFFFF, rows.rs2_val.astype(np.int64))
        res = np.select(
            [np.isin(op, [ids["and"], ids["andi"]]), np.isin(op, [ids["or"], ids["ori"]])],
            [a & c, a | c], a ^ c)
        v.c[:n] = ad.u32_limbs(c)
        v.rd_val[:n] = ad.u32_limbs(res)
        return t

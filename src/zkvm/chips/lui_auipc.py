"""``LuiAuipc`` chip: ``lui`` and ``auipc`` (docs/circuits.md §1).

Semantics (RV32I): ``lui: rd = imm``, ``auipc: rd = pc + imm mod 2^32``, where ``imm`` is
the U-immediate (low 12 bits zero) as a 32-bit word — its bytes ``imm[4]`` come from the
program table.

Columns: the adapter's (docs/circuits.md §5) and

* ``pc_limbs[4]`` — the byte limbs of ``pc`` (top limb < 64);
* ``carry[4]`` — carries of the limb addition (the last one is the discarded overflow).

Constraints (``r = rd_val``):

* ``pc = pc_limbs[0] + 2^8·pc_limbs[1] + 2^16·pc_limbs[2] + 2^24·pc_limbs[3]`` with
  ``U8PAIR(pc_limbs[0], pc_limbs[1])``, ``U8PAIR(pc_limbs[2], pc_limbs[3])`` and
  ``pc_limbs[3] < 64`` (``range_bits``);
* for ``k = 0..3``: ``r_k + 256·carry_k = f_auipc·pc_limbs[k] + imm_k + carry_{k−1}``
  (``carry_{−1} = 0``), ``carry_k`` boolean.

Correctness (checklist 4, OpenVM GHSA-jf2r-x3j4-23m7): ``pc`` is a field element and a
genuine instruction address < 2^30 (it is looked up in the program table).  Its byte
decomposition is unique only because the top limb is forced < 64: with bytes alone,
``pc + p < 2^32`` would be a second decomposition (the OpenVM AUIPC bug), and a top limb
range of [0, 64) makes the recomposed integer < 2^30 < p, so the field equation is an
integer equation.  ``r`` is range-checked as bytes by the adapter, ``imm`` bytes come from
the program table and carries are boolean, so each limb equation is an equation between
integers in [0, 511] and ``(r_k, carry_k)`` is the unique digit/carry: ``r = pc + imm
mod 2^32`` for auipc.  For lui (``f_auipc = 0``) the equations force ``carry = 0`` and
``r = imm`` (``imm_k + carry_{k−1} ≤ 256`` can only carry if ``imm_k = 255`` and
``carry_{k−1} = 1``, impossible from ``carry_{−1} = 0`` upwards).  Padding rows are all
zero and satisfy every constraint.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_LUI_AUIPC, OPCODES, ops_of_chip
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: lui, auipc
OPS = ops_of_chip(CHIP_LUI_AUIPC)


def add_carries(x_limbs: np.ndarray, c_limbs: np.ndarray) -> np.ndarray:
    """Carries ``(n, 4)`` of the byte-limb addition ``x + c`` (int64 limbs)."""
    n = x_limbs.shape[0]
    carry = np.zeros((n, 4), dtype=np.uint32)
    cin = np.zeros(n, dtype=np.int64)
    for k in range(4):  # 4 limbs, vectorised over rows
        cin = (x_limbs[:, k] + c_limbs[:, k] + cin) >> 8
        carry[:, k] = cin
    return carry


class LuiAuipcAir(Air):
    """lui / auipc (module docstring)."""

    name = CHIP_LUI_AUIPC
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("pc_limbs", 4, "byte limbs of pc, little endian (top limb < 64)"),
        ("carry", 4, "carry out of limb k of pc + imm (boolean; carry[3] is the overflow)"),
    )
    max_degree = 3

    def eval(self, b):
        ad.eval_adapter(b, self.OPS)
        loc = b.local
        pl = loc.pc_limbs
        b.assert_eq(loc.pc, ad.word(pl), "pc_limbs")
        buses.range_u8_pair(b, pl[0], pl[1], loc.is_real, "pc_limbs01")
        buses.range_u8_pair(b, pl[2], pl[3], loc.is_real, "pc_limbs23")
        buses.range_bits(b, pl[3], 6, loc.is_real, "pc_top")
        cin = 0
        for k in range(4):
            c = loc.carry[k]
            b.assert_bool(c, f"carry{k}_bool")
            b.assert_zero(loc.f_auipc * pl[k] + loc.imm[k] + cin - loc.rd_val[k] - 256 * c,
                          f"limb{k}_sum")
            cin = c

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only lui/auipc rows); ``rd_val`` is the computed result
        (also when rd = x0)."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        is_auipc = rows.opcode == OPCODES["auipc"].id
        pc = rows.pc.astype(np.int64)
        imm = rows.imm.astype(np.int64) & 0xFFFFFFFF
        x = np.where(is_auipc, pc, 0)
        v.pc_limbs[:n] = ad.u32_limbs(pc)
        v.rd_val[:n] = ad.u32_limbs(x + imm)
        v.carry[:n] = add_carries(ad.u32_limbs(x).astype(np.int64),
                                  ad.u32_limbs(imm).astype(np.int64))
        return t

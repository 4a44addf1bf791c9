"""``AddSub`` chip: ``add``, ``sub``, ``addi`` (docs/circuits.md §1).

Semantics (RV32I): ``add: rd = rs1 + rs2``, ``sub: rd = rs1 − rs2``,
``addi: rd = rs1 + imm`` (imm sign-extended to 32 bits), all mod 2^32.

Columns: the adapter's (docs/circuits.md §5) and ``carry[4]``.

Constraints (``a = rs1_val``, ``r = rd_val``, all little-endian byte limbs):

* operand ``c = (f_add + f_sub)·rs2_val + f_addi·imm`` (limb-wise, degree 2);
* one byte-limb addition ``x + c = z (mod 2^32)`` with boolean carries::

      x_k + c_k + carry_{k−1} = z_k + 256·carry_k       (k = 0..3, carry_{−1} = 0)

  where ``(x, z) = (a, r)`` for add/addi and ``(x, z) = (r, a)`` for sub
  (``rs1 = rd + rs2``), i.e. ``x_k = a_k + f_sub·(r_k − a_k)``,
  ``z_k = r_k + f_sub·(a_k − r_k)``: degree 2.

Correctness: ``a`` and ``rs2_val`` are bytes (registers only ever hold range-checked
bytes), ``imm`` bytes come from the program table, ``r`` is range-checked as bytes by the
adapter and every ``carry_k`` is boolean.  Both sides of each limb equation are then
integers in ``[0, 511]``, far below p, so the equation holds over the integers and
``(z_k, carry_k)`` is the unique base-256 digit/carry of ``x_k + c_k + carry_{k−1}``:
``z = x + c mod 2^32`` exactly (the final carry is the discarded overflow).  For sub this
says ``a = r + rs2 mod 2^32``, i.e. ``r = a − rs2 mod 2^32``.  The result is therefore a
function of the operands; there is no freedom for the prover.  On padding rows all
columns are zero and every constraint holds trivially.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips.opcodes import CHIP_ADDSUB, OPCODES, ops_of_chip
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: add, sub, addi
OPS = ops_of_chip(CHIP_ADDSUB)


def _limbs(x) -> np.ndarray:
    return ad.u32_limbs(x).astype(np.int64)


def add_carries(x_limbs: np.ndarray, c_limbs: np.ndarray) -> np.ndarray:
    """Carries ``(n, 4)`` of the byte-limb addition ``x + c`` (int64 limbs in, uint32 out)."""
    n = x_limbs.shape[0]
    carry = np.zeros((n, 4), dtype=np.int64)
    cin = np.zeros(n, dtype=np.int64)
    for k in range(4):  # 4 limbs, vectorised over rows
        s = x_limbs[:, k] + c_limbs[:, k] + cin
        cin = s >> 8
        carry[:, k] = cin
    return carry.astype(np.uint32)


class AddSubAir(Air):
    """add / sub / addi: byte-limb addition with boolean carries (module docstring)."""

    name = CHIP_ADDSUB
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("carry", 4, "carry out of limb k of x + c = z (boolean); x, z = (rs1, rd) for "
                     "add/addi, (rd, rs1) for sub"),
    )
    max_degree = 3

    def eval(self, b):
        ad.eval_adapter(b, self.OPS)
        loc = b.local
        f_add, f_sub, f_addi = loc.f_add, loc.f_sub, loc.f_addi
        a, r = loc.rs1_val, loc.rd_val
        cin = 0
        for k in range(4):
            c_k = (f_add + f_sub) * loc.rs2_val[k] + f_addi * loc.imm[k]
            x_k = a[k] + f_sub * (r[k] - a[k])
            z_k = r[k] + f_sub * (a[k] - r[k])
            carry = loc.carry[k]
            b.assert_bool(carry, f"carry{k}_bool")
            b.assert_zero(x_k + c_k + cin - z_k - 256 * carry, f"limb{k}_sum")
            cin = carry

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only add/sub/addi rows); ``rd_val`` is the computed result
        (also on rows with rd = x0, where the executor records 0)."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        is_sub = rows.opcode == OPCODES["sub"].id
        is_imm = rows.opcode == OPCODES["addi"].id
        a = rows.rs1_val.astype(np.int64)
        c = np.where(is_imm, rows.imm.astype(np.int64) & 0xFFFFFFFF, rows.rs2_val.astype(np.int64))
        res = np.where(is_sub, a - c, a + c) & 0xFFFFFFFF
        v.rd_val[:n] = ad.u32_limbs(res)
        x = np.where(is_sub, res, a)
        v.carry[:n] = add_carries(_limbs(x), _limbs(c))
        return t

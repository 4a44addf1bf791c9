"""``Jump`` chip: ``jal`` and ``jalr`` (docs/circuits.md §1).

Semantics (RV32I): both write the link ``rd = pc + 4``;
``jal``: ``next_pc = pc + imm`` (J-immediate); ``jalr``: ``next_pc = (x[rs1] + imm) mod
2^32`` with bit 0 cleared (I-immediate).  The target is read before rd is written, so
``jalr ra, 0(ra)`` works: the adapter reads rs1 at slot 0 and writes rd at slot 3
(checklist 8).

Columns: the adapter's (docs/circuits.md §5) and

* ``sum[4]`` — bytes of ``x[rs1] + imm mod 2^32`` (jalr; zero on jal rows);
* ``carry[4]`` — carries of that limb addition (``carry[3]`` is the discarded overflow);
* ``bit0`` — bit 0 of ``sum[0]``, cleared in the target;
* ``next_pc`` — the jump target.

Constraints (``r = rd_val``):

* link: ``r0 + 2^8 r1 + 2^16 r2 + 2^24 r3 = pc + 4·is_real`` (0 on padding) with ``r3 < 64`` (``range_bits``; the
  adapter range-checks every ``r_k`` as a byte);
* jalr: ``f_jalr·(sum_k + 256·carry_k − rs1_val_k − imm_k − carry_{k−1}) = 0``,
  ``carry_k`` boolean, ``AND(sum0, 1, bit0)``, ``U8PAIR(sum1, sum2)``, ``sum3 < 64``
  (lookups with multiplicity ``f_jalr``);
* ``next_pc = f_jal·(pc + imm_f) + f_jalr·(sum0 − bit0 + 2^8 sum1 + 2^16 sum2 + 2^24 sum3)``.

Correctness: the link's limbs are bytes with the top one < 64, so the recomposed integer is
< 2^30 < p and the field equation is an integer equation: ``r = pc + 4`` exactly (pc is a
genuine instruction address < 2^30 from the program table).  For jalr, ``rs1_val`` and
``imm`` are bytes and ``sum_k`` is a byte (AND/U8PAIR/range lookups), carries are boolean,
so the limb equations hold over the integers and ``sum = x[rs1] + imm mod 2^32`` uniquely;
``bit0 = sum0 AND 1`` comes from the byte table, so ``sum0 − bit0`` clears bit 0.  The
target is reduced into the field only after ``sum3 < 64`` is proven (checklist 4): without
it, a word ``target + p < 2^32`` would reduce to a different, genuine pc.  A target ≥ 2^30
is therefore unprovable — the executor faults on it anyway (no instruction there).  The
jal target ``pc + imm_f`` is a field sum; like a branch target it is only useful if the
next row can look it up in the program table (checklist 9).
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.lui_auipc import add_carries
from zkvm.chips.opcodes import CHIP_JUMP, OPCODES, ops_of_chip
from zkvm.field.babybear import P
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: jal, jalr
OPS = ops_of_chip(CHIP_JUMP)


class JumpAir(Air):
    """jal / jalr (module docstring)."""

    name = CHIP_JUMP
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("sum", 4, "bytes of rs1_val + imm mod 2^32 (jalr), zero on jal rows"),
        ("carry", 4, "carry out of limb k of rs1_val + imm (boolean)"),
        ("bit0", "bit 0 of sum[0] (cleared in the jalr target)"),
        ("next_pc", "jump target"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        ad.eval_adapter(b, self.OPS, next_pc=loc.next_pc)
        f_jal, f_jalr = loc.f_jal, loc.f_jalr
        r = loc.rd_val
        # link register: rd = pc + 4 (bytes with top limb < 64, so < 2^30)
        b.assert_eq(ad.word(r), loc.pc + 4 * loc.is_real, "link")
        buses.range_bits(b, r[3], 6, loc.is_real, "link_top")
        # jalr: sum = rs1 + imm mod 2^32, limb-wise
        s = loc.sum
        cin = 0
        for k in range(4):
            c = loc.carry[k]
            b.assert_bool(c, f"carry{k}_bool")
            b.when(f_jalr).assert_zero(s[k] + 256 * c - loc.rs1_val[k] - loc.imm[k] - cin,
                                       f"sum{k}")
            cin = c
        buses.bytes_op(b, buses.OP_AND, s[0], 1, loc.bit0, f_jalr, "sum0_bit0")
        buses.range_u8_pair(b, s[1], s[2], f_jalr, "sum12")
        buses.range_bits(b, s[3], 6, f_jalr, "sum_top")
        target = s[0] - loc.bit0 + 256 * s[1] + 65536 * s[2] + 16777216 * s[3]
        b.assert_eq(loc.next_pc, f_jal * (loc.pc + loc.imm_f) + f_jalr * target, "next_pc")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only jal/jalr rows); ``rd_val = pc + 4`` also when rd = x0."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        is_jalr = rows.opcode == OPCODES["jalr"].id
        pc = rows.pc.astype(np.int64)
        v.rd_val[:n] = ad.u32_limbs(pc + 4)
        a = np.where(is_jalr, rows.rs1_val.astype(np.int64), 0)
        imm = np.where(is_jalr, rows.imm.astype(np.int64) & 0xFFFFFFFF, 0)
        s = (a + imm) & 0xFFFFFFFF
        v.sum[:n] = ad.u32_limbs(s)
        v.carry[:n] = add_carries(ad.u32_limbs(a).astype(np.int64),
                                  ad.u32_limbs(imm).astype(np.int64))
        v.bit0[:n] = s & 1
        jal_target = (pc + rows.imm.astype(np.int64)) % P
        v.next_pc[:n] = np.where(is_jalr, s & ~1, jal_target).astype(np.uint32)
        return t

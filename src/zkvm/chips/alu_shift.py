"""``Shift`` chip: ``sll, srl, sra, slli, srli, srai`` (docs/circuits.md §1).

Semantics (RV32I): the shift amount is the low 5 bits of ``rs2`` (register forms; the
bits above are ignored) or the 5-bit ``shamt`` immediate; ``sll`` shifts left filling
zeros, ``srl`` right filling zeros, ``sra`` right filling copies of bit 31.

Columns (besides the adapter's, docs/circuits.md §5; ``a = rs1_val``):

* ``bits[8]`` — the bits of ``c0``, the low byte of the shift operand
  (``(f_sll + f_srl + f_sra)·rs2_val_0 + (f_slli + f_srli + f_srai)·imm_0``).  The shift
  amount is ``s = Σ_{i<5} 2^i bits_i = 8·L + bs`` with ``bs = bits_0 + 2 bits_1 + 4 bits_2``
  (bit shift) and ``L = bits_3 + 2 bits_4`` (byte shift); bits 5..7 are ignored;
* ``pow2 = 2^(bits_0 + 2 bits_1)``, ``pow = 2^bs``, ``rpow = 2^(8−bs)`` (0 on padding);
* ``l3 = bits_3·bits_4``; the one-hot byte-shift selectors are the linear expressions
  ``l0 = 1 − bits_3 − bits_4 + l3``, ``l1 = bits_3 − l3``, ``l2 = bits_4 − l3``;
* ``lo[4], hi[4]`` — ``a_k · mult = lo_k + 256·hi_k`` with ``mult = pow`` (left shifts)
  or ``rpow`` (right shifts), both bytes;
* ``u[4]`` — the bit-shifted word: left ``u_k = lo_k + hi_{k−1}`` (``hi_{−1} = 0``),
  right ``u_k = hi_k + lo_{k+1}`` with the incoming top byte
  ``lo_4 = fill·(256 − rpow)`` (the low byte of ``0xFF·rpow``);
* ``sa`` — sign bit of ``a``; ``fill = (f_sra + f_srai)·sa`` — 1 iff ones shift in.

Constraints (``Lf = f_sll + f_slli``, ``Rf = f_srl + f_srli + f_sra + f_srai``):

1. bits boolean, ``Σ_{i<8} 2^i bits_i = c0``;
2. ``is_real·(pow2 − (1 + bits_0)(1 + 3 bits_1)) = 0``, ``pow = pow2·(1 + 15 bits_2)``,
   ``rpow·pow = 256·is_real``; ``l3 = bits_3·bits_4``;
3. ``a_k·(Lf·pow + Rf·rpow) = lo_k + 256·hi_k``, BYTES ``U8PAIR(lo_k, hi_k)``;
4. ``sa`` boolean and BYTES ``U8PAIR(2·(a_3 − 128·sa), 0)``; ``fill = (f_sra + f_srai)·sa``;
5. ``u_k = Lf·(lo_k + hi_{k−1}) + Rf·(hi_k + lo_{k+1})``;
6. ``rd_j = Lf·Σ_{m≤j} l_m·u_{j−m} + Rf·Σ_m l_m·ū_{j+m}`` with ``ū_k = u_k`` (k < 4) and
   ``ū_k = 255·fill`` (k ≥ 4).

All constraints have degree ≤ 3 and vanish on all-zero padding rows.

Correctness: ``c0`` is a byte (a register byte or a program-table immediate byte), so its
bit decomposition is unique and ``s`` is exactly ``c0 mod 32`` (= the low 5 bits of rs2,
or shamt).  On real rows ``pow = 2^bs`` (a product of fixed factors of the bits) and
``rpow = 256/pow = 2^(8−bs)`` (pow ≠ 0).  ``a_k·mult ≤ 255·256 < 2^16`` and two bytes
represent every integer below 2^16 exactly once, so ``lo_k, hi_k`` are the true low/high
bytes of ``a_k·2^bs`` (resp. ``a_k·2^(8−bs)``); then ``u`` is exactly ``a << bs`` (mod
2^32) resp. ``a >> bs`` with ``bs`` copies of the fill bit shifted in
(``hi_k = a_k >> bs`` and ``lo_{k+1}`` holds the low ``bs`` bits of ``a_{k+1}`` moved to
the top; the incoming byte of an all-ones limb is ``0xFF·2^(8−bs) mod 256 = 256 − rpow``,
also for ``bs = 0`` where it is 0).  The byte shift by ``L`` (one-hot ``l``) then moves
whole limbs, filling with 0 (left) or ``255·fill`` (right).  ``sa`` is the true sign bit by
the 7-bit range check of ``a_3 − 128·sa``.  Every witness is thus a function of the
operands, and so is ``rd``; the adapter also range-checks ``rd_val`` (redundant).
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_SHIFT, OPCODES, ops_of_chip
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: sll, srl, sra, slli, srli, srai
OPS = ops_of_chip(CHIP_SHIFT)


class ShiftAir(Air):
    """sll/srl/sra (+ immediate forms): bit shift by multiplication, byte shift by a
    one-hot selector (module docstring)."""

    name = CHIP_SHIFT
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("bits", 8, "bits of the low byte of the shift operand; shift amount = bits 0..4"),
        ("pow2", "2^(bits0 + 2 bits1) on real rows"),
        ("pow", "2^bs, bs = bits0 + 2 bits1 + 4 bits2"),
        ("rpow", "2^(8 - bs)"),
        ("l3", "bits3 * bits4 (byte shift by 3)"),
        ("lo", 4, "low byte of rs1_val[k] * mult (mult = pow left, rpow right)"),
        ("hi", 4, "high byte of rs1_val[k] * mult"),
        ("u", 4, "rs1_val shifted by bs bits (before the byte shift)"),
        ("sa", "sign bit of rs1_val"),
        ("fill", "1 iff ones are shifted in (sra/srai of a negative value)"),
    )
    max_degree = 3

    def eval(self, b):
        a_ = ad.eval_adapter(b, self.OPS)
        loc = b.local
        f = a_.flags
        is_real = a_.is_real
        a, bits, lo, hi, u, r = loc.rs1_val, loc.bits, loc.lo, loc.hi, loc.u, loc.rd_val
        reg = f["sll"] + f["srl"] + f["sra"]
        imm = f["slli"] + f["srli"] + f["srai"]
        left = f["sll"] + f["slli"]
        right = f["srl"] + f["srli"] + f["sra"] + f["srai"]
        arith = f["sra"] + f["srai"]

        c0 = reg * loc.rs2_val[0] + imm * loc.imm[0]
        for i in range(8):
            b.assert_bool(bits[i], f"bit{i}_bool")
        b.assert_eq(sum((bits[i] * (1 << i) for i in range(1, 8)), bits[0]), c0, "shift_byte")
        b.assert_zero(is_real * (loc.pow2 - (1 + bits[0]) * (1 + 3 * bits[1])), "pow2")
        b.assert_eq(loc.pow, loc.pow2 * (1 + 15 * bits[2]), "pow")
        b.assert_eq(loc.rpow * loc.pow, 256 * is_real, "rpow")
        b.assert_eq(loc.l3, bits[3] * bits[4], "l3")
        l = [1 - bits[3] - bits[4] + loc.l3, bits[3] - loc.l3, bits[4] - loc.l3, loc.l3]

        mult = left * loc.pow + right * loc.rpow
        for k in range(4):
            b.assert_eq(a[k] * mult, lo[k] + 256 * hi[k], f"mul_limb{k}")
        buses.range_u8_pair(b, lo[0], hi[0], is_real, "lohi0")
        buses.range_u8_pair(b, lo[1], hi[1], is_real, "lohi1")
        buses.range_u8_pair(b, lo[2], hi[2], is_real, "lohi2")
        buses.range_u8_pair(b, lo[3], hi[3], is_real, "lohi3")

        b.assert_bool(loc.sa, "sa_bool")
        buses.range_u8_pair(b, 2 * (a[3] - 128 * loc.sa), 0, is_real, "sign_bit")
        b.assert_eq(loc.fill, arith * loc.sa, "fill")

        lo4 = loc.fill * (256 - loc.rpow)
        for k in range(4):
            lft = lo[k] + (hi[k - 1] if k > 0 else 0)
            rgt = hi[k] + (lo[k + 1] if k < 3 else lo4)
            b.assert_eq(u[k], left * lft + right * rgt, f"u{k}")

        for j in range(4):
            lsum = sum((l[m] * u[j - m] for m in range(1, j + 1)), l[0] * u[j])
            rsum = sum((l[m] * (u[j + m] if j + m < 4 else 255 * loc.fill) for m in range(1, 4)),
                       l[0] * u[j])
            b.assert_eq(r[j], left * lsum + right * rsum, f"result{j}")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only this chip's rows); ``rd_val`` is the computed result."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        ids = {o: OPCODES[o].id for o in self.OPS}
        is_imm = np.isin(op, [ids["slli"], ids["srli"], ids["srai"]])
        left = np.isin(op, [ids["sll"], ids["slli"]])
        arith = np.isin(op, [ids["sra"], ids["srai"]])
        a = rows.rs1_val.astype(np.int64)
        al = ad.u32_limbs(a).astype(np.int64)
        c0 = np.where(is_imm, rows.imm.astype(np.int64), rows.rs2_val.astype(np.int64)) & 0xFF
        s = c0 & 31
        bs = s & 7
        lsh = s >> 3
        pow_ = np.int64(1) << bs
        rpow = np.int64(256) >> bs
        mult = np.where(left, pow_, rpow)
        prod = al * mult[:, None]
        lo, hi = prod & 0xFF, prod >> 8
        sa = al[:, 3] >> 7
        fill = arith & (sa == 1)
        lo4 = np.where(fill, 256 - rpow, 0)
        u_left = lo.copy()
        u_left[:, 1:] += hi[:, :3]
        u_right = hi.copy()
        u_right[:, :3] += lo[:, 1:]
        u_right[:, 3] += lo4
        u = np.where(left[:, None], u_left, u_right)
        sx = np.where(a >= (1 << 31), a - (1 << 32), a)
        res = np.where(left, a << s, np.where(arith, sx >> s, a >> s)) & 0xFFFFFFFF
        v.bits[:n] = (c0[:, None] >> np.arange(8)) & 1
        v.pow2[:n] = np.int64(1) << (bs & 3)
        v.pow[:n] = pow_
        v.rpow[:n] = rpow
        v.l3[:n] = lsh == 3
        v.lo[:n] = lo
        v.hi[:n] = hi
        v.u[:n] = u
        v.sa[:n] = sa
        v.fill[:n] = fill
        v.rd_val[:n] = ad.u32_limbs(res)
        return t

"""``Mul`` chip: ``mul, mulh, mulhsu, mulhu`` (docs/circuits.md §1).

Semantics (RV32M): with ``a = rs1``, ``b = rs2`` read as signed (s) or unsigned (u)
32-bit integers, the 64-bit product ``a·b``: ``mul`` writes its low word (the same for
every signedness), ``mulh`` the high word of s×s, ``mulhsu`` of s×u, ``mulhu`` of u×u.

Columns (besides the adapter's, docs/circuits.md §5):

* ``sa, sb`` — sign bits of ``a`` and ``b``;
* ``ea = (f_mulh + f_mulhsu)·sa``, ``eb = f_mulh·sb`` — 1 iff the operand is sign-extended
  with ones (it is negative and read as signed);
* ``prod[8]`` — the bytes of ``A·B mod 2^64`` where ``A, B`` are ``a, b`` extended to
  64 bits (limbs 4..7 equal ``255·ea`` resp. ``255·eb``);
* ``carry[8]`` — carries of the limb-wise convolution.

Constraints:

1. ``sa, sb`` boolean, BYTES ``U8PAIR(2·(a_3 − 128·sa), 2·(b_3 − 128·sb))``; ``ea``, ``eb``
   as above;
2. for ``k = 0..7``: ``Σ_{i+j=k} A_i·B_j + carry_{k−1} = prod_k + 256·carry_k``
   (``carry_{−1} = 0``), degree 2;
3. ``prod`` limbs bytes (four ``U8PAIR``), every ``carry_k < 2^16`` (``U16``);
4. ``rd_k = f_mul·prod_k + (f_mulh + f_mulhsu + f_mulhu)·prod_{k+4}``.

Correctness: the sign bits are the true ones (7-bit range check of ``x_3 − 128·s``, as in
the Lt chip), so ``A, B`` are exactly the 64-bit two's-complement extensions of the
operands under the instruction's signedness.  In constraint 2 the left side is at most
``8·255² + 2^16 < 2^20`` and the right side at most ``255 + 256·(2^16 − 1) < 2^24``, far
below p, so every limb equation holds over the integers; with ``prod_k`` a byte it fixes
``prod_k = (conv_k + carry_{k−1}) mod 256`` and ``carry_k`` its quotient: a unique
witness.  Summing the equations times ``256^k`` gives ``prod = A·B mod 2^64`` (products
``A_i B_j`` with ``i + j ≥ 8`` are multiples of 2^64 and are left out).  The signed
product of two 32-bit values fits in 64 signed bits, so ``prod`` is its two's-complement
representation and limbs 4..7 are the requested high word.  ``rd`` is made of
range-checked ``prod`` limbs, so the adapter's ``rd_val`` check is switched off.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_MUL, OPCODES, ops_of_chip
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: mul, mulh, mulhsu, mulhu
OPS = ops_of_chip(CHIP_MUL)


def extended_limbs(x: np.ndarray, ext: np.ndarray) -> np.ndarray:
    """``(n, 8)`` int64 limbs of the 32-bit words ``x`` extended with ``255·ext``."""
    out = np.empty((x.shape[0], 8), dtype=np.int64)
    out[:, :4] = ad.u32_limbs(x)
    out[:, 4:] = (255 * ext.astype(np.int64))[:, None]
    return out


def conv_carries(A: np.ndarray, B: np.ndarray, extra: np.ndarray | None = None):
    """Limbs and carries of ``Σ_{i+j=k} A_i B_j (+ extra_k)`` for ``k < 8`` (int64 arrays):
    returns ``(limbs (n, 8), carries (n, 8))`` with ``conv_k + carry_{k−1} = limb_k +
    256·carry_k``."""
    n = A.shape[0]
    limbs = np.zeros((n, 8), dtype=np.int64)
    carries = np.zeros((n, 8), dtype=np.int64)
    cin = np.zeros(n, dtype=np.int64)
    for k in range(8):
        s = cin.copy()
        for i in range(k + 1):
            s += A[:, i] * B[:, k - i]
        if extra is not None:
            s += extra[:, k]
        limbs[:, k] = s & 0xFF
        cin = s >> 8
        carries[:, k] = cin
    return limbs, carries


class MulAir(Air):
    """mul/mulh/mulhsu/mulhu: 64-bit limb convolution with range-checked carries."""

    name = CHIP_MUL
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("sa", "sign bit of rs1_val"),
        ("sb", "sign bit of rs2_val"),
        ("ea", "1 iff rs1 is sign-extended with ones: (mulh + mulhsu) * sa"),
        ("eb", "1 iff rs2 is sign-extended with ones: mulh * sb"),
        ("prod", 8, "bytes of the 64-bit product of the extended operands"),
        ("carry", 8, "carries of the limb convolution (< 2^16)"),
    )
    max_degree = 3

    def eval(self, b):
        a_ = ad.eval_adapter(b, self.OPS, range_check_rd=False)
        loc = b.local
        f = a_.flags
        is_real = a_.is_real
        a, bb, prod, carry = loc.rs1_val, loc.rs2_val, loc.prod, loc.carry
        b.assert_bool(loc.sa, "sa_bool")
        b.assert_bool(loc.sb, "sb_bool")
        buses.range_u8_pair(b, 2 * (a[3] - 128 * loc.sa), 2 * (bb[3] - 128 * loc.sb), is_real,
                            "sign_bits")
        b.assert_eq(loc.ea, (f["mulh"] + f["mulhsu"]) * loc.sa, "ea")
        b.assert_eq(loc.eb, f["mulh"] * loc.sb, "eb")
        A = list(a) + [255 * loc.ea] * 4
        B = list(bb) + [255 * loc.eb] * 4
        cin = 0
        for k in range(8):
            conv = sum((A[i] * B[k - i] for i in range(1, k + 1)), A[0] * B[k])
            b.assert_eq(conv + cin, prod[k] + 256 * carry[k], f"conv{k}")
            cin = carry[k]
        for k in range(0, 8, 2):
            buses.range_u8_pair(b, prod[k], prod[k + 1], is_real, f"prod{k}{k + 1}")
        for k in range(8):
            buses.range_u16(b, carry[k], is_real, f"carry{k}")
        high = f["mulh"] + f["mulhsu"] + f["mulhu"]
        for k in range(4):
            b.assert_eq(loc.rd_val[k], f["mul"] * prod[k] + high * prod[k + 4], f"result{k}")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only this chip's rows); ``rd_val`` is the computed result."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        sa = rows.rs1_val >> 31
        sb = rows.rs2_val >> 31
        ea = np.isin(op, [OPCODES["mulh"].id, OPCODES["mulhsu"].id]) & (sa == 1)
        eb = (op == OPCODES["mulh"].id) & (sb == 1)
        A = extended_limbs(rows.rs1_val, ea)
        B = extended_limbs(rows.rs2_val, eb)
        prod, carries = conv_carries(A, B)
        low = op == OPCODES["mul"].id
        v.sa[:n] = sa
        v.sb[:n] = sb
        v.ea[:n] = ea
        v.eb[:n] = eb
        v.prod[:n] = prod
        v.carry[:n] = carries
        v.rd_val[:n] = np.where(low[:, None], prod[:, :4], prod[:, 4:])
        return t

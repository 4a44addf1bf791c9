"""``Lt`` chip: ``slt, sltu, slti, sltiu`` (docs/circuits.md §1).

Semantics (RV32I): ``rd = 1`` if ``rs1 < c`` else ``0``, where ``c = rs2`` (slt, sltu) or
the sign-extended immediate (slti, sltiu; sltiu compares it as an *unsigned* word), and the
comparison is signed for slt/slti, unsigned for sltu/sltiu.

Columns (besides the adapter's, docs/circuits.md §5; ``a = rs1_val``):

* ``c[4]`` — the second operand, ``(f_slt + f_sltu)·rs2_val + (f_slti + f_sltiu)·imm``;
* ``e[4]`` — one-hot (or all zero) marker of the most significant limb where ``a`` and
  ``c`` differ (all zero iff ``a = c``);
* ``inv`` — the inverse of ``x − y`` where ``x = Σ e_k a_k``, ``y = Σ e_k c_k`` are the
  marked limbs (0 when nothing is marked);
* ``ltu`` — ``[x < y]``, from the byte table;
* ``sa, sc`` — the sign bits (bit 7 of the top limbs) of ``a`` and ``c``.

Constraints:

1. ``e_k`` boolean, ``E = Σ e_k`` boolean;
2. limbs above the marked one are equal: ``(1 − Σ_{k≥j} e_k)·(a_j − c_j) = 0`` for each j;
3. the marked limbs differ: ``(x − y)·inv = E``;
4. BYTES ``LTU(x, y, ltu)`` (mult ``is_real``);
5. sign bits: ``sa, sc`` boolean and BYTES ``U8PAIR(2·(a_3 − 128·sa), 2·(c_3 − 128·sc))``;
6. result: ``rd_0 = ltu + (f_slt + f_slti)·(sa − sc)``, ``rd_1 = rd_2 = rd_3 = 0``.

Correctness: let ``d`` be the most significant limb where ``a ≠ c`` (none if ``a = c``).
If some ``e_k = 1`` with ``k < d``, constraint 2 for ``j = d`` forces ``a_d = c_d``;
if ``k > d`` then ``a_k = c_k`` and constraint 3 has no solution; if nothing is marked
while ``a ≠ c``, constraint 2 for ``j = d`` fails; if ``a = c``, marking any limb breaks
constraint 3.  So ``e`` marks exactly ``d`` (or nothing when ``a = c``), and the byte
table gives ``ltu = [a_d < c_d] = [a < c]`` unsigned (``ltu = [0 < 0] = 0`` when equal).
Constraint 5 is a 7-bit range check of ``a_3 − 128·sa`` (twice a value in ``[0, 128)`` is
a byte; twice anything else in ``[−128, 256)`` is not, and the top limbs are bytes), so
``sa, sc`` are the true sign bits.  Signed order equals unsigned order when the signs are
equal; when they differ the unsigned result is ``sc`` and the signed result is ``sa``,
hence ``ltu + (sa − sc)`` for the signed variants.  The result is a function of the
operands; the adapter range-checks ``rd_val`` (redundant here, kept as defence in depth).
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_LT, OPCODES, ops_of_chip
from zkvm.field.babybear import P
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: slt, sltu, slti, sltiu
OPS = ops_of_chip(CHIP_LT)

#: ``_INV_BYTE[d] = d^{-1} mod p`` for ``d = 1..255`` (``_INV_BYTE[0] = 0``).
_INV_BYTE = np.array([0] + [pow(d, P - 2, P) for d in range(1, 256)], dtype=np.int64)


class LtAir(Air):
    """slt/sltu/slti/sltiu: top-down limb comparison (module docstring)."""

    name = CHIP_LT
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("c", 4, "second operand: rs2_val (slt, sltu) or imm (slti, sltiu)"),
        ("e", 4, "one-hot marker of the most significant differing limb (all 0 iff equal)"),
        ("inv", "inverse of (marked a limb - marked c limb); 0 if nothing is marked"),
        ("ltu", "[marked a limb < marked c limb] (byte table LTU)"),
        ("sa", "sign bit of rs1_val"),
        ("sc", "sign bit of c"),
    )
    max_degree = 3

    def eval(self, b):
        a_ = ad.eval_adapter(b, self.OPS)
        loc = b.local
        f = a_.flags
        a, c, e = loc.rs1_val, loc.c, loc.e
        reg = f["slt"] + f["sltu"]
        imm = f["slti"] + f["sltiu"]
        signed = f["slt"] + f["slti"]
        for k in range(4):
            b.assert_eq(c[k], reg * loc.rs2_val[k] + imm * loc.imm[k], f"c{k}")
            b.assert_bool(e[k], f"e{k}_bool")
        esum = e[0] + e[1] + e[2] + e[3]
        b.assert_bool(esum, "e_sum_bool")
        for j in range(4):
            above_or_at = sum((e[k] for k in range(j + 1, 4)), e[j])
            b.assert_zero((1 - above_or_at) * (a[j] - c[j]), f"limb{j}_equal_above")
        x = sum((e[k] * a[k] for k in range(1, 4)), e[0] * a[0])
        y = sum((e[k] * c[k] for k in range(1, 4)), e[0] * c[0])
        b.assert_eq((x - y) * loc.inv, esum, "marked_limbs_differ")
        buses.bytes_op(b, buses.OP_LTU, x, y, loc.ltu, a_.is_real, "ltu")
        b.assert_bool(loc.sa, "sa_bool")
        b.assert_bool(loc.sc, "sc_bool")
        buses.range_u8_pair(b, 2 * (a[3] - 128 * loc.sa), 2 * (c[3] - 128 * loc.sc),
                            a_.is_real, "sign_bits")
        r = loc.rd_val
        b.assert_eq(r[0], loc.ltu + signed * (loc.sa - loc.sc), "result")
        for k in range(1, 4):
            b.assert_zero(r[k], f"result_limb{k}_zero")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only this chip's rows); ``rd_val`` is the computed result."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        is_imm = np.isin(op, [OPCODES["slti"].id, OPCODES["sltiu"].id])
        signed = np.isin(op, [OPCODES["slt"].id, OPCODES["slti"].id])
        a = rows.rs1_val.astype(np.int64)
        c = np.where(is_imm, rows.imm.astype(np.int64) & 0xFFFFFFFF, rows.rs2_val.astype(np.int64))
        al, cl = ad.u32_limbs(a).astype(np.int64), ad.u32_limbs(c).astype(np.int64)
        diff = al != cl
        # most significant differing limb: highest k with diff
        has = diff.any(axis=1)
        top = 3 - np.argmax(diff[:, ::-1], axis=1)
        e = np.zeros((n, 4), dtype=np.uint32)
        e[np.flatnonzero(has), top[has]] = 1
        x = (e * al).sum(axis=1)
        y = (e * cl).sum(axis=1)
        d = x - y  # in [-255, 255], 0 iff nothing is marked
        inv = np.where(d >= 0, _INV_BYTE[np.abs(d)], (P - _INV_BYTE[np.abs(d)]) % P)
        ltu = (x < y).astype(np.uint32)
        sa = (al[:, 3] >> 7).astype(np.uint32)
        sc = (cl[:, 3] >> 7).astype(np.uint32)
        sx = lambda w: np.where(w >= (1 << 31), w - (1 << 32), w)  # noqa: E731
        res = np.where(signed, sx(a) < sx(c), a < c).astype(np.int64)
        v.c[:n] = cl
        v.e[:n] = e
        v.inv[:n] = inv
        v.ltu[:n] = ltu
        v.sa[:n] = sa
        v.sc[:n] = sc
        v.rd_val[:n] = ad.u32_limbs(res)
        return t

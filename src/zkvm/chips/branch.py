"""``Branch`` chip: ``beq, bne, blt, bge, bltu, bgeu`` (docs/circuits.md §1).

Semantics (RV32I): compare ``a = x[rs1]`` and ``c = x[rs2]``; if the condition holds the
next pc is ``pc + imm`` (imm: the sign-extended B-immediate, even), otherwise ``pc + 4``.
Branches write no register (the program table gives ``rd = 0``, so the adapter's rd slot
is not used: ``write_rd=False``).

Columns: the adapter's (docs/circuits.md §5) and

* the **comparison gadget** (shared with the ``Atomic`` chip's amomin/amomax, see
  :func:`compare_columns` / :func:`eval_compare` / :func:`fill_compare`):
  ``cmp_m[4]`` (one-hot marker of the most significant differing limb, or none),
  ``cmp_ma, cmp_mb`` (the marked limbs of both operands), ``cmp_inv`` (inverse of
  ``cmp_mb − cmp_ma``), ``cmp_lt`` (the comparison result), ``cmp_sa, cmp_sb`` (sign bits);
* ``taken`` (boolean: the branch is taken) and ``next_pc``.

The comparison gadget (operands ``x, y``: 4 byte limbs each; ``sg``: 1 for a signed
comparison, 0 for unsigned, a boolean expression)
---------------------------------------------------------------------------------------
Signed order on 32-bit words is unsigned order after flipping bit 31, so the gadget
compares the limbs ``x' = (x0, x1, x2, x3 + sg·(128 − 256·sx))`` (and likewise ``y'``)
unsigned, where ``sx`` is the sign bit of ``x``: ``x3 + 128 − 256·sx = x3 XOR 0x80``.
The sign bits are proven by the byte table: ``LTU(x3, 128, 1 − sx)`` (i.e.
``sx = [x3 ≥ 128]``), sent only for signed comparisons.

* ``m_i`` boolean, ``s = Σ m_i`` boolean (at most one marker);
* for every limb ``i``: ``(1 − Σ_{j ≥ i} m_j)·(x'_i − y'_i) = 0`` — every limb *above* the
  marker (all limbs when there is no marker) is equal;
* ``ma = Σ m_i x'_i``, ``mb = Σ m_i y'_i`` and ``(mb − ma)·inv = s`` — the marked limbs
  differ;
* ``LTU(ma, mb, lt)`` — ``lt = [ma < mb]`` (0 when there is no marker: ``ma = mb = 0``).

Correctness: the limbs are bytes (register values are range-checked bytes; ``x3 XOR 0x80``
is a byte once ``sx`` is proven), so every equation is over small integers.  If ``x = y``
no limb differs, so the marked-limbs-differ constraint forbids a marker: ``s = 0`` and
``lt = 0``.  If ``x ≠ y`` the marker cannot be absent (all limbs would have to be equal),
cannot sit below the most significant differing limb ``k`` (limb ``k`` would have to be
equal) and cannot sit above it (the marked limbs would be equal): it is exactly ``k``,
``s = 1`` and ``lt = [x'_k < y'_k] = [x < y]`` (lexicographic order from the top limb).
Hence ``s = [x ≠ y]`` and ``lt = [x < y]`` (signed or unsigned) are functions of the
operands: the prover has no choice.  Degrees: ``x'_3`` has degree 2, so the limb-3
equality and ``ma``/``mb`` constraints have degree 3.

Branch constraints
------------------
* ``taken = f_beq·(1 − s) + f_bne·s + (f_blt + f_bltu)·lt + (f_bge + f_bgeu)·(1 − lt)``
  with ``sg = f_blt + f_bge``;
* ``next_pc = pc + 4·is_real + taken·(imm_f − 4)``, sent on EXEC by the adapter (``is_real``
  keeps padding rows all-zero).

Correctness (checklist 9): ``next_pc`` is constrained on both paths — taken gives
``pc + imm_f``, not taken ``pc + 4`` — and ``taken`` is a function of the operands (one
flag is set on a real row, ``s``/``lt`` are unique).  The target ``pc + imm_f`` is a field
element; it is only useful to a prover if the next row can receive it, and every row looks
its pc up in the program table, whose pcs are the genuine instruction addresses (< 2^30).
The executor's 32-bit wrap of ``pc + imm`` only differs from the field sum when the sum is
negative or ≥ 2^32, and such a target is never an instruction address.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_BRANCH, OPCODES, ops_of_chip
from zkvm.field.babybear import P
from zkvm.field.babybear import inv as field_inv
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: beq, bne, blt, bge, bltu, bgeu
OPS = ops_of_chip(CHIP_BRANCH)


# ---------------------------------------------------------------------------------------
# the comparison gadget (shared with atomic.py)


def compare_columns(prefix: str = "cmp") -> list[tuple]:
    """Column specs of the comparison gadget (module docstring), named ``<prefix>_*``."""
    return [
        (f"{prefix}_m", 4, "one-hot marker of the most significant differing limb (none if equal)"),
        (f"{prefix}_ma", "marked limb of the first operand (sign-flipped top limb if signed)"),
        (f"{prefix}_mb", "marked limb of the second operand (sign-flipped top limb if signed)"),
        (f"{prefix}_inv", "inverse of mb - ma (0 when the operands are equal)"),
        (f"{prefix}_lt", "1 iff first operand < second operand (signed if sg)"),
        (f"{prefix}_sa", "sign bit of the first operand (proven only when signed)"),
        (f"{prefix}_sb", "sign bit of the second operand (proven only when signed)"),
    ]


def eval_compare(b, x, y, sg, mult, prefix: str = "cmp"):
    """Constrain the comparison gadget for operands ``x, y`` (4 byte-limb Exprs each).

    ``sg``: signed-comparison selector (boolean Expr of degree ≤ 1, 0 on padding);
    ``mult``: ``is_real`` × boolean (degree ≤ 1) for the LTU lookup of the result.
    Returns ``(s, lt)``: ``s = [x ≠ y]`` (degree 1) and ``lt = [x < y]`` (a column).
    """
    loc = b.local
    m = getattr(loc, f"{prefix}_m")
    ma, mb = getattr(loc, f"{prefix}_ma"), getattr(loc, f"{prefix}_mb")
    inv, lt = getattr(loc, f"{prefix}_inv"), getattr(loc, f"{prefix}_lt")
    sa, sb = getattr(loc, f"{prefix}_sa"), getattr(loc, f"{prefix}_sb")
    # sign bits (only for signed comparisons): sa = [x3 >= 128]
    buses.bytes_op(b, buses.OP_LTU, x[3], 128, 1 - sa, sg, f"{prefix}.sign_a")
    buses.bytes_op(b, buses.OP_LTU, y[3], 128, 1 - sb, sg, f"{prefix}.sign_b")
    xe = [x[0], x[1], x[2], x[3] + sg * (128 - 256 * sa)]
    ye = [y[0], y[1], y[2], y[3] + sg * (128 - 256 * sb)]
    s = 0
    for i in range(4):
        b.assert_bool(m[i], f"{prefix}.m{i}_bool")
        s = s + m[i]
    b.assert_bool(s, f"{prefix}.one_marker")
    above = 0
    for i in (3, 2, 1, 0):
        above = above + m[i]  # Σ_{j >= i} m_j
        b.assert_zero((1 - above) * (xe[i] - ye[i]), f"{prefix}.eq_above{i}")
    b.assert_eq(ma, sum(m[i] * xe[i] for i in range(4)), f"{prefix}.ma")
    b.assert_eq(mb, sum(m[i] * ye[i] for i in range(4)), f"{prefix}.mb")
    b.assert_eq((mb - ma) * inv, s, f"{prefix}.marked_differ")
    buses.bytes_op(b, buses.OP_LTU, ma, mb, lt, mult, f"{prefix}.ltu")
    return s, lt


def fill_compare(v, n: int, x, y, signed, prefix: str = "cmp") -> tuple[np.ndarray, np.ndarray]:
    """Fill the gadget columns of rows ``0..n-1`` of view ``v`` for uint32 operand arrays
    ``x, y`` and boolean array ``signed``.  Returns ``(ne, lt)`` boolean arrays."""
    x = np.asarray(x, dtype=np.int64) & 0xFFFFFFFF
    y = np.asarray(y, dtype=np.int64) & 0xFFFFFFFF
    signed = np.asarray(signed, dtype=bool)
    flip = np.where(signed, 0x80000000, 0)
    xl = ad.u32_limbs(x ^ flip).astype(np.int64)
    yl = ad.u32_limbs(y ^ flip).astype(np.int64)
    diff = xl != yl
    # most significant differing limb: k = 3 - argmax over reversed limbs
    ne = diff.any(axis=1)
    k = 3 - np.argmax(diff[:, ::-1], axis=1)
    rows = np.arange(n)
    m = np.zeros((n, 4), dtype=np.uint32)
    m[rows[ne], k[ne]] = 1
    ma = np.where(ne, xl[rows, k], 0)
    mb = np.where(ne, yl[rows, k], 0)
    inv = np.zeros(n, dtype=np.uint32)
    if ne.any():
        d = ((mb[ne] - ma[ne]) % P).astype(np.uint32)
        inv[ne] = field_inv(d)
    lt = ma < mb
    getattr(v, f"{prefix}_m")[:n] = m
    getattr(v, f"{prefix}_ma")[:n] = ma
    getattr(v, f"{prefix}_mb")[:n] = mb
    getattr(v, f"{prefix}_inv")[:n] = inv
    getattr(v, f"{prefix}_lt")[:n] = lt
    getattr(v, f"{prefix}_sa")[:n] = (x >> 31) & 1
    getattr(v, f"{prefix}_sb")[:n] = (y >> 31) & 1
    return ne, lt


# ---------------------------------------------------------------------------------------
# the chip


class BranchAir(Air):
    """beq/bne/blt/bge/bltu/bgeu (module docstring)."""

    name = CHIP_BRANCH
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        *compare_columns("cmp"),
        ("taken", "1 iff the branch is taken"),
        ("next_pc", "pc + imm if taken else pc + 4"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        ad.eval_adapter(b, self.OPS, next_pc=loc.next_pc, range_check_rd=False, write_rd=False)
        sg = loc.f_blt + loc.f_bge
        s, lt = eval_compare(b, loc.rs1_val, loc.rs2_val, sg, loc.is_real, "cmp")
        taken = (loc.f_beq * (1 - s) + loc.f_bne * s + (loc.f_blt + loc.f_bltu) * lt
                 + (loc.f_bge + loc.f_bgeu) * (1 - lt))
        b.assert_eq(loc.taken, taken, "taken")
        b.assert_eq(loc.next_pc, loc.pc + 4 * loc.is_real + loc.taken * (loc.imm_f - 4), "next_pc")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        is_ = {name: op == OPCODES[name].id for name in OPS}
        signed = is_["blt"] | is_["bge"]
        ne, lt = fill_compare(v, n, rows.rs1_val, rows.rs2_val, signed, "cmp")
        taken = ((is_["beq"] & ~ne) | (is_["bne"] & ne) | ((is_["blt"] | is_["bltu"]) & lt)
                 | ((is_["bge"] | is_["bgeu"]) & ~lt))
        v.taken[:n] = taken
        pc = rows.pc.astype(np.int64)
        v.next_pc[:n] = np.where(taken, (pc + rows.imm) % P, pc + 4).astype(np.uint32)
        return t

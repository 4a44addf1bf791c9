"""``LoadStore`` chip: ``lb, lh, lw, lbu, lhu, sb, sh, sw`` (docs/circuits.md §1).

Semantics (RV32I, naturally aligned accesses only — docs/architecture.md §6): the address
is ``A = x[rs1] + imm mod 2^32``.  Loads set ``rd`` to the byte/halfword/word at ``A``,
sign-extended (lb, lh) or zero-extended (lbu, lhu); stores write the low byte/halfword/word
of ``x[rs2]`` at ``A`` and write no register (the program table gives ``rd = 0``).

Columns: the adapter's (docs/circuits.md §5) and

* ``addr[4]``, ``acarry[4]`` — bytes of ``A`` and the carries of ``rs1_val + imm``;
* ``off[4]`` — one-hot byte offset ``A mod 4``;
* ``mem_prev[4]``, ``mem_new[4]`` — the aligned word at ``A − off`` before/after;
  ``mem_prev_ts, mem_lo, mem_hi`` — its previous access time and the ``prev_ts < t`` limbs;
* ``sel0``, ``sel1`` — the selected bytes (``sel0 = W[off]``, ``sel1 = W[off+1]`` for a
  halfword at offset 0 or 2); ``top`` — the byte carrying the sign (lb: ``sel0``, lh:
  ``sel1``, else 0); ``sgn`` — its bit 7.

Constraints (``W = mem_prev``, ``N = mem_new``, ``r = rd_val``, ``o = off``):

* address: ``addr_k + 256·acarry_k = rs1_val_k + imm_k + acarry_{k−1}``, ``acarry_k``
  boolean;
* offset: ``o_k`` boolean, ``Σ o_k = is_real``, ``AND(addr0, 3, o1 + 2·o2 + 3·o3)``;
* word key ``key = word(addr) − (o1 + 2·o2 + 3·o3)`` with ``0x1_0000 ≤ key < 0x4000_0000``:
  ``U8PAIR(addr1, addr2)``, ``addr3 < 64`` (``range_bits``), ``U16(addr2 + 256·addr3 − 1)``;
* alignment: ``(f_lw + f_sw)·(1 − o0) = 0``, ``(f_lh + f_lhu + f_sh)·(o1 + o3) = 0``;
* memory: one access of ``key`` at time ``4ts + 2`` (mult ``is_real``): receive
  ``(key, W, mem_prev_ts)``, send ``(key, N, 4ts+2)``, ``mem_prev_ts < 4ts+2``;
* store: for each byte ``j``::

      N_j − W_j = f_sw·(rs2_j − W_j) + f_sb·o_j·(rs2_0 − W_j) + f_sh·o_{j&2}·(rs2_{j&1} − W_j)

  (degree 3; for loads every term is 0, so ``N = W``);
* load: ``sel0 = Σ o_k W_k``, ``sel1 = o0·W1 + o2·W3``, ``top = f_lb·sel0 + f_lh·sel1``,
  ``LTU(top, 128, 1 − sgn)`` (so ``sgn = [top ≥ 128]``, and ``sgn = 0`` whenever
  ``top = 0``, i.e. on every row but lb/lh);
  ``r0 = L·sel0`` (``L = f_lb + f_lh + f_lw + f_lbu + f_lhu``),
  ``r1 = (f_lw + f_lh + f_lhu)·sel1 + 255·f_lb·sgn``, ``r2 = f_lw·W2 + 255·sgn``,
  ``r3 = f_lw·W3 + 255·sgn``.

Correctness:

* The address limbs are bytes (``addr0`` by the AND lookup, ``addr1, addr2`` by U8PAIR,
  ``addr3 < 64``), carries boolean, so ``addr = x[rs1] + imm mod 2^32`` uniquely (limb
  equations over integers ≤ 511).  ``off = addr0 AND 3`` comes from the byte table and the
  one-hot flags recompose it, so ``key = A − (A mod 4)`` is the aligned word address, an
  integer < 2^30 (top limb < 64) — reduced into the field only after that check
  (checklist 4) — and ``≥ 0x1_0000`` (its upper 16 bits ``addr2 + 256·addr3`` are ≥ 1), so
  a RAM key never aliases a register key 0..31 or any other special key (checklist 6).
* Natural alignment: lw/sw need offset 0, lh/lhu/sh offset 0 or 2, so a halfword never
  straddles two words and a misaligned access is unprovable (as in the executor).
* Loads: the memory access sends back exactly the word it received (``N = W``), so a load
  never changes memory.  ``sel0``/``sel1`` are the bytes at the offset (one-hot ``o``), the
  sign bit comes from the byte table, and every ``r_k`` is a byte by construction (a byte of
  ``W``, 0, or ``255·sgn``), so the adapter's byte range check on ``rd`` is not needed
  (``range_check_rd=False``).
* Stores: ``N`` equals ``W`` except in the addressed byte(s), which take the low bytes of
  ``x[rs2]``; so ``N`` is bytes by construction.  ``r = 0`` is forced (every term vanishes)
  and no register is written (``rd_nz = 0`` from the program table).
* Padding rows are all zero: every multiplicity is ``is_real`` or a flag.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.lui_auipc import add_carries
from zkvm.chips.opcodes import CHIP_LOADSTORE, OPCODES, ops_of_chip
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: lb, lh, lw, lbu, lhu, sb, sh, sw
OPS = ops_of_chip(CHIP_LOADSTORE)
LOADS = ("lb", "lh", "lw", "lbu", "lhu")
STORES = ("sb", "sh", "sw")
#: Lowest RAM word address (docs/architecture.md §6: the null guard below it).
RAM_START = 0x1_0000


def eval_ram_key(b, limbs, off_expr, mult, name: str):
    """Range-check a RAM word key formed from the byte limbs ``limbs`` of an address
    (limbs[0] is proven a byte with low two bits ``off_expr`` by ``AND(limbs0, 3, off)``).

    Returns the key ``word(limbs) − off_expr`` with ``0x1_0000 ≤ key < 0x4000_0000``
    proven (module docstring): ``U8PAIR(l1, l2)``, ``l3 < 64``, ``U16(l2 + 256·l3 − 1)``.
    Interaction names ``name + ".off"``, ``".l12"``, ``".top"``, ``".ge_64k"``.
    """
    buses.bytes_op(b, buses.OP_AND, limbs[0], 3, off_expr, mult, name + ".off")
    buses.range_u8_pair(b, limbs[1], limbs[2], mult, name + ".l12")
    buses.range_bits(b, limbs[3], 6, mult, name + ".top")
    buses.range_u16(b, limbs[2] + 256 * limbs[3] - 1, mult, name + ".ge_64k")
    return ad.word(limbs) - off_expr


class LoadStoreAir(Air):
    """lb/lh/lw/lbu/lhu/sb/sh/sw (module docstring)."""

    name = CHIP_LOADSTORE
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("addr", 4, "bytes of the address rs1_val + imm mod 2^32"),
        ("acarry", 4, "carry out of limb k of rs1_val + imm (boolean)"),
        ("off", 4, "one-hot byte offset of the address within its word"),
        ("mem_prev", 4, "the aligned memory word before the access (bytes)"),
        ("mem_new", 4, "the aligned memory word after the access (bytes)"),
        ("mem_prev_ts", "timestamp of the previous access to the word"),
        ("mem_lo", "low 16 bits of 4ts+2 - mem_prev_ts - 1"),
        ("mem_hi", "high byte of 4ts+2 - mem_prev_ts - 1"),
        ("sel0", "byte of the word at the offset"),
        ("sel1", "byte of the word at offset + 1 (halfword at offset 0 or 2)"),
        ("top", "the byte holding the sign: sel0 for lb, sel1 for lh, else 0"),
        ("sgn", "bit 7 of top (sign of a signed load), 0 on other rows"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        ad.eval_adapter(b, self.OPS, range_check_rd=False)
        f = {op: getattr(loc, ad.flag_name(op)) for op in OPS}
        is_real = loc.is_real
        a, o, W, N, r = loc.addr, loc.off, loc.mem_prev, loc.mem_new, loc.rd_val
        rs2 = loc.rs2_val
        # address = rs1 + imm mod 2^32
        cin = 0
        for k in range(4):
            c = loc.acarry[k]
            b.assert_bool(c, f"acarry{k}_bool")
            b.assert_zero(a[k] + 256 * c - loc.rs1_val[k] - loc.imm[k] - cin, f"addr{k}")
            cin = c
        # offset (one-hot) and word key
        for k in range(4):
            b.assert_bool(o[k], f"off{k}_bool")
        b.assert_eq(o[0] + o[1] + o[2] + o[3], is_real, "off_one_hot")
        off = o[1] + 2 * o[2] + 3 * o[3]
        key = eval_ram_key(b, a, off, is_real, "key")
        # natural alignment
        b.assert_zero((f["lw"] + f["sw"]) * (1 - o[0]), "align_word")
        b.assert_zero((f["lh"] + f["lhu"] + f["sh"]) * (o[1] + o[3]), "align_half")
        # the memory access (slot 2)
        buses.mem_access(b, key, W, N, 4 * loc.ts + buses.SLOT_MEM, loc.mem_prev_ts,
                         loc.mem_lo, loc.mem_hi, is_real, "mem")
        # stores: only the addressed bytes change
        for j in range(4):
            delta = (f["sw"] * (rs2[j] - W[j]) + f["sb"] * o[j] * (rs2[0] - W[j])
                     + f["sh"] * o[j & 2] * (rs2[j & 1] - W[j]))
            b.assert_eq(N[j] - W[j], delta, f"store{j}")
        # loads: select, sign, extend
        b.assert_eq(loc.sel0, sum(o[k] * W[k] for k in range(4)), "sel0")
        b.assert_eq(loc.sel1, o[0] * W[1] + o[2] * W[3], "sel1")
        b.assert_eq(loc.top, f["lb"] * loc.sel0 + f["lh"] * loc.sel1, "top")
        buses.bytes_op(b, buses.OP_LTU, loc.top, 128, 1 - loc.sgn, is_real, "sign")
        is_load = f["lb"] + f["lh"] + f["lw"] + f["lbu"] + f["lhu"]
        b.assert_eq(r[0], is_load * loc.sel0, "rd0")
        b.assert_eq(r[1], (f["lw"] + f["lh"] + f["lhu"]) * loc.sel1 + 255 * f["lb"] * loc.sgn,
                    "rd1")
        b.assert_eq(r[2], f["lw"] * W[2] + 255 * loc.sgn, "rd2")
        b.assert_eq(r[3], f["lw"] * W[3] + 255 * loc.sgn, "rd3")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only load/store rows).  ``rd_val`` is the loaded value (also
        when rd = x0); the memory word comes from the events' ``mem_before/mem_after``."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        is_ = {name: op == OPCODES[name].id for name in OPS}
        rs1 = rows.rs1_val.astype(np.int64)
        imm = rows.imm.astype(np.int64) & 0xFFFFFFFF
        addr = (rs1 + imm) & 0xFFFFFFFF
        v.addr[:n] = ad.u32_limbs(addr)
        v.acarry[:n] = add_carries(ad.u32_limbs(rs1).astype(np.int64),
                                   ad.u32_limbs(imm).astype(np.int64))
        off = (addr & 3).astype(np.int64)
        rr = np.arange(n)
        o = np.zeros((n, 4), dtype=np.uint32)
        o[rr, off] = 1
        v.off[:n] = o
        W = ad.u32_limbs(rows.mem_before).astype(np.int64)
        v.mem_prev[:n] = W
        v.mem_new[:n] = ad.u32_limbs(rows.mem_after)
        pts = rows.prev_ts[:, buses.SLOT_MEM].astype(np.int64)
        lo, hi = buses.ts_diff_limbs(rows.ts.astype(np.int64) * 4 + buses.SLOT_MEM, pts)
        v.mem_prev_ts[:n] = pts
        v.mem_lo[:n] = lo
        v.mem_hi[:n] = hi
        sel0 = W[rr, off]
        sel1 = np.where(off == 0, W[:, 1], np.where(off == 2, W[:, 3], 0))
        top = np.where(is_["lb"], sel0, np.where(is_["lh"], sel1, 0))
        sgn = (top >> 7) & 1
        v.sel0[:n] = sel0
        v.sel1[:n] = sel1
        v.top[:n] = top
        v.sgn[:n] = sgn
        is_load = is_["lb"] | is_["lh"] | is_["lw"] | is_["lbu"] | is_["lhu"]
        r = np.zeros((n, 4), dtype=np.int64)
        r[:, 0] = np.where(is_load, sel0, 0)
        r[:, 1] = np.where(is_["lw"] | is_["lh"] | is_["lhu"], sel1, 0) + 255 * (is_["lb"] * sgn)
        r[:, 2] = np.where(is_["lw"], W[:, 2], 0) + 255 * sgn
        r[:, 3] = np.where(is_["lw"], W[:, 3], 0) + 255 * sgn
        v.rd_val[:n] = r
        return t

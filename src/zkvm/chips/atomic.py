"""``Atomic`` chip: ``lr.w``, ``sc.w`` and the nine ``amo*.w`` (docs/circuits.md §1).

Semantics (RV32A on one hart, exactly as :mod:`zkvm.riscv.spec` implements it): the
address is ``A = x[rs1]`` (no immediate) and must be word aligned.

* ``lr.w``: ``rd = M[A]``; the reservation becomes ``A``;
* ``sc.w``: succeeds iff the reservation is ``A`` (the last ``lr.w``/``sc.w`` executed was
  an ``lr.w`` of ``A``); on success ``M[A] = x[rs2]`` and ``rd = 0``, on failure memory is
  unchanged and ``rd = 1``; the reservation is cleared either way (plain stores and AMOs
  do not touch it);
* ``amo<op>.w``: ``rd = old = M[A]``, ``M[A] = op(old, x[rs2])`` for swap, add (mod 2^32),
  xor, and, or, min/max (signed), minu/maxu (unsigned).

Columns: the adapter's (docs/circuits.md §5) and

* ``mem_prev[4]`` (``old``), ``mem_new[4]`` (``new``), ``mem_prev_ts, mem_lo, mem_hi`` —
  the data access of word ``A`` at time ``4ts + 2``;
* ``acarry[4]`` — carries of ``old + x[rs2]`` (amoadd);
* the comparison gadget of :mod:`zkvm.chips.branch` (``cmp_*``) on ``(old, x[rs2])`` and
  ``keep`` (amomin/max: 1 iff the old value is kept);
* the reservation (lr.w / sc.w only): ``res_in[4]`` / ``res_out[4]`` (the reservation
  OS cell before / after, byte limbs: the reserved address, 0 = none), ``res_prev_ts,
  res_lo, res_hi`` (its access at time ``4ts + 2``), ``res_inv`` (inverse witness),
  ``ok`` (sc.w succeeded).

Constraints (``x = rs1_val``, ``v = rs2_val``, ``o = mem_prev``, ``N = mem_new``,
``r = rd_val``, ``A = word(x)``):

* address: ``AND(x0, 3, 0)``, ``U8PAIR(x1, x2)``, ``x3 < 64``, ``U16(x2 + 256·x3 − 1)``:
  ``A`` is an aligned RAM key in ``[0x1_0000, 2^30)`` (same gadget as loads/stores);
* memory: receive ``(A, o, mem_prev_ts)``, send ``(A, N, 4ts+2)``, ``mem_prev_ts < 4ts+2``;
* ``rd``: ``(is_real − f_sc)·(r_k − o_k) = 0``; ``f_sc·(r0 − 1 + ok) = 0``,
  ``f_sc·r_k = 0`` (k ≥ 1);
* new value: ``f_lr·(N_k − o_k)``, ``f_sc·(N_k − o_k − ok·(v_k − o_k))``,
  ``f_amoswap_w·(N_k − v_k)``, amoadd: ``f_amoadd_w·(N_k + 256·acarry_k − o_k − v_k −
  acarry_{k−1})`` with boolean carries and ``U8PAIR(N0, N1)``, ``U8PAIR(N2, N3)``;
  xor/and/or: ``BYTES(op, o_k, v_k, N_k)`` with ``op = 3·f_and + 4·f_or + 5·f_xor``;
  min/max: ``keep = (f_min + f_minu)·lt + (f_max + f_maxu)·(1 − lt)`` (``lt = [o < v]``,
  signed for min/max) and ``(Σ f_minmax)·(N_k − v_k − keep·(o_k − v_k)) = 0``;
* reservation: at memory time ``4ts + 2`` (the data slot: another key, so the two
  accesses are independent records) lr.w and sc.w access the reservation cell (key
  ``OS_KEY_RESERVATION`` = 51, docs/abi.md "OS state"): receive ``res_in``, send
  ``res_out`` with
  ``res_out_k = f_lr·x_k`` (lr.w reserves ``A``, sc.w clears); ``R = word(res_in)``;
  ``ok`` boolean, ``ok·(1 − f_sc) = 0``, ``ok·(R − A) = 0``,
  ``(R − A)·res_inv = f_sc·(1 − ok)``.

Correctness:

* Reservation: it is machine state in a memory cell (key 51) that only lr.w/sc.w rows
  reach (guest loads/stores form RAM keys ≥ 0x1_0000; registers are 0..31), so offline
  memory checking hands every lr.w/sc.w the value the previous one left (0 from the image
  at the start; across continuation segments through the OS page of the memory tree, so a
  segment boundary between an lr.w and its sc.w changes nothing).  The cell only ever
  holds 0 or the byte limbs of a range-checked address ``A < 2^30``, so ``R`` is that
  integer and ``R = A`` in the field is integer equality; ``A ≥ 0x1_0000`` is never 0
  (no reservation never matches).  ``ok`` is forced: equal ⇒ the inverse constraint
  forces ``ok = 1`` on an sc row; different ⇒ ``ok·(R − A) = 0`` forces ``ok = 0``.
* Values: ``o`` and ``v`` are bytes (memory and register contents are range-checked by
  their writers).  ``N`` is bytes by construction for lr/sc/swap/min/max (a byte of ``o``
  or ``v``, ``keep`` is boolean as ``lt`` is), from the byte table for xor/and/or, and
  range-checked for add, where the limb equations then hold over the integers, so
  ``N = o + v mod 2^32`` uniquely.  ``r`` is ``o``, or 0/1 for sc: bytes by construction
  (``range_check_rd=False``).  The comparison gadget makes ``lt`` a function of the
  operands (see :mod:`zkvm.chips.branch`), so min/max pick the right operand.
* Padding rows are all zero; multiplicities are ``is_real`` or flags (the ordering lookups
  use ``is_transition · is_real'``), and a padding row never constrains the next one.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.branch import compare_columns, eval_compare, fill_compare
from zkvm.chips.lui_auipc import add_carries
from zkvm.chips.loadstore import eval_ram_key
from zkvm.chips.opcodes import CHIP_ATOMIC, OPCODES, ops_of_chip
from zkvm.field.babybear import P
from zkvm.field.babybear import inv as field_inv
from zkvm.riscv.layout import OS_KEY_RESERVATION
from zkvm.stark.air import Air, Columns

#: the instructions this chip proves, from the ISA table (zkvm.riscv.isa) in opcode id order:
#: lr.w, sc.w, amoswap.w, amoadd.w, amoxor.w, amoand.w, amoor.w, amomin.w, amomax.w, amominu.w,
#: amomaxu.w
OPS = ops_of_chip(CHIP_ATOMIC)


class AtomicAir(Air):
    """lr.w / sc.w / amo*.w (module docstring)."""

    name = CHIP_ATOMIC
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    OPS = OPS
    columns = Columns(
        *ad.adapter_columns(OPS),
        ("mem_prev", 4, "the memory word before the instruction (old value, bytes)"),
        ("mem_new", 4, "the memory word after the instruction (bytes)"),
        ("mem_prev_ts", "timestamp of the previous access to the word"),
        ("mem_lo", "low 16 bits of 4ts+2 - mem_prev_ts - 1"),
        ("mem_hi", "high byte of 4ts+2 - mem_prev_ts - 1"),
        ("acarry", 4, "carry out of limb k of old + rs2 (amoadd.w; boolean)"),
        *compare_columns("cmp"),
        ("keep", "amomin/amomax: 1 iff the old value is kept"),
        ("res_in", 4, "reservation cell before this row (lr/sc; address bytes, 0 = none)"),
        ("res_out", 4, "reservation cell after this row (lr/sc)"),
        ("res_prev_ts", "timestamp of the previous access to the reservation cell"),
        ("res_lo", "low 16 bits of 4ts+2 - res_prev_ts - 1"),
        ("res_hi", "high byte of 4ts+2 - res_prev_ts - 1"),
        ("res_inv", "inverse of R - address on a failing sc.w, else 0"),
        ("ok", "1 iff this row is an sc.w that succeeds"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        f = {op: getattr(loc, ad.flag_name(op)) for op in OPS}
        ad.eval_adapter(b, self.OPS, range_check_rd=False)
        is_real = loc.is_real
        x, v, o, N, r = loc.rs1_val, loc.rs2_val, loc.mem_prev, loc.mem_new, loc.rd_val
        f_lr, f_sc = f["lr.w"], f["sc.w"]
        ok = loc.ok
        # the aligned word address A = x[rs1]
        addr = eval_ram_key(b, x, 0, is_real, "key")
        buses.mem_access(b, addr, o, N, 4 * loc.ts + buses.SLOT_MEM, loc.mem_prev_ts,
                         loc.mem_lo, loc.mem_hi, is_real, "mem")
        # rd: old value (sc.w: 0 on success, 1 on failure)
        for k in range(4):
            b.assert_zero((is_real - f_sc) * (r[k] - o[k]), f"rd{k}_old")
        b.assert_zero(f_sc * (r[0] - 1 + ok), "rd0_sc")
        for k in range(1, 4):
            b.assert_zero(f_sc * r[k], f"rd{k}_sc")
        # new memory value
        f_mm = f["amomin.w"] + f["amomax.w"] + f["amominu.w"] + f["amomaxu.w"]
        sg = f["amomin.w"] + f["amomax.w"]
        _, lt = eval_compare(b, o, v, sg, is_real, "cmp")
        b.assert_eq(loc.keep, (f["amomin.w"] + f["amominu.w"]) * lt
                    + (f["amomax.w"] + f["amomaxu.w"]) * (1 - lt), "keep")
        cin = 0
        for k in range(4):
            b.assert_zero(f_lr * (N[k] - o[k]), f"new{k}_lr")
            b.assert_zero(f_sc * (N[k] - o[k] - ok * (v[k] - o[k])), f"new{k}_sc")
            b.assert_zero(f["amoswap.w"] * (N[k] - v[k]), f"new{k}_swap")
            c = loc.acarry[k]
            b.assert_bool(c, f"acarry{k}_bool")
            b.assert_zero(f["amoadd.w"] * (N[k] + 256 * c - o[k] - v[k] - cin), f"new{k}_add")
            cin = c
            b.assert_zero(f_mm * (N[k] - v[k] - loc.keep * (o[k] - v[k])), f"new{k}_minmax")
        buses.range_u8_pair(b, N[0], N[1], f["amoadd.w"], "add_bytes01")
        buses.range_u8_pair(b, N[2], N[3], f["amoadd.w"], "add_bytes23")
        bit_op = (buses.OP_AND * f["amoand.w"] + buses.OP_OR * f["amoor.w"]
                  + buses.OP_XOR * f["amoxor.w"])
        bit_mult = f["amoand.w"] + f["amoor.w"] + f["amoxor.w"]
        for k in range(4):
            buses.bytes_op(b, bit_op, o[k], v[k], N[k], bit_mult, f"bitwise{k}")
        # the reservation: the OS cell, read and written at memory time 4ts + 2 (the data
        # access is to a RAM key >= 0x1_0000, never key 51)
        res_mult = f_lr + f_sc
        for k in range(4):
            b.assert_zero(loc.res_out[k] - f_lr * x[k], f"res_out{k}")
        buses.mem_access(b, OS_KEY_RESERVATION, loc.res_in, loc.res_out, 4 * loc.ts + 2,
                         loc.res_prev_ts, loc.res_lo, loc.res_hi, res_mult, "res")
        R = ad.word(loc.res_in)
        b.assert_bool(ok, "ok_bool")
        b.assert_zero(ok * (1 - f_sc), "ok_only_sc")
        b.assert_zero(ok * (R - addr), "ok_match")
        b.assert_eq((R - addr) * loc.res_inv, f_sc * (1 - ok), "fail_mismatch")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Trace of ``rows`` (only atomic rows, in execution order).  ``rd_val`` is
        recomputed (also when rd = x0); ``rows.extra`` holds ``res_prev`` (the reservation
        cell before the row) and ``res_prev_ts`` (its previous access time), from
        tracegen's memory history."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        op = rows.opcode
        is_ = {name: op == OPCODES[name].id for name in OPS}
        is_lr, is_sc = is_["lr.w"], is_["sc.w"]
        addr = rows.rs1_val.astype(np.int64)
        old = rows.mem_before.astype(np.int64)
        rs2 = rows.rs2_val.astype(np.int64)
        v.mem_prev[:n] = ad.u32_limbs(old)
        v.mem_new[:n] = ad.u32_limbs(rows.mem_after)
        pts = rows.prev_ts[:, buses.SLOT_MEM].astype(np.int64)
        lo, hi = buses.ts_diff_limbs(rows.ts.astype(np.int64) * 4 + buses.SLOT_MEM, pts)
        v.mem_prev_ts[:n] = pts
        v.mem_lo[:n] = lo
        v.mem_hi[:n] = hi
        v.acarry[:n] = add_carries(ad.u32_limbs(old).astype(np.int64),
                                   ad.u32_limbs(rs2).astype(np.int64))
        is_mm = is_["amomin.w"] | is_["amomax.w"] | is_["amominu.w"] | is_["amomaxu.w"]
        signed = is_["amomin.w"] | is_["amomax.w"]
        _, lt = fill_compare(v, n, old, rs2, signed, "cmp")
        keep = np.where(is_["amomin.w"] | is_["amominu.w"], lt, ~lt) & is_mm
        v.keep[:n] = keep
        # the reservation cell (lr/sc rows only)
        touch = is_lr | is_sc
        res_in = np.where(touch, rows.extra["res_prev"].astype(np.int64), 0)
        res_out = np.where(is_lr, addr, 0)
        ok = is_sc & (res_in == addr)
        v.res_in[:n] = ad.u32_limbs(res_in)
        v.res_out[:n] = ad.u32_limbs(res_out)
        rpts = np.where(touch, rows.extra["res_prev_ts"].astype(np.int64), 0)
        rlo, rhi = buses.ts_diff_limbs(np.where(touch, 4 * rows.ts.astype(np.int64) + 2, 1),
                                       rpts)
        v.res_prev_ts[:n] = rpts
        v.res_lo[:n] = rlo
        v.res_hi[:n] = rhi
        v.ok[:n] = ok
        fail = is_sc & ~ok
        if fail.any():
            v.res_inv[:n][fail] = field_inv(((res_in[fail] - addr[fail]) % P).astype(np.uint32))
        r = np.where(is_sc, np.where(ok, 0, 1), old)
        v.rd_val[:n] = ad.u32_limbs(r)
        return t

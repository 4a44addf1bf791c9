"""ALU chips in isolation: honest traces from executor events satisfy every constraint and
every BYTES lookup; targeted witness corruptions are caught (docs/circuits.md §1).

Each chip's trace is checked with the debug checker on a one-table system: all AIR
constraints must hold, and every message the chip sends on the BYTES bus must be a row of
the byte table (checked here against an oracle of the table's semantics).  The other buses
(EXEC, PROGRAM, MEMORY) need the rest of the machine; they are covered by the end-to-end
tests in test_alu_e2e.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.chips import adapter as ad
from zkvm.riscv.asm import encode, li
from zkvm.field.babybear import P
from zkvm.stark import symbolic as sym
from zkvm.stark.checker import check_traces
from zkvm.stark.evaluate import NumpyAlgebra, broadcast_base, trace_leaf

from zkvm.chips.alu_addsub import AddSubAir
from zkvm.chips.alu_bitwise import BitwiseAir
from zkvm.chips.alu_divrem import DivRemAir, fill_core as divrem_fill_core
from zkvm.chips.alu_lt import LtAir
from zkvm.chips.alu_mul import MulAir
from zkvm.chips.alu_shift import ShiftAir

# shared chip-test helpers
from tests.support.chip_checks import (assert_rejected, chip_rows, col, failures, mutate, op_of,
                                       problems, run_words, system_for)

M32 = 0xFFFFFFFF
INT_MIN = 0x80000000
INT_MAX = 0x7FFFFFFF
EDGE = [0, 1, 2, 3, 7, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x12345678,
        INT_MAX, INT_MIN, INT_MIN + 1, M32, M32 - 1, 0xFFFFFF00, 0xDEADBEEF, 31, 32, 33, 63]


def binop_program(ops, values, imms=()):
    """For every op and every pair of values: li x5, a; li x6, b; op x7, x5, x6.
    Immediate ops use ``imms``.  Also the aliasing forms rd = rs1 = rs2 and rd = x0."""
    words = []
    for op in ops:
        fmt = _fmt(op)
        for a in values:
            if fmt == "R":
                for bv in values:
                    words += li(5, a) + li(6, bv) + [encode(op, rd=7, rs1=5, rs2=6)]
            else:
                for imm in imms:
                    words += li(5, a) + [encode(op, rd=7, rs1=5, imm=imm)]
        # aliasing: rd = rs1 = rs2, and a write to x0
        words += li(8, 0x89ABCDEF)
        if fmt == "R":
            words += [encode(op, rd=8, rs1=8, rs2=8), encode(op, rd=0, rs1=8, rs2=8)]
        else:
            words += [encode(op, rd=8, rs1=8, imm=imms[-1]), encode(op, rd=0, rs1=8, imm=imms[0])]
    return words


def _fmt(op):
    from zkvm.riscv.isa import BY_NAME
    return "R" if BY_NAME[op].fmt == "R" else "I"


# ----------------------------------------------------------------------------------------
# checking


def assert_honest(air, rows):
    trace = air.generate_trace(rows)
    probs = problems(air, trace)
    assert not probs, "\n".join(probs[:20])
    # the one-table debug checker agrees on the constraints
    rep = check_traces(system_for(air), [trace], [])
    assert not rep.constraint_failures and not rep.shape_errors, str(rep)
    return trace


def check_results(air, trace, rows):
    """rd_val of every row equals the executor's rd value (where rd != x0)."""
    v = air.columns.view(trace)
    n = rows.n
    got = (v.rd_val[:n].astype(np.int64) * (1 << (8 * np.arange(4)))).sum(axis=1)
    nz = rows.rd != 0
    assert np.array_equal(got[nz], rows.rd_val[nz].astype(np.int64))


def find_row(air, rows, pred):
    """First row whose (op, rs1_val, rs2_val, imm as u32, rd) satisfies ``pred``."""
    for i in range(rows.n):
        if pred(op_of(air, rows, i), int(rows.rs1_val[i]), int(rows.rs2_val[i]),
                int(rows.imm[i]) & M32, int(rows.rd[i])):
            return i
    raise LookupError("no such row")


def core_columns(air):
    """Names of the chip's own (core) columns, after the adapter's."""
    n_ad = len(ad.adapter_columns(air.OPS))
    return air.columns.names[n_ad:]


def assert_every_cell_pinned(air, rows, trace, free=None):
    """Uniqueness of the witness: adding 1 to any core cell (or to an rd_val limb) of
    any real row is rejected -- except the cells ``free(name, k) -> bool mask over
    rows`` declares unconstrained by design (they cannot influence the result)."""
    n = rows.n
    for name in core_columns(air) + ["rd_val"]:
        sl = air.columns.slice(name)
        for k, c in enumerate(range(sl.start, sl.stop)):
            t = trace.copy()
            t[:n, c] = (t[:n, c].astype(np.int64) + 1) % P
            pinned = np.ones(n, dtype=bool)
            if free is not None:
                fm = free(name, k)
                if fm is not None:
                    pinned &= ~fm
            f = failures(air, t)
            missing = [r for r in np.flatnonzero(pinned) if r not in f]
            assert not missing, f"{name}[{k}] + 1 accepted on rows {missing[:10]}"


def test_padding_rows_send_nothing():
    """Every interaction of every ALU chip has multiplicity 0 when is_real = 0, whatever
    the other columns hold (checklist 1)."""
    rng = np.random.default_rng(1)
    for air in (AddSubAir(), BitwiseAir(), LtAir(), ShiftAir(), MulAir(), DivRemAir()):
        t = rng.integers(0, P, size=(8, air.columns.width)).astype(np.uint32)
        t[:, air.columns.index("is_real")] = 0
        leaf = trace_leaf(t, None, [])
        for it in air.compile().interactions:
            m = broadcast_base(sym.evaluate([it.multiplicity], leaf, NumpyAlgebra())[0], 8)
            assert not m.any(), f"{air.name}.{it.name} sends on a padding row"


def test_degrees_within_engine_limit():
    for air in (AddSubAir(), BitwiseAir(), LtAir(), ShiftAir(), MulAir(), DivRemAir()):
        sysm = system_for(air)
        assert sysm.tables[0].degree <= 3


# ----------------------------------------------------------------------------------------
# AddSub

SMALL = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x12345678, INT_MAX, INT_MIN, M32, 0xDEADBEEF]
IMMS = [0, 1, -1, 2047, -2048, 0x555]


def _chip(air, ops, values, imms):
    _, rows = run_words(binop_program(ops, values, imms=imms))
    rows = chip_rows(air, rows)
    trace = assert_honest(air, rows)
    check_results(air, trace, rows)
    return air, rows, trace


@pytest.fixture(scope="module")
def addsub():
    return _chip(AddSubAir(), ["add", "sub", "addi"], SMALL, IMMS)


def test_addsub_honest_all_edge_cases():
    air = AddSubAir()
    _chip(air, ["add", "sub", "addi"], EDGE, IMMS)


def test_addsub_every_cell_pinned(addsub):
    assert_every_cell_pinned(*addsub)


def test_addsub_wrong_result_limb(addsub):
    air, rows, trace = addsub
    for op in ("add", "sub", "addi"):
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op)
        for k in range(4):
            c = col(air, "rd_val", k)
            assert_rejected(air, mutate(trace, r, c, int(trace[r, c]) ^ 1), [r])


def test_addsub_carry_flipped(addsub):
    air, rows, trace = addsub
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "add" and a == M32 and b == 1)
    for k in range(4):
        c = col(air, "carry", k)
        assert_rejected(air, mutate(trace, r, c, 1 - int(trace[r, c])), [r])


def test_addsub_non_byte_limb_with_compensating_carry(addsub):
    """0xFF + 1: claim limb0 = 256 with carry0 = 0 (sum equation still holds)."""
    air, rows, trace = addsub
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "add" and a == 0xFF and b == 1)
    t = trace.copy()
    t[r, col(air, "rd_val", 0)] = 256
    t[r, col(air, "carry", 0)] = 0
    t[r, col(air, "rd_val", 1)] = 0
    t[r, col(air, "carry", 1)] = 0
    f = assert_rejected(air, t, [r])
    assert any("rd_val" in x for x in f[r])


def test_addsub_fractional_carries(addsub):
    """5 + 3 = 7?  With carries 1/256, 1/2^16, 1/2^24, 1/2^32 (field elements) every limb
    sum holds and every rd limb is a byte; only the carry booleanity stops it."""
    air, rows, trace = addsub
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "add" and a == 0x7F and b == 1)
    t = trace.copy()
    t[r, col(air, "rd_val", 0)] = 0x7F
    for k in range(4):
        t[r, col(air, "rd_val", k)] = 0x7F if k == 0 else 0
        t[r, col(air, "carry", k)] = pow(256 ** (k + 1), P - 2, P)
    f = assert_rejected(air, t, [r])
    assert sorted(f[r]) == ["carry0_bool", "carry1_bool", "carry2_bool", "carry3_bool"]


def test_addsub_flag_flipped_add_as_sub(addsub):
    air, rows, trace = addsub
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "add" and a == 0xFF and b == 0x7F)
    t = trace.copy()
    t[r, col(air, "f_add")] = 0
    t[r, col(air, "f_sub")] = 1
    assert_rejected(air, t, [r])


# ----------------------------------------------------------------------------------------
# Bitwise


@pytest.fixture(scope="module")
def bitwise():
    return _chip(BitwiseAir(), ["and", "or", "xor", "andi", "ori", "xori"], SMALL, IMMS)


def test_bitwise_honest_all_edge_cases():
    _chip(BitwiseAir(), ["and", "or", "xor", "andi", "ori", "xori"], EDGE, IMMS)


def test_bitwise_every_cell_pinned(bitwise):
    assert_every_cell_pinned(*bitwise)


def test_bitwise_wrong_result_limb(bitwise):
    air, rows, trace = bitwise
    for op in air.OPS:
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op)
        for k in range(4):
            c = col(air, "rd_val", k)
            assert_rejected(air, mutate(trace, r, c, int(trace[r, c]) ^ 0x10), [r])


def test_bitwise_flag_flipped_and_as_or(bitwise):
    air, rows, trace = bitwise
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "and" and a == 0xFF and b == 0x100)
    t = trace.copy()
    t[r, col(air, "f_and")] = 0
    t[r, col(air, "f_or")] = 1
    assert_rejected(air, t, [r])


def test_bitwise_immediate_operand_replaced(bitwise):
    """xori with the operand column claiming rs2 (=0) instead of the immediate, result
    consistent with that operand: rejected by the operand-selection constraint."""
    air, rows, trace = bitwise
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "xori" and i == M32 and a == 0x7F)
    t = trace.copy()
    for k in range(4):
        t[r, col(air, "c", k)] = 0
        t[r, col(air, "rd_val", k)] = (0x7F >> (8 * k)) & 0xFF
    f = assert_rejected(air, t, [r])
    assert all(x.startswith("c") for x in f[r])


# ----------------------------------------------------------------------------------------
# Lt


@pytest.fixture(scope="module")
def lt():
    return _chip(LtAir(), ["slt", "sltu", "slti", "sltiu"], SMALL + [0x12345679, 0x12355678],
                 IMMS)


def test_lt_honest_all_edge_cases():
    _chip(LtAir(), ["slt", "sltu", "slti", "sltiu"], EDGE, IMMS)


def test_lt_every_cell_pinned(lt):
    air, rows, trace = lt
    v = air.columns.view(trace)
    equal = v.e[:rows.n].sum(axis=1) == 0

    def free(name, k):
        # the inverse witness is unconstrained when the operands are equal (nothing is
        # marked); it does not enter the result
        return equal if name == "inv" else None

    assert_every_cell_pinned(air, rows, trace, free)


def test_lt_result_flipped(lt):
    air, rows, trace = lt
    for op in air.OPS:
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op)
        c = col(air, "rd_val", 0)
        assert_rejected(air, mutate(trace, r, c, 1 - int(trace[r, c])), [r])


def _lt_forge(air, trace, r, e, ltu, sa=None, sc=None, signed=False):
    """Row r with marker e, ltu, (sign bits) and the result/inverse made consistent."""
    t = trace.copy()
    v = air.columns.view(t)
    a = [int(x) for x in v.rs1_val[r]]
    c = [int(x) for x in v.c[r]]
    e = [int(x) for x in e]
    for k in range(4):
        v.e[r, k] = e[k]
    x = sum(e[k] * a[k] for k in range(4))
    y = sum(e[k] * c[k] for k in range(4))
    v.inv[r] = pow((x - y) % P, P - 2, P) if sum(e) else 0
    v.ltu[r] = ltu
    if sa is not None:
        v.sa[r], v.sc[r] = sa, sc
    res = ltu + (int(v.sa[r]) - int(v.sc[r]) if signed else 0)
    v.rd_val[r, 0] = res % P
    return t


def test_lt_marker_on_lower_limb_than_first_difference(lt):
    """sltu 0x12355678 < 0x12345679 differs first in limb 2 (0x35 > 0x34: false); marking
    limb 0 (0x78 < 0x79: true) would flip the result."""
    air, rows, trace = lt
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sltu" and a == 0x12355678
                 and b == 0x12345679)
    assert trace[r, col(air, "rd_val", 0)] == 0
    f = assert_rejected(air, _lt_forge(air, trace, r, [1, 0, 0, 0], 1), [r])
    assert "limb2_equal_above" in f[r]


def test_lt_marker_on_equal_limb(lt):
    """Marking an equal limb (x = y) to make the comparison 'false'."""
    air, rows, trace = lt
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sltu" and a == 0x12345678
                 and b == 0x12345679)
    assert trace[r, col(air, "rd_val", 0)] == 1
    f = assert_rejected(air, _lt_forge(air, trace, r, [0, 0, 0, 1], 0), [r])
    assert "marked_limbs_differ" in f[r]


def test_lt_no_marker_for_different_operands(lt):
    air, rows, trace = lt
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sltu" and a == 1 and b == 0xFF)
    f = assert_rejected(air, _lt_forge(air, trace, r, [0, 0, 0, 0], 0), [r])
    assert "limb0_equal_above" in f[r]


def test_lt_two_markers(lt):
    air, rows, trace = lt
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sltu" and a == 0x12345678
                 and b == 0xDEADBEEF)
    assert_rejected(air, _lt_forge(air, trace, r, [0, 0, 1, 1], 0), [r])


def test_lt_sign_bit_flipped(lt):
    """slt INT_MIN < 1 is true; claiming sa = 0 (and the result recomputed) is caught by
    the 7-bit range check of the top limb."""
    air, rows, trace = lt
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "slt" and a == INT_MIN and b == 1)
    assert trace[r, col(air, "rd_val", 0)] == 1
    t = _lt_forge(air, trace, r, list(trace[r, col(air, "e"):col(air, "e") + 4]),
                  int(trace[r, col(air, "ltu")]), sa=0, sc=0, signed=True)
    f = assert_rejected(air, t, [r])
    assert f[r] == ["bytes:sign_bits"]


def test_lt_ltu_flipped(lt):
    air, rows, trace = lt
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sltu" and a == 1 and b == 0xFF)
    e = list(trace[r, col(air, "e"):col(air, "e") + 4])
    f = assert_rejected(air, _lt_forge(air, trace, r, e, 0), [r])
    assert f[r] == ["bytes:ltu"]


# ----------------------------------------------------------------------------------------
# Shift

SHIFT_AMOUNTS = [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 0xFF, 0x100, 0x11F, M32,
                 INT_MIN]
SHIFT_VALUES = [0, 1, 0x80, INT_MIN, INT_MAX, M32, 0x12345678, 0xDEADBEEF, 0x80000001]


def _shift_program(values, amounts):
    words = []
    for op in ("sll", "srl", "sra"):
        for a in values:
            for s in amounts:
                words += li(5, a) + li(6, s) + [encode(op, rd=7, rs1=5, rs2=6)]
        words += li(8, 0x89ABCDE3) + [encode(op, rd=8, rs1=8, rs2=8), encode(op, rd=0, rs1=8, rs2=8)]
    for op in ("slli", "srli", "srai"):
        for a in values:
            for s in (0, 1, 7, 8, 15, 16, 23, 24, 31):
                words += li(5, a) + [encode(op, rd=7, rs1=5, imm=s)]
        words += [encode(op, rd=8, rs1=8, imm=5), encode(op, rd=0, rs1=8, imm=31)]
    return words


@pytest.fixture(scope="module")
def shift():
    air = ShiftAir()
    _, rows = run_words(_shift_program(SHIFT_VALUES, SHIFT_AMOUNTS))
    rows = chip_rows(air, rows)
    trace = assert_honest(air, rows)
    check_results(air, trace, rows)
    return air, rows, trace


def test_shift_every_cell_pinned(shift):
    assert_every_cell_pinned(*shift)


def test_shift_wrong_result_limb(shift):
    air, rows, trace = shift
    for op in air.OPS:
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0xDEADBEEF)
        for k in range(4):
            c = col(air, "rd_val", k)
            assert_rejected(air, mutate(trace, r, c, int(trace[r, c]) + 1), [r])


def _shift_forge(air, trace, r, amount, arith_fill=None):
    """Row r recomputed as if the shift amount were ``amount`` (all core columns and the
    result consistent), keeping the operand byte columns as they are."""
    t = trace.copy()
    v = air.columns.view(t)
    a = sum(int(v.rs1_val[r, k]) << (8 * k) for k in range(4))
    left = bool(v.f_sll[r] or v.f_slli[r])
    arith = bool(v.f_sra[r] or v.f_srai[r])
    bs, L = amount & 7, (amount >> 3) & 3
    mult = (1 << bs) if left else (256 >> bs)
    lo = [((a >> (8 * k)) & 0xFF) * mult & 0xFF for k in range(4)]
    hi = [((a >> (8 * k)) & 0xFF) * mult >> 8 for k in range(4)]
    sa = a >> 31
    fill = int(arith and sa) if arith_fill is None else arith_fill
    if left:
        u = [lo[k] + (hi[k - 1] if k else 0) for k in range(4)]
        res = [u[j - L] if j >= L else 0 for j in range(4)]
    else:
        lo4 = fill * (256 - (256 >> bs))
        u = [hi[k] + (lo[k + 1] if k < 3 else lo4) for k in range(4)]
        res = [u[j + L] if j + L < 4 else 255 * fill for j in range(4)]
    v.pow2[r] = 1 << (bs & 3)
    v.pow[r] = 1 << bs
    v.rpow[r] = 256 >> bs
    v.l3[r] = int(L == 3)
    for k in range(4):
        v.lo[r, k], v.hi[r, k], v.u[r, k], v.rd_val[r, k] = lo[k], hi[k], u[k], res[k]
    v.fill[r] = fill
    return t


def test_shift_forge_consistent_honest_recompute_is_accepted(shift):
    """Sanity of the forging helper: recomputing a row with its true amount changes nothing."""
    air, rows, trace = shift
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sra" and a == 0xDEADBEEF and b == 33)
    assert np.array_equal(_shift_forge(air, trace, r, 1), trace)


def test_shift_amount_uses_bit5(shift):
    """sll by 33: the amount is 33 mod 32 = 1.  A prover shifting by the full byte value
    (33 -> treated as 1 + 32, no-op beyond) or ignoring the low bits is caught: forging
    the row as a shift by 0 fails the bit decomposition/power constraints."""
    air, rows, trace = shift
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sll" and a == 0xDEADBEEF and b == 33)
    assert_rejected(air, _shift_forge(air, trace, r, 0), [r])
    # moving bit 0 into bit 5 (amount 32 + 32 = 64 -> 0): bits sum no longer equals c0
    t = _shift_forge(air, trace, r, 0)
    t[r, col(air, "bits", 0)] = 0
    t[r, col(air, "bits", 6)] = 1
    assert_rejected(air, t, [r])


def test_shift_sra_without_sign_fill(shift):
    """sra of a negative value computed as srl (fill = 0, all else consistent)."""
    air, rows, trace = shift
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "sra" and a == 0xDEADBEEF and b == 9)
    t = _shift_forge(air, trace, r, 9, arith_fill=0)
    f = assert_rejected(air, t, [r])
    assert f[r] == ["fill"]


def test_shift_srl_with_sign_fill(shift):
    air, rows, trace = shift
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "srl" and a == 0xDEADBEEF and b == 9)
    f = assert_rejected(air, _shift_forge(air, trace, r, 9, arith_fill=1), [r])
    assert f[r] == ["fill"]


def test_shift_lo_hi_non_byte_split(shift):
    """a_k * mult = lo + 256 hi with lo = true lo + 256, hi = true hi - 1."""
    air, rows, trace = shift
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "slli" and a == 0xDEADBEEF and i == 7)
    t = trace.copy()
    k = 1
    t[r, col(air, "lo", k)] += 256
    t[r, col(air, "hi", k)] -= 1
    f = assert_rejected(air, t, [r])
    assert "bytes:lohi1" in f[r]


def test_shift_power_not_a_power_of_two(shift):
    air, rows, trace = shift
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "srli" and a == 0xDEADBEEF and i == 7)
    t = trace.copy()
    t[r, col(air, "pow2")] = 3
    assert_rejected(air, t, [r])


# ----------------------------------------------------------------------------------------
# Mul

MUL_VALUES = [0, 1, 2, 0xFF, 0x100, 0xFFFF, 0x12345678, INT_MAX, INT_MIN, INT_MIN + 1, M32,
              M32 - 1, 0xDEADBEEF]


@pytest.fixture(scope="module")
def mul():
    return _chip(MulAir(), ["mul", "mulh", "mulhsu", "mulhu"], MUL_VALUES, [0])


def test_mul_every_cell_pinned(mul):
    assert_every_cell_pinned(*mul)


def test_mul_wrong_result_limb(mul):
    air, rows, trace = mul
    for op in air.OPS:
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0xDEADBEEF and b == M32)
        for k in range(4):
            c = col(air, "rd_val", k)
            assert_rejected(air, mutate(trace, r, c, int(trace[r, c]) ^ 4), [r])


def test_mul_product_limb_with_compensating_carry(mul):
    air, rows, trace = mul
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "mulhu" and a == M32 and b == M32)
    t = trace.copy()
    k = 5
    t[r, col(air, "prod", k)] += 256
    t[r, col(air, "carry", k)] -= 1
    t[r, col(air, "rd_val", 1)] += 256
    f = assert_rejected(air, t, [r])
    assert "bytes:prod45" in f[r]


def test_mul_carry_wraps_field(mul):
    """carry_k = -1 (p - 1) with prod_k + 256 compensating is caught by the U16 check."""
    air, rows, trace = mul
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "mul" and a == 2 and b == 1)
    t = trace.copy()
    t[r, col(air, "carry", 0)] = P - 1
    t[r, col(air, "prod", 0)] = 2 + 256
    t[r, col(air, "rd_val", 0)] = 2 + 256
    f = assert_rejected(air, t, [r])
    assert "bytes:carry0" in f[r]


def _mul_forge(air, trace, rows, r, ea, eb):
    from zkvm.chips.alu_mul import conv_carries, extended_limbs
    t = trace.copy()
    v = air.columns.view(t)
    A = extended_limbs(rows.rs1_val[r:r + 1], np.array([ea]))
    B = extended_limbs(rows.rs2_val[r:r + 1], np.array([eb]))
    prod, carry = conv_carries(A, B)
    v.ea[r], v.eb[r] = ea, eb
    v.prod[r] = prod[0]
    v.carry[r] = carry[0]
    low = bool(v.f_mul[r])
    v.rd_val[r] = prod[0, :4] if low else prod[0, 4:]
    return t


def test_mul_mulh_treated_as_unsigned(mul):
    air, rows, trace = mul
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "mulh" and a == M32 and b == INT_MIN)
    t = _mul_forge(air, trace, rows, r, 0, 0)
    assert not np.array_equal(t[r, col(air, "rd_val"):col(air, "rd_val") + 4],
                              trace[r, col(air, "rd_val"):col(air, "rd_val") + 4])
    f = assert_rejected(air, t, [r])
    assert sorted(f[r]) == ["ea", "eb"]


def test_mul_mulhu_treated_as_signed(mul):
    air, rows, trace = mul
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "mulhu" and a == M32 and b == INT_MIN)
    f = assert_rejected(air, _mul_forge(air, trace, rows, r, 1, 1), [r])
    assert sorted(f[r]) == ["ea", "eb"]


def test_mul_sign_bit_flipped(mul):
    air, rows, trace = mul
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "mulhsu" and a == M32 and b == 2)
    t = _mul_forge(air, trace, rows, r, 0, 0)
    t[r, col(air, "sa")] = 0
    f = assert_rejected(air, t, [r])
    assert f[r] == ["bytes:sign_bits"]


# ----------------------------------------------------------------------------------------
# DivRem

DIV_VALUES = [0, 1, 2, 3, 7, 0xFF, 0x12345678, INT_MAX, INT_MIN, INT_MIN + 1, M32, M32 - 1,
              0xFFFFFFF9, 0xDEADBEEF]


@pytest.fixture(scope="module")
def divrem():
    return _chip(DivRemAir(), ["div", "divu", "rem", "remu"], DIV_VALUES, [0])


def test_divrem_every_cell_pinned(divrem):
    air, rows, trace = divrem
    v = air.columns.view(trace)
    n = rows.n
    zf = v.zf[:n] == 1
    ovf = v.ovf[:n] == 1

    def free(name, k):
        if name == "cb":
            return v.nb[:n] == 0  # negation carries unused when the divisor is not negated
        if name == "cr":
            return v.na[:n] == 0
        if name in ("d", "cd"):
            return zf  # the |r| < |b| chain is off when dividing by zero
        if name == "carry" and k >= 4:
            return ovf  # the high half of the identity is off on signed overflow
        return None

    assert_every_cell_pinned(air, rows, trace, free)


def test_divrem_wrong_result_limb(divrem):
    air, rows, trace = divrem
    for op in air.OPS:
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0xDEADBEEF and b == 7)
        for k in range(4):
            c = col(air, "rd_val", k)
            assert_rejected(air, mutate(trace, r, c, int(trace[r, c]) ^ 1), [r])


def _div_forge(air, trace, rows, r, q, rem, zf=None, ovf=None):
    t = trace.copy()
    v = air.columns.view(t)
    sub = rows.select(np.array([r]))
    vv = air.columns.view(t[r:r + 1])
    zf = int(v.zf[r]) if zf is None else zf
    ovf = int(v.ovf[r]) if ovf is None else ovf
    divrem_fill_core(vv, sub, np.array([q]), np.array([rem]), np.array([zf]), np.array([ovf]))
    return t


def test_divrem_forge_helper_reproduces_honest_row(divrem):
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "rem" and a == 0xFFFFFFF9 and b == 2)
    v = air.columns.view(trace)
    q = sum(int(v.q[r, k]) << (8 * k) for k in range(4))
    rem = sum(int(v.r[r, k]) << (8 * k) for k in range(4))
    assert (q, rem) == (M32 - 2, M32)  # -7 / 2 = -3 rem -1
    assert np.array_equal(_div_forge(air, trace, rows, r, q, rem), trace)


def test_divrem_remainder_equal_to_dividend_when_divisor_nonzero(divrem):
    """q = 0, r = a for |a| >= |b| > 0 (b*q + r = a holds): rejected by |r| < |b|."""
    air, rows, trace = divrem
    for op in ("divu", "remu", "div", "rem"):
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0x12345678 and b == 7)
        f = assert_rejected(air, _div_forge(air, trace, rows, r, 0, 0x12345678), [r])
        assert any(x.startswith("rem_lt") or x.startswith("bytes:d") for x in f[r]), f[r]


def test_divrem_remainder_equal_to_divisor(divrem):
    """a = 14, b = 7: q = 1, r = 7 satisfies b*q + r = a but r = |b|."""
    air, rows, trace = divrem
    for op in ("divu", "div"):
        _, rr = run_words(li(5, 14) + li(6, 7) + [encode(op, rd=7, rs1=5, rs2=6)])
        rr = chip_rows(air, rr)
        t = air.generate_trace(rr)
        assert not problems(air, t)
        f = assert_rejected(air, _div_forge(air, t, rr, 0, 1, 7), [0])
        assert any(x.startswith("rem_lt") or x.startswith("bytes:d") for x in f[0]), f[0]


def test_divrem_signed_remainder_with_wrong_sign(divrem):
    """-7 / 2: the floor-division answer q = -4, r = 1 also satisfies b*q + r = a."""
    air, rows, trace = divrem
    for op in ("div", "rem"):
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0xFFFFFFF9 and b == 2)
        f = assert_rejected(air, _div_forge(air, trace, rows, r, (-4) & M32, 1), [r])
        assert f[r]


def test_divrem_signed_negative_remainder_for_positive_dividend(divrem):
    """7 / -2 = -3 rem 1; forging q = -4, r = -1."""
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "div" and a == 7 and b == M32 - 1)
    assert_rejected(air, _div_forge(air, trace, rows, r, 4 & M32, (-1) & M32), [r])


def test_divrem_quotient_aliased_mod_2_32(divrem):
    """divu 2 / 2: q' = 1 + 2^31 gives b*q' + r = 2 + 2^32 = a mod 2^32.  The 64-bit
    identity rejects it (a 32-bit-only identity would not)."""
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "divu" and a == 2 and b == 2)
    f = assert_rejected(air, _div_forge(air, trace, rows, r, 1 + (1 << 31), 0), [r])
    assert any(x.startswith("identity") for x in f[r]) and all(
        not x.startswith("identity") or int(x[-1]) >= 4 for x in f[r]), f[r]


def test_divrem_zero_flag_on_nonzero_divisor(divrem):
    """zf = 1 for b = 7: q = all ones, r = a (identity fails anyway, and zf_b catches it)."""
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "divu" and a == 0x12345678 and b == 7)
    f = assert_rejected(air, _div_forge(air, trace, rows, r, M32, 0x12345678, zf=1), [r])
    assert "zf_b0" in f[r]


def test_divrem_divide_by_zero_without_flag(divrem):
    """b = 0 with zf = 0 and any (q, r = a): the |r| < |b| chain cannot hold."""
    air, rows, trace = divrem
    for op in air.OPS:
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0x12345678 and b == 0)
        for q in (M32, 0, 5):
            f = assert_rejected(air, _div_forge(air, trace, rows, r, q, 0x12345678, zf=0), [r])
            assert f[r]


def test_divrem_divide_by_zero_wrong_quotient(divrem):
    air, rows, trace = divrem
    for op in ("div", "divu"):
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == 0x12345678 and b == 0)
        f = assert_rejected(air, _div_forge(air, trace, rows, r, 0, 0x12345678), [r])
        assert "zf_q0" in f[r]


def test_divrem_divide_by_zero_wrong_remainder(divrem):
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "remu" and a == 0x12345678 and b == 0)
    f = assert_rejected(air, _div_forge(air, trace, rows, r, M32, 0), [r])
    assert any(x.startswith("identity") for x in f[r])


def test_divrem_overflow_flag_on_normal_row(divrem):
    """ovf = 1 switches off the high half of the identity: on an ordinary row it would
    allow the mod-2^32 aliased quotient.  Rejected by the ovf input pins."""
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "divu" and a == 2 and b == 2)
    f = assert_rejected(air, _div_forge(air, trace, rows, r, 1 + (1 << 31), 0, ovf=1), [r])
    assert "ovf_signed" in f[r]
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "div" and a == 2 and b == 2)
    f = assert_rejected(air, _div_forge(air, trace, rows, r, 1 + (1 << 31), 0, ovf=1), [r])
    assert "ovf_a3" in f[r] and "ovf_b0" in f[r]


def test_divrem_overflow_without_flag(divrem):
    """INT_MIN / -1 with ovf = 0: no quotient satisfies the 64-bit identity."""
    air, rows, trace = divrem
    for op in ("div", "rem"):
        r = find_row(air, rows, lambda o, a, b, i, rd: o == op and a == INT_MIN and b == M32)
        assert trace[r, col(air, "ovf")] == 1
        f = assert_rejected(air, _div_forge(air, trace, rows, r, INT_MIN, 0, ovf=0), [r])
        assert any(x.startswith("identity") for x in f[r])


def test_divrem_overflow_wrong_outputs(divrem):
    air, rows, trace = divrem
    r = find_row(air, rows, lambda o, a, b, i, rd: o == "div" and a == INT_MIN and b == M32)
    for q, rem in ((INT_MAX, 0), (INT_MIN, 1), (0, INT_MIN), (INT_MIN + 1, M32)):
        assert_rejected(air, _div_forge(air, trace, rows, r, q, rem), [r])

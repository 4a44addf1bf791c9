"""The mutation machinery itself (tests.support.mutation) on a toy system.

The toy table has columns ``a, b, c, d`` and a 16-row preprocessed range table:

* ``a_bool``, ``b_bool``: a, b ∈ {0, 1};
* ``c_sum``: c = a + b;
* ``c_range``: c (c − 1) (c − 2) = 0 -- **deliberately redundant**: implied by the three
  above (c = a + b with boolean a, b is 0, 1 or 2);
* interaction ``d_range``: d is looked up in the range table (d < 16), nothing else
  constrains d.

The search must show every constraint and the lookup load-bearing except ``c_range``.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkvm.field.babybear import P
from tests.support import mutation as mu
from zkvm.stark.air import Air, AirDefinitionError, Bus, Columns
from zkvm.stark.checker import check_traces
from zkvm.stark.params import StarkParams
from zkvm.stark.system import StarkSystem

RANGE = Bus(id=7, name="range16", width=1)


class ToyRangeAir(Air):
    name = "range16"
    preprocessed = Columns("v")
    columns = Columns("m")

    def generate_preprocessed(self):
        return np.arange(16, dtype=np.uint32).reshape(16, 1)

    def eval(self, b):
        b.receive(RANGE, [b.preprocessed_local.v], multiplicity=b.local.m, name="range",
                  max_multiplicity=None)


class ToyAir(Air):
    name = "toy"
    columns = Columns("a", "b", "c", "d")

    def eval(self, b):
        loc = b.local
        b.assert_bool(loc.a, "a_bool")
        b.assert_bool(loc.b, "b_bool")
        b.assert_eq(loc.c, loc.a + loc.b, "c_sum")
        b.assert_zero(loc.c * (loc.c - 1) * (loc.c - 2), "c_range")  # redundant
        b.send(RANGE, [loc.d], multiplicity=1, name="d_range")


def toy_workspace(seed=0):
    rng = np.random.default_rng(seed)
    n = 8
    t = ToyAir.columns.new_trace(n)
    v = ToyAir.columns.view(t)
    v.a[:] = rng.integers(0, 2, n)
    v.b[:] = rng.integers(0, 2, n)
    v.c[:] = v.a + v.b
    v.d[:] = rng.integers(0, 16, n)
    r = ToyRangeAir.columns.new_trace(16)
    r[:, 0] = np.bincount(v.d, minlength=16)
    system = StarkSystem([ToyAir(), ToyRangeAir()], StarkParams.testing())
    return mu.Workspace(system, [t, r], [], label="toy")


def test_names():
    ws = toy_workspace()
    assert mu.constraint_names(ws.system)["toy"] == ["a_bool", "b_bool", "c_sum", "c_range"]
    assert mu.interaction_names(ws.system) == {"toy": ["d_range"], "range16": ["range"]}


def test_exactly_the_redundant_constraint_is_not_load_bearing():
    ws = toy_workspace()
    shown = {}
    for name in ["a_bool", "b_bool", "c_sum", "c_range"]:
        shown[name] = mu.search_attack(ws, mu.Target("toy", name), max_seeds=400).found
    shown["d_range"] = mu.search_attack(ws, mu.Target("toy", "d_range", "interaction"),
                                        max_seeds=400).found
    assert shown == {"a_bool": True, "b_bool": True, "c_sum": True, "c_range": False,
                     "d_range": True}


@pytest.mark.parametrize("target", [mu.Target("toy", "a_bool"), mu.Target("toy", "c_sum"),
                                    mu.Target("toy", "d_range", "interaction")])
def test_found_attacks_are_accepted_by_the_mutant_and_rejected_by_the_full_system(target):
    """With every constraint on, each attack the search produced is rejected."""
    ws = toy_workspace()
    r = mu.search_attack(ws, target, keep_traces=True, max_seeds=400)
    assert r.found and r.changed
    weak = mu.mutant(ws.system, [target.full_name])
    assert check_traces(weak, r.traces, ws.pv, public_data=ws.public_data).ok
    rep = check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data)
    assert not rep.ok
    if target.kind == "constraint":
        assert {f.constraint for f in rep.constraint_failures} == {target.name}
    else:
        assert {b.bus for b in rep.bus_imbalances} == {"range16"}


def test_mutant_interaction_changes_vk_and_unknown_names_raise():
    ws = toy_workspace()
    weak = mu.mutant(ws.system, ["toy.d_range"])
    assert [it.name for it in weak.tables[0].compiled.interactions] == []
    # the original AIR object is untouched
    assert [it.name for it in ws.system.tables[0].compiled.interactions] == ["d_range"]
    assert weak._digest_body != ws.system._digest_body
    both = mu.mutant(ws.system, ["toy.d_range", "toy.c_sum"])
    assert both.disabled == {"toy.c_sum"}
    with pytest.raises(AirDefinitionError):
        mu.mutant(ws.system, ["toy.nope"])


def test_workspace_rejects_dishonest_traces():
    ws = toy_workspace()
    bad = [t.copy() for t in ws.traces]
    bad[0][0, 2] += 1
    with pytest.raises(ValueError, match="honest traces are rejected"):
        mu.Workspace(ws.system, bad, [])


def test_complete_recomputes_lookup_counts():
    ws = toy_workspace()
    tr = [t.copy() for t in ws.traces]
    tr[0][:, 3] = 5
    done = ws.complete(ws.system, tr)
    assert done[1][5, 0] == 8 and done[1][:, 0].sum() == 8
    assert check_traces(ws.system, done, []).ok
    tr[0][0, 3] = 16  # not a row of the table: left unmatched
    assert not check_traces(ws.system, ws.complete(ws.system, tr), []).ok


@pytest.mark.parametrize("roots", [[5], [0, 7], [3, P - 1], [1, 2, 3], [11, 12, 2**20]])
def test_poly_roots(roots):
    f = [1]
    for r in roots:
        f = mu._pmul(f, [(-r) % P, 1])
    f = [c * 3 % P for c in f]
    assert mu.poly_roots(f, random.Random(0)) == sorted(roots)


def test_poly_roots_no_roots_and_constants():
    assert mu.poly_roots([1, 0, 1]) in ([], sorted(mu.poly_roots([1, 0, 1])))  # x^2 + 1
    # x^2 - 11 has no root iff 11 is a non-residue (it is: X^4 - 11 is irreducible)
    assert mu.poly_roots([(-11) % P, 0, 1]) == []
    assert mu.poly_roots([4]) == [] and mu.poly_roots([]) == []


def test_row_function_matches_numpy_evaluation():
    ws = toy_workspace()
    t = ws.traces[0]
    tix = ws.ix["toy"]
    for r in range(t.shape[0]):
        got = tix.cons_fn(*ws.row_args(0, t, r))
        want = [int(v[0]) for v in ws.eval_rows(0, t, [r], [c.expr for c in tix.cons])]
        assert got == want


# ---------------------------------------------------------------------------------
# the limb-carry seed (issue #10, checklist item 4: non-canonical limbs)
#
# Toy system: a table of 16-bit words split into two byte limbs ``limb[0], limb[1]``.
# The word ``limb0 + 256·limb1`` is sent on a permutation bus to a fixed (preprocessed)
# table of words, and each limb is range-checked (``lo_u8``, ``hi_u8``).  The table has
# no constraint, so nothing links the limbs except the bus message.  Without ``lo_u8`` the
# only accepted attack changes both limbs at once, ``(limb0 + 256·s, limb1 − s)``: any
# single-cell change alters the word, and a preprocessed receiver cannot be re-matched.

U8 = Bus(id=8, name="u8", width=1)
WORD = Bus(id=9, name="word", width=1)


class ToyU8Air(Air):
    name = "u8"
    preprocessed = Columns("v")
    columns = Columns("m")

    def generate_preprocessed(self):
        return np.arange(256, dtype=np.uint32).reshape(256, 1)

    def eval(self, b):
        b.receive(U8, [b.preprocessed_local.v], multiplicity=b.local.m, name="u8",
                  max_multiplicity=None)


TOY_WORDS = [0x1234, 0x0567, 0x2A01, 0x7F7F, 0x0180, 0x33C5, 0x0102, 0x4455]


class ToyWordsAir(Air):
    name = "words"
    preprocessed = Columns("w")
    columns = Columns("dummy")

    def generate_preprocessed(self):
        return np.array(TOY_WORDS, dtype=np.uint32).reshape(-1, 1)

    def eval(self, b):
        b.receive(WORD, [b.preprocessed_local.w], multiplicity=1, name="word")


class ToyLimbsAir(Air):
    name = "limbs"
    columns = Columns(("limb", 2))

    def eval(self, b):
        lo, hi = b.local.limb
        b.send(WORD, [lo + 256 * hi], multiplicity=1, name="word")
        b.send(U8, [lo], multiplicity=1, name="lo_u8")
        b.send(U8, [hi], multiplicity=1, name="hi_u8")


def limbs_workspace():
    w = np.array(TOY_WORDS, dtype=np.uint32)
    t = ToyLimbsAir.columns.new_trace(len(w))
    ToyLimbsAir.columns.view(t).limb[:] = np.stack([w & 0xFF, w >> 8], axis=1)
    u8 = ToyU8Air.columns.new_trace(256)
    u8[:, 0] = np.bincount(t.reshape(-1), minlength=256)
    words = ToyWordsAir.columns.new_trace(len(w))
    system = StarkSystem([ToyLimbsAir(), ToyWordsAir(), ToyU8Air()], StarkParams.testing())
    return mu.Workspace(system, [t, words, u8], [], label="limbs")


LO_U8 = mu.Target("limbs", "lo_u8", "interaction")


def test_limb_carry_seed_finds_the_non_canonical_limb():
    ws = limbs_workspace()
    r = mu.search_attack(ws, LO_U8, keep_traces=True, max_seeds=400)
    assert r.found and "limb-carry" in r.how
    (_, row, c0, old0, new0), (_, row1, c1, old1, new1) = r.changed
    assert (c0, c1) == ("limb[0]", "limb[1]") and row == row1
    # the same word, the low limb no longer a byte
    assert (new0 + 256 * new1) % P == old0 + 256 * old1 and new0 >= 256
    weak = mu.mutant(ws.system, [LO_U8.full_name])
    assert check_traces(weak, r.traces, ws.pv, public_data=ws.public_data).ok
    rep = check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data)
    assert {b.bus for b in rep.bus_imbalances} == {"u8"}


def test_without_the_limb_carry_phase_the_search_finds_nothing(monkeypatch):
    """The attack is out of reach of the single-cell phases (the test above fails
    without the new phase)."""
    ws = limbs_workspace()
    monkeypatch.setattr(mu._Search, "PHASES",
                        tuple(p for p in mu._Search.PHASES if p != "limb-carry"))
    assert not mu.search_attack(ws, LO_U8, max_seeds=400).found


def test_limb_carry_partners_from_a_linear_constraint():
    """``c = lo + 256·hi`` (``c`` a plain column, not an array neighbour of ``lo``): the
    constraint's coefficients in ratio 256 make ``hi`` a partner of ``lo``."""

    class Lin(Air):
        name = "lin"
        columns = Columns("lo", "c", "hi")

        def eval(self, b):
            loc = b.local
            b.assert_eq(loc.c, loc.lo + 256 * loc.hi, "compose")
            b.send(U8, [loc.lo], multiplicity=1, name="lo_u8")

    t = Lin.columns.new_trace(8)
    v = Lin.columns.view(t)
    v.lo[:], v.hi[:] = 7, 3
    v.c[:] = 7 + 256 * 3
    u8 = ToyU8Air.columns.new_trace(256)
    u8[7, 0] = 8
    ws = mu.Workspace(StarkSystem([Lin(), ToyU8Air()], StarkParams.testing()), [t, u8], [])
    s = mu._Search(ws, mu.Target("lin", "lo_u8", "interaction"), None, random.Random(0),
                   float("inf"))
    moves = {(p[1], dx, dy) for (R, p, dx, dy, _k) in s._limb_partners((0, 0), True)
             if R == 256}
    assert moves == {(2, 256, -1), (2, -256, 1)}  # hi is column 2: (lo ± 256, hi ∓ 1)


def test_max_seeds_is_deterministic_and_validated():
    ws = toy_workspace()
    tg = mu.Target("toy", "c_range")  # redundant: the search exhausts its seeds
    a = mu.search_attack(ws, tg, max_seeds=30, budget_s=0.0)
    b = mu.search_attack(ws, tg, max_seeds=30, budget_s=0.0)
    assert not a.found and a.tries == b.tries > 0  # budget_s ignored, same work twice
    assert mu.search_attack(ws, mu.Target("toy", "a_bool"), max_seeds=30, budget_s=0.0).found
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_seeds"):
            mu.search_attack(ws, tg, max_seeds=bad)


def test_empty_table_is_inert_and_has_no_attack():
    ws = toy_workspace()
    empty = [t.copy() for t in ws.traces]
    empty[0] = empty[0][:0]
    ws.traces = empty
    assert ws.row_inert("toy", ws.traces, 0)
    assert not mu.search_attack(ws, mu.Target("toy", "a_bool"), budget_s=1).found


def test_limb_carry_finds_mul_prod01_on_the_shift_mul_program():
    """A real target of docs/soundness.md §2.2 group 4: ``mul.prod01`` (``U8PAIR(prod0,
    prod1)``).  On a mulh-family row, ``(prod0 + 256, carry0 − 1)`` keeps ``conv0``; the
    repair then moves ``prod1`` by −1 to keep ``conv1``."""
    cc = pytest.importorskip("tests.support.constraint_coverage")
    ws = cc.build_workspace("shift_mul")[1]
    tg = mu.Target("mul", "prod01", "interaction")
    mul = ws.traces[ws.tindex["mul"]]
    v = ws.system.tables[ws.tindex["mul"]].air.columns.view(mul)
    # real rows whose low product word is not written (mulh*) and has a carry to borrow
    rows = [int(r) for r in np.flatnonzero((v.is_real == 1) & (v.f_mul == 0)
                                           & (v.carry[:, 0] >= 1))]
    assert rows
    r = mu.search_attack(ws, tg, rows=rows[:2], max_seeds=100, keep_traces=True)
    assert r.found and not r.inert_only and "limb-carry" in r.how
    weak = mu.mutant(ws.system, [tg.full_name])
    assert check_traces(weak, r.traces, ws.pv, public_data=ws.public_data).ok
    rep = check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data)
    assert not rep.ok and not rep.constraint_failures


U16 = Bus(id=10, name="u16", width=1)


class ToyU16Air(Air):
    name = "u16"
    preprocessed = Columns("v")
    columns = Columns("m")

    def generate_preprocessed(self):
        return np.arange(1 << 16, dtype=np.uint32).reshape(-1, 1)

    def eval(self, b):
        b.receive(U16, [b.preprocessed_local.v], multiplicity=b.local.m, name="u16",
                  max_multiplicity=None)


class ToyCarryAir(Air):
    """Two limb equations of a sum: ``lo + 256·c = x0`` and ``c + y1 = hi + 256·c2``
    (``x0, y1`` fixed), bytes ``lo, hi``, 16-bit carries ``c`` (``c_u16``, the target)
    and ``c2``."""

    name = "carry"
    preprocessed = Columns("x0", "y1")
    columns = Columns("lo", "c", "hi", "c2")

    def generate_preprocessed(self):
        return np.array([[0x1234 + 77 * i, 5 + i] for i in range(8)], dtype=np.uint32)

    def eval(self, b):
        loc, pre = b.local, b.preprocessed_local
        b.assert_eq(loc.lo + 256 * loc.c, pre.x0, "limb0")
        b.assert_eq(loc.c + pre.y1, loc.hi + 256 * loc.c2, "limb1")
        b.send(U8, [loc.lo], multiplicity=1, name="lo_u8")
        b.send(U8, [loc.hi], multiplicity=1, name="hi_u8")
        b.send(U16, [loc.c], multiplicity=1, name="c_u16")
        b.send(U16, [loc.c2], multiplicity=1, name="c2_u16")


def carry_workspace():
    air = ToyCarryAir()
    pre = air.generate_preprocessed().astype(np.int64)
    t = ToyCarryAir.columns.new_trace(8)
    v = ToyCarryAir.columns.view(t)
    v.lo[:], v.c[:] = pre[:, 0] % 256, pre[:, 0] // 256
    s1 = v.c.astype(np.int64) + pre[:, 1]
    v.hi[:], v.c2[:] = s1 % 256, s1 // 256
    u8 = ToyU8Air.columns.new_trace(256)
    u8[:, 0] = np.bincount(np.concatenate([v.lo, v.hi]), minlength=256)
    u16 = ToyU16Air.columns.new_trace(1 << 16)
    u16[:, 0] = np.bincount(np.concatenate([v.c, v.c2]), minlength=1 << 16)
    system = StarkSystem([air, ToyU8Air(), ToyU16Air()], StarkParams.testing())
    return mu.Workspace(system, [t, u8, u16], [], label="carry")


def test_field_carry_seed_alone_finds_the_unchecked_carry(monkeypatch):
    """Without ``c_u16``: ``lo + 1`` with ``c − 256^{−1} = c + 7864320`` keeps ``limb0``
    over F_p; the repair moves ``c2`` by 30720 (``7864320 = 256·30720``), a 16-bit value
    still, so every other lookup holds.  The limb-carry phase alone (a few seeds on one
    row: the radix-256 moves come first) finds it: the field-carry move is
    ``(c + 7864320, lo + 1)``."""
    ws = carry_workspace()
    tg = mu.Target("carry", "c_u16", "interaction")
    s = mu._Search(ws, tg, None, random.Random(0), float("inf"))
    inv256 = pow(256, P - 2, P)
    assert (0, (0, 0), (-inv256) % P, 1, 3) in s._limb_partners((0, 1), True)
    monkeypatch.setattr(mu._Search, "PHASES", ("limb-carry",))
    r = mu.search_attack(ws, tg, rows=[3], max_seeds=20, keep_traces=True)
    assert r.found and "limb-carry" in r.how
    got = {(c, o, n) for (_t, _r, c, o, n) in r.changed}
    row = r.changed[0][1]
    c_old = next(o for (_t, _r, c, o, _n) in r.changed if c == "c")
    assert ("c", c_old, (c_old - inv256) % P) in got and any(c == "c2" for c, _o, _n in got)
    assert all(rr == row for (_t, rr, *_x) in r.changed)
    rep = check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data)
    assert {b.bus for b in rep.bus_imbalances} == {"u16"} and not rep.constraint_failures


def test_limb_carry_phase_yields_to_later_phases_after_its_share():
    """Under ``max_seeds`` the limb-carry phase takes at most ``LIMB_SHARE`` of the seeds
    left when it starts; the pool values run next and its remaining seeds come last."""
    ws = limbs_workspace()
    s = mu._Search(ws, LO_U8, None, random.Random(0), float("inf"), max_seeds=60)
    kinds = []
    for desc, _t, _ch in s.seeds(list(range(8))):
        s.seeds_used += 1
        kinds.append(desc.split()[0])
    runs = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert runs == ["set", "swap", "limb-carry", "set", "limb-carry"]
    start = kinds.index("limb-carry")
    early = kinds[start:].index("set")
    assert early == int(mu._Search.LIMB_SHARE * (60 - start))


def test_limb_carry_skips_seeds_that_put_a_frozen_cell_out_of_a_lookup_range():
    """A seed's cells are never changed again by the repair, so ``lo + 256`` (``lo_u8``
    still on) can never lead to an attack: such seeds are skipped, ``lo + 1`` is not."""
    ws = carry_workspace()
    assert ws.slot_max(U8.id, ()) == [255] and ws.slot_max(U16.id, ()) == [65535]
    s = mu._Search(ws, mu.Target("carry", "c_u16", "interaction"), None, random.Random(0),
                   float("inf"))
    base = ws.traces[0]
    bad, ok, target_only = base.copy(), base.copy(), base.copy()
    bad[3, 0] += 256      # lo: no longer a byte
    ok[3, 0] += 1
    target_only[3, 1] += 1 << 16   # c: only the switched-off target reads it
    assert s._dead_lookup(bad, [(3, 0)])
    assert not s._dead_lookup(ok, [(3, 0)])
    assert not s._dead_lookup(target_only, [(3, 1)])
    lo_values = [new for _d, _t, ch in s._limb_carry_seeds([3])
                 for (cell, (_old, new)) in ch.items() if cell == (3, 0)]
    assert lo_values and max(lo_values) <= 255

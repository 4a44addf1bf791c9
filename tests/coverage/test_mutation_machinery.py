"""The mutation machinery itself (zkvm.stark.mutation) on a toy system.

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
from zkvm.stark import mutation as mu
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
        shown[name] = mu.search_attack(ws, mu.Target("toy", name), budget_s=3).found
    shown["d_range"] = mu.search_attack(ws, mu.Target("toy", "d_range", "interaction"),
                                        budget_s=3).found
    assert shown == {"a_bool": True, "b_bool": True, "c_sum": True, "c_range": False,
                     "d_range": True}


@pytest.mark.parametrize("target", [mu.Target("toy", "a_bool"), mu.Target("toy", "c_sum"),
                                    mu.Target("toy", "d_range", "interaction")])
def test_found_attacks_are_accepted_by_the_mutant_and_rejected_by_the_full_system(target):
    """With every constraint on, each attack the search produced is rejected."""
    ws = toy_workspace()
    r = mu.search_attack(ws, target, budget_s=3, keep_traces=True)
    assert r.found and r.changed
    weak = mu.mutant(ws.system, [target.full_name])
    assert check_traces(weak, r.traces, ws.pv).ok
    rep = check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv)
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

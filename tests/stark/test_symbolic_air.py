"""Symbolic expressions, column layouts and AIR compilation checks."""

import numpy as np
import pytest

from tests.support.stark_airs import FibAir, PAIR_BUS, SenderAir
from zkvm.field.babybear import P
from zkvm.stark import symbolic as sym
from zkvm.stark.air import Air, AirDefinitionError, Bus, Col, Columns
from zkvm.stark.params import StarkParams
from zkvm.stark.system import StarkSystem


def test_hash_consing_and_folding():
    a, b = sym.var("main", 0), sym.var("main", 1)
    assert (a * b + 1) is (a * b + 1)
    assert (a + 0) is a and (a * 1) is a and (0 * a).value == 0
    assert (sym.const(3) * 4).value == 12 and sym.const(-1).value == P - 1
    assert (a - a).value == 0


def test_degrees():
    a, b = sym.var("main", 0), sym.var("main_next", 1)
    p = sym.var("public", 0)
    assert (a * b * p).degree == 2
    assert (sym.var("is_first_row", 0) * a * a).degree == 3
    assert (a * a + b).degree == 2
    assert sym.var("challenge", 0).is_ext and not (a * p).is_ext


def test_encode_is_structural():
    a, b = sym.var("main", 0), sym.var("main", 1)
    e1 = sym.encode([a * b + 3])
    e2 = sym.encode([sym.var("main", 0) * sym.var("main", 1) + 3])
    assert e1 == e2
    assert sym.encode([b * a + 3]) != e1  # operand order is part of the encoding
    assert sym.encode([a * b + 4]) != e1


def test_expr_has_no_truth_value():
    with pytest.raises(TypeError):
        bool(sym.var("main", 0))


def test_columns_layout_and_view():
    cols = Columns("a", ("limbs", 4), ("b", "doc of b"), Col("c", 2, doc="pair"))
    assert cols.width == 8
    assert cols.index("b") == 5 and cols.slice("limbs") == slice(1, 5)
    assert cols.slice("c") == slice(6, 8) and cols.doc("b") == "doc of b"
    assert cols.column_name(3) == "limbs[2]"
    t = cols.new_trace(4)
    v = cols.view(t)
    v.limbs[:, 2] = 7
    v.a[:] = 1
    assert t[0, 3] == 7 and t[2, 0] == 1
    with pytest.raises(AirDefinitionError):
        Columns("a", "a")


def test_builder_row_access():
    compiled = FibAir().compile()
    names = [c.name for c in compiled.constraints]
    assert names == ["first_a", "first_b", "a_next", "b_next", "last_b"]
    assert all(c.degree == 2 for c in compiled.constraints)


class _TooHigh(Air):
    name = "too_high"
    columns = Columns("x")
    max_degree = 3

    def eval(self, b):
        x = b.local.x
        b.assert_zero(x * x * x * x, "quartic")


class _Dup(Air):
    name = "dup"
    columns = Columns("x")

    def eval(self, b):
        b.assert_bool(b.local.x, "same")
        b.assert_zero(b.local.x, "same")


class _BadWidth(Air):
    name = "bad_width"
    columns = Columns("x")

    def eval(self, b):
        b.send(PAIR_BUS, [b.local.x], name="short")


def test_degree_check_names_constraint():
    with pytest.raises(AirDefinitionError, match="too_high.quartic"):
        StarkSystem([_TooHigh()], StarkParams.testing())


def test_duplicate_names_and_bus_width():
    with pytest.raises(AirDefinitionError, match="duplicate"):
        _Dup().compile()
    with pytest.raises(AirDefinitionError, match="width"):
        _BadWidth().compile()


def test_bus_id_conflict():
    other = Bus(id=PAIR_BUS.id, name="other", width=2)

    class _Other(Air):
        name = "other"
        columns = Columns("x", "y")

        def eval(self, b):
            b.send(other, [b.local.x, b.local.y], name="o")

    with pytest.raises(AirDefinitionError, match="bus id"):
        StarkSystem([SenderAir(), _Other()], StarkParams.testing())


def test_logup_grouping_respects_degree():
    class _Many(Air):
        name = "many"
        columns = Columns(("v", 5))
        max_degree = 3

        def eval(self, b):
            for i, v in enumerate(b.local.v):
                b.send(Bus(id=40, name="b40", width=1), [v], name=f"s{i}")

    s = StarkSystem([_Many()], StarkParams.testing())
    t = s.tables[0]
    assert t.layout.groups == [[0, 1], [2, 3], [4]]
    assert all(c.degree <= 3 for c in t.logup_constraints)


def test_mutant_requires_known_names_and_changes_vk():
    s = StarkSystem([FibAir()], StarkParams.testing())
    with pytest.raises(AirDefinitionError):
        s.mutant(["fib.nope"])
    m = s.mutant(["fib.b_next"])
    assert [c.name for c in m.tables[0].air_constraints] == ["first_a", "first_b", "a_next", "last_b"]
    assert m._digest_body != s._digest_body
    assert "fib.b_next" in s.constraint_names()


def test_air_degree_above_params():
    class _D4(Air):
        name = "d4"
        columns = Columns("x")
        max_degree = 4

        def eval(self, b):
            b.assert_zero(b.local.x, "x")

    with pytest.raises(AirDefinitionError, match="max_constraint_degree"):
        StarkSystem([_D4()], StarkParams.testing())


def test_numba_kernel_matches_numpy_evaluator():
    """The generated quotient kernel agrees with the node-by-node numpy evaluation."""
    from tests.support.stark_airs import U16Air, ByteTableAir, PrepAir, SenderAir
    from zkvm.field.ext import Ext
    from zkvm.poly.ntt import coset_lde
    from zkvm.stark.quotient import compute_quotient, generate_aux_trace

    s = StarkSystem([ByteTableAir(), U16Air(), PrepAir(), SenderAir(), FibAir()],
                    StarkParams.testing())
    rng = np.random.default_rng(5)
    a, b_, al = Ext(1, 2, 3, 4), Ext(5, 6, 7, 8), Ext(9, 10, 11, 12)
    pv = [3, 4, 5]
    for t in s.tables:
        n = 16 if t.pre_trace is None else t.pre_trace.shape[0]
        tr = rng.integers(0, P, size=(n, t.committed_width), dtype=np.uint64).astype(np.uint32)
        pre = t.pre_trace
        aux, cs = (generate_aux_trace(t, tr, pre, pv, a, b_) if t.layout.num_aux_ext
                   else (None, None))
        args = (t, n.bit_length() - 1, coset_lde(tr, 2),
                None if pre is None else coset_lde(pre, 2),
                None if aux is None else coset_lde(aux, 2), 2, pv,
                [a.to_array(), b_.to_array()], cs, al)
        q1 = compute_quotient(*args, method="numba")
        q2 = compute_quotient(*args, method="numpy")
        assert np.array_equal(q1, q2), t.name

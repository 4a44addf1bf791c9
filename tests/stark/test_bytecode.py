"""The bytecode quotient evaluator (zkvm.stark.kernels) against the numpy reference.

Every test compares exact outputs: the interpreter must compute the same canonical field
elements as :class:`zkvm.stark.evaluate.NumpyAlgebra` node by node.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from zkvm.field import ext as fx
from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.stark import kernels
from zkvm.stark import symbolic as sym
from zkvm.stark.evaluate import ExtScalar, NumpyAlgebra, broadcast_ext
from zkvm.stark.params import StarkParams
from zkvm.stark.system import StarkSystem

# ---------------------------------------------------------------- reference


def _rand(rng, shape):
    return rng.integers(0, P, size=shape, dtype=np.uint64).astype(np.uint32)


class _Inputs:
    """Random quotient-domain inputs in the layout the kernel reads."""

    def __init__(self, rng, N, stride, shift, w_main, w_pre, k_aux, n_pub):
        rows = N * stride
        self.N, self.stride, self.shift = N, stride, shift
        self.main = _rand(rng, (rows, w_main))
        self.pre = _rand(rng, (rows, w_pre)) if w_pre else None
        self.aux = _rand(rng, (rows, 4 * k_aux)) if k_aux else None
        self.public = [int(x) for x in _rand(rng, n_pub)]
        self.challenges = [_rand(rng, 4), _rand(rng, 4)]
        self.claimed = _rand(rng, 4)
        self.sel = [_rand(rng, N) for _ in range(3)]
        self.zh_inv = _rand(rng, shift)

    def leaf(self, node):
        kind, i = node.value
        q = np.arange(self.N)
        nxt = ((q + self.shift) % self.N) * self.stride
        cur = q * self.stride
        if kind in ("main", "main_next"):
            return np.ascontiguousarray(self.main[nxt if kind == "main_next" else cur, i])
        if kind in ("pre", "pre_next"):
            return np.ascontiguousarray(self.pre[nxt if kind == "pre_next" else cur, i])
        if kind in ("aux", "aux_next"):
            r = nxt if kind == "aux_next" else cur
            return np.ascontiguousarray(self.aux[r, 4 * i:4 * i + 4])
        if kind == "public":
            return self.public[i]
        if kind == "challenge":
            return ExtScalar(self.challenges[i])
        if kind == "claimed_sum":
            return ExtScalar(self.claimed)
        return self.sel[("is_first_row", "is_last_row", "is_transition").index(kind)]

    def reference(self, exprs, apow):
        vals = sym.evaluate(exprs, self.leaf, NumpyAlgebra())
        acc = np.zeros((self.N, 4), dtype=np.uint32)
        for i, v in enumerate(vals):
            acc = fx.ext_add(acc, fx.ext_mul(broadcast_ext(v, self.N), apow[i]))
        zi = self.zh_inv[np.arange(self.N) % self.shift]
        return fx.ext_mul_base(acc, zi)

    def bytecode(self, exprs, apow, **kw):
        out = np.empty((self.N, 4), dtype=np.uint32)
        kernels.evaluate_quotient(exprs, self.main, self.pre, self.aux, self.public,
                                  self.challenges, self.claimed, apow, *self.sel,
                                  self.zh_inv, self.shift, self.stride, out, **kw)
        return out


def _apow(rng, k):
    return fx.ext_powers(Ext(tuple(int(x) for x in _rand(rng, 4))).to_array(), k)


# ---------------------------------------------------------------- random DAGs


def random_dag(rng, w_main=5, w_pre=2, k_aux=2, n_pub=3, n_nodes=400, n_roots=25):
    """A random DAG using every leaf kind and every op on base/extension/uniform operands,
    with deep chains (recent nodes are preferred as operands)."""
    leaves = ([sym.var("main", i) for i in range(w_main)]
              + [sym.var("main_next", i) for i in range(w_main)]
              + [sym.var("pre", i) for i in range(w_pre)]
              + [sym.var("pre_next", i) for i in range(w_pre)]
              + [sym.var("aux", i) for i in range(k_aux)]
              + [sym.var("aux_next", i) for i in range(k_aux)]
              + [sym.var("public", i) for i in range(n_pub)]
              + [sym.var("challenge", 0), sym.var("challenge", 1), sym.var("claimed_sum", 0)]
              + [sym.var(k, 0) for k in ("is_first_row", "is_last_row", "is_transition")]
              + [sym.const(c) for c in (2, 3, P - 1, 12345)])
    uniform = [x for x in leaves if x.op == "const" or x.value[0] in
               ("public", "challenge", "claimed_sum")]
    pool = list(leaves)
    for _ in range(n_nodes):
        op = rng.choice(["add", "sub", "mul", "neg"], p=[0.3, 0.3, 0.3, 0.1])
        src = uniform if rng.random() < 0.15 else pool

        def pick(src=src):
            if rng.random() < 0.6:
                return src[-1 - int(rng.integers(0, min(len(src), 8)))]
            return src[int(rng.integers(0, len(src)))]

        x = pick()
        if op == "neg":
            node = -x
        else:
            y = pick() if rng.random() < 0.8 else int(rng.integers(0, P))
            if rng.random() < 0.5 and not isinstance(y, int):
                x, y = y, x
            node = {"add": sym.add, "sub": sym.sub, "mul": sym.mul}[op](x, y)
        pool.append(node)
        if src is uniform:
            uniform.append(node)
    roots = [pool[-1 - int(rng.integers(0, len(pool)))] for _ in range(n_roots)]
    roots += [sym.const(0), sym.const(7), uniform[-1], roots[0], leaves[0],
              sym.var("aux", 0), sym.var("challenge", 1),
              sym.sum_exprs(x * pool[-1] for x in leaves)]  # every leaf is used
    return roots


@pytest.mark.parametrize("seed", range(6))
def test_random_dag_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    exprs = random_dag(rng)
    kinds = {n.value[0] for n in sym.topo_order(exprs) if n.op == "var"}
    assert kinds == set(sym.VAR_KINDS)
    ops = {c for c in kernels.load_program(exprs).code[:, 0]}
    shift = [1, 2, 4][seed % 3]
    inp = _Inputs(rng, N=64 * shift, stride=[1, 2][seed % 2], shift=shift, w_main=5,
                  w_pre=2, k_aux=2, n_pub=3)
    apow = _apow(rng, len(exprs))
    ref = inp.reference(exprs, apow)
    # odd block sizes: the last block of a call is partial and next rows wrap mid-block
    for block in (kernels.DEFAULT_BLOCK, 7):
        assert np.array_equal(inp.bytecode(exprs, apow, block=block), ref)
    assert np.array_equal(inp.bytecode(exprs, apow, threads=3, block=5), ref)
    assert len(ops) >= 15


def test_every_opcode_is_exercised():
    """Across the random DAGs every instruction kind is generated (so the comparisons
    above cover each branch of the interpreter), in both program modes."""
    seen = set()
    for seed in range(6):
        prog = kernels.load_program(random_dag(np.random.default_rng(seed)))
        seen |= {int(c) for c in prog.code[:, 0]}
        prog = kernels.load_program(_trace_dag(np.random.default_rng(seed)), outputs=True)
        seen |= {int(c) for c in prog.code[:, 0]}
    assert seen == set(kernels.OP_NAMES), sorted(kernels.OP_NAMES[o] for o in
                                                 set(kernels.OP_NAMES) - seen)


def test_uniform_constraints_and_no_instruction_for_them():
    """Row-independent sub-DAGs are folded into constants (no instruction); a nonzero
    uniform constraint still contributes apow·c to every row."""
    rng = np.random.default_rng(11)
    ch, pub = sym.var("challenge", 0), sym.var("public", 0)
    u = ch * ch + pub * 3 - sym.var("claimed_sum", 0)
    exprs = [u, pub - 5, sym.var("main", 0) * u, sym.const(0)]
    prog = kernels.load_program(exprs)
    assert len(prog.code) == 3  # load main[0], mul by constant, accumulate
    inp = _Inputs(rng, N=32, stride=2, shift=2, w_main=1, w_pre=0, k_aux=0, n_pub=1)
    apow = _apow(rng, len(exprs))
    assert np.array_equal(inp.bytecode(exprs, apow), inp.reference(exprs, apow))


def test_deep_chain_no_recursion_and_slot_reuse():
    """A 20000-deep chain compiles under a small recursion limit and uses O(1) slots
    (instructions follow the depth-first topological order of the roots, so ``x_i`` is
    freed once ``x_{i+1}`` and ``e_i`` are computed)."""
    x = sym.var("main", 0)
    e = sym.var("aux", 0)
    for i in range(10000):
        x = x * sym.var("main_next", i % 3) + (i + 1)
        e = e * x - sym.var("challenge", i % 2)
    exprs = [e, x]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        prog = kernels.compile_program(exprs)
    finally:
        sys.setrecursionlimit(old)
    assert len(prog.code) > 40000 and prog.num_slots <= 20  # O(1): a destination never reuses an operand dying at its instruction
    rng = np.random.default_rng(3)
    inp = _Inputs(rng, N=16, stride=1, shift=2, w_main=3, w_pre=0, k_aux=1, n_pub=0)
    apow = _apow(rng, 2)
    assert np.array_equal(inp.bytecode(exprs, apow), inp.reference(exprs, apow))


def test_slot_liveness_reuses_rows():
    """Independent constraints reuse scratch rows: 200 constraints of 3 nodes each fit in
    a handful of slots."""
    exprs = [sym.var("main", i) * sym.var("main", i + 1) - sym.var("main_next", i)
             for i in range(200)]
    prog = kernels.compile_program(exprs)
    assert prog.num_slots <= 4 + 4


# ---------------------------------------------------------------- AIRs through compute_quotient


def _quotients(table, log_n, rng, pv, params, zk=False):
    from zkvm.poly.ntt import coset_lde
    from zkvm.stark.quotient import compute_quotient, generate_aux_trace
    from zkvm.stark.zk import table_layout

    n = 1 << log_n
    tr = _rand(rng, (n, table.committed_width))
    pre = table.pre_trace
    if pre is not None and pre.shape[0] != n:
        pytest.skip("fixed-height preprocessed table")
    a, b_, al = (Ext(tuple(int(x) for x in _rand(rng, 4))) for _ in range(3))
    aux, cs = (generate_aux_trace(table, tr, pre, pv, a, b_) if table.layout.num_aux_ext
               else (None, None))
    lb = 2
    lay = table_layout(params, log_n, table.degree, table.log_quotient_chunks) if zk else None
    args = (table, log_n, coset_lde(tr, lb), None if pre is None else coset_lde(pre, lb),
            None if aux is None else coset_lde(aux, lb), lb, pv,
            [a.to_array(), b_.to_array()], cs, al)
    q1 = compute_quotient(*args, method="bytecode", layout=lay)
    q2 = compute_quotient(*args, method="numpy", layout=lay)
    return q1, q2


def test_stark_airs_match_numpy():
    from tests.support.stark_airs import ByteTableAir, FibAir, PrepAir, ReceiverAir, SenderAir, U16Air

    s = StarkSystem([ByteTableAir(), U16Air(), PrepAir(), SenderAir(), ReceiverAir(),
                     FibAir()], StarkParams.testing())
    rng = np.random.default_rng(8)
    for t in s.tables:
        log_n = 4 if t.pre_trace is None else t.pre_trace.shape[0].bit_length() - 1
        q1, q2 = _quotients(t, log_n, rng, [3, 4, 5], StarkParams.testing())
        assert np.array_equal(q1, q2), t.name


def test_chip_airs_match_numpy():
    """The RISC-V chips (wide DAGs with LogUp) on random traces."""
    from zkvm.machine import available_chips

    chips = available_chips()
    if not chips:  # pragma: no cover
        pytest.skip("no chips")
    airs = [cls() for cls in chips.values()]
    rng = np.random.default_rng(9)
    for air in airs:
        s = StarkSystem([air], StarkParams.testing(), num_public_values=4)
        t = s.tables[0]
        q1, q2 = _quotients(t, 3, rng, [1, 2, 3, 4], StarkParams.testing())
        assert np.array_equal(q1, q2), t.name


def test_unknown_method_rejected():
    from tests.support.stark_airs import FibAir
    from zkvm.stark.quotient import compute_quotient

    t = StarkSystem([FibAir()], StarkParams.testing()).tables[0]
    with pytest.raises(ValueError, match="unknown quotient method"):
        compute_quotient(t, 2, np.zeros((16, 2), np.uint32), None, None, 2, [0, 0, 0],
                         [np.zeros(4, np.uint32)] * 2, None, Ext(1), method="jit")


def test_too_small_inputs_rejected():
    """The kernel does no bounds checks, so undersized inputs are refused up front."""
    rng = np.random.default_rng(4)
    exprs = [sym.var("main", 2) * sym.var("aux_next", 1)]
    inp = _Inputs(rng, N=16, stride=2, shift=2, w_main=3, w_pre=0, k_aux=2, n_pub=0)
    apow = _apow(rng, 1)
    assert np.array_equal(inp.bytecode(exprs, apow), inp.reference(exprs, apow))
    full_main, full_aux = inp.main, inp.aux
    inp.main = full_main[:, :2]
    with pytest.raises(ValueError, match="main matrix"):
        inp.bytecode(exprs, apow)
    inp.main = full_main[:20]
    with pytest.raises(ValueError, match="main matrix"):
        inp.bytecode(exprs, apow)
    inp.main, inp.aux = full_main, full_aux[:, :7]
    with pytest.raises(ValueError, match="aux matrix"):
        inp.bytecode(exprs, apow)
    inp.aux = full_aux
    with pytest.raises(ValueError, match="bad block"):
        inp.bytecode(exprs, apow, block=0)
    inp.sel[0] = inp.sel[0][:5]
    with pytest.raises(ValueError, match="selector"):
        inp.bytecode(exprs, apow)


# ---------------------------------------------------------------- trace domain / LogUp


def _trace_dag(rng):
    """A random DAG over the leaves available on the trace domain (no aux, no claimed
    sum), with uniform, base and extension roots."""
    banned = {"aux", "aux_next", "claimed_sum"}
    roots = [r for r in random_dag(rng, k_aux=0)
             if not any(n.op == "var" and n.value[0] in banned for n in sym.topo_order([r]))]
    return roots + [sym.const(5), sym.var("challenge", 0) * 3]


@pytest.mark.parametrize("seed", range(4))
def test_evaluate_on_trace_matches_numpy(seed):
    from zkvm.stark.evaluate import broadcast_base, trace_leaf

    rng = np.random.default_rng(100 + seed)
    exprs = _trace_dag(rng)
    n = 64
    main, pre = _rand(rng, (n, 5)), _rand(rng, (n, 2))
    public = [int(x) for x in _rand(rng, 3)]
    ch = [_rand(rng, 4), _rand(rng, 4)]
    vals = sym.evaluate(exprs, trace_leaf(main, pre, public, challenges=ch), NumpyAlgebra())
    ref = np.concatenate([broadcast_ext(v, n) if e.is_ext else broadcast_base(v, n)[:, None]
                          for e, v in zip(exprs, vals)], axis=1)
    for threads, block in ((1, kernels.DEFAULT_BLOCK), (3, 5), (2, 7)):
        got = kernels.evaluate_on_trace(exprs, main, pre, public, ch, threads=threads,
                                        block=block)
        assert np.array_equal(got, ref)
    with pytest.raises(ValueError, match="main matrix"):
        kernels.evaluate_on_trace(exprs, main[:, :2], pre, public, ch)


def _aux_both(t, tr, pv, rng, **kw):
    from zkvm.stark.quotient import generate_aux_trace

    a, b = (Ext(tuple(int(x) for x in _rand(rng, 4))) for _ in range(2))
    ref = generate_aux_trace(t, tr, t.pre_trace, pv, a, b, method="numpy")
    got = kernels.logup_aux_trace(t, tr, t.pre_trace, pv, [a.to_array(), b.to_array()], **kw)
    return ref, got


def test_logup_kernel_matches_numpy_on_chip_airs():
    """The LogUp aux trace (helpers, running sum, claimed sum) of every RISC-V chip on
    random traces, dense and with most rows' multiplicities zero, split over threads
    and odd blocks: identical to the numpy reference."""
    from zkvm.machine import available_chips

    rng = np.random.default_rng(21)
    for cls in available_chips().values():
        s = StarkSystem([cls()], StarkParams.testing(), num_public_values=4)
        t = s.tables[0]
        if not t.layout.num_aux_ext:
            continue
        n = 64
        tr = _rand(rng, (n, t.committed_width))
        sparse = tr.copy()
        sparse[rng.random(n) < 0.8] = 0  # padding-like rows: many zero multiplicities
        for m in (tr, sparse):
            for kw in ({}, {"threads": 3, "block": 7}):
                ref, got = _aux_both(t, m, [1, 2, 3, 4], rng, **kw)
                assert np.array_equal(ref[0], got[0]) and np.array_equal(ref[1], got[1]), t.name


def test_logup_zero_denominator():
    """A zero denominator is an error only where its multiplicity is non-zero."""
    from tests.support.stark_airs import SenderAir

    from zkvm.stark.quotient import ProvingError, generate_aux_trace

    t = StarkSystem([SenderAir()], StarkParams.testing(zk=False)).tables[0]
    n = 16
    tr = np.zeros((n, t.committed_width), dtype=np.uint32)
    # beta = 0: every fingerprint is the bus id; alpha = bus id: every denominator is 0
    alpha, beta = Ext(t.interactions[0].bus.id), Ext(0)
    out, claimed = generate_aux_trace(t, tr, None, [], alpha, beta)  # all is_real = 0
    assert not out.any() and not claimed.any()
    tr[5, t.air.columns.index("is_real")] = 1
    for method in ("bytecode", "numpy"):
        with pytest.raises(ProvingError, match="denominator"):
            generate_aux_trace(t, tr, None, [], alpha, beta, method=method)


def test_logup_kernel_more_items_than_threads():
    """Tall tables are cut into ``ITEMS_PER_THREAD`` work items per thread (the real rows
    come first, so equal shares left a core idle): the running sum carried over many
    items is still the numpy reference's."""
    from zkvm.machine import available_chips

    rng = np.random.default_rng(22)
    cls = next(iter(available_chips().values()))
    t = StarkSystem([cls()], StarkParams.testing(), num_public_values=4).tables[0]
    n = 1 << 15
    assert len(kernels._row_ranges(n, 2, kernels.DEFAULT_BLOCK)) > 2
    tr = _rand(rng, (n, t.committed_width))
    tr[n // 3:] = 0  # real rows first, then padding-like rows
    ref, got = _aux_both(t, tr, [1, 2, 3, 4], rng, threads=2)
    assert np.array_equal(ref[0], got[0]) and np.array_equal(ref[1], got[1])

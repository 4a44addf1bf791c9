"""Straight-line constraint code (zkvm.onchain.codegen) against the Python verifier's step 9
and the interpreter: on every table of a real receipt, the generated chunks called by
ConstraintEval.evaluateAndRecordCode give quotient(ζ)·Z_H(ζ) and record the fact under
the table's code hash; a changed leaf or α changes the sum; other code (one constant
changed, or the same code with one extra byte) records its facts under another hash,
and random DAGs (every op, deep chains, shared nodes, large constants, chunk splits)
match the Python evaluation."""

import random

import pytest

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts, codegen, session
from zkvm.onchain.chain import MAX_CODE_SIZE, LocalChain
from zkvm.onchain.constraints import compile_program, horner, leaf_values, pack, unpack
from zkvm.stark import symbolic as sym


@pytest.fixture(scope="module")
def recorded(fib_receipt):
    raw, iid, _ = fib_receipt
    rec = session.record(raw, iid)
    assert len(rec.tables) >= 5
    return rec.tables


@pytest.fixture(scope="module")
def ce():
    art = artifacts.load("ConstraintEval")
    c = LocalChain()
    return c, c.deploy(art), art


def _keccak(b: bytes) -> bytes:
    from zkvm.evm.ethutil import keccak256

    return keccak256(b)


def _run(ce, addrs_per_table, leaves_per_table, alpha: int):
    c, addr, art = ce
    data = abi.encode_call(art.selector("evaluateAndRecordCode"), ["address[][]", "uint256[][]", "uint256"],
                           [[[bytes.fromhex(a[2:]) for a in addrs] for addrs in addrs_per_table],
                            leaves_per_table, alpha])
    return c.transact(addr, data, "evaluateAndRecordCode")


def _accs(rep):
    n = int.from_bytes(rep.output[32:64], "big")
    return [unpack(int.from_bytes(rep.output[64 + 32 * i:96 + 32 * i], "big")) for i in range(n)]


def _key(code_hash: bytes, leaves, alpha: int, acc: int) -> bytes:
    return _keccak(code_hash + _keccak(b"".join(abi.word(x) for x in leaves)) + abi.word(alpha) + abi.word(acc))


def _fact(ce, keys) -> bool:
    """Is the fact of one evaluateAndRecordCode call over tables with these keys recorded?"""
    c, addr, art = ce
    out = c.call(addr, abi.encode_call(art.selector("codeFacts"), ["bytes32"], [_keccak(b"".join(keys))]))
    return int.from_bytes(out[-32:], "big") == 1


def test_every_table_matches_the_python_verifier(recorded, ce):
    chain = ce[0]
    cache: dict = {}
    addrs, leaves, tables = [], [], []
    for tc in recorded:
        prog = compile_program(tc.exprs)
        ev = codegen.evaluator_code(prog.code, len(prog.slots))
        assert all(len(ch) <= MAX_CODE_SIZE for ch in ev.chunks)
        addrs.append(codegen.deploy_evaluator(chain, ev, cache))
        leaves.append(leaf_values(prog, tc.srcs))
        tables.append((tc, ev))
    alpha = pack(recorded[0].alpha)
    rep = _run(ce, addrs, leaves, alpha)
    assert rep.ok, rep.reason
    got = _accs(rep)
    keys = []
    for (tc, ev), lv, v in zip(tables, leaves, got, strict=True):
        assert v == tc.expected, tc.name
        keys.append(_key(ev.code_hash, lv, alpha, pack(v)))
    assert _fact(ce, keys)  # one fact for the call, over every table's key
    assert not _fact(ce, keys[:1]) and not _fact(ce, keys[:-1])
    # the interpreter's program hash is not the code hash
    tc, ev = tables[0]
    assert ev.code_hash != _keccak(compile_program(tc.exprs).code)
    # a changed leaf or α changes the sums
    bad = [list(x) for x in leaves]
    i = next(t for t, x in enumerate(bad) if x)
    bad[i][0] = pack(unpack(bad[i][0]) + Ext.ONE)
    rep2 = _run(ce, addrs, bad, alpha)
    assert rep2.ok and _accs(rep2)[i] != tables[i][0].expected
    rep3 = _run(ce, addrs, leaves, pack(recorded[0].alpha + Ext.ONE))
    assert rep3.ok
    assert any(v != tc.expected for v, (tc, _) in zip(_accs(rep3), tables, strict=True))


def test_non_canonical_inputs_and_bad_evaluators_revert(recorded, ce):
    chain = ce[0]
    tc = max(recorded, key=lambda t: len(t.exprs))
    prog = compile_program(tc.exprs)
    ev = codegen.evaluator_code(prog.code, len(prog.slots))
    addrs = codegen.deploy_evaluator(chain, ev)
    lv = leaf_values(prog, tc.srcs)
    alpha = pack(tc.alpha)
    assert _run(ce, [addrs], [lv], alpha).ok
    assert not _run(ce, [addrs], [lv], alpha | P << 192).ok  # α not canonical
    if lv:
        assert not _run(ce, [addrs], [[P] + lv[1:]], alpha).ok  # a leaf not canonical
        assert not _run(ce, [addrs], [lv[:-1]], alpha).ok  # the chunk's calldata size guard
    assert not _run(ce, [addrs + ["0x" + "00" * 19 + "77"]], [lv], alpha).ok  # an empty account
    assert not _run(ce, [addrs], [lv, lv], alpha).ok  # length mismatch
    # a contract that returns something else than one word
    other = chain.evm.deploy(chain.sender, codegen.initcode(bytes([0x60, 0x40, 0x5F, 0xF3])), gas=1 << 24)
    assert not _run(ce, [[other]], [lv], alpha).ok


def _tamper_constant(program: bytes) -> bytes:
    """The constraint program with its first constant other than 0 and 1 changed by one."""
    import struct

    n = struct.unpack_from(">H", program, 0)[0]
    at = 4
    for _ in range(n):
        op = program[at]
        if op == 0:
            v = struct.unpack_from(">I", program, at + 1)[0]
            if v not in (0, 1):
                return program[:at + 1] + struct.pack(">I", (v + 1) % P) + program[at + 5:]
        at += 5 if op in (0, 2, 3, 4) else 3
    raise AssertionError("no constant to change")


def test_other_code_records_under_another_hash(recorded):
    """The binding: what the verifier looks up is keyed by the hash of the code that ran.
    A chunk with one constant changed (a wrong sum) and the honest chunk with one
    trailing byte (the right sum!) both record facts under hashes other than the
    honest code hash, so the statement check finds no fact (test_onchain_verify)."""
    art = artifacts.load("ConstraintEval")
    chain = LocalChain()
    ce = (chain, chain.deploy(art), art)  # a fresh one: no honest fact recorded yet
    tc = next(t for t in recorded if any(n.op == "const" and int(n.value) not in (0, 1)
                                        for n in sym.topo_order([c for c in t.exprs])))
    prog = compile_program(tc.exprs)
    ev = codegen.evaluator_code(prog.code, len(prog.slots))
    lv = leaf_values(prog, tc.srcs)
    alpha = pack(tc.alpha)
    for variant in ("constant", "trailing byte"):
        if variant == "constant":  # the generated code of the program with one constant changed
            chunks = list(codegen.evaluator_code(_tamper_constant(prog.code), len(prog.slots)).chunks)
        else:
            chunks = list(ev.chunks)
            chunks[0] = chunks[0] + b"\x00"
        addrs = codegen.deploy_evaluator(chain, codegen.Evaluator(tuple(chunks), ev.leaves, ev.constraints))
        rep = _run(ce, [addrs], [lv], alpha)
        assert rep.ok, variant
        v = _accs(rep)[0]
        assert (v == tc.expected) == (variant == "trailing byte"), variant
        assert not _fact(ce, [_key(ev.code_hash, lv, alpha, pack(v))]), variant
        assert _fact(ce, [_key(codegen.code_hash(chunks), lv, alpha, pack(v))]), variant


def _random_dag(rng: random.Random, nleaves: int, nnodes: int, nout: int):
    leaves = [sym.var("main", i) for i in range(nleaves)]
    pool = list(leaves)
    consts = [0, 1, 2, 11, P - 1, P - 2, 1 << 30, rng.randrange(P)]
    for _ in range(nnodes):
        r = rng.random()
        if r < 0.1:
            pool.append(sym.const(rng.choice(consts)))
            continue
        a = rng.choice(pool[-40:]) if rng.random() < 0.7 else rng.choice(pool)
        b = rng.choice(pool[-40:]) if rng.random() < 0.7 else rng.choice(pool)
        if r < 0.15:
            pool.append(-a)
        elif r < 0.45:
            pool.append(a + b)
        elif r < 0.7:
            pool.append(a - b)
        else:
            pool.append(a * b)
    return [rng.choice(pool[nleaves:]) for _ in range(nout)]


@pytest.mark.parametrize("subroutines", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_random_dags_match_python(seed, subroutines, ce):
    rng = random.Random(seed)
    chain = ce[0]
    nleaves = 12
    if seed < 3:
        exprs = _random_dag(rng, nleaves, 400, 30)
    else:  # many small constraints: more code than one chunk holds
        exprs = [e for _ in range(250 if not subroutines else 1000) for e in _random_dag(rng, nleaves, 25, 2)]
    # chains of subtractions and negations (bounds grow) and a right-deep sum (stack depth)
    x = sym.var("main", 0)
    for i in range(60):
        x = (sym.var("main", i % nleaves) - x) if i % 3 else -(x + x + x)
    exprs.append(x)
    y = sym.var("main", 1)
    for i in range(80):
        y = sym.var("main", i % nleaves) + (y * sym.var("main", 2))
    exprs.append(y)
    prog = compile_program(exprs)
    vals = [Ext(tuple(rng.randrange(P) for _ in range(4))) for _ in range(nleaves)]
    if seed == 1:
        vals = [Ext((P - 1, P - 1, P - 1, P - 1))] * nleaves  # every lane at its maximum
    srcs = {"main": vals}
    alpha = Ext(tuple(rng.randrange(P) for _ in range(4)))
    want = horner(sym.evaluate(exprs, lambda n: srcs[n.value[0]][n.value[1]], sym.ScalarAlgebra()), alpha)
    ev = codegen.evaluator_code(prog.code, len(prog.slots), subroutines)
    if seed == 3:
        assert len(ev.chunks) > 1  # split across contracts
    addrs = codegen.deploy_evaluator(chain, ev)
    lv = leaf_values(prog, srcs)
    rep = _run(ce, [addrs], [lv], pack(alpha))
    assert rep.ok, rep.reason
    assert _accs(rep)[0] == want


@pytest.mark.parametrize("subroutines", [True, False])
def test_reduction_boundaries(subroutines, ce):
    """Values at the top of their bounds: differences and sums of p − 1 and 0 in every lane
    (x + p − 0 = 2p − 1, sums up to 5p − 5) multiplied, so the reductions before a
    multiplication (one or two conditional subtractions, or lane by lane mod p) and the
    lazy negation of 0 (= p, left unreduced) all meet their extreme inputs."""
    chain = ce[0]
    x0, x1, x2 = (sym.var("main", i) for i in range(3))
    d = x0 - x1
    exprs = [d * x2, (d + d) * x2, (x0 + x0) * x2, (x0 + x0 + x0) * x2, (x0 + x0 + x0 + x0 + x0) * x2,
             (-x1) * x2, (x1 - x0) * x2, (d + d) * (d + d + d), d * d - (x1 - d) * (d + x0), 3 * (d + d),
             (d + d + d + d) * (x1 - d - d)]
    prog = compile_program(exprs)
    top = Ext((P - 1,) * 4)
    for vals in ([top, Ext.ZERO, top], [top, Ext.ZERO, Ext((1, 2, 3, P - 1))], [Ext.ZERO, top, top]):
        srcs = {"main": vals}
        alpha = Ext((P - 1, P - 2, 5, 7))
        want = horner(sym.evaluate(exprs, lambda n: srcs[n.value[0]][n.value[1]], sym.ScalarAlgebra()), alpha)
        ev = codegen.evaluator_code(prog.code, len(prog.slots), subroutines)
        addrs = codegen.deploy_evaluator(chain, ev)
        rep = _run(ce, [addrs], [leaf_values(prog, srcs)], pack(alpha))
        assert rep.ok, rep.reason
        assert _accs(rep)[0] == want

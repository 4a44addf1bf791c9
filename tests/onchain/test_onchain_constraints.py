"""ConstraintEval.sol (the on-chain constraint interpreter) against the Python verifier's
step 9 on every table of a real receipt: with the receipt's own opened values, ζ, α and
challenges (recorded while the Python verifier runs), the contract's Σ α^i C_i equals
the Python one, which equals quotient(ζ)·Z_H(ζ); a changed opened value or α changes it;
malformed programs revert."""

import random
from pathlib import Path

import pytest

from zkvm import api
from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import compile_program, horner, leaf_values, pack, unpack
from zkvm.stark import symbolic as sym
from zkvm.stark import verifier

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """(table, srcs, alpha, expected q·Z_H) for every non-empty table of a fibonacci
    receipt (testing params), captured from the Python verifier's step 9."""
    d = tmp_path_factory.mktemp("oc")
    elf = d / "fib.elf"
    api.build(REPO / "examples" / "fibonacci", elf, image_id_params="testing", debug_copy=False)
    r = api.prove(elf, (REPO / "examples" / "fibonacci" / "input.bin").read_bytes(), params="testing")
    out = []
    orig = verifier._check_table

    def rec(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout):
        n = 1 << log_n
        k = t.layout.num_aux_ext
        aux_l, aux_n = (verifier._ext_cols(aux[0], k), verifier._ext_cols(aux[1], k)) \
            if aux is not None else ([], [])
        zh = zeta ** n - Ext.ONE
        w_inv = Ext.from_base(pow(two_adic_generator(log_n), P - 2, P))
        n_inv = Ext.from_base(pow(n, P - 2, P))
        first = zh * n_inv / (zeta - Ext.ONE)
        last = w_inv * zh * n_inv / (zeta - w_inv)
        pre_l, pre_n = pre if pre is not None else ([], [])
        srcs = {"main": main[0], "main_next": main[1], "pre": pre_l, "pre_next": pre_n,
                "aux": aux_l, "aux_next": aux_n, "public": list(pv), "challenge": list(challenges),
                "claimed_sum": claimed, "is_first_row": first, "is_last_row": last,
                "is_transition": Ext.ONE - last}
        chunks = verifier._ext_cols(quot, layout.num_chunks)
        q, zpow, zn = Ext.ZERO, Ext.ONE, zeta ** (1 << layout.log_chunk)
        for c in chunks:
            q, zpow = q + zpow * c, zpow * zn
        out.append((t, srcs, alpha, q * zh))
        return orig(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout)

    verifier._check_table = rec
    try:
        api.verify(r.to_bytes(), r.image_id)
    finally:
        verifier._check_table = orig
    assert len(out) >= 5
    return out


@pytest.fixture(scope="module")
def evaluator():
    art = artifacts.load("ConstraintEval")
    c = LocalChain()
    return c, c.deploy(art), art.selector("evaluate")


def _eval(ev, code: bytes, leaves: list, alpha: int):
    c, addr, sel = ev
    data = abi.encode_call(sel, ["bytes", "uint256[]", "uint256"], [code, leaves, alpha])
    return c.transact(addr, data, "evaluate")


def test_every_table_matches_the_python_verifier(recorded, evaluator):
    total = 0
    for t, srcs, alpha, expected in recorded:
        exprs = [c.expr for c in t.all_constraints]
        prog = compile_program(exprs)
        leaves = leaf_values(prog, srcs)
        py = horner(sym.evaluate(exprs, lambda n: srcs[n.value[0]][n.value[1]]
                                 if isinstance(srcs[n.value[0]], list) else srcs[n.value[0]],
                                 sym.ScalarAlgebra()), alpha)
        assert py == expected, t.name  # an honest proof: step 9 holds
        rep = _eval(evaluator, prog.code, leaves, pack(alpha))
        assert rep.ok, (t.name, rep.reason)
        assert unpack(int.from_bytes(rep.output[-32:], "big")) == expected, t.name
        total += rep.gas
        # a changed opened value (or α) changes the sum
        if leaves:
            bad = list(leaves)
            bad[0] = pack(unpack(bad[0]) + Ext.ONE)
            rep2 = _eval(evaluator, prog.code, bad, pack(alpha))
            assert rep2.ok and unpack(int.from_bytes(rep2.output[-32:], "big")) != expected or \
                len(exprs) == 0
        rep3 = _eval(evaluator, prog.code, leaves, pack(alpha + Ext.ONE))
        assert unpack(int.from_bytes(rep3.output[-32:], "big")) != expected or len(exprs) <= 1
    assert total > 0


def test_malformed_programs_revert(recorded, evaluator):
    t, srcs, alpha, _ = max(recorded, key=lambda x: len(x[0].all_constraints))
    prog = compile_program([c.expr for c in t.all_constraints])
    leaves = leaf_values(prog, srcs)
    code = prog.code
    rng = random.Random(7)
    assert not _eval(evaluator, code[:-1], leaves, pack(alpha)).ok  # truncated
    assert not _eval(evaluator, code + b"\x00", leaves, pack(alpha)).ok  # trailing byte
    assert not _eval(evaluator, code, leaves[:-1], pack(alpha)).ok  # missing leaf
    assert not _eval(evaluator, code, leaves, P).ok  # non-canonical alpha
    bad_leaf = list(leaves)
    bad_leaf[0] = P
    assert not _eval(evaluator, code, bad_leaf, pack(alpha)).ok
    # a forward reference: first node made to read node 0xffff
    fwd = bytearray(code)
    i = 4 + (5 if fwd[4] == 0 else 3)  # second node
    fwd[i:i + 1] = b"\x02"
    fwd[i + 1:i + 3] = b"\xff\xff"
    assert not _eval(evaluator, bytes(fwd)[:len(code)], leaves, pack(alpha)).ok
    assert not _eval(evaluator, b"\x00\x01\x00\x01\x07\x00\x00\x00\x00\x00\x00", [], 0).ok  # bad op
    del rng

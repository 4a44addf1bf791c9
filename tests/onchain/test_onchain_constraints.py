"""ConstraintEval.evaluate (the reference interpreter the generated code replaced on chain;
tests/onchain/test_onchain_codegen.py tests the code the verifier runs) against the Python verifier's
step 9 on every table of a real receipt: with the receipt's own opened values, ζ, α and
challenges (recorded while the Python verifier runs), the contract's Σ α^i C_i equals
the Python one, which equals quotient(ζ)·Z_H(ζ); a changed opened value or α changes it;
malformed programs revert."""

import random

import pytest

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts, session
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import compile_program, horner, leaf_values, pack, unpack
from zkvm.stark import symbolic as sym



@pytest.fixture(scope="module")
def recorded(fib_receipt):
    """(table, srcs, alpha, expected q·Z_H) for every non-empty table of a fibonacci
    receipt (testing params), captured from the Python verifier's step 9."""
    raw, iid, _ = fib_receipt
    rec = session.record(raw, iid)
    assert len(rec.tables) >= 5
    return [(tc, tc.srcs, tc.alpha, tc.expected) for tc in rec.tables]


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
        exprs = t.exprs
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
    t, srcs, alpha, _ = max(recorded, key=lambda x: len(x[0].exprs))
    prog = compile_program(t.exprs)
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

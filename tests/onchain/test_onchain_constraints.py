"""ConstraintEval.sol (the on-chain constraint interpreter) against the Python verifier's
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


def test_evaluate_and_record_stores_the_fact(recorded, evaluator):
    keccak = pytest.importorskip("ethereum.crypto.hash").keccak256
    c, addr, _ = evaluator
    art = artifacts.load("ConstraintEval")
    tc, srcs, alpha, expected = recorded[0]
    prog = compile_program(tc.exprs)
    leaves = leaf_values(prog, srcs)
    data = abi.encode_call(art.selector("evaluateAndRecord"), ["bytes", "uint256[]", "uint256"],
                           [prog.code, leaves, pack(alpha)])
    rep = c.transact(addr, data)
    assert rep.ok and unpack(int.from_bytes(rep.output[-32:], "big")) == expected
    fact = keccak(keccak(prog.code) + keccak(b"".join(abi.word(x) for x in leaves))
                  + abi.word(pack(alpha)) + abi.word(pack(expected)))
    assert c.call(addr, art.selector("facts") + fact)[-1] == 1
    wrong = keccak(keccak(prog.code) + keccak(b"".join(abi.word(x) for x in leaves))
                   + abi.word(pack(alpha)) + abi.word(pack(expected + Ext.ONE)))
    assert c.call(addr, art.selector("facts") + wrong)[-1] == 0


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


def test_stored_programs_give_the_same_facts(recorded, evaluator):
    """evaluateAndRecordStored (programs in data contracts, read with EXTCODECOPY) returns
    the same sums and records the same facts as the calldata path, for every table at
    once; a contract without the 0x00 prefix, an empty account and a truncated stored
    program revert."""
    from zkvm.onchain.constraints import deploy_program

    c, addr, _ = evaluator
    art = artifacts.load("ConstraintEval")
    progs, leaves, alpha, expected = [], [], None, []
    for tc, srcs, a, exp in recorded:
        p = compile_program(tc.exprs)
        progs.append(p.code)
        leaves.append(leaf_values(p, srcs))
        alpha, _ = pack(a), expected.append(exp)
    sel = art.selector("evaluateAndRecordStored")
    types = ["address[]", "uint256[][]", "uint256"]
    addrs = [bytes.fromhex(deploy_program(c, code)[2:]) for code in progs]
    rep = c.transact(addr, abi.encode_call(sel, types, [addrs, leaves, alpha]))
    assert rep.ok
    n = int.from_bytes(rep.output[32:64], "big")
    got = [unpack(int.from_bytes(rep.output[64 + 32 * i:96 + 32 * i], "big")) for i in range(n)]
    assert got == expected
    many = c.transact(addr, abi.encode_call(art.selector("evaluateAndRecordMany"), ["bytes[]", "uint256[][]", "uint256"],
                                            [progs, leaves, alpha]))
    assert many.ok and many.output == rep.output
    # not a data contract (code does not start with 0x00): the evaluator itself
    assert not c.transact(addr, abi.encode_call(sel, types, [[bytes.fromhex(addr[2:])], leaves[:1], alpha])).ok
    assert not c.transact(addr, abi.encode_call(sel, types, [[bytes(19) + b"\x77"], leaves[:1], alpha])).ok
    short = bytes.fromhex(deploy_program(c, progs[0][:-1])[2:])
    assert not c.transact(addr, abi.encode_call(sel, types, [[short], leaves[:1], alpha])).ok


def test_large_programs_go_as_calldata(fib_receipt, monkeypatch):
    """A batch with a program too large for one data contract is sent as calldata
    (evaluateAndRecordMany) and still verifies: the on-chain verdict is ACCEPT."""
    from zkvm.onchain import session, statement

    raw, iid, _ = fib_receipt
    rec = session.record(raw, iid)

    def ce_calldata(res):
        assert res.accepted, res.reason
        return sum(r.calldata for r in res.reports if r.label.startswith("ConstraintEval"))

    stored = ce_calldata(statement.verify_onchain(rec))
    monkeypatch.setattr(session, "MAX_STORED_PROGRAM", 100)
    sent = ce_calldata(statement.verify_onchain(rec))
    program_bytes = sum(len(compile_program(tc.exprs).code) for tc in rec.tables)
    assert sent >= stored + program_bytes

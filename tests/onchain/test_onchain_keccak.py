"""On-chain verification of a receipt with a non-empty Keccak table (issue 19): Keccak's
constraint code (38 k nodes, 3 106 leaves) is a **separate** table: it runs in a
``StatementCheck.recordSeparate`` transaction of its own, sent only the table's own opened
values (the shape's value ranges of the receipt's opened values), which records a fact
bound to those values, the table's local leaf specs (the registered shape's hash), the
context (challenges, ζ's row selectors, public values, claimed sums), the hash of the code
that ran and its result; the statement check requires the fact of exactly its own inputs
and quotient(ζ)·Z_H(ζ).

The honest evm-profile receipt of ``examples/keccak256`` on the empty message is ACCEPTed
by ``zkvm onchain verify`` (every transaction under the EIP-7825 cap); facts recorded for
other opened values (one changed, another table's, all of the receipt's with the global
specs), another receipt, another context, swapped or renumbered specs, or by substituted
evaluator code are REJECTed by the statement check ("constraint fact missing"); a receipt
with a flipped Keccak opened value is REJECTed by both the Python verifier and the
contracts.  (One evm proof, ~15 s, and one testing proof, ~5 s: slow.)"""

import re

import pytest
from typer.testing import CliRunner

from zkvm import api
from zkvm.cli import app
from zkvm.onchain import artifacts, challenges, codegen, session, statement
from zkvm.onchain.chain import TX_GAS_CAP, LocalChain
from zkvm.stark.errors import VerificationError

from .conftest import REPO

pytestmark = pytest.mark.slow
runner = CliRunner()


def _prove(tmp, params: str, message: bytes):
    elf = tmp / f"keccak-{params}.elf"
    api.build(REPO / "examples" / "keccak256", elf, image_id_params=params, debug_copy=False)
    r = api.prove(elf, message, params=params)
    path = tmp / f"keccak-{params}.bin"
    path.write_bytes(r.to_bytes())
    return r.to_bytes(), r.image_id, path


@pytest.fixture(scope="module")
def keccak_evm(tmp_path_factory):
    """(receipt bytes, image ID, path) of examples/keccak256 on the empty message, --params evm."""
    return _prove(tmp_path_factory.mktemp("onchain-keccak"), "evm", b"")


@pytest.fixture(scope="module")
def honest(keccak_evm):
    """A verifier deployed for the receipt's shape with every fact transaction submitted
    except the separate table's: (rec, shape, chain, addrs, deep_out)."""
    raw, iid, _ = keccak_evm
    rec = session.record(raw, iid)
    shape = statement.shape_of(rec)
    assert [tc.name for tc, s in zip(rec.tables, shape["separate"], strict=True) if s] == ["keccak"]
    chain = LocalChain()
    addrs = statement.deploy(chain, shape)
    deep_out: dict = {}
    reps = session.run_pieces(rec, chain, addrs, deep_out, challenges_tx=False, constraints_tx=False)
    assert reps and all(r.ok for r in reps)
    return rec, shape, chain, addrs, deep_out


def _check(honest, override=None, record=True):
    """Submit the separate table's fact (with ``override``) and the statement check, in a
    snapshot (state restored after); returns (separate report, check report)."""
    rec, shape, chain, addrs, deep_out = honest
    snap = chain.evm.snapshot()
    try:
        sep = statement.separate_txs(rec, shape, chain, addrs, override) if record else [None]
        st = artifacts.load("StatementCheck")
        r = chain.transact(addrs["st"], statement.check_call(shape, deep_out, st.selector("check")), "check")
        return sep[0], r
    finally:
        chain.evm.revert(snap)


def _missing(r) -> bool:
    return not r.ok and "constraint f".encode().hex() in r.reason  # Reject("constraint fact missing"), truncated


def test_keccak_receipt_accepted_by_cli(keccak_evm):
    """``zkvm onchain verify`` ACCEPTs the evm-profile Keccak receipt (exit 0) and prints
    every transaction's gas, the separate Keccak transaction included, each under the cap;
    the Python verifier accepts it too."""
    raw, iid, path = keccak_evm
    api.verify_receipt(raw, iid)
    r = runner.invoke(app, ["onchain", "verify", str(path), "--image-id", iid.hex()])
    print(r.output)
    assert r.exit_code == 0, r.output
    assert r.output.strip().endswith("ACCEPT")
    assert re.search(r"ConstraintCode keccak \(\d+ constraints, \d+ nodes, \d+ code chunks\)\s+\d+", r.output)
    gas = [int(m.group(1)) for m in re.finditer(r"^\S.*?\s(\d{5,})\s+\d+\s+\d+\s+ok$", r.output, re.M)]
    assert len(gas) >= 7 and max(gas) <= TX_GAS_CAP, r.output


def test_statement_check_needs_the_fact(honest):
    """Without the separate table's fact the statement check REJECTs; with the honest one
    it ACCEPTs (and the recordSeparate transaction returns quotient(ζ)·Z_H(ζ))."""
    from zkvm.onchain.constraints import unpack

    assert _missing(_check(honest, record=False)[1])
    sep, r = _check(honest)
    assert sep.ok and sep.gas <= TX_GAS_CAP
    tc = next(t for t in honest[0].tables if t.name == "keccak")
    assert unpack(int.from_bytes(sep.output[-32:], "big")) == tc.expected
    assert r.ok and int.from_bytes(r.output[-32:], "big") == 1 and r.gas <= TX_GAS_CAP


def _global(shape, name: str, i: int) -> int:
    """The index in pcsValues of value ``i`` of a separate table's local values."""
    for s0, n in shape["separate_ranges"][name]:
        if i < n:
            return s0 + i
        i -= n
    raise IndexError(i)


def _keccak_value_offset(rec, shape) -> int:
    """Byte offset in pcsValues of an opened value a Keccak constraint leaf reads at ζ."""
    spec = shape["separate_specs"]["keccak"]
    idx = next(s & 0xffffffff for s in spec if s >> 32 == 0)
    return 16 * _global(shape, "keccak", idx)


def test_facts_for_other_inputs_rejected(honest):
    """A fact recorded for other opened values (one Keccak value changed; the same number
    of another table's values; all of the receipt's values with the global specs: the
    same leaves, the right sum, but not the shape's key), another context (constraint α,
    LogUp β, a row selector: another ζ or challenge), other leaf specs (two leaves swapped;
    a value renumbered: its neighbour read) is recorded (anyone may submit one) but is not
    the statement check's."""
    rec, shape, *_ = honest
    ci = shape["input"]
    rg = shape["separate_ranges"]["keccak"]
    own = statement.local_values(ci[14], rg)
    vals = bytearray(own)
    k0 = next(s & 0xffffffff for s in shape["separate_specs"]["keccak"] if s >> 32 == 0)
    vals[16 * k0] ^= 1
    n_own = len(own) // 16
    mine = {s0 + k for s0, n in rg for k in range(n)}  # other tables' values, as many as Keccak's
    rest = b"".join(bytes(ci[14][16 * i:16 * i + 16]) for i in range(len(ci[14]) // 16) if i not in mine)
    other = (rest * (1 + len(own) // len(rest)))[:len(own)]
    assert len(other) == len(own) and other != own
    from zkvm.onchain.constraints import unpack

    tc = next(t for t in rec.tables if t.name == "keccak")
    ctx = statement.separate_ctx(ci, tc)
    spec = list(shape["separate_specs"]["keccak"])
    swapped = [spec[1], spec[0]] + spec[2:]
    at = spec.index(k0)
    renumbered = spec[:at] + [k0 + 1 if k0 + 1 < n_own else k0 - 1] + spec[at + 1:]
    glob = [s if s >> 32 not in (0, 1) else (s >> 32) << 32 | _global(shape, "keccak", s & 0xffffffff)
            for s in spec]
    np_, nc = ctx[3], ctx[4]
    for what, ov in (("other opened value", {"vals": bytes(vals)}),
                     ("another table's values", {"vals": other}),
                     ("all values, global specs", {"vals": bytes(ci[14]), "spec": glob}),
                     ("renumbered spec", {"spec": renumbered}),
                     ("other constraint alpha", {"ctx": ctx[:2] + [ctx[2] ^ 1] + ctx[3:]}),
                     ("other LogUp beta", {"ctx": [ctx[0], ctx[1] ^ (1 << 64)] + ctx[2:]}),
                     ("other selector (zeta)", {"ctx": ctx[:5 + np_ + nc] + [ctx[5 + np_ + nc] ^ 2] +
                                                ctx[6 + np_ + nc:]}),
                     ("swapped leaves", {"spec": swapped})):
        sep, r = _check(honest, {"keccak": ov})
        assert sep.ok, what  # a conditional fact: recorded ...
        assert _missing(r), (what, r.reason)  # ... but not the one the statement check needs
        if what == "all values, global specs":  # the same leaves: the right sum, another key
            assert unpack(int.from_bytes(sep.output[-32:], "big")) == tc.expected


@pytest.mark.parametrize("variant", ["constant", "trailing byte"])
def test_substituted_evaluator_code_rejected(honest, variant):
    """Keccak's code with one constant changed (another sum), or the honest code plus one
    byte (the right sum, other EXTCODEHASH): the fact is recorded under another code hash,
    the statement check REJECTs."""
    import struct

    from zkvm.field.babybear import P
    from zkvm.onchain.constraints import compile_program, unpack

    rec, shape, chain, *_ = honest
    tc = next(t for t in rec.tables if t.name == "keccak")
    prog = compile_program(tc.exprs)
    ev = codegen.evaluator_code(prog.code, len(prog.slots))
    if variant == "constant":
        at, code = 4, prog.code
        for _ in range(struct.unpack_from(">H", code, 0)[0]):
            if code[at] == 0 and struct.unpack_from(">I", code, at + 1)[0] not in (0, 1):
                break
            at += 5 if code[at] in (0, 2, 3, 4) else 3
        v = (struct.unpack_from(">I", code, at + 1)[0] + 1) % P
        chunks = codegen.evaluator_code(code[:at + 1] + struct.pack(">I", v) + code[at + 5:], len(prog.slots)).chunks
    else:
        chunks = tuple(c + b"\x00" for c in ev.chunks)
    other = codegen.deploy_evaluator(chain, codegen.Evaluator(tuple(chunks), ev.leaves, ev.constraints))
    sep, r = _check(honest, {"keccak": {"chunks": other}})
    assert sep.ok
    got = unpack(int.from_bytes(sep.output[-32:], "big"))
    assert (got == tc.expected) == (variant == "trailing byte")
    assert _missing(r), r.reason


@pytest.fixture(scope="module")
def keccak_testing(tmp_path_factory):
    """examples/keccak256 on the message "zkvm", --params testing (1 PoW bit: a tampered
    receipt still reaches the contracts half of the time)."""
    return _prove(tmp_path_factory.mktemp("onchain-keccak-t"), "testing", b"zkvm")


def test_fact_of_another_receipt_rejected(honest, keccak_testing):
    """The separate fact recorded with another Keccak receipt's opened values and context
    (the testing-profile proof of another message: other ζ, challenges, values), with this
    receipt's spec and code, is not this receipt's."""
    raw2, iid2, _ = keccak_testing
    rec2 = session.record(raw2, iid2)
    shape2 = statement.shape_of(rec2)
    ci2 = challenges.input_of(rec2.challenges)
    tc2 = next(t for t in rec2.tables if t.name == "keccak")
    vals2 = statement.local_values(ci2[14], shape2["separate_ranges"]["keccak"])
    sep, r = _check(honest, {"keccak": {"vals": vals2, "ctx": statement.separate_ctx(ci2, tc2)}})
    assert sep.ok and _missing(r), r.reason


def test_flipped_keccak_opened_value_rejected_by_both(keccak_testing):
    """Receipts with one bit of a Keccak opened value (at ζ) flipped: the Python verifier
    REJECTs each; the first whose proof of work still passes (testing profile, 1 bit) is
    submitted whole (every fact transaction, the separate Keccak transaction and the
    statement check) and REJECTed on chain too.  (With the evm profile's 26 PoW bits such
    a receipt is rejected before anything is submitted: ``test_flipped_evm``.)"""
    raw, iid, _ = keccak_testing
    rec = session.record(raw, iid)
    shape = statement.shape_of(rec)
    assert statement.verify_onchain(rec, LocalChain()).accepted
    idx = [_global(shape, "keccak", s & 0xffffffff) for s in shape["separate_specs"]["keccak"] if s >> 32 == 0]
    judged = 0
    for i in idx[:40]:
        needle = bytes(shape["input"][14][16 * i:16 * i + 16])
        if raw.count(needle) != 1:
            continue
        pos = raw.index(needle)
        bad = raw[:pos] + bytes([raw[pos] ^ 1]) + raw[pos + 1:]
        with pytest.raises(VerificationError):
            api.verify_receipt(bad, iid)
        try:
            rec_bad = session.record(bad, iid, permissive=True)
        except VerificationError:  # the proof of work failed: nothing to submit (REJECT)
            continue
        res = statement.verify_onchain(rec_bad, LocalChain())
        assert not res.accepted and res.reports, res.reason
        judged += 1
        break
    assert judged == 1


def test_flipped_evm(keccak_evm, honest):
    """The same flip in the evm-profile receipt: REJECTed by the Python verifier, and by
    ``zkvm onchain verify`` (nothing submitted: its proof of work no longer holds)."""
    raw, iid, path = keccak_evm
    rec, shape, *_ = honest
    at = _keccak_value_offset(rec, shape)
    needle = bytes(shape["input"][14][at:at + 16])
    assert raw.count(needle) == 1  # the opened value's encoding in the receipt
    pos = raw.index(needle)
    bad = raw[:pos] + bytes([raw[pos] ^ 1]) + raw[pos + 1:]
    with pytest.raises(VerificationError):
        api.verify_receipt(bad, iid)
    bad_path = path.with_name("flipped.bin")
    bad_path.write_bytes(bad)
    r = runner.invoke(app, ["onchain", "verify", str(bad_path), "--image-id", iid.hex()])
    assert r.exit_code == 1 and "REJECT" in r.output and "ACCEPT" not in r.output, r.output

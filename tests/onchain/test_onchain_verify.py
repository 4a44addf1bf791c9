"""The statement check (contracts/src/StatementCheck.sol) and ``zkvm onchain verify``:
an honest receipt is ACCEPTed in the local EVM; other claims (exit code, journal,
verifying key), tampered witnesses, an unregistered shape, another image ID and byte
flips of the receipt are REJECTed, every verdict agreeing with the Python verifier."""

import random

import pytest
from typer.testing import CliRunner

from zkvm import api
from zkvm.cli import app
from zkvm.onchain import abi, artifacts, session, statement
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import leaf_values, pack, unpack
from zkvm.stark.errors import VerificationError

runner = CliRunner()


@pytest.fixture(scope="module")
def honest(fib_receipt):
    """(recorded verification, shape, chain, addresses, DEEP outputs) after an ACCEPT."""
    raw, iid, _ = fib_receipt
    rec = session.record(raw, iid)
    chain = LocalChain()
    res = statement.verify_onchain(rec, chain)
    assert res.accepted, res.reason
    assert all(r.ok for r in res.reports)
    assert all(r.gas <= 16_777_216 for r in res.reports)
    shape = statement.shape_of(rec)
    addrs = statement.deploy(chain, shape)
    deep_out: dict = {}
    session.run_pieces(rec, chain, addrs, deep_out)
    return rec, shape, chain, addrs, deep_out


def _check(honest, shape=None, **kw):
    rec, sh, chain, addrs, deep_out = honest
    st = artifacts.load("StatementCheck")
    data = statement.check_call(shape or sh, deep_out, st.selector("check"), **kw)
    return chain.transact(addrs["st"], data, "check")


def test_honest_accepted_and_recorded(honest):
    r = _check(honest)
    assert r.ok and int.from_bytes(r.output[-32:], "big") == 1


def test_other_claims_rejected(honest):
    _, sh, *_ = honest
    j = sh["journal"]
    assert not _check(honest, exit_code=sh["exit_code"] + 1).ok
    assert not _check(honest, journal=j + b"\x00").ok
    if j:
        assert not _check(honest, journal=bytes([j[0] ^ 1]) + j[1:]).ok
    # a consistent other claim: the public values follow the journal, the transcript differs
    ci = list(sh["input"])
    ci[1] = [sh["exit_code"] + 1, len(j)]
    assert not _check(honest, exit_code=sh["exit_code"] + 1, input_override=ci).ok
    ci = list(sh["input"])
    ci[0] = bytes(32)  # another verifying key
    assert not _check(honest, input_override=ci).ok


def test_tampered_witness_or_shape_rejected(honest):
    rec, sh, chain, addrs, deep_out = honest
    k = next(iter(deep_out))
    rows, p = deep_out[k]
    bad = dict(deep_out)
    bad[k] = (rows, [p[0] ^ 1] + p[1:])
    st = artifacts.load("StatementCheck")
    assert not chain.transact(addrs["st"], statement.check_call(sh, bad, st.selector("check")), "x").ok
    bad[k] = (rows[:-1] + bytes([rows[-1] ^ 1]), p)
    assert not chain.transact(addrs["st"], statement.check_call(sh, bad, st.selector("check")), "x").ok
    for i, delta in ((9, 1), (10, 1)):  # staticBound, batch: another shape is not in the key
        f = list(sh["fields"])
        f[i] = f[i] + delta
        assert not _check(honest, shape=dict(sh, fields=f)).ok
    f = list(sh["fields"])
    td = bytearray(f[19])
    td[7] ^= 1  # one constraint leaf (the first 8-byte entry) taken from another opened value
    f[19] = bytes(td)
    assert not _check(honest, shape=dict(sh, fields=f)).ok  # not in the verifying key
    # ... and registered in a key of its own (same facts): step 9 fails
    bad_sh = dict(sh, fields=f)
    a = statement.deploy(chain, bad_sh, facts=addrs)
    r = chain.transact(a["st"], statement.check_call(bad_sh, deep_out, st.selector("check")), "x")
    assert not r.ok and "constraints a".encode().hex() in r.reason  # Reject("constraints at zeta ...")


@pytest.mark.parametrize("variant", ["constant", "trailing byte"])
def test_substituted_constraint_code_rejected(fib_receipt, variant):
    """The generated constraint code is bound to the verifying key: a statement check handed
    other evaluator contracts for one table (its program with one constant changed, or the
    honest code plus one byte, which still computes the right sum) REJECTs them by their
    EXTCODEHASH ("constraint code"); the honest code on the same verifier ACCEPTs."""
    import struct

    from zkvm.field.babybear import P
    from zkvm.onchain import codegen
    from zkvm.onchain.constraints import compile_program

    def first_constant(code: bytes):  # the offset of the first constant other than 0, 1
        at = 4
        for _ in range(struct.unpack_from(">H", code, 0)[0]):
            if code[at] == 0 and struct.unpack_from(">I", code, at + 1)[0] not in (0, 1):
                return at
            at += 5 if code[at] in (0, 2, 3, 4) else 3
        return None

    raw, iid, _ = fib_receipt
    rec = session.record(raw, iid)
    chain = LocalChain()
    addrs = statement.deploy(chain, statement.shape_of(rec))
    tc = next(t for t in rec.tables if first_constant(compile_program(t.exprs).code) is not None)
    prog = compile_program(tc.exprs)
    honest_ev = codegen.evaluator_code(prog.code, len(prog.slots))
    if variant == "constant":
        at = first_constant(prog.code)
        v = (struct.unpack_from(">I", prog.code, at + 1)[0] + 1) % P
        other_prog = prog.code[:at + 1] + struct.pack(">I", v) + prog.code[at + 5:]
        chunks = codegen.evaluator_code(other_prog, len(prog.slots)).chunks
    else:
        chunks = tuple(c + b"\x00" for c in honest_ev.chunks)
    other = codegen.deploy_evaluator(chain, codegen.Evaluator(tuple(chunks), honest_ev.leaves,
                                                              honest_ev.constraints))
    if variant == "trailing byte":  # the substituted code computes the right sum ...
        ce = artifacts.load("ConstraintEval")
        r = chain.transact(chain.deploy(ce), abi.encode_call(
            ce.selector("evaluateAndRecordCode"), ["address[][]", "uint256[][]", "uint256"],
            [[[bytes.fromhex(x[2:]) for x in other]], [leaf_values(prog, tc.srcs)], pack(tc.alpha)]), "x")
        assert r.ok and unpack(int.from_bytes(r.output[64:96], "big")) == tc.expected
    # the session looks its evaluators up by runtime: hand it the other contracts instead
    honest_map = dict(addrs["programs"])
    addrs["programs"] = {**honest_map, **dict(zip(honest_ev.chunks, other, strict=True))}
    res = statement.verify_onchain(rec, chain, addrs)
    assert not res.accepted
    assert not any(r.label.startswith("ConstraintEval") for r in res.reports)  # no separate transaction
    last = res.reports[-1]
    assert last.label.startswith("StatementCheck") and not last.ok
    assert "constraint c".encode().hex() in last.reason  # ... but is not the registered code
    # the honest code on the same verifier ACCEPTs
    addrs["programs"] = honest_map
    assert statement.verify_onchain(rec, chain, addrs).accepted


def test_evaluator_witness(honest):
    """The evaluator addresses are a witness bound by EXTCODEHASH: another table's code,
    a chunk missing or repeated, an empty or code-less account, fewer or more tables are
    REJECTed ("constraint code"); the honest addresses ACCEPT."""
    _, sh, chain, *_ = honest
    ev = sh["evaluator_addrs"]
    assert len(ev) >= 5  # fibonacci: every live table's code runs inside the statement check
    i = next(k for k in range(len(ev)) if ev[k] != ev[0])
    swapped = list(ev)
    swapped[0], swapped[i] = ev[i], ev[0]
    eoa = "0x" + "00" * 19 + "01"  # a precompile: no code (EXTCODESIZE 0)
    for other in (swapped, ev[:-1], ev + [ev[-1]], [ev[0] + ev[0]] + ev[1:], [[]] + ev[1:],
                  [[eoa]] + ev[1:], [["0x" + "ab" * 20]] + ev[1:]):
        r = _check(honest, evaluators=other)
        assert not r.ok and "constraint c".encode().hex() in r.reason, other
    assert _check(honest, evaluators=ev).ok


def test_next_row_column_sets_bound(honest):
    """Proof format v6: a verifying key whose shape names another column subset at ζ·ω
    (a valid one, registered in a key of its own over the same facts) does not ACCEPT the
    honest receipt: the DEEP terms it recomputes are not those of the recorded facts."""
    rec, sh, chain, addrs, deep_out = honest
    st = artifacts.load("StatementCheck")
    f = list(sh["fields"])
    rhdr, rdata = f[16], list(f[17])
    at = 0
    for r in range(len(rhdr) // 6):
        nlev, nmat, nsl, ncol = rhdr[6 * r + 2:6 * r + 6]
        cols = rdata[at + nlev + nmat + nsl:at + nlev + nmat + nsl + ncol]
        mats = rdata[at + nlev:at + nlev + nmat]
        k, t = 0, 0
        while k < len(cols) and cols[k] == 0:
            k, t = k + 1, t + 1
        if k < len(cols):
            n = cols[k]
            w = next((m >> 8) & 0xFFFFFF for m in mats if (m >> 64) & 0xFFFFFFFF <= t
                     < ((m >> 64) & 0xFFFFFFFF) + ((m >> 96) & 0xFFFFFFFF))
            other = next(x for x in range(w) if x not in cols[k + 1:k + 1 + n])
            new = sorted([other] + cols[k + 2:k + 1 + n])
            rdata[at + nlev + nmat + nsl + k + 1:at + nlev + nmat + nsl + k + 1 + n] = new
            break
        at += nlev + nmat + nsl + ncol
    else:
        raise AssertionError("no column-subset opening at zeta*omega in a v6 receipt")
    f[17] = rdata
    bad_sh = dict(sh, fields=f)
    assert not _check(honest, shape=bad_sh).ok  # not in the verifying key
    a = statement.deploy(chain, bad_sh, facts=addrs)
    r = chain.transact(a["st"], statement.check_call(bad_sh, deep_out, st.selector("check")), "x")
    assert not r.ok and "Merkle/DEEP".encode().hex() in r.reason


def test_cli_verify_accept_and_other_image(tmp_path, fib_receipt):
    raw, iid, path = fib_receipt
    r = runner.invoke(app, ["onchain", "verify", str(path), "--image-id", iid.hex()])
    assert r.exit_code == 0, r.output
    assert "StatementCheck" in r.output and r.output.strip().endswith("ACCEPT")
    other = bytes([iid[0] ^ 1]) + iid[1:]
    with pytest.raises(VerificationError):
        api.verify_receipt(raw, other)
    r = runner.invoke(app, ["onchain", "verify", str(path), "--image-id", other.hex()])
    assert r.exit_code == 1 and "REJECT" in r.output
    assert runner.invoke(app, ["onchain", "verify", str(path), "--image-id", "zz"]).exit_code == 2
    assert runner.invoke(app, ["onchain", "verify", str(tmp_path / "none.bin"), "--image-id",
                               iid.hex()]).exit_code == 2


def test_byte_flips_agree_with_python(fib_receipt):
    raw, iid, _ = fib_receipt
    rng = random.Random(19)
    on_chain = 0
    for _ in range(12):
        b = bytearray(raw)
        pos = rng.randrange(len(b))
        b[pos] ^= 1 << rng.randrange(8)
        b = bytes(b)
        try:
            api.verify_receipt(b, iid)
            py = True
        except VerificationError:
            py = False
        try:
            res = statement.verify_onchain(session.record(b, iid, permissive=True))
            oc = res.accepted
            on_chain += 1
        except VerificationError:
            oc = False  # no encoding to submit (e.g. the proof of work no longer holds)
        assert oc == py, f"flip at byte {pos}: python {py}, on chain {oc}"
    assert on_chain >= 6  # most flips reach the chain and are rejected there


def _flip_sweep(honest, raw, iid, seed: int, n: int):
    """``n`` single-bit flips, one at a random position in each of ``n`` equal slices of
    the receipt (every region is hit: header, commitments, opened values, Merkle data,
    FRI layers, final polynomial, proof of work); each judged by the Python verifier and
    by the contracts of the honest receipt's deployed verifier (stopping at the first
    failing transaction).  Returns the verdict counts; any disagreement fails."""
    _, _, chain, addrs, _ = honest
    rng = random.Random(seed)
    step = len(raw) / n
    seen = {"chain": 0, "no encoding": 0, "python": {}}
    for i in range(n):
        pos = min(len(raw) - 1, int(i * step + rng.random() * step))
        b = bytearray(raw)
        b[pos] ^= 1 << rng.randrange(8)
        b = bytes(b)
        try:
            api.verify_receipt(b, iid)
            py, why = True, "accepted"
        except VerificationError as e:
            py, why = False, type(e).__name__
        seen["python"][why] = seen["python"].get(why, 0) + 1
        try:
            rec = session.record(b, iid, permissive=True)
        except VerificationError:
            oc = False  # nothing to submit: rejected before any on-chain step
            seen["no encoding"] += 1
        else:
            oc = statement.verify_onchain(rec, chain, addrs, fail_fast=True).accepted
            seen["chain"] += 1
        assert oc == py, f"flip at byte {pos}: python {py} ({why}), on chain {oc}"
    return seen


def test_byte_flip_sweep_agrees_with_python(honest, fib_receipt):
    """40 stratified flips (CI); the slow sweep below adds 260 more."""
    raw, iid, _ = fib_receipt
    seen = _flip_sweep(honest, raw, iid, 1919, 40)
    assert seen["chain"] >= 20 and len(seen["python"]) >= 3, seen


@pytest.mark.slow
def test_byte_flip_sweep_large(honest, fib_receipt):
    raw, iid, _ = fib_receipt
    seen = _flip_sweep(honest, raw, iid, 2026, 260)
    print(f"\n260 flips: {seen}")
    assert seen["chain"] >= 130 and len(seen["python"]) >= 3, seen


def test_step11_logup_checked(honest):
    """A StatementCheck over the same fact contracts whose verifying key has another boot
    pc or journal bus (neither is in the transcript): every challenge and fact still
    matches, only the LogUp sum of step 11 fails."""
    rec, sh, chain, addrs, deep_out = honest
    st = artifacts.load("StatementCheck")
    same = statement.deploy(chain, sh, facts=addrs)
    assert chain.transact(same["st"], statement.check_call(sh, deep_out, st.selector("check")), "x").ok
    for other in (dict(sh, entry=sh["entry"] + 4), dict(sh, journal_bus=sh["journal_bus"] + 1)):
        a = statement.deploy(chain, other, facts=addrs)
        r = chain.transact(a["st"], statement.check_call(other, deep_out, st.selector("check")), "x")
        assert not r.ok
        assert "bus sums do n".encode().hex() in r.reason  # Reject("bus sums do not balance")


def test_cli_verify_unsupported_exit_3(monkeypatch, fib_receipt):
    """A constraint program too large for one transaction (as Keccak's is) gives one line
    and exit 3, before any transaction."""
    _, iid, path = fib_receipt
    monkeypatch.setattr(session, "MAX_PROGRAM_NODES", 100)
    r = runner.invoke(app, ["onchain", "verify", str(path), "--image-id", iid.hex()])
    assert r.exit_code == 3, r.output
    assert "unsupported on chain" in r.output and "ACCEPT" not in r.output


def test_malformed_proof_inside_fri_has_no_encoding(monkeypatch, fib_receipt):
    """A ShapeError raised inside the FRI verifier after every other check passed (what a
    flip of the proof's redundant query-index field gives, found by the flip sweep: the
    Python verifier rejects, and the contracts, which read only the decoded values, would
    ACCEPT the honest statement inside): the fact transactions are judged (and pass), the
    statement check is not submitted, the verdict is REJECT."""
    from zkvm.stark import pcs_verifier
    from zkvm.stark.errors import ShapeError

    raw, iid, _ = fib_receipt
    real = pcs_verifier.verify_fri

    def malformed(**kw):
        real(**kw)
        raise ShapeError("FRI: the proof's query indices are not the sampled ones")

    monkeypatch.setattr(pcs_verifier, "verify_fri", malformed)
    with pytest.raises(ShapeError):
        api.verify_receipt(raw, iid)
    with pytest.raises(ShapeError):
        session.record(raw, iid)
    rec = session.record(raw, iid, permissive=True)
    assert "query indices" in rec.fri[0].format_error
    res = statement.verify_onchain(rec)
    assert not res.accepted and "malformed receipt" in res.reason
    assert all(r.ok for r in res.reports[:-1]) and res.reports[-1].label == "StatementCheck (not submitted)"
    monkeypatch.setattr(pcs_verifier, "verify_fri", real)
    assert statement.verify_onchain(session.record(raw, iid, permissive=True)).accepted


@pytest.mark.parametrize("tamper,why", [("first term", "term ranges"), ("width", "column sets"),
                                        ("every column", "opening width"), ("slot", "input size")])
def test_malformed_round_terms_rejected(honest, tamper, why):
    """_terms' assembly scan of a round's matrices and column sets keeps every check, each
    with its reason: a verifying key whose shape (registered, over the same facts) gives a
    matrix another first-term index ("term ranges"), a column set more columns than its
    matrix ("column sets"), opens every column where the proof opened a subset
    ("opening width"), or names a DEEP slot of no FRI input size ("input size") is
    rejected with that reason."""
    rec, sh, chain, addrs, deep_out = honest
    st = artifacts.load("StatementCheck")
    f = list(sh["fields"])
    rhdr, rdata = f[16], list(f[17])
    at = 0
    done = False
    for r in range(len(rhdr) // 6):
        nlev, nmat, nsl, ncol = rhdr[6 * r + 2:6 * r + 6]
        m0, c0 = at + nlev, at + nlev + nmat + nsl
        if tamper == "first term" and nmat > 1:
            rdata[m0 + 1] += 1 << 64
            done = True
        elif tamper == "width" and 0 in rdata[c0:c0 + ncol]:
            k = rdata[c0:c0 + ncol].index(0)
            rdata[c0 + k] = ((rdata[m0] >> 8) & 0xFFFFFF) + 1 if k == 0 else 1 << 40
            done = True
        elif tamper == "slot" and nsl:
            rdata[at + nlev + nmat] = 999
            done = True
        elif tamper == "every column":
            k = 0
            while k < ncol:
                if rdata[c0 + k] != 0:
                    rdata[c0 + k] = 0
                    done = True
                    break
                k += 1
        if done:
            break
        at += nlev + nmat + nsl + ncol
    assert done
    f[17] = rdata
    bad_sh = dict(sh, fields=f)
    a = statement.deploy(chain, bad_sh, facts=addrs)
    r = chain.transact(a["st"], statement.check_call(bad_sh, deep_out, st.selector("check")), "x")
    assert not r.ok and why.encode().hex() in r.reason, r.reason


def test_split_chip_tables_accepted(testing_params):
    """A receipt whose addsub and branch rows are split over two tables each
    (zkvm.machine.chips.ShardAir) is ACCEPTed on chain like any other."""
    from zkvm.machine import Machine
    from zkvm.riscv.layout import Program
    from zkvm.stark.proof import Proof
    from zkvm.stark.system import EMPTY_LOG_HEIGHT

    from tests.support.core_programs import fib_loop_words

    m = Machine.for_program(Program.from_words(fib_loop_words(40)), testing_params)
    m.shard_min_log = 3
    r = m.prove()
    heights = dict(zip([a.name for a in m.airs], Proof.from_bytes(r.proof).log_heights))
    assert heights["addsub#2"] != EMPTY_LOG_HEIGHT and heights["branch#2"] != EMPTY_LOG_HEIGHT
    res = statement.verify_onchain(session.record(r.to_bytes(), m.image_id), LocalChain())
    assert res.accepted, res.reason

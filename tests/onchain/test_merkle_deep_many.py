"""MerkleFacts.registerOpeningsDeepMany (several input rounds at the same leaf indices and
tree height in one transaction) against the separate registerOpeningsDeep calls: the same
partials and exactly the same facts (recomputed here from the arguments, as the statement
check does); a flipped row byte (a bad Merkle path), a non-canonical term word or a
different α in any one round reverts the whole call (no round's fact recorded); the
session only batches rounds that share the height, the leaf indices and α."""

import dataclasses

import pytest

from zkvm import api
from zkvm.evm.ethutil import keccak256
from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.onchain import abi, artifacts, deep, merkle, session
from zkvm.onchain.chain import LocalChain


@pytest.fixture(scope="module")
def rounds(fib_receipt):
    raw, iid, _ = fib_receipt
    st, dp = [], []
    with merkle._recording(st), deep.recording(dp):
        api.verify_receipt(raw, iid)
    specs = {sp.root: sp for cap in dp for sp in deep.specs_of(cap)}
    inputs = [(g, specs[g.root]) for g in merkle.group_statements(st)
              if g.root in specs and specs[g.root].Lr == g.L]
    by_l: dict = {}
    for g, sp in inputs:
        by_l.setdefault(g.L, []).append((g, sp))
    best = max(by_l.values(), key=len)
    assert len(best) >= 2, "the receipt has no two input rounds of one height"
    return best


def _fact(g, sp, idx, partials) -> bytes:
    """The fact registerOpeningsDeep records (recomputed from its arguments)."""
    rows = b"".join(merkle.row_bytes(g.L, g.dims, g.by_index[i].rows) for i in idx)
    levels = merkle.levels_of(g.L, g.dims)
    opening = keccak256(bytes(g.root) + abi.word(g.L) + keccak256(b"".join(abi.word(v) for v in levels))
                        + keccak256(b"".join(abi.word(i) for i in idx)) + keccak256(rows))
    spec = keccak256(abi.encode_args(list(deep.DEEP_TYPES), sp.encode()))
    return keccak256(opening + spec + keccak256(b"".join(abi.word(v) for v in partials)))


def _words(out: bytes) -> list[int]:
    n = int.from_bytes(out[32:64], "big")
    return [int.from_bytes(out[64 + 32 * j:96 + 32 * j], "big") for j in range(n)]


def _valid(chain, addr, mf, fact: bytes) -> bool:
    out = chain.call(addr, abi.encode_call(mf.selector("isValid"), ["bytes32"], [fact]))
    return int.from_bytes(out[:32], "big") == 1


def test_many_records_the_facts_of_the_single_calls(rounds):
    mf = artifacts.load("MerkleFacts")
    idx = sorted(rounds[0][0].by_index)
    # the separate calls
    c1 = LocalChain()
    a1 = c1.deploy(mf)
    single = []
    for g, sp in rounds:
        r = c1.transact(a1, merkle.deep_call(g, mf.selector("registerOpeningsDeep"), sp))
        assert r.ok
        single.append(_words(r.output))
    # one call
    c2 = LocalChain()
    a2 = c2.deploy(mf)
    r = c2.transact(a2, merkle.deep_many_call([g for g, _ in rounds], mf.selector("registerOpeningsDeepMany"),
                                              [sp for _, sp in rounds]))
    assert r.ok
    assert _words(r.output) == [v for part in single for v in part]
    for (g, sp), part in zip(rounds, single, strict=True):
        assert len(part) == len(idx) * len(sp.slots)
        f = _fact(g, sp, idx, part)
        assert _valid(c1, a1, mf, f) and _valid(c2, a2, mf, f)
        assert not _valid(c2, a2, mf, keccak256(f))


def _many_reverts(rounds, tamper) -> None:
    mf = artifacts.load("MerkleFacts")
    c = LocalChain()
    a = c.deploy(mf)
    r = c.transact(a, merkle.deep_many_call([g for g, _ in rounds], mf.selector("registerOpeningsDeepMany"),
                                            [sp for _, sp in rounds], tamper=tamper))
    assert not r.ok
    # nothing recorded: not even the untouched rounds' facts
    c1 = LocalChain()
    a1 = c1.deploy(mf)
    idx = sorted(rounds[0][0].by_index)
    for g, sp in rounds:
        r1 = c1.transact(a1, merkle.deep_call(g, mf.selector("registerOpeningsDeep"), sp))
        assert not _valid(c, a, mf, _fact(g, sp, idx, _words(r1.output)))


@pytest.mark.parametrize("what", ["row", "term", "alpha"])
def test_one_bad_round_reverts_the_whole_call(rounds, what):
    for k in range(len(rounds)):
        def tamper(j, args, k=k):
            if j != k:
                return
            if what == "row":  # a flipped row byte: the Merkle walk fails
                rows = bytearray(args["rows"])
                rows[len(rows) // 2] ^= 1
                args["rows"] = bytes(rows)
            elif what == "term":  # a term word with a lane ≥ p
                ys = args["deep"][2][1]  # term 0's ys: coordinate 1 := p
                args["deep"][2][1] = (ys & ~((2**64 - 1) << 64)) | (P << 64)
            else:  # another α in this round only
                args["deep"][0] = args["deep"][0] ^ 1
        _many_reverts(rounds, tamper)


def test_session_batches_only_rounds_that_share_indices_height_and_alpha(rounds):
    assert session.deep_many(rounds)
    assert not session.deep_many(rounds[:1])
    g, sp = rounds[1]
    g2 = merkle.Group(g.root, g.L, g.dims, dict(g.by_index))
    del g2.by_index[min(g2.by_index)]
    assert not session.deep_many([rounds[0], (g2, sp)])
    assert not session.deep_many([rounds[0], (g, dataclasses.replace(sp, alpha=sp.alpha + Ext.ONE))])
    g3 = merkle.Group(g.root, g.L + 1, g.dims, g.by_index)
    assert not session.deep_many([rounds[0], (g3, sp)])
    with pytest.raises(ValueError):
        merkle.deep_many_call([rounds[0][0], g3], b"\0" * 4, [rounds[0][1], sp])


def _first_subset(cols):
    """(position of the first column-subset term's n in cols, n), else None."""
    at = 0
    while at < len(cols):
        n = cols[at]
        if n:
            return at, n
        at += 1 + n
    return None


def _bad_shapes(rounds):
    """Malformed Deep shapes of round 0 (every one must be rejected by _checkDeep)."""
    g, sp = rounds[0]
    enc = sp.encode()
    out = []
    terms = enc[2]
    for lane in range(4):
        for v in (P, 1 << 32, (1 << 64) - 1):
            t = list(terms)
            t[1] = (t[1] & ~(((1 << 64) - 1) << (64 * lane))) | (v << (64 * lane))
            out.append(("term", 2, t))
    mats = enc[1]
    m0 = mats[0]
    out.append(("L > Lr", 1, [(m0 & ~0xFF) | (g.L + 1)] + mats[1:]))
    out.append(("no slot", 1, [(m0 & ~0xFF) | (min(enc[3]) - 1)] + mats[1:]))
    out.append(("outside the row", 1, [m0 | (1 << 40)] + mats[1:]))
    out.append(("term ranges", 1, [m0 + (1 << 64)] + mats[1:]))
    out.append(("too few terms", 2, terms[:-3]))
    out.append(("not a multiple of 3", 2, terms[:-1]))
    cols = enc[4]
    out.append(("cols long", 4, cols + [0]))
    out.append(("cols short", 4, cols[:-1]))
    return out


def test_malformed_deep_shapes_are_rejected(rounds):
    mf = artifacts.load("MerkleFacts")
    c = LocalChain()
    a = c.deploy(mf)
    gs, sps = [g for g, _ in rounds], [sp for _, sp in rounds]
    assert c.transact(a, merkle.deep_many_call(gs, mf.selector("registerOpeningsDeepMany"), sps)).ok
    cases = _bad_shapes(rounds)
    # the column subsets (proof format v6): a round with a subset of ≥ 2 columns
    for k, (g, sp) in enumerate(rounds):
        enc = sp.encode()
        hit = _first_subset(enc[4])
        if hit is None:
            continue
        at, n = hit
        fs = [("column ≥ w", lambda cl: cl.__setitem__(at + n, 1 << 23)),
              ("n too large", lambda cl: cl.__setitem__(at, 1 << 23))]
        if n > 1:
            fs += [("not increasing", lambda cl: cl.__setitem__(at + 2, cl[at + 1])),
                   ("decreasing", lambda cl: cl.__setitem__(at + 1, cl[at + 2] + 1))]
        for what, f in fs:
            cl = list(enc[4])
            f(cl)
            cases.append((what, 4, cl, k))
        break
    assert len(cases) > 17, "no column-subset term in these rounds"
    for case in cases:
        what, field, value = case[:3]
        k = case[3] if len(case) > 3 else 0

        def tamper(j, args, k=k, field=field, value=value):
            if j == k:
                args["deep"][field] = value
        r = c.transact(a, merkle.deep_many_call(gs, mf.selector("registerOpeningsDeepMany"), sps, tamper=tamper))
        assert not r.ok, what


def test_rounds_batched_by_the_statement_check_are_not_merged(rounds, fib_receipt, monkeypatch):
    """A round whose leaves the statement check looks up in several facts (more leaves
    than deep_batch) is not merged into a Many call (which records one fact per round over
    all its leaves): with the batch forced below the receipt's 8 leaves the session falls
    back to one registerOpeningsDeep per round and batch, and the receipt is still
    ACCEPTed end to end."""
    from zkvm.onchain import statement

    assert session.deep_many(rounds)
    monkeypatch.setattr(session, "DEEP_BATCH", 5)
    assert all(session.deep_batch(g) == 5 < len(g.by_index) for g, _ in rounds)
    assert not session.deep_many(rounds)
    raw, iid, _ = fib_receipt
    res = statement.verify_onchain(session.record(raw, iid))
    assert res.accepted, res.reason
    assert not any("rounds" in r.label for r in res.reports)

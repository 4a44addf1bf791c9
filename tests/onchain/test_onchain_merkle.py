"""MerkleFacts.sol against the Python Merkle verifier (issue 19): every Merkle statement
of a real receipt is accepted on chain and recorded as a fact; tampered calldata (random
bit flips in rows and siblings, wrong index, root, height, dropped or extra siblings) gets
the same verdict from the contract and from the Python reference (complete_paths +
verify_opening), and a rejected call records nothing."""

import random

import pytest

from zkvm.onchain import abi, artifacts, merkle
from zkvm.onchain.chain import TX_GAS_CAP, LocalChain, calldata_floor
from zkvm.onchain.reference import merkle_verdict

keccak = pytest.importorskip("ethereum.crypto.hash").keccak256


@pytest.fixture(scope="module")
def groups(fib_receipt):
    raw, iid, _ = fib_receipt
    st = merkle.record_statements(raw, iid)
    gs = merkle.group_statements(st)
    assert len(gs) >= 5  # input rounds + FRI layers
    return gs


@pytest.fixture(scope="module")
def facts():
    art = artifacts.load("MerkleFacts")
    c = LocalChain()
    return c, c.deploy(art), art


def _args(g):
    idx = sorted(g.by_index)
    sts = [g.by_index[i] for i in idx]
    return {"root": g.root, "L": g.L, "levels": merkle.levels_of(g.L, g.dims), "indices": idx,
            "rows": b"".join(merkle.row_bytes(g.L, g.dims, s.rows) for s in sts),
            "siblings": merkle.multiproof(g.L, idx, [s.path for s in sts])}


def _send(facts, a):
    c, addr, art = facts
    data = abi.encode_call(art.selector("registerOpenings"),
                           ["bytes32", "uint256", "uint256[]", "uint256[]", "bytes", "bytes32[]"],
                           [a["root"], a["L"], a["levels"], a["indices"], a["rows"], a["siblings"]])
    return c.transact(addr, data)


def _fact(a) -> bytes:
    lv = keccak(b"".join(abi.word(x) for x in a["levels"]))
    ix = keccak(b"".join(abi.word(x) for x in a["indices"]))
    return keccak(a["root"] + abi.word(a["L"]) + lv + ix + keccak(a["rows"]))


def _is_fact(facts, f: bytes) -> bool:
    c, addr, art = facts
    return c.call(addr, art.selector("isValid") + f)[-1] == 1


def test_honest_openings_become_facts(groups, facts):
    for g in groups:
        a = _args(g)
        assert merkle_verdict(g.root, g.L, g.dims, **{k: a[k] for k in ("levels", "indices", "rows", "siblings")})
        assert not _is_fact(facts, _fact(a))
        rep = _send(facts, a)
        assert rep.ok, rep.reason
        assert rep.gas <= TX_GAS_CAP and rep.gas >= calldata_floor(b"\x01" * 4)
        assert _is_fact(facts, _fact(a))


def _tamper(rng, a, kind):
    a = dict(a)
    if kind == "row_bit":
        b = bytearray(a["rows"])
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
        a["rows"] = bytes(b)
    elif kind == "sibling_bit" and a["siblings"]:
        s = list(a["siblings"])
        j = rng.randrange(len(s))
        b = bytearray(s[j])
        b[rng.randrange(32)] ^= 1 << rng.randrange(8)
        s[j] = bytes(b)
        a["siblings"] = s
    elif kind == "index":
        ix = list(a["indices"])
        j = rng.randrange(len(ix))
        ix[j] = (ix[j] + rng.randrange(1, 4)) % (1 << a["L"])
        a["indices"] = ix
    elif kind == "root":
        a["root"] = bytes([a["root"][0] ^ 0x80]) + a["root"][1:]
    elif kind == "height":
        a["L"] = a["L"] + rng.choice((-1, 1))
    elif kind == "drop_sibling" and a["siblings"]:
        s = list(a["siblings"])
        del s[rng.randrange(len(s))]
        a["siblings"] = s
    elif kind == "extra_sibling":
        a["siblings"] = list(a["siblings"]) + [bytes(32)]
    elif kind == "swap_rows" and len(a["indices"]) > 1:
        n = len(a["indices"])
        rb = len(a["rows"]) // n
        i, j = rng.sample(range(n), 2)
        chunks = [a["rows"][k * rb:(k + 1) * rb] for k in range(n)]
        chunks[i], chunks[j] = chunks[j], chunks[i]
        a["rows"] = b"".join(chunks)
    elif kind == "truncate":
        a["rows"] = a["rows"][:-4]
    return a


KINDS = ["row_bit", "sibling_bit", "index", "root", "height", "drop_sibling", "extra_sibling",
         "swap_rows", "truncate"]


def test_tampered_openings_same_verdict(groups, facts):
    """Hundreds of tampered calls: the contract and the Python verifier agree on every
    one, and nothing tampered is recorded."""
    rng = random.Random(19)
    n = disagree = accepted = 0
    for _ in range(300):
        g = rng.choice(groups)
        honest = _fact(_args(g))
        a = _tamper(rng, _args(g), rng.choice(KINDS))
        py = merkle_verdict(a["root"], a["L"], g.dims, a["levels"], a["indices"], a["rows"], a["siblings"])
        rep = _send(facts, a)
        n += 1
        if rep.ok != py:
            disagree += 1
        if rep.ok:
            accepted += 1
            assert _is_fact(facts, _fact(a))
        elif _fact(a) != honest:  # a tamper of the siblings alone leaves the honest fact
            assert not _is_fact(facts, _fact(a))
    assert n == 300 and disagree == 0
    assert accepted <= 20  # only no-op tampers (e.g. an index bumped onto a duplicate) can pass


def test_contract_sizes():
    for name in artifacts.names():
        assert len(artifacts.load(name).deployed_bytecode) <= artifacts.MAX_CODE_SIZE


def test_many_openings_in_one_call(groups):
    """registerOpeningsMany (the FRI layers in one transaction) records exactly the facts of
    one registerOpenings per opening, and nothing at all when any one opening is tampered
    (the same verdict as the Python verifier's for that opening)."""
    rng = random.Random(7)
    art = artifacts.load("MerkleFacts")
    sel = art.selector("registerOpeningsMany")
    c = LocalChain()
    addr = c.deploy(art)
    fx = (c, addr, art)
    gs = groups[-4:]  # the last groups: FRI layers (one matrix each)
    assert all(len(g.dims) == 1 for g in gs)
    for kind in KINDS:
        k = rng.randrange(len(gs))
        tampered = {}

        def tamper(j, a, kind=kind, k=k):
            if j == k:
                tampered.update(_tamper(rng, a, kind))
                a.update(tampered)

        rep = c.transact(addr, merkle.encode_many(gs, sel, tamper), "many")
        t = tampered
        py = merkle_verdict(t["root"], t["L"], gs[k].dims, t["levels"], t["indices"], t["rows"], t["siblings"])
        assert rep.ok == py, kind
        if not rep.ok:
            assert not any(_is_fact(fx, _fact(_args(g))) for j, g in enumerate(gs) if j != k), kind
    rep = c.transact(addr, merkle.encode_many(gs, sel), "many")
    assert rep.ok, rep.reason
    assert all(_is_fact(fx, _fact(_args(g))) for g in gs)


def test_shared_injected_rows_must_be_identical(facts):
    """Queries under one node of a lower-height matrix must open byte-identical rows of it
    (the walk hashes the node's first query's rows into the node and compares the
    others'): on a tree of three heights with leaf indices sharing nodes at every
    injected height, the honest call is accepted, and changing one query's copy of one
    shared row -- the first query's or a later one's -- is rejected by the contract and
    by the Python reference."""
    import numpy as np

    from zkvm.merkle.tree import MerkleTree

    rng = np.random.default_rng(5)
    mats = [rng.integers(0, 2**31 - 2**27, size=(1 << lh, w), dtype=np.uint32)
            for lh, w in ((6, 3), (4, 2), (2, 1))]
    t = MerkleTree(mats)
    dims = tuple((lh, m.shape[1]) for lh, m in zip((6, 4, 2), mats))
    idx = [4, 5, 7, 20, 21, 40, 63]
    opened = [t.open(i) for i in idx]
    a = {"root": t.root, "L": 6, "levels": merkle.levels_of(6, dims), "indices": idx,
         "rows": b"".join(merkle.row_bytes(6, dims, r) for r, _ in opened),
         "siblings": merkle.multiproof(6, idx, [p for _, p in opened])}
    assert merkle_verdict(a["root"], 6, dims, a["levels"], idx, a["rows"], a["siblings"])
    rep = _send(facts, a)
    assert rep.ok, rep.reason
    rb = len(a["rows"]) // len(idx)
    tried = 0
    for at, lh in ((12, 4), (20, 2)):  # byte offsets of the heights 2^4 and 2^2 in a query's rows
        for j in range(len(idx)):
            if not any(idx[k] >> (6 - lh) == idx[j] >> (6 - lh) for k in range(len(idx)) if k != j):
                continue
            b = bytearray(a["rows"])
            b[j * rb + at] ^= 1
            t2 = dict(a, rows=bytes(b))
            py = merkle_verdict(t2["root"], 6, dims, t2["levels"], idx, t2["rows"], t2["siblings"])
            rep = _send(facts, t2)
            assert not py and not rep.ok, (lh, j)
            tried += 1
    assert tried >= 8

"""FriQueries.sol (the FRI query phase) against the Python FRI code: the FRI data of a
real receipt (recorded from the Python verifier) is accepted once its layer rows are
MerkleFacts facts; tampered β's, final polynomial, DEEP inputs RO, query indices, layer
rows or commitments get the same verdict from the contract and from the Python
reference (zkvm.onchain.reference.fri_verdict), and nothing tampered is recorded."""

import random

import pytest

from zkvm import api
from zkvm.onchain import abi, artifacts, fri, merkle
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.reference import fri_verdict


@pytest.fixture(scope="module")
def setup(fib_receipt):
    raw, iid, _ = fib_receipt
    st, fr = [], []
    with merkle._recording(st), fri.recording(fr):
        api.verify_receipt(raw, iid)
    assert len(fr) == 1
    c = LocalChain()
    mf, fq = artifacts.load("MerkleFacts"), artifacts.load("FriQueries")
    a_mf = c.deploy(mf)
    a_fq = c.deploy(fq, abi.word(bytes.fromhex(a_mf[2:])))
    for g in merkle.group_statements(st):
        assert c.transact(a_mf, merkle.encode_group(g, mf.selector("registerOpenings"))).ok
    return c, a_fq, fq, fri.args_of(fr[0])


def _send(setup, args):
    c, a_fq, fq, _ = setup
    return c.transact(a_fq, fri.encode(fq.selector("verify"), args))


def _is_fact(setup, args) -> bool:
    c, a_fq, fq, _ = setup
    f = c.call(a_fq, abi.encode_call(fq.selector("factOf"), [fri.ARGS_TYPES], [args]))
    return c.call(a_fq, fq.selector("facts") + f)[-1] == 1


def test_honest_fri_accepted(setup):
    args = setup[3]
    assert fri_verdict(args, (args[0], args[8]))
    rep = _send(setup, args)
    assert rep.ok, rep.reason
    assert _is_fact(setup, args)


def _flip_ext(rng, w):
    i = rng.randrange(4)
    return w ^ (1 << (64 * i + rng.randrange(31)))


def test_tampered_fri_same_verdict(setup):
    honest = setup[3]
    ref = (honest[0], honest[8])
    rng = random.Random(17)
    for n in range(60):
        a = [list(x) if isinstance(x, list) else x for x in honest]
        kind = n % 6
        if kind == 0:
            j = rng.randrange(len(a[3]))
            a[3][j] = _flip_ext(rng, a[3][j])
        elif kind == 1:
            j = rng.randrange(len(a[4]))
            a[4][j] = _flip_ext(rng, a[4][j])
        elif kind == 2:
            j = rng.randrange(len(a[7]))
            a[7][j] = _flip_ext(rng, a[7][j])
        elif kind == 3:
            j = rng.randrange(len(a[6]))
            a[6][j] = a[6][j] ^ (1 << rng.randrange(a[1]))
        elif kind == 4:
            j = rng.randrange(len(a[8]))
            b = bytearray(a[8][j])
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            a[8][j] = bytes(b)
        else:
            j = rng.randrange(len(a[0]))
            a[0][j] = bytes([a[0][j][0] ^ 1]) + a[0][j][1:]
        py = fri_verdict(a, ref)
        rep = _send(setup, a)
        assert rep.ok == py, (kind, rep.reason)
        assert not rep.ok  # every one of these tampers breaks FRI or the Merkle link
        if kind != 4:  # the rows are not part of the fact (the commitments bind them)
            assert not _is_fact(setup, a)


def test_fri_with_paths(fib_receipt):
    """FriQueries.verifyWithPaths checks the layers' Merkle paths itself (no MerkleFacts
    facts exist on this chain): the honest query phase is accepted and records verify's
    fact; a flipped sibling bit, a flipped layer-row bit (which the Python verifier rejects),
    a sibling dropped or added, a missing layer's siblings or another layer's siblings
    revert and record nothing."""
    raw, iid, _ = fib_receipt
    st, fr = [], []
    with merkle._recording(st), fri.recording(fr):
        api.verify_receipt(raw, iid)
    c = LocalChain()
    mf, fq = artifacts.load("MerkleFacts"), artifacts.load("FriQueries")
    a_mf = c.deploy(mf)
    a_fq = c.deploy(fq, abi.word(bytes.fromhex(a_mf[2:])))
    args = fri.args_of(fr[0])
    by_root = {bytes(g.root): g for g in merkle.group_statements(st)}
    sibs = []
    for root in args[0]:
        g = by_root[bytes(root)]
        idx = sorted(g.by_index)
        sibs.append(merkle.multiproof(g.L, idx, [g.by_index[i].path for i in idx]))
    sel = fq.selector("verifyWithPaths")
    setup = (c, a_fq, fq, args)
    assert not _send(setup, args).ok  # verify: the layer facts do not exist here
    rng = random.Random(3)
    bad_cases = []
    s = [list(x) for x in sibs]
    j = rng.randrange(len(s))
    k = rng.randrange(len(s[j]))
    s[j][k] = bytes([s[j][k][0] ^ 1]) + s[j][k][1:]
    bad_cases.append((args, s))
    rows = list(args[8])
    r = bytearray(rows[1])
    r[5] ^= 0x10
    rows[1] = bytes(r)
    bad_args = list(args)
    bad_args[8] = rows
    assert not fri_verdict(bad_args, (args[0], args[8]))
    bad_cases.append((bad_args, sibs))
    bad_cases.append((args, [x[:-1] for x in sibs[:1]] + sibs[1:]))
    bad_cases.append((args, [sibs[0] + [bytes(32)]] + sibs[1:]))
    bad_cases.append((args, sibs[:-1]))
    bad_cases.append((args, [sibs[1], sibs[0]] + sibs[2:]))
    for a, sb in bad_cases:
        rep = c.transact(a_fq, fri.encode_with_paths(sel, a, sb))
        assert not rep.ok
        assert not _is_fact(setup, args) and not _is_fact(setup, a)
    rep = c.transact(a_fq, fri.encode_with_paths(sel, args, sibs))
    assert rep.ok, rep.reason
    assert _is_fact(setup, args)

"""MerkleFacts.registerOpeningsDeep (the DEEP reduced openings, computed from the rows the
same call authenticates) against the Python verifier: for every query of a real receipt,
the on-chain partials summed over the commitment rounds equal the RO_L values the Python
FRI verifier consumed (recorded); a wrong PCS α or a wrong claimed value changes them; a
flipped row byte fails the Merkle walk."""

import dataclasses

import pytest

from zkvm import api
from zkvm.field.ext import Ext
from zkvm.onchain import artifacts, deep, fri, merkle
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import unpack


@pytest.fixture(scope="module")
def rec(fib_receipt):
    raw, iid, _ = fib_receipt
    st, fr, dp = [], [], []
    with merkle._recording(st), fri.recording(fr), deep.recording(dp):
        api.verify_receipt(raw, iid)
    groups = {g.root: g for g in merkle.group_statements(st)}
    return groups, fr[0], deep.specs_of(dp[0])


def _partials(chain, addr, sel, g, spec):
    rep = chain.transact(addr, merkle.deep_call(g, sel, spec))
    if not rep.ok:
        return None
    out = rep.output
    n = int.from_bytes(out[32:64], "big")
    vals = [unpack(int.from_bytes(out[64 + 32 * i:96 + 32 * i], "big")) for i in range(n)]
    ns = len(spec.slots)
    return {(i, L): vals[qi * ns + s] for qi, i in enumerate(sorted(g.by_index))
            for s, L in enumerate(spec.slots)}


def test_partials_sum_to_fri_inputs(rec):
    groups, fr, specs = rec
    c = LocalChain()
    mf = artifacts.load("MerkleFacts")
    a = c.deploy(mf)
    sel = mf.selector("registerOpeningsDeep")
    parts = []
    for sp in specs:
        p = _partials(c, a, sel, groups[sp.root], sp)
        assert p is not None
        parts.append((sp, p))
    for qi, q in enumerate(fr.queries):
        for L, v in fr.ro[qi].items():
            acc = Ext.ZERO
            for sp, p in parts:
                if L in sp.slots:
                    acc = acc + p[(q >> (fr.L0 - sp.Lr), L)]
            assert acc == v
    # a wrong α or claimed value changes the partials; a flipped row byte reverts
    sp, p = parts[0]
    g = groups[sp.root]
    bad_alpha = dataclasses.replace(sp, alpha=sp.alpha + Ext.ONE)
    assert _partials(c, a, sel, g, bad_alpha) != p
    t = list(sp.terms)
    z, ys, off = t[0]
    t[0] = (z, ys + Ext.ONE, off)
    assert _partials(c, a, sel, g, dataclasses.replace(sp, terms=t)) != p
    i0 = min(g.by_index)
    s0 = g.by_index[i0]
    rows = [list(r) for r in s0.rows]
    rows[0][0] ^= 1
    g2 = merkle.Group(g.root, g.L, g.dims, dict(g.by_index))
    g2.by_index[i0] = dataclasses.replace(s0, rows=tuple(tuple(r) for r in rows))
    assert _partials(c, a, sel, g2, sp) is None

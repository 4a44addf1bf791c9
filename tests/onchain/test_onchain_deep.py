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


def _subset_term(spec):
    """(term index, position of its header in spec.cols) of the first column-subset term."""
    at, t = 0, 0
    while at < len(spec.cols):
        n = spec.cols[at]
        if n:
            return t, at
        at += 1 + n
        t += 1
    return None


def test_next_row_openings_are_column_subsets(rec):
    """Proof format v6: at ζ·ω only the columns read at the next row are opened, and the
    DEEP kernel combines them with α^c of their original column index c: a wrong column
    set changes the partials, a malformed one reverts."""
    groups, fr, specs = rec
    with_sub = [sp for sp in specs if _subset_term(sp) is not None]
    assert with_sub, "no column-subset opening at zeta*omega in a v6 receipt"
    sp = with_sub[0]
    g = groups[sp.root]
    c = LocalChain()
    mf = artifacts.load("MerkleFacts")
    a = c.deploy(mf)
    sel = mf.selector("registerOpeningsDeep")
    honest = _partials(c, a, sel, g, sp)
    assert honest is not None
    t, at = _subset_term(sp)
    n = sp.cols[at]
    w = next(m[1] for m in sp.mats if m[3] <= t < m[3] + m[4])
    cols = list(sp.cols)
    # another (valid) column set of the same size: the combination differs
    first = cols[at + 1]
    other = next(x for x in range(w) if x not in cols[at + 1:at + 1 + n])
    idx = sorted([other] + cols[at + 2:at + 1 + n])
    alt = cols[:at + 1] + idx + cols[at + 1 + n:]
    assert first != other
    assert _partials(c, a, sel, g, dataclasses.replace(sp, cols=alt)) != honest
    # every column instead of the subset (same values claimed): differs or reverts
    full = cols[:at] + [0] + cols[at + 1 + n:]
    assert _partials(c, a, sel, g, dataclasses.replace(sp, cols=full)) != honest
    # malformed: an index >= w, a count over w, a trailing word
    bad_idx = list(cols)
    bad_idx[at + n] = w  # the subset's last index (still increasing)
    assert _partials(c, a, sel, g, dataclasses.replace(sp, cols=bad_idx)) is None
    assert _partials(c, a, sel, g, dataclasses.replace(sp, cols=cols[:at] + [w + 1] + cols[at + 1:])) is None
    assert _partials(c, a, sel, g, dataclasses.replace(sp, cols=cols + [0])) is None
    if n >= 2:  # not strictly increasing
        dup = cols[:at + 2] + [cols[at + 1]] + cols[at + 3:]
        assert _partials(c, a, sel, g, dataclasses.replace(sp, cols=dup)) is None


def _bitrev(j: int, n: int) -> int:
    return int(format(j, f"0{n}b")[::-1], 2) if n else 0


def test_inverse_of_x_minus_z_any_point(rec):
    """The per-group 1/(x − z) (the norm trick of _deepLeaves' dens, x in F_p, z in the
    extension) for arbitrary points: with term 0's point replaced by random z, changing
    its ys by δ changes the partial of each leaf by exactly −off·δ/(x − z) (Python field
    arithmetic); z equal to a leaf's LDE point x reverts (as the Python verifier's
    division by zero)."""
    import random

    from zkvm.field.babybear import P, two_adic_generator

    groups, fr, specs = rec
    c = LocalChain()
    mf = artifacts.load("MerkleFacts")
    a = c.deploy(mf)
    sel = mf.selector("registerOpeningsDeep")
    rng = random.Random(5)
    for sp in specs[:2]:
        g = groups[sp.root]
        m = next(mm for mm in sp.mats if mm[3] == 0)  # the matrix of term 0: (L, w, off, t0, n)
        L = m[0]
        z0, ys, off = sp.terms[0]
        for _ in range(3):
            z = Ext(tuple(rng.randrange(P) for _ in range(4)))
            d = Ext(tuple(rng.randrange(P) for _ in range(4)))
            t = list(sp.terms)
            t[0] = (z, ys, off)
            p0 = _partials(c, a, sel, g, dataclasses.replace(sp, terms=t))
            t[0] = (z, ys + d, off)
            p1 = _partials(c, a, sel, g, dataclasses.replace(sp, terms=t))
            assert p0 is not None and p1 is not None
            for i in sorted(g.by_index):
                x = 31 * pow(two_adic_generator(L), _bitrev(i >> (sp.Lr - L), L), P) % P
                assert p1[(i, L)] - p0[(i, L)] == Ext.ZERO - off * d / (Ext.from_base(x) - z)
                for L2 in sp.slots:
                    if L2 != L:
                        assert p1[(i, L2)] == p0[(i, L2)]
        i0 = min(g.by_index)
        x = 31 * pow(two_adic_generator(L), _bitrev(i0 >> (sp.Lr - L), L), P) % P
        t = list(sp.terms)
        t[0] = (Ext.from_base(x), ys, off)
        assert _partials(c, a, sel, g, dataclasses.replace(sp, terms=t)) is None

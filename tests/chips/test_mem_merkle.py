"""Paging circuits (zkvm.chips.mem_merkle, docs/continuations.md §3), standalone.

System: ``mem_page``, ``mem_node``, ``poseidon2``, ``bytes`` and a test-only ``mem_user``
table that performs memory accesses through ``buses.mem_access`` (so MEMORY balances
against the page rows); the verifier receives ``NODE(24, 0, root_in, root_out)`` from
the public values (16: the two roots, 8 field elements each).

Honest traces pass the checker and prove/verify; forged witnesses are rejected: a wrong
entry word, a wrong sibling digest, a duplicated page, a RAM page aliasing the
registers, the salt row doing memory traffic, a wrong ``root_out``, a skipped level, a
wrong half-page digest ``a_in`` (the leaf recomputed from it), a wrong ``poseidon2``
multiplicity.
Constraint-level tests use ``tests.support.mutation``: a forgery the mutant (constraint
switched off) accepts and the real system rejects.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkvm import memtree as mt
from zkvm.chips import buses
from zkvm.chips.bytes import BytesAir
from zkvm.chips.mem_merkle import (DIGEST, HASH, NODE, MemNodeAir, MemPageAir, PagingError,
                                   Poseidon2Air, paging_witness)
from zkvm.chips.poseidon2 import Poseidon2AirError
from zkvm.memtree import DEPTH, MemTree
from tests.support import mutation as mu
from zkvm.stark.air import Air, Columns
from zkvm.stark.checker import check_traces
from zkvm.stark.system import StarkSystem


class MemUserAir(Air):
    """TEST-ONLY: one memory access per row (key, prev, new, t, prev_ts)."""

    name = "mem_user"
    columns = Columns("is_real", "key", ("prev", 4), ("new", 4), "t", "prev_ts", "lo", "hi")
    max_degree = 3

    def eval(self, b):
        loc = b.local
        b.assert_bool(loc.is_real, "is_real_bool")
        buses.mem_access(b, loc.key, loc.prev, loc.new, loc.t, loc.prev_ts, loc.lo, loc.hi,
                         loc.is_real, "acc")
        buses.range_u8_pair(b, loc.new[0], loc.new[1], loc.is_real, "new01")
        buses.range_u8_pair(b, loc.new[2], loc.new[3], loc.is_real, "new23")

    def generate_trace(self, acc):
        t = self.columns.new_trace(max(8, 1 << (len(acc) - 1).bit_length()))
        v = self.columns.view(t)
        for i, (k, prev, new, tt, pts) in enumerate(acc):
            v.is_real[i] = 1
            v.key[i] = k
            v.prev[i] = [(prev >> (8 * j)) & 0xFF for j in range(4)]
            v.new[i] = [(new >> (8 * j)) & 0xFF for j in range(4)]
            v.t[i] = tt
            v.prev_ts[i] = pts
            lo, hi = buses.ts_diff_limbs([tt], [pts])
            v.lo[i], v.hi[i] = lo[0], hi[0]
        return t


def public_roots(pv):
    return [(NODE, [DEPTH, 0, *pv[:2 * DIGEST]], -1)]


class Scenario:
    """Entry memory, a list of accesses, the paging witness and the system."""

    RAM = 1 << 16  # page 1024

    def __init__(self, params, extra_untouched=True):
        rng = random.Random(7)
        ent = {5: 0x1234, 2: 0x7FFF0000, self.RAM: 0xDEADBEEF, self.RAM + 8: 77,
               self.RAM + 64 + 12: 0xCAFE, (1 << 22) + 4: 9}
        self.salt_in = [rng.getrandbits(32) for _ in range(16)]
        self.salt_out = [rng.getrandbits(32) for _ in range(16)]
        self.entry_words = ent
        self.entry = MemTree.from_words(list(ent), list(ent.values()), self.salt_in)
        # accesses: (key, new value) at times 1, 2, ... (reads keep the value)
        ops = [(5, None), (5, 0x55), (self.RAM, None), (self.RAM + 4, 0xABCDEF01),
               (self.RAM + 4, None), (17, 3), (2, 0x80000000)]
        mem = dict(ent)
        last = {}
        self.acc = []
        for t, (k, new) in enumerate(ops, start=1):
            prev = mem.get(k, 0)
            new = prev if new is None else new
            self.acc.append((k, prev, new, t, last.get(k, 0)))
            mem[k] = new
            last[k] = t
        self.final_mem = mem
        keys = sorted(last)
        if extra_untouched:  # page 1025 listed with final time 0: a touched page, no access
            keys = sorted(keys + [self.RAM + 64 + 12])
        self.keys = keys
        self.vals = [mem.get(k, 0) for k in keys]
        self.fts = [last.get(k, 0) for k in keys]
        self.pw = paging_witness(self.entry, keys, self.vals, self.fts, self.salt_out)
        self.pv = mt.digest_elems(self.pw.root_in) + mt.digest_elems(self.pw.root_out)
        self.airs = [MemPageAir(), MemNodeAir(), Poseidon2Air(), BytesAir(), MemUserAir()]
        self.system = StarkSystem(self.airs, params, num_public_values=2 * DIGEST,
                                  public_interactions=public_roots, name="paging-test")

    def trace_dict(self):
        tr = dict(self.pw.traces)
        tr = {k: v.copy() for k, v in tr.items()}
        tr["mem_user"] = self.airs[-1].generate_trace(self.acc)
        return tr

    def finish(self, tr, system=None, pv=None):
        """Bytes multiplicities for ``tr`` (a cheating prover commits whatever counts
        balance its lookups), ordered list."""
        from zkvm.machine import Machine

        system = system or self.system
        tr = dict(tr)
        tr["bytes"] = np.zeros((65536, 1), np.uint32)
        tr["bytes"] = Machine._bytes_trace(None, system, tr, pv or self.pv)
        return [tr[a.name] for a in self.airs]

    def check(self, tr, pv=None, system=None):
        pv = pv or self.pv
        return check_traces(system or self.system, self.finish(tr, system, pv), pv)


def rehash(tr, parts_from_words=True, forge=None):
    """Make the HASH / NODE digests of (possibly forged) ``mem_page``/``mem_node`` rows
    consistent: each page row's half-page digests ``a``/``b`` from its words and its leaf
    ``C(a ‖ b)``, parents from their children (received children from the sending row,
    untouched siblings as in the row), bottom-up, and a fresh ``poseidon2`` trace with
    one row (multiplicity 1) per HASH send, in the order: per page row ``in`` (A, B,
    leaf) then ``out`` (A, B, leaf); then the node rows by level, ``in`` then ``out``.
    Returns the new root pair (16 elements: in, out), None if no row sends the root.

    ``parts_from_words=False``: keep the rows' ``a_*``/``b_*`` columns as they are (a
    forgery of the half-page digests) and derive only the leaves and the nodes from them;
    the ``poseidon2`` rows are still the genuine compressions of the blocks sent.

    ``forge`` (``tests/support/constraint_coverage.py``, the Poseidon2 fault forgeries):
    send number ``forge.index`` (in the order above) gets the digest
    ``forge.digest(block)`` (None: give up, return None) and its row of the fresh
    ``poseidon2`` trace (row ``forge.index``: one row per send) is rewritten by
    ``forge.patch(trace)``."""
    page, node = MemPageAir.columns, MemNodeAir.columns
    vp, vn = page.view(tr["mem_page"]), node.view(tr["mem_node"])

    def words(limbs):
        l = limbs.astype(np.int64).reshape(-1, 4)
        return (l[:, 0] | l[:, 1] << 8 | l[:, 2] << 16 | l[:, 3] << 24).astype(np.uint32)

    sent = {}
    blocks = []

    def compress(blk):
        blk = np.asarray(blk, dtype=np.uint32).reshape(16)
        forged = forge is not None and len(blocks) == forge.index
        blocks.append(blk)
        return forge.digest(blk) if forged else mt.compress_blocks(blk[None])[0]

    for i in np.flatnonzero(vp.is_real):
        for side in ("in", "out"):
            h = mt.word_halves(words(getattr(vp, "v_" + side)[i])[None])[0]
            a, b = compress(h[:16]), compress(h[16:])
            if a is None or b is None:
                return None
            if parts_from_words:
                getattr(vp, "a_" + side)[i], getattr(vp, "b_" + side)[i] = a, b
            a, b = getattr(vp, "a_" + side)[i], getattr(vp, "b_" + side)[i]
            leaf = compress(np.concatenate([a, b]))
            if leaf is None:
                return None
            getattr(vp, "leaf_" + side)[i] = leaf
        sent[(0, int(vp.page[i]))] = (vp.leaf_in[i].copy(), vp.leaf_out[i].copy())
    order = sorted(np.flatnonzero(vn.is_real), key=lambda i: int(vn.level[i]))
    for i in order:
        lvl, idx = int(vn.level[i]), int(vn.index[i])
        for side, has, c in (("l", vn.has_l[i], 2 * idx), ("r", vn.has_r[i], 2 * idx + 1)):
            if has and (lvl - 1, c) in sent:
                getattr(vn, side + "_in")[i], getattr(vn, side + "_out")[i] = sent[(lvl - 1, c)]
        for s in ("in", "out"):
            blk = np.concatenate([getattr(vn, "l_" + s)[i], getattr(vn, "r_" + s)[i]])
            d = compress(blk)
            if d is None:
                return None
            getattr(vn, "p_" + s)[i] = d
        sent[(lvl, idx)] = (vn.p_in[i].copy(), vn.p_out[i].copy())
    tr["poseidon2"] = Poseidon2Air().generate_trace(np.array(blocks))
    if forge is not None:
        forge.patch(tr["poseidon2"])
    root = sent.get((DEPTH, 0))
    return None if root is None else [int(x) for x in root[0]] + [int(x) for x in root[1]]


def _failing(rep):
    return {f.constraint for f in rep.constraint_failures} | {str(b.bus) for b in rep.bus_imbalances}


@pytest.fixture(scope="module")
def sc(testing_params):
    return Scenario(testing_params)


# ------------------------------------------------------------------ witness shape
def test_witness_shape_and_roots(sc):
    pw = sc.pw
    assert list(pw.pages) == [0, 1, 2, 1024, 1025]   # the page of (1 << 22) + 4 is untouched
    assert pw.root_in.tolist() == sc.entry.root().tolist()
    exp = MemTree.from_words(list(sc.final_mem), list(sc.final_mem.values()), sc.salt_out)
    assert pw.exit_tree.root_bytes() == exp.root_bytes()
    assert pw.root_out.tolist() == exp.root().tolist()
    assert pw.sends == 6 * len(pw.pages) + 2 * pw.node_rows
    th = Poseidon2Air.columns.view(pw.traces["poseidon2"])
    assert int(th.mult.sum()) == pw.sends           # every send received once in all
    assert 0 < pw.hash_calls < pw.sends              # page 1025 is read only: its blocks twice
    assert int((th.mult > 0).sum()) == pw.hash_calls  # one row per distinct block
    assert not th.mult[pw.hash_calls:].any()         # then padding rows, received 0 times
    # every row's message is a block and its compression
    dig = pw.traces["poseidon2"][:, Poseidon2Air.digest_columns()]
    assert np.array_equal(dig, mt.compress_blocks(th.inp))
    # the page rows carry A, B and the leaf of their words (memtree.leaf_parts)
    vp = MemPageAir.columns.view(pw.traces["mem_page"])
    n = len(pw.pages)
    for side, tree in (("in", sc.entry), ("out", pw.exit_tree)):
        a, b, leaf = mt.leaf_parts(tree.pages_words(pw.pages))
        assert np.array_equal(getattr(vp, "a_" + side)[:n], a)
        assert np.array_equal(getattr(vp, "b_" + side)[:n], b)
        assert np.array_equal(getattr(vp, "leaf_" + side)[:n], leaf)
        assert np.array_equal(leaf, tree.nodes(0, pw.pages))


def test_witness_rejects_bad_input(sc):
    with pytest.raises(PagingError):
        paging_witness(sc.entry, [8, 4], [0, 0], [1, 1], sc.salt_out)        # not sorted
    with pytest.raises(PagingError):
        paging_witness(sc.entry, [4], [0], [1 << 24], sc.salt_out)           # time too big
    with pytest.raises(PagingError):
        paging_witness(sc.entry, [4], [0], [1], sc.salt_out[:3])


def test_bus_ids_free():
    from zkvm.precompiles.registry import BUS_IDS

    assert NODE.id == BUS_IDS["mem_node"] and HASH.id == BUS_IDS["p2_hash"]
    assert "sha256_hash" not in BUS_IDS
    assert (NODE.width, HASH.width) == (2 + 2 * DIGEST, 16 + DIGEST) == (18, 24)
    assert len(set(BUS_IDS.values())) == len(BUS_IDS)  # every id allocated once


# ------------------------------------------------------------------ honest
def test_honest_passes_checker(sc):
    rep = sc.check(sc.trace_dict())
    assert rep.ok, str(rep)


def test_rehash_is_identity_on_honest(sc):
    tr = sc.trace_dict()
    ref = {k: v.copy() for k, v in tr.items()}
    assert rehash(tr) == sc.pv
    for k in ("mem_page", "mem_node"):
        assert np.array_equal(tr[k], ref[k])
    # rehash compresses every send (multiplicity 1 each): the same messages, more rows
    h = Poseidon2Air.columns.view(tr["poseidon2"])
    assert int((h.mult > 0).sum()) == int(h.mult.sum()) == sc.pw.sends
    assert sc.check(tr).ok


# ------------------------------------------------------------------ forgeries
def _page_row(tr, page):
    v = MemPageAir.columns.view(tr["mem_page"])
    return int(np.flatnonzero((v.page == page) & (v.is_real == 1))[0]), v


def test_wrong_entry_word_rejected(sc):
    """An untouched word of a touched page given another entry value: MEMORY still
    balances (in = out), every digest recomputed, but root_in is no longer the public one."""
    tr = sc.trace_dict()
    i, v = _page_row(tr, 1025)
    v.v_in[i, 0] ^= 1
    v.v_out[i, 0] ^= 1
    roots = rehash(tr)
    rep = sc.check(tr)
    assert not rep.ok and "mem_node" in _failing(rep) and not rep.constraint_failures
    assert sc.check(tr, pv=roots).ok   # consistent with *its* roots: only the root binds it


def test_wrong_sibling_digest_rejected(sc):
    tr = sc.trace_dict()
    u = MemNodeAir.columns.view(tr["mem_node"])
    i = int(np.flatnonzero((u.is_real == 1) & (u.has_r == 0) & (u.level == 12))[0])
    u.r_in[i, 3] ^= 5
    u.r_out[i, 3] ^= 5
    rehash(tr)
    rep = sc.check(tr)
    assert not rep.ok and "mem_node" in _failing(rep)


def test_duplicated_page_rejected(sc):
    tr = sc.trace_dict()
    i, v = _page_row(tr, 1025)
    n = int(v.is_real.sum())
    tr["mem_page"][n] = tr["mem_page"][i]
    rehash(tr)
    rep = sc.check(tr)
    assert not rep.ok
    assert _failing(rep) == {"mem_node"}   # MEMORY balances (no access), HASH rebuilt


def test_ram_page_aliasing_registers_rejected(sc):
    """Page 0 relabelled as RAM: keys 0, 4, …, 60 instead of the registers 0..15."""
    tr = sc.trace_dict()
    i, v = _page_row(tr, 0)
    v.is_reg[i], v.is_ram[i], v.kbase[i], v.kstep[i] = 0, 1, 0, 4
    rep = sc.check(tr)
    assert "ram_page" in _failing(rep)


def test_salt_row_cannot_send_memory(sc):
    tr = sc.trace_dict()
    i, v = _page_row(tr, 2)
    v.is_salt[i], v.is_reg[i], v.kbase[i], v.kstep[i] = 0, 1, 32, 1
    rep = sc.check(tr)
    assert "reg_page" in _failing(rep)


def test_wrong_root_out_rejected(sc):
    """root_out of the memory without the last write (x2 := 0x80000000)."""
    mem = dict(sc.final_mem)
    mem[2] = sc.entry_words[2]
    wrong = MemTree.from_words(list(mem), list(mem.values()), sc.salt_out)
    pv = sc.pv[:DIGEST] + mt.digest_elems(wrong.root())
    rep = sc.check(sc.trace_dict(), pv=pv)
    assert not rep.ok and _failing(rep) == {"mem_node"}


def test_final_value_lie_rejected(sc):
    """The page row claims another final value for x2 (and the tree agrees with it)."""
    tr = sc.trace_dict()
    i, v = _page_row(tr, 0)
    v.v_out[i, 8] ^= 1
    roots = rehash(tr)
    rep = sc.check(tr, pv=roots)
    assert not rep.ok and _failing(rep) == {"memory"}


def test_skipped_level_rejected(sc):
    tr = sc.trace_dict()
    u = MemNodeAir.columns.view(tr["mem_node"])
    i = int(np.flatnonzero((u.is_real == 1) & (u.level == 7))[0])
    t = tr["mem_node"]
    t[i:-1] = t[i + 1:].copy()
    rehash(tr)
    assert not sc.check(tr).ok


def test_wrong_half_page_digest_rejected(sc):
    """A page row's entry half-page digest ``a_in`` changed, its leaf (and every digest
    above it, and the public ``root_in``) recomputed from the forged ``a_in``: the send
    ``hash_a_in`` — the page's words 0..7 paired with a digest that is not their
    compression — has no receiver (a ``poseidon2`` row receives only ``(inp, C(inp))``)."""
    tr = sc.trace_dict()
    i, v = _page_row(tr, 1025)
    v.a_in[i, 0] = (int(v.a_in[i, 0]) + 1) % mu.P
    roots = rehash(tr, parts_from_words=False)
    assert roots[:DIGEST] != sc.pv[:DIGEST] and roots[DIGEST:] == sc.pv[DIGEST:]
    # rehash gave every send its own poseidon2 row: the genuine compression of this
    # send's block (page row i's first send) is left unreceived, as a cheating prover would
    h = Poseidon2Air.columns.view(tr["poseidon2"])
    assert np.array_equal(h.inp[6 * i], mt.word_halves(sc.entry.pages_words([1025]))[0, :16])
    h.mult[6 * i] = 0
    rep = sc.check(tr, pv=roots)
    assert not rep.ok and not rep.constraint_failures and _failing(rep) == {"p2_hash"}
    (bad,) = rep.bus_imbalances
    assert bad.net == 1 and [s[:2] for s in bad.sources] == [("mem_page", "hash_a_in")]
    assert list(bad.values[16:]) == [int(x) for x in v.a_in[i]]
    # the same rebuild with a_in honest passes (fresh traces: the forged ones stay as
    # checked, tests/support/constraint_coverage.py records them)
    tr = sc.trace_dict()
    assert rehash(tr, parts_from_words=False) == sc.pv
    assert sc.check(tr).ok


def _row_received(tr, at_least):
    """First ``poseidon2`` row received at least ``at_least`` times, and the view."""
    h = Poseidon2Air.columns.view(tr["poseidon2"])
    return int(np.flatnonzero(h.mult >= at_least)[0]), h


@pytest.mark.parametrize("delta", [-1, 1])
def test_wrong_hash_multiplicity_rejected(sc, delta):
    """A repeated block received once too few or too many times: HASH does not balance."""
    tr = sc.trace_dict()
    i, h = _row_received(tr, 2)
    h.mult[i] = int(h.mult[i]) + delta
    rep = sc.check(tr)
    assert not rep.ok and not rep.constraint_failures and _failing(rep) == {"p2_hash"}


@pytest.mark.parametrize("to", ["padding", "other_block"])
def test_hash_multiplicity_moved_rejected(sc, to):
    """A row's multiplicity moved to a padding row (the zero block) or to the row of
    another block: both messages unbalanced.  (Moving the *zero* block's count onto a
    padding row is harmless and accepted: padding rows are genuine compressions of the
    zero block, and ``mult`` only counts receives of a row's own message.)"""
    tr = sc.trace_dict()
    h = Poseidon2Air.columns.view(tr["poseidon2"])
    n = sc.pw.hash_calls
    assert tr["poseidon2"].shape[0] > n              # the scenario's table has padding rows
    assert not h.inp[n:].any() and h.inp[n - 1].any()   # padding: zero block; n-1: not
    i, j = (n - 1, n) if to == "padding" else (n - 1, 0)
    h.mult[j], h.mult[i] = int(h.mult[j]) + int(h.mult[i]), 0
    rep = sc.check(tr)
    assert not rep.ok and not rep.constraint_failures and _failing(rep) == {"p2_hash"}
    assert len(rep.bus_imbalances) == 2
    if to == "padding":                              # the zero block (row 0): same message
        tr = sc.trace_dict()
        h = Poseidon2Air.columns.view(tr["poseidon2"])
        assert not h.inp[0].any() and int(h.mult[0]) > 0
        h.mult[n], h.mult[0] = h.mult[0], 0
        assert sc.check(tr).ok


@pytest.mark.parametrize("what", ["compression", "leaf"])
def test_witness_checks_every_digest_against_the_compression(sc, monkeypatch, what):
    """The tree's digests are checked against one compression per distinct block, mapped
    back to every send, and its leaves against the pages' words (``leaf_parts``): a wrong
    compression of any block, or a wrong leaf, is a PagingError."""
    import zkvm.chips.mem_merkle as M

    if what == "compression":
        real = M.compress_blocks

        def wrong_last(blocks):
            out = real(blocks).copy()
            out[-1, 0] = (int(out[-1, 0]) + 1) % mu.P
            return out

        monkeypatch.setattr(M, "compress_blocks", wrong_last)
    else:
        real_parts = M.leaf_parts

        def wrong_leaf(words):
            a, b, leaf = real_parts(words)
            leaf = leaf.copy()
            leaf[0, 0] = (int(leaf[0, 0]) + 1) % mu.P
            return a, b, leaf

        monkeypatch.setattr(M, "leaf_parts", wrong_leaf)
    with pytest.raises(PagingError, match="disagree"):
        paging_witness(sc.entry, sc.keys, sc.vals, sc.fts, sc.salt_out)


def test_generate_trace_rejects_bad_multiplicities():
    blocks = np.zeros((2, 16), np.uint32)
    with pytest.raises(Poseidon2AirError):
        Poseidon2Air().generate_trace(blocks, [1])            # one per block
    with pytest.raises(Poseidon2AirError):
        Poseidon2Air().generate_trace(blocks, [1, -1])
    with pytest.raises(ValueError):                            # Poseidon2AirError is one
        Poseidon2Air().generate_trace(blocks, [1, mu.P])


def test_paging_compresses_each_distinct_block_once():
    """Zero pages, read-only pages and zero subtrees share blocks: one compression each."""
    zero = MemTree.from_words([], [], [0] * 16)
    ram = 1 << 16
    keys = [ram + 64 * k for k in range(8)]                # 8 fresh (zero) pages
    vals = [0, 0, 0, 0, 5, 6, 7, 8]                         # the first four stay zero
    pw = paging_witness(zero, keys, vals, [1] * 8, [0] * 16)
    uniq = Poseidon2Air.unique_blocks(np.zeros((3, 16), np.uint32))
    assert uniq[0].shape == (1, 16) and uniq[1].tolist() == [3] and uniq[2].tolist() == [0, 0, 0]
    # 9 page rows (the salt page, 1024..1031), 38 node rows (the salt page's path: 24;
    # pages 1024..1031 below level 11, where the paths meet: 4 + 2 + 8)
    assert (len(pw.pages), pw.node_rows) == (9, 38)
    assert pw.sends == 6 * len(pw.pages) + 2 * pw.node_rows == 130
    # The entry tree is all zeros: two distinct blocks at level 0 (the all-zero half page,
    # and Z_a ‖ Z_a for the leaf), one per level above (24).  Exit: pages 1028..1031 have
    # a new half page 0..7 each (4) and a new leaf block (4), their half page 8..15 is the
    # zero one; their level-1 nodes (2), level 2 (1), level 3 (1, node 128 over pages
    # 1024..1031) and one node per level above it (21) are new; pages 1024..1027 and the
    # salt page stay zero, so they and their subtrees repeat entry blocks.
    assert pw.hash_calls == 2 + 24 + 4 + 4 + 2 + 1 + 1 + 21
    h = Poseidon2Air.columns.view(pw.traces["poseidon2"])
    assert int(h.mult.sum()) == pw.sends and int((h.mult > 0).sum()) == pw.hash_calls
    # the all-zero half page: 9 pages × 2 halves at entry, 5 × 2 + 4 at exit
    zrow = int(np.flatnonzero((h.inp == 0).all(axis=1) & (h.mult > 0))[0])
    assert int(h.mult[zrow]) == int(h.mult.max()) == 32


# ------------------------------------------------------------------ load-bearing constraints
def _shows(sc, tr, names, pv=None):
    pv = pv or sc.pv
    weak = mu.mutant(sc.system, names)
    return mu.shows_load_bearing(sc.system, weak, sc.finish(tr, weak, pv), pv)


def test_l_keep_is_load_bearing(sc):
    """Without l_keep/r_keep an untouched sibling's out digest is free: a prover rewrites
    memory it never accessed (root_out of its choice)."""
    tr = sc.trace_dict()
    u = MemNodeAir.columns.view(tr["mem_node"])
    i = int(np.flatnonzero((u.is_real == 1) & (u.has_r == 0) & (u.level == 12))[0])
    u.r_out[i, 3] ^= 5
    roots = rehash(tr)
    pv = sc.pv[:DIGEST] + roots[DIGEST:]
    assert _shows(sc, tr, ["mem_node.r_keep3"], pv)


def test_kind_and_page_constraints_load_bearing(sc):
    # salt row relabelled as a register page: it could forge register records
    tr = sc.trace_dict()
    i, v = _page_row(tr, 2)
    v.is_salt[i], v.is_reg[i], v.kbase[i], v.kstep[i] = 0, 1, 32, 1
    # its keys 32..47 are not touched by anyone: records cancel (in = out, fts = 0)
    v.v_out[i] = v.v_in[i]
    rehash(tr)
    assert _shows(sc, tr, ["mem_page.reg_page"], sc.pv[:DIGEST] + rehash(tr)[DIGEST:])


def test_level_range_load_bearing(sc):
    """A node row at level 0 standing in for an untouched page's leaf ``C(A ‖ B)`` (its
    children the page's half-page digests; harmless, but the tree shape would not be
    canonical)."""
    tr = sc.trace_dict()
    i, v = _page_row(tr, 1025)
    u = MemNodeAir.columns.view(tr["mem_node"])
    n = int(u.is_real.sum())
    leaf_in = v.leaf_in[i].copy()
    u.is_real[n], u.level[n], u.index[n] = 1, 0, 1025
    u.l_in[n] = u.l_out[n] = v.a_in[i]
    u.r_in[n] = u.r_out[n] = v.b_in[i]
    tr["mem_page"][i:-1] = tr["mem_page"][i + 1:].copy()
    rehash(tr)
    assert np.array_equal(u.p_in[n], leaf_in)
    assert _shows(sc, tr, ["mem_node.level_range"])


# ------------------------------------------------------------------ proofs
@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_prove_verify_and_forgery_rejected(sc, monkeypatch):
    from zkvm.stark import prover, verifier

    monkeypatch.setenv("ZKVM_QUOTIENT", "numpy")
    pk, vk = sc.system.setup()
    proof = prover.prove(pk, sc.finish(sc.trace_dict()), sc.pv, debug=False)
    verifier.verify(vk, proof, sc.pv)

    tr = sc.trace_dict()
    i, v = _page_row(tr, 1025)
    v.v_in[i, 0] ^= 1
    v.v_out[i, 0] ^= 1
    rehash(tr)
    bad = prover.prove(pk, sc.finish(tr), sc.pv, debug=False)
    with pytest.raises(Exception):
        verifier.verify(vk, bad, sc.pv)

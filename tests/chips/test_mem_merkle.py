"""Paging circuits (zkvm.chips.mem_merkle, docs/continuations.md §3), standalone.

System: ``mem_page``, ``mem_node``, ``sha256_hash``, ``sha256_round``, ``bytes`` and a
test-only ``mem_user`` table that performs memory accesses through
``buses.mem_access`` (so MEMORY balances against the page rows); the verifier receives
``NODE(24, 0, root_in, root_out)`` from the public values (32 halves).

Honest traces pass the checker and prove/verify; forged witnesses are rejected: a wrong
entry word, a wrong sibling digest, a duplicated page, a RAM page aliasing the
registers, the salt row doing memory traffic, a wrong ``root_out``, a skipped level.
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
from zkvm.chips.mem_merkle import (HASH, NODE, MemNodeAir, MemPageAir, PagingError,
                                   paging_witness)
from zkvm.precompiles.sha256.air import IV_WORDS, Sha256HashAir, Sha256RoundAir
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
    return [(NODE, [DEPTH, 0, *pv[:32]], -1)]


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
        self.pv = mt.halves(self.pw.root_in) + mt.halves(self.pw.root_out)
        self.airs = [MemPageAir(), MemNodeAir(), Sha256HashAir(), Sha256RoundAir(), BytesAir(),
                     MemUserAir()]
        self.system = StarkSystem(self.airs, params, num_public_values=32,
                                  public_interactions=public_roots, name="paging-test")

    def trace_dict(self):
        tr = dict(self.pw.traces)
        tr = {k: v.copy() for k, v in tr.items()}
        tr["mem_user"] = self.airs[5].generate_trace(self.acc)
        return tr

    def finish(self, tr, system=None, pv=None):
        """Round/bytes multiplicities for ``tr`` (a cheating prover commits whatever
        counts balance its lookups), ordered list."""
        from zkvm.machine import Machine

        system = system or self.system
        tr = dict(tr)
        tr["sha256_round"] = Sha256RoundAir.generate_trace(Sha256HashAir.calls_of(tr["sha256_hash"]))
        tr["bytes"] = np.zeros((65536, 1), np.uint32)
        tr["bytes"] = Machine._bytes_trace(None, system, tr, pv or self.pv)
        return [tr[a.name] for a in self.airs]

    def check(self, tr, pv=None, system=None):
        pv = pv or self.pv
        return check_traces(system or self.system, self.finish(tr, system, pv), pv)


def rehash(tr, forge=None):
    """Make the HASH / NODE digests of (possibly forged) ``mem_page``/``mem_node`` rows
    consistent: leaves from the page words, parents from their children (received
    children from the sending row, untouched siblings as in the row), bottom-up, and a
    fresh ``sha256_hash`` trace for every HASH message.  Returns the new root pair.

    ``forge`` (tests/support/coverage_sha.py): compression number ``forge.index`` (in the order
    below: page rows' in / out leaves, then node rows by level) gets the digest
    ``forge.digest(block)`` (None: give up, return None) and its 64 rows of the fresh
    ``sha256_hash`` trace are rewritten by ``forge.patch(trace)``."""
    page, node = MemPageAir.columns, MemNodeAir.columns
    vp, vn = page.view(tr["mem_page"]), node.view(tr["mem_node"])

    def words(limbs):
        l = limbs.astype(np.int64).reshape(-1, 4)
        return (l[:, 0] | l[:, 1] << 8 | l[:, 2] << 16 | l[:, 3] << 24).astype(np.uint32)

    def h16(d):
        return np.array(mt.halves(d), dtype=np.uint32)

    def w8(h):
        h = h.astype(np.int64)
        return (h[0::2] | h[1::2] << 16).astype(np.uint32)

    sent = {}
    blocks = []

    def compress(blk):
        if forge is not None and len(blocks) == forge.index:
            return forge.digest(blk)
        return mt.compress_blocks(blk[None])[0]

    for i in np.flatnonzero(vp.is_real):
        for side in ("in", "out"):
            blk = words(getattr(vp, "v_" + side)[i])
            d = compress(blk)
            if d is None:
                return None
            getattr(vp, "leaf_" + side)[i] = h16(d)
            blocks.append(blk)
        sent[(0, int(vp.page[i]))] = (vp.leaf_in[i].copy(), vp.leaf_out[i].copy())
    order = sorted(np.flatnonzero(vn.is_real), key=lambda i: int(vn.level[i]))
    for i in order:
        lvl, idx = int(vn.level[i]), int(vn.index[i])
        for side, has, c in (("l", vn.has_l[i], 2 * idx), ("r", vn.has_r[i], 2 * idx + 1)):
            if has and (lvl - 1, c) in sent:
                getattr(vn, side + "_in")[i], getattr(vn, side + "_out")[i] = sent[(lvl - 1, c)]
        for s in ("in", "out"):
            blk = np.concatenate([w8(getattr(vn, "l_" + s)[i]), w8(getattr(vn, "r_" + s)[i])])
            d = compress(blk)
            if d is None:
                return None
            getattr(vn, "p_" + s)[i] = h16(d)
            blocks.append(blk)
        sent[(lvl, idx)] = (vn.p_in[i].copy(), vn.p_out[i].copy())
    tr["sha256_hash"] = Sha256HashAir().generate_trace(np.array(blocks))
    if forge is not None:
        forge.patch(tr["sha256_hash"])
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
    assert pw.sends == 2 * len(pw.pages) + 2 * pw.node_rows
    th = Sha256HashAir.columns.view(pw.traces["sha256_hash"])
    assert int(th.mult.sum()) == pw.sends           # every send received once in all
    assert 0 < pw.hash_calls < pw.sends              # page 1025 is read only: one block twice
    assert int((th.mult > 0).sum()) == pw.hash_calls == int(th.f_first.sum())
    assert Sha256HashAir.calls_of(pw.traces["sha256_hash"]) == pw.hash_calls
    assert Sha256HashAir.ROUNDS == 64
    assert IV_WORDS == tuple(int(x) for x in __import__("zkvm.hash.sha256", fromlist=["IV"]).IV)


def test_witness_rejects_bad_input(sc):
    with pytest.raises(PagingError):
        paging_witness(sc.entry, [8, 4], [0, 0], [1, 1], sc.salt_out)        # not sorted
    with pytest.raises(PagingError):
        paging_witness(sc.entry, [4], [0], [1 << 24], sc.salt_out)           # time too big
    with pytest.raises(PagingError):
        paging_witness(sc.entry, [4], [0], [1], sc.salt_out[:3])


def test_bus_ids_free():
    from zkvm.precompiles.registry import BUS_IDS

    assert NODE.id == BUS_IDS["mem_node"] and HASH.id == BUS_IDS["sha256_hash"]
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
    # rehash compresses every send (multiplicity 1 each): the same messages, more calls
    assert Sha256HashAir.calls_of(tr["sha256_hash"]) == sc.pw.sends
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
    pv = sc.pv[:16] + mt.halves(wrong.root())
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


def _call_rows(tr, mult_at_least):
    """First row of a ``sha256_hash`` call received at least ``mult_at_least`` times."""
    h = Sha256HashAir.columns.view(tr["sha256_hash"])
    return int(np.flatnonzero(h.mult >= mult_at_least)[0]), h


@pytest.mark.parametrize("delta", [-1, 1])
def test_wrong_hash_multiplicity_rejected(sc, delta):
    """A repeated block received once too few or too many times: HASH does not balance."""
    tr = sc.trace_dict()
    i, h = _call_rows(tr, 2)
    h.mult[i] = int(h.mult[i]) + delta
    rep = sc.check(tr)
    assert not rep.ok and _failing(rep) == {"sha256_hash"}


def test_hash_multiplicity_moved_off_first_row_rejected(sc):
    """The multiplicity of a call moved to its second row: that row's ``w`` is the schedule
    window ``W_1..W_16``, not the block, so the receive would be a false HASH message."""
    tr = sc.trace_dict()
    i, h = _call_rows(tr, 1)
    h.mult[i + 1], h.mult[i] = h.mult[i], 0
    rep = sc.check(tr)
    assert "mult_first_row" in _failing(rep)


class HashUserAir(Air):
    """TEST-ONLY: sends one HASH message (48 halves) per real row."""

    name = "hash_user"
    columns = Columns("is_real", ("msg", 48))
    max_degree = 3

    def eval(self, b):
        b.assert_bool(b.local.is_real, "is_real_bool")
        b.send(HASH, list(b.local.msg), multiplicity=b.local.is_real, name="hash")


def test_mult_first_row_is_load_bearing(testing_params):
    """Without ``mult_first_row`` a row inside a call receives ``(W_1..W_16, C(block))``
    — a digest paired with a block it is not the compression of — and a sender can use
    that false message (here a test-only table sending it)."""
    from zkvm.machine import Machine

    airs = [Sha256HashAir(), Sha256RoundAir(), BytesAir(), HashUserAir()]
    system = StarkSystem(airs, testing_params, num_public_values=0, name="hash-mult-test")
    blocks = np.array([[i * 16 + j + 1 for j in range(16)] for i in range(2)], dtype=np.uint32)
    th = Sha256HashAir().generate_trace(blocks)
    h = Sha256HashAir.columns.view(th)
    h.mult[0], h.mult[1] = 0, 1                   # call 0 received at its second row
    msg = np.concatenate([h.w[1], h.hout[1]])     # (W_1..W_16 halves, C(block 0))
    assert not np.array_equal(msg[:32], h.w[0])
    tu = HashUserAir.columns.new_trace(8)
    u = HashUserAir.columns.view(tu)
    u.is_real[0] = 1
    u.msg[0] = msg
    u.is_real[1] = 1
    u.msg[1] = np.concatenate([h.w[64], h.hout[64]])   # call 1, honest
    tr = {"sha256_hash": th, "sha256_round": Sha256RoundAir.generate_trace(2), "hash_user": tu,
          "bytes": np.zeros((65536, 1), np.uint32)}
    tr["bytes"] = Machine._bytes_trace(None, system, tr, [])
    traces = [tr[a.name] for a in airs]
    weak = mu.mutant(system, ["sha256_hash.mult_first_row"])
    assert mu.shows_load_bearing(system, weak, traces, [])
    h.mult[0], h.mult[1] = 1, 0
    u.msg[0] = np.concatenate([h.w[0], h.hout[0]])
    assert check_traces(system, traces, []).ok        # the honest pair passes the real system


def test_witness_checks_every_digest_against_the_compression(sc, monkeypatch):
    """The tree's digests are checked against one compression per distinct block, mapped
    back to every send: a wrong compression of any block is a PagingError."""
    import zkvm.chips.mem_merkle as M

    real = M.compress_blocks

    def wrong_last(blocks):
        out = real(blocks).copy()
        out[-1, 0] ^= 1
        return out

    monkeypatch.setattr(M, "compress_blocks", wrong_last)
    with pytest.raises(PagingError, match="disagree"):
        paging_witness(sc.entry, sc.keys, sc.vals, sc.fts, sc.salt_out)


def test_generate_trace_rejects_bad_multiplicities():
    with pytest.raises(ValueError):
        Sha256HashAir().generate_trace(np.zeros((2, 16), np.uint32), [1])
    with pytest.raises(ValueError):
        Sha256HashAir().generate_trace(np.zeros((2, 16), np.uint32), [1, 0])


def test_paging_compresses_each_distinct_block_once():
    """Zero pages, read-only pages and zero subtrees share blocks: one compression each."""
    zero = MemTree.from_words([], [], [0] * 16)
    ram = 1 << 16
    keys = [ram + 64 * k for k in range(8)]                # 8 fresh (zero) pages
    vals = [0, 0, 0, 0, 5, 6, 7, 8]                         # the first four stay zero
    pw = paging_witness(zero, keys, vals, [1] * 8, [0] * 16)
    uniq = Sha256HashAir.unique_blocks(np.zeros((3, 16), np.uint32))
    assert uniq[0].shape == (1, 16) and uniq[1].tolist() == [3] and uniq[2].tolist() == [0, 0, 0]
    assert pw.sends == 2 * (len(pw.pages) + pw.node_rows)
    # The entry tree is all zeros: one distinct block per level (leaf + 24 levels).  Exit:
    # pages 1028..1031 are new blocks (4), their level-1 nodes (2), level 2 (1), level 3
    # (1, node 128 over pages 1024..1031) and one node per level above it (21); pages
    # 1024..1027 and the salt page stay zero, so they and their subtrees repeat entry blocks.
    assert pw.sends == 94 and pw.hash_calls == 25 + 4 + 2 + 1 + 1 + 21
    h = Sha256HashAir.columns.view(pw.traces["sha256_hash"])
    assert int(h.mult.sum()) == pw.sends and int(h.mult.max()) > 8


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
    pv = sc.pv[:16] + roots[16:]
    assert _shows(sc, tr, ["mem_node.r_keep3"], pv)


def test_kind_and_page_constraints_load_bearing(sc):
    # salt row relabelled as a register page: it could forge register records
    tr = sc.trace_dict()
    i, v = _page_row(tr, 2)
    v.is_salt[i], v.is_reg[i], v.kbase[i], v.kstep[i] = 0, 1, 32, 1
    # its keys 32..47 are not touched by anyone: records cancel (in = out, fts = 0)
    v.v_out[i] = v.v_in[i]
    rehash(tr)
    assert _shows(sc, tr, ["mem_page.reg_page"], sc.pv[:16] + rehash(tr)[16:])


def test_level_range_load_bearing(sc):
    """A node row at level 0 standing in for an untouched page's leaf (harmless, but the
    tree shape would not be canonical)."""
    tr = sc.trace_dict()
    i, v = _page_row(tr, 1025)
    u = MemNodeAir.columns.view(tr["mem_node"])
    n = int(u.is_real.sum())
    leaf_in = v.leaf_in[i].copy()
    blk = v.v_in[i].astype(np.int64).reshape(16, 4)
    words = blk[:, 0] | blk[:, 1] << 8 | blk[:, 2] << 16 | blk[:, 3] << 24
    h = np.array([x for w in words for x in (w & 0xFFFF, w >> 16)], dtype=np.uint32)
    u.is_real[n], u.level[n], u.index[n] = 1, 0, 1025
    u.l_in[n] = u.l_out[n] = h[:16]
    u.r_in[n] = u.r_out[n] = h[16:]
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

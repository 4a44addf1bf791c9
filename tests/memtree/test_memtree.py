"""The memory Merkle tree (zkvm.memtree, docs/continuations.md §2) against a slow
pure-Python reference: the plain-int Poseidon2 permutation (``zkvm.hash.poseidon2.permute``,
itself checked in tests/hash/test_poseidon2.py), and a recursive tree over the non-empty
pages."""

from __future__ import annotations

import os
import random

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                      ".zkvm-cache", "numba"))

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkvm import memtree as mt
from zkvm.hash import poseidon2 as p2
from zkvm.memtree import DEPTH, MemTree, MemTreeError

M = 0xFFFFFFFF


def ref_compress(elems16):
    """The tree's compression from the plain-int Poseidon2 reference."""
    return p2.compress([int(x) for x in elems16])


def ref_leaf(words16):
    """Leaf of a page: C(C(halves of words 0..7) ‖ C(halves of words 8..15))."""
    h = []
    for w in words16:
        h += [int(w) & 0xFFFF, int(w) >> 16]
    return ref_compress(ref_compress(h[:16]) + ref_compress(h[16:]))


class RefTree:
    """Dictionary of pages -> 16 words; nodes computed recursively (memoised)."""

    def __init__(self, words: dict, salt=None):
        self.pages = {}
        for k, v in words.items():
            s = k if k < 32 else k >> 2
            self.pages.setdefault(s >> 4, [0] * 16)[s & 15] = v
        self.pages[2] = list(salt) if salt is not None else [0] * 16
        self.memo = {}
        z = [ref_leaf([0] * 16)]
        for _ in range(DEPTH):
            z.append(ref_compress(z[-1] + z[-1]))
        self.z = z

    def node(self, lvl, i):
        if (lvl, i) in self.memo:
            return self.memo[lvl, i]
        lo, hi = i << lvl, (i + 1) << lvl
        if not any(lo <= p < hi for p in self.pages):
            return self.z[lvl]
        if lvl == 0:
            r = ref_leaf(self.pages[i])
        else:
            r = ref_compress(self.node(lvl - 1, 2 * i) + self.node(lvl - 1, 2 * i + 1))
        self.memo[lvl, i] = r
        return r


def random_memory(rng, n, span_pages=1 << 12):
    regs = rng.sample(range(32), rng.randrange(0, 5))
    pages = [1024 + rng.randrange(span_pages) for _ in range(n)]
    if rng.random() < 0.3:
        pages.append((1 << 24) - 1)  # the very last page
    keys = set(regs)
    for p in pages:
        keys.add(64 * p + 4 * rng.randrange(16))
    return {k: (0 if rng.random() < 0.1 else rng.getrandbits(32)) for k in keys}


def test_compress_matches_reference():
    rng = np.random.default_rng(0)
    b = rng.integers(0, p2.P, (5, 16), dtype=np.uint64).astype(np.uint32)
    got = mt.compress_blocks(b)
    for i in range(5):
        assert list(got[i]) == ref_compress(b[i])
    assert mt.compress_blocks(np.zeros((0, 16), np.uint32)).shape == (0, 8)
    with pytest.raises(MemTreeError):
        mt.compress_blocks(np.full((1, 16), p2.P, np.uint32))   # not canonical
    with pytest.raises(MemTreeError):
        mt.compress_blocks(np.zeros((1, 15), np.uint32))


def test_leaf_parts_and_zero_digests():
    rng = np.random.default_rng(1)
    w = rng.integers(0, 1 << 32, (3, 16), dtype=np.uint64).astype(np.uint32)
    w[0, :] = 0xFFFFFFFF                     # halves 0xFFFF: canonical whatever the word
    a, b, leaf = mt.leaf_parts(w)
    for i in range(3):
        h = [x for v in w[i] for x in (int(v) & 0xFFFF, int(v) >> 16)]
        assert list(a[i]) == ref_compress(h[:16]) and list(b[i]) == ref_compress(h[16:])
        assert list(leaf[i]) == ref_leaf(w[i])
    z = ref_leaf([0] * 16)
    assert list(mt.ZERO_DIGESTS[0]) == z
    assert list(mt.ZERO_DIGESTS[1]) == ref_compress(z + z)


def test_slots_and_keys():
    keys = np.array([0, 5, 31, 1 << 16, (1 << 16) + 4, (1 << 30) - 4], dtype=np.uint32)
    s = mt.slot_of_key(keys)
    assert list(s) == [0, 5, 31, 1 << 14, (1 << 14) + 1, (1 << 28) - 1]
    assert list(mt.key_of_slot(s)) == list(keys.astype(np.int64))
    assert list(mt.page_of_key(keys)) == [0, 0, 1, 1024, 1024, (1 << 24) - 1]
    for bad in (32, 33, 36, (1 << 16) + 2, 1 << 30, 0xFFFC):
        with pytest.raises(MemTreeError):
            mt.slot_of_key([bad])
    for bad in (32, 40, 47, 1 << 28):
        with pytest.raises(MemTreeError):
            mt.key_of_slot([bad])


@pytest.mark.parametrize("seed", range(6))
def test_tree_matches_reference(seed):
    rng = random.Random(seed)
    words = random_memory(rng, rng.randrange(1, 12), span_pages=rng.choice([4, 64, 1 << 14]))
    salt = [rng.getrandbits(32) for _ in range(16)] if seed % 2 else None
    t = MemTree.from_words(np.array(list(words), dtype=np.uint32),
                           np.array(list(words.values()), dtype=np.uint32), salt)
    ref = RefTree(words, salt)
    assert list(t.root()) == ref.node(DEPTH, 0)
    assert t.root_bytes() == b"".join(x.to_bytes(4, "big") for x in ref.node(DEPTH, 0))
    # every node on the stored paths and some of their siblings
    for p in list(ref.pages):
        for lvl in range(0, DEPTH + 1, 3):
            i = p >> lvl
            assert list(t.node(lvl, i)) == ref.node(lvl, i)
            j = i ^ 1 if lvl < DEPTH else i
            assert list(t.node(lvl, j)) == ref.node(lvl, j)
    for k, v in words.items():
        assert t.word(k) == v
    assert list(t.salt) == (salt or [0] * 16)
    assert list(t.page_words(5000)) == [0] * 16


def test_empty_tree_and_zero_values():
    empty = MemTree.from_words(np.zeros(0, np.uint32), np.zeros(0, np.uint32))
    assert list(empty.root()) == list(mt.ZERO_DIGESTS[DEPTH])
    zeros = MemTree.from_words(np.array([3, 1 << 20], np.uint32), np.array([0, 0], np.uint32))
    assert zeros.root_bytes() == empty.root_bytes()   # stored zero pages change nothing


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_updated_equals_rebuild(seed):
    rng = random.Random(seed)
    words = random_memory(rng, rng.randrange(0, 6), span_pages=256)
    t = MemTree.from_words(np.array(list(words), dtype=np.int64),
                           np.array(list(words.values()), dtype=np.int64))
    upd = random_memory(rng, rng.randrange(0, 4), span_pages=256)
    salt = [rng.getrandbits(32) for _ in range(16)] if rng.random() < 0.5 else None
    t2 = t.updated(np.array(list(upd), dtype=np.int64), np.array(list(upd.values()), dtype=np.int64),
                   salt=salt)
    merged = dict(words)
    merged.update(upd)
    ref = MemTree.from_words(np.array(list(merged), dtype=np.int64),
                             np.array(list(merged.values()), dtype=np.int64), salt)
    assert t2.root_bytes() == ref.root_bytes()
    assert t.root_bytes() == MemTree.from_words(np.array(list(words), dtype=np.int64),
                                                np.array(list(words.values()), dtype=np.int64)).root_bytes()


def test_digest_elems_roundtrip():
    t = MemTree.from_words(np.array([1 << 16], np.uint32), np.array([7], np.uint32))
    e = mt.digest_elems(t.root())
    assert len(e) == 8 and all(0 <= x < p2.P for x in e)
    assert e == [int(x) for x in t.root()] == t.root_elems()
    assert mt.root_from_elems(e) == t.root_bytes()
    assert mt.digest_elems(t.root_bytes()) == e
    with pytest.raises(MemTreeError):
        mt.root_from_elems(e[:7])
    with pytest.raises(MemTreeError):
        mt.root_from_elems([p2.P] + e[1:])                 # not canonical
    with pytest.raises(MemTreeError):
        mt.digest_elems(p2.P.to_bytes(4, "big") + t.root_bytes()[4:])
    with pytest.raises(MemTreeError):
        mt.digest_elems(t.root_bytes()[:31])


def test_bad_inputs_rejected():
    with pytest.raises(MemTreeError):
        MemTree.from_words([36], [1])                      # 36 is not a register nor RAM
    with pytest.raises(MemTreeError):
        MemTree.from_words([1 << 16, 1 << 16], [1, 2])     # duplicate key
    with pytest.raises(MemTreeError):
        MemTree.from_words([1 << 16], [1 << 32])           # not u32
    with pytest.raises(MemTreeError):
        MemTree.from_words([], [], salt=[1, 2, 3])
    t = MemTree.from_words([], [])
    with pytest.raises(MemTreeError):
        t.node(25, 0)
    with pytest.raises(MemTreeError):
        t.node(23, 2)


def test_build_is_fast():
    import time

    rng = np.random.default_rng(1)
    w = rng.choice(1 << 22, 50_000, replace=False) + (1 << 14)
    vals = rng.integers(0, 1 << 32, 50_000, dtype=np.uint64)
    MemTree.from_words(w[:10] * 4, vals[:10])  # compile / load the kernel
    t0 = time.perf_counter()
    MemTree.from_words(w * 4, vals)
    assert time.perf_counter() - t0 < 2.0   # ~0.1 s measured; generous for a loaded CI box

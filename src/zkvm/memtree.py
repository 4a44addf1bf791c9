"""The memory Merkle tree of continuations (docs/continuations.md §2).

Every segment of a continued run starts from a memory **root** and ends at another; this
module computes those roots (and every node the paging circuits need) outside the
circuit.  Pure numpy + :mod:`zkvm.hash.poseidon2` (no chips / stark imports).

Layout
------
* **Slots.** Memory key ``k`` (the circuit's key: a register number ``0..31``, or a RAM
  byte address ``4w`` with ``2^16 ≤ 4w < 2^30``) lives in slot ``s = k`` (registers) or
  ``s = k >> 2`` (RAM).  A **page** is 16 consecutive slots: page ``P = s >> 4``, word
  ``j = s & 15``.  Pages 0 and 1 hold the registers, page 2 is the **salt page** (no key
  maps to it), RAM pages are ``1024 ≤ P < 2^24``.
* **Compression.** ``C(block)``: the truncated Poseidon2 permutation over BabyBear
  (:mod:`zkvm.hash.poseidon2`): 16 field elements in, the first 8 of the permuted state
  out (a digest: 8 canonical elements).
* **Tree.** A page's 16 u32 words are 32 field elements, the ``(lo, hi)`` 16-bit halves of
  each word in word order (:func:`word_halves`).  Leaf (level 0) of page ``P`` =
  ``C(A ‖ B)`` with ``A = C(halves of words 0..7)``, ``B = C(halves of words 8..15)``
  (:func:`leaf_parts`); node ``(l, i) = C(node(l−1, 2i) ‖ node(l−1, 2i+1))``; depth
  :data:`DEPTH` = 24, root = node ``(24, 0)``.  Empty subtrees have the default digests
  ``Z_0`` = the leaf of an all-zero page, ``Z_{l+1} = C(Z_l ‖ Z_l)`` (:data:`ZERO_DIGESTS`).
  The depth is fixed and every node's level is part of the circuit's key, so a leaf is
  never read as a node nor the reverse.
* **Digest as bytes:** the 8 elements, each a big-endian u32 (:func:`digest_elems`,
  which also checks they are canonical).

Representation: per level a sorted ``int64`` array of the indices of the nodes stored
explicitly (every ancestor of a stored page) and their ``(n, 8)`` uint32 digests; any
other node is the level's default.  Building and updating compress every stored node of
a level in one numba batch (:func:`compress_blocks`), so a tree of ~50 000 words costs a
few tens of thousands of permutations, no Python loop per node.

Correctness: the tree is a pure function of the page contents: a stored page whose words
are all zero has digest ``Z_0`` exactly like an absent page, so "stored" vs "absent" never
changes a root.  The paging circuits (``zkvm.chips.mem_merkle``) rebuild these digests
with the ``poseidon2`` table; this module is only the prover's (and the composite
verifier's image-root) reference computation.
"""

from __future__ import annotations

import numpy as np

from zkvm.hash.poseidon2 import P as _P
from zkvm.hash.poseidon2 import Poseidon2Error, compress_many

__all__ = ["DEPTH", "SALT_PAGE", "OS_PAGE", "PAGE_WORDS", "NUM_REGISTERS", "RAM_PAGE_MIN", "ZERO_DIGESTS",
           "MemTreeError", "slot_of_key", "key_of_slot", "page_of_key", "compress_blocks",
           "word_halves", "leaf_parts", "leaf_digests", "MemTree", "digest_elems",
           "root_from_elems"]

DEPTH = 24
SALT_PAGE = 2
#: the OS page: the kernel-state cells (keys 48..63 = slots 48..63, docs/abi.md "OS state")
OS_PAGE = 3
PAGE_WORDS = 16
NUM_REGISTERS = 32
_OS_SLOT0 = OS_PAGE * PAGE_WORDS
_OS_SLOT1 = _OS_SLOT0 + PAGE_WORDS
#: first RAM page: byte address 2^16 / 64 bytes per page
RAM_PAGE_MIN = 1024
_M32 = 0xFFFFFFFF


class MemTreeError(ValueError):
    """A key, value, salt or digest given to the memory tree is malformed."""


# ------------------------------------------------------------------------ slots / keys
def slot_of_key(keys) -> np.ndarray:
    """Slot of each memory key (int64): ``k`` for registers (``k < 32``) and OS cells
    (``48 ≤ k < 64``, the OS page), ``k >> 2`` for RAM keys (which must be multiples of 4
    in ``[2^16, 2^30)``); ``MemTreeError`` otherwise."""
    k = np.asarray(keys, dtype=np.int64).reshape(-1)
    reg = (k < NUM_REGISTERS) | ((k >= _OS_SLOT0) & (k < _OS_SLOT1))
    bad = (k < 0) | (~reg & ((k & 3) != 0)) | (~reg & ((k < (1 << 16)) | (k >= (1 << 30))))
    if bad.any():
        raise MemTreeError(f"memory key {int(k[np.argmax(bad)])} is neither a register "
                           "(0..31), an OS cell (48..63) nor a word-aligned RAM address in "
                           "[2^16, 2^30)")
    return np.where(reg, k, k >> 2)


def key_of_slot(slots) -> np.ndarray:
    """Inverse of :func:`slot_of_key` (int64); slots of the salt page or of the unused
    range ``64 ≤ s < 2^14`` have no key (``MemTreeError``)."""
    s = np.asarray(slots, dtype=np.int64).reshape(-1)
    small = (s < NUM_REGISTERS) | ((s >= _OS_SLOT0) & (s < _OS_SLOT1))
    bad = (s < 0) | (~small & (s < RAM_PAGE_MIN * PAGE_WORDS)) | (s >= (1 << (DEPTH + 4)))
    if bad.any():
        raise MemTreeError(f"slot {int(s[np.argmax(bad)])} holds no memory key")
    return np.where(small, s, s << 2)


def page_of_key(keys) -> np.ndarray:
    """Page index of each key (int64)."""
    return slot_of_key(keys) >> 4


# ------------------------------------------------------------------------ compression
def compress_blocks(blocks) -> np.ndarray:
    """``C(block)`` for each row of ``blocks`` ``(n, 16)`` (canonical BabyBear elements)
    -> ``(n, 8)`` uint32: the truncated Poseidon2 permutation
    (:func:`zkvm.hash.poseidon2.compress_many`)."""
    try:
        return compress_many(blocks)
    except Poseidon2Error as e:
        raise MemTreeError(f"compress_blocks: {e}") from None


def word_halves(words) -> np.ndarray:
    """``(n, m)`` u32 words -> ``(n, 2m)`` uint32 field elements: the ``(lo, hi)`` 16-bit
    halves of each word, in word order."""
    d = np.asarray(words, dtype=np.uint32)
    return np.stack([d & 0xFFFF, d >> 16], axis=-1).reshape(d.shape[0], 2 * d.shape[1])


def leaf_parts(words) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, B, leaf)`` of each page ``words`` ``(n, 16)`` u32, each ``(n, 8)``:
    ``A = C(halves of words 0..7)``, ``B = C(halves of words 8..15)``, ``leaf = C(A ‖ B)``."""
    w = np.asarray(words, dtype=np.uint32)
    if w.ndim != 2 or w.shape[1] != PAGE_WORDS:
        raise MemTreeError(f"pages must be (n, 16) words, got {w.shape}")
    h = word_halves(w)
    ab = compress_blocks(np.concatenate([h[:, :16], h[:, 16:]]))
    a, b = ab[:len(w)], ab[len(w):]
    return a, b, compress_blocks(np.concatenate([a, b], axis=1))


def leaf_digests(words) -> np.ndarray:
    """The leaf digest ``(n, 8)`` of each page ``words`` ``(n, 16)`` u32 (:func:`leaf_parts`)."""
    return leaf_parts(words)[2]


def _zero_digests() -> np.ndarray:
    z = np.zeros((DEPTH + 1, 8), dtype=np.uint32)
    z[0] = leaf_digests(np.zeros((1, PAGE_WORDS), dtype=np.uint32))[0]
    for lvl in range(1, DEPTH + 1):
        z[lvl] = compress_blocks(np.concatenate([z[lvl - 1], z[lvl - 1]])[None, :])[0]
    return z


#: ``ZERO_DIGESTS[l]`` = digest of an empty subtree at level ``l`` (``Z_l``).
ZERO_DIGESTS = _zero_digests()
ZERO_DIGESTS.setflags(write=False)


# ------------------------------------------------------------------------ digests <-> field
def digest_elems(digest) -> list[int]:
    """The 8 field elements of a digest (``digest``: 8 ints, or 32 bytes: each element a
    big-endian u32); ``MemTreeError`` unless each is canonical (``< p``)."""
    if isinstance(digest, (bytes, bytearray)):
        if len(digest) != 32:
            raise MemTreeError("a digest is 32 bytes")
        e = [int.from_bytes(digest[4 * i:4 * i + 4], "big") for i in range(8)]
    else:
        e = [int(x) for x in np.asarray(digest).reshape(-1)]
        if len(e) != 8:
            raise MemTreeError("a digest is 8 field elements")
    if any(not 0 <= x < _P for x in e):
        raise MemTreeError("a digest's elements must be canonical BabyBear elements (< p)")
    return e


def root_from_elems(elems) -> bytes:
    """Inverse of :func:`digest_elems`: 8 canonical elements -> the 32 digest bytes."""
    return _digest_bytes(digest_elems(elems))


def _digest_bytes(d) -> bytes:
    return b"".join(int(x).to_bytes(4, "big") for x in np.asarray(d).reshape(8))


# ------------------------------------------------------------------------ the tree
def _check_salt(salt) -> np.ndarray:
    if salt is None:
        return np.zeros(PAGE_WORDS, dtype=np.uint32)
    s = np.asarray(salt).reshape(-1)
    if s.shape != (PAGE_WORDS,) or (s.astype(np.int64) < 0).any() or \
            (s.astype(np.int64) > _M32).any():
        raise MemTreeError("salt must be 16 u32 words")
    return s.astype(np.uint32)


def _words_by_page(keys, values):
    """``(pages, word_index, values)`` of a list of (key, value) (keys unique)."""
    k = np.asarray(keys, dtype=np.int64).reshape(-1)
    v = np.asarray(values).reshape(-1)
    if k.shape != v.shape:
        raise MemTreeError("keys and values must have the same length")
    vv = v.astype(np.int64)
    if vv.size and (vv.min() < 0 or vv.max() > _M32):
        raise MemTreeError("memory values must be u32")
    if np.unique(k).size != k.size:
        raise MemTreeError("memory keys must be unique")
    s = slot_of_key(k)
    return s >> 4, s & 15, vv.astype(np.uint32)


class MemTree:
    """The memory tree (module docstring).  Immutable: :meth:`updated` returns a new tree.

    Internals: ``_pages`` sorted int64 page indices with ``_words`` ``(n, 16)`` uint32
    (the salt page always stored), ``_idx[l]`` / ``_dig[l]`` the stored nodes of level
    ``l`` (``_idx[0] == _pages``).
    """

    __slots__ = ("_pages", "_words", "_idx", "_dig")

    def __init__(self, pages, words, idx, dig):
        self._pages, self._words, self._idx, self._dig = pages, words, idx, dig

    # --- construction ---------------------------------------------------------------
    @classmethod
    def from_words(cls, keys, values, salt=None) -> "MemTree":
        """The tree of the memory holding ``values[i]`` at ``keys[i]`` (circuit memory
        keys, unique; zero values allowed) and every other word zero, salt page
        ``salt`` (16 u32, ``None`` = zeros)."""
        pg, wj, vals = _words_by_page(keys, values)
        pages = np.union1d(pg, [SALT_PAGE]).astype(np.int64)
        words = np.zeros((len(pages), PAGE_WORDS), dtype=np.uint32)
        words[np.searchsorted(pages, pg), wj] = vals
        words[np.searchsorted(pages, SALT_PAGE)] = _check_salt(salt)
        return cls._build(pages, words)

    @classmethod
    def _build(cls, pages, words) -> "MemTree":
        idx = [pages]
        dig = [leaf_digests(words)]
        for lvl in range(1, DEPTH + 1):
            child_idx, child_dig = idx[-1], dig[-1]
            par = np.unique(child_idx >> 1)
            idx.append(par)
            dig.append(cls._parents(lvl, par, child_idx, child_dig))
        return cls(pages, words, idx, dig)

    @staticmethod
    def _lookup(lvl, idx, dig, want) -> np.ndarray:
        """Digests of nodes ``want`` at level ``lvl`` given that level's stored nodes."""
        want = np.asarray(want, dtype=np.int64)
        out = np.empty((len(want), 8), dtype=np.uint32)
        out[:] = ZERO_DIGESTS[lvl]
        if len(idx) and len(want):
            pos = np.minimum(np.searchsorted(idx, want), len(idx) - 1)
            hit = idx[pos] == want
            out[hit] = dig[pos[hit]]
        return out

    @classmethod
    def _parents(cls, lvl, par, child_idx, child_dig) -> np.ndarray:
        left = cls._lookup(lvl - 1, child_idx, child_dig, 2 * par)
        right = cls._lookup(lvl - 1, child_idx, child_dig, 2 * par + 1)
        return compress_blocks(np.concatenate([left, right], axis=1))

    def updated(self, keys, values, salt=None) -> "MemTree":
        """A new tree with the words at ``keys`` replaced by ``values`` (zero allowed:
        the word becomes zero) and, if ``salt`` is given, the salt page replaced.
        Only the changed pages and their ancestors are recompressed."""
        pg, wj, vals = _words_by_page(keys, values)
        chg = np.unique(pg)
        if salt is not None:
            chg = np.union1d(chg, [SALT_PAGE])
        pages = np.union1d(self._pages, chg).astype(np.int64)
        words = np.zeros((len(pages), PAGE_WORDS), dtype=np.uint32)
        words[np.searchsorted(pages, self._pages)] = self._words
        words[np.searchsorted(pages, pg), wj] = vals
        if salt is not None:
            words[np.searchsorted(pages, SALT_PAGE)] = _check_salt(salt)
        idx, dig = [pages], []
        # level 0: keep the old leaves, recompress the changed pages
        d0 = np.empty((len(pages), 8), dtype=np.uint32)
        d0[np.searchsorted(pages, self._idx[0])] = self._dig[0]
        cpos = np.searchsorted(pages, chg)
        d0[cpos] = leaf_digests(words[cpos])
        dig.append(d0)
        for lvl in range(1, DEPTH + 1):
            chg = np.unique(chg >> 1)
            par = np.union1d(self._idx[lvl], chg).astype(np.int64)
            d = np.empty((len(par), 8), dtype=np.uint32)
            d[np.searchsorted(par, self._idx[lvl])] = self._dig[lvl]
            d[np.searchsorted(par, chg)] = self._parents(lvl, chg, idx[-1], dig[-1])
            idx.append(par)
            dig.append(d)
        return MemTree(pages, words, idx, dig)

    # --- queries ----------------------------------------------------------------------
    def root(self) -> np.ndarray:
        """The root digest (8,) uint32 (node (24, 0))."""
        return self.node(DEPTH, 0)

    def root_bytes(self) -> bytes:
        """The root as 32 bytes (the 8 elements, each a big-endian u32)."""
        return _digest_bytes(self.root())

    def root_elems(self) -> list[int]:
        """The root as 8 field elements (:func:`digest_elems`)."""
        return digest_elems(self.root())

    @property
    def salt(self) -> np.ndarray:
        """The salt page's 16 words."""
        return self.page_words(SALT_PAGE)

    @property
    def pages(self) -> np.ndarray:
        """Sorted indices of the explicitly stored pages (int64 copy)."""
        return self._pages.copy()

    def page_words(self, page: int) -> np.ndarray:
        """The 16 words (uint32) of page ``page`` (zeros for a page never written)."""
        return self.pages_words(np.array([page]))[0]

    def pages_words(self, pages) -> np.ndarray:
        """Vectorised :meth:`page_words`: ``(len(pages), 16)`` uint32."""
        want = np.asarray(pages, dtype=np.int64).reshape(-1)
        out = np.zeros((len(want), PAGE_WORDS), dtype=np.uint32)
        if len(want):
            pos = np.minimum(np.searchsorted(self._pages, want), len(self._pages) - 1)
            hit = self._pages[pos] == want
            out[hit] = self._words[pos[hit]]
        return out

    def node(self, level: int, index: int) -> np.ndarray:
        """Digest (8,) uint32 of node ``(level, index)`` (the default for an empty
        subtree); ``MemTreeError`` outside ``0 ≤ level ≤ 24``, ``0 ≤ index < 2^(24−level)``."""
        return self.nodes(level, np.array([index]))[0]

    def nodes(self, level: int, indices) -> np.ndarray:
        """Vectorised :meth:`node`: ``(len(indices), 8)`` uint32."""
        level = int(level)
        ind = np.asarray(indices, dtype=np.int64).reshape(-1)
        if not 0 <= level <= DEPTH:
            raise MemTreeError(f"tree level {level} outside 0..{DEPTH}")
        if ind.size and (ind.min() < 0 or ind.max() >= 1 << (DEPTH - level)):
            raise MemTreeError(f"node index outside 0..2^{DEPTH - level} at level {level}")
        return self._lookup(level, self._idx[level], self._dig[level], ind)

    def word(self, key: int) -> int:
        """The u32 value stored at memory key ``key``."""
        s = int(slot_of_key([key])[0])
        return int(self.page_words(s >> 4)[s & 15])

    def __repr__(self):
        return f"MemTree(root={self.root_bytes().hex()}, pages={len(self._pages)})"

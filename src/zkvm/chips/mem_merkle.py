"""Paging circuits of continuations (docs/continuations.md §3): ``mem_page``, ``mem_node``.

A segment proves that its memory starts at the tree ``root_in`` and ends at ``root_out``
(:mod:`zkvm.memtree`: 16-word pages, Poseidon2 compression nodes, depth 24).  Instead of
the monolithic machine's memory boundary, three tables do this:

* ``mem_page`` (:class:`MemPageAir`): one row per page the segment touches, plus always
  the salt page.  For each word ``j`` of page ``P``: ``v_in[j]`` (entry value, 4 byte
  limbs), ``v_out[j]`` (exit value), ``fts[j]`` (last access time, ``fts_lo + 2^16
  fts_hi``; 0 if the word was not accessed).  Sends the initial MEMORY record
  ``(key_j, v_in[j], 0)`` and receives the final one ``(key_j, v_out[j], fts[j])``
  (register and RAM pages; the salt page has no memory), sends the three compressions
  of each leaf, ``HASH(halves(v_in[0..8]) → a_in)``, ``HASH(halves(v_in[8..16]) →
  b_in)``, ``HASH(a_in ‖ b_in → leaf_in)`` (the same for ``v_out``), and
  ``NODE(0, P, leaf_in, leaf_out)``.
* ``mem_node`` (:class:`MemNodeAir`): one row per internal node ``(level, index)``,
  ``1 ≤ level ≤ 24``, on the path of a touched page.  Receives
  ``NODE(level−1, 2·index, l_in, l_out)`` if the left child is touched (``has_l``) — else
  ``l_in = l_out`` (an untouched sibling, its digest a free witness) — and the same for
  the right child at ``2·index + 1``; sends ``HASH(l_in ‖ r_in → p_in)``,
  ``HASH(l_out ‖ r_out → p_out)`` and ``NODE(level, index, p_in, p_out)``.
* ``poseidon2`` (:class:`zkvm.chips.poseidon2.Poseidon2Air`): receives every HASH
  message, one row (one permutation) per *distinct* block, received as many times as it
  is sent (its ``mult`` column).  Blocks repeat a lot in real programs: a page the
  segment only reads has equal entry and exit blocks, every all-zero page (fresh heap,
  stack, bss) has the same blocks and so has every all-zero subtree of one level.

The verifier receives ``NODE(24, 0, root_in, root_out)`` itself (a public interaction).

Buses: :data:`NODE` (id 19, width 18) ``(level, index, digest_in[8], digest_out[8])``;
:data:`HASH` (``p2_hash``, width 24) ``(block[16], digest[8])``.  A digest is 8 field
elements; a memory word in a block is its 16-bit halves ``(lo, hi)``, ``(v0 + 256 v1,
v2 + 256 v3)`` of its byte limbs (the word's numeric value, which is what the tree
hashes).

Correctness (the argument of docs/continuations.md §3, with the details the constraints
rely on):

1. *Every NODE key is sent at most once.*  Receives of key ``(l, i)`` come only from the
   public root (``(24, 0)``, once) and from the node row ``(l+1, i >> 1)``.  Levels sent
   by ``mem_node`` are in ``1..32`` (range check) and a row at level ``L > 24`` would
   need a receiver at ``L + 1`` or the public, so by induction from the top no such row
   can be matched; the row sending ``(24, 0)`` is unique, its children keys are unique,
   and downwards every key ``(l, i)`` is sent by at most one row (multiplicities are
   booleans).  In particular each page ``P`` has at most one ``mem_page`` row (a page
   duplicated is an unmatched NODE send), and indices are the integer ancestors of the
   page indices (``i = Σ b_k 2^k < 2^(24−l)``, no wrap-around: all below ``2^24 < p``).
2. *The roots.*  Every HASH message is a genuine ``(block, C(block))`` (the
   ``poseidon2`` table's round equations).  So ``p_in`` is the compression of the children's in
   digests, and by collision resistance the in-digests of the whole touched subtree,
   down to every page's ``v_in`` words, are the entry tree's (``root_in``).  The out
   digests equal the in digests on every untouched sibling, so ``root_out`` is the entry
   tree with exactly the touched pages replaced by their ``v_out``.
3. *Memory.*  Each word of a touched register/RAM page gets exactly one initial record
   ``(key, v_in, 0)`` (the entry value, bound by ``root_in``) and one final record
   ``(key, v_out, fts)``, so offline memory checking is the monolithic machine's with
   the memory image replaced by the tree.  A word accessed in the segment whose page has
   no row has no initial record: MEMORY does not balance.
4. *Keys never alias.*  Kinds are one-hot on real rows: register pages ``P ∈ {0, 1}``
   (keys ``16P + j`` = registers 0..31), the salt page ``P = 2`` (no MEMORY interaction:
   multiplicity ``is_reg + is_os + is_ram``), the OS page ``P = 3`` (keys ``48 + j``,
   the OS cells of docs/abi.md), RAM pages ``P − 1024 < 2^24`` (keys ``64P + 4j ≥
   2^16``, never a register; ``P < 2^24`` is also forced by the tree, item 1).  So the
   keys of distinct pages are distinct integers below ``2^30 < p``.
5. *Values.*  ``v_in``/``v_out`` limbs are bytes (U8PAIR): the memory records carry byte
   limbs as everywhere else (docs/circuits.md §2), and the halves are the word's true
   16-bit halves.  ``fts < 2^24`` (U16 + byte), as the memory boundary's final
   timestamp (checklist 11).  Padding rows: every multiplicity is ``is_real`` or a flag
   that is zero when ``is_real`` is (the kind flags sum to ``is_real``; ``has_l``/
   ``has_r`` are constrained to zero on padding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkvm.chips import buses
from zkvm.chips.adapter import trace_height, u32_limbs
from zkvm.chips.poseidon2 import HASH, Poseidon2Air
from zkvm.memtree import (DEPTH, OS_PAGE, PAGE_WORDS, RAM_PAGE_MIN, SALT_PAGE, MemTree,
                          compress_blocks, leaf_parts, slot_of_key, word_halves)
from zkvm.precompiles.registry import bus_id
from zkvm.stark.air import Air, Bus, Columns

__all__ = ["NODE", "HASH", "DEPTH", "DIGEST", "MemPageAir", "MemNodeAir", "Poseidon2Air",
           "PagingWitness", "paging_witness", "PagingError"]

#: field elements of a digest
DIGEST = 8
#: ``(level, index, digest_in[8], digest_out[8])``
NODE = Bus(id=bus_id("mem_node"), name="mem_node", width=2 + 2 * DIGEST)

#: ``mem_node`` levels are checked ``level − 1 < 2^LEVEL_BITS`` (so 1 ≤ level ≤ 32).
LEVEL_BITS = 5
#: ``fts = fts_lo + 2^16 fts_hi`` with a byte ``fts_hi``: < 2^24 (buses.TS_BITS).
_FTS_SHIFT = 1 << 16


class PagingError(ValueError):
    """Inputs of :func:`paging_witness` are inconsistent (a tracegen bug)."""


def _word_halves(limbs):
    """``[(v0 + 256 v1), (v2 + 256 v3)]`` per word from a flat list of 4·k limbs."""
    out = []
    for j in range(len(limbs) // 4):
        v = limbs[4 * j: 4 * j + 4]
        out += [v[0] + 256 * v[1], v[2] + 256 * v[3]]
    return out


class MemPageAir(Air):
    """One row per touched page and the salt page (module docstring)."""

    name = "mem_page"
    columns = Columns(
        ("is_real", "1 on real rows"),
        ("page", "page index P"),
        ("is_reg", "register page (P in {0, 1})"),
        ("is_salt", "the salt page (P = 2), no memory"),
        ("is_os", "the OS page (P = 3): OS cells, keys 48..63 (docs/abi.md)"),
        ("is_ram", "RAM page (1024 <= P < 2^24 + 1024)"),
        ("kbase", "key of word 0: 16P (registers, OS page) or 64P (RAM)"),
        ("kstep", "key step between words: 1 (registers, OS page) or 4 (RAM)"),
        ("p_lo", "(P - 1024) mod 2^16 (RAM)"),
        ("p_hi", "(P - 1024) div 2^16, a byte (RAM)"),
        ("v_in", 4 * PAGE_WORDS, "entry values, 4 byte limbs per word"),
        ("v_out", 4 * PAGE_WORDS, "exit values, 4 byte limbs per word"),
        ("fts_lo", PAGE_WORDS, "final access time mod 2^16 per word"),
        ("fts_hi", PAGE_WORDS, "final access time div 2^16 per word (a byte)"),
        ("a_in", DIGEST, "entry: compression of the halves of words 0..7"),
        ("b_in", DIGEST, "entry: compression of the halves of words 8..15"),
        ("a_out", DIGEST, "exit: compression of the halves of words 0..7"),
        ("b_out", DIGEST, "exit: compression of the halves of words 8..15"),
        ("leaf_in", DIGEST, "entry leaf digest C(a_in ‖ b_in)"),
        ("leaf_out", DIGEST, "exit leaf digest C(a_out ‖ b_out)"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        r, reg, salt, ram, P = loc.is_real, loc.is_reg, loc.is_salt, loc.is_ram, loc.page
        osp = loc.is_os
        b.assert_bool(r, "is_real_bool")
        b.assert_bool(reg, "is_reg_bool")
        b.assert_bool(salt, "is_salt_bool")
        b.assert_bool(osp, "is_os_bool")
        b.assert_bool(ram, "is_ram_bool")
        b.assert_zero(reg + salt + osp + ram - r, "kind_one_hot")
        b.assert_zero(reg * P * (P - 1), "reg_page")
        b.assert_zero(salt * (P - SALT_PAGE), "salt_page")
        b.assert_zero(osp * (P - OS_PAGE), "os_page")
        b.assert_zero(ram * (P - RAM_PAGE_MIN - loc.p_lo - 65536 * loc.p_hi), "ram_page")
        buses.range_u16(b, loc.p_lo, ram, "ram_page_lo")
        buses.range_u8_pair(b, loc.p_hi, 0, ram, "ram_page_hi")
        b.assert_zero(loc.kbase - 16 * P * (reg + osp) - 64 * P * ram, "kbase")
        b.assert_zero(loc.kstep - reg - osp - 4 * ram, "kstep")

        mem = reg + osp + ram
        vin, vout = list(loc.v_in), list(loc.v_out)
        for j in range(PAGE_WORDS):
            key = loc.kbase + j * loc.kstep
            fts = loc.fts_lo[j] + _FTS_SHIFT * loc.fts_hi[j]
            b.send(buses.MEMORY, [key, *vin[4 * j:4 * j + 4], 0], multiplicity=mem,
                   name=f"init{j}")
            b.receive(buses.MEMORY, [key, *vout[4 * j:4 * j + 4], fts], multiplicity=mem,
                      name=f"final{j}")
        for i in range(2 * PAGE_WORDS):
            buses.range_u8_pair(b, vin[2 * i], vin[2 * i + 1], r, f"v_in_u8_{i}")
            buses.range_u8_pair(b, vout[2 * i], vout[2 * i + 1], r, f"v_out_u8_{i}")
        for j in range(PAGE_WORDS):
            buses.range_u16(b, loc.fts_lo[j], r, f"fts_lo_u16_{j}")
        for i in range(PAGE_WORDS // 2):
            buses.range_u8_pair(b, loc.fts_hi[2 * i], loc.fts_hi[2 * i + 1], r, f"fts_hi_u8_{i}")
        for tag, v, a, bb, leaf in (("in", vin, loc.a_in, loc.b_in, loc.leaf_in),
                                    ("out", vout, loc.a_out, loc.b_out, loc.leaf_out)):
            h = _word_halves(v)
            b.send(HASH, [*h[:16], *a], multiplicity=r, name=f"hash_a_{tag}")
            b.send(HASH, [*h[16:], *bb], multiplicity=r, name=f"hash_b_{tag}")
            b.send(HASH, [*a, *bb, *leaf], multiplicity=r, name=f"hash_leaf_{tag}")
        b.send(NODE, [0, P, *loc.leaf_in, *loc.leaf_out], multiplicity=r, name="leaf")


class MemNodeAir(Air):
    """One row per internal node on the touched paths (module docstring)."""

    name = "mem_node"
    columns = Columns(
        ("is_real", "1 on real rows"),
        ("level", "tree level, 1..24"),
        ("index", "node index at that level"),
        ("has_l", "left child (level-1, 2 index) is touched: received on NODE"),
        ("has_r", "right child (level-1, 2 index + 1) is touched: received on NODE"),
        ("l_in", DIGEST, "left child entry digest"), ("l_out", DIGEST, "left child exit digest"),
        ("r_in", DIGEST, "right child entry digest"), ("r_out", DIGEST, "right child exit digest"),
        ("p_in", DIGEST, "entry digest of this node"), ("p_out", DIGEST, "exit digest of this node"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        r, hl, hr = loc.is_real, loc.has_l, loc.has_r
        b.assert_bool(r, "is_real_bool")
        b.assert_bool(hl, "has_l_bool")
        b.assert_bool(hr, "has_r_bool")
        b.assert_zero(hl * (1 - r), "has_l_real")
        b.assert_zero(hr * (1 - r), "has_r_real")
        for k in range(DIGEST):
            b.assert_zero((1 - hl) * (loc.l_out[k] - loc.l_in[k]), f"l_keep{k}")
            b.assert_zero((1 - hr) * (loc.r_out[k] - loc.r_in[k]), f"r_keep{k}")
        buses.range_bits(b, loc.level - 1, LEVEL_BITS, r, "level_range")
        child = loc.level - 1
        b.receive(NODE, [child, 2 * loc.index, *loc.l_in, *loc.l_out], multiplicity=hl,
                  name="left")
        b.receive(NODE, [child, 2 * loc.index + 1, *loc.r_in, *loc.r_out], multiplicity=hr,
                  name="right")
        b.send(HASH, [*loc.l_in, *loc.r_in, *loc.p_in], multiplicity=r, name="hash_in")
        b.send(HASH, [*loc.l_out, *loc.r_out, *loc.p_out], multiplicity=r, name="hash_out")
        b.send(NODE, [loc.level, loc.index, *loc.p_in, *loc.p_out], multiplicity=r,
               name="node")


# ------------------------------------------------------------------------ trace generation
@dataclass
class PagingWitness:
    """Traces of the paging tables of one segment and the roots they prove.

    ``traces``: ``{"mem_page", "mem_node", "poseidon2"}``; ``hash_calls``: number of
    permutations in ``poseidon2``, one per distinct block; ``sends``: the HASH sends (six
    per ``mem_page`` row, two per ``mem_node`` row, ``≥ hash_calls``);
    ``root_in`` / ``root_out``: (8,) uint32; ``exit_tree``: the memory tree at exit;
    ``pages``: the page indices of the ``mem_page`` rows; ``node_rows``: number of
    ``mem_node`` rows."""

    traces: dict
    hash_calls: int
    sends: int
    root_in: np.ndarray
    root_out: np.ndarray
    exit_tree: MemTree
    pages: np.ndarray
    node_rows: int


def paging_witness(entry: MemTree, touched_keys, final_values, final_ts,
                   salt_out) -> PagingWitness:
    """The paging traces of a segment that starts from ``entry`` and accesses the sorted
    unique memory keys ``touched_keys`` (their ``final_values`` u32 and last access times
    ``final_ts``, 0 = never accessed); ``salt_out``: the exit tree's 16 salt words.

    Words of a touched page that were not accessed keep their entry value with final
    time 0; the salt page's row is always present (``v_in`` = the entry salt,
    ``v_out`` = ``salt_out``).  Vectorised (Python loops run over the 24 levels).
    """
    keys = np.asarray(touched_keys, dtype=np.int64).reshape(-1)
    vals = np.asarray(final_values, dtype=np.int64).reshape(-1)
    fts = np.asarray(final_ts, dtype=np.int64).reshape(-1)
    if not (len(keys) == len(vals) == len(fts)):
        raise PagingError("touched_keys, final_values and final_ts differ in length")
    if len(keys) and np.any(np.diff(keys) <= 0):
        raise PagingError("touched_keys must be sorted and unique")
    if len(vals) and (vals.min() < 0 or vals.max() > 0xFFFFFFFF):
        raise PagingError("final values must be u32")
    if len(fts) and (fts.min() < 0 or fts.max() >= 1 << buses.TS_BITS):
        raise PagingError("final times must be in [0, 2^24)")
    salt_out = np.asarray(salt_out, dtype=np.int64).reshape(-1)
    if salt_out.shape != (PAGE_WORDS,) or salt_out.min() < 0 or salt_out.max() > 0xFFFFFFFF:
        raise PagingError("salt_out must be 16 u32 words")

    slots = slot_of_key(keys)
    pg, wj = slots >> 4, slots & 15
    pages = np.union1d(pg, [SALT_PAGE]).astype(np.int64)
    n = len(pages)
    v_in = entry.pages_words(pages)
    v_out = v_in.copy()
    pos = np.searchsorted(pages, pg)
    v_out[pos, wj] = vals.astype(np.uint32)
    ft = np.zeros((n, PAGE_WORDS), dtype=np.int64)
    ft[pos, wj] = fts
    spos = int(np.searchsorted(pages, SALT_PAGE))
    v_out[spos] = salt_out.astype(np.uint32)
    exit_tree = entry.updated(keys, vals, salt=salt_out)

    # --- mem_page ---------------------------------------------------------------------
    leaf_in, leaf_out = entry.nodes(0, pages), exit_tree.nodes(0, pages)
    page_air = MemPageAir()
    tp = page_air.columns.new_trace(trace_height(n))
    v = page_air.columns.view(tp)
    is_reg = pages < 2
    is_os = pages == OS_PAGE
    is_ram = pages >= RAM_PAGE_MIN
    small = is_reg | is_os
    v.is_real[:n] = 1
    v.page[:n] = pages
    v.is_reg[:n] = is_reg
    v.is_salt[:n] = pages == SALT_PAGE
    v.is_os[:n] = is_os
    v.is_ram[:n] = is_ram
    v.kbase[:n] = np.where(small, 16 * pages, np.where(is_ram, 64 * pages, 0))
    v.kstep[:n] = np.where(small, 1, np.where(is_ram, 4, 0))
    off = np.where(is_ram, pages - RAM_PAGE_MIN, 0)
    v.p_lo[:n] = off & 0xFFFF
    v.p_hi[:n] = off >> 16
    v.v_in[:n] = u32_limbs(v_in.ravel()).reshape(n, 4 * PAGE_WORDS)
    v.v_out[:n] = u32_limbs(v_out.ravel()).reshape(n, 4 * PAGE_WORDS)
    v.fts_lo[:n] = ft & 0xFFFF
    v.fts_hi[:n] = ft >> 16
    a_in, b_in, lf_in = leaf_parts(v_in)
    a_out, b_out, lf_out = leaf_parts(v_out)
    if not (np.array_equal(lf_in, leaf_in) and np.array_equal(lf_out, leaf_out)):
        raise PagingError("memory tree leaves disagree with the pages' words (a bug)")
    v.a_in[:n], v.b_in[:n], v.a_out[:n], v.b_out[:n] = a_in, b_in, a_out, b_out
    v.leaf_in[:n] = leaf_in
    v.leaf_out[:n] = leaf_out
    h_in, h_out = word_halves(v_in), word_halves(v_out)
    blocks = [h_in[:, :16], h_in[:, 16:], np.concatenate([a_in, b_in], axis=1),
              h_out[:, :16], h_out[:, 16:], np.concatenate([a_out, b_out], axis=1)]
    digests = [a_in, b_in, leaf_in, a_out, b_out, leaf_out]

    # --- mem_node -----------------------------------------------------------------------
    rows = []
    cur = pages
    for lvl in range(1, DEPTH + 1):
        par = np.unique(cur >> 1)
        li, ri = 2 * par, 2 * par + 1
        l_in, l_out = entry.nodes(lvl - 1, li), exit_tree.nodes(lvl - 1, li)
        r_in, r_out = entry.nodes(lvl - 1, ri), exit_tree.nodes(lvl - 1, ri)
        p_in, p_out = entry.nodes(lvl, par), exit_tree.nodes(lvl, par)
        rows.append((lvl, par, np.isin(li, cur), np.isin(ri, cur), l_in, l_out, r_in, r_out,
                     p_in, p_out))
        blocks += [np.concatenate([l_in, r_in], axis=1), np.concatenate([l_out, r_out], axis=1)]
        digests += [p_in, p_out]
        cur = par
    m = sum(len(x[1]) for x in rows)
    node_air = MemNodeAir()
    tn = node_air.columns.new_trace(trace_height(m))
    u = node_air.columns.view(tn)
    at = 0
    for lvl, par, hl, hr, l_in, l_out, r_in, r_out, p_in, p_out in rows:
        s = slice(at, at + len(par))
        u.is_real[s] = 1
        u.level[s] = lvl
        u.index[s] = par
        u.has_l[s] = hl
        u.has_r[s] = hr
        for nm, d in (("l_in", l_in), ("l_out", l_out), ("r_in", r_in), ("r_out", r_out),
                      ("p_in", p_in), ("p_out", p_out)):
            getattr(u, nm)[s] = d
        at += len(par)

    # --- poseidon2 ------------------------------------------------------------------------
    blocks = np.concatenate(blocks)
    digests = np.concatenate(digests)
    hash_air = Poseidon2Air()
    uniq, mult, where = hash_air.unique_blocks(blocks)
    if not np.array_equal(compress_blocks(uniq)[where], digests):  # each distinct block once
        raise PagingError("memory tree digests disagree with the compression (a bug)")
    th = hash_air.generate_trace(uniq, mult)
    return PagingWitness(traces={"mem_page": tp, "mem_node": tn, "poseidon2": th},
                         hash_calls=int(uniq.shape[0]), sends=int(blocks.shape[0]),
                         root_in=entry.root(),
                         root_out=exit_tree.root(), exit_tree=exit_tree, pages=pages,
                         node_rows=m)

"""Verification of mixed-matrix Merkle openings (verifier side; hashlib only).

Recomputes the path described in :mod:`zkvm.merkle.tree` and compares with the root.
Every length is checked exactly against the statement's ``dims`` (checklist 22/24): the
number of matrices, each row's width, each row entry's range, the path length and the
index range.  Any failure raises :class:`~zkvm.stark.errors.MerkleError`.
"""

from __future__ import annotations

import hashlib
import struct

from zkvm.errors import MerkleError

__all__ = ["verify_opening", "complete_paths", "leaf_hash", "node_hash", "inject_hash"]

_LEAF = b"\x00"
_NODE = b"\x01"
_INJECT = b"\x02"


def leaf_hash(rows: list) -> bytes:
    """H(0x00 || little-endian u32 bytes of the concatenated rows)."""
    data = bytearray(_LEAF)
    for r in rows:
        data += struct.pack(f"<{len(r)}I", *r)
    return hashlib.sha256(bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def inject_hash(node: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(_INJECT + node + leaf).digest()


def verify_opening(root: bytes, log_max_height: int, index: int, rows_per_matrix: list,
                   dims: list, path: list) -> None:
    """Check an opening of leaf ``index`` against ``root``.

    Args:
        root: 32-byte commitment.
        log_max_height: ``L``, log2 of the largest committed height (from the statement).
        index: leaf index in ``[0, 2^L)``.
        rows_per_matrix: opened rows, one list of ints per matrix, commit order.
        dims: ``[(log_height, width)]`` per matrix, commit order (from the statement).
        path: ``L`` sibling digests of 32 bytes, leaf level first.

    Raises :class:`MerkleError` naming the problem.  Correctness: rows are bound to their
    exact widths and heights by ``dims`` (not by the proof), so a prover cannot shift
    values between matrices or lengthen a leaf.
    """
    if not isinstance(root, (bytes, bytearray)) or len(root) != 32:
        raise MerkleError("root must be 32 bytes")
    L = log_max_height
    if not isinstance(L, int) or L < 0 or L > 40:
        raise MerkleError(f"bad log_max_height {L!r}")
    if not isinstance(index, int) or not 0 <= index < (1 << L):
        raise MerkleError(f"index {index!r} out of range [0, 2^{L})")
    if len(rows_per_matrix) != len(dims):
        raise MerkleError(f"opening has {len(rows_per_matrix)} rows, expected {len(dims)} matrices")
    if len(path) != L:
        raise MerkleError(f"path has {len(path)} siblings, expected {L}")
    by_height: dict[int, list] = {}
    for m, (row, (lh, w)) in enumerate(zip(rows_per_matrix, dims, strict=True)):
        if not isinstance(lh, int) or not 0 <= lh <= L:
            raise MerkleError(f"matrix {m}: log_height {lh} not in [0, {L}]")
        if len(row) != w:
            raise MerkleError(f"matrix {m}: opened row has {len(row)} entries, expected {w}")
        for v in row:
            if not isinstance(v, int) or not 0 <= v < (1 << 32):
                raise MerkleError(f"matrix {m}: row entry {v!r} is not a u32")
        by_height.setdefault(lh, []).append(row)
    if L not in by_height:
        raise MerkleError("no matrix has the maximum height")
    for d in path:
        if not isinstance(d, (bytes, bytearray)) or len(d) != 32:
            raise MerkleError("path digest must be 32 bytes")

    cur = leaf_hash(by_height[L])
    i = index
    for k in range(L):
        sib = bytes(path[k])
        cur = node_hash(sib, cur) if i & 1 else node_hash(cur, sib)
        i >>= 1
        lvl = L - k - 1
        if lvl in by_height:
            cur = inject_hash(cur, leaf_hash(by_height[lvl]))
    if cur != bytes(root):
        raise MerkleError("Merkle path does not lead to the committed root")


def complete_paths(log_max_height: int, indices: list, rows_per_query: list, dims: list,
                   paths: list) -> None:
    """Fill, in place, the siblings a batch proof left out (``None`` entries of
    ``paths[q]``: nodes on another query's path, :mod:`zkvm.stark.pcs_types`) by hashing
    the queries' opened rows level by level.

    ``indices[q]`` is query ``q``'s leaf index, ``rows_per_query[q]`` its opened rows,
    ``dims`` the statement's ``[(log_height, width)]``.  Nothing is *verified* here: each
    query is then checked against the root by :func:`verify_opening` as usual, so a
    filled value only ever makes a path complete (Merkle binding does the rest).
    Raises :class:`MerkleError` when the opened data cannot produce a left-out node."""
    if not any(d is None for p in paths for d in p):
        return
    L = log_max_height
    if not isinstance(L, int) or not 0 <= L <= 40 or len(paths) != len(indices) or \
            len(rows_per_query) != len(indices):
        raise MerkleError("batch paths: inconsistent shapes")
    groups = []
    cur: dict = {}
    try:
        for idx, rows, path in zip(indices, rows_per_query, paths, strict=True):
            if len(path) != L or len(rows) != len(dims) or not 0 <= idx < (1 << L):
                raise MerkleError("batch paths: inconsistent shapes")
            by_h: dict = {}
            for row, (lh, w) in zip(rows, dims, strict=True):
                if len(row) != w or any(not isinstance(v, int) or not 0 <= v < (1 << 32)
                                        for v in row):
                    raise MerkleError("batch paths: malformed row")
                by_h.setdefault(lh, []).append(row)
            if L not in by_h:
                raise MerkleError("no matrix has the maximum height")
            groups.append(by_h)
            cur.setdefault(idx, leaf_hash(by_h[L]))
        for k in range(L):
            nxt: dict = {}
            for q, idx in enumerate(indices):
                node = idx >> k
                if paths[q][k] is None:
                    sib = cur.get(node ^ 1)
                    if sib is None:
                        raise MerkleError(f"batch paths: level {k} sibling left out but not "
                                          "computable")
                    paths[q][k] = sib
                sib = bytes(paths[q][k])
                own = cur[node]
                parent = node_hash(sib, own) if node & 1 else node_hash(own, sib)
                lvl = L - k - 1
                if lvl in groups[q]:
                    parent = inject_hash(parent, leaf_hash(groups[q][lvl]))
                nxt.setdefault(node >> 1, parent)
            cur = nxt
    except (TypeError, ValueError, struct.error) as e:
        raise MerkleError(f"batch paths: malformed opening ({e})") from None

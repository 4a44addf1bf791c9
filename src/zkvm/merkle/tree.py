"""Mixed-matrix Merkle commitment (prover side), after Plonky3's MMCS design.

One root commits a *list* of matrices of (possibly different) power-of-two heights.

Construction (``L = log2`` of the largest height, ``H = SHA-256``)::

    level 0 (2^L nodes):  leaf[i]  = H(0x00 || le_bytes(row i of every max-height matrix,
                                                          concatenated in commit order))
    level k (2^(L-k)):    node[i]  = H(0x01 || child[2i] || child[2i+1])
                          if matrices of height 2^(L-k) exist:
                          node[i]  = H(0x02 || node[i] || H(0x00 || le_bytes(their row i)))
    root = the single node of level L.

The three one-byte prefixes domain-separate leaves, inner nodes and injections
(checklist 24): a leaf can never be reinterpreted as a node or vice versa.  The verifier
(:mod:`zkvm.merkle.verify`) additionally fixes every row's exact length from the
statement's ``dims``.

Opening leaf index ``i`` (of the largest height) reveals row ``i >> (L − log2 h)`` of
every matrix of height ``h`` plus the ``L`` sibling digests.

Salt (zero-knowledge commitments): ``salt=(m, key, width)`` appends ``width`` *virtual*
columns to matrix ``m``'s rows: natural row ``i`` gets :func:`salt_words` ``(key, i)``,
a SHA-256 PRF of the 32-byte ``key`` reduced into the field.  They are hashed and opened
exactly like stored columns (the verifier sees an ordinary wider row) but never stored:
the leaf layer is hashed in chunks of rows, each with its salt block.

Optionally (``bit_reversed_rows=True``) every matrix is read in bit-reversed row order:
tree row ``j`` of a matrix of height ``2^l`` is its natural row ``bitrev_l(j)``.  The PCS
uses this (see :mod:`zkvm.stark.pcs`) so FRI-folded points are adjacent, without storing
a permuted copy.  ``open`` returns the rows in tree order (i.e. already permuted).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm.hash.sha256 import (bitrev_permutation, digests_to_bytes, hash_pairs, hash_rows,
                              hash_rows_into)

__all__ = ["MerkleTree", "LEAF_PREFIX", "NODE_PREFIX", "INJECT_PREFIX", "salt_words"]

#: prefix byte of the salt PRF's messages (distinct from the tree's 0x00/0x01/0x02)
SALT_PREFIX = 0x03
_P = 2013265921
#: rows hashed per chunk when a leaf layer carries virtual salt columns
_SALT_CHUNK = 1 << 15


def salt_words(key: bytes, rows: np.ndarray, width: int) -> np.ndarray:
    """Salt values ``(len(rows), width)`` of the natural rows ``rows``:
    ``SHA256(0x03 ‖ key ‖ u64le(row ‖ block))`` words (big-endian, as digests are
    read) reduced mod p, ``ceil(width/8)`` blocks per row.

    Correctness (zero knowledge): a salt only has to be unpredictable to whoever does not
    know ``key`` (32 bytes from ``os.urandom``, never revealed); each value has ≥ 30.4
    bits of min-entropy (a 32-bit word mod p), so the 8 salt values of an unopened leaf
    hide its digest with ≥ 240 bits."""
    rows = np.asarray(rows, dtype=np.int64)
    k = np.frombuffer(bytes(key), dtype=np.uint32)
    if k.size != 8:
        raise ValueError("salt key must be 32 bytes")
    nb = -(-width // 8)
    if len(rows) and int(rows.min()) < 0:
        raise ValueError("salt rows must be non-negative")
    src = np.empty((len(rows) * nb, 11), dtype=np.uint32)
    _salt_messages(k, rows, nb, src)
    d = hash_rows(src, SALT_PREFIX).reshape(len(rows), nb * 8)
    out = np.empty((len(rows), width), dtype=np.uint32)
    _reduce_words(d, out)
    return out


@njit(cache=True)
def _salt_messages(k, rows, nb, src):
    """Row ``i·nb + b`` of ``src``: ``key ‖ u64le(rows[i]·nb + b) ‖ 0`` (11 words)."""
    for i in range(rows.shape[0]):
        for b in range(nb):
            ctr = np.uint64(rows[i]) * np.uint64(nb) + np.uint64(b)
            r = src[i * nb + b]
            for t in range(8):
                r[t] = k[t]
            r[8] = np.uint32(ctr & np.uint64(0xFFFFFFFF))
            r[9] = np.uint32(ctr >> np.uint64(32))
            r[10] = 0


@njit(cache=True)
def _reduce_words(d, out):
    """``out[i, c] = d[i, c] mod p`` for the first ``out.shape[1]`` columns."""
    for i in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[i, c] = d[i, c] % np.uint32(_P)

LEAF_PREFIX = 0x00
NODE_PREFIX = 0x01
INJECT_PREFIX = 0x02


def _log2_exact(n: int, what: str) -> int:
    if n <= 0 or n & (n - 1):
        raise ValueError(f"{what}: height {n} is not a power of two")
    return n.bit_length() - 1


#: layers below this level are not stored (recomputed for an opening from the rows):
#: a tree over 2^22 leaves keeps ~8 MiB of digests instead of 256 MiB
KEEP_FROM_LEVEL = 4


class MerkleTree:
    """A committed list of ``(h_m, w_m)`` uint32 matrices (h_m powers of two, w_m ≥ 1).

    Attributes:
        matrices: the matrices as given (not copied; must not be modified afterwards).
        log_heights: ``log2 h_m`` per matrix.
        log_max_height: ``L``.
        keep_from: ``k0``; ``layers[k]`` = (2^(L−k), 8) uint32 digests of level k for
            ``k ≥ k0`` (``layers[L]`` = root), ``None`` below: those levels are recomputed,
            for the ``2^k0`` leaves around an opened index, from the matrices' rows.
        root: the 32-byte root.
    """

    def __init__(self, matrices: list, bit_reversed_rows: bool = False,
                 keep_from: int = KEEP_FROM_LEVEL, salt: tuple | None = None):
        if len(matrices) == 0:
            raise ValueError("MerkleTree needs at least one matrix")
        mats = []
        for m in matrices:
            a = np.asarray(m)
            if a.ndim != 2 or a.dtype != np.uint32:
                raise ValueError(f"MerkleTree: matrices must be 2-D uint32, got {a.dtype} {a.shape}")
            if a.shape[1] < 1:
                raise ValueError("MerkleTree: matrix width must be ≥ 1")
            mats.append(a)
        self.matrices = mats
        self.bit_reversed_rows = bool(bit_reversed_rows)
        self.log_heights = [_log2_exact(a.shape[0], "MerkleTree") for a in mats]
        self.log_max_height = L = max(self.log_heights)
        self.salt = None
        if salt is not None:
            sm, key, sw = salt
            if not 0 <= sm < len(mats) or int(sw) < 1 or len(bytes(key)) != 32:
                raise ValueError("MerkleTree: salt must be (matrix index, 32-byte key, width >= 1)")
            self.salt = (int(sm), bytes(key), int(sw))
        self.dims = [(lh, a.shape[1] + (self.salt[2] if self.salt and m == self.salt[0] else 0))
                     for m, (lh, a) in enumerate(zip(self.log_heights, mats, strict=True))]
        self.keep_from = k0 = max(0, min(int(keep_from), L))

        layers: list = [None] * (L + 1)
        cur = self._leaf_hashes(L)
        if k0 == 0:
            layers[0] = cur
        for k in range(1, L + 1):
            pairs = cur.reshape(-1, 16)
            cur = hash_pairs(pairs[:, :8], pairs[:, 8:], NODE_PREFIX)
            if any(lh == L - k for lh in self.log_heights):
                cur = hash_pairs(cur, self._leaf_hashes(L - k), INJECT_PREFIX)
            if k >= k0:
                layers[k] = cur
        self.layers = layers
        self.root = digests_to_bytes(layers[L][0])

    def _group_mats(self, log_h: int) -> list:
        return [a for a, lh in zip(self.matrices, self.log_heights, strict=True) if lh == log_h]

    def _salted_height(self) -> int | None:
        return None if self.salt is None else self.log_heights[self.salt[0]]

    def _group_rows(self, log_h: int, nat) -> np.ndarray:
        """The leaf rows (every matrix of height 2^log_h, commit order, the virtual salt
        after its matrix) of the natural rows ``nat`` (an index array or a slice)."""
        parts = self._group_parts(log_h, nat)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def _group_parts(self, log_h: int, nat) -> list:
        """:meth:`_group_rows` as the list of its parts, not concatenated."""
        parts = []
        for m, (a, lh) in enumerate(zip(self.matrices, self.log_heights, strict=True)):
            if lh != log_h:
                continue
            parts.append(a[nat])
            if self.salt is not None and m == self.salt[0]:
                idx = np.arange(a.shape[0])[nat] if isinstance(nat, slice) else nat
                parts.append(salt_words(self.salt[1], idx, self.salt[2]))
        return parts

    def _leaf_hashes(self, log_h: int) -> np.ndarray:
        if log_h != self._salted_height():
            group = self._group_mats(log_h)
            if len(group) == 1:
                return hash_rows(group[0], LEAF_PREFIX, row_order_bitrev=self.bit_reversed_rows)
            if len(group) > 2:
                return _chunked_leaves(lambda s0, s1: [m[s0:s1] for m in group],
                                       sum(m.shape[1] for m in group), log_h,
                                       self.bit_reversed_rows)
            # several matrices of this height: hash each row as the concatenation of two
            # parts without building the whole (n, Σw) concatenation (a serial copy of up
            # to hundreds of MB at 2^20 rows: 0.8-1.3 s per group measured); only a part
            # of more than one matrix is concatenated, the split copying the fewest columns
            a, b = _two_parts(group)
            n = 1 << log_h
            out = np.empty((n, 8), dtype=np.uint32)
            order = bitrev_permutation(log_h) if self.bit_reversed_rows else \
                np.zeros(0, dtype=np.int64)
            hash_rows_into(a, b, LEAF_PREFIX, order, out)
            return out
        n = 1 << log_h
        out = np.empty((n, 8), dtype=np.uint32)
        rev = bitrev_permutation(log_h) if self.bit_reversed_rows else np.zeros(0, np.int64)
        group = self._group_mats(log_h)
        sm, key, sw = self.salt
        if len(group) == 1:
            # one matrix: its rows and their salt hashed together, no concatenation
            a = self.matrices[sm]
            for s0 in range(0, n, _SALT_CHUNK):
                s1 = min(n, s0 + _SALT_CHUNK)
                salt = salt_words(key, np.arange(s0, s1), sw)
                # natural row i lands at tree row bitrev(i) (an involution)
                hash_rows_into(a[s0:s1], salt, LEAF_PREFIX, rev[s0:s1] if rev.size else rev,
                               out if rev.size else out[s0:s1])
            return out
        # several matrices with the salt: their rows and the salt words, a chunk at a time
        return _chunked_leaves(lambda s0, s1: self._group_parts(log_h, slice(s0, s1)),
                               sum(m.shape[1] for m in group) + sw, log_h,
                               self.bit_reversed_rows)

    def _leaf_hashes_at(self, log_h: int, start: int, count: int) -> np.ndarray:
        """Leaf digests of tree rows ``[start, start+count)`` of the height-2^log_h group."""
        j = np.arange(start, start + count, dtype=np.int64)
        if self.bit_reversed_rows:
            j = bitrev_permutation(log_h)[j]
        return hash_rows(self._group_rows(log_h, j), LEAF_PREFIX)

    def _low_levels(self, block: int) -> list:
        """Digests of levels ``0 .. k0−1`` below node ``block`` of level ``k0``:
        ``out[k]`` holds level-k nodes ``[block·2^(k0−k), (block+1)·2^(k0−k))``."""
        L, k0 = self.log_max_height, self.keep_from
        out = []
        cur = self._leaf_hashes_at(L, block << k0, 1 << k0)
        out.append(cur)
        for k in range(1, k0):
            pairs = cur.reshape(-1, 16)
            cur = hash_pairs(pairs[:, :8], pairs[:, 8:], NODE_PREFIX)
            if any(lh == L - k for lh in self.log_heights):
                cur = hash_pairs(cur, self._leaf_hashes_at(L - k, block << (k0 - k),
                                                           1 << (k0 - k)), INJECT_PREFIX)
            out.append(cur)
        return out

    # ------------------------------------------------------------------ opening
    def row(self, m: int, j: int) -> np.ndarray:
        """Tree row ``j`` of matrix ``m`` (natural row ``bitrev(j)`` if bit-reversed),
        with the virtual salt columns of a salted matrix."""
        a = self.matrices[m]
        if self.bit_reversed_rows:
            lh = self.log_heights[m]
            j = int(bitrev_permutation_scalar(j, lh))
        if self.salt is not None and m == self.salt[0]:
            return np.concatenate([a[j], salt_words(self.salt[1], np.array([j]), self.salt[2])[0]])
        return a[j]

    def open(self, index: int) -> tuple[list[list[int]], list[bytes]]:
        """Open leaf ``index`` ∈ [0, 2^L): returns ``(rows, path)``.

        ``rows[m]`` (list of ints) is tree row ``index >> (L − log_h_m)`` of matrix ``m``;
        ``path[k]`` is the sibling digest at level ``k`` (k = 0..L−1).
        """
        L, k0 = self.log_max_height, self.keep_from
        if not 0 <= index < (1 << L):
            raise IndexError(f"Merkle open: index {index} out of range [0, {1 << L})")
        rows = [self.row(m, index >> (L - lh)).tolist() for m, lh in enumerate(self.log_heights)]
        path = []
        low = self._low_levels(index >> k0) if k0 else []
        i = index
        for k in range(L):
            if k < k0:
                base = (index >> k0) << (k0 - k)
                path.append(digests_to_bytes(low[k][(i ^ 1) - base]))
            else:
                path.append(digests_to_bytes(self.layers[k][i ^ 1]))
            i >>= 1
        return rows, path


#: bytes of the reused buffer that :func:`_chunked_leaves` concatenates rows into
_CONCAT_CHUNK_BYTES = 4 << 20


def _chunked_leaves(parts_of, width: int, log_h: int, bit_reversed: bool) -> np.ndarray:
    """Leaf digests of the ``2^log_h`` rows ``p_1[i] ‖ … ‖ p_k[i]`` of several parts
    (``parts_of(s0, s1)``: the parts' natural rows ``[s0, s1)``, ``width`` columns in
    all): the rows are concatenated a few thousand at a time into one reused,
    cache-sized buffer and hashed from there (no ``(n, Σw)`` copy into fresh pages: a
    serial 0.5-0.9 s per proof at 2^19-2^20 rows with a real program's many tables of
    one height)."""
    n = 1 << log_h
    rows = max(1, min(n, _CONCAT_CHUNK_BYTES // (4 * width)))
    buf = np.empty((rows, width), dtype=np.uint32)
    out = np.empty((n, 8), dtype=np.uint32)
    order = bitrev_permutation(log_h) if bit_reversed else np.zeros(0, dtype=np.int64)
    for s0 in range(0, n, rows):
        s1 = min(n, s0 + rows)
        chunk = buf[:s1 - s0]
        np.concatenate(parts_of(s0, s1), axis=1, out=chunk)
        # natural row i lands at tree row bitrev(i) (an involution)
        hash_rows_into(chunk, None, LEAF_PREFIX, order[s0:s1] if order.size else order,
                       out if order.size else out[s0:s1])
    return out


def _two_parts(group: list) -> tuple:
    """``(a, b)`` with ``a ‖ b`` (row-wise) the concatenation of ``group`` (≥ 2 matrices of
    one height, in order): the split point minimises the columns copied (a part of one
    matrix is that matrix itself, not a copy)."""
    widths = [m.shape[1] for m in group]
    best, split = None, 1
    for s in range(1, len(group)):
        cost = (sum(widths[:s]) if s > 1 else 0) + (sum(widths[s:]) if len(group) - s > 1 else 0)
        if best is None or cost < best:
            best, split = cost, s

    def part(ms):
        return ms[0] if len(ms) == 1 else np.concatenate(ms, axis=1)

    return part(group[:split]), part(group[split:])


def bitrev_permutation_scalar(j: int, log_n: int) -> int:
    """``bitrev_{log_n}(j)`` for one index."""
    r = 0
    for _ in range(log_n):
        r = (r << 1) | (j & 1)
        j >>= 1
    return r


# keep the vectorised helper importable from here as well
bitrev_permutation = bitrev_permutation

"""Plain data types of the FRI polynomial commitment scheme, shared by prover and verifier.

Everything in an :class:`OpeningProof` is a plain Python value -- ``int`` (field elements
in ``[0, p)``, the PoW nonce), ``bytes`` (32-byte digests) and ``list``/``tuple`` of those
-- so the proof-format layer can serialise it canonically however it likes.  For
convenience, :meth:`OpeningProof.to_bytes` / :meth:`OpeningProof.from_bytes` give a
self-delimiting canonical encoding:

* ``u32`` little-endian for every count and every field element, ``u64`` for the nonce;
* each list is preceded by its ``u32`` length;
* digests are 32 raw bytes;
* the query indices are sent (``u32`` each; the verifier checks they are the ones the
  transcript samples), then the shape of one query once (openings, rows and their
  lengths, tree heights), then every query's rows without length prefixes, then the
  Merkle siblings as a *batch proof*: per query and tree, level by level, a sibling is
  omitted when it lies on another query's path (the verifier computes it:
  ``None`` in the parsed proof until :func:`zkvm.merkle.verify.complete_paths` fills it)
  or when an earlier query of the same tree already sent it (same level and node index,
  known from the indices).  An honest proof repeats such nodes identically;
  :meth:`OpeningProof.to_bytes` refuses a proof whose duplicates differ.  About a
  quarter of a receipt (the top ``log2(num_queries)`` levels of every path).
* parsing rejects non-canonical field elements (≥ p), truncated input and trailing bytes
  with :class:`~zkvm.stark.errors.ProofFormatError` (checklist 20).

The *shapes* (how many rounds, queries, layers, columns) are only bounded by the parser;
they are checked exactly against the statement by :func:`zkvm.stark.pcs_verifier.verify`
(checklist 22), which raises :class:`~zkvm.stark.errors.ShapeError` on a mismatch.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from zkvm.field.babybear import P
from zkvm.merkle import MerkleTree

from .errors import ProofFormatError

__all__ = ["BatchOpening", "QueryProof", "OpeningProof", "ExtTuple", "ProverData", "SALT_WIDTH"]

#: An extension element as a plain 4-tuple of canonical ints (coefficient of X^i at i).
ExtTuple = tuple  # tuple[int, int, int, int]

# Parser sanity bounds (untrusted input must never make us allocate absurd amounts).
_MAX_LIST = 1 << 24


@dataclass
class BatchOpening:
    """A Merkle opening of one leaf of a mixed-matrix tree.

    rows:  one list of ints per committed matrix (commit order), the opened row of that
           matrix (for a PCS input round: the LDE row; for a FRI layer: the 4·arity
           coefficients of the arity folded-together extension values).
    path:  sibling digests from the leaf level up to (excluding) the root, 32 bytes each.
    """

    rows: list[list[int]]
    path: list[bytes]


@dataclass
class QueryProof:
    """Everything the verifier needs for one FRI query index.

    input_openings: one :class:`BatchOpening` per PCS commitment round (in the order of
                    ``rounds`` given to ``open``/``verify``).
    fri_openings:   one :class:`BatchOpening` per FRI commit-phase layer, each with
                    exactly one row (the coset of ``arity_j`` extension values, flattened
                    to ``4·arity_j`` ints).
    """

    input_openings: list[BatchOpening]
    fri_openings: list[BatchOpening]


@dataclass
class OpeningProof:
    """The FRI-based opening proof for a batch of committed matrices.

    fri_commits:  Merkle roots (32 bytes) of the FRI layers, one per folding round.
    final_poly:   the coefficients (lowest degree first) of the final folded polynomial,
                  each an :data:`ExtTuple`; exactly ``2^log_final_len`` entries where
                  ``log_final_len = min(params.log_final_poly_len, smallest committed
                  log_height)``.
    pow_nonce:    the grinding nonce (u64).
    query_proofs: one :class:`QueryProof` per query (exactly ``params.num_queries``).
    mask_root:    zk mode only (else None): Merkle root of the random masking polynomial
                  ``R`` (one extension column = 4 base columns) added to the DEEP batch;
                  its Merkle openings are the last ``input_openings`` of every query.
    mask_values:  zk mode only (else None): ``R``'s 4 base columns at the first opening
                  point, as :data:`ExtTuple` (exactly 4).
    query_indices: the sampled query indices (``L0`` bits each), in query order; needed
                  to encode the compressed paths (the verifier checks them against the
                  transcript).
    """

    fri_commits: list[bytes]
    final_poly: list[tuple]
    pow_nonce: int
    query_proofs: list[QueryProof] = field(default_factory=list)
    mask_root: bytes | None = None
    mask_values: list[tuple] | None = None
    query_indices: list | None = None

    # ------------------------------------------------------------------ encoding
    def to_bytes(self) -> bytes:
        """Canonical self-delimiting encoding (see module docstring)."""
        out = bytearray()
        u32 = struct.Struct("<I").pack

        def put_digests(ds):
            out.extend(u32(len(ds)))
            for d in ds:
                if len(d) != 32:
                    raise ProofFormatError("digest must be 32 bytes")
                out.extend(d)

        def put_ints(xs):
            out.extend(u32(len(xs)))
            out.extend(struct.pack(f"<{len(xs)}I", *xs))

        def put_opening(o: BatchOpening):
            out.extend(u32(len(o.rows)))
            for r in o.rows:
                put_ints(r)
            put_digests(o.path)

        put_digests(self.fri_commits)
        out.extend(u32(len(self.final_poly)))
        for c in self.final_poly:
            if len(c) != 4:
                raise ProofFormatError("final_poly coefficient must have 4 ints")
            out.extend(struct.pack("<4I", *c))
        out.extend(struct.pack("<Q", self.pow_nonce))
        qps = self.query_proofs
        out.extend(u32(len(qps)))
        idx = self.query_indices
        if qps and (idx is None or len(idx) != len(qps)):
            raise ProofFormatError("opening proof: one query index per query proof needed")
        if qps:
            out.extend(struct.pack(f"<{len(idx)}I", *idx))
            shape = _query_shape(qps[0])
            n_in, row_lens, heights = shape
            # the shape, once: openings per query, rows per opening and their lengths,
            # tree heights
            out.extend(u32(n_in))
            out.extend(u32(len(row_lens) - n_in))
            for lens, h in zip(row_lens, heights, strict=True):
                out.extend(u32(len(lens)))
                out.extend(struct.pack(f"<{len(lens)}I", *lens))
                out.extend(u32(h))
            for qi, q in enumerate(qps):
                if _query_shape(q) != shape:
                    raise ProofFormatError(f"opening proof: query {qi} differs in shape from query 0")
                for o in list(q.input_openings) + list(q.fri_openings):
                    for r in o.rows:
                        out.extend(struct.pack(f"<{len(r)}I", *r))
            own = _own_nodes(idx, heights)
            seen: dict = {}
            for qi, q in enumerate(qps):
                for key, d in _path_nodes(q, idx[qi], shape):
                    t, k, node = key
                    if node in own[t][k]:
                        continue  # computable: a node on another query's path
                    prev = seen.get(key)
                    if prev is None:
                        if d is None or len(d) != 32:
                            raise ProofFormatError("digest must be 32 bytes")
                        out.extend(d)
                        seen[key] = d
                    elif prev != d:
                        raise ProofFormatError(f"opening proof: query {qi} repeats a Merkle node "
                                               "with another digest")
        if (self.mask_root is None) != (self.mask_values is None):
            raise ProofFormatError("mask_root and mask_values must be both set or both None")
        if self.mask_root is None:
            out.append(0)
        else:
            out.append(1)
            put_digests([self.mask_root])
            out.extend(u32(len(self.mask_values)))
            for c in self.mask_values:
                if len(c) != 4:
                    raise ProofFormatError("mask value must have 4 ints")
                out.extend(struct.pack("<4I", *c))
        return bytes(out)

    def sent_digests(self) -> int:
        """How many Merkle sibling digests :meth:`to_bytes` writes: a function of the
        query shape and the (public) query indices only.  The encoded length minus
        ``32·sent_digests()`` depends on the statement's shape alone, which is what
        length hiding (``--pad-cycles``) needs: the batch compression reveals nothing
        the indices do not."""
        qps = self.query_proofs
        if not qps:
            return 0
        idx = self.query_indices
        shape = _query_shape(qps[0])
        own = _own_nodes(idx, shape[2])
        sent = set()
        for qi in range(len(qps)):
            for key in _node_keys(idx[qi], shape[2]):
                if key[2] not in own[key[0]][key[1]]:
                    sent.add(key)
        return len(sent)

    @classmethod
    def from_bytes(cls, data: bytes) -> "OpeningProof":
        """Parse :meth:`to_bytes` output; :class:`ProofFormatError` on anything
        malformed (truncation, element ≥ p, absurd length, trailing bytes)."""
        r = _Reader(data)
        fri_commits = r.digests()
        n = r.length()
        final_poly = [r.field_ints(4) for _ in range(n)]
        final_poly = [tuple(c) for c in final_poly]
        nonce = r.u64()
        nq = r.length()
        idx = list(struct.unpack(f"<{nq}I", r.take(4 * nq))) if nq else []
        qps = []
        if nq:
            n_in = r.length()
            n_fri = r.length()
            row_lens, heights = [], []
            for _ in range(n_in + n_fri):
                nr = r.length()
                row_lens.append([r.length() for _ in range(nr)])
                h = r.u32()
                if h > 40:
                    raise ProofFormatError(f"opening proof: Merkle tree height {h} too large")
                heights.append(h)
            rows = [[[r.field_ints(n) for n in lens] for lens in row_lens] for _ in range(nq)]
            own = _own_nodes(idx, heights)
            seen: dict = {}
            paths = []
            for qi in range(nq):
                ps = []
                for key in _node_keys(idx[qi], heights):
                    t, k, node = key
                    if node in own[t][k]:
                        d = None  # computed by the verifier (zkvm.merkle.verify.complete_paths)
                    else:
                        d = seen.get(key)
                        if d is None:
                            d = seen[key] = r.take(32)
                    ps.append(d)
                paths.append(ps)
            for qi in range(nq):
                ops, pos = [], 0
                for t, h in enumerate(heights):
                    ops.append(BatchOpening(rows[qi][t], paths[qi][pos:pos + h]))
                    pos += h
                qps.append(QueryProof(ops[:n_in], ops[n_in:]))
        flag = r.take(1)[0]
        mask_root = mask_values = None
        if flag == 1:
            roots = r.digests()
            if len(roots) != 1:
                raise ProofFormatError("opening proof: expected exactly one mask root")
            mask_root = roots[0]
            mask_values = [tuple(r.field_ints(4)) for _ in range(r.length())]
        elif flag != 0:
            raise ProofFormatError(f"opening proof: mask flag must be 0 or 1, got {flag}")
        r.finish()
        return cls(fri_commits, final_poly, nonce, qps, mask_root, mask_values,
                   idx if nq else None)


def _query_shape(q: QueryProof) -> tuple:
    """``(number of input openings, row lengths per opening, path length per opening)``."""
    ops = list(q.input_openings) + list(q.fri_openings)
    return (len(q.input_openings), tuple(tuple(len(r) for r in o.rows) for o in ops),
            tuple(len(o.path) for o in ops))


def _node_keys(index: int, heights: tuple):
    """``(tree, level, node)`` of every sibling on the paths of query ``index``: tree ``t``
    has height ``heights[t]`` and the query opens its leaf ``index >> (L0 − height)``
    (``L0`` the largest height: the FRI input size)."""
    L0 = max(heights) if heights else 0
    for t, h in enumerate(heights):
        leaf = index >> (L0 - h)
        for k in range(h):
            yield (t, k, (leaf >> k) ^ 1)


def _own_nodes(indices: list, heights) -> list:
    """``own[t][k]``: the level-``k`` nodes of tree ``t`` that lie *on* some query's path
    (the verifier computes them, so a sibling among them is never sent)."""
    L0 = max(heights) if heights else 0
    own = []
    for h in heights:
        leaves = {i >> (L0 - h) for i in indices}
        own.append([{leaf >> k for leaf in leaves} for k in range(h)])
    return own


def _path_nodes(q: QueryProof, index: int, shape: tuple):
    ops = list(q.input_openings) + list(q.fri_openings)
    keys = _node_keys(index, shape[2])
    for o in ops:
        for d in o.path:
            yield next(keys), (None if d is None else bytes(d))


class _Reader:
    def __init__(self, data: bytes):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ProofFormatError("opening proof must be bytes")
        self.b = bytes(data)
        self.i = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.i + n > len(self.b):
            raise ProofFormatError("opening proof truncated")
        s = self.b[self.i:self.i + n]
        self.i += n
        return s

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.take(8))[0]

    def length(self) -> int:
        n = self.u32()
        if n > _MAX_LIST or n > len(self.b) - self.i:
            # every list entry takes at least one byte, so n > remaining is malformed
            raise ProofFormatError(f"opening proof: list length {n} too large")
        return n

    def field_ints(self, n: int) -> list[int]:
        vals = list(struct.unpack(f"<{n}I", self.take(4 * n)))
        for v in vals:
            if v >= P:
                raise ProofFormatError(f"opening proof: non-canonical field element {v}")
        return vals

    def digests(self) -> list[bytes]:
        n = self.length()
        return [self.take(32) for _ in range(n)]

    def opening(self) -> BatchOpening:
        nr = self.length()
        rows = [self.field_ints(self.length()) for _ in range(nr)]
        return BatchOpening(rows, self.digests())

    def finish(self) -> None:
        if self.i != len(self.b):
            raise ProofFormatError(f"opening proof: {len(self.b) - self.i} trailing bytes")


# ---------------------------------------------------------------------------- prover data
#: Random field elements appended to every leaf of a hiding commitment (8 × 30 bits).
SALT_WIDTH = 8


@dataclass
class ProverData:
    """Prover-side state of one ``commit`` / ``commit_coeffs`` call.

    evals:      ``None`` per matrix (the committed evaluations are not kept: openings
                interpolate the LDE; kept as a field for the matrix count).
    ldes:       their coset LDEs ``(n_m·B·2^e_m, w_m)`` over ``g·H_{…}``, natural order.
    tree:       the mixed-height Merkle tree over ``ldes`` (plus the virtual salt columns
                of a salted commitment), bit-reversed row order.
    log_blowup: ``log2 B`` used.
    coeffs:     per matrix the committed polynomial's coefficients ``(D_m, w_m)`` (masked
                in hiding mode), or ``None`` when the matrix is opened from ``evals``.
    log_ns:     ``log2 n_m`` (the trace heights); ``extra_logs``: ``e_m``.
    salted:     True for a hiding commitment: matrix ``salt_matrix`` (the first of the
                largest LDE) has ``SALT_WIDTH`` extra trailing salt columns in the tree
                (PRF values, not stored in ``ldes``; never batched or opened at ζ).
    masks:      hiding ``commit`` only: per matrix the ``(k, w)`` coefficients of ``r``;
                the committed polynomial is ``f + Z_H·r`` with ``f`` given by ``evals``.
    """

    evals: list
    ldes: list
    tree: MerkleTree
    log_blowup: int
    coeffs: list | None = None
    log_ns: list | None = None
    extra_logs: list | None = None
    salted: bool = False
    masks: list | None = None
    salt_matrix: int | None = None

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def log_heights(self) -> list[int]:
        """``log2 n_m`` of each committed matrix (trace heights, not LDE heights)."""
        if self.log_ns is not None:
            return list(self.log_ns)
        return [int(e.shape[0]).bit_length() - 1 for e in self.evals]

    @property
    def widths(self) -> list[int]:
        """Committed column counts (without the salt columns)."""
        return [int(e.shape[1]) for e in self.ldes]

    @property
    def extra_log_list(self) -> list[int]:
        return list(self.extra_logs) if self.extra_logs is not None else [0] * len(self.ldes)

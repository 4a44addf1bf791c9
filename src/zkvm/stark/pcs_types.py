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

from dataclasses import dataclass, field

from zkvm.codec import Reader, Writer
from zkvm.field.babybear import P
from zkvm.merkle import MerkleTree

from .errors import ProofFormatError

__all__ = ["BatchOpening", "QueryProof", "OpeningProof", "ExtTuple", "ProverData", "SALT_WIDTH"]

#: An extension element as a plain 4-tuple of canonical ints (coefficient of X^i at i).
ExtTuple = tuple  # tuple[int, int, int, int]

# Parser bound (untrusted input must never make us allocate absurd amounts): the row and
# path entries of all queries together.  An honest proof has at most 1024 queries
# (``StarkParams``) × about 20 openings × (1 + a tree height ≤ 40): well below.
_MAX_QUERY_CELLS = 1 << 22


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
        w = Writer(error=ProofFormatError, name="opening proof")

        def put_digests(ds):
            w.u32(len(ds))
            for d in ds:
                w.digest(d)

        put_digests(self.fri_commits)
        w.u32(len(self.final_poly))
        for c in self.final_poly:
            if len(c) != 4:
                raise ProofFormatError("final_poly coefficient must have 4 ints")
            w.u32s(c, "final polynomial")
        w.u64(self.pow_nonce, "pow nonce")
        qps = self.query_proofs
        w.u32(len(qps))
        idx = self.query_indices
        if qps and (idx is None or len(idx) != len(qps)):
            raise ProofFormatError("opening proof: one query index per query proof needed")
        if qps:
            w.u32s(idx, "query indices")
            shape = _query_shape(qps[0])
            n_in, row_lens, heights = shape
            # the shape, once: openings per query, rows per opening and their lengths,
            # tree heights
            w.u32(n_in)
            w.u32(len(row_lens) - n_in)
            for lens, h in zip(row_lens, heights, strict=True):
                w.u32(len(lens))
                w.u32s(lens, "row lengths")
                w.u32(h)
            for qi, q in enumerate(qps):
                if _query_shape(q) != shape:
                    raise ProofFormatError(f"opening proof: query {qi} differs in shape from query 0")
                for o in list(q.input_openings) + list(q.fri_openings):
                    for r in o.rows:
                        w.u32s(r, "opened row")
            own = _own_nodes(idx, heights)
            seen: dict = {}
            for qi, q in enumerate(qps):
                for key, d in _path_nodes(q, idx[qi], shape):
                    t, k, node = key
                    if node in own[t][k]:
                        continue  # computable: a node on another query's path
                    prev = seen.get(key)
                    if prev is None:
                        w.digest(d)
                        seen[key] = d
                    elif prev != d:
                        raise ProofFormatError(f"opening proof: query {qi} repeats a Merkle node "
                                               "with another digest")
        if (self.mask_root is None) != (self.mask_values is None):
            raise ProofFormatError("mask_root and mask_values must be both set or both None")
        w.flag(self.mask_root is not None)
        if self.mask_root is not None:
            put_digests([self.mask_root])
            w.u32(len(self.mask_values))
            for c in self.mask_values:
                if len(c) != 4:
                    raise ProofFormatError("mask value must have 4 ints")
                w.u32s(c, "mask value")
        return w.getvalue()

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
        r = Reader(data, error=ProofFormatError, name="opening proof", modulus=P)

        def digests(what: str) -> list[bytes]:
            return [r.digest(what) for _ in range(r.length(what, item_bytes=32))]

        fri_commits = digests("FRI commitments")
        n = r.length("final polynomial", item_bytes=16)
        final_poly = [tuple(r.field_elems(4, "final polynomial")) for _ in range(n)]
        nonce = r.u64("pow nonce")
        nq = r.length("query indices", item_bytes=4)
        idx = r.u32s(nq, "query indices")
        qps = []
        if nq:
            n_in = r.length("input openings", item_bytes=8)
            n_fri = r.length("FRI openings", item_bytes=8)
            if n_in + n_fri > r.remaining // 8:
                raise r.fail(f"{n_in} + {n_fri} openings exceed the remaining {r.remaining} bytes")
            row_lens, heights = [], []
            for _ in range(n_in + n_fri):
                nr = r.length("rows", item_bytes=4)
                row_lens.append(r.u32s(nr, "row lengths"))
                h = r.u32("tree height")
                if h > 40:
                    raise ProofFormatError(f"opening proof: Merkle tree height {h} too large")
                heights.append(h)
            # every query holds one entry per opening and per path level, even where it
            # reads no byte (empty rows, siblings computed from other queries): bound the
            # total before building anything (untrusted input, no unbounded memory/time)
            cells = nq * (len(heights) + sum(heights))
            if cells > _MAX_QUERY_CELLS:
                raise r.fail(f"{nq} queries of {len(heights)} openings exceed the parser "
                             f"bound ({cells} > {_MAX_QUERY_CELLS} row and path entries)")
            row_bytes = 4 * sum(sum(lens) for lens in row_lens)
            if nq * row_bytes > r.remaining:
                raise r.fail(f"{nq} queries of {row_bytes} row bytes exceed the remaining "
                             f"{r.remaining} bytes")
            rows = [[[r.field_elems(n, "opened row") for n in lens] for lens in row_lens]
                    for _ in range(nq)]
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
                            d = seen[key] = r.digest("Merkle sibling")
                    ps.append(d)
                paths.append(ps)
            for qi in range(nq):
                ops, pos = [], 0
                for t, h in enumerate(heights):
                    ops.append(BatchOpening(rows[qi][t], paths[qi][pos:pos + h]))
                    pos += h
                qps.append(QueryProof(ops[:n_in], ops[n_in:]))
        mask_root = mask_values = None
        if r.flag("mask flag"):
            roots = digests("mask root")
            if len(roots) != 1:
                raise ProofFormatError("opening proof: expected exactly one mask root")
            mask_root = roots[0]
            n = r.length("mask values", item_bytes=16)
            mask_values = [tuple(r.field_elems(4, "mask value")) for _ in range(n)]
        r.finish("opening proof")
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


# ---------------------------------------------------------------------------- prover data
#: Random field elements appended to every leaf of a hiding commitment (8 × 30 bits).
SALT_WIDTH = 8


@dataclass
class ProverData:
    """Prover-side state of one ``commit`` / ``commit_coeffs`` call.

    evals:      ``None`` per matrix (the committed evaluations are not kept: openings
                interpolate the LDE; kept as a field for the matrix count).
    ldes:       their coset LDEs ``(n_m·B·2^e_m, w_m)`` over ``g·H_{…}``, natural order;
                ``None`` for a stacked matrix (made on demand from ``coeffs``).
    tree:       the mixed-height Merkle tree over ``ldes`` (plus the virtual salt columns
                of a salted commitment), bit-reversed row order.
    log_blowup: ``log2 B`` used.
    coeffs:     per matrix the committed polynomial's coefficients ``(D_m, w_m)`` (masked
                in hiding mode): every matrix of ``commit_coeffs`` and every stacked one;
                ``None`` when the matrix is opened from its LDE.
    log_ns:     ``log2 n_m`` (the trace heights); ``extra_logs``: ``e_m``.
    salted:     True for a hiding commitment: matrix ``salt_matrix`` (the first of the
                largest LDE) has ``SALT_WIDTH`` extra trailing salt columns in the tree
                (PRF values, not stored in ``ldes``; never batched or opened at ζ).
    masks:      hiding ``commit`` only: per matrix the ``(k, w)`` coefficients of ``r``;
                the committed polynomial is ``f + Z_H·r`` with ``f`` given by ``evals``.
    stack_logs: per matrix ``s_m`` (0: not stacked, the default); a stacked matrix's
                tree holds ``tree_ldes[m]``: the LDE ``(k·N_m, ⌈w_m/k⌉)`` of its stacked
                columns ``g_j(X) = Σ_t X^t f_{jk+t}(X^k)`` (``k = 2^s_m``); the
                columns' own LDE (read by the quotient) is made from ``coeffs[m]`` when
                asked for.  See :mod:`zkvm.stark.pcs`, "Stacking".
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
    stack_logs: list | None = None
    tree_ldes: list | None = None

    def stack_log(self, m: int) -> int:
        """``s_m`` of matrix ``m`` (0 when not stacked)."""
        return 0 if self.stack_logs is None else int(self.stack_logs[m])

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
        return [int(e.shape[1]) if e is not None else int(c.shape[1])
                for e, c in zip(self.ldes, self.coeffs or [None] * len(self.ldes))]

    @property
    def extra_log_list(self) -> list[int]:
        return list(self.extra_logs) if self.extra_logs is not None else [0] * len(self.ldes)

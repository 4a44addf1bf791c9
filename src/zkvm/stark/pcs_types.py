"""Plain data types of the FRI polynomial commitment scheme, shared by prover and verifier.

Everything in an :class:`OpeningProof` is a plain Python value -- ``int`` (field elements
in ``[0, p)``, the PoW nonce), ``bytes`` (32-byte digests) and ``list``/``tuple`` of those
-- so the proof-format layer can serialise it canonically however it likes.  For
convenience, :meth:`OpeningProof.to_bytes` / :meth:`OpeningProof.from_bytes` give a
self-delimiting canonical encoding:

* ``u32`` little-endian for every count and every field element, ``u64`` for the nonce;
* each list is preceded by its ``u32`` length;
* digests are 32 raw bytes;
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

from .errors import ProofFormatError

__all__ = ["BatchOpening", "QueryProof", "OpeningProof", "ExtTuple"]

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
    """

    fri_commits: list[bytes]
    final_poly: list[tuple]
    pow_nonce: int
    query_proofs: list[QueryProof] = field(default_factory=list)
    mask_root: bytes | None = None
    mask_values: list[tuple] | None = None

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
        out.extend(u32(len(self.query_proofs)))
        for q in self.query_proofs:
            out.extend(u32(len(q.input_openings)))
            for o in q.input_openings:
                put_opening(o)
            out.extend(u32(len(q.fri_openings)))
            for o in q.fri_openings:
                put_opening(o)
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
        qps = []
        for _ in range(nq):
            ni = r.length()
            inputs = [r.opening() for _ in range(ni)]
            nf = r.length()
            fris = [r.opening() for _ in range(nf)]
            qps.append(QueryProof(inputs, fris))
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
        return cls(fri_commits, final_poly, nonce, qps, mask_root, mask_values)


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

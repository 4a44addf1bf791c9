"""The STARK proof object and its canonical binary format.

Layout (all integers little-endian; every list is preceded by its u32 length)::

    header      magic b"ZKVMSTRK", version u32, zk flag u8 (0/1), params digest (32),
                vk digest (32)
    heights     list of u32 log2 trace heights, one per table (0xFFFFFFFF =
                ``system.EMPTY_LOG_HEIGHT``: the table is empty and absent from
                every later section)
    commits     main root (32), aux flag u8 (0/1) [+ aux root (32)], quotient root (32)
    sums        list of claimed LogUp sums, each an extension element (4 × u32)
    openings    list (rounds) of list (matrices) of list (points) of list (columns) of
                extension elements (4 × u32)
    pcs         u32 byte length, then the FRI opening proof
                (:meth:`zkvm.stark.pcs_types.OpeningProof.to_bytes`)

Canonical parsing (checklist 20): every field element must be ``< p``, flags 0 or 1,
lists no longer than the remaining bytes allow, the PCS section exactly its declared
length, and no byte may follow the last section.  Any violation raises
:class:`ProofFormatError` (a :class:`~zkvm.stark.errors.VerificationError`).  Shapes are
only *bounded* here; the verifier checks them exactly against the verifying key
(checklist 22).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.stark.errors import ProofFormatError
from zkvm.stark.pcs_types import OpeningProof

MAGIC = b"ZKVMSTRK"
#: 3: zk proofs carry the DEEP masking polynomial in the quotient round (trailing
#: columns of one table's chunk matrix; no separate PCS mask), a possibly longer last
#: quotient chunk, blinded claimed sums, and salt values at the end of the first largest
#: matrix's opened row (docs/zero-knowledge.md, "Formats").
#: 4: empty tables (``Air.may_be_empty``): log height ``EMPTY_LOG_HEIGHT``, absent from
#: the commitments, claimed sums and openings.
#: 5: the PCS section sends the query indices and compresses the queries after the first
#: (no row length prefixes; Merkle siblings already sent by an earlier query of the same
#: tree omitted; :mod:`zkvm.stark.pcs_types`).  Versions 2 to 4 are refused.
VERSION = 5
_MAX_LIST = 1 << 20


@dataclass
class Proof:
    """A STARK proof.

    ``opened[r][m][k]``: the values (one Ext per column) of matrix ``m`` of PCS round
    ``r`` at opening point ``k``; rounds are, in order, preprocessed (if the system has
    preprocessed tables), main, aux (if any table has interactions), quotient.

    ``zk``: True if the proof was made in zero-knowledge mode (``params.zk``).  The
    parameter digest binds the mode too; the verifier checks both agree with its
    parameters and reports the mode (:class:`zkvm.stark.verifier.VerifyResult`).
    """

    params_digest: bytes
    vk_digest: bytes
    log_heights: list[int]
    main_root: bytes
    aux_root: bytes | None
    quotient_root: bytes
    claimed_sums: list[Ext]
    opened: list
    opening_proof: OpeningProof
    version: int = VERSION
    zk: bool = False

    # ------------------------------------------------------------------ encoding
    def _sections(self) -> list[tuple[str, bytes]]:
        u32 = struct.Struct("<I").pack

        def ext(e: Ext) -> bytes:
            return struct.pack("<4I", *e.coeffs)

        header = (MAGIC + u32(self.version) + (b"\x01" if self.zk else b"\x00")
                  + _digest(self.params_digest) + _digest(self.vk_digest))
        heights = u32(len(self.log_heights)) + b"".join(u32(h) for h in self.log_heights)
        commits = _digest(self.main_root)
        commits += b"\x00" if self.aux_root is None else b"\x01" + _digest(self.aux_root)
        commits += _digest(self.quotient_root)
        sums = u32(len(self.claimed_sums)) + b"".join(ext(e) for e in self.claimed_sums)
        op = bytearray(u32(len(self.opened)))
        for rnd in self.opened:
            op += u32(len(rnd))
            for mat in rnd:
                op += u32(len(mat))
                for pt in mat:
                    op += u32(len(pt))
                    for e in pt:
                        op += ext(e)
        pcs = self.opening_proof.to_bytes()
        return [("header", header), ("heights", heights), ("commitments", commits),
                ("claimed_sums", sums), ("opened_values", bytes(op)),
                ("pcs", u32(len(pcs)) + pcs)]

    def to_bytes(self) -> bytes:
        return b"".join(s for _, s in self._sections())

    def size_breakdown(self) -> dict[str, int]:
        """Bytes per section (``header``, ``heights``, ``commitments``, ``claimed_sums``,
        ``opened_values``, ``pcs``) plus ``total``."""
        out = {name: len(s) for name, s in self._sections()}
        out["total"] = sum(out.values())
        return out

    def section_offsets(self) -> dict[str, tuple[int, int]]:
        """``name -> (start, end)`` byte ranges of each section in :meth:`to_bytes`."""
        out, pos = {}, 0
        for name, s in self._sections():
            out[name] = (pos, pos + len(s))
            pos += len(s)
        return out

    @classmethod
    def from_bytes(cls, data) -> "Proof":
        """Parse a proof; raises :class:`ProofFormatError` on any malformed input."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ProofFormatError("proof must be bytes")
        r = _Reader(bytes(data))
        if r.take(8) != MAGIC:
            raise ProofFormatError("bad magic: not a zkvm STARK proof")
        version = r.u32()
        if version != VERSION:
            raise ProofFormatError(f"unsupported proof version {version} (expected {VERSION})")
        zk_flag = r.take(1)[0]
        if zk_flag not in (0, 1):
            raise ProofFormatError(f"zk flag must be 0 or 1, got {zk_flag}")
        params_digest = r.take(32)
        vk_digest = r.take(32)
        nh = r.length(4)
        log_heights = [r.u32() for _ in range(nh)]
        main_root = r.take(32)
        flag = r.take(1)[0]
        if flag not in (0, 1):
            raise ProofFormatError(f"aux flag must be 0 or 1, got {flag}")
        aux_root = r.take(32) if flag else None
        quotient_root = r.take(32)
        ns = r.length(16)
        sums = [r.ext() for _ in range(ns)]
        opened = []
        for _ in range(r.length(4)):
            rnd = []
            for _ in range(r.length(4)):
                mat = []
                for _ in range(r.length(4)):
                    mat.append([r.ext() for _ in range(r.length(16))])
                rnd.append(mat)
            opened.append(rnd)
        plen = r.u32()
        pcs_bytes = r.take(plen)
        r.finish()
        opening = OpeningProof.from_bytes(pcs_bytes)
        return cls(params_digest, vk_digest, log_heights, main_root, aux_root, quotient_root,
                   sums, opened, opening, version, zk=bool(zk_flag))


def _digest(d) -> bytes:
    if not isinstance(d, (bytes, bytearray)) or len(d) != 32:
        raise ProofFormatError("digest must be 32 bytes")
    return bytes(d)


class _Reader:
    def __init__(self, b: bytes):
        self.b = b
        self.i = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.i + n > len(self.b):
            raise ProofFormatError("proof truncated")
        s = self.b[self.i:self.i + n]
        self.i += n
        return s

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def length(self, min_item_bytes: int) -> int:
        n = self.u32()
        if n > _MAX_LIST or n * min_item_bytes > len(self.b) - self.i:
            raise ProofFormatError(f"list length {n} exceeds the remaining proof bytes")
        return n

    def ext(self) -> Ext:
        cs = struct.unpack("<4I", self.take(16))
        if any(c >= P for c in cs):
            raise ProofFormatError("non-canonical extension element (coefficient >= p)")
        return Ext(cs)

    def finish(self) -> None:
        if self.i != len(self.b):
            raise ProofFormatError(f"{len(self.b) - self.i} trailing bytes after the proof")

"""The STARK proof object and its canonical binary format.

Layout (all integers little-endian; every list is preceded by its u32 length)::

    header      magic b"ZKVMSTRK", version u32, zk flag u8 (0/1), params digest (32),
                vk digest (32)
    heights     list of u32 log2 trace heights, one per table (0xFFFFFFFF =
                ``system.EMPTY_LOG_HEIGHT``: the table is empty and absent from
                every later section)
    commits     main root (32), aux flag u8 (0/1) [+ aux root (32)], quotient root (32)
    sums        list of claimed LogUp sums, each an extension element (4 × u32)
    openings    list (rounds) of list (matrices) of list (points) of list (opened
                columns) of extension elements (4 × u32)
    pcs         u32 byte length, then the FRI opening proof
                (:meth:`zkvm.stark.pcs_types.OpeningProof.to_bytes`)

Canonical parsing (checklist 20, with the shared :mod:`zkvm.codec`): every field element
must be ``< p``, flags 0 or 1, lists no longer than the remaining bytes allow, the PCS
section exactly its declared length, and no byte may follow the last section.  Any violation raises
:class:`ProofFormatError` (a :class:`~zkvm.stark.errors.VerificationError`).  Shapes are
only *bounded* here; the verifier checks them exactly against the verifying key
(checklist 22).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.codec import Reader, Writer
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
#: tree omitted; :mod:`zkvm.stark.pcs_types`).
#: 6: a trace matrix is opened at ``ζ·ω`` only in the columns its table's constraints
#: read at the next row (``TableInfo.next_cols``; none: no second point), and the
#: LogUp running sum is exclusive (its transition reads the helper columns at the
#: current row).  Versions 2 to 5 are refused.
VERSION = 6
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
        def section() -> Writer:
            return Writer(error=ProofFormatError, name="proof")

        header = section()
        header.raw(MAGIC)
        header.u32(self.version, "version")
        header.flag(self.zk)
        header.digest(self.params_digest)
        header.digest(self.vk_digest)
        heights = section()
        heights.u32(len(self.log_heights))
        heights.u32s(self.log_heights, "log heights")
        commits = section()
        commits.digest(self.main_root)
        commits.flag(self.aux_root is not None)
        if self.aux_root is not None:
            commits.digest(self.aux_root)
        commits.digest(self.quotient_root)
        sums = section()
        sums.u32(len(self.claimed_sums))
        for e in self.claimed_sums:
            sums.u32s(e.coeffs, "claimed sum")
        op = section()
        op.u32(len(self.opened))
        for rnd in self.opened:
            op.u32(len(rnd))
            for mat in rnd:
                op.u32(len(mat))
                for pt in mat:
                    op.u32(len(pt))
                    for e in pt:
                        op.u32s(e.coeffs, "opened value")
        pcs = section()
        pcs.blob(self.opening_proof.to_bytes(), "pcs")
        return [("header", header.getvalue()), ("heights", heights.getvalue()),
                ("commitments", commits.getvalue()), ("claimed_sums", sums.getvalue()),
                ("opened_values", op.getvalue()), ("pcs", pcs.getvalue())]

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
        r = Reader(data, error=ProofFormatError, name="proof", modulus=P)
        if r.take(8, "magic") != MAGIC:
            raise ProofFormatError("bad magic: not a zkvm STARK proof")
        version = r.u32("version")
        if version != VERSION:
            raise ProofFormatError(f"unsupported proof version {version} (expected {VERSION})")
        zk = r.flag("zk flag")
        params_digest = r.digest("params digest")
        vk_digest = r.digest("vk digest")
        log_heights = r.u32s(r.length("log heights", item_bytes=4, limit=_MAX_LIST),
                             "log heights")
        main_root = r.digest("main root")
        aux_root = r.digest("aux root") if r.flag("aux flag") else None
        quotient_root = r.digest("quotient root")
        ns = r.length("claimed sums", item_bytes=16, limit=_MAX_LIST)
        sums = [_ext(r, "claimed sum") for _ in range(ns)]
        opened = []
        for _ in range(r.length("opened rounds", item_bytes=4, limit=_MAX_LIST)):
            rnd = []
            for _ in range(r.length("opened matrices", item_bytes=4, limit=_MAX_LIST)):
                mat = []
                for _ in range(r.length("opening points", item_bytes=4, limit=_MAX_LIST)):
                    n = r.length("opened columns", item_bytes=16, limit=_MAX_LIST)
                    mat.append([_ext(r, "opened value") for _ in range(n)])
                rnd.append(mat)
            opened.append(rnd)
        pcs_bytes = r.blob("pcs")
        r.finish("proof")
        opening = OpeningProof.from_bytes(pcs_bytes)
        return cls(params_digest, vk_digest, log_heights, main_root, aux_root, quotient_root,
                   sums, opened, opening, version, zk=zk)


def _ext(r: Reader, what: str) -> Ext:
    """An extension element: 4 canonical coefficients."""
    return Ext(tuple(r.field_elems(4, what)))

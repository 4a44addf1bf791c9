"""Receipts: a versioned, self-describing, canonical binary encoding of a proof of a run.

Layout (all integers little endian; every variable-length field length-prefixed)::

    magic         8 bytes  b"ZKVMRCPT"
    version       u16      1
    -- verifying-key fields (everything the image ID hashes) --
    params        7 × u32  StarkParams fields in declaration order, the last one a flag
                           word: bit 0 ``is_testing``, bit 1 ``zk``
    entry         u32
    mem_root      32 bytes
    opcodes       32 bytes digest of zkvm.chips.opcodes
    chips         u8 count, then per chip: u8 length + ASCII name
    pre_root      32 bytes preprocessed commitment
    log heights   u8 program, u8 memory image
    elf_sha256    32 bytes (display only, not verified)
    -- public values --
    exit_code     u8
    journal       u32 length + bytes
    -- proof --
    proof         u32 length + zkvm.stark Proof bytes

Parsing is canonical (checklist 20) and uses the shared byte codec :mod:`zkvm.codec`:
exact lengths, every length bounded by the bytes left, no trailing bytes, booleans 0/1, a
known version.  Anything else raises :class:`ReceiptFormatError` saying what is wrong
(never a bare exception).  ``Receipt.from_bytes(r.to_bytes()) == r`` and
``to_bytes(from_bytes(b)) == b`` for every accepted ``b``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkvm.codec import Reader, Writer
from zkvm.stark.errors import ProofFormatError

MAGIC = b"ZKVMRCPT"
VERSION = 2
MAX_JOURNAL = 1 << 24
MAX_PROOF = 1 << 31


class ReceiptFormatError(ProofFormatError):
    """The receipt bytes are malformed (wrong magic/version, truncated, trailing data, …)."""


@dataclass
class Receipt:
    """A proof that a program (identified by ``vk.image_id()``) ran to ``exit_code``
    and wrote ``journal``.  ``vk`` is a :class:`zkvm.receipt.image_id.VkFields`."""

    vk: object
    exit_code: int
    journal: bytes
    proof: bytes
    elf_sha256: bytes = field(default=b"\x00" * 32)

    @property
    def image_id(self) -> bytes:
        return self.vk.image_id()

    # ------------------------------------------------------------------ encoding
    def to_bytes(self) -> bytes:
        w = _write_head(MAGIC, VERSION, self)
        w.blob(bytes(self.proof), "proof")
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data) -> "Receipt":
        r, vk, elf, code, journal = _read_head(data, MAGIC, VERSION, "receipt")
        proof = r.blob("proof", limit=MAX_PROOF)
        r.finish("proof")
        return cls(vk, code, journal, proof, elf)

    def size_breakdown(self) -> dict:
        return {"total": len(self.to_bytes()), "proof": len(self.proof),
                "journal": len(self.journal)}


# ---------------------------------------------------------------------------- composite
COMPOSITE_MAGIC = b"ZKVMCRCT"
COMPOSITE_VERSION = 1
MAX_SEGMENTS = 1 << 16
#: the fixed part of an encoded :class:`SegmentRecord` (3 × u32, 2 roots, 2 × u32)
_SEGMENT_MIN_BYTES = 12 + 64 + 8


@dataclass
class SegmentRecord:
    """One segment of a :class:`CompositeReceipt` (docs/continuations.md §1, §5).

    ``end_pc``/``end_ts`` are 0 for the last segment (it ends at its exit row).  The
    segment's index, ``is_last`` and ``jpos_start`` are not stored: the verifier derives
    them from the segment's position, so a reordered, dropped or duplicated segment is
    checked against the statement it was *not* proven for.  ``exit_code`` is not
    encoded (the receipt's exit code belongs to the last segment)."""

    start_pc: int
    end_pc: int
    end_ts: int
    root_in: bytes
    root_out: bytes
    journal_len: int
    proof: bytes
    exit_code: int = 0
    #: the segment's journal bytes (prover side; in a receipt they are the slice of the
    #: receipt's journal, decoded as such)
    journal: bytes = b""

    def encode(self) -> bytes:
        w = Writer(error=ReceiptFormatError, name="receipt")
        self.write(w)
        return w.getvalue()

    def write(self, w: Writer) -> None:
        """Append the record to ``w`` (the layout of :class:`CompositeReceipt`)."""
        w.u32(self.start_pc, "start_pc")
        w.u32(self.end_pc, "end_pc")
        w.u32(self.end_ts, "end_ts")
        w.digest(self.root_in, "root_in")
        w.digest(self.root_out, "root_out")
        w.u32(self.journal_len, "journal slice length")
        w.blob(bytes(self.proof), "proof")

    @classmethod
    def decode(cls, r: Reader, i: int) -> "SegmentRecord":
        start_pc, end_pc, end_ts = r.unpack("<III", f"segment {i} header")
        root_in = r.digest(f"segment {i} root_in")
        root_out = r.digest(f"segment {i} root_out")
        jl = r.u32(f"segment {i} journal length")
        if jl > MAX_JOURNAL:
            raise ReceiptFormatError(f"segment {i}: journal length {jl} exceeds {MAX_JOURNAL}")
        proof = r.blob(f"segment {i} proof", limit=MAX_PROOF)
        return cls(start_pc, end_pc, end_ts, root_in, root_out, jl, proof)


@dataclass
class CompositeReceipt:
    """A run proven as segments (continuations).  Layout::

        magic "ZKVMCRCT", u16 version, verifying-key fields (as in Receipt), elf_sha256,
        u8 exit_code, u32 journal length + journal, u32 segment count, then per segment
        u32 start_pc, u32 end_pc, u32 end_ts, root_in (32), root_out (32),
        u32 journal slice length, u32 proof length + proof.

    Canonical like :class:`Receipt`."""

    vk: object
    exit_code: int
    journal: bytes
    segments: list
    elf_sha256: bytes = field(default=b"\x00" * 32)

    @property
    def image_id(self) -> bytes:
        return self.vk.image_id()

    def to_bytes(self) -> bytes:
        w = _write_head(COMPOSITE_MAGIC, COMPOSITE_VERSION, self)
        w.u32(len(self.segments), "segment count")
        for sg in self.segments:
            sg.write(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data) -> "CompositeReceipt":
        r, vk, elf, code, journal = _read_head(data, COMPOSITE_MAGIC, COMPOSITE_VERSION,
                                               "composite receipt")
        n = r.u32("segment count")
        if not 1 <= n <= MAX_SEGMENTS:
            raise ReceiptFormatError(f"segment count {n} not in [1, {MAX_SEGMENTS}]")
        if n * _SEGMENT_MIN_BYTES > r.remaining:
            raise ReceiptFormatError(f"segment count {n} exceeds the remaining {r.remaining} bytes")
        segs = [SegmentRecord.decode(r, i) for i in range(n)]
        r.finish("last segment")
        pos = 0
        for sg in segs:
            sg.journal = journal[pos:pos + sg.journal_len]
            pos += sg.journal_len
        if segs:
            segs[-1].exit_code = code
        return cls(vk, code, journal, segs, elf)

    def size_breakdown(self) -> dict:
        return {"total": len(self.to_bytes()), "segments": len(self.segments),
                "proofs": sum(len(s.proof) for s in self.segments),
                "journal": len(self.journal)}


# ---------------------------------------------------------------------------- dev mode
DEV_MAGIC = b"ZKVMDEVR"
DEV_VERSION = 1
DEV_BANNER = "DEV RECEIPT \u2014 NOT A PROOF"


class DevReceiptRejected(ReceiptFormatError):
    """A dev-mode receipt was given to a verifier that checks proofs. A dev receipt
    (``zkvm prove --dev``) holds no proof: only a dev verify (``--dev``/``ZKVM_DEV=1``)
    accepts it, and then says so."""


@dataclass
class DevReceipt:
    """The output of dev mode (``zkvm prove --dev`` / ``ZKVM_DEV=1``, docs/dev-mode.md):
    what an execution produced, **without a proof**. Anybody can write one for any
    journal; it exists so that a host can be developed against the receipt API without
    waiting for the prover. Layout (canonical, like :class:`Receipt`)::

        magic "ZKVMDEVR", u16 version 1, image_id (32), params 7 x u32 (as in the vk
        fields), elf_sha256 (32), u64 cycles, u8 exit_code, u32 journal length + journal

    The magic differs from every real receipt's, so no verifier that checks proofs can
    mistake it for one (``_read_head`` rejects it with :class:`DevReceiptRejected`)."""

    image_id_: bytes
    params: object
    exit_code: int
    journal: bytes
    cycles: int = 0
    elf_sha256: bytes = field(default=b"\x00" * 32)

    @property
    def image_id(self) -> bytes:
        return self.image_id_

    def to_bytes(self) -> bytes:
        w = Writer(error=ReceiptFormatError, name="dev receipt")
        w.raw(DEV_MAGIC)
        w.u16(DEV_VERSION, "version")
        w.digest(bytes(self.image_id_), "image id")
        _write_params(w, self.params)
        w.digest(bytes(self.elf_sha256), "elf sha256")
        w.u64(self.cycles, "cycles")
        w.u8(self.exit_code, "exit code")
        w.blob(bytes(self.journal), "journal")
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data) -> "DevReceipt":
        r = Reader(data, error=ReceiptFormatError, name="receipt")
        if r.take(8, "magic") != DEV_MAGIC:
            raise ReceiptFormatError("not a zkvm dev receipt (bad magic)")
        ver = r.u16("version")
        if ver != DEV_VERSION:
            raise ReceiptFormatError(f"unsupported dev receipt version {ver} (this zkvm reads {DEV_VERSION})")
        iid = r.digest("image id")
        params = _read_params(r)
        elf = r.digest("elf sha256")
        cycles = r.u64("cycles")
        code = r.u8("exit code")
        journal = r.blob("journal", limit=MAX_JOURNAL)
        r.finish("journal")
        return cls(iid, params, code, journal, cycles, elf)


def is_dev_receipt(data) -> bool:
    """True if ``data`` (bytes or a receipt object) is a dev-mode receipt."""
    if isinstance(data, DevReceipt):
        return True
    return isinstance(data, (bytes, bytearray, memoryview)) and bytes(data[:8]) == DEV_MAGIC


def load_any(data, *, dev: bool = False):
    """A :class:`Receipt` or :class:`CompositeReceipt` from bytes (by magic). A dev
    receipt is returned as a :class:`DevReceipt` only with ``dev=True``; otherwise it is
    rejected (:class:`DevReceiptRejected`)."""
    if isinstance(data, (bytes, bytearray, memoryview)) and bytes(data[:8]) == COMPOSITE_MAGIC:
        return CompositeReceipt.from_bytes(data)
    if dev and is_dev_receipt(data):
        return DevReceipt.from_bytes(data)
    return Receipt.from_bytes(data)


def _read_head(data, magic: bytes, version: int, what: str):
    """Parse the common head of both receipt kinds: magic, version, vk fields, ELF
    digest, exit code, journal.  Returns ``(reader, vk, elf_sha256, exit_code, journal)``."""
    r = Reader(data, error=ReceiptFormatError, name="receipt")
    got = r.take(len(magic), "magic")
    if got == DEV_MAGIC:
        raise DevReceiptRejected(f"this is a dev-mode receipt ({DEV_BANNER}): it holds no proof; "
                                 "only a dev verify accepts it (zkvm verify --dev, ZKVM_DEV=1)")
    if got != magic:
        raise ReceiptFormatError(f"not a zkvm {what} (bad magic)")
    ver = r.u16("version")
    if ver != version:
        raise ReceiptFormatError(f"unsupported {what} version {ver} (this zkvm reads {version})")
    vk = decode_vk(r)
    elf = r.digest("elf sha256")
    code = r.u8("exit code")
    journal = r.blob("journal", limit=MAX_JOURNAL)
    return r, vk, elf, code, journal


def _write_head(magic: bytes, version: int, rc) -> Writer:
    """The common head of both receipt kinds (inverse of :func:`_read_head`)."""
    w = Writer(error=ReceiptFormatError, name="receipt")
    w.raw(magic)
    w.u16(version, "version")
    _write_vk(w, rc.vk)
    w.digest(bytes(rc.elf_sha256), "elf sha256")
    w.u8(rc.exit_code, "exit code")
    w.blob(bytes(rc.journal), "journal")
    return w


def _write_params(w: Writer, p) -> None:
    """StarkParams as 7 × u32, the last a flag word (bit 0 testing, bit 1 zk, bit 2
    ``fri_leaf_inputs``, bits 8..15 ``log_stack``)."""
    for v in (p.log_blowup, p.num_queries, p.pow_bits, p.fri_log_arity,
              p.log_final_poly_len, p.max_constraint_degree):
        w.u32(v, "params")
    w.u32((1 if p.is_testing else 0) | (2 if p.zk else 0) | (4 if p.fri_leaf_inputs else 0)
          | (p.log_stack << 8),
          "params flags")


def _read_params(r: Reader):
    """Inverse of :func:`_write_params` (``ReceiptFormatError`` for unknown flags or
    parameters :class:`~zkvm.stark.params.StarkParams` refuses)."""
    from zkvm.stark.errors import ParamsError
    from zkvm.stark.params import StarkParams

    f = r.unpack("<7I", "params")
    if f[6] & ~0xFF07:
        raise ReceiptFormatError("params: unknown bits in the flags field (bit 0 testing, "
                                 "bit 1 zk, bit 2 fri_leaf_inputs, bits 8..15 log_stack)")
    try:
        return StarkParams(*f[:6], is_testing=bool(f[6] & 1), zk=bool(f[6] & 2),
                           log_stack=f[6] >> 8, fri_leaf_inputs=bool(f[6] & 4))
    except ParamsError as e:
        raise ReceiptFormatError(f"params: {e}") from None


def encode_vk(v) -> bytes:
    """The verifying-key fields (everything the image ID hashes), as laid out above."""
    w = Writer(error=ReceiptFormatError, name="receipt")
    _write_vk(w, v)
    return w.getvalue()


def _write_vk(w: Writer, v) -> None:
    _write_params(w, v.params)
    w.u32(v.entry, "entry")
    w.digest(v.mem_root, "memory root")
    w.digest(v.opcodes_digest, "opcode digest")
    w.u8(len(v.chips), "chip count")
    for c in v.chips:
        w.short_str(c, "chip name")
    w.digest(v.pre_root, "preprocessed root")
    w.u8(v.program_log_height, "program log height")
    w.u8(v.image_log_height, "image log height")


def decode_vk(r: Reader):
    """Inverse of :func:`encode_vk` (``ReceiptFormatError`` naming the bad field)."""
    from zkvm.receipt.image_id import VkFields

    params = _read_params(r)
    entry = r.u32("entry")
    mem_root = r.digest("memory root")
    opd = r.digest("opcode digest")
    nc = r.u8("chip count")
    chips = []
    for i in range(nc):
        name = r.short_str(f"chip {i} name")
        if not name.isidentifier():
            raise ReceiptFormatError(f"chip {i}: bad name {name!r}")
        chips.append(name)
    pre_root = r.digest("preprocessed root")
    ph, ih = r.unpack("<BB", "log heights")
    if not (3 <= ph <= 24 and 3 <= ih <= 24):
        raise ReceiptFormatError("log heights out of range")
    return VkFields(params, entry, mem_root, opd, tuple(chips), pre_root, ph, ih)


def load(path):
    """Read a receipt file: a :class:`Receipt` or a :class:`CompositeReceipt`
    (``ReceiptFormatError`` if malformed)."""
    with open(path, "rb") as fh:
        return load_any(fh.read())


def save(receipt, path) -> None:
    with open(path, "wb") as fh:
        fh.write(receipt.to_bytes())

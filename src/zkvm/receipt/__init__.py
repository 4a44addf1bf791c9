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

Parsing is canonical (checklist 20): exact lengths, no trailing bytes, booleans 0/1, a
known version.  Anything else raises :class:`ReceiptFormatError` saying what is wrong
(never a bare exception).  ``Receipt.from_bytes(r.to_bytes()) == r`` and
``to_bytes(from_bytes(b)) == b`` for every accepted ``b``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

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
        out = bytearray(MAGIC)
        out += struct.pack("<H", VERSION)
        out += encode_vk(self.vk)
        out += self.elf_sha256
        out += struct.pack("<B", self.exit_code)
        out += struct.pack("<I", len(self.journal)) + bytes(self.journal)
        out += struct.pack("<I", len(self.proof)) + bytes(self.proof)
        return bytes(out)

    @classmethod
    def from_bytes(cls, data) -> "Receipt":
        r, vk, elf, code, journal = _read_head(data, MAGIC, VERSION, "receipt")
        (pl,) = struct.unpack("<I", r.take(4, "proof length"))
        proof = r.take(pl, "proof")
        if r.pos != len(r.b):
            raise ReceiptFormatError(f"{len(r.b) - r.pos} trailing bytes after the proof")
        return cls(vk, code, journal, proof, elf)

    def size_breakdown(self) -> dict:
        return {"total": len(self.to_bytes()), "proof": len(self.proof),
                "journal": len(self.journal)}


# ---------------------------------------------------------------------------- composite
COMPOSITE_MAGIC = b"ZKVMCRCT"
COMPOSITE_VERSION = 1
MAX_SEGMENTS = 1 << 16


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
        return (struct.pack("<III", self.start_pc, self.end_pc, self.end_ts) + self.root_in
                + self.root_out + struct.pack("<II", self.journal_len, len(self.proof))
                + bytes(self.proof))

    @classmethod
    def decode(cls, r: "_Reader", i: int) -> "SegmentRecord":
        start_pc, end_pc, end_ts = struct.unpack("<III", r.take(12, f"segment {i} header"))
        root_in = r.take(32, f"segment {i} root_in")
        root_out = r.take(32, f"segment {i} root_out")
        jl, pl = struct.unpack("<II", r.take(8, f"segment {i} lengths"))
        if jl > MAX_JOURNAL:
            raise ReceiptFormatError(f"segment {i}: journal length {jl} exceeds {MAX_JOURNAL}")
        proof = r.take(pl, f"segment {i} proof")
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
        out = bytearray(COMPOSITE_MAGIC)
        out += struct.pack("<H", COMPOSITE_VERSION)
        out += encode_vk(self.vk)
        out += self.elf_sha256
        out += struct.pack("<B", self.exit_code)
        out += struct.pack("<I", len(self.journal)) + bytes(self.journal)
        out += struct.pack("<I", len(self.segments))
        for sg in self.segments:
            out += sg.encode()
        return bytes(out)

    @classmethod
    def from_bytes(cls, data) -> "CompositeReceipt":
        r, vk, elf, code, journal = _read_head(data, COMPOSITE_MAGIC, COMPOSITE_VERSION,
                                               "composite receipt")
        (n,) = struct.unpack("<I", r.take(4, "segment count"))
        if not 1 <= n <= MAX_SEGMENTS:
            raise ReceiptFormatError(f"segment count {n} not in [1, {MAX_SEGMENTS}]")
        segs = [SegmentRecord.decode(r, i) for i in range(n)]
        if r.pos != len(r.b):
            raise ReceiptFormatError(f"{len(r.b) - r.pos} trailing bytes after the last segment")
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
        p = self.params
        out = bytearray(DEV_MAGIC)
        out += struct.pack("<H", DEV_VERSION)
        out += bytes(self.image_id_)
        out += struct.pack("<7I", p.log_blowup, p.num_queries, p.pow_bits, p.fri_log_arity,
                           p.log_final_poly_len, p.max_constraint_degree,
                           (1 if p.is_testing else 0) | (2 if p.zk else 0))
        out += bytes(self.elf_sha256)
        out += struct.pack("<QB", self.cycles, self.exit_code)
        out += struct.pack("<I", len(self.journal)) + bytes(self.journal)
        return bytes(out)

    @classmethod
    def from_bytes(cls, data) -> "DevReceipt":
        from zkvm.stark.errors import ParamsError
        from zkvm.stark.params import StarkParams

        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ReceiptFormatError("a receipt is bytes")
        r = _Reader(bytes(data))
        if r.take(8, "magic") != DEV_MAGIC:
            raise ReceiptFormatError("not a zkvm dev receipt (bad magic)")
        (ver,) = struct.unpack("<H", r.take(2, "version"))
        if ver != DEV_VERSION:
            raise ReceiptFormatError(f"unsupported dev receipt version {ver} (this zkvm reads {DEV_VERSION})")
        iid = r.take(32, "image id")
        f = struct.unpack("<7I", r.take(28, "params"))
        if f[6] not in (0, 1, 2, 3):
            raise ReceiptFormatError("params: the flags field must be 0..3 (bit 0 testing, bit 1 zk)")
        try:
            params = StarkParams(*f[:6], is_testing=bool(f[6] & 1), zk=bool(f[6] & 2))
        except ParamsError as e:
            raise ReceiptFormatError(f"params: {e}") from None
        elf = r.take(32, "elf sha256")
        cycles, code = struct.unpack("<QB", r.take(9, "cycles and exit code"))
        (jl,) = struct.unpack("<I", r.take(4, "journal length"))
        if jl > MAX_JOURNAL:
            raise ReceiptFormatError(f"journal length {jl} exceeds {MAX_JOURNAL}")
        journal = r.take(jl, "journal")
        if r.pos != len(r.b):
            raise ReceiptFormatError(f"{len(r.b) - r.pos} trailing bytes after the journal")
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
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ReceiptFormatError("a receipt is bytes")
    r = _Reader(bytes(data))
    got = r.take(len(magic), "magic")
    if got == DEV_MAGIC:
        raise DevReceiptRejected(f"this is a dev-mode receipt ({DEV_BANNER}): it holds no proof; "
                                 "only a dev verify accepts it (zkvm verify --dev, ZKVM_DEV=1)")
    if got != magic:
        raise ReceiptFormatError(f"not a zkvm {what} (bad magic)")
    (ver,) = struct.unpack("<H", r.take(2, "version"))
    if ver != version:
        raise ReceiptFormatError(f"unsupported {what} version {ver} (this zkvm reads {version})")
    vk = decode_vk(r)
    elf = r.take(32, "elf sha256")
    (code,) = struct.unpack("<B", r.take(1, "exit code"))
    (jl,) = struct.unpack("<I", r.take(4, "journal length"))
    if jl > MAX_JOURNAL:
        raise ReceiptFormatError(f"journal length {jl} exceeds {MAX_JOURNAL}")
    journal = r.take(jl, "journal")
    return r, vk, elf, code, journal


def encode_vk(v) -> bytes:
    """The verifying-key fields (everything the image ID hashes), as laid out above."""
    p = v.params
    out = bytearray()
    out += struct.pack("<7I", p.log_blowup, p.num_queries, p.pow_bits, p.fri_log_arity,
                       p.log_final_poly_len, p.max_constraint_degree,
                       (1 if p.is_testing else 0) | (2 if p.zk else 0))
    out += struct.pack("<I", v.entry)
    out += v.mem_root + v.opcodes_digest
    out += struct.pack("<B", len(v.chips))
    for c in v.chips:
        cb = c.encode("ascii")
        out += struct.pack("<B", len(cb)) + cb
    out += v.pre_root
    out += struct.pack("<BB", v.program_log_height, v.image_log_height)
    return bytes(out)


def decode_vk(r: "_Reader"):
    """Inverse of :func:`encode_vk` (``ReceiptFormatError`` naming the bad field)."""
    from zkvm.receipt.image_id import VkFields
    from zkvm.stark.errors import ParamsError
    from zkvm.stark.params import StarkParams

    f = struct.unpack("<7I", r.take(28, "params"))
    if f[6] not in (0, 1, 2, 3):
        raise ReceiptFormatError("params: the flags field must be 0..3 (bit 0 testing, bit 1 zk)")
    try:
        params = StarkParams(*f[:6], is_testing=bool(f[6] & 1), zk=bool(f[6] & 2))
    except ParamsError as e:
        raise ReceiptFormatError(f"params: {e}") from None
    (entry,) = struct.unpack("<I", r.take(4, "entry"))
    mem_root = r.take(32, "memory root")
    opd = r.take(32, "opcode digest")
    (nc,) = struct.unpack("<B", r.take(1, "chip count"))
    chips = []
    for i in range(nc):
        (ln,) = struct.unpack("<B", r.take(1, "chip name length"))
        raw = r.take(ln, "chip name")
        try:
            name = raw.decode("ascii")
        except UnicodeDecodeError:
            raise ReceiptFormatError(f"chip {i}: name is not ASCII") from None
        if not name.isidentifier():
            raise ReceiptFormatError(f"chip {i}: bad name {name!r}")
        chips.append(name)
    pre_root = r.take(32, "preprocessed root")
    ph, ih = struct.unpack("<BB", r.take(2, "log heights"))
    if not (3 <= ph <= 24 and 3 <= ih <= 24):
        raise ReceiptFormatError("log heights out of range")
    return VkFields(params, entry, mem_root, opd, tuple(chips), pre_root, ph, ih)


class _Reader:
    def __init__(self, b: bytes):
        self.b = b
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.b):
            raise ReceiptFormatError(f"truncated receipt: {what} needs {n} bytes at offset "
                                     f"{self.pos}, only {len(self.b) - self.pos} left")
        out = self.b[self.pos:self.pos + n]
        self.pos += n
        return out


def load(path):
    """Read a receipt file: a :class:`Receipt` or a :class:`CompositeReceipt`
    (``ReceiptFormatError`` if malformed)."""
    with open(path, "rb") as fh:
        return load_any(fh.read())


def save(receipt, path) -> None:
    with open(path, "wb") as fh:
        fh.write(receipt.to_bytes())

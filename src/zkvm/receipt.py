"""Receipts: a versioned, self-describing, canonical binary encoding of a proof of a run.

Layout (all integers little endian; every variable-length field length-prefixed)::

    magic         8 bytes  b"ZKVMRCPT"
    version       u16      1
    -- verifying-key fields (everything the image ID hashes) --
    params        7 × u32  StarkParams fields in declaration order (is_testing as 0/1)
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
VERSION = 1
MAX_JOURNAL = 1 << 24
MAX_PROOF = 1 << 31


class ReceiptFormatError(ProofFormatError):
    """The receipt bytes are malformed (wrong magic/version, truncated, trailing data, …)."""


@dataclass
class Receipt:
    """A proof that a program (identified by ``vk.image_id()``) ran to ``exit_code``
    and wrote ``journal``.  ``vk`` is a :class:`zkvm.chips.machine.VkFields`."""

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
        v = self.vk
        p = v.params
        out = bytearray(MAGIC)
        out += struct.pack("<H", VERSION)
        out += struct.pack("<7I", p.log_blowup, p.num_queries, p.pow_bits, p.fri_log_arity,
                           p.log_final_poly_len, p.max_constraint_degree,
                           1 if p.is_testing else 0)
        out += struct.pack("<I", v.entry)
        out += v.mem_root + v.opcodes_digest
        out += struct.pack("<B", len(v.chips))
        for c in v.chips:
            cb = c.encode("ascii")
            out += struct.pack("<B", len(cb)) + cb
        out += v.pre_root
        out += struct.pack("<BB", v.program_log_height, v.image_log_height)
        out += self.elf_sha256
        out += struct.pack("<B", self.exit_code)
        out += struct.pack("<I", len(self.journal)) + bytes(self.journal)
        out += struct.pack("<I", len(self.proof)) + bytes(self.proof)
        return bytes(out)

    @classmethod
    def from_bytes(cls, data) -> "Receipt":
        from zkvm.chips.machine import VkFields
        from zkvm.stark.errors import ParamsError
        from zkvm.stark.params import StarkParams

        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ReceiptFormatError("a receipt is bytes")
        r = _Reader(bytes(data))
        if r.take(len(MAGIC), "magic") != MAGIC:
            raise ReceiptFormatError("not a zkvm receipt (bad magic)")
        (ver,) = struct.unpack("<H", r.take(2, "version"))
        if ver != VERSION:
            raise ReceiptFormatError(f"unsupported receipt version {ver} (this zkvm reads {VERSION})")
        f = struct.unpack("<7I", r.take(28, "params"))
        if f[6] not in (0, 1):
            raise ReceiptFormatError("params: is_testing must be 0 or 1")
        try:
            params = StarkParams(*f[:6], is_testing=bool(f[6]))
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
        elf = r.take(32, "elf sha256")
        (code,) = struct.unpack("<B", r.take(1, "exit code"))
        (jl,) = struct.unpack("<I", r.take(4, "journal length"))
        if jl > MAX_JOURNAL:
            raise ReceiptFormatError(f"journal length {jl} exceeds {MAX_JOURNAL}")
        journal = r.take(jl, "journal")
        (pl,) = struct.unpack("<I", r.take(4, "proof length"))
        proof = r.take(pl, "proof")
        if r.pos != len(r.b):
            raise ReceiptFormatError(f"{len(r.b) - r.pos} trailing bytes after the proof")
        vk = VkFields(params, entry, mem_root, opd, tuple(chips), pre_root, ph, ih)
        return cls(vk, code, journal, proof, elf)

    def size_breakdown(self) -> dict:
        return {"total": len(self.to_bytes()), "proof": len(self.proof),
                "journal": len(self.journal)}


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


def load(path) -> Receipt:
    """Read a receipt file (``ReceiptFormatError`` if malformed)."""
    with open(path, "rb") as fh:
        return Receipt.from_bytes(fh.read())


def save(receipt: Receipt, path) -> None:
    with open(path, "wb") as fh:
        fh.write(receipt.to_bytes())

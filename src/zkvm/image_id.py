"""Image IDs: the 32-byte identity of a guest program as the verifier sees it.

``image_id = SHA-256( "zkvm/image-id/v1" ‖ params digest ‖ entry (u32 LE)
                      ‖ memory_root ‖ opcode-table digest ‖ chip list
                      ‖ preprocessed commitment ‖ log heights of Program/MemoryImage )``

(every field fixed-length or length-prefixed, so the encoding is injective;
docs/circuits.md §7).

* ``memory_root`` (:func:`memory_root`): Merkle root over the 4 KiB pages of the initial
  memory image that hold a non-zero byte (ELF segments and the initial stack) and one
  leaf for the initial registers.  It identifies the program independently of the
  circuits (two builds with the same bytes get the same root).
* the preprocessed commitment (the Program, MemoryImage and Bytes tables, committed
  together by the STARK setup) binds exactly what the circuits use; the receipt carries
  it and the verifier recomputes the image ID from it before anything else, so a receipt
  for program A can never be checked against program B's image ID.

The ELF file's SHA-256 (:func:`elf_sha256`) is carried for display only; it is not part
of the image ID (the ID depends on what is loaded, not on the file's other bytes).
"""

from __future__ import annotations

import hashlib
import struct

PAGE = 4096
_TAG = b"zkvm/image-id/v1"
_REG_PAGE = 0xFFFF_FFFF


def _h(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def memory_root(program) -> bytes:
    """Merkle root of the initial image of a ``zkvm.riscv`` Program (module docstring).

    Leaves, sorted by page index: ``SHA256(0x00 ‖ page_index u32 ‖ 4096 bytes)`` for every
    page with a non-zero byte, then ``SHA256(0x00 ‖ 0xFFFFFFFF ‖ x0..x31 as u32 LE)``.
    Nodes ``SHA256(0x01 ‖ left ‖ right)``; a level of odd length is padded with
    ``SHA256(0x02)``.
    """
    pages: dict[int, bytearray] = {}
    for base, data in program.initial_memory():
        data = bytes(data)
        a = base
        i = 0
        while i < len(data):
            pg = a // PAGE
            o = a % PAGE
            take = min(PAGE - o, len(data) - i)
            chunk = data[i:i + take]
            if any(chunk):
                buf = pages.setdefault(pg, bytearray(PAGE))
                buf[o:o + take] = chunk
            a += take
            i += take
    leaves = [_h(b"\x00", struct.pack("<I", pg), bytes(pages[pg])) for pg in sorted(pages)]
    regs = [0] * 32
    regs[2] = program.initial_stack().sp
    leaves.append(_h(b"\x00", struct.pack("<I", _REG_PAGE), struct.pack("<32I", *regs)))
    level = leaves
    pad = _h(b"\x02")
    while len(level) > 1:
        if len(level) % 2:
            level = level + [pad]
        level = [_h(b"\x01", level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def compute_image_id(params_digest: bytes, entry: int, mem_root: bytes, opcodes_digest: bytes,
                     chips: tuple[str, ...], pre_root: bytes, program_log_height: int,
                     image_log_height: int) -> bytes:
    """The image ID from its fields (module docstring).  Pure function of its inputs."""
    if len(params_digest) != 32 or len(mem_root) != 32 or len(opcodes_digest) != 32 \
            or len(pre_root) != 32:
        raise ValueError("image id: digests must be 32 bytes")
    chip_enc = b"".join(struct.pack("<I", len(c)) + c.encode() for c in chips)
    return _h(_TAG, params_digest, struct.pack("<I", entry), mem_root, opcodes_digest,
              struct.pack("<I", len(chips)), chip_enc, pre_root,
              struct.pack("<II", program_log_height, image_log_height))


def elf_sha256(elf_bytes: bytes) -> bytes:
    """SHA-256 of the ELF file (display only)."""
    return hashlib.sha256(bytes(elf_bytes)).digest()


def image_id(elf_or_program, params=None) -> bytes:
    """Image ID of an ELF file (bytes) or a Program for ``params`` (default:
    ``StarkParams.default()``).  Builds the preprocessed tables and commits them."""
    from zkvm.chips.machine import Machine

    return Machine.for_program(elf_or_program, params).image_id


def parse_image_id(text: str) -> bytes:
    """A 64-hex-digit image ID (``ValueError`` otherwise)."""
    t = text.strip().lower()
    if t.startswith("0x"):
        t = t[2:]
    if len(t) != 64:
        raise ValueError(f"an image ID is 64 hex digits, got {len(t)} characters")
    try:
        return bytes.fromhex(t)
    except ValueError:
        raise ValueError("an image ID is 64 hex digits") from None

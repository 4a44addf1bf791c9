"""Image IDs: the 32-byte identity of a guest program as the verifier sees it.

``image_id = SHA-256( "zkvm/image-id/v4" ‖ params digest ‖ entry (u32 LE)
                      ‖ memory_root ‖ opcode-table digest ‖ chip list
                      ‖ preprocessed commitment ‖ log heights of Program/MemoryImage )``

(every field fixed-length or length-prefixed, so the encoding is injective;
docs/circuits.md §7).

* ``memory_root`` (:func:`zkvm.chips.memory.memory_root`): root of the continuation memory tree
  (:mod:`zkvm.memtree`) of the initial image (ELF segments, the initial stack, the
  initial registers, the initial OS cells).  It identifies the program's memory independently of the
  circuits (two builds with the same bytes get the same root), and composite receipts
  start from it.
* the preprocessed commitment (the Program, MemoryImage and Bytes tables, committed
  together by the STARK setup) binds exactly what the circuits use; the receipt carries
  it and the verifier recomputes the image ID from it before anything else, so a receipt
  for program A can never be checked against program B's image ID.

The ELF file's SHA-256 (:func:`elf_sha256`) is carried for display only; it is not part
of the image ID (the ID depends on what is loaded, not on the file's other bytes).

This module is plain data (it imports no circuit): :class:`VkFields` is what a receipt
carries about the verifying key; computing the fields of an ELF needs the machine
(``zkvm.machine.Machine.for_program(elf, params).image_id``).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

_TAG = b"zkvm/image-id/v4"


def _h(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


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


@dataclass
class VkFields:
    """What a receipt carries about the verifying key (everything the image ID hashes);
    ``params`` is a :class:`zkvm.stark.params.StarkParams`."""

    params: object
    entry: int
    mem_root: bytes
    opcodes_digest: bytes
    chips: tuple
    pre_root: bytes
    program_log_height: int
    image_log_height: int

    def image_id(self) -> bytes:
        return compute_image_id(self.params.digest(), self.entry, self.mem_root,
                                self.opcodes_digest, self.chips, self.pre_root,
                                self.program_log_height, self.image_log_height)


def elf_sha256(elf_bytes: bytes) -> bytes:
    """SHA-256 of the ELF file (display only)."""
    return hashlib.sha256(bytes(elf_bytes)).digest()


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

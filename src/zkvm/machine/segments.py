"""Continuation segments: the segment statement (public values, journal batches, the
memory-root interactions) and the helpers of the segment system (docs/continuations.md)."""

from __future__ import annotations

import numpy as np

from zkvm.chips import buses
from zkvm.chips.memory import MemoryImageAir


#: public values of a segment after ``[exit_code, jlen]``: is_last, index, start_pc,
#: end_pc, end_ts, jpos_start, root_in (8 elements), root_out (8 elements)
SEGMENT_FIELDS = 6 + 16


def segment_public_values(exit_code: int, journal: bytes, is_last: bool, index: int,
                          start_pc: int, end_pc: int, end_ts: int, jpos_start: int,
                          root_in: bytes, root_out: bytes) -> list[int]:
    """The public-value vector of a segment (docs/continuations.md §1); roots are 32-byte
    digests (8 field elements, each a big-endian u32: :func:`zkvm.memtree.digest_elems`,
    ``MemTreeError`` if one is not canonical).  The journal slice itself is the proof's
    public data."""
    from zkvm.memtree import digest_elems

    return [int(exit_code), len(journal), int(bool(is_last)), int(index),
            int(start_pc), int(end_pc), int(end_ts), int(jpos_start),
            *digest_elems(root_in), *digest_elems(root_out)]


def journal_batches(pv, journal: bytes) -> list:
    """Public-data hook of both systems: JOURNAL receive ``(jpos0 + i, journal[i])`` for
    every byte (``jpos0`` = 0 for a whole run, the segment's ``jpos_start`` else), as one
    :class:`~zkvm.stark.system.PublicBatch`.  ``pv[1]`` must be the journal length."""
    from zkvm.stark.system import PublicBatch

    if pv[1] != len(journal):
        raise ValueError("journal length public value differs from the journal")
    jpos0 = pv[7] if len(pv) > 2 else 0
    vals = np.empty((len(journal), 2), dtype=np.uint32)
    vals[:, 0] = np.arange(jpos0, jpos0 + len(journal), dtype=np.uint32)
    vals[:, 1] = np.frombuffer(bytes(journal), dtype=np.uint8)
    return [PublicBatch(buses.JOURNAL, vals, -1)]


def segment_public_interactions(pv) -> list:
    """Public interactions of the segment system (:meth:`Machine.segment_system`)."""
    from zkvm.chips.mem_merkle import DEPTH, NODE

    jl = pv[1]
    is_last, _index, start_pc, end_pc, end_ts, jpos0 = pv[2:8]
    roots = pv[8:24]
    return [(buses.EXEC, [start_pc, 1, jpos0], 1),
            (buses.EXEC, [end_pc, end_ts, jpos0 + jl], -(1 - is_last)),
            (NODE, [DEPTH, 0, *roots], -1)]


class SilentMemoryImageAir(MemoryImageAir):
    """``memory_image`` in the segment system: the same preprocessed columns (hence the
    same preprocessed commitment and image ID) but no MEMORY sends -- a segment's memory
    comes from the paging tables, checked against the memory root."""

    def __init__(self, image: MemoryImageAir):
        super().__init__(image.keys, image.values, height=image.height)
        self.generate_preprocessed = image.generate_preprocessed

    def eval(self, b):
        b.assert_eq(b.local.m, b.preprocessed_local.is_real, "m_is_real")


def salt_words(salt: bytes) -> np.ndarray:
    """64 salt bytes as the salt page's 16 u32 words (little endian)."""
    if not isinstance(salt, (bytes, bytearray)) or len(salt) != 64:
        raise ValueError("a salt is 64 bytes")
    return np.frombuffer(bytes(salt), dtype="<u4").astype(np.uint32)


def _cache_preprocessed(air):
    """Make ``air.generate_preprocessed`` compute its (possibly large) trace once."""
    if getattr(air, "_pre_cached", False):
        return
    orig = air.generate_preprocessed
    box = []

    def cached():
        if not box:
            box.append(orig())
        return box[0]

    air.generate_preprocessed = cached
    air._pre_cached = True

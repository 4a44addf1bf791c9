"""Verification: a receipt against an image ID, and a composite (segmented) receipt's
chain of segments (docs/continuations.md §5)."""

from __future__ import annotations

from zkvm.chips import buses
from zkvm.receipt.image_id import VkFields
from zkvm.stark.errors import VerificationError

from .errors import ImageIdMismatch, SegmentChainError
from .segments import segment_public_values
from .system import Machine


# ---------------------------------------------------------------------------- module API
_MACHINES: dict = {}


def verify(receipt, image_id: bytes) -> tuple[int, bytes]:
    """Verify a receipt (a :class:`Receipt` or its bytes) against the expected
    ``image_id`` (32 bytes).  Returns ``(exit_code, journal)``.

    Raises (all subclasses of :class:`zkvm.stark.errors.VerificationError`):
    :class:`zkvm.receipt.ReceiptFormatError` for a malformed receipt,
    :class:`ImageIdMismatch` if the receipt is for another image, and the STARK
    verifier's errors if the proof does not verify.
    """
    from zkvm.receipt import Receipt
    from zkvm.stark import verifier

    if not isinstance(receipt, Receipt):
        receipt = Receipt.from_bytes(receipt)
    m = _verifier_machine(receipt.vk, image_id)
    vk = m.verifying_key()
    pv = Machine.public_values(receipt.exit_code, receipt.journal)
    verifier.verify(vk, receipt.proof, pv, public_data=bytes(receipt.journal))
    return receipt.exit_code, bytes(receipt.journal)


def _verifier_machine(vk_fields: VkFields, image_id: bytes) -> Machine:
    """Check the receipt's image ID against the expected one (``ValueError`` for a
    malformed ``image_id``, :class:`ImageIdMismatch`), then the verifier-side Machine of
    those vk fields (cached by image ID)."""
    if not isinstance(image_id, (bytes, bytearray)) or len(image_id) != 32:
        raise ValueError("image_id must be 32 bytes")
    got = vk_fields.image_id()
    if got != bytes(image_id):
        raise ImageIdMismatch(f"receipt is for image {got.hex()}, expected {bytes(image_id).hex()}")
    m = _MACHINES.get(got)
    if m is None:
        m = Machine.for_vk(vk_fields)
        if len(_MACHINES) > 8:
            _MACHINES.clear()
        _MACHINES[got] = m
    return m


def verify_composite(receipt, image_id: bytes) -> tuple[int, bytes]:
    """Verify a :class:`zkvm.receipt.CompositeReceipt` (or its bytes) against
    ``image_id``.  Returns ``(exit_code, journal)``.

    Protocol (docs/continuations.md §5), in order:

    1. parse (``ReceiptFormatError``), recompute the image ID from the verifying-key
       fields and compare (``ImageIdMismatch``);
    2. the segment journal slices add up to the journal; every pc is a canonical field
       element and every memory root 8 canonical elements; non-last segments end at an
       EXEC time ``< 2^22``; the last one has
       ``end_pc = end_ts = 0``;
    3. the chain: segment 0 starts at the entry pc with ``root_in`` = the image's memory
       root; segment ``i+1`` starts at segment ``i``'s ``end_pc`` with ``root_in`` = its
       ``root_out`` (``SegmentChainError`` naming the link);
    4. every segment's STARK proof, against public values whose index, ``is_last`` and
       journal position come from the segment's place in the list (so a reordered,
       dropped, duplicated or spliced segment fails here if it passed step 3).
    """
    from zkvm.field.babybear import P
    from zkvm.memtree import MemTreeError, digest_elems
    from zkvm.receipt import CompositeReceipt
    from zkvm.stark import verifier

    if not isinstance(receipt, CompositeReceipt):
        receipt = CompositeReceipt.from_bytes(receipt)
    # 1. image ID
    m = _verifier_machine(receipt.vk, image_id)
    segs = receipt.segments
    n = len(segs)
    # 2. shapes
    if sum(s.journal_len for s in segs) != len(receipt.journal):
        raise SegmentChainError("the segments' journal slices do not add up to the journal")
    for i, s in enumerate(segs):
        if s.start_pc >= P or s.end_pc >= P:
            raise SegmentChainError(f"segment {i}: pc is not a canonical field element")
        for nm, root in (("entry", s.root_in), ("exit", s.root_out)):
            try:
                digest_elems(root)
            except MemTreeError:
                raise SegmentChainError(f"segment {i}: its {nm} memory root is not 8 "
                                        "canonical field elements") from None
        if i < n - 1 and not 1 <= s.end_ts < 1 << buses.EXEC_TS_BITS:
            raise SegmentChainError(f"segment {i}: end time {s.end_ts} not in [1, 2^22)")
        if i == n - 1 and (s.end_pc or s.end_ts):
            raise SegmentChainError(f"segment {i} is the last one but has an end state "
                                    "(the run would continue: a segment is missing)")
    # 3. the chain
    if segs[0].start_pc != receipt.vk.entry:
        raise SegmentChainError(f"segment 0 starts at pc 0x{segs[0].start_pc:08x}, not at "
                                f"the entry 0x{receipt.vk.entry:08x}")
    if segs[0].root_in != receipt.vk.mem_root:
        raise SegmentChainError("segment 0 does not start from the image's memory root")
    for i in range(1, n):
        a, b = segs[i - 1], segs[i]
        if b.start_pc != a.end_pc:
            raise SegmentChainError(f"segment {i} starts at pc 0x{b.start_pc:08x} but segment "
                                    f"{i - 1} ended at pc 0x{a.end_pc:08x}")
        if b.root_in != a.root_out:
            raise SegmentChainError(f"segment {i}'s entry memory root is not segment {i - 1}'s "
                                    "exit memory root")
    # 4. the proofs
    jpos = 0
    for i, s in enumerate(segs):
        last = i == n - 1
        journal = receipt.journal[jpos:jpos + s.journal_len]
        pv = segment_public_values(receipt.exit_code if last else 0, journal, last, i,
                                   s.start_pc, s.end_pc, s.end_ts, jpos, s.root_in, s.root_out)
        vk = m.segment_verifying_key()
        try:
            verifier.verify(vk, s.proof, pv, public_data=bytes(journal))
        except VerificationError as e:
            e.args = (f"segment {i} of {n}: {e}",)
            raise
        jpos += s.journal_len
    return receipt.exit_code, bytes(receipt.journal)

"""The RV32IM machine: every chip in one :class:`~zkvm.stark.system.StarkSystem`.

Public API (used by :mod:`zkvm.api` and the CLI)::

    from zkvm.machine import prove, verify, Machine
    receipt = prove(elf_bytes_or_program, input=b"", params=StarkParams.default())
    exit_code, journal = verify(receipt, image_id)          # or receipt bytes

Tables (in this order): ``program``, ``bytes``, ``memory_image`` (preprocessed, committed
together at setup: their root is in the image ID), ``memory_boundary``, ``io``,
``syscall`` and the instruction chips (``addsub``, ``bitwise``, ``lt``, ``shift``,
``mul``, ``divrem``, ``lui_auipc``, ``branch``, ``jump``, ``loadstore``, ``atomic``) that
are available (the list of chips is part of the image ID; a chip whose module is
missing is left out, and proving an execution that needs it fails with
:class:`UnprovableExecution` naming it), then the precompile tables
(``precompiles.precompile_airs()``: ``sha256``, ``sha256_round``; always present, fixed
by the machine version like ``io``/``syscall``, and bound by the verifying-key digest),
then each instruction chip's second and third tables (``addsub#2``, ``addsub#3``, ...:
:class:`.chips.ShardAir`, empty unless :func:`.chips.shard_split` shares the chip's
rows out over them).

Statement
---------
Public values: ``[exit_code, journal_len]``; the journal itself is the proof's *public
data* (bytes absorbed into the transcript before any challenge, checklist 17), so one
system (one verifying key) serves every journal length and the verifier's cost for the
journal is one hash plus one vectorised LogUp sum (``zkvm.stark.system.PublicBatch``).
Public interactions (the verifier adds them to the LogUp sum):

* EXEC send ``(entry, 1, 0)`` — the initial state; the only EXEC chain starts here and,
  by balance, ends at the single exit row (a row that sends nothing);
* JOURNAL receive ``(i, journal[i])`` for every ``i`` (one public batch) — the journal Io
  rows must send exactly these bytes at exactly these positions.

The system's name is ``"zkvm-rv32im/v1/" + image_id.hex()``, so the verifying-key digest
that seeds the Fiat–Shamir transcript binds the image ID (entry pc, memory image,
preprocessed commitment, chip list, params: checklist 16).

Package layout (by role): :mod:`.chips` (chip list), :mod:`.system` (:class:`Machine`:
systems and keys), :mod:`.witness` (traces), :mod:`.prover`, :mod:`.verifier`
(incl. :func:`verify_composite`), :mod:`.segments` (continuation statement), :mod:`.errors`.
"""

from zkvm.chips.tracegen import UnprovableExecution

from .chips import INSTRUCTION_CHIP_AIRS, VERSION, _load_program, available_chips
from .errors import ImageIdMismatch, SegmentChainError
from .segments import (SEGMENT_FIELDS, journal_batches, salt_words,
                       segment_public_interactions, segment_public_values)
from .system import Machine, prove
from .verifier import verify, verify_composite

__all__ = ["Machine", "prove", "verify", "verify_composite", "UnprovableExecution",
           "ImageIdMismatch", "SegmentChainError", "INSTRUCTION_CHIP_AIRS", "available_chips"]

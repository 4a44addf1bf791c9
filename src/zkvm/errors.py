"""Typed error hierarchy shared by every verifier-side check of the STARK engine.

Every check the verifier (or a proof parser) relies on raises a subclass of
:class:`VerificationError` -- never ``assert`` (``python -O`` strips asserts) and never
a bare ``ValueError``/``IndexError`` escaping from deep inside the code.  A caller that
wants to know only "did the proof verify?" catches :class:`VerificationError`; tests
assert the precise subclass so that a check that silently stopped firing is noticed.

The hierarchy is intentionally flat and small.  The AIR layer adds its own subclasses
(e.g. constraint mismatch at the out-of-domain point, LogUp sum not zero) next to the
ones below; they must also derive from :class:`VerificationError`.

Parameter validation (a nonsensical :class:`zkvm.stark.params.StarkParams`) is not a
proof failure, so it uses :class:`ParamsError` (a ``ValueError``).
"""

from __future__ import annotations

__all__ = [
    "VerificationError",
    "ProofFormatError",
    "ShapeError",
    "MerkleError",
    "FriError",
    "PowError",
    "TranscriptError",
    "ParamsError",
]


class VerificationError(Exception):
    """Base class: the proof (or an opening inside it) does not verify."""


class ProofFormatError(VerificationError):
    """Malformed proof data: wrong length, non-canonical field element, trailing bytes,
    a value that does not fit its declared type (checklist 20)."""


class ShapeError(ProofFormatError):
    """A list in the proof or in the claimed openings has the wrong number of entries
    (rounds, matrices, points, columns, queries, FRI layers...).  Checklist 22: every
    iteration over proof data is exact-length; a mismatch is reported, never truncated."""


class MerkleError(VerificationError):
    """A Merkle opening does not authenticate against its root (wrong sibling path,
    tampered leaf rows, index out of range, row/path of the wrong length)."""


class FriError(VerificationError):
    """A FRI consistency check failed: a folded value does not match the next layer, the
    final polynomial does not match the last folded values, or its length is wrong."""


class PowError(VerificationError):
    """The proof-of-work (grinding) nonce does not have the required leading zero bits."""


class TranscriptError(VerificationError):
    """Invalid data handed to the Fiat-Shamir transcript (e.g. a non-canonical field
    element or an out-of-range sampling request)."""


class ParamsError(ValueError):
    """Nonsensical STARK/FRI parameters (not a proof failure)."""


# --------------------------------------------------------------------------------------
# AIR-level verification errors (added by the AIR/prover/verifier layer).


class StatementMismatchError(VerificationError):
    """The proof was made for other parameters or another verifying key (digest in
    the proof header differs)."""


class PublicValuesError(VerificationError):
    """The public values have the wrong count or a non-canonical entry."""


class TraceHeightError(ShapeError):
    """A table height in the proof is out of the allowed range, or differs from its
    preprocessed height."""


class LogUpOverflowError(VerificationError):
    """The total bus multiplicity allowed by the claimed heights reaches p (a message
    could be sent p times and cancel; checklist 13)."""


class OutOfDomainPointError(VerificationError):
    """No admissible out-of-domain point ζ could be sampled."""


class ConstraintMismatchError(VerificationError):
    """The constraints at ζ do not equal quotient(ζ)·Z_H(ζ) for some table."""


class LogUpSumError(VerificationError):
    """The claimed LogUp sums plus the public interactions do not add up to zero."""

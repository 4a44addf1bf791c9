"""The STARK engine's typed errors: the shared hierarchy of :mod:`zkvm.errors` (it lives
at the bottom of the layer order so that the Merkle layer, below the STARK, can raise
:class:`MerkleError` without importing the STARK package)."""

from __future__ import annotations

from zkvm.errors import (  # noqa: F401 (re-exported)
    VerificationError,
    ProofFormatError,
    ShapeError,
    MerkleError,
    FriError,
    PowError,
    TranscriptError,
    ParamsError,
    StatementMismatchError,
    PublicValuesError,
    TraceHeightError,
    LogUpOverflowError,
    OutOfDomainPointError,
    ConstraintMismatchError,
    LogUpSumError,
)

__all__ = ["VerificationError", "ProofFormatError", "ShapeError", "MerkleError", "FriError", "PowError", "TranscriptError", "ParamsError", "StatementMismatchError", "PublicValuesError", "TraceHeightError", "LogUpOverflowError", "OutOfDomainPointError", "ConstraintMismatchError", "LogUpSumError"]

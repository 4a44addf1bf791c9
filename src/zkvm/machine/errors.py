"""Errors of the machine's verifier side."""

from __future__ import annotations

from zkvm.stark.errors import VerificationError


class ImageIdMismatch(VerificationError):
    """The receipt is for another program (or other parameters / circuits)."""


class SegmentChainError(VerificationError):
    """The segments of a composite receipt do not form one run of the program (a link,
    index, journal or halting check failed); the message names the broken link."""

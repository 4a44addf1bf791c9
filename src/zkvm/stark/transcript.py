"""Fiat-Shamir transcript: a domain-separated SHA-256 hash chain.

State: 32 bytes ``S``.  Operations (``H`` = SHA-256, ``u32``/``u64`` little-endian)::

    init:     S = H("zkvm/transcript" || u32(VERSION) || u32(len(tag)) || tag)
    absorb:   S = H(0x00 || S || u32(len(label)) || label || u64(len(data)) || data)
    squeeze:  S = H(0x01 || S || u32(len(label)) || label);  output S
    pow:      digest = H(0x02 || S || u64(nonce))    (then "pow_nonce" is absorbed)

Injectivity (checklist 19): every absorb carries its label and data lengths, so the
sequence of (label, data) pairs is uniquely recoverable from the hashed bytes; the op
byte separates absorbs, squeezes and PoW.  Every squeeze updates ``S``, so consecutive
samples differ and later absorbs depend on all earlier samples.  The protocol version
and a caller-chosen domain tag (e.g. ``b"zkvm-stark-v1"``) are bound at initialisation.

Sampling:

* :meth:`sample_base` — rejection sampling: each 32-byte squeeze gives eight u32 words;
  the first whose low 31 bits are ``< p`` is returned (another squeeze if none).  Since
  ``p < 2^31``, the 31-bit value is uniform on ``[0, 2^31)`` and accepting only values
  ``< p`` is exactly uniform on ``F_p`` (no modulo bias; checklist 23).
* :meth:`sample_ext` — 4 base samples (coefficients of X^0..X^3).
* :meth:`sample_bits` / :meth:`sample_index` — the low ``n`` bits of a u64 (uniform,
  since 2^n divides 2^64).

Proof of work: :meth:`grind` (prover) finds the smallest nonce whose PoW digest has
``bits`` leading zero bits (numba search) and absorbs it; :meth:`check_pow` (verifier)
checks it (``PowError``) and absorbs it.  Both leave the same state.  Callers grind/check
*before* sampling query indices (checklist 23).
"""

from __future__ import annotations

import hashlib
import struct

from zkvm.field.babybear import P
from zkvm.field.ext import Ext

from .errors import PowError, TranscriptError

__all__ = ["Transcript", "TRANSCRIPT_VERSION"]

TRANSCRIPT_VERSION = 1
_INIT = b"zkvm/transcript"
_ABSORB = b"\x00"
_SQUEEZE = b"\x01"
_POW = b"\x02"
_MASK31 = (1 << 31) - 1


def _label_bytes(label) -> bytes:
    if isinstance(label, str):
        return label.encode("utf-8")
    if isinstance(label, (bytes, bytearray)):
        return bytes(label)
    raise TranscriptError(f"transcript label must be str or bytes, got {type(label).__name__}")


class Transcript:
    """SHA-256 Fiat-Shamir transcript (see module docstring)."""

    __slots__ = ("_state",)

    def __init__(self, domain_tag: bytes | str = b"zkvm"):
        tag = _label_bytes(domain_tag)
        self._state = hashlib.sha256(
            _INIT + struct.pack("<II", TRANSCRIPT_VERSION, len(tag)) + tag
        ).digest()

    # ------------------------------------------------------------------ utilities
    def copy(self) -> "Transcript":
        """An independent copy (same state)."""
        t = Transcript.__new__(Transcript)
        t._state = self._state
        return t

    @property
    def state(self) -> bytes:
        """The current 32-byte state (for tests/debugging)."""
        return self._state

    # ------------------------------------------------------------------ absorb
    def absorb_bytes(self, label, data: bytes) -> None:
        """Absorb ``data`` under ``label`` (both length-prefixed)."""
        lb = _label_bytes(label)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TranscriptError("absorb_bytes: data must be bytes")
        d = bytes(data)
        self._state = hashlib.sha256(
            _ABSORB + self._state + struct.pack("<I", len(lb)) + lb + struct.pack("<Q", len(d)) + d
        ).digest()

    def absorb_field(self, label, values) -> None:
        """Absorb base-field elements (ints or a uint32 array) as u32 LE each.

        Raises :class:`TranscriptError` on a value outside ``[0, p)``: the encoding is
        only injective on canonical elements.
        """
        vals = [int(v) for v in (values.tolist() if hasattr(values, "tolist") else values)]
        for v in vals:
            if not 0 <= v < P:
                raise TranscriptError(f"absorb_field: {v} is not a canonical field element")
        self.absorb_bytes(label, struct.pack(f"<{len(vals)}I", *vals))

    def absorb_ext(self, label, values) -> None:
        """Absorb a sequence of :class:`Ext` (4 u32 each)."""
        flat = []
        for e in values:
            if not isinstance(e, Ext):
                raise TranscriptError(f"absorb_ext: expected Ext, got {type(e).__name__}")
            flat.extend(e.coeffs)
        self.absorb_field(label, flat)

    def absorb_digest(self, label, digest: bytes) -> None:
        """Absorb a 32-byte digest (e.g. a Merkle root)."""
        if not isinstance(digest, (bytes, bytearray)) or len(digest) != 32:
            raise TranscriptError("absorb_digest: digest must be 32 bytes")
        self.absorb_bytes(label, digest)

    def absorb_u64(self, label, value: int) -> None:
        """Absorb one integer in ``[0, 2^64)`` (u64 LE)."""
        if not isinstance(value, int) or not 0 <= value < (1 << 64):
            raise TranscriptError(f"absorb_u64: {value!r} not in [0, 2^64)")
        self.absorb_bytes(label, struct.pack("<Q", value))

    # ------------------------------------------------------------------ squeeze
    def _squeeze(self, label) -> bytes:
        lb = _label_bytes(label)
        self._state = hashlib.sha256(_SQUEEZE + self._state + struct.pack("<I", len(lb)) + lb).digest()
        return self._state

    def _base_candidates(self, label):
        while True:
            for w in struct.unpack("<8I", self._squeeze(label)):
                v = w & _MASK31
                if v < P:
                    yield v

    def sample_base(self, label=b"base") -> int:
        """A uniform element of ``F_p`` (rejection sampling; see module docstring)."""
        return next(self._base_candidates(label))

    def sample_ext(self, label=b"ext") -> Ext:
        """A uniform element of ``F_{p^4}`` (4 uniform base coefficients)."""
        gen = self._base_candidates(label)
        return Ext(tuple(next(gen) for _ in range(4)))

    def sample_bits(self, n: int, label=b"bits") -> int:
        """A uniform integer in ``[0, 2^n)``, ``0 ≤ n ≤ 64``."""
        if not isinstance(n, int) or not 0 <= n <= 64:
            raise TranscriptError(f"sample_bits: n={n!r} not in [0, 64]")
        v = struct.unpack("<Q", self._squeeze(label)[:8])[0]
        return v & ((1 << n) - 1)

    def sample_index(self, bits: int, label=b"index") -> int:
        """A uniform index in ``[0, 2^bits)`` (alias of :meth:`sample_bits`)."""
        return self.sample_bits(bits, label)

    # ------------------------------------------------------------------ proof of work
    def _pow_prefix(self) -> bytes:
        return _POW + self._state

    @staticmethod
    def _pow_ok(prefix: bytes, bits: int, nonce: int) -> bool:
        if bits == 0:
            return True
        d = hashlib.sha256(prefix + struct.pack("<Q", nonce)).digest()
        return (int.from_bytes(d[:4], "big") >> (32 - bits)) == 0

    def grind(self, bits: int) -> int:
        """Prover: find the smallest nonce satisfying the PoW for ``bits`` (0..30) at the
        current state, absorb it ("pow_nonce") and return it."""
        if not isinstance(bits, int) or not 0 <= bits <= 30:
            raise TranscriptError(f"grind: bits={bits!r} not in [0, 30]")
        prefix = self._pow_prefix()
        if bits == 0:
            nonce = 0
        else:
            from zkvm.hash.sha256 import pow_search

            nonce = pow_search(prefix, bits)
        if not self._pow_ok(prefix, bits, nonce):  # defensive: kernel vs hashlib
            raise RuntimeError("grind: numba PoW search disagrees with hashlib")
        self.absorb_u64("pow_nonce", nonce)
        return nonce

    def check_pow(self, bits: int, nonce: int) -> None:
        """Verifier: raise :class:`PowError` unless ``nonce`` satisfies the PoW for
        ``bits`` at the current state; then absorb it ("pow_nonce")."""
        if not isinstance(bits, int) or not 0 <= bits <= 30:
            raise TranscriptError(f"check_pow: bits={bits!r} not in [0, 30]")
        if not isinstance(nonce, int) or isinstance(nonce, bool) or not 0 <= nonce < (1 << 64):
            raise PowError(f"PoW nonce {nonce!r} is not a u64")
        if not self._pow_ok(self._pow_prefix(), bits, nonce):
            raise PowError(f"PoW nonce does not give {bits} leading zero bits")
        self.absorb_u64("pow_nonce", nonce)

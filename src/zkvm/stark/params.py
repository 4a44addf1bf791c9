"""STARK / FRI parameters and their (conjectured) security level.

:class:`StarkParams` is a frozen dataclass; the prover and verifier must use the same
value, and its canonical encoding (:meth:`StarkParams.to_bytes`, hashed by
:meth:`StarkParams.digest`) is absorbed into the Fiat-Shamir transcript as part of the
verifying-key digest (soundness checklist 16), so a proof made under one parameter set
can never verify under another.

Security estimate
-----------------
:meth:`StarkParams.security_bits` returns the *conjectured* security in the style of the
ethSTARK documentation (StarkWare, "ethSTARK Documentation", IACR ePrint 2021/582,
§5.10, "Conjecture 1" and the table of parameters there), which is also what Plonky3,
SP1 and RISC Zero quote::

    bits = min( num_queries · log_blowup + pow_bits ,  EXT_FIELD_BITS )

* ``num_queries · log_blowup``: under the conjecture, a word that is δ-far from the
  Reed-Solomon code of rate ρ = 2^-log_blowup passes one FRI query with probability at
  most ρ (list-decoding up to capacity), hence ``log_blowup`` bits per query.
* ``pow_bits``: grinding makes every Fiat-Shamir attempt at the query phase cost
  2^pow_bits hashes, adding that many bits against a grinding adversary.
* ``EXT_FIELD_BITS = ⌊log2(p^4)⌋ = 123``: every challenge (α, β, ζ, the batching
  challenge) is drawn from the quartic extension F_{p^4}, |F_{p^4}| ≈ 2^123.9, so no
  argument built on it can claim more than ~123 bits against a single-guess attacker.

This is a *conjecture*, not a proof; the provable (Johnson-bound) figures are roughly
half the query term.  The field term is also optimistic: a per-statement bound would
subtract log2 of (constraint degree × LDE domain size) for the DEEP-ALI step.

Consequence: with the quartic extension the cap is 123 bits, so no parameter set here
reaches 128 bits of *reported* security.  :meth:`StarkParams.high` has
``query_security_bits() ≥ 128`` but ``security_bits() == 123``; reaching a true 128
would need a larger extension field.

Presets
-------
* :meth:`default` — ``log_blowup=2`` (rate 1/4, enough for degree-3 constraints with the
  quotient split in ≤ 4 chunks), 42 queries, 16 PoW bits: 42·2 + 16 = **100 bits**.
  Grinding 16 bits costs ~65k hashes (tens of ms) for the prover.
* :meth:`high` — ``log_blowup=3`` (rate 1/8), 38 queries, 16 PoW bits: 38·3 + 16 = 130
  query bits, reported **123 bits** (field cap).  Larger LDE, smaller proofs than
  the default would need for the same level.
* :meth:`testing` — 8 queries, 1 PoW bit: 8·2 + 1 = 17 bits.  Only for fast tests; ``is_testing=True``
  is part of :meth:`to_bytes`, so a testing proof can never verify under a
  non-testing parameter set (and tools can refuse it).

FRI folding
-----------
``fri_log_arity`` a ∈ {1, 2, 3} folds by 2^a per FRI round (an arity-2^a fold is a
chain of a binary folds with challenges β, β², β⁴, …).  Larger arity means fewer Merkle
trees/paths but more values per opened leaf.  ``log_final_poly_len`` l: FRI stops when the
folded polynomial has 2^l coefficients; they are sent in the clear.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass

from zkvm.field.babybear import P

from .errors import ParamsError

__all__ = ["StarkParams", "EXT_FIELD_BITS"]

#: ⌊log2(p^4)⌋ for BabyBear's quartic extension: the cap on conjectured security.
EXT_FIELD_BITS: int = int(math.floor(4 * math.log2(P)))

_ENCODING_TAG = b"zkvm/stark-params/v2"

#: Zero-knowledge mode: smallest log2 of the FRI final polynomial's "power-of-two part"
#: (the final polynomial has ``2^lf + 1`` coefficients, see :meth:`StarkParams.fri_final_shape`).
ZK_MIN_LOG_FINAL: int = 6


@dataclass(frozen=True)
class StarkParams:
    """FRI/STARK parameters (immutable; validated in ``__post_init__``).

    Fields:
        log_blowup: log2 of the LDE blowup factor B (rate ρ = 1/B); 1..8.
        num_queries: number of FRI query repetitions; 1..1024.
        pow_bits: proof-of-work (grinding) bits before query sampling; 0..30.
        fri_log_arity: log2 of the FRI folding arity; 1..3 (arity 2, 4 or 8).
        log_final_poly_len: log2 of the number of coefficients of the final FRI
            polynomial sent in the clear; 0..10.
        max_constraint_degree: maximum AIR constraint degree (the AIR layer checks its
            constraints against it); 2..(2^log_blowup + 1) so the quotient, of degree
            ≤ (d − 1)·n, fits in the LDE domain.
        is_testing: True only for the low-security :meth:`testing` preset; part of the
            encoding.  (Named ``is_testing`` because ``testing`` is the preset.)
        zk: zero-knowledge (hiding) mode, on by default; part of the encoding, so a
            proof's parameter digest says which mode produced it.  See
            docs/zero-knowledge.md and :mod:`zkvm.stark.zk`.

    Raises :class:`ParamsError` on any out-of-range or ill-typed field.
    """

    log_blowup: int = 2
    num_queries: int = 42
    pow_bits: int = 16
    fri_log_arity: int = 1
    log_final_poly_len: int = 0
    max_constraint_degree: int = 3
    is_testing: bool = False
    zk: bool = True

    def __post_init__(self) -> None:
        def check_int(name: str, lo: int, hi: int) -> None:
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                raise ParamsError(f"StarkParams.{name} must be an int, got {v!r}")
            if not lo <= v <= hi:
                raise ParamsError(f"StarkParams.{name}={v} out of range [{lo}, {hi}]")

        check_int("log_blowup", 1, 8)
        check_int("num_queries", 1, 1024)
        check_int("pow_bits", 0, 30)
        check_int("fri_log_arity", 1, 3)
        check_int("log_final_poly_len", 0, 10)
        check_int("max_constraint_degree", 2, (1 << self.log_blowup) + 1)
        if not isinstance(self.is_testing, bool):
            raise ParamsError(f"StarkParams.is_testing must be a bool, got {self.is_testing!r}")
        if not isinstance(self.zk, bool):
            raise ParamsError(f"StarkParams.zk must be a bool, got {self.zk!r}")

    # ------------------------------------------------------------------ zero knowledge
    def zk_mask_len(self) -> int:
        """Number ``k`` of random coefficients of each masking polynomial (0 without zk).

        A committed witness polynomial ``f`` (degree < n) is replaced by
        ``f + Z_H·r`` with ``deg r < k``.  The verifier sees it at ζ and ζ·ω (extension
        points: 4 base-field linear functionals each) and, through the FRI queries, at
        ``num_queries`` LDE points ``x`` plus, implicitly through the quotient value
        ``Q(x)``, at ``x·ω``: at most ``8 + 2·num_queries`` functionals, so
        ``k = 8 + 2·num_queries`` random coefficients make them uniform and independent
        (docs/zero-knowledge.md, "masking degrees").
        """
        return 8 + 2 * self.num_queries if self.zk else 0

    def fri_final_shape(self) -> tuple[int, int]:
        """``(lf, extra)``: FRI folds down to a final polynomial of ``2^lf + extra``
        coefficients (at most; the PCS lowers ``lf`` if an input is smaller).

        Without zk: ``(log_final_poly_len, 0)``.  With zk: ``(max(log_final_poly_len,
        ZK_MIN_LOG_FINAL), 1)``: the masked polynomials have degree slightly above a power
        of two (``n + k``), and FRI's code chain ``RS[F·2^j]`` with ``F = 2^lf + 1`` tests
        degree ``< (1 + 2^-lf)·n`` on the top input instead of ``< 2n``, i.e. rate
        ``(1 + 2^-lf)/B`` instead of ``2/B`` (see :meth:`query_security_bits`).
        """
        if not self.zk:
            return self.log_final_poly_len, 0
        return max(self.log_final_poly_len, ZK_MIN_LOG_FINAL), 1

    # ------------------------------------------------------------------ security
    def query_security_bits(self) -> int:
        """Conjectured bits from the query phase alone: ``num_queries·log_blowup + pow_bits``.

        With zk the FRI rate is ``ρ = (1 + 2^-lf)/B`` (see :meth:`fri_final_shape`), so
        each query gives ``log2(1/ρ) = log_blowup − log2(1 + 2^-lf)`` bits; the result
        is rounded down.
        """
        if not self.zk:
            return self.num_queries * self.log_blowup + self.pow_bits
        lf, _ = self.fri_final_shape()
        per_query = self.log_blowup - math.log2(1 + 2.0 ** -lf)
        return int(math.floor(self.num_queries * per_query)) + self.pow_bits

    def security_bits(self) -> int:
        """Conjectured (ethSTARK-style) security: ``min(query bits, EXT_FIELD_BITS)``.

        See the module docstring for the formula, its reference and its caveats.
        """
        return min(self.query_security_bits(), EXT_FIELD_BITS)

    # ------------------------------------------------------------------ encoding
    def to_bytes(self) -> bytes:
        """Canonical encoding: a fixed tag, then every field as a little-endian u32
        in declaration order (``is_testing`` and ``zk`` as 0/1).  Injective by
        construction (fixed length, fixed order)."""
        return _ENCODING_TAG + struct.pack(
            "<8I",
            self.log_blowup,
            self.num_queries,
            self.pow_bits,
            self.fri_log_arity,
            self.log_final_poly_len,
            self.max_constraint_degree,
            1 if self.is_testing else 0,
            1 if self.zk else 0,
        )

    def digest(self) -> bytes:
        """SHA-256 of :meth:`to_bytes` (32 bytes), for the transcript / vk digest."""
        return hashlib.sha256(self.to_bytes()).digest()

    # ------------------------------------------------------------------ presets
    @classmethod
    def default(cls, zk: bool = True) -> "StarkParams":
        """≥ 100 conjectured bits: log_blowup 2, 16 PoW bits and 42 queries without zk
        (= 100), 43 with zk (rate (1 + 2^-6)/4: ⌊43·1.9777⌋ + 16 = 101)."""
        return cls(log_blowup=2, num_queries=43 if zk else 42, pow_bits=16, fri_log_arity=1,
                   log_final_poly_len=0, max_constraint_degree=3, zk=zk)

    @classmethod
    def high(cls, zk: bool = True) -> "StarkParams":
        """130 query bits (log_blowup 3, 38 queries, 16 PoW; 129 with zk); reported 123
        (field cap)."""
        return cls(log_blowup=3, num_queries=38, pow_bits=16, fri_log_arity=1,
                   log_final_poly_len=0, max_constraint_degree=3, zk=zk)

    @classmethod
    def testing(cls, zk: bool = True) -> "StarkParams":
        """Fast, insecure (17 bits, 16 with zk): tests only; flagged by ``is_testing=True``."""
        return cls(log_blowup=2, num_queries=8, pow_bits=1, fri_log_arity=1,
                   log_final_poly_len=0, max_constraint_degree=3, is_testing=True, zk=zk)

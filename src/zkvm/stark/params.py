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

This is a *conjecture*, not a proof.  :meth:`StarkParams.provable_security_bits` gives
the figure that is proven (up to the Johnson bound, ethSTARK documentation §5.9,
Theorem 2, after Ben-Sasson, Carmon, Ishai, Kopparty and Saraf, "Proximity gaps for
Reed–Solomon codes", 2020): every query gains only ``−log2(√ρ·(1 + 1/2m))`` bits (about
half the conjectured ``log2(1/ρ)``) and the commit phase adds an error
``≈ (m + ½)^7 / (3ρ^{3/2}) · |D|² / |F|`` that grows with the LDE domain ``D``: for the
default parameters the proven figure is 51 bits (query term; the commit-phase term is
~58 bits at the largest domain, 2^26 points), where the conjectured figure is 100.  The
field term is also optimistic: a per-statement bound would subtract log2 of
(constraint degree × LDE domain size) for the DEEP-ALI step.

Hash assumptions (not in the figure above, and above it): the Merkle commitments and
Fiat-Shamir use SHA-256 (128-bit collision resistance); continuations' memory tree uses
the truncated Poseidon2 permutation over BabyBear, 8-element digests (~248 bits, ~124-bit
collision resistance; the 128-bit round numbers of the Poseidon2 paper,
:mod:`zkvm.hash.poseidon2`).

Consequence: with the quartic extension the cap is 123 bits, so no parameter set here
reaches 128 bits of *reported* security.  :meth:`StarkParams.high` has
``query_security_bits() ≥ 128`` but ``security_bits() == 123``; reaching a true 128
would need a larger extension field.

Presets
-------
* :meth:`default` — ``log_blowup=2`` (rate 1/4, enough for degree-3 constraints with the
  quotient split in ≤ 4 chunks), 39 queries, 23 PoW bits, FRI arity 8, a final FRI
  polynomial of 2^7 (+1 with zk) coefficients: 39·2 + 23 = 101 bits without zk,
  ⌊39·1.9888⌋ + 23 = **100 bits** with zk (the default).  Grinding 23 bits costs ~8M
  SHA-256 compressions, ~0.3 s on 2 cores with SHA-NI.  History: 43 queries and 16
  bits before issue 17, then 40 queries and 21 bits with a final polynomial of 2^6 + 1;
  the last step (one query fewer for 2 more grinding bits, one FRI layer fewer for a
  final polynomial of 129 coefficients, whose smaller zk rate (1 + 2^-7)/4 also gives
  each query 0.011 bit more) shrank a 2^20-cycle receipt from 310.8 to ~297 KiB
  (docs/benchmarks.md).  Since session 10 short tables are committed stacked
  (``log_stack=4``, :func:`zkvm.stark.protocol.stack_logs`): same security (the FRI
  queries, rate and grinding are unchanged), the C fibonacci's receipt 401 → 191 KiB.
  Since session 13 FRI rounds keep the full arity and take the inputs of sizes inside a
  round as leaf words (``fri_leaf_inputs``, :func:`zkvm.stark.fri.fri_rounds`): same
  queries, rate and grinding, a 2^20-cycle receipt 21–35 KiB smaller.
* :meth:`high` — ``log_blowup=3`` (rate 1/8), 36 queries, 21 PoW bits, FRI arity 8:
  36·3 + 21 = 129 query bits (128 with zk), reported **123 bits** (field cap).  Larger
  LDE, smaller proofs than the default would need for the same level.
* :meth:`evm` — ``log_blowup=6`` (rate 1/64), 13 queries, 23 PoW bits, FRI arity 8,
  LogUp helpers of degree up to 4: ⌊13·5.9777⌋ + 23 = **100 bits** with zk, chosen to
  minimise the on-chain verification gas at a prover cost kept within a small game's
  budget (docs/onchain.md, "The evm profile": a battleship move verifies in ~21.7 M gas
  instead of 23.7 M with the session-6 profile lb5 q15 pow26, for ~1.7× its prover CPU
  time and 2.7 GiB instead of 1.5 GiB peak memory; lb7 q11 pow24 would save another
  0.9 M for 3.2× the CPU time and 5.0 GiB).
* :meth:`testing` — 8 queries, 1 PoW bit: 8·2 + 1 = 17 bits.  Only for fast tests; ``is_testing=True``
  is part of :meth:`to_bytes`, so a testing proof can never verify under a
  non-testing parameter set (and tools can refuse it).

FRI folding
-----------
``fri_log_arity`` a ∈ {1, 2, 3} folds by 2^a per FRI round (an arity-2^a fold is a
chain of a binary folds with challenges β, β², β⁴, …); with ``fri_leaf_inputs`` every
round has that arity, and inputs whose sizes fall inside a round ride in its leaves.  Larger arity means fewer Merkle
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
_ENCODING_TAG_STACK = b"zkvm/stark-params/v3"
_ENCODING_TAG_LEAF = b"zkvm/stark-params/v4"

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
        max_constraint_degree: maximum constraint degree; 2..(2^log_blowup + 1) so the
            quotient, of degree ≤ (d − 1)·n, fits in the LDE domain.  Every AIR's own
            ``max_degree`` must be at most this; above an AIR's ``max_degree`` it lets the
            engine group more LogUp interactions per helper column where that opens
            fewer columns per query (:func:`zkvm.stark.system._choose_layout`).
        is_testing: True only for the low-security :meth:`testing` preset; part of the
            encoding.  (Named ``is_testing`` because ``testing`` is the preset.)
        zk: zero-knowledge (hiding) mode, on by default; part of the encoding, so a
            proof's parameter digest says which mode produced it.  See
            docs/zero-knowledge.md and :mod:`zkvm.stark.zk`.
        log_stack: 0..6, log2 of the largest *stacking* factor ``k`` of a short table
            (0: off).  A table whose committed matrices all have room below the tallest
            LDE is committed stacked: ``⌈w/k⌉`` columns ``g_j(X) = Σ_t X^t f_{jk+t}(X^k)``
            of height ``k·n`` instead of ``w`` columns of height ``n``, so a FRI query
            opens one value per ``k`` columns (:func:`zkvm.stark.protocol.stack_logs`,
            :mod:`zkvm.stark.pcs`, "Stacking").  Part of the encoding only when non-zero
            (parameter sets without it keep their digests and image IDs).
        fri_leaf_inputs: every FRI round folds by the full arity ``2^fri_log_arity``
            (down to the final size); a DEEP input whose LDE size falls strictly inside a
            round is committed in that round's leaves beside the folded word, instead of
            cutting the round short (:func:`zkvm.stark.fri.fri_rounds`; in zk mode each
            such size gets its own DEEP mask, :func:`zkvm.stark.zk.leaf_mask_logs`).  Part
            of the encoding only when set.

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
    log_stack: int = 0
    fri_leaf_inputs: bool = False

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
        check_int("log_stack", 0, 6)
        if not isinstance(self.is_testing, bool):
            raise ParamsError(f"StarkParams.is_testing must be a bool, got {self.is_testing!r}")
        if not isinstance(self.zk, bool):
            raise ParamsError(f"StarkParams.zk must be a bool, got {self.zk!r}")
        if not isinstance(self.fri_leaf_inputs, bool):
            raise ParamsError(f"StarkParams.fri_leaf_inputs must be a bool, got "
                              f"{self.fri_leaf_inputs!r}")

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

    def provable_security_bits(self, log_lde_size: int = 26, m: int = 3) -> int:
        """Proven security (Johnson-bound regime) for an LDE domain of ``2^log_lde_size``
        points (the largest committed LDE; default: the largest the system allows,
        2^24 rows × blowup 4), ethSTARK documentation §5.9 Theorem 2 simplified:

        * queries: ``num_queries · (−log2(α)) + pow_bits`` with ``α = √ρ·(1 + 1/(2m))``
          (``ρ`` the FRI rate, see :meth:`query_security_bits`);
        * commit phase: ``log2|F| − log2((m + ½)^7 / (3ρ^{3/2}) · |D|²)`` with
          ``|F| = p^4`` the challenge field;

        the minimum of both, rounded down.  ``m ≥ 3`` is the Johnson-list parameter.
        This is a lower bound on what is proven, not a conjecture; it ignores the
        (smaller) DEEP-ALI and batching terms."""
        lf, extra = self.fri_final_shape()
        rho = ((1 << lf) + extra) / (1 << lf) / (1 << self.log_blowup) if self.zk else \
            1.0 / (1 << self.log_blowup)
        alpha = math.sqrt(rho) * (1 + 1 / (2 * m))
        queries = self.num_queries * -math.log2(alpha) + self.pow_bits
        field = 4 * math.log2(P)
        commit = field - math.log2((m + 0.5) ** 7 / (3 * rho ** 1.5)) - 2 * log_lde_size
        return int(math.floor(min(queries, commit)))

    # ------------------------------------------------------------------ encoding
    def to_bytes(self) -> bytes:
        """Canonical encoding: a fixed tag, then every field as a little-endian u32
        in declaration order (``is_testing`` and ``zk`` as 0/1).  Injective by
        construction (fixed length, fixed order per tag); ``log_stack`` is appended, under
        another tag, only when non-zero; with ``fri_leaf_inputs`` both are appended under
        a third tag."""
        if self.fri_leaf_inputs:
            return _ENCODING_TAG_LEAF + struct.pack(
                "<10I", self.log_blowup, self.num_queries, self.pow_bits, self.fri_log_arity,
                self.log_final_poly_len, self.max_constraint_degree,
                1 if self.is_testing else 0, 1 if self.zk else 0, self.log_stack, 1)
        if self.log_stack:
            return _ENCODING_TAG_STACK + struct.pack(
                "<9I", self.log_blowup, self.num_queries, self.pow_bits, self.fri_log_arity,
                self.log_final_poly_len, self.max_constraint_degree,
                1 if self.is_testing else 0, 1 if self.zk else 0, self.log_stack)
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
        """≥ 100 conjectured bits: log_blowup 2, 23 PoW bits, 39 queries (39·2 + 23 = 101
        without zk; rate (1 + 2^-7)/4 with zk: ⌊39·1.9888⌋ + 23 = 100), FRI arity 8,
        final polynomial of 2^7 coefficients (+1 with zk), short tables stacked by up to
        16 (``log_stack=4``, since session 10: the C fibonacci's receipt 401 → 191 KiB),
        full-arity FRI rounds with leaf inputs (``fri_leaf_inputs``, since session 13: the
        C fibonacci's receipt 197–201 → 178–183 KB, a 2^20-cycle walker's 304–308 →
        270–277 KiB)."""
        return cls(log_blowup=2, num_queries=39, pow_bits=23, fri_log_arity=3,
                   log_final_poly_len=7, max_constraint_degree=3, zk=zk, log_stack=4,
                   fri_leaf_inputs=True)

    @classmethod
    def high(cls, zk: bool = True) -> "StarkParams":
        """129 query bits (log_blowup 3, 36 queries, 21 PoW, FRI arity 8; 128 with zk);
        reported 123 (field cap); short tables stacked as in :meth:`default`
        (``log_stack=4``: the C fibonacci's receipt 389–398 → 200–202 KB)."""
        return cls(log_blowup=3, num_queries=36, pow_bits=21, fri_log_arity=3,
                   log_final_poly_len=0, max_constraint_degree=3, zk=zk, log_stack=4,
                   fri_leaf_inputs=True)

    @classmethod
    def evm(cls, zk: bool = True) -> "StarkParams":
        """For receipts verified on the EVM (docs/onchain.md): log_blowup 6 (rate 1/64),
        13 queries, 23 PoW bits, FRI arity 8: ⌊13·(6 − log2(1 + 2^-6))⌋ + 23 = ⌊77.71⌋ +
        23 = 100 conjectured bits with zk (13·6 + 23 = 101 without; 51 provable).  Every
        query costs on chain (opened rows, Merkle paths, DEEP and FRI work: ~1.1 M gas
        each), so a larger blowup buys fewer queries, and ``max_constraint_degree = 4``
        lets tables with many LogUp interactions put three in each helper column (fewer
        opened columns, :func:`zkvm.stark.system._choose_layout`; AIR constraints stay of
        degree ≤ 3).  One battleship move's verification is ~21.7 M gas in 6 transactions
        instead of 23.7 M with the session-6 profile (lb5 q15 pow26), the receipt ~166 KB
        instead of ~186 KB, for ~1.7× that profile's prover CPU time (16× the default's
        LDE) and ~2.7 GiB peak memory for battleship (bench/bench_evm_params.py); trace
        heights are capped at 2^21 (TWO_ADICITY − log_blowup)."""
        return cls(log_blowup=6, num_queries=13, pow_bits=23, fri_log_arity=3,
                   log_final_poly_len=0, max_constraint_degree=4, zk=zk)

    @classmethod
    def testing(cls, zk: bool = True) -> "StarkParams":
        """Fast, insecure (17 bits, 16 with zk): tests only; flagged by ``is_testing=True``."""
        return cls(log_blowup=2, num_queries=8, pow_bits=1, fri_log_arity=1,
                   log_final_poly_len=0, max_constraint_degree=3, is_testing=True, zk=zk)

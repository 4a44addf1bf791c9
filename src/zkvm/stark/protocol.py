"""Protocol steps shared verbatim by the prover and the verifier.

Keeping the transcript seeding, the ζ sampling and the multiplicity bound in one place
means the two sides cannot drift apart (a mismatch would only make honest proofs fail,
but it is a classic source of Fiat-Shamir bugs when one side absorbs less).
"""

from __future__ import annotations

import struct

from zkvm.field.babybear import GENERATOR, P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.stark.logup import multiplicity_bound as _bound
from zkvm.stark.pcs_verifier import stack_closure
from zkvm.stark.transcript import Transcript

DOMAIN_TAG = b"zkvm/stark/v1"
#: ζ is resampled at most this many times (each rejection has probability ~2^-100).
MAX_ZETA_TRIES = 16


class ZetaError(Exception):
    """No admissible out-of-domain point after MAX_ZETA_TRIES (never happens honestly)."""


def new_transcript(vk, public_values, log_heights, public_data: bytes = b"") -> Transcript:
    """Seed: vk digest (checklist 16), public values with their count (checklist 17),
    the public data (length-prefixed bytes, e.g. the journal: bound before any challenge,
    so no message computed from it can be chosen after the LogUp challenges), the
    per-table log heights (an empty table's sentinel ``EMPTY_LOG_HEIGHT`` included, so
    which tables are empty is bound before any commitment)."""
    t = Transcript(DOMAIN_TAG)
    t.absorb_bytes("vk_digest", vk.digest)
    t.absorb_bytes("num_public_values", struct.pack("<I", len(public_values)))
    t.absorb_field("public_values", [int(x) for x in public_values])
    t.absorb_bytes("public_data", bytes(public_data))
    t.absorb_bytes("log_heights", struct.pack(f"<{len(log_heights) + 1}I", len(log_heights),
                                              *log_heights))
    return t


def absorb_claimed_sums(t: Transcript, sums) -> None:
    flat = []
    for e in sums:
        flat.extend(e.coeffs)
    t.absorb_bytes("num_claimed_sums", struct.pack("<I", len(sums)))
    t.absorb_field("claimed_sums", flat)


def zeta_admissible(zeta: Ext, max_log_height: int, log_blowup: int) -> bool:
    """ζ must lie outside ``H_n`` for every table (ζ^n ≠ 1; checking the largest ``n``
    suffices since smaller subgroups are contained in it) and outside the LDE coset
    ``g·H_{nB}`` (then also outside the quotient domain ⊂ LDE coset, and ζ·ω_n is
    outside too since ω_n ∈ H_{nB}).  Correctness: at ζ ∈ H_n the quotient identity
    degenerates (Z_H(ζ) = 0) and the DEEP quotient in the PCS has a pole."""
    n = 1 << max_log_height
    if zeta ** n == Ext.ONE:
        return False
    ginv = Ext.from_base(pow(GENERATOR, P - 2, P))
    if (zeta * ginv) ** (n << log_blowup) == Ext.ONE:
        return False
    return True


def sample_zeta(t: Transcript, max_log_height: int, log_blowup: int) -> Ext:
    for _ in range(MAX_ZETA_TRIES):
        z = t.sample_ext("zeta")
        if zeta_admissible(z, max_log_height, log_blowup):
            return z
    raise ZetaError("could not sample an out-of-domain point")


def multiplicity_bound(system, log_heights, public_values, public_data: bytes = b"",
                       batches=None) -> int:
    """See :func:`zkvm.stark.logup.multiplicity_bound`; a public batch of ``k`` messages
    with multiplicity ``m`` counts ``k·|m|`` (computed without expanding it).
    ``batches``: the public-data batches if already evaluated."""
    from zkvm.stark.system import row_count

    heights = [row_count(h) for h in log_heights]
    pub = [m for _, _, m in system.public_interactions_for(public_values)]
    total = _bound(heights, [t.compiled.interactions for t in system.tables], pub)
    if batches is None:
        batches = system.public_batches_for(public_values, public_data)
    for bt in batches:
        m = int(bt.multiplicity) % P
        total += bt.values.shape[0] * min(m, P - m)
    return total


def public_batch_sum(batch, alpha, beta, chunk: int = 1 << 18) -> Ext:
    """``Σ_i m / (α − φ_i)`` over a :class:`~zkvm.stark.system.PublicBatch`, vectorised:
    fingerprints ``φ_i = id + Σ_j β^j v_ij`` as extension arrays, one batch inversion per
    ``chunk`` messages (bounded memory: ~100 bytes per message of a chunk).  Raises
    ``ZeroDivisionError`` if some denominator is zero (then the caller rejects, as for a
    single public interaction)."""
    import numpy as np

    from zkvm.field.ext import ext_inv_numpy  # numpy only: a verifier starts no numba kernel

    vals = batch.values
    bpows = []
    bp = Ext.ONE
    for _ in range(vals.shape[1]):
        bp = bp * beta
        bpows.append([int(c) for c in bp.coeffs])
    a0 = (int(alpha.coeffs[0]) - batch.bus.id) % P
    sums = [0, 0, 0, 0]
    for s0 in range(0, vals.shape[0], chunk):
        part = vals[s0:s0 + chunk]
        acc = np.empty((part.shape[0], 4), dtype=np.uint64)
        acc[:, 0] = a0
        for c in range(1, 4):
            acc[:, c] = int(alpha.coeffs[c])
        for j, bpj in enumerate(bpows):  # acc -= β^j · v_j (β^j one Ext, v_j base)
            col = part[:, j].astype(np.uint64)
            for c in range(4):
                acc[:, c] = (acc[:, c] + (P - (col * bpj[c]) % P)) % P
        den = acc.astype(np.uint32)
        if not np.all(den.any(axis=1)):
            raise ZeroDivisionError("a public batch denominator is zero")
        inv = ext_inv_numpy(den).astype(np.uint64)
        for c in range(4):
            sums[c] = (sums[c] + int(inv[:, c].sum())) % P
    return Ext(sums) * Ext.from_base(int(batch.multiplicity) % P)


def opening_points(zeta: Ext, log_n: int, next_cols: tuple, log_stack: int = 0,
                   width: int | None = None) -> list:
    """The PCS opening points of a trace matrix of height ``2^log_n`` (proof format v6),
    as ``(point, cols)`` pairs: ``(ζ, None)`` (every column), then ``(ζ·ω_n, next_cols)``
    -- only the columns the table's constraints read at the next row
    (:meth:`zkvm.stark.system.TableInfo.next_cols`) -- unless there are none.

    A stacked matrix (``log_stack`` > 0, ``width`` its column count) opens at ``ζ·ω_n``
    every column of each stacked group of ``2^log_stack`` columns that holds a next-row
    column (:func:`zkvm.stark.pcs_verifier.stack_closure`): its DEEP term interpolates
    the whole group."""
    if not next_cols:
        return [(zeta, None)]
    if log_stack:
        next_cols = stack_closure(next_cols, log_stack, width)
    return [(zeta, None), (zeta * Ext.from_base(two_adic_generator(log_n)), tuple(next_cols))]


#: a stacked table's matrices are at most this tall (``k·n ≤ 2^16``): stacking the short
#: tables of a long run saves little receipt against a second LDE of a tall table
#: (a 2^20-cycle proof with its 2^18-row branch table stacked took 13.3 s instead of 8.4)
STACK_MAX_LOG_HEIGHT = 16


def stack_logs(params, log_heights: list, layouts: list) -> list:
    """Per table, ``log2`` of its stacking factor (0: not stacked; :attr:`StarkParams.
    log_stack`).  ``log_heights``/``layouts`` are those of the non-empty tables, in order
    (layouts: :func:`zkvm.stark.zk.table_layout`).

    A table's matrices (preprocessed, main and aux traces of height ``2^h``, quotient
    chunks of height ``2^log_chunk``) are all stacked by the same factor ``k``, the
    largest ``≤ 2^log_stack`` that keeps every one of their LDEs within the tallest
    committed LDE ``2^L0`` of the proof (no Merkle tree grows and the DEEP mask
    polynomial's host, a chunk matrix at ``L0`` (:func:`zkvm.stark.zk.mask_host`), is never
    stacked) and every stacked matrix at most :data:`STACK_MAX_LOG_HEIGHT` tall.

    Correctness (zero knowledge): one ``k`` per table puts the queries of its trace and
    of its quotient chunks at the same points ``y = x^k``, so each masked column is seen
    at the ``8 + 2q`` functionals its mask covers (docs/zero-knowledge.md)."""
    if not params.log_stack:
        return [0] * len(log_heights)
    from .zk import lde_extra_log

    lb = params.log_blowup
    tops = [max(h + lde_extra_log(params, h), lay.log_chunk + lde_extra_log(params, lay.log_chunk))
            + lb for h, lay in zip(log_heights, layouts, strict=True)]
    L0 = max(tops)
    return [max(0, min(params.log_stack, L0 - t,
                       STACK_MAX_LOG_HEIGHT - max(h, lay.log_chunk)))
            for t, h, lay in zip(tops, log_heights, layouts, strict=True)]

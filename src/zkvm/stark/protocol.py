"""Protocol steps shared verbatim by the prover and the verifier.

Keeping the transcript seeding, the ζ sampling and the multiplicity bound in one place
means the two sides cannot drift apart (a mismatch would only make honest proofs fail,
but it is a classic source of Fiat-Shamir bugs when one side absorbs less).
"""

from __future__ import annotations

import struct

from zkvm.field.babybear import GENERATOR, P
from zkvm.field.ext import Ext
from zkvm.stark.logup import multiplicity_bound as _bound
from zkvm.stark.transcript import Transcript

DOMAIN_TAG = b"zkvm/stark/v1"
#: ζ is resampled at most this many times (each rejection has probability ~2^-100).
MAX_ZETA_TRIES = 16


class ZetaError(Exception):
    """No admissible out-of-domain point after MAX_ZETA_TRIES (never happens honestly)."""


def new_transcript(vk, public_values, log_heights) -> Transcript:
    """Seed: vk digest (checklist 16), public values with their count (checklist 17),
    the per-table log heights (an empty table's sentinel ``EMPTY_LOG_HEIGHT`` included,
    so which tables are empty is bound before any commitment)."""
    t = Transcript(DOMAIN_TAG)
    t.absorb_bytes("vk_digest", vk.digest)
    t.absorb_bytes("num_public_values", struct.pack("<I", len(public_values)))
    t.absorb_field("public_values", [int(x) for x in public_values])
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


def multiplicity_bound(system, log_heights, public_values) -> int:
    """See :func:`zkvm.stark.logup.multiplicity_bound`."""
    from zkvm.stark.system import row_count

    heights = [row_count(h) for h in log_heights]
    pub = [m for _, _, m in system.public_interactions_for(public_values)]
    return _bound(heights, [t.compiled.interactions for t in system.tables], pub)

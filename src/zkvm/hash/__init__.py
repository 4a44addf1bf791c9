"""zkvm.hash — SHA-256 (FIPS 180-4): batched numba kernels and hashlib helpers
(:mod:`zkvm.hash.sha256`: Merkle commitments, Fiat-Shamir); Poseidon2 over BabyBear
(:mod:`zkvm.hash.poseidon2`: the continuation memory tree).
"""

from .sha256 import (  # noqa: F401
    digest_from_bytes,
    digests_from_bytes,
    digests_to_bytes,
    hash_pairs,
    hash_rows,
    sha256,
    sha256_many,
)

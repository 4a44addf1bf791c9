"""zkvm.merkle — mixed-matrix Merkle commitments over SHA-256.

Prover side: :class:`MerkleTree` (numba kernels, :mod:`zkvm.merkle.tree`).
Verifier side: :func:`verify_opening` (hashlib only, :mod:`zkvm.merkle.verify`); raises
:class:`zkvm.errors.MerkleError` (a leaf module with no imports, shared by every
verifier-side check).
"""

from .tree import INJECT_PREFIX, LEAF_PREFIX, NODE_PREFIX, MerkleTree  # noqa: F401
from .verify import verify_opening  # noqa: F401

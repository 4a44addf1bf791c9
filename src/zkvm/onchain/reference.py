"""The Python reference for ``MerkleFacts.registerOpenings``: decodes the contract's
arguments back into per-query statements and checks them with the project's Merkle
verifier (:func:`zkvm.merkle.verify.complete_paths` + :func:`verify_opening`), the exact
semantics of the STARK verifier's batch openings.  Used by the differential tests."""

from __future__ import annotations

import struct

from zkvm.merkle.verify import complete_paths, verify_opening
from zkvm.stark.errors import MerkleError

__all__ = ["merkle_verdict"]


def merkle_verdict(root: bytes, L: int, dims, levels: list, indices: list, rows: bytes,
                   siblings: list) -> bool:
    """True iff the Python Merkle verifier accepts the openings these contract arguments
    describe (and the arguments are well formed: the contract's shape rules)."""
    try:
        if not 0 <= L <= 31 or not indices or not levels:
            return False
        if [lv >> 32 for lv in levels] != sorted({lh for lh, _ in dims}, reverse=True):
            return False
        from .merkle import levels_of

        if list(levels) != levels_of(L, dims) or levels[0] >> 32 != L:
            return False
        if any(b <= a for a, b in zip(indices, indices[1:])) or any(not 0 <= i < 1 << L for i in indices):
            return False
        rb = sum(lv & 0xFFFFFFFF for lv in levels)
        if len(rows) != rb * len(indices):
            return False
        # per query rows, back into commit order
        per_q = []
        order = [m for lv in sorted({lh for lh, _ in dims}, reverse=True)
                 for m, (lh, _) in enumerate(dims) if lh == lv]
        for q in range(len(indices)):
            chunk = rows[q * rb:(q + 1) * rb]
            got = [None] * len(dims)
            off = 0
            for m in order:
                w = dims[m][1]
                got[m] = list(struct.unpack(f"<{w}I", chunk[off:off + 4 * w]))
                off += 4 * w
            per_q.append(got)
        # paths: the consumed siblings, None where the walk merges two live nodes
        paths = [[None] * L for _ in indices]
        live = [(i, [q]) for q, i in enumerate(indices)]
        sp = 0
        for k in range(L):
            nxt = []
            j = 0
            while j < len(live):
                p, qs = live[j]
                if j + 1 < len(live) and live[j + 1][0] == p ^ 1:
                    qs = qs + live[j + 1][1]
                    j += 2
                else:
                    if sp >= len(siblings):
                        return False
                    for q in qs:
                        paths[q][k] = bytes(siblings[sp])
                    sp += 1
                    j += 1
                nxt.append((p >> 1, qs))
            live = nxt
        if sp != len(siblings):
            return False
        complete_paths(L, list(indices), per_q, list(dims), paths)
        for i, r, pth in zip(indices, per_q, paths, strict=True):
            verify_opening(bytes(root), L, i, r, list(dims), pth)
        return True
    except MerkleError:
        return False

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


def fri_verdict(args: list, honest_rows: list) -> bool:
    """True iff the Python FRI code (:func:`zkvm.stark.fri.fold_row`, ``domain_point``,
    ``eval_ext_poly``: the query loop of ``verify_fri``) accepts ``FriQueries.verify``'s
    arguments, where the layer rows count as authenticated only if they equal
    ``honest_rows`` (what MerkleFacts recorded for the same commitments)."""
    from zkvm.field.babybear import GENERATOR, P
    from zkvm.stark import fri as F

    from .constraints import unpack

    commits, L0, arities, betas, fp, sizes, queries, ro, layer_rows = args
    try:
        if list(layer_rows) != list(honest_rows[1]) or list(commits) != list(honest_rows[0]):
            return False
        if not sizes or sizes[0] != L0 or len(ro) != len(queries) * len(sizes):
            return False
        betas = [unpack(b) for b in betas]
        fpe = [unpack(c) for c in fp]
        for w in list(ro) + [b for b in args[3]] + list(fp):
            if any(((w >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) >= P for i in range(4)) or w >> 256:
                return False
        for qi, q in enumerate(queries):
            if not 0 <= q < 1 << L0:
                return False
            rov = {L: unpack(ro[qi * len(sizes) + s]) for s, L in enumerate(sizes)}
            cur, pos, shift, val = L0, q, GENERATOR, rov[L0]
            for j, a in enumerate(arities):
                k = 1 << a
                h = cur - a
                ps = sorted({x >> (L0 - h) for x in queries})
                i = ps.index(pos >> a)
                rb = layer_rows[j][i * 16 * k:(i + 1) * 16 * k]
                ints = list(struct.unpack(f"<{4 * k}I", rb))
                vals = F._ext_from_ints(ints)
                if vals[pos & (k - 1)] != val:
                    return False
                val = F.fold_row(vals, pos >> a, cur, shift, betas[j], a)
                pos >>= a
                cur -= a
                for _ in range(a):
                    shift = shift * shift % P
                if cur in rov and cur != L0:
                    val = val + (betas[j] ** k) * rov[cur]
            if F.eval_ext_poly(fpe, F.domain_point(cur, pos, shift)) != val:
                return False
        return True
    except Exception:  # noqa: BLE001 - any malformed input is a reject
        return False

"""Merkle statements of a receipt and their encoding for ``MerkleFacts.registerOpenings``.

A *Merkle statement* is what :func:`zkvm.merkle.verify.verify_opening` checks: under
``root`` (a tree of ``2^L`` leaves, matrices of the statement's ``dims``), leaf ``index``
opens to ``rows`` with the sibling ``path``.  :func:`record_statements` runs the Python
verifier on a receipt and records every statement it checks (input rounds and FRI
layers), with the paths completed from the batch encoding.  :func:`encode_group` turns
the statements of one commitment into the contract's calldata: leaf indices in increasing
order (duplicates once), each query's rows grouped by height, and only the siblings that
cannot be computed from other queries (a multiproof), in the order the contract's
level-by-level walk consumes them.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass

from .abi import encode_call

__all__ = ["Statement", "Group", "record_statements", "group_statements", "encode_group",
           "levels_of"]


@dataclass(frozen=True)
class Statement:
    root: bytes
    L: int
    index: int
    rows: tuple  # tuple of tuples of ints, one per matrix (commit order)
    dims: tuple  # ((log_height, width), ...)
    path: tuple  # L digests, leaf level first


@dataclass
class Group:
    """The statements of one commitment (same root, L, dims), keyed by leaf index."""

    root: bytes
    L: int
    dims: tuple
    by_index: dict  # index -> Statement (the first one seen)


@contextlib.contextmanager
def _recording(out: list, permissive: bool = False):
    """Record every Merkle statement the verifier checks.  ``permissive``: a failing
    opening is recorded and the verification goes on (the chain then judges it)."""
    from zkvm.stark import fri, pcs_verifier
    from zkvm.stark.errors import VerificationError

    orig = pcs_verifier.verify_opening
    assert fri.verify_opening is orig

    def rec(root, L, index, rows, dims, path):
        out.append(Statement(bytes(root), L, index, tuple(tuple(r) for r in rows),
                             tuple((int(a), int(b)) for a, b in dims),
                             tuple(bytes(p) if p is not None else None for p in path)))
        try:
            return orig(root, L, index, rows, dims, path)
        except VerificationError:
            if not permissive:
                raise
            return None

    pcs_verifier.verify_opening = rec
    fri.verify_opening = rec
    try:
        yield out
    finally:
        pcs_verifier.verify_opening = orig
        fri.verify_opening = orig


def record_statements(receipt, image_id) -> list[Statement]:
    """Verify ``receipt`` with the Python verifier (:func:`zkvm.api.verify_receipt`) and
    return every Merkle statement it checked.  Raises what the verifier raises."""
    from zkvm import api

    out: list = []
    with _recording(out):
        api.verify_receipt(receipt, image_id)
    return out


def group_statements(stmts: list[Statement]) -> list[Group]:
    groups: dict = {}
    for s in stmts:
        g = groups.setdefault((s.root, s.L, s.dims), Group(s.root, s.L, s.dims, {}))
        g.by_index.setdefault(s.index, s)
    return list(groups.values())


def levels_of(L: int, dims) -> list[int]:
    """The contract's ``levels``: ``(level << 32) | bytes per row`` for every height
    present, decreasing; rows of one height are concatenated in commit order."""
    per: dict = {}
    for lh, w in dims:
        per[lh] = per.get(lh, 0) + 4 * w
    return [(lv << 32) | per[lv] for lv in sorted(per, reverse=True)]


def row_bytes(L: int, dims, rows) -> bytes:
    """One query's rows in the contract's layout (heights decreasing, commit order, u32 LE)."""
    out = bytearray()
    for lv in sorted({lh for lh, _ in dims}, reverse=True):
        for (lh, w), r in zip(dims, rows, strict=True):
            if lh == lv:
                out += struct.pack(f"<{len(r)}I", *r)
    return bytes(out)


def multiproof(L: int, indices: list[int], paths: list) -> list[bytes]:
    """The siblings the contract's walk consumes (``indices`` increasing, full paths)."""
    live = [(i, q) for q, i in enumerate(indices)]
    sibs = []
    for k in range(L):
        nxt = []
        j = 0
        while j < len(live):
            p, q = live[j]
            if j + 1 < len(live) and live[j + 1][0] == p ^ 1:
                j += 2
            else:
                sibs.append(bytes(paths[q][k]))
                j += 1
            nxt.append((p >> 1, q))
        live = nxt
    return sibs


#: ABI types of one opening statement (root, L, levels, indices, rows, siblings), the
#: leading arguments of registerOpenings / registerOpeningsDeep and an ``Opening`` of
#: registerOpeningsMany
OPENING_TYPES = ("bytes32", "uint256", "uint256[]", "uint256[]", "bytes", "bytes32[]")


def deep_call(g: Group, selector: bytes, spec, indices: list[int] | None = None) -> bytes:
    """Calldata of ``registerOpeningsDeep`` for ``g``'s queries at ``indices`` (default all)
    and a :class:`zkvm.onchain.deep.DeepSpec` of the same commitment."""
    from .deep import DEEP_TYPES

    a = _args(g, sorted(g.by_index) if indices is None else sorted(indices))
    return encode_call(selector, [*OPENING_TYPES, DEEP_TYPES], [*_opening(a), spec.encode()])


#: ABI types of one ``DeepRound`` of registerOpeningsDeepMany (root, levels, rows,
#: siblings, Deep)
def deep_round_types():
    from .deep import DEEP_TYPES

    return ("bytes32", "uint256[]", "bytes", "bytes32[]", DEEP_TYPES)


def deep_many_call(groups: list, selector: bytes, specs: list, indices: list[int] | None = None,
                   tamper=None) -> bytes:
    """Calldata of ``registerOpeningsDeepMany`` for the input rounds ``groups`` (same tree
    height, all opened at ``indices``: default the first group's) with their
    :class:`zkvm.onchain.deep.DeepSpec` ``specs``: the same facts as one
    :func:`deep_call` per round.  ``tamper(k, args)`` may modify round k's argument dict
    (tests)."""
    from .abi import encode_args, word

    idx = sorted(groups[0].by_index) if indices is None else sorted(indices)
    L = groups[0].L
    if any(g.L != L for g in groups):
        raise ValueError("rounds of different heights")
    rounds = []
    for k, (g, sp) in enumerate(zip(groups, specs, strict=True)):
        args = _args(g, idx)
        args["deep"] = sp.encode()
        if tamper is not None:
            tamper(k, args)
        rounds.append([args["root"], args["levels"], args["rows"], args["siblings"], args["deep"]])
    rt = deep_round_types()
    head = word(L) + word(96) + word(96 + 32 + 32 * len(idx))
    return (bytes(selector) + head + word(len(idx)) + b"".join(word(i) for i in idx)
            + word(len(rounds)) + encode_args([rt] * len(rounds), rounds))


def encode_many(groups: list, selector: bytes, tamper=None) -> bytes:
    """Calldata of ``registerOpeningsMany`` (one ``Opening`` per group, all its queries):
    the same facts as one ``registerOpenings`` per group, in one transaction.
    ``tamper(k, args)`` may modify group k's argument dict (tests)."""
    from .abi import encode_args, word

    ops = []
    for k, g in enumerate(groups):
        args = _args(g, sorted(g.by_index))
        if tamper is not None:
            tamper(k, args)
        ops.append(_opening(args))
    return bytes(selector) + word(32) + word(len(ops)) + encode_args([OPENING_TYPES] * len(ops), ops)


def _opening(args: dict) -> list:
    """The :data:`OPENING_TYPES` values of an :func:`_args` dict, in order."""
    return [args["root"], args["L"], args["levels"], args["indices"], args["rows"], args["siblings"]]


def _args(g: Group, idx: list[int]) -> dict:
    sts = [g.by_index[i] for i in idx]
    return {
        "root": g.root, "L": g.L, "levels": levels_of(g.L, g.dims), "indices": idx,
        "rows": b"".join(row_bytes(g.L, g.dims, s.rows) for s in sts),
        "siblings": multiproof(g.L, idx, [s.path for s in sts]),
    }


def encode_group(g: Group, selector: bytes, indices: list[int] | None = None,
                 tamper=None) -> bytes:
    """Calldata of ``registerOpenings`` for ``g``'s queries at ``indices`` (default all).
    ``tamper(args)`` may modify the argument dict (tests)."""
    args = _args(g, sorted(g.by_index) if indices is None else sorted(indices))
    if tamper is not None:
        tamper(args)
    return encode_call(selector, list(OPENING_TYPES), _opening(args))

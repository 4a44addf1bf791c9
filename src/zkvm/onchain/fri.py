"""The FRI query phase of a receipt, recorded from the Python verifier, and its encoding
for ``FriQueries.verify`` (contracts/src/FriQueries.sol).

:func:`recording` wraps ``zkvm.stark.pcs_verifier.verify_fri`` for the duration of a
verification: it replays the FRI transcript steps on a copy of the transcript (roots →
β's, final polynomial, proof of work, query indices: exactly ``verify_fri``'s order) and
captures every query's DEEP reduced input values ``RO_L`` as ``verify_fri`` asks the PCS
for them, and the FRI layer rows.  Not thread-safe (like :mod:`zkvm.onchain.session`).
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass

from zkvm.field.ext import Ext

from .abi import encode_call
from .constraints import pack

__all__ = ["FriRecord", "recording", "args_of", "encode", "ARGS_TYPES"]

ARGS_TYPES = ("bytes32[]", "uint256", "uint256[]", "uint256[]", "uint256[]", "uint256[]",
              "uint256[]", "uint256[]", "bytes[]")


@dataclass
class FriRecord:
    commits: list
    L0: int
    log_arities: list
    betas: list  # Ext
    final_poly: list  # Ext
    input_sizes: list  # decreasing
    queries: list
    ro: list  # per query: {L: Ext}
    layer_rows: list  # per query, per layer: the opened row (ints)
    format_error: str = ""  # a malformed-proof error swallowed in permissive mode (see recording)


@contextlib.contextmanager
def recording(out: list, permissive: bool = False):
    """``permissive``: a failing FRI check is recorded and swallowed (every query's
    inputs are still computed), so the chain judges it (a missed proof of work too: the
    statement check's challenge replay rejects it).  A malformed proof
    (``ProofFormatError``, e.g. ``ShapeError``: the proof's query indices are not the
    sampled ones) is swallowed too but kept in ``FriRecord.format_error``: the fact
    transactions are still judged on chain, but :func:`zkvm.onchain.statement.verify_onchain`
    never submits the statement check of such a receipt (REJECT) -- the contracts read only
    the decoded values, so they would ACCEPT the honest statement inside a receipt whose
    redundant index field was tampered, which the Python verifier rejects.
    Correctness: the on-chain verdict must never be ACCEPT where the Python verifier
    rejects (the differential tests in tests/onchain/test_onchain_verify.py)."""
    from zkvm.stark import fri as fri_mod
    from zkvm.stark import pcs_verifier
    from zkvm.stark.errors import ProofFormatError, VerificationError

    orig = pcs_verifier.verify_fri

    def rec(**kw):
        sizes = sorted(set(int(x) for x in kw["input_log_sizes"]), reverse=True)
        arities, log_final_len = fri_mod.fri_schedule(sizes, kw["log_blowup"], kw["log_final_poly_len"],
                                                      kw["fri_log_arity"])
        t = kw["transcript"].copy()
        betas = []
        for root in kw["fri_commits"]:
            t.absorb_digest("fri_commit", bytes(root))
            betas.append(t.sample_ext("fri_beta"))
        fp = [Ext(tuple(c)) for c in kw["final_poly"]]
        t.absorb_ext("fri_final_poly", fp)
        t.check_pow(kw["pow_bits"], kw["pow_nonce"])
        queries = [t.sample_index(sizes[0], "fri_query") for _ in range(kw["num_queries"])]
        ros: dict = {}
        inner = kw["query_inputs"]

        def qi_rec(qi, q):
            r = inner(qi, q)
            ros[qi] = dict(r)
            return r

        kw2 = dict(kw, query_inputs=qi_rec)
        fmt = ""
        try:
            res = orig(**kw2)
        except VerificationError as e:
            if not permissive:
                raise
            fmt = str(e) if isinstance(e, ProofFormatError) else ""
            res = None
            for qi, q in enumerate(queries):
                if qi not in ros:
                    ros[qi] = dict(inner(qi, q))
        rows = [[list(o.rows[0]) for o in kw["fri_openings"][qi]] for qi in range(kw["num_queries"])]
        out.append(FriRecord(list(kw["fri_commits"]), sizes[0], arities, betas, fp, sizes, queries,
                             [ros[qi] for qi in range(len(queries))], rows, fmt))
        return res

    pcs_verifier.verify_fri = rec
    try:
        yield out
    finally:
        pcs_verifier.verify_fri = orig


def args_of(r: FriRecord) -> list:
    """The ``Args`` struct's field values for ``FriQueries.verify``."""
    layer_rows = []
    cur = r.L0
    for j, a in enumerate(r.log_arities):
        h = cur - a
        by_pos = {}
        for qi, q in enumerate(r.queries):
            by_pos.setdefault(q >> (r.L0 - h), r.layer_rows[qi][j])
        layer_rows.append(b"".join(struct.pack(f"<{len(by_pos[p])}I", *by_pos[p]) for p in sorted(by_pos)))
        cur = h
    ro = [pack(r.ro[qi][L]) for qi in range(len(r.queries)) for L in r.input_sizes]
    return [[bytes(c) for c in r.commits], r.L0, list(r.log_arities), [pack(b) for b in r.betas],
            [pack(c) for c in r.final_poly], list(r.input_sizes), list(r.queries), ro, layer_rows]


def encode(selector: bytes, args: list) -> bytes:
    return encode_call(selector, [ARGS_TYPES], [args])


def encode_with_paths(selector: bytes, args: list, siblings: list) -> bytes:
    """Calldata of ``FriQueries.verifyWithPaths``: ``args`` (:func:`args_of`) and, per
    layer, the Merkle multiproof of its sorted distinct positions."""
    return encode_call(selector, [ARGS_TYPES, "bytes32[][]"], [args, siblings])

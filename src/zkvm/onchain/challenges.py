"""Inputs of ``StarkChallenges.derive`` (the on-chain Fiat-Shamir replay) from a receipt,
recorded while the Python verifier runs.

:func:`recording` wraps ``zkvm.stark.verifier.verify`` (for the verifying key, the proof,
the public values and data) and ``zkvm.stark.verifier.pcs_verify`` (for the PCS statement:
shape header, opening points and claimed values); :func:`input_of` builds the contract's
``Input`` struct.  Not thread-safe (like :mod:`zkvm.onchain.session`).
"""

from __future__ import annotations

import contextlib
import struct

from .constraints import pack

__all__ = ["recording", "input_of", "INPUT_TYPES"]

INPUT_TYPES = ("bytes32", "uint256[]", "bytes", "uint256[]", "bytes32", "bool", "bytes32", "uint256[]",
               "bytes32", "uint256", "uint256", "bytes", "bytes", "uint256[]", "bytes", "bytes32[]",
               "uint256[]", "uint256", "uint256", "uint256", "uint256")


@contextlib.contextmanager
def recording(out: dict):
    from zkvm.stark import verifier

    orig_v, orig_p = verifier.verify, verifier.pcs_verify

    def rec_v(vk, proof, public_values, params=None, public_data=b""):
        out["verify"] = (vk, proof, list(public_values), bytes(public_data))
        return orig_v(vk, proof, public_values, params=params, public_data=public_data)

    def rec_p(params, rounds, proof, transcript, mask_in_rounds=False):
        out["pcs"] = (params, rounds)
        return orig_p(params, rounds, proof, transcript, mask_in_rounds=mask_in_rounds)

    verifier.verify, verifier.pcs_verify = rec_v, rec_p
    try:
        yield out
    finally:
        verifier.verify, verifier.pcs_verify = orig_v, orig_p


def input_of(rec: dict) -> list:
    """The ``Input`` struct's field values (see contracts/src/StarkChallenges.sol)."""
    from zkvm.stark.fri import fri_schedule
    from zkvm.stark.proof import Proof
    from zkvm.stark.system import is_empty_height
    from zkvm.stark.zk import lde_extra_log

    from zkvm.stark.pcs_verifier import _shape_header

    from .deep import opening_cols

    vk, proof, pv, pdata = rec["verify"]
    if not isinstance(proof, Proof):
        proof = Proof.from_bytes(proof)
    params, rounds = rec["pcs"]
    hs = list(proof.log_heights)
    live = [h for h in hs if not is_empty_height(h)]
    shapes, salted, points, counts, values = [], [], [], [], []
    sizes = set()
    for rd in rounds:
        sl = bool(rd[2]) if len(rd) == 3 else False
        srow = []
        for md in rd[1]:
            log_n, w, ops = md[:3]
            e = md[3] if len(md) == 4 else lde_extra_log(params, log_n)
            srow.append((log_n, w, [opening_cols(op, w) for op in ops], e))
            sizes.add(log_n + params.log_blowup + e)
            for z, vals, *_ in ops:
                points.append(struct.pack("<4I", *z.coeffs))
                counts.append(len(vals))
                values.extend(struct.pack("<4I", *v.coeffs) for v in vals)
        shapes.append(srow)
        salted.append(sl)
    op = proof.opening_proof
    return [vk.digest, list(pv), pdata, hs, proof.main_root, proof.aux_root is not None,
            proof.aux_root or bytes(32), [pack(s) for s in proof.claimed_sums], proof.quotient_root,
            max(live), params.log_blowup, _shape_header(shapes, salted), b"".join(points), counts,
            b"".join(values),
            list(op.fri_commits), [pack(tuple(c)) if not hasattr(c, "coeffs") else pack(c) for c in op.final_poly],
            params.pow_bits, op.pow_nonce, max(sizes), params.num_queries]

"""The DEEP part of the PCS openings (zkvm.stark.pcs_verifier, ``query_inputs``), recorded
from the Python verifier, and its encoding for ``MerkleFacts.registerOpeningsDeep``.

:func:`recording` wraps ``zkvm.stark.verifier.pcs_verify`` and captures its statement
(``rounds``) and a copy of the transcript; :func:`specs_of` replays the PCS transcript
steps on that copy (shape header, points and claimed values, then the batching
challenge α -- exactly pcs_verifier.verify's order) and builds, per commitment round,
the contract's ``Deep`` struct: α, every matrix's LDE height, used width, byte offset in
a query's rows, its opening terms ``(z, ys = Σ_{c∈C} α^c·v_c(z), off)`` and each term's
column set ``C`` (proof format v6: every column at ζ, at ζ·ω only the columns some
constraint reads at the next row; ``c`` the original column index).  Summing a query's
partials over the rounds gives the ``RO_L`` values FRI consumes (checked by the tests).
Not thread-safe (like :mod:`zkvm.onchain.session`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from zkvm.field.ext import Ext

from .constraints import pack

__all__ = ["DeepSpec", "recording", "specs_of", "DEEP_TYPES", "opening_cols"]

DEEP_TYPES = ("uint256", "uint256[]", "uint256[]", "uint256[]", "uint256[]")


def opening_cols(op, w: int):
    """The column set of one PCS opening ``(z, values)`` (every column: ``None``) or
    ``(z, values, cols)`` (proof format v6: ``cols`` strictly increasing, < ``w``; all
    ``w`` of them is the same as every column), as ``zkvm.stark.pcs_verifier`` reads it."""
    from zkvm.stark.pcs_verifier import normalize_cols

    cols = normalize_cols(op[2] if len(op) == 3 else None, w)
    if len(op[1]) != (w if cols is None else len(cols)):
        raise ValueError("an opening with the wrong number of values")
    return cols


@dataclass
class DeepSpec:
    root: bytes
    Lr: int
    alpha: Ext
    mats: list  # (L, w, byte_offset, first_term, term_count)
    terms: list  # (z, ys, off) Ext
    slots: list  # distinct L, decreasing
    cols: list  # per term: n (0: every column), then n column indices (the contract's encoding)

    def encode(self) -> list:
        mats = [L | w << 8 | off << 32 | t0 << 64 | n << 96 for (L, w, off, t0, n) in self.mats]
        terms = [pack(v) for t in self.terms for v in t]
        return [pack(self.alpha), mats, terms, list(self.slots), list(self.cols)]


@contextlib.contextmanager
def recording(out: list):
    from zkvm.stark import verifier

    orig = verifier.pcs_verify

    def rec(params, rounds, proof, transcript, mask_in_rounds=False):
        out.append((params, rounds, transcript.copy(), mask_in_rounds))
        return orig(params, rounds, proof, transcript, mask_in_rounds=mask_in_rounds)

    verifier.pcs_verify = rec
    try:
        yield out
    finally:
        verifier.pcs_verify = orig


def specs_of(captured) -> list[DeepSpec]:
    """One :class:`DeepSpec` per commitment round of a recorded ``pcs_verify`` call."""
    from zkvm.stark.pcs_verifier import SALT_WIDTH, _shape_header
    from zkvm.stark.zk import lde_extra_log

    params, rounds, t, mask_in_rounds = captured
    t = t.copy()  # the captured transcript stays as recorded (specs_of may be called again)
    if params.zk and not mask_in_rounds:
        raise ValueError("a separate PCS masking round is not supported")
    lb = params.log_blowup
    shapes, stmt, salted = [], [], []
    for rd in rounds:
        root, mats = rd[0], rd[1]
        sl = bool(rd[2]) if len(rd) == 3 else False
        srow, mrow = [], []
        for md in mats:
            log_n, w, ops = md[:3]
            e = md[3] if len(md) == 4 else lde_extra_log(params, log_n)
            pts = [(op[0], list(op[1]), opening_cols(op, w)) for op in ops]
            srow.append((log_n, w, [c for _, _, c in pts], e))
            mrow.append((log_n + lb + e, w, pts))
        shapes.append(srow)
        stmt.append((bytes(root), mrow))
        salted.append(sl)
    t.absorb_bytes("pcs_shape", _shape_header(shapes, salted))
    for _, mrow in stmt:
        for (_, _, pts) in mrow:
            for z, vals, _ in pts:
                t.absorb_ext("pcs_point", [z])
                t.absorb_ext("pcs_values", vals)
    alpha = t.sample_ext("pcs_alpha")
    max_w = max(w for _, mrow in stmt for (_, w, _) in mrow)
    apows = [Ext.ONE]
    for _ in range(max_w - 1):
        apows.append(apows[-1] * alpha)
    off = Ext.ONE
    specs = []
    for (root, mrow), sl in zip(stmt, salted, strict=True):
        Lr = max(L for L, _, _ in mrow)
        # byte offsets inside a query's rows: heights decreasing, commit order within one;
        # the salt columns trail the first matrix of the largest height
        widths = [w for _, w, _ in mrow]
        if sl:
            star = [L for L, _, _ in mrow].index(Lr)
            widths[star] += SALT_WIDTH
        offs = {}
        pos = 0
        for lv in sorted({L for L, _, _ in mrow}, reverse=True):
            for m, (L, _, _) in enumerate(mrow):
                if L == lv:
                    offs[m] = pos
                    pos += 4 * widths[m]
        mats, terms, tcols = [], [], []
        for m, (L, w, pts) in enumerate(mrow):
            t0 = len(terms)
            for z, vals, cols in pts:
                idx = range(w) if cols is None else cols
                ys = Ext.ZERO
                for c, y in zip(idx, vals, strict=True):
                    ys = ys + apows[c] * y
                terms.append((z, ys, off))
                tcols += [0] if cols is None else [len(cols), *cols]
                off = off * (alpha ** w)
            mats.append((L, w, offs[m], t0, len(terms) - t0))
        specs.append(DeepSpec(root, Lr, alpha, mats, terms,
                              sorted({L for L, _, _ in mrow}, reverse=True), tcols))
    return specs

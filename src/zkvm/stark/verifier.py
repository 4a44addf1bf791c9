"""The STARK verifier.  Does not import any prover module.

``verify(vk, proof, public_values, params=None)`` returns a :class:`VerifyResult`
(``.zk``: whether the proof was zero-knowledge, ``.security_bits``) or raises a subclass
of :class:`~zkvm.stark.errors.VerificationError` naming the failed step.  ``vk`` is a
:class:`~zkvm.stark.system.VerifyingKey` (or a ``StarkSystem``, whose key is derived by
running its ``setup``); ``proof`` is a :class:`~zkvm.stark.proof.Proof` or its bytes.

The steps below mirror :mod:`zkvm.stark.prover` one for one (checklist 18).
"""

from __future__ import annotations

from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.stark import protocol
from zkvm.stark import symbolic as sym
from zkvm.stark.errors import (ConstraintMismatchError, LogUpOverflowError, LogUpSumError,
                               OutOfDomainPointError, ProofFormatError, PublicValuesError,
                               ShapeError, StatementMismatchError, TraceHeightError,
                               VerificationError)
from zkvm.stark.logup import public_fingerprint
from zkvm.stark.pcs_verifier import verify as pcs_verify
from zkvm.stark.proof import Proof
from zkvm.stark.system import MIN_LOG_HEIGHT, StarkSystem, VerifyingKey, is_empty_height
from zkvm.stark.zk import (committed_lde_logs, leaf_mask_logs, lde_extra_log, mask_host,
                           mask_poly_shape, table_layout)

_XPOW = [Ext.ONE, Ext.X, Ext.X * Ext.X, Ext.X * Ext.X * Ext.X]


class VerifyResult:
    """What a successful verification reports: ``zk`` (the proof was made in
    zero-knowledge mode) and ``security_bits`` (the parameters' conjectured level)."""

    __slots__ = ("zk", "security_bits")

    def __init__(self, zk: bool, security_bits: int):
        self.zk = zk
        self.security_bits = security_bits

    def __repr__(self) -> str:
        return f"VerifyResult(zk={self.zk}, security_bits={self.security_bits})"


def verify(vk, proof, public_values, params=None, public_data: bytes = b"") -> VerifyResult:
    """Verify ``proof`` for ``public_values`` (and the system's ``public_data``, e.g. a
    journal) against ``vk`` (see module docstring).

    Cost: the steps before the PCS check (step 10) are linear in the proof and in the
    number of public values; the public data is only hashed (step 5) before step 10,
    and its bus messages are summed (vectorised) in step 11, after every Merkle and FRI
    check -- a forged receipt carrying a huge journal is rejected at the price of its
    proof, not of its claim."""
    if isinstance(vk, StarkSystem):
        _, vk = vk.setup()
    if not isinstance(vk, VerifyingKey):
        raise TypeError("vk must be a VerifyingKey or a StarkSystem")
    system = vk.system
    if params is not None and params != system.params:
        raise StatementMismatchError("params differ from the verifying key's parameters")
    params = system.params
    tables = system.tables

    # Step 1: parse (canonical encoding, checklist 20).
    if not isinstance(proof, Proof):
        proof = Proof.from_bytes(proof)

    # Step 2: the proof is for this statement.
    if proof.params_digest != params.digest():
        raise StatementMismatchError("step 2: proof made with other STARK parameters")
    if proof.vk_digest != vk.digest:
        raise StatementMismatchError("step 2: proof made for another verifying key")
    if proof.zk is not params.zk:
        raise StatementMismatchError(f"step 2: proof zk flag {proof.zk} differs from the "
                                     f"parameters (zk={params.zk})")

    # Step 3: public values: exact count, canonical (checklist 17).
    pv = list(public_values)
    if len(pv) != system.num_public_values:
        raise PublicValuesError(
            f"step 3: expected {system.num_public_values} public values, got {len(pv)}")
    for x in pv:
        if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < P:
            raise PublicValuesError(f"step 3: public value {x!r} is not a field element")
    if not isinstance(public_data, (bytes, bytearray)):
        raise PublicValuesError("step 3: public data must be bytes")
    if public_data and system.public_data_interactions is None:
        raise PublicValuesError("step 3: this statement takes no public data")

    # Step 4: heights (checklist 13, 22).  EMPTY_LOG_HEIGHT marks an empty table, allowed
    # only for a may_be_empty AIR (bound by the vk digest); an empty table takes no part
    # in any later step (it has no rows, hence no constraints to check and no messages).
    hs = proof.log_heights
    if len(hs) != len(tables):
        raise ShapeError(f"step 4: {len(hs)} heights for {len(tables)} tables")
    max_log = system.max_log_height()
    for t, h in zip(tables, hs):
        if is_empty_height(h):
            if not t.air.may_be_empty or t.pre_log_height is not None:
                raise TraceHeightError(f"step 4: {t.name}: marked empty but the table is "
                                       f"not may_be_empty")
            continue
        if not MIN_LOG_HEIGHT <= h <= max_log:
            raise TraceHeightError(f"step 4: {t.name}: log height {h} outside "
                                   f"[{MIN_LOG_HEIGHT}, {max_log}]")
        if t.pre_log_height is not None and h != t.pre_log_height:
            raise TraceHeightError(f"step 4: {t.name}: log height {h} differs from the "
                                   f"preprocessed height {t.pre_log_height}")
    live = [t for t in tables if not is_empty_height(hs[t.index])]
    if not live:
        raise ShapeError("step 4: every table is marked empty")
    live_hs = [hs[t.index] for t in live]
    batches = system.public_batches_for(pv, public_data)
    if protocol.multiplicity_bound(system, hs, pv, batches=batches) >= P:
        raise LogUpOverflowError("step 4: total bus multiplicity could reach p")
    try:
        layouts = [table_layout(params, hs[t.index], t.degree, t.log_quotient_chunks)
                   for t in live]
    except ValueError as e:
        raise TraceHeightError(f"step 4: {e}") from None
    layout_of = {t.index: lay for t, lay in zip(live, layouts, strict=True)}

    # Step 5: transcript seed, main commitment, LogUp challenges.
    tr = protocol.new_transcript(vk, pv, hs, public_data)
    tr.absorb_digest("main_root", proof.main_root)
    lu_alpha = tr.sample_ext("logup_alpha")
    lu_beta = tr.sample_ext("logup_beta")

    # Step 6: aux commitment and claimed sums (non-empty tables with interactions).
    aux_tables = [t for t in live if t.layout.num_aux_ext]
    if (proof.aux_root is None) != (not aux_tables):
        raise ShapeError("step 6: aux commitment present/absent mismatch")
    if len(proof.claimed_sums) != len(aux_tables):
        raise ShapeError(f"step 6: {len(proof.claimed_sums)} claimed sums for "
                         f"{len(aux_tables)} tables with interactions")
    if aux_tables:
        tr.absorb_digest("aux_root", proof.aux_root)
    protocol.absorb_claimed_sums(tr, proof.claimed_sums)

    # Step 7: constraint-combination challenge, quotient commitment, ζ.
    alpha = tr.sample_ext("constraint_alpha")
    tr.absorb_digest("quotient_root", proof.quotient_root)
    try:
        zeta = protocol.sample_zeta(tr, max(live_hs), params.log_blowup)
    except protocol.ZetaError:
        raise OutOfDomainPointError("step 7: no admissible ζ") from None

    # Step 8: shapes of the opened values (checklist 22).
    # Trace matrices are opened at ζ (every column) and, when a constraint reads the
    # next row, at ζ·ω (only the columns read there, TableInfo.next_cols).
    pre_tables = vk.pre_tables
    expected = []  # (round, root, [(table, log_h, width, points)]), points as for the PCS

    # stacking (params.log_stack): one factor per table for its main, aux and quotient
    # matrices; the preprocessed commitment (fixed by the verifying key) is never stacked
    stack_of = {t.index: sl for t, sl in
                zip(live, protocol.stack_logs(params, live_hs, layouts), strict=True)}

    def mats_of(tables, kind, width):
        return [(t, hs[t.index], width(t),
                 protocol.opening_points(zeta, hs[t.index], t.next_cols(kind),
                                         0 if kind == "pre" else stack_of[t.index], width(t)))
                for t in tables]

    if pre_tables:
        expected.append(("preprocessed", vk.pre_root,
                         mats_of(pre_tables, "pre", lambda t: t.pre_width)))
    expected.append(("main", proof.main_root,
                     mats_of(live, "main", lambda t: t.committed_width)))
    if aux_tables:
        expected.append(("aux", proof.aux_root, mats_of(aux_tables, "aux", lambda t: t.aux_width)))
    # quotient chunks: matrices of height 2^log_chunk (= n without zk)
    # zk: + the DEEP/FRI masking polynomial R (4 base columns, opened at ζ), trailing
    # columns of the host table's chunk matrix or a separate last matrix (host: a
    # position among the non-empty tables)
    host = mask_host(params, live_hs, layouts)
    q_mats = [(t, lay.log_chunk, 4 * lay.num_chunks + (4 if j == host else 0), [(zeta, None)])
              for j, (t, lay) in enumerate(zip(live, layouts, strict=True))]
    if params.zk and host is None:
        log_r, _ = mask_poly_shape(params, live_hs, layouts)
        q_mats.append((None, log_r, 4, [(zeta, None)]))
    # zk + fri_leaf_inputs: + one DEEP mask R_L per size FRI commits in a round's leaves
    sizes = committed_lde_logs(params, [hs[t.index] for t in pre_tables], live_hs, layouts,
                               [stack_of[t.index] for t in live])
    for L in leaf_mask_logs(params, sizes):
        q_mats.append((None, L - params.log_blowup, 4, [(zeta, None)]))
    expected.append(("quotient", proof.quotient_root, q_mats))
    if len(proof.opened) != len(expected):
        raise ShapeError(f"step 8: {len(proof.opened)} opened rounds, expected {len(expected)}")
    for (rname, _, mats), got in zip(expected, proof.opened, strict=True):
        if len(got) != len(mats):
            raise ShapeError(f"step 8: round {rname}: {len(got)} matrices, expected {len(mats)}")
        for (t, _, w, pts), g in zip(mats, got, strict=True):
            nvals = [w if cols is None else len(cols) for _, cols in pts]
            if len(g) != len(pts) or any(len(v) != k for v, k in zip(g, nvals)):
                what = "masking polynomial" if t is None else f"table {t.name}"
                raise ShapeError(f"step 8: round {rname}, {what}: wrong opening shape")

    # Step 9: constraints at ζ equal quotient(ζ)·Z_H(ζ), per non-empty table.
    opened = {name: {m[0].index: _full_points(g, m[3], name)
                     for m, g in zip(mats, got, strict=True) if m[0] is not None}
              for (name, _, mats), got in zip(expected, proof.opened, strict=True)}
    claimed = {t.index: s for t, s in zip(aux_tables, proof.claimed_sums, strict=True)}
    for t in live:
        _check_table(t, hs[t.index], zeta, alpha, [lu_alpha, lu_beta], pv,
                     opened["main"][t.index],
                     opened.get("preprocessed", {}).get(t.index),
                     opened.get("aux", {}).get(t.index),
                     opened["quotient"][t.index][0], claimed.get(t.index), layout_of[t.index])

    # Step 10: PCS opening proof (absorbs the opened values, then FRI).  In zk mode the
    # witness commitments (main, aux, quotient) are salted; the preprocessed one is not;
    # the DEEP masking polynomial is in the quotient commitment (zk.mask_host).
    rounds = []
    for (rname, root, mats), got in zip(expected, proof.opened, strict=True):
        entries = []
        for (t, log_h, w, pts), vals in zip(mats, got, strict=True):
            ops = [(z, v, cols) for (z, cols), v in zip(pts, vals, strict=True)]
            entry = (log_h, w, ops)
            if t is None:
                entries.append(entry + (0,))  # R: no LDE growth
            elif rname != "preprocessed" and stack_of[t.index]:
                entries.append(entry + (lde_extra_log(params, log_h), stack_of[t.index]))
            else:
                entries.append(entry)
        rounds.append((root, entries, params.zk and rname != "preprocessed"))
    pcs_verify(params, rounds, proof.opening_proof, tr, mask_in_rounds=params.zk)

    # Step 11: LogUp global sum (checklist 15): claimed sums + public interactions
    # (single messages and vectorised public-data batches) must be zero.  Last, because
    # its cost grows with the public data (step 4 already bounded the multiplicities).
    total = Ext.ZERO
    for s in proof.claimed_sums:
        total = total + s
    for bus, values, m in system.public_interactions_for(pv):
        den = lu_alpha - public_fingerprint(bus.id, values, lu_beta)
        if den.is_zero():
            raise LogUpSumError("step 11: public interaction denominator is zero")
        total = total + Ext.from_base(m) / den
    for batch in batches:
        try:
            total = total + protocol.public_batch_sum(batch, lu_alpha, lu_beta)
        except ZeroDivisionError:
            raise LogUpSumError("step 11: public interaction denominator is zero") from None
    if not total.is_zero():
        raise LogUpSumError("step 11: bus sums do not balance (claimed sums + public "
                            "interactions != 0)")
    return VerifyResult(params.zk, params.security_bits())


def _full_points(got: list, pts: list, rname: str) -> list:
    """The opened values of one matrix as ``[values at ζ, values at ζ·ω]``, the second
    full width: columns not opened at ζ·ω (no constraint reads them there) are zero,
    never read by :func:`_check_table` (``TableInfo.next_cols``).  A matrix opened at
    ``ζ`` alone (no next-row read) gets an all-zero second list."""
    if rname == "quotient":
        return got
    w = len(got[0])
    nxt = [Ext.ZERO] * w
    if len(pts) == 2:
        for c, v in zip(pts[1][1], got[1], strict=True):
            nxt[c] = v
    return [got[0], nxt]


def _ext_cols(vals: list, k: int) -> list:
    """Combine base-column openings ``4i..4i+3`` into extension values."""
    out = []
    for i in range(k):
        acc = Ext.ZERO
        for c in range(4):
            acc = acc + vals[4 * i + c] * _XPOW[c]
        out.append(acc)
    return out


def _check_table(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout):
    n = 1 << log_n
    main_l, main_n = main
    pre_l, pre_n = pre if pre is not None else ([], [])
    k = t.layout.num_aux_ext
    aux_l, aux_n = (_ext_cols(aux[0], k), _ext_cols(aux[1], k)) if aux is not None else ([], [])
    zh = zeta ** n - Ext.ONE
    w_inv = Ext.from_base(pow(two_adic_generator(log_n), P - 2, P))
    n_inv = Ext.from_base(pow(n, P - 2, P))
    first = zh * n_inv / (zeta - Ext.ONE)
    last = w_inv * zh * n_inv / (zeta - w_inv)
    sel = {"is_first_row": first, "is_last_row": last, "is_transition": Ext.ONE - last}
    srcs = {"main": main_l, "main_next": main_n, "pre": pre_l, "pre_next": pre_n,
            "aux": aux_l, "aux_next": aux_n}

    def leaf(node):
        kind, i = node.value
        if kind in srcs:
            return srcs[kind][i]
        if kind in sel:
            return sel[kind]
        if kind == "public":
            return pv[i]
        if kind == "challenge":
            return challenges[i]
        if kind == "claimed_sum":
            return claimed
        raise VerificationError(f"unknown leaf {kind}")  # pragma: no cover

    cons = t.all_constraints
    vals = sym.evaluate([c.expr for c in cons], leaf, sym.ScalarAlgebra())
    acc = Ext.ZERO
    for v in reversed(vals):  # Σ α^i C_i by Horner
        acc = acc * alpha + (Ext.from_base(v) if isinstance(v, int) else v)
    chunks = _ext_cols(quot, layout.num_chunks)
    q = Ext.ZERO
    zn = zeta ** (1 << layout.log_chunk)  # Q = Σ_j X^{j·c} Q_j
    zpow = Ext.ONE
    for c in chunks:
        q = q + zpow * c
        zpow = zpow * zn
    if acc != q * zh:
        raise ConstraintMismatchError(
            f"step 9: table {t.name}: constraints at ζ do not match the quotient")

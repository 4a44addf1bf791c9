"""FRI PCS verifier (imports no prover code; hashlib + pure-Python :class:`Ext`).

Mirrors :func:`zkvm.stark.pcs_prover.open_` step by step (see :mod:`zkvm.stark.pcs`):
shape header → points and claimed values absorbed → α → FRI (roots/β, final polynomial,
PoW, queries) → per query: authenticate the input rows of every round, recompute the
DEEP reduced openings ``RO_L`` at the query, and run the FRI consistency chain.

Every list coming from the proof or the statement is length-checked exactly against the
statement (checklist 22); failures raise the :mod:`zkvm.stark.errors` subclass naming
the check: ``ShapeError`` (shape), ``MerkleError`` ("input round r" / "FRI layer j"),
``FriError`` (folding / final polynomial), ``PowError``.
"""

from __future__ import annotations

from zkvm.field.babybear import GENERATOR, P, TWO_ADICITY, pow_scalar
from zkvm.field.ext import Ext
from zkvm.merkle.verify import complete_paths, verify_opening

from .errors import MerkleError, ProofFormatError, ShapeError
from .fri import domain_point, verify_fri
from .params import StarkParams
from .pcs_types import BatchOpening, OpeningProof, QueryProof
from .transcript import Transcript
from .zk import lde_extra_log

#: Salt columns of a hiding commitment, trailing the first matrix of its largest LDE (must
#: equal ``zkvm.stark.pcs.SALT_WIDTH``; the verifier does not import the prover-side module).
SALT_WIDTH = 8

__all__ = ["verify"]


def normalize_cols(cols, width: int, stack_log: int = 0):
    """A point's opened columns: ``None`` (every column) or a tuple of strictly
    increasing ints in ``[0, width)``; a tuple naming every column becomes ``None``.
    A stacked matrix (``stack_log`` > 0) opens whole groups ``[j·k, (j+1)·k) ∩ [0,
    width)``, ``k = 2^stack_log`` (its DEEP term interpolates a group).
    Raises ``ValueError`` otherwise."""
    if cols is None:
        return None
    if not isinstance(cols, (list, tuple)) or not cols:
        raise ValueError("opened columns must be a non-empty list")
    prev = -1
    for c in cols:
        if not isinstance(c, int) or isinstance(c, bool) or not prev < c < width:
            raise ValueError(f"opened columns must increase strictly within [0, {width})")
        prev = c
    if stack_log and tuple(cols) != stack_closure(cols, stack_log, width):
        raise ValueError(f"a stacked matrix opens whole groups of {1 << stack_log} columns")
    return None if len(cols) == width else tuple(cols)


def stack_closure(cols, stack_log: int, width: int) -> tuple:
    """Every column ``< width`` of the groups ``[j·k, (j+1)·k)`` (``k = 2^stack_log``)
    that contain one of ``cols``."""
    k = 1 << stack_log
    groups = sorted({int(c) >> stack_log for c in cols})
    return tuple(c for g in groups for c in range(g * k, min(width, (g + 1) * k)))


def stacked_interpolant(vals, cols, width: int, stack_log: int, off: Ext, apows) -> tuple:
    """The DEEP data of a stacked matrix at one point (prover and verifier alike):
    ``(js, ct)`` with ``js`` the groups holding the opened columns ``cols`` (``None``:
    all ``width``) and ``ct`` the ``k`` coefficients of ``Ĩ(X) = Σ_t X^t Σ_{j∈js}
    off·α^j·v_{jk+t}`` (``vals``: the claimed values of the opened columns, ``apows[j]``
    = ``α^j``); the term is ``(Σ_{j∈js} off·α^j·g_j(x) − Ĩ(x)) / (x^k − z)``."""
    k = 1 << stack_log
    idx = range(width) if cols is None else cols
    v = dict(zip(idx, vals, strict=True))
    js = tuple(sorted({c >> stack_log for c in idx}))
    ct = [Ext.ZERO] * k
    for j in js:
        a = off * apows[j]
        for t in range(min(k, width - j * k)):
            ct[t] = ct[t] + a * v[j * k + t]
    return js, ct


def _shape_header(shapes, salted) -> bytes:
    """Canonical bytes of the opening shape, absorbed before any point or value so the
    encoding of what follows is unambiguous: u32 words ``#rounds``, per round ``#matrices,
    salted``, per matrix ``log_n, width, #points, extra_log + 256·stack_log``, then per
    point ``ncols`` followed by the ``ncols`` opened column indices when ``ncols !=
    width``.  ``shapes[r][m] = (log_n, width, point_cols, extra_log[, stack_log])`` with
    ``point_cols`` a list of ``None`` (every column) or a tuple of columns per point
    (``extra_log ≤ 27``, so the word is injective; unstacked shapes encode as before
    stacking existed)."""
    import struct

    out = [len(shapes)]
    for mats, sl in zip(shapes, salted, strict=True):
        out.extend((len(mats), 1 if sl else 0))
        for md in mats:
            log_n, w, pcols, e = md[:4]
            st = md[4] if len(md) > 4 else 0
            out.extend((log_n, w, len(pcols), e + (st << 8)))
            for cols in pcols:
                if cols is None:
                    out.append(w)
                else:
                    out.append(len(cols))
                    out.extend(cols)
    return struct.pack(f"<{len(out)}I", *out)


def _in_lde_coset(z: Ext, log_size: int, stack_log: int = 0) -> bool:
    """True iff z ∈ g^k·H_{2^log_size} (``k = 2^stack_log``): the values ``x^k`` of the
    points ``x`` of a (stacked) LDE of ``2^(log_size + stack_log)`` points, where the
    DEEP denominator ``x^k − z`` can vanish."""
    if not z.is_base():
        return False
    gk = pow_scalar(GENERATOR, 1 << stack_log)
    zz = z.coeffs[0] * pow_scalar(gk, P - 2) % P
    return pow_scalar(zz, 1 << log_size) == 1


def verify(params: StarkParams, rounds: list, proof: OpeningProof, transcript: Transcript,
           mask_in_rounds: bool = False) -> None:
    """Verify a PCS opening proof.

    ``rounds = [(root, [(log_height, width, [(point, claimed_values)])])]``; see
    :meth:`zkvm.stark.pcs.FriPcs.verify`.  Returns ``None`` on success; raises a
    :class:`~zkvm.stark.errors.VerificationError` subclass otherwise.

    ``mask_in_rounds`` (zk): the DEEP masking polynomial is one of the ``rounds``' matrices
    (the caller's statement says which); the proof must then carry no separate mask.
    """
    lb = params.log_blowup
    if not isinstance(proof, OpeningProof):
        raise ProofFormatError("PCS: proof is not an OpeningProof")
    if not isinstance(rounds, (list, tuple)) or len(rounds) == 0:
        raise ShapeError("PCS: need at least one round")

    # ---- zk: the masking round R (committed by the prover, described by the proof)
    rounds = list(rounds)
    own_mask = params.zk and not mask_in_rounds
    if own_mask and params.fri_leaf_inputs:
        raise ShapeError("PCS: zk with FRI leaf inputs needs the statement's DEEP masks "
                         "(mask_in_rounds)")
    if own_mask:
        if proof.mask_root is None or proof.mask_values is None:
            raise ShapeError("PCS: zk proof without a masking polynomial")
        if not isinstance(proof.mask_root, (bytes, bytearray)) or len(proof.mask_root) != 32:
            raise ShapeError("PCS: mask root must be 32 bytes")
        if len(proof.mask_values) != 4:
            raise ShapeError(f"PCS: {len(proof.mask_values)} mask values, expected 4")
        mvals = []
        for c in proof.mask_values:
            if len(c) != 4 or any(not isinstance(v, int) or not 0 <= v < P for v in c):
                raise ProofFormatError("PCS: mask value is not 4 canonical field elements")
            mvals.append(Ext(tuple(c)))
    elif proof.mask_root is not None or proof.mask_values is not None:
        raise ShapeError("PCS: unexpected separate masking polynomial (non-zk proof, or "
                         "the mask is committed in a round)")

    # ---- statement shapes
    shapes, stmt, salted = [], [], []
    for r, rd in enumerate(rounds):
        if not isinstance(rd, (list, tuple)) or len(rd) not in (2, 3):
            raise ShapeError(f"PCS round {r}: expected (root, matrices[, salted])")
        root, mats = rd[0], rd[1]
        sl = bool(rd[2]) if len(rd) == 3 else False
        if sl and not params.zk:
            raise ShapeError(f"PCS round {r}: salted commitment without zk")
        if not isinstance(root, (bytes, bytearray)) or len(root) != 32:
            raise ShapeError(f"PCS round {r}: root must be 32 bytes")
        if not isinstance(mats, (list, tuple)) or len(mats) == 0:
            raise ShapeError(f"PCS round {r}: no matrices")
        srow, mrow = [], []
        for m, md in enumerate(mats):
            if not isinstance(md, (list, tuple)) or len(md) not in (3, 4, 5):
                raise ShapeError(f"PCS round {r} matrix {m}: expected (log_height, width, openings"
                                 f"[, extra_log[, stack_log]])")
            log_n, w, ops = md[:3]
            st = md[4] if len(md) == 5 else 0
            if not isinstance(st, int) or isinstance(st, bool) or not 0 <= st <= 6:
                raise ShapeError(f"PCS round {r} matrix {m}: bad stack_log {st!r}")
            if not isinstance(log_n, int) or not 0 <= log_n <= TWO_ADICITY - lb:
                raise ShapeError(f"PCS round {r} matrix {m}: bad log_height {log_n!r}")
            if len(md) == 4:
                e = md[3]
            else:
                try:
                    e = lde_extra_log(params, log_n)
                except ValueError:
                    raise ShapeError(f"PCS round {r} matrix {m}: height too large") from None
            if not isinstance(e, int) or e < 0 or log_n + lb + e + st > TWO_ADICITY:
                raise ShapeError(f"PCS round {r} matrix {m}: bad extra_log {e!r}")
            if not isinstance(w, int) or w < 1:
                raise ShapeError(f"PCS round {r} matrix {m}: bad width {w!r}")
            if not isinstance(ops, (list, tuple)) or len(ops) == 0:
                raise ShapeError(f"PCS round {r} matrix {m}: no opening points")
            L = log_n + lb + e + st  # the committed (tree) LDE
            pts = []
            for k, op in enumerate(ops):
                if not isinstance(op, (list, tuple)) or len(op) not in (2, 3):
                    raise ShapeError(f"PCS round {r} matrix {m} point {k}: expected (point, "
                                     f"values[, cols])")
                z, vals = op[:2]
                try:
                    cols = normalize_cols(op[2] if len(op) == 3 else None, w, st)
                except ValueError as e:
                    raise ShapeError(f"PCS round {r} matrix {m} point {k}: {e}") from None
                if not isinstance(z, Ext):
                    raise ShapeError(f"PCS round {r} matrix {m} point {k}: point must be Ext")
                nv = w if cols is None else len(cols)
                if not isinstance(vals, (list, tuple)) or len(vals) != nv:
                    raise ShapeError(f"PCS round {r} matrix {m} point {k}: wrong number of "
                                     f"claimed values, expected {nv}")
                if any(not isinstance(v, Ext) for v in vals):
                    raise ShapeError(f"PCS round {r} matrix {m} point {k}: values must be Ext")
                if _in_lde_coset(z, L - st, st):
                    raise ProofFormatError(f"PCS round {r} matrix {m}: opening point lies in the "
                                           f"LDE coset")
                pts.append((z, list(vals), cols))
            srow.append((log_n, w, [c for _, _, c in pts], e, st))
            mrow.append((L, w, pts, st))
        shapes.append(srow)
        stmt.append((bytes(root), mrow))
        salted.append(sl)

    if own_mask:
        # the prover's R: 4 base columns, LDE of the largest size, opened at the first point
        L0 = max(L for _, mrow in stmt for (L, _, _, _) in mrow)
        z0 = stmt[0][1][0][2][0][0]
        shapes.append([(L0 - lb, 4, [None], 0, 0)])
        stmt.append((bytes(proof.mask_root), [(L0, 4, [(z0, mvals, None)], 0)]))
        salted.append(False)
        transcript.absorb_digest("pcs_mask_root", bytes(proof.mask_root))

    # ---- transcript: shape, points, values, then alpha
    transcript.absorb_bytes("pcs_shape", _shape_header(shapes, salted))
    for _, mrow in stmt:
        for (_, _, pts, _) in mrow:
            for z, vals, _ in pts:
                transcript.absorb_ext("pcs_point", [z])
                transcript.absorb_ext("pcs_values", vals)
    alpha = transcript.sample_ext("pcs_alpha")

    # ---- per (round, matrix): alpha powers (as int tuples), per point ys and offset.
    # A stacked matrix (factor k = 2^st) holds W = ⌈w/k⌉ columns g_j; its term at z is
    # (off·Σ_{j∈J} α^j g_j(x) − Ĩ(x)) / (x^k − z), Ĩ(X) = Σ_t X^t off·Σ_{j∈J} α^j v_{jk+t}
    # (J: the groups of the opened columns), and off advances by α^W
    prepared = []
    off = Ext.ONE
    max_w = max(w for _, mrow in stmt for (_, w, _, _) in mrow)
    apows = [Ext.ONE]
    for _ in range(max_w - 1):
        apows.append(apows[-1] * alpha)
    acoef = [a.coeffs for a in apows]
    for _, mrow in stmt:
        prow = []
        for (L, w, pts, st) in mrow:
            terms = []
            if st:
                W = -(-w // (1 << st))
                for z, vals, cols in pts:
                    js, ct = stacked_interpolant(vals, cols, w, st, off, apows)
                    terms.append((z, ct, off, js))
                    off = off * (alpha ** W)
                prow.append((L, W, terms, st))
                continue
            for z, vals, cols in pts:
                ys = Ext.ZERO
                for c, y in zip(range(w) if cols is None else cols, vals, strict=True):
                    ys = ys + apows[c] * y
                terms.append((z, ys, off, cols))
                off = off * (alpha ** w)
            prow.append((L, w, terms, 0))
        prepared.append(prow)
    sizes = {L for prow in prepared for (L, _, _, _) in prow}
    L0 = max(sizes)

    qps = proof.query_proofs
    if len(qps) != params.num_queries:
        raise ShapeError(f"PCS: {len(qps)} query proofs, expected {params.num_queries}")
    for qp in qps:
        if not isinstance(qp, QueryProof):
            raise ProofFormatError("PCS: query proof has the wrong type")

    def round_dims(r: int, prow, sl) -> tuple:
        dims = [(L, w) for (L, w, _, _) in prow]
        Lr = max(L for L, _ in dims)
        if sl:  # the first matrix of the largest LDE carries the salt columns
            star = [L for L, _ in dims].index(Lr)
            dims[star] = (Lr, dims[star][1] + SALT_WIDTH)
        return dims, Lr

    completed = []

    def complete_batch() -> None:
        """Fill the siblings the proof's batch encoding left out (computable from the
        other queries' rows), once, before the per-query checks."""
        idx = proof.query_indices
        if idx is None or len(idx) != len(qps):
            return
        for r, (prow, sl) in enumerate(zip(prepared, salted, strict=True)):
            try:
                ops = [qp.input_openings[r] for qp in qps]
                dims, Lr = round_dims(r, prow, sl)
                complete_paths(Lr, [q >> (L0 - Lr) for q in idx], [o.rows for o in ops],
                               dims, [o.path for o in ops])
            except MerkleError as e:
                raise MerkleError(f"input round {r}: {e}") from None
            except (IndexError, AttributeError, TypeError):
                return  # shape errors are reported by the per-query checks

    def query_inputs(qi: int, q: int) -> dict:
        if not completed:
            completed.append(True)
            complete_batch()
        qp = qps[qi]
        if len(qp.input_openings) != len(stmt):
            raise ShapeError(f"PCS query {qi}: {len(qp.input_openings)} input openings, "
                             f"expected {len(stmt)}")
        ro = {L: Ext.ZERO for L in sizes}
        for r, ((root, _), prow, op, sl) in enumerate(zip(stmt, prepared, qp.input_openings,
                                                           salted, strict=True)):
            if not isinstance(op, BatchOpening):
                raise ProofFormatError(f"PCS query {qi} round {r}: bad opening type")
            dims, Lr = round_dims(r, prow, sl)
            if len(op.rows) != len(dims):
                raise ShapeError(f"PCS query {qi} round {r}: {len(op.rows)} rows, expected {len(dims)}")
            for m, row in enumerate(op.rows):
                if any(not isinstance(v, int) or not 0 <= v < P for v in row):
                    raise ProofFormatError(f"PCS query {qi} round {r} matrix {m}: "
                                           f"non-canonical field element")
            try:
                verify_opening(root, Lr, q >> (L0 - Lr), op.rows, dims, op.path)
            except MerkleError as e:
                raise MerkleError(f"input round {r}, query {qi}: {e}") from None
            for (L, w, terms, st), row in zip(prow, op.rows, strict=True):
                combs = {}  # opened columns (None = all) -> Σ_c α^c·row[c]
                x = domain_point(L, q >> (L0 - L), GENERATOR)
                acc = ro[L]
                if st:
                    xk = x
                    for _ in range(st):
                        xk = xk * xk % P
                    for z, ct, o, js in terms:
                        comb = combs.get(js)
                        if comb is None:
                            comb = combs[js] = _combine(row, acoef, js)
                        ipol = ct[-1]
                        for c in reversed(ct[:-1]):
                            ipol = ipol * x + c
                        acc = acc + (o * comb - ipol) / (xk - z)
                    ro[L] = acc
                    continue
                for z, ys, o, cols in terms:
                    comb = combs.get(cols)
                    if comb is None:
                        comb = combs[cols] = _combine(row, acoef, range(w) if cols is None
                                                      else cols)
                    acc = acc + o * (comb - ys) / (x - z)
                ro[L] = acc
        return ro

    lf, final_extra = params.fri_final_shape()
    verify_fri(log_blowup=lb, log_final_poly_len=lf, final_extra=final_extra,
               fri_log_arity=params.fri_log_arity, num_queries=params.num_queries,
               pow_bits=params.pow_bits, input_log_sizes=sizes,
               fri_commits=proof.fri_commits, final_poly=proof.final_poly,
               pow_nonce=proof.pow_nonce, transcript=transcript, query_inputs=query_inputs,
               fri_openings=[qp.fri_openings for qp in qps],
               query_indices=proof.query_indices, leaf_inputs=params.fri_leaf_inputs)


def _combine(row, acoef, cols) -> Ext:
    """``Σ_{c ∈ cols} α^c·row[c]`` (``acoef[c]``: the coefficients of ``α^c``)."""
    s0 = s1 = s2 = s3 = 0
    for c in cols:
        v = row[c]
        c0, c1, c2, c3 = acoef[c]
        s0 += v * c0
        s1 += v * c1
        s2 += v * c2
        s3 += v * c3
    return Ext((s0 % P, s1 % P, s2 % P, s3 % P))


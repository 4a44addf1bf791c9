"""FRI low-degree test over two-adic cosets: the shared math and the verifier side.

(The prover side -- numba folding kernels and the commit phase -- is
:mod:`zkvm.stark.fri_prover`; this module imports no prover code.)

Setting
-------
FRI receives a family of *inputs* ``{v_L}``: for some log-sizes ``L``, a vector of
``2^L`` extension values, claimed to be evaluations of a polynomial of degree
``< 2^(L − log_blowup)``.  Vectors are in **bit-reversed order**: position ``j`` of a
vector of log-size ``L`` in round-``t`` domain ``s_L·H_{2^L}`` holds the value at
``s_L·ω_{2^L}^{bitrev_L(j)}``, where ``s_L = g^(2^(L0 − L))`` (``g = GENERATOR``, ``L0``
the largest input).  In this order the points ``x`` and ``−x`` sit at positions ``2i``
and ``2i+1``, and the ``2^a`` points ``x·ζ^t`` (``ζ`` a primitive ``2^a``-th root of
unity) at positions ``2^a·i + t``.

(The PCS's inputs live on ``g·H_{2^L}`` rather than ``s_L·H_{2^L}``; a polynomial
``p(X)`` on ``g·H`` is ``p'(X) = p(g^(1−2^(L0−L))·X)`` on ``s_L·H`` -- same values, same
degree -- so the low-degree test is unaffected.  The verifier computes each input's
value at the query from its own domain; FRI only needs positions.)

Binary fold with challenge β (``f(X) = f_e(X²) + X·f_o(X²)``)::

    fold(f)(x²) = f_e(x²) + β·f_o(x²) = (f(x) + f(−x))/2 + β·(f(x) − f(−x))/(2x)

An arity-``2^a`` round is ``a`` binary folds with β, β², β⁴, …, which yields
``Σ_{r<2^a} β^r f_r(X^{2^a})`` for ``f(X) = Σ_r X^r f_r(X^{2^a})``.

Schedule (:func:`fri_schedule`): start at ``L0`` and fold by ``2^a`` with
``a = min(fri_log_arity, cur − next)`` where ``next`` is the next smaller input size or
the final size ``L_f = log_final_len + log_blowup``, so every input size is hit exactly.
After a round reaching size ``L`` that has an input, the input is *rolled in*::

    v ← Σ_{r<2^a} β^r f_r  +  β^(2^a) · v_L

Correctness (checklist 21, Plonky3 GHSA-f69f-5fx9-w9r9): the rolled-in input gets the
next unused power of β, so the folded word is a random combination of distinct
components; with coefficient 1 a malicious prover could choose ``v_L`` to cancel the
high-degree part of the already-known ``f_0`` and pass.

Protocol (prover, mirrored by :func:`verify_fri`): per round ``j`` commit the current
vector (Merkle tree, leaf ``i`` = the ``2^a`` values at positions ``2^a·i..`` as
``4·2^a`` u32), absorb the root ("fri_commit"), sample β_j ("fri_beta"), fold, roll
in.  Then send the final polynomial's ``2^log_final_len`` coefficients (absorbed,
"fri_final_poly"), grind ``pow_bits`` (absorbed nonce), and only then sample
``num_queries`` indices of ``L0`` bits ("fri_query").  Per query the verifier checks
each layer's opened row contains the expected value at the query's position, folds the
row, rolls in, and finally compares with the final polynomial at the query's point.
"""

from __future__ import annotations

from collections.abc import Callable

from zkvm.field.babybear import GENERATOR, P, inv_scalar, two_adic_generator
from zkvm.field.ext import Ext
from zkvm.merkle.verify import complete_paths, verify_opening

from .errors import FriError, MerkleError, ShapeError
from .pcs_types import BatchOpening
from .transcript import Transcript

__all__ = [
    "fri_schedule",
    "bitrev",
    "domain_point",
    "fold_row",
    "eval_ext_poly",
    "verify_fri",
    "INV2",
]

INV2 = inv_scalar(2)


def bitrev(j: int, log_n: int) -> int:
    """Reverse the low ``log_n`` bits of ``j``."""
    r = 0
    for _ in range(log_n):
        r = (r << 1) | (j & 1)
        j >>= 1
    return r


def fri_schedule(input_log_sizes, log_blowup: int, log_final_poly_len: int,
                 fri_log_arity: int) -> tuple[list[int], int]:
    """Folding schedule for inputs of the given log-sizes (LDE sizes).

    Returns ``(log_arities, log_final_len)``: ``log_arities[j]`` is the log-arity of
    round ``j``; the final polynomial has ``2^log_final_len`` coefficients where
    ``log_final_len = min(log_final_poly_len, min(L) − log_blowup)`` (small inputs can't
    be rolled in below the final size, so the final size shrinks to fit them).
    Raises ``ValueError`` on an empty family or a size below ``log_blowup``.
    """
    sizes = sorted(set(int(x) for x in input_log_sizes), reverse=True)
    if not sizes:
        raise ValueError("FRI needs at least one input")
    if sizes[-1] < log_blowup:
        raise ValueError("FRI input smaller than the blowup")
    log_final_len = min(log_final_poly_len, sizes[-1] - log_blowup)
    lf = log_final_len + log_blowup
    cur = sizes[0]
    arities = []
    while cur > lf:
        nxt = max([s for s in sizes if s < cur] + [lf])
        a = min(fri_log_arity, cur - nxt)
        arities.append(a)
        cur -= a
    return arities, log_final_len


def domain_point(log_size: int, pos: int, shift: int) -> int:
    """The point at bit-reversed position ``pos`` of ``shift·H_{2^log_size}``."""
    w = two_adic_generator(log_size)
    return shift * pow(w, bitrev(pos, log_size), P) % P


def fold_row(values: list, row_index: int, log_size: int, shift: int, beta: Ext,
             log_arity: int) -> Ext:
    """Fold one committed row (``2^log_arity`` values at positions
    ``2^a·row_index + t`` of a vector of log-size ``log_size`` over ``shift·H``) down to
    the single value at position ``row_index`` of the folded vector (log-size
    ``log_size − log_arity``), using β, β², β⁴, ….  Pure :class:`Ext` arithmetic."""
    vals = list(values)
    k = 1 << log_arity
    if len(vals) != k:
        raise ShapeError(f"FRI row has {len(vals)} values, expected {k}")
    size = log_size
    s = shift
    b = beta
    for _ in range(log_arity):
        half = len(vals) // 2
        base = half * row_index  # global position of the folded pair 0 at size−1
        out = []
        for j in range(half):
            x = domain_point(size, 2 * (base + j), s)  # point of the even position
            a, c = vals[2 * j], vals[2 * j + 1]
            inv_2x = inv_scalar(2 * x % P)
            out.append((a + c) * INV2 + b * ((a - c) * inv_2x))
        vals = out
        size -= 1
        s = s * s % P
        b = b * b
    return vals[0]


def eval_ext_poly(coeffs: list, x) -> Ext:
    """Horner evaluation of ``Σ coeffs[i]·x^i`` (Ext coefficients, int or Ext x)."""
    acc = Ext.ZERO
    for c in reversed(coeffs):
        acc = acc * x + c
    return acc


def _ext_from_ints(vals: list) -> list:
    if len(vals) % 4:
        raise ShapeError("extension row length is not a multiple of 4")
    out = []
    for i in range(0, len(vals), 4):
        c = vals[i:i + 4]
        for v in c:
            if not isinstance(v, int) or not 0 <= v < P:
                raise ShapeError(f"non-canonical field element {v!r} in FRI row")
        out.append(Ext(tuple(c)))
    return out


def verify_fri(*, log_blowup: int, log_final_poly_len: int, fri_log_arity: int,
               num_queries: int, pow_bits: int, input_log_sizes,
               fri_commits: list, final_poly: list, pow_nonce: int,
               transcript: Transcript,
               query_inputs: Callable[[int, int], dict],
               fri_openings: list, final_extra: int = 0,
               query_indices: list | None = None) -> None:
    """Verify the FRI part of an opening proof.

    Args:
        input_log_sizes: the log-sizes ``L`` of the inputs (from the statement).
        fri_commits: one 32-byte root per round (exactly ``len(schedule)``).
        final_poly: ``2^log_final_len`` coefficients as 4-tuples of ints.
        query_inputs: ``query_inputs(qi, q) -> {L: Ext}``, the input values at the
            query's position ``q >> (L0 − L)`` for every input size (the PCS computes
            them from its authenticated Merkle openings; it must raise on failure).
        fri_openings: per query, a list of one :class:`BatchOpening` per round.
        query_indices: the indices the proof says it answers (its paths are encoded
            relative to them, :mod:`zkvm.stark.pcs_types`); must equal the sampled ones.
        final_extra: the final polynomial has exactly ``2^log_final_len + final_extra``
            coefficients (1 in zk mode).  Correctness: with ``F`` final coefficients the
            FRI code chain is ``RS[F·2^j]``, so this number *is* the tested degree bound.

    Transcript: absorbs the roots / samples β per round, absorbs the final polynomial,
    checks the PoW, samples the query indices -- exactly as the prover did.
    Raises :class:`ShapeError`, :class:`MerkleError` (naming the layer),
    :class:`PowError` or :class:`FriError`.
    """
    sizes = sorted(set(int(x) for x in input_log_sizes), reverse=True)
    arities, log_final_len = fri_schedule(sizes, log_blowup, log_final_poly_len, fri_log_arity)
    if len(fri_commits) != len(arities):
        raise ShapeError(f"FRI: {len(fri_commits)} layer commitments, expected {len(arities)}")
    betas = []
    for j, root in enumerate(fri_commits):
        if not isinstance(root, (bytes, bytearray)) or len(root) != 32:
            raise ShapeError(f"FRI layer {j}: commitment must be 32 bytes")
        transcript.absorb_digest("fri_commit", bytes(root))
        betas.append(transcript.sample_ext("fri_beta"))
    # final polynomial: exact length, canonical, absorbed before PoW and queries
    n_final = (1 << log_final_len) + final_extra
    if len(final_poly) != n_final:
        raise FriError(f"final polynomial has {len(final_poly)} coefficients, expected "
                       f"exactly {n_final}")
    fp = []
    for c in final_poly:
        if len(c) != 4 or any(not isinstance(v, int) or not 0 <= v < P for v in c):
            raise ShapeError("final polynomial coefficient is not 4 canonical field elements")
        fp.append(Ext(tuple(c)))
    transcript.absorb_ext("fri_final_poly", fp)
    transcript.check_pow(pow_bits, pow_nonce)
    L0 = sizes[0]
    if len(fri_openings) != num_queries:
        raise ShapeError(f"FRI: {len(fri_openings)} query openings, expected {num_queries}")
    queries = [transcript.sample_index(L0, "fri_query") for _ in range(num_queries)]
    if query_indices is not None and [int(i) for i in query_indices] != queries:
        raise ShapeError("FRI: the proof's query indices are not the sampled ones")
    # siblings a batch-encoded proof left out (computable from the other queries' rows)
    cur = L0
    for j, a in enumerate(arities):
        h = cur - a
        try:
            ops = [fri_openings[qi][j] for qi in range(num_queries)]
            complete_paths(h, [q >> (L0 - h) for q in queries], [o.rows for o in ops],
                           [(h, 4 << a)], [o.path for o in ops])
        except MerkleError as e:
            raise MerkleError(f"FRI layer {j}: {e}") from None
        except (IndexError, AttributeError, TypeError):
            break  # shape errors are reported by the per-query checks
        cur = h

    input_set = set(sizes)
    for qi, q in enumerate(queries):
        ro = query_inputs(qi, q)
        openings = fri_openings[qi]
        if len(openings) != len(arities):
            raise ShapeError(f"FRI query {qi}: {len(openings)} layer openings, expected {len(arities)}")
        cur = L0
        pos = q
        shift = GENERATOR  # s_{L0} = g
        val = ro[L0]
        for j, a in enumerate(arities):
            k = 1 << a
            op = openings[j]
            if not isinstance(op, BatchOpening) or len(op.rows) != 1:
                raise ShapeError(f"FRI layer {j}: opening must contain exactly one row")
            row = op.rows[0]
            if len(row) != 4 * k:
                raise ShapeError(f"FRI layer {j}: row has {len(row)} ints, expected {4 * k}")
            try:
                verify_opening(fri_commits[j], cur - a, pos >> a, [row], [(cur - a, 4 * k)], op.path)
            except MerkleError as e:
                raise MerkleError(f"FRI layer {j}, query {qi}: {e}") from None
            vals = _ext_from_ints(row)
            if vals[pos & (k - 1)] != val:
                raise FriError(f"FRI layer {j}, query {qi}: opened value does not match the "
                               f"folded value of the previous layer")
            val = fold_row(vals, pos >> a, cur, shift, betas[j], a)
            pos >>= a
            cur -= a
            for _ in range(a):
                shift = shift * shift % P
            if cur in input_set:
                val = val + (betas[j] ** k) * ro[cur]
        x = domain_point(cur, pos, shift)
        if eval_ext_poly(fp, x) != val:
            raise FriError(f"FRI query {qi}: final polynomial does not match the last folded value")

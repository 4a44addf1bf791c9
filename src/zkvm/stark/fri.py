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

Leaf inputs (``leaf_inputs``, :attr:`StarkParams.fri_leaf_inputs`): the classic
schedule cuts a round short at every input size, so inputs of many sizes (tables of many
heights) give many small-arity rounds, each a Merkle tree and a path per query (a
2^20-cycle walker: rounds 21→20→19→18→16→13→12→9, 107 path levels per query).  With leaf
inputs every round folds by ``a = min(fri_log_arity, cur − L_f)`` and an input of size
``L`` with ``cur − a < L < cur`` is a *leaf word* of that round: the round's tree has one
leaf per output position ``i`` holding the folded word's ``2^a`` values at positions
``2^a·i + t`` **and** each leaf word's ``2^(L − cur + a)`` values at its positions
``2^(L−cur+a)·i + t`` (matrices of equal height in one tree; 21→18→15→12→9, 54 levels).
With the round's challenge β the output is::

    v' = Σ_{r<2^a} β^r f_r  +  Σ_i β^{off_i} · Σ_{r<2^{a_i}} β^r w_{i,r}  +  β^{off_end} · v_h

(:func:`leaf_offsets`: the folded word takes ``β^0..β^(2^a−1)``, leaf word ``i`` the next
``2^{a_i}`` powers, the input of the output size ``h`` the power after them; without leaf
words ``off_end = 2^a``, the classic roll-in).  Every component of every word gets its
own power of β (checklist 21), so ``v'`` is a power-batch of all of them, the folding
arguments of a classic arity-``2^a`` round with more words.  Per query the verifier
checks the folded word's value at the query's position against the previous round (as
before) and each leaf word's value at the query's position against the DEEP value
``RO_L`` it computes from the opened input rows, then folds every word by its own arity
(over ``s_L·H``) and combines.

Soundness: a classic arity-``2^a`` round is already a power-batch (β, β², β⁴, … make
``Σ_r β^r f_r``) of ``2^a`` components followed by a roll-in with a fresh power; a leaf
round is the same batch over ``2^a + Σ_i 2^{a_i}`` components (proximity gaps for
power-batching: a far component makes the combination far except with probability
``≈ (#components)·|D|/|F_{p^4}|``).  What a classic round boundary checks at a query --
the next layer's value at ``q`` equals the fold plus the input's DEEP value ``RO_L(q)`` --
is here the check ``w(q) = RO_L(q)`` on the committed leaf word; where ``w`` differs from
``RO_L`` on a fraction δ of its positions a query catches it with probability δ, as a
classic layer that differs from fold + roll-in on a δ fraction.  The leaf word is
committed before β (a classic layer after), which only removes choices from the prover.
Zero knowledge: a leaf word is seen at ``2^{a_i}`` positions per query, so in zk mode each
leaf size gets its own DEEP mask (:func:`zkvm.stark.zk.leaf_mask_logs`,
docs/zero-knowledge.md "FRI leaf inputs").

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
    "fri_rounds",
    "leaf_offsets",
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
                 fri_log_arity: int, leaf_inputs: bool = False) -> tuple[list[int], int]:
    """Folding schedule for inputs of the given log-sizes (LDE sizes).

    Returns ``(log_arities, log_final_len)``: ``log_arities[j]`` is the log-arity of
    round ``j``; the final polynomial has ``2^log_final_len`` coefficients where
    ``log_final_len = min(log_final_poly_len, min(L) − log_blowup)`` (small inputs can't
    be rolled in below the final size, so the final size shrinks to fit them).
    ``leaf_inputs``: see :func:`fri_rounds`.
    Raises ``ValueError`` on an empty family or a size below ``log_blowup``.
    """
    rounds, log_final_len = fri_rounds(input_log_sizes, log_blowup, log_final_poly_len,
                                       fri_log_arity, leaf_inputs)
    return [a for a, _ in rounds], log_final_len


def fri_rounds(input_log_sizes, log_blowup: int, log_final_poly_len: int,
               fri_log_arity: int, leaf_inputs: bool = False) -> tuple[list, int]:
    """``([(log_arity, leaf_sizes)], log_final_len)`` per FRI round.

    Without ``leaf_inputs`` a round folds by ``2^a`` with ``a = min(fri_log_arity, cur −
    next)`` (``next`` the next smaller input size or the final size), so every input size
    is a round boundary and ``leaf_sizes`` is always empty.  With ``leaf_inputs`` every
    round folds by ``a = min(fri_log_arity, cur − L_f)`` and ``leaf_sizes`` lists, in
    decreasing order, the input sizes ``L`` with ``cur − a < L < cur``: their words are
    committed in the round's leaves (see the module docstring, "Leaf inputs")."""
    sizes = sorted(set(int(x) for x in input_log_sizes), reverse=True)
    if not sizes:
        raise ValueError("FRI needs at least one input")
    if sizes[-1] < log_blowup:
        raise ValueError("FRI input smaller than the blowup")
    log_final_len = min(log_final_poly_len, sizes[-1] - log_blowup)
    lf = log_final_len + log_blowup
    cur = sizes[0]
    rounds = []
    while cur > lf:
        if leaf_inputs:
            a = min(fri_log_arity, cur - lf)
            inner = tuple(s for s in sizes if cur - a < s < cur)
        else:
            nxt = max([s for s in sizes if s < cur] + [lf])
            a = min(fri_log_arity, cur - nxt)
            inner = ()
        rounds.append((a, inner))
        cur -= a
    return rounds, log_final_len


def leaf_offsets(log_arity: int, leaf_sizes, cur: int) -> tuple[list[int], int]:
    """Powers of β of one round's words: word 0 (the folded vector, ``2^a`` components)
    takes ``β^0..β^(2^a − 1)``; leaf word ``i`` (size ``L_i``, folded by ``2^(L_i −
    cur + a)``) the next ``2^(L_i − cur + a)`` powers from ``β^off_i``; an input of
    the round's output size is rolled in with ``β^off_end``.  Returns ``([off_i],
    off_end)``; without leaf words ``off_end = 2^a`` (the classic roll-in)."""
    off = 1 << log_arity
    offs = []
    for L in leaf_sizes:
        offs.append(off)
        off += 1 << (L - cur + log_arity)
    return offs, off


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
               query_indices: list | None = None, leaf_inputs: bool = False) -> None:
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
        leaf_inputs: full-arity rounds with the inputs inside a round in its leaves
            (:func:`fri_rounds`; the module docstring, "Leaf inputs").

    Transcript: absorbs the roots / samples β per round, absorbs the final polynomial,
    checks the PoW, samples the query indices -- exactly as the prover did.
    Raises :class:`ShapeError`, :class:`MerkleError` (naming the layer),
    :class:`PowError` or :class:`FriError`.
    """
    sizes = sorted(set(int(x) for x in input_log_sizes), reverse=True)
    rounds, log_final_len = fri_rounds(sizes, log_blowup, log_final_poly_len, fri_log_arity,
                                       leaf_inputs)
    arities = [a for a, _ in rounds]
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
    # per round: the leaf's matrices (the folded word, then the leaf inputs' words), all
    # with 2^(cur − a) rows; (log-arity, size) of each word
    layer_dims, layer_words = [], []
    cur = L0
    for a, inner in rounds:
        h = cur - a
        words = [(a, cur)] + [(L - h, L) for L in inner]
        layer_words.append(words)
        layer_dims.append([(h, 4 << wa) for wa, _ in words])
        cur = h
    # siblings a batch-encoded proof left out (computable from the other queries' rows)
    cur = L0
    for j, a in enumerate(arities):
        h = cur - a
        try:
            ops = [fri_openings[qi][j] for qi in range(num_queries)]
            complete_paths(h, [q >> (L0 - h) for q in queries], [o.rows for o in ops],
                           layer_dims[j], [o.path for o in ops])
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
        for j, (a, inner) in enumerate(rounds):
            k = 1 << a
            op = openings[j]
            words = layer_words[j]
            if not isinstance(op, BatchOpening) or len(op.rows) != len(words):
                raise ShapeError(f"FRI layer {j}: opening must contain exactly {len(words)} "
                                 f"row(s)")
            for (wa, _), row in zip(words, op.rows, strict=True):
                if not isinstance(row, (list, tuple)) or len(row) != 4 << wa:
                    raise ShapeError(f"FRI layer {j}: row has {len(row)} ints, expected "
                                     f"{4 << wa}")
            try:
                verify_opening(fri_commits[j], cur - a, pos >> a, list(op.rows),
                               layer_dims[j], op.path)
            except MerkleError as e:
                raise MerkleError(f"FRI layer {j}, query {qi}: {e}") from None
            vals = _ext_from_ints(op.rows[0])
            if vals[pos & (k - 1)] != val:
                raise FriError(f"FRI layer {j}, query {qi}: opened value does not match the "
                               f"folded value of the previous layer")
            beta = betas[j]
            val = fold_row(vals, pos >> a, cur, shift, beta, a)
            offs, off_end = leaf_offsets(a, inner, cur)
            for (wa, L), row, off in zip(words[1:], op.rows[1:], offs, strict=True):
                # a leaf input: its opened word must hold RO_L at the query's position,
                # then it is folded by its own arity into the round's output
                wv = _ext_from_ints(row)
                lpos = q >> (L0 - L)
                if wv[lpos & ((1 << wa) - 1)] != ro[L]:
                    raise FriError(f"FRI layer {j}, query {qi}: leaf input of size 2^{L} "
                                   f"does not match its DEEP value")
                wshift = pow(GENERATOR, 1 << (L0 - L), P)
                val = val + (beta ** off) * fold_row(wv, pos >> a, L, wshift, beta, wa)
            pos >>= a
            cur -= a
            for _ in range(a):
                shift = shift * shift % P
            if cur in input_set:
                val = val + (beta ** off_end) * ro[cur]
        x = domain_point(cur, pos, shift)
        if eval_ext_poly(fp, x) != val:
            raise FriError(f"FRI query {qi}: final polynomial does not match the last folded value")

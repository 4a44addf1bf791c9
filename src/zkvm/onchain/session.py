"""Run the on-chain verifier pieces that exist on one receipt, in the local EVM.

:func:`record` verifies the receipt with the Python verifier while recording what the
on-chain pieces need: every Merkle statement (:mod:`zkvm.onchain.merkle`) and, for every
non-empty table, the step-9 inputs (opened values at ζ, ζ's row selectors, α, the LogUp
challenges, public values, claimed sum) and the right-hand side ``quotient(ζ)·Z_H(ζ)``.
(Recording wraps ``zkvm.stark.pcs_verifier.verify_opening``, ``zkvm.stark.fri.verify_opening``
and ``zkvm.stark.verifier._check_table`` for the duration of the call: not thread-safe.)

:func:`run_pieces` deploys ``MerkleFacts`` and ``ConstraintEval`` into a fresh
:class:`~zkvm.onchain.chain.LocalChain` and submits one ``StarkChallenges.derive`` (every
challenge, replayed), the input rounds' Merkle openings and DEEP reduced openings (one
``registerOpeningsDeepMany`` for all of them when they share the tree height, the leaf
indices and α and fit :data:`DEEP_TX_BUDGET` (:func:`deep_many`), else one
``registerOpeningsDeep`` per round and batch of leaves), one ``FriQueries.verifyWithPaths`` (the FRI query
phase, with every FRI layer's Merkle paths; for FRI data that does not match the Merkle
statements, one ``registerOpeningsMany`` for the layers and ``FriQueries.verify``) and one ``ConstraintEval.evaluateAndRecordCode`` per batch of tables
(their generated straight-line code, :mod:`zkvm.onchain.codegen`, deployed once per
image), comparing each table's on-chain sum with the recorded right-hand side.  This is **not** a verdict on the receipt: the statement check
that ties these pieces together is :func:`zkvm.onchain.statement.verify_onchain`
(contracts/src/StatementCheck.sol, docs/onchain.md).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from zkvm.field.babybear import P, two_adic_generator
from zkvm.field.ext import Ext

from . import abi, artifacts, merkle
from .chain import LocalChain, TxReport
from .constraints import compile_program, leaf_values, pack, unpack

__all__ = ["Recorded", "TableCheck", "record", "run_pieces", "DEEP_BATCH", "MAX_PROGRAM_NODES", "constraint_batches",
           "UnsupportedReceipt", "deep_batch", "deep_many", "SEPARATE_NODES", "INLINE_BUDGET", "separate_tables"]


class UnsupportedReceipt(ValueError):
    """A valid receipt kind the on-chain pieces do not handle yet (one-line message)."""

#: Largest table (constraint DAG nodes) the on-chain verifier takes: a separate table
#: (below) runs in one ``evaluateAndRecordCode`` transaction of its own (generated code,
#: ~200 gas per node plus its leaves' calldata: Keccak's 38 405 nodes and 3 106 leaves
#: cost ~8 M gas), so ~60 000 nodes stay well under the EIP-7825 cap.  A larger table is
#: refused (:class:`UnsupportedReceipt`); no table of the machine is that large.
MAX_PROGRAM_NODES = 60_000

#: A table with more constraint nodes than this is **separate**: its generated code runs in
#: a ``StatementCheck.recordSeparate`` transaction of its own (sent only the table's own
#: opened values: :func:`zkvm.onchain.statement.separate_txs`), which records a fact the
#: statement check consumes, instead of inside the statement check (which
#: already costs ~7.5 M gas for battleship's 17 tables, 7 000 nodes).  Also the most nodes
#: of the tables batched into one ``evaluateAndRecordCode`` transaction of ``zkvm onchain gas``.
SEPARATE_NODES = 12_000

#: The most constraint nodes the statement check runs itself: beyond it the largest
#: remaining tables are made separate too (:func:`separate_tables`).
INLINE_BUDGET = 20_000

#: The same when some table is already separate (its opened values still make the
#: statement check's calldata and DEEP terms: the Keccak receipt's statement check costs
#: 15.4 M with the base tables' 7 000 nodes inline; SHA-256's 5 732 more would pass the cap).
INLINE_BUDGET_WITH_SEPARATE = 8_000

#: FRI layers per registerOpeningsMany transaction (an evm-profile layer costs ~0.3-0.45 M
#: gas with 13-15 queries, so all of a proof's layers, 6-7, fit one transaction far below the
#: EIP-7825 cap; a default-profile proof's 10 layers of 39 queries ~7 M).
FRI_LAYER_BATCH = 12

#: Leaves per registerOpeningsDeep transaction (a main-trace round of the evm profile costs
#: ~0.3 M gas per leaf: 20 leaves, i.e. one transaction per round with the evm profile's
#: 16 queries, stay far below the EIP-7825 cap; fewer transactions save each call's fixed
#: costs: 21 000, the powers of α, the term groups).
DEEP_BATCH = 20

#: Gas budget of one registerOpeningsDeep transaction when choosing a round's batch
#: (:func:`deep_batch`): a wide round (a non-empty Keccak table: ~3 100 base columns per
#: leaf) is split so that each transaction stays well under the EIP-7825 cap.
DEEP_TX_BUDGET = 12_000_000


def deep_batch(g) -> int:
    """Leaves per registerOpeningsDeep transaction of the commitment round ``g`` (a
    :class:`zkvm.onchain.merkle.Group`): :data:`DEEP_BATCH`, or fewer when the round is so
    wide that they would cost more than :data:`DEEP_TX_BUDGET` (estimate from the
    evm-profile Keccak receipt, whose main round has 3 546 columns: ~900 gas per opened
    base column once per transaction, the powers of α, and ~250 per column and leaf;
    7 leaves cost 9.4 M).  A function of the round's matrix widths (the shape: the
    statement check reads it from ``roundHdr``); a round of ≤ ~1 500 columns keeps
    :data:`DEEP_BATCH`."""
    w = sum(width for _, width in g.dims)
    return max(1, min(DEEP_BATCH, (DEEP_TX_BUDGET - 900 * w - 150_000) // (260 * w + 40_000)))


def deep_many(inputs) -> bool:
    """Whether the input rounds ``inputs`` ([(Group, DeepSpec)]) go to one
    registerOpeningsDeepMany transaction: more than one round, all of the same tree height
    (their ``Lr``), opened at the same leaf indices, with the same α, every round's leaves
    within one :func:`deep_batch` (the statement check looks up one fact per round and batch
    of ``deep_batch`` leaves, and the Many call records one fact per round over all the
    leaves: a round batched in several facts must be submitted per batch), and together
    within :data:`DEEP_TX_BUDGET` (the :func:`deep_batch` estimate summed over the rounds:
    each round's share of the call's base cost is counted, so the estimate errs high)."""
    if len(inputs) < 2:
        return False
    g0, sp0 = inputs[0]
    idx = set(g0.by_index)
    if any(g.L != g0.L or set(g.by_index) != idx or sp.alpha != sp0.alpha or len(idx) > deep_batch(g)
           for g, sp in inputs):
        return False
    est = 0
    for g, _ in inputs:
        w = sum(width for _, width in g.dims)
        est += 900 * w + 150_000 + len(idx) * (260 * w + 40_000)
    return est <= DEEP_TX_BUDGET


@dataclass
class TableCheck:
    name: str
    exprs: list
    srcs: dict
    alpha: Ext
    expected: Ext  # quotient(ζ)·Z_H(ζ)


@dataclass
class Recorded:
    statements: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    fri: list = field(default_factory=list)
    pcs: list = field(default_factory=list)
    challenges: dict = field(default_factory=dict)
    python_error: str = ""
    image_id: bytes = b""  # the image ID the receipt was verified against


@contextlib.contextmanager
def _recording_tables(out: list, permissive: bool = False):
    from zkvm.stark import verifier
    from zkvm.stark.errors import ConstraintMismatchError

    orig = verifier._check_table

    def rec(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout):
        n = 1 << log_n
        k = t.layout.num_aux_ext
        aux_l, aux_n = (verifier._ext_cols(aux[0], k), verifier._ext_cols(aux[1], k)) \
            if aux is not None else ([], [])
        zh = zeta ** n - Ext.ONE
        w_inv = Ext.from_base(pow(two_adic_generator(log_n), P - 2, P))
        n_inv = Ext.from_base(pow(n, P - 2, P))
        last = w_inv * zh * n_inv / (zeta - w_inv)
        pre_l, pre_n = pre if pre is not None else ([], [])
        srcs = {"main": list(main[0]), "main_next": list(main[1]), "pre": list(pre_l),
                "pre_next": list(pre_n), "aux": aux_l, "aux_next": aux_n, "public": list(pv),
                "challenge": list(challenges), "claimed_sum": claimed,
                "is_first_row": zh * n_inv / (zeta - Ext.ONE), "is_last_row": last,
                "is_transition": Ext.ONE - last}
        chunks = verifier._ext_cols(quot, layout.num_chunks)
        q, zpow, zn = Ext.ZERO, Ext.ONE, zeta ** (1 << layout.log_chunk)
        for c in chunks:
            q, zpow = q + zpow * c, zpow * zn
        out.append(TableCheck(t.name, [c.expr for c in t.all_constraints], srcs, alpha, q * zh))
        try:
            return orig(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout)
        except ConstraintMismatchError:
            if not permissive:
                raise
            return None

    verifier._check_table = rec
    try:
        yield out
    finally:
        verifier._check_table = orig


def record(receipt, image_id, permissive: bool = False) -> Recorded:
    """Verify ``receipt`` (bytes, path or object) against ``image_id`` with the Python
    verifier, recording the on-chain pieces' inputs.  Raises what the verifier raises
    (a receipt the Python verifier rejects has nothing to submit).

    ``permissive``: failing Merkle openings, constraint checks at ζ, FRI checks and the
    LogUp sum (step 11) are recorded and the verification goes on, so a tampered receipt
    is submitted and the chain judges it (``Recorded.python_error`` keeps a swallowed
    step-11 error); failures before those steps (format, image ID, statement, shapes, proof of
    work) still raise: such a receipt has no complete encoding to submit."""
    from zkvm import api

    from zkvm.receipt import CompositeReceipt

    from . import challenges, deep, fri

    loaded = api.load_receipt(receipt)
    if isinstance(loaded, CompositeReceipt):
        raise UnsupportedReceipt("composite (multi-segment) receipts are not supported on chain yet: "
                                 "prove a single segment (docs/onchain.md)")
    if getattr(getattr(loaded, "vk", None), "params", None) is not None and loaded.vk.params.log_stack:
        raise UnsupportedReceipt("receipts with stacked tables (StarkParams.log_stack, the default "
                                 "parameters) are not verified on chain yet: prove with "
                                 "--params evm (docs/onchain.md)")
    if getattr(getattr(loaded, "vk", None), "params", None) is not None and \
            loaded.vk.params.fri_leaf_inputs:
        raise UnsupportedReceipt("receipts whose FRI rounds carry leaf inputs "
                                 "(StarkParams.fri_leaf_inputs, the default parameters) are not "
                                 "verified on chain yet: prove with --params evm (docs/onchain.md)")
    from zkvm.stark.errors import LogUpSumError

    from zkvm.receipt.image_id import parse_image_id

    rec = Recorded(image_id=parse_image_id(image_id) if isinstance(image_id, str) else bytes(image_id))
    with merkle._recording(rec.statements, permissive), _recording_tables(rec.tables, permissive), \
            fri.recording(rec.fri, permissive), deep.recording(rec.pcs), challenges.recording(rec.challenges):
        try:
            api.verify_receipt(receipt, image_id)
        except LogUpSumError as e:
            if not permissive:
                raise
            rec.python_error = str(e)
    return rec


def run_pieces(rec: Recorded, chain: LocalChain | None = None, addrs: dict | None = None,
               deep_out: dict | None = None, challenges_tx: bool = True,
               fail_fast: bool = False, constraints_tx: bool = True) -> list[TxReport]:
    """Submit the recorded pieces; returns one :class:`TxReport` per transaction (a
    constraint transaction whose sum differs from the recorded right-hand side is
    reported with ``ok=False``).  ``addrs``: contracts already deployed (keys ``mf``,
    ``ce``, ``fq``, ``sc``, as :func:`zkvm.onchain.statement.deploy` returns); ``deep_out``
    receives, per DEEP transaction, ``(root, indices) -> (rows, returned partials)``;
    ``challenges_tx=False`` leaves out the standalone ``StarkChallenges.derive``
    transaction (the statement check calls it itself); ``fail_fast``: stop after the first
    transaction that fails (its report is the last one); ``constraints_tx=False`` leaves out
    the ConstraintEval transactions (the statement check runs the generated code itself:
    :func:`zkvm.onchain.statement.verify_onchain`; a table over
    :data:`MAX_PROGRAM_NODES` is still reported unsupported)."""
    chain = chain or LocalChain()
    mf, ce = artifacts.load("MerkleFacts"), artifacts.load("ConstraintEval")
    fq = artifacts.load("FriQueries")
    sc = artifacts.load("StarkChallenges")
    if addrs is None:
        a_mf, a_ce = chain.deploy(mf), chain.deploy(ce)
        a_fq = chain.deploy(fq, abi.word(bytes.fromhex(a_mf[2:])))
        a_sc = chain.deploy(sc)
        programs: dict = {}
    else:
        a_mf, a_ce, a_fq, a_sc = addrs["mf"], addrs.get("ce"), addrs["fq"], addrs["sc"]
        programs = addrs.setdefault("programs", {})
    reps: list[TxReport] = []

    class _Stop(Exception):
        pass

    def add(r: TxReport) -> None:
        reps.append(r)
        if fail_fast and not r.ok:
            raise _Stop

    try:
        _submit(rec, chain, a_mf, a_ce, a_fq, a_sc, mf, ce, fq, sc, deep_out, challenges_tx, add, programs,
                constraints_tx)
    except _Stop:
        pass
    return reps


def _submit(rec, chain, a_mf, a_ce, a_fq, a_sc, mf, ce, fq, sc, deep_out, challenges_tx, add, programs,
            constraints_tx=True) -> None:
    from . import challenges, deep, fri

    if challenges_tx:
        add(chain.transact(a_sc, abi.encode_call(sc.selector("derive"), [challenges.INPUT_TYPES],
                                                 [challenges.input_of(rec.challenges)]),
                           "StarkChallenges (Fiat-Shamir replay: every challenge)"))
    specs = {sp.root: sp for cap in rec.pcs for sp in deep.specs_of(cap)}
    layers = []  # the FRI layers' openings: one registerOpeningsMany transaction
    inputs = []  # the input rounds: Merkle + DEEP in one call
    for g in merkle.group_statements(rec.statements):
        sp = specs.get(g.root)
        if sp is not None and sp.Lr == g.L:
            inputs.append((g, sp))
        else:  # a FRI layer
            layers.append(g)

    def record(g, part, out):
        if deep_out is not None:
            rows = b"".join(merkle.row_bytes(g.L, g.dims, g.by_index[i].rows) for i in part)
            deep_out[(bytes(g.root), tuple(part))] = (rows, out)

    def words(out: bytes) -> list[int]:
        n = int.from_bytes(out[32:64], "big")
        return [int.from_bytes(out[64 + 32 * j:96 + 32 * j], "big") for j in range(n)]

    if deep_many(inputs):  # every round in one registerOpeningsDeepMany transaction
        gs = [g for g, _ in inputs]
        idx = sorted(gs[0].by_index)
        r = chain.transact(
            a_mf, merkle.deep_many_call(gs, mf.selector("registerOpeningsDeepMany"), [sp for _, sp in inputs]),
            f"MerkleDeep   {len(gs)} rounds L={gs[0].L:<2d} matrices={sum(len(g.dims) for g in gs):<3d} "
            f"queries={len(idx)}")
        add(r)
        if r.ok:
            allp, at = words(r.output), 0
            for g, sp in inputs:
                n = len(idx) * len(sp.slots)
                record(g, idx, allp[at:at + n])
                at += n
    else:
        for g, sp in inputs:  # one registerOpeningsDeep per round, in batches of deep_batch leaves
            idx = sorted(g.by_index)
            batch = deep_batch(g)
            for k in range(0, len(idx), batch):
                part = idx[k:k + batch]
                r = chain.transact(
                    a_mf, merkle.deep_call(g, mf.selector("registerOpeningsDeep"), sp, part),
                    f"MerkleDeep   L={g.L:<2d} matrices={len(g.dims):<3d} queries={len(part)}")
                add(r)
                if r.ok:
                    record(g, part, words(r.output))
    by_root = {bytes(g.root): g for g in layers}
    if len(rec.fri) == 1 and len(layers) == len(rec.fri[0].commits) \
            and all(bytes(c) in by_root for c in rec.fri[0].commits):
        # the FRI layers' Merkle paths checked inside FriQueries (verifyWithPaths): the
        # layer rows are sent once, no layer fact is stored
        fr = rec.fri[0]
        sibs = []
        for c in fr.commits:
            g = by_root[bytes(c)]
            idx = sorted(g.by_index)
            sibs.append(merkle.multiproof(g.L, idx, [g.by_index[i].path for i in idx]))
        add(chain.transact(a_fq, fri.encode_with_paths(fq.selector("verifyWithPaths"), fri.args_of(fr), sibs),
                           f"FriQueries   {len(fr.queries)} queries x {len(fr.log_arities)} layers, "
                           "with the layers' Merkle paths"))
    else:  # (a malformed receipt: the layers as MerkleFacts facts, then FriQueries.verify)
        for k in range(0, len(layers), FRI_LAYER_BATCH):
            part = layers[k:k + FRI_LAYER_BATCH]
            add(chain.transact(a_mf, merkle.encode_many(part, mf.selector("registerOpeningsMany")),
                               f"MerkleFacts  {len(part)} FRI layers L={','.join(str(g.L) for g in part)} "
                               f"queries={len(part[0].by_index)}"))
        for fr in rec.fri:
            add(chain.transact(a_fq, fri.encode(fq.selector("verify"), fri.args_of(fr)),
                               f"FriQueries   {len(fr.queries)} queries x {len(fr.log_arities)} layers"))
    progs = [compile_program(tc.exprs) for tc in rec.tables]
    for tc, prog in zip(rec.tables, progs, strict=True):
        if prog.nodes > MAX_PROGRAM_NODES:
            add(TxReport(f"ConstraintEval {tc.name} ({len(tc.exprs)} constraints, {prog.nodes} nodes)",
                         0, 0, 0, len(prog.code), False,
                         f"table too large for the on-chain verifier (> {MAX_PROGRAM_NODES} nodes): "
                         "not supported", unsupported=True))
    for b in constraint_batches(rec.tables) if constraints_tx else []:
        _constraints_tx(chain, a_ce, ce, [(rec.tables[i], progs[i]) for i in b], add, programs)


def separate_tables(nodes: list[int]) -> list[bool]:
    """Which tables (given their constraint node counts, in table order) are separate:
    every table over :data:`SEPARATE_NODES` nodes, then the largest remaining ones while
    the others total more than :data:`INLINE_BUDGET` nodes (:data:`INLINE_BUDGET_WITH_SEPARATE`
    once some table is separate).  A function of the verifying
    key and the heights alone (the shape records it).  Raises :class:`UnsupportedReceipt`
    for a table over :data:`MAX_PROGRAM_NODES`."""
    for k in nodes:
        if k > MAX_PROGRAM_NODES:
            raise UnsupportedReceipt(f"a table of {k} constraint nodes (> {MAX_PROGRAM_NODES}): too large for "
                                     "one transaction of the on-chain verifier")
    sep = [k > SEPARATE_NODES for k in nodes]
    inline = sum(k for k, s in zip(nodes, sep, strict=True) if not s)
    for i in sorted(range(len(nodes)), key=lambda i: (-nodes[i], i)):
        if inline <= (INLINE_BUDGET_WITH_SEPARATE if any(sep) else INLINE_BUDGET):
            break
        if not sep[i]:
            sep[i], inline = True, inline - nodes[i]
    return sep


def constraint_batches(tables) -> list[list[int]]:
    """The tables (indices into ``tables``, in order) of each ConstraintEval transaction:
    consecutive tables of at most :data:`SEPARATE_NODES` nodes in all, a larger table in a
    transaction of its own; a table over :data:`MAX_PROGRAM_NODES` is left out (not
    supported).  ConstraintEval records one fact per
    transaction (the statement check runs the code itself and reads no such fact)."""
    out: list = []
    cur, n = [], 0
    for i, tc in enumerate(tables):
        k = compile_program(tc.exprs).nodes
        if k > MAX_PROGRAM_NODES:
            continue
        if cur and n + k > SEPARATE_NODES:
            out.append(cur)
            cur, n = [], 0
        cur.append(i)
        n += k
    if cur:
        out.append(cur)
    return out


def _constraints_tx(chain, a_ce, ce, batch, add, programs: dict, judge: bool = True) -> None:
    """One ``evaluateAndRecordCode`` transaction for the tables of ``batch`` (one α: the
    constraint challenge): each table's straight-line evaluator chunks
    (:mod:`zkvm.onchain.codegen`, deployed once per distinct chunk into ``programs``,
    runtime -> address: once per image, not per proof) are called by ConstraintEval,
    which records the facts under the tables' code hashes; reported not ok if a table's
    on-chain sum differs from its recorded ``quotient(ζ)·Z_H(ζ)`` (``judge=False``: only the
    transaction's success counts; the statement check judges the fact it recorded: a
    separate table of :func:`zkvm.onchain.statement.verify_onchain`)."""
    from .codegen import deploy_evaluator, evaluator_code

    alpha = {pack(tc.alpha) for tc, _ in batch}
    if len(alpha) != 1:  # pragma: no cover - one constraint challenge per proof
        raise ValueError("tables with different constraint challenges")
    leaves = [leaf_values(p, tc.srcs) for tc, p in batch]
    evs = [deploy_evaluator(chain, evaluator_code(p.code, len(p.slots)), programs) for _, p in batch]
    data = abi.encode_call(ce.selector("evaluateAndRecordCode"), ["address[][]", "uint256[][]", "uint256"],
                           [[[bytes.fromhex(x[2:]) for x in ev] for ev in evs], leaves, alpha.pop()])
    r = chain.transact(a_ce, data, f"ConstraintEval {len(batch)} tables ({sum(len(tc.exprs) for tc, _ in batch)} "
                                   f"constraints, {sum(p.nodes for _, p in batch)} nodes, "
                                   f"{sum(len(e) for e in evs)} code chunks)")
    if r.ok and judge:
        n = int.from_bytes(r.output[32:64], "big")
        got = [unpack(int.from_bytes(r.output[64 + 32 * i:96 + 32 * i], "big")) for i in range(n)]
        bad = [tc.name for (tc, _), v in zip(batch, got, strict=True) if v != tc.expected]
        if bad:
            r.ok, r.reason = False, f"constraint sum differs from quotient(zeta)*Z_H(zeta): {', '.join(bad)}"
    add(r)

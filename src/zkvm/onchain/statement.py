"""The statement check (contracts/src/StatementCheck.sol): its verifying key (shape) and
per-proof arguments from a recorded verification, and the whole on-chain verification
of one receipt (:func:`verify_onchain`).

The **shape** is what the Python verifier derives from the verifying key and the claimed
heights alone (steps 4 and 8): the PCS shape header, the opening structure (which
point, how many values), the FRI schedule, the DEEP layout of every commitment round,
the static multiplicity bound (tables + the boot interaction), every table's constraint
code hash (:func:`zkvm.onchain.codegen.code_hash` of its generated evaluator), log height, quotient layout and the opened value behind each constraint
leaf.  It is registered in the contract by keccak256 at deployment, as part of the
verifying key; :func:`shape_of` builds it, :func:`check_args` the per-proof arguments
(StarkChallenges input, exit code, journal, and the witnesses the facts were recorded
with: each DEEP batch's rows hash and partial sums).  Nothing in the arguments is
trusted: the contract recomputes every challenge, point, term, leaf, selector, quotient
and sum and only looks facts up.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import abi, artifacts, merkle
from .chain import LocalChain, TxReport

__all__ = ["SHAPE_TYPES", "shape_of", "VerifyOutcome", "verify_onchain", "MAX_JOURNAL", "local_ranges",
           "local_values", "localize_specs", "pack_specs", "pack_table_data"]

SHAPE_TYPES = ("uint256[]", "uint256", "uint256", "uint256", "uint256", "uint256", "uint256", "uint256",
               "uint256", "uint256", "uint256", "bytes", "uint256[]", "uint256[]", "uint256[]", "uint256[]",
               "uint256[]", "uint256[]", "uint256[]", "bytes")

_KIND = {"main": 0, "main_next": 0, "pre": 0, "pre_next": 0, "aux": 1, "aux_next": 1, "is_first_row": 2,
         "is_last_row": 3, "is_transition": 4, "public": 5, "challenge": 6, "claimed_sum": 7}

#: Journal bytes the statement check hashes and sums in one transaction (~3 k gas each).
MAX_JOURNAL = 4096

def local_ranges(specs: list[int]) -> list[tuple[int, int]]:
    """The value ranges ``(start, count)`` (indices into the receipt's opened values,
    increasing, disjoint, not adjacent) of a separate table: the maximal runs of the values
    its leaf ``specs`` (kind << 32 | index) read, a kind-0 leaf its value, a kind-1 leaf (an
    aux column) its four.  A function of the specs alone (the shape): the statement check
    hashes these ranges of its own opened values, recordSeparate receives them
    concatenated (:func:`local_values`).  (A table's leaves read every value it opens, so
    these are its openings, a range per round: Keccak's 3 133 values in 2 ranges of the
    EVM guest's 5 031.)"""
    idx = sorted({(s & 0xFFFFFFFF) + k for s in specs if s >> 32 in (0, 1) for k in range(1 + 3 * (s >> 32))})
    out: list = []
    for i in idx:
        if out and i == out[-1][0] + out[-1][1]:
            out[-1] = (out[-1][0], i + 1 - out[-1][0])
        else:
            out.append((i, 1))
    return out


def localize_specs(specs: list[int], ranges: list[tuple[int, int]]) -> list[int]:
    """``specs`` with every value index (kinds 0 and 1) renumbered into the concatenation
    of ``ranges`` (which hold every value they read)."""
    pos, at = {}, 0
    for s0, n in ranges:
        for k in range(n):
            pos[s0 + k] = at + k
        at += n
    return [s if s >> 32 not in (0, 1) else (s >> 32) << 32 | pos[s & 0xFFFFFFFF] for s in specs]


def local_values(values: bytes, ranges: list[tuple[int, int]]) -> bytes:
    """A separate table's local values: the ``ranges`` of the opened values ``values``
    (u32 LE, 16 bytes a value: the StarkChallenges input's pcsValues), concatenated."""
    return b"".join(bytes(values[16 * s0:16 * (s0 + n)]) for s0, n in ranges)


def pack_specs(specs: list[int]) -> bytes:
    """recordSeparate's leaf specs: 5 bytes each, big-endian kind << 32 | index."""
    return b"".join(x.to_bytes(5, "big") for x in specs)


def pack_table_data(entries: list[int]) -> bytes:
    """The shape's tableData: every entry (a leaf spec kind << 32 | index, a value range
    start << 32 | count, 8 bytes of a separate table's spec hash, a quotient value index)
    as 8 big-endian bytes."""
    return b"".join(x.to_bytes(8, "big") for x in entries)


def _keccak(b: bytes) -> bytes:
    from zkvm.evm.ethutil import keccak256

    return keccak256(b)


def shape_of(rec) -> dict:
    """The statement check's shape (a dict with ``fields`` in ``SHAPE_TYPES`` order and the
    image constants) for the recorded verification ``rec`` (:func:`zkvm.onchain.session.record`)."""
    from zkvm.chips import buses
    from zkvm.stark import protocol
    from zkvm.stark.system import is_empty_height
    from zkvm.stark.zk import table_layout

    from . import challenges as chal
    from . import deep
    from .codegen import evaluator_code
    from .constraints import compile_program
    from .session import DEEP_BATCH, UnsupportedReceipt, deep_batch, separate_tables

    vk, proof, pv, pdata = rec.challenges["verify"]
    from zkvm.stark.proof import Proof

    if not isinstance(proof, Proof):
        proof = Proof.from_bytes(proof)
    system, params = vk.system, vk.system.params
    hs = list(proof.log_heights)
    live = [t for t in system.tables if not is_empty_height(hs[t.index])]
    aux_tables = [t for t in live if t.layout.num_aux_ext]
    pub = system.public_interactions_for(pv)
    if len(pv) != 2 or len(pub) != 1 or pub[0][0].id != buses.EXEC.id or list(pub[0][1])[1:] != [1, 0] \
            or pub[0][2] != 1:
        raise UnsupportedReceipt("only whole-run receipts (public values [exit code, journal length]) "
                                 "are supported on chain")
    entry = int(list(pub[0][1])[0])
    ci = chal.input_of(rec.challenges)
    _, rounds = rec.challenges["pcs"]
    # flat value index of every (round, matrix, point); rounds: [pre], main, [aux], quotient
    names = (["pre"] if vk.pre_tables else []) + ["main"] + (["aux"] if aux_tables else []) + ["quotient"]
    owners = {"pre": list(vk.pre_tables), "main": live, "aux": aux_tables, "quotient": live}
    if len(names) != len(rounds):
        raise UnsupportedReceipt("unexpected PCS round structure")
    base: dict = {}  # (round, table index, point) -> first value index
    colset: dict = {}  # (round, table index, point) -> the opened column subset, None: every column
    point_logs, vi = [], 0
    for nm, rd in zip(names, rounds, strict=True):
        for j, md in enumerate(rd[1]):
            log_n, w, ops = md[:3]
            for k, op in enumerate(ops):
                point_logs.append(0 if k == 0 else log_n)
                if j < len(owners[nm]):
                    base[(nm, owners[nm][j].index, k)] = vi
                    colset[(nm, owners[nm][j].index, k)] = deep.opening_cols(op, w)
                vi += len(op[1])

    def value_at(rnd: str, t, pt: int, c: int, n: int = 1) -> int:
        # the value index of base column c (and the n - 1 after it) of table t's opening
        # of round rnd at point pt (v6: at ζ·ω only a column subset is opened)
        key = (rnd, t.index, pt)
        if key not in base:
            raise UnsupportedReceipt(f"table {t.name}: a constraint reads a {rnd} column at a point "
                                     "that is not opened")
        cols = colset[key]
        if cols is None:
            return base[key] + c
        if c not in cols or list(cols[cols.index(c):cols.index(c) + n]) != list(range(c, c + n)):
            raise UnsupportedReceipt(f"table {t.name}: {rnd} column {c} is read at the next row "
                                     "but not opened there")
        return base[key] + cols.index(c)
    # tables
    thdr, tdata, evaluators = [], [], []
    by_name = {t.name: t for t in live}
    claimed_pos = {t.index: i for i, t in enumerate(aux_tables)}
    progs = [compile_program(tc.exprs) for tc in rec.tables]
    separate = separate_tables([p.nodes for p in progs])
    specs_sep: dict = {}  # a separate table's name -> its local leaf specs (recordSeparate's spec)
    ranges_sep: dict = {}  # a separate table's name -> its value ranges (recordSeparate's vals)
    for tc, prog, sep in zip(rec.tables, progs, separate, strict=True):
        t = by_name[tc.name]
        lay = table_layout(params, hs[t.index], t.degree, t.log_quotient_chunks)
        leaves = []
        for kind, i in prog.slots:
            if kind in ("main", "main_next", "pre", "pre_next"):
                rnd, pt = kind.split("_")[0], int(kind.endswith("_next"))
                v = value_at(rnd, t, pt, i)
            elif kind in ("aux", "aux_next"):
                v = value_at("aux", t, int(kind == "aux_next"), 4 * i, 4)
            elif kind == "claimed_sum":
                v = claimed_pos[t.index]
            else:
                v = i
            leaves.append(_KIND[kind] << 32 | v)
        q0 = base[("quotient", t.index, 0)]
        quot = [q0 + c for c in range(4 * lay.num_chunks)]
        code = evaluator_code(prog.code, len(prog.slots))  # the table's generated code, bound here
        evaluators.append(code)
        if sep:  # its leaves are built by recordSeparate from its own values: the shape holds
            # the hash of its specs renumbered into those values, then the values' ranges
            rg = local_ranges(leaves)
            specs_sep[tc.name] = localize_specs(leaves, rg)
            ranges_sep[tc.name] = rg
            h = _keccak(pack_specs(specs_sep[tc.name]))  # 4 entries of 8 bytes
            leaves = [int.from_bytes(h[8 * i:8 * i + 8], "big") for i in range(4)] + [s0 << 32 | n for s0, n in rg]
        thdr += [int.from_bytes(code.code_hash, "big"), hs[t.index], lay.log_chunk | int(sep) << 8, len(leaves),
                 len(quot)]
        tdata += leaves + quot
    # DEEP rounds
    groups = {(g.root, g.L): g for g in merkle.group_statements(rec.statements)}
    specs = [sp for cap in rec.pcs for sp in deep.specs_of(cap)]
    src = {bytes(vk.pre_root) if vk.pre_tables else None: 0, bytes(proof.main_root): 1,
           bytes(proof.aux_root or b"\x01" * 32): 2, bytes(proof.quotient_root): 3}
    rhdr, rdata = [], []
    for sp in specs:
        g = groups[(bytes(sp.root), sp.Lr)]
        levels = merkle.levels_of(g.L, g.dims)
        mats = sp.encode()[1]
        b = deep_batch(g)  # a wide round's own batch (0: the shape's DEEP_BATCH)
        rhdr += [src[bytes(sp.root)], sp.Lr | (0 if b == DEEP_BATCH else b) << 32, len(levels), len(mats),
                 len(sp.slots), len(sp.cols)]
        rdata += levels + mats + list(sp.slots) + list(sp.cols)
    fr = rec.fri[0]
    static = protocol.multiplicity_bound(system, hs, pv, batches=[])
    fields = [hs, ci[9], ci[10], ci[17], ci[19], ci[20], len(ci[16]), len(ci[7]), int(ci[5]), static, DEEP_BATCH,
              ci[11], point_logs, ci[13], list(fr.log_arities), list(fr.input_sizes), rhdr, rdata, thdr,
              pack_table_data(tdata)]
    return {"fields": fields, "image_id": bytes(rec.image_id).rjust(32, b"\0"), "vk_digest": vk.digest, "pre_root": bytes(vk.pre_root or bytes(32)),
            "entry": entry, "exec_bus": buses.EXEC.id, "journal_bus": buses.JOURNAL.id,
            "input": ci, "exit_code": pv[0], "journal": bytes(pdata), "specs": specs, "groups": groups,
            "evaluators": evaluators, "separate": separate, "separate_specs": specs_sep,
            "separate_ranges": ranges_sep}


@dataclass
class VerifyOutcome:
    reports: list  # TxReport, every transaction in order
    accepted: bool
    reason: str = ""
    shape: dict | None = None  # the receipt's shape (shape_of)
    deep_out: dict | None = None  # the DEEP transactions' witnesses (check_call's deep_out)


CHECK_TYPES = None  # set lazily (needs the StarkChallenges input types)


def _check_types():
    from .challenges import INPUT_TYPES

    return [SHAPE_TYPES, INPUT_TYPES, "uint256", "bytes", "bytes32[]", "uint256[]", "address[][]"]


def evaluator_addresses(chain: LocalChain, shape: dict, addrs: dict) -> list[list[str]]:
    """The addresses of every live table's generated constraint code (its chunks, in call
    order), deployed into ``chain`` once per distinct chunk (``addrs["programs"]``:
    runtime -> address, the image's evaluator contracts)."""
    from .codegen import deploy_evaluator

    cache = addrs.setdefault("programs", {})
    return [deploy_evaluator(chain, ev, cache) for ev in shape["evaluators"]]


def deploy(chain: LocalChain, shape: dict, facts: dict | None = None) -> dict:
    """Deploy every verifier contract for the image of ``shape`` with ``shape`` as its only
    admissible shape, and the image's generated constraint code; returns the addresses.
    ``facts``: reuse these fact contracts (keys ``mf``, ``ce``, ``fq``, ``sc``; ``programs``
    if present) and deploy only a StatementCheck.  Records the evaluator addresses in
    ``shape["evaluator_addrs"]`` (:func:`check_call`'s default witness).  (``ce``,
    ConstraintEval, is not part of the verifier: the statement check runs the code itself,
    a separate table's in its own ``recordSeparate`` transaction; it is deployed for
    :func:`zkvm.onchain.session.run_pieces`' standalone constraint transaction, ``zkvm onchain gas``.)"""
    mf, ce, fq, sc, st = (artifacts.load(n) for n in
                          ("MerkleFacts", "ConstraintEval", "FriQueries", "StarkChallenges", "StatementCheck"))
    if facts is not None:
        a = {k: facts[k] for k in ("mf", "ce", "fq", "sc") if k in facts}
        if "programs" in facts:
            a["programs"] = facts["programs"]
    else:
        a = {"mf": chain.deploy(mf), "ce": chain.deploy(ce), "sc": chain.deploy(sc)}
        a["fq"] = chain.deploy(fq, abi.word(bytes.fromhex(a["mf"][2:])))
    addr = [abi.word(bytes.fromhex(a[k][2:])) for k in ("sc", "mf", "fq")]

    def ctor(hashes):
        return abi.encode_args(["bytes32", "bytes32", "bytes32", "bytes32", "bytes32", "bytes32",
                                "uint256", "uint256", "uint256", "bytes32[]"],
                               [*addr, shape["image_id"], shape["vk_digest"], shape["pre_root"], shape["entry"],
                                shape["exec_bus"], shape["journal_bus"], hashes])

    probe = chain.deploy(st, ctor([]))
    h = chain.call(probe, abi.encode_call(st.selector("shapeHash"), [SHAPE_TYPES], [shape["fields"]]))[-32:]
    a["st"] = chain.deploy(st, ctor([h]))
    if "evaluators" in shape:
        shape["evaluator_addrs"] = evaluator_addresses(chain, shape, a)
    return a


def check_call(shape: dict, deep_out: dict, selector: bytes, exit_code=None, journal=None,
               input_override=None, evaluators=None) -> bytes:
    """Calldata of ``StatementCheck.check`` (the claim ``exit_code``/``journal`` defaults to
    the receipt's; tests pass other claims; ``evaluators``: per live table the addresses of
    its generated code's chunks, default ``shape["evaluator_addrs"]``, set by :func:`deploy`)."""
    rows_hashes, partials = [], []
    for sp in shape["specs"]:
        g = shape["groups"][(bytes(sp.root), sp.Lr)]
        from .session import deep_batch

        batch = deep_batch(g)  # as shape_of recorded it (roundHdr, or the shape's batch)
        idx = sorted(g.by_index)
        for k in range(0, len(idx), batch):
            key = (bytes(sp.root), tuple(idx[k:k + batch]))
            if key not in deep_out:
                raise ValueError("a DEEP batch was not recorded on chain")
            rows, p = deep_out[key]
            rows_hashes.append(_keccak(rows))
            partials += p
    ci = input_override if input_override is not None else shape["input"]
    if evaluators is None:  # a separate table's code is not run by the statement check: no witness
        evaluators = [[] if sep else ev for ev, sep in
                      zip(shape["evaluator_addrs"], shape.get("separate") or [False] * len(shape["evaluator_addrs"]),
                          strict=True)]
    return abi.encode_call(selector, _check_types(),
                           [shape["fields"], ci, shape["exit_code"] if exit_code is None else exit_code,
                            shape["journal"] if journal is None else journal, rows_hashes, partials,
                            [[bytes.fromhex(x[2:]) for x in ev] for ev in evaluators]])


def separate_ctx(ci, tc) -> list[int]:
    """recordSeparate's context for table ``tc`` (a :class:`~zkvm.onchain.session.TableCheck`):
    [LogUp α, β, constraint α, np, nc, public values, claimed sums, is_first_row,
    is_last_row, is_transition at ζ], packed; what the statement check computes itself
    (``ci``: the StarkChallenges input, :func:`zkvm.onchain.challenges.input_of`)."""
    from .constraints import pack

    ch = [pack(x) for x in tc.srcs["challenge"]]
    pv, cs = list(ci[1]), list(ci[7])
    return [ch[0], ch[1], pack(tc.alpha), len(pv), len(cs), *pv, *cs,
            *(pack(tc.srcs[k]) for k in ("is_first_row", "is_last_row", "is_transition"))]


def separate_txs(rec, shape: dict, chain: LocalChain, addrs: dict, override: dict | None = None) -> list[TxReport]:
    """One ``StatementCheck.recordSeparate`` transaction per separate table of ``shape``
    (its generated code ``shape["evaluator_addrs"]``, the table's own opened values
    (:func:`local_values` of its ranges), its local leaf specs (packed, :func:`pack_specs`)
    and context); each records the fact the statement check looks up.
    ``override[name]``: a dict replacing some of ``vals`` (bytes), ``spec`` (a list of
    specs), ``ctx``, ``chunks`` (tests: facts for other inputs).  Returns the reports (ok:
    the transaction succeeded; the statement check judges the fact)."""
    from .constraints import compile_program

    st = artifacts.load("StatementCheck")
    ci = shape["input"]
    out: list = []
    for tc, ev, sep in zip(rec.tables, shape["evaluator_addrs"], shape["separate"], strict=True):
        if not sep:
            continue
        prog = compile_program(tc.exprs)
        a = {"vals": local_values(ci[14], shape["separate_ranges"][tc.name]),
             "spec": shape["separate_specs"][tc.name], "ctx": separate_ctx(ci, tc), "chunks": ev}
        a.update((override or {}).get(tc.name, {}))
        data = abi.encode_call(st.selector("recordSeparate"), ["bytes", "bytes", "uint256[]", "address[]"],
                               [a["vals"], pack_specs(a["spec"]), a["ctx"],
                                [bytes.fromhex(x[2:]) for x in a["chunks"]]])
        out.append(chain.transact(addrs["st"], data, f"ConstraintCode {tc.name} ({len(tc.exprs)} constraints, "
                                                     f"{prog.nodes} nodes, {len(ev)} code chunks)"))
    return out


def verify_onchain(rec, chain: LocalChain | None = None, addrs: dict | None = None,
                   fail_fast: bool = False) -> VerifyOutcome:
    """Deploy the verifier for the recorded receipt's image and shape, submit every fact
    transaction and the statement check; ``accepted`` only if every transaction succeeded
    and the statement check returned true.  ``addrs``: submit to this already deployed
    verifier instead (keys ``mf``, ``ce``, ``fq``, ``sc``, ``st`` as :func:`deploy` returns;
    its verifying key must hold the receipt's shape).  ``fail_fast``: stop at the first
    failing transaction (REJECT; the statement check is not submitted)."""
    chain = chain or LocalChain()
    if not rec.fri or not rec.pcs or "pcs" not in rec.challenges or "verify" not in rec.challenges:
        return VerifyOutcome([], False, "the receipt has no complete encoding (the Python verifier "
                                        "stopped before its PCS/FRI checks): nothing submitted")
    journal = bytes(rec.challenges["verify"][3])
    if len(journal) > MAX_JOURNAL:
        from .session import UnsupportedReceipt

        raise UnsupportedReceipt(f"journal of {len(journal)} bytes: the statement check sums at "
                                 f"most {MAX_JOURNAL} journal bytes in one transaction")
    shape = shape_of(rec) if addrs is None or not fail_fast else None  # else: only if needed
    from . import session
    from .constraints import compile_program

    for tc in rec.tables:
        prog = compile_program(tc.exprs)
        if prog.nodes > session.MAX_PROGRAM_NODES:
            raise session.UnsupportedReceipt(
                f"table {tc.name}: {prog.nodes} constraint nodes (> {session.MAX_PROGRAM_NODES}): "
                "too large for one transaction of the on-chain verifier")
    if addrs is None:
        addrs = deploy(chain, shape)
    deep_out: dict = {}

    reps = session.run_pieces(rec, chain, addrs, deep_out, challenges_tx=False, fail_fast=fail_fast,
                              constraints_tx=False)
    unsupported = [r for r in reps if r.unsupported]
    if unsupported:
        return VerifyOutcome(reps, False, unsupported[0].reason)
    if fail_fast and reps and not reps[-1].ok:
        return VerifyOutcome(reps, False, reps[-1].reason, shape, deep_out)
    if shape is None and any(session.separate_tables([compile_program(tc.exprs).nodes for tc in rec.tables])):
        shape = shape_of(rec)
    if shape is not None and any(shape["separate"]):
        # the separate tables' constraint code, each in a recordSeparate transaction of its
        # own (a conditional fact: the statement check looks it up for this proof's values)
        shape["evaluator_addrs"] = evaluator_addresses(chain, shape, addrs)
        for r in separate_txs(rec, shape, chain, addrs):
            reps.append(r)
            if fail_fast and not r.ok:
                return VerifyOutcome(reps, False, r.reason, shape, deep_out)
    fmt = next((fr.format_error for fr in rec.fri if getattr(fr, "format_error", "")), "")
    if fmt:  # Correctness: never ACCEPT what the Python verifier rejects as malformed
        why = f"malformed receipt (the Python verifier: {fmt}): the statement check is not submitted"
        reps.append(TxReport("StatementCheck (not submitted)", 0, 0, 0, 0, False, why))
        return VerifyOutcome(reps, False, why, shape, deep_out)
    if shape is None:
        shape = shape_of(rec)
    st = artifacts.load("StatementCheck")
    try:
        shape["evaluator_addrs"] = evaluator_addresses(chain, shape, addrs)
        data = check_call(shape, deep_out, st.selector("check"))
    except ValueError as e:
        reps.append(TxReport("StatementCheck (not submitted)", 0, 0, 0, 0, False, str(e)))
        return VerifyOutcome(reps, False, str(e))
    r = chain.transact(addrs["st"], data, "StatementCheck (statement, constraints at zeta, facts)")
    reps.append(r)
    ok = r.ok and int.from_bytes(r.output[-32:], "big") == 1 and all(x.ok for x in reps)
    bad = next((x for x in reps if not x.ok), None)
    return VerifyOutcome(reps, ok, "" if ok else (bad.reason if bad else "statement check returned false"),
                         shape, deep_out)

"""The STARK prover (multi-table, LogUp, FRI PCS).

``prove(key, traces, public_values, params=None, debug=True) -> Proof`` where ``key`` is a
:class:`~zkvm.stark.system.ProvingKey` (or a :class:`StarkSystem`, set up on the fly).

Protocol (the verifier, :mod:`zkvm.stark.verifier`, mirrors every step; checklist 18)
----------------------------------------------------------------------------------------
0. Transcript seeded with the verifying-key digest, then the public values (count and
   every value), then the log2 heights of all tables (``EMPTY_LOG_HEIGHT`` for an empty
   table: a ``may_be_empty`` table given a trace of 0 rows, which takes no part in any
   later step -- no commitment, quotient, opening or claimed sum).
1. Commit all main traces in one PCS commitment; absorb the root.
2. Sample the LogUp challenges α_L, β_L (extension field).
3. Build each table's LogUp aux trace (helper columns + running sum); commit all aux
   traces in one commitment; absorb the root and every table's claimed sum.
4. Sample the constraint-combination challenge α.
5. Compute each table's quotient (see :mod:`zkvm.stark.quotient`); commit all quotient
   chunk matrices in one commitment; absorb the root.
6. Sample the out-of-domain point ζ (resampled while ζ lies in a trace or LDE domain).
7. PCS opening (absorbs all opened values, then batching challenge and FRI):
   preprocessed/main/aux at ζ and ζ·ω_n, quotient chunks at ζ (zk: and the DEEP masking
   polynomial R, committed in the quotient commitment: 4 trailing columns of the
   :func:`~zkvm.stark.zk.mask_host` table's chunk matrix, else a last matrix).

Debug mode runs :func:`zkvm.stark.checker.check_traces` first and raises
:class:`~zkvm.stark.checker.TraceCheckError` listing every failure; ``debug=False`` proves
whatever it is given (used by negative tests).

Zero knowledge (``params.zk``, the default; docs/zero-knowledge.md): the main and aux
commitments are hiding (``FriPcs.commit(..., hiding=True)``: every column ``f + Z_H·r``,
salted leaves), the quotient is computed from the masked traces (on the classic domain
plus a few extra points, :func:`zkvm.stark.quotient._split_domain`) and committed as
randomised coefficient chunks (:func:`zkvm.stark.quotient.zk_quotient_chunks`,
salted), and the PCS adds a random masking polynomial to the DEEP/FRI batch.  The
LogUp claimed sums of the tables in ``system.blind_ring`` are blinded by engine-owned
main columns (:func:`blind_columns`) appended to the AIR's trace before step 1.  All
randomness comes from ``os.urandom`` (salts: a SHA-256 PRF keyed by it); the protocol
order above is unchanged.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np

from zkvm import heap
from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.stark.checker import TraceCheckError, check_traces
from zkvm.stark.pcs import FriPcs
from zkvm.stark.proof import Proof
from zkvm.stark.quotient import (ProvingError, compute_quotient, generate_aux_trace,
                                 zk_quotient_chunks)
from zkvm.stark.system import EMPTY_LOG_HEIGHT, ProvingKey, StarkSystem, is_empty_height
from zkvm.stark import protocol
from zkvm.stark.pcs_prover import random_field
from zkvm.stark.zk import (committed_lde_logs, deep_mask_coeffs, leaf_mask_logs,
                           lde_extra_log, mask_host, mask_poly_shape, proof_blind_ring,
                           table_layout)


class Timings(dict):
    """Seconds per prover phase (filled when ``prove(..., timings=Timings())``).

    ``peaks[name]``: the process's peak resident set size in bytes when the phase ended
    (``ru_maxrss``, a high-water mark: the first phase whose figure reaches the final
    one is where the proof peaked; 0 where the platform does not report it)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.peaks: dict = {}

    @contextmanager
    def phase(self, name):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - t0
            self.peaks[name] = heap.peak_rss_bytes()


def prove(key, traces, public_values, params=None, debug: bool = True,
          timings: Timings | None = None, public_data: bytes = b"",
          consume: bool = False) -> Proof:
    """Prove that ``traces`` satisfy the system for ``public_values`` and
    ``public_data`` (bytes the system's public-data hook turns into bus messages).

    ``consume=True``: ``traces`` (a list) is emptied once the prover holds what it needs,
    so the caller's references do not keep a second copy of the traces alive (the zk
    blinding columns make the prover concatenate a blinded copy of most tables).

    Raises ``ValueError`` on malformed inputs (wrong count/shape/dtype of traces, wrong
    number of public values, ``params`` different from the system's),
    :class:`TraceCheckError` in debug mode if a constraint or a bus fails.
    """
    if isinstance(key, StarkSystem):
        key, _ = key.setup()
    if not isinstance(key, ProvingKey):
        raise TypeError("key must be a ProvingKey or a StarkSystem")
    system = key.system
    vk = key.vk
    if params is not None and params != system.params:
        raise ValueError("params differ from the system's parameters")
    params = system.params
    tm = timings if timings is not None else Timings()
    pv = [int(x) for x in public_values]
    if len(pv) != system.num_public_values or any(not 0 <= x < P for x in pv):
        raise ValueError(f"expected {system.num_public_values} canonical public values")
    if len(traces) != len(system.tables):
        raise ValueError(f"expected {len(system.tables)} traces, got {len(traces)}")
    for t, tr in zip(system.tables, traces):
        err = system.trace_shape_error(t, tr)
        if err:
            raise ValueError(err)
    if debug:
        with tm.phase("debug_check"):
            rep = check_traces(system, traces, pv, public_data=public_data)
        if not rep.ok:
            raise TraceCheckError(rep)

    pcs = FriPcs(params)
    tables = system.tables
    # empty tables (0 rows, may_be_empty only; checked by trace_shape_error above) are
    # absent from every commitment, the quotient, the openings and the LogUp sum
    log_heights = [EMPTY_LOG_HEIGHT if tr.shape[0] == 0 else int(tr.shape[0]).bit_length() - 1
                   for tr in traces]
    live = [t for t in tables if not is_empty_height(log_heights[t.index])]
    if not live:
        raise ValueError("every table is empty: nothing to prove")
    # zk: append the engine's claimed-sum blinding columns (committed with the main trace,
    # before the LogUp challenges; docs/zero-knowledge.md)
    ring = proof_blind_ring(system.blind_ring, log_heights, EMPTY_LOG_HEIGHT)
    given = traces
    if ring:
        blind = blind_columns(system, log_heights, ring)
        traces = [np.concatenate([tr, blind[t.index]], axis=1) if t.index in blind else tr
                  for t, tr in zip(tables, traces, strict=True)]
    else:
        traces = list(traces)
    if consume and isinstance(given, list):
        given.clear()
    del given
    bound = protocol.multiplicity_bound(system, log_heights, pv, public_data)
    if bound >= P:
        raise ValueError(f"total bus multiplicity bound {bound} >= p: traces too tall")

    # 0. transcript
    tr_ = protocol.new_transcript(vk, pv, log_heights, public_data)
    live_hs = [log_heights[t.index] for t in live]
    layouts = [table_layout(params, log_heights[t.index], t.degree, t.log_quotient_chunks)
               for t in live]
    # stacking factors (params.log_stack), one per table for main, aux and quotient
    stk = dict(zip((t.index for t in live), protocol.stack_logs(params, live_hs, layouts),
                   strict=True))

    # 1. main commitment (non-empty tables, in table order)
    with tm.phase("commit_main"):
        main_root, main_data = pcs.commit([np.ascontiguousarray(traces[t.index]) for t in live],
                                          hiding=params.zk,
                                          stack_log=[stk[t.index] for t in live])
    tr_.absorb_digest("main_root", main_root)
    main_pos = {t.index: j for j, t in enumerate(live)}

    # 2. LogUp challenges
    lu_alpha = tr_.sample_ext("logup_alpha")
    lu_beta = tr_.sample_ext("logup_beta")

    # 3. aux traces
    pre_index = {t.index: j for j, t in enumerate(vk.pre_tables)}
    aux_tables = [t for t in live if t.layout.num_aux_ext]
    claimed: dict[int, np.ndarray] = {}
    aux_root, aux_data = None, None
    if aux_tables:
        aux_mats = []
        with tm.phase("logup_trace"):
            for t in aux_tables:
                pre = t.pre_trace
                mat, cs = generate_aux_trace(t, traces[t.index], pre, pv, lu_alpha, lu_beta)
                aux_mats.append(mat)
                claimed[t.index] = cs
        traces = None  # from here on only the LDEs are read (memory: the PCS keeps no traces)
        with tm.phase("commit_aux"):
            aux_root, aux_data = pcs.commit(aux_mats, hiding=params.zk,
                                            stack_log=[stk[t.index] for t in aux_tables])
        aux_mats = None
        tr_.absorb_digest("aux_root", aux_root)
    traces = None
    claimed_exts = [Ext(tuple(int(c) for c in claimed[t.index])) for t in aux_tables]
    protocol.absorb_claimed_sums(tr_, claimed_exts)

    # 4. constraint combination challenge
    alpha = tr_.sample_ext("constraint_alpha")

    # 5. quotient (non-empty tables only)
    q_mats = []
    challenges = [lu_alpha.to_array(), lu_beta.to_array()]
    aux_pos = {t.index: j for j, t in enumerate(aux_tables)}
    with tm.phase("quotient"):
        for t, lay in zip(live, layouts, strict=True):
            main_lde = pcs.lde(main_data, main_pos[t.index])
            pre_lde = (pcs.lde(key.pre_data, pre_index[t.index])
                       if t.index in pre_index else None)
            aux_lde = (pcs.lde(aux_data, aux_pos[t.index]) if t.index in aux_pos else None)
            cs = claimed.get(t.index)
            q = compute_quotient(t, log_heights[t.index], main_lde, pre_lde, aux_lde,
                                 params.log_blowup, pv, challenges, cs, alpha, layout=lay)
            if lay.coeff_chunks:
                q = zk_quotient_chunks(q, lay, params.zk_mask_len())
            q_mats.append(q)
    with tm.phase("commit_quotient"):
        if params.zk:
            # + the DEEP/FRI masking polynomial R: 4 trailing columns of the host table's
            # chunk matrix, else a separate last matrix (zk.mask_poly_shape / mask_host;
            # host is a position among the non-empty tables)
            log_r, d_r = mask_poly_shape(params, live_hs, layouts)
            r_poly = random_field((d_r, 4))
            host = mask_host(params, live_hs, layouts)
            heights = [lay.log_chunk for lay in layouts]
            extras = [lde_extra_log(params, lay.log_chunk) for lay in layouts]
            q_stack = [stk[t.index] for t in live]
            if host is None:
                q_mats, heights, extras = q_mats + [r_poly], heights + [log_r], extras + [0]
                q_stack = q_stack + [0]
            else:
                if q_stack[host]:  # pragma: no cover - stack_logs leaves L0 tables unstacked
                    raise ValueError("the DEEP mask's host table is stacked")
                qm = q_mats[host]
                both = np.zeros((max(qm.shape[0], d_r), qm.shape[1] + 4), dtype=np.uint32)
                both[:qm.shape[0], :qm.shape[1]] = qm
                both[:d_r, qm.shape[1]:] = r_poly
                q_mats[host] = both
            # + one DEEP mask per size FRI commits in a round's leaves (fri_leaf_inputs)
            sizes = committed_lde_logs(params, [log_heights[t.index] for t in vk.pre_tables],
                                       live_hs, layouts, [stk[t.index] for t in live])
            for L in leaf_mask_logs(params, sizes):
                q_mats.append(random_field((deep_mask_coeffs(params, L, sizes), 4)))
                heights.append(L - params.log_blowup)
                extras.append(0)
                q_stack.append(0)
            q_root, q_data = pcs.commit_coeffs(q_mats, heights, extra_log=extras, salt=True,
                                               stack_log=q_stack)
        else:
            q_root, q_data = pcs.commit(q_mats, stack_log=[stk[t.index] for t in live])
    tr_.absorb_digest("quotient_root", q_root)

    # 6. out-of-domain point
    zeta = protocol.sample_zeta(tr_, max(live_hs), params.log_blowup)

    # 7. openings
    rounds = []
    def points(tables, kind, width):
        return [protocol.opening_points(zeta, log_heights[t.index], t.next_cols(kind),
                                        0 if kind == "pre" else stk[t.index], width(t))
                for t in tables]

    if vk.pre_tables:
        rounds.append((key.pre_data, points(vk.pre_tables, "pre", lambda t: t.pre_width)))
    rounds.append((main_data, points(live, "main", lambda t: t.committed_width)))
    if aux_tables:
        rounds.append((aux_data, points(aux_tables, "aux", lambda t: t.aux_width)))
    rounds.append((q_data, [[zeta] for _ in range(len(q_data.ldes))]))
    with tm.phase("open_fri"):
        opened, opening = pcs.open(rounds, tr_, mask_in_rounds=params.zk)
    return Proof(
        params_digest=params.digest(),
        vk_digest=vk.digest,
        log_heights=log_heights,
        main_root=main_root,
        aux_root=aux_root,
        quotient_root=q_root,
        claimed_sums=claimed_exts,
        opened=[[[list(v) for v in mat] for mat in rnd] for rnd in opened],
        opening_proof=opening,
        zk=params.zk,
    )


def blind_columns(system: StarkSystem, log_heights: list, ring: list | None = None) -> dict:
    """The zk blinding columns of every blinded table: ``{table index: (n, BLIND_WIDTH)}``.

    ``ring``: this proof's ring (:func:`zkvm.stark.zk.proof_blind_ring`: the system's
    ring without the empty tables; default ``system.blind_ring``).  Table ``t = ring[j]``
    holds its own fresh random message ``m_j``
    (uniform in ``F_p^4``) on row 0, which it sends, and the previous ring table's
    ``m_{j−1}`` on row ``n − 1``, which it receives (:func:`zkvm.stark.zk.
    blind_interactions`); all other rows are zero.  The messages are fresh for every
    proof (``os.urandom``).

    Correctness (zero knowledge): each claimed sum becomes ``true_t + u_j − u_{j−1}``
    with ``u_j = 1/(α − φ(m_j))`` uniform; the ring makes the ``u`` telescope, so an
    inconsistent ring (a receive that matches no send) fails the global LogUp check."""
    ring = system.blind_ring if ring is None else ring
    msgs = random_field((len(ring), 4))
    out = {}
    for j, ti in enumerate(ring):
        n = 1 << log_heights[ti]
        cols = np.zeros((n, 4), dtype=np.uint32)
        cols[0] = msgs[j]
        cols[n - 1] = msgs[j - 1]
        out[ti] = cols
    return out


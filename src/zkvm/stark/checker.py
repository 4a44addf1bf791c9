"""Debug checker: evaluate every constraint and every bus on concrete traces.

The prover runs this before committing anything when ``debug=True`` (the default in
tests is on; benchmarks switch it off).  It is *not* part of soundness -- the verifier
never trusts it -- but it turns "the proof does not verify" into a precise list of
``(table, row, constraint)`` failures and of unbalanced bus messages.

Everything is vectorised: each constraint is evaluated over all rows at once with
:class:`~zkvm.stark.evaluate.NumpyAlgebra` (``next`` is the cyclic next row, exactly as
the polynomial identity the verifier checks), and each bus is balanced with
``numpy.unique`` over all messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zkvm.field.babybear import P
from zkvm.stark import symbolic as sym
from zkvm.stark.evaluate import NumpyAlgebra, broadcast_base, trace_leaf


@dataclass(frozen=True)
class ConstraintFailure:
    table: str
    row: int
    constraint: str

    def __str__(self):
        return f"{self.table}: row {self.row}: constraint {self.constraint!r} fails"


@dataclass(frozen=True)
class BusImbalance:
    """Message ``values`` on ``bus`` has net multiplicity ``net`` (sends − receives, mod p).

    ``sources``: (table, interaction name, row) of up to 8 occurrences.
    """

    bus: str
    values: tuple
    net: int
    sources: tuple

    def __str__(self):
        net = self.net if self.net <= P // 2 else self.net - P
        src = ", ".join(f"{t}.{n}@row{r}" for t, n, r in self.sources)
        return f"bus {self.bus!r}: message {self.values} unbalanced by {net:+d} ({src})"


@dataclass
class CheckReport:
    constraint_failures: list[ConstraintFailure] = field(default_factory=list)
    bus_imbalances: list[BusImbalance] = field(default_factory=list)
    shape_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.constraint_failures or self.bus_imbalances or self.shape_errors)

    def __str__(self):
        lines = list(self.shape_errors)
        lines += [str(f) for f in self.constraint_failures[:50]]
        if len(self.constraint_failures) > 50:
            lines.append(f"… and {len(self.constraint_failures) - 50} more constraint failures")
        lines += [str(b) for b in self.bus_imbalances[:50]]
        if len(self.bus_imbalances) > 50:
            lines.append(f"… and {len(self.bus_imbalances) - 50} more unbalanced messages")
        return "\n".join(lines) if lines else "all constraints hold, all buses balance"


class TraceCheckError(ValueError):
    """Raised by the prover in debug mode when the traces do not satisfy the AIRs."""

    def __init__(self, report: CheckReport):
        super().__init__("traces do not satisfy the system:\n" + str(report))
        self.report = report


def check_traces(system, traces, public_values, max_failures_per_constraint: int = 16,
                 public_data: bytes = b"") -> CheckReport:
    """Check ``traces`` (one ``(height, width)`` matrix per table) against ``system``.

    Reports every failing constraint (up to ``max_failures_per_constraint`` rows each),
    every unbalanced bus message, and shape problems.  Disabled (mutant) constraints are
    skipped, like in the prover.
    """
    rep = CheckReport()
    alg = NumpyAlgebra()
    pv = [int(x) % P for x in public_values]
    if len(traces) != len(system.tables):
        rep.shape_errors.append(f"expected {len(system.tables)} traces, got {len(traces)}")
        return rep
    messages: dict[int, list] = {}
    for t, trace in zip(system.tables, traces):
        err = system.trace_shape_error(t, trace)
        if err:
            rep.shape_errors.append(err)
            continue
        n = trace.shape[0]
        if n == 0:
            continue  # an empty (may_be_empty) table: no rows, no constraints, no messages
        leaf = trace_leaf(trace, t.pre_trace, pv)
        cons = t.air_constraints
        if cons:
            vals = sym.evaluate([c.expr for c in cons], leaf, alg)
            for c, v in zip(cons, vals):
                v = broadcast_base(v, n)
                bad = np.flatnonzero(v)
                for r in bad[:max_failures_per_constraint]:
                    rep.constraint_failures.append(ConstraintFailure(t.name, int(r), c.name))
        its = t.compiled.interactions
        if its:
            exprs = []
            for it in its:
                exprs.extend(it.values)
                exprs.append(it.multiplicity)
            vals = sym.evaluate(exprs, leaf, alg)
            pos = 0
            for it in its:
                w = len(it.values)
                cols = [broadcast_base(v, n) for v in vals[pos:pos + w]]
                m = broadcast_base(vals[pos + w], n)
                pos += w + 1
                signed = m.astype(np.uint64) if it.sign > 0 else (
                    (P - m.astype(np.uint64)) % P)
                messages.setdefault(it.bus.id, []).append(
                    (it.bus, np.stack(cols, axis=1), signed, t.name, it.name))
    for bus, values, m in system.public_interactions_for(pv):
        vals = np.array([[int(v) % P for v in values]], dtype=np.uint32)
        messages.setdefault(bus.id, []).append(
            (bus, vals, np.array([int(m) % P], dtype=np.uint64), "<public>", "public"))
    for bt in system.public_batches_for(pv, public_data):
        k = bt.values.shape[0]
        messages.setdefault(bt.bus.id, []).append(
            (bt.bus, bt.values.astype(np.uint32),
             np.full(k, int(bt.multiplicity) % P, dtype=np.uint64), "<public>", "public data"))
    for bus_id in sorted(messages):
        parts = messages[bus_id]
        bus = parts[0][0]
        allv = np.concatenate([p_[1] for p_ in parts], axis=0)
        allm = np.concatenate([p_[2] for p_ in parts])
        src = np.concatenate([np.full(len(p_[2]), i) for i, p_ in enumerate(parts)])
        rows = np.concatenate([np.arange(len(p_[2])) for p_ in parts])
        keep = allm != 0
        allv, allm, src, rows = allv[keep], allm[keep], src[keep], rows[keep]
        if allv.shape[0] == 0:
            continue
        uniq, inv = np.unique(allv, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        net = np.zeros(uniq.shape[0], dtype=np.uint64)
        # sums of < 2^22 values < 2^31 stay far below 2^64; chunk to be safe
        for s in range(0, len(allm), 1 << 20):
            np.add.at(net, inv[s:s + (1 << 20)], allm[s:s + (1 << 20)])
            net %= P
        for u in np.flatnonzero(net):
            occ = np.flatnonzero(inv == u)[:8]
            sources = tuple((parts[src[o]][3], parts[src[o]][4], int(rows[o])) for o in occ)
            rep.bus_imbalances.append(BusImbalance(
                bus.name, tuple(int(x) for x in uniq[u]), int(net[u]), sources))
    return rep


def check_all_padding(air, padding: np.ndarray | None = None, log_height: int | None = None,
                      public_values=None) -> CheckReport:
    """Check that ``air`` may be declared ``may_be_empty`` (soundness argument of
    :attr:`zkvm.stark.air.Air.may_be_empty`).

    Builds the all-padding trace of the minimum height ``2^log_height`` (default
    ``MIN_LOG_HEIGHT``; every row equal to ``padding``, a ``(width,)`` row, default all
    zeros) and reports (a) every AIR constraint that fails on it and (b) every interaction
    whose multiplicity is non-zero on some row (as a :class:`BusImbalance` whose
    ``values`` are the message of the first such row).  ``report.ok`` means: an empty
    table proves exactly what the all-padding table proves -- nothing.

    ``public_values``: the values the AIR may read (default zeros).  Tables with
    preprocessed columns cannot be empty and are reported as a shape error.
    """
    from zkvm.stark.system import MIN_LOG_HEIGHT

    rep = CheckReport()
    if air.preprocessed.width:
        rep.shape_errors.append(f"{air.name}: has preprocessed columns; cannot be empty")
        return rep
    compiled = air.compile()
    n = 1 << (MIN_LOG_HEIGHT if log_height is None else log_height)
    w = air.columns.width
    row = np.zeros(w, dtype=np.uint32) if padding is None else np.asarray(padding, np.uint32)
    if row.shape != (w,):
        rep.shape_errors.append(f"{air.name}: padding row has shape {row.shape}, not ({w},)")
        return rep
    trace = np.ascontiguousarray(np.broadcast_to(row, (n, w)))
    pv = [0] * air.num_public_values if public_values is None else [
        int(x) % P for x in public_values]
    leaf = trace_leaf(trace, None, pv)
    alg = NumpyAlgebra()
    cons = compiled.constraints
    if cons:
        vals = sym.evaluate([c.expr for c in cons], leaf, alg)
        for c, v in zip(cons, vals):
            bad = np.flatnonzero(broadcast_base(v, n))
            if len(bad):
                rep.constraint_failures.append(ConstraintFailure(air.name, int(bad[0]), c.name))
    for it in compiled.interactions:
        vals = sym.evaluate(list(it.values) + [it.multiplicity], leaf, alg)
        m = broadcast_base(vals[-1], n)
        bad = np.flatnonzero(m)
        if len(bad):
            r = int(bad[0])
            msg = tuple(int(broadcast_base(v, n)[r]) for v in vals[:-1])
            rep.bus_imbalances.append(BusImbalance(it.bus.name, msg, int(m[r]),
                                                   ((air.name, it.name, r),)))
    return rep

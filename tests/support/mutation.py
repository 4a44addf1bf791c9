"""TEST-ONLY mutation testing of AIR constraints: is every constraint load-bearing?

A constraint ``C`` of a table is *load-bearing* when some traces satisfy every other
constraint and balance every bus but violate ``C``: switching ``C`` off would let those
traces through.  A constraint for which no such traces exist is *redundant* (implied by
the others).  This module finds such traces ("attacks") automatically, on honest traces
of small programs, with the debug checker (:func:`zkvm.stark.checker.check_traces`) as
the oracle:

    attack accepted by the mutant  <=>  check_traces(mutant).ok and not check_traces(full).ok

(:func:`shows_load_bearing`).  Nothing here is reachable from the CLI, a receipt or the
verifier: the only way to get a weakened system is a Python call in a test or tool, and
every mutant has a different verifying-key digest than the real system (the disabled
names and the interaction list are part of it), so a proof made against a mutant never
verifies against the real key.

Public API
----------
* :func:`constraint_names` / :func:`interaction_names` -- ``{table: [name, …]}`` (the
  names that :meth:`StarkSystem.mutant` and :func:`mutant` take as ``"table.name"``);
* :func:`mutant(system, disabled)` -- a weakened copy of ``system``: AIR/LogUp
  constraints are switched off through :meth:`StarkSystem.mutant`; *interactions*
  (which the engine's mutant cannot switch off) by giving the table a copy of its AIR
  whose compiled interaction list lacks them;
* :class:`Workspace` -- honest traces of one system plus the indexes the search needs;
  :meth:`Workspace.complete` recomputes the free multiplicity columns of lookup tables
  (a cheating prover commits whatever counts balance its lookups);
* :func:`search_attack(ws, target)` -- the targeted witness mutation described below;
* :func:`shows_load_bearing` -- the oracle.

The search (targeted witness mutation)
--------------------------------------
For a target constraint ``C`` of table ``T`` (or a lookup interaction), on a few sample
rows ``r`` of ``T`` (real rows of every row shape, the first and last rows, padding):

1. *Seed*: change one cell that ``C`` reads (or one cell of a constraint sharing a
   column with ``C``) to a value from a small pool (±1, a flipped bit, 0, 1, 2, 256,
   2^16, p − 1, …), or swap two rows of ``T``, or make a *limb-carry* move: a cell
   ``x`` that ``C`` reads and a partner ``y`` become ``(x + R·s, y − s)`` for
   ``R ∈ {256, 2^16, 2}``, ``s = ±1`` -- the same value ``x + R·y``, with ``x`` no
   longer a limb (checklist item 4, non-canonical limbs).  Partners: the neighbouring
   elements of ``x``'s column array (``prod[k]``/``prod[k+1]``), the other cells of the
   target's lookup message, and the cells that share a constraint with ``x`` in which
   both are linear with coefficients in ratio ``±R`` (``prod_k + 256·carry_k``).  A
   single-cell seed reaches such a pair only when the pool holds ``y − s`` and the
   repair then picks ``x``; when the pair is linked by a bus message alone (no
   constraint to repair), never.  Order:
   the likeliest values of the target's cells, row swaps, limb-carry moves (``R = 256``
   on every sample row first; at most half of the budget left, the rest of them come
   last), the other pool values, neighbouring cells (``_Search.PHASES``).
2. *Repair* (depth-first, bounded): while some other equation of ``T`` fails on the
   touched rows, pick the first one and solve it for one of its cells -- the equation
   is a polynomial of degree ≤ 3 in that cell, interpolated from 4 evaluations, and its
   roots in ``F_p`` are found exactly (Cantor–Zassenhaus on ``gcd(f, x^p − x)``).  Cells
   that ``C`` reads are preferred (so that ``C`` ends up violated), then pure witness
   cells, then cells that appear in bus messages.  Lookup messages (e.g. byte range
   checks) must stay rows of their table; messages on the other buses may change.
3. *Cross-table repair*: every changed message on a permutation bus (memory, exec, …)
   is re-matched by patching the counterpart occurrence that received (sent) the old
   message, provided that counterpart's message is made of plain columns (e.g. the
   memory boundary's ``final`` value, or the free ``prev`` value of the next write);
   the counterpart's own table must still hold (its other messages may change and are
   repaired the same way, to a small depth).
4. *Oracle*: the lookup multiplicities are recomputed (:meth:`Workspace.complete`) and
   the full debug checker is run on the mutant (must accept) and on the real system
   (must reject).

The search is sound (a reported attack is checked by the oracle) but not complete:
"not shown" means this search found nothing, not that the constraint is redundant; each
such constraint needs an argument (docs/soundness.md) or a hand-written attack.
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass, field

import numpy as np

from zkvm.field.babybear import P
from zkvm.stark import symbolic as sym
from zkvm.stark.air import AirDefinitionError, CompiledAir
from zkvm.stark.checker import check_traces
from zkvm.stark.evaluate import NumpyAlgebra, broadcast_base
from zkvm.stark.system import StarkSystem

__all__ = ["constraint_names", "interaction_names", "mutant", "Workspace", "Target",
           "AttackResult", "search_attack", "shows_load_bearing", "poly_roots"]


# ---------------------------------------------------------------------------------
# names and mutants


def constraint_names(system: StarkSystem, logup: bool = False) -> dict[str, list[str]]:
    """``{table: [constraint name, …]}`` of the AIR constraints (and, with ``logup``, the
    engine's LogUp constraints ``logup.*``), in declaration order."""
    out = {}
    for t in system.tables:
        names = [c.name for c in t.compiled.constraints]
        if logup:
            names += [c.name for c in t.layout.constraints]
        out[t.name] = names
    return out


def interaction_names(system: StarkSystem) -> dict[str, list[str]]:
    """``{table: [interaction name, …]}`` in declaration order."""
    return {t.name: [it.name for it in t.compiled.interactions] for t in system.tables}


def mutant(system: StarkSystem, disabled) -> StarkSystem:
    """TEST-ONLY: ``system`` with the constraints and/or interactions ``"table.name"``
    switched off.

    Constraint names go to :meth:`StarkSystem.mutant`.  An interaction is removed by
    replacing its table's AIR with a shallow copy whose cached compilation lacks it
    (the original AIR object is untouched); the interaction list is encoded in the
    verifying-key digest, so the mutant's key differs from the real one.  Raises
    :class:`~zkvm.stark.air.AirDefinitionError` for an unknown name.
    """
    disabled = set(disabled)
    cons = constraint_names(system, logup=True)
    its = interaction_names(system)
    drop_c, drop_i = set(), {}
    for name in disabled:
        table, _, cname = name.partition(".")
        if table in cons and cname in cons[table]:
            drop_c.add(name)
        elif table in its and cname in its[table]:
            drop_i.setdefault(table, set()).add(cname)
        else:
            raise AirDefinitionError(f"mutant: unknown constraint or interaction {name!r}")
    airs = []
    for air in system.airs:
        drop = drop_i.get(air.name)
        if drop:
            comp = air.compile()
            clone = copy.copy(air)
            clone.__dict__["_compiled"] = CompiledAir(
                list(comp.constraints), [it for it in comp.interactions if it.name not in drop],
                comp.max_constraint_degree)
            air = clone
        airs.append(air)
    if not drop_i:  # constraints only: one system construction, not two
        return system.mutant(drop_c)
    base = StarkSystem(airs, system.params, system.num_public_values,
                       system.public_interactions, system.name, _disabled=system.disabled,
                       public_data_interactions=system.public_data_interactions)
    return base.mutant(drop_c) if drop_c else base


def shows_load_bearing(full: StarkSystem, weak: StarkSystem, traces, public_values,
                       public_data: bytes = b"") -> bool:
    """The oracle: ``traces`` are accepted by ``weak`` and rejected by ``full``."""
    return (check_traces(weak, traces, public_values, public_data=public_data).ok
            and not check_traces(full, traces, public_values, public_data=public_data).ok)


# ---------------------------------------------------------------------------------
# small polynomial algebra over F_p (coefficient lists, low degree first)


def _trim(f):
    f = [c % P for c in f]
    while f and f[-1] == 0:
        f.pop()
    return f


def _pmod(a, m):
    a = _trim(a)
    m = _trim(m)
    inv = pow(m[-1], P - 2, P)
    while len(a) >= len(m):
        c = a[-1] * inv % P
        s = len(a) - len(m)
        for i, mc in enumerate(m):
            a[s + i] = (a[s + i] - c * mc) % P
        a = _trim(a)
    return a


def _pmul(a, b):
    if not a or not b:
        return []
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] = (out[i + j] + x * y) % P
    return out


def _pgcd(a, b):
    a, b = _trim(a), _trim(b)
    while b:
        a, b = b, _pmod(a, b)
    if a:
        inv = pow(a[-1], P - 2, P)
        a = [c * inv % P for c in a]
    return a


def _ppow_mod(base, e, m):
    result = [1]
    base = _pmod(base, m)
    while e:
        if e & 1:
            result = _pmod(_pmul(result, base), m)
        base = _pmod(_pmul(base, base), m)
        e >>= 1
    return result


def poly_roots(f, rng: random.Random | None = None) -> list[int]:
    """All roots in ``F_p`` of the polynomial ``f`` (coefficients, low degree first).

    ``gcd(f, x^p − x)`` keeps the product of the distinct linear factors; it is split by
    Cantor–Zassenhaus (``gcd(g, (x + a)^((p−1)/2) − 1)`` for random ``a``).  Returns
    ``[]`` for the zero polynomial (every value is a root: the caller treats that as
    "this cell does not matter").
    """
    f = _trim(f)
    if len(f) <= 1:
        return []
    if len(f) == 2:  # linear (most repairs): the one root −f0/f1, no gcd with x^p − x
        return [(-f[0]) * pow(f[1], P - 2, P) % P]
    rng = rng or random.Random(1)
    g = _pgcd(f, _psub(_ppow_mod([0, 1], P, f), [0, 1]))
    out: list[int] = []
    stack = [g]
    while stack:
        h = stack.pop()
        if len(h) <= 1:
            continue
        if len(h) == 2:
            out.append((-h[0]) * pow(h[1], P - 2, P) % P)
            continue
        while True:
            a = rng.randrange(P)
            d = _pgcd(h, _psub(_ppow_mod([a, 1], (P - 1) // 2, h), [1]))
            if 1 < len(d) < len(h):
                stack.append(d)
                stack.append(_pdiv(h, d))
                break
    return sorted(set(out))


def _psub(a, b):
    n = max(len(a), len(b))
    return _trim([(a[i] if i < len(a) else 0) - (b[i] if i < len(b) else 0) for i in range(n)])


def _pdiv(a, m):
    a = _trim(a)
    m = _trim(m)
    inv = pow(m[-1], P - 2, P)
    q = [0] * max(0, len(a) - len(m) + 1)
    while len(a) >= len(m):
        c = a[-1] * inv % P
        s = len(a) - len(m)
        q[s] = c
        for i, mc in enumerate(m):
            a[s + i] = (a[s + i] - c * mc) % P
        a = _trim(a)
    return _trim(q)


def _interpolate(xs, ys):
    """Coefficients of the polynomial of degree < len(xs) through the points."""
    n = len(xs)
    coeffs = [0] * n
    for i in range(n):
        num = [1]
        den = 1
        for j in range(n):
            if j != i:
                num = _pmul(num, [(-xs[j]) % P, 1])
                den = den * (xs[i] - xs[j]) % P
        s = ys[i] * pow(den, P - 2, P) % P
        for k, c in enumerate(num):
            coeffs[k] = (coeffs[k] + s * c) % P
    return _trim(coeffs)


# ---------------------------------------------------------------------------------
# targets, results


@dataclass(frozen=True)
class Target:
    """What is switched off: a constraint or an interaction of ``table``."""

    table: str
    name: str
    kind: str = "constraint"  # or "interaction"

    @property
    def full_name(self) -> str:
        return f"{self.table}.{self.name}"


@dataclass
class AttackResult:
    target: Target
    found: bool
    how: str = ""                       # "seed …, repaired …" or the suite case's name
    changed: list = field(default_factory=list)   # [(table, row, column name, old, new)]
    inert_only: bool = False            # every changed row sends/receives nothing
    tries: int = 0
    seconds: float = 0.0
    traces: list | None = None          # the forged traces (kept only if asked)


# ---------------------------------------------------------------------------------
# the workspace: honest traces + indexes


def _vars_of(expr):
    """``(main, main_next)`` sets of column indices read by ``expr``."""
    loc, nxt = set(), set()
    for node in sym.topo_order([expr]):
        if node.op == "var":
            kind, i = node.value
            if kind == "main":
                loc.add(i)
            elif kind == "main_next":
                nxt.add(i)
    return loc, nxt


def _is_plain_var(expr):
    return expr.op == "var" and expr.value[0] == "main"


def _pre_only(expr):
    for node in sym.topo_order([expr]):
        if node.op == "var" and node.value[0] not in ("pre", "public"):
            return False
    return True


def compile_row_fn(exprs):
    """Compile ``exprs`` into a Python function of one row (plain ints, fast for the
    handful of rows the search touches):
    ``f(loc, nxt, pre, pre_next, public, first, last, trans) -> [int, …]``."""
    order = sym.topo_order(list(exprs))
    names: dict[int, str] = {}
    lines = ["def f(L, N, Q, QN, PV, F, LA, T):"]
    leaf = {"main": "L[{}]", "main_next": "N[{}]", "pre": "Q[{}]", "pre_next": "QN[{}]",
            "public": "PV[{}]"}
    sel = {"is_first_row": "F", "is_last_row": "LA", "is_transition": "T"}
    for k, node in enumerate(order):
        op = node.op
        if op == "const":
            names[id(node)] = str(node.value)
            continue
        if op == "var":
            kind, i = node.value
            if kind in leaf:
                names[id(node)] = leaf[kind].format(i)
            elif kind in sel:
                names[id(node)] = sel[kind]
            else:
                raise ValueError(f"row functions cannot read {kind}")
            continue
        a = [names[id(x)] for x in node.args]
        v = f"v{k}"
        if op == "add":
            lines.append(f" {v} = ({a[0]} + {a[1]}) % {P}")
        elif op == "sub":
            lines.append(f" {v} = ({a[0]} - {a[1]}) % {P}")
        elif op == "mul":
            lines.append(f" {v} = ({a[0]} * {a[1]}) % {P}")
        elif op == "neg":
            lines.append(f" {v} = (-{a[0]}) % {P}")
        names[id(node)] = v
    lines.append(" return [" + ", ".join(f"({names[id(e)]}) % {P}" for e in exprs) + "]")
    ns: dict = {}
    exec(compile("\n".join(lines), "<mutation-row-fn>", "exec"), ns)  # noqa: S102
    return ns["f"]


class _TableIx:
    """Per-table indexes: constraints, interactions, the cells each one reads."""

    def __init__(self, t):
        self.t = t
        self.name = t.name
        self.cons = list(t.compiled.constraints)
        self.cons_vars = [_vars_of(c.expr) for c in self.cons]
        self.its = list(t.compiled.interactions)
        self.it_vars = []
        for it in self.its:
            loc, nxt = set(), set()
            for e in list(it.values) + [it.multiplicity]:
                a, b = _vars_of(e)
                loc |= a
                nxt |= b
            self.it_vars.append((loc, nxt))
        # columns that appear in some interaction (value or multiplicity)
        self.bus_cols = set()
        for loc, nxt in self.it_vars:
            self.bus_cols |= loc | nxt
        self.width = t.main_width
        self.cons_fn = compile_row_fn([c.expr for c in self.cons]) if self.cons else None
        self.it_fns = [compile_row_fn(list(it.values) + [it.multiplicity]) for it in self.its]
        self._single: dict = {}
        # column arrays (``prod[8]``, ``sum[4]``, …): column -> (first column, size)
        self.array_of: dict[int, tuple[int, int]] = {}
        cols = t.air.columns
        for name in cols.names:
            sl = cols.slice(name)
            if sl.stop - sl.start > 1:
                for c in range(sl.start, sl.stop):
                    self.array_of[c] = (sl.start, sl.stop - sl.start)
        # constraints reading each column on the local row
        self.cons_reading: dict[int, list[int]] = {}
        for ci, (loc, _nxt) in enumerate(self.cons_vars):
            for c in loc:
                self.cons_reading.setdefault(c, []).append(ci)

    def con_fn(self, ci):
        f = self._single.get(ci)
        if f is None:
            f = self._single[ci] = compile_row_fn([self.cons[ci].expr])
        return f


class Workspace:
    """Honest traces of one system, and everything the search needs about them.

    ``lookup_buses``: bus ids whose receiver is a fixed (preprocessed) table with a free
    multiplicity column -- their senders' messages must be rows of that table and the
    counts are recomputed by :meth:`complete`; every other bus is a *permutation* bus
    whose messages are re-matched by cross-table repair.
    """

    def __init__(self, system: StarkSystem, traces, public_values, label: str = "",
                 check: bool = True, public_data: bytes = b""):
        self.system = system
        self.traces = [np.array(t, dtype=np.uint32) for t in traces]
        self.pv = [int(x) % P for x in public_values]
        #: the proof's public data (a machine's journal), checked with every trace
        self.public_data = bytes(public_data)
        self.label = label
        self.alg = NumpyAlgebra()
        self.ix = {t.name: _TableIx(t) for t in system.tables}
        self.tindex = {t.name: i for i, t in enumerate(system.tables)}
        # lookup receivers: [table index, interaction, mult column, ({message: row},
        # messages) built on first use]
        self.lookups: dict[int, list] = {}
        for ti, t in enumerate(system.tables):
            for it in t.compiled.interactions:
                if (it.max_multiplicity is None and it.sign < 0 and
                        _is_plain_var(it.multiplicity) and
                        all(_pre_only(v) for v in it.values) and t.pre_trace is not None):
                    self.lookups.setdefault(it.bus.id, []).append([ti, it, it.multiplicity.value[1],
                                                                   None])
        self.lookup_receivers = {(ti, it.name) for v in self.lookups.values()
                                 for ti, it, _, _ in v}
        rep = check_traces(system, self.traces, self.pv,
                           public_data=self.public_data) if check else None
        if rep is not None and not rep.ok:
            raise ValueError(f"workspace {label!r}: honest traces are rejected:\n{rep}")
        self._perm_index = None

    # --- evaluation helpers ------------------------------------------------------
    def eval_rows(self, ti: int, trace: np.ndarray, rows, exprs) -> list[np.ndarray]:
        """Evaluate ``exprs`` of table ``ti`` on ``rows`` of ``trace`` (cyclic next)."""
        t = self.system.tables[ti]
        n = trace.shape[0]
        rows = np.asarray(rows, dtype=np.int64)
        loc = trace[rows]
        nxt = trace[(rows + 1) % n]
        return self._eval(t, loc, nxt, rows, n, exprs)

    def _eval(self, t, loc, nxt, rows, n, exprs):
        pre = t.pre_trace
        k = len(rows)
        pl = pre[rows] if pre is not None else None
        pn = pre[(rows + 1) % n] if pre is not None else None
        first = (rows == 0).astype(np.uint32)
        last = (rows == n - 1).astype(np.uint32)
        trans = (rows != n - 1).astype(np.uint32)
        pv = self.pv

        def leaf(node):
            kind, i = node.value
            if kind == "main":
                return np.ascontiguousarray(loc[:, i])
            if kind == "main_next":
                return np.ascontiguousarray(nxt[:, i])
            if kind == "pre":
                return np.ascontiguousarray(pl[:, i])
            if kind == "pre_next":
                return np.ascontiguousarray(pn[:, i])
            if kind == "public":
                return int(pv[i])
            if kind == "is_first_row":
                return first
            if kind == "is_last_row":
                return last
            if kind == "is_transition":
                return trans
            raise ValueError(f"unexpected leaf {kind}")

        return [broadcast_base(v, k) for v in sym.evaluate(exprs, leaf, self.alg)]

    def row_args(self, ti: int, trace: np.ndarray, r: int) -> tuple:
        """Arguments of a :func:`compile_row_fn` function for row ``r`` of ``trace``."""
        t = self.system.tables[ti]
        n = trace.shape[0]
        r %= n
        pre = t.pre_trace
        q = pre[r].tolist() if pre is not None else []
        qn = pre[(r + 1) % n].tolist() if pre is not None else []
        return (trace[r].tolist(), trace[(r + 1) % n].tolist(), q, qn, self.pv,
                int(r == 0), int(r == n - 1), int(r != n - 1))

    def row_inert(self, table: str, traces, r: int) -> bool:
        """Row ``r`` of ``table`` has multiplicity 0 in every interaction (a padding row:
        whatever it holds, it cannot affect any other table)."""
        ti = self.tindex[table]
        if traces[ti].shape[0] == 0:
            return True  # an empty table (height 0: the program never uses it) sends nothing
        tix = self.ix[table]
        args = self.row_args(ti, traces[ti], r)
        return all(f(*args)[-1] == 0 for f in tix.it_fns)

    def lookup_row(self, bus_id: int, values) -> tuple | None:
        """``(table index, interaction name, row)`` of the lookup-table row holding
        message ``values`` on ``bus_id``, or None."""
        for entry in self.lookups.get(bus_id, []):
            ti, it = entry[0], entry[1]
            r = self._lookup_table(entry)[0].get(tuple(int(v) % P for v in values))
            if r is not None:
                return ti, it.name, r
        return None

    def _lookup_table(self, entry) -> tuple[dict, np.ndarray]:
        """``({message: row}, messages (rows × width))`` of one lookup receiver, built
        on first use."""
        if entry[3] is None:
            ti, it = entry[0], entry[1]
            t = self.system.tables[ti]
            pre = t.pre_trace
            n = pre.shape[0]
            zero = np.zeros((n, t.main_width), dtype=np.uint32)
            cols = self._eval(t, zero, zero, np.arange(n), n, list(it.values))
            mat = np.stack(cols, axis=1).astype(np.int64)
            entry[3] = ({tuple(r): i for i, r in enumerate(mat.tolist())}, mat)
        return entry[3]

    def slot_max(self, bus_id: int, consts: tuple) -> list[int] | None:
        """Largest value in each slot over the lookup-table rows on ``bus_id`` whose
        slots ``i`` hold ``v`` for every ``(i, v)`` in ``consts`` (e.g. the op code of a
        BYTES message); None if no row matches.  A message with a larger value in some
        slot is no row of the table, whatever its other slots hold."""
        cache = self.__dict__.setdefault("_slot_max", {})
        key = (bus_id, consts)
        if key not in cache:
            best = None
            for entry in self.lookups.get(bus_id, []):
                mat = self._lookup_table(entry)[1]
                mask = np.ones(mat.shape[0], dtype=bool)
                for i, v in consts:
                    mask &= mat[:, i] == v
                if mask.any():
                    m = mat[mask].max(axis=0).tolist()
                    best = m if best is None else [max(x, y) for x, y in zip(best, m)]
            cache[key] = best
        return cache[key]

    # --- completing a cheating prover's witness ---------------------------------------
    def complete(self, system: StarkSystem, traces) -> list[np.ndarray]:
        """Copies of ``traces`` with every lookup table's multiplicity columns recomputed
        from the messages ``system``'s tables send: each message that is a row of the
        lookup table is counted, the others are left unmatched (so the checker reports
        them)."""
        out = [t.copy() for t in traces]
        for bus_id, entries in self.lookups.items():
            counts: dict[tuple, int] = {}
            recv_tables = {ti for ti, _, _, _ in entries}
            for ti, t in enumerate(system.tables):
                if ti in recv_tables:
                    continue
                its = [it for it in t.compiled.interactions if it.bus.id == bus_id]
                if not its:
                    continue
                exprs = []
                for it in its:
                    exprs.extend(it.values)
                    exprs.append(it.multiplicity)
                n = traces[ti].shape[0]
                vals = self.eval_rows(ti, traces[ti], np.arange(n), exprs)
                pos = 0
                for it in its:
                    w = len(it.values)
                    mat = np.stack(vals[pos:pos + w], axis=1)
                    m = vals[pos + w]
                    pos += w + 1
                    nz = np.flatnonzero(m)
                    if not len(nz):
                        continue
                    uniq, inv = np.unique(mat[nz], axis=0, return_inverse=True)
                    sums = np.zeros(len(uniq), dtype=np.int64)
                    np.add.at(sums, inv.reshape(-1), m[nz].astype(np.int64)
                              * (1 if it.sign > 0 else -1))
                    for u, s in zip(uniq, sums):
                        key = tuple(int(x) for x in u)
                        counts[key] = counts.get(key, 0) + int(s)
            for ti, _, mcol, _ in entries:
                out[ti][:, mcol] = 0
            for key, c in counts.items():
                hit = self.lookup_row(bus_id, key)
                if hit is None:
                    continue
                ti, iname, r = hit
                mcol = next(e[2] for e in entries if e[0] == ti and e[1].name == iname)
                out[ti][r, mcol] = (int(out[ti][r, mcol]) + c) % P
        return out

    # --- permutation-bus occurrences of the honest traces --------------------------
    def perm_index(self) -> dict:
        """``{(bus id, message): [(table index, interaction index, row, sign), …]}``."""
        if self._perm_index is not None:
            return self._perm_index
        idx: dict = {}
        for ti, t in enumerate(self.system.tables):
            tix = self.ix[t.name]
            n = self.traces[ti].shape[0]
            for ii, it in enumerate(tix.its):
                if it.bus.id in self.lookups:
                    continue
                vals = self.eval_rows(ti, self.traces[ti], np.arange(n),
                                      list(it.values) + [it.multiplicity])
                m = vals[-1]
                mat = np.stack(vals[:-1], axis=1)
                for r in np.flatnonzero(m):
                    idx.setdefault((it.bus.id, tuple(int(x) for x in mat[r])), []).append(
                        (ti, ii, int(r), it.sign))
        self._perm_index = idx
        return idx


# ---------------------------------------------------------------------------------
# the search


_POOL_CONST = (0, 1, 2, 3, 255, 256, 1 << 16, P - 1)


def _small_int(v: int, bound: int = 1 << 16) -> int | None:
    """The field element ``v`` as a signed integer in ``[−bound, bound]``, or None."""
    if v <= bound:
        return v
    if P - v <= bound:
        return v - P
    return None


def _pool(cur: int, rng: random.Random) -> list[int]:
    vals = [(cur + 1) % P, (cur - 1) % P, cur ^ 1, cur ^ 0x80 if cur < 256 else cur + 256,
            *_POOL_CONST, rng.randrange(256), rng.randrange(P)]
    out = []
    for v in vals:
        v %= P
        if v != cur and v not in out:
            out.append(v)
    return out


class _Search:
    def __init__(self, ws: Workspace, target: Target, weak, rng,
                 deadline: float, max_depth: int = 7, max_nodes: int = 40,
                 max_seeds: int | None = None):
        self.ws = ws
        self.max_seeds = max_seeds      # None: only the deadline bounds the search
        self.seeds_used = 0
        self.small_first = False        # repair order for limb-carry seeds (_repair_moves)
        self.target = target
        self._weak = weak               # the mutant, or a function building it on first use
        self.rng = rng
        self.deadline = deadline
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.seed_nodes = 0
        self.ti = ws.tindex[target.table]
        self.tix = ws.ix[target.table]
        self.tries = 0
        if target.kind == "constraint":
            ci = [c.name for c in self.tix.cons].index(target.name)
            self.t_con = ci
            self.t_it = None
            loc, nxt = self.tix.cons_vars[ci]
        else:
            ii = [it.name for it in self.tix.its].index(target.name)
            self.t_con = None
            self.t_it = ii
            loc, nxt = self.tix.it_vars[ii]
        self.t_loc, self.t_nxt = loc, nxt
        self._partner_cache: dict = {}
        self._grad_cache: dict = {}
        self._lookup_slots: dict | None = None
        self.cons_idx = [i for i in range(len(self.tix.cons)) if i != self.t_con]
        self.cons_exprs = [self.tix.cons[i].expr for i in self.cons_idx]

    # -- evaluation on a modified trace ------------------------------------------------
    def _failing(self, ti, trace, rows_changed):
        """Constraints of table ``ti`` that fail next to ``rows_changed``:
        ``[(constraint index, row)]`` (the target constraint is skipped)."""
        tix = self.ws.ix[self.ws.system.tables[ti].name]
        if tix.cons_fn is None:
            return []
        n = trace.shape[0]
        rows = sorted({r % n for r in rows_changed} | {(r - 1) % n for r in rows_changed})
        skip = self.t_con if ti == self.ti else None
        bad = []
        for r in rows:
            vals = tix.cons_fn(*self.ws.row_args(ti, trace, r))
            for ci, v in enumerate(vals):
                if v and ci != skip:
                    bad.append((ci, r))
        return bad

    def _lookups_ok(self, ti, trace, rows):
        """Every lookup message of table ``ti`` on ``rows`` (mult ≠ 0) is a table row
        (the target interaction, when it is one, is skipped)."""
        tix = self.ws.ix[self.ws.system.tables[ti].name]
        for ii, it in enumerate(tix.its):
            if it.bus.id not in self.ws.lookups or (ti == self.ti and ii == self.t_it):
                continue
            if (ti, it.name) in self.ws.lookup_receivers:
                continue
            for r in rows:
                vals = tix.it_fns[ii](*self.ws.row_args(ti, trace, r))
                if vals[-1] and self.ws.lookup_row(it.bus.id, vals[:-1]) is None:
                    return False
        return True

    def _target_violated(self, trace, rows):
        n = trace.shape[0]
        rows = sorted({r % n for r in rows} | {(r - 1) % n for r in rows})
        if self.t_con is not None:
            f = self.tix.con_fn(self.t_con)
            return any(f(*self.ws.row_args(self.ti, trace, r))[0] for r in rows)
        it = self.tix.its[self.t_it]
        f = self.tix.it_fns[self.t_it]
        for r in rows:
            vals = f(*self.ws.row_args(self.ti, trace, r))
            if it.bus.id in self.ws.lookups:
                if vals[-1] and self.ws.lookup_row(it.bus.id, vals[:-1]) is None:
                    return True
            elif vals != f(*self.ws.row_args(self.ti, self.ws.traces[self.ti], r)):
                return True
        return False

    def _univariate(self, ti, trace, row, ci, cell_row, col):
        """Coefficients of constraint ``ci`` at ``row`` as a polynomial in the cell
        ``(cell_row, col)`` (interpolated from degree + 1 evaluations)."""
        tix = self.ws.ix[self.ws.system.tables[ti].name]
        f = tix.con_fn(ci)
        d = max(tix.cons[ci].degree, 1)
        args = list(self.ws.row_args(ti, trace, row))
        n = trace.shape[0]
        xs = list(range(d + 1))
        ys = []
        for x in xs:
            loc, nxt = list(args[0]), list(args[1])
            if cell_row == row % n:
                loc[col] = x
            if cell_row == (row + 1) % n:
                nxt[col] = x
            ys.append(f(loc, nxt, *args[2:])[0])
        return _interpolate(xs, ys)

    def _cells_of(self, ti, ci, row, n):
        tix = self.ws.ix[self.ws.system.tables[ti].name]
        loc, nxt = tix.cons_vars[ci]
        cells = [(row, c) for c in sorted(loc)] + [((row + 1) % n, c) for c in sorted(nxt)]
        return cells

    def _rank(self, ti, cell, changed):
        """Preference of solving for ``cell`` (lower first)."""
        r, c = cell
        tix = self.ws.ix[self.ws.system.tables[ti].name]
        if ti == self.ti and (c in self.t_loc or c in self.t_nxt):
            return 0
        if c not in tix.bus_cols:
            return 1
        return 2

    # -- DFS repair within the target's table --------------------------------------------
    def _repair(self, trace, changed: dict, depth: int):
        """Yield repaired traces (all of the table's equations hold near the changes)."""
        if time.monotonic() > self.deadline or self.seed_nodes > self.max_nodes:
            return
        self.tries += 1
        self.seed_nodes += 1
        n = trace.shape[0]
        rows = {r for r, _ in changed}
        bad = self._failing(self.ti, trace, rows)
        if not bad:
            yield trace, changed
            return
        if depth >= self.max_depth:
            return
        ci, row = bad[0]
        cells = [c for c in self._cells_of(self.ti, ci, row, n) if c not in changed]
        cells.sort(key=lambda c: self._rank(self.ti, c, changed))
        for cell, root in self._repair_moves(trace, row, ci, cells):
            t2 = trace.copy()
            t2[cell] = root
            ch = dict(changed)
            ch[cell] = (int(trace[cell]), root)
            yield from self._repair(t2, ch, depth + 1)
            if time.monotonic() > self.deadline:
                return

    def _repair_moves(self, trace, row, ci, cells):
        """``(cell, value)`` candidates that make constraint ``ci`` hold at ``row``, in
        the order the repair tries them: the first two roots in each of the four
        best-ranked cells.  For a limb-carry seed (``self.small_first``), candidates that
        move their cell by at most 2^16 (a carry absorbing the pair's change, e.g.
        ``carry_k + b_0`` when ``q_0`` grew by 256), from *every* cell of the constraint,
        come first (up to four, smallest move first), then the usual ones."""
        def roots(cell):
            f = self._univariate(self.ti, trace, row, ci, *cell)
            if len(f) <= 1:
                return []  # does not depend on this cell (or constant ≠ 0)
            return poly_roots(f, self.rng)[:2]

        usual = [(cell, root) for cell in cells[:4] for root in roots(cell)]
        if not self.small_first:
            return usual
        small = []
        for k, cell in enumerate(cells):
            old = int(trace[cell])
            for root in (roots(cell) if k >= 4 else [x for c, x in usual if c == cell]):
                d = (root - old) % P
                d = min(d, P - d)
                if d <= 1 << 16:
                    small.append((d, k, cell, root))
        small.sort(key=lambda x: x[:2])
        first = [(cell, root) for (_f, _k, cell, root) in small[:4]]
        return first + [m for m in usual if m not in first]

    # -- cross-table repair -----------------------------------------------------------------
    def _messages(self, ti, trace, rows):
        tix = self.ws.ix[self.ws.system.tables[ti].name]
        out = {}
        for ii, it in enumerate(tix.its):
            if it.bus.id in self.ws.lookups:
                continue
            if ti == self.ti and ii == self.t_it:
                continue
            for r in rows:
                vals = tix.it_fns[ii](*self.ws.row_args(ti, trace, r))
                out[(ii, r)] = (tuple(vals[:-1]), vals[-1])
        return out

    def _cross_repair(self, traces, ti, old_trace, rows, depth=0, matched=None):
        """Re-match the changed permutation messages of table ``ti`` on ``rows``.

        The messages of those rows before and after the change are compared as multisets
        per interaction (so moved rows cost nothing); each removed message is paired with
        an added one of the same interaction and multiplicity, and the counterpart
        occurrence that received (sent) the removed message is patched to the added one,
        if its message is made of plain columns and its table still holds.  Returns the
        patched traces or None.  ``matched``: occurrences ``(table, interaction, row)``
        already re-matched by construction (skipped).
        """
        matched = set() if matched is None else matched
        old = self._messages(ti, old_trace, rows)
        new = self._messages(ti, traces[ti], rows)
        removed: dict = {}
        added: dict = {}
        for (ii, r), (v, m) in old.items():
            if m and (ti, ii, r) not in matched:
                removed.setdefault(ii, []).append((v, m, r))
        for (ii, r), (v, m) in new.items():
            if m and (ti, ii, r) not in matched:
                added.setdefault(ii, []).append((v, m, r))
        for ii in set(removed) | set(added):
            rem = sorted(removed.get(ii, []))
            add = sorted(added.get(ii, []))
            for x in list(rem):
                hit = next((y for y in add if y[:2] == x[:2]), None)
                if hit is not None:
                    rem.remove(x)
                    add.remove(hit)
            if len(rem) != len(add):
                return None
            for (ov, om, r), (nv, nm, r2) in zip(rem, add):
                if om != nm or depth >= 3:
                    return None
                traces = self._rematch(traces, ti, ii, r, r2, ov, nv, depth, matched)
                if traces is None:
                    return None
        return traces

    def _rematch(self, traces, ti, ii, r, r2, ov, nv, depth, matched):
        it = self.ws.ix[self.ws.system.tables[ti].name].its[ii]
        occ = [o for o in self.ws.perm_index().get((it.bus.id, ov), [])
               if o[3] == -it.sign and not (o[0] == ti and o[2] in (r, r2))]
        for (uj, jj, s, _sign) in occ:
            utab = self.ws.system.tables[uj]
            jt = self.ws.ix[utab.name].its[jj]
            if (uj == self.ti and jj == self.t_it) or not all(
                    _is_plain_var(e) or e.op == "const" for e in jt.values):
                continue
            if any(e.op == "const" and e.value != nvk for e, nvk in zip(jt.values, nv)):
                continue
            ut = traces[uj].copy()
            for e, nvk in zip(jt.values, nv):
                if e.op != "const":
                    ut[s, e.value[1]] = nvk
            if self._failing(uj, ut, [s]) or not self._lookups_ok(uj, ut, [s]):
                continue
            t2 = list(traces)
            before = t2[uj]
            t2[uj] = ut
            res = self._cross_repair(t2, uj, before, [s], depth + 1,
                                     matched | {(ti, ii, r2), (uj, jj, s)})
            if res is not None:
                return res
        return None

    # -- the oracle ---------------------------------------------------------------------------
    @property
    def weak(self) -> StarkSystem:
        """The system without the target.  Built on first use: most targets' seeds never
        reach the oracle, and building a system (its verifying-key encoding) costs about
        as much as a whole 1 s search budget."""
        if callable(self._weak):
            self._weak = self._weak()
        return self._weak

    def _accept(self, traces):
        done = self.ws.complete(self.weak, traces)
        if not check_traces(self.weak, done, self.ws.pv, public_data=self.ws.public_data).ok:
            return None
        full_done = self.ws.complete(self.ws.system, traces)
        if check_traces(self.ws.system, full_done, self.ws.pv,
                        public_data=self.ws.public_data).ok:
            return None
        return done

    def _finish(self, trace, changed):
        """Leaf of the repair: the target is violated, lookups hold, buses re-matched."""
        rows = sorted({r for r, _ in changed})
        if not self._target_violated(trace, rows):
            return None
        if not self._lookups_ok(self.ti, trace, rows):
            return None
        traces = list(self.ws.traces)
        traces[self.ti] = trace
        traces = self._cross_repair(traces, self.ti, self.ws.traces[self.ti], rows)
        if traces is None:
            return None
        return self._accept(traces)

    #: Seed phases, in order (see :meth:`seeds`).
    PHASES = (("target", 0, 4), "swaps", "limb-carry", ("target", 4, None), ("neigh", 0, None))

    #: Share of the budget left when the limb-carry phase starts that it may use before
    #: the later phases run (its remaining seeds come after the last phase), so that it
    #: cannot starve them.
    LIMB_SHARE = 0.5

    #: Radices of the limb-carry seeds, likeliest first: byte limbs, 16-bit halves, bits.
    LIMB_RADICES = (256, 65536, 2)

    def _limb_partners(self, cell, on_target_row: bool):
        """Limb-carry moves for ``cell = (row, column)``: a list of
        ``(radix, partner cell, dx, dy, kind)`` meaning "add ``dx`` to ``cell`` and ``dy``
        to the partner", each of which keeps ``x + R·y`` (or ``R·x + y``) unchanged;
        ``kind`` is 1 for an array neighbour, 2 for a message cell, 0 for a linear
        partner (tried first: the move keeps a constraint), 3 for a field carry.

        Partners, all on the same row:

        * the previous/next element of the cell's column array (``prod[k]`` with
          ``prod[k+1]``): ``(x + R·s, y − s)`` with the next element (``x`` is the lower
          limb), ``(x − s, y + R·s)`` with the previous one;
        * when the target is an interaction and ``cell`` is on the row that sends it
          (``on_target_row``), the other plain-column cells of its message
          (``range_u8_pair(a, b)``), in both directions;
        * every cell ``y`` that shares a constraint ``C`` (not the target) with ``x`` in
          which both are linear on this row, with coefficients in ratio ``c_y/c_x = k``
          (or ``1/k``) for a small integer ``2 ≤ |k| ≤ 2^16``: the move
          ``c_x·dx + c_y·dy = 0``, ``(x + k·s, y − s)``, keeps ``C`` (``prod[k]`` with
          ``carry[k]`` in ``conv_k = prod_k + 256·carry_k``; ``q[1]`` with ``carry[0]``
          and ``k = b_0`` in a product's limb equation).  The radix reported is ``|k|``.
          The coefficients are finite differences on the honest row (so a gate
          ``is_real·(…)`` is read at its value here), and linearity is checked by a
          second difference.
        * *field carries*: a linear partner ``y`` whose unit ``x`` cannot absorb as an
          integer (``c_y/c_x`` no small integer; ``prod_0`` for ``x = carry_0``):
          ``(x − (c_y/c_x)·s, y + s)``, radix 0.  The
          equation holds over ``F_p`` only: ``carry_0 − 256^{−1} = carry_0 + 7864320``
          absorbs ``prod_0 + 1``, and the repair passes the excess up the chain
          (``carry_1 + 30720``, ``carry_2 + 120``, ``prod_3 + 120``) -- a wrong product
          that only the carries' range checks stop.

        with ``s = ±1`` and, for the first two sources, ``R`` in :attr:`LIMB_RADICES`.
        """
        key = (cell, on_target_row)
        hit = self._partner_cache.get(key)
        if hit is not None:
            return hit
        r, c = cell
        tix = self.tix
        out = []
        arr = tix.array_of.get(c)
        if arr is not None:
            start, size = arr
            for R in self.LIMB_RADICES:
                for s in (1, -1):
                    if c + 1 < start + size:
                        out.append((R, (r, c + 1), R * s, -s, 1))
                    if c - 1 >= start:
                        out.append((R, (r, c - 1), -s, R * s, 1))
        if self.t_it is not None and on_target_row:
            it = tix.its[self.t_it]
            msg = [e.value[1] for e in it.values if _is_plain_var(e)]
            for R in self.LIMB_RADICES:
                for c2 in msg:
                    if c2 != c:
                        for s in (1, -1):
                            out.append((R, (r, c2), R * s, -s, 2))
                            out.append((R, (r, c2), -s, R * s, 2))
        # linear partners: finite differences of each constraint reading the cell
        base = self.ws.traces[self.ti]
        args = self.ws.row_args(self.ti, base, r)
        for ci in tix.cons_reading.get(c, []):
            if ci == self.t_con:
                continue
            grad = self._gradient(ci, r, args)
            cx = grad.get(c)
            if not cx:
                continue
            icx = pow(cx, P - 2, P)
            for c2, cy in grad.items():
                if c2 == c or not cy:
                    continue
                k = _small_int(cy * icx % P)              # y counts k units of x
                j = _small_int(cx * pow(cy, P - 2, P) % P)  # x counts j units of y
                for s in (1, -1):
                    if k is not None and abs(k) >= 2:
                        out.append((abs(k), (r, c2), k * s, -s, 0))
                    elif j is not None and abs(j) >= 2:
                        out.append((abs(j), (r, c2), s, -j * s, 0))
                    if k is None:
                        # a field carry: y moves by one unit, x absorbs −(c_y/c_x)·s
                        out.append((0, (r, c2), (-(cy * icx) * s) % P, s, 3))
        self._partner_cache[key] = out
        return out

    def _gradient(self, ci, r, args):
        """``{column: c}`` for the local cells in which constraint ``ci`` is linear at
        row ``r`` of the honest trace, ``c`` its coefficient (a finite difference).
        Cached per ``(ci, r)``."""
        key = (ci, r)
        hit = self._grad_cache.get(key)
        if hit is not None:
            return hit
        f = self.tix.con_fn(ci)
        loc0 = list(args[0])
        rest = args[1:]
        f0 = f(loc0, *rest)[0]
        grad = {}
        for c in sorted(self.tix.cons_vars[ci][0]):
            v = loc0[c]
            loc0[c] = (v + 1) % P
            f1 = f(loc0, *rest)[0]
            loc0[c] = (v + 2) % P
            f2 = f(loc0, *rest)[0]
            loc0[c] = v
            d1 = (f1 - f0) % P
            if d1 and (f2 - f1) % P == d1:
                grad[c] = d1
        self._grad_cache[key] = grad
        return grad

    def _dead_lookup(self, trace, cells) -> bool:
        """Does one of ``cells`` (changed by a seed, so frozen for the repair) sit in a
        slot of an enabled lookup message (not the target) with a value larger than any
        row of the table has there (:meth:`Workspace.slot_max`)?  Then no repair can
        make the message a row and :meth:`_finish` would reject every leaf, so the seed
        is skipped.  (The multiplicity is read on the seed; a repair that switches the
        message off is not considered.)"""
        if self._lookup_slots is None:
            self._lookup_slots = {}
            for ii, it in enumerate(self.tix.its):
                if it.bus.id not in self.ws.lookups or ii == self.t_it:
                    continue
                if (self.ti, it.name) in self.ws.lookup_receivers:
                    continue
                consts = tuple((j, e.value % P) for j, e in enumerate(it.values)
                               if e.op == "const")
                for j, e in enumerate(it.values):
                    if _is_plain_var(e):
                        self._lookup_slots.setdefault(e.value[1], []).append((ii, j, consts))
        for (r, c) in cells:
            for ii, j, consts in self._lookup_slots.get(c, []):
                it = self.tix.its[ii]
                vals = self.tix.it_fns[ii](*self.ws.row_args(self.ti, trace, r))
                if not vals[-1]:
                    continue
                top = self.ws.slot_max(it.bus.id, consts)
                if top is None or int(trace[r, c]) > top[j]:
                    return True
        return False

    def _limb_carry_seeds(self, rows):
        """The limb-carry phase: pairs ``(x + R·s, y − s)`` (:meth:`_limb_partners`) on
        the cells the target reads.  Each seed changes two cells at once, so the value
        they encode together (a bus message, a linear equation) is unchanged; the repair
        then fixes whatever else reads them.  Order: radix 256 on every sample row
        first, then field carries, then the other ratios of linear partners (e.g.
        ``b_0`` for ``q_1`` and ``carry_0`` in ``Σ b_i·q_j + carry_0 = …``), then 2^16,
        then 2; within a radix, moves whose new values are both below 2^24 (the
        non-canonical limb ``x + 256``, not the wrap-around ``x − 256 + p``) first, and
        linear partners before array neighbours before message cells.  Seeds that put
        a frozen cell out of range of another lookup are skipped (:meth:`_dead_lookup`)."""
        base = self.ws.traces[self.ti]
        n = base.shape[0]
        cols = self.tix.t.air.columns
        group = {256: 0, 0: 1, 1 << 16: 3, 2: 4}
        seen = set()
        props = []
        for r in rows:
            cells = [((r, c), True) for c in sorted(self.t_loc)] + \
                    [(((r + 1) % n, c), False) for c in sorted(self.t_nxt)]
            for cell, on_row in cells:
                for (R, partner, dx, dy, kind) in self._limb_partners(cell, on_row):
                    x, y = int(base[cell]), int(base[partner])
                    nx, ny = (x + dx) % P, (y + dy) % P
                    key = frozenset(((cell, nx), (partner, ny)))
                    if key in seen:
                        continue
                    seen.add(key)
                    wrap = nx >= 1 << 24 or ny >= 1 << 24
                    props.append((group.get(R, 2), wrap, kind, len(props), cell, partner,
                                  x, nx, y, ny))
        props.sort(key=lambda p: p[:4])
        for (*_order, cell, partner, x, nx, y, ny) in props:
            t = base.copy()
            t[cell] = nx
            t[partner] = ny
            if self._dead_lookup(t, (cell, partner)):
                continue
            yield (f"limb-carry {cols.column_name(cell[1])}@row{cell[0]} {x}->{nx}, "
                   f"{cols.column_name(partner[1])}@row{partner[0]} {y}->{ny}", t,
                   {cell: (x, nx), partner: (y, ny)})

    def seeds(self, rows):
        """``(description, trace, changed)`` seeds on the sample ``rows``, phase by phase
        (:attr:`PHASES`)."""
        base = self.ws.traces[self.ti]
        n = base.shape[0]
        tix = self.tix
        # neighbour columns: those sharing a constraint with the target's columns
        tcols = self.t_loc | self.t_nxt
        neigh = set()
        for (loc, nxt) in tix.cons_vars:
            if (loc | nxt) & tcols:
                neigh |= loc | nxt
        neigh -= tcols
        def cells_at(r, which):
            if which == "target":
                return [(r, c) for c in sorted(self.t_loc)] + \
                       [((r + 1) % n, c) for c in sorted(self.t_nxt)]
            return [(r, c) for c in sorted(neigh)]

        def swaps():
            for r in rows:
                for s_ in ((r + 1) % n, (r - 1) % n, n - 1):
                    if s_ == r:
                        continue
                    t = base.copy()
                    t[[r, s_]] = t[[s_, r]]
                    ch = {}
                    for q in (r, s_):
                        for c in np.flatnonzero(base[q] != t[q]):
                            ch[(q, int(c))] = (int(base[q, c]), int(t[q, c]))
                    if ch:
                        yield f"swap rows {r},{s_}", t, ch

        # phase 1: the target's own cells with the likeliest values, on every sample row;
        # then row swaps; then limb-carry pairs (up to LIMB_SHARE of what is left);
        # phase 2: all pool values; phase 3: neighbouring cells; the rest of the
        # limb-carry pairs
        rest = None
        for ph in self.PHASES:
            if ph == "swaps":
                yield from swaps()
                continue
            if ph == "limb-carry":
                rest = self._limb_carry_seeds(rows)
                over = self._share_spent(self.LIMB_SHARE)
                for item in rest:
                    yield item
                    if over():
                        break
                continue
            which, lo, hi = ph
            for r in rows:
                for cell in cells_at(r, which):
                    cur = int(base[cell])
                    for v in _pool(cur, self.rng)[lo:hi]:
                        t = base.copy()
                        t[cell] = v
                        yield (f"set {tix.t.air.columns.column_name(cell[1])}@row{cell[0]} "
                               f"{cur}->{v}", t, {cell: (cur, v)})
        if rest is not None:
            yield from rest

    def _share_spent(self, share: float):
        """A predicate: has ``share`` of the budget left *now* been used since?  The
        budget is the clock, or the seed count under ``max_seeds`` (deterministic)."""
        if self.max_seeds is not None:
            cap = self.seeds_used + int(share * (self.max_seeds - self.seeds_used))
            return lambda: self.seeds_used >= cap
        now = time.monotonic()
        soft = now + share * max(0.0, self.deadline - now)
        return lambda: time.monotonic() > soft

    def run(self, rows):
        for desc, t, ch in self.seeds(rows):
            if time.monotonic() > self.deadline:
                return None
            if self.max_seeds is not None and self.seeds_used >= self.max_seeds:
                return None
            self.seeds_used += 1
            self.seed_nodes = 0
            self.small_first = desc.startswith("limb-carry")
            for trace, changed in self._repair(t, ch, 0):
                done = self._finish(trace, changed)
                if done is not None:
                    return desc, changed, done
                if time.monotonic() > self.deadline:
                    return None
        return None


def sample_rows(ws: Workspace, table: str, k: int = 5, rng: random.Random | None = None
                ) -> list[int]:
    """Rows to attack: real rows (up to ``k``: one or two per distinct row shape -- the set
    of non-zero columns, a proxy for "which flags are set"), then the first and last rows
    and one padding row."""
    rng = rng or random.Random(0)
    trace = ws.traces[ws.tindex[table]]
    n = trace.shape[0]
    shapes: dict = {}
    for r in range(n):
        key = tuple(np.flatnonzero(trace[r] != 0)[:64])
        shapes.setdefault(key, []).append(r)
    out = []
    groups = sorted(shapes.values(), key=lambda g: (ws.row_inert(table, ws.traces, g[0]), g[0]))
    for g in groups:
        out.append(g[0])
        if len(g) > 2:
            out.append(g[len(g) // 2])
    real = [r for r in out if not ws.row_inert(table, ws.traces, r)]
    if len(real) > k:
        rng.shuffle(real)
        real = sorted(real[:k])
    seen = list(real)
    for r in (0, n - 1, *[r for r in out if ws.row_inert(table, ws.traces, r)][:1]):
        if r not in seen:
            seen.append(r)
    return seen


def search_attack(ws: Workspace, target: Target, budget_s: float = 4.0, seed: int = 0,
                  rows=None, keep_traces: bool = False, *,
                  max_seeds: int | None = None) -> AttackResult:
    """Search, on ``ws``'s honest traces, for traces that the system without ``target``
    accepts and the real system rejects (module docstring).  Stops at the first attack
    or after ``budget_s`` seconds.

    ``max_seeds`` (keyword only): a *deterministic* budget instead of the clock -- at
    most ``max_seeds`` seeds are tried (``ceil(0.7·max_seeds)`` on real rows, the rest
    on padding rows), each with its bounded repair (at most 40 repair nodes), and
    ``budget_s`` is ignored.  The result then depends only on ``ws``, ``target``,
    ``seed`` and ``rows``, not on machine load.  Raises :class:`ValueError` for
    ``max_seeds < 1``."""
    if max_seeds is not None and (isinstance(max_seeds, bool) or int(max_seeds) != max_seeds
                                  or max_seeds < 1):
        raise ValueError(f"search_attack: max_seeds must be a positive integer, "
                         f"got {max_seeds!r}")
    t0 = time.monotonic()
    if ws.traces[ws.tindex[target.table]].shape[0] == 0:
        return AttackResult(target, False)  # an empty table: no row to attack
    built: list = []

    def weak():  # the mutant, built once and only if a candidate reaches the oracle
        if not built:
            built.append(mutant(ws.system, [target.full_name]))
        return built[0]
    rng = random.Random(seed)
    if rows is None:
        rows = sample_rows(ws, target.table, rng=rng)
    # real rows first (an attack there changes what the table proves), padding rows after
    real = [r for r in rows if not ws.row_inert(target.table, ws.traces, r)]
    inert = [r for r in rows if r not in real]
    tries = 0
    hit = None
    seeds_used = 0
    for part, share in ((real, 0.7), (inert, 1.0)):
        if not part:
            continue
        if max_seeds is None:
            s = _Search(ws, target, weak, rng, t0 + budget_s * share)
        else:
            cap = max_seeds if part is inert else -(-max_seeds * 7 // 10)
            s = _Search(ws, target, weak, rng, float("inf"), max_seeds=cap - seeds_used)
        hit = s.run(part)
        tries += s.tries
        seeds_used += s.seeds_used
        if hit is not None:
            break
    res = AttackResult(target, hit is not None, tries=tries, seconds=time.monotonic() - t0)
    if hit is not None:
        desc, changed, traces = hit
        cols = ws.system.tables[ws.tindex[target.table]].air.columns
        res.how = f"{ws.label}: {desc}"
        res.inert_only = all(ws.row_inert(target.table, traces, r)
                             and ws.row_inert(target.table, ws.traces, r)
                             for r in {r for (r, _c) in changed})
        res.changed = [(target.table, r, cols.column_name(c), o, v)
                       for (r, c), (o, v) in sorted(changed.items())]
        if keep_traces:
            res.traces = traces
    return res

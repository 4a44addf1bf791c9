"""LogUp buses: the symbolic layout shared by the prover and the verifier.

Protocol
--------
After the main traces are committed, the verifier draws ``α, β ∈ F_{p^4}``.  A message
``(v_1, …, v_k)`` on bus ``id`` has the fingerprint

    φ = id + Σ_{j=1..k} β^j · v_j

and an interaction with multiplicity ``m`` and sign ``s`` (+1 send, −1 receive)
contributes ``s · m / (α − φ)`` per row.  Summed over every row of every table, and over
the *public interactions* (messages the verifier computes itself from the public
values), the total is zero iff -- except with probability ≈ (total rows · max bus
width) / |F_{p^4}| over α, β -- every message is sent as often as it is received,
counted in F_p (Haböck, "Multivariate lookups based on logarithmic derivatives", 2022).
Because the bus id is the constant term, messages of different buses never collide
(checklist 14).

Per table, interactions are grouped (greedily, in declaration order) so that each group
``G`` gets one extension-valued *helper column* ``h_G`` with the constraint

    h_G · Π_{k∈G} d_k  −  Σ_{k∈G} s_k · m_k · Π_{l∈G, l≠k} d_l  =  0,   d_k = α − φ_k,

whose degree ``max(1 + Σ deg d_k, max_k(deg m_k + Σ_{l≠k} deg d_l))`` stays within the
table's ``max_degree`` (with degree-1 values and ``max_degree = 3`` this pairs
interactions; a parameter set with a larger ``max_constraint_degree`` may give a table
with many interactions larger groups, :func:`zkvm.stark.system._choose_layout`).  One more extension column ``S`` (running sum) satisfies

    first row:   S = 0
    transition:  S' − S − Σ_G h_G = 0
    last row:    S + Σ_G h_G − claimed_sum = 0

so ``S`` is the *exclusive* prefix sum (row ``i`` holds the rows before ``i``) and
``claimed_sum = Σ_rows Σ_G h_G``.  Only ``S`` is read at the next row, so the helper
columns are opened at ``ζ`` alone (proof format v6: at ``ζ·ω`` the PCS opens only the
columns a constraint reads there, :meth:`zkvm.stark.system.TableInfo.next_cols`).  The claimed sum of each table is sent in the proof
and absorbed into the transcript before the constraint-combination challenge
(checklist 18); the verifier checks ``Σ_tables claimed_sum + Σ_public s·m/(α − φ) = 0``
(checklist 15; tables without interactions have no aux columns and contribute 0).

Claimed-sum blinding (zk)
-------------------------
In zk mode a table's interaction list (``TableInfo.interactions``) ends with two engine
interactions on the reserved bus ``zk_blind`` that make the claimed sums uniform
(:func:`zkvm.stark.zk.blind_interactions`, docs/zero-knowledge.md); they are grouped and
constrained here like any other interaction.

Multiplicity overflow (checklist 13)
------------------------------------
The sum is over F_p, so a message sent ``p`` times cancels.  Each interaction declares
``max_multiplicity`` (the AIR's own constraints must guarantee ``0 ≤ m ≤ max`` as an
integer on every row; 1 for ``is_real × boolean``).  The verifier computes
:func:`multiplicity_bound` = ``Σ_tables height · Σ_{bounded interactions} max`` plus the
public interactions and rejects the proof if it is ``≥ p``.  Then, for every message,
the integer total of bounded sends (and of bounded receives) is ``< p``; so for a
message that no *free-multiplicity* receiver (``max_multiplicity=None``: the count
column of a lookup table whose rows are fixed) can absorb, "sends ≡ receives (mod p)"
implies equality of the integer counts -- a value outside a lookup table can never be
"looked up", and permutation buses (memory) balance exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.field.babybear import P
from zkvm.stark import symbolic as sym
from zkvm.stark.air import AirDefinitionError, CompiledAir, Constraint, Interaction

ALPHA = sym.var("challenge", 0)
BETA = sym.var("challenge", 1)
CLAIMED_SUM = sym.var("claimed_sum", 0)


def fingerprint_expr(it: Interaction) -> sym.Expr:
    """``φ = bus_id + Σ_j β^j v_j`` as an Expr (extension-valued)."""
    acc = sym.const(it.bus.id)
    bpow = sym.const(1)
    for v in it.values:
        bpow = bpow * BETA
        acc = acc + bpow * v
    return acc


def denominator_expr(it: Interaction) -> sym.Expr:
    return ALPHA - fingerprint_expr(it)


def _val_degree(it: Interaction) -> int:
    return max([v.degree for v in it.values] + [0])


def _group_degree(group: list[Interaction]) -> int:
    ds = [_val_degree(it) for it in group]
    tot = sum(ds)
    lhs = 1 + tot
    rhs = max(it.multiplicity.degree + tot - d for it, d in zip(group, ds))
    return max(lhs, rhs)


@dataclass
class LogUpLayout:
    """The LogUp columns and constraints of one table.

    ``groups``: interaction indices per helper column; aux extension column ``g`` is
    helper ``g`` and column ``len(groups)`` is the running sum.  ``num_aux_ext`` is 0
    for a table without interactions (then it has no aux trace at all).
    """

    groups: list[list[int]]
    constraints: list[Constraint]

    @property
    def num_aux_ext(self) -> int:
        return len(self.groups) + 1 if self.groups else 0

    @property
    def aux_width(self) -> int:
        """Width of the committed aux matrix in base columns (4 per extension column)."""
        return 4 * self.num_aux_ext


def aux_ext_expr(i: int, nxt: bool = False) -> sym.Expr:
    """Extension column ``i`` of the aux trace as an Expr.

    The aux matrix is committed as base columns ``4i..4i+3`` (coefficients of
    ``1, X, X^2, X^3``); the ext leaf ``aux[i]`` stands for their combination.  Leaves
    of kind ``aux``/``aux_next`` are indexed by *extension* column.
    """
    return sym.var("aux_next" if nxt else "aux", i)


def build_layout(table: str, compiled: CompiledAir, max_degree: int,
                 extra: tuple = ()) -> LogUpLayout:
    """Group the interactions and build the LogUp constraints (names ``logup.*``).

    ``extra``: engine interactions appended after the AIR's own (the zk blinding
    interactions, :func:`zkvm.stark.zk.blind_interactions`); grouping runs over
    ``compiled.interactions + extra`` in that order (``TableInfo.interactions``)."""
    its = list(compiled.interactions) + list(extra)
    if not its:
        return LogUpLayout([], [])
    groups: list[list[int]] = []
    cur: list[int] = []
    for k, it in enumerate(its):
        if _group_degree([it]) > max_degree:
            raise AirDefinitionError(
                f"{table}.{it.name}: LogUp helper constraint has degree "
                f"{_group_degree([it])} > max_degree {max_degree}")
        if cur and _group_degree([its[i] for i in cur] + [it]) <= max_degree:
            cur.append(k)
        else:
            if cur:
                groups.append(cur)
            cur = [k]
    groups.append(cur)

    constraints: list[Constraint] = []
    for g, idx in enumerate(groups):
        h = aux_ext_expr(g)
        dens = [denominator_expr(its[k]) for k in idx]
        prod_all = sym.const(1)
        for d in dens:
            prod_all = prod_all * d
        rhs = sym.const(0)
        for j, k in enumerate(idx):
            term = its[k].multiplicity if its[k].sign > 0 else -its[k].multiplicity
            for l_, d in enumerate(dens):
                if l_ != j:
                    term = term * d
            rhs = rhs + term
        constraints.append(Constraint(f"logup.helper[{g}]", h * prod_all - rhs))
    s_col = len(groups)
    s, s_next = aux_ext_expr(s_col), aux_ext_expr(s_col, True)
    hsum = sym.sum_exprs(aux_ext_expr(g) for g in range(len(groups)))
    first = sym.var("is_first_row", 0)
    last = sym.var("is_last_row", 0)
    trans = sym.var("is_transition", 0)
    constraints.append(Constraint("logup.first_row", first * s))
    constraints.append(Constraint("logup.transition", trans * (s_next - s - hsum)))
    constraints.append(Constraint("logup.last_row", last * (s + hsum - CLAIMED_SUM)))
    for c in constraints:
        if c.expr.degree > max_degree:  # pragma: no cover - grouping guarantees this
            raise AirDefinitionError(f"{table}.{c.name}: degree {c.expr.degree} > {max_degree}")
    return LogUpLayout(groups, constraints)


def multiplicity_bound(heights: list[int], interactions_per_table: list[list[Interaction]],
                       public_multiplicities: list[int]) -> int:
    """``Σ_t height_t · Σ_{k bounded} max_multiplicity_k + Σ_public |m|`` (an int).

    Public multiplicities are field elements; ``|m|`` uses the centred representative
    in ``(−p/2, p/2)``.  The verifier requires the result ``< p`` (module docstring).
    """
    total = 0
    for h, its in zip(heights, interactions_per_table, strict=True):
        total += h * sum(it.max_multiplicity for it in its if it.max_multiplicity is not None)
    for m in public_multiplicities:
        m %= P
        total += min(m, P - m)
    return total


def public_fingerprint(bus_id: int, values, beta):
    """``φ`` of a public message as an Ext (verifier side)."""
    from zkvm.field.ext import Ext

    acc = Ext.from_base(bus_id)
    bpow = Ext.ONE
    for v in values:
        bpow = bpow * beta
        acc = acc + bpow * Ext.from_base(int(v) % P)
    return acc

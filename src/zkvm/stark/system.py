"""A STARK system: the tables (AIRs), public values, parameters and keys.

``StarkSystem(airs, params, num_public_values=…, public_interactions=…)`` compiles every
AIR once (constraint degrees, names and bus widths are checked here, with
:class:`~zkvm.stark.air.AirDefinitionError` naming the offending constraint), builds the
LogUp layout of each table, and decides each table's quotient split.

In zk mode the tables with interactions (when there are at least two) get the engine's
LogUp claimed-sum blinding (:func:`zkvm.stark.zk.blind_ring`): 4 engine columns appended
to the committed main trace (:attr:`TableInfo.committed_width`) and two interactions on
the reserved ``zk_blind`` bus (:attr:`TableInfo.interactions`); the AIR's own column
layout, ``main_width`` and ``compiled.interactions`` are unchanged.

``setup()`` commits the preprocessed (fixed) traces and returns
``(ProvingKey, VerifyingKey)``.  The verifying key's :attr:`VerifyingKey.digest` binds
everything the verifier relies on -- parameters, public-value count, every table's name,
widths, preprocessed height, every constraint and interaction (names and canonical
expression encodings), the preprocessed commitment and the mutation marker -- and is the
first thing absorbed into the Fiat-Shamir transcript (checklist 16).

Mutation testing (test-only)
----------------------------
:meth:`StarkSystem.mutant` returns a copy of the system with some constraints switched
off, for testing that each constraint is necessary.  It is only reachable from Python
(no receipt, proof or CLI field selects it), and the mutant's verifying-key digest
includes the list of disabled constraints, so a proof made by a mutant never verifies
against the real system's key.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from zkvm.field.babybear import P, TWO_ADICITY
from zkvm.stark import symbolic as sym
from zkvm.stark.air import Air, AirDefinitionError, Bus, CompiledAir, Constraint
from zkvm.stark.logup import LogUpLayout, build_layout
from zkvm.stark.params import StarkParams
from zkvm.stark.zk import BLIND_BUS, BLIND_WIDTH, blind_interactions, blind_ring

#: Largest supported trace height (log2).  Also bounded by TWO_ADICITY − log_blowup.
MAX_LOG_HEIGHT = 24
#: Smallest trace height (log2): the row selectors need first ≠ last row.
MIN_LOG_HEIGHT = 1
#: Log-height sentinel of an empty table (0 rows; only for ``Air.may_be_empty`` tables):
#: the table is absent from every commitment, the quotient, the openings and the LogUp
#: sum of that proof.
EMPTY_LOG_HEIGHT = 0xFFFFFFFF

_VK_TAG = b"zkvm/stark-vk/v5"


def is_empty_height(log_h: int) -> bool:
    """True for the empty-table sentinel :data:`EMPTY_LOG_HEIGHT`."""
    return log_h == EMPTY_LOG_HEIGHT


def row_count(log_h: int) -> int:
    """Rows of a table of log height ``log_h`` (0 for the empty sentinel)."""
    return 0 if log_h == EMPTY_LOG_HEIGHT else 1 << log_h


@dataclass(frozen=True)
class PublicBatch:
    """Many public bus messages with one multiplicity (see ``public_data_interactions``):
    ``values`` is a ``(k, bus.width)`` uint32 array of canonical field elements,
    ``multiplicity`` an int (positive = the verifier sends, negative = it receives)."""

    bus: Bus
    values: np.ndarray
    multiplicity: int


# Per-process caches keyed by object identity (the values keep the keys' objects alive,
# so an id is never reused while its entry exists): systems built from the same compiled
# AIRs -- every proof of a Machine, or of a new Machine of the same chips -- share the
# LogUp layout (and so the expression objects the bytecode programs are cached by) and
# the canonical encoding of the constraints.
_LAYOUTS: dict = {}
_ENCODINGS: dict = {}


def _logq(degree: int) -> int:
    """``log_quotient_chunks`` of a table of constraint degree ``degree``: the least
    ``k`` with ``2^k ≥ degree − 1``."""
    return max(0, (degree - 2).bit_length())


def _table_degree(compiled: CompiledAir, layout: LogUpLayout) -> int:
    """A table's constraint degree: the largest over its AIR and LogUp constraints (≥ 2)."""
    return max([c.degree for c in compiled.constraints + layout.constraints] + [2])


def _layout(air: Air, compiled: CompiledAir, blinded: bool, max_degree: int | None = None):
    """``(blind_its, layout)`` of a table (memoised per compiled AIR, degree and blinding).

    ``max_degree`` bounds the LogUp helper constraints (default: the AIR's own)."""
    deg = air.max_degree if max_degree is None else max_degree
    key = (id(compiled), deg, air.columns.width if blinded else None, air.name)
    hit = _LAYOUTS.get(key)
    if hit is None:
        blind_its = blind_interactions(air.columns.width) if blinded else []
        layout = build_layout(air.name, compiled, deg, tuple(blind_its))
        hit = _LAYOUTS.setdefault(key, (compiled, blind_its, layout))
    return list(hit[1]), hit[2]


#: table height (log2) at which :func:`_choose_layout` compares the committed widths
_CHOICE_LOG_N = 16


def _choose_layout(air: Air, compiled: CompiledAir, blinded: bool, params: StarkParams):
    """The table's LogUp layout: helper columns of degree ≤ ``air.max_degree`` (pairs of
    interactions for degree-1 values) or -- when ``params.max_constraint_degree`` is
    larger -- of a larger degree ``d`` (``d − 1`` interactions per helper column) if that
    opens fewer columns per query.

    A helper column saves ``4`` base columns per query, but the table's quotient of degree
    ``(d − 1)·n`` needs more chunks (extension columns, :func:`zkvm.stark.zk.table_layout`),
    so larger groups pay only for tables with many interactions.  The cost compared is
    ``4·(helper columns + running sum) + 4·quotient chunks`` base columns for a table of
    height ``2^16`` (:data:`_CHOICE_LOG_N`), then the degree (ties go to the cheaper
    quotient); a degree whose quotient chunks would be committed taller than the trace
    (zk with ``d ≥ 5``: ``C_Q > 4n``) is never chosen: it would deepen every Merkle tree.
    A function of the AIR and the parameters only, so the verifier derives the same
    layout (the groups, degree and chunk count are in the verifying-key encoding).  With
    ``max_constraint_degree = 3`` (the default profile) this is the AIR's own layout."""
    from zkvm.stark.zk import table_layout

    best, best_cost = _layout(air, compiled, blinded), None
    for deg in range(air.max_degree, params.max_constraint_degree + 1):
        choice = best if deg == air.max_degree else _layout(air, compiled, blinded, deg)
        layout = choice[1]
        d = _table_degree(compiled, layout)
        tl = table_layout(params, _CHOICE_LOG_N, d, _logq(d))
        if deg > air.max_degree and tl.log_chunk > _CHOICE_LOG_N:
            continue
        cost = (4 * layout.num_aux_ext + 4 * tl.num_chunks, d)
        if best_cost is None or cost < best_cost:
            best, best_cost = choice, cost
    return best


def _encode_exprs(exprs: list) -> bytes:
    """``sym.encode(exprs)`` (memoised by the expressions' identities)."""
    key = tuple(id(e) for e in exprs)
    hit = _ENCODINGS.get(key)
    if hit is None:
        hit = _ENCODINGS.setdefault(key, (list(exprs), sym.encode(exprs)))
    return hit[1]


@dataclass
class TableInfo:
    """Everything the prover and verifier need to know about one table."""

    index: int
    air: Air
    compiled: CompiledAir
    layout: LogUpLayout
    air_constraints: list[Constraint]      # after mutation filtering
    logup_constraints: list[Constraint]    # after mutation filtering
    degree: int                            # max degree over all constraints (>= 2)
    log_quotient_chunks: int               # quotient split into 2^k chunks of degree < n
    pre_trace: np.ndarray | None = None
    pre_log_height: int | None = None
    #: zk claimed-sum blinding: position of this table in the blinding ring (None: not
    #: blinded).  A blinded table's committed main trace has BLIND_WIDTH more columns.
    blind_pos: int | None = None
    blind_its: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.air.name

    @property
    def main_width(self) -> int:
        """Width of the trace the AIR defines (what callers pass to ``prove``)."""
        return self.air.columns.width

    @property
    def committed_width(self) -> int:
        """Width of the committed main trace: the AIR's columns, then (blinded tables
        only) the engine's BLIND_WIDTH blinding columns."""
        return self.main_width + (BLIND_WIDTH if self.blind_pos is not None else 0)

    @property
    def interactions(self) -> list:
        """The AIR's interactions followed by the engine's blinding interactions (the
        list the LogUp layout, the aux trace and the verifier use)."""
        return list(self.compiled.interactions) + list(self.blind_its)

    @property
    def pre_width(self) -> int:
        return self.air.preprocessed.width

    @property
    def aux_width(self) -> int:
        return self.layout.aux_width

    @property
    def num_quotient_chunks(self) -> int:
        return 1 << self.log_quotient_chunks

    @property
    def all_constraints(self) -> list[Constraint]:
        return self.air_constraints + self.logup_constraints

    def next_cols(self, kind: str) -> tuple:
        """The committed **base** columns of matrix ``kind`` (``"pre"``, ``"main"`` or
        ``"aux"``) that some constraint of :attr:`all_constraints` reads at the next row
        (``pre_next``/``main_next``/``aux_next`` leaves), increasing.  An aux leaf indexes
        an extension column ``j``: its base columns ``4j .. 4j+3``.  Only these columns
        are opened at ``ζ·ω`` (proof format v6); derived from the constraints, so bound
        by the verifying key."""
        cache = self.__dict__.get("_next_cols")
        if cache is None:  # one walk of the constraint DAG for the three kinds
            idx: dict = {"pre_next": set(), "main_next": set(), "aux_next": set()}
            for n in sym.topo_order([c.expr for c in self.all_constraints]):
                if n.op == "var" and n.value[0] in idx:
                    idx[n.value[0]].add(n.value[1])
            idx["aux_next"] = {4 * j + c for j in idx["aux_next"] for c in range(4)}
            cache = self.__dict__["_next_cols"] = {
                k: tuple(sorted(idx[f"{k}_next"])) for k in ("pre", "main", "aux")}
        return cache[kind]


class StarkSystem:
    """A list of AIRs proven together, with one shared public-value vector.

    Args:
        airs: the tables (unique names); order is the order of traces.
        params: :class:`StarkParams` (every AIR's ``max_degree`` must be
            ``<= params.max_constraint_degree``).
        num_public_values: length of the public-value vector (default: the largest
            ``num_public_values`` of the AIRs).  Fixed by the statement: the verifier
            rejects public-value vectors of another length (checklist 17).
        public_interactions: ``f(public_values) -> [(bus, values, multiplicity), …]``,
            bus messages the verifier itself adds to the LogUp sum (positive
            multiplicity = send).
        public_data_interactions: ``g(public_values, public_data) -> [PublicBatch, …]``:
            messages computed from the *public data* (a byte string bound by the
            transcript, e.g. a journal; its length is not part of the statement's
            shape, so one system serves every length).  A batch is many messages of
            one bus with one multiplicity, evaluated vectorised by the verifier, so its
            cost is linear in the data with a small constant (no per-message Python).
        name: a label for the statement (absorbed into the vk digest).
    """

    def __init__(self, airs: Sequence[Air], params: StarkParams,
                 num_public_values: int | None = None,
                 public_interactions: Callable | None = None, name: str = "",
                 _disabled: frozenset = frozenset(),
                 public_data_interactions: Callable | None = None):
        if not isinstance(params, StarkParams):
            raise TypeError("params must be a StarkParams")
        if not airs:
            raise AirDefinitionError("a system needs at least one AIR")
        self.params = params
        self.airs = list(airs)
        self.name = name
        self.public_interactions = public_interactions
        self.public_data_interactions = public_data_interactions
        names = [a.name for a in self.airs]
        if len(set(names)) != len(names):
            raise AirDefinitionError(f"duplicate table names in {names}")
        need = max(a.num_public_values for a in self.airs)
        self.num_public_values = need if num_public_values is None else num_public_values
        if self.num_public_values < need:
            raise AirDefinitionError(
                f"num_public_values={self.num_public_values} but an AIR reads {need}")
        self.disabled = frozenset(_disabled)
        known: set[str] = set()
        buses: dict[int, Bus] = {}
        self.tables: list[TableInfo] = []
        compiled_all = [air.compile() for air in self.airs]
        ring = blind_ring(params, [len(c.interactions) for c in compiled_all])
        #: tables whose claimed sums are blinded, in ring order (docs/zero-knowledge.md)
        self.blind_ring = ring
        for i, air in enumerate(self.airs):
            if air.max_degree > params.max_constraint_degree:
                raise AirDefinitionError(
                    f"{air.name}: max_degree {air.max_degree} exceeds "
                    f"params.max_constraint_degree {params.max_constraint_degree}")
            if air.max_degree < 2:
                raise AirDefinitionError(f"{air.name}: max_degree must be >= 2")
            if not isinstance(air.may_be_empty, bool):
                raise AirDefinitionError(f"{air.name}: may_be_empty must be a bool")
            if air.may_be_empty and air.preprocessed.width:
                raise AirDefinitionError(
                    f"{air.name}: a table with preprocessed columns cannot be may_be_empty")
            compiled = compiled_all[i]
            for it in compiled.interactions:
                if it.bus.id == BLIND_BUS.id:
                    raise AirDefinitionError(
                        f"{air.name}.{it.name}: bus id {BLIND_BUS.id} is reserved for the "
                        f"engine's zk blinding bus")
                prev = buses.setdefault(it.bus.id, it.bus)
                if prev != it.bus:
                    raise AirDefinitionError(
                        f"bus id {it.bus.id} used for both {prev} and {it.bus}")
            blind_pos = ring.index(i) if i in ring else None
            blind_its, layout = _choose_layout(air, compiled, blind_pos is not None, params)
            all_names = [f"{air.name}.{c.name}" for c in compiled.constraints + layout.constraints]
            known.update(all_names)
            air_c = [c for c in compiled.constraints if f"{air.name}.{c.name}" not in self.disabled]
            lu_c = [c for c in layout.constraints if f"{air.name}.{c.name}" not in self.disabled]
            degree = _table_degree(compiled, layout)
            logq = _logq(degree)  # 2^logq >= degree - 1
            pre = None
            pre_log = None
            if air.preprocessed.width:
                pre = air.generate_preprocessed()
                if pre is None:
                    raise AirDefinitionError(f"{air.name}: preprocessed columns but no trace")
                pre = np.ascontiguousarray(pre, dtype=np.uint32)
                h = pre.shape[0]
                if pre.ndim != 2 or pre.shape[1] != air.preprocessed.width or h & (h - 1) or h < 2:
                    raise AirDefinitionError(f"{air.name}: bad preprocessed trace shape {pre.shape}")
                if (pre >= P).any():
                    raise AirDefinitionError(f"{air.name}: preprocessed trace not canonical")
                pre_log = h.bit_length() - 1
            self.tables.append(TableInfo(i, air, compiled, layout, air_c, lu_c, degree, logq,
                                         pre, pre_log, blind_pos, blind_its))
        unknown = self.disabled - known
        if unknown:
            raise AirDefinitionError(f"mutant: unknown constraints {sorted(unknown)}")
        self._digest_body = self._encode()

    # ------------------------------------------------------------------ helpers
    def mutant(self, disabled) -> "StarkSystem":
        """TEST-ONLY: a copy with the constraints ``"table.constraint"`` switched off.

        Its verifying key differs from the real one (the disabled names are hashed into
        the digest), so nothing it proves verifies against the real system.
        """
        return StarkSystem(self.airs, self.params, self.num_public_values,
                           self.public_interactions, self.name,
                           _disabled=frozenset(disabled) | self.disabled,
                           public_data_interactions=self.public_data_interactions)

    @property
    def is_mutant(self) -> bool:
        return bool(self.disabled)

    def constraint_names(self) -> list[str]:
        """All ``table.constraint`` names (AIR constraints and LogUp constraints)."""
        return [f"{t.name}.{c.name}" for t in self.tables
                for c in t.compiled.constraints + t.layout.constraints]

    def max_log_height(self) -> int:
        return min(MAX_LOG_HEIGHT, TWO_ADICITY - self.params.log_blowup)

    def public_interactions_for(self, public_values) -> list:
        """Evaluate the public-interaction hook (empty if none); values reduced mod p."""
        if self.public_interactions is None:
            return []
        out = []
        for bus, values, m in self.public_interactions(list(public_values)):
            if not isinstance(bus, Bus) or len(values) != bus.width:
                raise AirDefinitionError(f"public interaction on {bus!r} has wrong width")
            out.append((bus, [int(v) % P for v in values], int(m) % P))
        return out

    def public_batches_for(self, public_values, public_data: bytes) -> list["PublicBatch"]:
        """Evaluate the public-data hook (empty if none); each batch validated (bus
        width, canonical values).  ``public_data`` must be empty when there is no hook."""
        if self.public_data_interactions is None:
            if public_data:
                raise AirDefinitionError("this system takes no public data")
            return []
        out = []
        for bt in self.public_data_interactions(list(public_values), bytes(public_data)):
            if not isinstance(bt, PublicBatch):
                raise AirDefinitionError("public data hook must return PublicBatch objects")
            v = bt.values
            if not isinstance(v, np.ndarray) or v.ndim != 2 or v.shape[1] != bt.bus.width:
                raise AirDefinitionError(f"public batch on {bt.bus!r} has wrong shape")
            if v.size and int(v.max()) >= P:
                raise AirDefinitionError(f"public batch on {bt.bus!r} is not canonical")
            out.append(bt)
        return out

    def trace_shape_error(self, t: TableInfo, trace) -> str | None:
        """Why ``trace`` cannot be table ``t``'s trace (None: it can).  A trace of 0 rows
        is accepted only for a ``may_be_empty`` table."""
        if not isinstance(trace, np.ndarray) or trace.dtype != np.uint32 or trace.ndim != 2:
            return f"{t.name}: trace must be a 2-D uint32 array"
        h, w = trace.shape
        if w != t.main_width:
            return f"{t.name}: trace width {w}, layout width {t.main_width}"
        if h == 0:
            if t.air.may_be_empty and t.pre_log_height is None:
                return None
            return f"{t.name}: empty trace (0 rows) but the table is not may_be_empty"
        if h < (1 << MIN_LOG_HEIGHT) or h & (h - 1):
            return f"{t.name}: height {h} is not a power of two >= {1 << MIN_LOG_HEIGHT}"
        if h.bit_length() - 1 > self.max_log_height():
            return f"{t.name}: height {h} exceeds 2^{self.max_log_height()}"
        if t.pre_log_height is not None and h != (1 << t.pre_log_height):
            return f"{t.name}: height {h} must equal the preprocessed height {1 << t.pre_log_height}"
        if h and int(trace.max(initial=0)) >= P:
            return f"{t.name}: trace has non-canonical entries (>= p)"
        return None

    def _encode(self) -> bytes:
        """Canonical encoding of the statement (everything but the preprocessed root)."""
        out = bytearray(_VK_TAG)

        def put_bytes(b: bytes):
            out.extend(struct.pack("<I", len(b)))
            out.extend(b)

        def put_u32(*xs):
            for x in xs:
                out.extend(struct.pack("<I", x))

        put_bytes(self.params.to_bytes())
        put_bytes(self.name.encode())
        put_u32(self.num_public_values, len(self.tables))
        for t in self.tables:
            put_bytes(t.name.encode())
            put_u32(t.committed_width, t.pre_width, t.aux_width,
                    0xFFFFFFFF if t.pre_log_height is None else t.pre_log_height,
                    t.degree, t.log_quotient_chunks, len(t.layout.groups),
                    0xFFFFFFFF if t.blind_pos is None else t.blind_pos,
                    1 if t.air.may_be_empty else 0)
            for g in t.layout.groups:
                put_u32(len(g), *g)
            cons = t.all_constraints
            put_u32(len(t.air_constraints), len(cons))
            for c in cons:
                put_bytes(c.name.encode())
            its = t.interactions  # AIR + engine blinding interactions
            put_u32(len(its))
            exprs = [c.expr for c in cons]
            for it in its:
                put_bytes(it.name.encode())
                put_u32(it.bus.id, it.bus.width, 1 if it.sign > 0 else 0,
                        0xFFFFFFFF if it.max_multiplicity is None else it.max_multiplicity)
                exprs.extend(it.values)
                exprs.append(it.multiplicity)
            put_bytes(_encode_exprs(exprs))
        put_u32(len(self.disabled))
        for d in sorted(self.disabled):
            put_bytes(d.encode())
        for hook in (self.public_interactions, self.public_data_interactions):
            put_bytes(b"" if hook is None else
                      f"{getattr(hook, '__module__', '')}.{getattr(hook, '__qualname__', '')}"
                      .encode())
        return bytes(out)

    # ------------------------------------------------------------------ setup
    def setup(self) -> tuple["ProvingKey", "VerifyingKey"]:
        """Commit the preprocessed traces; return the proving and verifying keys."""
        from zkvm.stark.pcs import FriPcs  # prover-side PCS; imported lazily

        pre_tables = [t for t in self.tables if t.pre_trace is not None]
        pre_root, pre_data = None, None
        if pre_tables:
            pre_root, pre_data = FriPcs(self.params).commit([t.pre_trace for t in pre_tables])
        vk = VerifyingKey(self, pre_root)
        return ProvingKey(vk, pre_data), vk


@dataclass
class VerifyingKey:
    """What the verifier needs: the system (constraints) and the preprocessed root."""

    system: StarkSystem
    pre_root: bytes | None
    digest: bytes = field(init=False)

    def __post_init__(self):
        h = hashlib.sha256(self.system._digest_body)
        h.update(b"\x00" if self.pre_root is None else b"\x01" + self.pre_root)
        self.digest = h.digest()

    @property
    def params(self) -> StarkParams:
        return self.system.params

    @property
    def pre_tables(self) -> list[TableInfo]:
        return [t for t in self.system.tables if t.pre_trace is not None or
                t.pre_log_height is not None]


@dataclass
class ProvingKey:
    vk: VerifyingKey
    pre_data: object  # PCS prover data of the preprocessed commitment (or None)

    @property
    def system(self) -> StarkSystem:
        return self.vk.system

"""AIR definitions: named columns, buses, and the constraint builder.

An AIR ("algebraic intermediate representation") is one table of the proof: a trace of
``height`` rows (a power of two) and ``width`` base-field columns, plus optional fixed
("preprocessed") columns, constrained by polynomial identities between a row (``local``)
and the next row (``next``, cyclically) and by LogUp bus interactions with other
tables.  Write one subclass per table::

    FIB_BUS = Bus(id=1, name="fib", width=2)

    class FibAir(Air):
        name = "fib"
        columns = Columns("a", "b", ("limbs", 4))
        num_public_values = 3
        max_degree = 3

        def eval(self, b):
            loc, nxt = b.local, b.next
            b.when_first_row().assert_eq(loc.a, b.public[0], "first_a")
            b.when_transition().assert_eq(nxt.a, loc.b, "a_next")
            b.send(FIB_BUS, [loc.a, loc.b], multiplicity=1, name="fib_send")

        def generate_trace(self, ...):
            t = self.columns.new_trace(height); v = self.columns.view(t)
            v.a[:] = ...; return t

``eval`` is run once, symbolically, by :meth:`Air.compile` (the result is cached per
instance): every ``assert_*`` call becomes a named :class:`Constraint` (an ``Expr`` that
must vanish on every row) and every ``send``/``receive`` a named :class:`Interaction`.
Constraint degrees are checked against ``max_degree`` there, bus widths against the
bus, and names must be unique within the table (they identify the constraint in error
messages, in the debug checker and in the test-only mutation mode, see
``system.StarkSystem.mutant``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from zkvm.stark import symbolic as sym
from zkvm.stark.symbolic import Expr


class AirDefinitionError(ValueError):
    """An AIR is malformed (degree too high, duplicate name, wrong bus width, …).

    Raised when the system is built, never while proving or verifying.
    """


# ---------------------------------------------------------------------------------
# columns


@dataclass(frozen=True)
class Col:
    """One named column or array of columns: ``Col("limbs", 4, doc="…")``."""

    name: str
    size: int | None = None  # None: a single column; k: an array of k columns
    doc: str = ""


class Columns:
    """Named layout of a table's columns.

    ``Columns("a", ("limbs", 4), ("b", "the b register"), Col("c", doc="…"))``:
    a string is one column; ``(name, k)`` an array of ``k`` columns; ``(name, "doc")``
    and ``(name, k, "doc")`` attach documentation.  Columns are laid out in order.
    """

    def __init__(self, *specs):
        self._cols: list[Col] = []
        self._index: dict[str, tuple[int, int | None]] = {}
        off = 0
        for spec in specs:
            col = _parse_col(spec)
            if not col.name.isidentifier() or col.name.startswith("_"):
                raise AirDefinitionError(f"bad column name {col.name!r}")
            if col.name in self._index:
                raise AirDefinitionError(f"duplicate column name {col.name!r}")
            if col.size is not None and col.size < 1:
                raise AirDefinitionError(f"column array {col.name!r} must have size >= 1")
            self._cols.append(col)
            self._index[col.name] = (off, col.size)
            off += 1 if col.size is None else col.size
        self.width = off

    # --- layout queries --------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [c.name for c in self._cols]

    def index(self, name: str) -> int:
        """Column index of a single column (first column for an array)."""
        return self._lookup(name)[0]

    def slice(self, name: str) -> slice:
        """Column range of ``name`` (length 1 for a single column)."""
        off, size = self._lookup(name)
        return slice(off, off + (1 if size is None else size))

    def doc(self, name: str) -> str:
        for c in self._cols:
            if c.name == name:
                return c.doc
        raise KeyError(name)

    def column_name(self, i: int) -> str:
        """``"a"`` or ``"limbs[2]"`` for column index ``i`` (for error messages)."""
        for c in self._cols:
            off, size = self._index[c.name]
            if size is None and i == off:
                return c.name
            if size is not None and off <= i < off + size:
                return f"{c.name}[{i - off}]"
        return f"col{i}"

    def _lookup(self, name):
        try:
            return self._index[name]
        except KeyError:
            raise AttributeError(f"no column named {name!r}") from None

    # --- trace helpers ---------------------------------------------------------
    def new_trace(self, height: int) -> np.ndarray:
        """A zero trace ``(height, width)`` uint32."""
        return np.zeros((height, self.width), dtype=np.uint32)

    def view(self, trace: np.ndarray) -> "_RowView":
        """Attribute access to column views of ``trace``: ``v.a`` (1-D), ``v.limbs`` (2-D)."""
        if trace.ndim != 2 or trace.shape[1] != self.width:
            raise ValueError(f"trace has shape {trace.shape}, layout width is {self.width}")
        vals = {}
        for c in self._cols:
            off, size = self._index[c.name]
            vals[c.name] = trace[:, off] if size is None else trace[:, off:off + size]
        return _RowView(vals)

    def row(self, exprs: Sequence) -> "_RowView":
        """Wrap a list of per-column values (Expr, ints, …) with attribute access."""
        vals = {}
        for c in self._cols:
            off, size = self._index[c.name]
            vals[c.name] = exprs[off] if size is None else list(exprs[off:off + size])
        return _RowView(vals)

    def __len__(self):
        return self.width

    def __repr__(self):
        return f"Columns({', '.join(self.names)}; width={self.width})"


def _parse_col(spec) -> Col:
    if isinstance(spec, Col):
        return spec
    if isinstance(spec, str):
        return Col(spec)
    if isinstance(spec, tuple):
        if len(spec) == 2 and isinstance(spec[1], str):
            return Col(spec[0], None, spec[1])
        if len(spec) == 2 and isinstance(spec[1], int):
            return Col(spec[0], spec[1])
        if len(spec) == 3 and isinstance(spec[1], int) and isinstance(spec[2], str):
            return Col(spec[0], spec[1], spec[2])
    raise AirDefinitionError(f"bad column spec {spec!r}")


class _RowView:
    """Attribute view over named columns (``.a``, ``.limbs``); ``[i]`` indexes raw."""

    __slots__ = ("_vals",)

    def __init__(self, vals: dict):
        object.__setattr__(self, "_vals", vals)

    def __getattr__(self, name):
        try:
            return self._vals[name]
        except KeyError:
            raise AttributeError(f"no column named {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("row views are read-only; assign into the arrays (v.a[:] = …)")


# ---------------------------------------------------------------------------------
# buses, constraints, interactions


@dataclass(frozen=True)
class Bus:
    """A LogUp bus: messages of ``width`` field elements, identified by ``id``.

    The id is the constant term of every fingerprint (checklist 14), so two buses can
    never cancel each other's messages; ids must be unique within a system (checked).
    """

    id: int
    name: str
    width: int

    def __post_init__(self):
        if not (0 < self.id < 2**16):
            raise AirDefinitionError(f"bus id {self.id} out of range (1..65535)")
        if self.width < 1:
            raise AirDefinitionError(f"bus {self.name!r} width must be >= 1")


@dataclass(frozen=True)
class Constraint:
    """``expr`` must vanish on every row of the table."""

    name: str
    expr: Expr

    @property
    def degree(self) -> int:
        return self.expr.degree


@dataclass(frozen=True)
class Interaction:
    """A message ``values`` on ``bus`` with ``multiplicity`` (sign +1 send, −1 receive).

    ``max_multiplicity`` is the largest value the AIR guarantees (by its own
    constraints) for ``multiplicity`` as an integer on any row -- 1 for the usual
    ``is_real``-times-boolean multiplicity (checklist 1).  ``None`` marks a free
    multiplicity (the count column of a lookup table whose rows are fixed); it is
    excluded from the overflow bound, see :func:`zkvm.stark.logup.multiplicity_bound`.
    """

    name: str
    bus: Bus
    values: tuple
    multiplicity: Expr
    sign: int
    max_multiplicity: int | None = 1


@dataclass
class CompiledAir:
    """The symbolic result of running ``Air.eval`` once."""

    constraints: list[Constraint]
    interactions: list[Interaction]
    max_constraint_degree: int


# ---------------------------------------------------------------------------------
# builders


class _Vars:
    """Expr views of one table's columns (shared by a builder and its filters)."""

    def __init__(self, air: "Air", num_public: int):
        main = air.columns
        pre = air.preprocessed
        self.local = main.row([sym.var("main", i) for i in range(main.width)])
        self.next = main.row([sym.var("main_next", i) for i in range(main.width)])
        self.preprocessed_local = pre.row([sym.var("pre", i) for i in range(pre.width)])
        self.preprocessed_next = pre.row([sym.var("pre_next", i) for i in range(pre.width)])
        self.public = tuple(sym.var("public", i) for i in range(num_public))
        self.is_first_row = sym.var("is_first_row", 0)
        self.is_last_row = sym.var("is_last_row", 0)
        self.is_transition = sym.var("is_transition", 0)


class ConstraintBuilder:
    """What ``Air.eval`` receives.

    Attributes: ``local``, ``next`` (main columns of this row / the next row, attribute
    access by column name), ``preprocessed_local``, ``preprocessed_next``, ``public``
    (tuple of Expr), selectors ``is_first_row``, ``is_last_row``, ``is_transition``.

    Methods add named constraints and bus interactions.  ``when(cond)`` returns a
    builder that multiplies every constraint (and every interaction's multiplicity) by
    ``cond``; filters nest.
    """

    def __init__(self, air: "Air", vars_: _Vars, sink: "_Sink", cond: Expr | None = None):
        self._air = air
        self._v = vars_
        self._sink = sink
        self._cond = cond
        self.local = vars_.local
        self.next = vars_.next
        self.preprocessed_local = vars_.preprocessed_local
        self.preprocessed_next = vars_.preprocessed_next
        self.public = vars_.public
        self.is_first_row = vars_.is_first_row
        self.is_last_row = vars_.is_last_row
        self.is_transition = vars_.is_transition

    # --- filters ----------------------------------------------------------------
    def when(self, cond) -> "ConstraintBuilder":
        cond = sym._lift(cond)
        new = cond if self._cond is None else self._cond * cond
        return ConstraintBuilder(self._air, self._v, self._sink, new)

    def when_first_row(self) -> "ConstraintBuilder":
        return self.when(self.is_first_row)

    def when_last_row(self) -> "ConstraintBuilder":
        return self.when(self.is_last_row)

    def when_transition(self) -> "ConstraintBuilder":
        return self.when(self.is_transition)

    # --- constraints --------------------------------------------------------------
    def assert_zero(self, e, name: str) -> None:
        e = sym._lift(e)
        if self._cond is not None:
            e = self._cond * e
        self._sink.add_constraint(name, e)

    def assert_eq(self, a, b, name: str) -> None:
        self.assert_zero(sym.sub(a, b), name)

    def assert_bool(self, e, name: str) -> None:
        e = sym._lift(e)
        self.assert_zero(e * (e - 1), name)

    def assert_zeros(self, es: Sequence, name: str) -> None:
        """``assert_zero`` for each element, named ``name[i]``."""
        for i, e in enumerate(es):
            self.assert_zero(e, f"{name}[{i}]")

    # --- interactions --------------------------------------------------------------
    def send(self, bus: Bus, values: Sequence, multiplicity=1, name: str = "",
             max_multiplicity: int | None = 1) -> None:
        self._interact(bus, values, multiplicity, name, +1, max_multiplicity)

    def receive(self, bus: Bus, values: Sequence, multiplicity=1, name: str = "",
                max_multiplicity: int | None = 1) -> None:
        self._interact(bus, values, multiplicity, name, -1, max_multiplicity)

    def _interact(self, bus, values, multiplicity, name, sign, max_multiplicity):
        if not isinstance(bus, Bus):
            raise AirDefinitionError(f"interaction {name!r}: bus must be a Bus")
        vals = tuple(sym._lift(v) for v in values)
        if len(vals) != bus.width:
            raise AirDefinitionError(
                f"{self._air.name}.{name}: bus {bus.name!r} has width {bus.width}, "
                f"message has {len(vals)} values")
        m = sym._lift(multiplicity)
        if self._cond is not None:
            m = self._cond * m
        if max_multiplicity is not None and (not isinstance(max_multiplicity, int)
                                             or max_multiplicity < 0):
            raise AirDefinitionError(f"{name}: max_multiplicity must be a non-negative int")
        for v in vals + (m,):
            if v.is_ext:
                raise AirDefinitionError(f"{name}: interaction values must be base-field")
        self._sink.add_interaction(Interaction(name, bus, vals, m, sign, max_multiplicity))


class _Sink:
    def __init__(self, table: str):
        self.table = table
        self.constraints: list[Constraint] = []
        self.interactions: list[Interaction] = []
        self.names: set[str] = set()

    def _name(self, name):
        if not isinstance(name, str) or not name:
            raise AirDefinitionError(f"{self.table}: every constraint/interaction needs a name")
        if name in self.names:
            raise AirDefinitionError(f"{self.table}: duplicate constraint/interaction name {name!r}")
        self.names.add(name)

    def add_constraint(self, name, e: Expr):
        self._name(name)
        if e.is_ext:
            raise AirDefinitionError(f"{self.table}.{name}: AIR constraints must be base-field")
        if e.op == "const":
            if e.value != 0:
                raise AirDefinitionError(f"{self.table}.{name}: constraint is a non-zero constant")
        self.constraints.append(Constraint(name, e))

    def add_interaction(self, it: Interaction):
        self._name(it.name)
        self.interactions.append(it)


# ---------------------------------------------------------------------------------
# the Air base class


class Air:
    """Base class of a table.  Subclasses set the class attributes and ``eval``.

    Class attributes:

    * ``name`` -- unique table name;
    * ``columns`` -- :class:`Columns` of the main trace;
    * ``preprocessed`` -- :class:`Columns` of fixed columns (default none); a table with
      preprocessed columns implements ``generate_preprocessed() -> (height, width)``;
    * ``num_public_values`` -- how many entries of the system's public-value vector
      ``eval`` may read (``b.public[i]``);
    * ``max_degree`` -- bound on every constraint's degree (checked at compile time),
      including the LogUp constraints generated for this table's interactions;
    * ``may_be_empty`` -- the prover may give this table a trace of 0 rows (shape
      ``(0, width)``): the table is then left out of the proof entirely (no commitment,
      no quotient, no opening, claimed sum 0).  Opt-in; part of the statement (the
      verifying-key digest binds it), so a proof cannot switch it on.  Tables with
      preprocessed columns may not set it.

      Correctness: an empty table contributes no rows, hence no bus messages.  That is
      sound iff the table could always have been replaced by a table whose rows are all
      padding -- i.e. the all-padding trace (every real/selector column 0) satisfies the
      table's constraints and sends nothing (every interaction multiplicity is
      ``is_real × …``, soundness checklist 1).  Then an empty table proves exactly the
      statements the all-padding table of the minimum height proves, and nothing more.
      Check it with :func:`zkvm.stark.checker.check_all_padding` before setting the flag.
    """

    name: str = ""
    columns: Columns = Columns()
    preprocessed: Columns = Columns()
    num_public_values: int = 0
    max_degree: int = 3
    may_be_empty: bool = False

    def eval(self, b: ConstraintBuilder) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def generate_preprocessed(self) -> np.ndarray | None:
        """The fixed columns (``(height, preprocessed.width)`` uint32) or None."""
        return None

    # --- symbolic compilation -------------------------------------------------------
    def compile(self) -> CompiledAir:
        """Run ``eval`` symbolically once and check the result (cached)."""
        cached = self.__dict__.get("_compiled")
        if cached is not None:
            return cached
        if not self.name:
            raise AirDefinitionError(f"{type(self).__name__} has no name")
        sink = _Sink(self.name)
        b = ConstraintBuilder(self, _Vars(self, self.num_public_values), sink)
        self.eval(b)
        maxdeg = 0
        for c in sink.constraints:
            if c.degree > self.max_degree:
                raise AirDefinitionError(
                    f"{self.name}.{c.name}: degree {c.degree} exceeds max_degree "
                    f"{self.max_degree}")
            maxdeg = max(maxdeg, c.degree)
        for it in sink.interactions:
            for i, v in enumerate(it.values):
                if v.degree >= self.max_degree:
                    raise AirDefinitionError(
                        f"{self.name}.{it.name}: value {i} has degree {v.degree}; LogUp "
                        f"needs degree <= max_degree - 1 = {self.max_degree - 1}")
            if it.multiplicity.degree > self.max_degree:
                raise AirDefinitionError(
                    f"{self.name}.{it.name}: multiplicity degree {it.multiplicity.degree} "
                    f"exceeds max_degree {self.max_degree}")
        compiled = CompiledAir(sink.constraints, sink.interactions, maxdeg)
        self.__dict__["_compiled"] = compiled
        return compiled

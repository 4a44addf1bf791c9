"""Symbolic constraint expressions: a hash-consed DAG over BabyBear.

An AIR's ``eval`` is written once against :class:`Expr` objects.  The same DAG is then

* inspected symbolically (degree of every constraint, canonical encoding for the
  verifying-key digest),
* evaluated vectorised over numpy arrays by the prover (``quotient.py``) and the debug
  checker (``checker.py``),
* evaluated on :class:`~zkvm.field.ext.Ext` scalars at the out-of-domain point by the
  verifier (``verifier.py``).

Nodes
-----
``Expr.op`` is one of

* ``"const"``  -- ``value`` is an int in ``[0, P)``;
* ``"var"``    -- a leaf ``(kind, index)``; kinds are listed in :data:`VAR_KINDS`;
* ``"add"``, ``"sub"``, ``"mul"``, ``"neg"`` -- arithmetic on the children ``args``.

Every node is *interned* (hash-consed): building ``a * b`` twice returns the same object,
so a wide chip that recomputes the same sub-expression in many constraints costs one
node, and evaluators (which memoise per node) evaluate it once.  Because of interning,
``Expr`` objects compare and hash by identity; ``==`` is **not** overloaded (use
``assert_eq`` in an AIR).

Degrees
-------
Main, preprocessed and auxiliary (LogUp) columns have degree 1, the row selectors
``is_first_row``/``is_last_row``/``is_transition`` count as degree 1 (they are
polynomials of degree < n, like a column), public values, challenges and constants have
degree 0.  ``deg(a+b) = max``, ``deg(a*b) = sum``.  Correctness: the quotient domain is
sized from these degrees; an under-estimate would make the prover's quotient wrong (it
fails to verify), never make a false statement verify.

Extension-valued nodes
----------------------
``aux``/``aux_next`` columns (the LogUp helper and running-sum columns), ``challenge``
and ``claimed_sum`` leaves are elements of the quartic extension.  A node is
``is_ext`` when any child is; evaluators use base-field arithmetic for the others.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from zkvm.field.babybear import P

#: Leaf kinds.  ``index`` is a column index for the column kinds, an index into the
#: public-value vector for ``public``, into the challenge list for ``challenge``
#: (0 = alpha, 1 = beta of LogUp), and 0 for ``claimed_sum`` (this table's LogUp sum).
VAR_KINDS = (
    "main",
    "main_next",
    "pre",
    "pre_next",
    "aux",
    "aux_next",
    "public",
    "challenge",
    "claimed_sum",
    "is_first_row",
    "is_last_row",
    "is_transition",
)
_DEGREE_ONE = {"main", "main_next", "pre", "pre_next", "aux", "aux_next", "is_first_row",
               "is_last_row", "is_transition"}
_EXT_KINDS = {"aux", "aux_next", "challenge", "claimed_sum"}

#: The intern table.  A plain dict (strong references): every node built lives for the
#: process, about 10 MB for all of the machine's tables (~52 000 nodes).  A
#: ``WeakValueDictionary`` made compiling the circuits 1.9x slower (the Keccak table
#: 0.29 -> 0.15 s) for memory nobody frees: the compiled AIRs are process-wide.  Never
#: clear it: nodes built before and after would be equal but not identical, and the
#: DAG's sharing (hence its canonical encoding) would depend on when it was built.
_INTERN: "dict[tuple, Expr]" = {}


class Expr:
    """A node of the constraint DAG (immutable, interned; build with operators)."""

    __slots__ = ("op", "args", "value", "degree", "is_ext", "__weakref__")

    op: str
    args: tuple
    value: object
    degree: int
    is_ext: bool

    def __new__(cls, *a, **k):  # pragma: no cover - construction goes through _make
        raise TypeError("build Expr with const(), var() and operators")

    # --- arithmetic -------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __neg__(self):
        return neg(self)

    def __bool__(self):
        raise TypeError("an Expr has no truth value (did you mean assert_eq?)")

    def __repr__(self) -> str:
        return to_string(self)


def _make(op: str, args: tuple, value, degree: int, is_ext: bool) -> Expr:
    if op == "const" or op == "var":
        key = (op, value)
    elif len(args) == 2:
        key = (op, id(args[0]), id(args[1]))
    else:
        key = (op,) + tuple(id(a) for a in args)
    node = _INTERN.get(key)
    if node is not None:
        return node
    node = object.__new__(Expr)
    node.op = op
    node.args = args
    node.value = value
    node.degree = degree
    node.is_ext = is_ext
    _INTERN[key] = node
    return node


def const(v: int) -> Expr:
    """The constant ``v mod P`` (negative ints allowed)."""
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"constant must be int, got {type(v).__name__}")
    return _make("const", (), v % P, 0, False)


def var(kind: str, index: int) -> Expr:
    """A leaf variable; see :data:`VAR_KINDS`."""
    if kind not in VAR_KINDS:
        raise ValueError(f"unknown variable kind {kind!r}")
    return _make("var", (), (kind, int(index)), 1 if kind in _DEGREE_ONE else 0,
                 kind in _EXT_KINDS)


def _lift(x) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return const(x)
    raise TypeError(f"cannot use {type(x).__name__} in a constraint expression")


def _is_const(e: Expr, v: int | None = None) -> bool:
    return e.op == "const" and (v is None or e.value == v)


def add(a, b) -> Expr:
    a, b = _lift(a), _lift(b)
    if _is_const(a) and _is_const(b):
        return const(a.value + b.value)
    if _is_const(a, 0):
        return b
    if _is_const(b, 0):
        return a
    return _make("add", (a, b), None, max(a.degree, b.degree), a.is_ext or b.is_ext)


def sub(a, b) -> Expr:
    a, b = _lift(a), _lift(b)
    if _is_const(a) and _is_const(b):
        return const(a.value - b.value)
    if _is_const(b, 0):
        return a
    if a is b:
        return const(0)
    return _make("sub", (a, b), None, max(a.degree, b.degree), a.is_ext or b.is_ext)


def neg(a) -> Expr:
    a = _lift(a)
    if _is_const(a):
        return const(-a.value)
    return _make("neg", (a,), None, a.degree, a.is_ext)


def mul(a, b) -> Expr:
    a, b = _lift(a), _lift(b)
    if _is_const(a) and _is_const(b):
        return const(a.value * b.value)
    if _is_const(a, 0) or _is_const(b, 0):
        return const(0)
    if _is_const(a, 1):
        return b
    if _is_const(b, 1):
        return a
    return _make("mul", (a, b), None, a.degree + b.degree, a.is_ext or b.is_ext)


def sum_exprs(items: Iterable) -> Expr:
    """``Σ items`` (0 for an empty iterable)."""
    acc = const(0)
    for x in items:
        acc = add(acc, x)
    return acc


def topo_order(roots: Sequence[Expr]) -> list[Expr]:
    """All nodes reachable from ``roots``, children before parents, each once.

    The order is deterministic: it depends only on the DAG's structure and the order
    of ``roots`` (children are visited in ``args`` order), never on object ids (the
    children of ``a + b`` are stored as written, not sorted by id), so the encoding
    is the same in the prover's and the verifier's process.
    """
    seen: set[int] = set()
    mark = seen.add
    out: list[Expr] = []
    emit = out.append
    for root in roots:
        if id(root) in seen:
            continue
        # iterative post-order: descend into the first unvisited child (args order);
        # a node is emitted once all its children are
        stack = [root]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            for child in node.args:
                if id(child) not in seen:
                    push(child)
                    break
            else:
                pop()
                if id(node) not in seen:
                    mark(id(node))
                    emit(node)
    return out


def evaluate(roots: Sequence[Expr], leaf: Callable[[Expr], object],
             ops: "Algebra") -> list:
    """Evaluate ``roots`` bottom-up with the arithmetic of ``ops``.

    ``leaf(node)`` returns the value of a ``var`` node; constants go through
    ``ops.const``.  Each node is evaluated once (memoised), so shared sub-expressions
    cost nothing extra.
    """
    values: dict[int, object] = {}
    for node in topo_order(roots):
        op = node.op
        if op == "const":
            v = ops.const(node.value)
        elif op == "var":
            v = leaf(node)
        elif op == "add":
            v = ops.add(values[id(node.args[0])], values[id(node.args[1])])
        elif op == "sub":
            v = ops.sub(values[id(node.args[0])], values[id(node.args[1])])
        elif op == "mul":
            v = ops.mul(values[id(node.args[0])], values[id(node.args[1])])
        elif op == "neg":
            v = ops.neg(values[id(node.args[0])])
        else:  # pragma: no cover - construction prevents this
            raise ValueError(f"unknown op {op}")
        values[id(node)] = v
    return [values[id(r)] for r in roots]


class Algebra:
    """Arithmetic used by :func:`evaluate` (subclass per value representation)."""

    def const(self, v: int):  # pragma: no cover - interface
        raise NotImplementedError

    def add(self, a, b):  # pragma: no cover - interface
        raise NotImplementedError

    def sub(self, a, b):  # pragma: no cover - interface
        raise NotImplementedError

    def mul(self, a, b):  # pragma: no cover - interface
        raise NotImplementedError

    def neg(self, a):  # pragma: no cover - interface
        raise NotImplementedError


class ScalarAlgebra(Algebra):
    """Values are ``Ext`` scalars or Python ints (mixed freely); used by the verifier."""

    def const(self, v):
        return v

    def add(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            return (a + b) % P
        return _as_ext(a) + _as_ext(b)

    def sub(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            return (a - b) % P
        return _as_ext(a) - _as_ext(b)

    def mul(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            return (a * b) % P
        return _as_ext(a) * _as_ext(b)

    def neg(self, a):
        if isinstance(a, int):
            return (-a) % P
        return -a


def _as_ext(x):
    from zkvm.field.ext import Ext

    if isinstance(x, int):
        return Ext.from_base(x)
    return x


# ---------------------------------------------------------------------------------
# canonical encoding (for the verifying-key digest)

_OP_CODES = {"const": 0, "var": 1, "add": 2, "sub": 3, "mul": 4, "neg": 5}


def encode(roots: Sequence[Expr]) -> bytes:
    """Injective, deterministic byte encoding of the DAG below ``roots``.

    Nodes are numbered in :func:`topo_order`; each is written as
    ``op:u8`` followed by its payload (``const``: u32 value; ``var``: u8 kind, u32
    index; binary ops: two u32 node numbers; ``neg``: one u32), and finally the root
    node numbers.  Correctness: two AIRs with different constraints must have
    different encodings (the verifying-key digest binds them); the encoding must not
    depend on the process (no ids, no hash order).
    """
    import struct

    u32 = struct.Struct("<I").pack
    kinds = {k: i for i, k in enumerate(VAR_KINDS)}
    order = topo_order(roots)
    num = {id(n): i for i, n in enumerate(order)}
    out = bytearray(u32(len(order)))
    for n in order:
        op = n.op
        out.append(_OP_CODES[op])
        if op == "const":
            out += u32(n.value)
        elif op == "var":
            kind, idx = n.value
            out.append(kinds[kind])
            out += u32(idx)
        else:
            for a in n.args:
                out += u32(num[id(a)])
    out += u32(len(roots))
    for r in roots:
        out += u32(num[id(r)])
    return bytes(out)


def to_string(e: Expr, depth: int = 6) -> str:
    """Human-readable rendering (truncated below ``depth``) for error messages."""
    if e.op == "const":
        return str(e.value)
    if e.op == "var":
        kind, idx = e.value
        if kind in ("is_first_row", "is_last_row", "is_transition"):
            return kind
        return f"{kind}[{idx}]"
    if depth == 0:
        return "…"
    if e.op == "neg":
        return f"-({to_string(e.args[0], depth - 1)})"
    sym = {"add": "+", "sub": "-", "mul": "*"}[e.op]
    return f"({to_string(e.args[0], depth - 1)} {sym} {to_string(e.args[1], depth - 1)})"

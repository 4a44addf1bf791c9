"""Prover side: evaluate a table's alpha-combined constraints with ONE compiled interpreter.

The quotient needs, at every point ``q`` of the quotient domain,
``out[q] = zh_inv[q & qmask] · Σ_i apow[i] · C_i(q)`` (see :mod:`zkvm.stark.quotient`).
Instead of compiling every table's constraint DAG into its own kernel (minutes of numba
compile time and GBs of memory for the wide RISC-V chips), the DAG is translated here, in
Python and in time linear in its size, into a small *bytecode* program, and a single
generic numba kernel (:func:`_bytecode_kernel`, ``@njit(cache=True, nogil=True)``,
compiled once for every AIR) interprets it.

Program
-------
* Nodes that do not depend on the row (constants, public values, challenges, the claimed
  sum, and everything computed only from those -- e.g. the powers of the LogUp ``β``)
  are *uniform*: they are evaluated once per call in Python (exact
  :class:`~zkvm.stark.symbolic.ScalarAlgebra` arithmetic) and enter the program as
  immediate constants, base (``kb[k]``) or extension (``ke[k]``, 4 coefficients).
  ``ke[0..K)`` holds ``apow`` (``α^i`` of constraint ``i``).
* Every other node is one instruction ``(op, dst, a, b, k)`` (int32), in
  :func:`~zkvm.stark.symbolic.topo_order`.  Operands are *slots*: rows of a scratch
  matrix ``S`` of shape ``(num_slots, block)`` (uint64); a base value occupies one row, an
  extension value four consecutive rows (coefficients of ``1, X, X², X³``).  Each
  instruction runs over a block of ``block`` consecutive quotient-domain rows, so the
  dispatch cost is amortised and the working set stays in L1/L2.
* Slots are recycled: a slot is freed after the last instruction that reads it (linear
  scan over the instruction order), so the scratch size is the maximum number of
  simultaneously live values, not the DAG size.  Base and extension slots have separate
  free lists (an extension slot is never split).
* Constraint ``i`` with root ``r`` contributes an ``ACC`` instruction right after ``r``
  is computed: ``acc += r · ke[i]``.  Roots that are uniform contribute a constant that
  is folded into the accumulator's initial value ``acc0``.
* Leaves are loaded with ``LOAD_*`` instructions at their first use: ``main``/``pre``/
  ``aux`` are the row-major PCS LDE matrices over ``g·H_{nB}``; quotient point ``q`` is
  LDE row ``q·stride``, its "next" point LDE row ``((q + shift) mod N)·stride``; the
  extension column ``k`` of ``aux`` is base columns ``4k..4k+3``; selectors are the
  ``first``/``last``/``trans`` vectors on the quotient domain.

Arithmetic (``uint64``, canonical operands ``< p < 2^31``): sums and differences are
``< 2^32`` and reduced by one conditional subtraction; products ``< 2^62`` by ``%``
(a constant divisor, which LLVM turns into a multiply-shift); the extension product in
``F_p[X]/(X^4 − 11)`` sums at most four unreduced products (``4·(p−1)^2 < 2^64``)
before reducing.  Correctness: every instruction computes the canonical residue of the
same field operation as :class:`zkvm.stark.evaluate.NumpyAlgebra`, so the result agrees
with it exactly (tests compare the two on random inputs and random DAGs); an error here
makes honest proofs fail to verify, never a false statement verify (the verifier
recomputes the constraints at ζ independently).
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit

from zkvm.field.babybear import P as _P_INT
from zkvm.field.ext import Ext
from zkvm.stark import symbolic as sym

P = np.uint64(_P_INT)
W = np.uint64(11)
_TWO = np.uint64(2)
_W2 = np.uint64(22)
_W2P = np.uint64(22 * _P_INT)
_WP = np.uint64(11 * _P_INT)
_PP = np.uint64(_P_INT * _P_INT)

#: rows of the quotient domain evaluated together by one pass over the program
DEFAULT_BLOCK = 256
#: below this many quotient-domain rows the kernel runs on the calling thread only
SERIAL_ROWS = 1 << 14
#: rows per thread when splitting larger domains
ROWS_PER_THREAD = 1 << 13
#: work items per thread: a table's real rows come first and its padding rows cost
#: little (multiplicity 0), so one equal share of rows per thread left a core idle (the
#: LogUp trace of a 2^20-row table 57 % real ran 1.32x faster on 2 threads than on 1);
#: smaller items, taken as threads get free, balance the work
ITEMS_PER_THREAD = 8

# --- opcodes ---------------------------------------------------------------------
# loads: dst, a = column / selector, b = 1 for the next row
OP_LOAD_MAIN = 0
OP_LOAD_PRE = 1
OP_LOAD_AUX = 2        # extension dst, a = extension column
OP_LOAD_SEL = 3        # a: 0 first, 1 last, 2 transition
# base (dst base)
OP_B_ADD = 4           # a + b
OP_B_SUB = 5           # a - b
OP_B_MUL = 6           # a * b
OP_B_ADDK = 7          # a + kb[k]
OP_B_RSUBK = 8         # kb[k] - a
OP_B_MULK = 9          # a * kb[k]
# extension (dst extension); E = extension slot, B = base slot, K = ke[k]
OP_E_ADD_EE = 10
OP_E_ADD_EB = 11       # a (E) + b (B)
OP_E_ADDK_E = 12       # a (E) + K
OP_E_ADDK_B = 13       # a (B) + K
OP_E_SUB_EE = 14
OP_E_SUB_EB = 15       # a (E) - b (B)
OP_E_SUB_BE = 16       # a (B) - b (E)
OP_E_RSUBK_E = 17      # K - a (E)
OP_E_RSUBK_B = 18      # K - a (B)
OP_E_MUL_EE = 19
OP_E_MUL_EB = 20       # a (E) * b (B)
OP_E_MULK_E = 21       # a (E) * K
OP_E_MULK_B = 22       # a (B) * K
# accumulate: acc (extension slot dst) += a · ke[k]
OP_ACC_B = 23
OP_ACC_E = 24
# output mode (compile_program(..., outputs=True)): copy slot a to the output slot dst,
# or fill it with an immediate (a uniform root)
OP_OUT_B = 25
OP_OUT_E = 26
OP_CONST_B = 27        # dst (base) = kb[k]
OP_CONST_E = 28        # dst (ext) = ke[k]

OP_NAMES = {v: k[3:] for k, v in globals().items() if k.startswith("OP_") and
            isinstance(v, int)}

_COLUMN_LOADS = {"main": (OP_LOAD_MAIN, 0), "main_next": (OP_LOAD_MAIN, 1),
                 "pre": (OP_LOAD_PRE, 0), "pre_next": (OP_LOAD_PRE, 1),
                 "aux": (OP_LOAD_AUX, 0), "aux_next": (OP_LOAD_AUX, 1)}
_SELECTORS = {"is_first_row": 0, "is_last_row": 1, "is_transition": 2}
_UNIFORM_LEAVES = {"public", "challenge", "claimed_sum"}


class BytecodeError(ValueError):
    """The constraint DAG cannot be translated (an unknown node kind)."""


# --- the compiled program ------------------------------------------------------------


class Program:
    """A table's constraints as bytecode (see the module docstring).

    Attributes: ``code`` ``(n, 5)`` int32 instructions; ``num_slots`` scratch rows;
    ``acc`` the accumulator's first scratch row; ``num_constraints`` K;
    ``uniform`` the uniform non-constant nodes in topological order (evaluated per call);
    ``kb_spec``/``ke_spec`` ``(node or None, negate)`` per immediate constant
    (``None`` = 0); ``const_roots`` ``(constraint index, node)`` of uniform constraints;
    ``widths`` the base-column counts the program reads of ``main``/``pre``/``aux``
    (checked before running: the kernel does no bounds checks).
    """

    __slots__ = ("code", "num_slots", "acc", "num_constraints", "uniform", "kb_spec",
                 "ke_spec", "const_roots", "widths", "_roots", "out_rows")

    def constants(self, public, challenges, claimed_sum, apow: np.ndarray):
        """``(kb, ke, acc0)`` for one call: the immediate constants of the program and the
        accumulator's initial value ``Σ_{uniform C_i} apow[i]·C_i``."""
        vals = _eval_uniform(self.uniform, public, challenges, claimed_sum)
        kb = np.zeros(max(1, len(self.kb_spec)), dtype=np.uint64)
        for j, (node, negate) in enumerate(self.kb_spec):
            v = 0 if node is None else _base_value(node, vals)
            kb[j] = (-v) % _P_INT if negate else v
        K = self.num_constraints
        ke = np.zeros((K + len(self.ke_spec), 4), dtype=np.uint64)
        ke[:K] = apow
        for j, (node, negate) in enumerate(self.ke_spec):
            c = (0, 0, 0, 0) if node is None else _ext_value(node, vals)
            ke[K + j] = [(-x) % _P_INT for x in c] if negate else c
        acc0 = Ext(0)
        for i, node in self.const_roots:
            acc0 = acc0 + Ext(tuple(int(x) for x in apow[i])) * Ext(_ext_value(node, vals))
        return _with_mont(kb, ke) + (np.array(acc0.coeffs, dtype=np.uint64),)


_R_INT = (1 << 32) % _P_INT


def _with_mont(kb: np.ndarray, ke: np.ndarray) -> tuple:
    """The immediate tables with their Montgomery forms (``k·2^32 mod p``), which the
    kernel multiplies by with one vectorisable Montgomery product instead of a 64-bit
    ``%``: ``kb`` → ``(n, 2)`` ``[k, k·R]``; ``ke`` → ``(m, 12)``
    ``[k0..k3, k0·R..k3·R, 11·k0·R..11·k3·R]`` (the last four fold the ``X^4 = 11``
    reduction of an extension product into the constant)."""
    P_ = _P_INT
    kb2 = np.empty((kb.shape[0], 2), dtype=np.uint64)
    kb2[:, 0] = kb
    kb2[:, 1] = (kb.astype(object) * _R_INT % P_).astype(np.uint64)
    ke2 = np.empty((ke.shape[0], 12), dtype=np.uint64)
    ke2[:, 0:4] = ke
    ko = ke.astype(object)
    ke2[:, 4:8] = (ko * _R_INT % P_).astype(np.uint64)
    ke2[:, 8:12] = (ko * (11 * _R_INT % P_) % P_).astype(np.uint64)
    return kb2, ke2


def _node_value(node, vals):
    if node.op == "const":
        return node.value
    return vals[id(node)]


def _base_value(node, vals) -> int:
    v = _node_value(node, vals)
    if not isinstance(v, int):  # pragma: no cover - a base node has a base value
        raise BytecodeError("base constant evaluated to an extension value")
    return v % _P_INT


def _ext_value(node, vals) -> tuple:
    v = _node_value(node, vals)
    if isinstance(v, int):
        return (v % _P_INT, 0, 0, 0)
    return tuple(int(x) for x in v.coeffs)


def _eval_uniform(nodes, public, challenges, claimed_sum) -> dict:
    """Values (int or Ext) of the uniform nodes, by ``id``; iterative (topo order)."""
    alg = sym.ScalarAlgebra()
    vals: dict[int, object] = {}
    get = vals.__getitem__
    for n in nodes:
        op = n.op
        if op == "var":
            kind, i = n.value
            if kind == "public":
                v = int(public[i]) % _P_INT
            elif kind == "challenge":
                v = Ext(tuple(int(x) for x in challenges[i]))
            else:  # claimed_sum
                v = Ext(0) if claimed_sum is None else Ext(tuple(int(x) for x in claimed_sum))
        else:
            xs = [a.value if a.op == "const" else get(id(a)) for a in n.args]
            v = getattr(alg, op)(*xs)
        vals[id(n)] = v
    return vals


def compile_program(exprs: list, outputs: bool = False) -> Program:
    """Translate the constraint roots ``exprs`` into a :class:`Program` (linear time, no
    recursion; see the module docstring).

    ``outputs=True``: instead of accumulating ``Σ apow[i]·exprs[i]``, the program leaves
    the value of every root in its own output slot (``Program.out_rows[i]``: first
    scratch row; 4 rows for an extension root), never recycled, so after a block the
    caller reads them from the scratch matrix (the LogUp kernel's denominators and
    multiplicities)."""
    order = sym.topo_order(exprs)
    uniform_ids: set[int] = set()
    uniform: list = []
    for n in order:
        if n.op == "const":
            uniform_ids.add(id(n))
        elif n.op == "var":
            if n.value[0] in _UNIFORM_LEAVES:
                uniform_ids.add(id(n))
                uniform.append(n)
        elif all(id(a) in uniform_ids for a in n.args):
            uniform_ids.add(id(n))
            uniform.append(n)
    roots_of: dict[int, list[int]] = {}
    const_roots = []
    for i, e in enumerate(exprs):
        if id(e) in uniform_ids:
            if outputs:
                const_roots.append((i, e))
            elif not (e.op == "const" and e.value == 0):
                const_roots.append((i, e))
        else:
            roots_of.setdefault(id(e), []).append(i)

    kb_spec: list = []
    ke_spec: list = []
    kb_idx: dict = {}
    ke_idx: dict = {}
    K = len(exprs)

    def kb(node, negate=False) -> int:
        key = (None if node is None else id(node), negate)
        if key not in kb_idx:
            kb_idx[key] = len(kb_spec)
            kb_spec.append((node, negate))
        return kb_idx[key]

    def ke(node, negate=False) -> int:
        key = (None if node is None else id(node), negate)
        if key not in ke_idx:
            ke_idx[key] = len(ke_spec)
            ke_spec.append((node, negate))
        return K + ke_idx[key]

    # pass 1: abstract instructions (op, dst node or None, [operand nodes], a_imm, b_imm, k)
    instrs: list = []
    ACC = object()  # marker: dst is the accumulator
    OUT = object()  # marker: dst is output slot k
    if outputs:
        for i, e in const_roots:
            if e.is_ext:
                instrs.append((OP_CONST_E, (OUT, i), (), 0, 0, ke(e)))
            else:
                instrs.append((OP_CONST_B, (OUT, i), (), 0, 0, kb(e)))
        const_roots = []
    for n in order:
        nid = id(n)
        if nid in uniform_ids:
            continue
        op = n.op
        if op == "var":
            kind, idx = n.value
            if kind in _COLUMN_LOADS:
                code, nxt = _COLUMN_LOADS[kind]
                instrs.append((code, n, (), idx, nxt, 0))
            elif kind in _SELECTORS:
                instrs.append((OP_LOAD_SEL, n, (), _SELECTORS[kind], 0, 0))
            else:  # pragma: no cover - construction prevents this
                raise BytecodeError(f"unknown leaf {kind!r}")
        else:
            instrs.append(_arith(n, uniform_ids, kb, ke))
        for i in roots_of.get(nid, ()):
            if outputs:
                instrs.append((OP_OUT_E if n.is_ext else OP_OUT_B, (OUT, i), (n,), 0, 0, 0))
            else:
                instrs.append((OP_ACC_E if n.is_ext else OP_ACC_B, ACC, (n,), 0, 0, i))

    # pass 2: liveness (last instruction reading each node)
    last: dict[int, int] = {}
    for t, ins in enumerate(instrs):
        for a in ins[2]:
            last[id(a)] = t
    # pass 3: slot allocation.  Base slots and extension slots are numbered separately
    # (``("b", i)`` -> scratch row i, ``("e", j)`` -> rows n_base + 4j .. +3, placed
    # after all base rows once their count is known); the accumulator comes last.
    slot: dict[int, tuple] = {}
    free = {"b": [], "e": []}
    count = {"b": 0, "e": 0}
    rows: list = []  # per instruction: (opc, dst handle, a, b, k)
    for t, ins in enumerate(instrs):
        opc, dst, operands, a_imm, b_imm, k = ins
        srcs = [slot[id(a)] for a in operands]
        # the destination is allocated *before* the operands dying here are freed, so it
        # never shares rows with an operand: the kernel's loops then see distinct arrays
        # and LLVM's vectorised path (guarded by a runtime overlap check) is taken; an
        # in-place update made them fall back to scalar code (~3x slower extension ops)
        if dst is ACC:
            d = ("acc", 0)
        elif isinstance(dst, tuple) and dst[0] is OUT:
            d = ("out", dst[1])
        else:
            kind = "e" if dst.is_ext else "b"
            if free[kind]:
                d = free[kind].pop()
            else:
                d = (kind, count[kind])
                count[kind] += 1
            slot[id(dst)] = d
        for a in operands:
            if last[id(a)] == t and id(a) in slot:
                h = slot.pop(id(a))
                free[h[0]].append(h)
        if opc in (OP_LOAD_MAIN, OP_LOAD_PRE, OP_LOAD_AUX, OP_LOAD_SEL):
            rows.append((opc, d, a_imm, b_imm, 0))
        elif opc in (OP_CONST_B, OP_CONST_E):
            rows.append((opc, d, 0, 0, k))
        else:
            rows.append((opc, d, srcs[0], srcs[1] if len(srcs) > 1 else ("imm", 0), k))
    n_base = count["b"]
    acc = n_base + 4 * count["e"]
    out_rows = []
    nxt = acc + 4
    for e in exprs if outputs else ():
        out_rows.append(nxt)
        nxt += 4 if e.is_ext else 1

    def row(h) -> int:
        kind, i = h
        if kind == "b":
            return i
        if kind == "e":
            return n_base + 4 * i
        if kind == "acc":
            return acc
        if kind == "out":
            return out_rows[i]
        return i  # an immediate

    code = np.zeros((len(rows), 5), dtype=np.int32)
    for t, (opc, d, a, b, k) in enumerate(rows):
        code[t, 0] = opc
        code[t, 1] = row(d)
        code[t, 2] = a if isinstance(a, int) else row(a)
        code[t, 3] = b if isinstance(b, int) else row(b)
        code[t, 4] = k
    widths = [0, 0, 0]
    for opc, _, col, _, _ in rows:
        if opc in (OP_LOAD_MAIN, OP_LOAD_PRE):
            widths[opc - OP_LOAD_MAIN] = max(widths[opc - OP_LOAD_MAIN], col + 1)
        elif opc == OP_LOAD_AUX:
            widths[2] = max(widths[2], 4 * col + 4)
    prog = Program()
    prog.code = code
    prog.widths = tuple(widths)
    prog.num_slots = nxt
    prog.acc = acc
    prog.out_rows = out_rows
    prog.num_constraints = K
    prog.uniform = uniform
    prog.kb_spec = kb_spec
    prog.ke_spec = ke_spec
    prog.const_roots = const_roots
    prog._roots = list(exprs)  # keeps the nodes (and so their ids) alive
    return prog


def _arith(n, uniform_ids, kb, ke):
    """The abstract instruction of a non-uniform arithmetic node ``n``."""
    op = n.op
    args = n.args

    def cls(x):  # operand class: 'C' uniform, 'E' extension slot, 'B' base slot
        if id(x) in uniform_ids:
            return "C"
        return "E" if x.is_ext else "B"

    if op == "neg":
        a = args[0]
        if n.is_ext:
            return (OP_E_RSUBK_E, n, (a,), 0, 0, ke(None))
        return (OP_B_RSUBK, n, (a,), 0, 0, kb(None))
    x, y = args
    cx, cy = cls(x), cls(y)
    if not n.is_ext:
        if cx == "B" and cy == "B":
            code = {"add": OP_B_ADD, "sub": OP_B_SUB, "mul": OP_B_MUL}[op]
            return (code, n, (x, y), 0, 0, 0)
        if op == "add":
            v, c = (x, y) if cx == "B" else (y, x)
            return (OP_B_ADDK, n, (v,), 0, 0, kb(c))
        if op == "mul":
            v, c = (x, y) if cx == "B" else (y, x)
            return (OP_B_MULK, n, (v,), 0, 0, kb(c))
        if cx == "B":  # x - c = x + (-c)
            return (OP_B_ADDK, n, (x,), 0, 0, kb(y, True))
        return (OP_B_RSUBK, n, (y,), 0, 0, kb(x))
    pair = cx + cy
    if op in ("add", "mul"):
        if pair in ("BE", "CE", "CB"):
            x, y, cx, cy = y, x, cy, cx
            pair = cx + cy
        if pair == "EE":
            return (OP_E_ADD_EE if op == "add" else OP_E_MUL_EE, n, (x, y), 0, 0, 0)
        if pair == "EB":
            return (OP_E_ADD_EB if op == "add" else OP_E_MUL_EB, n, (x, y), 0, 0, 0)
        if pair == "EC":
            return (OP_E_ADDK_E if op == "add" else OP_E_MULK_E, n, (x,), 0, 0, ke(y))
        if pair == "BC":
            return (OP_E_ADDK_B if op == "add" else OP_E_MULK_B, n, (x,), 0, 0, ke(y))
        raise BytecodeError(f"unexpected operand classes {pair}")  # pragma: no cover
    # sub
    if pair == "EE":
        return (OP_E_SUB_EE, n, (x, y), 0, 0, 0)
    if pair == "EB":
        return (OP_E_SUB_EB, n, (x, y), 0, 0, 0)
    if pair == "BE":
        return (OP_E_SUB_BE, n, (x, y), 0, 0, 0)
    if pair == "EC":
        return (OP_E_ADDK_E, n, (x,), 0, 0, ke(y, True))
    if pair == "BC":
        return (OP_E_ADDK_B, n, (x,), 0, 0, ke(y, True))
    if pair == "CE":
        return (OP_E_RSUBK_E, n, (y,), 0, 0, ke(x))
    if pair == "CB":
        return (OP_E_RSUBK_B, n, (y,), 0, 0, ke(x))
    raise BytecodeError(f"unexpected operand classes {pair}")  # pragma: no cover


# --- program cache ---------------------------------------------------------------------

_PROGRAMS: dict[tuple, Program] = {}
_PROGRAMS_LOCK = threading.Lock()


def load_program(exprs: list, outputs: bool = False) -> Program:
    """The (memoised) :class:`Program` of the constraint roots ``exprs``.  The cache key
    is the tuple of the roots' ids (and the mode); the program keeps the roots alive, so
    an id cannot be reused by another node while its entry exists."""
    key = (outputs, *(id(e) for e in exprs))
    prog = _PROGRAMS.get(key)
    if prog is None:
        prog = compile_program(exprs, outputs=outputs)
        with _PROGRAMS_LOCK:
            _PROGRAMS[key] = prog
    return prog


# --- the interpreter -------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _exec_block(code, kb, ke, main, pre, aux, first, last, trans, shift, stride, N, S, q0, m):
    """Run the program once over the ``m`` domain rows ``q0 .. q0+m−1`` (scratch ``S``)."""
    n_ins = code.shape[0]
    for t in range(n_ins):
        op = code[t, 0]
        d = code[t, 1]
        a = code[t, 2]
        b = code[t, 3]
        k = code[t, 4]
        if op <= OP_LOAD_SEL:
            if op == OP_LOAD_SEL:
                src = first if a == 0 else (last if a == 1 else trans)
                dst = S[d]
                for j in range(m):
                    dst[j] = src[q0 + j]
                continue
            qs = q0
            if b:
                qs += shift
                if qs >= N:
                    qs -= N
            if op == OP_LOAD_MAIN:
                dst = S[d]
                q = qs
                for j in range(m):
                    dst[j] = main[q * stride, a]
                    q += 1
                    if q == N:
                        q = 0
            elif op == OP_LOAD_PRE:
                dst = S[d]
                q = qs
                for j in range(m):
                    dst[j] = pre[q * stride, a]
                    q += 1
                    if q == N:
                        q = 0
            else:
                d0 = S[d]
                d1 = S[d + 1]
                d2 = S[d + 2]
                d3 = S[d + 3]
                c0 = 4 * a
                q = qs
                for j in range(m):
                    r = q * stride
                    d0[j] = aux[r, c0]
                    d1[j] = aux[r, c0 + 1]
                    d2[j] = aux[r, c0 + 2]
                    d3[j] = aux[r, c0 + 3]
                    q += 1
                    if q == N:
                        q = 0
        elif op <= OP_B_MULK:
            x = S[a]
            z = S[d]
            if op == OP_B_ADD:
                y = S[b]
                for j in range(m):
                    s = x[j] + y[j]
                    z[j] = s - P if s >= P else s
            elif op == OP_B_SUB:
                y = S[b]
                for j in range(m):
                    s = x[j] + P - y[j]
                    z[j] = s - P if s >= P else s
            elif op == OP_B_MUL:
                y = S[b]
                for j in range(m):
                    z[j] = _mulv(x[j], y[j])
            elif op == OP_B_ADDK:
                kv = kb[k, 0]
                for j in range(m):
                    s = x[j] + kv
                    z[j] = s - P if s >= P else s
            elif op == OP_B_RSUBK:
                kv = kb[k, 0] + P
                for j in range(m):
                    s = kv - x[j]
                    z[j] = s - P if s >= P else s
            else:  # OP_B_MULK: one Montgomery product with k·R
                kv = kb[k, 1]
                for j in range(m):
                    z[j] = _mm(x[j], kv)
        elif op <= OP_E_MULK_B:
            _ext_op(op, S, d, a, b, ke[k], m)
        elif op >= OP_OUT_B:
            if op == OP_OUT_B:
                x = S[a]
                z = S[d]
                for j in range(m):
                    z[j] = x[j]
            elif op == OP_OUT_E:
                for c in range(4):
                    x = S[a + c]
                    z = S[d + c]
                    for j in range(m):
                        z[j] = x[j]
            elif op == OP_CONST_B:
                kv = kb[k, 0]
                z = S[d]
                for j in range(m):
                    z[j] = kv
            else:  # OP_CONST_E
                for c in range(4):
                    kv = ke[k, c]
                    z = S[d + c]
                    for j in range(m):
                        z[j] = kv
        else:  # accumulate into the extension slot d
            z0 = S[d]
            z1 = S[d + 1]
            z2 = S[d + 2]
            z3 = S[d + 3]
            kv = ke[k]
            if op == OP_ACC_B:
                x = S[a]
                m0 = kv[4]
                m1 = kv[5]
                m2 = kv[6]
                m3 = kv[7]
                for j in range(m):
                    v = x[j]
                    s = z0[j] + _mm(v, m0)
                    z0[j] = s - P if s >= P else s
                    s = z1[j] + _mm(v, m1)
                    z1[j] = s - P if s >= P else s
                    s = z2[j] + _mm(v, m2)
                    z2[j] = s - P if s >= P else s
                    s = z3[j] + _mm(v, m3)
                    z3[j] = s - P if s >= P else s
            else:
                x0 = S[a]
                x1 = S[a + 1]
                x2 = S[a + 2]
                x3 = S[a + 3]
                for j in range(m):
                    e0, e1, e2, e3 = _emul_k(x0[j], x1[j], x2[j], x3[j], kv)
                    s = z0[j] + e0
                    z0[j] = s - P if s >= P else s
                    s = z1[j] + e1
                    z1[j] = s - P if s >= P else s
                    s = z2[j] + e2
                    z2[j] = s - P if s >= P else s
                    s = z3[j] + e3
                    z3[j] = s - P if s >= P else s

@njit(cache=True, nogil=True)
def _bytecode_kernel(code, kb, ke, acc0, main, pre, aux, first, last, trans, zh_inv,
                     shift, qmask, stride, num_slots, acc, block, out, r0, r1):
    """``out[q] = zh_inv[q & qmask] · (acc0 + Σ ACC terms)`` for ``r0 <= q < r1``."""
    N = out.shape[0]
    S = np.empty((num_slots, block), dtype=np.uint64)
    for q0 in range(r0, r1, block):
        m = min(block, r1 - q0)
        for c in range(4):
            row = S[acc + c]
            v = acc0[c]
            for j in range(m):
                row[j] = v
        _exec_block(code, kb, ke, main, pre, aux, first, last, trans, shift, stride, N, S,
                    q0, m)
        z0 = S[acc]
        z1 = S[acc + 1]
        z2 = S[acc + 2]
        z3 = S[acc + 3]
        for j in range(m):
            q = q0 + j
            zi = zh_inv[q & qmask]
            out[q, 0] = np.uint32((z0[j] * zi) % P)
            out[q, 1] = np.uint32((z1[j] * zi) % P)
            out[q, 2] = np.uint32((z2[j] * zi) % P)
            out[q, 3] = np.uint32((z3[j] * zi) % P)


@njit(cache=True, nogil=True, inline="always")
def _emul(a0, a1, a2, a3, b0, b1, b2, b3):
    """Product in F_p[X]/(X^4 − 11); at most four unreduced products are summed
    (4·(p−1)^2 < 2^64)."""
    c0 = (a0 * b0 + W * ((a1 * b3 + a2 * b2 + a3 * b1) % P)) % P
    c1 = (a0 * b1 + a1 * b0 + W * ((a2 * b3 + a3 * b2) % P)) % P
    c2 = (a0 * b2 + a1 * b1 + a2 * b0 + W * ((a3 * b3) % P)) % P
    c3 = (a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0) % P
    return c0, c1, c2, c3


_M32K = np.uint64(0xFFFFFFFF)
_MUK = np.uint64(0x77FFFFFF)  # −p^{-1} mod 2^32
_S32K = np.uint64(32)
_P32K = np.uint32(_P_INT)
_R2K = np.uint64((1 << 64) % _P_INT)  # R^2 mod p
_WRK = np.uint64(11 * ((1 << 32) % _P_INT) % _P_INT)  # 11·R mod p
_2PK = np.uint64(2 * _P_INT)


@njit(cache=True, nogil=True, inline="always")
def _mm(a, b):
    """Montgomery product ``a·b·2^-32 mod p`` (canonical) of ``a < 2p`` and ``b < 2^32``
    (uint64 holding 32-bit values: masked so LLVM uses one 32×32→64 multiply per lane
    and vectorises); with ``b = k·2^32 mod p`` it is the plain product ``a·k``."""
    t = (a & _M32K) * (b & _M32K)
    mm = ((t & _M32K) * _MUK) & _M32K
    u = np.uint32((t + mm * P) >> _S32K)
    return np.uint64(min(u, np.uint32(u - _P32K)))


@njit(cache=True, nogil=True, inline="always")
def _mulv(a, b):
    """``a·b mod p`` of two canonical variables: two Montgomery products
    (``mont(mont(a, b), R²) = a·b``)."""
    return _mm(_mm(a, b), _R2K)


@njit(cache=True, nogil=True, inline="always")
def _red4(s):
    """``s mod p`` for ``s < 4p``."""
    if s >= _2PK:
        s -= _2PK
    if s >= P:
        s -= P
    return s


@njit(cache=True, nogil=True, inline="always")
def _emul_k(a0, a1, a2, a3, kv):
    """``a · K`` for a canonical extension value ``a`` and an immediate ``K`` given by its
    Montgomery columns ``kv[4:8]`` (``K·R``) and ``kv[8:12]`` (``11·K·R``)."""
    c0 = _red4(_mm(a0, kv[4]) + _mm(a1, kv[11]) + _mm(a2, kv[10]) + _mm(a3, kv[9]))
    c1 = _red4(_mm(a0, kv[5]) + _mm(a1, kv[4]) + _mm(a2, kv[11]) + _mm(a3, kv[10]))
    c2 = _red4(_mm(a0, kv[6]) + _mm(a1, kv[5]) + _mm(a2, kv[4]) + _mm(a3, kv[11]))
    c3 = _red4(_mm(a0, kv[7]) + _mm(a1, kv[6]) + _mm(a2, kv[5]) + _mm(a3, kv[4]))
    return c0, c1, c2, c3


@njit(cache=True, nogil=True, inline="always")
def _emul_v(a0, a1, a2, a3, b0, b1, b2, b3):
    """``a · b`` of two canonical extension values with Montgomery products: each
    coefficient is ``mont(Σ mont(a_i, b_j) + mont(Σ' mont(a_i, b_j), 11·R), R²)``."""
    t0 = _red4(_mm(a1, b3) + _mm(a2, b2) + _mm(a3, b1))
    c0 = _mm(_red4(_mm(a0, b0) + _mm(t0, _WRK)), _R2K)
    t1 = _red4(_mm(a2, b3) + _mm(a3, b2))
    c1 = _mm(_red4(_mm(a0, b1) + _mm(a1, b0) + _mm(t1, _WRK)), _R2K)
    c2 = _mm(_red4(_mm(a0, b2) + _mm(a1, b1) + _mm(a2, b0) + _mm(_mm(a3, b3), _WRK)), _R2K)
    c3 = _mm(_red4(_mm(a0, b3) + _mm(a1, b2) + _mm(a2, b1) + _mm(a3, b0)), _R2K)
    return c0, c1, c2, c3


@njit(cache=True, nogil=True)
def _ext_op(op, S, d, a, b, kv, m):
    """The extension instructions (dst rows ``d..d+3``) over ``m`` block rows."""
    z0 = S[d]
    z1 = S[d + 1]
    z2 = S[d + 2]
    z3 = S[d + 3]
    k0 = kv[0]
    k1 = kv[1]
    k2 = kv[2]
    k3 = kv[3]
    if op == OP_E_ADD_EE or op == OP_E_SUB_EE or op == OP_E_MUL_EE:
        x0 = S[a]
        x1 = S[a + 1]
        x2 = S[a + 2]
        x3 = S[a + 3]
        y0 = S[b]
        y1 = S[b + 1]
        y2 = S[b + 2]
        y3 = S[b + 3]
        if op == OP_E_MUL_EE:
            for j in range(m):
                c0, c1, c2, c3 = _emul_v(x0[j], x1[j], x2[j], x3[j], y0[j], y1[j], y2[j], y3[j])
                z0[j] = c0
                z1[j] = c1
                z2[j] = c2
                z3[j] = c3
        elif op == OP_E_ADD_EE:
            for j in range(m):
                s0 = x0[j] + y0[j]
                s1 = x1[j] + y1[j]
                s2 = x2[j] + y2[j]
                s3 = x3[j] + y3[j]
                z0[j] = s0 - P if s0 >= P else s0
                z1[j] = s1 - P if s1 >= P else s1
                z2[j] = s2 - P if s2 >= P else s2
                z3[j] = s3 - P if s3 >= P else s3
        else:
            for j in range(m):
                s0 = x0[j] + P - y0[j]
                s1 = x1[j] + P - y1[j]
                s2 = x2[j] + P - y2[j]
                s3 = x3[j] + P - y3[j]
                z0[j] = s0 - P if s0 >= P else s0
                z1[j] = s1 - P if s1 >= P else s1
                z2[j] = s2 - P if s2 >= P else s2
                z3[j] = s3 - P if s3 >= P else s3
    elif op == OP_E_ADD_EB or op == OP_E_SUB_EB or op == OP_E_MUL_EB:
        x0 = S[a]
        x1 = S[a + 1]
        x2 = S[a + 2]
        x3 = S[a + 3]
        y = S[b]
        if op == OP_E_MUL_EB:
            for j in range(m):
                vr = _mm(y[j], _R2K)  # v·R: then mont(x_i, v·R) = x_i·v
                c0 = _mm(x0[j], vr)
                c1 = _mm(x1[j], vr)
                c2 = _mm(x2[j], vr)
                c3 = _mm(x3[j], vr)
                z0[j] = c0
                z1[j] = c1
                z2[j] = c2
                z3[j] = c3
        else:
            for j in range(m):
                s = x0[j] + y[j] if op == OP_E_ADD_EB else x0[j] + P - y[j]
                c1 = x1[j]
                c2 = x2[j]
                c3 = x3[j]
                z0[j] = s - P if s >= P else s
                z1[j] = c1
                z2[j] = c2
                z3[j] = c3
    elif op == OP_E_SUB_BE:
        x = S[a]
        y0 = S[b]
        y1 = S[b + 1]
        y2 = S[b + 2]
        y3 = S[b + 3]
        for j in range(m):
            s = x[j] + P - y0[j]
            c1 = (P - y1[j]) % P
            c2 = (P - y2[j]) % P
            c3 = (P - y3[j]) % P
            z0[j] = s - P if s >= P else s
            z1[j] = c1
            z2[j] = c2
            z3[j] = c3
    elif op == OP_E_ADDK_E or op == OP_E_RSUBK_E or op == OP_E_MULK_E:
        x0 = S[a]
        x1 = S[a + 1]
        x2 = S[a + 2]
        x3 = S[a + 3]
        if op == OP_E_MULK_E:
            for j in range(m):
                c0, c1, c2, c3 = _emul_k(x0[j], x1[j], x2[j], x3[j], kv)
                z0[j] = c0
                z1[j] = c1
                z2[j] = c2
                z3[j] = c3
        elif op == OP_E_ADDK_E:
            for j in range(m):
                s0 = x0[j] + k0
                s1 = x1[j] + k1
                s2 = x2[j] + k2
                s3 = x3[j] + k3
                z0[j] = s0 - P if s0 >= P else s0
                z1[j] = s1 - P if s1 >= P else s1
                z2[j] = s2 - P if s2 >= P else s2
                z3[j] = s3 - P if s3 >= P else s3
        else:
            for j in range(m):
                s0 = k0 + P - x0[j]
                s1 = k1 + P - x1[j]
                s2 = k2 + P - x2[j]
                s3 = k3 + P - x3[j]
                z0[j] = s0 - P if s0 >= P else s0
                z1[j] = s1 - P if s1 >= P else s1
                z2[j] = s2 - P if s2 >= P else s2
                z3[j] = s3 - P if s3 >= P else s3
    else:  # base slot a with the constant K
        x = S[a]
        if op == OP_E_MULK_B:
            m0 = kv[4]
            m1 = kv[5]
            m2 = kv[6]
            m3 = kv[7]
            for j in range(m):
                v = x[j]
                z0[j] = _mm(v, m0)
                z1[j] = _mm(v, m1)
                z2[j] = _mm(v, m2)
                z3[j] = _mm(v, m3)
        elif op == OP_E_ADDK_B:
            for j in range(m):
                s = x[j] + k0
                z0[j] = s - P if s >= P else s
                z1[j] = k1
                z2[j] = k2
                z3[j] = k3
        else:  # OP_E_RSUBK_B
            for j in range(m):
                s = k0 + P - x[j]
                z0[j] = s - P if s >= P else s
                z1[j] = k1
                z2[j] = k2
                z3[j] = k3


def evaluate_quotient(exprs: list, main, pre, aux, public, challenges, claimed_sum,
                      apow: np.ndarray, first, last, trans, zh_inv, shift: int, stride: int,
                      out: np.ndarray, block: int = DEFAULT_BLOCK,
                      threads: int | None = None) -> None:
    """Fill ``out`` (``(N, 4)`` uint32) with ``zh_inv[q & (shift−1)] · Σ_i apow[i]·exprs[i](q)``
    over the quotient domain (the argument conventions of the module docstring);
    ``threads``: None = automatic (one thread below :data:`SERIAL_ROWS` rows)."""
    prog = load_program(exprs)
    kb, ke, acc0 = prog.constants(public, challenges, claimed_sum, apow)
    N = out.shape[0]
    # one numba specialisation for every call: uint32 C-contiguous matrices (no copy for
    # the PCS's LDE matrices, which already are)
    main = np.ascontiguousarray(main, dtype=np.uint32)
    pre = (np.zeros((1, 1), dtype=np.uint32) if pre is None
           else np.ascontiguousarray(pre, dtype=np.uint32))
    aux = (np.zeros((1, 4), dtype=np.uint32) if aux is None
           else np.ascontiguousarray(aux, dtype=np.uint32))
    # Safety: the kernel indexes without bounds checks (nogil, no Python objects)
    if out.dtype != np.uint32 or out.ndim != 2 or out.shape[1] != 4 or not \
            out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous (N, 4) uint32 array")
    if block < 1 or shift < 1 or shift & (shift - 1) or N % shift or stride < 1:
        raise ValueError(f"bad block/shift/stride ({block}, {shift}, {stride})")
    if len(first) < N or len(last) < N or len(trans) < N or len(zh_inv) < shift:
        raise ValueError("selector vectors shorter than the quotient domain")
    for name, mat, w in zip(("main", "pre", "aux"), (main, pre, aux), prog.widths):
        if w and (mat.ndim != 2 or mat.shape[0] < N * stride or mat.shape[1] < w):
            raise ValueError(f"{name} matrix {mat.shape} too small: the constraints read "
                             f"{w} columns of {N * stride} rows")
    args = (prog.code, kb, ke, acc0, main, pre, aux,
            np.ascontiguousarray(first, dtype=np.uint32),
            np.ascontiguousarray(last, dtype=np.uint32),
            np.ascontiguousarray(trans, dtype=np.uint32),
            np.ascontiguousarray(zh_inv, dtype=np.uint64), int(shift), int(shift) - 1,
            int(stride), prog.num_slots, prog.acc, int(block), out)
    run_kernel(_bytecode_kernel, *args, rows=N, threads=threads)


def run_kernel(kern, *args, rows: int, threads: int | None = None):
    """Run ``kern(*args, r0, r1)`` over ``[0, rows)``, split across a thread pool for
    large ``rows`` (the kernel releases the GIL); small domains run on the calling
    thread (thread start-up dominated tiny proofs on a loaded machine)."""
    import numba

    if threads is None:
        threads = 1 if rows < SERIAL_ROWS else \
            max(1, min(numba.get_num_threads(), rows // ROWS_PER_THREAD))
    threads = max(1, min(int(threads), rows))
    if threads == 1:
        kern(*args, 0, rows)
        return
    from concurrent.futures import ThreadPoolExecutor

    step = -(-rows // threads)
    with ThreadPoolExecutor(threads) as ex:
        futs = [ex.submit(kern, *args, s, min(rows, s + step)) for s in range(0, rows, step)]
        for f in futs:
            f.result()


# --- expressions over the trace domain ----------------------------------------------------


@njit(cache=True, nogil=True)
def _rows_kernel(code, kb, ke, main, pre, first, last, trans, num_slots, block, src_rows,
                 out, r0, r1):
    """``out[q, c] = S[src_rows[c]]`` after running the (output-mode) program on trace
    rows ``r0 .. r1−1`` (next row of ``q`` is ``q + 1 mod n``)."""
    n = out.shape[0]
    S = np.empty((num_slots, block), dtype=np.uint64)
    aux_dummy = np.zeros((1, 4), dtype=np.uint32)
    ncol = src_rows.shape[0]
    for q0 in range(r0, r1, block):
        m = min(block, r1 - q0)
        _exec_block(code, kb, ke, main, pre, aux_dummy, first, last, trans, 1, 1, n, S,
                    q0, m)
        for c in range(ncol):
            src = S[src_rows[c]]
            for j in range(m):
                out[q0 + j, c] = np.uint32(src[j])


def _trace_selectors(n: int):
    first = np.zeros(n, dtype=np.uint32)
    last = np.zeros(n, dtype=np.uint32)
    trans = np.ones(n, dtype=np.uint32)
    if n:
        first[0] = 1
        last[n - 1] = 1
        trans[n - 1] = 0
    return first, last, trans


def _checked_inputs(prog, main, pre, n):
    main = np.ascontiguousarray(main, dtype=np.uint32)
    pre = (np.zeros((1, 1), dtype=np.uint32) if pre is None
           else np.ascontiguousarray(pre, dtype=np.uint32))
    # Safety: the kernels index without bounds checks
    for name, mat, w in zip(("main", "pre"), (main, pre), prog.widths[:2]):
        if w and (mat.ndim != 2 or mat.shape[0] < n or mat.shape[1] < w):
            raise ValueError(f"{name} matrix {mat.shape} too small: the expressions read "
                             f"{w} columns of {n} rows")
    if prog.widths[2]:
        raise ValueError("expressions over the trace domain cannot read the aux trace")
    return main, pre


def _row_ranges(n: int, threads: int | None, block: int) -> list:
    """Row ranges of the work items: one with one thread, else ``ITEMS_PER_THREAD`` per
    thread (each ≥ ``ROWS_PER_THREAD`` rows and a whole number of blocks), which
    :func:`_run_ranges` hands out as threads get free."""
    import numba

    if threads is None:
        threads = 1 if n < SERIAL_ROWS else max(1, min(numba.get_num_threads(),
                                                        n // ROWS_PER_THREAD))
    threads = max(1, min(int(threads), max(1, n)))
    items = 1 if threads == 1 else max(threads, min(threads * ITEMS_PER_THREAD,
                                                    n // ROWS_PER_THREAD))
    step = -(-n // items)
    step = max(block, -(-step // block) * block)
    return [(s, min(n, s + step)) for s in range(0, n, step)]


def _run_ranges(fn, ranges):
    """``[fn(r0, r1) for each range]``, the ranges shared out over at most
    ``numba.get_num_threads()`` threads (the kernels release the GIL)."""
    if len(ranges) <= 1:
        return [fn(r0, r1) for r0, r1 in ranges]
    import numba
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, min(len(ranges), numba.get_num_threads()))) as ex:
        return list(ex.map(lambda r: fn(*r), ranges))


def evaluate_on_trace(exprs: list, main, pre, public, challenges=None,
                      threads: int | None = None, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """Every expression of ``exprs`` on every row of the trace domain ``H_n`` (``n`` =
    ``main``'s height; ``*_next`` leaves read row ``i + 1 mod n``; selectors are the 0/1
    first/last/transition vectors), as one ``(n, C)`` uint32 matrix: a base expression
    fills one column, an extension one four.  Leaves: ``main``, ``pre``, ``public``,
    ``challenge`` (a list of (4,) arrays) and the selectors.  Same values as
    :func:`zkvm.stark.symbolic.evaluate` with :class:`~zkvm.stark.evaluate.NumpyAlgebra`
    over :func:`~zkvm.stark.evaluate.trace_leaf` (tests compare them)."""
    prog = load_program(exprs, outputs=True)
    n = main.shape[0]
    main, pre = _checked_inputs(prog, main, pre, n)
    ch = challenges if challenges is not None else [np.zeros(4, np.uint32)] * 2
    kb, ke, _ = prog.constants(public, ch, None, np.zeros((len(exprs), 4), np.uint64))
    src = []
    for e, r in zip(exprs, prog.out_rows, strict=True):
        src.extend(range(r, r + 4) if e.is_ext else (r,))
    src_rows = np.asarray(src, dtype=np.int64)
    out = np.empty((n, len(src)), dtype=np.uint32)
    first, last, trans = _trace_selectors(n)
    args = (prog.code, kb, ke, main, pre, first, last, trans, prog.num_slots, int(block),
            src_rows, out)
    _run_ranges(lambda r0, r1: _rows_kernel(*args, r0, r1), _row_ranges(n, threads, block))
    return out


# --- LogUp aux trace -------------------------------------------------------------------


#: independent product chains in the LogUp kernel's batch inversion (a power of two)
_CHAINS = 4


@njit(cache=True, nogil=True)
def _logup_kernel(code, kb, ke, main, pre, first, last, trans, num_slots, block,
                  mult_rows, den_rows, neg, group_of, n_groups, out, totals, r0, r1):
    """LogUp aux rows ``r0 .. r1−1`` of a table of height ``n = out.shape[0]``.

    The program (output mode) leaves interaction ``k``'s multiplicity in scratch row
    ``mult_rows[k]`` and its denominator ``α − φ_k`` (extension) in rows
    ``den_rows[k] .. +3``.  Per block, the denominators of the rows with a non-zero
    multiplicity are inverted together (norm to the base field, Montgomery's trick, one
    exponentiation), and ``h_g = Σ_{k in group g} ±m_k / d_k`` is written to aux columns
    ``4g .. 4g+3``; columns ``4G .. 4G+3`` get the exclusive running sum of ``Σ_g h_g``
    (the rows before this one) *from row r0* (the caller adds the sums of the earlier
    ranges).  ``totals`` receives this
    range's sum.  Returns −1, or the first row where a contributing denominator is 0.

    Rows whose multiplicity is 0 contribute nothing whatever their denominator (it is
    not inverted, so a zero there is harmless), exactly as the reference
    :func:`zkvm.stark.quotient.generate_aux_trace`.
    """
    p = P
    n = out.shape[0]
    K = mult_rows.shape[0]
    S = np.empty((num_slots, block), dtype=np.uint64)
    aux_dummy = np.zeros((1, 4), dtype=np.uint32)
    cap = K * block
    ent = np.empty(cap, dtype=np.int64)          # k * block + j
    n0s = np.empty(cap, dtype=np.uint64)
    n1s = np.empty(cap, dtype=np.uint64)
    dns = np.empty(cap, dtype=np.uint64)
    pre_prod = np.empty(cap, dtype=np.uint64)
    H = np.zeros((n_groups, 4, block), dtype=np.uint64)
    accs = np.ones(_CHAINS, dtype=np.uint64)
    invs = np.ones(_CHAINS, dtype=np.uint64)
    run0 = np.uint64(0)
    run1 = np.uint64(0)
    run2 = np.uint64(0)
    run3 = np.uint64(0)
    G = n_groups
    for q0 in range(r0, r1, block):
        m = min(block, r1 - q0)
        _exec_block(code, kb, ke, main, pre, aux_dummy, first, last, trans, 1, 1, n, S,
                    q0, m)
        c = 0
        for l in range(_CHAINS):
            accs[l] = 1
        for k in range(K):
            mr = S[mult_rows[k]]
            dr = den_rows[k]
            x0 = S[dr]
            x1 = S[dr + 1]
            x2 = S[dr + 2]
            x3 = S[dr + 3]
            for j in range(m):
                if mr[j] == 0:
                    continue
                a0 = x0[j]
                a1 = x1[j]
                a2 = x2[j]
                a3 = x3[j]
                # norm: a·a(−X) = n0 + n1 X², (n0 + n1 X²)(n0 − n1 X²) = n0² − W n1²
                # (delayed reduction as in zkvm.field.ext._ext_inv_k: every sum < 2^64)
                x13 = (a1 * a3) % p
                n0 = (a0 * a0 + W * ((a2 * a2) % p) + _W2P - _W2 * x13) % p
                n1 = (_TWO * a0 * a2 + _PP - a1 * a1 + _WP - W * ((a3 * a3) % p)) % p
                dn = (n0 * n0 + _WP - W * ((n1 * n1) % p)) % p
                if dn == 0:
                    return q0 + j
                ent[c] = k * block + j
                n0s[c] = n0
                n1s[c] = n1
                dns[c] = dn
                li = c & (_CHAINS - 1)
                pre_prod[c] = accs[li]
                accs[li] = (accs[li] * dn) % p
                c += 1
        for g in range(G):
            for cc in range(4):
                hg = H[g, cc]
                for j in range(m):
                    hg[j] = 0
        if c:
            # invs[l] = accs[l]^(p-2): one exponentiation per interleaved product chain
            # (entry t belongs to chain t mod _CHAINS: independent multiplications)
            for l in range(_CHAINS):
                r = np.uint64(1)
                base = accs[l]
                e = _P_INT - 2
                while e > 0:
                    if e & 1:
                        r = (r * base) % p
                    base = (base * base) % p
                    e >>= 1
                invs[l] = r
            for t in range(c - 1, -1, -1):
                li = t & (_CHAINS - 1)
                dinv = (invs[li] * pre_prod[t]) % p
                invs[li] = (invs[li] * dns[t]) % p
                k = ent[t] // block
                j = ent[t] - k * block
                dr = den_rows[k]
                a0 = S[dr, j]
                a1 = S[dr + 1, j]
                a2 = S[dr + 2, j]
                a3 = S[dr + 3, j]
                mv = S[mult_rows[k], j]
                if neg[k]:
                    mv = p - mv
                # scale the norm inverse by the multiplicity once: m/d = ā·(n0 − n1 X²)·m/N
                dm = (dinv * mv) % p
                m0 = (n0s[t] * dm) % p
                m1 = ((p - n1s[t]) * dm) % p
                # (a0 − a1 X + a2 X² − a3 X³)(m0 + m1 X²), X⁴ = W
                r0_ = (a0 * m0 + W * ((a2 * m1) % p)) % p
                r1_ = (a1 * m0 + W * ((a3 * m1) % p)) % p
                r2_ = (a2 * m0 + a0 * m1) % p
                r3_ = (a3 * m0 + a1 * m1) % p
                g = group_of[k]
                s = H[g, 0, j] + r0_
                H[g, 0, j] = s - p if s >= p else s
                s = H[g, 1, j] + p - r1_
                H[g, 1, j] = s - p if s >= p else s
                s = H[g, 2, j] + r2_
                H[g, 2, j] = s - p if s >= p else s
                s = H[g, 3, j] + p - r3_
                H[g, 3, j] = s - p if s >= p else s
        for j in range(m):
            row = q0 + j
            # exclusive running sum: the row gets Σ of the rows before it
            out[row, 4 * G] = np.uint32(run0)
            out[row, 4 * G + 1] = np.uint32(run1)
            out[row, 4 * G + 2] = np.uint32(run2)
            out[row, 4 * G + 3] = np.uint32(run3)
            s0 = run0
            s1 = run1
            s2 = run2
            s3 = run3
            for g in range(G):
                v0 = H[g, 0, j]
                v1 = H[g, 1, j]
                v2 = H[g, 2, j]
                v3 = H[g, 3, j]
                out[row, 4 * g] = np.uint32(v0)
                out[row, 4 * g + 1] = np.uint32(v1)
                out[row, 4 * g + 2] = np.uint32(v2)
                out[row, 4 * g + 3] = np.uint32(v3)
                s0 += v0
                s1 += v1
                s2 += v2
                s3 += v3
            run0 = s0 % p
            run1 = s1 % p
            run2 = s2 % p
            run3 = s3 % p
    totals[0] = run0
    totals[1] = run1
    totals[2] = run2
    totals[3] = run3
    return -1


_LOGUP_EXPRS: dict = {}


def logup_exprs(table) -> list:
    """``[m_0, α − φ_0, m_1, α − φ_1, …]`` of the table's interactions: stable objects,
    memoised per LogUp layout (shared by every system built from the same compiled AIR,
    :func:`zkvm.stark.system._layout`), so the compiled program is cached across proofs."""
    hit = _LOGUP_EXPRS.get(id(table.layout))
    if hit is None or hit[0] is not table.layout:
        from zkvm.stark.logup import denominator_expr

        ex = []
        for it in table.interactions:
            ex.append(it.multiplicity)
            ex.append(denominator_expr(it))
        hit = (table.layout, ex)
        with _PROGRAMS_LOCK:
            _LOGUP_EXPRS[id(table.layout)] = hit
    return hit[1]


def logup_aux_trace(table, main, pre, public, challenges, threads: int | None = None,
                    block: int = DEFAULT_BLOCK):
    """The LogUp aux trace of one table with the compiled interpreter: ``(aux, claimed)``
    exactly as :func:`zkvm.stark.quotient.generate_aux_trace` (the reference) returns
    them: ``aux`` ``(n, 4·(G+1))`` uint32 (helpers, then the exclusive running sum),
    ``claimed`` (4,).

    Raises ``ZeroDivisionError`` with the row if a contributing denominator is zero."""
    layout = table.layout
    its = table.interactions
    exprs = logup_exprs(table)
    prog = load_program(exprs, outputs=True)
    n = main.shape[0]
    K = len(its)
    kb, ke, _ = prog.constants(public, challenges, None, np.zeros((len(exprs), 4), np.uint64))
    main, pre = _checked_inputs(prog, main, pre, n)
    first, last, trans = _trace_selectors(n)
    rows = np.asarray(prog.out_rows, dtype=np.int64)
    mult_rows = np.ascontiguousarray(rows[0::2])
    den_rows = np.ascontiguousarray(rows[1::2])
    neg = np.array([1 if it.sign < 0 else 0 for it in its], dtype=np.int64)
    group_of = np.zeros(K, dtype=np.int64)
    for g, idx in enumerate(layout.groups):
        for k in idx:
            group_of[k] = g
    G = len(layout.groups)
    out = np.empty((n, 4 * (G + 1)), dtype=np.uint32)
    ranges = _row_ranges(n, threads, block)
    totals = np.zeros((len(ranges), 4), dtype=np.uint64)
    args = (prog.code, kb, ke, main, pre, first, last, trans, prog.num_slots, int(block),
            mult_rows, den_rows, neg, group_of, G, out)
    starts = {r0: i for i, (r0, _) in enumerate(ranges)}
    bad = _run_ranges(lambda r0, r1: _logup_kernel(*args, totals[starts[r0]], r0, r1), ranges)
    bad = [b for b in bad if b >= 0]
    if bad:
        raise ZeroDivisionError(f"LogUp denominator is zero at row {min(bad)}")
    # running sums of the later ranges start from the sum of the earlier ones
    offs = np.zeros((len(ranges), 4), dtype=np.uint64)
    off = np.zeros(4, dtype=np.uint64)
    for i in range(len(ranges)):
        offs[i] = off
        off = (off + totals[i]) % P
    if len(ranges) > 1:
        later = ranges[1:]
        _run_ranges(lambda r0, r1: _add_running_offset(out, 4 * G, offs[starts[r0]], r0, r1),
                    later)
    claimed = off.astype(np.uint32)  # Σ over every row (the exclusive sum's last row + H)
    return out, claimed


@njit(cache=True, nogil=True)
def _add_running_offset(out, c0, off, r0, r1):
    """``out[r, c0:c0+4] += off`` (mod p) for ``r0 ≤ r < r1``."""
    p = np.uint64(P)
    for r in range(r0, r1):
        for c in range(4):
            out[r, c0 + c] = np.uint32((np.uint64(out[r, c0 + c]) + off[c]) % p)

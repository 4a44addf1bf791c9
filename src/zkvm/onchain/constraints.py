"""A table's constraint DAG compiled to the program ``ConstraintEval.sol`` interprets.

The verifier's step 9 (:func:`zkvm.stark.verifier._check_table`) evaluates every
constraint of a table at the out-of-domain point ζ over the opened values and combines
them as ``Σ α^i C_i`` (Horner, reverse order).  :func:`compile_program` walks the same
DAG in the same deterministic order (:func:`zkvm.stark.symbolic.topo_order`) and emits:

* ``u16 node count, u16 output count``;
* per node: ``0x00 c:u32`` (constant), ``0x01 slot:u16`` (leaf), ``0x02/0x03/0x04 a:u16
  b:u16`` (add/sub/mul), ``0x05 a:u16`` (neg) -- arguments are earlier nodes;
* the output node of every constraint, in order.

Leaves are numbered in order of first appearance; :attr:`Program.slots` lists their
``(kind, index)`` and :func:`leaf_values` builds the contract's ``leaves`` argument (packed
extension elements, :func:`pack`) from the opened values, exactly as ``_check_table``'s
``leaf`` function does.  Correctness: a wrong slot or node order makes the on-chain sum
differ from the Python verifier's, which tests/onchain/test_onchain_constraints.py checks
on every table of a real receipt.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.stark import symbolic as sym

__all__ = ["Program", "compile_program", "pack", "unpack", "leaf_values", "MAX_NODES"]

MAX_NODES = 0xFFFF
_OPS = {"add": 2, "sub": 3, "mul": 4}


@dataclass(frozen=True)
class Program:
    code: bytes
    slots: tuple  # ((kind, index), ...)
    nodes: int
    outputs: int


#: compile_program's memo: key = the expressions' identities; the value keeps the
#: expressions alive (so no identity is reused while its entry exists).  Bounded.
_MEMO: dict = {}
_MEMO_MAX = 256


def compile_program(exprs) -> Program:
    """The interpreter program for the constraint expressions ``exprs`` (in order).
    Raises ValueError if the DAG has more than 65 535 nodes or leaves.  Memoised on the
    expression objects (a verifying key's constraint DAG is immutable)."""
    exprs = list(exprs)
    key = tuple(map(id, exprs))
    hit = _MEMO.get(key)
    if hit is not None:
        return hit[1]
    prog = _compile(exprs)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = (exprs, prog)
    return prog


def _compile(exprs: list) -> Program:
    order = sym.topo_order(list(exprs))
    if len(order) > MAX_NODES:
        raise ValueError(f"{len(order)} nodes: more than the program format's {MAX_NODES}")
    pos: dict[int, int] = {}
    slots: dict = {}
    out = bytearray(struct.pack(">HH", len(order), len(exprs)))
    for i, n in enumerate(order):
        if n.op == "const":
            out += b"\x00" + struct.pack(">I", int(n.value) % P)
        elif n.op == "var":
            key = tuple(n.value)
            s = slots.setdefault(key, len(slots))
            out += b"\x01" + struct.pack(">H", s)
        elif n.op in _OPS:
            out += bytes([_OPS[n.op]]) + struct.pack(">HH", pos[id(n.args[0])], pos[id(n.args[1])])
        elif n.op == "neg":
            out += b"\x05" + struct.pack(">H", pos[id(n.args[0])])
        else:  # pragma: no cover - construction prevents this
            raise ValueError(f"unknown op {n.op}")
        pos[id(n)] = i
    if len(slots) > MAX_NODES:
        raise ValueError("too many leaves")
    for e in exprs:
        out += struct.pack(">H", pos[id(e)])
    return Program(bytes(out), tuple(slots), len(order), len(exprs))


def pack(v) -> int:
    """An extension element (or base int) as the contract's packed word."""
    if isinstance(v, Ext):
        c = v.coeffs
    elif isinstance(v, (tuple, list)):
        c = tuple(int(x) for x in v)
    else:
        c = (int(v) % P, 0, 0, 0)
    return c[0] | c[1] << 64 | c[2] << 128 | c[3] << 192


def unpack(w: int) -> Ext:
    return Ext(tuple((w >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(4)))


def leaf_values(prog: Program, srcs: dict) -> list[int]:
    """The contract's ``leaves``: ``srcs[kind]`` is a list (columns, public values,
    challenges) or a scalar (``claimed_sum``, the row selectors), as in ``_check_table``."""
    out = []
    for kind, i in prog.slots:
        v = srcs[kind]
        out.append(pack(v[i] if isinstance(v, (list, tuple)) else v))
    return out


def horner(values, alpha: Ext) -> Ext:
    """``Σ α^i v_i`` by Horner over the reversed list (the verifier's combination)."""
    acc = Ext.ZERO
    for v in reversed(values):
        acc = acc * alpha + (Ext.from_base(v) if isinstance(v, int) else v)
    return acc

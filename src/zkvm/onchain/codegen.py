"""Straight-line EVM code per table for the constraint evaluation at ζ (step 9).

:func:`evaluator_code` turns a table's constraint program (:mod:`zkvm.onchain.constraints`,
the same bytes whose keccak256 the interpreter's facts were keyed by) into the runtime
code of one or more **evaluator chunks**: raw EVM bytecode generated here (no solc:
deterministic, instant), every node of the DAG an inline sequence of opcodes, values at
fixed memory offsets, no decoding, no bounds checks, no loop.

Calling convention of a chunk (no ABI): calldata = ``acc ‖ α ‖ leaves`` (32-byte words,
packed quartic-extension elements as in :func:`zkvm.onchain.constraints.pack`, every limb
canonical: ``ConstraintEval.evaluateAndRecordCode`` checks it); it reverts unless the
calldata has exactly ``64 + 32·#leaves`` bytes, and returns one word: ``acc`` continued by
Horner over its constraints, ``acc ← acc·α + C_i`` for i from its last constraint down to
its first.  The chunks of a table cover consecutive constraint ranges and are called last
range first, each with the previous one's result (the first with 0), so the final word is
exactly the interpreter's ``Σ α^i C_i`` (canonical).  A table's code hash
(:func:`code_hash`) is ``keccak256(TAG ‖ keccak256(runtime_1) ‖ … ‖ keccak256(runtime_k))``;
``ConstraintEval`` keys its fact by the same hash computed with EXTCODEHASH from the
chunks it called, and the statement check's shape holds it per table (in place of the
program hash), so only this exact code can produce a fact the verifier accepts.

Arithmetic (Correctness: a wrong bound breaks the result, which the differential tests
compare with the Python verifier on every table): values are packed words whose four
64-bit lanes are kept **lazily reduced**: each emitted value has a static exclusive bound
``B`` on its lanes (leaves and results of a multiplication: ``p``).  Addition is one ADD
(``B = B_x + B_y − 1``); subtraction ``x + k·P4 − y`` and negation ``k·P4 − x`` with ``k``
the smallest power of two with ``k·p ≥ B_y − 1`` (``P4`` = p in every lane; the table of
``2^j·P4`` is written to memory by the prologue); every bound stays ≤ 2^62 (an operand
is reduced lane by lane first otherwise), so no lane ever carries into the next.  A
multiplication by a constant is one MUL.  An extension multiplication needs
``4·(B_x − 1)·(B_y − 1) + 2^60 < 2^64`` (operands reduced first otherwise) and computes
the polynomial product's coefficients without carries: ``L = x·y mod 2^256`` holds
``c_0..c_3`` and ``S = mulmod(x, y, 2^256 − 1)`` holds ``c_k + c_{k+4}`` (each lane a sum
of four products < 2^64, and ``S < 2^256 − 1``), so ``H = S − L`` holds ``c_4..c_6``; each
result lane is ``(L_k + 11·H_k) mod p`` (X^4 = 11).  Horner's step adds the constraint
value (bound ≤ 2^60) to ``L`` before the lane reduction.  An operand reduced before a
multiplication with bound ≤ 2p (≤ 4p) takes one (two) packed conditional subtractions of
``2^i·p``: ``t = x + (2^63 − 2^i·p)`` per lane has bit 63 set exactly in the lanes with
``x ≥ 2^i·p`` (no lane overflows, as ``x < 2^(i+1)·p``), and ``mask·2^i·p`` is
subtracted; a larger bound takes four lane ``MOD`` s.

With ``subroutines`` (the default) the extension multiplication, Horner's step and the
reductions are subroutines (JUMP there and back, ~27 gas per call): ~5× less code, so
fewer contracts to deploy per image, for ~5 % more gas per proof.
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass

from zkvm.field.babybear import P

from .chain import MAX_CODE_SIZE

__all__ = ["Evaluator", "evaluator_code", "code_hash", "initcode", "deploy_evaluator", "CODE_TAG",
           "MAX_CHUNK"]

#: Domain tag of a table's code hash (its facts can never be mistaken for facts of the
#: interpreter, which are kept in another mapping anyway).
CODE_TAG = b"zkvm.constraint-code.v1"
#: Largest chunk runtime emitted (EIP-170's 24 576 bytes, with a margin).
MAX_CHUNK = MAX_CODE_SIZE - 256

_M64 = (1 << 64) - 1
_P4 = P | P << 64 | P << 128 | P << 192
_LIM = 1 << 62  # largest lane bound kept lazily
_ADDEND = 1 << 60  # largest bound of Horner's addend
_MEM_K = 0x000  # 2^j·P4 at 32·j, j = 0..31
_MEM_ONES = 0x400  # 1 in every lane (conditional subtraction's mask)
_MEM_C = 0x420  # 2^63 − 2^i·p in every lane at 0x420 + 32·i, i = 0, 1
_MEM_NODES = 0x460  # node slots
_ONES = 1 | 1 << 64 | 1 << 128 | 1 << 192
_STACK_MAX = 1000

# opcodes
ADD, MUL, SUB, MOD, ADDMOD, MULMOD = 0x01, 0x02, 0x03, 0x06, 0x08, 0x09
EQ, NOT, AND, OR, SHL, SHR = 0x14, 0x19, 0x16, 0x17, 0x1B, 0x1C
CALLDATALOAD, CALLDATASIZE, POP, MLOAD, MSTORE = 0x35, 0x36, 0x50, 0x51, 0x52
JUMPI, JUMPDEST, PUSH0, RETURN, REVERT = 0x57, 0x5B, 0x5F, 0xF3, 0xFD


def _dup(n: int) -> int:
    return 0x7F + n


def _swap(n: int) -> int:
    return 0x8F + n


@dataclass(frozen=True)
class Evaluator:
    """The evaluator chunks of one table: ``chunks[0]`` covers the last constraints (it is
    called first, with acc = 0)."""
    chunks: tuple  # runtime code of each chunk, in call order
    leaves: int
    constraints: int

    @property
    def code_hash(self) -> bytes:
        return code_hash(self.chunks)


def code_hash(chunks) -> bytes:
    """``keccak256(CODE_TAG ‖ keccak256(chunk_1) ‖ …)``: what the shape registers per table and
    what ``ConstraintEval.evaluateAndRecordCode`` recomputes with EXTCODEHASH."""
    from zkvm.evm.ethutil import keccak256

    return keccak256(CODE_TAG + b"".join(keccak256(c) for c in chunks))


def _decode(code: bytes):
    """(nodes, outputs) of a constraint program (zkvm.onchain.constraints' format)."""
    n, nout = struct.unpack_from(">HH", code, 0)
    at, nodes = 4, []
    for _ in range(n):
        op = code[at]
        if op == 0:
            nodes.append(("const", struct.unpack_from(">I", code, at + 1)[0], None))
            at += 5
        elif op == 1:
            nodes.append(("leaf", struct.unpack_from(">H", code, at + 1)[0], None))
            at += 3
        elif op in (2, 3, 4):
            a, b = struct.unpack_from(">HH", code, at + 1)
            nodes.append(({2: "add", 3: "sub", 4: "mul"}[op], a, b))
            at += 5
        elif op == 5:
            nodes.append(("neg", struct.unpack_from(">H", code, at + 1)[0], None))
            at += 3
        else:
            raise ValueError(f"bad program op {op}")
    outs = list(struct.unpack_from(f">{nout}H", code, at))
    if at + 2 * nout != len(code):
        raise ValueError("bad program length")
    return nodes, outs


class _Emitter:
    def __init__(self, nodes, outs, lo, hi, nleaves, subroutines: bool = True):
        self.nodes, self.outs, self.lo, self.hi = nodes, outs, lo, hi
        self.nleaves = nleaves
        self.subroutines = subroutines
        self.fixups: list = []  # (position of a PUSH2 immediate, "ret" and body target | subroutine name)
        self.code = bytearray()
        self.depth = 0
        self.peak = 0
        self.k_used: set[int] = set()
        self.c_used: set[int] = set()
        # uses of every node within this chunk's sub-DAG
        uses: dict[int, int] = {}
        seen: set[int] = set()
        stack = list(outs[lo:hi])
        for o in outs[lo:hi]:
            uses[o] = uses.get(o, 0) + 1
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            op, a, b = nodes[i]
            if op in ("add", "sub", "mul"):
                for c in (a, b):
                    uses[c] = uses.get(c, 0) + 1
                    stack.append(c)
            elif op == "neg":
                uses[a] = uses.get(a, 0) + 1
                stack.append(a)
        self.left = {i: u for i, u in uses.items() if u > 1 and nodes[i][0] in ("add", "sub", "mul", "neg")}
        self.slot: dict[int, int] = {}  # computed shared node -> memory offset
        self.bound: dict[int, int] = {}
        self.free: list[int] = []
        self.next_slot = _MEM_NODES
        self.need_memo: dict[int, int] = {}

    # --- primitives -----------------------------------------------------------
    def op(self, *ops: int, delta: int = 0) -> None:
        self.code += bytes(ops)
        self.depth += delta
        self.peak = max(self.peak, self.depth)

    def push(self, v: int) -> None:
        if v == 0:
            self.code.append(PUSH0)
        else:
            n = (v.bit_length() + 7) // 8
            self.code.append(0x5F + n)
            self.code += v.to_bytes(n, "big")
        self.depth += 1
        self.peak = max(self.peak, self.depth)

    def push_k(self, k: int) -> None:
        """k·P4 (k a power of two ≤ 2^31) from the prologue's table."""
        j = k.bit_length() - 1
        if not 0 <= j < 32 or k != 1 << j:  # pragma: no cover - the bounds keep k ≤ 2^31
            raise AssertionError("K table index")
        self.k_used.add(j)
        self.push(_MEM_K + 32 * j)
        self.op(MLOAD)

    def lane_hi(self, k: int) -> None:
        """top word -> its lane k (< 2^64), k = 1, 2, 3, by shifts."""
        if k != 3:
            self.push(192 - 64 * k)
            self.op(SHL, delta=-1)
        self.push(192)
        self.op(SHR, delta=-1)

    def _reduce_inline(self) -> None:
        """top word (lanes < 2^64) -> every lane mod p."""
        self.push(P)  # [w, P]
        self.op(_dup(1), _dup(3), delta=2)
        self.lane_hi(3)
        self.op(MOD, delta=-1)  # [w, P, r]
        for k in (2, 1, 0):
            self.push(64)
            self.op(SHL, delta=-1)
            self.op(_dup(2), _dup(4), delta=2)  # [w, P, r, P, w]
            self._lane(k)
            self.op(MOD, delta=-1)
            self.op(OR, delta=-1)
        self.op(_swap(2), POP, POP, delta=-2)

    def push_ret(self) -> int:
        """PUSH2 of a return address (patched by the assembler); returns its fixup index."""
        self.code += bytes([0x61, 0, 0])
        self.fixups.append([len(self.code) - 2, "ret", None])
        self.depth += 1
        self.peak = max(self.peak, self.depth)
        return len(self.fixups) - 1

    def jump_sub(self, name: str, ret: int, pops: int) -> None:
        """Jump to subroutine ``name`` (its return address already pushed as fixup ``ret``,
        below its arguments); the subroutine consumes the address and ``pops`` words
        more than it pushes."""
        self.code += bytes([0x61, 0, 0])
        self.fixups.append([len(self.code) - 2, name, None])
        self.code += bytes([0x56])  # JUMP
        self.fixups[ret][2] = len(self.code)
        self.code.append(JUMPDEST)
        self.depth -= 1 + pops

    def cond_sub(self, i: int) -> None:
        """top word x (every lane < 2^(i+1)·p) -> x − 2^i·p in the lanes where x ≥ 2^i·p:
        t = x + (2^63 − 2^i·p) per lane (no lane overflows) has bit 63 set exactly there;
        those bits, shifted to bit 0 of their lanes and masked, times 2^i·p are subtracted
        (no lane borrows)."""
        self.c_used.add(i)
        self.op(_dup(1), delta=1)
        self.push(_MEM_C + 32 * i)
        self.op(MLOAD)
        self.op(ADD, delta=-1)  # [x, t]
        self.push(63)
        self.op(SHR, delta=-1)
        self.push(_MEM_ONES)
        self.op(MLOAD)
        self.op(AND, delta=-1)  # [x, m]
        self.push((1 << i) * P)
        self.op(MUL, delta=-1)
        self.op(_swap(1), SUB, delta=-1)

    def reduce_call(self, bound: int | None = None) -> None:
        """top word (lanes < ``bound``, default 2^64) -> canonical lanes: by conditional
        subtractions (~41 gas each) when bound ≤ 4p, else reduce() (a subroutine call when
        enabled: 9 bytes instead of ~70, ~105 gas)."""
        if bound is not None and bound <= 4 * P:  # lanes ≤ 4p − 1: two steps; ≤ 2p − 1: one
            steps = (1, 0) if bound > 2 * P else (0,)
            if self.subroutines:
                # the constants are written by this chunk's prologue, used by the subroutine
                self.c_used.update(steps)
                r = self.push_ret()
                self.op(_swap(1))  # [ret, w]
                self.jump_sub(f"csub{len(steps)}", r, 0)
                return
            for i in steps:
                self.cond_sub(i)
            return
        if not self.subroutines:
            self._reduce_inline()
            return
        r = self.push_ret()
        self.op(_swap(1))  # [ret, w]
        self.jump_sub("reduce", r, 0)

    def reduce_second(self, bound: int | None = None) -> None:
        self.op(_swap(1))
        self.reduce_call(bound)
        self.op(_swap(1))

    def mul_core(self) -> None:
        """[x, y] -> [L, H] (see the module docstring)."""
        self.op(_dup(2), _dup(2), MUL, delta=1)  # [x, y, L]
        self.op(_swap(2))  # [L, y, x]
        self.push(0)
        self.op(NOT, _swap(2), MULMOD, delta=-2)  # [L, S]
        self.op(_dup(2), _swap(1), SUB)  # [L, H]

    def fold_reduce(self) -> None:
        """[L, H] -> [z], z_k = (L_k + 11·H_k) mod p (H_3 = 0)."""
        self.push(P)  # [L, H, P]
        self.op(_dup(1), _dup(4), delta=2)
        self.lane_hi(3)
        self.op(MOD, delta=-1)  # [L, H, P, r]
        for k in (2, 1, 0):
            self.push(64)
            self.op(SHL, delta=-1)
            self.op(_dup(2), _dup(4), delta=2)  # [L, H, P, r, P, H]
            self._lane(k)
            self.push(11)
            self.op(MUL, delta=-1)  # [L, H, P, r, P, 11·H_k]
            self.op(_dup(6), delta=1)  # L
            self._lane(k)
            self.op(ADD, delta=-1)
            self.op(MOD, delta=-1)
            self.op(OR, delta=-1)
        self.op(_swap(3), POP, POP, POP, delta=-3)

    def _lane(self, k: int) -> None:
        if k:
            self.lane_hi(k)
        else:
            self.push(_M64)
            self.op(AND, delta=-1)

    # --- nodes ----------------------------------------------------------------
    def need(self, i: int) -> int:
        r = self.need_memo.get(i)
        if r is not None:
            return r
        op, a, b = self.nodes[i]
        if op in ("const", "leaf") or i in self.slot:
            r = 1
        elif op == "neg":
            r = self.need(a)
        else:
            x, y = self.need(a), self.need(b)
            r = x + 1 if x == y else max(x, y)
        self.need_memo[i] = r
        return r

    def emit(self, i: int) -> int:
        """Push node i's value; returns its lane bound."""
        op, a, b = self.nodes[i]
        if op == "const":
            self.push(a)
            return a + 1
        if op == "leaf":
            if a >= self.nleaves:
                raise ValueError("leaf out of range")
            self.push(64 + 32 * a)
            self.op(CALLDATALOAD)
            return P
        if i in self.slot:
            off = self.slot[i]
            self.push(off)
            self.op(MLOAD)
            self.left[i] -= 1
            if self.left[i] == 0:
                self.free.append(self.slot.pop(i))
            return self.bound[i]
        bnd = self._compute(op, a, b)
        if i in self.left:  # shared: keep it for its later uses
            off = self.free.pop() if self.free else self._new_slot()
            self.op(_dup(1), delta=1)
            self.push(off)
            self.op(MSTORE, delta=-2)
            self.slot[i], self.bound[i] = off, bnd
            self.left[i] -= 1
            self.need_memo.pop(i, None)
        return bnd

    def _new_slot(self) -> int:
        off = self.next_slot
        self.next_slot += 32
        return off

    def _two(self, a: int, b: int, commutative: bool):
        """Emit a and b; returns (bound of the second-from-top, bound of top, swapped)
        where swapped means b is below a."""
        if self.need(b) > self.need(a):
            bb = self.emit(b)
            ba = self.emit(a)
            return bb, ba, True
        ba = self.emit(a)
        bb = self.emit(b)
        return ba, bb, False

    def _compute(self, op, a, b) -> int:
        if op == "neg":
            bx = self.emit(a)
            if bx - 1 > (1 << 31) * P:
                self.reduce_call()
                bx = P
            k = _pow2_at_least(bx - 1)
            self.push_k(k)
            self.op(SUB, delta=-1)  # K - x
            return k * P + 1
        if op == "add":
            b1, b2, _ = self._two(a, b, True)
            if b1 + b2 - 1 > _LIM:
                if b2 >= b1:
                    self.reduce_call()
                    b2 = P
                else:
                    self.reduce_second()
                    b1 = P
                if b1 + b2 - 1 > _LIM:
                    if b2 > P:
                        self.reduce_call()
                        b2 = P
                    else:
                        self.reduce_second()
                        b1 = P
            self.op(ADD, delta=-1)
            return b1 + b2 - 1
        if op == "sub":  # x + K - y
            b1, b2, swapped = self._two(a, b, False)
            bx, by = (b2, b1) if swapped else (b1, b2)
            # make sure the bounds fit: reduce y (then x) if needed
            k = _pow2_at_least(by - 1)
            if bx + k * P > _LIM:
                if swapped:  # [y, x]
                    self.reduce_second()
                else:  # [x, y]
                    self.reduce_call()
                by, k = P, 1
                if bx + k * P > _LIM:
                    if swapped:
                        self.reduce_call()
                    else:
                        self.reduce_second()
                    bx = P
            if not swapped:
                self.op(_swap(1))  # [y, x]
            self.push_k(k)
            self.op(ADD, delta=-1)  # [y, x + K]
            self.op(SUB, delta=-1)  # x + K - y
            return bx + k * P
        # mul
        na, nb = self.nodes[a], self.nodes[b]
        if na[0] == "const" or nb[0] == "const":
            c, other = (na[1], b) if na[0] == "const" else (nb[1], a)
            bx = self.emit(other)
            if (bx - 1) * c >= _LIM:
                self.reduce_call(bx)
                bx = P
            self.push(c)
            self.op(MUL, delta=-1)
            return (bx - 1) * c + 1
        ret = self.push_ret() if self.subroutines else None
        b1, b2, _ = self._two(a, b, True)
        if not _mul_ok(b1, b2):
            if b2 >= b1:
                self.reduce_call(b2)
                b2 = P
            else:
                self.reduce_second(b1)
                b1 = P
            if not _mul_ok(b1, b2):
                if b2 > P:
                    self.reduce_call(b2)
                else:
                    self.reduce_second(b1)
                b1 = b2 = P
        if ret is not None:
            self.jump_sub("mul", ret, 1)  # [ret, x, y] -> [x·y]
        else:
            self.mul_core()
            self.fold_reduce()
        return P

    def horner(self, i: int, first: bool) -> None:
        """[acc] -> [acc·α + C_i] (first: acc from calldata word 0)."""
        if first:
            self.push(0)
            self.op(CALLDATALOAD)
        if self.subroutines:
            ret = self.push_ret()
            self.op(_swap(1))  # [ret, acc]
        bc = self.emit(self.outs[i])
        if bc - 1 >= _ADDEND:
            self.reduce_call(bc)
        if self.subroutines:
            self.jump_sub("horner", ret, 1)  # [ret, acc, c] -> [acc·α + c]
            return
        self.horner_body()

    def horner_body(self) -> None:
        """[acc, c] -> [acc·α + c]."""
        self.op(_swap(1))  # [c, acc]
        self.push(32)
        self.op(CALLDATALOAD)  # [c, acc, α]
        self.mul_core()  # [c, L, H]
        self.op(_swap(1), _dup(3), ADD)  # [c, H, L']
        self.op(_swap(2), POP, delta=-1)  # [L', H]
        self.fold_reduce()


def _pow2_at_least(v: int) -> int:
    """Smallest power of two k ≥ 1 with k·p ≥ v."""
    k = 1
    while k * P < v:
        k <<= 1
    return k


def _mul_ok(b1: int, b2: int) -> bool:
    return 4 * (b1 - 1) * (b2 - 1) + _ADDEND < (1 << 64)


def _subroutine(name: str) -> bytes:
    """The code of a subroutine: JUMPDEST, its body (the return address below the
    arguments), SWAP1 JUMP."""
    e = _Emitter([], [], 0, 0, 0, subroutines=False)
    if name == "mul":  # [ret, x, y] -> [ret, x·y]
        e.mul_core()
        e.fold_reduce()
    elif name == "horner":  # [ret, acc, c] -> [ret, acc·α + c]
        e.horner_body()
    elif name == "csub1":  # [ret, w < 2p] -> [ret, w canonical]
        e.cond_sub(0)
    elif name == "csub2":  # [ret, w < 4p] -> [ret, w canonical]
        e.cond_sub(1)
        e.cond_sub(0)
    else:  # reduce: [ret, w] -> [ret, w mod p lane by lane]
        e._reduce_inline()
    return bytes([JUMPDEST]) + bytes(e.code) + bytes([_swap(1), 0x56])


_SUBS = ("mul", "horner", "reduce", "csub1", "csub2")


def _chunk(nodes, outs, lo, hi, nleaves, subroutines: bool = True) -> bytes:
    e = _Emitter(nodes, outs, lo, hi, nleaves, subroutines)
    for j, i in enumerate(range(hi - 1, lo - 1, -1)):
        e.horner(i, j == 0)
    if e.depth != 1:  # pragma: no cover - emitter invariant
        raise AssertionError("stack imbalance")
    if e.peak + 8 > _STACK_MAX:
        raise ValueError("constraint expression too deep for the EVM stack")
    body = bytes(e.code)
    # prologue: the calldata size guard, then the 2^j·P4 table
    size = 64 + 32 * nleaves
    guard = bytes([CALLDATASIZE]) + _push_bytes(size) + bytes([EQ])
    pro = bytearray(guard + bytes([0x60, len(guard) + 6, JUMPI, PUSH0, PUSH0, REVERT, JUMPDEST]))
    if e.k_used:
        pro += b"\x7f" + _P4.to_bytes(32, "big")
        for j in range(max(e.k_used) + 1):
            if j in e.k_used:
                pro += bytes([_dup(1)]) + _push_bytes(_MEM_K + 32 * j) + bytes([MSTORE])
            pro += bytes([_dup(1), ADD])
        pro += bytes([POP])
    if e.c_used:
        pro += b"\x7f" + _ONES.to_bytes(32, "big") + _push_bytes(_MEM_ONES) + bytes([MSTORE])
        for i in sorted(e.c_used):
            c = (1 << 63) - (1 << i) * P
            pro += b"\x7f" + (c * _ONES).to_bytes(32, "big") + _push_bytes(_MEM_C + 32 * i) + bytes([MSTORE])
    # epilogue: return the word
    epi = bytes([PUSH0, MSTORE, 0x60, 32, PUSH0, RETURN])
    code = bytearray(bytes(pro) + body + epi)
    subs: dict = {}
    for name in _SUBS:  # the subroutines used, after the epilogue
        if any(f[1] == name for f in e.fixups):
            subs[name] = len(code)
            code += _subroutine(name)
    if len(code) > MAX_CODE_SIZE:  # too large for a contract: the caller cuts the range shorter
        return bytes(code)
    base = len(pro)
    for pos, kind, target in e.fixups:
        addr = base + target if kind == "ret" else subs[kind]
        code[base + pos:base + pos + 2] = addr.to_bytes(2, "big")
    return bytes(code)


def _push_bytes(v: int) -> bytes:
    if v == 0:
        return bytes([PUSH0])
    n = (v.bit_length() + 7) // 8
    return bytes([0x5F + n]) + v.to_bytes(n, "big")


_CACHE: dict = {}


def evaluator_code(program: bytes, nleaves: int, subroutines: bool = True) -> Evaluator:
    """The evaluator chunks of a constraint program (bytes of
    :func:`zkvm.onchain.constraints.compile_program`) with ``nleaves`` leaves.  Chunks
    are cut greedily over whole constraints (a shared subexpression is recomputed in every
    chunk that needs it) so that each runtime is at most :data:`MAX_CHUNK` bytes.  Raises
    ValueError for a malformed program or a constraint too large for one chunk.  Memoised
    by content."""
    key = (bytes(program), nleaves, subroutines)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    nodes, outs = _decode(program)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 50_000))
    try:
        chunks = []
        hi = len(outs)
        while hi > 0:
            lo = _cut(nodes, outs, hi, nleaves, subroutines)
            chunks.append(_chunk(nodes, outs, lo, hi, nleaves, subroutines))
            hi = lo
    finally:
        sys.setrecursionlimit(old)
    ev = Evaluator(tuple(chunks), nleaves, len(outs))
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = ev
    return ev


def _cut(nodes, outs, hi, nleaves, subroutines: bool = True) -> int:
    """The smallest lo such that constraints [lo, hi) fit one chunk (galloping, then
    bisection: the code size grows with the range)."""
    def fits(lo):
        return len(_chunk(nodes, outs, lo, hi, nleaves, subroutines)) <= MAX_CHUNK

    if not fits(hi - 1):
        raise ValueError(f"constraint {hi - 1} alone needs more than {MAX_CHUNK} bytes of code")
    step, good = 1, hi - 1
    while good > 0:
        lo = max(0, good - step)
        if fits(lo):
            good, step = lo, step * 2
        else:
            break
    else:
        return 0
    bad = max(0, good - step)  # does not fit
    while good - bad > 1:
        mid = (good + bad) // 2
        if fits(mid):
            good = mid
        else:
            bad = mid
    return good


def initcode(runtime: bytes) -> bytes:
    """Creation code that deploys ``runtime`` as is."""
    if len(runtime) > MAX_CODE_SIZE:
        raise ValueError(f"runtime of {len(runtime)} bytes > {MAX_CODE_SIZE}")
    # PUSH2 n, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN, then the runtime
    return bytes([0x61]) + len(runtime).to_bytes(2, "big") + bytes([0x80, 0x60, 0x0C, 0x60, 0x00, 0x39, 0x60, 0x00,
                                                                   0xF3]) + runtime


def deploy_evaluator(chain, ev: Evaluator, cache: dict | None = None) -> list[str]:
    """Deploy every chunk of ``ev`` into ``chain`` (once per distinct runtime when
    ``cache``, runtime -> address, is given); returns the addresses in call order."""
    out = []
    for c in ev.chunks:
        if cache is not None and c in cache:
            out.append(cache[c])
            continue
        a = chain.evm.deploy(chain.sender, initcode(c), gas=1 << 24)
        if cache is not None:
            cache[c] = a
        out.append(a)
    return out

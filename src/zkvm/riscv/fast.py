"""The fast interpreter: one numba loop over pre-decoded instructions.

Executable pages are never writable (W^X, enforced by the ELF loader and the syscalls), so
the code is decoded once before running (:func:`predecode`, driven by the ISA table's
mask/match columns and the same :func:`zkvm.riscv.decode.fields` function the reference
decoder uses). :func:`run` then executes until the next ``ecall`` (handled in Python by
:mod:`zkvm.riscv.syscalls`), an error, or ``stop_at`` cycles, and returns a status code;
the Python driver in :mod:`zkvm.riscv.executor` resumes it.

Registers are ``int64`` values in ``[0, 2**32)``; writes to x0 go to the scratch slot 32
(the pre-decoder maps rd = 0 to 32), so ``regs[0]`` stays 0 without a test per step.

Correctness: this must compute exactly what the table in :mod:`zkvm.riscv.isa` says; the
tests run both interpreters (and unicorn) on the same programs and compare registers,
memory and event records.

The op ids below are *derived* from the ISA table (``OP[name]``, the row index), never
written as numbers.  numba compiles module globals into the kernel as constants and
invalidates its on-disk cache only when *this* file changes, so the table's row order is
pinned here (:data:`_ISA_PIN`, checked at import): reordering or adding rows in
:mod:`zkvm.riscv.isa` makes this module refuse to load until the pin (and the kernel, for
a new instruction) is updated here, which also retires the stale cached kernel.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit

from . import decode as _dec
from .isa import FMT_CODES, INSTRUCTIONS, OP, OP_ILLEGAL, OP_NOEXEC
from .layout import MEM_SIZE, PAGE_SHIFT, PAGE_SIZE, Program

# ---- status codes returned by run() ---------------------------------------------------
ST_ECALL = 0  # stopped at an ecall (not executed; pc points at it)
ST_STOP = 1  # reached stop_at cycles
ST_FAULT_READ = 2  # st[3] = address
ST_FAULT_WRITE = 3
ST_FAULT_EXEC = 4
ST_MISALIGNED_LOAD = 5
ST_MISALIGNED_STORE = 6
ST_MISALIGNED_JUMP = 7  # st[3] = target; pc = the jump/branch
ST_ILLEGAL = 8
ST_EBREAK = 9

# indices into the int64 state array
S_PC = 0
S_CYCLES = 1
S_STOP_AT = 2
S_ERR_ADDR = 3
S_RESERVATION = 4
S_NEV = 5
#: paging measure counted so far (:func:`touch_pages`); only when ``touch`` is a tracking array
S_PAGING = 6
#: with tracking: also stop once ``cycles + S_UNIT_STEPS * paging_extra(S_PAGING, S_ALLOW)
#: >= S_COST_STOP``
S_COST_STOP = 7
S_UNIT_STEPS = 8
S_ALLOW = 9
STATE_LEN = 10

#: 64-byte pages of the memory tree (``zkvm.memtree``: 16 words, depth 24): the tracking
#: array of :func:`run` is a binary heap of the tree's nodes, node ``(level l, index i)``
#: at ``2^(TREE_DEPTH - l) + i`` (root 1, page ``P`` at ``TREE_LEAF0 + P``)
TREE_PAGE_SHIFT = 6
TREE_DEPTH = 24
TREE_LEAF0 = 1 << TREE_DEPTH
TREE_NODES = 2 << TREE_DEPTH
#: bits of a node's byte in the tracking array: marked (touched) in this segment; the
#: temporary mark of :func:`count_new`; the node's subtree may hold a non-zero word at
#: the segment's entry (the initial image's non-zero pages, and every node written in an
#: earlier segment: :func:`mark_nonzero`, :func:`clear_touch`); a page of the node's
#: subtree was written (stored to, or a syscall / precompile buffer) in this segment
T_MARK = 1
T_PROBE = 2
T_NONZERO = 4
T_WRITTEN = 8
_T_MW = T_MARK | T_WRITTEN
#: the most paging measure one memory access can add: its page and 24 ancestors, 2 each
TOUCH_MAX = 2 * (TREE_DEPTH + 1)

# columns of the pre-decoded code array
C_OP, C_RD, C_RS1, C_RS2, C_IMM, C_INSN = range(6)

M32 = 0xFFFFFFFF
MEM = MEM_SIZE
R = 1
W = 2

ADDI = OP["addi"]
ADD = OP["add"]
LW = OP["lw"]
SW = OP["sw"]
BEQ = OP["beq"]
BNE = OP["bne"]
BLT = OP["blt"]
BGE = OP["bge"]
BLTU = OP["bltu"]
BGEU = OP["bgeu"]
JAL = OP["jal"]
JALR = OP["jalr"]
LUI = OP["lui"]
AUIPC = OP["auipc"]
SLLI = OP["slli"]
SRLI = OP["srli"]
SRAI = OP["srai"]
ANDI = OP["andi"]
ORI = OP["ori"]
XORI = OP["xori"]
SLTI = OP["slti"]
SLTIU = OP["sltiu"]
SUB = OP["sub"]
SLL = OP["sll"]
SLT = OP["slt"]
SLTU = OP["sltu"]
XOR = OP["xor"]
SRL = OP["srl"]
SRA = OP["sra"]
OR = OP["or"]
AND = OP["and"]
LB = OP["lb"]
LH = OP["lh"]
LBU = OP["lbu"]
LHU = OP["lhu"]
SB = OP["sb"]
SH = OP["sh"]
MUL = OP["mul"]
MULH = OP["mulh"]
MULHSU = OP["mulhsu"]
MULHU = OP["mulhu"]
DIV = OP["div"]
DIVU = OP["divu"]
REM = OP["rem"]
REMU = OP["remu"]
LR_W = OP["lr.w"]
SC_W = OP["sc.w"]
AMOSWAP = OP["amoswap.w"]
AMOADD = OP["amoadd.w"]
AMOXOR = OP["amoxor.w"]
AMOAND = OP["amoand.w"]
AMOOR = OP["amoor.w"]
AMOMIN = OP["amomin.w"]
AMOMAX = OP["amomax.w"]
AMOMINU = OP["amominu.w"]
AMOMAXU = OP["amomaxu.w"]
FENCE = OP["fence"]
FENCE_I = OP["fence.i"]
ECALL = OP["ecall"]
EBREAK = OP["ebreak"]
ILLEGAL = OP_ILLEGAL
NOEXEC = OP_NOEXEC

#: SHA-256 prefix of the ISA table's row order and of the format codes the kernel and the
#: cached pre-decoder were written for (module docstring).
_ISA_PIN = "f5aacb6ff0856896"


def _check_isa_order() -> None:
    order = ",".join(i.name for i in INSTRUCTIONS) + "|" + ",".join(FMT_CODES)
    if hashlib.sha256(order.encode()).hexdigest()[:16] != _ISA_PIN:
        raise RuntimeError(
            "zkvm.riscv.fast: the ISA table (zkvm.riscv.isa) changed its rows or format "
            "codes; handle every instruction in fast.run, update _ISA_PIN in "
            "zkvm/riscv/fast.py and clear the numba cache (.zkvm-cache/numba)")
    # the kernel tests the branch and the atomic instructions as ranges of op ids
    for lo, hi, fmts in ((BEQ, BGEU, ("B",)), (LR_W, AMOMAXU, ("LR", "A"))):
        if {i for i, ins in enumerate(INSTRUCTIONS) if ins.fmt in fmts} != set(range(lo, hi + 1)):
            raise RuntimeError(f"zkvm.riscv.fast: the {'/'.join(fmts)} rows of the ISA table must "
                               "be contiguous")


_check_isa_order()

_fields = njit(cache=True)(_dec.fields)


@njit(cache=True)
def _predecode_words(words, executable, masks, matches, fmts, out):
    for i in range(words.shape[0]):
        w = np.int64(words[i])
        out[i, C_INSN] = w
        if not executable[i]:
            out[i, C_OP] = NOEXEC
            continue
        op = ILLEGAL
        for k in range(masks.shape[0]):
            if (w & masks[k]) == matches[k]:
                op = k
                break
        out[i, C_OP] = op
        if op == ILLEGAL:
            continue
        rd, rs1, rs2, imm = _fields(w, fmts[op])
        out[i, C_RD] = rd if rd != 0 else 32  # x0 writes go to the scratch slot
        out[i, C_RS1] = rs1
        out[i, C_RS2] = rs2
        out[i, C_IMM] = imm


def predecode(program: Program) -> tuple[np.ndarray, int]:
    """Decode every word of the executable segments: ``(code (n, 6) int64, base address)``.

    The array spans from the lowest to the highest executable page; words in pages without
    execute permission in between decode to ``OP_NOEXEC``.
    """
    xsegs = [s for s in program.segments if s.flags & 1]
    if not xsegs:
        return np.zeros((0, 6), dtype=np.int64), 0
    lo = min(s.vaddr for s in xsegs) & ~(PAGE_SIZE - 1)
    hi = (max(s.end for s in xsegs) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
    image = np.zeros(hi - lo, dtype=np.uint8)
    xmask = np.zeros((hi - lo) >> PAGE_SHIFT, dtype=np.bool_)
    for s in program.segments:
        a, b = max(s.vaddr, lo), min(s.end, hi)
        if a >= b:
            continue
        data = np.frombuffer(s.data, dtype=np.uint8)[a - s.vaddr : b - s.vaddr]
        image[a - lo : a - lo + len(data)] = data
        if s.flags & 1:
            xmask[(a - lo) >> PAGE_SHIFT : ((b - lo) + PAGE_SIZE - 1) >> PAGE_SHIFT] = True
    words = image.view(np.uint32)
    executable = np.repeat(xmask, PAGE_SIZE // 4)
    out = np.zeros((len(words), 6), dtype=np.int64)
    _predecode_words(words, executable, _dec.MASKS, _dec.MATCHES, _dec.FMTS, out)
    return out, lo


@njit(inline="always")
def _sx(v):
    return v - ((v & 0x80000000) << 1)


@njit(inline="always")
def _touch(touch, page):
    """Mark tree page ``page`` and its ancestors (walks up until an already-marked node);
    return the paging measure they add: 1 per newly marked node (``zkvm.riscv.segments``
    "Paging cost")."""
    i = TREE_LEAF0 + page
    n = 0
    while i > 0 and (touch[i] & T_MARK) == 0:
        touch[i] = touch[i] | T_MARK
        n += 1
        i >>= 1
    return n


@njit(inline="always")
def _write(touch, page):
    """Flag the marked tree page ``page`` and its ancestors written (walks up until an
    already-written node); return the paging measure they add: 1 per newly written node
    whose subtree may be non-zero at entry (its exit block then differs from an entry
    block that is not the shared zero block)."""
    i = TREE_LEAF0 + page
    n = 0
    while i > 0 and (touch[i] & T_WRITTEN) == 0:
        t = touch[i]
        touch[i] = t | T_WRITTEN
        n += (t >> 2) & 1
        i >>= 1
    return n


@njit(inline="always")
def _touch_write(touch, page):
    """:func:`_touch` then :func:`_write` (a store): the measure both add."""
    return _touch(touch, page) + _write(touch, page)


@njit(cache=True)
def padded_over(units, allow):
    """``max(0, P − allow)`` with ``P`` the least power of two ``≥ units``: the padded
    paging height (in units) beyond the allowance (``zkvm.riscv.segments``, "Paging
    cost"; :meth:`zkvm.riscv.segments.PagingCost.cost`)."""
    p = 1
    while p < units:
        p <<= 1
    return max(p - allow, 0)


@njit(cache=True)
def paging_extra(units, allow):
    """:func:`padded_over` after one more worst-case access (``TOUCH_MAX`` more measure)."""
    return padded_over(units + TOUCH_MAX, allow)


@njit(cache=True)
def touch_pages(touch, p0, p1, write=True):
    """Mark tree pages ``[p0, p1)`` and their ancestors in ``touch`` (a ``TREE_NODES``
    uint8 heap, see :data:`TREE_LEAF0` and :data:`T_MARK`) touched and, with ``write``,
    written (a syscall or precompile buffer, counted as written whatever the call does;
    ``write=False``: loads); return the paging measure they add (:func:`_touch`,
    :func:`_write`)."""
    n = 0
    for p in range(p0, p1):
        n += _touch_write(touch, p) if write else _touch(touch, p)
    return n


@njit(cache=True)
def count_new(touch, p0s, p1s):
    """The paging measure :func:`touch_pages` would add for the page ranges
    ``[p0s[k], p1s[k])``, leaving ``touch`` unchanged."""
    n = 0
    for k in range(p0s.shape[0]):
        for p in range(p0s[k], p1s[k]):
            i = TREE_LEAF0 + p
            # a node both marked and written has its ancestors marked and written too
            while i > 0 and (touch[i] & T_PROBE) == 0 and (touch[i] & _T_MW) != _T_MW:
                t = touch[i]
                touch[i] = t | T_PROBE
                if (t & T_MARK) == 0:
                    n += 1
                if (t & T_WRITTEN) == 0:
                    n += (t >> 2) & 1
                i >>= 1
    for k in range(p0s.shape[0]):
        for p in range(p0s[k], p1s[k]):
            i = TREE_LEAF0 + p
            while i > 0 and (touch[i] & T_PROBE) != 0:
                touch[i] = touch[i] & ~T_PROBE
                i >>= 1
    return n


@njit(cache=True)
def mark_nonzero(touch, p0, p1):
    """Flag tree pages ``[p0, p1)`` and their ancestors :data:`T_NONZERO` (their subtrees
    may hold non-zero words at the next segments' entries)."""
    for p in range(p0, p1):
        i = TREE_LEAF0 + p
        while i > 0 and (touch[i] & T_NONZERO) == 0:
            touch[i] = touch[i] | T_NONZERO
            i >>= 1


@njit(cache=True)
def clear_touch(touch):
    """Unmark every node of ``touch`` (:func:`touch_pages`) in time proportional to the
    marked nodes, flagging each written one :data:`T_NONZERO` (it may be non-zero at the
    next segment's entry; a subtree only read keeps its flag): they form a subtree that
    contains the root (every mark marks the path up to an already-marked node), so a walk
    down from the root finds them all."""
    if (touch[1] & T_MARK) == 0:
        return
    stack = np.empty(2 * TREE_DEPTH + 2, dtype=np.int64)
    stack[0] = 1
    n = 1
    while n > 0:
        n -= 1
        i = stack[n]
        t = touch[i]
        touch[i] = (t & T_NONZERO) | ((t & T_WRITTEN) >> 1)  # T_WRITTEN >> 1 == T_NONZERO
        if i < TREE_LEAF0:
            if touch[2 * i] & T_MARK:
                stack[n] = 2 * i
                n += 1
            if touch[2 * i + 1] & T_MARK:
                stack[n] = 2 * i + 1
                n += 1


@njit(cache=True)
def run(code, base, mem8, mem16, mem32, perm, regs, st, ev, rec, touch):
    """Execute from ``st[S_PC]`` until an ecall, an error or ``st[S_STOP_AT]`` cycles.

    Returns a status ``ST_*``; ``st`` holds pc (of the ecall / faulting instruction),
    cycles, the error address, the lr reservation and the number of event rows. When
    ``rec`` is true one row per instruction is written to column ``n_ev`` of ``ev`` (shape
    ``(9, cap)``, one line per event field; the caller makes sure it has room for
    ``stop_at - cycles`` more rows).

    ``touch``: a 1-entry array (no tracking) or a ``TREE_NODES`` uint8 heap of marked
    memory-tree nodes: every load, store and atomic marks its 64-byte tree page and the
    page's ancestors (:func:`touch_pages`), adds their paging measure to
    ``st[S_PAGING]``, and the run also stops (``ST_STOP``) at the first instruction
    boundary where ``cycles + st[S_UNIT_STEPS] * paging_extra(st[S_PAGING], st[S_ALLOW])``
    reaches ``st[S_COST_STOP]``.
    """
    pc = st[S_PC]
    cycles = st[S_CYCLES]
    stop_at = st[S_STOP_AT]
    trk = touch.shape[0] > 1
    paging = st[S_PAGING]
    unit = st[S_UNIT_STEPS]
    allow = st[S_ALLOW]
    cost_stop = st[S_COST_STOP]
    lim = stop_at
    if trk:
        lim = min(stop_at, cost_stop - unit * paging_extra(paging, allow))
    resv = st[S_RESERVATION]
    n_ev = st[S_NEV]
    ncode = code.shape[0]
    status = ST_STOP
    err = np.int64(0)
    while cycles < lim:
        off = (pc - base) >> 2
        if pc < base or off >= ncode:
            status = ST_FAULT_EXEC
            err = pc
            break
        op = code[off, C_OP]
        rd = code[off, C_RD]
        a = regs[code[off, C_RS1]]
        b = regs[code[off, C_RS2]]
        imm = code[off, C_IMM]
        npc = pc + 4
        maddr = np.int64(0)
        mb = np.int64(0)
        ma = np.int64(0)
        if op == ADDI:
            regs[rd] = (a + imm) & M32
        elif op == ADD:
            regs[rd] = (a + b) & M32
        elif op == LW or op == LB or op == LBU or op == LH or op == LHU:
            addr = (a + imm) & M32
            if op == LW:
                if addr & 3:
                    status = ST_MISALIGNED_LOAD
                    err = addr
                    break
            elif op == LH or op == LHU:
                if addr & 1:
                    status = ST_MISALIGNED_LOAD
                    err = addr
                    break
            if addr >= MEM or (perm[addr >> PAGE_SHIFT] & R) == 0:
                status = ST_FAULT_READ
                err = addr
                break
            if trk and (touch[TREE_LEAF0 + (addr >> TREE_PAGE_SHIFT)] & T_MARK) == 0:
                paging += _touch(touch, addr >> TREE_PAGE_SHIFT)
                lim = min(stop_at, cost_stop - unit * paging_extra(paging, allow))
            if op == LW:
                v = np.int64(mem32[addr >> 2])
            elif op == LBU:
                v = np.int64(mem8[addr])
            elif op == LB:
                v = np.int64(mem8[addr])
                v = (v ^ 0x80) - 0x80
            elif op == LHU:
                v = np.int64(mem16[addr >> 1])
            else:
                v = np.int64(mem16[addr >> 1])
                v = (v ^ 0x8000) - 0x8000
            regs[rd] = v & M32
            if rec:
                maddr = addr
                mb = np.int64(mem32[addr >> 2])
                ma = mb
        elif op == SW or op == SB or op == SH:
            addr = (a + imm) & M32
            if op == SW:
                if addr & 3:
                    status = ST_MISALIGNED_STORE
                    err = addr
                    break
            elif op == SH:
                if addr & 1:
                    status = ST_MISALIGNED_STORE
                    err = addr
                    break
            if addr >= MEM or (perm[addr >> PAGE_SHIFT] & W) == 0:
                status = ST_FAULT_WRITE
                err = addr
                break
            if trk and (touch[TREE_LEAF0 + (addr >> TREE_PAGE_SHIFT)] & _T_MW) != _T_MW:
                paging += _touch_write(touch, addr >> TREE_PAGE_SHIFT)
                lim = min(stop_at, cost_stop - unit * paging_extra(paging, allow))
            if rec:
                maddr = addr
                mb = np.int64(mem32[addr >> 2])
            if op == SW:
                mem32[addr >> 2] = b
            elif op == SB:
                mem8[addr] = b & 0xFF
            else:
                mem16[addr >> 1] = b & 0xFFFF
            if rec:
                ma = np.int64(mem32[addr >> 2])
        elif op <= BGEU and op >= BEQ:
            if op == BEQ:
                t = a == b
            elif op == BNE:
                t = a != b
            elif op == BLT:
                t = _sx(a) < _sx(b)
            elif op == BGE:
                t = _sx(a) >= _sx(b)
            elif op == BLTU:
                t = a < b
            else:
                t = a >= b
            if t:
                npc = (pc + imm) & M32
                if npc & 3:
                    status = ST_MISALIGNED_JUMP
                    err = npc
                    break
        elif op == JAL:
            npc = (pc + imm) & M32
            if npc & 3:
                status = ST_MISALIGNED_JUMP
                err = npc
                break
            regs[rd] = pc + 4
        elif op == JALR:
            npc = (a + imm) & 0xFFFFFFFE
            if npc & 3:
                status = ST_MISALIGNED_JUMP
                err = npc
                break
            regs[rd] = pc + 4
        elif op == LUI:
            regs[rd] = imm & M32
        elif op == AUIPC:
            regs[rd] = (pc + imm) & M32
        elif op == SLLI:
            regs[rd] = (a << imm) & M32
        elif op == SRLI:
            regs[rd] = a >> imm
        elif op == SRAI:
            regs[rd] = (_sx(a) >> imm) & M32
        elif op == ANDI:
            regs[rd] = a & (imm & M32)
        elif op == ORI:
            regs[rd] = (a | imm) & M32
        elif op == XORI:
            regs[rd] = (a ^ imm) & M32
        elif op == SLTI:
            regs[rd] = 1 if _sx(a) < imm else 0
        elif op == SLTIU:
            regs[rd] = 1 if a < (imm & M32) else 0
        elif op == SUB:
            regs[rd] = (a - b) & M32
        elif op == SLL:
            regs[rd] = (a << (b & 31)) & M32
        elif op == SLT:
            regs[rd] = 1 if _sx(a) < _sx(b) else 0
        elif op == SLTU:
            regs[rd] = 1 if a < b else 0
        elif op == XOR:
            regs[rd] = a ^ b
        elif op == SRL:
            regs[rd] = a >> (b & 31)
        elif op == SRA:
            regs[rd] = (_sx(a) >> (b & 31)) & M32
        elif op == OR:
            regs[rd] = a | b
        elif op == AND:
            regs[rd] = a & b
        elif op == MUL:
            regs[rd] = (a * b) & M32
        elif op == MULH:
            regs[rd] = ((_sx(a) * _sx(b)) >> 32) & M32
        elif op == MULHSU:
            regs[rd] = ((_sx(a) * b) >> 32) & M32
        elif op == MULHU:
            regs[rd] = np.int64((np.uint64(a) * np.uint64(b)) >> np.uint64(32))
        elif op == DIV:
            if b == 0:
                regs[rd] = M32
            elif a == 0x80000000 and b == M32:
                regs[rd] = 0x80000000
            else:
                sa = _sx(a)
                sb = _sx(b)
                q = abs(sa) // abs(sb)
                if (sa < 0) != (sb < 0):
                    q = -q
                regs[rd] = q & M32
        elif op == DIVU:
            regs[rd] = M32 if b == 0 else a // b
        elif op == REM:
            if b == 0:
                regs[rd] = a
            elif a == 0x80000000 and b == M32:
                regs[rd] = 0
            else:
                sa = _sx(a)
                r = abs(sa) % abs(_sx(b))
                if sa < 0:
                    r = -r
                regs[rd] = r & M32
        elif op == REMU:
            regs[rd] = a if b == 0 else a % b
        elif op >= LR_W and op <= AMOMAXU:
            addr = a
            if addr & 3:
                status = ST_MISALIGNED_STORE if op != LR_W else ST_MISALIGNED_LOAD
                err = addr
                break
            if addr >= MEM or (perm[addr >> PAGE_SHIFT] & R) == 0:
                status = ST_FAULT_READ
                err = addr
                break
            if op != LR_W and (perm[addr >> PAGE_SHIFT] & W) == 0:
                status = ST_FAULT_WRITE
                err = addr
                break
            if trk:  # lr.w reads; every other atomic writes (sc.w counted whether it succeeds)
                need = T_MARK if op == LR_W else _T_MW
                if (touch[TREE_LEAF0 + (addr >> TREE_PAGE_SHIFT)] & need) != need:
                    page = addr >> TREE_PAGE_SHIFT
                    paging += _touch(touch, page) if op == LR_W else _touch_write(touch, page)
                    lim = min(stop_at, cost_stop - unit * paging_extra(paging, allow))
            old = np.int64(mem32[addr >> 2])
            new = old
            if op == LR_W:
                resv = addr
                regs[rd] = old
            elif op == SC_W:
                if resv == addr:
                    new = b
                    regs[rd] = 0
                else:
                    regs[rd] = 1
                resv = -1
            else:
                if op == AMOSWAP:
                    new = b
                elif op == AMOADD:
                    new = (old + b) & M32
                elif op == AMOXOR:
                    new = old ^ b
                elif op == AMOAND:
                    new = old & b
                elif op == AMOOR:
                    new = old | b
                elif op == AMOMIN:
                    new = old if _sx(old) <= _sx(b) else b
                elif op == AMOMAX:
                    new = old if _sx(old) >= _sx(b) else b
                elif op == AMOMINU:
                    new = old if old <= b else b
                else:
                    new = old if old >= b else b
                regs[rd] = old
            mem32[addr >> 2] = new
            maddr = addr
            mb = old
            ma = new
        elif op == FENCE or op == FENCE_I:
            pass
        elif op == ECALL:
            status = ST_ECALL
            break
        elif op == EBREAK:
            status = ST_EBREAK
            break
        elif op == NOEXEC:
            status = ST_FAULT_EXEC
            err = pc
            break
        else:
            status = ST_ILLEGAL
            break
        if rec:
            ev[0, n_ev] = pc
            ev[1, n_ev] = npc
            ev[2, n_ev] = code[off, C_INSN]
            ev[3, n_ev] = a
            ev[4, n_ev] = b
            ev[5, n_ev] = regs[rd] if rd != 32 else 0
            ev[6, n_ev] = maddr
            ev[7, n_ev] = mb
            ev[8, n_ev] = ma
            n_ev += 1
        pc = npc
        cycles += 1
    st[S_PC] = pc
    st[S_CYCLES] = cycles
    st[S_ERR_ADDR] = err
    st[S_RESERVATION] = resv
    st[S_NEV] = n_ev
    st[S_PAGING] = paging
    return status

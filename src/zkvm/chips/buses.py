"""The six buses of the RV32IM machine (docs/circuits.md §3) and gadget helpers on them.

Buses (ids fixed; the id is the constant term of every fingerprint, checklist 14):

==  ========  ====================================================================
id  name      message
==  ========  ====================================================================
1   EXEC      ``(pc, ts, jpos)``
2   PROGRAM   ``(pc, opcode, rd, rs1, rs2, imm0, imm1, imm2, imm3, imm_f, rd_nz)``
3   MEMORY    ``(key, v0, v1, v2, v3, ts)``
4   BYTES     ``(op, a, b, c)``
5   IO        ``(ctime, addr, remaining, jpos, mode)``
6   JOURNAL   ``(index, byte)``
==  ========  ====================================================================

BYTES ops (rows of the preprocessed ``Bytes`` table are all pairs ``(a, b)`` of bytes,
``x = a + 256·b``):

* ``U8PAIR (a, b, 0)``: ``a`` and ``b`` are both bytes;
* ``U16 (x, 0, 0)``: ``x < 2^16``;
* ``AND / OR / XOR (a, b, a op b)``;
* ``LTU (a, b, [a < b])``.

Gadgets (each adds named interactions/constraints through the builder ``b``; every
``mult`` must be ``is_real`` × booleans so that padding rows send nothing, checklist 1):

* :func:`range_u8_pair`, :func:`range_u16`, :func:`range_bits`;
* :func:`mem_read`, :func:`mem_write`: one offline-memory-checking access with the
  ``prev_ts < t`` check of docs/circuits.md §4.

Correctness (range checks): a BYTES lookup is sound because the ``Bytes`` table's rows are
preprocessed (fixed by the verifying key) and the verifier bounds the total multiplicity
of all bounded interactions below p (checklist 13), so a value outside the table can
never be "looked up" by wrap-around.
"""

from __future__ import annotations

from zkvm.precompiles.registry import bus_id
from zkvm.stark.air import Bus

# every bus id of the machine is allocated once, in zkvm.precompiles.registry.BUS_IDS
EXEC = Bus(id=bus_id("exec"), name="exec", width=3)
PROGRAM = Bus(id=bus_id("program"), name="program", width=11)
MEMORY = Bus(id=bus_id("memory"), name="memory", width=6)
BYTES = Bus(id=bus_id("bytes"), name="bytes", width=4)
IO = Bus(id=bus_id("io"), name="io", width=5)
JOURNAL = Bus(id=bus_id("journal"), name="journal", width=2)
#: the hand-off of a precompile ecall to its tables (docs/circuits.md §11.1):
#: ``(number, ts, a0 limbs[4], a1 limbs[4])``, sent by the Syscall row with multiplicity
#: "is a precompile", received on the first row of the call by the precompile's table
PRECOMPILE = Bus(id=bus_id("precompile"), name="precompile", width=10)

ALL_BUSES = (EXEC, PROGRAM, MEMORY, BYTES, IO, JOURNAL)

# --- BYTES op ids (first message value) ------------------------------------------
OP_U8PAIR = 1
OP_U16 = 2
OP_AND = 3
OP_OR = 4
OP_XOR = 5
OP_LTU = 6
BYTE_OPS = {"u8pair": OP_U8PAIR, "u16": OP_U16, "and": OP_AND, "or": OP_OR,
            "xor": OP_XOR, "ltu": OP_LTU}

#: Memory timestamps of one instruction at EXEC time ``t``: ``4t + slot``.
SLOT_RS1 = 0
SLOT_RS2 = 1
SLOT_MEM = 2
SLOT_RD = 3
#: ``t − prev_ts − 1 = lo + 2^16·hi`` with ``lo < 2^16``, ``hi < 2^8``: timestamps < 2^24.
TS_BITS = 24
#: EXEC times are < 2^22 (checked at the exit row), so memory times ``4t+3`` are < 2^24.
EXEC_TS_BITS = 22


# --- range checks -------------------------------------------------------------------
def range_u8_pair(b, x, y, mult, name: str) -> None:
    """Constrain ``x < 256`` and ``y < 256`` (one BYTES lookup, op U8PAIR)."""
    b.send(BYTES, [OP_U8PAIR, x, y, 0], multiplicity=mult, name=name)


def range_u16(b, x, mult, name: str) -> None:
    """Constrain ``x < 2^16`` (one BYTES lookup, op U16)."""
    b.send(BYTES, [OP_U16, x, 0, 0], multiplicity=mult, name=name)


def range_bits(b, x, k: int, mult, name: str) -> None:
    """Constrain ``x < 2^k`` for ``0 < k ≤ 16``.

    * ``k ≤ 8``: one lookup ``U8PAIR(x, x + 256 − 2^k)``: ``x < 256`` and then (no
      wrap-around possible) ``x + 256 − 2^k < 256 ⟺ x < 2^k``;
    * ``8 < k < 16``: ``U16(x)`` and ``U16(x + 2^16 − 2^k)`` (same argument);
    * ``k = 16``: ``U16(x)``.

    Correctness: the shifted form ``U16(x·2^(16−k))`` of an earlier draft of
    docs/circuits.md is NOT sound over BabyBear (``x = 61441`` passes it for ``k = 1``
    because ``61441·2^15 ≡ 2^15 − 1 mod p``); the additive form used here cannot wrap.
    Names used: ``name`` (and ``name + "_hi"`` for ``8 < k < 16``).
    """
    if not 0 < k <= 16:
        raise ValueError(f"range_bits: k={k} must be in 1..16 (decompose wider values)")
    if k <= 8:
        range_u8_pair(b, x, x + (256 - (1 << k)), mult, name)
    elif k < 16:
        range_u16(b, x, mult, name)
        range_u16(b, x + ((1 << 16) - (1 << k)), mult, name + "_hi")
    else:
        range_u16(b, x, mult, name)


def bytes_op(b, op: int, x, y, z, mult, name: str) -> None:
    """Generic BYTES lookup ``(op, x, y, z)`` (AND/OR/XOR/LTU: ``z = x op y``)."""
    b.send(BYTES, [op, x, y, z], multiplicity=mult, name=name)


# --- memory accesses -----------------------------------------------------------------
def ts_lt(b, prev_ts, t, lo, hi, cond, name: str, check_hi: bool = True) -> None:
    """Constrain ``prev_ts < t`` given both are < 2^24: ``t − prev_ts − 1 = lo + 2^16·hi``
    (gated by ``cond``, the access multiplicity), ``U16(lo)`` and ``hi`` a byte.

    ``lo``/``hi`` are witness columns (fill them with :func:`ts_diff_limbs`). The range
    lookups use multiplicity ``cond`` as well, so fill ``lo = hi = 0`` on rows where
    ``cond = 0``.  With ``check_hi=False`` the caller range-checks ``hi`` itself (e.g. two
    ``hi`` in one U8PAIR lookup).
    Names: ``name + "_ts"``, ``name + "_lo"``, ``name + "_hi"``.
    """
    b.when(cond).assert_zero(t - prev_ts - 1 - lo - 65536 * hi, name + "_ts")
    range_u16(b, lo, cond, name + "_lo")
    if check_hi:
        range_u8_pair(b, hi, 0, cond, name + "_hi")


def mem_access(b, key, prev, new, t, prev_ts, lo, hi, mult, name: str,
               check_hi: bool = True) -> None:
    """One memory access at time ``t``: receive ``(key, prev, prev_ts)``, send
    ``(key, new, t)`` (both with ``mult``), and prove ``prev_ts < t`` (:func:`ts_lt`).

    ``prev``/``new``: 4 byte limbs each.  Names: ``name + "_recv"``, ``name + "_send"``
    and those of :func:`ts_lt`.

    Correctness: the receive consumes exactly the record the previous access (or the
    initial ``MemoryImage``/``MemoryBoundary`` record at time 0) sent for ``key``; since
    every access proves ``prev_ts < t`` and the boundary consumes one final record per key,
    the records of a key form one chain in time order (offline memory checking).
    """
    prev, new = list(prev), list(new)
    if len(prev) != 4 or len(new) != 4:
        raise ValueError("mem_access: values are 4 byte limbs")
    b.receive(MEMORY, [key, *prev, prev_ts], multiplicity=mult, name=name + "_recv")
    b.send(MEMORY, [key, *new, t], multiplicity=mult, name=name + "_send")
    ts_lt(b, prev_ts, t, lo, hi, mult, name, check_hi=check_hi)


def mem_read(b, key, vals, t, prev_ts, lo, hi, mult, name: str, check_hi: bool = True) -> None:
    """A read: :func:`mem_access` with ``new = prev = vals``."""
    mem_access(b, key, vals, vals, t, prev_ts, lo, hi, mult, name, check_hi=check_hi)


def mem_write(b, key, prev, new, t, prev_ts, lo, hi, mult, name: str,
              check_hi: bool = True) -> None:
    """A write of ``new`` over the witness ``prev``: :func:`mem_access`.  The writer must
    range-check ``new``'s limbs as bytes (docs/circuits.md §2)."""
    mem_access(b, key, prev, new, t, prev_ts, lo, hi, mult, name, check_hi=check_hi)


# --- RAM word keys -------------------------------------------------------------------------
#: Smallest RAM word index: byte address 0x1_0000 (below is the null guard).
RAM_WORD_MIN = 1 << 14
#: RAM word indices are < RAM_WORD_MIN + 2^28, i.e. keys 4w < 2^30 + 2^16.
RAM_WORD_SPAN_BITS = 28


def ram_word(b, w, v_lo, v_hi, mult, name: str) -> None:
    """Constrain the word index ``w`` of a RAM key ``4w`` (docs/circuits.md §4):
    ``w − 2^14 = v_lo + 2^16·v_hi`` with ``U16(v_lo)`` and ``v_hi < 2^12``, so
    ``2^16 ≤ 4w < 2^30 + 2^16``: a RAM key never aliases a register key (0..31) and is a
    genuine integer < p (checklist 4, 6).  (Keys in ``[2^30, 2^30 + 2^16)`` are unmapped
    in the executor; the circuits, like for page permissions, do not model that.)

    ``v_lo``/``v_hi`` are witness columns (fill with :func:`ram_word_limbs`).  Names:
    ``name + "_split"``, ``name + "_lo"``, ``name + "_hi"`` (and ``name + "_hi_hi"``).
    """
    b.when(mult).assert_zero(w - RAM_WORD_MIN - v_lo - 65536 * v_hi, name + "_split")
    range_u16(b, v_lo, mult, name + "_lo")
    range_bits(b, v_hi, RAM_WORD_SPAN_BITS - 16, mult, name + "_hi")


def ram_word_limbs(w):
    """``(v_lo, v_hi)`` uint32 arrays for :func:`ram_word` (honest fill; ``ValueError``
    for an index outside the RAM range)."""
    import numpy as np

    w = np.asarray(w, dtype=np.int64)
    v = w - RAM_WORD_MIN
    if v.size and (v.min() < 0 or v.max() >= (1 << RAM_WORD_SPAN_BITS)):
        raise ValueError("RAM word index out of range (address below 0x10000 or >= 2^30)")
    return (v & 0xFFFF).astype(np.uint32), (v >> 16).astype(np.uint32)


# --- numpy helpers for trace generation ------------------------------------------------
def ts_diff_limbs(t, prev_ts):
    """``(lo, hi)`` uint32 arrays with ``t − prev_ts − 1 = lo + 2^16·hi`` (honest fill).

    Raises ``ValueError`` if some ``prev_ts >= t`` or the gap is ≥ 2^24 (a tracegen bug)."""
    import numpy as np

    t = np.asarray(t, dtype=np.int64)
    p = np.asarray(prev_ts, dtype=np.int64)
    d = t - p - 1
    if d.size and (d.min() < 0 or d.max() >= (1 << TS_BITS)):
        raise ValueError("memory timestamps out of order (tracegen bug)")
    return (d & 0xFFFF).astype(np.uint32), (d >> 16).astype(np.uint32)

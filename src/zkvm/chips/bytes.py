"""The preprocessed ``Bytes`` lookup table (2^16 rows, docs/circuits.md §3).

Row ``r`` holds the pair ``a = r mod 256``, ``b = r div 256`` (so ``x = a + 256·b = r``)
and the fixed results ``a AND b``, ``a OR b``, ``a XOR b``, ``[a < b]``.  One main
multiplicity column per op; the table receives (``max_multiplicity=None``):

* ``(U8PAIR, a, b, 0)``  with ``m_u8pair``
* ``(U16, x, 0, 0)``     with ``m_u16``
* ``(AND, a, b, a&b)``   with ``m_and``; likewise ``OR``, ``XOR``
* ``(LTU, a, b, a<b)``   with ``m_ltu``

Correctness: the rows are fixed by the verifying key, so a message can only be
balanced if it is one of these rows (the verifier bounds all bounded multiplicities
below p, checklist 13).  Multiplicities are computed by :func:`multiplicities` from the
BYTES messages that every other table actually sends (evaluated from their traces).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkvm.chips import buses
from zkvm.stark.air import Air, Columns

HEIGHT = 1 << 16
OPS = ("u8pair", "u16", "and", "or", "xor", "ltu")

PRE_COLUMNS = Columns(("a", "low byte of the row index"), ("b", "high byte of the row index"),
                      ("and_", "a AND b"), ("or_", "a OR b"), ("xor_", "a XOR b"),
                      ("ltu", "1 if a < b else 0"))


class BytesAir(Air):
    name = "bytes"
    preprocessed = PRE_COLUMNS
    columns = Columns(*[(f"m_{op}", f"number of {op.upper()} lookups of this row") for op in OPS])
    max_degree = 3

    def generate_preprocessed(self) -> np.ndarray:
        r = np.arange(HEIGHT, dtype=np.uint32)
        a, b = r & 0xFF, r >> 8
        return np.stack([a, b, a & b, a | b, a ^ b, (a < b).astype(np.uint32)], axis=1)

    def eval(self, bld):
        p, m = bld.preprocessed_local, bld.local
        x = p.a + 256 * p.b
        msgs = {
            "u8pair": [buses.OP_U8PAIR, p.a, p.b, 0],
            "u16": [buses.OP_U16, x, 0, 0],
            "and": [buses.OP_AND, p.a, p.b, p.and_],
            "or": [buses.OP_OR, p.a, p.b, p.or_],
            "xor": [buses.OP_XOR, p.a, p.b, p.xor_],
            "ltu": [buses.OP_LTU, p.a, p.b, p.ltu],
        }
        for op in OPS:
            bld.receive(buses.BYTES, msgs[op], multiplicity=getattr(m, f"m_{op}"),
                        name=f"bytes_{op}", max_multiplicity=None)

    @staticmethod
    def generate_trace(messages: np.ndarray, mults: np.ndarray) -> np.ndarray:
        """Multiplicity columns from all BYTES messages sent by the other tables.

        ``messages``: ``(k, 4)`` uint32 ``(op, a, b, c)``; ``mults``: ``(k,)`` counts (rows
        with multiplicity 0 are ignored).  Raises ``ValueError`` naming the first message
        that is not a row of the table (an honest-prover bug: some chip sent a value that
        is not a byte / not < 2^16 / a wrong AND/OR/XOR/LTU result).
        """
        return BytesAir.generate_trace_parts([(messages, mults)])

    @staticmethod
    def generate_trace_parts(parts) -> np.ndarray:
        """:meth:`generate_trace` of the concatenation of ``parts`` (a list of
        ``(messages, mults)`` pairs), counted part by part without concatenating them
        (strided views are read in place)."""
        out = np.zeros((HEIGHT, len(OPS)), dtype=np.uint64)
        for messages, mults in parts:
            BytesAir._count_part(messages, mults, out)
        return out.astype(np.uint32)

    @staticmethod
    def _count_part(messages, mults, out) -> None:
        messages = np.asarray(messages)
        mults = np.asarray(mults)
        if messages.ndim != 2 or messages.shape[1] != 4 or mults.shape != messages.shape[:1]:
            raise ValueError(f"BYTES messages must be (k, 4) with (k,) counts, got "
                             f"{messages.shape} and {mults.shape}")
        bad = _count(messages.astype(np.uint32, copy=False), mults.astype(np.uint32, copy=False),
                     out, _OP_CODES)
        if bad >= 0:
            raise ValueError(f"BYTES message {tuple(int(v) for v in messages[bad])} is not a row "
                             "of the byte table (a chip's trace is wrong)")


#: BYTES op code of each multiplicity column (in OPS order)
_OP_CODES = np.array([buses.BYTE_OPS[name] for name in OPS], dtype=np.int64)


@njit(cache=True)
def _count(messages, mults, out, op_codes):
    """Add every message's count to its row and column of ``out`` (one pass, no copies;
    strided views are fine).  Returns −1, or the index of the first message with a
    non-zero count that is not a row of the table."""
    for i in range(messages.shape[0]):
        m = mults[i]
        if m == 0:
            continue
        op = np.int64(messages[i, 0])
        a = np.int64(messages[i, 1])
        b = np.int64(messages[i, 2])
        c = np.int64(messages[i, 3])
        col = -1
        for k in range(op_codes.shape[0]):
            if op_codes[k] == op:
                col = k
        if col < 0:
            return i
        if col == 1:  # u16: (x, 0, 0)
            if a >= HEIGHT or b != 0 or c != 0:
                return i
            row = a
        else:
            if a >= 256 or b >= 256:
                return i
            if col == 0:
                ref = 0
            elif col == 2:
                ref = a & b
            elif col == 3:
                ref = a | b
            elif col == 4:
                ref = a ^ b
            else:
                ref = 1 if a < b else 0
            if c != ref:
                return i
            row = a + 256 * b
        out[row, col] += np.uint64(m)
    return -1

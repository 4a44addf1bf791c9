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
        out = np.zeros((HEIGHT, len(OPS)), dtype=np.uint32)
        keep = mults != 0
        messages, mults = messages[keep].astype(np.int64), mults[keep].astype(np.int64)
        if not len(messages):
            return out
        op, a, b, c = messages.T
        ok = np.zeros(len(op), dtype=bool)
        row = np.zeros(len(op), dtype=np.int64)
        byte = (a < 256) & (b < 256)
        for k, name in enumerate(OPS):
            sel = op == buses.BYTE_OPS[name]
            if name == "u8pair":
                good = sel & byte & (c == 0)
                r = a + 256 * b
            elif name == "u16":
                good = sel & (a < HEIGHT) & (b == 0) & (c == 0)
                r = a
            else:
                r = a + 256 * b
                aa, bb = a & 0xFF, b & 0xFF
                ref = {"and": aa & bb, "or": aa | bb, "xor": aa ^ bb,
                       "ltu": (aa < bb).astype(np.int64)}[name]
                good = sel & byte & (c == ref)
            ok |= good
            row = np.where(good, r, row)
            if good.any():
                out[:, k] = np.bincount(r[good], weights=mults[good], minlength=HEIGHT
                                        ).astype(np.uint32)
        if not ok.all():
            i = np.flatnonzero(~ok)[0]
            raise ValueError(f"BYTES message {tuple(int(v) for v in messages[i])} is not a row "
                             "of the byte table (a chip's trace is wrong)")
        return out

"""Small AIRs shared by the STARK engine tests (Fibonacci, buses, preprocessed, range)."""

from __future__ import annotations

import numpy as np

from zkvm.field.babybear import P
from zkvm.stark.air import Air, Bus, Col, Columns

# ---------------------------------------------------------------- Fibonacci


class FibAir(Air):
    """Rows (a, b) -> (b, a + b); public values: a0, b0, b at the last row."""

    name = "fib"
    columns = Columns(Col("a", doc="F(i)"), Col("b", doc="F(i+1)"))
    num_public_values = 3
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        first = b.when_first_row()
        first.assert_eq(loc.a, b.public[0], "first_a")
        first.assert_eq(loc.b, b.public[1], "first_b")
        t = b.when_transition()
        t.assert_eq(nxt.a, loc.b, "a_next")
        t.assert_eq(nxt.b, loc.a + loc.b, "b_next")
        b.when_last_row().assert_eq(loc.b, b.public[2], "last_b")

    @staticmethod
    def generate_trace(n, a0=0, b0=1):
        t = FibAir.columns.new_trace(n)
        a, b_ = a0, b0
        v = FibAir.columns.view(t)
        for i in range(n):  # tiny test traces only
            v.a[i], v.b[i] = a, b_
            a, b_ = b_, (a + b_) % P
        return t, [a0, b0, int(v.b[-1])]


# ---------------------------------------------------------------- two tables on a bus

PAIR_BUS = Bus(id=7, name="pair", width=2)


class SenderAir(Air):
    """Sends (x, x^2) for rows with is_real = 1; x^2 is constrained here."""

    name = "sender"
    columns = Columns("x", "sq", "is_real")
    max_degree = 3

    def eval(self, b):
        loc = b.local
        b.assert_bool(loc.is_real, "is_real_bool")
        b.assert_eq(loc.sq, loc.x * loc.x, "square")
        b.send(PAIR_BUS, [loc.x, loc.sq], multiplicity=loc.is_real, name="send_pair")

    @staticmethod
    def generate_trace(xs, n):
        t = SenderAir.columns.new_trace(n)
        v = SenderAir.columns.view(t)
        k = len(xs)
        xs = np.asarray(xs, dtype=np.uint64)
        v.x[:k] = xs
        v.sq[:k] = (xs * xs) % P
        v.is_real[:k] = 1
        return t


class ReceiverAir(Air):
    """Receives (x, y) with multiplicity m (free count column)."""

    name = "receiver"
    columns = Columns("x", "y", "m")
    max_degree = 3

    def eval(self, b):
        loc = b.local
        b.receive(PAIR_BUS, [loc.x, loc.y], multiplicity=loc.m, name="recv_pair",
                  max_multiplicity=None)

    @staticmethod
    def generate_trace(xs, n):
        t = ReceiverAir.columns.new_trace(n)
        v = ReceiverAir.columns.view(t)
        uniq, counts = np.unique(np.asarray(xs, dtype=np.uint64), return_counts=True)
        k = len(uniq)
        v.x[:k] = uniq
        v.y[:k] = (uniq * uniq) % P
        v.m[:k] = counts
        return t


# ---------------------------------------------------------------- preprocessed + range

BYTE_BUS = Bus(id=3, name="byte", width=1)


class ByteTableAir(Air):
    """Preprocessed column 0..255; main column: multiplicity of each byte."""

    name = "bytes"
    columns = Columns(Col("mult", doc="how often the byte of this row is looked up"))
    preprocessed = Columns(Col("value", doc="the byte value = row index"))
    max_degree = 3

    def eval(self, b):
        b.receive(BYTE_BUS, [b.preprocessed_local.value], multiplicity=b.local.mult,
                  name="byte_lookup", max_multiplicity=None)

    def generate_preprocessed(self):
        return np.arange(256, dtype=np.uint32).reshape(256, 1)

    @staticmethod
    def generate_trace(values):
        t = ByteTableAir.columns.new_trace(256)
        t[:, 0] = np.bincount(np.asarray(values, dtype=np.int64), minlength=256)[:256]
        return t


class U16Air(Air):
    """Each row holds a 16-bit value w = lo + 256·hi with lo, hi range-checked bytes."""

    name = "u16"
    columns = Columns("w", ("limbs", 2), "is_real")
    max_degree = 3

    def eval(self, b):
        loc = b.local
        lo, hi = loc.limbs
        b.assert_bool(loc.is_real, "is_real_bool")
        b.assert_eq(loc.w, lo + 256 * hi, "recompose")
        b.send(BYTE_BUS, [lo], multiplicity=loc.is_real, name="range_lo")
        b.send(BYTE_BUS, [hi], multiplicity=loc.is_real, name="range_hi")

    @staticmethod
    def generate_trace(ws, n):
        t = U16Air.columns.new_trace(n)
        v = U16Air.columns.view(t)
        ws = np.asarray(ws, dtype=np.uint32)
        k = len(ws)
        v.w[:k] = ws
        v.limbs[:k, 0] = ws & 0xFF
        v.limbs[:k, 1] = ws >> 8
        v.is_real[:k] = 1
        return t


class PrepAir(Air):
    """Preprocessed selector column s and constant c; main x must equal c where s = 1,
    and x' = x + 1 elsewhere on transitions (a preprocessed-column AIR)."""

    name = "prep"
    columns = Columns("x")
    preprocessed = Columns("s", "c")
    max_degree = 3

    def eval(self, b):
        pl = b.preprocessed_local
        b.when(pl.s).assert_eq(b.local.x, pl.c, "pinned")
        b.when_transition().assert_eq(b.next.x, b.local.x + 1, "increment")

    def generate_preprocessed(self):
        n = 16
        pre = np.zeros((n, 2), dtype=np.uint32)
        pre[::4, 0] = 1
        pre[::4, 1] = np.arange(0, n, 4) + 100
        return pre

    @staticmethod
    def generate_trace():
        return (np.arange(16, dtype=np.uint32) + 100).reshape(16, 1)

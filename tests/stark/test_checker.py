"""The debug checker reports every failing (table, row, constraint) and bus message."""

import numpy as np

from tests.support.stark_airs import FibAir, ReceiverAir, SenderAir
from zkvm.stark.checker import check_traces
from zkvm.stark.params import StarkParams
from zkvm.stark.system import StarkSystem


def test_fib_ok_and_failures():
    s = StarkSystem([FibAir()], StarkParams.testing())
    t, pv = FibAir.generate_trace(16)
    assert check_traces(s, [t], pv).ok
    t[5, 1] += 1  # breaks b_next at row 4 and a_next at row 5 (and b_next at row 5)
    rep = check_traces(s, [t], pv)
    got = {(f.table, f.row, f.constraint) for f in rep.constraint_failures}
    assert ("fib", 4, "b_next") in got and ("fib", 5, "a_next") in got
    assert all(f.table == "fib" for f in rep.constraint_failures)
    assert "row 4" in str(rep)


def test_public_value_failure():
    s = StarkSystem([FibAir()], StarkParams.testing())
    t, pv = FibAir.generate_trace(8)
    pv[0] = 5
    rep = check_traces(s, [t], pv)
    assert [(f.row, f.constraint) for f in rep.constraint_failures] == [(0, "first_a")]


def test_bus_imbalance_reported():
    s = StarkSystem([SenderAir(), ReceiverAir()], StarkParams.testing())
    xs = [3, 5, 3, 9]
    snd, rcv = SenderAir.generate_trace(xs, 8), ReceiverAir.generate_trace(xs, 4)
    assert check_traces(s, [snd, rcv], []).ok
    rcv[1, 2] = 2  # x = 5 received twice, sent once
    rep = check_traces(s, [snd, rcv], [])
    assert not rep.constraint_failures
    assert len(rep.bus_imbalances) == 1
    b = rep.bus_imbalances[0]
    assert b.bus == "pair" and b.values == (5, 25)
    assert "-1" in str(b)


def test_shape_errors():
    s = StarkSystem([FibAir()], StarkParams.testing())
    rep = check_traces(s, [np.zeros((6, 2), dtype=np.uint32)], [0, 1, 0])
    assert rep.shape_errors and not rep.ok

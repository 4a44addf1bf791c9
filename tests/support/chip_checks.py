"""Shared helpers for the control/memory chip tests (test_control*, test_loadstore*,
test_atomic*): build chip rows from a real execution, check a chip's trace in isolation
(every AIR constraint, every BYTES lookup against the byte table's semantics), corrupt
cells, and read back the messages a chip sends on a bus.

Not a test module: ``from tests.support import chip_checks as S``.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import OPCODES, isa_op_map
from zkvm.field.babybear import P
from zkvm.riscv.asm import exit_program
from zkvm.riscv.decode import decode
from zkvm.riscv.executor import execute
from zkvm.riscv.isa import OP
from zkvm.riscv.layout import Program
from zkvm.stark import symbolic as sym
from zkvm.stark.checker import check_traces
from zkvm.stark.evaluate import NumpyAlgebra, broadcast_base, trace_leaf
from zkvm.stark.params import StarkParams
from zkvm.stark.system import StarkSystem

M32 = 0xFFFFFFFF


def rows_from_events(events) -> ad.ExecRows:
    """ExecRows of every event: decoded with the executor's decoder, EXEC time = event
    index + 1, previous access times 0 (enough for a one-table check)."""
    n = len(events)
    dec = [decode(int(w)) for w in events.insn]
    opmap = isa_op_map()
    opcode = np.array([opmap[OP[d.name]] for d in dec], dtype=np.uint32)
    u = lambda xs: np.array(xs, dtype=np.uint32)  # noqa: E731
    # the lr/sc reservation cell before each row (the Atomic chip reads it from memory;
    # here it is replayed: the address of the last lr.w unless an sc.w came since)
    res_prev = np.zeros(n, dtype=np.int64)
    res = 0
    for i, d_ in enumerate(dec):
        res_prev[i] = res
        if d_.name == "lr.w":
            res = int(events.rs1_val[i])
        elif d_.name == "sc.w":
            res = 0
    return ad.ExecRows(
        index=np.arange(n, dtype=np.int64), pc=events.pc, next_pc=events.next_pc,
        insn=events.insn, opcode=opcode, rd=u([d.rd for d in dec]),
        rs1=u([d.rs1 for d in dec]), rs2=u([d.rs2 for d in dec]),
        imm=np.array([d.imm for d in dec], dtype=np.int64),
        rs1_val=events.rs1_val, rs2_val=events.rs2_val, rd_val=events.rd_val,
        mem_addr=events.mem_addr, mem_before=events.mem_before, mem_after=events.mem_after,
        ts=np.arange(1, n + 1, dtype=np.uint32), jpos=np.zeros(n, dtype=np.uint32),
        prev_ts=np.zeros((n, 4), dtype=np.uint32), rd_prev=np.zeros(n, dtype=np.uint32),
        extra={"res_prev": res_prev, "res_prev_ts": np.zeros(n, dtype=np.int64)})


def run_words(words, with_exit=True):
    prog = Program.from_words(list(words) + (exit_program(0) if with_exit else []))
    res = execute(prog, record=True)
    return res, rows_from_events(res.events)


def chip_rows(air, rows):
    ids = [OPCODES[o].id for o in air.OPS]
    return rows.select(np.isin(rows.opcode, ids))


def op_of(air, rows, i):
    return next(o for o in air.OPS if OPCODES[o].id == rows.opcode[i])


def bytes_valid(op, x, y, z) -> np.ndarray:
    """Vectorised: is ``(op, x, y, z)`` a row of the Bytes table?"""
    op, x, y, z = (np.asarray(v, dtype=np.int64) for v in (op, x, y, z))
    byte = (x < 256) & (y < 256)
    return (((op == buses.OP_U8PAIR) & byte & (z == 0))
            | ((op == buses.OP_U16) & (x < 65536) & (y == 0) & (z == 0))
            | ((op == buses.OP_AND) & byte & (z == (x & y)))
            | ((op == buses.OP_OR) & byte & (z == (x | y)))
            | ((op == buses.OP_XOR) & byte & (z == (x ^ y)))
            | ((op == buses.OP_LTU) & byte & (z == (x < y))))


_SYSTEMS = {}


def system_for(air):
    key = type(air)
    if key not in _SYSTEMS:
        _SYSTEMS[key] = StarkSystem([air], StarkParams.testing())
    return _SYSTEMS[key]


def messages(air, trace, bus):
    """``[(name, values (n, w) uint32, mult (n,))]`` of every interaction on ``bus``."""
    t = system_for(air).tables[0]
    n = trace.shape[0]
    leaf = trace_leaf(trace, None, [])
    out = []
    for it in t.compiled.interactions:
        if it.bus.id != bus.id:
            continue
        ev = sym.evaluate(list(it.values) + [it.multiplicity], leaf, NumpyAlgebra())
        ev = [broadcast_base(x, n) for x in ev]
        out.append((it.name, np.stack(ev[:-1], axis=1), ev[-1] if it.sign > 0 else
                    (P - ev[-1].astype(np.int64)) % P))
    return out


def failures(air, trace) -> dict[int, list[str]]:
    """Row -> reasons: failing constraints, and BYTES lookups that are not table rows."""
    t = system_for(air).tables[0]
    n = trace.shape[0]
    leaf = trace_leaf(trace, None, [])
    out: dict[int, list[str]] = {}
    cons = t.air_constraints
    vals = sym.evaluate([c.expr for c in cons], leaf, NumpyAlgebra())
    for c, v in zip(cons, vals):
        for r in np.flatnonzero(broadcast_base(v, n)):
            out.setdefault(int(r), []).append(c.name)
    for name, vals_, m in messages(air, trace, buses.BYTES):
        bad = (m != 0) & ~bytes_valid(*vals_.T)
        for r in np.flatnonzero(bad):
            out.setdefault(int(r), []).append("bytes:" + name)
    return out


def problems(air, trace) -> list[str]:
    return [f"row {r}: {', '.join(v)}" for r, v in sorted(failures(air, trace).items())]


def assert_honest(air, rows):
    """The honest trace of ``rows`` passes every constraint and BYTES lookup, the debug
    checker agrees, and the EXEC send carries the executor's next pc."""
    trace = air.generate_trace(rows)
    probs = problems(air, trace)
    assert not probs, "\n".join(probs[:20])
    rep = check_traces(system_for(air), [trace], [])
    assert not rep.constraint_failures and not rep.shape_errors, str(rep)
    n = rows.n
    (name, vals, m), = [x for x in messages(air, trace, buses.EXEC) if x[0].endswith("send")]
    assert np.array_equal(vals[:n, 0], rows.next_pc.astype(np.uint32)), "next_pc mismatch"
    assert (m[:n] == 1).all() and (m[n:] == 0).all()
    return trace


def rd_values(air, trace, n) -> np.ndarray:
    v = air.columns.view(trace)
    return (v.rd_val[:n].astype(np.int64) * (1 << (8 * np.arange(4)))).sum(axis=1)


def check_results(air, trace, rows):
    """rd_val of every row with rd != x0 equals the executor's value."""
    got = rd_values(air, trace, rows.n)
    nz = rows.rd != 0
    assert np.array_equal(got[nz], rows.rd_val[nz].astype(np.int64))


def assert_rejected(air, trace, rows_=None):
    f = failures(air, trace)
    assert f, "corrupted trace was accepted"
    if rows_ is not None:
        missing = set(rows_) - set(f)
        assert not missing, f"corruptions in rows {sorted(missing)[:10]} were accepted"
    return f


def col(air, name, k=None):
    i = air.columns.index(name)
    return i if k is None else i + k


def mutate(trace, row, c, value):
    t = trace.copy()
    t[row, c] = value % P
    return t


def find_rows(air, rows, op, pred=lambda i: True):
    return [i for i in range(rows.n) if op_of(air, rows, i) == op and pred(i)]


# ---------------------------------------------------------------------------------------
# end to end: whole-machine proofs and the malicious-prover harness

def e2e_params():
    return StarkParams.testing()


def machine_for(words):
    from zkvm.machine import Machine

    return Machine.for_program(Program.from_words(list(words) + exit_program(0)), e2e_params())


def prove_and_verify(words):
    """Execute, prove with the debug checker on, verify; returns the Machine."""
    from zkvm.machine import verify

    m = machine_for(words)
    receipt = m.prove(debug=True)
    assert verify(receipt, m.image_id) == (0, b"")
    return m


def patch_events(res, fn):
    """A copy of ExecutionResult ``res`` whose events are ``fn(rows)`` (``rows``: an
    ``(n, 9)`` int64 array in ``EVENT_COLUMNS`` order; ``fn`` may edit, delete or insert
    rows).  Used to build the *consistent* rest of a forged execution."""
    import dataclasses

    from zkvm.riscv.events import EVENT_COLUMNS, Events

    ev = res.events
    rows = np.stack([getattr(ev, c).astype(np.int64) for c in EVENT_COLUMNS], axis=1)
    rows = np.asarray(fn(rows), dtype=np.int64) & M32
    new = Events.from_rows(rows.astype(np.uint32))
    # the k-th ecall of the patched events keeps the k-th syscall record
    ecalls = np.flatnonzero(new.insn == 0x73)
    recs = [dataclasses.replace(r, cycle=int(c)) for r, c in zip(res.sys_records, ecalls)]
    return dataclasses.replace(res, events=new, cycles=len(new), sys_records=recs)


EV = {c: i for i, c in enumerate(("pc", "next_pc", "insn", "rs1_val", "rs2_val", "rd_val",
                                  "mem_addr", "mem_before", "mem_after"))}


def event_row(rows, pc):
    """Index of the (first) event at ``pc``."""
    return int(np.flatnonzero(rows[:, EV["pc"]] == pc)[0])


def bytes_trace_for_valid_lookups(system, traces, pv):
    """Byte-table multiplicities a cheating prover would commit: every lookup that is a
    table row is counted; the others cannot be matched and stay unbalanced."""
    from zkvm.chips.bytes import BytesAir

    msgs, mults = [], []
    for t, tr in zip(system.tables, traces):
        if t.name == "bytes":
            continue
        n = tr.shape[0]
        leaf = trace_leaf(tr, t.pre_trace, pv)
        for it in t.compiled.interactions:
            if it.bus.id != buses.BYTES.id:
                continue
            ev = sym.evaluate(list(it.values) + [it.multiplicity], leaf, NumpyAlgebra())
            ev = [broadcast_base(x, n) for x in ev]
            keep = (ev[4] != 0) & bytes_valid(*ev[:4])
            msgs.append(np.stack(ev[:4], axis=1)[keep])
            mults.append(ev[4][keep])
    return BytesAir.generate_trace(np.concatenate(msgs), np.concatenate(mults))


def attack(m, res, chip, forge, expect_constraints=(), expect_bytes=False,
           other_buses=()):
    """Malicious prover: traces of ``res`` (possibly patched events, so the rest of the
    machine is consistent with the forgery), then ``forge(air, view, rows)`` edits the
    chip's trace; Bytes multiplicities are recomputed for every lookup that is a table
    row.  ``other_buses``: buses besides BYTES that the forgery cannot balance (with
    ``expect_bytes``).  Checks that exactly the expected constraints fail (and, when no lookup is
    invalid, that a mutant system without them accepts: the forgery is otherwise complete),
    then proves with the checker off and asserts that the verifier rejects."""
    import pytest

    from zkvm.stark import prover, verifier
    from zkvm.stark.errors import VerificationError

    from zkvm.chips.bytes import BytesAir

    # the forged events may already produce invalid lookups: the machine's honest Bytes
    # multiplicity pass would refuse them, the cheater recomputes them below anyway
    m._bytes_trace = lambda system, traces, pv: np.zeros(
        (1 << 16, len(BytesAir.columns.names)), dtype=np.uint32)
    w, traces, pv = m.traces(res)
    system = m.system()
    names = [a.name for a in m.airs]
    ci = names.index(chip)
    air = m.airs[ci]
    rows = w.rows.select(w.chip_index == chip)
    t = traces[ci].copy()
    forge(air, air.columns.view(t), rows)
    t %= P
    traces[ci] = t
    traces[names.index("bytes")] = bytes_trace_for_valid_lookups(system, traces, pv)
    rep = check_traces(system, traces, pv, public_data=w.journal)
    failing = {f"{f.table}.{f.constraint}" for f in rep.constraint_failures}
    assert failing == {f"{chip}.{c}" for c in expect_constraints}, str(rep)
    got = {b.bus for b in rep.bus_imbalances}
    if expect_bytes:
        assert got == {buses.BYTES.name, *other_buses}, str(rep)
    elif other_buses:
        assert got == set(other_buses), str(rep)
    else:
        assert not rep.bus_imbalances, str(rep)
        mutant = system.mutant({f"{chip}.{c}" for c in expect_constraints})
        assert check_traces(mutant, traces, pv, public_data=w.journal).ok
    pk = m.proving_key()
    proof = prover.prove(pk, traces, pv, debug=False, public_data=w.journal)
    with pytest.raises(VerificationError):
        verifier.verify(m.verifying_key(), proof, pv, public_data=w.journal)


def set_word(arr_row, value):
    """Write the 4 byte limbs of ``value`` into a 4-wide row slice."""
    arr_row[:] = [(int(value) >> (8 * k)) & 0xFF for k in range(4)]

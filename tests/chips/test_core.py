"""Core tables: opcodes, gadgets, Program/Bytes/Memory/Syscall/Io, tracegen.

Honest traces must satisfy every constraint and balance every bus (debug checker); each
targeted corruption of a core table must fail a constraint or unbalance a bus.  The
end-to-end (prove + verify) versions of the attacks are in test_machine.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.chips import buses, opcodes
from zkvm.machine import Machine
from zkvm.chips.tracegen import UnprovableExecution
from zkvm.field.babybear import P
from zkvm.riscv import asm
from zkvm.riscv.layout import Program
from zkvm.stark.checker import check_traces

from tests.support.core_programs import CHIPS, arith_words, echo_words  # noqa: E402


@pytest.fixture(scope="module")
def echo(testing_params):
    m = Machine.for_program(Program.from_words(echo_words()), testing_params, chips=CHIPS)
    res = m.execute(b"hello world")
    w, traces, pv = m.traces(res)
    return m, w, traces, pv


@pytest.fixture(scope="module")
def arith(testing_params):
    m = Machine.for_program(Program.from_words(arith_words()), testing_params, chips=CHIPS)
    res = m.execute()
    w, traces, pv = m.traces(res)
    return m, w, traces, pv


def check(m, traces, pv, journal=b""):
    return check_traces(m.system(), traces, pv, public_data=journal)


def tix(m, name):
    return [a.name for a in m.airs].index(name)


def mutated(traces, name_idx):
    out = [t.copy() for t in traces]
    return out, out[name_idx]


# ------------------------------------------------------------------ opcodes / gadgets
def test_opcode_ids_unique_dense_and_cover_isa():
    from zkvm.riscv import isa

    ids = [o.id for o in opcodes.OPCODES.values()]
    assert sorted(ids) == list(range(1, len(ids) + 1))
    m = opcodes.isa_op_map()
    for i, ins in enumerate(isa.INSTRUCTIONS):
        if ins.name == "ebreak":
            assert m[i] == 0
        else:
            assert m[i] >= 1, ins.name
            assert opcodes.BY_ID[int(m[i])].name == opcodes.ALIASES.get(ins.name, ins.name)
    assert len(opcodes.digest()) == 32
    for c in opcodes.INSTRUCTION_CHIPS:
        assert opcodes.ops_of_chip(c)


def test_range_bits_rejects_wraparound_value():
    """The shifted form U16(x·2^(16−k)) accepts x = 61441 for k = 1; ours does not."""
    from zkvm.chips.bytes import BytesAir

    x = 61441
    assert (x * 2 ** 15) % P < 2 ** 16  # the unsound form would pass
    msg = np.array([[buses.OP_U8PAIR, x, (x + 256 - 2) % P, 0]], dtype=np.uint32)
    with pytest.raises(ValueError, match="not a row"):
        BytesAir.generate_trace(msg, np.ones(1, dtype=np.uint32))
    ok = np.array([[buses.OP_U8PAIR, 1, 1 + 256 - 2, 0]], dtype=np.uint32)
    BytesAir.generate_trace(ok, np.ones(1, dtype=np.uint32))


def test_program_table_decoding():
    from zkvm.chips.program import decode_program

    e = asm.encode
    words = [e("addi", "a0", "a0", imm=-5), 0x0000000F, 0xFFFFFFFF, e("sw", 0, "sp", "a0", imm=8),
             0x00100073, e("ecall")]
    d = decode_program(Program.from_words(words))
    base = 0x10000
    # fence -> addi x0,x0,0 ; garbage and ebreak have no row
    assert list(d["pc"]) == [base, base + 4, base + 12, base + 20]
    assert opcodes.BY_ID[int(d["opcode"][1])].name == "addi"
    assert (d["rd"][1], d["rs1"][1], d["imm"][1]) == (0, 0, 0)
    assert d["imm"][0] == -5
    assert d["rd"][2] == 0 and d["rs2"][2] == 10  # store: no rd
    assert (d["rs1"][3], d["rs2"][3]) == (17, 10)  # ecall reads a7, a0


# ------------------------------------------------------------------ honest traces
def test_honest_echo_balances(echo):
    m, w, traces, pv = echo
    assert w.exit_code == 7 and w.journal == b"hello"
    assert pv == [7, 5]
    rep = check(m, traces, pv, w.journal)
    assert rep.ok, str(rep)


def test_honest_arith_balances(arith):
    m, w, traces, pv = arith
    assert w.exit_code == (2 * 97) & 0xFF
    rep = check(m, traces, pv)
    assert rep.ok, str(rep)


def test_memory_history_prev_ts(arith):
    m, w, _, _ = arith
    r = w.rows
    # t2 is written at row 2 (ts 3, slot 3 -> 15), read twice at row 3 (ts 4)
    assert r.prev_ts[3, 0] == 4 * 3 + 3 and r.prev_ts[3, 1] == 4 * 4 + 0
    assert r.rd_prev[3] == 97
    b = w.boundary
    assert list(b["keys"][:3]) == [0, 2, 5] or b["keys"][0] == 0
    assert np.all(np.diff(b["keys"]) > 0)


def test_unsupported_syscall_is_a_clear_error(testing_params):
    e = asm.encode
    words = [e("addi", "a7", 0, imm=65), e("ecall"), *asm.exit_program(0)]  # readv
    m = Machine.for_program(Program.from_words(words), testing_params, chips=CHIPS)
    with pytest.raises(UnprovableExecution, match="readv"):
        m.traces(m.execute())


def test_missing_chip_is_a_clear_error(testing_params):
    e = asm.encode
    words = [e("xori", "a0", "a0", imm=1), *asm.exit_program(0)]
    m = Machine.for_program(Program.from_words(words), testing_params, chips=CHIPS)
    with pytest.raises(UnprovableExecution, match="bitwise"):
        m.traces(m.execute())


# ------------------------------------------------------------------ attacks (checker level)
def test_skipped_instruction_breaks_exec_chain(arith):
    m, w, traces, pv = arith
    tr, a = mutated(traces, tix(m, "addsub"))
    a[3:-1] = a[4:].copy()  # drop row 3, shift the rest up
    rep = check(m, tr, pv)
    assert any(b.bus == "exec" for b in rep.bus_imbalances)


def test_pc_outside_program_has_no_program_row(arith):
    m, w, traces, pv = arith
    tr, a = mutated(traces, tix(m, "addsub"))
    v = m.chip_airs["addsub"].columns.view(a)
    v.pc[0] += 0x1000
    rep = check(m, tr, pv)
    assert any(b.bus == "program" for b in rep.bus_imbalances)


def test_x0_write_needs_rd_nz_from_program(arith):
    m, w, traces, pv = arith
    tr, a = mutated(traces, tix(m, "addsub"))
    v = m.chip_airs["addsub"].columns.view(a)
    row = int(np.flatnonzero((v.rd == 0) & (v.is_real == 1))[0])
    v.rd_nz[row] = 1  # try to write x0
    rep = check(m, tr, pv)
    assert any(b.bus == "program" for b in rep.bus_imbalances)


def test_image_word_zero_initialised_instead(echo):
    m, w, traces, pv = echo
    tr, bnd = mutated(traces, tix(m, "memory_boundary"))
    v = m.boundary_air.columns.view(bnd)
    row = int(np.flatnonzero((v.zero_init == 0) & (v.is_real == 1))[0])
    v.zero_init[row] = 1
    rep = check(m, tr, pv, w.journal)
    assert any(b.bus == "memory" for b in rep.bus_imbalances)


def test_duplicated_boundary_key_rejected(echo):
    m, w, traces, pv = echo
    tr, bnd = mutated(traces, tix(m, "memory_boundary"))
    v = m.boundary_air.columns.view(bnd)
    n = int(v.is_real.sum())
    bnd[n] = bnd[n - 1]  # duplicate the last key (as an extra real row)
    rep = check(m, tr, pv, w.journal)
    assert any(f.constraint == "key_increasing" for f in rep.constraint_failures) or \
        rep.bus_imbalances


def test_timestamp_going_backwards(arith):
    m, w, traces, pv = arith
    tr, a = mutated(traces, tix(m, "addsub"))
    v = m.chip_airs["addsub"].columns.view(a)
    # claim rs1's previous access is in the future: lo/hi must then be out of range
    t = int(v.ts[3]) * 4
    v.rs1_prev_ts[3] = t + 5
    d = (t - (t + 5) - 1) % P
    v.rs1_lo[3] = d & 0xFFFF
    v.rs1_hi[3] = (d >> 16) % P
    rep = check(m, tr, pv)
    assert not rep.ok


def test_forged_exit_code(echo):
    m, w, traces, pv = echo
    bad = list(pv)
    bad[0] = 8
    rep = check(m, traces, bad, w.journal)
    assert any(f.constraint == "exit_code" for f in rep.constraint_failures)


def test_forged_journal_byte(echo):
    m, w, traces, pv = echo
    bad = bytearray(w.journal)
    bad[1] ^= 1
    rep = check(m, traces, pv, bytes(bad))
    assert any(b.bus == "journal" for b in rep.bus_imbalances)


def test_extra_journal_byte(echo):
    m, w, traces, pv = echo
    bad = [pv[0], pv[1] + 1]
    rep = check(m, traces, bad, w.journal + b"!")
    assert any(b.bus == "journal" for b in rep.bus_imbalances)


def test_missing_journal_byte(echo):
    m, w, traces, pv = echo
    bad = [pv[0], pv[1] - 1]
    rep = check(m, traces, bad, w.journal[:-1])
    assert any(b.bus == "journal" for b in rep.bus_imbalances)


def test_private_input_byte_changed_after_the_fact(echo):
    m, w, traces, pv = echo
    tr, io = mutated(traces, tix(m, "io"))
    v = m.io_air.columns.view(io)
    row = 0  # first input word
    assert v.is_journal[row] == 0
    k = int(np.flatnonzero(v.s[row])[0])  # its first input byte
    v.new[row, k] ^= 1
    rep = check(m, tr, pv, w.journal)
    assert any(b.bus == "memory" for b in rep.bus_imbalances)


def test_fake_value_for_never_written_word(echo):
    """A journal byte read from fresh (zero) memory cannot be given a fake value."""
    m, w, traces, pv = echo
    tr, io = mutated(traces, tix(m, "io"))
    v = m.io_air.columns.view(io)
    row = int(np.flatnonzero(v.is_journal)[0])
    k = int(np.flatnonzero(v.s[row])[0])
    v.prev[row, k] = (int(v.prev[row, k]) + 1) % 256
    v.new[row, k] = v.prev[row, k]
    rep = check(m, tr, pv, w.journal)
    assert any(b.bus == "memory" for b in rep.bus_imbalances)


def test_padding_row_cannot_send(echo):
    m, w, traces, pv = echo
    tr, io = mutated(traces, tix(m, "io"))
    v = m.io_air.columns.view(io)
    pad = int(v.is_real.sum())
    assert pad < io.shape[0]
    v.is_journal[pad] = 1
    v.jpos[pad] = 5
    v.ctime[pad] = 1
    rep = check(m, tr, pv, w.journal)
    assert any(f.constraint == "journal_real" for f in rep.constraint_failures)


def test_exit_relabelled_as_env_syscall(echo):
    """Flag pinning: an exit row cannot claim to be getpid (a7 = 94 is pinned)."""
    m, w, traces, pv = echo
    tr, sc = mutated(traces, tix(m, "syscall"))
    v = m.syscall_air.columns.view(sc)
    last = int(v.is_real.sum()) - 1
    assert v.s_exit_group[last] == 1
    v.s_exit_group[last] = 0
    v.s_getpid[last] = 1
    rep = check(m, tr, pv, w.journal)
    assert any(f.constraint == "a7_number" for f in rep.constraint_failures)


def test_register_written_twice(echo):
    """A second copy of a register-writing row (same time) cannot be inserted."""
    m, w, traces, pv = echo
    tr, a = mutated(traces, tix(m, "addsub"))
    v = m.chip_airs["addsub"].columns.view(a)
    n = int(v.is_real.sum())
    assert n < a.shape[0]
    a[n] = a[0]  # row 0 writes a1
    v.rd_val[n, 0] ^= 1
    rep = check(m, tr, pv, w.journal)
    assert any(b.bus == "exec" for b in rep.bus_imbalances)
    assert any(b.bus == "memory" for b in rep.bus_imbalances)


def test_forged_previous_register_value(arith):
    m, w, traces, pv = arith
    tr, a = mutated(traces, tix(m, "addsub"))
    v = m.chip_airs["addsub"].columns.view(a)
    v.rd_prev[3, 0] ^= 1
    rep = check(m, tr, pv)
    assert any(b.bus == "memory" for b in rep.bus_imbalances)


def test_io_chain_cannot_stop_early(echo):
    """Dropping the last input byte's Io row leaves the IO chain open."""
    m, w, traces, pv = echo
    tr, io = mutated(traces, tix(m, "io"))
    v = m.io_air.columns.view(io)
    last_input = int(np.flatnonzero((v.is_journal == 0) & (v.is_real == 1))[-1])
    io[last_input:-1] = io[last_input + 1:].copy()
    rep = check(m, tr, pv, w.journal)
    assert any(b.bus == "io" for b in rep.bus_imbalances)


#: SHA-256 of the opcode table (hashed into every image ID).  A change here changes every
#: image ID: say so in CHANGELOG.md and re-pin the image IDs in tests and docs.
OPCODES_DIGEST = "4e6726a93d69ceb4d3688343418c304bddb526f115f3532f70ad492039fd7398"


def test_opcode_table_is_derived_from_the_isa_table_and_pinned():
    from zkvm.riscv import isa

    assert opcodes.digest().hex() == OPCODES_DIGEST
    for ins in isa.INSTRUCTIONS:
        if ins.opcode:
            o = opcodes.OPCODES[ins.name]
            assert (o.id, o.chip, o.fmt) == (ins.opcode, ins.chip, ins.fmt)
    assert opcodes.ALIASES == {"fence": "addi", "fence.i": "addi"}


def test_chips_prove_exactly_their_isa_rows():
    """Every chip's OPS are the ISA rows naming it (id order); together they cover every
    opcode once; the machine's chip list holds real Air classes in the table's order."""
    from zkvm.chips.syscall import SyscallAir
    from zkvm.machine import INSTRUCTION_CHIP_AIRS
    from zkvm.riscv import isa

    airs = [*INSTRUCTION_CHIP_AIRS.values(), SyscallAir]
    assert tuple(a.name for a in airs) == isa.CHIPS
    seen = []
    for air in airs:
        rows = sorted((i for i in isa.INSTRUCTIONS if i.chip == air.name), key=lambda i: i.opcode)
        assert tuple(air.OPS) == tuple(i.name for i in rows), air.name
        seen += air.OPS
    assert sorted(seen) == sorted(opcodes.OPCODES)


@pytest.mark.parametrize("edit, message", [
    (dict(chip=""), "needs an opcode id and a known chip"),
    (dict(chip="nochip"), "needs an opcode id and a known chip"),
    (dict(opcode=1), "unique and dense"),
    (dict(proven_as="ebreak"), "proven as an instruction that has one"),
])
def test_isa_circuit_columns_checked(edit, message):
    from dataclasses import replace

    from zkvm.riscv import isa

    rows = list(isa.INSTRUCTIONS)
    k = isa.OP["sub"]
    rows[k] = replace(rows[k], **edit)
    with pytest.raises(RuntimeError, match=message):
        opcodes.check_isa_columns(tuple(rows))


@pytest.mark.parametrize("span", [12, 256, 1 << 20, 1 << 40])
def test_key_time_order_is_lexicographic(span):
    """The witness's memory-checking order (by key, then time) equals numpy's lexsort,
    for register-like (few keys: the radix path) and address-like key ranges, with the
    accesses out of time order and repeated times on other keys."""
    from zkvm.chips.tracegen import _key_time_order

    rng = np.random.default_rng(span)
    n = 5000
    keys = rng.integers(0, span, n, dtype=np.int64) + 7
    ts = np.arange(n, dtype=np.int64) // 3  # three accesses per time step
    ts = ts + rng.integers(-2, 3, n)  # locally out of order
    ts = np.maximum(ts, 0)
    o = _key_time_order(keys, ts)
    ref = np.lexsort((ts, keys))
    assert np.array_equal(keys[o], keys[ref]) and np.array_equal(ts[o], ts[ref])
    assert sorted(o.tolist()) == list(range(n))

"""Continuation segments (zkvm.riscv.segments, docs/continuations.md §4).

The oracle is the full recorded run: the segments' events, syscall accesses, precompile
records, journals and outputs must concatenate to it (cycle offsets applied); every
snapshot's memory must equal the initial image overlaid with the full run's writes before
that cycle, and its OS cells (reservation included) the full run's state there; a boundary
may fall between an lr.w and its sc.w (the reservation is carried as an OS cell).
"""

from __future__ import annotations

import pathlib
import pickle

import numpy as np
import pytest

from zkvm.riscv.asm import encode, li, mv
from zkvm.riscv.elf import load_elf
from zkvm.riscv.errors import CycleLimitExceeded, MemoryFault
from zkvm.riscv.events import EVENT_COLUMNS, KIND_WRITE, SYSCALL_COLUMNS
from zkvm.riscv.executor import execute
from zkvm.riscv.layout import PAGE_SHIFT, Program
from zkvm.riscv import fast
from zkvm.riscv.segments import (BASE_MEASURE, BASE_UNITS, ZERO_BLOCKS, PagingCost, SegmentError, SegmentStart, _base_units, replay,
                                 run_segment, split)
from zkvm.riscv.testing import SCRATCH, program

REPO = pathlib.Path(__file__).parents[2]


# ----------------------------------------------------------------------------- guests
def ecall(num: int) -> list[int]:
    return li("a7", num) + [encode("ecall")]


def bne_back(body_len_words: int, rs1="s1", rs2="zero") -> int:
    return encode("bne", rs1=rs1, rs2=rs2, imm=-4 * body_len_words)


def store_journal_guest(n: int = 40) -> Program:
    """Stores a counter at addresses 1028 bytes apart (crossing pages) and journals it."""
    head = li("s0", SCRATCH) + li("s1", n)
    body = [encode("sw", rs1="s0", rs2="s1", imm=0), encode("addi", rd="s0", rs1="s0", imm=1028)]
    body += li("a0", 3) + [encode("addi", rd="a1", rs1="s0", imm=-1028)] + li("a2", 4) + ecall(64)
    body += [encode("addi", rd="s1", rs1="s1", imm=-1)]
    return program(head + body + [bne_back(len(body))], exit_code=5)


def input_guest(chunk: int = 3) -> Program:
    """mmap a fresh page pair, read() the input into it ``chunk`` bytes at a time, sum the
    bytes with loads, journal the sum, munmap the pages and exit with the sum & 0xFF."""
    w = li("a0", 0) + li("a1", 8192) + li("a2", 3) + li("a3", 0x22) + ecall(222)
    w += mv("s0", "a0") + mv("s2", "a0") + mv("s4", "a0") + li("s3", 0)
    loop = li("a0", 0) + mv("a1", "s2") + li("a2", chunk) + ecall(63)
    loop_len = len(loop) + 3
    loop += [encode("beq", rs1="a0", rs2="zero", imm=12), encode("add", rd="s2", rs1="s2", rs2="a0")]
    loop += [encode("jal", rd=0, imm=-4 * (loop_len - 1))]
    w += loop
    # sum: beq s0, s2, end; lbu t0, 0(s0); add s3, s3, t0; addi s0, s0, 1; j sum
    w += [
        encode("beq", rs1="s0", rs2="s2", imm=20),
        encode("lbu", rd="t0", rs1="s0", imm=0),
        encode("add", rd="s3", rs1="s3", rs2="t0"),
        encode("addi", rd="s0", rs1="s0", imm=1),
        encode("jal", rd=0, imm=-16),
    ]
    w += li("t1", SCRATCH) + [encode("sw", rs1="t1", rs2="s3", imm=0)]
    w += li("a0", 3) + mv("a1", "t1") + li("a2", 4) + ecall(64)
    w += mv("a0", "s4") + li("a1", 8192) + ecall(215)  # munmap: the pages keep their bytes
    return program(w, exit_code="s3")


def lrsc_guest(n: int = 30, hold: int = 40) -> Program:
    """``n`` lr.w/addi/sc.w increments, then a reservation held over ``2*hold`` instructions
    and an ecall, then a failed-CAS pattern (lr.w, no sc.w) closed by a later sc.w."""
    w = li("s0", SCRATCH) + li("s1", n)
    body = [
        encode("lr.w", rd="t0", rs1="s0"),
        encode("addi", rd="t0", rs1="t0", imm=1),
        encode("sc.w", rd="t1", rs1="s0", rs2="t0"),
        encode("addi", rd="s1", rs1="s1", imm=-1),
    ]
    w += body + [bne_back(len(body))]
    w += [encode("lr.w", rd="t0", rs1="s0")] + li("t2", hold)
    w += [encode("addi", rd="t2", rs1="t2", imm=-1), bne_back(1, rs1="t2")]
    w += ecall(172)  # getpid while the reservation is held
    w += [encode("sc.w", rd="t1", rs1="s0", rs2="t0")]
    w += [encode("lr.w", rd="t0", rs1="s0")] + li("t2", hold)
    w += [encode("addi", rd="t2", rs1="t2", imm=-1), bne_back(1, rs1="t2")]
    w += [encode("addi", rd="t3", rs1="s0", imm=4), encode("sc.w", rd="t1", rs1="t3", rs2="t0")]  # fails
    return program(w, exit_code=0)


def sha_guest(n: int = 6) -> Program:
    """``n`` SHA256_COMPRESS precompile calls on a state at SCRATCH, block at SCRATCH+0x100."""
    w = li("s0", SCRATCH) + li("s2", SCRATCH + 0x100) + li("s1", n)
    for i in range(16):
        w += li("t0", 0x01020304 * (i + 1)) + [encode("sw", rs1="s2", rs2="t0", imm=4 * i)]
    body = mv("a0", "s0") + mv("a1", "s2") + ecall(0x5A00)
    body += [encode("sw", rs1="s2", rs2="s1", imm=0), encode("addi", rd="s1", rs1="s1", imm=-1)]
    w += body + [bne_back(len(body))]
    w += li("a0", 3) + mv("a1", "s0") + li("a2", 32) + ecall(64)
    return program(w, exit_code=0)


def cost_fn(a7, a0, a1, a2, ret):
    """A chips-like cost: 2 + bytes moved for read(v) / journal write, 2 + 64 for SHA-256."""
    if a7 in (63, 65) and ret < 1 << 31:  # read, readv
        return 2 + ret
    if a7 == 64 and a0 == 3:
        return 2 + a2
    if a7 == 0x5A00:
        return 2 + 64
    return 2


# ----------------------------------------------------------------------------- oracle
def _writes(full):
    """Every memory word write of the full run: (cycle, word address, value), in order."""
    ev = full.events
    i = np.flatnonzero(ev.mem_addr != 0)
    cyc, addr, val = [i], [ev.mem_addr[i] & ~np.uint32(3)], [ev.mem_after[i]]
    sa = full.syscall_accesses
    k = sa.kind == KIND_WRITE
    cyc.append(sa.cycle[k]), addr.append(sa.addr[k]), val.append(sa.after[k])
    sha = full.precompile_events.sha256
    for j in range(len(sha)):
        cyc.append(np.full(8, sha.cycle[j])), addr.append(sha.state_ptr[j] + 4 * np.arange(8, dtype=np.uint32))
        val.append(sha.state_out[j])
    kec = full.precompile_events.keccak
    for j in range(len(kec)):
        cyc.append(np.full(50, kec.cycle[j])), addr.append(kec.state_ptr[j] + 4 * np.arange(50, dtype=np.uint32))
        val.append(kec.state_out[j])
    cyc = np.concatenate(cyc).astype(np.int64)
    order = np.argsort(cyc, kind="stable")
    return cyc[order], np.concatenate(addr).astype(np.int64)[order], np.concatenate(val).astype(np.int64)[order]


def _initial_words(prog) -> dict[int, int]:
    pages: dict[int, bytearray] = {}
    for addr, data in prog.initial_memory():
        for off, b in enumerate(data):
            a = addr + off
            pages.setdefault(a >> PAGE_SHIFT, bytearray(4096))[a & 4095] = b
    out = {}
    for p, buf in pages.items():
        w = np.frombuffer(bytes(buf), dtype="<u4")
        for i in np.flatnonzero(w):
            out[(p << PAGE_SHIFT) + 4 * int(i)] = int(w[i])
    return out


def _expected_ram(init: dict[int, int], writes, cycle: int) -> tuple[np.ndarray, np.ndarray]:
    cyc, addr, val = writes
    n = int(np.searchsorted(cyc, cycle, side="left"))
    a, v = addr[:n][::-1], val[:n][::-1]
    ua, first = np.unique(a, return_index=True)  # the last write of each word
    mem = dict(init)
    mem.update(zip(ua.tolist(), v[first].tolist()))
    keys = np.array(sorted(k for k, x in mem.items() if x), dtype=np.uint32)
    return keys, np.array([mem[int(k)] for k in keys], dtype=np.uint32)


def _reservation_at(full) -> np.ndarray:
    """res[c] = the lr.w reservation (or -1) before cycle c, for c in 0..cycles."""
    insn, maddr = full.events.insn.astype(np.int64), full.events.mem_addr.astype(np.int64)
    amo = np.flatnonzero((insn & 0x7F) == 0x2F)
    f5 = insn[amo] >> 27
    rows = amo[(f5 == 0b00010) | (f5 == 0b00011)]  # lr.w, sc.w
    after = np.where(insn[rows] >> 27 == 0b00010, maddr[rows], -1)
    last = np.searchsorted(rows, np.arange(len(insn) + 1) - 1, side="right") - 1
    return np.where(last >= 0, after[np.maximum(last, 0)] if len(rows) else -1, -1)


def check_segments(prog, inp: bytes, max_steps: int, cost=None, memory_checks: int = 1000, paging=None):
    """Split, replay every segment and compare everything with the full recorded run."""
    full = execute(prog, inp, record=True)
    segs = split(prog, inp, max_steps, cost, paging=paging)
    n = len(segs)
    assert n >= 1 and [s.index for s in segs] == list(range(n))
    assert [s.halts for s in segs] == [False] * (n - 1) + [True]
    assert sum(s.cycles for s in segs) == full.cycles
    off = np.cumsum([0] + [s.cycles for s in segs])
    assert [s.cycle_offset for s in segs] == off[:-1].tolist()
    results = [run_segment(prog, s) for s in segs]
    if paging is None:
        assert all(s.steps >= max_steps for s in segs[:-1]) and all(s.paging == 0 for s in segs)
    else:  # the cut rule: steps plus the paging cost after one more access reach max_steps,
        # or the next segment starts with an ecall whose buffers would have broken the budget
        for s, nxt in zip(segs[:-1], results[1:]):
            e = int(fast.paging_extra(s.paging, paging.allowance))
            assert s.steps + paging.unit_steps * e >= max_steps or int(nxt.events.insn[0]) == 0x73, s.index
    # events, field by field
    for c in EVENT_COLUMNS:
        got = np.concatenate([getattr(r.events, c) for r in results])
        assert np.array_equal(got, getattr(full.events, c)), c
    for c in SYSCALL_COLUMNS:
        parts = [getattr(r.syscall_accesses, c) + (np.uint32(s.cycle_offset) if c == "cycle" else 0)
                 for r, s in zip(results, segs)]
        assert np.array_equal(np.concatenate(parts).astype(np.uint32), getattr(full.syscall_accesses, c)), c
    for name in ("sha256", "keccak"):
        fcalls = getattr(full.precompile_events, name)
        for f in fcalls.__dataclass_fields__:
            parts = [getattr(getattr(r.precompile_events, name), f) + (np.uint32(s.cycle_offset) if f == "cycle" else 0)
                     for r, s in zip(results, segs)]
            assert np.array_equal(np.concatenate(parts).astype(np.uint32), getattr(fcalls, f)), (name, f)
    # outputs
    assert b"".join(r.journal for r in results) == full.journal
    assert [s.journal_len for s in segs] == np.cumsum([0] + [len(r.journal) for r in results])[:-1].tolist()
    assert b"".join(r.stdout for r in results) == full.stdout
    assert b"".join(r.stderr for r in results) == full.stderr
    assert results[-1].exit_code == full.exit_code and results[-1].note == full.note
    assert results[-1].pc == full.pc and results[-1].registers == full.registers
    assert all(r.exit_code is None for r in results[:-1])
    assert all(r.cycles == s.cycles for r, s in zip(results, segs))
    # input slices
    consumed = b"".join(s.input_slice for s in segs)
    assert inp.startswith(consumed)
    pos = 0
    for s in segs:
        pos += len(s.input_slice)
        assert s.input_after == len(inp) - pos
    # chaining: each segment ends where the next starts
    for r, s in zip(results[:-1], segs[1:]):
        assert r.pc == s.pc and r.registers == s.registers
    # the reservation a snapshot carries is the full run's at that point (boundaries may
    # fall between an lr.w and its sc.w: the reservation is an OS cell in memory)
    res = _reservation_at(full)
    assert all(res[s.cycle_offset] == s.reservation for s in segs)
    # memory of (a sample of) snapshots = initial image + the full run's writes before it
    init, writes = _initial_words(prog), _writes(full)
    pick = segs if n <= memory_checks else [segs[int(i)] for i in np.linspace(0, n - 1, memory_checks)]
    for s in pick:
        keys, vals = s.memory_words()
        ram = keys >= 0x1_0000
        ek, evals = _expected_ram(init, writes, s.cycle_offset)
        assert np.array_equal(keys[ram], ek) and np.array_equal(vals[ram], evals), f"memory of segment {s.index}"
        regs = np.array(s.registers, dtype=np.uint32)
        nz = np.flatnonzero(regs)
        reg = keys < 32
        assert np.array_equal(keys[reg], nz.astype(np.uint32)) and np.array_equal(vals[reg], regs[nz])
        cells = {k: v for k, v in s.os_cells().items() if v}
        osk = ~ram & ~reg
        assert dict(zip(keys[osk].tolist(), vals[osk].tolist())) == cells
    return segs, results, full


# ----------------------------------------------------------------------------- tests
@pytest.mark.parametrize("max_steps", [2, 7, 64])
def test_store_journal_guest(max_steps):
    segs, _, _ = check_segments(store_journal_guest(), b"", max_steps)
    assert len(segs) > 1


def test_cost_overshoot_by_one_ecall():
    segs, _, full = check_segments(store_journal_guest(), b"", 16, cost=cost_fn)
    # 40 journal writes cost 2 + 4 steps instead of 1, the exit 2
    assert sum(s.steps for s in segs) == full.cycles + 40 * 5 + 1
    assert max(s.steps for s in segs) <= 16 - 1 + 6
    assert any(s.steps > 16 for s in segs)  # some segment ended with a write ecall


@pytest.mark.parametrize("max_steps,chunk", [(5, 3), (16, 3), (40, 7)])
def test_input_across_segments(max_steps, chunk):
    inp = bytes((7 * i + 3) & 0xFF for i in range(100))
    segs, results, full = check_segments(input_guest(chunk), inp, max_steps, cost=cost_fn)
    assert full.exit_code == sum(inp) & 0xFF
    reading = [s for s in segs if s.input_slice]
    assert len(reading) > 3  # the input really is spread over several segments
    assert b"".join(s.input_slice for s in segs) == inp
    # the final EOF read (return 0) and the short read happen with input_after == 0
    ret = full.events.rd_val[(full.events.insn == 0x73) & (full.events.rs1_val == 63)]
    assert ret[-1] == 0 and ret[-2] == 100 % chunk  # EOF, then the short read


def test_input_left_unread():
    """A guest that reads 4 bytes, computes, reads 4 more and exits: input_after counts the rest."""
    rd = li("a0", 0) + li("a1", SCRATCH) + li("a2", 4) + ecall(63)
    spin = li("t2", 30) + [encode("addi", rd="t2", rs1="t2", imm=-1), bne_back(1, rs1="t2")]
    prog = program(rd + spin + rd + spin, exit_code=0)
    inp = bytes(range(50))
    segs, results, _ = check_segments(prog, inp, 8)
    assert b"".join(s.input_slice for s in segs) == inp[:8]
    assert segs[-1].input_after == 42 and segs[0].input_after == 46  # segment 0 reads 4
    assert sorted({len(s.input_slice) for s in segs}) == [0, 4]
    ret = [int(v) for r in results for v in r.events.rd_val[(r.events.insn == 0x73) & (r.events.rs1_val == 63)]]
    assert ret == [4, 4]
    # with an empty input every read returns 0
    segs2, _, _ = check_segments(prog, b"", 8)
    assert all(s.input_slice == b"" and s.input_after == 0 for s in segs2)


@pytest.mark.parametrize("max_steps", [1, 2, 3, 5, 7, 20])
def test_lrsc_split_anywhere(max_steps):
    segs, _, _ = check_segments(lrsc_guest(), b"", max_steps)
    # boundaries fall inside held reservations, which the snapshots carry
    assert any(s.reservation != -1 for s in segs)
    assert max(s.cycles for s in segs) <= max_steps + 1


def test_reservation_never_released_is_carried():
    """An lr.w with no later sc.w (e.g. a failed compare-and-swap) keeps the reservation,
    and every later snapshot carries it."""
    w = li("s0", SCRATCH) + li("t2", 50) + [encode("addi", rd="t2", rs1="t2", imm=-1), bne_back(1, rs1="t2")]
    w += [encode("lr.w", rd="t0", rs1="s0")] + li("t2", 200)
    w += [encode("addi", rd="t2", rs1="t2", imm=-1), bne_back(1, rs1="t2")]
    segs, _, full = check_segments(program(w), b"", 16)
    lr_cycle = 1 + 1 + 100  # li s0 (one addi), li t2, 50 iterations of 2
    later = [s for s in segs if s.cycle_offset > lr_cycle]
    assert len(later) > 10 and all(s.reservation == SCRATCH for s in later)


def test_sha256_precompile_segments():
    segs, results, full = check_segments(sha_guest(), b"", 70, cost=cost_fn)
    assert full.precompile_calls == {"sha256_compress": 6}
    assert sum(r.precompile_calls.get("sha256_compress", 0) for r in results) == 6
    assert sum(1 for r in results if r.precompile_calls) > 1


def test_one_segment_when_budget_exceeds_run():
    prog = store_journal_guest()
    full = execute(prog)
    (seg,) = split(prog, b"", full.cycles + 1)
    assert seg.halts and seg.cycles == full.cycles and seg.steps == full.cycles and seg.index == 0
    # exactly the run's length also gives one segment (the exit ecall reaches the budget)
    assert len(split(prog, b"", full.cycles)) == 1
    assert len(split(prog, b"", full.cycles - 1)) == 2


def test_first_snapshot_is_the_initial_image():
    prog = store_journal_guest()
    seg = split(prog, b"", 10)[0]
    keys, vals = seg.memory_words()
    init = _initial_words(prog)
    sp = prog.initial_stack().sp
    exp = sorted([(2, sp), (48, prog.brk_start), (49, 0x2000_0000)] + list(init.items()))
    assert keys.tolist() == [k for k, _ in exp] and vals.tolist() == [v for _, v in exp]
    assert seg.pc == prog.entry and seg.cycle_offset == 0 and seg.journal_len == 0
    assert seg.brk == prog.brk_start and seg.reservation == -1
    assert keys.dtype == np.uint32 and vals.dtype == np.uint32


def test_deterministic_and_picklable():
    inp = bytes(range(50))
    a = split(input_guest(), inp, 11, cost=cost_fn)
    b = split(input_guest(), inp, 11, cost=cost_fn)
    assert a == b
    c = pickle.loads(pickle.dumps(a))
    assert c == a and all(isinstance(s, SegmentStart) for s in c)
    assert run_segment(input_guest(), c[3]).events.equals(run_segment(input_guest(), a[3]).events)
    assert all(s.nbytes() > 4096 for s in a)


@pytest.mark.parametrize("bad", [0, -5, 1.5, "16", None, True])
def test_bad_max_steps(bad):
    with pytest.raises(ValueError, match="max_steps must be a positive int"):
        split(store_journal_guest(), b"", bad)


def test_bad_cost_value():
    with pytest.raises(ValueError, match="must be a positive int"):
        split(store_journal_guest(), b"", 10, cost=lambda *a: 0)


def test_guest_errors_match_execute():
    # a store below 0x1_0000 after some instructions: a real write fault must come out of
    # the dirty-tracking trap unchanged
    prog = program(li("t0", 1) * 30 + li("s0", 0xFFF0) + [encode("sw", rs1="s0", rs2="t0", imm=0)])
    with pytest.raises(MemoryFault) as e1:
        execute(prog)
    with pytest.raises(MemoryFault) as e2:
        split(prog, b"", 4)
    assert (e1.value.pc, e1.value.address, e1.value.kind, str(e1.value)) == (
        e2.value.pc, e2.value.address, e2.value.kind, str(e2.value))
    # the cycle limit counts the whole run
    loop = program([encode("jal", rd=0, imm=0)])
    with pytest.raises(CycleLimitExceeded) as c1:
        execute(loop, max_cycles=1000)
    with pytest.raises(CycleLimitExceeded) as c2:
        split(loop, b"", 64, max_cycles=1000)
    assert (c1.value.pc, str(c1.value)) == (c2.value.pc, str(c2.value))
    prog = store_journal_guest()
    n = execute(prog).cycles
    split(prog, b"", 7, max_cycles=n)  # exactly enough
    with pytest.raises(CycleLimitExceeded):
        split(prog, b"", 7, max_cycles=n - 1)


def test_perm_encoding_roundtrip_and_rejects_junk():
    from zkvm.riscv.segments import decode_perm, encode_perm

    seg = split(input_guest(), bytes(10), 30)[-1]
    perm = seg.perm_array()
    assert len(seg.perm) < 200 and np.array_equal(decode_perm(encode_perm(perm)), perm)
    rnd = np.random.default_rng(1).integers(0, 3, 1000).astype(np.uint8)
    assert np.array_equal(decode_perm(encode_perm(rnd), 1000), rnd)
    for junk in (b"", b"\x01\x02", b"\x03" + (0).to_bytes(4, "little") + b"\x03" + (1 << 18).to_bytes(4, "little"),
                 b"\x03" + (5).to_bytes(4, "little")):
        with pytest.raises(SegmentError, match="permission array"):
            decode_perm(junk)


def test_run_segment_rejects_inconsistent_snapshots():
    import dataclasses

    prog = store_journal_guest()
    segs = split(prog, b"", 50)
    last = segs[-1]
    with pytest.raises(SegmentError, match="exited after"):
        run_segment(prog, dataclasses.replace(last, cycles=last.cycles + 1))
    with pytest.raises(SegmentError, match="did not exit"):
        run_segment(prog, dataclasses.replace(segs[0], halts=True))
    with pytest.raises(SegmentError, match="permission array"):
        run_segment(prog, dataclasses.replace(segs[1], perm=b"junk"))
    with pytest.raises(SegmentError, match="page"):
        run_segment(prog, dataclasses.replace(segs[1], pages={7: b"short"}))
    with pytest.raises(SegmentError, match="registers"):
        run_segment(prog, dataclasses.replace(segs[1], registers=(1,) * 32))
    with pytest.raises(SegmentError, match="input bytes of its slice"):
        run_segment(prog, dataclasses.replace(segs[1], input_slice=b"abc"))  # the guest reads nothing
    r, m = replay(prog, segs[0])
    assert m.cycles == segs[0].cycles and r.exit_code is None


# ----------------------------------------------------------------------------- C guests
def test_c_io_guest(guest_elf):
    prog = load_elf(guest_elf("io").read_bytes())
    inp = bytes((i * 131) & 0xFF for i in range(5000))
    segs, results, full = check_segments(prog, inp, 1 << 10, cost=cost_fn)
    # musl reads all 5000 bytes with one readv: that segment overshoots by the ecall's cost
    assert b"".join(s.input_slice for s in segs) == inp
    assert max(s.steps for s in segs) >= 5000
    assert full.journal.startswith(b"journal:")


def test_c_abort_guest(guest_elf):
    prog = load_elf(guest_elf("abort").read_bytes())
    segs, results, full = check_segments(prog, b"", 1 << 10)
    assert results[-1].note == full.note


def test_c_libc_guest(guest_elf):
    prog = load_elf(guest_elf("libc").read_bytes())
    check_segments(prog, b"", 1 << 16, cost=cost_fn, memory_checks=6)


def _example(name: str):
    try:
        from zkvm.toolchain.build import cached_build

        elf = cached_build(REPO / "examples" / name, REPO / ".zkvm-cache" / "elf", name=name)
    except Exception as e:  # toolchain unavailable
        pytest.skip(f"cannot build examples/{name}: {e}")
    return load_elf(elf.read_bytes())


@pytest.mark.parametrize("name,inp,max_steps", [
    ("fibonacci", "input.bin", 1 << 10),
    ("sha256", "input-long.txt", 1 << 12),
    ("sha256-precompile", "input-long.txt", 1 << 11),
])  # fmt: skip
def test_examples(name, inp, max_steps):
    prog = _example(name)
    data = (REPO / "examples" / name / inp).read_bytes()
    segs, _, full = check_segments(prog, data, max_steps, cost=cost_fn, memory_checks=8)
    assert len(segs) > 2


# ----------------------------------------------------------------------------- paging cost
def _pages_guest():
    from tests.support.elfs import build_cached

    try:
        elf = build_cached(REPO / "tests" / "guests" / "programs" / "pages", name="pages")
    except Exception as e:  # toolchain unavailable
        pytest.skip(f"cannot build tests/guests/programs/pages: {e}")
    return load_elf(elf.read_bytes())


def _tree_units(pages, base: bool = True) -> int:
    """Pages and internal nodes of the depth-24 memory tree on their paths (the mem_page and
    mem_node rows zkvm.chips.mem_merkle generates), pages 0..3 included if ``base``."""
    cur = {int(p) for p in pages} | ({0, 1, 2, 3} if base else set())
    total = len(cur)
    for _ in range(24):
        cur = {p >> 1 for p in cur}
        total += len(cur)
    return total


def _paths(pages) -> set:
    """Every ``(level, index)`` on the tree paths of ``pages``."""
    out, cur = set(), {int(p) for p in pages}
    for lvl in range(25):
        out |= {(lvl, p) for p in cur}
        cur = {p >> 1 for p in cur}
    return out


def _initial_nonzero(prog) -> set:
    """Tree pages of the 4 KiB pages holding non-zero bytes of the initial image."""
    out = set()
    for addr, data in prog.initial_memory():
        nz = np.flatnonzero(np.frombuffer(data, dtype=np.uint8)) + addr
        for p4 in np.unique(nz >> 12).tolist():
            out.update(range(p4 << 6, (p4 + 1) << 6))
    return out


def _written_pages(result) -> np.ndarray:
    """The 64-byte tree pages a recorded segment wrote, as the splitter counts them:
    stores, atomics but lr.w (sc.w whether it succeeds or not), and every word a syscall
    accessed (its buffers count as written)."""
    ev = result.events
    insn = ev.insn.astype(np.int64)
    opc = insn & 0x7F
    store = (opc == 0x23) | ((opc == 0x2F) & ((insn >> 27) != 0b00010))
    addrs = np.concatenate([ev.mem_addr[store], result.syscall_accesses.addr]).astype(np.int64)
    return np.unique(addrs >> 6)


def _measures(prog, results) -> list[int]:
    """The paging measure of every recorded segment, from first principles: the 25 units of
    the zero blocks (ZERO_BLOCKS: one per level; 26 Poseidon2 blocks, 2 at level 0)
    plus, for each node on the paths of its touched pages and pages 0..3, 1, or 2 if the
    node is on the path of a non-zero page of the image, a base page or a page written by
    an earlier segment, *and* on the path of a page this segment writes (zkvm.riscv.segments
    "Paging cost")."""
    base = {0, 1, 2, 3}
    nz = _paths(_initial_nonzero(prog) | base)
    out = []
    for r in results:
        units = _paths({*_touched_pages(r).tolist(), *base})
        written = _paths({*_written_pages(r).tolist(), *base})
        assert written <= units
        out.append(ZERO_BLOCKS + len(units) + len(units & nz & written))
        nz |= written
    return out


def _touched_pages(result) -> np.ndarray:
    """The 64-byte tree pages a recorded segment accessed: loads, stores and atomics, and the
    words syscalls read or wrote (register and OS keys are below 2^16: pages 0..3)."""
    ev = result.events
    addrs = np.concatenate([ev.mem_addr[ev.mem_addr != 0], result.syscall_accesses.addr]).astype(np.int64)
    return np.unique(addrs >> 6)


def test_base_units():
    assert _base_units() == BASE_UNITS == 4 + 2 + 1 + 22
    assert BASE_MEASURE == 2 * BASE_UNITS + ZERO_BLOCKS and ZERO_BLOCKS == 25


def test_paging_cost_rejects_junk():
    for bad in (dict(unit_steps=0, allowance=64), dict(unit_steps=5, allowance=96),
                dict(unit_steps=True, allowance=64), dict(unit_steps=5, allowance=1.0)):
        with pytest.raises(ValueError, match="PagingCost"):
            PagingCost(**bad)
    with pytest.raises(TypeError, match="PagingCost"):
        split(store_journal_guest(), b"", 16, paging=(5, 64))
    pc = PagingCost(unit_steps=10, allowance=64)
    assert pc.cost(100, 64) == 100 and pc.cost(100, 65) == 100 + 10 * 64 and pc.cost(7, 0) == 7


def test_paging_units_are_the_tree_paths_asm():
    """Loads and stores only (plus a 4-byte journal write inside touched pages): the
    splitter's count is exactly the measure of the union of the touched pages' tree paths
    (each node twice where it may be non-zero at the segment's entry)."""
    prog = store_journal_guest(60)
    pc = PagingCost(unit_steps=64, allowance=128)
    segs, results, _ = check_segments(prog, b"", 512, paging=pc)
    assert len(segs) > 3 and len(split(prog, b"", 512)) == 2  # 60 pages 1028 bytes apart
    assert [s.paging for s in segs] == _measures(prog, results)
    for s, r in zip(segs, results):
        units = _tree_units(_touched_pages(r))
        assert units + ZERO_BLOCKS <= s.paging <= 2 * units + ZERO_BLOCKS, s.index


@pytest.mark.parametrize("max_steps", [8, 16, 64])
def test_paging_measure_of_atomics(max_steps):
    """lr.w touches its page as a read, every other atomic (sc.w, failed or not) as a
    write: segments holding only an lr.w of the page, or its sc.w too, are counted as
    the first-principles measure says."""
    prog = lrsc_guest(n=6, hold=6)
    segs, results, _ = check_segments(prog, b"", max_steps,
                                      paging=PagingCost(unit_steps=1, allowance=1 << 10))
    assert len(segs) > 1
    assert [s.paging for s in segs] == _measures(prog, results)


def test_every_segment_executes_an_instruction():
    """Even where the paging of an empty segment already exceeds the budget."""
    prog = store_journal_guest(10)
    segs, _, full = check_segments(prog, b"", 64, paging=PagingCost(unit_steps=1000, allowance=1))
    assert len(segs) > 10 and all(s.cycles >= 1 for s in segs)


def test_paging_heavy_c_guest_respects_the_budget():
    """A real C guest (scanf, malloc, random updates of 2000 64-byte records, printf):
    every segment's paging measure bounds the tree paths it touches, its cost stays within
    max_steps but for its last ecall, and the paging rule, not the steps, cuts it."""
    prog = _pages_guest()
    pc, max_steps = PagingCost(unit_steps=583, allowance=256), 1 << 16
    segs, results, full = check_segments(prog, b"2000 2", max_steps, cost=cost_fn, memory_checks=8, paging=pc)
    assert full.exit_code == 0 and full.journal.startswith(b"n=2000 sum=")
    assert len(segs) > 20 and len(split(prog, b"2000 2", max_steps, cost_fn)) == 2
    assert all(s.steps < max_steps // 4 for s in segs[1:-1])
    for s, r, exact in zip(segs, results, _measures(prog, results)):
        ecalls = int(np.count_nonzero(r.events.insn == 0x73))
        assert exact <= s.paging, s.index
        if not ecalls:  # no syscall buffer counted whole
            assert s.paging == exact, s.index
        last_is_ecall = int(r.events.insn[-1]) == 0x73
        if not last_is_ecall:
            assert pc.cost(s.steps, s.paging) <= max_steps, s.index
        assert s.paging <= pc.allowance, s.index  # paging-bound: pad(U) within the free allowance


def test_compute_bound_segments_unchanged():
    """A guest that walks a 1 KiB stack buffer gets exactly the step rule's segments."""
    head = [encode("addi", rd="s1", rs1="sp", imm=-1024)] + li("s0", 3000)
    body = [encode("lw", rd="t0", rs1="s1", imm=0), encode("add", rd="s2", rs1="s2", rs2="t0"),
            encode("sw", rs1="s1", rs2="s2", imm=0), encode("addi", rd="s1", rs1="s1", imm=4),
            encode("andi", rd="t1", rs1="s0", imm=255),
            encode("bne", rs1="t1", rs2="zero", imm=8), encode("addi", rd="s1", rs1="sp", imm=-1024),
            encode("addi", rd="s0", rs1="s0", imm=-1)]
    prog = program(head + body + [bne_back(len(body), rs1="s0")], exit_code=0)
    pc = PagingCost(unit_steps=583, allowance=256)
    for max_steps in (1 << 10, 1 << 12):
        plain = split(prog, b"", max_steps)
        paged = split(prog, b"", max_steps, paging=pc)
        assert len(plain) > 3
        assert [(s.cycles, s.steps) for s in paged] == [(s.cycles, s.steps) for s in plain]
        assert all(0 < s.paging < 256 - fast.TOUCH_MAX for s in paged)


def test_touch_marks_and_clears():
    """touch_pages counts each tree node once; clear_touch unmarks them all."""
    touch = np.zeros(fast.TREE_NODES, dtype=np.uint8)
    rng = np.random.default_rng(3)
    pages = rng.choice(1 << 24, 300, replace=False)
    n = sum(int(fast.touch_pages(touch, int(p), int(p) + 1)) for p in pages)
    n += int(fast.touch_pages(touch, 5000, 5100))
    assert n == int(np.count_nonzero(touch)) == _tree_units([*pages.tolist(), *range(5000, 5100)], base=False)
    assert int(fast.touch_pages(touch, 5050, 5060)) == 0  # already marked
    marked = touch == fast.T_MARK | fast.T_WRITTEN     # touch_pages: touched and written
    assert marked.sum() == n
    assert int(fast.touch_pages(touch, 7, 8, False)) == len(_paths([7]) - _paths(pages.tolist() + list(range(5000, 5100))))
    read_only = touch == fast.T_MARK
    fast.clear_touch(touch)
    # unmarked, and every node written in the segment flagged non-zero for the next ones;
    # page 7's own path (only read) stays zero
    assert np.array_equal(touch, np.where(marked, fast.T_NONZERO, 0).astype(np.uint8))
    assert read_only.sum() > 0 and not touch[read_only].any()


def test_measure_counts_nonzero_written_nodes_twice():
    """After a segment wrote pages 5000..5099, the next segment's writes count 2 for every
    node on those pages' paths and 1 elsewhere, its reads 1 anywhere, and a read node
    written later adds its second unit then; count_new agrees and leaves the array
    unchanged."""
    touch = np.zeros(fast.TREE_NODES, dtype=np.uint8)
    fast.touch_pages(touch, 5000, 5100)
    fast.clear_touch(touch)
    nz, marked, written = _paths(range(5000, 5100)), set(), set()

    def expect(pages, write=True):
        p = _paths(pages)
        return len(p - marked) + (len((p - written) & nz) if write else 0)

    steps = [([5040, 5041], False), ([5000], True), ([1 << 23], True), ([5001, 5002, 7], True),
             ([5040], True), ([5099, 5100, 9000], True), ([5050, 12], False)]
    for pages, write in steps:
        p0s = np.array(pages, dtype=np.int64)
        before = touch.copy()
        if write:
            assert int(fast.count_new(touch, p0s, p0s + 1)) == expect(pages), pages
            assert np.array_equal(touch, before)
        got = sum(int(fast.touch_pages(touch, p, p + 1, write)) for p in pages)
        assert got == expect(pages, write), pages
        marked |= _paths(pages)
        if write:
            written |= _paths(pages)
    assert expect([5000]) == 0 and len(_paths([5000])) == 25
    # reading 5040-5041 counted 1 per new node; writing 5040 later added its nz path
    assert expect([5041], write=True) == 1   # page 5041 itself: read, non-zero, not written


def test_mark_nonzero_flags_paths_only():
    touch = np.zeros(fast.TREE_NODES, dtype=np.uint8)
    fast.mark_nonzero(touch, 64, 128)
    assert int(np.count_nonzero(touch)) == len(_paths(range(64, 128)))
    assert set(np.unique(touch).tolist()) == {0, fast.T_NONZERO}
    assert int(fast.touch_pages(touch, 64, 65, False)) == 25            # read: 1 per node
    assert int(fast.touch_pages(touch, 64, 65)) == 25           # then written: +1 each
    # page 2^20 shares only levels 21..24 (index 0) with pages 64..127, already written
    assert int(fast.touch_pages(touch, 1 << 20, (1 << 20) + 1)) == 21    # 21 new nodes


def _touch_then_read_guest(pages: int, nread: int) -> Program:
    """Stores one word in each of ``pages`` consecutive 64-byte pages at SCRATCH, then one
    ``read(0, SCRATCH + 1 MiB, nread)``, then a store after the buffer."""
    head = li("s0", SCRATCH) + li("s1", pages)
    body = [encode("sw", rs1="s0", rs2="s1", imm=0), encode("addi", rd="s0", rs1="s0", imm=64),
            encode("addi", rd="s1", rs1="s1", imm=-1)]
    tail = li("a0", 0) + li("a1", SCRATCH + (1 << 20)) + li("a2", nread) + ecall(63)
    tail += li("t0", SCRATCH + (2 << 20)) + [encode("sw", rs1="t0", rs2="a0", imm=0)]
    return program(head + body + [bne_back(len(body))] + tail, exit_code=0)


def test_segment_ends_before_an_ecall_whose_buffers_break_the_budget():
    """100 pages fit the budget, the read's 128 more would not: the segment ends right
    before the ecall, which starts the next one (the step rule alone: 1 segment)."""
    prog, inp = _touch_then_read_guest(100, 8192), bytes(range(256)) * 32
    pc, max_steps = PagingCost(unit_steps=583, allowance=512), 1 << 16
    segs, results, full = check_segments(prog, inp, max_steps, cost=cost_fn, paging=pc)
    assert len(split(prog, inp, max_steps, cost_fn)) == 1
    assert len(segs) == 2 and not segs[0].input_slice and segs[1].input_slice == inp
    assert int(results[1].events.insn[0]) == 0x73  # the read
    assert pc.cost(segs[0].steps, segs[0].paging) <= max_steps
    assert segs[1].paging > 64 + 32 and pc.cost(segs[1].steps, segs[1].paging) <= max_steps
    assert [s.paging for s in segs] == _measures(prog, results)
    # a read that fits stays in the segment
    assert len(split(prog := _touch_then_read_guest(20, 256), inp, max_steps, cost_fn, paging=pc)) == 1

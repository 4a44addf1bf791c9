"""The OS layer is fully constrained (docs/circuits.md §6): every syscall kind proves with
its honest result, and a malicious prover who changes a result or a memory effect --
with the rest of the execution consistent with the change -- is rejected.

Method ("malicious executor"): the executor's handler of one syscall number is wrapped
to forge what the call does, the guest runs on (so every later instruction is consistent
with the forged value: the guest really computes with it), the machine's trace generator
builds the traces of that run (the Syscall row records the forged value), Bytes
multiplicities are recounted for every valid lookup (as a cheater would), the debug
checker names the constraint that catches the forgery, and a proof made with the checker
off must not verify.
"""

from __future__ import annotations

import dataclasses
import struct

import numpy as np
import pytest

from zkvm.precompiles.registry import REGISTRY

from tests.support import chip_checks as S
from zkvm.machine import Machine, verify
from zkvm.riscv import syscalls as sc
from zkvm.riscv.asm import encode, exit_program, li
from zkvm.riscv.layout import Program
from zkvm.stark import prover, verifier
from zkvm.stark.checker import check_traces
from zkvm.stark.errors import VerificationError

SCRATCH = -256  # sp-relative scratch buffers


def call(num, *args):
    """a0..a5 = args (ints or register names), a7 = num, ecall."""
    w = []
    for i, a in enumerate(args):
        r = f"a{i}"
        w += [encode("addi", r, a, imm=0)] if isinstance(a, str) else li(r, a)
    return w + li("a7", num) + [encode("ecall")]


def sp_plus(reg, off):
    return [encode("addi", reg, "sp", imm=off)]


def machine(words, params):
    return Machine.for_program(Program.from_words(list(words)), params)


# ------------------------------------------------------------------------------ honest
def every_syscall_program():
    """Calls every OS kind once with valid arguments (then exit 0)."""
    w = []
    w += sp_plus("s0", SCRATCH)                                   # s0 = scratch
    w += call(96, 0)                                              # set_tid_address
    w += call(172) + call(178)                                    # getpid, gettid
    w += call(29, 1, 0x5413, 0)                                   # ioctl
    w += call(123, 0, 128, "s0")                                  # sched_getaffinity
    w += call(135, 0, 0, 0, 8)                                    # rt_sigprocmask
    w += call(135, 0, 0, "s0", 8)                                 # rt_sigprocmask_old
    w += call(134, 6, 0, 0, 8)                                    # rt_sigaction
    w += sp_plus("s1", SCRATCH + 1)
    w += call(134, 6, 0, "s1", 8)                                 # rt_sigaction_old (16 B, unaligned)
    w += call(403, 1, "s1")                                       # clock_gettime (unaligned)
    w += call(214, 0)                                             # brk(0)
    w += [encode("addi", "s2", "a0", imm=0)]
    w += li("t0", 5000) + [encode("add", "s3", "s2", "t0")]
    w += call(214, "s3")                                          # brk(grow)
    w += call(214, 1)                                             # brk(too low): fails
    w += call(222, 0, 5000, 3, 0x22, -1, 0)                       # mmap2: 2 pages
    w += [encode("addi", "s4", "a0", imm=0)]
    w += [encode("lw", "t1", "s4", imm=8)]                        # fresh: 0
    w += call(222, 0, 0x7FFF_FFFF, 3, 0x22, -1, 0)                # mmap2: -ENOMEM
    w += call(226, "s4", 4096, 1)                                 # mprotect
    w += call(215, "s4", 8192)                                    # munmap
    w += call(233, 0, 4096, 4) + call(216, 0, 4096, 8192, 0)     # madvise, mremap
    w += call(63, 0, "s0", 3)                                     # read 3 (of 10)
    # readv(0, iov, 2): iov = {s0+16, 4}, {s0+40, 100} -> 4 + 3 bytes
    w += sp_plus("t2", SCRATCH + 16) + [encode("sw", 0, "s0", "t2", imm=64)]
    w += li("t2", 4) + [encode("sw", 0, "s0", "t2", imm=68)]
    w += sp_plus("t2", SCRATCH + 40) + [encode("sw", 0, "s0", "t2", imm=72)]
    w += li("t2", 100) + [encode("sw", 0, "s0", "t2", imm=76)]
    w += sp_plus("t3", SCRATCH + 64) + call(65, 0, "t3", 2)
    w += call(63, 0, "s0", 5)                                     # read at EOF: 0
    w += call(64, 3, "s0", 5)                                     # journal
    w += call(64, 1, "s0", 2)                                     # stdout
    w += call(66, 2, "t3", 2)                                     # writev stderr
    return w + exit_program(0)


@pytest.fixture(scope="module")
def every(testing_params):
    m = machine(every_syscall_program(), testing_params)
    res = m.execute(b"0123456789")
    return m, res


def test_every_syscall_kind_proves(every):
    m, res = every
    assert res.unprovable is None, res.unprovable
    kinds = {r.kind for r in res.sys_records}
    precompiles = {p.name for p in REGISTRY}  # proven in tests/precompiles, tests/chips
    assert kinds >= set(sc.KINDS) - {"exit", "tkill", "tgkill", "cycle_marker"} - precompiles, kinds
    receipt = m.prove(result=res, debug=True)
    assert verify(receipt, m.image_id) == (0, res.journal)
    assert res.journal == b"012\x00\x00"  # read over the zeroed old signal set


# --------------------------------------------------------------------------- forgeries
def forged_run(m, inp, num, forge, monkeypatch):
    """Execute with the handler of syscall ``num`` wrapped: ``forge(call)`` runs after the
    honest handler and may change a0 (``call.ret``), memory and the call's records."""
    orig = sc.HANDLERS[num]

    def wrapped(c):
        kind = orig(c)
        forge(c)
        return kind

    monkeypatch.setitem(sc.HANDLERS, num, wrapped)
    res = m.execute(inp)
    monkeypatch.setitem(sc.HANDLERS, num, orig)
    return res


def assert_forgery_rejected(m, res, expect=(), buses_=(), image_extra=None):
    """Traces of the (forged) run as a cheater builds them; the checker must name at least
    the ``expect`` constraints (syscall table) / ``buses_`` imbalances; the proof must not
    verify."""
    if image_extra is None:
        m._bytes_trace = lambda system, traces, pv: np.zeros((1, 1), np.uint32)
        w, traces, pv = m.traces(res)
        del m._bytes_trace
        traces[[a.name for a in m.airs].index("bytes")] = S.bytes_trace_for_valid_lookups(
            m.system(), traces, pv)
    else:  # words the honest image does not have (fresh memory forged non-zero)
        w, traces, pv = _traces_with_image(m, res, image_extra)
    rep = check_traces(m.system(), traces, pv, public_data=w.journal)
    failing = {f.constraint for f in rep.constraint_failures if f.table == "syscall"}
    for e in expect:  # a name, or the prefix of a per-limb family ("ret_mmap")
        assert any(f == e or f.startswith(e) for f in failing), (e, str(rep))
    assert set(buses_) <= {b.bus for b in rep.bus_imbalances}, str(rep)
    assert not rep.ok
    proof = prover.prove(m.proving_key(), traces, pv, debug=False, public_data=w.journal)
    with pytest.raises(VerificationError):
        verifier.verify(m.verifying_key(), proof, pv, public_data=w.journal)


def _traces_with_image(m, res, extra):
    """The cheater's traces when memory words ``extra`` ({key: value}) are claimed to
    have held these values from the start (they are not in the image): the history uses
    them, and the boundary claims the words were zero-initialised."""
    from zkvm.chips.tracegen import build_witness

    ks = np.array(sorted(extra), dtype=np.uint32)
    keys = np.concatenate([m.image_air.keys, ks])
    vals = np.concatenate([m.image_air.values, np.array([extra[k] for k in ks], np.uint32)])
    order = np.argsort(keys)
    w = build_witness(m.program_air, keys[order], vals[order], res)
    traces = m._table_traces(w)
    b = w.boundary
    zero = b["zero_init"] | np.isin(b["keys"], ks)
    traces["memory_boundary"] = m.boundary_air.generate_trace(
        b["keys"], zero, b["final"], b["final_ts"])
    pv = m.public_values(w.exit_code, w.journal)
    traces["bytes"] = np.zeros((1, 1), np.uint32)  # skipped by the recount below
    ordered = [traces[a.name] for a in m.airs]
    ordered[[a.name for a in m.airs].index("bytes")] = S.bytes_trace_for_valid_lookups(
        m.system(), ordered, pv)
    return w, ordered, pv


def test_mmap_returning_the_code_address(testing_params, monkeypatch):
    """p = mmap2(...); exit(*p): every honest run exits 0; a prover that makes mmap2
    return the code address would prove exit code = the first code byte."""
    words = call(222, 0, 4096, 3, 0x22, -1, 0) + [encode("lw", "a0", "a0", imm=0)] + \
        li("a7", 93) + [encode("ecall")]
    m = machine(words, testing_params)
    assert m.execute().exit_code == 0
    res = forged_run(m, b"", 222, lambda c: c.ret(0x10000), monkeypatch)
    assert res.exit_code == words[0] & 0xFF != 0
    assert_forgery_rejected(m, res, ["ret_mmap"])


def test_mmap_fresh_pages_forged_non_zero(testing_params, monkeypatch):
    """The mapping is fresh, so it reads 0; a prover who claims the word held 0x13 (as if
    it were part of the image, or zero-initialised with another value) fails MEMORY."""
    words = call(222, 0, 4096, 3, 0x22, -1, 0) + [encode("lw", "a0", "a0", imm=4)] + \
        li("a7", 93) + [encode("ecall")]
    m = machine(words, testing_params)

    def forge(c):
        c.m.mem32[(0x2000_0000 + 4) >> 2] = 0x13

    res = forged_run(m, b"", 222, forge, monkeypatch)
    assert res.exit_code == 0x13
    assert_forgery_rejected(m, res, [], ["memory"], image_extra={0x2000_0004: 0x13})


def test_brk_result_changed(testing_params, monkeypatch):
    words = call(214, 0) + [encode("addi", "a0", "a0", imm=16)] + call(214, "a0") + \
        exit_program("a0")
    m = machine(words, testing_params)

    def forge(c):
        if c.a0:  # the growing call
            c.ret(c.m.brk + 4096)

    res = forged_run(m, b"", 214, forge, monkeypatch)
    assert_forgery_rejected(m, res, ["ret_brk"])


def test_second_read_count_changed(testing_params, monkeypatch):
    """The first read fixes how much input is left (the input cell); a later read that
    returns fewer bytes than are left and asked for is caught."""
    words = sp_plus("s0", SCRATCH) + call(63, 0, "s0", 4) + call(63, 0, "s0", 8) + \
        exit_program("a0")
    m = machine(words, testing_params)
    assert m.execute(b"12345678").exit_code == 4
    calls = []

    def forge(c):
        calls.append(1)
        if len(calls) == 2:  # read only 3 of the 4 bytes left
            m_ = c.m
            m_.input_pos -= 1
            ch = c.chains[-1]
            w0 = ch.words[0] >> 2
            m_.mem32[w0] = int(ch.before[0]) & 0xFF000000 | int(ch.after[0]) & 0x00FFFFFF
            after = ch.after.copy()
            after[0] = m_.mem32[w0]
            c.chains[-1] = dataclasses.replace(ch, count=3, after=after)
            c.ret(3)

    res = forged_run(m, b"12345678", 63, forge, monkeypatch)
    assert res.exit_code == 3
    assert_forgery_rejected(m, res, ["k0_min"])


def test_sched_getaffinity_mask_changed(testing_params, monkeypatch):
    words = sp_plus("s0", SCRATCH) + call(123, 0, 4, "s0") + \
        [encode("lw", "a0", "s0", imm=0)] + exit_program("a0")
    m = machine(words, testing_params)
    assert m.execute().exit_code == 1

    def forge(c):
        addr, before, _ = c.aux[0]
        c.m.mem32[addr >> 2] = 3
        c.aux[0] = (addr, before, 3)

    res = forged_run(m, b"", 123, forge, monkeypatch)
    assert res.exit_code == 3
    assert_forgery_rejected(m, res, ["mask_write0"])


def test_abort_exit_code_changed(testing_params, monkeypatch):
    words = call(130, 1, 6)
    m = machine(words, testing_params)
    assert m.execute().exit_code == 134

    def forge(c):
        c.m.exit_code = 135

    res = forged_run(m, b"", 130, forge, monkeypatch)
    assert_forgery_rejected(m, res, ["exit_code"])


# a0 of every other kind changed by one (guest: the call, then exit(a0))
RET_CASES = {
    "write_out": (call(64, 1, "sp", 4), ["ret_a2_"]),
    "write_j": (call(64, 3, "sp", 4), ["ret_a2_"]),
    "ioctl": (call(29, 1, 0x5413, 0), ["ret_const"]),
    "set_tid_address": (call(96, 0), ["ret_const"]),
    "getpid": (call(172), ["ret_const"]),
    "gettid": (call(178), ["ret_const"]),
    "rt_sigprocmask": (call(135, 0, 0, 0, 8), ["ret_const"]),
    "rt_sigprocmask_old": (sp_plus("s0", SCRATCH) + call(135, 0, 0, "s0", 8), ["ret_const"]),
    "rt_sigaction": (call(134, 6, 0, 0, 8), ["ret_const"]),
    "rt_sigaction_old": (sp_plus("s0", SCRATCH) + call(134, 6, 0, "s0", 8), ["ret_const"]),
    "munmap": (call(215, 0x2000_0000, 4096), ["ret_const"]),
    "mprotect": (call(226, 0x2000_0000, 4096, 3), ["ret_const"]),
    "madvise": (call(233, 0, 4096, 4), ["ret_const"]),
    "mremap": (call(216, 0, 4096, 8192, 0), ["ret_const"]),
    "clock_gettime": (sp_plus("s0", SCRATCH) + call(403, 1, "s0"), ["ret_const"]),
    "read": (sp_plus("s0", SCRATCH) + call(63, 0, "s0", 4) + call(63, 0, "s0", 4),
             ["ret_count"]),
    "readv": (sp_plus("s0", SCRATCH) + sp_plus("t2", SCRATCH + 32)
              + [encode("sw", 0, "s0", "t2", imm=0)] + li("t2", 3)
              + [encode("sw", 0, "s0", "t2", imm=4)] + call(65, 0, "s0", 1), ["ret_count"]),
    "writev_out": (sp_plus("s0", SCRATCH) + [encode("sw", 0, "s0", "sp", imm=0)] + li("t2", 3)
                   + [encode("sw", 0, "s0", "t2", imm=4)] + call(66, 1, "s0", 1),
                   ["ret_count"]),
}


@pytest.mark.parametrize("kind", sorted(RET_CASES))
def test_return_value_changed(kind, testing_params, monkeypatch):
    body, expect = RET_CASES[kind]
    words = body + exit_program("a0")
    m = machine(words, testing_params)
    honest = m.execute(b"abcdefgh")
    assert honest.unprovable is None, honest.unprovable
    num = sc.KINDS[kind]
    calls = []

    def forge(c):
        calls.append(1)
        if kind != "read" or len(calls) == 2:  # a first read is free (the input length)
            c.ret(c.m.reg(10) ^ 1)

    res = forged_run(m, b"abcdefgh", num, forge, monkeypatch)
    assert res.exit_code != honest.exit_code
    assert_forgery_rejected(m, res, expect)


def test_unprovable_calls_are_named_before_tracing(testing_params):
    """Calls outside the provable subset run (Linux semantics) and are reported."""
    from zkvm.chips.tracegen import UnprovableExecution

    cases = {
        "mmap2 with flags 0x4022": call(222, 0, 4096, 3, 0x4022, -1, 0),
        "mmap2 with length 4096, prot 0x3, flags 0x32": call(222, 0, 4096, 3, 0x32, -1, 0),
        "write on fd 7": call(64, 7, "sp", 4),
        "sched_getaffinity with a mask size of 2": call(123, 0, 2, "sp"),
        "tkill with signal 0": call(130, 1, 0),
        "readv with 3 iovecs": sp_plus("s0", SCRATCH) + call(65, 0, "s0", 3),
    }
    for why, body in cases.items():
        m = machine(body + exit_program(0), testing_params)
        res = m.execute()
        assert res.unprovable is not None and why in res.unprovable, (why, res.unprovable)
        with pytest.raises(UnprovableExecution, match=why.split()[0]):
            m.traces(res)


def test_struct_sizes_match_the_abi():
    assert struct.calcsize("<qq") == sc.TIMESPEC64


# ------------------------------------------------------------------ flat data memory
def test_flat_data_memory_proves_what_the_executor_does(testing_params):
    """Soundness checklist 31: the circuits cannot model page permissions, so data memory
    is flat for both sides (docs/abi.md): a store to a code page, an access beyond the
    break and to an unmapped page run -- with warnings -- and prove the same result;
    instructions still come from the program image."""
    w = li("s0", 0x10000) + li("t0", 0x1234) + [encode("sw", 0, "s0", "t0"),
                                                 encode("lw", "s1", "s0")]  # code page
    w += call(214, 0) + [encode("addi", "s2", "a0", imm=0)]
    w += li("t1", 8192) + [encode("add", "s2", "s2", "t1"), encode("sw", 0, "s2", "t0"),
                           encode("lw", "s3", "s2")]                     # beyond the break
    w += li("s4", 0x2800_0000) + [encode("lw", "s5", "s4")]             # never mapped
    w += [encode("add", "a0", "s1", "s3"), encode("add", "a0", "a0", "s5")]
    w += li("a7", 93) + [encode("ecall")]
    m = machine(w, testing_params)
    res = m.execute()
    assert res.exit_code == (2 * 0x1234) & 0xFF and res.warning_count == 3, res.warnings
    receipt = m.prove(result=res, debug=True)
    assert verify(receipt, m.image_id) == (res.exit_code, b"")


def test_below_0x10000_is_a_hard_fault_and_unprovable(testing_params, monkeypatch):
    """The null guard faults in the executor, and a prover who claims the load ran (a
    trace with the access) fails the RAM-key range check."""
    from zkvm.riscv.errors import MemoryFault

    w = li("s0", 0xFFF0) + [encode("lw", "a0", "s0")] + li("a7", 93) + [encode("ecall")]
    m = machine(w, testing_params)
    with pytest.raises(MemoryFault):
        m.execute()
    # a forged run: let the executor perform it (as a cheater's tracer would)
    from zkvm.riscv.machine import CpuState as RM

    monkeypatch.setattr(RM, "soft_fault", lambda self, addr, need, pc, what="": (
        self.perm.__setitem__(addr >> 12, 3) or True))
    res = m.execute()
    monkeypatch.undo()
    from zkvm.chips.tracegen import UnprovableExecution

    with pytest.raises(UnprovableExecution, match="outside guest RAM"):
        m.traces(res)

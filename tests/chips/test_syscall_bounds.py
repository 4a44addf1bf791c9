"""Negative tests of the Syscall table's shared range checks (docs/circuits.md §6): the
limb bounds packed two per U8PAIR lookup (``bound0..6``), the shared limb pair
``u_lo``/``u_hi`` and the OS cell's top limb.

Method ("cheating tracer"): the executor runs a call outside the provable subset (it
performs the call, returns the honest Linux result or the one a cheater wants, and marks
the run unprovable); the cheater ignores the verdict and builds the traces anyway
(``S.attack``: Bytes multiplicities recounted for every lookup that is a table row).
Only the BYTES bus may fail -- every constraint holds -- and the proof must not verify:
the range check alone rejects the forgery.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.support import chip_checks as S
from zkvm.chips.adapter import word
from zkvm.field.babybear import P
from zkvm.machine import Machine
from zkvm.riscv import syscalls as sc
from zkvm.riscv.asm import encode, exit_program, li
from zkvm.riscv.layout import OS_KEY_MMAP, Program
from zkvm.stark import prover, verifier
from zkvm.stark.checker import check_traces
from zkvm.stark.errors import VerificationError


def call(num, *args):
    w = []
    for i, a in enumerate(args):
        w += li(f"a{i}", a)
    return w + li("a7", num) + [encode("ecall")]


def cheated_run(words, params, num, kind, monkeypatch, ret=None):
    """Run ``words``; the handler of syscall ``num`` reports ``kind`` (optionally setting
    a0 = ``ret``) even where it marked the call unprovable; the verdict is dropped."""
    m = Machine.for_program(Program.from_words(list(words)), params)
    orig = sc.HANDLERS[num]

    def wrapped(c):
        orig(c)
        if ret is not None:
            c.ret(ret)
        return kind

    monkeypatch.setitem(sc.HANDLERS, num, wrapped)
    res = m.execute()
    monkeypatch.setitem(sc.HANDLERS, num, orig)
    assert m.execute().unprovable is not None  # the honest executor refuses it ...
    return m, dataclasses.replace(res, unprovable=None)  # ... the cheater goes on


CASES = {
    # name: (words, num, kind, ret) -- the bound that fails
    "tkill signal 65 (bound3: a1[0] + 191)": (call(130, 1, 65), 130, "tkill", None),
    "tgkill signal 65 (bound2: a2[0] + 191)": (call(131, 1, 1, 65), 131, "tgkill", None),
    "mprotect prot 4 (bound2: a2[0] + 252)": (call(226, 0x2000_0000, 4096, 4) + exit_program(0),
                                              226, "mprotect", 0),
    "munmap at 2^30 (bound0: a0[3] + 192)": (call(215, 1 << 30, 4096) + exit_program(0), 215,
                                             "munmap", 0),
    "munmap of 2^30 bytes (bound0: a1[3] + 192)": (call(215, 0x2000_0000, 1 << 30)
                                                   + exit_program(0), 215, "munmap", 0),
    "rt_sigprocmask_old size 129 (bound1: a3[0] + 127)": (
        [encode("addi", "s0", "sp", imm=-512)] + li("a0", 0) + li("a1", 0)
        + [encode("addi", "a2", "s0", imm=0)] + li("a3", 129) + li("a7", 135)
        + [encode("ecall")] + exit_program(0), 135, "rt_sigprocmask_old", 0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_limb_bound_rejects(case, testing_params, monkeypatch):
    words, num, kind, ret = CASES[case]
    if kind == "rt_sigprocmask_old":  # the cheater also zero-fills the 129 bytes
        orig_fill = sc._sig_zero_fill

        def fill(c, ptr, size, k, what):
            c.chain(sc.MODE_ZERO, ptr, bytes(size), size, what)
            c.ret(0)
            return k + "_old"

        monkeypatch.setattr(sc, "_sig_zero_fill", fill)
        m = Machine.for_program(Program.from_words(list(words)), testing_params)
        res = m.execute()
        monkeypatch.setattr(sc, "_sig_zero_fill", orig_fill)
        assert m.execute().unprovable is not None  # the honest executor refuses it
    else:
        m, res = cheated_run(words, testing_params, num, kind, monkeypatch, ret)
    S.attack(m, res, "syscall", lambda air, v, rows: None, expect_bytes=True)


def _forge_mmap_row(m, res, edit):
    """The cheater's traces with the (last) mmap2 row edited by ``edit(view, row)``, which
    returns the new MMAP cell limbs; the memory boundary's final record of the cell
    follows.  Returns ``(traces, pv, journal)`` (Bytes recounted for valid lookups)."""
    w, traces, pv = m.traces(res)
    names = [a.name for a in m.airs]
    si, bi = names.index("syscall"), names.index("memory_boundary")
    t = traces[si].copy()
    v = m.syscall_air.columns.view(t)
    row = int(np.flatnonzero(v.s_mmap2)[-1])
    cell = edit(v, row)
    v.os_new[row] = cell
    traces[si] = t % P
    bt = traces[bi].copy()
    bv = m.boundary_air.columns.view(bt)
    brow = int(np.flatnonzero((bv.key == OS_KEY_MMAP) & (bv.is_real == 1))[0])
    bv.final[brow] = cell  # the boundary consumes the cell's last record
    traces[bi] = bt
    traces[names.index("bytes")] = S.bytes_trace_for_valid_lookups(m.system(), traces, pv)
    return traces, pv, w.journal


def _only_bytes_rejects(m, traces, pv, journal):
    rep = check_traces(m.system(), traces, pv, public_data=journal)
    assert not rep.constraint_failures, str(rep)
    assert {b.bus for b in rep.bus_imbalances} == {"bytes"}, str(rep)
    proof = prover.prove(m.proving_key(), traces, pv, debug=False, public_data=journal)
    with pytest.raises(VerificationError):
        verifier.verify(m.verifying_key(), proof, pv, public_data=journal)


def test_mmap_page_remainder_is_below_4096(testing_params):
    """mmap2(8192): ``len − 1 = 4096·1 + 4095``; the split ``4096·0 + 8191`` passes every
    constraint and makes the cell grow by one page only (a later mapping would overlap
    this one); ``u_hi_max`` (``r < 2^12``) rejects it."""
    words = call(222, 0, 8192, 3, 0x22, 2**32 - 1, 0) + exit_program(0)
    m = Machine.for_program(Program.from_words(words), testing_params)
    res = m.execute()
    assert res.unprovable is None

    def edit(v, row):
        assert (int(v.u_lo[row]), int(v.u_hi[row])) == (1, 4095)
        cur = int(word([int(x) for x in v.os_prev[row]]))
        v.u_lo[row], v.u_hi[row] = 0, 8191
        x = cur + 4096  # g2: cur + size <= MMAP_END, size = 4096
        d = int(v.g2_y[row]) - x
        v.g2_x[row], v.g2_dlo[row], v.g2_dhi[row] = x, d & 0xFFFF, d >> 16
        return [(x >> (8 * i)) & 0xFF for i in range(4)]

    _only_bytes_rejects(m, *_forge_mmap_row(m, res, edit))


def test_os_cell_top_limb_is_a_byte(testing_params):
    """mmap2 writes the MMAP cell ``V``; the limbs ``(L, p − k)`` with ``L < 2^24`` and
    ``L + 2^24·(p − k) ≡ V`` pass every constraint and ``os_new_top`` (``p − k + 192``
    is a byte), so the cell would hold a non-byte limb (lr.w reaches OS cells); the
    ``os_new[3]`` limb bound rejects it."""
    words = call(222, 0, 4096, 3, 0x22, 2**32 - 1, 0) + exit_program(0)
    m = Machine.for_program(Program.from_words(words), testing_params)
    res = m.execute()
    assert res.unprovable is None

    def edit(v, row):
        val = int(word([int(x) for x in v.os_new[row]]))
        k = next(k for k in range(1, 193) if (val + k * 2**24) % P < 2**24)
        low = (val + k * 2**24) % P
        return [low & 0xFF, (low >> 8) & 0xFF, low >> 16, P - k]

    _only_bytes_rejects(m, *_forge_mmap_row(m, res, edit))

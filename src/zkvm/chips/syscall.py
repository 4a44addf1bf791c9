"""``Syscall`` (ecall) and ``Io`` chips: the guest's OS layer, fully constrained
(docs/circuits.md §6, docs/abi.md "System calls").

Every value a syscall puts in a register or in memory is forced by constrained state:
the arguments (register reads), the OS cells (memory words of the OS page that only
these rows and lr/sc reach, docs/abi.md "OS state"), and memory.  The only free witness
is the private input: its bytes, and its length, chosen once (at the first read).

Syscall row of an ``ecall`` at EXEC time ``t`` (program row: ``rd = 0, rs1 = 17 (a7),
rs2 = 10 (a0)``).  Memory times (``4·step + slot``), for the OS kinds (4 EXEC steps):

=========  ========  ========  ==========  =================
step       slot 0    slot 1    slot 2      slot 3
=========  ========  ========  ==========  =================
``t``      a7        a0        a3          aux 0
``t+1``    a1        a2        OS cell     a0 := ret
``t+2``    aux 1     aux 2     aux 3       --
``t+3``    chain 0   chain 1   --          --
=========  ========  ========  ==========  =================

A precompile row uses steps ``t, t+1`` the same way and reserves ``t+2 … t+1+S``
(docs/circuits.md §11.1); an exit row sends no EXEC state.

One boolean flag per *kind* (``zkvm.riscv.syscalls.KINDS``; exactly one per real row);
the flags pin the number (``a7 = Σ flag·N``) and each kind pins its arguments (below).
Gadgets shared by the kinds (a row uses those of its kind; the rest are zero):

* ``G1``, ``G2`` — comparisons ``le = [x ≤ y]`` of a 32-bit register/memory word ``x``
  (byte limbs; ``lt = [x3 < 64]`` from the LTU table, so ``x ≥ 2^30`` gives ``le = 0``)
  with a field value ``y < 2^30``: ``x_f`` and ``y`` are columns ``gx, gy`` selected per
  kind; when ``lt``: ``le·(y − gx) + (1 − le)·(gx − y − 1) = dlo + 2^16·dhi`` with
  ``U16(dlo)``, ``dhi < 2^14`` — a genuine integer in ``[0, 2^30)`` exactly when the
  claimed ``le`` is right.
* the byte chains (``Io`` rows): ``chain 0`` (mode, address, count per kind) and
  ``chain 1`` (readv's second iovec).  The row sends IO ``(ctime, addr, count, jpos,
  mode)`` and receives ``(ctime, addr + count, 0, jpos + [journal]·count, mode)``.
* ``aux 0..3`` — single-word accesses: the iovec array of readv/writev (read), the
  sched_getaffinity mask (written: ``1``).

Kinds (``ret`` is the value written to a0; ``C`` a constant):

==================  =====================================================================
kind                constrained semantics (pins)
==================  =====================================================================
exit, exit_group    halt; exit code = ``a0 & 0xFF``; ``t < 2^22``
tkill / tgkill      halt; ``sig = a1`` / ``a2`` ∈ [1, 64]; exit code = ``128 + sig``
read                fd ``a0 = 0``; OS cell INPUT ``c``: ``rem = c − 1`` if ``c ≠ 0``, else a
                    free (range-checked) length; ``k = min(a2, rem)`` (G1); input chain of
                    ``k`` bytes at ``a1``; ``c' = rem − k + 1``; ``ret = k``
readv               fd 0; ``cnt = a2 ∈ {1, 2}``; iovec array at ``a1`` (aligned RAM) read by
                    aux 0..3 (2, 3 only if ``cnt = 2``, else their values are 0);
                    ``k0 = min(len0, rem)`` (G1), ``k1 = min(len1, rem − k0)`` (G2); chains
                    at ``base0``/``base1``; ``c' = rem − k0 − k1 + 1``; ``ret = k0 + k1``
write_j             fd 3; ``a2 < 2^30``; journal chain of ``a2`` bytes at ``a1``; ``ret = a2``;
                    EXEC ``jpos' = jpos + a2``
write_out           fd ∈ {1, 2}; ``ret = a2`` (console bytes are not part of the statement)
writev_out          fd ∈ {1, 2}; ``cnt ∈ {1, 2}``; iovec lengths (aux 1, 3) ``< 2^29``;
                    ``ret = len0 + len1``
brk                 OS cell BRK ``c``; ``ok = [c < a0 ≤ 0x2000_0000]`` (G1: ``a0 ≤ END``,
                    G2: ``a0 ≤ c``); ``c' = ok ? a0 : c``; ``ret = c'``
mmap2               ``a3 = 0x22``; prot ``a2 ≤ 3``; ``a1 ≠ 0``; OS cell MMAP ``c``;
                    G1: ``len < 2^28``, then ``len − 1 = 4096q + r``, ``size = 4096(q+1)``;
                    G2: ``c + size ≤ 0x3000_0000``; ``ok = le1·le2``;
                    ``c' = c + ok·size``; ``ret = ok ? c : −ENOMEM``
munmap, mprotect    ``a0`` 4096-aligned and ``< 2^30``; ``0 < a1 < 2^30``; mprotect: prot
                    ``≤ 3``; ``ret = 0`` (permissions are not modelled: docs/soundness.md)
sched_getaffinity   ``a1 ≡ 0 mod 4``, ``a1 ≠ 0``; mask ``a2`` aligned RAM; aux 0 writes
                    ``1``; ``ret = 4``
rt_sigprocmask,     ``a2 = 0``; ``ret = 0``
rt_sigaction
…_old               ``a3 ≤ 128``; zero chain of ``a3`` (``8 + a3`` for rt_sigaction) bytes
                    at ``a2``; ``ret = 0``
clock_gettime       zero chain of 16 bytes at ``a1`` (the clock stands at 0); ``ret = 0``
ioctl, set_tid_     ``ret = C``: ``−ENOTTY``, 1, 1, 1, ``−ENOMEM``, 0, 0
address, getpid,
gettid, mremap,
madvise,
cycle_marker
precompiles         ``ret = 0``; PRECOMPILE ``(number, t, a0, a1)`` (docs/circuits.md §11.1);
(registry rows)     one flag per row of ``zkvm.precompiles.registry``
==================  =====================================================================

Correctness (the contract with the executor, ``zkvm.riscv.syscalls``): for every kind,
whenever its pins hold, the executor computes exactly this result and memory effect;
every call the executor marks unprovable violates the pins of every kind of its number
(the rt_sig ``_old`` kinds with a null pointer are the one overlap: a zero-length chain
at address 0 is the same outcome as the plain kind, any other length fails the Io
rows' RAM-key check).  OS cells only ever hold values written here (byte limbs, top
limb < 64, so ``word(c)`` is an integer < 2^30) or by lr/sc, or their image values.

Io row (one per guest word a chain covers): receives ``(ctime, addr, rem, jpos, mode)``
and sends ``(ctime, addr + cnt, rem − cnt, jpos + j·cnt, mode)``; one-hot ``s`` (first
byte offset: ``addr = 4w + Σ i·s_i``) and ``e`` (last byte offset), the byte mask
``m_i = Σ_{k≤i} s_k − Σ_{k<i} e_k`` (each boolean, so ``e`` is not before ``s``),
``cnt = Σ m_i``, and ``(is_real − e_3)·(rem − cnt) = 0`` (a row that stops inside its
word ends the chain); accesses word ``4w`` (a RAM key) at memory time ``ctime`` changing
only the masked bytes: input mode writes range-checked witness bytes, zero mode writes
zeros, journal mode writes nothing and sends ``(jpos + Σ_{k<i} m_k, byte_i)`` on JOURNAL
for each masked byte.

Correctness (chains): ``rem`` drops by ``cnt ∈ [1, 4]`` per row, so a chain from
``(ctime, a, k, …)`` reaches ``rem = 0`` after covering exactly the bytes
``[a, a + k)`` in order, one word per row (a wrap-around would need ~p/4 rows); the
message carries ``ctime`` (unique to one chain of one syscall row) and the mode, so
chains cannot mix, and all accesses of a chain are to distinct words at one memory time
that no other access uses.  Every public journal byte must be sent exactly once, at its
position.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.loadstore import eval_ram_key
from zkvm.chips.opcodes import CHIP_SYSCALL, ops_of_chip
from zkvm.chips.buses import PRECOMPILE
from zkvm.precompiles.registry import REGISTRY as PRECOMPILES
from zkvm.riscv.layout import (MMAP_END, OS_KEY_BRK, OS_KEY_INPUT, OS_KEY_MMAP, PROGRAM_END)
from zkvm.riscv.syscalls import KINDS, MODE_INPUT, MODE_JOURNAL, MODE_ZERO
from zkvm.stark.air import Air, Columns

SYS_FLAGS = tuple(KINDS)
HALT_FLAGS = ("exit", "exit_group", "tkill", "tgkill")
#: precompile kinds -> EXEC steps they reserve after the row's own two (one flag per
#: registry row: zkvm.precompiles.registry)
PRECOMPILE_FLAGS = {p.name: p.steps for p in PRECOMPILES}
#: EXEC steps of every other non-halting ecall (the slot table in the module docstring)
OS_STEPS = 4
FD_INPUT = 0
FD_JOURNAL = 3
M32 = 1 << 32
ENOTTY_RET = M32 - 25
ENOMEM_RET = M32 - 12
#: kinds whose return value is a constant
CONST_RET = {
    "ioctl": ENOTTY_RET, "set_tid_address": 1, "getpid": 1, "gettid": 1,
    "sched_getaffinity": 4, "rt_sigprocmask": 0, "rt_sigprocmask_old": 0,
    "rt_sigaction": 0, "rt_sigaction_old": 0, "munmap": 0, "mprotect": 0, "madvise": 0,
    "mremap": ENOMEM_RET, "clock_gettime": 0, "cycle_marker": 0,
    **{p.name: 0 for p in PRECOMPILES},  # every precompile returns 0
}  # fmt: skip
#: the OS cell each kind owns
OS_CELL = {"brk": OS_KEY_BRK, "mmap2": OS_KEY_MMAP, "read": OS_KEY_INPUT, "readv": OS_KEY_INPUT}
#: chain 0: kind -> mode
CHAIN0_MODE = {"read": MODE_INPUT, "readv": MODE_INPUT, "write_j": MODE_JOURNAL,
               "rt_sigprocmask_old": MODE_ZERO, "rt_sigaction_old": MODE_ZERO,
               "clock_gettime": MODE_ZERO}
#: the input length is range-checked below 2^INPUT_BITS (layout.MAX_INPUT)
INPUT_BITS = 28
#: memory times of the row's accesses, relative to 4t
T_A3, T_AUX0, T_A1, T_A2, T_OS, T_A0W = 2, 3, 4, 5, 6, 7
T_AUX = (3, 8, 9, 10)
T_CHAIN = (12, 13)


def sys_flag(name: str) -> str:
    return "s_" + name


def _fsum(f, names):
    out = 0
    for k in names:
        out = out + f[k]
    return out


def _access_cols(name, what, write=False):
    cols = [(name + "_prev" if write else name + "_val", 4, f"{what} (bytes)")]
    if write:
        cols.append((name + "_new", 4, f"{what}: value written (bytes)"))
    cols += [(name + "_prev_ts", f"previous access time of {what}"),
             (name + "_lo", "ts limb"), (name + "_hi", "ts limb")]
    return cols


def _gadget_cols(g):
    return [(g + "_x", "compared value x as a field element (valid when lt)"),
            (g + "_y", "bound y (< 2^30)"),
            (g + "_lt", "x's top limb < 64 (LTU lookup), i.e. x < 2^30"),
            (g + "_le", "1 iff x <= y"),
            (g + "_dlo", "|y - x| - [x > y] mod 2^16"), (g + "_dhi", "its bits 16..29")]


class SyscallAir(Air):
    """ecall rows (module docstring).  Public value 0 is the exit code."""

    name = CHIP_SYSCALL
    OPS = ops_of_chip(CHIP_SYSCALL)  # ecall
    columns = Columns(
        *ad.adapter_columns(OPS),
        *[(sys_flag(f), f"1 iff this ecall is {f}") for f in SYS_FLAGS],
        *_access_cols("a1", "a1"), *_access_cols("a2", "a2"), *_access_cols("a3", "a3"),
        ("ret", 4, "value written to a0 (bytes)"),
        *_access_cols("os", "the kind's OS cell", write=True),
        *_access_cols("aux0", "aux word 0", write=True),
        *_access_cols("aux1", "aux word 1"), *_access_cols("aux2", "aux word 2"),
        *_access_cols("aux3", "aux word 3"),
        ("aux_key", "key of aux word 0 (the iovec array or the affinity mask)"),
        ("nz_inv", "inverse of a1's limb sum (a1 != 0)"),
        ("rem", "input bytes left before the call (read/readv)"),
        ("rem_lo", "rem mod 2^16"), ("rem_hi", "rem div 2^16 (< 2^12)"),
        *_gadget_cols("g1"), *_gadget_cols("g2"),
        ("k0", "bytes moved by chain 0"), ("k1", "bytes moved by chain 1 (readv)"),
        ("ok", "brk / mmap2 succeed"),
        ("q", "mmap2: (len - 1) div 4096"), ("r", "mmap2: (len - 1) mod 4096"),
        ("c0_addr", "chain 0 start address"), ("c0_cnt", "chain 0 byte count"),
        ("ts_lo", "exit only: ts mod 2^16"),
        ("ts_hi", "exit only: ts div 2^16 (< 2^6)"),
    )
    num_public_values = 1
    max_degree = 3

    def eval(self, b):
        loc = b.local
        r = loc.is_real
        f = {k: getattr(loc, sys_flag(k)) for k in SYS_FLAGS}
        F = lambda *names: _fsum(f, names)  # noqa: E731
        a7, a0 = loc.rs1_val, loc.rs2_val
        a1, a2, a3 = loc.a1_val, loc.a2_val, loc.a3_val
        W = ad.word
        t4 = 4 * loc.ts
        halt = F(*HALT_FLAGS)
        pre = F(*PRECOMPILE_FLAGS)
        pre_steps = sum((s - 2) * f[k] for k, s in PRECOMPILE_FLAGS.items())
        iov = F("readv", "writev_out")
        two = a2[0] - 1  # readv/writev: cnt - 1 (pinned to {0, 1})
        c0_flags = tuple(CHAIN0_MODE)
        c0 = F(*c0_flags)

        # --- adapter, flags, number ---------------------------------------------------
        ad.eval_adapter(b, self.OPS, ts_step=OS_STEPS + pre_steps, exec_send_mult=r - halt,
                        next_jpos=loc.jpos + f["write_j"] * loc.c0_cnt,
                        range_check_rd=False, write_rd=False)
        b.assert_zero(r * (loc.rs1 - 17), "rs1_is_a7")
        b.assert_zero(r * (loc.rs2 - 10), "rs2_is_a0")
        fsum = 0
        num = 0
        for k in SYS_FLAGS:
            b.assert_bool(f[k], f"{sys_flag(k)}_bool")
            fsum = fsum + f[k]
            num = num + KINDS[k] * f[k]
        b.assert_eq(fsum, r, "one_syscall")
        b.assert_eq(a7[0] + 256 * a7[1], num, "a7_number")
        b.assert_zero(r * a7[2], "a7_limb2")
        b.assert_zero(r * a7[3], "a7_limb3")

        # --- register accesses ---------------------------------------------------------
        for nm, key, dt in (("a1", 11, T_A1), ("a2", 12, T_A2), ("a3", 13, T_A3)):
            buses.mem_read(b, key, getattr(loc, nm + "_val"), t4 + dt,
                           getattr(loc, nm + "_prev_ts"), getattr(loc, nm + "_lo"),
                           getattr(loc, nm + "_hi"), r, nm, check_hi=False)
        buses.range_u8_pair(b, loc.a1_hi, loc.a2_hi, r, "a12_hi")
        buses.range_u8_pair(b, loc.a3_hi, 0, r, "a3_hi")
        wm = r - halt
        b.receive(buses.MEMORY, [10, *a0, t4 + 1], multiplicity=wm, name="a0_recv")
        b.send(buses.MEMORY, [10, *loc.ret, t4 + T_A0W], multiplicity=wm, name="a0_send")
        buses.range_u8_pair(b, loc.ret[0], loc.ret[1], wm, "ret01")
        buses.range_u8_pair(b, loc.ret[2], loc.ret[3], wm, "ret23")

        # --- halting kinds -------------------------------------------------------------
        code = (F("exit", "exit_group") * a0[0] + f["tkill"] * (128 + a1[0])
                + f["tgkill"] * (128 + a2[0]))
        b.assert_zero(code - halt * b.public[0], "exit_code")
        b.assert_zero(halt * (loc.ts - loc.ts_lo - 65536 * loc.ts_hi), "exit_ts_split")
        buses.range_u16(b, loc.ts_lo, halt, "exit_ts_lo")
        buses.range_bits(b, loc.ts_hi, buses.EXEC_TS_BITS - 16, halt, "exit_ts_hi")
        sig_src = (a1, f["tkill"]), (a2, f["tgkill"])
        for i in (1, 2, 3):
            b.assert_zero(sum(fl * x[i] for x, fl in sig_src), f"sig_limb{i}")
        buses.range_bits(b, sum(fl * (x[0] - 1) for x, fl in sig_src), 6, F("tkill", "tgkill"),
                         "sig_range")

        # --- argument pins ---------------------------------------------------------------
        def zero_limbs(x, flags, name, limbs=(0, 1, 2, 3)):
            g = F(*flags)
            for i in limbs:
                b.assert_zero(g * x[i], f"{name}{i}")

        zero_limbs(a0, ("read", "readv"), "fd_input")
        b.assert_zero(f["write_j"] * (a0[0] - FD_JOURNAL), "fd_journal")
        zero_limbs(a0, ("write_j",), "fd_journal", (1, 2, 3))
        out = F("write_out", "writev_out")
        b.assert_zero(out * (a0[0] - 1) * (a0[0] - 2), "fd_console")
        zero_limbs(a0, ("write_out", "writev_out"), "fd_console", (1, 2, 3))
        b.assert_zero(iov * (a2[0] - 1) * (a2[0] - 2), "iov_count")
        zero_limbs(a2, ("readv", "writev_out"), "iov_count", (1, 2, 3))
        zero_limbs(a2, ("rt_sigprocmask", "rt_sigaction"), "no_old")
        zero_limbs(a3, ("rt_sigprocmask_old", "rt_sigaction_old"), "sigset_size", (1, 2, 3))
        sig_old = F("rt_sigprocmask_old", "rt_sigaction_old")
        buses.range_u8_pair(b, sig_old * a3[0], sig_old * (a3[0] + 127), sig_old, "sigset_max")
        b.assert_zero(f["mmap2"] * (a3[0] - 0x22), "mmap_flags")
        zero_limbs(a3, ("mmap2",), "mmap_flags", (1, 2, 3))
        prot = F("mmap2", "mprotect")
        zero_limbs(a2, ("mmap2", "mprotect"), "prot", (1, 2, 3))
        buses.range_bits(b, prot * a2[0], 2, prot, "prot_rw")
        mun = F("munmap", "mprotect")
        zero_limbs(a0, ("munmap", "mprotect"), "page_aligned", (0,))
        buses.bytes_op(b, buses.OP_AND, mun * a0[1], 15, 0, mun, "page_aligned1")
        buses.range_bits(b, mun * a0[3] + f["write_j"] * a2[3], 6, mun + f["write_j"],
                         "below_2p30")
        buses.range_bits(b, mun * a1[3], 6, mun, "len_below_2p30")
        nz = F("mmap2", "munmap", "mprotect", "sched_getaffinity")
        b.assert_zero(nz * (loc.nz_inv * (a1[0] + a1[1] + a1[2] + a1[3]) - 1), "len_nonzero")
        buses.bytes_op(b, buses.OP_AND, f["sched_getaffinity"] * a1[0], 3, 0,
                       f["sched_getaffinity"], "mask_size")

        # --- aux words: the iovec array / the affinity mask --------------------------------
        sch = f["sched_getaffinity"]
        ptr = [iov * a1[i] + sch * a2[i] for i in range(4)]
        aux_m = iov + sch
        key = eval_ram_key(b, ptr, 0, aux_m, "aux_ptr")
        b.assert_zero(aux_m * (loc.aux_key - key), "aux_key")
        aux_mult = (aux_m, iov, iov * two, iov * two)
        for j in range(4):
            nm = f"aux{j}"
            prev = loc.aux0_prev if j == 0 else getattr(loc, nm + "_val")
            new = loc.aux0_new if j == 0 else prev
            buses.mem_access(b, loc.aux_key + 4 * j, prev, new, t4 + T_AUX[j],
                             getattr(loc, nm + "_prev_ts"), getattr(loc, nm + "_lo"),
                             getattr(loc, nm + "_hi"), aux_mult[j], nm, check_hi=False)
        buses.range_u8_pair(b, loc.aux0_hi, loc.aux1_hi, aux_m, "aux01_hi")
        buses.range_u8_pair(b, loc.aux2_hi, loc.aux3_hi, iov * two, "aux23_hi")
        for i in range(4):
            b.assert_zero(iov * (loc.aux0_new[i] - loc.aux0_prev[i]), f"iov_read{i}")
            b.assert_zero(sch * (loc.aux0_new[i] - (1 if i == 0 else 0)), f"mask_write{i}")
            b.assert_zero(iov * (1 - two) * loc.aux2_val[i], f"iov1_base_unused{i}")
            b.assert_zero(iov * (1 - two) * loc.aux3_val[i], f"iov1_len_unused{i}")
        len0, len1 = loc.aux1_val, loc.aux3_val
        buses.range_bits(b, f["writev_out"] * len0[3], 5, f["writev_out"], "writev_len0")
        buses.range_bits(b, f["writev_out"] * len1[3], 5, f["writev_out"], "writev_len1")

        # --- OS cell -------------------------------------------------------------------------
        os_m = F(*OS_CELL)
        os_key = sum(cell * f[k] for k, cell in OS_CELL.items())
        buses.mem_access(b, os_key, loc.os_prev, loc.os_new, t4 + T_OS, loc.os_prev_ts,
                         loc.os_lo, loc.os_hi, os_m, "os", check_hi=False)
        buses.range_u8_pair(b, loc.os_hi, 0, os_m, "os_hi")
        buses.range_u8_pair(b, loc.os_new[0], loc.os_new[1], os_m, "os_new01")
        buses.range_u8_pair(b, loc.os_new[2], os_m * loc.os_new[3] + (256 - 64) * os_m, os_m,
                            "os_new_top")
        cur, new = W(loc.os_prev), W(loc.os_new)

        # --- comparison gadgets ---------------------------------------------------------------
        g1 = ("read", "readv", "brk", "mmap2")
        g2 = ("readv", "brk", "mmap2")
        size = 4096 * (loc.q + 1)
        g1_src = {"read": a2, "readv": len0, "brk": a0, "mmap2": a1}
        g1_y = {"read": loc.rem, "readv": loc.rem, "brk": PROGRAM_END, "mmap2": (1 << 28) - 1}
        g2_src = {"readv": len1, "brk": a0}
        g2_x = {"readv": W(len1), "brk": W(a0), "mmap2": cur + size}
        g2_y = {"readv": loc.rem - loc.k0, "brk": cur, "mmap2": MMAP_END}
        for g, kinds, xs, ys, srcs in (("g1", g1, {k: W(v) for k, v in g1_src.items()}, g1_y,
                                        g1_src), ("g2", g2, g2_x, g2_y, g2_src)):
            gx, gy = getattr(loc, g + "_x"), getattr(loc, g + "_y")
            lt, le = getattr(loc, g + "_lt"), getattr(loc, g + "_le")
            dlo, dhi = getattr(loc, g + "_dlo"), getattr(loc, g + "_dhi")
            gm = F(*kinds)
            b.assert_zero(sum(f[k] * (gx - xs[k]) for k in kinds), g + "_x")
            b.assert_zero(sum(f[k] * (gy - ys[k]) for k in kinds), g + "_y")
            top = sum(f[k] * srcs[k][3] for k in srcs)
            buses.bytes_op(b, buses.OP_LTU, top, 64, lt, gm, g + "_small")
            b.assert_zero((1 - gm) * lt, g + "_lt_unused")
            b.assert_bool(le, g + "_le_bool")
            b.assert_zero((1 - lt) * le, g + "_big_not_le")
            diff = le * (gy - gx) + (1 - le) * (gx - gy - 1)
            b.assert_zero(lt * (diff - dlo - 65536 * dhi), g + "_diff")
            buses.range_u16(b, dlo, gm, g + "_dlo")
            buses.range_bits(b, dhi, 14, gm, g + "_dhi")

        # --- private input: read / readv ------------------------------------------------------
        inp = F("read", "readv")
        b.assert_zero(inp * cur * (cur - 1 - loc.rem), "input_rem")
        b.assert_zero(inp * (loc.rem - loc.rem_lo - 65536 * loc.rem_hi), "rem_split")
        buses.range_u16(b, loc.rem_lo, inp, "rem_lo")
        buses.range_bits(b, loc.rem_hi, INPUT_BITS - 16, inp, "rem_hi")
        b.assert_zero(inp * (loc.k0 - loc.g1_le * loc.g1_x - (1 - loc.g1_le) * loc.g1_y), "k0_min")
        b.assert_zero(f["readv"] * (loc.k1 - loc.g2_le * loc.g2_x - (1 - loc.g2_le) * loc.g2_y),
                      "k1_min")
        b.assert_zero((1 - f["readv"]) * loc.k1, "k1_readv_only")
        b.assert_zero(inp * (new - (loc.rem - loc.k0 - loc.k1 + 1)), "input_left")

        # --- brk, mmap2 -------------------------------------------------------------------------
        b.assert_zero(f["brk"] * (loc.ok - loc.g1_le + loc.g1_le * loc.g2_le), "brk_ok")
        b.assert_zero(f["brk"] * (new - loc.ok * loc.g1_x - (1 - loc.ok) * cur), "brk_new")
        b.assert_zero(f["mmap2"] * (loc.ok - loc.g1_le * loc.g2_le), "mmap_ok")
        b.assert_zero(f["mmap2"] * loc.g1_le * (loc.g1_x - 1 - 4096 * loc.q - loc.r), "mmap_pages")
        b.assert_zero(f["mmap2"] * (1 - loc.g1_le) * loc.q, "mmap_q_big")
        b.assert_zero(f["mmap2"] * (1 - loc.g1_le) * loc.r, "mmap_r_big")
        buses.range_u16(b, loc.q, f["mmap2"], "mmap_q")
        buses.range_bits(b, loc.r, 12, f["mmap2"], "mmap_r")
        b.assert_zero(f["mmap2"] * (new - cur - loc.ok * size), "mmap_new")
        b.assert_zero((1 - F("brk", "mmap2")) * loc.ok, "ok_unused")

        # --- return values ----------------------------------------------------------------------
        ret = loc.ret
        for i in range(4):
            cst = sum(f[k] * (ret[i] - ((c >> (8 * i)) & 0xFF)) for k, c in CONST_RET.items())
            b.assert_zero(cst, f"ret_const{i}")
            b.assert_zero(F("write_j", "write_out") * (ret[i] - a2[i]), f"ret_a2_{i}")
            b.assert_zero(f["brk"] * (ret[i] - loc.os_new[i]), f"ret_brk{i}")
            b.assert_zero(f["mmap2"] * (ret[i] - loc.ok * loc.os_prev[i]
                                        - (1 - loc.ok) * ((ENOMEM_RET >> (8 * i)) & 0xFF)),
                          f"ret_mmap{i}")
        counted = F("read", "readv", "writev_out")
        b.assert_zero(f["read"] * (W(ret) - loc.k0) + f["readv"] * (W(ret) - loc.k0 - loc.k1)
                      + f["writev_out"] * (W(ret) - W(len0) - W(len1)), "ret_count")
        buses.range_bits(b, counted * ret[3], 6, counted, "ret_count_top")

        # --- chains ---------------------------------------------------------------------------
        c0_mode = sum(m * f[k] for k, m in CHAIN0_MODE.items())
        addr_src = {"read": a1, "readv": loc.aux0_prev, "write_j": a1,
                    "rt_sigprocmask_old": a2, "rt_sigaction_old": a2, "clock_gettime": a1}
        cnt_src = {"read": loc.k0, "readv": loc.k0, "write_j": W(a2),
                   "rt_sigprocmask_old": a3[0], "rt_sigaction_old": a3[0] + 8,
                   "clock_gettime": 16}
        b.assert_zero(sum(f[k] * (loc.c0_addr - W(v)) for k, v in addr_src.items()), "c0_addr")
        b.assert_zero(sum(f[k] * (loc.c0_cnt - v) for k, v in cnt_src.items()), "c0_cnt")
        buses.range_bits(b, sum(f[k] * v[3] for k, v in addr_src.items()), 6, c0, "c0_addr_top")
        ct0, ct1 = t4 + T_CHAIN[0], t4 + T_CHAIN[1]
        jend = loc.jpos + f["write_j"] * loc.c0_cnt
        b.send(buses.IO, [ct0, loc.c0_addr, loc.c0_cnt, loc.jpos, c0_mode], multiplicity=c0,
               name="chain0_start")
        b.receive(buses.IO, [ct0, loc.c0_addr + loc.c0_cnt, 0, jend, c0_mode], multiplicity=c0,
                  name="chain0_end")
        base1 = loc.aux2_val
        buses.range_bits(b, f["readv"] * base1[3], 6, f["readv"], "c1_addr_top")
        rv = f["readv"]
        b.send(buses.IO, [ct1, W(base1), loc.k1, loc.jpos, MODE_INPUT], multiplicity=rv,
               name="chain1_start")
        b.receive(buses.IO, [ct1, W(base1) + loc.k1, 0, loc.jpos, MODE_INPUT], multiplicity=rv,
                  name="chain1_end")

        # --- precompiles: hand-off on PRECOMPILE ------------------------------------------------
        pre_num = sum(KINDS[k] * f[k] for k in PRECOMPILE_FLAGS)
        b.send(PRECOMPILE, [pre_num, loc.ts, *a0, *a1], multiplicity=pre, name="precompile")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Rows of the ecalls; ``rows.extra`` (tracegen) holds per row: ``kind`` (index
        into :data:`SYS_FLAGS`), ``ret``; ``a1, a2, a3`` and their ``*_prev_ts``;
        ``os_prev, os_new, os_prev_ts``; ``aux_key``, ``aux{j}_prev, aux{j}_new,
        aux{j}_prev_ts``; ``rem``, ``k0, k1``, ``c0_addr``, ``c0_cnt``."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        x = rows.extra
        kind = x["kind"]
        is_ = {k: kind == i for i, k in enumerate(SYS_FLAGS)}
        for k in SYS_FLAGS:
            getattr(v, sys_flag(k))[:n] = is_[k]
        i64 = lambda a: np.asarray(a, dtype=np.int64)  # noqa: E731
        t4 = rows.ts.astype(np.int64) * 4
        for nm, dt in (("a1", T_A1), ("a2", T_A2), ("a3", T_A3)):
            getattr(v, nm + "_val")[:n] = ad.u32_limbs(x[nm])
            _fill_ts(v, nm, t4 + dt, x[nm + "_prev_ts"], np.ones(n, bool), n)
        halt = np.zeros(n, bool)
        for k in HALT_FLAGS:
            halt |= is_[k]
        v.ret[:n] = ad.u32_limbs(np.where(halt, 0, x["ret"]))
        # OS cell
        os_on = np.zeros(n, bool)
        for k in OS_CELL:
            os_on |= is_[k]
        v.os_prev[:n] = ad.u32_limbs(np.where(os_on, x["os_prev"], 0))
        v.os_new[:n] = ad.u32_limbs(np.where(os_on, x["os_new"], 0))
        _fill_ts(v, "os", t4 + T_OS, x["os_prev_ts"], os_on, n)
        # aux words
        iov = is_["readv"] | is_["writev_out"]
        sch = is_["sched_getaffinity"]
        a2 = i64(x["a2"])
        two = iov & (a2 == 2)
        aux_on = (iov | sch, iov, two, two)
        v.aux_key[:n] = np.where(iov | sch, x["aux_key"], 0)
        for j in range(4):
            nm = f"aux{j}"
            on = aux_on[j]
            prev = np.where(on, x[nm + "_prev"], 0)
            getattr(v, nm + "_prev" if j == 0 else nm + "_val")[:n] = ad.u32_limbs(prev)
            if j == 0:
                v.aux0_new[:n] = ad.u32_limbs(np.where(on, x["aux0_new"], 0))
            _fill_ts(v, nm, t4 + T_AUX[j], x[nm + "_prev_ts"], on, n)
        a1 = i64(x["a1"])
        nz = is_["mmap2"] | is_["munmap"] | is_["mprotect"] | sch
        lsum = ad.u32_limbs(a1).astype(np.int64).sum(axis=1)
        if nz.any():
            from zkvm.field.babybear import inv as _inv

            inv = np.zeros(n, dtype=np.uint32)
            inv[nz] = _inv(lsum[nz].astype(np.uint32))
            v.nz_inv[:n] = inv
        # input
        inp = is_["read"] | is_["readv"]
        rem = np.where(inp, i64(x["rem"]), 0)
        v.rem[:n] = rem
        v.rem_lo[:n] = rem & 0xFFFF
        v.rem_hi[:n] = rem >> 16
        k0, k1 = np.where(inp, i64(x["k0"]), 0), np.where(is_["readv"], i64(x["k1"]), 0)
        v.k0[:n] = k0
        v.k1[:n] = k1
        # gadgets
        a0 = rows.rs2_val.astype(np.int64)
        len0 = np.where(iov, i64(x["aux1_prev"]), 0)
        len1 = np.where(two, i64(x["aux3_prev"]), 0)
        cur = i64(x["os_prev"])
        ln = a1
        small_len = is_["mmap2"] & (ln < 1 << 28)
        q = np.where(small_len, (ln - 1) >> 12, 0)
        r_ = np.where(small_len, (ln - 1) & 0xFFF, 0)
        v.q[:n] = q
        v.r[:n] = r_
        g1x = np.select([is_["read"], is_["readv"], is_["brk"], is_["mmap2"]], [a2, len0, a0, ln], 0)
        g1y = np.select([inp, is_["brk"], is_["mmap2"]], [rem, PROGRAM_END, (1 << 28) - 1], 0)
        g1on = inp | is_["brk"] | is_["mmap2"]
        g2x = np.select([is_["readv"], is_["brk"], is_["mmap2"]],
                        [len1, a0, cur + 4096 * (q + 1)], 0)
        g2y = np.select([is_["readv"], is_["brk"], is_["mmap2"]],
                        [rem - k0, cur, MMAP_END], 0)
        g2on = is_["readv"] | is_["brk"] | is_["mmap2"]
        le1 = _fill_gadget(v, "g1", g1x, g1y, g1on, n)
        le2 = _fill_gadget(v, "g2", g2x, g2y, g2on, n)
        ok = np.where(is_["brk"], le1 & ~le2, np.where(is_["mmap2"], le1 & le2, False))
        v.ok[:n] = ok
        # chain 0
        caddr = np.select([is_["read"] | is_["write_j"] | is_["clock_gettime"], is_["readv"],
                           is_["rt_sigprocmask_old"] | is_["rt_sigaction_old"]],
                          [a1, i64(x["aux0_prev"]), a2], 0)
        v.c0_addr[:n] = np.where(np.isin(kind, [SYS_FLAGS.index(k) for k in CHAIN0_MODE]),
                                 caddr, 0)
        v.c0_cnt[:n] = x["c0_cnt"]
        ts = rows.ts.astype(np.int64)
        v.ts_lo[:n] = np.where(halt, ts & 0xFFFF, 0)
        v.ts_hi[:n] = np.where(halt, ts >> 16, 0)
        if (halt & (ts >= 1 << buses.EXEC_TS_BITS)).any():
            raise ValueError(f"execution too long to prove: EXEC time reaches 2^{buses.EXEC_TS_BITS}")
        return t


def _fill_ts(v, nm, t, prev_ts, on, n):
    pts = np.where(on, np.asarray(prev_ts, dtype=np.int64), 0)
    lo, hi = buses.ts_diff_limbs(np.where(on, t, 1), pts)
    getattr(v, nm + "_prev_ts")[:n] = pts
    getattr(v, nm + "_lo")[:n] = lo
    getattr(v, nm + "_hi")[:n] = hi


def _fill_gadget(v, g, x, y, on, n):
    """Fill comparison gadget ``g`` for ``x`` (u32) vs ``y`` (< 2^30); returns ``le``."""
    x = np.asarray(x, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    lt = on & (x < 1 << 30)
    le = on & (x <= y)
    d = np.where(lt, np.where(le, y - x, x - y - 1), 0)
    if (d < 0).any() or (d >= 1 << 30).any():
        raise ValueError(f"syscall gadget {g}: operands out of range (tracegen bug)")
    from zkvm.field.babybear import P

    getattr(v, g + "_x")[:n] = np.where(on, x % P, 0)
    getattr(v, g + "_y")[:n] = np.where(on, y, 0)
    getattr(v, g + "_lt")[:n] = lt
    getattr(v, g + "_le")[:n] = le
    getattr(v, g + "_dlo")[:n] = d & 0xFFFF
    getattr(v, g + "_dhi")[:n] = d >> 16
    return le


class IoAir(Air):
    """One row per guest word a byte chain covers (module docstring)."""

    name = "io"
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    columns = Columns(
        ("is_real", "1 on real rows (a prefix)"),
        ("is_journal", "journal mode: the bytes are read and sent on JOURNAL"),
        ("is_zero", "zero mode: the bytes are overwritten with 0"),
        ("ctime", "memory time of the chain (unique to one chain of one ecall)"),
        ("addr", "address of the first byte this row covers"),
        ("rem", "bytes left in the chain, this row's included"),
        ("jpos", "journal position of this row's first byte"),
        ("w", "word index: the memory key is 4w"),
        ("s", 4, "one-hot offset of the first covered byte in the word"),
        ("e", 4, "one-hot offset of the last covered byte in the word"),
        ("prev", 4, "word before, byte limbs"),
        ("new", 4, "word after, byte limbs"),
        ("prev_ts", "time of the previous access to word 4w"),
        ("lo", "ts limb"), ("hi", "ts limb"),
        ("wv_lo", "RAM range limb"), ("wv_hi", "RAM range limb"),
    )
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        r, j, z = loc.is_real, loc.is_journal, loc.is_zero
        b.assert_bool(r, "is_real_bool")
        b.when_transition().assert_zero(nxt.is_real * (1 - r), "padding_suffix")
        b.assert_bool(j, "is_journal_bool")
        b.assert_bool(z, "is_zero_bool")
        b.assert_zero(j * (1 - r), "journal_real")
        b.assert_zero(z * (1 - r), "zero_real")
        b.assert_zero(j * z, "one_mode")
        ssum, esum = 0, 0
        for i in range(4):
            b.assert_bool(loc.s[i], f"s{i}_bool")
            b.assert_bool(loc.e[i], f"e{i}_bool")
            ssum, esum = ssum + loc.s[i], esum + loc.e[i]
        b.assert_eq(ssum, r, "one_start")
        b.assert_eq(esum, r, "one_end")
        mask, S, E = [], 0, 0
        for i in range(4):
            S = S + loc.s[i]
            mask.append(S - E)
            b.assert_bool(mask[i], f"mask{i}_bool")
            E = E + loc.e[i]
        cnt = mask[0] + mask[1] + mask[2] + mask[3]
        b.assert_eq(loc.addr, 4 * loc.w + loc.s[1] + 2 * loc.s[2] + 3 * loc.s[3], "addr_split")
        b.assert_zero((r - loc.e[3]) * (loc.rem - cnt), "partial_word_ends")
        buses.ram_word(b, loc.w, loc.wv_lo, loc.wv_hi, r, "ram")
        buses.mem_access(b, 4 * loc.w, loc.prev, loc.new, loc.ctime, loc.prev_ts, loc.lo,
                         loc.hi, r, "mem")
        before = 0
        for i in range(4):
            b.assert_zero((1 - mask[i]) * (loc.new[i] - loc.prev[i]), f"other_bytes{i}")
            b.assert_zero(j * (loc.new[i] - loc.prev[i]), f"journal_unchanged{i}")
            b.assert_zero(z * mask[i] * loc.new[i], f"zero_fill{i}")
            b.send(buses.JOURNAL, [loc.jpos + before, loc.prev[i]], multiplicity=j * mask[i],
                   name=f"journal{i}")
            before = before + mask[i]
        buses.range_u8_pair(b, loc.new[0], loc.new[1], r - j, "new01")
        buses.range_u8_pair(b, loc.new[2], loc.new[3], r - j, "new23")
        mode = j + 2 * z
        b.receive(buses.IO, [loc.ctime, loc.addr, loc.rem, loc.jpos, mode], multiplicity=r,
                  name="io_recv")
        b.send(buses.IO, [loc.ctime, loc.addr + cnt, loc.rem - cnt, loc.jpos + j * cnt, mode],
               multiplicity=r, name="io_send")

    def generate_trace(self, io: dict) -> np.ndarray:
        """``io``: arrays ``ctime, addr, rem, jpos, mode, cnt, prev, new, prev_ts`` (one
        entry per covered word, words as uint32), built by tracegen."""
        n = len(io["ctime"])
        t, v = ad.new_trace(self.columns, n)
        if n == 0:
            return t
        addr = io["addr"].astype(np.int64)
        cnt = io["cnt"].astype(np.int64)
        mode = io["mode"].astype(np.int64)
        v.is_real[:n] = 1
        v.is_journal[:n] = mode == MODE_JOURNAL
        v.is_zero[:n] = mode == MODE_ZERO
        v.ctime[:n] = io["ctime"]
        v.addr[:n] = addr
        v.rem[:n] = io["rem"]
        v.jpos[:n] = io["jpos"]
        w = addr >> 2
        v.w[:n] = w
        off = addr & 3
        last = off + cnt - 1
        if (cnt < 1).any() or (last > 3).any():
            raise ValueError("io rows: a row covers 1..4 bytes of one word (tracegen bug)")
        v.s[:n] = off[:, None] == np.arange(4)[None, :]
        v.e[:n] = last[:, None] == np.arange(4)[None, :]
        v.prev[:n] = ad.u32_limbs(io["prev"])
        v.new[:n] = ad.u32_limbs(io["new"])
        v.prev_ts[:n] = io["prev_ts"]
        lo, hi = buses.ts_diff_limbs(io["ctime"].astype(np.int64), io["prev_ts"])
        v.lo[:n] = lo
        v.hi[:n] = hi
        wl, wh = buses.ram_word_limbs(w)
        v.wv_lo[:n] = wl
        v.wv_hi[:n] = wh
        return t

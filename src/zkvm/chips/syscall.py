"""``Syscall`` (ecall) and ``Io`` chips (docs/circuits.md §6).

Syscall row of an ``ecall`` at EXEC time ``t`` (program row: ``rd = 0, rs1 = 17 (a7),
rs2 = 10 (a0)``), using two EXEC time steps for its register accesses:

* adapter (adapter.py): EXEC receive ``(pc, t, jpos)``; reads a7 (``rs1_val``) at ``4t``
  and a0 (``rs2_val``) at ``4t+1``; EXEC send ``(pc+4, t+2+n, jpos')`` unless it halts;
* reads a1 at ``4(t+1)`` and a2 at ``4(t+1)+1`` (``a1_val``, ``a2_val``, own timestamp
  checks); writes a0 := ``ret`` at ``4(t+1)+3`` (receiving a0's record of time ``4t+1``
  directly, so no timestamp check is needed), except for exit;
* one flag per supported syscall (boolean, exactly one per real row); the flags pin the
  number: ``a7 = Σ flag_k·N_k`` (limbs 0–1; limbs 2–3 are 0, so no wrap-around);
* ``exit``/``exit_group``: the exit code public value equals the low byte of a0; the row
  sends no EXEC state (the only EXEC path ends here, checklist 10); ``t < 2^22``;
* ``read`` (fd 0 pinned): ``n`` (witness, ``n < 2^16``, ``n ≤ a2``) private-input bytes are
  written by ``n`` Io rows at ``a1..a1+n``; ``a0 := n``;
* ``write`` on fd 3 (pinned): ``n = a2 < 2^16`` bytes at ``a1`` are read by Io rows and
  sent on JOURNAL at positions ``jpos..jpos+n``; ``jpos' = jpos + n``; ``a0 := a2``;
* ``write``/``writev`` on fd 1 or 2 (pinned: ``fd ∈ {1, 2}``) and the environment
  syscalls: no memory effect in the proof, ``a0`` is a host-provided (range-checked)
  witness;
* IO chain: send IO ``(t+2, a1, n, jpos)`` and receive ``(t+2+n, a1+n, 0, jpos')``
  (``a1 < 2^30`` is range-checked: top limb < 64);
* precompiles (docs/circuits.md §11.1) ``sha256_compress`` (0x5A00) and
  ``keccak_f1600`` (0x5A01): ``n = 0``, EXEC advances by ``2 + S`` (``S`` = 6 / 13: the
  steps ``t+2 … t+1+S`` whose memory times belong to the precompile table), ``a0 := 0``
  (pinned), and the row sends PRECOMPILE ``(number, t, a0 limbs, a1 limbs)`` (a0 as read
  at ``4t+1``, a1 as read at ``4(t+1)``), received by the first row of the call in the
  precompile's table.

Correctness (precompiles): the return value is pinned to 0 -- a free a0 would let a
prover both claim the precompile's memory effect and make the SDK run its plain-C
fallback (it falls back when ``a0 ≠ 0``).  The PRECOMPILE message binds the number, the
time (hence the reserved memory times) and the pointers, so the table cannot run a call
that the program did not make, nor skip one (the bus would not balance).

Io row (one per byte): receives IO ``(ts, addr, rem, jpos)``, sends
``(ts+1, addr+1, rem−1, jpos + is_journal)``; ``addr = 4w + off`` (``off`` one-hot,
``4w`` a RAM key, buses.ram_word); accesses word ``4w`` at time ``4ts+2``, changing only
byte ``off`` (input: a range-checked witness byte; journal: unchanged, and
``(jpos, byte)`` sent on JOURNAL).

Correctness: the IO chain starting at ``(t+2, a1, n, jpos)`` can only end at
``(t+2+n, a1+n, 0, jpos')`` after exactly ``n`` Io rows (rem decreases by one per row and
ts increases by one; a chain that does not end would need p rows).  For ``read``,
``jpos' = jpos`` forces every Io row of the chain to have ``is_journal = 0``; for a journal
write, ``jpos' = jpos + n`` forces all ``n`` to be journal rows.  The EXEC times
``t+2 … t+1+n`` belong to this syscall alone, so the Io memory times are unique.  Every
journal byte the verifier receives (public interactions) must be sent exactly once by a
journal Io row, at its position: a missing, extra or changed byte unbalances JOURNAL.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import adapter as ad
from zkvm.chips import buses
from zkvm.chips.opcodes import CHIP_SYSCALL
from zkvm.chips.precompiles import PRECOMPILE, STEPS, SYS_KECCAK_F1600, SYS_SHA256_COMPRESS
from zkvm.stark.air import Air, Columns

# syscall numbers (asm-generic riscv32, as in zkvm.riscv.syscalls)
SYS_EXIT = 93
SYS_EXIT_GROUP = 94
SYS_READ = 63
SYS_WRITE = 64
SYS_WRITEV = 66
FD_INPUT = 0
FD_JOURNAL = 3

#: flag name -> syscall number.  ``write_j`` is write on fd 3, ``write_out``/``writev_out``
#: are write/writev on fd 1 or 2; the rest are environment syscalls (a0 is a witness).
SYSCALLS = {
    "exit": 93, "exit_group": 94, "read": 63, "write_j": 64, "write_out": 64,
    "writev_out": 66,
    "ioctl": 29, "set_tid_address": 96, "sched_getaffinity": 123, "tkill": 130,
    "tgkill": 131, "rt_sigaction": 134, "rt_sigprocmask": 135, "getpid": 172,
    "gettid": 178, "brk": 214, "munmap": 215, "mremap": 216, "mmap2": 222,
    "mprotect": 226, "madvise": 233,
    "sha256_compress": 0x5A00, "keccak_f1600": 0x5A01,
}  # fmt: skip
SYS_FLAGS = tuple(SYSCALLS)
HALT_FLAGS = ("exit", "exit_group")
#: precompile flags -> EXEC steps they reserve after the row's own two (precompiles.STEPS)
PRECOMPILE_FLAGS = {"sha256_compress": 6, "keccak_f1600": 13}


if STEPS != {SYS_SHA256_COMPRESS: PRECOMPILE_FLAGS["sha256_compress"],
             SYS_KECCAK_F1600: PRECOMPILE_FLAGS["keccak_f1600"]} or \
        SYSCALLS["sha256_compress"] != SYS_SHA256_COMPRESS or \
        SYSCALLS["keccak_f1600"] != SYS_KECCAK_F1600:
    raise ImportError("syscall.PRECOMPILE_FLAGS disagrees with precompiles.STEPS")


def sys_flag(name: str) -> str:
    return "s_" + name


class SyscallAir(Air):
    """ecall rows (module docstring).  Public value 0 is the exit code."""

    name = CHIP_SYSCALL
    OPS = ("ecall",)
    columns = Columns(
        *ad.adapter_columns(OPS),
        *[(sys_flag(f), f"1 iff this ecall is {f}") for f in SYS_FLAGS],
        ("a1_val", 4, "a1 (buffer address for read/write)"),
        ("a2_val", 4, "a2 (length for read/write)"),
        ("a1_prev_ts", "previous access time of a1"), ("a1_lo", "ts limb"), ("a1_hi", "ts limb"),
        ("a2_prev_ts", "previous access time of a2"), ("a2_lo", "ts limb"), ("a2_hi", "ts limb"),
        ("ret", 4, "value written to a0 (bytes)"),
        ("n", "number of Io rows (bytes read / written to the journal)"),
        ("big", "read only: 1 iff a2 >= 2^16"),
        ("a2_hi_inv", "inverse of a2's high 16 bits when big"),
        ("ts_lo", "exit only: ts mod 2^16"),
        ("ts_hi", "exit only: ts div 2^16 (< 2^6)"),
    )
    num_public_values = 1
    max_degree = 3

    def eval(self, b):
        loc = b.local
        r = loc.is_real
        f = {k: getattr(loc, sys_flag(k)) for k in SYS_FLAGS}
        halt = f["exit"] + f["exit_group"]
        io = f["read"] + f["write_j"]
        n = loc.n
        pre = 0
        pre_steps = 0
        pre_num = 0
        for k, st in PRECOMPILE_FLAGS.items():
            pre = pre + f[k]
            pre_steps = pre_steps + st * f[k]
            pre_num = pre_num + SYSCALLS[k] * f[k]
        ad.eval_adapter(b, self.OPS, ts_step=2 + n + pre_steps, exec_send_mult=r - halt,
                        next_jpos=loc.jpos + f["write_j"] * n, range_check_rd=False,
                        write_rd=False)
        b.assert_zero(r * (loc.rs1 - 17), "rs1_is_a7")
        b.assert_zero(r * (loc.rs2 - 10), "rs2_is_a0")
        # flags: boolean, exactly one, and they pin a7
        fsum = 0
        num = 0
        for k in SYS_FLAGS:
            b.assert_bool(f[k], f"{sys_flag(k)}_bool")
            fsum = fsum + f[k]
            num = num + SYSCALLS[k] * f[k]
        b.assert_eq(fsum, r, "one_syscall")
        a7, a0 = loc.rs1_val, loc.rs2_val
        b.assert_eq(a7[0] + 256 * a7[1], num, "a7_number")
        b.assert_zero(r * a7[2], "a7_limb2")
        b.assert_zero(r * a7[3], "a7_limb3")
        # second time step: read a1, a2; write a0
        t1 = 4 * (loc.ts + 1)
        buses.mem_read(b, 11, loc.a1_val, t1 + 0, loc.a1_prev_ts, loc.a1_lo, loc.a1_hi, r,
                       "a1", check_hi=False)
        buses.mem_read(b, 12, loc.a2_val, t1 + 1, loc.a2_prev_ts, loc.a2_lo, loc.a2_hi, r,
                       "a2", check_hi=False)
        buses.range_u8_pair(b, loc.a1_hi, loc.a2_hi, r, "a12_hi")
        wm = r - halt
        b.receive(buses.MEMORY, [10, *a0, 4 * loc.ts + 1], multiplicity=wm, name="a0_recv")
        b.send(buses.MEMORY, [10, *loc.ret, t1 + 3], multiplicity=wm, name="a0_send")
        buses.range_u8_pair(b, loc.ret[0], loc.ret[1], wm, "ret01")
        buses.range_u8_pair(b, loc.ret[2], loc.ret[3], wm, "ret23")
        # exit
        b.assert_zero(halt * (a0[0] - b.public[0]), "exit_code")
        b.assert_zero(halt * (loc.ts - loc.ts_lo - 65536 * loc.ts_hi), "exit_ts_split")
        buses.range_u16(b, loc.ts_lo, halt, "exit_ts_lo")
        buses.range_bits(b, loc.ts_hi, buses.EXEC_TS_BITS - 16, halt, "exit_ts_hi")
        # fds
        for i in range(4):
            b.assert_zero(f["read"] * a0[i], f"read_fd{i}")
        b.assert_zero(f["write_j"] * (a0[0] - FD_JOURNAL), "write_j_fd0")
        out = f["write_out"] + f["writev_out"]
        b.assert_zero(out * (a0[0] - 1) * (a0[0] - 2), "write_out_fd0")
        for i in (1, 2, 3):
            b.assert_zero(f["write_j"] * a0[i], f"write_j_fd{i}")
            b.assert_zero(out * a0[i], f"write_out_fd{i}")
        # n and the return value
        a2lo = loc.a2_val[0] + 256 * loc.a2_val[1]
        a2hi = loc.a2_val[2] + 256 * loc.a2_val[3]
        b.assert_zero((r - io) * n, "n_zero_unless_io")
        buses.range_u16(b, n, r, "n_u16")
        b.assert_zero(f["read"] * (loc.ret[0] + 256 * loc.ret[1] - n), "read_ret")
        b.assert_zero(f["read"] * loc.ret[2], "read_ret2")
        b.assert_zero(f["read"] * loc.ret[3], "read_ret3")
        b.assert_bool(loc.big, "big_bool")
        b.assert_zero(loc.big * (1 - f["read"]), "big_only_read")
        b.assert_zero(loc.big * (a2hi * loc.a2_hi_inv - 1), "big_a2hi_nonzero")
        b.assert_zero(f["read"] * (1 - loc.big) * a2hi, "small_a2hi_zero")
        buses.range_u16(b, (f["read"] - loc.big) * (a2lo - n), r, "read_n_le_a2")
        b.assert_zero(f["write_j"] * (a2lo - n), "write_j_n")
        b.assert_zero(f["write_j"] * loc.a2_val[2], "write_j_a2_2")
        b.assert_zero(f["write_j"] * loc.a2_val[3], "write_j_a2_3")
        for i in range(4):
            b.assert_zero(f["write_j"] * (loc.ret[i] - loc.a2_val[i]), f"write_j_ret{i}")
        # precompiles: a0 := 0 (pinned), hand-off on PRECOMPILE
        for i in range(4):
            b.assert_zero(pre * loc.ret[i], f"precompile_ret{i}")
        b.send(PRECOMPILE, [pre_num, loc.ts, *a0, *loc.a1_val], multiplicity=pre,
               name="precompile")
        # IO chain
        buses.range_bits(b, loc.a1_val[3], 6, io, "a1_top")
        a1 = ad.word(loc.a1_val)
        b.send(buses.IO, [loc.ts + 2, a1, n, loc.jpos], multiplicity=io, name="io_start")
        b.receive(buses.IO, [loc.ts + 2 + n, a1 + n, 0, loc.jpos + f["write_j"] * n],
                  multiplicity=io, name="io_end")

    def generate_trace(self, rows: ad.ExecRows) -> np.ndarray:
        """Rows of the ecalls; ``rows.extra`` holds ``a1, a2, a1_prev_ts, a2_prev_ts, n,
        kind`` (index into :data:`SYS_FLAGS`), ``ret`` (a0 after) — see tracegen."""
        t, v = ad.new_trace(self.columns, rows.n)
        ad.fill_adapter(self.columns, t, rows, self.OPS, fill_rd_val=False)
        n = rows.n
        if n == 0:
            return t
        x = rows.extra
        kind = x["kind"]
        for i, k in enumerate(SYS_FLAGS):
            getattr(v, sys_flag(k))[:n] = kind == i
        v.a1_val[:n] = ad.u32_limbs(x["a1"])
        v.a2_val[:n] = ad.u32_limbs(x["a2"])
        t1 = (rows.ts.astype(np.int64) + 1) * 4
        for nm, slot in (("a1", 0), ("a2", 1)):
            pts = x[nm + "_prev_ts"].astype(np.int64)
            lo, hi = buses.ts_diff_limbs(t1 + slot, pts)
            getattr(v, nm + "_prev_ts")[:n] = pts
            getattr(v, nm + "_lo")[:n] = lo
            getattr(v, nm + "_hi")[:n] = hi
        halt = np.isin(kind, [SYS_FLAGS.index(h) for h in HALT_FLAGS])
        v.ret[:n] = ad.u32_limbs(np.where(halt, 0, x["ret"]))
        nn = x["n"].astype(np.int64)
        v.n[:n] = nn
        a2 = x["a2"].astype(np.int64)
        is_read = kind == SYS_FLAGS.index("read")
        big = is_read & (a2 >= 65536)
        v.big[:n] = big
        hi16 = (a2 >> 16).astype(np.uint32)
        from zkvm.field.babybear import inv as _inv
        inv = np.zeros(n, dtype=np.uint32)
        if big.any():
            inv[big] = _inv(hi16[big])
        v.a2_hi_inv[:n] = inv
        ts = rows.ts.astype(np.int64)
        v.ts_lo[:n] = np.where(halt, ts & 0xFFFF, 0)
        v.ts_hi[:n] = np.where(halt, ts >> 16, 0)
        if (halt & (ts >= 1 << buses.EXEC_TS_BITS)).any():
            raise ValueError(f"execution too long to prove: EXEC time reaches 2^{buses.EXEC_TS_BITS}")
        return t


class IoAir(Air):
    """One row per byte moved by a read (fd 0) or a journal write (module docstring)."""

    name = "io"
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    columns = Columns(
        ("is_real", "1 on real rows (a prefix)"),
        ("is_journal", "1: journal write (read the byte, send it on JOURNAL); 0: input"),
        ("ts", "EXEC time of this byte"),
        ("addr", "byte address"),
        ("rem", "bytes remaining including this one"),
        ("jpos", "journal position of this byte"),
        ("w", "word index: the memory key is 4w"),
        ("off", 4, "one-hot byte offset in the word"),
        ("prev", 4, "word before, byte limbs"),
        ("new", 4, "word after, byte limbs"),
        ("prev_ts", "time of the previous access to word 4w"),
        ("lo", "ts limb"), ("hi", "ts limb"),
        ("wv_lo", "RAM range limb"), ("wv_hi", "RAM range limb"),
    )
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        r, j = loc.is_real, loc.is_journal
        b.assert_bool(r, "is_real_bool")
        b.when_transition().assert_zero(nxt.is_real * (1 - r), "padding_suffix")
        b.assert_bool(j, "is_journal_bool")
        b.assert_zero(j * (1 - r), "journal_real")
        osum = 0
        for i in range(4):
            b.assert_bool(loc.off[i], f"off{i}_bool")
            osum = osum + loc.off[i]
        b.assert_eq(osum, r, "one_off")
        b.assert_eq(loc.addr, 4 * loc.w + loc.off[1] + 2 * loc.off[2] + 3 * loc.off[3], "addr_split")
        buses.ram_word(b, loc.w, loc.wv_lo, loc.wv_hi, r, "ram")
        buses.mem_access(b, 4 * loc.w, loc.prev, loc.new, 4 * loc.ts + buses.SLOT_MEM,
                         loc.prev_ts, loc.lo, loc.hi, r, "mem")
        for i in range(4):
            b.assert_zero((1 - loc.off[i]) * (loc.new[i] - loc.prev[i]), f"other_bytes{i}")
            b.assert_zero(j * (loc.new[i] - loc.prev[i]), f"journal_unchanged{i}")
        buses.range_u8_pair(b, loc.new[0], loc.new[1], r - j, "new01")
        buses.range_u8_pair(b, loc.new[2], loc.new[3], r - j, "new23")
        byte = sum((loc.off[i] * loc.new[i] for i in range(1, 4)), loc.off[0] * loc.new[0])
        b.send(buses.JOURNAL, [loc.jpos, byte], multiplicity=j, name="journal")
        b.receive(buses.IO, [loc.ts, loc.addr, loc.rem, loc.jpos], multiplicity=r, name="io_recv")
        b.send(buses.IO, [loc.ts + 1, loc.addr + 1, loc.rem - 1, loc.jpos + j], multiplicity=r,
               name="io_send")

    def generate_trace(self, io: dict) -> np.ndarray:
        """``io``: arrays ``ts, addr, rem, jpos, is_journal, prev, new, prev_ts`` (words
        as uint32), one entry per byte, built by tracegen."""
        n = len(io["ts"])
        t, v = ad.new_trace(self.columns, n)
        if n == 0:
            return t
        addr = io["addr"].astype(np.int64)
        v.is_real[:n] = 1
        v.is_journal[:n] = io["is_journal"]
        v.ts[:n] = io["ts"]
        v.addr[:n] = addr
        v.rem[:n] = io["rem"]
        v.jpos[:n] = io["jpos"]
        w = addr >> 2
        v.w[:n] = w
        off = addr & 3
        v.off[:n] = (off[:, None] == np.arange(4)[None, :])
        v.prev[:n] = ad.u32_limbs(io["prev"])
        v.new[:n] = ad.u32_limbs(io["new"])
        v.prev_ts[:n] = io["prev_ts"]
        lo, hi = buses.ts_diff_limbs(4 * io["ts"].astype(np.int64) + buses.SLOT_MEM, io["prev_ts"])
        v.lo[:n] = lo
        v.hi[:n] = hi
        wl, wh = buses.ram_word_limbs(w)
        v.wv_lo[:n] = wl
        v.wv_hi[:n] = wh
        return t

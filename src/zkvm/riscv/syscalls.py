"""Linux-style system calls of the zkvm guest (the full table is in docs/abi.md).

``ecall`` with the number in a7 and arguments in a0..a5; the result goes to a0 (a negative
errno on failure, as on Linux). Guest pointers and lengths are checked in full (checklist
item 26): a buffer that overflows, leaves guest memory or lacks the needed permission
stops the guest with :class:`~zkvm.riscv.errors.MemoryFault` (Linux would return
-EFAULT; a zkvm guest never gets there by accident, so a loud error is more useful).

File descriptors: 0 private input (read only), 1 stdout, 2 stderr, 3 journal (the public
output committed by the proof). Numbers 0x5A00..0x5AFF are the zkvm precompiles.

Provable subset
---------------
Every syscall runs with Linux semantics here, but the circuits prove only a *provable
subset* of argument combinations (docs/abi.md "What the prover accepts"), each with its
result and memory effect fully constrained (docs/circuits.md §6).  One function per
syscall below decides both: it performs the call and returns the *kind* (the Syscall
chip's flag name, :data:`KINDS`) when the call is in the subset, or calls
:func:`_unprovable` with the reason (``CpuState.unprovable`` keeps the first one; the run
goes on, ``zkvm run`` reports it, ``zkvm prove`` refuses before tracing).

Correctness (the contract with the circuits): for every kind, whenever the circuit's
pinned preconditions on the arguments hold, the result and memory effect computed here
are the ones the circuit forces.  A call outside the subset must make the circuit's
preconditions fail for every kind (so no prover can attach a different outcome to it);
the Syscall chip's docstring lists the pins.

Recording: with ``CpuState.record``, each ecall appends a :class:`SysRecord` (kind, the
new value of its OS cell, the words it read/wrote outside the byte chains, and the byte
chains with the words before/after) for :mod:`zkvm.chips.tracegen`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import GuestError, MemoryFault, UnknownSyscall, UnprovableSyscall
from .layout import (MAX_INPUT, MMAP_END, MMAP_START, OS_KEY_BRK, OS_KEY_INPUT, OS_KEY_MMAP,
                     PAGE_SHIFT, PAGE_SIZE, PERM_R, PERM_W, PROGRAM_END, RESERVED_END, page_ceil)
from .machine import CpuState
from .hostcalls import HOSTCALL_RANGE, SYS_CYCLE_MARKER, handle_hostcall
from .precompiles import PRECOMPILE_NAMES, PRECOMPILE_RANGE, handle_precompile

# Numbers (asm-generic, as used by riscv32 Linux).
SYS_IOCTL = 29
SYS_READ = 63
SYS_WRITE = 64
SYS_READV = 65
SYS_WRITEV = 66
SYS_EXIT = 93
SYS_EXIT_GROUP = 94
SYS_SET_TID_ADDRESS = 96
SYS_SCHED_GETAFFINITY = 123
SYS_TKILL = 130
SYS_TGKILL = 131
SYS_RT_SIGACTION = 134
SYS_RT_SIGPROCMASK = 135
SYS_GETPID = 172
SYS_GETTID = 178
SYS_BRK = 214
SYS_MUNMAP = 215
SYS_MREMAP = 216
SYS_MMAP2 = 222
SYS_MPROTECT = 226
SYS_MADVISE = 233
SYS_CLOCK_GETTIME64 = 403

EBADF = 9
ENOMEM = 12
EINVAL = 22
ENOTTY = 25

FD_INPUT = 0
FD_STDOUT = 1
FD_STDERR = 2
FD_JOURNAL = 3

PROT_READ = 1
PROT_WRITE = 2
PROT_EXEC = 4
MAP_SHARED = 0x01
MAP_PRIVATE = 0x02
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20
SIGABRT = 6
MAX_IOV = 1024
TID = 1
#: Page marker for a PROT_NONE anonymous mapping: mapped (mprotect may change it), no access.
PERM_MAPPED_NONE = 0x80
#: Largest signal number (Linux's _NSIG - 1); tkill with a larger one is -EINVAL there.
MAX_SIG = 64
#: ``sigsetsize`` limit of rt_sigprocmask / rt_sigaction (bytes of the set the kernel writes).
MAX_SIGSET = 128
#: Bytes of a ``struct timespec`` (time64 ABI: 64-bit seconds, nanoseconds + padding).
TIMESPEC64 = 16

#: Byte-chain modes (docs/circuits.md §6): how an Io row treats the bytes it covers.
MODE_INPUT = 0  # bytes of the private input are written
MODE_JOURNAL = 1  # bytes are read and become journal bytes
MODE_ZERO = 2  # zero bytes are written

#: Provable kinds -> syscall number (the Syscall chip has one flag per kind; several kinds
#: share a number and differ by pinned arguments).
KINDS = {
    "exit": SYS_EXIT, "exit_group": SYS_EXIT_GROUP, "tkill": SYS_TKILL, "tgkill": SYS_TGKILL,
    "read": SYS_READ, "readv": SYS_READV, "write_j": SYS_WRITE, "write_out": SYS_WRITE,
    "writev_out": SYS_WRITEV, "ioctl": SYS_IOCTL, "set_tid_address": SYS_SET_TID_ADDRESS,
    "getpid": SYS_GETPID, "gettid": SYS_GETTID, "sched_getaffinity": SYS_SCHED_GETAFFINITY,
    "rt_sigprocmask": SYS_RT_SIGPROCMASK, "rt_sigprocmask_old": SYS_RT_SIGPROCMASK,
    "rt_sigaction": SYS_RT_SIGACTION, "rt_sigaction_old": SYS_RT_SIGACTION,
    "brk": SYS_BRK, "mmap2": SYS_MMAP2, "munmap": SYS_MUNMAP, "mprotect": SYS_MPROTECT,
    "mremap": SYS_MREMAP, "madvise": SYS_MADVISE, "clock_gettime": SYS_CLOCK_GETTIME64,
    "cycle_marker": SYS_CYCLE_MARKER,
    **{name: num for num, name in PRECOMPILE_NAMES.items()},
}  # fmt: skip


@dataclass(frozen=True)
class Chain:
    """A run of consecutive guest bytes a syscall moves (docs/circuits.md §6): ``mode``
    (MODE_*), ``addr``, ``count``; ``words``: the aligned word addresses it covers, with
    their values ``before``/``after`` (uint32 arrays)."""

    mode: int
    addr: int
    count: int
    words: np.ndarray
    before: np.ndarray
    after: np.ndarray


@dataclass(frozen=True)
class SysRecord:
    """What one ecall did, for trace generation (module docstring).

    ``cycle``: its event index; ``kind``: the provable kind (None: not provable);
    ``os_after``: the new value of the kind's OS cell (None if it has none); ``aux``:
    ``((word address, before, after), …)`` -- the single words it read or wrote, in the
    Syscall chip's aux-slot order; ``chains``: its byte chains in chain-slot order."""

    cycle: int
    kind: str | None
    os_after: int | None = None
    aux: tuple = ()
    chains: tuple = ()


def _neg(errno: int) -> int:
    return (-errno) & 0xFFFF_FFFF


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x8000_0000 else v


class _Call:
    """The ecall being handled: its arguments and what it recorded so far."""

    __slots__ = ("m", "pc", "a0", "a1", "a2", "a3", "a4", "os_after", "aux", "chains")

    def __init__(self, m: CpuState, pc: int):
        self.m, self.pc = m, pc
        self.a0, self.a1, self.a2, self.a3, self.a4 = (m.reg(r) for r in range(10, 15))
        self.os_after = None
        self.aux: list = []
        self.chains: list = []

    def ret(self, value: int) -> None:
        self.m.set_reg(10, value)

    def unprovable(self, why: str) -> None:
        """Record that this call is outside the provable subset (the run goes on)."""
        if self.m.unprovable is None:
            self.m.unprovable = (self.pc, why)
        if self.m.strict:
            raise UnprovableSyscall(f"cannot prove this execution: {why}", self.pc)

    # -- memory helpers that record what the circuits need ---------------------------------
    def _words(self, addr: int, n: int):
        w0, w1 = addr >> 2, (addr + n + 3) >> 2
        return w0, w1, self.m.mem32[w0:w1].copy()

    def chain(self, mode: int, addr: int, data: bytes | None, count: int, what: str) -> bytes:
        """Move ``count`` bytes at ``addr``: write ``data`` (input/zero modes) or read them
        (journal mode, returned).  Permissions are checked first (whole buffer)."""
        m = self.m
        if mode == MODE_JOURNAL:
            m.check_buffer(addr, count, PERM_R, self.pc, what)
        else:
            m.check_buffer(addr, count, PERM_W, self.pc, what)
        if count == 0:
            if m.record:
                self.chains.append(Chain(mode, addr, 0, *(np.zeros(0, np.uint32),) * 3))
            return b""
        w0, w1, before = self._words(addr, count) if m.record else (0, 0, None)
        if mode == MODE_JOURNAL:
            out = m.read_buffer(addr, count, self.pc, what)
        else:
            m.write_buffer(addr, data, self.pc, what)
            out = b""
        if m.record:
            words = np.arange(w0, w1, dtype=np.int64) << 2
            self.chains.append(Chain(mode, addr, count, words, before, m.mem32[w0:w1].copy()))
        return out

    def read_word(self, addr: int, what: str) -> int:
        v = self.m.read_u32(addr, self.pc, what)
        if self.m.record:
            self.aux.append((addr, v, v))
        return v

    def write_word(self, addr: int, value: int, what: str) -> None:
        m = self.m
        before = int(m.mem32[addr >> 2]) if m.record and addr % 4 == 0 else 0
        m.write_buffer(addr, int(value).to_bytes(4, "little"), self.pc, what)
        if m.record:
            self.aux.append((addr, before, int(value)))


def _out_stream(m: CpuState, fd: int) -> bytearray | None:
    return {FD_STDOUT: m.stdout, FD_STDERR: m.stderr, FD_JOURNAL: m.journal}.get(fd)


def _iovecs(c: _Call, iov: int, cnt: int, what: str) -> list[tuple[int, int]] | None:
    if cnt < 0 or cnt > MAX_IOV:
        return None
    if cnt <= 2 and iov % 4 == 0:  # the provable shape: read word by word (aux slots)
        out = []
        for i in range(cnt):
            base = c.read_word(iov + 8 * i, f"{what} iovec array")
            out.append((base, c.read_word(iov + 8 * i + 4, f"{what} iovec array")))
        return out
    raw = c.m.read_buffer(iov, 8 * cnt, c.pc, f"{what} iovec array")
    return [
        (int.from_bytes(raw[8 * i : 8 * i + 4], "little"), int.from_bytes(raw[8 * i + 4 : 8 * i + 8], "little"))
        for i in range(cnt)
    ]


def _read_input(c: _Call, buf: int, n: int, what: str) -> int:
    """Copy ``min(n, input left)`` input bytes to ``buf`` (one input chain)."""
    m = c.m
    m.input_started = True
    k = min(n, m.input_left())
    chunk = m.input[m.input_pos : m.input_pos + k]
    if len(chunk) != k:  # a segment replay ran past its input slice
        raise GuestError(f"{what}: the segment's input slice is too short", c.pc)
    c.chain(MODE_INPUT, buf, chunk, k, what)
    m.input_pos += k
    return k


def _set_pages(m: CpuState, addr: int, length: int, perm: int) -> None:
    m.perm[addr >> PAGE_SHIFT : (addr + length) >> PAGE_SHIFT] = perm


def _prot_perm(prot: int) -> int:
    # riscv Linux: PROT_WRITE implies read access.
    if prot & PROT_WRITE:
        return PERM_R | PERM_W
    return PERM_R if prot & PROT_READ else PERM_MAPPED_NONE


def _ram_aligned(addr: int) -> bool:
    """``addr`` is a 4-aligned RAM address (what the circuits' pointer check accepts)."""
    return addr % 4 == 0 and RESERVED_END <= addr < 1 << 30


# ------------------------------------------------------------------ one function per call
def sys_exit(c: _Call) -> str:
    c.m.exit_code = c.a0 & 0xFF
    return "exit"


def sys_exit_group(c: _Call) -> str:
    sys_exit(c)
    return "exit_group"


def _kill(c: _Call, sig: int, kind: str) -> str | None:
    if sig == 0:
        c.ret(0)
        return c.unprovable(f"{kind} with signal 0 (a probe) is not supported by the prover")
    c.m.exit_code = (128 + sig) & 0xFF
    c.m.note = "aborted" if sig == SIGABRT else f"killed by signal {sig}"
    return kind if sig <= MAX_SIG else c.unprovable(f"{kind} with signal {sig} > {MAX_SIG}")


def sys_tkill(c: _Call) -> str | None:
    return _kill(c, c.a1, "tkill")


def sys_tgkill(c: _Call) -> str | None:
    return _kill(c, c.a2, "tgkill")


def sys_write(c: _Call) -> str | None:
    out = _out_stream(c.m, c.a0)
    if out is None:
        c.ret(_neg(EBADF))
        return c.unprovable(f"write on fd {c.a0} (only 1, 2 and 3 are supported)")
    if c.a0 == FD_JOURNAL:
        out += c.chain(MODE_JOURNAL, c.a1, None, c.a2, "write(fd=3)")
        c.ret(c.a2)
        return "write_j"
    out += c.m.read_buffer(c.a1, c.a2, c.pc, f"write(fd={c.a0})")
    c.ret(c.a2)
    return "write_out"


def sys_writev(c: _Call) -> str | None:
    fd = c.a0
    out = _out_stream(c.m, fd)
    if out is None:
        c.ret(_neg(EBADF))
        return c.unprovable(f"writev on fd {fd} (only 1 and 2 are supported)")
    iov = _iovecs(c, c.a1, _signed(c.a2), f"writev(fd={fd})")
    if iov is None:
        c.ret(_neg(EINVAL))
        return c.unprovable(f"writev with {_signed(c.a2)} iovecs")
    total = 0
    for base, ln in iov:
        out += c.m.read_buffer(base, ln, c.pc, f"writev(fd={fd}) buffer")
        total += ln
    c.ret(total if total < 0x8000_0000 else _neg(EINVAL))
    if fd == FD_JOURNAL:
        return c.unprovable("writev on the journal (fd 3); use write")
    if len(iov) not in (1, 2) or not _ram_aligned(c.a1):
        return c.unprovable(f"writev with {len(iov)} iovecs or an unaligned iovec array")
    if any(ln >= 1 << 29 for _, ln in iov):
        return c.unprovable("writev of an iovec of 512 MiB or more")
    return "writev_out"


def sys_read(c: _Call) -> str | None:
    if c.a0 != FD_INPUT:
        c.ret(_neg(EBADF))
        return c.unprovable(f"read on fd {c.a0} (only fd 0, the private input, is readable)")
    c.ret(_read_input(c, c.a1, c.a2, "read(fd=0)"))
    return "read"


def sys_readv(c: _Call) -> str | None:
    if c.a0 != FD_INPUT:
        c.ret(_neg(EBADF))
        return c.unprovable(f"readv on fd {c.a0} (only fd 0, the private input, is readable)")
    iov = _iovecs(c, c.a1, _signed(c.a2), "readv(fd=0)")
    if iov is None:
        c.ret(_neg(EINVAL))
        return c.unprovable(f"readv with {_signed(c.a2)} iovecs")
    for base, ln in iov:
        c.m.check_buffer(base, ln, PERM_W, c.pc, "readv(fd=0) buffer")
    provable = len(iov) in (1, 2) and _ram_aligned(c.a1)
    total = 0
    for i, (base, ln) in enumerate(iov):
        got = _read_input(c, base, ln, "readv(fd=0) buffer")
        total += got
        if got < ln:  # end of input: the rest of the iovecs stays untouched
            if provable and i == 0 and len(iov) == 2:  # chain 1 moves nothing
                c.chains.append(Chain(MODE_INPUT, iov[1][0], 0, *(np.zeros(0, np.uint32),) * 3))
            break
    c.ret(total)
    return "readv" if provable else c.unprovable(
        f"readv with {len(iov)} iovecs or an unaligned iovec array")


def sys_ioctl(c: _Call) -> str:
    c.ret(_neg(ENOTTY))  # no terminals: musl's stdout is then fully buffered
    return "ioctl"


def sys_set_tid_address(c: _Call) -> str:
    c.ret(TID)
    return "set_tid_address"


def sys_getpid(c: _Call) -> str:
    c.ret(TID)
    return "getpid"


def sys_gettid(c: _Call) -> str:
    c.ret(TID)
    return "gettid"


def sys_sched_getaffinity(c: _Call) -> str | None:
    # (pid, len, mask): one CPU; Linux writes a whole number of longs and returns that size.
    if c.a1 < 4 or c.a1 % 4:
        c.ret(_neg(EINVAL))
        return c.unprovable(f"sched_getaffinity with a mask size of {c.a1} bytes")
    if c.a2 % 4:
        c.m.write_buffer(c.a2, (1).to_bytes(4, "little"), c.pc, "sched_getaffinity mask")
        c.ret(4)
        return c.unprovable("sched_getaffinity with an unaligned mask")
    c.write_word(c.a2, 1, "sched_getaffinity mask")
    c.ret(4)
    return "sched_getaffinity"


def _sig_zero_fill(c: _Call, ptr: int, size: int, kind: str, what: str) -> str | None:
    """rt_sigprocmask / rt_sigaction: the old set/action reads as empty (zero bytes)."""
    if not ptr:
        c.ret(0)
        return kind
    if c.a3 > MAX_SIGSET:
        c.ret(_neg(EINVAL))
        return c.unprovable(f"{kind} with a signal-set size of {c.a3} bytes")
    c.chain(MODE_ZERO, ptr, bytes(size), size, what)
    c.ret(0)
    return kind + "_old"


def sys_rt_sigprocmask(c: _Call) -> str | None:
    # (how, set, oldset, sigsetsize): there are no signals; the old mask reads as empty.
    return _sig_zero_fill(c, c.a2, c.a3, "rt_sigprocmask", "rt_sigprocmask oldset")


def sys_rt_sigaction(c: _Call) -> str | None:
    # (sig, act, oldact, sigsetsize): accepted and ignored; oldact reads as SIG_DFL.
    return _sig_zero_fill(c, c.a2, 8 + c.a3, "rt_sigaction", "rt_sigaction oldact")


def sys_brk(c: _Call) -> str:
    # Grows only; a request below the current break or above the limit returns the
    # current break (which musl treats as failure), like Linux does on failure.
    m = c.m
    if m.brk < c.a0 <= PROGRAM_END:
        _set_pages(m, page_ceil(m.brk), page_ceil(c.a0) - page_ceil(m.brk), PERM_R | PERM_W)
        m.brk = c.a0
    c.os_after = m.brk
    c.ret(m.brk)
    return "brk"


def sys_mmap2(c: _Call) -> str | None:
    m = c.m
    length, prot, flags = c.a1, c.a2, c.a3
    if (
        length == 0
        or flags & MAP_FIXED
        or flags & MAP_SHARED
        or not flags & MAP_ANONYMOUS
        or not flags & MAP_PRIVATE
        or prot & ~(PROT_READ | PROT_WRITE)
    ):
        c.ret(_neg(EINVAL))
        return c.unprovable(f"mmap2 with length {length}, prot {prot:#x}, flags {flags:#x}")
    kind = "mmap2" if flags == MAP_PRIVATE | MAP_ANONYMOUS else c.unprovable(
        f"mmap2 with flags {flags:#x} (only MAP_PRIVATE|MAP_ANONYMOUS = 0x22 is supported)")
    size = page_ceil(length)
    c.os_after = m.mmap_next
    if m.mmap_next + size > MMAP_END:
        c.ret(_neg(ENOMEM))
        return kind
    base = m.mmap_next
    m.mmap_next += size  # bump allocation: addresses are never reused, so pages are fresh zeros
    c.os_after = m.mmap_next
    _set_pages(m, base, size, _prot_perm(prot))
    c.ret(base)
    return kind


def _munmap_mprotect(c: _Call, kind: str) -> str | None:
    m = c.m
    addr, length = c.a0, c.a1
    if addr % PAGE_SIZE or length == 0 or addr + length > 1 << 32:
        c.ret(_neg(EINVAL))
        return c.unprovable(f"{kind}({addr:#x}, {length})")
    lo, hi = max(addr, MMAP_START), min(page_ceil(addr + length), m.mmap_next)
    if kind == "mprotect":
        if c.a2 & ~(PROT_READ | PROT_WRITE):
            c.ret(_neg(EINVAL))
            return c.unprovable(f"mprotect with prot {c.a2:#x}")
        # Only pages of anonymous mappings change (unmapped ones stay unmapped); the
        # ELF segments, heap and stack keep their permissions (executable stays W^X).
        if lo < hi:
            sel = m.perm[lo >> PAGE_SHIFT : hi >> PAGE_SHIFT]
            sel[sel != 0] = _prot_perm(c.a2)
    elif lo < hi:
        _set_pages(m, lo, hi - lo, 0)
    c.ret(0)
    if addr >= 1 << 30 or length >= 1 << 30:
        return c.unprovable(f"{kind} of an address or length >= 2^30")
    return kind


def sys_munmap(c: _Call) -> str | None:
    return _munmap_mprotect(c, "munmap")


def sys_mprotect(c: _Call) -> str | None:
    return _munmap_mprotect(c, "mprotect")


def sys_mremap(c: _Call) -> str:
    c.ret(_neg(ENOMEM))  # musl's realloc falls back to malloc+copy
    return "mremap"


def sys_madvise(c: _Call) -> str:
    c.ret(0)
    return "madvise"


def sys_clock_gettime(c: _Call) -> str:
    # (clock, ts): the zkvm clock is deterministic and stands still at 0 (docs/abi.md).
    c.chain(MODE_ZERO, c.a1, bytes(TIMESPEC64), TIMESPEC64, "clock_gettime timespec")
    c.ret(0)
    return "clock_gettime"


HANDLERS = {
    SYS_EXIT: sys_exit, SYS_EXIT_GROUP: sys_exit_group, SYS_TKILL: sys_tkill,
    SYS_TGKILL: sys_tgkill, SYS_WRITE: sys_write, SYS_WRITEV: sys_writev, SYS_READ: sys_read,
    SYS_READV: sys_readv, SYS_IOCTL: sys_ioctl, SYS_SET_TID_ADDRESS: sys_set_tid_address,
    SYS_GETPID: sys_getpid, SYS_GETTID: sys_gettid,
    SYS_SCHED_GETAFFINITY: sys_sched_getaffinity, SYS_RT_SIGPROCMASK: sys_rt_sigprocmask,
    SYS_RT_SIGACTION: sys_rt_sigaction, SYS_BRK: sys_brk, SYS_MMAP2: sys_mmap2,
    SYS_MUNMAP: sys_munmap, SYS_MPROTECT: sys_mprotect, SYS_MREMAP: sys_mremap,
    SYS_MADVISE: sys_madvise, SYS_CLOCK_GETTIME64: sys_clock_gettime,
}  # fmt: skip

#: The OS cell each kind reads and writes (docs/abi.md "OS state").
OS_CELL_OF = {"brk": OS_KEY_BRK, "mmap2": OS_KEY_MMAP, "read": OS_KEY_INPUT, "readv": OS_KEY_INPUT}


def handle_syscall(m: CpuState, pc: int) -> None:
    """Perform the syscall of the ``ecall`` at ``pc``: update memory/streams, set a0.

    Sets ``m.exit_code`` (and maybe ``m.note``) when the guest terminates, and
    ``m.unprovable`` for a call outside the provable subset (module docstring).
    """
    num = m.reg(17)
    c = _Call(m, pc)
    if num in PRECOMPILE_RANGE:
        handle_precompile(m, num, pc)
        kind = PRECOMPILE_NAMES.get(num)
    elif num in HOSTCALL_RANGE:  # developer host calls: no effect but a0 = 0
        handle_hostcall(m, num, pc)
        kind = "cycle_marker"
    elif num in HANDLERS:
        kind = HANDLERS[num](c)
    else:
        raise UnknownSyscall(num, pc)
    if kind in OS_CELL_OF and c.os_after is None:
        c.os_after = m.os_cells()[OS_CELL_OF[kind]]
    if m.record:
        m.sys_records.append(SysRecord(m.cycles, kind, c.os_after, tuple(c.aux), tuple(c.chains)))


__all__ = ["handle_syscall", "GuestError", "MemoryFault", "PRECOMPILE_RANGE", "KINDS",
           "SysRecord", "Chain", "MODE_INPUT", "MODE_JOURNAL", "MODE_ZERO", "MAX_INPUT"]

"""Linux-style system calls of the zkvm guest (the full table is in docs/abi.md).

``ecall`` with the number in a7 and arguments in a0..a5; the result goes to a0 (a negative
errno on failure, as on Linux). Guest pointers and lengths are checked in full (checklist
item 26): a buffer that overflows, leaves guest memory or lacks the needed permission
stops the guest with :class:`~zkvm.riscv.errors.MemoryFault` (Linux would return
-EFAULT; a zkvm guest never gets there by accident, so a loud error is more useful).

File descriptors: 0 private input (read only), 1 stdout, 2 stderr, 3 journal (the public
output committed by the proof). Numbers 0x5A00..0x5AFF are reserved for zkvm precompiles
(SHA-256, Keccak, ...) and currently raise :class:`UnknownSyscall` like any other
unimplemented number.
"""

from __future__ import annotations

from .errors import GuestError, MemoryFault, UnknownSyscall
from .layout import MMAP_END, MMAP_START, PAGE_SHIFT, PAGE_SIZE, PERM_R, PERM_W, PROGRAM_END, page_ceil
from .machine import Machine
from .precompiles import PRECOMPILE_RANGE, handle_precompile

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


def _neg(errno: int) -> int:
    return (-errno) & 0xFFFF_FFFF


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x8000_0000 else v


def _out_stream(m: Machine, fd: int) -> bytearray | None:
    return {FD_STDOUT: m.stdout, FD_STDERR: m.stderr, FD_JOURNAL: m.journal}.get(fd)


def _iovecs(m: Machine, iov: int, cnt: int, pc: int, what: str) -> list[tuple[int, int]] | None:
    if cnt < 0 or cnt > MAX_IOV:
        return None
    raw = m.read_buffer(iov, 8 * cnt, pc, f"{what} iovec array")
    return [
        (int.from_bytes(raw[8 * i : 8 * i + 4], "little"), int.from_bytes(raw[8 * i + 4 : 8 * i + 8], "little"))
        for i in range(cnt)
    ]


def _read_input(m: Machine, buf: int, n: int, pc: int, what: str) -> int:
    m.check_buffer(buf, n, PERM_W, pc, what)
    chunk = m.input[m.input_pos : m.input_pos + n]
    m.write_buffer(buf, chunk, pc, what)
    m.input_pos += len(chunk)
    return len(chunk)


def _set_pages(m: Machine, addr: int, length: int, perm: int) -> None:
    m.perm[addr >> PAGE_SHIFT : (addr + length) >> PAGE_SHIFT] = perm


def handle_syscall(m: Machine, pc: int) -> None:
    """Perform the syscall of the ``ecall`` at ``pc``: update memory/streams, set a0.

    Sets ``m.exit_code`` (and maybe ``m.note``) when the guest terminates.
    """
    num = m.reg(17)
    a0, a1, a2, a3, a4 = (m.reg(r) for r in range(10, 15))

    if num in (SYS_EXIT, SYS_EXIT_GROUP):
        m.exit_code = a0 & 0xFF
        return
    if num == SYS_WRITE:
        out = _out_stream(m, a0)
        if out is None:
            return m.set_reg(10, _neg(EBADF))
        out += m.read_buffer(a1, a2, pc, f"write(fd={a0})")
        return m.set_reg(10, a2)
    if num == SYS_WRITEV:
        out = _out_stream(m, a0)
        if out is None:
            return m.set_reg(10, _neg(EBADF))
        iov = _iovecs(m, a1, _signed(a2), pc, f"writev(fd={a0})")
        if iov is None:
            return m.set_reg(10, _neg(EINVAL))
        total = 0
        for base, ln in iov:
            out += m.read_buffer(base, ln, pc, f"writev(fd={a0}) buffer")
            total += ln
        return m.set_reg(10, total if total < 0x8000_0000 else _neg(EINVAL))
    if num == SYS_READ:
        if a0 != FD_INPUT:
            return m.set_reg(10, _neg(EBADF))
        return m.set_reg(10, _read_input(m, a1, a2, pc, "read(fd=0)"))
    if num == SYS_READV:
        if a0 != FD_INPUT:
            return m.set_reg(10, _neg(EBADF))
        iov = _iovecs(m, a1, _signed(a2), pc, "readv(fd=0)")
        if iov is None:
            return m.set_reg(10, _neg(EINVAL))
        for base, ln in iov:
            m.check_buffer(base, ln, PERM_W, pc, "readv(fd=0) buffer")
        total = 0
        for base, ln in iov:
            got = _read_input(m, base, ln, pc, "readv(fd=0) buffer")
            total += got
            if got < ln:
                break
        return m.set_reg(10, total)
    if num == SYS_IOCTL:
        return m.set_reg(10, _neg(ENOTTY))
    if num == SYS_SET_TID_ADDRESS:
        return m.set_reg(10, TID)
    if num in (SYS_GETPID, SYS_GETTID):
        return m.set_reg(10, TID)
    if num == SYS_SCHED_GETAFFINITY:
        # (pid, len, mask): one CPU; Linux writes a whole number of longs and returns that size.
        if a1 < 4 or a1 % 4:
            return m.set_reg(10, _neg(EINVAL))
        m.write_buffer(a2, (1).to_bytes(4, "little"), pc, "sched_getaffinity mask")
        return m.set_reg(10, 4)
    if num == SYS_RT_SIGPROCMASK:
        # (how, set, oldset, sigsetsize): there are no signals; the old mask reads as empty.
        if a2:
            if a3 > 128:
                return m.set_reg(10, _neg(EINVAL))
            m.write_buffer(a2, bytes(a3), pc, "rt_sigprocmask oldset")
        return m.set_reg(10, 0)
    if num == SYS_RT_SIGACTION:
        # (sig, act, oldact, sigsetsize): accepted and ignored; oldact reads as SIG_DFL.
        if a2:
            if a3 > 128:
                return m.set_reg(10, _neg(EINVAL))
            m.write_buffer(a2, bytes(8 + a3), pc, "rt_sigaction oldact")
        return m.set_reg(10, 0)
    if num in (SYS_TKILL, SYS_TGKILL):
        sig = a1 if num == SYS_TKILL else a2
        if sig == 0:
            return m.set_reg(10, 0)
        m.exit_code = (128 + sig) & 0xFF
        m.note = "aborted" if sig == SIGABRT else f"killed by signal {sig}"
        return
    if num == SYS_BRK:
        # Grows only; a request below the current break or above the limit returns the
        # current break (which musl treats as failure), like Linux does on failure.
        if m.brk < a0 <= PROGRAM_END:
            _set_pages(m, page_ceil(m.brk), page_ceil(a0) - page_ceil(m.brk), PERM_R | PERM_W)
            m.brk = a0
        return m.set_reg(10, m.brk)
    if num == SYS_MMAP2:
        addr, length, prot, flags = a0, a1, a2, a3
        if (
            length == 0
            or flags & MAP_FIXED
            or flags & MAP_SHARED
            or not flags & MAP_ANONYMOUS
            or not flags & MAP_PRIVATE
            or prot & ~(PROT_READ | PROT_WRITE)
        ):
            return m.set_reg(10, _neg(EINVAL))
        size = page_ceil(length)
        if m.mmap_next + size > MMAP_END:
            return m.set_reg(10, _neg(ENOMEM))
        base = m.mmap_next
        m.mmap_next += size  # bump allocation: addresses are never reused, so pages are fresh zeros
        _set_pages(m, base, size, _prot_perm(prot))
        return m.set_reg(10, base)
    if num in (SYS_MUNMAP, SYS_MPROTECT):
        addr, length = a0, a1
        if addr % PAGE_SIZE or length == 0 or addr + length > 1 << 32:
            return m.set_reg(10, _neg(EINVAL))
        lo, hi = max(addr, MMAP_START), min(page_ceil(addr + length), m.mmap_next)
        if num == SYS_MPROTECT:
            if a2 & ~(PROT_READ | PROT_WRITE):
                return m.set_reg(10, _neg(EINVAL))
            # Only pages of anonymous mappings change (unmapped ones stay unmapped); the
            # ELF segments, heap and stack keep their permissions (executable stays W^X).
            if lo < hi:
                sel = m.perm[lo >> PAGE_SHIFT : hi >> PAGE_SHIFT]
                sel[sel != 0] = _prot_perm(a2)
        elif lo < hi:
            _set_pages(m, lo, hi - lo, 0)
        return m.set_reg(10, 0)
    if num == SYS_MREMAP:
        return m.set_reg(10, _neg(ENOMEM))  # musl's realloc falls back to malloc+copy
    if num == SYS_MADVISE:
        return m.set_reg(10, 0)
    if num in PRECOMPILE_RANGE:
        return handle_precompile(m, num, pc)
    if 0x5B00 <= num < 0x5C00: from .hostcalls import handle_hostcall; return handle_hostcall(m, num, pc)  # noqa: E701,E702 (host calls: zkvm.riscv.hostcalls)
    raise UnknownSyscall(num, pc)


def _prot_perm(prot: int) -> int:
    # riscv Linux: PROT_WRITE implies read access.
    if prot & PROT_WRITE:
        return PERM_R | PERM_W
    return PERM_R if prot & PROT_READ else PERM_MAPPED_NONE


__all__ = ["handle_syscall", "GuestError", "MemoryFault", "PRECOMPILE_RANGE"]

"""Syscalls, cycle limits and syscall memory records, on hand-assembled programs."""

import pytest

from zkvm.riscv import CycleLimitExceeded, MemoryFault, UnknownSyscall, execute
from zkvm.riscv.asm import encode, li
from zkvm.riscv.layout import MMAP_START, PROGRAM_END
from zkvm.riscv.testing import SCRATCH, program, run_both

EBADF, EINVAL, ENOMEM, ENOTTY = 9, 22, 12, 25


def neg(e):
    return (-e) & 0xFFFFFFFF


def sc(num, *args, ret=None):
    """Syscall ``num`` with ``args``; copy a0 to register ``ret`` afterwards."""
    w = []
    for i, a in enumerate(args):
        w += li(10 + i, a)
    w += li(17, num) + [encode("ecall")]
    if ret is not None:
        w.append(encode("addi", ret, 10, imm=0))
    return w


def store_bytes(addr, data):
    """Words that store ``data`` (padded to 4) at ``addr``."""
    w = li(28, addr)
    data = data + bytes(-len(data) % 4)
    for i in range(0, len(data), 4):
        w += li(29, int.from_bytes(data[i : i + 4], "little")) + [encode("sw", rs1=28, rs2=29, imm=0)]
        w += [encode("addi", 28, 28, imm=4)]
    return w


def test_write_streams_and_journal():
    w = store_bytes(SCRATCH, b"hello")
    w += sc(64, 1, SCRATCH, 5, ret=18) + sc(64, 2, SCRATCH + 1, 3) + sc(64, 3, SCRATCH, 4) + sc(64, 7, SCRATCH, 1, ret=19)
    w += sc(64, 0, SCRATCH, 1, ret=20)
    r = run_both(w)
    assert (r.stdout, r.stderr, r.journal) == (b"hello", b"ell", b"hell")
    assert r.registers[18] == 5 and r.registers[19] == neg(EBADF) and r.registers[20] == neg(EBADF)
    # the syscall read guest memory: word-granular records of kind 1
    sa = r.syscall_accesses
    assert set(sa.kind.tolist()) == {1}
    first = sa.cycle == sa.cycle[0]
    assert sa.addr[first].tolist() == [SCRATCH, SCRATCH + 4]
    assert r.events.insn[sa.cycle[0]] == 0x73


def test_writev():
    w = store_bytes(SCRATCH, b"abcdefgh")
    w += store_bytes(SCRATCH + 64, (SCRATCH).to_bytes(4, "little") + (3).to_bytes(4, "little") + (SCRATCH + 5).to_bytes(4, "little") + (3).to_bytes(4, "little"))
    w += sc(66, 1, SCRATCH + 64, 2, ret=18)
    r = run_both(w)
    assert r.stdout == b"abcfgh" and r.registers[18] == 6


@pytest.mark.parametrize(
    "addr,length",
    [(0, 4), (0xFFF0, 32), (0x4000_0000 - 4, 8), (0xFFFF_FFF0, 0x20), (0x3000_0000, 0xFFFF_FFFF)],
)
def test_write_bad_pointer(addr, length):
    with pytest.raises(MemoryFault, match="write\\(fd=1\\)"):
        run_both(sc(64, 1, addr, length))


def test_write_from_unmapped_memory_is_performed_with_a_warning():
    r = run_both(sc(64, 1, 0x2000_0000, 1))
    assert r.stdout == b"\0" and r.warning_count == 1 and "write(fd=1)" in r.warnings[0]


def test_writev_bad_iovec():
    with pytest.raises(MemoryFault, match="iovec"):
        run_both(sc(66, 1, 0x100, 1))
    w = store_bytes(SCRATCH, (0x8).to_bytes(4, "little") + (4).to_bytes(4, "little"))
    with pytest.raises(MemoryFault, match="writev"):
        run_both(w + sc(66, 1, SCRATCH, 1))


def test_read_input_partial_then_eof():
    w = sc(63, 0, SCRATCH, 3, ret=18) + sc(63, 0, SCRATCH + 3, 10, ret=19) + sc(63, 0, SCRATCH, 10, ret=20)
    w += li(5, SCRATCH) + [encode("lw", 21, 5, imm=0), encode("lw", 22, 5, imm=4)]
    w += sc(63, 1, SCRATCH, 1, ret=23)
    r = run_both(w, input=b"abcdefg")
    assert r.registers[18:21] == (3, 4, 0)
    assert r.registers[21] == int.from_bytes(b"abcd", "little") and r.registers[22] == int.from_bytes(b"efg\0", "little")
    assert r.registers[23] == neg(EBADF)
    sa = r.syscall_accesses
    assert set(sa.kind.tolist()) == {0}
    assert sa.before[0] == 0 and sa.after[0] == int.from_bytes(b"abc\0", "little")


def test_read_into_code_is_performed_and_past_the_top_faults():
    r = run_both(sc(63, 0, 0x10000, 4) + li(5, 0x10000) + [encode("lw", 7, 5)], input=b"abcd")
    assert r.registers[7] == int.from_bytes(b"abcd", "little")
    assert r.warning_count == 1 and "read(fd=0)" in r.warnings[0]
    with pytest.raises(MemoryFault):
        run_both(sc(63, 0, 0x3FFF_FFFE, 4), input=b"abcd")


def test_readv():
    w = store_bytes(SCRATCH + 64, (SCRATCH).to_bytes(4, "little") + (2).to_bytes(4, "little") + (SCRATCH + 8).to_bytes(4, "little") + (8).to_bytes(4, "little"))
    w += sc(65, 0, SCRATCH + 64, 2, ret=18) + li(5, SCRATCH) + [encode("lw", 19, 5, imm=8)]
    r = run_both(w, input=b"xyzw")
    assert r.registers[18] == 4 and r.registers[19] == int.from_bytes(b"zw\0\0", "little")


def test_exit_code_is_low_byte():
    r = run_both(sc(93, 0x1234))
    assert r.exit_code == 0x34
    assert run_both(sc(94, 0xFFFFFFFF)).exit_code == 255


def test_exit_stops_execution():
    r = run_both(sc(94, 3) + li(5, 99))
    assert r.exit_code == 3 and r.registers[5] == 0
    assert r.events.next_pc[-1] == r.events.pc[-1] + 4 and r.events.insn[-1] == 0x73


def test_abort_via_tkill():
    r = run_both(sc(130, 1, 6))
    assert r.exit_code == 134 and r.note == "aborted"
    r = run_both(sc(131, 1, 1, 6))
    assert r.exit_code == 134
    r = run_both(sc(130, 1, 0, ret=18))
    assert r.exit_code == 0 and r.registers[18] == 0


def test_misc_syscalls():
    w = sc(29, 1, 0x5413, SCRATCH, ret=18) + sc(96, SCRATCH, ret=19) + sc(172, ret=20) + sc(178, ret=21)
    w += sc(123, 0, 4, SCRATCH + 16, ret=22) + li(5, SCRATCH) + [encode("lw", 23, 5, imm=16)]
    w += sc(135, 0, 0, SCRATCH + 32, 8, ret=24) + sc(134, 6, 0, SCRATCH + 48, 8, ret=25) + sc(233, 0, 0, 0, ret=26)
    w += sc(123, 0, 3, SCRATCH, ret=27)
    r = run_both(w)
    assert r.registers[18] == neg(ENOTTY)
    assert r.registers[19:22] == (1, 1, 1)
    assert r.registers[22:24] == (4, 1)
    assert r.registers[24:27] == (0, 0, 0)
    assert r.registers[27] == neg(EINVAL)


def test_brk():
    p = program([])
    start = p.brk_start
    w = sc(214, 0, ret=18) + sc(214, start + 5000, ret=19) + li(5, start + 4996) + li(6, 7)
    w += [encode("sw", rs1=5, rs2=6), encode("lw", 20, 5)]
    w += sc(214, start, ret=21) + sc(214, PROGRAM_END + 4096, ret=22)
    r = run_both(w)
    assert r.registers[18] == start and r.registers[19] == start + 5000 and r.registers[20] == 7
    assert r.registers[21] == start + 5000 and r.registers[22] == start + 5000  # no shrink, bounded
    r = run_both(li(5, start + 8192) + [encode("sw", rs1=5, rs2=0)])  # beyond the break
    assert r.warning_count == 1 and "unmapped" in r.warnings[0]


def test_mmap_munmap_mprotect():
    anon = 0x22
    w = sc(222, 0, 5000, 3, anon, 0xFFFFFFFF, 0, ret=18) + sc(222, 0, 4096, 3, anon, 0xFFFFFFFF, 0, ret=19)
    w += li(5, MMAP_START + 4096) + li(6, 9) + [encode("lw", 20, 5), encode("sw", rs1=5, rs2=6), encode("lw", 21, 5)]
    w += sc(222, 0, 4096, 3, anon | 0x10, 0xFFFFFFFF, 0, ret=22)  # MAP_FIXED
    w += sc(222, 0, 4096, 3, 0x02, 3, 0, ret=23)  # file mapping
    w += sc(222, 0, 0x2000_0000, 3, anon, 0xFFFFFFFF, 0, ret=24)  # too big
    w += sc(222, 0, 4096, 7, anon, 0xFFFFFFFF, 0, ret=25)  # PROT_EXEC
    w += sc(226, MMAP_START, 4096, 1, ret=26) + sc(215, MMAP_START + 8192, 4096, ret=27)
    r = run_both(w)
    assert r.registers[18] == MMAP_START and r.registers[19] == MMAP_START + 8192
    assert r.registers[20:22] == (0, 9)
    assert r.registers[22:26] == (neg(EINVAL), neg(EINVAL), neg(ENOMEM), neg(EINVAL))
    assert r.registers[26:28] == (0, 0)
    # after munmap / mprotect(PROT_READ) accesses are still performed (flat data memory)
    # and reported; the addresses are never handed out again
    r = run_both(w + li(5, MMAP_START + 8192) + [encode("lw", 6, 5)])
    assert r.warning_count == 1 and "unmapped" in r.warnings[0]
    r = run_both(w + li(5, MMAP_START) + [encode("sw", rs1=5, rs2=0)])
    assert r.warning_count == 1 and "read-only" in r.warnings[0]
    assert run_both(w + li(5, MMAP_START) + [encode("lw", 6, 5)]).warning_count == 0


def test_unknown_syscall():
    with pytest.raises(UnknownSyscall) as e:
        run_both(sc(402))
    assert e.value.number == 402 and e.value.pc == 0x10004  # li a7 is one addi
    with pytest.raises(UnknownSyscall, match="0x5a02"):  # 0x5A00/0x5A01 are precompiles
        run_both(sc(0x5A02))


def test_cycle_limit():
    loop = [encode("jal", 0, imm=0)]
    with pytest.raises(CycleLimitExceeded) as e:
        execute(program(loop), max_cycles=10_000)
    assert e.value.pc == 0x10000
    with pytest.raises(CycleLimitExceeded):
        execute(program(loop), max_cycles=10_000, record=True)
    with pytest.raises(CycleLimitExceeded):
        execute(program(loop), max_cycles=100, engine="spec")
    p = program(li(5, 1))  # 1 + 3 instructions (li a0; li a7; ecall)
    assert execute(p, max_cycles=4).cycles == 4
    assert execute(p, max_cycles=4, record=True).cycles == 4
    with pytest.raises(CycleLimitExceeded):
        execute(p, max_cycles=3)
    with pytest.raises(CycleLimitExceeded):
        execute(p, max_cycles=3, engine="spec")
    with pytest.raises(ValueError):
        execute(p, max_cycles=0)


def test_event_buffer_growth():
    # a loop of ~20k instructions recorded through several buffer doublings
    w = li(5, 5000) + [encode("addi", 6, 6, imm=3), encode("addi", 5, 5, imm=-1), encode("bne", rs1=5, rs2=0, imm=-8)]
    r = execute(program(w), record=True)
    assert len(r.events) == r.cycles == 2 + 3 * 5000 + 3
    assert r.registers[6] == 15000
    assert (r.events.next_pc[:-1] == r.events.pc[1:]).all()

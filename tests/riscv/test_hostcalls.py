"""Host call 0x5B00 (cycle markers, zkvm.riscv.hostcalls): recorded with the cycle of the
ecall, a0 = 0, no memory traffic; bad arguments are loud errors; region pairing."""

from __future__ import annotations

import pytest

from zkvm.riscv import UnknownSyscall
from zkvm.riscv.asm import encode, li, nop
from zkvm.riscv.hostcalls import RegionStats, region_stats
from zkvm.riscv.testing import SCRATCH, run_both


def store_string(addr: int, data: bytes) -> list[int]:
    data = data + bytes(-len(data) % 4)
    out = []
    for i in range(0, len(data), 4):
        out += li(5, addr + i) + li(6, int.from_bytes(data[i:i + 4], "little")) + [encode("sw", rs1=5, rs2=6)]
    return out


def marker(name_addr: int, kind: int, num: int = 0x5B00) -> list[int]:
    return li(10, name_addr) + li(11, kind) + li(17, num) + [encode("ecall")]


def test_markers_are_recorded_with_the_ecall_cycle_and_return_zero():
    setup = store_string(SCRATCH, b"loop\0")
    begin = marker(SCRATCH, 0)
    body = [nop()[0]] * 7
    end = marker(SCRATCH, 1)
    r = run_both(setup + begin + body + end)
    from zkvm.riscv import execute
    from zkvm.riscv.testing import program

    assert execute(program(setup + begin + body + end), engine="spec").cycle_markers == r.cycle_markers
    (c0, n0, k0), (c1, n1, k1) = r.cycle_markers
    assert (n0, k0, n1, k1) == ("loop", 0, "loop", 1)
    assert c0 == len(setup) + len(begin) - 1  # the index of the begin ecall
    assert c1 - c0 == 1 + len(body) + len(end) - 1  # the begin ecall, the body, the end's set-up
    assert r.registers[10] == 0
    # no memory effect: the only syscall traffic of the run is none (exit has no buffer)
    assert len(r.syscall_accesses.cycle) == 0
    [s] = region_stats(r.cycle_markers)
    assert (s.name, s.count, s.total) == ("loop", 1, c1 - c0)


def test_bad_marker_arguments_are_warnings_not_errors():
    """The circuits prove a marker as a no-op whatever its arguments (soundness checklist
    31), so bad ones never stop the guest: the marker is dropped with a warning."""
    setup = store_string(SCRATCH, b"x\0")
    r = run_both(setup + marker(SCRATCH, 2))
    assert r.cycle_markers == () and "a1 must be 0 (begin) or 1 (end), got 2" in r.warnings[0]
    r = run_both(marker(0x100, 0))
    assert r.cycle_markers == () and "no NUL-terminated name at 0x00000100" in r.warnings[0]
    r = run_both(store_string(SCRATCH, b"A" * 260 + b"\0") + marker(SCRATCH, 0), max_cycles=10_000)
    assert r.cycle_markers == () and r.warning_count == 1
    with pytest.raises(UnknownSyscall):
        run_both(setup + marker(SCRATCH, 0, num=0x5B01))


def test_region_pairing_nesting_and_unbalanced_markers():
    m = [(10, "f", 0), (20, "f", 0), (25, "f", 1), (40, "f", 1), (50, "g", 1), (60, "h", 0), (70, "f", 0),
         (75, "f", 1)]
    stats = {s.name: s for s in region_stats(m)}
    # inner f: 5, outer f: 30, later f: 5 (an end closes the most recent open begin)
    assert stats["f"] == RegionStats("f", 3, 40, 5, 30)
    assert stats["f"].mean == pytest.approx(40 / 3)
    assert stats["g"].unmatched_ends == 1 and stats["g"].count == 0
    assert stats["h"].unclosed == 1 and stats["h"].count == 0
    assert [s.name for s in region_stats(m)] == ["f", "g", "h"]

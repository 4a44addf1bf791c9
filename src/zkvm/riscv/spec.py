"""The reference interpreter: decode one word, run its row of the ISA table, repeat.

Slow and simple on purpose. It shares the machine state (:class:`~zkvm.riscv.machine.CpuState`)
and the syscall layer with the fast interpreter, so the two can be compared step for step
(registers, memory, errors and event records).
"""

from __future__ import annotations

import numpy as np

from .decode import decode
from .errors import CycleLimitExceeded, GuestError, IllegalInstruction, MemoryFault, MisalignedAccess
from .isa import BY_NAME, Decoded
from .layout import MEM_SIZE, PAGE_SHIFT, PERM_R, PERM_W, PERM_X
from .machine import CpuState
from .syscalls import handle_syscall


class _Ecall(Exception):
    pass


class SpecMachine:
    """Implements the :class:`zkvm.riscv.isa.State` protocol on top of a :class:`CpuState`."""

    def __init__(self, m: CpuState):
        self.m = m
        self.pc = m.pc
        self.next_pc = m.pc
        self.rows: list[tuple[int, ...]] = []
        self._rd_val = 0
        self._mem = (0, 0, 0)

    # registers
    def x(self, r: int) -> int:
        return self.m.reg(r)

    def set_x(self, r: int, v: int) -> None:
        if r:
            self.m.set_reg(r, v)
            self._rd_val = v & 0xFFFF_FFFF

    # memory (aligned accesses only; docs/abi.md)
    def _note(self, addr: int, before: int) -> None:
        self._mem = (addr, before, self.m.load(addr & ~3, 4))

    def load(self, addr: int, size: int) -> int:
        self.m.check_access(addr, size, PERM_R, self.pc)
        v = self.m.load(addr, size)
        self._note(addr, self.m.load(addr & ~3, 4))
        return v

    def store(self, addr: int, size: int, value: int) -> None:
        self.m.check_access(addr, size, PERM_W, self.pc)
        before = self.m.load(addr & ~3, 4)
        self.m.store(addr, size, value)
        self._note(addr, before)

    def _check_atomic(self, addr: int, write: bool) -> None:
        if addr % 4:
            kind = "write" if write else "read"
            raise MisalignedAccess(f"misaligned atomic {kind} at 0x{addr:08x}", self.pc, addr, kind)
        self.m.check_access(addr, 4, PERM_R, self.pc)
        if write:
            self.m.check_access(addr, 4, PERM_W, self.pc)

    def load_reserved(self, addr: int) -> int:
        self._check_atomic(addr, False)
        self.m.reservation = addr
        v = self.m.load(addr, 4)
        self._note(addr, v)
        return v

    def store_conditional(self, addr: int, value: int) -> bool:
        """Succeeds iff the last ``lr.w`` reserved ``addr`` and no ``sc.w`` came since."""
        self._check_atomic(addr, True)
        ok = self.m.reservation == addr
        self.m.reservation = -1
        before = self.m.load(addr, 4)
        if ok:
            self.m.store(addr, 4, value)
        self._note(addr, before)
        return ok

    def amo(self, addr, f, value):
        self._check_atomic(addr, True)
        old = self.m.load(addr, 4)
        self.m.store(addr, 4, f(old, value))
        self._note(addr, old)
        return old

    # control flow
    def jump(self, target: int) -> None:
        if target % 4:
            raise MisalignedAccess(f"jump to misaligned address 0x{target:08x}", self.pc, target, "execute")
        self.next_pc = target

    def ecall(self) -> None:
        raise _Ecall

    def ebreak(self) -> None:
        raise IllegalInstruction("ebreak: breakpoints are not supported", self.pc, 0x0010_0073)

    # one instruction
    def fetch(self) -> int:
        """The instruction word at pc, from the program image (instructions come from the
        executable segments as loaded; stores to those addresses change data only)."""
        pc = self.pc
        if pc >= MEM_SIZE or not self.m.perm[pc >> PAGE_SHIFT] & PERM_X:
            raise MemoryFault(f"execute at non-executable address 0x{pc:08x}", pc, pc, "execute")
        for seg in self.m.program.segments:
            if seg.vaddr <= pc and pc + 4 <= seg.vaddr + len(seg.data):
                return int.from_bytes(seg.data[pc - seg.vaddr : pc - seg.vaddr + 4], "little")
        return 0  # the zero-filled tail of an executable page: an illegal instruction

    def step(self) -> bool:
        """Execute one instruction; return True when the guest exited."""
        m = self.m
        word = self.fetch()
        d: Decoded = decode(word, self.pc)
        self.next_pc = (self.pc + 4) & 0xFFFF_FFFF
        self._rd_val = 0
        self._mem = (0, 0, 0)
        r1, r2 = self.x(d.rs1), self.x(d.rs2)
        try:
            BY_NAME[d.name].execute(self, d)
        except _Ecall:
            handle_syscall(m, self.pc)
            self._rd_val = m.reg(10)
        if m.record:
            self.rows.append((self.pc, self.next_pc, word, r1, r2, self._rd_val, *self._mem))
        m.cycles += 1
        if m.exit_code is not None:
            m.pc = self.pc  # the exiting ecall
            return True
        self.pc = self.next_pc
        m.pc = self.pc
        return False


def run_spec(m: CpuState, max_cycles: int) -> np.ndarray | None:
    """Run ``m`` to completion with the reference interpreter; return the event rows."""
    s = SpecMachine(m)
    try:
        while True:
            if m.cycles >= max_cycles:
                raise CycleLimitExceeded(max_cycles, s.pc)
            if s.step():
                break
    except GuestError:
        m.pc = s.pc
        raise
    if not m.record:
        return None
    return np.array(s.rows, dtype=np.uint32).reshape(-1, 9)

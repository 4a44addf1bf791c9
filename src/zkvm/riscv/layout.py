"""Guest memory map, the :class:`Program` image and the initial stack (docs/abi.md).

Memory map (docs/architecture.md section 6; all guest addresses are < 2**30)::

    0x0000_0000 - 0x0000_FFFF  reserved, every access faults (null guard)
    0x0001_0000 - 0x1FFF_FFFF  ELF PT_LOAD segments, then the brk heap
    0x2000_0000 - 0x2FFF_FFFF  mmap region (anonymous mappings)
    0x3000_0000 - 0x3FFF_FFFF  stack; sp starts just below 0x4000_0000
    0x4000_0000 and above       unmapped, every access faults

Permissions are per 4 KiB page (read/write/execute). A page of an ELF segment gets the
segment's flags; the stack is read/write; heap and mmap pages become read/write when the
guest asks for them. Executable pages are never writable (W^X), which lets the fast
interpreter decode the code once before running.

The initial stack is built like Linux's (argc = 1, argv = ["guest"], no environment, an
auxiliary vector) and is a pure function of the program: execution is deterministic.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PAGE_SIZE = 4096
PAGE_SHIFT = 12
MEM_SIZE = 1 << 30  # guest addresses are < 2**30
NUM_PAGES = MEM_SIZE // PAGE_SIZE

RESERVED_END = 0x0001_0000
PROGRAM_START = 0x0001_0000
PROGRAM_END = 0x2000_0000  # exclusive; also the brk limit
MMAP_START = 0x2000_0000
MMAP_END = 0x3000_0000
STACK_START = 0x3000_0000
STACK_TOP = 0x4000_0000

# OS state cells (docs/abi.md "OS state"): the kernel state the syscalls keep, which the
# circuits hold as memory words that only syscall rows (and lr/sc) can reach.  Keys lie
# in the reserved key range 48..63 (page 3 of the continuation memory tree), above the
# registers (0..31) and far below every RAM key (>= 0x1_0000), so no load, store or
# syscall buffer can ever address them.
OS_KEY_BRK = 48  # the program break
OS_KEY_MMAP = 49  # the next anonymous mapping address (bump pointer)
OS_KEY_INPUT = 50  # 0 before the first read of fd 0, then 1 + (input bytes left)
OS_KEY_RESERVATION = 51  # the lr.w reservation address, 0 = none
OS_KEYS = (OS_KEY_BRK, OS_KEY_MMAP, OS_KEY_INPUT, OS_KEY_RESERVATION)
#: The private input is at most this long (its length must fit the input cell).
MAX_INPUT = (1 << 28) - 1

# Page permission bits (fast interpreter and syscalls).
PERM_R = 1
PERM_W = 2
PERM_X = 4

# ELF segment flag bits (p_flags).
PF_X = 1
PF_W = 2
PF_R = 4

# Auxiliary vector keys.
AT_NULL = 0
AT_PHDR = 3
AT_PHENT = 4
AT_PHNUM = 5
AT_PAGESZ = 6
AT_ENTRY = 9
AT_UID = 11
AT_EUID = 12
AT_GID = 13
AT_EGID = 14
AT_SECURE = 23
AT_RANDOM = 25

#: The 16 "random" bytes AT_RANDOM points to. Fixed, so runs are deterministic (musl seeds
#: its stack-protector canary from them; the canary is therefore public).
AT_RANDOM_BYTES = bytes.fromhex("7a6b766d2d61742d72616e646f6d2121")
ARGV0 = b"guest\0"
PHENT_SIZE = 32


def page_floor(a: int) -> int:
    return a & ~(PAGE_SIZE - 1)


def page_ceil(a: int) -> int:
    return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def perm_of_flags(flags: int) -> int:
    """Page permission bits of an ELF p_flags value."""
    return (PERM_R if flags & PF_R else 0) | (PERM_W if flags & PF_W else 0) | (PERM_X if flags & PF_X else 0)


@dataclass(frozen=True)
class Segment:
    """A loaded segment: ``data`` (p_filesz bytes) at ``vaddr``, zero-filled up to ``memsz``."""

    vaddr: int
    data: bytes
    memsz: int
    flags: int  # ELF PF_* bits

    @property
    def end(self) -> int:
        return self.vaddr + self.memsz


@dataclass(frozen=True)
class InitialStack:
    sp: int
    base: int  # lowest address of ``data``
    data: bytes


@dataclass(frozen=True)
class Program:
    """A loaded guest program (see :func:`zkvm.riscv.elf.load_elf`).

    ``phdrs`` is the raw program header table, ``phdr_vaddr`` its guest address when a
    loaded segment contains it (otherwise the initial stack carries a copy, so musl can
    find PT_TLS through AT_PHDR).
    """

    entry: int
    segments: tuple[Segment, ...]
    phdrs: bytes = b""
    phdr_vaddr: int | None = None
    _stack: list = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_words(cls, words, base: int = PROGRAM_START) -> "Program":
        """A program whose only segment is the code ``words`` (R+X) at ``base``; entry = base."""
        data = b"".join(struct.pack("<I", w & 0xFFFF_FFFF) for w in words)
        if not data:
            raise ValueError("a program needs at least one instruction")
        if base % PAGE_SIZE or base < PROGRAM_START or base + len(data) > PROGRAM_END:
            raise ValueError(f"code base 0x{base:x} must be page aligned and in the program region")
        return cls(entry=base, segments=(Segment(base, data, len(data), PF_R | PF_X),))

    @property
    def brk_start(self) -> int:
        """Initial program break: the page after the highest loaded segment."""
        return page_ceil(max(s.end for s in self.segments))

    def initial_stack(self) -> InitialStack:
        if not self._stack:
            self._stack.append(build_initial_stack(self))
        return self._stack[0]

    def initial_memory(self) -> list[tuple[int, bytes]]:
        """The non-zero part of the initial memory image, as sorted ``(address, bytes)``.

        Segments (their file bytes) and the initial stack. Every other byte of guest memory
        starts as zero (including the zero-filled tail of each segment up to ``memsz``).
        Correctness: the proving layer hashes this into the image ID, so it must be the
        complete initial state apart from zeros; it is a pure function of the program.
        """
        out = [(s.vaddr, bytes(s.data)) for s in self.segments if s.data]
        st = self.initial_stack()
        out.append((st.base, st.data))
        return sorted(out)


def build_initial_stack(program: Program) -> InitialStack:
    """Lay out argc/argv/envp/auxv below :data:`STACK_TOP` like Linux does.

    From the top down: 16 AT_RANDOM bytes, the string "guest", (a copy of the program
    headers if no segment holds them), padding, then at ``sp`` (16-byte aligned)::

        argc=1, argv[0], NULL, NULL (empty envp), auxv pairs ..., AT_NULL, 0
    """
    top = STACK_TOP
    random_addr = top - 16
    argv0_addr = random_addr - len(ARGV0)
    lowest = argv0_addr
    phnum = len(program.phdrs) // PHENT_SIZE
    phdr_addr = program.phdr_vaddr
    if phnum and phdr_addr is None:
        phdr_addr = (lowest - len(program.phdrs)) & ~3
        lowest = phdr_addr
    auxv = [
        (AT_PHDR, phdr_addr or 0),
        (AT_PHENT, PHENT_SIZE),
        (AT_PHNUM, phnum),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_ENTRY, program.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_SECURE, 0),
        (AT_RANDOM, random_addr),
        (AT_NULL, 0),
    ]
    vec = [1, argv0_addr, 0, 0] + [x for kv in auxv for x in kv]
    sp = (lowest - 4 * len(vec)) & ~15
    mem = bytearray(top - sp)

    def put(addr: int, b: bytes) -> None:
        mem[addr - sp : addr - sp + len(b)] = b

    put(sp, struct.pack(f"<{len(vec)}I", *vec))
    if phnum and program.phdr_vaddr is None:
        put(phdr_addr, program.phdrs)
    put(argv0_addr, ARGV0)
    put(random_addr, AT_RANDOM_BYTES)
    return InitialStack(sp=sp, base=sp, data=bytes(mem))

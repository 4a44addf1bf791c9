"""Load a static RV32 ELF executable into a :class:`~zkvm.riscv.layout.Program`.

The ELF file is untrusted input. Everything that is wrong with it is reported as an
:class:`~zkvm.riscv.errors.ElfError` that says what is wrong; pyelftools exceptions are
wrapped. Accepted: ELFCLASS32, little endian, EM_RISCV, ET_EXEC, no PT_INTERP/PT_DYNAMIC,
PT_LOAD segments inside the program region ``[0x1_0000, 0x2000_0000)`` that do not overlap
each other, with ``p_filesz <= p_memsz``, not both writable and executable (W^X) and not
sharing a page with a segment of different permissions, and an entry point that is
4-byte aligned inside an executable segment.
"""

from __future__ import annotations

import io

from .errors import ElfError
from .layout import (
    PAGE_SIZE,
    PF_R,
    PF_W,
    PF_X,
    PHENT_SIZE,
    PROGRAM_END,
    PROGRAM_START,
    Program,
    Segment,
    page_ceil,
    page_floor,
)

__all__ = ["load_elf", "ElfError", "Program", "Segment"]

EM_RISCV = 243
ET_EXEC = 2
PT_LOAD = 1
PT_DYNAMIC = 2
PT_INTERP = 3
PT_PHDR = 6
MAX_FILE_SIZE = 256 << 20
MAX_PHNUM = 64


def load_elf(data: bytes) -> Program:
    """Parse and validate ``data``; return the :class:`Program` it describes."""
    try:
        return _load(bytes(data))
    except ElfError:
        raise
    except Exception as e:  # pyelftools raises many types (ELFError, struct.error, construct errors...)
        raise ElfError(f"malformed ELF file: {type(e).__name__}: {e}") from e


def _load(data: bytes) -> Program:
    from elftools.elf.elffile import ELFFile

    if len(data) > MAX_FILE_SIZE:
        raise ElfError(f"ELF file too large ({len(data)} bytes > {MAX_FILE_SIZE})")
    if len(data) < 4 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file (bad magic)")
    if len(data) < 52:
        raise ElfError(f"truncated ELF file: {len(data)} bytes is shorter than the ELF32 header")
    if data[4] != 1:
        raise ElfError(f"not a 32-bit ELF file (EI_CLASS={data[4]}; ELFCLASS64 is not supported)")
    if data[5] != 1:
        raise ElfError(f"not a little-endian ELF file (EI_DATA={data[5]})")
    elf = ELFFile(io.BytesIO(data))
    h = elf.header
    if h["e_machine"] != "EM_RISCV":
        raise ElfError(f"not a RISC-V ELF file (e_machine={h['e_machine']})")
    if h["e_type"] != "ET_EXEC":
        raise ElfError(f"not a static executable (e_type={h['e_type']}; need ET_EXEC)")
    phoff, phnum, phentsize = h["e_phoff"], h["e_phnum"], h["e_phentsize"]
    if phnum == 0:
        raise ElfError("ELF file has no program headers")
    if phnum > MAX_PHNUM:
        raise ElfError(f"too many program headers ({phnum} > {MAX_PHNUM})")
    if phentsize != PHENT_SIZE:
        raise ElfError(f"bad program header size {phentsize} (need {PHENT_SIZE})")
    if phoff + phnum * phentsize > len(data):
        raise ElfError("truncated ELF file: program header table extends past the end of the file")
    phdrs = data[phoff : phoff + phnum * phentsize]

    segments: list[Segment] = []
    phdr_vaddr = None
    pt_phdr = None
    loads = []
    for i in range(phnum):
        seg = elf.get_segment(i)
        p = seg.header
        ptype = p["p_type"]
        if ptype in ("PT_INTERP", "PT_DYNAMIC"):
            raise ElfError(f"dynamically linked ELF ({ptype}); build a static executable")
        if ptype == "PT_PHDR":
            pt_phdr = p["p_vaddr"]
        if ptype != "PT_LOAD":
            continue
        loads.append((i, p))
    if not loads:
        raise ElfError("ELF file has no PT_LOAD segments")

    for i, p in loads:
        vaddr, memsz, filesz, off, flags = p["p_vaddr"], p["p_memsz"], p["p_filesz"], p["p_offset"], p["p_flags"]
        what = f"segment {i} [0x{vaddr:x}, 0x{vaddr + memsz:x})"
        if filesz > memsz:
            raise ElfError(f"{what}: p_filesz 0x{filesz:x} > p_memsz 0x{memsz:x}")
        if off + filesz > len(data):
            raise ElfError(f"truncated ELF file: {what} data [0x{off:x}, 0x{off + filesz:x}) is past the end of the file")
        if memsz == 0:
            continue
        if vaddr < PROGRAM_START:
            raise ElfError(f"{what} overlaps the reserved region below 0x{PROGRAM_START:x}")
        if vaddr + memsz > PROGRAM_END:
            raise ElfError(
                f"{what} extends past 0x{PROGRAM_END:x} (into the mmap/stack regions, or absurdly large)"
            )
        if flags & PF_W and flags & PF_X:
            raise ElfError(f"{what} is both writable and executable (W^X is required)")
        if not flags & (PF_R | PF_W | PF_X):
            raise ElfError(f"{what} has no permissions")
        segments.append(Segment(vaddr, data[off : off + filesz], memsz, flags))
        if off <= phoff and phoff + len(phdrs) <= off + filesz:
            phdr_vaddr = vaddr + (phoff - off)

    segments.sort(key=lambda s: s.vaddr)
    for a, b in zip(segments, segments[1:]):
        if b.vaddr < a.end:
            raise ElfError(f"segments [0x{a.vaddr:x}, 0x{a.end:x}) and [0x{b.vaddr:x}, 0x{b.end:x}) overlap")
        if page_floor(b.vaddr) < page_ceil(a.end) and a.flags != b.flags:
            raise ElfError(
                f"segments at 0x{a.vaddr:x} and 0x{b.vaddr:x} share a {PAGE_SIZE}-byte page with different permissions"
            )

    entry = h["e_entry"]
    if entry % 4:
        raise ElfError(f"entry point 0x{entry:x} is not 4-byte aligned")
    if not any(s.flags & PF_X and s.vaddr <= entry < s.vaddr + len(s.data) for s in segments):
        raise ElfError(f"entry point 0x{entry:x} is not inside an executable segment")
    if pt_phdr is not None:
        # musl computes the load bias as AT_PHDR - PT_PHDR.p_vaddr, so PT_PHDR must be loaded.
        if not any(s.vaddr <= pt_phdr and pt_phdr + len(phdrs) <= s.vaddr + len(s.data) for s in segments):
            raise ElfError(f"PT_PHDR at 0x{pt_phdr:x} is not inside a loaded segment")
        phdr_vaddr = pt_phdr
    # else phdr_vaddr is where a segment holds the table, or None: the stack carries a copy
    return Program(entry=entry, segments=tuple(segments), phdrs=phdrs, phdr_vaddr=phdr_vaddr)

"""ELF loading: a real zig-built guest, and every kind of malformed file."""

import random
import struct

import pytest

from zkvm.riscv import ElfError, Program, load_elf
from zkvm.riscv.layout import AT_PHDR, AT_RANDOM, AT_RANDOM_BYTES, STACK_TOP

PH = 52  # e_phoff of zig's output


@pytest.fixture(scope="module")
def hello(guest_elf):
    return guest_elf("abort").read_bytes()


def phdr_index(data, ptype):
    phnum = struct.unpack_from("<H", data, 44)[0]
    return [i for i in range(phnum) if struct.unpack_from("<I", data, PH + 32 * i)[0] == ptype]


def patch(data, off, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, value)
    return bytes(b)


def patch_load(data, k, field, value):
    """Set a field of the k-th PT_LOAD header (offsets: vaddr 8, filesz 16, memsz 20, flags 24)."""
    i = phdr_index(data, 1)[k]
    return patch(data, PH + 32 * i + field, "<I", value)


def test_loads_zig_elf(hello):
    p = load_elf(hello)
    assert p.entry % 4 == 0 and len(p.segments) == 3
    assert p.phdr_vaddr == 0x10034
    image = p.initial_memory()
    assert image == sorted(image)
    assert any(a == 0x10000 for a, _ in image)
    st = p.initial_stack()
    assert st.sp % 16 == 0 and st.base + len(st.data) == STACK_TOP
    words = struct.unpack_from(f"<{len(st.data) // 4}I", st.data)
    assert words[:4] == (1, words[1], 0, 0)  # argc, argv[0], NULL, envp NULL
    assert st.data[words[1] - st.base : words[1] - st.base + 6] == b"guest\0"
    aux = dict(zip(words[4::2], words[5::2]))
    assert aux[AT_PHDR] == 0x10034
    assert st.data[aux[AT_RANDOM] - st.base :][:16] == AT_RANDOM_BYTES


def test_phdrs_copied_to_stack_when_not_loaded():
    p = Program(entry=0x10000, segments=Program.from_words([0x73]).segments, phdrs=bytes(range(64)))
    st = p.initial_stack()
    words = struct.unpack_from(f"<{len(st.data) // 4}I", st.data)
    aux = dict(zip(words[4::2], words[5::2]))
    assert st.data[aux[AT_PHDR] - st.base :][:64] == bytes(range(64))
    assert st.sp % 16 == 0


def bad_cases(data):
    entry = struct.unpack_from("<I", data, 24)[0]
    i_text = 1  # PT_LOAD #1 is the R+X text segment in zig's layout
    interp = phdr_index(data, 0x6474E553)[0] if phdr_index(data, 0x6474E553) else 5  # GNU_STACK
    return {
        "empty": (b"", "not an ELF"),
        "garbage": (b"garbage" * 20, "not an ELF"),
        "truncated header": (data[:40], "truncated"),
        "truncated phdrs": (data[:100], "truncated"),
        "truncated segment": (data[:0x2600], "truncated"),
        "elf64": (patch(data, 4, "B", 2), "64"),
        "big endian": (patch(data, 5, "B", 2), "little-endian"),
        "x86": (patch(data, 18, "<H", 3), "not a RISC-V"),
        "ET_DYN": (patch(data, 16, "<H", 3), "ET_EXEC"),
        "PT_INTERP": (patch(data, PH + 32 * interp, "<I", 3), "dynamic"),
        "PT_DYNAMIC": (patch(data, PH + 32 * interp, "<I", 2), "dynamic"),
        "reserved overlap": (patch_load(data, 0, 8, 0x1000), "reserved"),
        "null segment": (patch_load(data, 0, 8, 0), "reserved"),
        "mmap overlap": (patch_load(data, 2, 8, 0x1FFF_FD00), "0x20000000"),
        "stack overlap": (patch_load(data, 2, 8, 0x3FFF_0000), "0x20000000"),
        "absurd memsz": (patch_load(data, 2, 20, 0xFFFF_0000), "0x20000000"),
        "overlapping segments": (patch_load(data, 1, 8, 0x10000 + 0x100), "overlap"),
        "filesz > memsz": (patch_load(data, 2, 16, 0x10000), "p_filesz"),
        "W+X": (patch_load(data, i_text, 24, 7), "writable and executable"),
        "entry outside": (patch(data, 24, "<I", 0x10000), "entry"),
        "entry misaligned": (patch(data, 24, "<I", entry + 2), "aligned"),
        "phnum huge": (patch(data, 44, "<H", 5000), "program headers"),
        "no phdrs": (patch(data, 44, "<H", 0), "no program headers"),
        "phentsize": (patch(data, 42, "<H", 56), "program header size"),
        "phoff past end": (patch(data, 28, "<I", len(data) - 10), "truncated"),
    }


BAD = (
    "empty garbage;truncated header;truncated phdrs;truncated segment;elf64;big endian;x86;ET_DYN;PT_INTERP;"
    "PT_DYNAMIC;reserved overlap;null segment;mmap overlap;stack overlap;absurd memsz;overlapping segments;"
    "filesz > memsz;W+X;entry outside;entry misaligned;phnum huge;no phdrs;phentsize;phoff past end"
).replace("empty ", "empty;").split(";")


@pytest.mark.parametrize("name", BAD)
def test_bad_elfs(hello, name):
    blob, msg = bad_cases(hello)[name]
    with pytest.raises(ElfError, match=msg):
        load_elf(blob)


def test_random_mutations_never_crash(hello):
    rng = random.Random(3)
    head = 52 + 32 * 7
    for _ in range(300):
        b = bytearray(hello)
        for _ in range(rng.randrange(1, 6)):
            b[rng.randrange(head)] = rng.getrandbits(8)
        try:
            load_elf(bytes(b))
        except ElfError:
            pass
    for n in range(0, head + 16, 7):
        with pytest.raises(ElfError):
            load_elf(hello[:n])


def test_from_words_validation():
    with pytest.raises(ValueError):
        Program.from_words([])
    with pytest.raises(ValueError):
        Program.from_words([0x73], base=0x1000)

"""Typed journals and inputs (zkvm.journal, docs/typed-io.md): the encoding, every
checked error, and the C SDK's zkvm_commit_*/zkvm_read_* against the Python codec under
the zkvm executor and qemu-riscv32."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm import api
from zkvm.api import Input, Journal, JournalError
from zkvm.journal import INT_TYPES, JournalTrailingBytes, JournalTruncated, JournalValueError
from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]
TYPED = REPO / "tests" / "cli" / "guests" / "typed"


def test_encoding_is_little_endian_concatenation_without_padding():
    b = Input().u8(1).u16(0x0203).u32(0x04050607).i8(-1).i16(-2).i32(-3).u64(8).i64(-9).bool(True).to_bytes()
    assert b == bytes.fromhex("01" "0302" "07060504" "ff" "feff" "fdffffff" "0800000000000000"
                              "f7ffffffffffffff" "01")
    assert Input().bytes(b"ab").str("\u00e9").raw(b"\x00\x01").to_bytes() == bytes.fromhex("020000006162" "02000000c3a9"
                                                                                          "0001")
    assert Input().u128(1 << 127).to_bytes() == bytes(15) + b"\x80"
    assert bytes(Input().u32(5)) == b"\x05\x00\x00\x00"


@given(st.lists(st.sampled_from(sorted(INT_TYPES)), max_size=12), st.data())
def test_round_trip_of_integers(types, data):
    inp, values = Input(), []
    for t in types:
        size, signed = INT_TYPES[t]
        lo, hi = (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed else (0, (1 << 8 * size) - 1)
        v = data.draw(st.integers(lo, hi))
        getattr(inp, t)(v)
        values.append(v)
    j = Journal(inp.to_bytes())
    assert [getattr(j, t)() for t in types] == values
    j.done()


@given(st.binary(max_size=300), st.text(max_size=50), st.booleans())
def test_round_trip_of_bytes_str_bool(b, s, flag):
    j = Journal(Input().bytes(b).str(s).bool(flag).to_bytes())
    assert (j.bytes(), j.str(), j.bool()) == (b, s, flag)
    j.done()


def test_truncation_names_offset_and_sizes():
    j = Journal(b"\x01\x02\x03")
    with pytest.raises(JournalTruncated) as e:
        j.u32()
    assert e.value.offset == 0 and e.value.needed == 4 and e.value.available == 3
    assert "u32 at offset 0 needs 4 bytes, only 3 left" in str(e.value)
    assert j.u16() == 0x0201  # a failed read consumes nothing
    j2 = Journal(b"\x01\x02\x03")
    assert j2.raw(3) == b"\x01\x02\x03"
    with pytest.raises(JournalTruncated, match="u8 at offset 3"):
        j2.u8()
    # a length prefix that promises more than is there: nothing allocated, offset of the value
    with pytest.raises(JournalTruncated, match="bytes of length 4294967295 at offset 0") as e:
        Journal(b"\xff\xff\xff\xffab").bytes()
    assert isinstance(e.value, JournalError) and isinstance(e.value, ValueError)


def test_trailing_bytes_and_bad_values_are_errors():
    j = Journal(Input().u32(7).u8(9).to_bytes())
    assert j.u32() == 7
    with pytest.raises(JournalTrailingBytes, match="1 trailing byte at offset 4.*09"):
        j.done()
    with pytest.raises(JournalValueError, match="bool at offset 0 is 2"):
        Journal(b"\x02").bool()
    with pytest.raises(JournalValueError, match="not valid UTF-8"):
        Journal(b"\x02\x00\x00\x00\xff\xfe").str()
    with pytest.raises(TypeError):
        Journal("text")
    with pytest.raises(ValueError, match="out of range"):
        Input().u8(256)
    with pytest.raises(ValueError, match="out of range"):
        Input().i32(1 << 31)
    with pytest.raises(ValueError, match="expected an int"):
        Input().u32(True)
    with pytest.raises(ValueError):
        Input().bool(2)
    with pytest.raises(ValueError):
        Input().str(b"bytes")


def test_journal_accepts_objects_with_a_journal():
    class R:
        journal = b"\x05\x00\x00\x00"

    assert Journal(R()).u32() == 5


@pytest.fixture(scope="module")
def typed_elf():
    return cached_build(TYPED, REPO / ".zkvm-cache" / "elf", name="typed")


def typed_input() -> bytes:
    return (Input().u8(255).i8(-128).u16(65535).i16(-2).u32(2**32 - 1).i32(-5).u64(2**64 - 1).i64(-(2**63))
            .bool(True).bytes(b"\x00\x01xyz").str("zkvm \u2713").to_bytes())


def decode_typed(journal: bytes) -> list:
    j = Journal(journal)
    out = [j.u8(), j.i8(), j.u16(), j.i16(), j.u32(), j.i32(), j.u64(), j.i64(), j.bool(), j.bytes(), j.str(),
           j.i64(), j.str(), j.bool()]
    j.done()
    return out


EXPECTED = [255, -128, 65535, -2, 2**32 - 1, -5, 2**64 - 1, -(2**63), True, b"\x00\x01xyz", "zkvm \u2713", -2,
            "h\u00e9llo", True]


def test_c_sdk_commits_decode_in_python(typed_elf):
    r = api.run(typed_elf, typed_input())
    assert r.exit_code == 0
    assert decode_typed(r.journal) == EXPECTED
    # the first part of the journal is the input, byte for byte (same encoding both ways)
    assert r.journal.startswith(typed_input())


def test_c_sdk_rejects_bad_typed_input(typed_elf):
    bad_bool = Input().u8(0).i8(0).u16(0).i16(0).u32(0).i32(0).u64(0).i64(0).u8(2).to_bytes()
    r = api.run(typed_elf, bad_bool)
    assert r.exit_code == 253 and b"bool is not 0 or 1" in r.stderr
    too_long = Input().u8(0).i8(0).u16(0).i16(0).u32(0).i32(0).u64(0).i64(0).bool(False).bytes(bytes(17)).to_bytes()
    r = api.run(typed_elf, too_long)
    assert r.exit_code == 253 and b"bytes longer than the buffer" in r.stderr
    r = api.run(typed_elf, typed_input()[:7])
    assert r.exit_code == 250  # ZKVM_EXIT_INPUT_SHORT


def test_same_journal_under_qemu(typed_elf, tmp_path):
    qemu = shutil.which("qemu-riscv32")
    if qemu is None:
        pytest.skip("qemu-riscv32 not installed")
    journal = tmp_path / "journal.bin"
    p = subprocess.run(["sh", "-c", 'exec "$1" "$2" 3>"$3"', "sh", qemu, str(typed_elf), str(journal)],
                       input=typed_input(), capture_output=True, timeout=60)
    assert p.returncode == 0
    assert journal.read_bytes() == api.run(typed_elf, typed_input()).journal

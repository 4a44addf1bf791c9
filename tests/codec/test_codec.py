"""The shared byte codec (:mod:`zkvm.codec`): typed one-line errors, every length bounded
by the remaining bytes before anything is allocated, canonical booleans and field
elements, no trailing bytes."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkvm.codec import Reader, Writer


class Bad(Exception):
    pass


def reader(b: bytes, modulus: int | None = 97) -> Reader:
    return Reader(b, error=Bad, name="doc", modulus=modulus)


def test_non_bytes_refused_with_the_typed_error():
    with pytest.raises(Bad, match="doc must be bytes"):
        reader("text")
    with pytest.raises(Bad):
        reader(None)


def test_integers_little_endian_and_truncation_names_field_and_offset():
    r = reader(b"\x01\x02\x00\x03\x00\x00\x00\x04")
    assert (r.u8("a"), r.u16("b"), r.u32("c")) == (1, 2, 3)
    with pytest.raises(Bad, match=r"^truncated doc: d needs 8 bytes at offset 7, only 1 left$"):
        r.u64("d")
    assert r.pos == 7  # a failed read consumes nothing


def test_length_bounded_by_remaining_bytes_and_limit():
    # a forged count of 2^32 - 1 items is refused before any allocation or loop
    r = reader(struct.pack("<I", 0xFFFFFFFF) + bytes(8))
    with pytest.raises(Bad, match="exceeds"):
        r.length("items", item_bytes=1, limit=1 << 40)
    r = reader(struct.pack("<I", 3) + bytes(8))
    with pytest.raises(Bad, match="items length 3 exceeds the remaining 8 bytes"):
        r.length("items", item_bytes=4)
    r = reader(struct.pack("<I", 3) + bytes(12))
    with pytest.raises(Bad, match="items length 3 exceeds 2"):
        r.length("items", item_bytes=4, limit=2)
    r = reader(struct.pack("<I", 3) + bytes(12))
    assert r.length("items", item_bytes=4) == 3


def test_blob_bounded():
    r = reader(struct.pack("<I", 10) + b"abc")
    with pytest.raises(Bad, match="truncated doc: journal needs 10 bytes"):
        r.blob("journal")
    r = reader(struct.pack("<I", 10) + bytes(10))
    with pytest.raises(Bad, match="journal length 10 exceeds 4"):
        r.blob("journal", limit=4)


def test_flag_is_zero_or_one():
    r = reader(b"\x00\x01\x02")
    assert (r.flag("f"), r.flag("f")) == (False, True)
    with pytest.raises(Bad, match="doc: f must be 0 or 1, got 2"):
        r.flag("f")


def test_field_elements_must_be_canonical():
    assert reader(struct.pack("<3I", 0, 5, 96)).field_elems(3, "row") == [0, 5, 96]
    with pytest.raises(Bad, match="non-canonical field element 97"):
        reader(struct.pack("<3I", 0, 97, 1)).field_elems(3, "row")


def test_trailing_bytes():
    r = reader(b"\x00\x00")
    r.u8("x")
    with pytest.raises(Bad, match="^1 trailing bytes after the end$"):
        r.finish("end")
    r.u8("x")
    r.finish("end")


def test_short_str_ascii():
    assert reader(b"\x03abc").short_str("name") == "abc"
    with pytest.raises(Bad, match="name is not ASCII"):
        reader(b"\x01\xff").short_str("name")


def test_writer_typed_errors():
    w = Writer(error=Bad, name="doc")
    with pytest.raises(Bad, match="digest must be 32 bytes"):
        w.digest(b"x")
    with pytest.raises(Bad, match="does not fit 8 bits"):
        w.u8(256, "exit code")
    with pytest.raises(Bad, match="does not fit 32 bits"):
        w.u32s([1, -1])
    with pytest.raises(Bad, match="not ASCII"):
        w.short_str("é")


@given(st.lists(st.integers(0, 96), max_size=20), st.binary(max_size=50),
       st.integers(0, 2**64 - 1), st.booleans(), st.text("abc_", max_size=10))
def test_round_trip(elems, blob, big, flag, name):
    w = Writer(error=Bad, name="doc")
    w.u32(len(elems))
    w.u32s(elems)
    w.blob(blob)
    w.u64(big)
    w.flag(flag)
    w.short_str(name)
    w.digest(bytes(32))
    r = reader(w.getvalue())
    assert r.field_elems(r.length("elems", item_bytes=4), "elems") == elems
    assert r.blob("blob") == blob and r.u64("big") == big and r.flag("flag") == flag
    assert r.short_str("name") == name and r.digest() == bytes(32)
    r.finish("doc")

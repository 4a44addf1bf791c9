"""Typed journals and inputs: the host side of the SDK's value encoding (docs/typed-io.md).

One small, dependency-free encoding for both directions -- the guest's journal (public
output, read here with :class:`Journal`) and its private input (written here with
:class:`Input`) -- shared with the C SDK (``zkvm_commit_*`` / ``zkvm_read_*`` in
``zkvm.h``) and the Rust SDK. Values are concatenated, with no header and no padding,
little-endian:

=================  ====================================================
type               encoding
=================  ====================================================
``u8 i8 bool``     1 byte (``bool`` is exactly 0 or 1)
``u16 i16``        2 bytes
``u32 i32``        4 bytes
``u64 i64``        8 bytes (signed types: two's complement)
``u128 i128``      16 bytes
``bytes`` ``str``  ``u32`` length, then the bytes (``str``: UTF-8, no NUL)
fixed array        its N raw bytes (:meth:`Journal.raw`, :meth:`Input.raw`)
=================  ====================================================

The encoding carries no types: the reader must ask for the values in the order the
writer wrote them. Every read is checked -- a journal that ends early, has bytes left
over at :meth:`Journal.done`, a ``bool`` that is not 0/1 or a ``str`` that is not UTF-8
raises a :class:`JournalError` subclass naming the offset, never returns a wrong value.

    from zkvm.api import Input, Journal
    data = Input().u32(1000).str("alice").to_bytes()       # private input
    j = Journal(receipt_journal)
    n, name, ok = j.u32(), j.str(), j.bool()
    j.done()                                               # nothing may be left over
"""

from __future__ import annotations

#: ``name -> (size in bytes, signed)`` of the fixed-size integer types.
INT_TYPES = {
    "u8": (1, False), "i8": (1, True), "u16": (2, False), "i16": (2, True),
    "u32": (4, False), "i32": (4, True), "u64": (8, False), "i64": (8, True),
    "u128": (16, False), "i128": (16, True),
}
#: Largest ``bytes``/``str`` length the encoding can carry (its u32 length prefix).
MAX_LEN = 0xFFFF_FFFF


class JournalError(ValueError):
    """A journal (or other typed byte string) does not decode as asked. ``offset`` is
    where the failing value starts."""

    def __init__(self, message: str, offset: int):
        self.offset = offset
        super().__init__(message)


class JournalTruncated(JournalError):
    """The data ended inside a value: ``needed`` bytes at ``offset``, ``available`` left."""

    def __init__(self, what: str, offset: int, needed: int, available: int):
        self.needed, self.available = needed, available
        super().__init__(f"journal truncated: {what} at offset {offset} needs {needed} "
                         f"byte{'s' if needed != 1 else ''}, only {available} left", offset)


class JournalTrailingBytes(JournalError):
    """:meth:`Journal.done` found bytes that were not read."""

    def __init__(self, offset: int, count: int, preview: bytes):
        self.count = count
        more = "..." if count > len(preview) else ""
        super().__init__(f"journal has {count} trailing byte{'s' if count != 1 else ''} at offset "
                         f"{offset} (not read by the decoder): {preview.hex()}{more}", offset)


class JournalValueError(JournalError):
    """A value that is not valid for its type (a bool other than 0/1, invalid UTF-8)."""


class Journal:
    """A reader over typed values (module docstring). ``data``: the journal bytes (or
    anything with a ``journal`` attribute, e.g. a receipt or an ``ExecutionResult``)."""

    def __init__(self, data):
        if hasattr(data, "journal") and not isinstance(data, (bytes, bytearray, memoryview)):
            data = data.journal
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Journal expects bytes, got {type(data).__name__}")
        self._b = bytes(data)
        self.pos = 0

    def __repr__(self) -> str:
        return f"Journal({len(self._b)} bytes, at offset {self.pos})"

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._b) - self.pos

    def _take(self, n: int, what: str) -> bytes:
        if n > self.remaining:
            raise JournalTruncated(what, self.pos, n, self.remaining)
        out = self._b[self.pos:self.pos + n]
        self.pos += n
        return out

    def _int(self, name: str) -> int:
        size, signed = INT_TYPES[name]
        return int.from_bytes(self._take(size, name), "little", signed=signed)

    def u8(self) -> int:
        return self._int("u8")

    def i8(self) -> int:
        return self._int("i8")

    def u16(self) -> int:
        return self._int("u16")

    def i16(self) -> int:
        return self._int("i16")

    def u32(self) -> int:
        return self._int("u32")

    def i32(self) -> int:
        return self._int("i32")

    def u64(self) -> int:
        return self._int("u64")

    def i64(self) -> int:
        return self._int("i64")

    def u128(self) -> int:
        return self._int("u128")

    def i128(self) -> int:
        return self._int("i128")

    def bool(self) -> bool:
        at = self.pos
        v = self._take(1, "bool")[0]
        if v > 1:
            raise JournalValueError(f"journal: bool at offset {at} is {v}, not 0 or 1", at)
        return v == 1

    def bytes(self) -> bytes:
        """A length-prefixed byte string."""
        at = self.pos
        n = self._int("u32")
        if n > self.remaining:
            self.pos = at
            raise JournalTruncated(f"bytes of length {n}", at, 4 + n, self.remaining)
        return self._take(n, "bytes")

    def str(self) -> str:
        """A length-prefixed UTF-8 string."""
        at = self.pos
        raw = self.bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.pos = at
            raise JournalValueError(f"journal: str at offset {at} is not valid UTF-8 ({e.reason} "
                                    f"at byte {e.start} of the string)", at) from None

    def raw(self, n: int) -> bytes:
        """``n`` raw bytes (a fixed-size array, e.g. a 32-byte digest)."""
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"raw(n): n must be a non-negative int, got {n!r}")
        return self._take(n, f"{n}-byte array")

    def done(self) -> None:
        """Check that every byte was read (:class:`JournalTrailingBytes` otherwise)."""
        if self.remaining:
            raise JournalTrailingBytes(self.pos, self.remaining, self._b[self.pos:self.pos + 16])


class Input:
    """A builder of typed values (module docstring), e.g. a guest's private input:
    ``Input().u32(5).bytes(b"..").to_bytes()``. Every method checks its value's range
    (``ValueError``) and returns the builder."""

    def __init__(self):
        self._parts: list[bytes] = []

    def __repr__(self) -> str:
        return f"Input({len(self.to_bytes())} bytes)"

    def _int(self, name: str, v) -> "Input":
        size, signed = INT_TYPES[name]
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{name}: expected an int, got {type(v).__name__}")
        lo, hi = (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed else (0, (1 << (8 * size)) - 1)
        if not lo <= v <= hi:
            raise ValueError(f"{name}: {v} is out of range [{lo}, {hi}]")
        self._parts.append(v.to_bytes(size, "little", signed=signed))
        return self

    def u8(self, v: int) -> "Input":
        return self._int("u8", v)

    def i8(self, v: int) -> "Input":
        return self._int("i8", v)

    def u16(self, v: int) -> "Input":
        return self._int("u16", v)

    def i16(self, v: int) -> "Input":
        return self._int("i16", v)

    def u32(self, v: int) -> "Input":
        return self._int("u32", v)

    def i32(self, v: int) -> "Input":
        return self._int("i32", v)

    def u64(self, v: int) -> "Input":
        return self._int("u64", v)

    def i64(self, v: int) -> "Input":
        return self._int("i64", v)

    def u128(self, v: int) -> "Input":
        return self._int("u128", v)

    def i128(self, v: int) -> "Input":
        return self._int("i128", v)

    def bool(self, v) -> "Input":
        if v not in (True, False):  # also accepts 0 and 1
            raise ValueError(f"bool: expected True/False (or 0/1), got {v!r}")
        self._parts.append(b"\x01" if v else b"\x00")
        return self

    def bytes(self, v) -> "Input":
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise ValueError(f"bytes: expected bytes, got {type(v).__name__}")
        v = bytes(v)
        if len(v) > MAX_LEN:
            raise ValueError(f"bytes: {len(v)} bytes do not fit the u32 length prefix")
        self._parts.append(len(v).to_bytes(4, "little") + v)
        return self

    def str(self, v: str) -> "Input":
        if not isinstance(v, str):
            raise ValueError(f"str: expected str, got {type(v).__name__}")
        return self.bytes(v.encode("utf-8"))

    def raw(self, v) -> "Input":
        """Raw bytes with no length (a fixed-size array the reader knows the size of)."""
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise ValueError(f"raw: expected bytes, got {type(v).__name__}")
        self._parts.append(bytes(v))
        return self

    def to_bytes(self) -> bytes:
        return b"".join(self._parts)

    __bytes__ = to_bytes

    def write(self, path) -> None:
        """Write the encoded bytes to the file ``path``."""
        from pathlib import Path

        Path(path).write_bytes(self.to_bytes())


__all__ = ["Journal", "Input", "JournalError", "JournalTruncated", "JournalTrailingBytes",
           "JournalValueError", "INT_TYPES"]

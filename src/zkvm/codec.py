"""The one byte codec of zkvm's binary formats: STARK proofs (:mod:`zkvm.stark.proof`), PCS
opening proofs (:mod:`zkvm.stark.pcs_types`) and receipts (:mod:`zkvm.receipt`).

Each format writes with a :class:`Writer` and parses with a :class:`Reader`; the formats
themselves (field order, versions, what a flag means) stay in their own modules.  The
codec fixes what every format shares:

* integers are little-endian ``u8``/``u16``/``u32``/``u64``; a list or byte string is
  preceded by its length (``u32`` unless a format says otherwise); digests are 32 raw bytes;
* field elements are ``u32`` words that must be *canonical* (``< modulus``; the caller
  passes the modulus, so this module imports nothing of zkvm and sits at the bottom of
  the layer order, below the field);
* parsing is for **untrusted input**: every read is checked against the bytes that are
  left, and every length is bounded by the remaining bytes (at ``item_bytes`` per entry)
  and by an explicit limit *before* anything is allocated or looped over, so a forged
  length can neither allocate unbounded memory nor spin; booleans must be 0 or 1; no byte
  may follow the last field (:meth:`Reader.finish`).

Errors are typed: the caller names the exception class (``ProofFormatError``,
``ReceiptFormatError``, ...) and the document (``"proof"``, ``"receipt"``, ...); every
failure is one line that says what was being read and where, e.g.
``truncated receipt: journal needs 5 bytes at offset 180, only 2 left``.

Correctness: parsing must be canonical (``encode(decode(b)) == b`` for every accepted
``b``) -- a second encoding of the same proof would be a malleability the verifier does
not expect; the format modules' round-trip tests and the pinned receipt fixtures
(tests/receipt/) check it.
"""

from __future__ import annotations

import struct

__all__ = ["Reader", "Writer", "DIGEST_BYTES"]

#: Length of every digest (SHA-256) in the formats.
DIGEST_BYTES = 32

_U8, _U16, _U32, _U64 = (struct.Struct(f) for f in ("<B", "<H", "<I", "<Q"))


class Writer:
    """Append-only encoder.  ``error``: the exception class raised for a value that does
    not fit its field (a digest that is not 32 bytes, an integer out of range); ``name``:
    the document, used in messages."""

    __slots__ = ("buf", "error", "name")

    def __init__(self, *, error: type[Exception], name: str):
        self.buf = bytearray()
        self.error = error
        self.name = name

    def getvalue(self) -> bytes:
        return bytes(self.buf)

    def __len__(self) -> int:
        return len(self.buf)

    def _pack(self, st: struct.Struct, v, what: str) -> None:
        try:
            self.buf += st.pack(v)
        except struct.error:
            raise self.error(f"{self.name}: {what} {v!r} does not fit {8 * st.size} bits") from None

    def raw(self, b) -> None:
        """Bytes as they are (no length)."""
        self.buf += b

    def u8(self, v: int, what: str = "u8") -> None:
        self._pack(_U8, v, what)

    def u16(self, v: int, what: str = "u16") -> None:
        self._pack(_U16, v, what)

    def u32(self, v: int, what: str = "u32") -> None:
        self._pack(_U32, v, what)

    def u64(self, v: int, what: str = "u64") -> None:
        self._pack(_U64, v, what)

    def flag(self, v: bool) -> None:
        """A boolean as one byte, 0 or 1."""
        self.buf.append(1 if v else 0)

    def u32s(self, vs, what: str = "u32 list") -> None:
        """``len(vs)`` ``u32`` words without a length (the reader knows the count)."""
        try:
            self.buf += struct.pack(f"<{len(vs)}I", *vs)
        except struct.error:
            raise self.error(f"{self.name}: {what} holds a value that does not fit 32 bits") from None

    def digest(self, d, what: str = "digest") -> None:
        """A 32-byte digest."""
        if not isinstance(d, (bytes, bytearray)) or len(d) != DIGEST_BYTES:
            raise self.error(f"{what} must be {DIGEST_BYTES} bytes")
        self.buf += d

    def blob(self, b, what: str = "bytes") -> None:
        """``u32`` length, then the bytes."""
        self.u32(len(b), f"{what} length")
        self.buf += b

    def short_str(self, s: str, what: str = "name") -> None:
        """``u8`` length, then the ASCII bytes (names of at most 255 characters)."""
        try:
            b = s.encode("ascii")
        except UnicodeEncodeError:
            raise self.error(f"{self.name}: {what} {s!r} is not ASCII") from None
        self.u8(len(b), f"{what} length")
        self.buf += b


class Reader:
    """Checked decoder over ``data`` (module docstring).

    ``error``: the exception class of every failure; ``name``: the document, used in
    messages; ``modulus``: the bound of canonical field elements (:meth:`field_elems`),
    ``None`` if the format has none.  ``data`` that is not bytes-like is refused with
    ``error`` too."""

    __slots__ = ("b", "pos", "error", "name", "modulus")

    def __init__(self, data, *, error: type[Exception], name: str, modulus: int | None = None):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise error(f"{name} must be bytes")
        self.b = bytes(data)
        self.pos = 0
        self.error = error
        self.name = name
        self.modulus = modulus

    @property
    def remaining(self) -> int:
        return len(self.b) - self.pos

    def fail(self, message: str) -> Exception:
        """The typed error for ``message``, prefixed with the document name (raise it)."""
        return self.error(f"{self.name}: {message}")

    # ------------------------------------------------------------------ raw reads
    def take(self, n: int, what: str) -> bytes:
        """The next ``n`` bytes (checked against the remaining bytes before slicing)."""
        if n < 0 or n > len(self.b) - self.pos:
            raise self.error(f"truncated {self.name}: {what} needs {n} bytes at offset "
                             f"{self.pos}, only {len(self.b) - self.pos} left")
        out = self.b[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        """``struct.unpack(fmt, ...)`` of the next ``struct.calcsize(fmt)`` bytes (``fmt``
        must be little-endian, e.g. ``"<7I"``)."""
        st = struct.Struct(fmt)
        return st.unpack(self.take(st.size, what))

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        return _U16.unpack(self.take(2, what))[0]

    def u32(self, what: str) -> int:
        return _U32.unpack(self.take(4, what))[0]

    def u64(self, what: str) -> int:
        return _U64.unpack(self.take(8, what))[0]

    def u32s(self, n: int, what: str) -> list[int]:
        """``n`` ``u32`` words (``n`` already bounded by the caller or by :meth:`length`)."""
        return list(struct.unpack(f"<{n}I", self.take(4 * n, what)))

    def flag(self, what: str) -> bool:
        """One byte that must be 0 or 1."""
        v = self.u8(what)
        if v > 1:
            raise self.fail(f"{what} must be 0 or 1, got {v}")
        return v == 1

    def digest(self, what: str = "digest") -> bytes:
        return self.take(DIGEST_BYTES, what)

    # ------------------------------------------------------------------ bounded lengths
    def length(self, what: str, *, item_bytes: int = 1, limit: int = 1 << 24) -> int:
        """A ``u32`` count of a list whose entries take at least ``item_bytes`` bytes
        each: refused if above ``limit`` or if ``count · item_bytes`` exceeds the bytes
        left, so no caller ever loops or allocates for more entries than the input holds."""
        n = self.u32(f"{what} length")
        if n > limit:
            raise self.fail(f"{what} length {n} exceeds {limit}")
        if n * item_bytes > len(self.b) - self.pos:
            raise self.fail(f"{what} length {n} exceeds the remaining "
                            f"{len(self.b) - self.pos} bytes")
        return n

    def blob(self, what: str, *, limit: int = 1 << 31) -> bytes:
        """``u32`` length (at most ``limit``), then that many bytes."""
        n = self.u32(f"{what} length")
        if n > limit:
            raise self.fail(f"{what} length {n} exceeds {limit}")
        return self.take(n, what)

    def short_str(self, what: str) -> str:
        """``u8`` length, then that many ASCII bytes."""
        raw = self.take(self.u8(f"{what} length"), what)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not ASCII") from None

    # ------------------------------------------------------------------ field elements
    def field_elems(self, n: int, what: str) -> list[int]:
        """``n`` canonical field elements (``u32`` each, ``< modulus``)."""
        vals = struct.unpack(f"<{n}I", self.take(4 * n, what))
        if vals and max(vals) >= self.modulus:
            bad = next(v for v in vals if v >= self.modulus)
            raise self.fail(f"non-canonical field element {bad} (>= p) in {what}")
        return list(vals)

    # ------------------------------------------------------------------ the end
    def finish(self, after: str) -> None:
        """Every byte must have been read: ``N trailing bytes after the <after>``."""
        if self.pos != len(self.b):
            raise self.error(f"{len(self.b) - self.pos} trailing bytes after the {after}")

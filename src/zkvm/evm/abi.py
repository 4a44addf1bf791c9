"""A minimal Solidity ABI codec for the examples: function selectors, event topics and
the *static* types (uintN, intN, address, bool, bytesN), which is what an ERC-20 and the
Battleship example need. Dynamic types (bytes, string, arrays) raise ``ValueError``.

    call_data("transfer(address,uint256)", bob, 1000)
    decode(["uint256"], return_data)
"""

from __future__ import annotations

import re

from .ethutil import keccak256

_STATIC = re.compile(r"^(uint\d*|int\d*|address|bool|bytes([1-9]|[12]\d|3[0-2]))$")


def _types(signature: str) -> tuple[str, list[str]]:
    m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\s*", signature)
    if not m:
        raise ValueError(f"bad signature {signature!r}")
    args = [t.strip() for t in m.group(2).split(",")] if m.group(2).strip() else []
    return m.group(1), args


def selector(signature: str) -> bytes:
    """The 4-byte function selector of e.g. ``"transfer(address,uint256)"``."""
    name, args = _types(signature)
    return keccak256(f"{name}({','.join(args)})".encode())[:4]


def event_topic(signature: str) -> bytes:
    """topic 0 of an event, e.g. ``"Transfer(address,address,uint256)"``."""
    name, args = _types(signature)
    return keccak256(f"{name}({','.join(args)})".encode())


def encode_value(typ: str, value) -> bytes:
    if not _STATIC.match(typ):
        raise ValueError(f"only static ABI types are supported, not {typ!r}")
    if typ == "address":
        b = bytes(value) if isinstance(value, (bytes, bytearray)) else int(value).to_bytes(20, "big")
        if len(b) != 20:
            raise ValueError("an address is 20 bytes")
        return b.rjust(32, b"\0")
    if typ == "bool":
        return int(bool(value)).to_bytes(32, "big")
    if typ.startswith("bytes"):
        n = int(typ[5:])
        b = bytes(value)
        if len(b) != n:
            raise ValueError(f"{typ} needs {n} bytes")
        return b.ljust(32, b"\0")
    bits = int(typ.lstrip("uint") or 256)
    v = int(value)
    if typ.startswith("uint"):
        if not 0 <= v < 1 << bits:
            raise ValueError(f"{v} does not fit {typ}")
        return v.to_bytes(32, "big")
    if not -(1 << (bits - 1)) <= v < 1 << (bits - 1):
        raise ValueError(f"{v} does not fit {typ}")
    return (v % (1 << 256)).to_bytes(32, "big")


def call_data(signature: str, *args) -> bytes:
    """Selector followed by the encoded arguments."""
    _, types = _types(signature)
    if len(types) != len(args):
        raise ValueError(f"{signature} takes {len(types)} arguments, got {len(args)}")
    return selector(signature) + b"".join(encode_value(t, a) for t, a in zip(types, args))


def decode(types: list[str], data: bytes) -> list:
    """Decode static values (return data, or a log's data)."""
    if len(data) < 32 * len(types):
        raise ValueError("ABI data too short")
    out = []
    for i, t in enumerate(types):
        w = data[32 * i: 32 * i + 32]
        if not _STATIC.match(t):
            raise ValueError(f"only static ABI types are supported, not {t!r}")
        if t == "address":
            out.append(w[12:])
        elif t == "bool":
            out.append(w[-1] == 1)
        elif t.startswith("bytes"):
            out.append(w[: int(t[5:])])
        elif t.startswith("uint"):
            out.append(int.from_bytes(w, "big"))
        else:
            v = int.from_bytes(w, "big")
            out.append(v - (1 << 256) if v >> 255 else v)
    return out

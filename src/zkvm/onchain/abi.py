"""Minimal Solidity ABI encoding for the on-chain verifier's calls (static words, dynamic
``bytes`` and one-dimensional arrays of words).  Types: ``bytes32``, ``uint256``,
``bool``, ``address``, ``uint256[]``, ``bytes32[]``, ``address[]``, ``bytes``, ``bytes[]``, ``uint256[][]``,
``address[][]``, ``bytes32[][]``
and a tuple of those (a Python tuple of type names: a dynamic struct)."""

from __future__ import annotations

__all__ = ["encode_call", "encode_args", "word"]

_STATIC = {"bytes32", "uint256", "bool", "address"}


def word(v) -> bytes:
    """One 32-byte ABI word from an int (0 <= v < 2^256), bool, or 32-byte/20-byte value."""
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        if not 0 <= v < 1 << 256:
            raise ValueError(f"ABI word out of range: {v}")
        return v.to_bytes(32, "big")
    v = bytes(v)
    if len(v) == 32:
        return v
    if len(v) == 20:
        return bytes(12) + v
    raise ValueError(f"ABI word must be 32 or 20 bytes, got {len(v)}")


def _tail(t: str, v) -> bytes:
    if t == "bytes":
        b = bytes(v)
        return word(len(b)) + b + bytes(-len(b) % 32)
    if t in ("uint256[]", "bytes32[]", "address[]"):
        return word(len(v)) + b"".join(word(x) for x in v)
    if t == "bytes[]":
        return word(len(v)) + encode_args(["bytes"] * len(v), list(v))
    if t in ("uint256[][]", "address[][]", "bytes32[][]"):
        return word(len(v)) + encode_args([t[:-2]] * len(v), list(v))
    if isinstance(t, tuple):  # a struct of dynamic fields: encoded like an argument list
        return encode_args(list(t), list(v))
    raise ValueError(f"unsupported ABI type {t}")


def encode_args(types: list, values: list) -> bytes:
    """``abi.encode(values...)`` for ``types``."""
    if len(types) != len(values):
        raise ValueError("types and values differ in length")
    head, tail = [], []
    off = 32 * len(types)
    for t, v in zip(types, values):
        if t in _STATIC:
            head.append(word(v))
        else:
            enc = _tail(t, v)
            head.append(word(off))
            tail.append(enc)
            off += len(enc)
    return b"".join(head) + b"".join(tail)


def encode_call(selector: bytes | str, types: list, values: list) -> bytes:
    """Calldata: the 4-byte ``selector`` (bytes or hex) then the encoded arguments."""
    sel = bytes.fromhex(selector) if isinstance(selector, str) else bytes(selector)
    if len(sel) != 4:
        raise ValueError("selector must be 4 bytes")
    return sel + encode_args(types, values)

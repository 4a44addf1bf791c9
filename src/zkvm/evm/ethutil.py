"""Small Ethereum helpers for the host side: Keccak-256, RLP, secp256k1 keys and
signatures (RFC 6979), addresses, and transaction encoding.

Pure Python, no dependencies, written for clarity rather than speed (the host signs a
handful of transactions; the guest does the heavy work). The guest does not recover
senders, so the signatures made here only have to be valid Ethereum signatures: they
give the transaction its real hash (the journal commits to it).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Sequence

from ..precompiles.keccak.exec import keccak_f1600

# ------------------------------------------------------------------------------ keccak


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as used by Ethereum (padding 0x01 ... 0x80, not SHA3's 0x06)."""
    msg = bytearray(data) + b"\x01"
    msg += bytes(-len(msg) % 136)
    msg[-1] |= 0x80
    st = [0] * 25
    for off in range(0, len(msg), 136):
        for i in range(17):
            st[i] ^= int.from_bytes(msg[off + 8 * i: off + 8 * i + 8], "little")
        st = keccak_f1600(st)
    return b"".join(v.to_bytes(8, "little") for v in st)[:32]


# --------------------------------------------------------------------------------- RLP

RlpItem = "bytes | int | Sequence[RlpItem]"


def _be(n: int) -> bytes:
    if n < 0:
        raise ValueError("RLP integers are non-negative")
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def _header(length: int, base: int) -> bytes:
    if length < 56:
        return bytes([base + length])
    lb = _be(length)
    return bytes([base + 55 + len(lb)]) + lb


def rlp_encode(item) -> bytes:
    """RLP of ``item``: bytes, a non-negative int (minimal big-endian) or a list/tuple."""
    if isinstance(item, int) and not isinstance(item, bool):
        item = _be(item)
    if isinstance(item, (bytes, bytearray)):
        b = bytes(item)
        if len(b) == 1 and b[0] < 0x80:
            return b
        return _header(len(b), 0x80) + b
    if isinstance(item, (list, tuple)):
        payload = b"".join(rlp_encode(x) for x in item)
        return _header(len(payload), 0xC0) + payload
    raise TypeError(f"cannot RLP-encode {type(item).__name__}")


# --------------------------------------------------------------------------- secp256k1

P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def _jac_double(p):
    x, y, z = p
    if y == 0:
        return (0, 0, 0)
    s = 4 * x * y * y % P
    m = 3 * x * x % P
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * pow(y, 4, P)) % P
    return (nx, ny, 2 * y * z % P)


def _jac_add(p, q):
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    u1 = x1 * z2 * z2 % P
    u2 = x2 * z1 * z1 % P
    s1 = y1 * pow(z2, 3, P) % P
    s2 = y2 * pow(z1, 3, P) % P
    if u1 == u2:
        return _jac_double(p) if s1 == s2 else (0, 0, 0)
    h = u2 - u1
    r = s2 - s1
    h2 = h * h % P
    h3 = h * h2 % P
    nx = (r * r - h3 - 2 * u1 * h2) % P
    ny = (r * (u1 * h2 - nx) - s1 * h3) % P
    return (nx, ny, h * z1 * z2 % P)


def _mul(k: int, point=G):
    acc = (0, 0, 0)
    add = (point[0], point[1], 1)
    while k:
        if k & 1:
            acc = _jac_add(acc, add)
        add = _jac_double(add)
        k >>= 1
    x, y, z = acc
    if z == 0:
        raise ValueError("point at infinity")
    zi = pow(z, -1, P)
    return (x * zi * zi % P, y * zi * zi * zi % P)


def private_key_to_address(key: bytes | int) -> bytes:
    """The 20-byte address of a secp256k1 private key."""
    d = int.from_bytes(key, "big") if isinstance(key, (bytes, bytearray)) else int(key)
    if not 0 < d < N:
        raise ValueError("private key out of range")
    x, y = _mul(d)
    return keccak256(x.to_bytes(32, "big") + y.to_bytes(32, "big"))[12:]


def sign_hash(msg_hash: bytes, key: bytes | int) -> tuple[int, int, int]:
    """Deterministic ECDSA (RFC 6979, HMAC-SHA256) of a 32-byte hash.
    Returns ``(y_parity, r, s)`` with a low ``s`` (EIP-2)."""
    d = int.from_bytes(key, "big") if isinstance(key, (bytes, bytearray)) else int(key)
    x = d.to_bytes(32, "big")
    h1 = (int.from_bytes(msg_hash, "big") % N).to_bytes(32, "big")
    v = b"\x01" * 32
    k = b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    z = int.from_bytes(msg_hash, "big")
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        kk = int.from_bytes(v, "big")
        if 0 < kk < N:
            rx, ry = _mul(kk)
            r = rx % N
            if r:
                s = pow(kk, -1, N) * (z + r * d) % N
                if s:
                    parity = ry & 1  # (R.x >= n, recovery ids 2/3, has probability ~2^-128)
                    if s > N // 2:
                        s = N - s
                        parity ^= 1
                    return parity, r, s
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


# ------------------------------------------------------------------------ addresses


def create_address(sender: bytes, nonce: int) -> bytes:
    """CREATE: keccak256(rlp([sender, nonce]))[12:]."""
    return keccak256(rlp_encode([sender, nonce]))[12:]


def create2_address(sender: bytes, salt: bytes, initcode: bytes) -> bytes:
    """CREATE2: keccak256(0xff ++ sender ++ salt ++ keccak256(initcode))[12:]."""
    return keccak256(b"\xff" + sender + salt + keccak256(initcode))[12:]


def mapping_slot(key: bytes | int, slot: int) -> int:
    """Solidity's storage slot of ``mapping[key]`` for a mapping at ``slot``:
    keccak256(pad32(key) ++ pad32(slot))."""
    k = key.rjust(32, b"\0") if isinstance(key, (bytes, bytearray)) else int(key).to_bytes(32, "big")
    return int.from_bytes(keccak256(k + slot.to_bytes(32, "big")), "big")


def hex_address(a: bytes) -> str:
    return "0x" + a.hex()


# ----------------------------------------------------------------------- transactions


@dataclass
class Transaction:
    """An Ethereum transaction of type 0 (legacy, EIP-155 when ``chain_id`` is set),
    1 (EIP-2930), 2 (EIP-1559) or 3 (EIP-4844 blobs). ``to=None`` creates a contract.
    ``access_list`` is ``[(address, [slot (32 bytes), ...]), ...]``. For types 2 and 3,
    ``gas_price`` is ``max_fee_per_gas``."""

    nonce: int
    gas_limit: int
    to: bytes | None
    value: int = 0
    data: bytes = b""
    gas_price: int = 10
    type: int = 0
    chain_id: int | None = 1
    max_priority_fee_per_gas: int = 0
    access_list: list = field(default_factory=list)
    max_fee_per_blob_gas: int = 0
    blob_versioned_hashes: list = field(default_factory=list)

    def _fields(self) -> list:
        to = b"" if self.to is None else self.to
        al = [[a, list(keys)] for a, keys in self.access_list]
        if self.type == 0:
            return [self.nonce, self.gas_price, self.gas_limit, to, self.value, self.data]
        if self.type == 1:
            return [self.chain_id, self.nonce, self.gas_price, self.gas_limit, to, self.value, self.data, al]
        if self.type == 2:
            return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.gas_price, self.gas_limit, to,
                    self.value, self.data, al]
        if self.type == 3:
            return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.gas_price, self.gas_limit, to,
                    self.value, self.data, al, self.max_fee_per_blob_gas, list(self.blob_versioned_hashes)]
        raise ValueError(f"unsupported transaction type {self.type}")

    def signing_hash(self) -> bytes:
        if self.type == 0:
            extra = [] if self.chain_id is None else [self.chain_id, 0, 0]
            return keccak256(rlp_encode(self._fields() + extra))
        return keccak256(bytes([self.type]) + rlp_encode(self._fields()))

    def sign(self, key: bytes | int) -> bytes:
        """The signed EIP-2718 encoding (what the guest takes and hashes)."""
        parity, r, s = sign_hash(self.signing_hash(), key)
        if self.type == 0:
            v = 27 + parity if self.chain_id is None else 35 + 2 * self.chain_id + parity
            return rlp_encode(self._fields() + [v, r, s])
        return bytes([self.type]) + rlp_encode(self._fields() + [parity, r, s])

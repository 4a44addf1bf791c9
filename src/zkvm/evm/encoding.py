"""The EVM guest's input and journal formats (docs/evm.md).

``GuestInput.encode()`` gives the private input bytes; ``Journal.decode()`` parses the
192-byte public journal. The layouts are fixed; the guest's ``main.c`` documents the same
format and rejects anything else with exit code ``EXIT_BAD_INPUT``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MAGIC = b"zkEVMin1"
JOURNAL_SIZE = 192

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_UNSUPPORTED = 3

# journal status codes (guest evm.h)
STATUS_NAMES = {
    0x00: "success",
    0x01: "revert",
    0x02: "halt",
    0x10: "invalid: intrinsic gas too low",
    0x11: "invalid: nonce at 2^64-1",
    0x12: "invalid: initcode too large",
    0x13: "invalid: gas limit above the block's",
    0x14: "invalid: signature",
    0x15: "invalid: priority fee above max fee",
    0x16: "invalid: max fee below base fee",
    0x17: "invalid: nonce mismatch",
    0x18: "invalid: insufficient balance",
    0x19: "invalid: sender has code (EIP-3607)",
    0x1A: "invalid: chain id",
    0x1B: "invalid: encoding",
    0x1C: "invalid: transaction type",
    0x1D: "invalid: blobs (none, over 6, bad version, or a create)",
    0x1E: "invalid: max fee per blob gas below the blob gas price",
}
STATUS_SUCCESS, STATUS_REVERT, STATUS_HALT = 0, 1, 2


def status_is_invalid(status: int) -> bool:
    """True for the statuses of an invalid (not includable) transaction."""
    return status >= 0x10


class EncodingError(ValueError):
    """A value that the guest input cannot represent."""


def _u64(v: int, what: str) -> bytes:
    if not 0 <= v < 2**64:
        raise EncodingError(f"{what} does not fit in 64 bits: {v}")
    return struct.pack("<Q", v)


def _u256(v: int, what: str) -> bytes:
    if not 0 <= v < 2**256:
        raise EncodingError(f"{what} does not fit in 256 bits: {v}")
    return v.to_bytes(32, "big")


def _addr(a: bytes, what: str) -> bytes:
    if len(a) != 20:
        raise EncodingError(f"{what} must be 20 bytes, got {len(a)}")
    return bytes(a)


@dataclass
class Account:
    """One pre-state account. ``storage`` maps slot keys to values (ints < 2^256)."""

    nonce: int = 0
    balance: int = 0
    code: bytes = b""
    storage: dict[int, int] = field(default_factory=dict)


@dataclass
class BlockEnv:
    """The block environment (post-merge fields). ``block_hashes`` maps block numbers
    to hashes for BLOCKHASH (unknown ones read as zero)."""

    coinbase: bytes
    number: int = 1
    timestamp: int = 1000
    gas_limit: int = 30_000_000
    base_fee: int = 7
    prev_randao: bytes = bytes(32)
    excess_blob_gas: int = 0
    chain_id: int = 1
    block_hashes: dict[int, bytes] = field(default_factory=dict)

    def encode(self) -> bytes:
        """The block-environment section (the bytes whose keccak256 is the journal's
        block-environment digest)."""
        if not 0 <= self.gas_limit < 2**63:
            raise EncodingError(f"block gas limit must be below 2^63: {self.gas_limit}")
        if len(self.block_hashes) > 256:
            raise EncodingError("at most 256 block hashes")
        if len(self.prev_randao) != 32:
            raise EncodingError("prev_randao must be 32 bytes")
        out = [_u64(self.chain_id, "chain id"), _u64(self.number, "block number"),
               _u64(self.timestamp, "timestamp"), _u64(self.gas_limit, "block gas limit"),
               _u64(self.excess_blob_gas, "excess blob gas"), _addr(self.coinbase, "coinbase"),
               _u256(self.base_fee, "base fee"), bytes(self.prev_randao),
               struct.pack("<I", len(self.block_hashes))]
        for n, h in sorted(self.block_hashes.items()):
            if len(h) != 32:
                raise EncodingError("block hashes must be 32 bytes")
            out += [_u64(n, "block number"), bytes(h)]
        return b"".join(out)


FLAG_DUMP_STATE = 1


def encode_state(state: dict[bytes, "Account"]) -> bytes:
    """The pre-state section: account count, then each account (docs/evm.md)."""
    out = [struct.pack("<I", len(state))]
    for addr, acc in state.items():
        if len(acc.code) > 1 << 20:
            raise EncodingError("code longer than 1 MiB")
        out += [_addr(addr, "account address"), _u64(acc.nonce, "account nonce"),
                _u256(acc.balance, "balance"), struct.pack("<I", len(acc.code)), bytes(acc.code),
                struct.pack("<I", len(acc.storage))]
        for k, v in acc.storage.items():
            out += [_u256(k, "storage key"), _u256(v, "storage value")]
    return b"".join(out)


@dataclass(frozen=True)
class Log:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


def logs_hash(logs: "list[Log]") -> bytes:
    """keccak256(rlp([[address, [topics], data], ...])), the journal's logs hash."""
    from .ethutil import keccak256, rlp_encode

    return keccak256(rlp_encode([[lg.address, list(lg.topics), lg.data] for lg in logs]))


def decode_state(data: bytes, with_logs: bool = False):
    """Parse a state in the pre-state encoding. With ``with_logs``: the guest's stdout
    with ``dump_state`` (state, then logs), returned as ``(state, logs)``.
    ``ValueError`` if malformed."""
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(data):
            raise ValueError("state encoding: truncated")
        pos += n
        return data[pos - n: pos]

    out: dict[bytes, Account] = {}
    (n,) = struct.unpack("<I", take(4))
    for _ in range(n):
        addr = take(20)
        (nonce,) = struct.unpack("<Q", take(8))
        balance = int.from_bytes(take(32), "big")
        (clen,) = struct.unpack("<I", take(4))
        code = take(clen)
        (ns,) = struct.unpack("<I", take(4))
        storage = {}
        for _ in range(ns):
            k = int.from_bytes(take(32), "big")
            storage[k] = int.from_bytes(take(32), "big")
        if addr in out:
            raise ValueError("state encoding: duplicate account")
        out[addr] = Account(nonce, balance, code, storage)
    logs = []
    if with_logs:
        (n,) = struct.unpack("<I", take(4))
        for _ in range(n):
            addr = take(20)
            (nt,) = struct.unpack("<I", take(4))
            if nt > 4:
                raise ValueError("state encoding: more than 4 topics")
            topics = tuple(take(32) for _ in range(nt))
            (dl,) = struct.unpack("<I", take(4))
            logs.append(Log(addr, topics, take(dl)))
    if pos != len(data):
        raise ValueError("state encoding: trailing bytes")
    return (out, logs) if with_logs else out


@dataclass
class GuestInput:
    """Everything the guest reads: environment, one signed transaction (EIP-2718 bytes)
    with its sender, and the pre-state (address -> Account). ``dump_state``: ask the
    guest to write the post-state to stdout (not part of the statement)."""

    env: BlockEnv
    sender: bytes
    tx: bytes
    pre: dict[bytes, Account]
    dump_state: bool = False

    def encode(self) -> bytes:
        flags = FLAG_DUMP_STATE if self.dump_state else 0
        return b"".join([MAGIC, struct.pack("<I", flags), self.env.encode(), _addr(self.sender, "sender"),
                         struct.pack("<I", len(self.tx)), bytes(self.tx), encode_state(self.pre)])


@dataclass(frozen=True)
class Journal:
    """The guest's public statement."""

    pre_state_root: bytes
    block_env_digest: bytes
    tx_hash: bytes
    sender: bytes
    post_state_root: bytes
    logs_hash: bytes
    gas_used: int
    status: int

    @classmethod
    def decode(cls, data: bytes) -> "Journal":
        """Parse the 192-byte journal; ``ValueError`` if it has another length."""
        if len(data) != JOURNAL_SIZE:
            raise ValueError(f"an EVM journal is {JOURNAL_SIZE} bytes, got {len(data)}")
        gas_used, status = struct.unpack_from("<QI", data, 180)
        return cls(data[0:32], data[32:64], data[64:96], data[96:116], data[116:148], data[148:180],
                   gas_used, status)

    def encode(self) -> bytes:
        return (self.pre_state_root + self.block_env_digest + self.tx_hash + self.sender + self.post_state_root
                + self.logs_hash + struct.pack("<QI", self.gas_used, self.status))

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, f"unknown ({self.status:#x})")

    def lines(self) -> list[tuple[str, str]]:
        """``(name, value)`` pairs for printing."""
        return [
            ("pre-state root", "0x" + self.pre_state_root.hex()),
            ("block env digest", "0x" + self.block_env_digest.hex()),
            ("tx hash", "0x" + self.tx_hash.hex()),
            ("sender", "0x" + self.sender.hex()),
            ("post-state root", "0x" + self.post_state_root.hex()),
            ("logs hash", "0x" + self.logs_hash.hex()),
            ("gas used", str(self.gas_used)),
            ("status", f"{self.status} ({self.status_name})"),
        ]

"""A local in-process EVM for the on-chain verifier (pyrevm, pinned in pyproject.toml).

pyrevm executes with the pre-Prague intrinsic gas (21 000 + 4 per zero calldata byte,
16 per non-zero byte, in ``gas_used``); this module adds what it does not charge:

* **EIP-7623** (Prague): a transaction pays at least the calldata floor
  ``21 000 + 10 · tokens`` with ``tokens = zero bytes + 4 · non-zero bytes``, i.e.
  ``charged = max(gas_used, floor)``;
* **EIP-7825** (Osaka/Fusaka): no transaction may have a gas limit above
  ``2^24 = 16 777 216``.  Every call runs with that limit and a transaction whose charged
  gas (floor included) exceeds it is reported as over the cap (``ok = False``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .artifacts import Artifact

__all__ = ["LocalChain", "TxReport", "TX_GAS_CAP", "MAX_CODE_SIZE", "calldata_floor"]

#: EIP-7825 per-transaction gas limit cap.
TX_GAS_CAP = 1 << 24
#: EIP-170: the most bytes of runtime code a contract may have
MAX_CODE_SIZE = 24_576
_SENDER = "0x" + "5e" * 20


def calldata_floor(data: bytes) -> int:
    """EIP-7623 floor of a transaction carrying ``data``: 21 000 + 10 per token."""
    nz = len(data) - data.count(0)
    return 21_000 + 10 * ((len(data) - nz) + 4 * nz)


@dataclass
class TxReport:
    """One transaction: ``label``, ``gas`` charged (floor included), pyrevm's ``gas_used``
    (intrinsic + execution), the ``floor``, calldata bytes, success (``ok``: executed
    without revert *and* within the EIP-7825 cap), ``reason`` when not ok, ``output``."""

    label: str
    gas: int
    gas_used: int
    floor: int
    calldata: int
    ok: bool
    reason: str = ""
    output: bytes = b""
    unsupported: bool = False  # not submitted: the piece is not supported yet (reason says why)


class LocalChain:
    """A fresh pyrevm EVM (Cancun rules for execution) with one funded sender."""

    def __init__(self):
        try:
            import pyrevm
        except ImportError as e:  # pragma: no cover - a pinned dependency
            raise RuntimeError(f"pyrevm is not installed ({e}); run scripts/setup.sh") from None
        self.evm = pyrevm.EVM(spec_id="CANCUN")
        self.evm.set_balance(_SENDER, 10 ** 30)
        self.sender = _SENDER
        self.log: list[TxReport] = []
        self._pyrevm = pyrevm
        self.now = 1_700_000_000
        self.set_time(self.now)

    def set_time(self, timestamp: int) -> None:
        """Make later transactions run in a block with this ``timestamp`` (and the next
        block number): time only moves forward."""
        if timestamp < self.now:
            raise ValueError("block time cannot go backwards")
        self.now = timestamp
        n = (self.evm.env.block.number or 0) + 1
        self.evm.set_block_env(self._pyrevm.BlockEnv(number=n, timestamp=timestamp))

    def advance(self, seconds: int) -> None:
        """Let ``seconds`` pass (the next block's timestamp)."""
        self.set_time(self.now + seconds)

    def fund(self, address: str, wei: int) -> None:
        self.evm.set_balance(address, wei)

    def balance(self, address: str) -> int:
        return self.evm.get_balance(address)

    def deploy(self, art: Artifact, args: bytes = b"") -> str:
        """Deploy ``art`` (constructor ``args`` ABI-encoded); returns its address.
        Raises RuntimeError if the creation fails or its code exceeds EIP-170."""
        if len(art.deployed_bytecode) > MAX_CODE_SIZE:
            raise RuntimeError(f"{art.name}: runtime code {len(art.deployed_bytecode)} bytes > {MAX_CODE_SIZE}")
        addr = self.evm.deploy(self.sender, art.bytecode + args, gas=TX_GAS_CAP)
        return addr

    def transact(self, to: str, data: bytes, label: str = "", value: int = 0,
                 sender: str | None = None) -> TxReport:
        """Send one transaction; returns (and logs) its :class:`TxReport`; never raises
        for a revert (``ok=False``)."""
        floor = calldata_floor(data)
        snap = self.evm.snapshot()
        ok, reason, out = True, "", b""
        try:
            out = bytes(self.evm.message_call(sender or self.sender, to, data, value=value,
                                              gas=TX_GAS_CAP))
        except RuntimeError as e:
            ok, reason = False, str(e).split("\n")[0][:200]
        res = self.evm.result
        used = res.gas_used if res is not None else TX_GAS_CAP
        gas = max(used, floor)
        if ok and gas > TX_GAS_CAP:
            ok, reason = False, f"EIP-7825: {gas} gas > cap {TX_GAS_CAP}"
        if not ok:
            self.evm.revert(snap)
        rep = TxReport(label, gas, used, floor, len(data), ok, reason, out)
        self.log.append(rep)
        return rep

    def call(self, to: str, data: bytes) -> bytes:
        """A read-only call (not logged, state unchanged)."""
        snap = self.evm.snapshot()
        try:
            return bytes(self.evm.message_call(self.sender, to, data, gas=TX_GAS_CAP))
        finally:
            self.evm.revert(snap)

"""Building guest inputs in tests: a funded sender, a signed transaction, a pre-state."""

from __future__ import annotations

from zkvm.evm.encoding import Account, BlockEnv, GuestInput
from zkvm.evm.ethutil import Transaction, private_key_to_address

KEY = 0x45A915E4D060149EB4365960E6A7A45F334393093061116B197E3240065FF2D8
SENDER = private_key_to_address(KEY)
COINBASE = bytes.fromhex("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba")
CONTRACT = bytes.fromhex("095e7baea6a6c7c4c2dfeb977efac326af552d87")
ETHER = 10**18


def env(**kw) -> BlockEnv:
    return BlockEnv(coinbase=COINBASE, **kw)


def make_input(tx: Transaction, pre: dict | None = None, *, block: BlockEnv | None = None, key: int = KEY,
               sender: bytes | None = None, balance: int = ETHER, sender_account: Account | None = None) -> GuestInput:
    """``tx`` signed by ``key``; the sender gets ``balance`` unless ``pre`` or
    ``sender_account`` says otherwise."""
    sender = sender or private_key_to_address(key)
    state = {sender: sender_account or Account(balance=balance)}
    state.update(pre or {})
    return GuestInput(block or env(), sender, tx.sign(key), state)


def call(to: bytes = CONTRACT, data: bytes = b"", value: int = 0, gas: int = 200_000, nonce: int = 0,
         **kw) -> Transaction:
    kw.setdefault("gas_price", 10)
    return Transaction(nonce=nonce, gas_limit=gas, to=to, value=value, data=data, **kw)

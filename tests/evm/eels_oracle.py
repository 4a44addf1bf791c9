"""The Ethereum Foundation's executable specification (``ethereum-execution``, Cancun) as
a test oracle: apply a :class:`zkvm.evm.GuestInput` with the specification's own
``process_transaction`` (as its state-test runner ``t8n --state-test`` does: no system
calls, no block reward) and report what the guest's journal must say.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkvm.evm.encoding import GuestInput


@dataclass
class Expected:
    pre_root: bytes
    post_root: bytes
    logs_hash: bytes
    gas_used: int
    valid: bool            # False: the transaction was rejected (state unchanged)
    succeeded: bool | None  # the receipt's status (valid transactions)
    sender: bytes | None    # as recovered by the specification from the signature
    error: str = ""


def run_eels(inp: GuestInput) -> Expected:
    from ethereum_rlp import rlp
    from ethereum_types.bytes import Bytes32
    from ethereum_types.numeric import U64, U256, Uint

    from ethereum.crypto.hash import keccak256
    from ethereum.exceptions import EthereumException
    from ethereum.forks.cancun import fork, vm
    from ethereum.forks.cancun.fork_types import Account, Address
    from ethereum.forks.cancun.state import State, set_account, set_storage, state_root
    from ethereum.forks.cancun.transactions import decode_transaction, recover_sender, LegacyTransaction

    st = State()
    for addr, acc in inp.pre.items():
        set_account(st, Address(addr), Account(nonce=Uint(acc.nonce), balance=U256(acc.balance), code=acc.code))
        for k, v in acc.storage.items():
            set_storage(st, Address(addr), Bytes32(k.to_bytes(32, "big")), U256(v))
    pre_root = bytes(state_root(st))
    env = inp.env
    hashes = []
    for n in range(max(0, env.number - 256), env.number):
        hashes.append(env.block_hashes.get(n))
    block_env = vm.BlockEnvironment(
        chain_id=U64(env.chain_id), state=st, block_gas_limit=Uint(env.gas_limit), block_hashes=hashes,
        coinbase=Address(env.coinbase), number=Uint(env.number), base_fee_per_gas=Uint(env.base_fee),
        time=U256(env.timestamp), prev_randao=Bytes32(env.prev_randao), excess_blob_gas=U64(env.excess_blob_gas),
        parent_beacon_block_root=Bytes32(bytes(32)))
    out = vm.BlockOutput()
    raw = inp.tx
    tx = decode_transaction(rlp.decode_to(LegacyTransaction, raw) if raw[0] >= 0xC0 else raw)
    try:
        sender = bytes(recover_sender(U64(env.chain_id), tx))
    except EthereumException:
        sender = None
    empty_logs = bytes(keccak256(rlp.encode([])))
    try:
        fork.process_transaction(block_env, out, tx, Uint(0))
    except EthereumException as e:
        return Expected(pre_root, pre_root, empty_logs, 0, False, None, sender, f"{type(e).__name__}: {e}")
    receipt = next(iter(out.receipts_trie._data.values()))
    if isinstance(receipt, (bytes, bytearray)):
        succeeded = rlp.decode(bytes(receipt)[1:])[0] == b"\x01"
    else:
        succeeded = bool(receipt.succeeded)
    return Expected(pre_root, bytes(state_root(st)), bytes(keccak256(rlp.encode(out.block_logs))),
                    int(out.block_gas_used), True, succeeded, sender)

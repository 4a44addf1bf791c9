"""Cross-check of the local EVM's gas accounting (pyrevm + the EIP-7623 floor added by
zkvm.onchain.chain) with the Ethereum Foundation's executable specification, fork Osaka
(``ethereum-execution``: what ``ethereum-spec-evm t8n --state.fork Osaka`` runs): one
MerkleFacts.registerOpenings transaction of a real receipt (SHA-256 precompile, storage
write, ~EIP-7623-floor-sized calldata) and one of tiny calldata are charged exactly the same
gas by both, and a gas limit above the EIP-7825 cap is rejected by the specification;
likewise a BattleshipReferee ``create`` (stake, cold storage writes, an event)."""

import pytest

from zkvm.onchain import artifacts, merkle
from zkvm.onchain.chain import TX_GAS_CAP, LocalChain

pytest.importorskip("ethereum.forks.osaka")

KEY = 0x5EED


def _osaka(code: bytes, data: bytes, gas_limit: int = TX_GAS_CAP, value: int = 0):
    """Gas used by the Osaka specification for a call of ``data`` to ``code``; None if the
    transaction is invalid."""
    from ethereum_types.bytes import Bytes32
    from ethereum_types.numeric import U64, U256, Uint

    from ethereum.exceptions import EthereumException
    from ethereum.forks.osaka import fork, vm
    from ethereum.forks.osaka.fork_types import Account, Address
    from ethereum.forks.osaka.state import State, set_account
    from ethereum.forks.osaka.transactions import decode_transaction
    from zkvm.evm.ethutil import Transaction, private_key_to_address

    sender = private_key_to_address(KEY)
    target = bytes.fromhex("c0" * 20)
    st = State()
    set_account(st, Address(sender), Account(nonce=Uint(0), balance=U256(10 ** 24), code=b""))
    set_account(st, Address(target), Account(nonce=Uint(1), balance=U256(0), code=code))
    raw = Transaction(nonce=0, gas_limit=gas_limit, to=target, value=value, data=data, gas_price=10, type=2,
                      chain_id=1, max_priority_fee_per_gas=0).sign(KEY)
    tx = decode_transaction(raw)
    block_env = vm.BlockEnvironment(
        chain_id=U64(1), state=st, block_gas_limit=Uint(60_000_000), block_hashes=[],
        coinbase=Address(bytes(20)), number=Uint(1), base_fee_per_gas=Uint(7), time=U256(1),
        prev_randao=Bytes32(bytes(32)), excess_blob_gas=U64(0), parent_beacon_block_root=Bytes32(bytes(32)))
    out = vm.BlockOutput()
    try:
        fork.check_transaction(block_env, out, tx)
        fork.process_transaction(block_env, out, tx, Uint(0))
    except EthereumException:
        return None
    return int(out.block_gas_used)


def test_gas_matches_the_osaka_specification(fib_receipt):
    raw, iid, _ = fib_receipt
    groups = merkle.group_statements(merkle.record_statements(raw, iid))
    mf = artifacts.load("MerkleFacts")
    g = max(groups, key=lambda g: len(g.dims))
    data = merkle.encode_group(g, mf.selector("registerOpenings"))
    c = LocalChain()
    addr = c.deploy(mf)
    rep = c.transact(addr, data)
    assert rep.ok
    assert rep.floor > rep.gas_used  # the floor binds: the case EIP-7623 changes
    assert _osaka(mf.deployed_bytecode, data) == rep.gas
    # a call where execution, not the floor, decides
    small = merkle.encode_group(min(groups, key=lambda g: len(g.dims) + g.L), mf.selector("registerOpenings"))
    rep2 = c.transact(addr, small)
    assert rep2.ok and rep2.gas_used > rep2.floor
    assert _osaka(mf.deployed_bytecode, small) == rep2.gas
    # EIP-7825: a gas limit above 2^24 is invalid under Osaka
    assert _osaka(mf.deployed_bytecode, small, gas_limit=TX_GAS_CAP + 1) is None


def test_referee_gas_matches_the_osaka_specification():
    from zkvm.evm.ethutil import keccak256
    from zkvm.onchain import abi
    from zkvm.onchain import referee as R

    c = LocalChain()
    st = artifacts.load("StatementCheck")
    v = c.deploy(st, abi.encode_args(["bytes32"] * 6 + ["uint256"] * 3 + ["bytes32[]"],
                                     [bytes(32)] * 3 + [b"\x01" * 32, b"\x02" * 32, bytes(32), 0, 0, 0, []]))
    addr = R.deploy_referee(c, b"\x01" * 32, v)
    n = len(artifacts.load("BattleshipReferee").deployed_bytecode)
    code = bytes(c.evm.get_code(addr))[:n]  # the runtime code with its immutables (pyrevm pads it)
    ref = R.Referee(c, addr)
    ref.create(c.sender, keccak256(b"board"), 10 ** 18)
    rep = ref.reports[-1]
    assert rep.ok and rep.gas_used > rep.floor
    data = abi.encode_call(ref.art.selector("create"), ["bytes32", "address"], [keccak256(b"board"), bytes(20)])
    assert _osaka(code, data, value=10 ** 18) == rep.gas


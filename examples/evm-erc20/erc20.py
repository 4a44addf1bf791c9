"""ERC-20 on the zkvm EVM: deploy a Solidity token into a state, prove a `transfer`,
verify the receipt, print the post-state root and the Transfer log.

    .venv/bin/python examples/evm-erc20/erc20.py                 # prove (default parameters)
    .venv/bin/python examples/evm-erc20/erc20.py --params testing
    .venv/bin/python examples/evm-erc20/erc20.py --execute-only  # no proof

The token's bytecode is in Token.json (compiled from Token.sol by solc-js, see README.md),
so this needs no node and no Solidity compiler.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from zkvm.evm import abi, host
from zkvm.evm.ethutil import keccak256, mapping_slot, private_key_to_address
from zkvm.evm.session import EvmSession

HERE = Path(__file__).resolve().parent
ALICE_KEY = int.from_bytes(keccak256(b"zkvm example: alice"), "big")
BOB = private_key_to_address(int.from_bytes(keccak256(b"zkvm example: bob"), "big"))
SUPPLY = 1_000_000 * 10**18
AMOUNT = 1234 * 10**18


def storage_slot(artifact: dict, name: str) -> int:
    for s in artifact["storageLayout"]["storage"]:
        if s["label"] == name:
            return int(s["slot"])
    raise KeyError(name)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", default="default", choices=host.PRESETS)
    ap.add_argument("--execute-only", action="store_true", help="run the transfer without proving it")
    ap.add_argument("--receipt", type=Path, help="also write the receipt here")
    args = ap.parse_args(argv)

    token = json.loads((HERE / "Token.json").read_text())
    alice = private_key_to_address(ALICE_KEY)
    s = EvmSession()
    s.fund(alice, 10**18)

    # 1. deploy: the constructor runs in the guest (executor); the host gets the new state
    creation = bytes.fromhex(token["bytecode"][2:]) + abi.encode_value("uint256", SUPPLY)
    dep = s.deploy(ALICE_KEY, creation)
    addr = dep.created
    print(f"deployed Token at 0x{addr.hex()} ({dep.journal.gas_used} gas, {dep.cycles} cycles)")

    # 2. prove transfer(bob, AMOUNT)
    data = abi.call_data("transfer(address,uint256)", BOB, AMOUNT)
    timings: dict = {}
    t0 = time.perf_counter()
    if args.execute_only:
        out = s.execute(ALICE_KEY, addr, data)
    else:
        out = s.prove(ALICE_KEY, addr, data, params=args.params, timings=timings)
    dt = time.perf_counter() - t0
    j = out.journal

    # 3. verify the receipt against the EVM guest's pinned image ID
    if out.receipt is not None:
        verified = host.verify(out.receipt, args.params)
        assert verified == j
        if args.receipt:
            args.receipt.write_bytes(out.receipt.to_bytes())
        print(f"proved and verified in {dt:.1f} s (params {args.params}; image ID "
              f"{host.pinned_image_id(args.params).hex()[:16]}...)")

    # 4. the statement and the Transfer log (the log is checked against the logs hash)
    print(f"status           {j.status_name}")
    print(f"gas used         {j.gas_used}")
    print(f"cycles           {out.cycles} ({out.cycles / j.gas_used:.1f} cycles per gas)")
    print(f"pre-state root   0x{j.pre_state_root.hex()}")
    print(f"post-state root  0x{j.post_state_root.hex()}")
    transfer_topic = abi.event_topic("Transfer(address,address,uint256)")
    logs = [lg for lg in out.logs if lg.topics and lg.topics[0] == transfer_topic]
    for lg in logs:
        frm, to = lg.topics[1][12:], lg.topics[2][12:]
        (value,) = abi.decode(["uint256"], lg.data)
        print(f"Transfer         from 0x{frm.hex()} to 0x{to.hex()} value {value}")
    bal_slot = storage_slot(token, "balanceOf")
    storage = s.state[addr].storage
    balances = {who: storage.get(mapping_slot(who, bal_slot), 0) for who in (alice, BOB)}
    print(f"balances         alice {balances[alice]}, bob {balances[BOB]}")
    return {"journal": j, "logs": logs, "balances": balances, "alice": alice, "bob": BOB, "token": addr,
            "cycles": out.cycles, "receipt": out.receipt, "seconds": dt}


if __name__ == "__main__":
    main(sys.argv[1:])

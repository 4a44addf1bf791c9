"""Battleship on the zkvm EVM: the defender commits to a board hash (contract deployment),
the attacker shoots (this move is proven), the defender answers, and at the end reveals
the board; the contract checks the commitment and every answer.

    .venv/bin/python examples/evm-battleship/battleship.py                 # prove the shot
    .venv/bin/python examples/evm-battleship/battleship.py --params testing
    .venv/bin/python examples/evm-battleship/battleship.py --execute-only

Battleship.json holds the contract compiled by solc-js (see ../evm-erc20/README.md).
Every transaction runs in the EVM guest; the host keeps the state between them and each
journal's pre-state root is checked to be the previous post-state root.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from zkvm.evm import abi, host
from zkvm.evm.ethutil import keccak256, private_key_to_address
from zkvm.evm.session import EvmSession

HERE = Path(__file__).resolve().parent
DEFENDER_KEY = int.from_bytes(keccak256(b"zkvm example: defender"), "big")
ATTACKER_KEY = int.from_bytes(keccak256(b"zkvm example: attacker"), "big")
SALT = keccak256(b"zkvm example: salt")

# ships of length 5, 4, 3, 3, 2 (17 cells); cell = 10 * row + column
SHIPS = [[0, 1, 2, 3, 4], [20, 30, 40, 50], [66, 67, 68], [81, 82, 83], [98, 99]]
SHOTS = [2, 55, 66, 67, 68, 11]


def board_mask() -> int:
    return sum(1 << c for ship in SHIPS for c in ship)


def commitment(board: int, salt: bytes) -> bytes:
    return keccak256(board.to_bytes(16, "big") + salt)  # abi.encodePacked(uint128, bytes32)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", default="default", choices=host.PRESETS)
    ap.add_argument("--execute-only", action="store_true", help="prove nothing")
    args = ap.parse_args(argv)

    art = json.loads((HERE / "Battleship.json").read_text())
    defender, attacker = private_key_to_address(DEFENDER_KEY), private_key_to_address(ATTACKER_KEY)
    board = board_mask()
    s = EvmSession()
    s.fund(defender, 10**18)
    s.fund(attacker, 10**18)

    # 1. commit: deploy the game with the board commitment
    creation = (bytes.fromhex(art["bytecode"][2:]) + abi.encode_value("address", attacker)
                + abi.encode_value("bytes32", commitment(board, SALT)))
    game = s.deploy(DEFENDER_KEY, creation).created
    print(f"game at 0x{game.hex()}, board commitment 0x{commitment(board, SALT).hex()}")

    results = []
    proven = None
    for n, cell in enumerate(SHOTS):
        data = abi.call_data("shoot(uint8)", cell)
        if n == 0 and not args.execute_only:  # 2. one move, proven
            t0 = time.perf_counter()
            out = s.prove(ATTACKER_KEY, game, data, params=args.params)
            proven = out
            assert host.verify(out.receipt, args.params) == out.journal
            print(f"shot {cell}: proven and verified in {time.perf_counter() - t0:.1f} s "
                  f"({out.journal.gas_used} gas, {out.cycles} cycles, post-state root "
                  f"0x{out.journal.post_state_root.hex()[:16]}...)")
        else:
            out = s.execute(ATTACKER_KEY, game, data)
        assert out.ok, out.journal.status_name
        # 3. the defender answers truthfully
        hit = bool(board >> cell & 1)
        ans = s.execute(DEFENDER_KEY, game, abi.call_data("answer(bool)", hit))
        assert ans.ok
        results.append((cell, hit))
        print(f"shot {cell:2d}: {'hit' if hit else 'miss'}")

    # 4. reveal: the contract checks the commitment and the answers. A wrong salt does not
    # open the commitment: that transaction reverts.
    cheat = s.execute(DEFENDER_KEY, game, abi.call_data("reveal(uint128,bytes32)", board, b"\0" * 32))
    print(f"reveal with another salt: {cheat.journal.status_name}")
    rev = s.execute(DEFENDER_KEY, game, abi.call_data("reveal(uint128,bytes32)", board, SALT))
    topic = abi.event_topic("Revealed(bool,uint8,address)")
    (log,) = [lg for lg in rev.logs if lg.topics[0] == topic]
    honest, hits, winner = abi.decode(["bool", "uint8", "address"], log.data)
    who = "defender" if winner == defender else "attacker"
    print(f"revealed: honest={honest}, hits={hits}, winner={who} (0x{winner.hex()})")
    return {"results": results, "honest": honest, "hits": hits, "winner": winner, "defender": defender,
            "proven": proven, "cheat_status": cheat.journal.status, "game": game}


if __name__ == "__main__":
    main(sys.argv[1:])

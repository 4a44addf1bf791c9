"""Gas of a whole battleship game on chain (issue 19, docs/onchain.md "The Battleship
referee"): BattleshipReferee.sol over the on-chain STARK verifier, in the local EVM
(pyrevm, EIP-7623 floor, EIP-7825 cap).

    .venv/bin/python bench/bench_battleship_referee.py [--receipt R.bin --image-id HEX] [--seed N]

Bob plays the public sample board (examples/battleship/input-hit.bin: sample fleet and
salt), so the sample receipt (proven here with ``--params evm`` unless ``--receipt`` is
given) is his real answer to Alice's first shot (3, 4): Alice challenges it, the receipt
is verified on chain and ``prove`` settles the challenge.  The rest of the game is played
optimistically (honest answers, unchallenged) to a winner; then the challenge window
passes, ``settle`` and ``withdraw``.  Prints every transaction kind's count, total and
largest gas, and the totals.  Gas is deterministic: no timing, no dependence on load.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
from pathlib import Path

from zkvm.onchain import referee as R
from zkvm.onchain import session, statement
from zkvm.onchain.chain import TX_GAS_CAP, LocalChain

REPO = Path(__file__).resolve().parents[1]


def _example_module(name: str):
    """``examples/battleship/<name>.py`` as module ``name`` (no sys.path change)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / "battleship" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


bs = _example_module("battleship")

ALICE, BOB = "0x" + "a1" * 20, "0x" + "b0" * 20
STAKE = 10 ** 18


def sample_receipt() -> tuple[bytes, bytes]:
    import tempfile

    from zkvm import api

    with tempfile.TemporaryDirectory() as d:
        elf = Path(d) / "battleship.elf"
        api.build(REPO / "examples" / "battleship", elf, image_id_params="evm", debug_copy=False)
        r = api.prove(elf, (REPO / "examples" / "battleship" / "input-hit.bin").read_bytes(), params="evm")
        return r.to_bytes(), r.image_id


def choose(rng, tried, targets):
    while targets:
        c = targets.pop()
        if c not in tried:
            break
    else:
        free = [(x, y) for y in range(10) for x in range(10) if (x, y) not in tried]
        c = rng.choice([f for f in free if sum(f) % 2 == 0] or free)
    tried.add(c)
    return c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--receipt", type=Path)
    ap.add_argument("--image-id")
    ap.add_argument("--seed", type=int, default=19)
    a = ap.parse_args()
    if a.receipt:
        raw, iid = a.receipt.read_bytes(), bytes.fromhex(a.image_id)
    else:
        raw, iid = sample_receipt()
    rec = session.record(raw, iid)
    chain = LocalChain()
    addrs = statement.deploy(chain, statement.shape_of(rec))
    ref = R.Referee(chain, R.deploy_referee(chain, iid, addrs["st"]))
    for who in (ALICE, BOB):
        chain.fund(who, 10 * STAKE)
    rng = random.Random(a.seed)
    boards = [bs.board_from_ships(bs.SAMPLE_FLEET), bs.board_from_ships(bs.SAMPLE_FLEET)]
    salts = [rng.randbytes(32), bs.SAMPLE_SALT]  # Alice: same fleet, her own salt
    addr = (ALICE, BOB)
    tried, targets = ([set(), set()]), ([[], []])
    g = ref.create(ALICE, bs.commitment(boards[0], salts[0]), STAKE)
    ref.join(BOB, g, bs.commitment(boards[1], salts[1]), STAKE)
    shot = (3, 4)
    tried[0].add(shot)
    ref.shoot(ALICE, g, *shot)
    k, verify = 0, None
    while True:
        s, d = k % 2, 1 - k % 2
        hit = int(boards[d][shot[1] * 10 + shot[0]] != 0)
        if hit:
            x, y = shot
            targets[s] += [(p, q) for p, q in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1))
                           if 0 <= p < 10 and 0 <= q < 10]
        if hit and ref.game(g).hits[s] + 1 == 17:
            ref.answer(addr[d], g, hit)
            break
        nxt = choose(rng, tried[d], targets[d])
        ref.answer(addr[d], g, hit, *nxt)
        if k == 0:  # Alice challenges Bob's answer to (3, 4); the sample receipt proves it
            ref.challenge(ALICE, g, 0)
            verify = statement.verify_onchain(rec, chain, addrs)
            if not verify.accepted:
                print(f"REJECT: {verify.reason}")
                return 1
            ref.prove(BOB, g, 0)
        chain.advance(60)
        k, shot = k + 1, nxt
    chain.advance(R.DEFAULT_TIMING["challenge_window"] + 1)
    st = ref.game(g)
    ref.settle(ALICE, g)
    ref.withdraw(addr[st.winner])
    ref.withdraw(BOB if st.winner == 0 else ALICE) if ref.balance_of(BOB if st.winner == 0 else ALICE) else None
    groups: dict = {}
    for r in ref.reports:
        kind = r.label.split()[0] + (" " + r.label.split()[1].rstrip(",") if r.label.startswith("answer") else "")
        gr = groups.setdefault(kind, [0, 0, 0])
        gr[0], gr[1], gr[2] = gr[0] + 1, gr[1] + r.gas, max(gr[2], r.gas)
    game_gas = sum(r.gas for r in ref.reports)
    vgas = sum(r.gas for r in verify.reports)
    print(f"game: {st.shots} shots, winner {('alice', 'bob')[st.winner]} ({st.hits[0]}-{st.hits[1]} hits)")
    print(f"{'referee transaction':22s} {'tx':>4s} {'gas':>11s} {'largest':>9s}")
    for kind, (n, gas, mx) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        print(f"{kind:22s} {n:4d} {gas:11d} {mx:9d}")
    print(f"{'referee total':22s} {len(ref.reports):4d} {game_gas:11d}")
    print(f"{'verify 1 answer':22s} {len(verify.reports):4d} {vgas:11d} {max(r.gas for r in verify.reports):9d}")
    print(f"{'game + 1 verified':22s} {len(ref.reports) + len(verify.reports):4d} {game_gas + vgas:11d}")
    assert all(r.gas <= TX_GAS_CAP for r in ref.reports + verify.reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Battleship referee contract (contracts/src/BattleshipReferee.sol) in the local EVM,
with REAL receipts of examples/battleship proven with ``--params evm``.

Alice builds the agreed guest source and publishes its manifest; Bob reproduces the ELF
with ``verify-build`` (examples/battleship/game.py ``setup``).  Alice deploys the
verifier contracts for her image (its shape from a receipt of the public sample input)
and the referee pinned to her image ID; Bob audits the deployment against HIS
reproduction (:func:`zkvm.onchain.referee.audit_referee`) before staking.

* Game 1: a whole game to a winner (17 hits), optimistic answers; Alice challenges one of
  Bob's answers and Bob gets his real receipt ACCEPTed by the verifier contracts through
  ``prove``; the pot is paid after the challenge window.
* Game 2: Bob lies (says miss on a hit); neither his game-1 receipt for the same cell
  (another game's commitment) nor his true receipt for this shot (another journal)
  proves the lie: Alice wins by forfeit.
Three proofs in all (the sample, Bob's honest answer, Bob's true answer to the lie), in
ONE test (so that pytest-xdist does not build and prove twice).  The game rules, timeouts
and "a win whose answer is challenged and not proven is not paid" are tested without
proofs against a referee whose verifier has no registered shape (it accepts nothing).
"""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from tests.support.elfs import load_example_modules
from zkvm import api
from zkvm.cli import app
from zkvm.evm.ethutil import keccak256
from zkvm.onchain import abi, artifacts, session, statement
from zkvm.onchain import referee as R
from zkvm.onchain.chain import TX_GAS_CAP, LocalChain
from zkvm.stark.errors import VerificationError

bs, game = load_example_modules("battleship", "battleship", "game")

STAKE = 10 ** 18
BOND = R.DEFAULT_TIMING["challenge_bond"]
MOVE, WINDOW, PROOF = (R.DEFAULT_TIMING[k] for k in ("move_timeout", "challenge_window", "proof_window"))
ALICE, BOB, EVE = "0x" + "a1" * 20, "0x" + "b0" * 20, "0x" + "ee" * 20

FLEET_A = [bs.Ship(1, 0, 9, "h"), bs.Ship(2, 0, 0, "v"), bs.Ship(3, 5, 5, "h"),
           bs.Ship(4, 9, 0, "v"), bs.Ship(5, 3, 2, "h")]
FLEET_B = [bs.Ship(1, 5, 0, "h"), bs.Ship(2, 0, 6, "h"), bs.Ship(3, 7, 7, "v"),
           bs.Ship(4, 2, 2, "v"), bs.Ship(5, 8, 3, "h")]


class Player:
    """A player: address, private board and salt, and a hunt/target shooting strategy."""

    def __init__(self, addr: str, fleet, salt: bytes, seed: int):
        self.addr, self.board, self.salt = addr, bs.board_from_ships(fleet), salt
        self.rng = random.Random(seed)
        self.tried: set = set()
        self.targets: list = []

    @property
    def commitment(self) -> bytes:
        return bs.commitment(self.board, self.salt)

    def hit_at(self, x: int, y: int) -> int:
        return int(self.board[y * 10 + x] != 0)

    def input_for(self, x: int, y: int) -> bytes:
        return bs.encode_input(self.board, self.salt, (x, y))

    def choose(self) -> tuple:
        while self.targets:
            c = self.targets.pop()
            if c not in self.tried:
                break
        else:
            c = self.rng.choice([(x, y) for y in range(10) for x in range(10)
                                 if (x, y) not in self.tried and (x + y) % 2 == 0] or
                                [(x, y) for y in range(10) for x in range(10) if (x, y) not in self.tried])
        self.tried.add(c)
        return c

    def learn(self, cell, hit: int):
        if hit:
            x, y = cell
            self.targets += [(a, b) for a, b in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1))
                             if 0 <= a < 10 and 0 <= b < 10 and (a, b) not in self.tried]


def refused(fn, *args, error: str, **kw):
    with pytest.raises(R.RefereeRefused) as e:
        fn(*args, **kw)
    assert e.value.error == error, (e.value.error, e.value.report.reason)
    return e.value


def build_world(wd):
    """Alice's build and deployment, Bob's reproduction: a dict."""
    built = game.setup(wd, "evm", log=lambda *a: None)
    alice_iid = bytes.fromhex(json.loads(built["manifest"].read_text())["image_id"])
    bob_iid = built["image_id"]  # what Bob's verify-build reproduced (MATCH, or setup raised)
    # Alice: the verifier's shape from a receipt of the public sample input, then the contracts
    sample = api.prove(built["alice_elf"], (game.HERE / "input-hit.bin").read_bytes(), params="evm").to_bytes()
    shape = statement.shape_of(session.record(sample, alice_iid))
    chain = LocalChain()
    addrs = statement.deploy(chain, shape)
    ref_addr = R.deploy_referee(chain, alice_iid, addrs["st"])
    for who in (ALICE, BOB, EVE):
        chain.fund(who, 100 * STAKE)
    return {"chain": chain, "addrs": addrs, "ref": R.Referee(chain, ref_addr), "ref_addr": ref_addr, "dir": wd,
            "alice_iid": alice_iid, "bob_iid": bob_iid, "bob_elf": built["bob_elf"], "sample": sample,
            "shape": shape, "proven": {}}


@pytest.fixture(scope="module")
def cheap():
    """A referee over a StatementCheck with no registered shape (it ACCEPTs nothing)."""
    chain = LocalChain()
    iid, vk = keccak256(b"some image"), keccak256(b"its verifying key")
    st = artifacts.load("StatementCheck")
    v = chain.deploy(st, abi.encode_args(["bytes32"] * 6 + ["uint256"] * 3 + ["bytes32[]"],
                                         [bytes(32)] * 3 + [iid, vk, bytes(32), 0, 0, 0, []]))
    for who in (ALICE, BOB, EVE):
        chain.fund(who, 100 * STAKE)
    return {"chain": chain, "ref": R.Referee(chain, R.deploy_referee(chain, iid, v)), "vk": vk, "v": v}


def prove_on_chain(w, player: Player, x: int, y: int, before=None):
    """The defender proves the guest's run on their board for shot (x, y) with the ELF Bob
    rebuilt, and gets the receipt ACCEPTed by the deployed verifier contracts
    (``before(rec)`` runs first, with the recorded verification)."""
    raw = api.prove(w["bob_elf"], player.input_for(x, y), params="evm").to_bytes()
    rec = session.record(raw, w["bob_iid"])
    if before is not None:
        before(rec)
    res = statement.verify_onchain(rec, w["chain"], w["addrs"])
    assert res.accepted, res.reason
    assert all(r.gas <= TX_GAS_CAP for r in res.reports)
    return raw, res


def bob_audits(w):
    assert w["bob_iid"] == w["alice_iid"]
    assert w["ref"].image_id() == w["bob_iid"]
    # Bob's shape: Alice's published sample receipt verified against HIS image ID
    bob_shape = statement.shape_of(session.record(w["sample"], w["bob_iid"]))
    assert R.audit_referee(w["chain"], w["ref_addr"], w["bob_iid"], bob_shape) == []
    # a referee or verifier for another image fails the audit / cannot be deployed
    other = bytes([w["bob_iid"][0] ^ 1]) + w["bob_iid"][1:]
    assert R.audit_referee(w["chain"], w["ref_addr"], other, bob_shape)
    with pytest.raises(RuntimeError, match="BadVerifier"):
        R.deploy_referee(w["chain"], other, w["addrs"]["st"])
    # the sample receipt checked against another image ID: rejected, nothing to submit
    with pytest.raises(VerificationError):
        session.record(w["sample"], other)


def test_answer_key_is_the_verifiers_record_key(cheap):
    """The referee reads StatementCheck.accepted[keccak(vk, exit code 0, keccak(journal))]
    for the guest's exact 35-byte journal."""
    ref = cheap["ref"]
    c = bytes(range(32))
    want = keccak256(abi.encode_args(["bytes32", "uint256", "bytes32"],
                                     [cheap["vk"], 0, keccak256(R.answer_journal(c, 3, 4, 1))]))
    assert ref.answer_key(c, 3, 4, 1) == want
    assert ref.answer_key(c, 4, 3, 1) != want and ref.answer_key(c, 3, 4, 0) != want


def test_full_game_on_chain_with_real_receipts(tmp_path):
    w = build_world(tmp_path)
    bob_audits(w)
    full_game(w)
    lying_answer_loses(w)


def full_game(w):
    chain, ref = w["chain"], w["ref"]
    rng = random.Random(1919)
    alice = Player(ALICE, FLEET_A, rng.randbytes(32), 1)
    bob = Player(BOB, FLEET_B, rng.randbytes(32), 2)
    players = (alice, bob)
    g = ref.create(ALICE, alice.commitment, STAKE, opponent=BOB)
    refused(ref.join, EVE, g, bytes(32), STAKE, error="NotPlayer")
    refused(ref.join, BOB, g, alice.commitment, STAKE, error="CommitmentUsed")
    refused(ref.join, BOB, g, bob.commitment, STAKE // 2, error="BadStake")
    ref.join(BOB, g, bob.commitment, STAKE)
    refused(ref.join, BOB, g, bytes(31) + b"\x01", STAKE, error="NotOpen")
    refused(ref.shoot, BOB, g, 0, 0, error="NotYourTurn")
    refused(ref.shoot, ALICE, g, 10, 0, error="OffBoard")
    start = len(ref.reports)
    shot = first = alice.choose()
    ref.shoot(ALICE, g, *shot)
    k, challenged = 0, None
    refused(ref.answer, ALICE, g, 0, 1, 1, error="NotYourTurn")
    refused(ref.answer, BOB, g, 2, 1, 1, error="BadAnswer")
    while True:
        shooter, defender = players[k % 2], players[1 - k % 2]
        hit = defender.hit_at(*shot)  # both play honestly
        shooter.learn(shot, hit)
        st = ref.game(g)
        if hit and st.hits[k % 2] + 1 == 17:
            ref.answer(defender.addr, g, hit)
            break
        nxt = defender.choose()
        if k == 1:  # Alice (answering Bob's first shot) fires at her first cell again
            refused(ref.answer, ALICE, g, hit, *first, error="AlreadyFired")
        ref.answer(defender.addr, g, hit, *nxt)
        if challenged is None and defender is bob and not hit:
            refused(ref.challenge, BOB, g, k, error="NotPlayer")  # only the shooter challenges
            refused(ref.challenge, ALICE, g, k, bond=BOND - 1, error="BadStake")
            refused(ref.challenge, ALICE, g, k + 1, error="NotChallengeable")  # not answered yet
            ref.challenge(ALICE, g, k)
            challenged = (k, shot)
        chain.advance(60)
        k, shot = k + 1, nxt
    st = ref.game(g)
    assert st.status == "ended" and st.hits[st.winner] == 17 and st.shots == k + 1
    assert challenged is not None and st.open_challenges == 1
    game_reports = ref.reports[start:]

    # The pot cannot be paid before the challenge window is over (nor with a challenge
    # open: test_timeouts_and_an_unproven_win_is_not_paid).
    refused(ref.settle, ALICE, g, error="TooEarly")
    ck, (cx, cy) = challenged
    refused(ref.prove, BOB, g, ck, error="NotProven")
    def decoy(rec):
        """The receipt ACCEPTed by another verifier deployment (same code and key, but
        claiming another image ID): the referee does not read its records."""
        other = bytes(32)
        d = statement.deploy(chain, dict(statement.shape_of(rec), image_id=other), facts=w["addrs"])
        assert statement.verify_onchain(rec, chain, d).accepted
        refused(ref.prove, BOB, g, ck, error="NotProven")

    # Bob proves his real answer: the receipt is ACCEPTed by the verifier contracts
    raw, res = prove_on_chain(w, bob, cx, cy, before=decoy)
    # ... and by `zkvm onchain verify` (its own local EVM); a tampered copy is REJECTed
    path, bad = w["dir"] / "answer.bin", w["dir"] / "tampered.bin"
    path.write_bytes(raw)
    flipped = bytearray(raw)
    flipped[len(raw) * 3 // 4] ^= 0x10  # Merkle/FRI data: judged on chain
    bad.write_bytes(bytes(flipped))
    out = CliRunner().invoke(app, ["onchain", "verify", str(path), "--image-id", w["bob_iid"].hex()])
    assert out.exit_code == 0 and out.output.strip().endswith("ACCEPT"), out.output
    out = CliRunner().invoke(app, ["onchain", "verify", str(bad), "--image-id", w["bob_iid"].hex()])
    assert out.exit_code == 1 and "REJECT" in out.output and "REVERT" in out.output, out.output
    w["proven"] = {"commitment": bob.commitment, "cell": (cx, cy)}
    # ... a claim with another journal (the other answer) is REJECTed by the statement check
    stc = artifacts.load("StatementCheck")
    lie = R.answer_journal(bob.commitment, cx, cy, 1)
    r = chain.transact(w["addrs"]["st"], statement.check_call(res.shape, res.deep_out, stc.selector("check"),
                                                             journal=lie), "another journal")
    assert not r.ok
    # ... the record answers only its own shot: another of Bob's misses stays unproven
    other = next(i for i in range(0, st.shots, 2) if i != ck and ref.shot(g, i)[2:4] == (0, 1))
    refused(ref.prove, EVE, g, other, error="NotProven")
    before = ref.balance_of(BOB)
    rp = ref.prove(EVE, g, ck)  # anyone may point the referee at the record
    assert ref.shot(g, ck)[3] == 3 and ref.balance_of(BOB) == before + BOND
    refused(ref.challenge, ALICE, g, ck, error="NotChallengeable")  # proven: final
    chain.advance(WINDOW + 1)
    rs = ref.settle(EVE, g)
    winner = players[st.winner]
    assert ref.balance_of(winner.addr) >= 2 * STAKE
    refused(ref.settle, EVE, g, error="NotActive")
    eth = chain.balance(winner.addr)
    ref.withdraw(winner.addr)
    assert chain.balance(winner.addr) > eth and ref.balance_of(winner.addr) == 0
    refused(ref.withdraw, winner.addr, error="NothingToWithdraw")

    # gas: every transaction under the EIP-7825 cap; the figures for docs/onchain.md
    game_gas = sum(r.gas for r in game_reports)
    verify_gas = sum(r.gas for r in res.reports)
    assert all(r.gas <= TX_GAS_CAP for r in ref.reports + res.reports)
    print(f"\ngame 1: {st.shots} shots, winner {('alice', 'bob')[st.winner]}; {len(game_reports)} game tx "
          f"{game_gas} gas (max {max(r.gas for r in game_reports)}); verification of the challenged answer "
          f"{len(res.reports)} tx {verify_gas} gas (max {max(r.gas for r in res.reports)}); "
          f"prove {rp.gas}, settle {rs.gas}")


def lying_answer_loses(w):
    chain, ref = w["chain"], w["ref"]
    assert w["proven"], "runs after the full game"
    cx, cy = w["proven"]["cell"]
    old = w["proven"]["commitment"]
    rng = random.Random(2020)
    while True:  # Bob's new board has a ship where his game-1 board had water
        fleet = game.random_fleet(rng)
        bob = Player(BOB, fleet, rng.randbytes(32), 3)
        if bob.hit_at(cx, cy):
            break
    alice = Player(ALICE, FLEET_A, rng.randbytes(32), 4)
    refused(ref.create, BOB, old, STAKE, error="CommitmentUsed")  # boards are single-use
    g = ref.create(ALICE, alice.commitment, STAKE)
    ref.join(BOB, g, bob.commitment, STAKE)
    ref.shoot(ALICE, g, cx, cy)
    ref.answer(BOB, g, 0, 0, 0)  # the lie: "miss"
    ref.challenge(ALICE, g, 0)
    # Bob's game-1 receipt says (cx, cy) is a miss -- for his game-1 commitment
    v, stc = w["addrs"]["st"], artifacts.load("StatementCheck")
    accepted = lambda key: chain.call(v, stc.selector("accepted") + key)[-1] == 1  # noqa: E731
    assert accepted(ref.answer_key(old, cx, cy, 0))
    refused(ref.prove, BOB, g, 0, error="NotProven")
    # Bob's true receipt for this shot is ACCEPTed by the verifier: it proves "hit", not the lie
    prove_on_chain(w, bob, cx, cy)
    assert accepted(ref.answer_key(bob.commitment, cx, cy, 1))
    refused(ref.prove, BOB, g, 0, error="NotProven")
    ref.answer(ALICE, g, alice.hit_at(0, 0), 1, 1)  # the game goes on meanwhile
    refused(ref.claim_forfeit, ALICE, g, 0, error="TooEarly")
    chain.advance(PROOF + 1)
    refused(ref.claim_forfeit, ALICE, g, 1, error="NotChallenged")
    before = ref.balance_of(ALICE)
    ref.claim_forfeit(EVE, g, 0)  # anyone may call; the challenger wins
    assert ref.balance_of(ALICE) == before + 2 * STAKE + BOND
    assert ref.game(g).status == "settled" and ref.game(g).winner == 0
    refused(ref.settle, ALICE, g, error="NotActive")
    refused(ref.answer, BOB, g, 1, 2, 2, error="NotActive")


def test_timeouts_and_an_unproven_win_is_not_paid(cheap):
    chain, ref = cheap["chain"], cheap["ref"]
    ca, cb = keccak256(b"game 3 alice"), keccak256(b"game 3 bob")  # commitments (boards never proven)
    g = ref.create(ALICE, ca, STAKE)
    ref.join(BOB, g, cb, STAKE)
    ref.shoot(ALICE, g, 1, 1)
    ref.answer(BOB, g, 0, 2, 2)
    refused(ref.claim_timeout, BOB, g, error="TooEarly")
    chain.advance(MOVE + 1)  # Alice stalls
    ref.claim_timeout(EVE, g)
    st = ref.game(g)
    assert st.status == "ended" and st.winner == 1
    refused(ref.answer, ALICE, g, 0, 3, 3, error="NotActive")
    refused(ref.settle, BOB, g, error="TooEarly")
    refused(ref.challenge, ALICE, g, 2, error="NoSuchShot")
    ref.challenge(ALICE, g, 0)  # the loser doubts Bob's only answer, within the window
    refused(ref.challenge, ALICE, g, 0, error="NotChallengeable")  # once
    chain.advance(WINDOW + 1)
    refused(ref.settle, BOB, g, error="ChallengesOpen")  # Bob's win is not paid unproven
    refused(ref.prove, BOB, g, 0, error="NotProven")
    chain.advance(PROOF)
    before = ref.balance_of(ALICE)
    ref.claim_forfeit(ALICE, g, 0)
    assert ref.balance_of(ALICE) == before + 2 * STAKE + BOND
    for fn, args in ((ref.claim_forfeit, (0,)), (ref.prove, (0,)), (ref.challenge, (0,)), (ref.settle, ()),
                     (ref.claim_timeout, ())):
        refused(fn, ALICE, g, *args, error="NotActive")  # settled: nothing moves any more

    # game 4: a timeout win with no challenge is paid after the window; late challenges fail
    g = ref.create(ALICE, keccak256(b"game 4 alice"), STAKE)
    refused(ref.cancel, BOB, g, error="NotPlayer")
    ref.join(BOB, g, keccak256(b"game 4 bob"), STAKE)
    refused(ref.cancel, ALICE, g, error="NotOpen")
    ref.shoot(ALICE, g, 0, 0)
    ref.answer(BOB, g, 1, 5, 5)
    chain.advance(MOVE + 1)
    ref.claim_timeout(BOB, g)  # Alice did not answer: Bob wins
    chain.advance(WINDOW + 1)
    refused(ref.challenge, ALICE, g, 0, error="TooLate")
    before = ref.balance_of(BOB)
    ref.settle(ALICE, g)
    assert ref.balance_of(BOB) == before + 2 * STAKE

    # an open game nobody joined: only its creator cancels, and gets the stake back
    g = ref.create(ALICE, keccak256(b"game 5 alice"), STAKE)
    before = ref.balance_of(ALICE)
    ref.cancel(ALICE, g)
    assert ref.balance_of(ALICE) == before + STAKE
    refused(ref.join, BOB, g, keccak256(b"game 5 bob"), STAKE, error="NotOpen")
    refused(ref.create, ALICE, keccak256(b"game 6"), 0, error="BadStake")


def test_driver_rejects_malformed_input(cheap):
    with pytest.raises(ValueError):
        R.answer_journal(bytes(32), 10, 0, 1)
    with pytest.raises(ValueError):
        R.answer_journal(bytes(32), 0, 0, 2)
    with pytest.raises(ValueError):
        R.deploy_referee(cheap["chain"], bytes(31), cheap["v"])
    ref = cheap["ref"]
    g = ref.create(ALICE, keccak256(b"driver alice"), STAKE)
    ref.join(BOB, g, keccak256(b"driver bob"), STAKE)
    refused(ref.shoot, ALICE, g, 256, 0, error="?")  # not a uint8: the ABI decoder reverts
    ref.shoot(ALICE, g, 9, 9)
    refused(ref.shoot, ALICE, g, 0, 0, error="NotYourTurn")  # only the first shot uses shoot
    assert ref.shot(g, 0)[:4] == (9, 9, 0, 0)


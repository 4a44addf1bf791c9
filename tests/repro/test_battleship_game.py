"""The battleship scenario: the referee pinned to an image ID accepts honest answers and
rejects a modified guest, a changed board, a replayed receipt and a tampered journal;
a whole small game runs end to end.

The referee's logic is tested twice: with a stand-in verifier (fast, always runs) and
with real receipts from the zkvm prover (testing parameters), which need
``zkvm.api.prove``/``verify`` (skipped, saying so, where the API lacks them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.elfs import load_example_modules
from zkvm import api
from zkvm.toolchain import cached_build

REPO = Path(__file__).resolve().parents[2]
BS = REPO / "examples" / "battleship"


# The example's scripts import each other by plain name (as when run from their
# directory): load_example_modules registers them under those names.
bs, referee, game = load_example_modules("battleship", "battleship", "referee", "game")
Referee, Rejected = referee.Referee, referee.Rejected

BOARD_A = bs.board_from_ships(bs.SAMPLE_FLEET)
SALT = bs.SAMPLE_SALT
FLEET_B = [bs.Ship(1, 0, 9, "h"), bs.Ship(2, 0, 0, "v"), bs.Ship(3, 5, 5, "h"),
           bs.Ship(4, 9, 0, "v"), bs.Ship(5, 3, 2, "h")]
BOARD_B = bs.board_from_ships(FLEET_B)
BOARD_C = bs.board_from_ships([bs.Ship(1, 5, 0, "h"), bs.Ship(2, 0, 6, "h"), bs.Ship(3, 7, 7, "v"),
                               bs.Ship(4, 2, 2, "v"), bs.Ship(5, 8, 3, "h")])
PIN = bytes(range(32))


# ---------------------------------------------------------------- stand-in verifier
def fake_receipt(board: bytes, shot, image_id: bytes = PIN, exit_code: int = 0) -> bytes:
    """image_id ‖ exit code ‖ the journal the honest guest would commit."""
    return image_id + bytes([exit_code]) + bs.expected_journal(board, SALT, shot)


def fake_verify(receipt: bytes, image_id: bytes):
    if receipt[:32] != image_id:
        raise ValueError("receipt is for another image")
    return receipt[32], receipt[33:]


def fake_ref() -> Referee:
    return Referee(PIN, ("alice", "bob"), verify=fake_verify)


def test_referee_accepts_honest_answers_and_keeps_score():
    ref = fake_ref()
    ref.shoot("alice", 3, 4)
    a = ref.answer("bob", fake_receipt(BOARD_A, (3, 4)))
    assert a.hit and a.commitment == bs.commitment(BOARD_A, SALT)
    ref.shoot("bob", 5, 5)
    assert ref.answer("alice", fake_receipt(BOARD_B, (5, 5))).hit  # (5, 5) is B's cruiser
    assert ref.hits("alice") == 1 and ref.hits("bob") == 1
    assert ref.result() == "draw (1 hits each)"


def test_referee_rejections_with_stand_in_verifier():
    ref = fake_ref()
    with pytest.raises(Rejected, match="no shot is waiting"):
        ref.answer("bob", fake_receipt(BOARD_A, (3, 4)))
    with pytest.raises(Rejected, match="turn"):
        ref.shoot("bob", 1, 1)
    with pytest.raises(Rejected, match="off the board"):
        ref.shoot("alice", 10, 0)
    ref.shoot("alice", 3, 4)
    with pytest.raises(Rejected, match="still unanswered"):
        ref.shoot("alice", 1, 1)
    with pytest.raises(Rejected, match="aimed at bob"):
        ref.answer("alice", fake_receipt(BOARD_A, (3, 4)))
    with pytest.raises(Rejected, match="does not verify for the pinned image ID"):
        ref.answer("bob", fake_receipt(BOARD_A, (3, 4), image_id=b"\x01" * 32))
    with pytest.raises(Rejected, match="exited with code 1"):
        ref.answer("bob", fake_receipt(BOARD_A, (3, 4), exit_code=1))
    with pytest.raises(Rejected, match=r"answers shot \(5, 5\) but the pending shot is \(3, 4\)"):
        ref.answer("bob", fake_receipt(BOARD_A, (5, 5)))
    ref.answer("bob", fake_receipt(BOARD_A, (3, 4)))
    ref.shoot("bob", 0, 0)
    ref.answer("alice", fake_receipt(BOARD_B, (0, 0)))
    ref.shoot("alice", 5, 5)
    with pytest.raises(Rejected, match="board commitment changed"):
        ref.answer("bob", fake_receipt(BOARD_C, (5, 5)))
    ref.answer("bob", fake_receipt(BOARD_A, (5, 5)))  # the honest one still goes through
    ref.shoot("bob", 1, 0)
    ref.answer("alice", fake_receipt(BOARD_B, (1, 0)))
    with pytest.raises(Rejected, match="already fired"):
        ref.shoot("alice", 3, 4)


def test_referee_rejects_the_opponents_receipts():
    """Bob may not answer with a receipt Alice made about her own board."""
    ref = fake_ref()
    ref.shoot("alice", 1, 1)
    ref.answer("bob", fake_receipt(BOARD_A, (1, 1)))
    ref.shoot("bob", 0, 0)
    alices = fake_receipt(BOARD_A, (0, 0))
    with pytest.raises(Rejected, match="commits to bob's board"):
        ref.answer("alice", alices)


def test_referee_declares_winner_when_fleet_is_sunk():
    ref = fake_ref()
    ship_cells = [(i % 10, i // 10) for i in range(100) if BOARD_A[i]]
    water = [(i % 10, i // 10) for i in range(100) if not BOARD_B[i]]
    assert len(ship_cells) == referee.FLEET_CELLS
    for k, cell in enumerate(ship_cells):
        ref.shoot("alice", *cell)
        ref.answer("bob", fake_receipt(BOARD_A, cell))
        if ref.winner:
            break
        ref.shoot("bob", *water[k])
        ref.answer("alice", fake_receipt(BOARD_B, water[k]))
    assert ref.winner == "alice" and ref.result().startswith("alice wins")
    with pytest.raises(Rejected, match="game is over"):
        ref.shoot("bob", 9, 9)


def test_referee_must_be_pinned():
    with pytest.raises(ValueError, match="32-byte image ID"):
        Referee(b"short")


def test_random_fleets_are_valid(example_elfs_bs):
    import random

    rng = random.Random(1)
    for _ in range(3):
        board = bs.board_from_ships(game.random_fleet(rng))
        r = api.run(example_elfs_bs, bs.encode_input(board, SALT, (0, 0)))
        assert r.exit_code == 0, r.stderr


@pytest.fixture(scope="module")
def example_elfs_bs() -> Path:
    return cached_build(BS, REPO / ".zkvm-cache" / "elf", name="battleship")


# ---------------------------------------------------------------- real receipts
def _prover_available() -> str | None:
    missing = [f for f in ("prove", "verify") if not hasattr(api, f)]
    if missing:
        return (f"zkvm.api has no {' / '.join(missing)} yet (the host API for proving; "
                "the scenario's receipts are made and checked through it)")
    return None


@pytest.fixture(scope="module")
def real(example_elfs_bs, tmp_path_factory):
    why = _prover_available()
    if why:
        pytest.skip(why)
    elf = example_elfs_bs.read_bytes()
    # A modified guest: the same source except that it always answers "miss".
    cheat_src = tmp_path_factory.mktemp("cheat")
    for p in BS.glob("*.[ch]"):
        shutil.copy(p, cheat_src / p.name)
    main = (cheat_src / "main.c").read_text()
    assert "!= 0;" in main
    (cheat_src / "main.c").write_text(main.replace("!= 0;", "!= 0 && 0;", 1))
    cheat_elf = cached_build(cheat_src, REPO / ".zkvm-cache" / "elf", name="battleship-cheat").read_bytes()

    def prove(e, board, shot):
        return game.zk_prove(e, bs.encode_input(board, SALT, shot), "testing")

    return {
        "image_id": api.image_id(elf, "testing"),
        "a_hit": prove(elf, BOARD_A, (3, 4)),
        "b_55": prove(elf, BOARD_B, (5, 5)),
        "c_55": prove(elf, BOARD_C, (5, 5)),
        "cheat_a_34": prove(cheat_elf, BOARD_A, (3, 4)),
    }


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_real_receipts_accepted_and_rejected(real):
    from zkvm.receipt import Receipt

    ref = Referee(real["image_id"], ("alice", "bob"))
    ref.shoot("alice", 3, 4)
    # A receipt for a modified guest: another image ID.
    with pytest.raises(Rejected, match="does not verify for the pinned image ID.*ImageIdMismatch"):
        ref.answer("bob", real["cheat_a_34"])
    # A tampered journal: the hit flag flipped to "miss" after proving.
    r = Receipt.from_bytes(real["a_hit"])
    r.journal = r.journal[:34] + b"\x00"
    with pytest.raises(Rejected, match="does not verify"):
        ref.answer("bob", r.to_bytes())
    # A replayed receipt for another shot.
    with pytest.raises(Rejected, match="replayed"):
        ref.answer("bob", real["b_55"])
    ans = ref.answer("bob", real["a_hit"])
    assert ans.hit and ans.commitment == bs.commitment(BOARD_A, SALT)
    ref.shoot("bob", 5, 5)
    ref.answer("alice", real["b_55"])
    ref.shoot("alice", 5, 5)
    # Bob's board commitment must stay the one of his first answer ...
    with pytest.raises(Rejected, match="board commitment changed"):
        ref.answer("bob", real["c_55"])
    # ... and cannot be Alice's (her receipt for the same cell).
    with pytest.raises(Rejected, match="commits to alice's board"):
        ref.answer("bob", real["b_55"])
    assert ref.pending == ("alice", "bob", 5, 5) and ref.hits("alice") == 1 and ref.hits("bob") == 1


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_whole_small_game(real, tmp_path):
    """Alice builds and publishes, Bob reproduces from another layout, one round is
    played with real proofs, the referee declares the result."""
    lines = []
    ref = game.play(shots=1, params="testing", seed=7, workdir=tmp_path, log=lines.append)
    out = "\n".join(lines)
    assert "verify-build" in out and ": MATCH" in out
    assert len(ref.history) == 2 and ref.pending is None
    assert out.splitlines()[-1].startswith("referee: ")
    assert ref.image_id == real["image_id"]

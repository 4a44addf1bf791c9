"""examples/battleship-rust and examples/cpp-leaderboard.

battleship-rust must behave exactly like examples/battleship (C): same exit code, stdout,
stderr and journal on every input, so the Python referee accepts either guest's receipts
(each with its own pinned image ID). Both examples run identically under qemu-riscv32."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from tests.support.elfs import load_example_modules
from tests.support.qemu import run_qemu
from zkvm import api
from zkvm.toolchain import ToolchainError, cached_build

# The whole module is slow: it builds the Rust/C++ examples (~3 min of module set-up on 2 shared cores);
# `-m "not slow"` skips it, CI runs it.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"
CACHE = REPO / ".zkvm-cache" / "elf"


@pytest.fixture(scope="session")
def battleship_rust_elf() -> Path:
    from zkvm.toolchain.rust import check_rust

    try:
        check_rust()
    except ToolchainError as e:
        pytest.skip(str(e))
    return cached_build(EX / "battleship-rust", CACHE, name="battleship-rust")


@pytest.fixture(scope="session")
def leaderboard():
    """(ELF, the example's stdlib-only helper module)."""
    path = EX / "cpp-leaderboard" / "leaderboard.py"
    spec = importlib.util.spec_from_file_location("zkvm_example_leaderboard", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cached_build(EX / "cpp-leaderboard", CACHE, name="cpp-leaderboard"), module


def _run(elf: Path, data: bytes):
    r = api.run(elf, data, max_cycles=50_000_000)
    return r.exit_code, r.stdout, r.stderr, r.journal


def _qemu(elf: Path, data: bytes, tmp_path: Path):
    return tuple(run_qemu(elf, data, tmp_path, timeout=60))


def _battleship_inputs(bs) -> list[bytes]:
    """Samples, random legal fleets and shots, and broken inputs of every kind."""
    out = [(EX / "battleship" / f"input-{n}.bin").read_bytes() for n in ("hit", "miss", "invalid-board")]
    rng = random.Random(22)
    for _ in range(6):
        ships = []
        occupied: set = set()
        for sid, length in bs.SHIP_LENGTHS.items():
            while True:
                horizontal = rng.random() < 0.5
                x = rng.randrange(bs.BOARD_SIZE - (length - 1 if horizontal else 0))
                y = rng.randrange(bs.BOARD_SIZE - (0 if horizontal else length - 1))
                cells = {(x + i, y) if horizontal else (x, y + i) for i in range(length)}
                if not cells & occupied:
                    occupied |= cells
                    ships.append(bs.Ship(sid, x, y, "h" if horizontal else "v"))
                    break
        board = bs.board_from_ships(ships)
        salt = bytes(rng.randrange(256) for _ in range(32))
        out.append(bs.encode_input(board, salt, (rng.randrange(10), rng.randrange(10))))
    good = out[0]
    board = bytearray(good[:100])
    board[5] = 9  # a cell value out of range
    out += [
        bytes(board) + good[100:],
        good[:132] + bytes([10, 3]),  # shot off the board
        good[:132] + bytes([3, 10]),
        good + b"\x00",  # trailing input
        good[:133],  # too short
        b"",
    ]
    return out


def test_battleship_rust_behaves_like_c(example_elfs, battleship_rust_elf, battleship_helper):
    """Same exit code, stdout, stderr and journal as the C guest on every input."""
    for data in _battleship_inputs(battleship_helper):
        c = _run(example_elfs["battleship"], data)
        r = _run(battleship_rust_elf, data)
        assert r == c, (data.hex(), c, r)
    # and the journal is what the helper expects
    hit = (EX / "battleship" / "input-hit.bin").read_bytes()
    assert _run(battleship_rust_elf, hit)[3] == battleship_helper.expected_journal(hit[:100], hit[100:132],
                                                                                   (hit[132], hit[133]))


def test_battleship_rust_image_id_differs_from_c(example_elfs, battleship_rust_elf):
    """Same behaviour, different program: the image IDs differ (docs/toolchain.md)."""
    assert api.image_id(battleship_rust_elf, "testing") != api.image_id(example_elfs["battleship"], "testing")


@pytest.mark.qemu
def test_battleship_rust_qemu_differential(battleship_rust_elf, battleship_helper, tmp_path):
    for data in _battleship_inputs(battleship_helper):
        assert _qemu(battleship_rust_elf, data, tmp_path) == _run(battleship_rust_elf, data), data.hex()


@pytest.mark.slow
def test_battleship_rust_proof_accepted_by_the_referee(battleship_rust_elf, example_elfs):
    """A receipt of the Rust guest is accepted by a referee pinned to the Rust image ID,
    and refused by one pinned to the C guest's."""
    _bs, referee = load_example_modules("battleship", "battleship", "referee")
    Referee, Rejected = referee.Referee, referee.Rejected
    hit = (EX / "battleship" / "input-hit.bin").read_bytes()
    receipt = api.prove(battleship_rust_elf, hit, params="testing").to_bytes()
    ref = Referee(api.image_id(battleship_rust_elf, "testing"), ("alice", "bob"))
    ref.shoot("alice", 3, 4)
    ans = ref.answer("bob", receipt)
    assert ans.hit and ans.commitment == _run(example_elfs["battleship"], hit)[3][:32]
    other = Referee(api.image_id(example_elfs["battleship"], "testing"), ("alice", "bob"))
    other.shoot("alice", 3, 4)
    with pytest.raises(Rejected, match="does not verify for the pinned image ID"):
        other.answer("bob", receipt)


def _players(rng: random.Random, n: int) -> list[tuple[str, int]]:
    names = rng.sample(["ana", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "zoë", "ünal"], n)
    return [(name, rng.randrange(0, 5) * 10) for name in names]  # many ties


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_leaderboard(leaderboard):
    elf, lb = leaderboard
    rng = random.Random(3)
    for n in (1, 2, 3, 7, 12):
        players = _players(rng, n)
        code, stdout, _err, journal = _run(elf, lb.encode_input(players))
        top = lb.top3(players)
        assert code == 0 and journal == lb.encode_journal(top)
        assert lb.decode_journal(journal) == top
        assert stdout.decode() == "".join(f"{i}. {name} {s}\n" for i, (name, s) in enumerate(top, 1))
    assert _run(elf, lb.encode_input([]))[0] == 1
    assert _run(elf, lb.encode_input([("", 1)]))[0] == 2
    assert _run(elf, lb.encode_input([("x" * 65, 1)]))[0] == 2
    assert _run(elf, lb.encode_input([("a", 1), ("a", 2)]))[0] == 3
    assert _run(elf, lb.encode_input([("abc", 1)])[:-2])[0] == 250
    sample = (EX / "cpp-leaderboard" / "input.bin").read_bytes()
    assert lb.decode_journal(_run(elf, sample)[3]) == [("bob", 72), ("carol", 72), ("eve", 64)]


@pytest.mark.qemu
def test_leaderboard_qemu_differential(leaderboard, tmp_path):
    elf, lb = leaderboard
    rng = random.Random(4)
    for data in [lb.encode_input(_players(rng, 9)), lb.encode_input([]), lb.encode_input([("a", 1), ("a", 2)])]:
        assert _qemu(elf, data, tmp_path) == _run(elf, data)


@pytest.mark.slow
def test_leaderboard_proves(leaderboard):
    """Proving needs malloc's syscalls in the circuits (issue 15's guest OS layer)."""

    elf, lb = leaderboard
    data = (EX / "cpp-leaderboard" / "input.bin").read_bytes()
    receipt = api.prove(elf, data, params="testing")
    code, journal = api.verify(receipt, api.image_id(elf, "testing"))
    assert code == 0 and lb.decode_journal(journal) == [("bob", 72), ("carol", 72), ("eve", 64)]


def test_leaderboard_helper_rejects_bad_journal(leaderboard):
    _elf, lb = leaderboard
    for bad in (b"", b"\x01\x00\x00\x00", b"\x01\x00\x00\x00\x05\x00\x00\x00ab", lb.encode_journal([("a", 1)]) + b"x"):
        with pytest.raises(ValueError):
            lb.decode_journal(bad)

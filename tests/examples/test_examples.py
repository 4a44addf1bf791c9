"""The examples: expected results, and qemu-riscv32 vs our executor (differential).

Each example ELF must behave identically under Linux (qemu-riscv32: input on stdin,
journal on fd 3) and under the zkvm executor: same exit code, stdout and journal.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
from pathlib import Path

import pytest

from tests.support.qemu import run_qemu as qemu_run
from zkvm import api

REPO = Path(__file__).resolve().parents[2]
EX = REPO / "examples"
INPUT_SHORT = 250  # ZKVM_EXIT_INPUT_SHORT in zkvm.h


def fib_mod(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) & 0xFFFFFFFF
    return a


def run_qemu(elf: Path, data: bytes, tmp_path: Path) -> tuple[int, bytes, bytes]:
    """``(exit, stdout, journal)`` under qemu-riscv32 (tests.support.qemu)."""
    q = qemu_run(elf, data, tmp_path, timeout=60)
    return q.exit_code, q.stdout, q.journal


def run_zkvm(elf: Path, data: bytes) -> tuple[int, bytes, bytes]:
    r = api.run(elf, data, max_cycles=50_000_000)
    return r.exit_code, r.stdout, r.journal


def fibonacci_cases():
    cases = []
    for name in ("input.bin", "input-10.bin"):
        data = (EX / "fibonacci" / name).read_bytes()
        n = int.from_bytes(data, "little")
        value = fib_mod(n)
        cases.append((name, data, 0, f"fib(n) mod 2^32 = {value}\n".encode(), value.to_bytes(4, "little")))
    cases.append(("n=0", (0).to_bytes(4, "little"), 0, b"fib(n) mod 2^32 = 0\n", b"\0\0\0\0"))
    cases.append(("short", b"\x05\x00", INPUT_SHORT, b"", b""))
    return cases


def sha256_cases():
    cases = []
    for name in ("input.txt", "input-long.txt"):
        data = (EX / "sha256" / name).read_bytes()
        cases.append((name, data))
    # Padding edges (55/56/63/64 bytes) and the guest's 512-byte read loop boundaries.
    rng = random.Random(1)
    for n in (0, 1, 55, 56, 63, 64, 65, 511, 512, 513, 1500):
        cases.append((f"len{n}", bytes(rng.randrange(256) for _ in range(n))))
    return [(name, data, 0, (hashlib.sha256(data).hexdigest() + "\n").encode(),
             hashlib.sha256(data).digest()) for name, data in cases]


@pytest.mark.parametrize("case", fibonacci_cases(), ids=lambda c: c[0])
def test_fibonacci(example_elfs, case):
    _, data, code, stdout, journal = case
    assert run_zkvm(example_elfs["fibonacci"], data) == (code, stdout, journal)


@pytest.mark.parametrize("case", sha256_cases(), ids=lambda c: c[0])
def test_sha256(example_elfs, case):
    _, data, code, stdout, journal = case
    assert run_zkvm(example_elfs["sha256"], data) == (code, stdout, journal)


def test_battleship_samples(example_elfs, battleship_helper):
    bs = battleship_helper
    elf = example_elfs["battleship"]
    board = bs.board_from_ships(bs.SAMPLE_FLEET)
    for name, shot, hit in (("input-hit.bin", (3, 4), True), ("input-miss.bin", (5, 5), False)):
        data = (EX / "battleship" / name).read_bytes()
        assert data == bs.encode_input(board, bs.SAMPLE_SALT, shot), f"{name} is stale: run battleship.py samples"
        code, stdout, journal = run_zkvm(elf, data)
        assert code == 0
        assert journal == bs.expected_journal(board, bs.SAMPLE_SALT, shot)
        info = bs.decode_journal(journal)
        assert (info["x"], info["y"], info["hit"]) == (*shot, hit)
        assert info["commitment"] == hashlib.sha256(board + bs.SAMPLE_SALT).hexdigest()
        assert stdout == f"board valid; shot ({shot[0]}, {shot[1]}): {'hit' if hit else 'miss'}\n".encode()
    code, _, journal = run_zkvm(elf, (EX / "battleship" / "input-invalid-board.bin").read_bytes())
    assert (code, journal) == (1, b"")


def random_fleet(rng: random.Random, bs) -> list:
    """A random valid placement (ships may touch, as in the standard rules)."""
    while True:
        ships, used = [], set()
        for sid, length in bs.SHIP_LENGTHS.items():
            for _ in range(100):
                o = rng.choice("hv")
                x = rng.randrange(10 - (length - 1 if o == "h" else 0))
                y = rng.randrange(10 - (length - 1 if o == "v" else 0))
                cells = {(x + i, y) if o == "h" else (x, y + i) for i in range(length)}
                if not cells & used:
                    used |= cells
                    ships.append(bs.Ship(sid, x, y, o))
                    break
        if len(ships) == len(bs.SHIP_LENGTHS):
            return ships


def battleship_cases(bs):
    """(name, input, exit code, journal or None) for valid and invalid boards and shots."""
    rng = random.Random(7)
    cases = []
    for i in range(6):
        board = bs.board_from_ships(random_fleet(rng, bs))
        salt = rng.randbytes(32)
        shot = (rng.randrange(10), rng.randrange(10))
        cases.append((f"valid{i}", bs.encode_input(board, salt, shot), 0, bs.expected_journal(board, salt, shot)))
    board = bytearray(bs.board_from_ships(bs.SAMPLE_FLEET))
    salt = bytes(32)

    def mutated(f):
        b = bytearray(board)
        f(b)
        return bs.encode_input(bytes(b), salt, (0, 0))

    cases += [
        ("missing-ship", mutated(lambda b: b.__setitem__(slice(80, 82), b"\0\0")), 1, None),
        ("bad-cell-value", mutated(lambda b: b.__setitem__(55, 6)), 1, None),
        ("extra-cell", mutated(lambda b: b.__setitem__(55, 3)), 1, None),
        ("bent-ship", mutated(lambda b: (b.__setitem__(81, 0), b.__setitem__(91, 5))), 1, None),
        ("gap-in-ship", mutated(lambda b: (b.__setitem__(2, 0), b.__setitem__(5, 1))), 1, None),
        ("shot-off-board", bs.encode_input(bytes(board), salt, (10, 0)), 2, None),
        ("trailing-byte", bs.encode_input(bytes(board), salt, (0, 0)) + b"\0", 3, None),
        ("short", bytes(board), INPUT_SHORT, None),
    ]
    return cases


def test_battleship_rules(example_elfs, battleship_helper):
    elf = example_elfs["battleship"]
    for name, data, code, journal in battleship_cases(battleship_helper):
        got_code, _, got_journal = run_zkvm(elf, data)
        assert got_code == code, name
        assert got_journal == (journal if journal is not None else b""), name


def differential_inputs(bs):
    yield "fibonacci", "input.bin", (EX / "fibonacci" / "input.bin").read_bytes()
    yield "fibonacci", "short", b"\x01"
    yield "sha256", "input-long.txt", (EX / "sha256" / "input-long.txt").read_bytes()
    yield "sha256", "len513", bytes(range(256)) * 2 + b"x"
    for name in ("input-hit.bin", "input-miss.bin", "input-invalid-board.bin"):
        yield "battleship", name, (EX / "battleship" / name).read_bytes()
    for name, data, _, _ in battleship_cases(bs)[-4:]:
        yield "battleship", name, data


@pytest.mark.qemu
def test_qemu_differential(example_elfs, battleship_helper, tmp_path):
    """qemu-riscv32 and the zkvm executor agree on exit code, stdout and journal."""
    checked = 0
    for example, name, data in differential_inputs(battleship_helper):
        elf = example_elfs[example]
        expected = run_qemu(elf, data, tmp_path)
        assert run_zkvm(elf, data) == expected, f"{example}/{name}"
        checked += 1
    assert checked == 11


def test_battleship_helper_rejects_bad_journal(battleship_helper):
    with pytest.raises(ValueError):
        battleship_helper.decode_journal(b"\0" * 34)
    with pytest.raises(ValueError):
        battleship_helper.decode_journal(b"\0" * 34 + b"\x02")


def test_battleship_helper_cli(tmp_path, battleship_helper, capsys):
    bs = battleship_helper
    out = tmp_path / "in.bin"
    ships = ["1:0,0,h", "2:9,2,v", "3:2,4,h", "4:6,7,v", "5:0,8,h"]
    argv = ["encode", "-o", str(out), "--salt", bs.SAMPLE_SALT.hex(), "--shot", "3,4"]
    for s in ships:
        argv += ["--ship", s]
    assert bs.main(argv) == 0
    assert out.read_bytes() == (EX / "battleship" / "input-hit.bin").read_bytes()
    board = bs.board_from_ships(bs.SAMPLE_FLEET)
    journal = tmp_path / "j.bin"
    journal.write_bytes(bs.expected_journal(board, bs.SAMPLE_SALT, (3, 4)))
    assert bs.main(["decode", str(journal), "--board", str(out)]) == 0
    assert "shot (3, 4): hit" in capsys.readouterr().out
    journal.write_bytes(bs.expected_journal(board, bytes(32), (3, 4)))
    assert bs.main(["decode", str(journal), "--board", str(out)]) == 1


def test_fibonacci_host_script_decodes_the_typed_journal():
    """examples/fibonacci/host.py: build, dev receipt, dev verify, Journal decode."""
    import os
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(REPO / ".zkvm-cache" / "numba"))
    env.pop("ZKVM_DEV", None)
    p = subprocess.run([sys.executable, str(EX / "fibonacci" / "host.py"), "1000"], capture_output=True, text=True,
                       env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "dev receipt (NOT A PROOF): exit 0, fib(1000) mod 2^32 = 1556111435" in p.stdout

#!/usr/bin/env python3
"""Encode battleship guest inputs and decode its journal (layouts in README.md).

    python examples/battleship/battleship.py samples            # rewrite the sample inputs
    python examples/battleship/battleship.py encode --ship 1:0,0,h ... --salt HEX --shot 3,4 -o in.bin
    python examples/battleship/battleship.py decode journal.bin [--board in.bin]

Standard library only, so it runs anywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

BOARD_SIZE = 10
SALT_LEN = 32
SHIP_LENGTHS = {1: 5, 2: 4, 3: 3, 4: 3, 5: 2}  # carrier, battleship, cruiser, submarine, destroyer
INPUT_LEN = BOARD_SIZE * BOARD_SIZE + SALT_LEN + 2
JOURNAL_LEN = 32 + 3


@dataclass(frozen=True)
class Ship:
    """Ship ``id`` (1..5) with its bow at ``(x, y)``, running right (``h``) or down (``v``)."""

    id: int
    x: int
    y: int
    orientation: str = "h"


def board_from_ships(ships: list[Ship]) -> bytes:
    """The 100-byte board (row-major, cell (x, y) at ``y*10 + x``, 0 water, k ship k).

    Does not check the placement rules (so invalid boards can be built for tests);
    the guest does.
    """
    cells = bytearray(BOARD_SIZE * BOARD_SIZE)
    for s in ships:
        dx, dy = (1, 0) if s.orientation == "h" else (0, 1)
        for i in range(SHIP_LENGTHS[s.id]):
            x, y = s.x + dx * i, s.y + dy * i
            if not (0 <= x < BOARD_SIZE and 0 <= y < BOARD_SIZE):
                raise ValueError(f"ship {s.id} leaves the board at ({x}, {y})")
            cells[y * BOARD_SIZE + x] = s.id
    return bytes(cells)


def encode_input(board: bytes, salt: bytes, shot: tuple[int, int]) -> bytes:
    """Private input: ``board[100] || salt[32] || x || y``."""
    if len(board) != BOARD_SIZE * BOARD_SIZE or len(salt) != SALT_LEN:
        raise ValueError("board must be 100 bytes and salt 32 bytes")
    return board + salt + bytes(shot)


def commitment(board: bytes, salt: bytes) -> bytes:
    """The public commitment ``sha256(board || salt)``."""
    return hashlib.sha256(board + salt).digest()


def expected_journal(board: bytes, salt: bytes, shot: tuple[int, int]) -> bytes:
    """What the guest commits for a valid board and an on-board shot."""
    x, y = shot
    hit = 1 if board[y * BOARD_SIZE + x] else 0
    return commitment(board, salt) + bytes([x, y, hit])


def decode_journal(journal: bytes) -> dict:
    """``{"commitment": hex, "x": int, "y": int, "hit": bool}``; ValueError if malformed."""
    if len(journal) != JOURNAL_LEN:
        raise ValueError(f"battleship journal must be {JOURNAL_LEN} bytes, got {len(journal)}")
    if journal[34] not in (0, 1):
        raise ValueError(f"bad hit flag {journal[34]}")
    return {"commitment": journal[:32].hex(), "x": journal[32], "y": journal[33], "hit": journal[34] == 1}


SAMPLE_FLEET = [
    Ship(1, 0, 0, "h"),  # carrier   (0,0)-(4,0)
    Ship(2, 9, 2, "v"),  # battleship (9,2)-(9,5)
    Ship(3, 2, 4, "h"),  # cruiser   (2,4)-(4,4)
    Ship(4, 6, 7, "v"),  # submarine (6,7)-(6,9)
    Ship(5, 0, 8, "h"),  # destroyer (0,8)-(1,8)
]
SAMPLE_SALT = hashlib.sha256(b"zkvm battleship sample salt (do not reuse)").digest()


def write_samples(directory: Path) -> None:
    board = board_from_ships(SAMPLE_FLEET)
    bad = bytearray(board)
    bad[5 * BOARD_SIZE + 5] = 5  # a third destroyer cell: ship 5 no longer a 2-cell line
    samples = {
        "input-hit.bin": encode_input(board, SAMPLE_SALT, (3, 4)),
        "input-miss.bin": encode_input(board, SAMPLE_SALT, (5, 5)),
        "input-invalid-board.bin": encode_input(bytes(bad), SAMPLE_SALT, (3, 4)),
    }
    for name, data in samples.items():
        (directory / name).write_bytes(data)
        print(f"wrote {directory / name} ({len(data)} bytes)")


def _parse_ship(text: str) -> Ship:
    sid, rest = text.split(":")
    x, y, o = rest.split(",")
    return Ship(int(sid), int(x), int(y), o)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("samples", help="write the sample inputs next to this script")
    enc = sub.add_parser("encode", help="encode a private input")
    enc.add_argument("--ship", action="append", required=True, help="ID:X,Y,h|v (five times)")
    enc.add_argument("--salt", required=True, help="32 bytes as hex (keep it secret, pick at random)")
    enc.add_argument("--shot", required=True, help="X,Y")
    enc.add_argument("-o", "--output", required=True)
    dec = sub.add_parser("decode", help="decode a journal")
    dec.add_argument("journal")
    dec.add_argument("--board", help="the private input, to check the commitment")
    args = ap.parse_args(argv)

    if args.cmd == "samples":
        write_samples(Path(__file__).resolve().parent)
    elif args.cmd == "encode":
        board = board_from_ships([_parse_ship(s) for s in args.ship])
        x, y = (int(v) for v in args.shot.split(","))
        Path(args.output).write_bytes(encode_input(board, bytes.fromhex(args.salt), (x, y)))
    else:
        info = decode_journal(Path(args.journal).read_bytes())
        print(f"commitment {info['commitment']}")
        print(f"shot ({info['x']}, {info['y']}): {'hit' if info['hit'] else 'miss'}")
        if args.board:
            data = Path(args.board).read_bytes()
            ok = commitment(data[:100], data[100:132]).hex() == info["commitment"]
            print("commitment matches the board" if ok else "commitment does NOT match the board")
            return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

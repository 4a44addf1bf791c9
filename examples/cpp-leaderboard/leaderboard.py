#!/usr/bin/env python3
"""Encode inputs and decode journals of examples/cpp-leaderboard (standard library only).

    python3 leaderboard.py encode -o input.bin alice=30 bob=72 carol=72 dave=5
    python3 leaderboard.py decode journal.bin
    python3 leaderboard.py samples          # (re)writes input.bin
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path


def encode_input(players: list[tuple[str, int]]) -> bytes:
    """u32 n, then per player: u32 length + UTF-8 name, u32 score."""
    out = struct.pack("<I", len(players))
    for name, score in players:
        raw = name.encode()
        out += struct.pack("<I", len(raw)) + raw + struct.pack("<I", score)
    return out


def top3(players: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """What the guest commits: the best three, higher score first, ties by name bytes."""
    return sorted(players, key=lambda p: (-p[1], p[0].encode()))[:3]


def encode_journal(top: list[tuple[str, int]]) -> bytes:
    out = struct.pack("<I", len(top))
    for name, score in top:
        raw = name.encode()
        out += struct.pack("<I", len(raw)) + raw + struct.pack("<I", score)
    return out


def decode_journal(journal: bytes) -> list[tuple[str, int]]:
    """Parse the journal; ValueError if it is malformed."""
    try:
        (k,), pos, out = struct.unpack_from("<I", journal), 4, []
        for _ in range(k):
            (n,) = struct.unpack_from("<I", journal, pos)
            name = journal[pos + 4:pos + 4 + n]
            if len(name) != n:
                raise ValueError("truncated name")
            (score,) = struct.unpack_from("<I", journal, pos + 4 + n)
            out.append((name.decode(), score))
            pos += 8 + n
    except struct.error as e:
        raise ValueError(f"truncated journal: {e}") from None
    if pos != len(journal):
        raise ValueError(f"{len(journal) - pos} trailing bytes")
    return out


SAMPLE = [("alice", 30), ("bob", 72), ("carol", 72), ("dave", 5), ("eve", 64)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    enc = sub.add_parser("encode")
    enc.add_argument("-o", "--output", required=True)
    enc.add_argument("players", nargs="+", help="NAME=SCORE")
    dec = sub.add_parser("decode")
    dec.add_argument("journal")
    sub.add_parser("samples")
    args = ap.parse_args(argv)
    if args.cmd == "encode":
        players = []
        for p in args.players:
            name, _, score = p.rpartition("=")
            players.append((name, int(score)))
        Path(args.output).write_bytes(encode_input(players))
    elif args.cmd == "decode":
        try:
            for i, (name, score) in enumerate(decode_journal(Path(args.journal).read_bytes()), 1):
                print(f"{i}. {name} {score}")
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    else:
        (Path(__file__).parent / "input.bin").write_bytes(encode_input(SAMPLE))
    return 0


if __name__ == "__main__":
    sys.exit(main())

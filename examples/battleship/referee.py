#!/usr/bin/env python3
"""The battleship referee: accepts a move only with a valid receipt for the pinned guest.

In the seed's story this is a smart contract pinned to the verifying key; here it is a
Python object pinned to the guest's **image ID** (which hashes the verifying key: the
STARK parameters, the circuits and the program's initial memory). Both players agreed on
the guest's source, Alice published its build manifest and image ID, Bob reproduced
that image ID with ``zkvm verify-build``; the referee is created with it and never
accepts anything else.

The protocol, one shot at a time (players alternate, the first player starts)::

    referee.shoot("alice", x, y)        # Alice fires at Bob's board: (x, y) is now pending
    referee.answer("bob", receipt)      # Bob answers with a receipt of the battleship guest

``answer`` accepts the receipt only if all of these hold, and raises
:class:`Rejected` saying which one failed otherwise (the shot stays pending):

1. it verifies as a proof of the pinned image ID (a receipt of a modified guest has
   another image ID; a tampered journal or proof does not verify);
2. the guest exited with code 0 (valid board, shot on the board) and the journal has the
   battleship layout (commitment 32 bytes, x, y, hit);
3. the journal's shot is the pending one (a receipt for another shot, e.g. an earlier
   answer replayed, is refused);
4. the journal's board commitment is the one the defender used in their first answer
   (the board cannot change during the game), and it is not the opponent's commitment
   (a player cannot answer with receipts the opponent made about the opponent's own
   board).

The winner is the first player to hit every cell of the opponent's fleet
(``FLEET_CELLS`` = 17); a short game (:meth:`Referee.result` after an agreed number of
rounds) goes to the player with more hits, or is a draw.

Correctness: every check above is an ``if`` that raises (never ``assert``), and the
receipt's journal is only read after the proof verified. The referee never sees the
boards or the salts.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from battleship import BOARD_SIZE, SHIP_LENGTHS  # noqa: E402

FLEET_CELLS = sum(SHIP_LENGTHS.values())
"""Cells of the standard fleet (5 + 4 + 3 + 3 + 2): hitting them all wins."""


class Rejected(Exception):
    """The referee refused a move; the message says why."""


def zk_verify(receipt: bytes, image_id: bytes) -> tuple[int, bytes]:
    """Verify a receipt against an image ID; ``(exit_code, journal)`` or an exception.

    Uses ``zkvm.api.verify`` with ``dev=False``: a dev-mode receipt (``zkvm prove
    --dev``, no proof) is refused even when ``ZKVM_DEV=1`` is set (docs/dev-mode.md).
    """
    from zkvm import api

    return api.verify(receipt, image_id, dev=False)


def decode_answer(journal: bytes) -> tuple[bytes, int, int, bool]:
    """The guest's journal as ``(commitment, x, y, hit)`` with the typed-journal decoder
    (docs/typed-io.md: 32 raw bytes, u8, u8, bool; nothing left over); :class:`Rejected`
    if it is not that."""
    from zkvm.api import Journal, JournalError

    try:
        j = Journal(journal)
        out = (j.raw(32), j.u8(), j.u8(), j.bool())
        j.done()
    except JournalError as e:
        raise Rejected(f"the journal is not a battleship answer ({len(journal)} bytes): {e}") from None
    return out


@dataclass(frozen=True)
class Answer:
    """An accepted answer: ``defender`` says ``hit`` to ``shooter``'s shot ``(x, y)``."""

    shooter: str
    defender: str
    x: int
    y: int
    hit: bool
    commitment: bytes


@dataclass
class Referee:
    """The referee of one game between ``players[0]`` (moves first) and ``players[1]``,
    pinned to ``image_id`` (32 bytes). ``verify`` is the receipt verifier
    (:func:`zk_verify` by default)."""

    image_id: bytes
    players: tuple[str, str] = ("alice", "bob")
    verify: Callable[[bytes, bytes], tuple[int, bytes]] = zk_verify
    commitments: dict = field(default_factory=dict)  # defender -> board commitment
    shots: dict = field(default_factory=dict)  # shooter -> {(x, y): hit}
    history: list = field(default_factory=list)  # accepted Answers, in order
    pending: tuple | None = None  # (shooter, defender, x, y)
    winner: str | None = None
    turn: int = 0

    def __post_init__(self):
        if not isinstance(self.image_id, (bytes, bytearray)) or len(self.image_id) != 32:
            raise ValueError("the referee must be pinned to a 32-byte image ID")
        if len(set(self.players)) != 2:
            raise ValueError("a game has two different players")
        self.image_id = bytes(self.image_id)
        for p in self.players:
            self.shots.setdefault(p, {})

    def _other(self, player: str) -> str:
        return self.players[1] if player == self.players[0] else self.players[0]

    def hits(self, shooter: str) -> int:
        return sum(self.shots[shooter].values())

    def shoot(self, shooter: str, x: int, y: int) -> None:
        """``shooter`` fires at ``(x, y)`` of the other player's board."""
        if self.winner is not None:
            raise Rejected(f"the game is over: {self.winner} won")
        if shooter not in self.players:
            raise Rejected(f"{shooter!r} does not play in this game")
        if self.pending is not None:
            raise Rejected(f"shot {self.pending[2:]} of {self.pending[0]} is still unanswered")
        if shooter != self.players[self.turn % 2]:
            raise Rejected(f"it is {self.players[self.turn % 2]}'s turn")
        if not (isinstance(x, int) and isinstance(y, int) and 0 <= x < BOARD_SIZE and 0 <= y < BOARD_SIZE):
            raise Rejected(f"shot ({x}, {y}) is off the board")
        if (x, y) in self.shots[shooter]:
            raise Rejected(f"{shooter} already fired at ({x}, {y})")
        self.pending = (shooter, self._other(shooter), x, y)

    def answer(self, defender: str, receipt: bytes) -> Answer:
        """``defender`` answers the pending shot with a receipt (bytes); see the module
        docstring for what is checked. Returns the accepted Answer."""
        if self.pending is None:
            raise Rejected("no shot is waiting for an answer")
        shooter, expected_defender, x, y = self.pending
        if defender != expected_defender:
            raise Rejected(f"the pending shot is aimed at {expected_defender}, not {defender}")
        if not isinstance(receipt, (bytes, bytearray)):
            raise Rejected("a receipt is bytes")
        try:
            exit_code, journal = self.verify(bytes(receipt), self.image_id)
        except Exception as e:  # noqa: BLE001 -- any failure to verify is a rejection
            raise Rejected(f"the receipt does not verify for the pinned image ID "
                           f"{self.image_id.hex()}: {type(e).__name__}: {e}") from None
        if exit_code != 0:
            raise Rejected(f"the guest exited with code {exit_code} (invalid board or shot)")
        commitment, jx, jy, hit = decode_answer(bytes(journal))
        if (jx, jy) != (x, y):
            raise Rejected(f"the receipt answers shot ({jx}, {jy}) but the pending shot is ({x}, {y}) "
                           "(a replayed receipt?)")
        if self.commitments.get(shooter) == commitment:
            raise Rejected(f"the receipt commits to {shooter}'s board, not {defender}'s "
                           "(a receipt copied from the opponent?)")
        first = self.commitments.get(defender)
        if first is not None and first != commitment:
            raise Rejected(f"{defender}'s board commitment changed: first answer committed "
                           f"{first.hex()}, this one {commitment.hex()}")
        # Accepted.
        self.commitments[defender] = commitment
        self.shots[shooter][(x, y)] = hit
        self.pending = None
        self.turn += 1
        ans = Answer(shooter, defender, x, y, hit, commitment)
        self.history.append(ans)
        if self.hits(shooter) == FLEET_CELLS:
            self.winner = shooter
        return ans

    def result(self) -> str:
        """The outcome so far: ``"<player> wins"`` (whole fleet hit, or more hits when the
        agreed rounds are over) or ``"draw"``."""
        if self.winner is not None:
            return f"{self.winner} wins (sank the whole fleet)"
        a, b = self.players
        ha, hb = self.hits(a), self.hits(b)
        if ha == hb:
            return f"draw ({ha} hits each)"
        w = a if ha > hb else b
        return f"{w} wins on hits ({max(ha, hb)} to {min(ha, hb)})"


def main(argv: list[str] | None = None) -> int:
    """``referee.py IMAGE_ID RECEIPT X Y``: check one answer to shot (X, Y)."""
    import argparse

    ap = argparse.ArgumentParser(description="Check one battleship receipt against a pinned image ID.")
    ap.add_argument("image_id", help="64 hex digits (from the published manifest)")
    ap.add_argument("receipt", help="receipt file")
    ap.add_argument("x", type=int)
    ap.add_argument("y", type=int)
    args = ap.parse_args(argv)
    try:
        iid = bytes.fromhex(args.image_id)
        ref = Referee(iid, ("shooter", "defender"))
    except ValueError:
        print("error: the image ID must be 64 hex digits", file=sys.stderr)
        return 2
    try:
        ref.shoot("shooter", args.x, args.y)
        ans = ref.answer("defender", Path(args.receipt).read_bytes())
    except (Rejected, OSError) as e:
        print(f"REJECTED: {e}")
        return 1
    print(f"ACCEPTED: ({ans.x}, {ans.y}) {'hit' if ans.hit else 'miss'}; board commitment {ans.commitment.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Play a small game of zero-knowledge battleship end to end.

    python examples/battleship/game.py [--shots 2] [--params testing] [--seed N] [--workdir DIR]

What happens (each step is printed):

1. **Alice builds** the agreed guest source (this directory's ``*.c``/``*.h``) in her
   own directory and publishes ``battleship.elf``, its build manifest and the image ID.
2. **Bob reproduces** it: he checks out the same source into a different directory
   layout and runs ``verify-build`` on Alice's manifest. The game only starts on MATCH;
   Bob then builds his own ELF (same bytes) to prove his answers with.
3. The **referee** (``referee.py``) is pinned to the image ID Bob reproduced.
4. Each player places a random fleet and picks a random 32-byte salt. Players take
   turns: the shooter names a cell, the defender runs the guest on their private board
   + salt + the shot, proves the run, and hands the receipt to the referee, which
   verifies it (pinned image ID, same board commitment as the defender's first answer,
   the shot it asked for) before recording hit or miss.
5. After ``--shots`` rounds (or when a fleet is sunk) the referee declares the winner.

Each answer costs one proof, so keep ``--shots`` small. ``--params testing`` (the
default here) uses the fast, low-security STARK parameters (the image ID, and so the
referee's pin, include the parameters); ``--params default`` is the real thing.
``--seed`` makes the fleets, salts and shots reproducible (a real player must use fresh
random salts, which is what happens without ``--seed``).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from battleship import BOARD_SIZE, SHIP_LENGTHS, Ship, board_from_ships, commitment, encode_input  # noqa: E402
from referee import Referee, Rejected  # noqa: E402

AGREED_SOURCES = ("battleship.h", "board.c", "main.c")
"""The guest source both players agreed on (copied by each into their own layout)."""


def zk_prove(elf: bytes, private_input: bytes, params: str = "testing") -> bytes:
    """Prove one run of ``elf`` on ``private_input``; the receipt's bytes.

    Uses ``zkvm.api.prove`` (the host API). ``params``: a preset name
    (``zkvm.manifest.PARAMS_PRESETS``).
    """
    from zkvm import api

    return api.prove(elf, private_input, params=params).to_bytes()


def random_fleet(rng: random.Random) -> list[Ship]:
    """A random legal placement of the standard fleet (ships may touch, never overlap)."""
    while True:
        used: set[tuple[int, int]] = set()
        ships = []
        for sid, length in SHIP_LENGTHS.items():
            for _ in range(200):
                o = rng.choice("hv")
                x = rng.randrange(BOARD_SIZE - (length - 1 if o == "h" else 0))
                y = rng.randrange(BOARD_SIZE - (length - 1 if o == "v" else 0))
                cells = {(x + i, y) if o == "h" else (x, y + i) for i in range(length)}
                if not cells & used:
                    used |= cells
                    ships.append(Ship(sid, x, y, o))
                    break
        if len(ships) == len(SHIP_LENGTHS):
            return ships


class Player:
    """A player: a private board and salt, and the guest ELF they reproduced."""

    def __init__(self, name: str, elf: bytes, ships: list[Ship], salt: bytes, params: str):
        self.name = name
        self.elf = elf
        self.board = board_from_ships(ships)
        self.salt = salt
        self.params = params
        self.tried: set[tuple[int, int]] = set()

    @property
    def commitment(self) -> bytes:
        return commitment(self.board, self.salt)

    def answer(self, x: int, y: int) -> bytes:
        """Prove the answer to a shot at our board; the receipt."""
        return zk_prove(self.elf, encode_input(self.board, self.salt, (x, y)), self.params)

    def choose_shot(self, rng: random.Random) -> tuple[int, int]:
        free = [(x, y) for y in range(BOARD_SIZE) for x in range(BOARD_SIZE) if (x, y) not in self.tried]
        shot = rng.choice(free)
        self.tried.add(shot)
        return shot


def setup(workdir: Path, params: str, log=print) -> dict:
    """Steps 1-3: Alice builds and publishes, Bob reproduces, the referee is pinned.

    Returns ``{"manifest", "image_id", "alice_elf", "bob_elf"}``. Raises RuntimeError if
    Bob's reproduction does not MATCH (the game must not start then).
    """
    from zkvm import api

    alice_src = workdir / "alice" / "src" / "battleship"
    bob_src = workdir / "bob" / "checkouts" / "zk-battleship-agreed-source-v1"
    for d in (alice_src, bob_src):
        d.mkdir(parents=True)
        for name in AGREED_SOURCES:
            (d / name).write_bytes((HERE / name).read_bytes())

    pub = workdir / "alice" / "published"
    r = api.build(alice_src, pub / "battleship.elf", image_id_params=params)
    manifest = api.manifest_path(r.path)
    import json

    m = json.loads(manifest.read_text())
    if not m.get("image_id"):
        raise RuntimeError(f"no image ID in the manifest: {m.get('image_id_error')}")
    log(f"[alice] built battleship.elf  sha256 {r.sha256}")
    log(f"[alice] published {manifest.name}  image ID {m['image_id']} (params {params})")

    res = api.verify_build(manifest, bob_src)
    log(f"[bob]   zkvm verify-build {manifest.name} --source {bob_src.relative_to(workdir)}: {res.verdict}")
    if not res.match:
        raise RuntimeError("Bob could not reproduce Alice's build:\n" + res.report())
    bob = api.build(bob_src, workdir / "bob" / "build" / "battleship.elf", manifest=False)
    if bob.sha256 != r.sha256:
        raise RuntimeError("Bob's ELF differs from Alice's")
    log(f"[bob]   reproduced image ID {res.rebuilt_image_id}")
    return {"manifest": manifest, "image_id": bytes.fromhex(res.rebuilt_image_id),
            "alice_elf": r.path.read_bytes(), "bob_elf": bob.path.read_bytes()}


def play(shots: int = 2, params: str = "testing", seed: int | None = None,
         workdir: str | os.PathLike | None = None, log=print) -> Referee:
    """Play ``shots`` rounds (each player fires ``shots`` times); returns the referee
    (``.result()``, ``.history``)."""
    if shots < 1:
        raise ValueError("--shots must be at least 1")
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    own_tmp = workdir is None
    wd = Path(tempfile.mkdtemp(prefix="zk-battleship-")) if own_tmp else Path(workdir)
    try:
        s = setup(wd, params, log)
        ref = Referee(s["image_id"], ("alice", "bob"))
        salt = (lambda: bytes(rng.randrange(256) for _ in range(32))) if seed is not None else (lambda: os.urandom(32))
        players = {
            "alice": Player("alice", s["alice_elf"], random_fleet(rng), salt(), params),
            "bob": Player("bob", s["bob_elf"], random_fleet(rng), salt(), params),
        }
        for name, p in players.items():
            log(f"[{name}] placed a fleet; board commitment {p.commitment.hex()[:16]}... (kept secret: board, salt)")
        for rnd in range(shots):
            for shooter, defender in (("alice", "bob"), ("bob", "alice")):
                x, y = players[shooter].choose_shot(rng)
                ref.shoot(shooter, x, y)
                t0 = time.perf_counter()
                receipt = players[defender].answer(x, y)
                dt = time.perf_counter() - t0
                try:
                    ans = ref.answer(defender, receipt)
                except Rejected as e:
                    raise RuntimeError(f"the referee rejected {defender}'s honest answer: {e}") from None
                log(f"round {rnd + 1}: {shooter} fires at ({x}, {y}) -> {defender}: "
                    f"{'HIT' if ans.hit else 'miss'}  (receipt {len(receipt) // 1024} KiB, "
                    f"proved in {dt:.1f} s, accepted by the referee)")
                if ref.winner:
                    break
            if ref.winner:
                break
        log(f"referee: {ref.result()}")
        return ref
    finally:
        if own_tmp:
            shutil.rmtree(wd, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shots", type=int, default=2, help="rounds to play (each player fires this many times)")
    ap.add_argument("--params", default="testing", choices=("testing", "default", "high"),
                    help="STARK parameter preset (part of the image ID)")
    ap.add_argument("--seed", type=int, help="reproducible fleets, salts and shots (demo only)")
    ap.add_argument("--workdir", help="keep Alice's and Bob's directories here (default: a temp dir)")
    args = ap.parse_args(argv)
    try:
        play(args.shots, args.params, args.seed, args.workdir)
    except (RuntimeError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

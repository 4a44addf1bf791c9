"""The Battleship referee contract (contracts/src/BattleshipReferee.sol) in the local EVM:
deployment pinned to an image ID and a StatementCheck, its calls, and its errors.

:func:`deploy_referee` deploys a referee whose constructor requires the verifier's
``imageId()`` to equal the pinned image ID.  :class:`Referee` sends the game's
transactions (``create``, ``join``, ``shoot``, ``answer``, ``challenge``, ``prove``,
``claimForfeit``, ``claimTimeout``, ``settle``, ``withdraw``) from a player's address and
raises :class:`RefereeRefused` with the contract's error name when it reverts; every
transaction's :class:`~zkvm.onchain.chain.TxReport` (gas with the EIP-7623 floor) is in
``Referee.reports``.  :func:`answer_journal` is the guest journal an answer stands for.

The design (optimistic answers, challenges, windows, replay protection) is in the
contract's NatSpec and docs/onchain.md ("The Battleship referee").
"""

from __future__ import annotations

from dataclasses import dataclass

from . import abi, artifacts
from .chain import LocalChain, TxReport

__all__ = ["Referee", "RefereeRefused", "deploy_referee", "answer_journal", "GameState", "STATUS",
           "DEFAULT_TIMING", "audit_referee"]

#: Game status codes (BattleshipReferee.sol).
STATUS = {0: "none", 1: "open", 2: "active", 3: "ended", 4: "settled", 5: "cancelled"}
#: Default timing (seconds) and challenge bond (wei) of a deployment.
DEFAULT_TIMING = {"move_timeout": 3600, "challenge_window": 86_400, "proof_window": 86_400,
                  "challenge_bond": 10 ** 16}


class RefereeRefused(RuntimeError):
    """The referee contract reverted; ``error`` is its custom error's name
    (``NotYourTurn``, ``NotProven``, ...) or ``"?"``, ``report`` the transaction."""

    def __init__(self, error: str, report: TxReport):
        super().__init__(f"{report.label}: refused ({error})")
        self.error = error
        self.report = report


def answer_journal(commitment: bytes, x: int, y: int, hit: int) -> bytes:
    """The battleship guest's 35-byte journal for an answer (examples/battleship/README.md)."""
    if len(commitment) != 32 or not (0 <= x < 10 and 0 <= y < 10) or hit not in (0, 1):
        raise ValueError("not a battleship answer")
    return bytes(commitment) + bytes([x, y, hit])


def _keccak(b: bytes) -> bytes:
    from zkvm.evm.ethutil import keccak256

    return keccak256(b)


def _errors(art: artifacts.Artifact) -> dict:
    """4-byte selector (hex) -> name of every custom error without arguments."""
    out = {}
    for e in art.abi:
        if e.get("type") == "error" and not e.get("inputs"):
            out[_keccak(f"{e['name']}()".encode())[:4].hex()] = e["name"]
    return out


def deploy_referee(chain: LocalChain, image_id: bytes, verifier: str, *, move_timeout: int | None = None,
                   challenge_window: int | None = None, proof_window: int | None = None,
                   challenge_bond: int | None = None) -> str:
    """Deploy a BattleshipReferee pinned to ``image_id`` trusting the StatementCheck at
    ``verifier``; returns its address.  Raises :class:`RuntimeError` if the creation fails
    (e.g. the verifier's ``imageId()`` is another image)."""
    t = dict(DEFAULT_TIMING)
    for k, v in (("move_timeout", move_timeout), ("challenge_window", challenge_window),
                 ("proof_window", proof_window), ("challenge_bond", challenge_bond)):
        if v is not None:
            t[k] = v
    art = artifacts.load("BattleshipReferee")
    if len(bytes(image_id)) != 32:
        raise ValueError("an image ID is 32 bytes")
    args = abi.encode_args(["bytes32", "address", "uint256", "uint256", "uint256", "uint256"],
                           [bytes(image_id), bytes.fromhex(verifier[2:]), t["move_timeout"],
                            t["challenge_window"], t["proof_window"], t["challenge_bond"]])
    try:
        return chain.deploy(art, args)
    except RuntimeError as e:
        low = str(e).lower()
        name = next((n for sel, n in _errors(art).items() if sel in low), None)
        raise RuntimeError(f"BattleshipReferee not deployed: {name or str(e).splitlines()[0][:120]}") from None


@dataclass
class GameState:
    players: tuple
    commitments: tuple
    stake: int
    hits: tuple
    shots: int
    open_challenges: int
    status: str
    winner: int
    last_move: int
    ended_at: int


class Referee:
    """Client of a deployed BattleshipReferee at ``address`` on ``chain``."""

    def __init__(self, chain: LocalChain, address: str):
        self.chain = chain
        self.address = address
        self.art = artifacts.load("BattleshipReferee")
        self.errors = _errors(self.art)
        self.reports: list[TxReport] = []

    # -------------------------------------------------------------- transactions
    def _tx(self, sender: str, fn: str, types: list, values: list, label: str, value: int = 0) -> TxReport:
        data = abi.encode_call(self.art.selector(fn), types, values)
        r = self.chain.transact(self.address, data, label, value=value, sender=sender)
        self.reports.append(r)
        if not r.ok:
            raise RefereeRefused(self._error_name(r.reason), r)
        return r

    def _error_name(self, reason: str) -> str:
        low = reason.lower()
        for sel, name in self.errors.items():
            if sel in low:
                return name
        return "?" if "cap" not in reason else "EIP-7825 cap"

    def create(self, sender: str, commitment: bytes, stake: int, opponent: str | None = None) -> int:
        """Open a game; returns its id."""
        r = self._tx(sender, "create", ["bytes32", "address"],
                     [commitment, bytes.fromhex((opponent or "0x" + "00" * 20)[2:])], "create", stake)
        return int.from_bytes(r.output[-32:], "big")

    def join(self, sender: str, game: int, commitment: bytes, stake: int) -> TxReport:
        return self._tx(sender, "join", ["uint256", "bytes32"], [game, commitment], "join", stake)

    def cancel(self, sender: str, game: int) -> TxReport:
        return self._tx(sender, "cancel", ["uint256"], [game], "cancel")

    def shoot(self, sender: str, game: int, x: int, y: int) -> TxReport:
        return self._tx(sender, "shoot", ["uint256", "uint256", "uint256"], [game, x, y], f"shoot ({x},{y})")

    def answer(self, sender: str, game: int, hit: int, x: int = 0, y: int = 0) -> TxReport:
        """Answer the pending shot with ``hit`` and fire at ``(x, y)`` (ignored if the answer
        ends the game)."""
        return self._tx(sender, "answer", ["uint256", "uint256", "uint256", "uint256"], [game, hit, x, y],
                        f"answer {'hit' if hit else 'miss'}, shoot ({x},{y})")

    def challenge(self, sender: str, game: int, k: int, bond: int | None = None) -> TxReport:
        if bond is None:
            bond = self.view_uint("challengeBond")
        return self._tx(sender, "challenge", ["uint256", "uint256"], [game, k], f"challenge shot {k}", bond)

    def prove(self, sender: str, game: int, k: int) -> TxReport:
        return self._tx(sender, "prove", ["uint256", "uint256"], [game, k], f"prove shot {k}")

    def claim_forfeit(self, sender: str, game: int, k: int) -> TxReport:
        return self._tx(sender, "claimForfeit", ["uint256", "uint256"], [game, k], f"claimForfeit shot {k}")

    def claim_timeout(self, sender: str, game: int) -> TxReport:
        return self._tx(sender, "claimTimeout", ["uint256"], [game], "claimTimeout")

    def settle(self, sender: str, game: int) -> TxReport:
        return self._tx(sender, "settle", ["uint256"], [game], "settle")

    def withdraw(self, sender: str) -> TxReport:
        return self._tx(sender, "withdraw", [], [], "withdraw")

    # -------------------------------------------------------------- views
    def _call(self, fn: str, types: list, values: list) -> bytes:
        return self.chain.call(self.address, abi.encode_call(self.art.selector(fn), types, values))

    def view_uint(self, fn: str) -> int:
        return int.from_bytes(self._call(fn, [], [])[:32], "big")

    def view_bytes32(self, fn: str) -> bytes:
        return self._call(fn, [], [])[:32]

    def image_id(self) -> bytes:
        return self.view_bytes32("imageId")

    def verifier(self) -> str:
        return "0x" + self.view_bytes32("verifier")[12:].hex()

    def balance_of(self, who: str) -> int:
        return int.from_bytes(self._call("balanceOf", ["address"], [bytes.fromhex(who[2:])])[:32], "big")

    def answer_key(self, commitment: bytes, x: int, y: int, hit: int) -> bytes:
        return self._call("answerKey", ["bytes32", "uint256", "uint256", "uint256"], [commitment, x, y, hit])[:32]

    def shot(self, game: int, k: int) -> tuple:
        """``(x, y, hit, state, deadline)``; state 0 unanswered, 1 answered, 2 challenged, 3 proven."""
        out = self._call("shots", ["uint256", "uint256"], [game, k])
        return tuple(int.from_bytes(out[32 * i:32 * i + 32], "big") for i in range(5))

    def game(self, game: int) -> GameState:
        out = self._call("game", ["uint256"], [game])
        w = [out[32 * i:32 * i + 32] for i in range(len(out) // 32)]
        n = [int.from_bytes(x, "big") for x in w]
        return GameState(players=("0x" + w[0][12:].hex(), "0x" + w[1][12:].hex()), commitments=(w[2], w[3]),
                         stake=n[4], hits=(n[5], n[6]), shots=n[7], open_challenges=n[8],
                         status=STATUS.get(n[9], "?"), winner=n[10], last_move=n[11], ended_at=n[12])


def _code(chain: LocalChain, address: str) -> bytes:
    c = chain.evm.get_code(address)
    return bytes(c) if c is not None else b""


def audit_referee(chain: LocalChain, address: str, image_id: bytes, shape: dict) -> list[str]:
    """What a player checks before staking in the referee at ``address``, from their own
    reproduction of the guest: ``image_id`` (``zkvm verify-build``) and ``shape``
    (:func:`zkvm.onchain.statement.shape_of` of a receipt they proved with their ELF).
    Returns the problems found (empty: the referee is pinned to ``image_id`` and trusts
    only a verifier whose verifying key is the one their ELF gives).

    Checked: the referee's runtime code is BattleshipReferee's with ``imageId`` =
    ``image_id``; its verifier's ``imageId``, vk digest, preprocessed root, boot pc and
    bus ids are those of ``shape``; its only registered shape is ``shape``; and the
    verifier and its three fact contracts run exactly the compiled artifacts' code (each
    compared byte for byte with a fresh deployment with the same constructor arguments)."""
    from . import statement

    problems = []
    ref = Referee(chain, address)
    if ref.image_id() != bytes(image_id):
        problems.append(f"referee pinned to image {ref.image_id().hex()}, reproduced {bytes(image_id).hex()}")
    v = ref.verifier()
    st = artifacts.load("StatementCheck")

    def word(fn):
        return chain.call(v, st.selector(fn))[:32]

    addrs = {k: "0x" + word(fn)[12:].hex() for k, fn in
             (("sc", "challenges"), ("mf", "merkleFacts"), ("fq", "friQueries"))}
    for what, fn, want in (("image ID", "imageId", bytes(image_id)), ("vk digest", "vkDigest", shape["vk_digest"]),
                           ("preprocessed root", "preRoot", shape["pre_root"]),
                           ("boot pc", "entry", abi.word(shape["entry"])),
                           ("EXEC bus", "execBus", abi.word(shape["exec_bus"])),
                           ("JOURNAL bus", "journalBus", abi.word(shape["journal_bus"]))):
        if word(fn) != bytes(want):
            problems.append(f"verifier {what} {word(fn).hex()} != {bytes(want).hex()}")
    # A fresh deployment of the verifier with the arguments it claims, over the same fact
    # contracts, and of the referee: the runtime code must be identical.
    snap = chain.evm.snapshot()
    try:
        fresh = statement.deploy(chain, dict(shape, image_id=bytes(image_id)), facts=addrs)
        reg = chain.call(v, st.selector("shapeHashes"))
        mine = chain.call(fresh["st"], st.selector("shapeHashes"))
        if reg != mine:
            problems.append("the verifier registers other shapes than the reproduced one")
        if _code(chain, v) != _code(chain, fresh["st"]):
            problems.append("the verifier's code is not StatementCheck's with the reproduced verifying key")
        fq = artifacts.load("FriQueries")
        for k, name in (("sc", "StarkChallenges"), ("mf", "MerkleFacts")):
            if _code(chain, addrs[k]) != _code(chain, chain.deploy(artifacts.load(name))):
                problems.append(f"the verifier's {name} is not the compiled contract")
        fq_fresh = chain.deploy(fq, abi.word(bytes.fromhex(addrs["mf"][2:])))
        if _code(chain, addrs["fq"]) != _code(chain, fq_fresh):
            problems.append("the verifier's FriQueries is not the compiled contract over its MerkleFacts")
        t = {k: ref.view_uint(fn) for k, fn in (("move_timeout", "moveTimeout"),
                                                 ("challenge_window", "challengeWindow"),
                                                 ("proof_window", "proofWindow"),
                                                 ("challenge_bond", "challengeBond"))}
        ref_fresh = deploy_referee(chain, bytes(image_id), v, **t)
        if _code(chain, address) != _code(chain, ref_fresh):
            problems.append("the referee's code is not BattleshipReferee's pinned to the reproduced image ID")
    except RuntimeError as e:
        problems.append(f"cannot redeploy the reproduced contracts: {e}")
    finally:
        chain.evm.revert(snap)
    return problems

"""Ethereum state tests (ethereum/tests ``GeneralStateTests`` JSON) run through the EVM
guest in the zkvm executor.

A state test file holds tests; each test has a pre-state, an environment, a transaction
template (vectors of data / gas limits / values) and, per fork, a list of expected
post-states (``hash``: state root, ``logs``: keccak256 of the RLP of the logs,
``indexes`` into the vectors, ``txbytes``: the signed transaction, and for an invalid
transaction ``expectException``). Each (file, test, fork, index) is one *case*.

    from zkvm.evm import statetest
    cases = statetest.load_cases(["../shared/evm-statetests"])
    for case in cases:
        outcome = statetest.run_case(case)      # CaseResult(ok, reason, journal, cycles)

Malformed fixtures raise :class:`FixtureError` with a one-line message.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .encoding import EXIT_OK, Account, BlockEnv, EncodingError, GuestInput, Journal, status_is_invalid
from .ethutil import Transaction, private_key_to_address

DEFAULT_FORK = "Cancun"
CASES_FILE = "cases.txt"
MAX_FIXTURE_BYTES = 256 << 20


class FixtureError(ValueError):
    """A state-test file or case that cannot be parsed."""


@dataclass
class Case:
    """One state-test case, ready to run."""

    path: str          # the file, as given or relative to the directory given
    test: str
    fork: str
    index: int
    input: GuestInput
    expect_root: bytes
    expect_logs: bytes
    expect_exception: str | None

    @property
    def name(self) -> str:
        return f"{self.path}::{self.test}::{self.fork}::{self.index}"


@dataclass
class CaseResult:
    case: Case
    ok: bool
    reason: str
    journal: Journal | None
    cycles: int
    exit_code: int


# ---------------------------------------------------------------------------- parsing


def _hex_bytes(v, what: str) -> bytes:
    if not isinstance(v, str) or not v.startswith("0x"):
        raise FixtureError(f"{what}: expected a 0x-prefixed hex string, got {v!r:.60}")
    h = v[2:]
    if len(h) % 2:
        h = "0" + h
    try:
        return bytes.fromhex(h)
    except ValueError:
        raise FixtureError(f"{what}: not hex: {v!r:.60}") from None


def _int(v, what: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str):
        try:
            return int(v, 16) if v.startswith("0x") else int(v)
        except ValueError:
            pass
    raise FixtureError(f"{what}: expected an integer, got {v!r:.60}")


def _addr(v, what: str) -> bytes:
    b = _hex_bytes(v, what)
    if len(b) != 20:
        raise FixtureError(f"{what}: an address is 20 bytes, got {len(b)}")
    return b


def _hash(v, what: str) -> bytes:
    b = _hex_bytes(v, what)
    if len(b) != 32:
        raise FixtureError(f"{what}: a hash is 32 bytes, got {len(b)}")
    return b


def _dict(v, what: str) -> dict:
    if not isinstance(v, dict):
        raise FixtureError(f"{what}: expected an object")
    return v


def parse_pre(pre: dict) -> dict[bytes, Account]:
    out = {}
    for a, acc in _dict(pre, "pre").items():
        addr = _addr(a, "pre address")
        acc = _dict(acc, f"pre[{a}]")
        storage = {}
        for k, v in _dict(acc.get("storage", {}), f"pre[{a}].storage").items():
            storage[_int(k, "storage key")] = _int(v, "storage value")
        out[addr] = Account(nonce=_int(acc.get("nonce", "0x0"), "nonce"),
                            balance=_int(acc.get("balance", "0x0"), "balance"),
                            code=_hex_bytes(acc.get("code", "0x"), "code"), storage=storage)
    return out


def parse_env(env: dict) -> BlockEnv:
    env = _dict(env, "env")
    try:
        randao = env.get("currentRandom", "0x" + "00" * 32)
        hashes = {}
        if "previousHash" in env:
            # as the EELS state-test runner: the parent hash is known as block 0's
            hashes[0] = _hash(env["previousHash"], "previousHash")
        return BlockEnv(
            coinbase=_addr(env["currentCoinbase"], "currentCoinbase"),
            number=_int(env["currentNumber"], "currentNumber"),
            timestamp=_int(env["currentTimestamp"], "currentTimestamp"),
            gas_limit=_int(env["currentGasLimit"], "currentGasLimit"),
            base_fee=_int(env.get("currentBaseFee", "0x0"), "currentBaseFee"),
            prev_randao=_hex_bytes(randao, "currentRandom").rjust(32, b"\0")[-32:],
            excess_blob_gas=_int(env.get("currentExcessBlobGas", "0x0"), "currentExcessBlobGas"),
            block_hashes=hashes,
        )
    except KeyError as e:
        raise FixtureError(f"env: missing {e.args[0]}") from None


def build_tx(tx: dict, indexes: dict) -> bytes:
    """Sign the transaction for ``indexes`` from the template (for fixtures without
    ``txbytes``)."""
    try:
        d, g, v = (_int(indexes[k], f"indexes.{k}") for k in ("data", "gas", "value"))
        data = _hex_bytes(tx["data"][d], "data")
        gas = _int(tx["gasLimit"][g], "gasLimit")
        value = _int(tx["value"][v], "value")
        key = _hex_bytes(tx["secretKey"], "secretKey")
    except (KeyError, IndexError, TypeError) as e:
        raise FixtureError(f"transaction: missing or bad field ({e})") from None
    to = None if tx.get("to", "") in ("", None) else _addr(tx["to"], "to")
    access = None
    if tx.get("accessLists") is not None and d < len(tx["accessLists"]) and tx["accessLists"][d] is not None:
        access = [(_addr(e["address"], "accessList address"), [_hash(s, "accessList key") for s in e["storageKeys"]])
                  for e in tx["accessLists"][d]]
    common = dict(nonce=_int(tx.get("nonce", "0x0"), "nonce"), gas_limit=gas, to=to, value=value, data=data)
    if "blobVersionedHashes" in tx:
        t = Transaction(**common, type=3, gas_price=_int(tx["maxFeePerGas"], "maxFeePerGas"),
                        max_priority_fee_per_gas=_int(tx.get("maxPriorityFeePerGas", "0x0"), "maxPriorityFeePerGas"),
                        access_list=access or [], chain_id=1,
                        max_fee_per_blob_gas=_int(tx.get("maxFeePerBlobGas", "0x0"), "maxFeePerBlobGas"),
                        blob_versioned_hashes=[_hash(h, "blobVersionedHashes") for h in tx["blobVersionedHashes"]])
    elif "maxFeePerGas" in tx:
        t = Transaction(**common, type=2, gas_price=_int(tx["maxFeePerGas"], "maxFeePerGas"),
                        max_priority_fee_per_gas=_int(tx.get("maxPriorityFeePerGas", "0x0"), "maxPriorityFeePerGas"),
                        access_list=access or [], chain_id=1)
    elif access is not None:
        t = Transaction(**common, type=1, gas_price=_int(tx["gasPrice"], "gasPrice"), access_list=access, chain_id=1)
    else:
        t = Transaction(**common, type=0, gas_price=_int(tx.get("gasPrice", "0x0"), "gasPrice"), chain_id=None)
    return t.sign(key)


def _read_json(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if size > MAX_FIXTURE_BYTES:
            raise FixtureError(f"{path}: larger than {MAX_FIXTURE_BYTES >> 20} MiB")
        with open(path, "rb") as fh:
            data = json.load(fh)
    except OSError as e:
        raise FixtureError(f"{path}: cannot read ({e.strerror or e})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise FixtureError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise FixtureError(f"{path}: expected a JSON object of tests")
    return data


def cases_in_file(path: Path, display: str, fork: str = DEFAULT_FORK,
                  wanted: set[tuple[str, int]] | None = None) -> Iterator[Case]:
    """The cases of one state-test file for ``fork`` (all, or those in ``wanted`` as
    ``(test name, index)``)."""
    data = _read_json(path)
    for test, body in data.items():
        body = _dict(body, f"{display}: test {test!r}")
        posts = _dict(body.get("post", {}), f"{display}: {test}: post").get(fork)
        if not posts:
            continue
        if not isinstance(posts, list):
            raise FixtureError(f"{display}: {test}: post.{fork} is not a list")
        pre = env = None
        for i, post in enumerate(posts):
            if wanted is not None and (test, i) not in wanted:
                continue
            post = _dict(post, f"{display}: {test}: post.{fork}[{i}]")
            if pre is None:
                try:
                    pre, env = parse_pre(body["pre"]), parse_env(body["env"])
                except KeyError as e:
                    raise FixtureError(f"{display}: {test}: missing {e.args[0]}") from None
            tx = _dict(body.get("transaction"), f"{display}: {test}: transaction")
            where = f"{display}: {test}[{i}]"
            try:
                if "txbytes" in post:
                    txb = _hex_bytes(post["txbytes"], "txbytes")
                else:
                    txb = build_tx(tx, _dict(post.get("indexes"), "indexes"))
                if "sender" in tx:
                    sender = _addr(tx["sender"], "sender")
                else:
                    sender = private_key_to_address(_hex_bytes(tx["secretKey"], "secretKey"))
                expect_root = _hash(post["hash"], "hash")
                expect_logs = _hash(post["logs"], "logs")
            except FixtureError as e:
                raise FixtureError(f"{where}: {e}") from None
            except (KeyError, ValueError) as e:
                raise FixtureError(f"{where}: bad or missing field ({e})") from None
            exc = post.get("expectException")
            yield Case(display, test, fork, i, GuestInput(env, sender, txb, pre), expect_root, expect_logs,
                       str(exc) if exc else None)


def read_case_list(path: Path) -> dict[str, set[tuple[str, str, int]]]:
    """Parse a ``cases.txt``: ``relative/file.json::test::fork::index`` per line
    (``#`` comments). Returns ``{relative path: {(test, fork, index)}}``."""
    out: dict[str, set[tuple[str, str, int]]] = {}
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise FixtureError(f"{path}: cannot read ({e})") from None
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rel, sep, rest = line.partition("::")  # test names may contain "::"
        parts = rest.rsplit("::", 2)
        if not sep or len(parts) != 3:
            raise FixtureError(f"{path}:{n}: expected file::test::fork::index")
        test, fork, idx = parts
        try:
            i = int(idx)
        except ValueError:
            raise FixtureError(f"{path}:{n}: bad index {idx!r}") from None
        out.setdefault(rel, set()).add((test, fork, i))
    return out


def load_cases(paths: Iterable[str | os.PathLike], fork: str = DEFAULT_FORK, use_case_lists: bool = True,
               case_list: str | os.PathLike | None = None) -> list[Case]:
    """All cases of the given files and directories (recursively, ``*.json``), in a
    stable order. A directory holding a ``cases.txt`` contributes only the cases listed
    there (unless ``use_case_lists`` is False); ``case_list`` names such a list
    explicitly (its paths are relative to its own directory)."""
    out: list[Case] = []
    if case_list is not None:
        lst = Path(case_list)
        base = lst.parent
        for rel, wanted in sorted(read_case_list(lst).items()):
            w = {(t, i) for t, f, i in wanted if f == fork}
            if w:
                out += cases_in_file(base / rel, rel, fork, w)
        return out
    for p in paths:
        p = Path(p)
        if p.is_dir():
            listed = p / CASES_FILE
            if use_case_lists and listed.is_file():
                out += load_cases([], fork, case_list=listed)
                continue
            for f in sorted(p.rglob("*.json"), key=lambda q: q.as_posix()):
                out += cases_in_file(f, f.relative_to(p).as_posix(), fork)
        elif p.is_file():
            out += cases_in_file(p, str(p), fork)
        else:
            raise FixtureError(f"{p}: no such file or directory")
    return out


# ----------------------------------------------------------------------------- running


def run_case(case: Case, max_cycles: int | None = None) -> CaseResult:
    """Run one case through the guest in the zkvm executor and compare the post-state
    root, the logs hash and (for ``expectException``) that the transaction was
    rejected."""
    from . import guest

    try:
        data = case.input.encode()
    except EncodingError as e:
        return CaseResult(case, False, f"cannot encode the guest input: {e}", None, 0, -1)
    from ..riscv import GuestError

    try:
        r = guest.run(data, max_cycles or guest.DEFAULT_MAX_CYCLES)
    except GuestError as e:  # never expected: the guest handles every input
        return CaseResult(case, False, f"guest fault: {e}", None, 0, -1)
    if r.exit_code != EXIT_OK:
        msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        return CaseResult(case, False, f"guest exit code {r.exit_code}: {msg}", None, r.cycles, r.exit_code)
    j = r.journal
    problems = []
    if j.post_state_root != case.expect_root:
        problems.append(f"state root 0x{j.post_state_root.hex()} != expected 0x{case.expect_root.hex()}")
    if j.logs_hash != case.expect_logs:
        problems.append(f"logs hash 0x{j.logs_hash.hex()} != expected 0x{case.expect_logs.hex()}")
    if case.expect_exception and not status_is_invalid(j.status):
        problems.append(f"expected an invalid transaction ({case.expect_exception}), got status {j.status_name}")
    if not case.expect_exception and status_is_invalid(j.status):
        problems.append(f"transaction rejected ({j.status_name})")
    return CaseResult(case, not problems, "; ".join(problems), j, r.cycles, r.exit_code)

"""examples/evm-erc20 and examples/evm-battleship: the Solidity workflows, checked
transaction by transaction against the execution specification; proving one ERC-20
transfer and one Battleship move (testing parameters)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from zkvm.evm import abi, session

from .eels_oracle import run_eels

REPO = Path(__file__).resolve().parents[2]


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def erc20():
    return load("zkvm_example_erc20", REPO / "examples/evm-erc20/erc20.py")


@pytest.fixture(scope="module")
def battleship():
    return load("zkvm_example_evm_battleship", REPO / "examples/evm-battleship/battleship.py")


@pytest.fixture()
def spec_checked(monkeypatch):
    """Check every transaction a session executes against the specification."""
    original = session.EvmSession._apply
    seen = []

    def checked(self, inp, receipt=None):
        out = original(self, inp, receipt)
        e = run_eels(inp)
        j = out.journal
        assert (j.pre_state_root, j.post_state_root, j.logs_hash, j.gas_used) == \
            (e.pre_root, e.post_root, e.logs_hash, e.gas_used)
        assert e.valid and (j.status == 0) == e.succeeded
        seen.append(j)
        return out

    monkeypatch.setattr(session.EvmSession, "_apply", checked)
    return seen


def test_artifacts_committed():
    for p in ("examples/evm-erc20/Token.json", "examples/evm-battleship/Battleship.json"):
        art = json.loads((REPO / p).read_text())
        assert art["compiler"].startswith("solc-js 0.8.28")
        assert art["settings"]["evmVersion"] == "cancun"
        assert len(art["deployedBytecode"]) > 100


def test_erc20_transfer_executes(erc20, spec_checked, capsys):
    r = erc20.main(["--execute-only"])
    j = r["journal"]
    assert j.status == 0
    assert r["balances"] == {r["alice"]: erc20.SUPPLY - erc20.AMOUNT, r["bob"]: erc20.AMOUNT}
    (log,) = r["logs"]
    assert log.topics[1][12:] == r["alice"] and log.topics[2][12:] == r["bob"]
    assert abi.decode(["uint256"], log.data) == [erc20.AMOUNT]
    assert len(spec_checked) == 2  # deployment and transfer
    out = capsys.readouterr().out
    assert "Transfer         from 0x" in out and "post-state root  0x" in out


def test_erc20_approve_transfer_from(erc20, spec_checked):
    alice = erc20.private_key_to_address(erc20.ALICE_KEY)
    carol_key = 0xC0FFEE
    carol = erc20.private_key_to_address(carol_key)
    token = json.loads((REPO / "examples/evm-erc20/Token.json").read_text())
    s = session.EvmSession()
    s.fund(alice, 10**18)
    s.fund(carol, 10**18)
    addr = s.deploy(erc20.ALICE_KEY, bytes.fromhex(token["bytecode"][2:]) + abi.encode_value("uint256", 1000)).created
    assert s.execute(erc20.ALICE_KEY, addr, abi.call_data("approve(address,uint256)", carol, 300)).ok
    out = s.execute(carol_key, addr, abi.call_data("transferFrom(address,address,uint256)", alice, carol, 200))
    assert out.ok and len(out.logs) == 1
    # over the allowance: reverts with "allowance"
    out = s.execute(carol_key, addr, abi.call_data("transferFrom(address,address,uint256)", alice, carol, 101))
    assert out.journal.status == 1


def test_battleship_game_executes(battleship, spec_checked):
    r = battleship.main(["--execute-only"])
    assert r["honest"] and r["hits"] == 4 and r["winner"] == r["defender"]
    assert r["cheat_status"] == 1
    assert [h for _, h in r["results"]] == [True, False, True, True, True, False]


@pytest.mark.slow
def test_erc20_transfer_proven(erc20, tmp_path):
    r = erc20.main(["--params", "testing", "--receipt", str(tmp_path / "r.bin")])
    assert r["receipt"] is not None and r["journal"].status == 0
    from zkvm.evm import host

    assert host.verify((tmp_path / "r.bin").read_bytes(), "testing") == r["journal"]


@pytest.mark.slow
def test_battleship_move_proven(battleship):
    r = battleship.main(["--params", "testing"])
    assert r["proven"] is not None and r["proven"].receipt is not None

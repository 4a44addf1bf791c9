"""Proving the EVM guest (testing parameters) and verifying against its pinned image ID;
receipts whose journal claims another post-state root, gas used or status are rejected.

The last test also proves the guest built with ``-DEVM_STATIC_HEAP`` (all allocations
from a fixed buffer, no memory system calls): the allocation strategy must not change
the statement.
"""

from __future__ import annotations

import dataclasses

import pytest

from zkvm.evm import host
from zkvm.evm.encoding import Account
from zkvm.stark.errors import VerificationError

from .builders import CONTRACT, call, make_input

pytestmark = pytest.mark.slow


def prove_or_wait(inp):
    return host.prove(inp, "testing")


@pytest.fixture(scope="module")
def storage_tx():
    # SSTORE(0, CALLVALUE); LOG1; a small contract call
    code = bytes.fromhex("346000556007600060006000a1")
    return make_input(call(value=5), {CONTRACT: Account(code=code)})


@pytest.fixture(scope="module")
def receipt(storage_tx):
    return prove_or_wait(storage_tx)


def test_prove_verify(storage_tx, receipt):
    j = host.verify(receipt, "testing")
    run = host.run(storage_tx)
    assert j == run.journal
    assert receipt.image_id == host.pinned_image_id("testing")
    # bytes round trip, as the CLI writes them
    assert host.verify(receipt.to_bytes(), "testing") == j


def _tampered(receipt, **changes):
    j = host.Journal.decode(receipt.journal)
    return dataclasses.replace(receipt, journal=dataclasses.replace(j, **changes).encode())


@pytest.mark.parametrize("field,value", [
    ("post_state_root", b"\x42" * 32),
    ("gas_used", 21000),
    ("status", 1),
    ("logs_hash", b"\0" * 32),
    ("pre_state_root", b"\1" * 32),
], ids=["post_root", "gas", "status", "logs", "pre_root"])
def test_forged_journal_rejected(receipt, field, value):
    forged = _tampered(receipt, **{field: value})
    assert forged.journal != receipt.journal
    with pytest.raises(VerificationError):
        host.verify(forged, "testing")


def test_wrong_params_and_other_program_rejected(receipt):
    with pytest.raises(VerificationError):  # a testing proof is not a default-parameter proof
        host.verify(receipt, "default")
    from zkvm import api

    with pytest.raises(VerificationError):  # the image ID of another guest
        api.verify(receipt, bytes(32))


def test_cli_prove_verify(tmp_path):
    from typer.testing import CliRunner

    from zkvm.cli import app

    from .conftest import require_statetests

    d = require_statetests()
    runner = CliRunner()
    out = tmp_path / "r.bin"
    r = runner.invoke(app, ["evm", "prove", str(d / "stShift" / "shl01.json"), "--params", "testing", "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evm", "verify", str(out), "--params", "testing"])
    assert r.exit_code == 0, r.output
    assert "zkvm evm verify: OK" in r.output and "post-state root" in r.output
    # flip one journal byte inside the receipt file (the post-state root)
    data = bytearray(out.read_bytes())
    from zkvm.receipt import Receipt

    rc = Receipt.from_bytes(bytes(data))
    j = bytearray(rc.journal)
    j[116] ^= 1
    out.write_bytes(dataclasses.replace(rc, journal=bytes(j)).to_bytes())
    r = runner.invoke(app, ["evm", "verify", str(out), "--params", "testing"])
    assert r.exit_code == 1 and "receipt rejected" in r.output


@pytest.fixture(scope="module")
def static_heap_guest():
    """The guest built with -DEVM_STATIC_HEAP: allocations from a .bss bump region, no
    memory system calls, so it proves before the OS layer lands (same interpreter, state,
    trie and journal code as the published guest)."""
    from pathlib import Path

    from zkvm.evm import guest
    from zkvm.riscv import load_elf
    from zkvm.toolchain import cached_build

    repo = Path(__file__).resolve().parents[2]
    elf = cached_build(guest.GUEST_DIR, repo / ".zkvm-cache" / "elf", name="evm-static-heap",
                       opt_level=guest.OPT_LEVEL, extra_defines=[f"EVM_STATIC_HEAP={64 << 20}"])
    return load_elf(elf.read_bytes())


def test_static_heap_variant_proves_erc20_transfer_and_rejects_forged_journals(static_heap_guest):
    import json
    from pathlib import Path

    from zkvm import api
    from zkvm.evm import abi
    from zkvm.evm.ethutil import private_key_to_address
    from zkvm.evm.session import EvmSession

    repo = Path(__file__).resolve().parents[2]
    token = json.loads((repo / "examples/evm-erc20/Token.json").read_text())
    key = 0xA11CE
    s = EvmSession()
    s.fund(private_key_to_address(key), 10**18)
    addr = s.deploy(key, bytes.fromhex(token["bytecode"][2:]) + abi.encode_value("uint256", 10**6)).created
    inp = s.transaction(key, addr, abi.call_data("transfer(address,uint256)", b"\x22" * 20, 5))
    inp.dump_state = False
    data = inp.encode()
    want = host.run(data).journal
    receipt = api.prove(static_heap_guest, data, params="testing")
    iid = receipt.image_id
    exit_code, journal = api.verify(receipt, iid)
    assert exit_code == 0 and host.Journal.decode(journal) == want and want.status == 0
    for field, value in (("post_state_root", b"\x42" * 32), ("gas_used", want.gas_used + 1), ("status", 1)):
        with pytest.raises(VerificationError):
            api.verify(_tampered(receipt, **{field: value}), iid)

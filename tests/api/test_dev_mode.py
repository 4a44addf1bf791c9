"""Dev mode through the API (docs/dev-mode.md): a dev receipt is never accepted by a
verify path that checks proofs, only by a dev verify, which warns."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from zkvm import api
from zkvm.machine import ImageIdMismatch
from zkvm.machine import verify as machine_verify
from zkvm.diagnostics import DevReceiptWarning
from zkvm.receipt import DEV_MAGIC, DevReceipt, DevReceiptRejected, ReceiptFormatError, load_any
from zkvm.stark.errors import VerificationError

REPO = Path(__file__).resolve().parents[2]
FIB_INPUT = (REPO / "examples" / "fibonacci" / "input.bin").read_bytes()


@pytest.fixture(scope="module")
def fib(tmp_path_factory, monkeypatch_module):
    d = tmp_path_factory.mktemp("dev")
    monkeypatch_module.setenv("ZKVM_IMAGE_ID_CACHE", str(d / "cache"))
    api.build(REPO / "examples" / "fibonacci", d / "fib.elf", image_id_params="testing", debug_copy=False)
    return d / "fib.elf"


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_dev_receipt_round_trip_and_claims(fib):
    r = api.prove(fib, FIB_INPUT, dev=True, params="testing")
    assert isinstance(r, DevReceipt)
    data = r.to_bytes()
    assert data[:8] == DEV_MAGIC and DevReceipt.from_bytes(data) == r
    assert r.image_id == api.image_id(fib, "testing")
    assert r.journal == bytes.fromhex("4b60c05c") and r.exit_code == 0 and r.cycles == api.run(fib, FIB_INPUT).cycles
    for bad in (data[:-1], data + b"\x00", data[:8] + b"\x02\x00" + data[10:]):
        with pytest.raises(ReceiptFormatError):
            DevReceipt.from_bytes(bad)


def test_no_proof_checking_path_accepts_a_dev_receipt(fib, monkeypatch):
    monkeypatch.delenv("ZKVM_DEV", raising=False)
    r = api.prove(fib, FIB_INPUT, dev=True, params="testing")
    iid = api.image_id(fib, "testing")
    for receipt in (r, r.to_bytes()):
        with pytest.raises(DevReceiptRejected, match="NOT A PROOF"):
            api.verify(receipt, iid)
        with pytest.raises(DevReceiptRejected):
            api.verify(receipt, iid, dev=False)
    with pytest.raises(DevReceiptRejected):
        machine_verify(r.to_bytes(), iid)  # the machine verifier (no dev notion at all)
    with pytest.raises(DevReceiptRejected):
        load_any(r.to_bytes())
    assert issubclass(DevReceiptRejected, VerificationError)
    # dev=False wins over ZKVM_DEV=1
    monkeypatch.setenv("ZKVM_DEV", "1")
    with pytest.raises(DevReceiptRejected):
        api.verify(r, iid, dev=False)


def test_dev_verify_accepts_with_a_warning_and_checks_the_image_id(fib, monkeypatch):
    r = api.prove(fib, FIB_INPUT, dev=True, params="testing")
    iid = api.image_id(fib, "testing")
    with pytest.warns(DevReceiptWarning, match="NOT A PROOF"):
        assert api.verify(r, iid, dev=True) == (0, bytes.fromhex("4b60c05c"))
    monkeypatch.setenv("ZKVM_DEV", "1")
    with pytest.warns(DevReceiptWarning):
        v = api.verify_receipt(r.to_bytes(), iid)
    assert v.dev and v.kind == "dev" and v.security_bits == 0 and v.params == "testing"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ImageIdMismatch, match="params testing"):
            api.verify(r, bytes(32), dev=True)


def test_env_turns_prove_into_dev_mode(fib, monkeypatch):
    monkeypatch.setenv("ZKVM_DEV", "1")
    assert isinstance(api.prove(fib, FIB_INPUT, params="testing"), DevReceipt)
    assert api.dev_mode() and not api.dev_mode(False)
    monkeypatch.setenv("ZKVM_DEV", "0")
    assert not api.dev_mode()

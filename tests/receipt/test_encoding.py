"""The receipt encoding is pinned: fixture receipts made before the byte codec
(:mod:`zkvm.codec`) replaced the hand-rolled readers decode and re-encode byte for byte,
down to the STARK proof and its PCS section, and a freshly proven deterministic
(``zk=False``) receipt has the pinned digest.

Fixtures (tests/receipt/fixtures/, written by zkvm at a6a3073 with ``StarkParams.testing()``):
``arith-nozk.receipt`` (``arith_words``, zk off), ``echo-zk.receipt`` (``echo_words`` on
"hello world", zk on: salted rows, masked quotient), ``loop-composite.receipt`` (the loop guest,
40 iterations, 2 segments of 2^10 rows, zk off) and ``dev.receipt``.  ``arith-nozk.receipt``
was re-written (and re-pinned) when the Syscall table's layout narrowed (issue 17: fewer
columns and LogUp helper columns); the encoding itself is unchanged.  All three proof
fixtures were re-written for proof format v6 (openings at ζ·ω only where a constraint
reads the next row) by ``python -m tests.support.receipt_fixtures``, and again when the
machine got a second and a third table per instruction chip (session 12: two more log
heights per chip in every proof; the encoding is unchanged), and again when the memory
tree moved to Poseidon2 (session 16: every image ID changed; the encoding is unchanged)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from zkvm.receipt import CompositeReceipt, DevReceipt, Receipt, load_any
from zkvm.stark.pcs_types import OpeningProof
from zkvm.stark.proof import Proof

FIXTURES = Path(__file__).parent / "fixtures"
#: SHA-256 of ``arith-nozk.receipt``: the receipt a deterministic prover run makes today.
#: If a deliberate prover or format change moves it, re-pin it *and* regenerate the
#: fixtures, and say so in CHANGELOG.md (a receipt format change is user-visible).
ARITH_NOZK_SHA256 = "03c3849ff826a36b859253535aa83a4ff809ec1a221e6dc39cce8e4f5c8eb2fb"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _proof_round_trip(proof: bytes) -> None:
    p = Proof.from_bytes(proof)
    assert p.to_bytes() == proof
    s, e = p.section_offsets()["pcs"]
    pcs = proof[s + 4:e]
    assert OpeningProof.from_bytes(pcs).to_bytes() == pcs


@pytest.mark.parametrize("name", ["arith-nozk.receipt", "echo-zk.receipt"])
def test_fixture_receipts_round_trip_byte_for_byte(name):
    data = _read(name)
    r = Receipt.from_bytes(data)
    assert r.to_bytes() == data
    assert type(load_any(data)) is Receipt
    _proof_round_trip(r.proof)


def test_fixtures_cover_both_modes():
    assert Proof.from_bytes(Receipt.from_bytes(_read("echo-zk.receipt")).proof).zk
    assert not Proof.from_bytes(Receipt.from_bytes(_read("arith-nozk.receipt")).proof).zk


def test_fixture_composite_receipt_round_trips_byte_for_byte():
    data = _read("loop-composite.receipt")
    c = CompositeReceipt.from_bytes(data)
    assert len(c.segments) == 2 and c.to_bytes() == data
    for sg in c.segments:
        _proof_round_trip(sg.proof)


def test_fixture_dev_receipt_round_trips_byte_for_byte():
    data = _read("dev.receipt")
    d = DevReceipt.from_bytes(data)
    assert (d.exit_code, d.journal, d.cycles) == (3, b"journal!", 12345)
    assert d.to_bytes() == data


def test_fixture_digest_is_pinned():
    assert hashlib.sha256(_read("arith-nozk.receipt")).hexdigest() == ARITH_NOZK_SHA256


def test_fresh_deterministic_receipt_is_byte_identical_to_the_fixture(testing_params):
    """Proving the same program again (zk off: no randomness) gives the pinned bytes."""
    from zkvm.machine import Machine
    from zkvm.riscv.layout import Program

    from tests.support.core_programs import CHIPS, arith_words

    m = Machine.for_program(Program.from_words(arith_words()), replace(testing_params, zk=False),
                            chips=CHIPS)
    assert hashlib.sha256(m.prove().to_bytes()).hexdigest() == ARITH_NOZK_SHA256

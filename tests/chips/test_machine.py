"""End to end: prove and verify whole executions; malicious provers and edited receipts.

Each attack builds the honest traces, corrupts them (or the public values), proves with
the debug checker off, and checks that :func:`zkvm.machine.verify` rejects.
"""

from __future__ import annotations

import numpy as np
import pytest

from zkvm.machine import ImageIdMismatch, Machine, verify
from zkvm.receipt import Receipt, ReceiptFormatError
from zkvm.riscv import asm
from zkvm.riscv.layout import Program
from zkvm.stark.errors import VerificationError

from tests.support.core_programs import CHIPS, arith_words, echo_words  # noqa: E402


@pytest.fixture(scope="module")
def echo_m(testing_params):
    return Machine.for_program(Program.from_words(echo_words()), testing_params, chips=CHIPS)


@pytest.fixture(scope="module")
def echo_receipt(echo_m):
    return echo_m.prove(b"hello world", debug=True)


def forge(m, traces, pv, exit_code=None, journal=None):
    """Prove arbitrary traces / public values (checker off) and wrap them in a receipt."""
    from zkvm.stark import prover

    proof = prover.prove(m.proving_key(), traces, pv, debug=False, public_data=journal or b"")
    code = pv[0] if exit_code is None else exit_code
    return Receipt(m.vk_fields, code, journal or b"", proof.to_bytes())


def honest(m, inp=b"hello world"):
    w, traces, pv = m.traces(m.execute(inp))
    return w, [t.copy() for t in traces], list(pv)


def tix(m, name):
    return [a.name for a in m.airs].index(name)


# ------------------------------------------------------------------ honest
def test_honest_echo_verifies(echo_m, echo_receipt):
    code, journal = verify(echo_receipt.to_bytes(), echo_m.image_id)
    assert (code, journal) == (7, b"hello")


def test_honest_arith_verifies(testing_params):
    m = Machine.for_program(Program.from_words(arith_words()), testing_params, chips=CHIPS)
    r = m.prove()
    assert verify(r, m.image_id) == (194, b"")


def test_receipt_roundtrip_is_canonical(echo_receipt):
    b = echo_receipt.to_bytes()
    assert Receipt.from_bytes(b).to_bytes() == b
    assert echo_receipt.image_id == Receipt.from_bytes(b).image_id


# ------------------------------------------------------------------ receipts
def test_receipt_for_program_a_rejected_against_b(testing_params, echo_receipt):
    mb = Machine.for_program(Program.from_words(echo_words(exit_code=8)), testing_params,
                             chips=CHIPS)
    with pytest.raises(ImageIdMismatch):
        verify(echo_receipt, mb.image_id)


def test_edited_journal_in_receipt_rejected(echo_m, echo_receipt):
    r = Receipt.from_bytes(echo_receipt.to_bytes())
    r.journal = b"hellp"
    with pytest.raises(VerificationError):
        verify(r, echo_m.image_id)


def test_edited_journal_length_in_receipt_rejected(echo_m, echo_receipt):
    r = Receipt.from_bytes(echo_receipt.to_bytes())
    r.journal = b"hell"
    with pytest.raises(VerificationError):
        verify(r, echo_m.image_id)


def test_edited_exit_code_in_receipt_rejected(echo_m, echo_receipt):
    r = Receipt.from_bytes(echo_receipt.to_bytes())
    r.exit_code = 0
    with pytest.raises(VerificationError):
        verify(r, echo_m.image_id)


def test_edited_entry_in_receipt_changes_image_id(echo_m, echo_receipt):
    r = Receipt.from_bytes(echo_receipt.to_bytes())
    r.vk.entry += 4
    with pytest.raises(ImageIdMismatch):
        verify(r, echo_m.image_id)


@pytest.mark.parametrize("cut", [0, 5, 10, 100, -1])
def test_truncated_receipt_clear_error(echo_m, echo_receipt, cut):
    b = echo_receipt.to_bytes()
    with pytest.raises(ReceiptFormatError):
        verify(b[:cut] if cut >= 0 else b[:-1], echo_m.image_id)


def test_garbage_and_trailing_bytes(echo_m, echo_receipt):
    with pytest.raises(ReceiptFormatError, match="magic"):
        verify(b"\x00" * 200, echo_m.image_id)
    with pytest.raises(ReceiptFormatError, match="trailing"):
        verify(echo_receipt.to_bytes() + b"\x00", echo_m.image_id)
    b = bytearray(echo_receipt.to_bytes())
    b[8] = 9  # version
    with pytest.raises(ReceiptFormatError, match="version"):
        verify(bytes(b), echo_m.image_id)


# ------------------------------------------------------------------ malicious provers
def test_forged_exit_code_rejected(echo_m):
    w, traces, pv = honest(echo_m)
    pv[0] = 8
    with pytest.raises(VerificationError):
        verify(forge(echo_m, traces, pv, journal=w.journal), echo_m.image_id)


def test_forged_journal_byte_rejected(echo_m):
    w, traces, pv = honest(echo_m)
    with pytest.raises(VerificationError):
        verify(forge(echo_m, traces, pv, journal=b"j" + w.journal[1:]), echo_m.image_id)


def test_skipped_instruction_rejected(echo_m):
    w, traces, pv = honest(echo_m)
    a = traces[tix(echo_m, "addsub")]
    a[2:-1] = a[3:].copy()
    with pytest.raises(VerificationError):
        verify(forge(echo_m, traces, pv, journal=w.journal), echo_m.image_id)


def test_image_word_zero_initialised_rejected(echo_m):
    w, traces, pv = honest(echo_m)
    bnd = traces[tix(echo_m, "memory_boundary")]
    v = echo_m.boundary_air.columns.view(bnd)
    row = int(np.flatnonzero((v.zero_init == 0) & (v.is_real == 1))[0])
    v.zero_init[row] = 1
    with pytest.raises(VerificationError):
        verify(forge(echo_m, traces, pv, journal=w.journal), echo_m.image_id)


def test_padding_row_sending_rejected(echo_m):
    w, traces, pv = honest(echo_m)
    io = traces[tix(echo_m, "io")]
    v = echo_m.io_air.columns.view(io)
    pad = int(v.is_real.sum())
    v.is_journal[pad] = 1
    v.jpos[pad] = 5
    pv = [pv[0], pv[1] + 1]  # claim one more byte
    journal = w.journal + bytes([int(v.new[pad].sum()) % 256])
    with pytest.raises(VerificationError):
        verify(forge(echo_m, traces, pv, journal=journal), echo_m.image_id)


# ------------------------------------------------------------------ a real guest
def test_zig_fibonacci_guest_end_to_end(testing_params, tmp_path):
    """examples/fibonacci (C, musl, printf) built with the pinned zig toolchain."""
    import os
    import struct

    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "fibonacci", "main.c")
    if not os.path.exists(src):
        pytest.skip("examples/fibonacci is missing")
    try:
        from zkvm.toolchain.build import build
        build(src, tmp_path / "fib.elf")
    except Exception as e:  # toolchain not installed in this environment
        pytest.skip(f"cannot build the guest: {e}")
    elf = (tmp_path / "fib.elf").read_bytes()
    m = Machine.for_program(elf, testing_params)
    r = m.prove(struct.pack("<I", 10))
    assert verify(r.to_bytes(), m.image_id) == (0, struct.pack("<I", 55))
    from zkvm.receipt.image_id import elf_sha256
    assert r.elf_sha256 == elf_sha256(elf)


def test_no_zk_receipt_roundtrips_and_verifies(testing_params):
    """The receipt records the zk flag (bit 1 of the params flags): a --no-zk receipt
    decodes to the same parameters, so its image ID and proof check out."""
    from dataclasses import replace

    params = replace(testing_params, zk=False)
    m = Machine.for_program(Program.from_words(arith_words()), params, chips=CHIPS)
    r = m.prove()
    back = Receipt.from_bytes(r.to_bytes())
    assert back.vk.params.zk is False and back.vk.params == params
    assert verify(back, m.image_id) == (194, b"")
    zk_m = Machine.for_program(Program.from_words(arith_words()), testing_params, chips=CHIPS)
    assert zk_m.image_id != m.image_id
    with pytest.raises(ImageIdMismatch):
        verify(back, zk_m.image_id)


def test_receipt_rejects_unknown_param_flags(echo_receipt):
    b = bytearray(echo_receipt.to_bytes())
    off = 8 + 2 + 6 * 4  # magic, version, six u32 params
    b[off] = 8  # bit 3: unknown (bits 0-2: testing, zk, fri_leaf_inputs)
    with pytest.raises(ReceiptFormatError, match="flags"):
        Receipt.from_bytes(bytes(b))

"""End-to-end prove/verify on small AIRs, and malicious-prover / malformed-proof tests."""

import random
import subprocess
import sys

import numpy as np
import pytest

from tests.support.stark_airs import (ByteTableAir, FibAir, PrepAir, ReceiverAir, SenderAir, U16Air,
                        PAIR_BUS, BYTE_BUS)
from zkvm.field.babybear import P
from zkvm.stark.air import Air, Columns
from zkvm.stark.checker import TraceCheckError
from zkvm.stark.errors import (ConstraintMismatchError, LogUpOverflowError, LogUpSumError,
                               ProofFormatError, PublicValuesError, ShapeError,
                               StatementMismatchError, TraceHeightError, VerificationError)
from zkvm.stark.params import StarkParams
from zkvm.stark.proof import Proof
from zkvm.stark.prover import Timings, prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.verifier import verify

PARAMS = StarkParams.testing()


def _roundtrip(system, traces, pv, debug=True):
    pk, vk = system.setup()
    proof = prove(pk, traces, pv, debug=debug)
    data = proof.to_bytes()
    verify(vk, data, pv)
    return pk, vk, proof, data


# ------------------------------------------------------------------------- positive


@pytest.fixture(scope="module")
def fib():
    s = StarkSystem([FibAir()], PARAMS)
    t, pv = FibAir.generate_trace(32)
    pk, vk, proof, data = _roundtrip(s, [t], pv)
    return s, pk, vk, t, pv, proof, data


def test_fibonacci(fib):
    s, pk, vk, t, pv, proof, data = fib
    assert Proof.from_bytes(data).to_bytes() == data
    sizes = proof.size_breakdown()
    assert sizes["total"] == len(data)
    assert set(sizes) >= {"header", "commitments", "opened_values", "pcs"}


def test_two_tables_bus_different_heights():
    xs = [3, 5, 3, 9, 5, 5, 11]
    s = StarkSystem([SenderAir(), ReceiverAir()], PARAMS)
    _roundtrip(s, [SenderAir.generate_trace(xs, 16), ReceiverAir.generate_trace(xs, 4)], [])


def test_preprocessed_and_range_check():
    ws = [1, 515, 65535, 256, 7, 40000]
    lo_hi = [w & 255 for w in ws] + [w >> 8 for w in ws]
    s = StarkSystem([ByteTableAir(), U16Air(), PrepAir()], PARAMS)
    _roundtrip(s, [ByteTableAir.generate_trace(lo_hi), U16Air.generate_trace(ws, 8),
                   PrepAir.generate_trace()], [])


def test_public_interactions():
    """The verifier adds public messages (here: the byte 42 sent once) to the bus sum."""
    def pub(pv):
        return [(BYTE_BUS, [pv[0]], 1)]

    class _Holder(Air):
        name = "holder"
        columns = Columns("x")
        num_public_values = 1

        def eval(self, b):
            b.assert_zero(b.local.x, "x_zero")

    s = StarkSystem([ByteTableAir(), _Holder()], PARAMS, public_interactions=pub)
    tr = [ByteTableAir.generate_trace([42]), np.zeros((4, 1), dtype=np.uint32)]
    pk, vk, proof, data = _roundtrip(s, tr, [42])
    with pytest.raises(VerificationError):
        verify(vk, data, [43])
    with pytest.raises(TraceCheckError):  # the public message 43 has no receiver
        prove(pk, tr, [43])
    with pytest.raises(LogUpSumError):
        verify(vk, prove(pk, tr, [43], debug=False), [43])


def test_timings_and_debug_off(fib):
    s, pk, vk, t, pv, _, _ = fib
    tm = Timings()
    proof = prove(pk, [t], pv, debug=False, timings=tm)
    verify(vk, proof, pv)
    assert "quotient" in tm and "open_fri" in tm
    # the peak RSS when each phase ended: a high-water mark, so never decreasing
    assert list(tm.peaks) == list(tm)
    peaks = list(tm.peaks.values())
    assert peaks[0] > 0 and peaks == sorted(peaks)


# ------------------------------------------------------------------------- negative


def test_changed_public_value_rejected(fib):
    s, pk, vk, t, pv, proof, data = fib
    for i in range(3):
        bad = list(pv)
        bad[i] = (bad[i] + 1) % P
        with pytest.raises(VerificationError):
            verify(vk, data, bad)
    with pytest.raises(PublicValuesError):
        verify(vk, data, pv[:2])
    with pytest.raises(PublicValuesError):
        verify(vk, data, pv[:2] + [P])


def test_violated_constraint_rejected(fib):
    s, pk, vk, t, pv, _, _ = fib
    bad = t.copy()
    bad[7, 1] = (int(bad[7, 1]) + 1) % P
    with pytest.raises(TraceCheckError) as ei:
        prove(pk, [bad], pv)
    assert ("fib", 6, "b_next") in {(f.table, f.row, f.constraint)
                                    for f in ei.value.report.constraint_failures}
    proof = prove(pk, [bad], pv, debug=False)
    with pytest.raises(ConstraintMismatchError, match="fib"):
        verify(vk, proof.to_bytes(), pv)


def test_unbalanced_multiplicity_rejected():
    xs = [3, 5, 3, 9]
    s = StarkSystem([SenderAir(), ReceiverAir()], PARAMS)
    pk, vk = s.setup()
    rcv = ReceiverAir.generate_trace(xs, 4)
    rcv[0, 2] += 1
    traces = [SenderAir.generate_trace(xs, 8), rcv]
    with pytest.raises(TraceCheckError):
        prove(pk, traces, [])
    proof = prove(pk, traces, [], debug=False)
    with pytest.raises(LogUpSumError):
        verify(vk, proof.to_bytes(), [])


def test_value_outside_lookup_table_rejected():
    """A u16 row whose 'hi limb' is 256 (not a byte): no receiver exists, sum != 0."""
    ws = [5]
    s = StarkSystem([ByteTableAir(), U16Air(), PrepAir()], PARAMS)
    pk, vk = s.setup()
    u = U16Air.generate_trace(ws, 8)
    u[1, :] = [256 * 256, 0, 256, 1]  # w = 65536 = 0 + 256·256, hi = 256
    byt = ByteTableAir.generate_trace([5, 0, 0])
    proof = prove(pk, [byt, u, PrepAir.generate_trace()], [], debug=False)
    with pytest.raises(LogUpSumError):
        verify(vk, proof, [])


def test_mutant_proof_rejected_by_real_vk(fib):
    s, pk, vk, t, pv, _, _ = fib
    m = s.mutant(["fib.b_next"])
    mpk, mvk = m.setup()
    bad = t.copy()  # change b[6] and a[7] together: only b_next fails (rows 5 and 6)
    bad[6, 1] = bad[7, 0] = 12345
    with pytest.raises(TraceCheckError):
        prove(pk, [bad], pv)
    mproof = prove(mpk, [bad], pv)  # the checker skips the disabled constraint too
    verify(mvk, mproof, pv)
    with pytest.raises(StatementMismatchError):
        verify(vk, mproof, pv)


def test_heights_bounded(fib):
    s, pk, vk, t, pv, proof, data = fib
    p2 = Proof.from_bytes(data)
    p2.log_heights = [30]
    with pytest.raises(TraceHeightError):
        verify(vk, p2, pv)
    p2.log_heights = [5, 5]
    with pytest.raises(ShapeError):
        verify(vk, p2, pv)


def test_multiplicity_overflow_rejected():
    """Heights whose total (bounded) multiplicity could reach p are rejected (checklist 13)."""
    class _Wide(Air):
        name = "wide"
        columns = Columns("x")
        max_degree = 3

        def eval(self, b):
            b.send(BYTE_BUS, [b.local.x], multiplicity=b.local.x, name="s",
                   max_multiplicity=1 << 20)

    s = StarkSystem([ByteTableAir(), _Wide()], PARAMS)
    pk, vk = s.setup()
    traces = [ByteTableAir.generate_trace([]), np.zeros((4, 1), dtype=np.uint32)]
    proof = prove(pk, traces, [], debug=False)
    verify(vk, proof, [])
    p2 = Proof.from_bytes(proof.to_bytes())
    p2.log_heights = [8, 11]  # 2^11 · 2^20 = 2^31 > p
    with pytest.raises(LogUpOverflowError):
        verify(vk, p2, [])


# ------------------------------------------------------------------------- malformed bytes


@pytest.fixture(scope="module")
def byte_table_proof():
    ws = [1, 515, 65535]
    lo_hi = [w & 255 for w in ws] + [w >> 8 for w in ws]
    s = StarkSystem([ByteTableAir(), U16Air(), PrepAir()], PARAMS)
    pk, vk, proof, data = _roundtrip(
        s, [ByteTableAir.generate_trace(lo_hi), U16Air.generate_trace(ws, 8),
            PrepAir.generate_trace()], [])
    return vk, proof, data


def test_byte_flips_in_every_section(byte_table_proof):
    vk, proof, data = byte_table_proof
    rng = random.Random(1234)
    offsets = proof.section_offsets()
    assert set(offsets) == {"header", "heights", "commitments", "claimed_sums",
                            "opened_values", "pcs"}
    for name, (lo, hi) in offsets.items():
        positions = {lo, hi - 1} | {rng.randrange(lo, hi) for _ in range(6)}
        for pos in sorted(positions):
            bad = bytearray(data)
            bad[pos] ^= 1 << rng.randrange(8)
            try:
                verify(vk, bytes(bad), [])
            except VerificationError:
                continue
            except Exception as e:  # pragma: no cover - the failure we test for
                pytest.fail(f"flip at {name}+{pos - lo}: untyped {type(e).__name__}: {e}")
            pytest.fail(f"flip at {name}+{pos - lo} (byte {pos}) was accepted")


def test_truncation_and_trailing_bytes(byte_table_proof):
    vk, proof, data = byte_table_proof
    for cut in [0, 1, 8, 40, len(data) // 2, len(data) - 1]:
        with pytest.raises(ProofFormatError):
            verify(vk, data[:cut], [])
    with pytest.raises(ProofFormatError):
        verify(vk, data + b"\x00", [])
    with pytest.raises(ProofFormatError):
        verify(vk, b"garbage", [])
    with pytest.raises(ProofFormatError):
        Proof.from_bytes(None)


def test_non_canonical_element_rejected(byte_table_proof):
    vk, proof, data = byte_table_proof
    lo, _ = proof.section_offsets()["claimed_sums"]
    bad = bytearray(data)
    bad[lo + 4:lo + 8] = (P).to_bytes(4, "little")
    with pytest.raises(ProofFormatError, match="canonical"):
        Proof.from_bytes(bytes(bad))


def test_verifier_does_not_import_prover():
    code = ("import sys, zkvm.stark.verifier as v; "
            "bad = [m for m in ('zkvm.stark.prover', 'zkvm.stark.quotient', "
            "'zkvm.stark.pcs_prover', 'zkvm.stark.checker') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_preprocessed_height_enforced(byte_table_proof):
    vk, proof, data = byte_table_proof
    p2 = Proof.from_bytes(data)
    p2.log_heights = [7, 3, 4]  # bytes table is fixed at 2^8 rows
    with pytest.raises(TraceHeightError, match="preprocessed"):
        verify(vk, p2, [])


def test_other_params_rejected(fib):
    s, pk, vk, t, pv, proof, data = fib
    other = StarkSystem([FibAir()], StarkParams(log_blowup=2, num_queries=9, pow_bits=1,
                                                is_testing=True))
    with pytest.raises(StatementMismatchError):
        verify(other, data, pv)
    with pytest.raises(StatementMismatchError):
        verify(vk, data, pv, params=StarkParams.default())


def test_zeta_admissibility():
    from zkvm.field.babybear import GENERATOR, two_adic_generator
    from zkvm.field.ext import Ext
    from zkvm.stark.protocol import zeta_admissible

    w = two_adic_generator(5)
    assert not zeta_admissible(Ext.from_base(pow(w, 3, P)), 5, 2)       # in H_n
    w_lde = two_adic_generator(7)
    assert not zeta_admissible(Ext.from_base(GENERATOR * pow(w_lde, 9, P) % P), 5, 2)  # LDE
    assert zeta_admissible(Ext(1, 2, 3, 4), 5, 2)

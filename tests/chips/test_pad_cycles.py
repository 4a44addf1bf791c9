"""Length hiding (``--pad-cycles``, zkvm.chips.padding) on the Battleship guest.

Two private boards, the same public shot and the same result (hit): proved with the same
padding they give receipts of identical size and per-section sizes, neither contains the
board in the clear, both verify; two proofs of the same execution open different values
(zero-knowledge masking).  Three proofs in all (testing parameters); the strict
``pad_cycles``-only heights are checked with the constraint checker, without proving.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from zkvm.machine import Machine
from zkvm.chips.padding import PadCyclesExceeded, check_fit, pad_targets
from zkvm.stark.params import StarkParams

# The whole module is slow: it proves padded receipts (~2 min of module set-up on 2 shared cores);
# `-m "not slow"` skips it, CI runs it.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
#: battleship runs ~21k cycles + 169 input/journal bytes: every table fits 2^15 rows
PAD_CYCLES = 21_500
#: tighter per-table heights for the proofs (keeps the test fast; both boards fit)
PAD_TO = {"memory_boundary": 16384, "io": 256, "syscall": 16, "addsub": 8192,
          "bitwise": 8192, "lt": 64, "shift": 4096, "mul": 16, "divrem": 16,
          "lui_auipc": 1024, "branch": 4096, "jump": 512, "loadstore": 4096, "atomic": 8,
          "sha256": 512}


@pytest.fixture(scope="module")
def bs():
    path = REPO / "examples" / "battleship" / "battleship.py"
    spec = importlib.util.spec_from_file_location("zkvm_example_battleship_pad", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def machine():
    from zkvm.toolchain import cached_build

    elf = cached_build(REPO / "examples" / "battleship", REPO / ".zkvm-cache" / "elf",
                       name="battleship")
    return Machine.for_program(elf.read_bytes(), StarkParams.testing())


@pytest.fixture(scope="module")
def boards(bs):
    """Two valid boards, different ships and salts, both hit by the shot (3, 4)."""
    S = bs.Ship
    a = bs.board_from_ships([S(1, 0, 0, "h"), S(2, 9, 2, "v"), S(3, 2, 4, "h"),
                             S(4, 6, 7, "v"), S(5, 0, 8, "h")])
    b = bs.board_from_ships([S(1, 0, 9, "h"), S(2, 3, 3, "v"), S(3, 6, 0, "h"),
                             S(4, 9, 4, "v"), S(5, 0, 1, "h")])
    assert a != b and a[4 * 10 + 3] and b[4 * 10 + 3]
    shot = (3, 4)
    return [(board, bs.encode_input(board, bytes([i + 7]) * 32, shot))
            for i, board in enumerate((a, b))]


@pytest.fixture(scope="module")
def receipts(machine, boards):
    """Board A twice, board B once, all with the same padding."""
    out = []
    for board, inp in (boards[0], boards[1], boards[0]):
        out.append(machine.prove(inp, pad_cycles=PAD_CYCLES, pad_to=PAD_TO))
    return out


def test_targets_depend_only_on_n(machine):
    t = pad_targets(PAD_CYCLES, machine.airs, len(machine.image_air.keys))
    assert "program" not in t and "bytes" not in t and "memory_image" not in t
    assert t["addsub"] == t["io"] == t["syscall"] == 1 << 15
    assert t["memory_boundary"] == 1 << 16  # 32 + 12k image words + N > 2^15
    assert pad_targets(PAD_CYCLES, machine.airs, len(machine.image_air.keys),
                       {"addsub": 64})["addsub"] == 64
    for bad in ({"bytes": 64}, {"nope": 64}, {"addsub": 100}, {"addsub": 4}):
        with pytest.raises(ValueError):
            pad_targets(PAD_CYCLES, machine.airs, 1, bad)
    with pytest.raises(ValueError):
        pad_targets(0, machine.airs, 1)
    check_fit(10, 9, 1)
    with pytest.raises(PadCyclesExceeded, match="raise --pad-cycles"):
        check_fit(10, 10, 1)


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_strict_padding_satisfies_constraints(machine, boards):
    """pad_cycles alone: every witness table at its bound; constraints and buses hold,
    and both boards give the same heights."""
    from zkvm.stark.checker import check_traces

    shapes = []
    for _board, inp in boards:
        res = machine.execute(inp)
        w, traces, pv = machine.traces(res, pad_cycles=PAD_CYCLES)
        shapes.append([t.shape for t in traces])
    rep = check_traces(machine.system(), traces, pv, public_data=w.journal)
    assert rep.ok, rep
    assert shapes[0] == shapes[1]
    heights = dict(zip((a.name for a in machine.airs), (s[0] for s in shapes[0])))
    assert heights["addsub"] == heights["divrem"] == heights["io"] == 1 << 15


def test_execution_that_does_not_fit(machine, boards):
    res = machine.execute(boards[0][1])
    with pytest.raises(PadCyclesExceeded, match="> --pad-cycles 20000"):
        machine.traces(res, pad_cycles=20_000)
    with pytest.raises(PadCyclesExceeded, match="'addsub' needs 8192 rows"):
        machine.traces(res, pad_cycles=PAD_CYCLES, pad_to={"addsub": 4096})


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_padded_receipts_have_identical_shape(machine, boards, receipts):
    from zkvm.machine import verify
    from zkvm.stark.proof import Proof

    ra, rb = receipts[0], receipts[1]
    assert ra.journal[32:] == rb.journal[32:] == bytes([3, 4, 1])  # same shot, hit
    assert ra.journal[:32] != rb.journal[:32]  # different commitments
    pa, pb = Proof.from_bytes(ra.proof), Proof.from_bytes(rb.proof)
    # the PCS section's batch Merkle encoding leaves out the siblings that coincide
    # between queries: its length depends on the (public, random) query indices, and on
    # nothing else; every other length is identical
    sa, sb = (32 * p.opening_proof.sent_digests() for p in (pa, pb))
    assert len(ra.to_bytes()) - sa == len(rb.to_bytes()) - sb
    ba, bb = pa.size_breakdown(), pb.size_breakdown()
    ba["pcs"], ba["total"], bb["pcs"], bb["total"] = ba["pcs"] - sa, ba["total"] - sa, \
        bb["pcs"] - sb, bb["total"] - sb
    assert ba == bb
    assert pa.log_heights == pb.log_heights
    heights = {a.name: 1 << lh for a, lh in zip(machine.airs, pa.log_heights)}
    assert {name: heights[name] for name in PAD_TO} == PAD_TO  # padded, not natural
    for (board, _), r in zip(boards, (ra, rb)):
        assert board not in r.to_bytes()
        assert verify(r, machine.image_id) == (0, r.journal)


def test_same_execution_opens_different_values(receipts):
    from zkvm.stark.proof import Proof

    p1, p3 = Proof.from_bytes(receipts[0].proof), Proof.from_bytes(receipts[2].proof)
    assert p1.zk and p3.zk
    assert receipts[0].journal == receipts[2].journal
    s1, s3 = (32 * p.opening_proof.sent_digests() for p in (p1, p3))
    b1, b3 = p1.size_breakdown(), p3.size_breakdown()
    assert b1["pcs"] - s1 == b3["pcs"] - s3  # see test_padded_receipts_have_identical_shape
    b1.pop("pcs"), b1.pop("total"), b3.pop("pcs"), b3.pop("total")
    assert b1 == b3
    assert p1.main_root != p3.main_root  # masked commitments of the same trace
    # rounds: preprocessed, main, aux, quotient.  Without masking the proofs are
    # deterministic (Fiat-Shamir) and every opened value would be equal.
    assert len(p1.opened) == len(p3.opened) == 4
    for r1, r3 in zip(p1.opened, p3.opened):
        assert r1 != r3
    for m1, m3 in zip(p1.opened[1], p3.opened[1]):  # main trace: every value differs
        for v1, v3 in zip(m1, m3):
            assert all(a != b for a, b in zip(v1, v3))



def test_cli_pad_errors(machine, boards, tmp_path):
    from typer.testing import CliRunner

    from zkvm.cli import app
    from zkvm.toolchain import cached_build

    elf = cached_build(REPO / "examples" / "battleship", REPO / ".zkvm-cache" / "elf",
                       name="battleship")
    inp = tmp_path / "in.bin"
    inp.write_bytes(boards[0][1])
    base = ["prove", str(elf), "-i", str(inp), "--params", "testing", "--execute-only"]
    for extra, msg in ((["--pad-cycles", "20000"], "raise --pad-cycles"),
                       (["--pad-cycles", "21500", "--pad-table", "bytes=64"], "fixed"),
                       (["--pad-table", "addsub=64"], "needs --pad-cycles"),
                       (["--pad-cycles", "21500", "--pad-table", "addsub"], "TABLE=ROWS")):
        r = CliRunner().invoke(app, base + extra)
        assert r.exit_code == 2, (extra, r.output)
        assert msg in r.output, (extra, r.output)
        assert "Traceback" not in r.output

"""The profiler (zkvm.profiler): the call-stack tracker on synthetic traces, symbols from
the debug copy (and refusal of a stale one), exact totals, cost attribution, SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from zkvm import api
from zkvm.profiler import Symbols, SymbolsError, chip_cells_per_row, find_symbols, flamegraph_svg, stack_ids

REPO = Path(__file__).resolve().parents[2]
HOT = REPO / "tests" / "cli" / "guests" / "hot"

JAL_RA = 0x000000EF  # jal ra, 0 (only rd/opcode matter to the tracker)
RET = 0x00008067  # jalr x0, 0(ra)
J = 0x0000006F  # jal x0 (a jump)
ADD = 0x00000033


def track(rows, starts, ends):
    """rows: (pc, next_pc, insn); returns {stack tuple of names: cycles}."""
    pc = np.array([r[0] for r in rows], dtype=np.int64)
    nxt = np.array([r[1] for r in rows], dtype=np.int64)
    insn = np.array([r[2] for r in rows], dtype=np.int64)
    sym = Symbols(starts, ends, [f"f{i}" for i in range(len(starts))])
    fid = sym.vectorised_index(pc)
    per, stacks = stack_ids(pc, nxt, insn, fid, np.array(starts, dtype=np.int64), len(starts))
    out = {}
    for s, f in zip(per.tolist(), fid.tolist()):
        frames = list(stacks[s])
        if frames[-1] != f:
            frames.append(f)
        key = tuple(sym.names[x] if x < len(starts) else "?" for x in frames)
        out[key] = out.get(key, 0) + 1
    return out


def test_calls_returns_and_tail_calls():
    # f0 at 0x100 calls f1 (0x200); f1 tail-jumps to f2 (0x300); f2 returns to f0.
    rows = [(0x100, 0x104, ADD), (0x104, 0x200, JAL_RA), (0x200, 0x204, ADD), (0x204, 0x300, J),
            (0x300, 0x304, ADD), (0x304, 0x108, RET), (0x108, 0x10C, ADD)]
    got = track(rows, [0x100, 0x200, 0x300], [0x180, 0x280, 0x380])
    assert got == {("f0",): 3, ("f0", "f1"): 2, ("f0", "f2"): 2}


def test_return_resynchronises_to_the_matching_frame():
    # f0 calls f1, f1 calls f2, f2 "returns" straight to f0's return address (longjmp-like).
    rows = [(0x100, 0x200, JAL_RA), (0x200, 0x300, JAL_RA), (0x300, 0x104, RET), (0x104, 0x108, ADD)]
    got = track(rows, [0x100, 0x200, 0x300], [0x180, 0x280, 0x380])
    assert got == {("f0",): 2, ("f0", "f1"): 1, ("f0", "f1", "f2"): 1}


def test_recursion_counts_inclusive_once():
    rows = [(0x100, 0x200, JAL_RA), (0x200, 0x200, JAL_RA), (0x200, 0x204, ADD), (0x204, 0x204, RET),
            (0x204, 0x104, RET), (0x104, 0x108, ADD)]
    got = track(rows, [0x100, 0x200], [0x180, 0x280])
    assert got == {("f0",): 2, ("f0", "f1"): 2, ("f0", "f1", "f1"): 2}


@pytest.fixture(scope="module")
def hot(tmp_path_factory):
    d = tmp_path_factory.mktemp("hot")
    r = api.build(HOT, d / "hot.elf", image_id_params=None)
    assert r.debug_path is not None and r.debug_path.name == "hot.debug"
    return d / "hot.elf"


def test_symbols_from_the_debug_copy(hot):
    syms, note = find_symbols(hot.read_bytes(), hot)
    assert "hot.debug" in note
    addr = syms.starts[syms.names.index("checksum")]
    assert syms.function(addr + 8) == ("checksum", 8)
    desc = syms.describe(addr)
    assert desc.startswith("checksum+0x0 (main.c:") and desc.endswith(")")
    # a pc whose line-table row says "line 0" (compiler-made code) gets the line before it
    assert all(syms.describe(a).startswith("checksum+") and "(main.c:" in syms.describe(a)
               for a in range(addr, addr + 16, 4))
    assert "memcpy" in syms.names or "memset" in syms.names  # musl has symbols (no lines)
    # the ELF itself is stripped
    assert Symbols.from_elf(hot.read_bytes()).names == []


def test_stale_debug_copy_is_refused(hot, tmp_path):
    other = api.build(REPO / "examples" / "fibonacci", tmp_path / "fib.elf", image_id_params=None)
    with pytest.raises(SymbolsError, match="not the same program"):
        find_symbols(hot.read_bytes(), None, other.debug_path)
    copy = tmp_path / "hot.elf"
    copy.write_bytes(hot.read_bytes())
    (tmp_path / "hot.debug").write_bytes(other.debug_path.read_bytes())
    syms, note = find_symbols(copy.read_bytes(), copy)
    assert syms is None and "stale" in note


def test_profile_is_exact_and_attributes_cost(hot):
    inp = (10).to_bytes(4, "little")
    prof = api.profile(hot, inp)
    run = api.run(hot, inp)
    assert prof.cycles == run.cycles and prof.journal == run.journal
    assert sum(f.exclusive for f in prof.functions) == run.cycles
    assert sum(int(line.rsplit(" ", 1)[1]) for line in prof.folded) == run.cycles
    main, checksum = prof.function("main"), prof.function("checksum")
    assert checksum.calls == 10 and main.calls == 1
    assert main.inclusive > checksum.inclusive >= checksum.exclusive > 0
    cells = chip_cells_per_row()
    assert set(prof.chip_rows) <= set(cells) and sum(prof.chip_rows.values()) == run.cycles
    assert prof.total_cost == sum(r * cells[c] for c, r in prof.chip_rows.items())
    assert all(f.cost >= f.exclusive * min(cells.values()) for f in prof.functions)


def test_flamegraph_svg_is_valid_and_labelled():
    svg = flamegraph_svg(["main;work 30", "main 10", "main;work;leaf 5"], title="t")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    titles = [t.text for t in root.iter(f"{ns}title")]
    assert "all (45 cycles, 100.00%)" in titles and "work (35 cycles, 77.78%)" in titles
    assert any(t.startswith("leaf (5 cycles") for t in titles)

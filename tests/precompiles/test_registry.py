"""The precompile registry is the one definition of numbers, buffers, costs, tables and
bus ids; everything else reads it (docs/precompiles.md)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.support.paths import REPO
from zkvm.precompiles import header
from zkvm.precompiles.registry import BUS_IDS, PRECOMPILE_RANGE, REGISTRY


def test_generated_header_is_up_to_date():
    assert header.HEADER.read_text() == header.render(), \
        "run: python -m zkvm.precompiles.header"
    assert header.main(["--check"]) == 0


def test_numbers_defined_once_in_c_and_rust():
    text = header.HEADER.read_text()
    rust = (REPO / "sdk/rust/zkvm-guest/src/sys.rs").read_text()
    for p in REGISTRY:
        assert f"#define ZKVM_SYS_{p.c_name} 0x{p.number:04X}" in text
        m = re.search(rf"pub const SYS_{p.c_name}: usize = (0x[0-9A-Fa-f]+);", rust)
        if m is not None:  # the Rust SDK binds a subset; where it does, it must agree
            assert int(m.group(1), 16) == p.number, p.name
    # the C SDK sources outside the generated header do not repeat the numbers
    for h in (REPO / "src/zkvm/guest/include").glob("*.h"):
        if h != header.HEADER:
            for p in REGISTRY:
                assert f"0x{p.number:04X}" not in h.read_text().upper().replace("0X", "0x"), h


def test_bus_ids_and_rows_unique():
    assert len(set(BUS_IDS.values())) == len(BUS_IDS)
    assert len({p.number for p in REGISTRY}) == len(REGISTRY)
    assert all(p.number in PRECOMPILE_RANGE for p in REGISTRY)
    tables = [t for p in REGISTRY for t in p.tables]
    assert len(set(tables)) == len(tables)


def test_airs_match_registry_tables_and_bus_ids():
    from zkvm.precompiles.tables import precompile_airs

    names = [a.name for a in precompile_airs()]
    assert names == [t for p in REGISTRY for t in p.tables]
    for p in REGISTRY:
        for bus, bid in p.buses:
            assert BUS_IDS[bus] == bid


def test_executor_side_does_not_load_the_field():
    """The registry and every folder's ``exec`` module are usable by the executor, which
    never imports the field or the STARK (docs/architecture.md)."""
    code = ("import sys, zkvm.riscv.executor, zkvm.precompiles.registry as r\n"
            "for p in r.REGISTRY: p.exec()\n"
            "bad = [m for m in sys.modules if m.startswith(('zkvm.field', 'zkvm.stark', 'zkvm.chips'))]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_syscall_chip_has_one_flag_per_row():
    from zkvm.chips.syscall import PRECOMPILE_FLAGS
    from zkvm.riscv.syscalls import KINDS

    assert PRECOMPILE_FLAGS == {p.name: p.steps for p in REGISTRY}
    assert all(KINDS[p.name] == p.number for p in REGISTRY)

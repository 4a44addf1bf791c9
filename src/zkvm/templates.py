"""``zkvm new NAME [--lang c|rust]``: a guest + host project that works out of the box
(docs/project-template.md).

The project::

    NAME/
      README.md         what to run
      guest/            the guest: main.c (C) or Cargo.toml + src/main.rs (Rust SDK)
      host.py           builds, runs, proves in dev mode and for real, verifies, decodes
      test_NAME.py      its own small test (pytest): run, dev receipt, typed journal,
                        and a real proof (marked slow)
      pytest.ini        the ``slow`` marker
      .gitignore        build/ and receipts

The guest reads a typed input (a name and a list of u32 values, docs/typed-io.md),
sums the values inside a cycle-tracking region and commits the name, the count and the
sum; the host builds the input with :class:`zkvm.api.Input` and decodes the journal
with :class:`zkvm.api.Journal`.

The Rust template uses the Rust guest SDK (crate ``zkvm-guest``, which ``zkvm build``
supplies: ``zkvm_guest::entry!``, ``read_*``, ``commit_*``, ``println!``); it prints the
same line and commits the same journal as the C guest. The Rust SDK has no cycle
markers yet, so its test does not check the region.
"""

from __future__ import annotations

import re
from pathlib import Path

LANGS = ("c", "rust")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class TemplateError(ValueError):
    """Bad project name or language, or the target directory exists."""


C_MAIN = r"""/*
 * {name}: a zkvm guest (created by `zkvm new`).
 *
 * Private input (typed, docs/typed-io.md): str name, u32 n, then n x u32 values.
 * Journal (public):                        str name, u32 n, u64 sum of the values.
 *
 * The values stay private; the proof shows "these n private values sum to <sum>".
 */
#include <stdint.h>
#include <stdio.h>

#include "zkvm.h"

#define MAX_NAME 64

int main(void)
{{
    char name[MAX_NAME];
    zkvm_read_str(name, sizeof name); /* exits with code 253 if longer than 63 bytes */
    uint32_t n = zkvm_read_u32();

    uint64_t sum = 0;
    ZKVM_CYCLES_BEGIN("sum"); /* `zkvm run` reports the cycles spent in this region */
    for (uint32_t i = 0; i < n; i++) {{
        sum += zkvm_read_u32();
    }}
    ZKVM_CYCLES_END("sum");

    zkvm_commit_str(name);
    zkvm_commit_u32(n);
    zkvm_commit_u64(sum);
    printf("hello, %s: %u values, sum %llu\n", name, (unsigned)n, (unsigned long long)sum);
    return 0;
}}
"""

RUST_CARGO = """[package]
name = "{name}-guest"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
# The zkvm Rust guest SDK: `zkvm build` supplies it (sdk/rust/zkvm-guest), offline.
zkvm-guest = "0.1"
"""

RUST_MAIN = """//! {name}: a zkvm guest (created by `zkvm new --lang rust`).
//!
//! Private input (typed, docs/typed-io.md): str name, u32 n, then n x u32 values.
//! Journal (public):                        str name, u32 n, u64 sum of the values.
//!
//! The values stay private; the proof shows "these n private values sum to <sum>".
#![no_std]
#![no_main]

use zkvm_guest::println;

zkvm_guest::entry!(main);

fn main() {{
    let name = zkvm_guest::read_str(); // exits with code 253 if not UTF-8
    let n = zkvm_guest::read_u32();
    let mut sum: u64 = 0;
    for _ in 0..n {{
        sum += u64::from(zkvm_guest::read_u32());
    }}
    zkvm_guest::commit_str(&name);
    zkvm_guest::commit_u32(n);
    zkvm_guest::commit_u64(sum);
    println!("hello, {{}}: {{}} values, sum {{}}", name, n, sum);
}}
"""

HOST = '''"""Host program of {name} (created by `zkvm new`): build the guest, run it, prove the
run in dev mode (fast, NOT a proof) and -- with --real -- for real, verify, and decode
the typed journal.

    python host.py                      # build, run, dev receipt, verify --dev, decode
    python host.py --real               # ... and a real proof (--params testing: fast)
    python host.py --real --params default
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from zkvm import api
from zkvm.api import Input, Journal

HERE = Path(__file__).resolve().parent
GUEST = HERE / "guest"
ELF = HERE / "build" / "{name}.elf"


def make_input(name: str = "world", values=(3, 4, 5)) -> bytes:
    """The guest's private input: str name, u32 count, the u32 values."""
    inp = Input().str(name).u32(len(values))
    for v in values:
        inp.u32(v)
    return inp.to_bytes()


def decode(journal: bytes) -> dict:
    """The guest's journal: str name, u32 count, u64 sum (nothing may be left over)."""
    j = Journal(journal)
    out = {{"name": j.str(), "count": j.u32(), "sum": j.u64()}}
    j.done()
    return out


def build(params: str | None = None) -> Path:
    """Build the guest into build/{name}.elf (with its manifest and debug copy)."""
    api.build(GUEST, ELF, image_id_params=params)
    return ELF


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", action="store_true", help="also prove for real (slower)")
    ap.add_argument("--params", default="testing", help="STARK preset for --real (testing: fast, insecure)")
    ap.add_argument("--name", default="world")
    ap.add_argument("values", nargs="*", type=int, default=[3, 4, 5])
    args = ap.parse_args(argv)

    elf = build()
    data = make_input(args.name, args.values)

    result = api.run(elf, data)
    sys.stdout.write(result.stdout.decode(errors="replace"))
    print(f"run: exit code {{result.exit_code}}, {{result.cycles}} cycles, journal {{decode(result.journal)}}")
    for r in api.regions(result):
        print(f"  region {{r.name}}: count {{r.count}}, total {{r.total}} cycles, mean {{r.mean:.1f}}")

    # Dev mode: executes only; the receipt is NOT a proof and only a dev verify accepts it.
    dev = api.prove(elf, data, dev=True, params=args.params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, journal = api.verify(dev, api.image_id(elf, args.params), dev=True)
    print(f"dev receipt (NOT A PROOF): exit code {{code}}, journal {{decode(journal)}}")

    if args.real:
        receipt = api.prove(elf, data, params=args.params)
        (HERE / "build" / "receipt.bin").write_bytes(receipt.to_bytes())
        code, journal = api.verify(receipt, api.image_id(elf, args.params))
        print(f"real receipt verified ({{args.params}} params): exit code {{code}}, journal {{decode(journal)}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''

TEST = '''"""Tests of {name} (created by `zkvm new`): `python -m pytest -q` (add `-m "not slow"` to
skip the real proof)."""

from __future__ import annotations

import pytest

import host
from zkvm import api
from zkvm.receipt import DevReceiptRejected


@pytest.fixture(scope="module")
def elf():
    return host.build()


def test_run_sums_the_private_values(elf):
    result = api.run(elf, host.make_input("alice", [1, 2, 3, 4]))
    assert result.exit_code == 0
    assert host.decode(result.journal) == {{"name": "alice", "count": 4, "sum": 10}}
    assert b"hello, alice: 4 values, sum 10" in result.stdout
{region_check}

def test_dev_receipt_is_not_a_proof(elf):
    data = host.make_input("bob", [7])
    dev = api.prove(elf, data, dev=True, params="testing")
    iid = api.image_id(elf, "testing")
    with pytest.warns(UserWarning, match="NOT A PROOF"):
        code, journal = api.verify(dev, iid, dev=True)
    assert code == 0 and host.decode(journal)["sum"] == 7
    with pytest.raises(DevReceiptRejected):
        api.verify(dev.to_bytes(), iid, dev=False)


@pytest.mark.slow
def test_real_proof_verifies(elf):
    data = host.make_input("carol", [2**32 - 1, 1])
    receipt = api.prove(elf, data, params="testing")
    code, journal = api.verify(receipt, api.image_id(elf, "testing"))
    assert code == 0 and host.decode(journal) == {{"name": "carol", "count": 2, "sum": 2**32}}
'''

PYTEST_INI = """[pytest]
addopts = -ra
markers =
    slow: proves for real (seconds to minutes)
"""

GITIGNORE = """build/
__pycache__/
.pytest_cache/
*.receipt
target/
"""

README = """# {name}

A zkvm guest and its host, created by `zkvm new {name}{lang_flag}`.

| file | what |
|---|---|
| `guest/` | the guest program ({lang_name}); private input and journal are typed values |
| `host.py` | builds the guest, runs it, proves in dev mode and (`--real`) for real, verifies, decodes |
| `test_{name}.py` | its tests: `python -m pytest -q` |

From zero to a verified receipt:

```
zkvm build guest -o build/{name}.elf                 # ELF, manifest, debug copy (symbols)
python -c "import host,sys; sys.stdout.buffer.write(host.make_input('world', [3, 4, 5]))" > build/input.bin
zkvm run build/{name}.elf --input build/input.bin    # stdout, exit code, cycles, the "sum" region
zkvm prove build/{name}.elf --input build/input.bin --dev -o build/dev.receipt        # seconds, NOT a proof
zkvm verify build/dev.receipt --image-id $(zkvm image-id build/{name}.elf | awk 'NR==1{{print $3}}') --dev
zkvm profile build/{name}.elf --input build/input.bin -o build/profile              # flame graph, cost per function
zkvm prove build/{name}.elf --input build/input.bin -o build/receipt.bin            # a real proof
zkvm verify build/receipt.bin --image-id $(zkvm image-id build/{name}.elf | awk 'NR==1{{print $3}}')
python host.py --real                                # the same from Python, journal decoded
```

The image ID depends on the `--params` preset: prove and compute the image ID with the
same one (`--params testing` is fast but insecure).
"""


def new_project(name: str, directory=None, *, lang: str = "c") -> Path:
    """Create the project ``name`` in ``directory`` (default: the current directory)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise TemplateError(f"bad project name {name!r}: use a letter, then letters, digits, _ or - "
                            "(at most 64 characters)")
    if lang not in LANGS:
        raise TemplateError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    root = Path(directory) if directory is not None else Path.cwd()
    target = root / name
    if target.exists():
        raise TemplateError(f"{target} already exists")
    files: dict[str, str] = {}
    fmt = {"name": name, "lang_flag": "" if lang == "c" else " --lang rust",
           "lang_name": "C, zkvm.h" if lang == "c" else "Rust, the zkvm-guest crate"}
    if lang == "c":
        files["guest/main.c"] = C_MAIN.format(**fmt)
        fmt["region_check"] = ('    (region,) = api.regions(result)  # ZKVM_CYCLES_BEGIN/END("sum") in the guest\n'
                               '    assert region.name == "sum" and region.count == 1\n')
    else:
        files["guest/Cargo.toml"] = RUST_CARGO.format(**fmt)
        files["guest/src/main.rs"] = RUST_MAIN.format(**fmt)
        fmt["region_check"] = ""
    files["host.py"] = HOST.format(**fmt)
    files[f"test_{name.replace('-', '_')}.py"] = TEST.format(**fmt)
    files["pytest.ini"] = PYTEST_INI
    files[".gitignore"] = GITIGNORE
    files["README.md"] = README.format(**fmt)
    for rel, text in files.items():
        p = target / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (target / "build").mkdir()
    return target


def next_steps(path: Path, lang: str) -> str:
    """What to run next (printed by ``zkvm new``)."""
    lines = [f"  cd {path}", "  python host.py            # build, run, dev receipt, verify, decode",
             "  python -m pytest -q       # its tests (a real proof is marked slow)",
             "  python host.py --real     # a real proof"]
    return "\n".join(lines)


__all__ = ["LANGS", "TemplateError", "new_project", "next_steps"]

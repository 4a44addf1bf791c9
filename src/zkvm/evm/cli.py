"""``zkvm evm``: the EVM guest's command group (thin over :mod:`zkvm.evm.host` and
:mod:`zkvm.evm.statetest`).

    zkvm evm statetest PATH... [--fork Cancun] [--jobs N] [--all-cases] [--cases FILE]
    zkvm evm run FIXTURE.json [--case NAME] [--index I]
    zkvm evm prove FIXTURE.json [--case NAME] [--index I] [-o receipt.bin] [--params P]
    zkvm evm verify receipt.bin [--params P]
    zkvm evm image-id [--write]

Exit codes as for ``zkvm``: 0 success; 1 a failed case / a rejected receipt / a guest
that exited without a journal; 2 bad usage, unreadable or malformed files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(
    name="evm",
    help="The EVM guest: Ethereum state tests, proving and verifying transactions (docs/evm.md).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_FAILED = 1
EXIT_ERROR = 2


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


def _fail(message: str, code: int) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False).print(
        Text("error: ", style="bold red") + Text(message))
    return typer.Exit(code)


def _guest_ready() -> None:
    """Build (or find in the cache) the guest ELF; a one-line error if the toolchain fails."""
    from ..toolchain import BuildError, ToolchainError
    from . import guest

    try:
        guest.elf_path()
    except (BuildError, ToolchainError) as e:
        raise _fail(f"cannot build the EVM guest: {e}", EXIT_ERROR) from None


def _run_light(case):
    """Worker function for --jobs: run one case, return what the parent prints."""
    from .statetest import run_case

    r = run_case(case)
    return case.name, r.ok, r.reason, r.cycles


@app.command()
def statetest(
    paths: List[Path] = typer.Argument(..., help="State-test JSON files or directories (searched recursively)."),
    fork: str = typer.Option("Cancun", "--fork", help="Fork whose post-states are checked."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Run cases on N processes."),
    all_cases: bool = typer.Option(False, "--all-cases",
                                   help="Ignore a directory's cases.txt and run every case of every file."),
    cases_file: Optional[Path] = typer.Option(None, "--cases", help="Run exactly the cases listed in this file."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print passing cases (with cycles)."),
) -> None:
    """Run Ethereum state tests through the EVM guest in the zkvm executor.

    Compares each case's post-state root and logs hash (and, for an expected invalid
    transaction, that the guest rejected it) with the fixture. Prints one line per
    failing case and `N passed, M failed`; exit code 0 only if every case passed. A
    directory holding a cases.txt runs the cases listed there."""
    from .statetest import FixtureError, load_cases, run_case

    t0 = time.perf_counter()
    try:
        cases = load_cases(paths, fork, use_case_lists=not all_cases, case_list=cases_file)
    except FixtureError as e:
        raise _fail(str(e), EXIT_ERROR) from None
    if not cases:
        raise _fail(f"no {fork} state-test cases found", EXIT_ERROR)
    out = _out()
    passed = failed = 0
    cycles = 0

    def report(name, ok, reason, cyc):
        nonlocal passed, failed, cycles
        cycles += cyc
        if ok:
            passed += 1
            if verbose:
                out.print(f"ok    {name} ({cyc} cycles)")
        else:
            failed += 1
            out.print(f"FAIL  {name}: {reason}")

    _guest_ready()
    if jobs == 1:
        from . import guest

        guest.program()  # load once
        for c in cases:
            r = run_case(c)
            report(c.name, r.ok, r.reason, r.cycles)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
            for name, ok, reason, cyc in ex.map(_run_light, cases, chunksize=4):
                report(name, ok, reason, cyc)
    sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    _out().print(f"({cycles} guest cycles, {time.perf_counter() - t0:.1f} s)", style="dim")
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _load_case(fixture: Path, case: Optional[str], index: int, fork: str):
    from .host import fixture_case
    from .statetest import FixtureError

    try:
        return fixture_case(fixture, case, index, fork)
    except FixtureError as e:
        raise _fail(str(e), EXIT_ERROR) from None


def _print_journal(out: Console, journal) -> None:
    for name, value in journal.lines():
        out.print(f"{name:<18} {value}")


@app.command()
def run(
    fixture: Path = typer.Argument(..., help="A state-test JSON file."),
    case: Optional[str] = typer.Option(None, "--case", help="Test name (default: the file's only test)."),
    index: int = typer.Option(0, "--index", min=0, help="Post-state index of the fork."),
    fork: str = typer.Option("Cancun", "--fork"),
) -> None:
    """Execute one transaction of a state test in the guest (no proof) and print the
    journal, the cycle count and whether it matches the fixture."""
    from .statetest import run_case

    c = _load_case(fixture, case, index, fork)
    _guest_ready()
    r = run_case(c)
    out = _out()
    out.print(f"case               {c.name}")
    out.print(f"cycles             {r.cycles}")
    if r.journal is not None:
        _print_journal(out, r.journal)
    out.print(f"fixture            {'match' if r.ok else 'MISMATCH: ' + r.reason}")
    if not r.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def prove(
    fixture: Path = typer.Argument(..., help="A state-test JSON file."),
    case: Optional[str] = typer.Option(None, "--case", help="Test name (default: the file's only test)."),
    index: int = typer.Option(0, "--index", min=0, help="Post-state index of the fork."),
    fork: str = typer.Option("Cancun", "--fork"),
    output: Path = typer.Option(Path("receipt.bin"), "--output", "-o", help="Where to write the receipt."),
    params: str = typer.Option("default", "--params", help="STARK parameters: default, high, testing."),
    segment_po2: Optional[int] = typer.Option(None, "--segment-po2", metavar="K",
                                              help="Continuations: segments of at most 2^K steps."),
    workers: int = typer.Option(1, "--workers", min=1, help="Prove segments on N local processes."),
) -> None:
    """Prove one transaction of a state test: the guest's execution in the zkvm, with
    the statement (state roots, tx hash, logs hash, gas, status) as the journal."""
    from ..chips.tracegen import UnprovableExecution
    from .host import PRESETS, prove as host_prove

    if params not in PRESETS:
        raise _fail(f"unknown --params {params!r}; use one of {', '.join(PRESETS)}", EXIT_ERROR)
    c = _load_case(fixture, case, index, fork)
    _guest_ready()
    t0 = time.perf_counter()
    try:
        receipt = host_prove(c.input, params, segment_po2=segment_po2, workers=workers)
    except UnprovableExecution as e:
        raise _fail(f"cannot prove this execution: {e}", EXIT_ERROR) from None
    except ValueError as e:
        raise _fail(str(e), EXIT_ERROR) from None
    dt = time.perf_counter() - t0
    data = receipt.to_bytes()
    try:
        output.write_bytes(data)
    except OSError as e:
        raise _fail(f"cannot write receipt {output}: {e.strerror or e}", EXIT_ERROR) from None
    out = _out()
    out.print("--- zkvm evm prove ---")
    out.print(f"case               {c.name}")
    out.print(f"receipt            {output} ({len(data)} bytes)")
    out.print(f"image id           {receipt.image_id.hex()}")
    out.print(f"exit code          {receipt.exit_code}")
    out.print(f"time               {dt:.1f} s")
    from .encoding import Journal

    if receipt.exit_code == 0 and len(receipt.journal) == 192:
        _print_journal(out, Journal.decode(receipt.journal))
    else:
        raise _fail(f"the guest exited with code {receipt.exit_code} (no statement)", EXIT_FAILED)


@app.command()
def verify(
    receipt: Path = typer.Argument(..., help="Receipt written by `zkvm evm prove`."),
    params: str = typer.Option("default", "--params",
                               help="Parameter preset the receipt must use: default, high, testing."),
) -> None:
    """Verify a receipt against the EVM guest's pinned image ID and print the statement
    it proves."""
    from ..stark.errors import VerificationError
    from .host import PRESETS, EvmVerifyError, pinned_image_id, verify as host_verify

    if params not in PRESETS:
        raise _fail(f"unknown --params {params!r}; use one of {', '.join(PRESETS)}", EXIT_ERROR)
    try:
        data = receipt.read_bytes()
    except OSError as e:
        raise _fail(f"cannot read receipt {receipt}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        journal = host_verify(data, params)
    except VerificationError as e:
        raise _fail(f"receipt rejected: {type(e).__name__}: {e}", EXIT_FAILED) from None
    except EvmVerifyError as e:
        raise _fail(f"receipt rejected: {e}", EXIT_FAILED) from None
    out = _out()
    out.print("--- zkvm evm verify: OK ---")
    out.print(f"image id           {pinned_image_id(params).hex()} (EVM guest, params {params})")
    _print_journal(out, journal)


@app.command("image-id")
def image_id(
    write: bool = typer.Option(False, "--write", help="Rebuild and write the pinned image IDs (developers)."),
) -> None:
    """Print the EVM guest's pinned image IDs and those of the guest built from the
    installed sources."""
    from .host import PINNED_IMAGE_IDS, PRESETS, computed_image_ids, pinned_image_ids, write_pinned_image_ids

    out = _out()
    _guest_ready()
    got = write_pinned_image_ids() if write else computed_image_ids()
    pinned = {k: v.hex() for k, v in pinned_image_ids().items()} if PINNED_IMAGE_IDS.is_file() else {}
    out.print(f"elf sha256         {got['elf_sha256']}")
    bad = False
    for k in PRESETS:
        ok = pinned.get(k) == got["image_id"][k]
        bad |= not ok
        out.print(f"image id {k:<9} {got['image_id'][k]}" + ("" if ok else f"  (pinned: {pinned.get(k)})"))
    if write:
        out.print(f"wrote {PINNED_IMAGE_IDS}")
    elif bad:
        raise _fail("the built guest does not match the pinned image IDs (zkvm evm image-id --write)", EXIT_FAILED)

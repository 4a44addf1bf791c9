"""The ``zkvm`` command line: argument parsing, calls into :mod:`zkvm.api`, printing.

Commands::

    zkvm build <dir | file.c ...> [-o out.elf] [-O 2] [-D NAME=VALUE] [--no-image-id]
    zkvm verify-build app.manifest.json [--source DIR]
    zkvm run prog.elf [--input FILE] [--journal FILE] [--max-cycles N]
    zkvm disasm prog.elf [-n N]
    zkvm --version

Exit codes: 0 success (verify-build: MATCH); 1 the build failed, the guest exited with a
non-zero code, or verify-build found a MISMATCH;
2 bad usage, an unreadable/invalid ELF or a guest fault (illegal instruction, memory
fault, cycle limit ...). Errors are one ``error: ...`` line on stderr, never a traceback.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.text import Text

from . import __version__, api
from .toolchain import OPT_LEVELS, ZIG_VERSION, BuildError, ToolchainError

app = typer.Typer(
    name="zkvm",
    help="zkvm: a readable zero-knowledge virtual machine for RISC-V (RV32IM).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_FAILED = 1  # build failed, or the guest exited with a non-zero code
EXIT_ERROR = 2  # bad usage / bad ELF / guest fault
JOURNAL_HEX_SHOWN = 64  # bytes of journal shown in hex before truncating


def _out() -> Console:
    # No markup, emoji codes or highlighting: paths and guest data are printed verbatim.
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def fail(message: str, code: int) -> "typer.Exit":
    """Print ``error: message`` on stderr (red on a terminal); return the Exit to raise."""
    _err().print(Text("error: ", style="bold red") + Text(message))
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zkvm {__version__} (guest compiler: zig {ZIG_VERSION}, target riscv32-linux-musl)")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Show the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """zkvm: build, run (and later prove and verify) RISC-V guest programs."""


@app.command()
def build(
    sources: List[Path] = typer.Argument(..., help="A guest directory (its *.c files) or .c files."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="ELF to write [default: <name>.elf]."),
    opt_level: str = typer.Option("2", "-O", "--opt-level", help=f"Optimisation level: {', '.join(OPT_LEVELS)}."),
    define: List[str] = typer.Option([], "-D", "--define", help="Preprocessor define NAME or NAME=VALUE."),
    manifest: bool = typer.Option(True, "--manifest/--no-manifest",
                                  help="Write the build manifest next to the ELF (<name>.manifest.json)."),
    image_id: bool = typer.Option(True, "--image-id/--no-image-id",
                                  help="Compute the image ID for the manifest (loads the circuits)."),
    params: str = typer.Option("default", "--params",
                               help="STARK parameter preset the image ID is for: default, high, testing."),
) -> None:
    """Build C sources into a static RV32IM ELF, hermetically and reproducibly, and
    write its build manifest (docs/reproducible-builds.md)."""
    if output is None:
        first = sources[0]
        stem = first.resolve().name if first.is_dir() else first.stem
        output = Path(f"{stem}.elf")
    try:
        result = api.build(sources, output, opt_level=opt_level, defines=define, manifest=manifest,
                           image_id_params=params if image_id else None)
    except (BuildError, ToolchainError) as e:
        raise fail(str(e), EXIT_FAILED) from None
    except ValueError as e:  # bad -O or -D
        raise fail(str(e), EXIT_ERROR) from None
    except OSError as e:  # unreadable source, unwritable output
        raise fail(f"{e.strerror or e}: {e.filename or output}", EXIT_FAILED) from None
    if result.warnings.strip():
        sys.stderr.write(result.warnings)
    out = _out()
    out.print(f"built  {result.path}")
    out.print(f"size   {result.size} bytes")
    out.print(f"sha256 {result.sha256}")
    if manifest:
        import json

        mpath = api.manifest_path(result.path)
        m = json.loads(mpath.read_text(encoding="utf-8"))
        if m.get("image_id"):
            out.print(f"image  {m['image_id']} (params {m['image_id_params']})")
        elif m.get("image_id_error"):
            _err().print(Text(f"warning: no image ID in the manifest: {m['image_id_error']}"))
        out.print(f"manifest {mpath}")


@app.command("verify-build")
def verify_build(
    manifest: Path = typer.Argument(..., help="The build manifest (<name>.manifest.json)."),
    source: Optional[Path] = typer.Option(None, "--source", "-s",
                                          help="Directory holding the sources [default: the manifest's]."),
    image_id: bool = typer.Option(True, "--image-id/--no-image-id", help="Also recompute the image ID."),
) -> None:
    """Rebuild from source in a fresh temporary directory and compare with a manifest:
    prints MATCH, or MISMATCH and what differs (toolchain, flags, source files, ELF
    sections/segments, image ID)."""
    from .manifest import ManifestError

    try:
        res = api.verify_build(manifest, source, check_image_id=image_id)
    except ManifestError as e:
        raise fail(str(e), EXIT_ERROR) from None
    except OSError as e:
        raise fail(f"{e.strerror or e}: {e.filename or source}", EXIT_ERROR) from None
    _out().print(res.report())
    if not res.match:
        raise typer.Exit(EXIT_FAILED)


def _guest_error_message(e: Exception) -> str:
    from .entry import guest_error_message

    return guest_error_message(e)


@app.command()
def run(
    elf: Path = typer.Argument(..., help="Guest ELF file."),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File holding the private input."),
    journal: Optional[Path] = typer.Option(None, "--journal", "-j", help="Write the journal (public output) here."),
    max_cycles: Optional[int] = typer.Option(None, "--max-cycles", min=1, help="Cycle limit [default: executor's]."),
) -> None:
    """Run a guest ELF: print its stdout, then exit code, cycles and journal."""
    from .entry import run_command

    def error(msg: str) -> None:
        _err().print(Text("error: ", style="bold red") + Text(msg))

    code = run_command(elf, input, journal, max_cycles, error=error)
    if code:
        raise typer.Exit(code)


@app.command()
def disasm(
    elf: Path = typer.Argument(..., help="Guest ELF file."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", min=1, help="Show at most N instructions."),
) -> None:
    """Disassemble the executable segments of a guest ELF (as the zkvm decodes them)."""
    from .riscv import ElfError

    try:
        rows = api.disassemble(api.read_elf(elf))
    except OSError as e:
        raise fail(f"cannot read ELF {elf}: {e.strerror or e}", EXIT_ERROR) from None
    except ElfError as e:
        raise fail(f"invalid ELF {elf}: {e}", EXIT_ERROR) from None
    if limit is not None:
        rows = rows[:limit]
    typer.echo("\n".join(f"{addr:08x}:  {word:08x}  {text}" for addr, word, text in rows))


PARAMS_HELP = "STARK parameter preset: default (>= 100 bits), high, testing (fast, insecure)."


def _params(preset: str, zk: bool = True):
    try:
        return api.stark_params(preset, zk=None if zk else False)
    except ValueError as e:
        raise fail(str(e), EXIT_ERROR) from None


def _pad_tables(specs, pad_cycles):
    """``--pad-table TABLE=ROWS`` options as ``{table: rows}`` (None if none), or a clean
    CLI error."""
    if not specs:
        return None
    if pad_cycles is None:
        raise fail("--pad-table needs --pad-cycles", EXIT_ERROR)
    out = {}
    for spec in specs:
        name, sep, rows = spec.partition("=")
        if not sep or not name or not rows.strip().isdigit():
            raise fail(f"--pad-table expects TABLE=ROWS, got {spec!r}", EXIT_ERROR)
        out[name.strip()] = int(rows)
    return out


def _load_guest(elf: Path, input: Optional[Path]):
    """(program, private input bytes) or a clean CLI error."""
    from .riscv import ElfError

    try:
        elf_bytes = api.read_elf(elf)
    except OSError as e:
        raise fail(f"cannot read ELF {elf}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        private = input.read_bytes() if input is not None else b""
    except OSError as e:
        raise fail(f"cannot read input {input}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        return elf_bytes, api.load_program(elf_bytes), private
    except ElfError as e:
        raise fail(f"invalid ELF {elf}: {e}", EXIT_ERROR) from None


@app.command("image-id")
def image_id_cmd(
    elf: Path = typer.Argument(..., help="Guest ELF file."),
    params: str = typer.Option("default", "--params", help=PARAMS_HELP),
) -> None:
    """Print the image ID (verifying key digest) of a guest ELF, and the ELF's sha256.

    The image ID depends only on the loaded bytes, the entry point, the circuits and the
    parameters -- not on symbols or debug info."""
    from .image_id import image_id as compute

    elf_bytes, program, _ = _load_guest(elf, None)
    iid = compute(program, _params(params))
    out = _out()
    out.print(f"image id    {iid.hex()}")
    out.print(f"elf sha256  {hashlib.sha256(elf_bytes).hexdigest()}")
    out.print(f"params      {params}")


@app.command()
def prove(
    elf: Path = typer.Argument(..., help="Guest ELF file."),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File holding the private input."),
    output: Path = typer.Option(Path("receipt.bin"), "--output", "-o", help="Where to write the receipt."),
    params: str = typer.Option("default", "--params", help=PARAMS_HELP),
    no_zk: bool = typer.Option(False, "--no-zk", help="Turn masking off (benchmarks only: leaks trace values)."),
    max_cycles: Optional[int] = typer.Option(None, "--max-cycles", min=1, help="Cycle limit [default: executor's]."),
    execute_only: bool = typer.Option(False, "--execute-only", help="Dry run: cycles and table sizes, no proof."),
    pad_cycles: Optional[int] = typer.Option(
        None, "--pad-cycles", min=1, max=1 << 22,
        help="Hide the execution length: pad every table to heights fixed by N (fits cycles + I/O bytes <= N)."),
    pad_table: Optional[List[str]] = typer.Option(
        None, "--pad-table", metavar="TABLE=ROWS",
        help="With --pad-cycles: a tighter fixed height (power of two) for one table; repeatable."),
    segment_po2: Optional[int] = typer.Option(
        None, "--segment-po2", metavar="K",
        help="Continuations: split the run into segments of at most 2^K EXEC steps "
             "(10..21; default 20 when --workers/--dask is given) and write a composite receipt."),
    workers: int = typer.Option(1, "--workers", help="Prove segments on N local processes."),
    dask: Optional[str] = typer.Option(
        None, "--dask", metavar="SCHEDULER_ADDRESS",
        help="Prove segments on a Dask cluster (e.g. tcp://10.0.0.5:8786; see docs/distributed.md)."),
) -> None:
    """Execute a guest on a private input and write a receipt (proof + public outputs)."""
    import time

    from rich.status import Status

    from .chips.tracegen import UnprovableExecution
    from .riscv import GuestError

    elf_bytes, program, private = _load_guest(elf, input)
    p = _params(params, zk=not no_zk)
    if segment_po2 is not None or dask is not None or workers != 1:
        if pad_cycles is not None or pad_table or execute_only:
            raise fail("--segment-po2/--workers/--dask cannot be combined with --pad-cycles, "
                       "--pad-table or --execute-only", EXIT_ERROR)
        return _prove_segments(elf_bytes, private, p, output, segment_po2, workers, dask,
                               max_cycles)
    pad_to = _pad_tables(pad_table, pad_cycles)
    out = _out()
    timings: dict = {}
    t0 = time.perf_counter()
    try:
        with Status("executing and proving..." if not execute_only else "executing...",
                    console=_err(), spinner="dots"):
            if execute_only:
                info = api.execute_only(program, private, params=p, max_cycles=max_cycles,
                                        pad_cycles=pad_cycles, pad_to=pad_to)
            else:
                receipt = api.prove(program, private, params=p, max_cycles=max_cycles, timings=timings,
                                    pad_cycles=pad_cycles, pad_to=pad_to)
    except GuestError as e:
        raise fail(_guest_error_message(e), EXIT_ERROR) from None
    except UnprovableExecution as e:
        raise fail(f"cannot prove this execution: {e}", EXIT_ERROR) from None
    except ValueError as e:
        if pad_to:  # a bad --pad-table (unknown or preprocessed table, bad height)
            raise fail(f"--pad-table: {e}", EXIT_ERROR) from None
        raise
    total = time.perf_counter() - t0
    if execute_only:
        out.print("--- zkvm prove --execute-only ---")
        out.print(f"cycles         {info['cycles']}")
        out.print(f"exit code      {info['exit_code']}")
        out.print(f"journal        {len(info['journal'])} bytes")
        out.print(f"trace cells    {info['cells']}")
        for name, h in info["tables"].items():
            out.print(f"  {name:<16} {h:>9} rows")
        return
    data = receipt.to_bytes()
    try:
        output.write_bytes(data)
    except OSError as e:
        raise fail(f"cannot write receipt {output}: {e.strerror or e}", EXIT_ERROR) from None
    cycles = timings.get("cycles", 0)
    out.print("--- zkvm prove ---")
    out.print(f"receipt        {output} ({len(data)} bytes)")
    out.print(f"image id       {receipt.image_id.hex()}")
    out.print(f"exit code      {receipt.exit_code}")
    out.print(f"journal        {len(receipt.journal)} bytes")
    out.print(f"cycles         {cycles}")
    out.print(f"zero-knowledge {'yes' if p.zk else 'NO (--no-zk)'}")
    out.print(f"security       {p.security_bits()} bits (conjectured)")
    out.print(f"total time     {total:.2f} s ({cycles / total:.0f} cycles/s)" if total > 0 else "")
    for phase in ("execute", "witness", "traces", "bytes_mult", "prove"):
        if phase in timings:
            out.print(f"  {phase:<14} {timings[phase]:8.2f} s")
    for phase, sec in (timings.get("prove_phases") or {}).items():
        out.print(f"    {phase:<12} {sec:8.2f} s")


def _prove_segments(elf_bytes, private, p, output, segment_po2, workers, dask, max_cycles):
    """``zkvm prove`` with continuations: a composite receipt (docs/continuations.md)."""
    import time

    from .chips.tracegen import UnprovableExecution
    from .continuation import DEFAULT_SEGMENT_PO2, check_segment_po2
    from .distributed import ProvingFailed, rich_progress
    from .riscv import GuestError

    po2 = DEFAULT_SEGMENT_PO2 if segment_po2 is None else segment_po2
    try:
        check_segment_po2(po2)
        if workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
        if dask is not None and workers != 1:
            raise ValueError("--workers and --dask cannot be combined (the Dask cluster's "
                             "workers prove the segments)")
    except ValueError as e:
        raise fail(str(e), EXIT_ERROR) from None
    t0 = time.perf_counter()
    try:
        with rich_progress("proving segments", console=_err()) as progress:
            receipt = api.prove_segments(elf_bytes, private, params=p, segment_po2=po2,
                                         workers=workers, dask_address=dask,
                                         progress=progress, max_cycles=max_cycles)
    except GuestError as e:
        raise fail(_guest_error_message(e), EXIT_ERROR) from None
    except UnprovableExecution as e:
        raise fail(f"cannot prove this execution: {e}", EXIT_ERROR) from None
    except ProvingFailed as e:
        cause = e.__cause__
        if isinstance(cause, UnprovableExecution):
            raise fail(f"cannot prove this execution: {cause}", EXIT_ERROR) from None
        raise fail(f"distributed proving failed: {e}", EXIT_ERROR) from None
    total = time.perf_counter() - t0
    data = receipt.to_bytes()
    try:
        output.write_bytes(data)
    except OSError as e:
        raise fail(f"cannot write receipt {output}: {e.strerror or e}", EXIT_ERROR) from None
    out = _out()
    out.print("--- zkvm prove (segments) ---")
    out.print(f"receipt        {output} ({len(data)} bytes, composite)")
    out.print(f"image id       {receipt.image_id.hex()}")
    out.print(f"exit code      {receipt.exit_code}")
    out.print(f"journal        {len(receipt.journal)} bytes")
    out.print(f"segments       {len(receipt.segments)} of at most 2^{po2} steps")
    out.print(f"workers        {('dask ' + dask) if dask else workers}")
    out.print(f"zero-knowledge {'yes' if p.zk else 'NO (--no-zk)'}")
    out.print(f"security       {p.security_bits()} bits (conjectured)")
    out.print(f"total time     {total:.2f} s")


@app.command()
def verify(
    receipt: Path = typer.Argument(..., help="Receipt file written by `zkvm prove`."),
    image_id: str = typer.Option(..., "--image-id", help="Expected image ID (64 hex digits; see `zkvm image-id`)."),
    journal: Optional[Path] = typer.Option(None, "--journal", "-j", help="Write the verified journal here."),
) -> None:
    """Verify a receipt against an image ID; print the exit code and the journal."""
    from .image_id import parse_image_id
    from .stark.errors import VerificationError

    try:
        iid = parse_image_id(image_id)
    except ValueError as e:
        raise fail(f"bad --image-id: {e}", EXIT_ERROR) from None
    try:
        data = receipt.read_bytes()
    except OSError as e:
        raise fail(f"cannot read receipt {receipt}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        exit_code, j = api.verify(data, iid)
    except VerificationError as e:
        raise fail(f"receipt rejected: {type(e).__name__}: {e}", EXIT_FAILED) from None
    if journal is not None:
        try:
            journal.write_bytes(j)
        except OSError as e:
            raise fail(f"cannot write journal {journal}: {e.strerror or e}", EXIT_ERROR) from None
    shown = j[:JOURNAL_HEX_SHOWN].hex() + ("..." if len(j) > JOURNAL_HEX_SHOWN else "") if j else "(empty)"
    out = _out()
    out.print("--- zkvm verify: OK ---")
    out.print(f"image id       {iid.hex()}")
    out.print(f"exit code      {exit_code}")
    out.print(f"journal        {len(j)} bytes")
    out.print(f"journal hex    {shown}")
    out.print(f"journal sha256 {hashlib.sha256(j).hexdigest()}")


def _register_audit() -> None:
    """``zkvm audit``: build with every compiler x optimisation level and compare runs."""
    from .audit import audit_command

    app.command("audit")(audit_command)


_register_audit()


def main() -> None:
    """Console-script entry point (``zkvm``).

    Before anything starts numba's thread pool: a passive OpenMP wait policy and a pool
    sized to the cores this process may use (:func:`zkvm.threads.configure`)."""
    from .threads import configure

    configure()
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``zkvm`` command line: argument parsing, calls into :mod:`zkvm.api`, printing.

Commands::

    zkvm build <dir | file.c | file.cpp ... | crate dir> [-o out.elf] [-O 2] [-D NAME=VALUE] [--no-image-id]
    zkvm verify-build app.manifest.json [--source DIR]
    zkvm run prog.elf [--input FILE] [--journal FILE] [--max-cycles N]
    zkvm prove prog.elf [--input FILE] [-o receipt.bin] [--params P] [--dev]
    zkvm verify receipt.bin --image-id HEX [--expect-journal FILE] [--write-journal FILE] [--dev]
    zkvm image-id prog.elf [--params P]
    zkvm profile prog.elf [--input FILE] [-o DIR]
    zkvm new NAME [--lang c|rust]
    zkvm disasm prog.elf [-n N]
    zkvm onchain export -o DIR | gas receipt.bin --image-id HEX   (partial; docs/onchain.md)
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
    sources: List[Path] = typer.Argument(
        ..., help="A guest directory (its *.c or *.cpp files), .c/.cpp files, or a Rust crate (a directory with Cargo.toml)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="ELF to write [default: <name>.elf]."),
    opt_level: str = typer.Option("2", "-O", "--opt-level", help=f"Optimisation level: {', '.join(OPT_LEVELS)}."),
    define: List[str] = typer.Option([], "-D", "--define", help="Preprocessor define NAME or NAME=VALUE."),
    manifest: bool = typer.Option(True, "--manifest/--no-manifest",
                                  help="Write the build manifest next to the ELF (<name>.manifest.json)."),
    image_id: bool = typer.Option(True, "--image-id/--no-image-id",
                                  help="Compute the image ID for the manifest (loads the circuits)."),
    params: str = typer.Option("default", "--params",
                               help="STARK parameter preset the image ID is for: default, high, evm, testing."),
    ndebug: bool = typer.Option(False, "--ndebug",
                                help="C/C++: define NDEBUG (drops assert(); recorded in the manifest)."),
    cxx_exceptions: bool = typer.Option(False, "--cxx-exceptions",
                                        help="C++ only: compile with -fexceptions (default -fno-exceptions)."),
    debug_copy: bool = typer.Option(True, "--debug-copy/--no-debug-copy",
                                    help="Also write the unstripped copy <name>.debug (symbols and line "
                                         "info for `zkvm profile` and fault messages; not proved)."),
) -> None:
    """Build C, C++ or Rust sources into a static RV32IM ELF, hermetically and
    reproducibly, and write its build manifest (docs/reproducible-builds.md,
    docs/toolchain.md). C/C++ assert() is kept at every optimisation level unless
    --ndebug is given."""
    if output is None:
        first = sources[0]
        stem = first.resolve().name if first.is_dir() else first.stem
        output = Path(f"{stem}.elf")
    try:
        result = api.build(sources, output, opt_level=opt_level, defines=define, manifest=manifest,
                           image_id_params=params if image_id else None, ndebug=ndebug,
                           cxx_exceptions=cxx_exceptions, debug_copy=debug_copy)
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
    if result.debug_path is not None:
        out.print(f"debug  {result.debug_path} (symbols for `zkvm profile`; not what is proved)")
    elif debug_copy and result.debug_error:
        _err().print(Text(f"warning: no debug copy (symbols): {result.debug_error}"))
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


def _guest_error_message(e: Exception, elf: Optional[Path] = None) -> str:
    """One line for a guest fault: the stack overflow named as such, the pc symbolised
    with the ELF's debug copy when there is one (docs/diagnostics.md)."""
    from .runcmd import guest_error_message

    return guest_error_message(e, elf)


GUEST_STDOUT_HELP = "Write the guest's stdout to this file instead of printing it."
GUEST_STDERR_HELP = "Write the guest's stderr to this file instead of printing it."


def _check_outputs(*pairs) -> None:
    """Validate output paths ``(path, what)`` before any work (clean CLI error)."""
    from .diagnostics import check_output_path, os_error_text

    for path, what in pairs:
        if path is None:
            continue
        try:
            check_output_path(path, what)
        except OSError as e:
            raise fail(f"cannot write the {what} to {path}: {os_error_text(e)}", EXIT_ERROR) from None


def _emit_guest_output(stdout: bytes, stderr: bytes, stdout_file: Optional[Path],
                       stderr_file: Optional[Path]) -> None:
    """Print the guest's stdout/stderr (or write them to the given files)."""
    for data, path, err in ((stdout, stdout_file, False), (stderr, stderr_file, True)):
        if path is not None:
            try:
                path.write_bytes(data)
            except OSError as e:
                raise fail(f"cannot write guest output to {path}: {e.strerror or e}", EXIT_ERROR) from None
        elif data:
            if not err:
                sys.stdout.flush()
            typer.echo(data, nl=False, err=err)
            (sys.stderr if err else sys.stdout).flush()


def _guest_fault(e: Exception, elf: Path, stdout_file: Optional[Path], stderr_file: Optional[Path]):
    """Show what the guest wrote before it faulted, then return the error to raise."""
    out, err = getattr(e, "stdout", b""), getattr(e, "stderr", b"")
    _emit_guest_output(out, err, stdout_file, stderr_file)
    if out or err:
        _err().print(Text(f"(the guest wrote {len(out)} bytes to stdout and {len(err)} to stderr "
                          "before the fault)"))
    return fail(_guest_error_message(e, elf), EXIT_ERROR)


def _regions_table(result) -> None:
    from .runcmd import regions_lines

    out = _out()
    for line in regions_lines(result):
        out.print(line)


@app.command()
def run(
    elf: Path = typer.Argument(..., help="Guest ELF file."),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File holding the private input."),
    journal: Optional[Path] = typer.Option(None, "--journal", "-j", help="Write the journal (public output) here."),
    max_cycles: Optional[int] = typer.Option(None, "--max-cycles", min=1, help="Cycle limit [default: executor's]."),
    guest_stdout: Optional[Path] = typer.Option(None, "--guest-stdout", help=GUEST_STDOUT_HELP),
    guest_stderr: Optional[Path] = typer.Option(None, "--guest-stderr", help=GUEST_STDERR_HELP),
) -> None:
    """Run a guest ELF: print its stdout, then exit code, cycles and journal, the
    cycle-tracking regions if the guest marked any, and whether the run can be proven.
    (The console script serves plain `zkvm run` from zkvm.entry without loading the full
    CLI; both go through runcmd.run_command, so the output is the same.)"""
    from .runcmd import run_command

    def error(msg: str) -> None:
        _err().print(Text("error: ", style="bold red") + Text(msg))

    code = run_command(elf, input, journal, max_cycles, error=error, guest_stdout=guest_stdout,
                       guest_stderr=guest_stderr)
    if code:
        raise typer.Exit(code)


def _print_warnings(result) -> None:
    """Diagnostics of a run (flat data memory accesses, ignored markers; docs/abi.md)."""
    from .runcmd import warning_lines

    for line in warning_lines(result):
        _err().print(Text(line))


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


PARAMS_HELP = "STARK parameter preset: default (>= 100 bits), high, evm (>= 100 bits, smaller receipts for on-chain verification), testing (fast, insecure)."


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
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Use the local image-ID cache."),
) -> None:
    """Print the image ID (verifying key digest) of a guest ELF, and the ELF's sha256.

    The image ID depends only on the loaded bytes, the entry point, the circuits and the
    parameters -- not on symbols or debug info. Answered from the local image-ID cache
    when this zkvm computed it before (``zkvm build`` does)."""
    from . import idcache
    from .manifest import PARAMS_PRESETS

    if params not in PARAMS_PRESETS:  # checked without importing the STARK code (fast path)
        raise fail(f"unknown parameter preset {params!r}; use one of {', '.join(PARAMS_PRESETS)}", EXIT_ERROR)
    try:
        elf_bytes = api.read_elf(elf)
    except OSError as e:
        raise fail(f"cannot read ELF {elf}: {e.strerror or e}", EXIT_ERROR) from None
    iid = idcache.lookup(elf_bytes, params) if cache else None
    if iid is None:
        _load_guest(elf, None)  # a clean error for a bad ELF
        iid = idcache.image_id(elf_bytes, params, use_cache=cache)
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
    workers: int = typer.Option(1, "--workers", help="Prove segments on N local processes "
                                "(fewer, with a note, where the memory cannot hold N provers)."),
    dask: Optional[str] = typer.Option(
        None, "--dask", metavar="SCHEDULER_ADDRESS",
        help="Prove segments on a Dask cluster (e.g. tcp://10.0.0.5:8786; see docs/distributed.md)."),
    dev: bool = typer.Option(
        False, "--dev",
        help="Dev mode (also ZKVM_DEV=1): execute only and write a DEV receipt that is NOT A PROOF "
             "(docs/dev-mode.md)."),
    guest_stdout: Optional[Path] = typer.Option(None, "--guest-stdout", help=GUEST_STDOUT_HELP),
    guest_stderr: Optional[Path] = typer.Option(None, "--guest-stderr", help=GUEST_STDERR_HELP),
) -> None:
    """Execute a guest on a private input and write a receipt (proof + public outputs)."""
    import time

    from rich.status import Status

    from .chips.tracegen import RunTooLong, UnprovableExecution
    from .riscv import GuestError

    dev_on = api.dev_mode(True if dev else None)
    if not execute_only:
        _check_outputs((output, "receipt"))
    _check_outputs((guest_stdout, "guest stdout"), (guest_stderr, "guest stderr"))
    elf_bytes, program, private = _load_guest(elf, input)
    p = _params(params, zk=not no_zk)
    segments = segment_po2 is not None or dask is not None or workers != 1
    if dev_on:
        if segments or pad_cycles is not None or pad_table or execute_only:
            raise fail("dev mode (--dev / ZKVM_DEV=1) cannot be combined with --segment-po2, --workers, "
                       "--dask, --pad-cycles, --pad-table or --execute-only", EXIT_ERROR)
        return _prove_dev(elf, elf_bytes, private, params, no_zk, output, max_cycles, guest_stdout,
                          guest_stderr)
    if segments:
        if pad_cycles is not None or pad_table or execute_only:
            raise fail("--segment-po2/--workers/--dask cannot be combined with --pad-cycles, "
                       "--pad-table or --execute-only", EXIT_ERROR)
        return _prove_segments(elf_bytes, private, p, output, segment_po2, workers, dask,
                               max_cycles, elf)
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
                receipt = api.prove(elf_bytes, private, params=p, max_cycles=max_cycles, timings=timings,
                                    pad_cycles=pad_cycles, pad_to=pad_to)
    except GuestError as e:
        raise _guest_fault(e, elf, guest_stdout, guest_stderr) from None
    except RunTooLong as e:
        if pad_cycles is not None or pad_table or execute_only:
            raise fail(f"cannot prove this execution: {e}; --pad-cycles, --pad-table and "
                       "--execute-only need a run that fits one proof", EXIT_ERROR) from None
        _err().print(Text(f"note: the run takes {e.cycles} cycles, more than one proof holds "
                          f"(2^{api.MONOLITHIC_MAX_CYCLES.bit_length() - 1}): proving it as "
                          "continuation segments (--segment-po2 20)"))
        return _prove_segments(elf_bytes, private, p, output, None, workers, dask, max_cycles, elf)
    except UnprovableExecution as e:
        result = timings.get("result")
        if result is not None:
            _emit_guest_output(result.stdout, result.stderr, guest_stdout, guest_stderr)
        raise fail(f"cannot prove this execution: {e}", EXIT_ERROR) from None
    except ValueError as e:
        if pad_to:  # a bad --pad-table (unknown or preprocessed table, bad height)
            raise fail(f"--pad-table: {e}", EXIT_ERROR) from None
        raise
    total = time.perf_counter() - t0
    if not execute_only and timings.get("result") is not None:
        _emit_guest_output(timings["result"].stdout, timings["result"].stderr, guest_stdout, guest_stderr)
    if execute_only:
        out.print("--- zkvm prove --execute-only ---")
        out.print(f"cycles         {info['cycles']}")
        out.print(f"exit code      {info['exit_code']}")
        out.print(f"journal        {len(info['journal'])} bytes")
        out.print(f"trace cells    {info['cells']}")
        for name, h in info["tables"].items():
            if h or name not in info["extra_tables"]:  # unused extra tables are not in a proof
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
    out.print(f"params         {params} (the image ID is for these parameters)")
    out.print(f"zero-knowledge {'yes' if p.zk else 'NO (--no-zk)'}")
    out.print(f"security       {p.security_bits()} bits (conjectured)")
    out.print(f"total time     {total:.2f} s ({cycles / total:.0f} cycles/s)" if total > 0 else "")
    for phase in ("execute", "witness", "traces", "bytes_mult", "prove"):
        if phase in timings:
            out.print(f"  {phase:<14} {timings[phase]:8.2f} s")
    for phase, sec in (timings.get("prove_phases") or {}).items():
        out.print(f"    {phase:<12} {sec:8.2f} s")
    peaks = [v for v in (timings.get("prove_peaks") or {}).values() if v]
    if peaks:
        out.print(f"peak memory    {max(peaks) / 2**30:.2f} GiB (resident set)")


def _prove_dev(elf, elf_bytes, private, params, no_zk, output, max_cycles, guest_stdout, guest_stderr):
    """``zkvm prove --dev``: execute only, write a dev receipt (no proof)."""
    from .receipt import DEV_BANNER
    from .riscv import GuestError

    timings: dict = {}
    try:
        receipt = api.prove_dev(elf_bytes, private, params=params, zk=False if no_zk else None,
                                max_cycles=max_cycles, timings=timings)
    except GuestError as e:
        raise _guest_fault(e, elf, guest_stdout, guest_stderr) from None
    result = timings["result"]
    _emit_guest_output(result.stdout, result.stderr, guest_stdout, guest_stderr)
    data = receipt.to_bytes()
    try:
        output.write_bytes(data)
    except OSError as e:
        raise fail(f"cannot write receipt {output}: {e.strerror or e}", EXIT_ERROR) from None
    _err().print(Text(f"warning: {DEV_BANNER}: dev mode executes only; the receipt proves nothing",
                      style="bold yellow"))
    out = _out()
    out.print(f"--- zkvm prove --dev: {DEV_BANNER} ---")
    out.print(f"receipt        {output} ({len(data)} bytes, dev receipt: no proof)")
    out.print(f"image id       {receipt.image_id.hex()}")
    out.print(f"exit code      {receipt.exit_code}")
    out.print(f"journal        {len(receipt.journal)} bytes")
    out.print(f"cycles         {receipt.cycles}")
    out.print(f"params         {params} (the image ID is for these parameters)")
    out.print(f"execute        {timings['execute']:.2f} s (image ID {timings['image_id']:.2f} s)")
    _regions_table(result)


def _prove_segments(elf_bytes, private, p, output, segment_po2, workers, dask, max_cycles, elf=None):
    """``zkvm prove`` with continuations: a composite receipt (docs/continuations.md)."""
    import time

    from .chips.tracegen import UnprovableExecution
    from .continuation import (DEFAULT_SEGMENT_PO2, check_segment_po2, segment_peak_bytes,
                               workers_that_fit)
    from .distributed import ProvingFailed, rich_progress
    from .riscv import GuestError
    from .threads import available_memory

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
    if workers > 1:  # N local provers must not run the machine out of memory
        avail = available_memory()
        fit = workers_that_fit(workers, po2, p, avail)
        if fit < workers:
            peak = segment_peak_bytes(po2, p) / 2**30
            _err().print(Text(
                f"note: {workers} workers would need about {workers * peak:.1f} GiB "
                f"({peak:.1f} GiB per 2^{po2}-step segment) and {avail / 2**30:.1f} GiB "
                f"is available: proving on {fit} (a smaller --segment-po2 needs less)"))
            workers = fit
    t0 = time.perf_counter()
    stats: dict = {}
    try:
        with rich_progress("proving segments", console=_err()) as progress:
            receipt = api.prove_segments(elf_bytes, private, params=p, segment_po2=po2,
                                         workers=workers, dask_address=dask,
                                         progress=progress, max_cycles=max_cycles,
                                         stats=stats)
    except GuestError as e:
        raise fail(_guest_error_message(e, elf), EXIT_ERROR) from None
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
    secs = stats.get("segment_seconds") or []
    if secs:
        out.print(f"  per segment  {min(secs):.2f}–{max(secs):.2f} s")
    if stats.get("peak_rss"):
        out.print(f"peak memory    {stats['peak_rss'] / 2**30:.2f} GiB (resident set, the "
                  "largest of the segment provers)")


@app.command()
def verify(
    receipt: Path = typer.Argument(..., help="Receipt file written by `zkvm prove`."),
    image_id: str = typer.Option(..., "--image-id", help="Expected image ID (64 hex digits; see `zkvm image-id`)."),
    expect_journal: Optional[Path] = typer.Option(
        None, "--expect-journal", help="Check that the verified journal equals this file's bytes (never "
                                       "writes it); a mismatch fails with a diff."),
    write_journal: Optional[Path] = typer.Option(
        None, "--write-journal", help="Write the verified journal to this file."),
    journal: Optional[Path] = typer.Option(
        None, "--journal", "-j", hidden=True,
        help="Removed: use --expect-journal FILE (check) or --write-journal FILE (write)."),
    dev: bool = typer.Option(
        False, "--dev", help="Accept a dev-mode receipt (also ZKVM_DEV=1); it is NOT A PROOF."),
) -> None:
    """Verify a receipt against an image ID; print what was verified (kind,
    zero-knowledge, security level), the exit code and the journal."""
    from .diagnostics import bytes_diff
    from .receipt.image_id import parse_image_id
    from .receipt import DEV_BANNER
    from .stark.errors import VerificationError

    if journal is not None:
        raise fail("--journal was removed because it overwrote its file; use --expect-journal FILE to "
                   "check the journal against FILE, or --write-journal FILE to write it", EXIT_ERROR)
    try:
        iid = parse_image_id(image_id)
    except ValueError as e:
        raise fail(f"bad --image-id: {e}", EXIT_ERROR) from None
    _check_outputs((write_journal, "journal"))
    expected = None
    if expect_journal is not None:
        try:
            expected = expect_journal.read_bytes()
        except OSError as e:
            raise fail(f"cannot read the expected journal {expect_journal}: {e.strerror or e}",
                       EXIT_ERROR) from None
    try:
        data = receipt.read_bytes()
    except OSError as e:
        raise fail(f"cannot read receipt {receipt}: {e.strerror or e}", EXIT_ERROR) from None
    dev_on = api.dev_mode(True if dev else None)
    try:
        import warnings

        from .diagnostics import DevReceiptWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DevReceiptWarning)  # the CLI prints its own banner
            v = api.verify_receipt(data, iid, dev=dev_on)
    except VerificationError as e:
        raise fail(f"receipt rejected: {type(e).__name__}: {e}", EXIT_FAILED) from None
    j = v.journal
    shown = j[:JOURNAL_HEX_SHOWN].hex() + ("..." if len(j) > JOURNAL_HEX_SHOWN else "") if j else "(empty)"
    out = _out()
    if v.dev:
        _err().print(Text(f"warning: {DEV_BANNER}: accepted only because dev mode is on", style="bold yellow"))
        out.print(DEV_BANNER)
        out.print(f"--- zkvm verify --dev: {DEV_BANNER} ---")
    else:
        out.print("--- zkvm verify: OK ---")
    out.print(f"image id       {iid.hex()}")
    if v.dev:
        out.print("receipt        dev receipt: NO PROOF (written by zkvm prove --dev)")
        out.print("zero-knowledge n/a (nothing is proven)")
        out.print(f"security       none: not a proof (params {v.params})")
        out.print(f"cycles         {v.cycles} (claimed)")
    else:
        kind = "one proof" if v.kind == "single" else f"composite, {v.segments} segment proofs"
        out.print(f"receipt        {kind}")
        out.print(f"zero-knowledge {'yes' if v.zk else 'NO (proven with --no-zk: leaks trace values)'}")
        out.print(f"security       {v.security_bits} bits (conjectured; params {v.params})")
    out.print(f"exit code      {v.exit_code}")
    out.print(f"journal        {len(j)} bytes")
    out.print(f"journal hex    {shown}")
    out.print(f"journal sha256 {hashlib.sha256(j).hexdigest()}")
    if expected is not None:
        if expected != j:
            diff = bytes_diff(expected, j, (f"expected ({expect_journal})", "receipt journal"))
            raise fail(f"journal mismatch: the verified journal differs from {expect_journal} "
                       f"(file left untouched)\n{diff}", EXIT_FAILED)
        out.print(f"journal check  matches {expect_journal}")
    if write_journal is not None:
        try:
            write_journal.write_bytes(j)
        except OSError as e:
            raise fail(f"cannot write journal {write_journal}: {e.strerror or e}", EXIT_ERROR) from None
        out.print(f"journal file   {write_journal}")
    if v.dev:
        out.print(DEV_BANNER)


@app.command()
def profile(
    elf: Path = typer.Argument(..., help="Guest ELF file (symbols from its debug copy <name>.debug)."),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File holding the private input."),
    output: Path = typer.Option(Path("profile"), "--output", "-o",
                                help="Directory for profile.txt, stacks.folded and flamegraph.svg."),
    symbols: Optional[Path] = typer.Option(None, "--symbols", help="An unstripped ELF of the same program."),
    max_cycles: Optional[int] = typer.Option(None, "--max-cycles", min=1, help="Cycle limit [default: executor's]."),
    top: int = typer.Option(25, "--top", min=1, help="Functions shown on the terminal."),
) -> None:
    """Profile a run: cycles per function (exclusive and inclusive), proving-cost
    attribution per function, collapsed stacks and an SVG flame graph (docs/profiler.md)."""
    from .profiler import SymbolsError
    from .riscv import GuestError

    from .diagnostics import check_output_path, os_error_text

    if output.exists() and not output.is_dir():
        raise fail(f"-o {output} exists and is not a directory", EXIT_ERROR)
    try:
        check_output_path(output / "profile.txt", "profile", create_parent=True)
    except OSError as e:
        raise fail(f"cannot write the profile to {output}: {os_error_text(e)}", EXIT_ERROR) from None
    _, _program, private = _load_guest(elf, input)
    try:
        with _status("executing and profiling..."):
            prof = api.profile(elf, private, symbols=symbols, max_cycles=max_cycles)
    except GuestError as e:
        raise _guest_fault(e, elf, None, None) from None
    except SymbolsError as e:
        raise fail(str(e), EXIT_ERROR) from None
    try:
        paths = prof.write(output, title=f"zkvm profile: {elf.name}")
    except OSError as e:
        raise fail(f"cannot write the profile to {output}: {e.strerror or e}", EXIT_ERROR) from None
    out = _out()
    out.print(f"--- zkvm profile: {elf} ---")
    out.print(f"cycles         {prof.cycles:,} (exit code {prof.exit_code})")
    out.print(f"symbols        {prof.symbols_note}")
    out.print(f"proving cells  {prof.total_cost:,} (instruction-chip rows x committed cells per row)")
    out.print("")
    out.print(prof.table(top))
    out.print("")
    for kind, path in paths.items():
        out.print(f"{kind:<14} {path}")


def _status(text: str):
    from rich.status import Status

    return Status(text, console=_err(), spinner="dots")


@app.command("new")
def new_cmd(
    name: str = typer.Argument(..., help="Project name (letters, digits, _ and -)."),
    lang: str = typer.Option("c", "--lang", help="Guest language: c or rust."),
    directory: Optional[Path] = typer.Option(None, "--dir", help="Parent directory [default: current]."),
) -> None:
    """Create a guest + host project that builds, runs, proves (dev and real), verifies
    and decodes its journal, with its own test (docs/project-template.md)."""
    from .templates import TemplateError

    try:
        path = api.new_project(name, directory, lang=lang)
    except (TemplateError, ValueError) as e:
        raise fail(str(e), EXIT_ERROR) from None
    except OSError as e:
        raise fail(f"cannot create the project: {e.strerror or e}: {e.filename or name}", EXIT_ERROR) from None
    out = _out()
    out.print(f"created {path} ({lang} guest)")
    from .templates import next_steps

    out.print(next_steps(path, lang))


def _register_audit() -> None:
    """``zkvm audit``: build with every compiler x optimisation level and compare runs."""
    from .audit import audit_command

    app.command("audit")(audit_command)


_register_audit()
from .evm.cli import app as _evm_app  # noqa: E402  (the `zkvm evm` group, docs/evm.md)
app.add_typer(_evm_app, name="evm")
from .onchain.cli import app as _onchain_app  # noqa: E402  (the `zkvm onchain` group, docs/onchain.md)
app.add_typer(_onchain_app, name="onchain")


def main() -> None:
    """Console-script entry point (``zkvm``).

    Before anything starts numba's thread pool: a passive OpenMP wait policy and a pool
    sized to the cores this process may use (:func:`zkvm.threads.configure`)."""
    from .threads import configure

    configure()
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

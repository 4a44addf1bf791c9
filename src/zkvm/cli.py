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
import re
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
    text = re.sub(r" \(pc=0x[0-9a-fA-F]+\)$", "", str(e))
    pc = getattr(e, "pc", None)
    return f"{text} at pc 0x{pc:08x}" if isinstance(pc, int) else text


@app.command()
def run(
    elf: Path = typer.Argument(..., help="Guest ELF file."),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File holding the private input."),
    journal: Optional[Path] = typer.Option(None, "--journal", "-j", help="Write the journal (public output) here."),
    max_cycles: Optional[int] = typer.Option(None, "--max-cycles", min=1, help="Cycle limit [default: executor's]."),
) -> None:
    """Run a guest ELF: print its stdout, then exit code, cycles and journal."""
    from .riscv import ElfError, GuestError

    try:
        elf_bytes = api.read_elf(elf)
    except OSError as e:
        raise fail(f"cannot read ELF {elf}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        private = input.read_bytes() if input is not None else b""
    except OSError as e:
        raise fail(f"cannot read input {input}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        program = api.load_program(elf_bytes)
    except ElfError as e:
        raise fail(f"invalid ELF {elf}: {e}", EXIT_ERROR) from None
    try:
        result = api.run(program, private, max_cycles=max_cycles)
    except GuestError as e:
        raise fail(_guest_error_message(e), EXIT_ERROR) from None

    if result.stdout:
        typer.echo(result.stdout, nl=False)
        sys.stdout.flush()
    if result.stderr:
        typer.echo(result.stderr, nl=False, err=True)
    if journal is not None:
        try:
            journal.write_bytes(result.journal)
        except OSError as e:
            raise fail(f"cannot write journal {journal}: {e.strerror or e}", EXIT_ERROR) from None

    j = result.journal
    shown = j[:JOURNAL_HEX_SHOWN].hex() + ("..." if len(j) > JOURNAL_HEX_SHOWN else "") if j else "(empty)"
    out = _out()
    out.print("--- zkvm run ---")
    out.print(f"exit code      {result.exit_code}")
    out.print(f"cycles         {result.cycles}")
    out.print(f"journal        {len(j)} bytes")
    out.print(f"journal hex    {shown}")
    out.print(f"journal sha256 {hashlib.sha256(j).hexdigest()}")
    if journal is not None:
        out.print(f"journal file   {journal}")
    if result.exit_code != 0:
        raise fail(f"guest exited with code {result.exit_code}", EXIT_FAILED)


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


def _register_audit() -> None:
    """``zkvm audit``: build with every compiler x optimisation level and compare runs."""
    from .audit import audit_command

    app.command("audit")(audit_command)


_register_audit()


def main() -> None:
    """Console-script entry point (``zkvm``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

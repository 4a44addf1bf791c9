"""The ``zkvm`` console script: a light entry point in front of :mod:`zkvm.cli`.

``zkvm run prog.elf [--input F] [--journal F] [--max-cycles N]`` is served here without
importing typer, rich or pydantic (~0.1–0.15 s of a process's start-up) and, through
``zkvm.api.run``'s ``engine="auto"``, without numba for short guests, so executing a
small ELF takes a fraction of a second (issue 17: ≤ 0.3 s).  Its output, exit codes and
error lines are those of the full CLI (:func:`zkvm.cli.run` calls :func:`run_command`
too).  Any other command, any other option (``--help``, ``-h``, unknown flags, a
malformed value) goes to the full typer CLI, which prints the usual usage errors.

Before anything starts numba's thread pool: :func:`zkvm.threads.configure` (passive
OpenMP wait policy, pool sized to the cores this process may use).
"""

from __future__ import annotations

import hashlib
import re
import sys

__all__ = ["main", "run_command"]

EXIT_FAILED = 1  # the guest exited with a non-zero code
EXIT_ERROR = 2  # bad usage / bad ELF / guest fault
JOURNAL_HEX_SHOWN = 64  # bytes of journal shown in hex before truncating


def guest_error_message(e: Exception) -> str:
    """``<what> at pc 0x...`` for a :class:`zkvm.riscv.GuestError`."""
    text = re.sub(r" \(pc=0x[0-9a-fA-F]+\)$", "", str(e))
    pc = getattr(e, "pc", None)
    return f"{text} at pc 0x{pc:08x}" if isinstance(pc, int) else text


def run_command(elf, input=None, journal=None, max_cycles=None, error=None) -> int:
    """``zkvm run``: run a guest ELF, print its stdout (its stderr to stderr), then the
    summary; returns the exit status (0, :data:`EXIT_FAILED` or :data:`EXIT_ERROR`).

    ``elf``/``input``/``journal`` are paths (``input``/``journal`` may be None);
    ``error(message)`` prints one error line (default: ``error: message`` on stderr)."""
    from pathlib import Path

    from .riscv import ElfError, GuestError, load_elf

    def fail(msg: str, code: int) -> int:
        if error is not None:
            error(msg)
        else:
            sys.stderr.write(f"error: {msg}\n")
        return code

    elf, input = Path(elf), None if input is None else Path(input)
    try:
        elf_bytes = elf.read_bytes()
    except OSError as e:
        return fail(f"cannot read ELF {elf}: {e.strerror or e}", EXIT_ERROR)
    try:
        private = input.read_bytes() if input is not None else b""
    except OSError as e:
        return fail(f"cannot read input {input}: {e.strerror or e}", EXIT_ERROR)
    try:
        program = load_elf(elf_bytes)
    except ElfError as e:
        return fail(f"invalid ELF {elf}: {e}", EXIT_ERROR)
    from .api import run

    try:
        result = run(program, private, max_cycles=max_cycles)
    except GuestError as e:
        return fail(guest_error_message(e), EXIT_ERROR)
    for stream, data in ((sys.stdout, result.stdout), (sys.stderr, result.stderr)):
        if data:  # the guest's bytes, verbatim
            stream.flush()
            getattr(stream, "buffer", stream).write(data if hasattr(stream, "buffer") else
                                                    data.decode("utf-8", errors="replace"))
            stream.flush()
    if journal is not None:
        try:
            Path(journal).write_bytes(result.journal)
        except OSError as e:
            return fail(f"cannot write journal {journal}: {e.strerror or e}", EXIT_ERROR)
    j = result.journal
    shown = j[:JOURNAL_HEX_SHOWN].hex() + ("..." if len(j) > JOURNAL_HEX_SHOWN else "") if j \
        else "(empty)"
    lines = ["--- zkvm run ---",
             f"exit code      {result.exit_code}",
             f"cycles         {result.cycles}",
             f"journal        {len(j)} bytes",
             f"journal hex    {shown}",
             f"journal sha256 {hashlib.sha256(j).hexdigest()}"]
    if journal is not None:
        lines.append(f"journal file   {journal}")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    if result.exit_code != 0:
        return fail(f"guest exited with code {result.exit_code}", EXIT_FAILED)
    return 0


_RUN_OPTS = {"--input": "input", "-i": "input", "--journal": "journal", "-j": "journal",
             "--max-cycles": "max_cycles"}


def _parse_run(args: list) -> dict | None:
    """The arguments of ``zkvm run`` if they are plainly well-formed, else None (the full
    CLI then parses them and reports any problem)."""
    out: dict = {"elf": None, "input": None, "journal": None, "max_cycles": None}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a != "-":
            name, eq, val = a.partition("=")
            if name not in _RUN_OPTS or (eq and name.startswith("-") and len(name) == 2):
                return None
            if not eq:
                i += 1
                if i >= len(args):
                    return None
                val = args[i]
            key = _RUN_OPTS[name]
            if out[key] is not None or not val:
                return None
            if key == "max_cycles":
                if not val.isdigit() or int(val) < 1:
                    return None
                val = int(val)
            out[key] = val
        elif out["elf"] is None:
            out["elf"] = a
        else:
            return None
        i += 1
    return out if out["elf"] is not None else None


def main() -> None:
    """Console-script entry point (``zkvm``)."""
    from .threads import configure

    configure()
    argv = sys.argv[1:]
    if argv and argv[0] == "run":
        args = _parse_run(argv[1:])
        if args is not None:
            sys.exit(run_command(**args))
    from .cli import app

    app()


if __name__ == "__main__":  # pragma: no cover
    main()

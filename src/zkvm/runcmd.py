"""``zkvm run`` without typer or rich: the command body and its output helpers, shared by
the light console entry point (:mod:`zkvm.entry`) and the full CLI (:mod:`zkvm.cli`), so
both print the same lines and exit with the same codes."""

from __future__ import annotations

import hashlib
import re
import sys

__all__ = ["run_command", "guest_error_message", "regions_lines", "warning_lines",
           "EXIT_FAILED", "EXIT_ERROR"]

EXIT_FAILED = 1  # the guest exited with a non-zero code
EXIT_ERROR = 2  # bad usage / bad ELF / guest fault
JOURNAL_HEX_SHOWN = 64  # bytes of journal shown in hex before truncating


def guest_error_message(e: Exception, elf=None) -> str:
    """One line for a :class:`zkvm.riscv.GuestError`: ``<what> at pc 0x...``, the stack
    overflow named as such and the pc symbolised with the ELF's debug copy when there is
    one (docs/diagnostics.md; the symbol machinery is imported on this path only)."""
    try:
        from .diagnostics import describe_guest_error
        from .profiler import symbols_for

        return describe_guest_error(e, symbols_for(elf) if elf is not None else None)
    except Exception:  # never let a diagnostic hide the error itself
        text = re.sub(r" \(pc=0x[0-9a-fA-F]+\)$", "", str(e))
        pc = getattr(e, "pc", None)
        return f"{text} at pc 0x{pc:08x}" if isinstance(pc, int) else text


def _write_streams(stdout: bytes, stderr: bytes, stdout_file=None, stderr_file=None) -> None:
    """The guest's bytes verbatim on our stdout/stderr, or into the given files."""
    from pathlib import Path

    for stream, data, path in ((sys.stdout, stdout, stdout_file), (sys.stderr, stderr, stderr_file)):
        if path is not None:
            Path(path).write_bytes(data)
        elif data:
            stream.flush()
            getattr(stream, "buffer", stream).write(data if hasattr(stream, "buffer") else
                                                    data.decode("utf-8", errors="replace"))
            stream.flush()


def regions_lines(result) -> list[str]:
    """The cycle-region table (docs/cycle-tracking.md) of a run, or no lines."""
    from .riscv.hostcalls import region_stats

    stats = region_stats(result.cycle_markers)
    if not stats:
        return []
    w = max(len("region"), *(len(r.name) for r in stats))
    out = ["--- cycle regions (ZKVM_CYCLES_BEGIN/END) ---",
           f"{'region':<{w}}  {'count':>8}  {'total cycles':>14}  {'mean':>12}  {'min':>10}  {'max':>10}"]
    for r in stats:
        out.append(f"{r.name:<{w}}  {r.count:>8,}  {r.total:>14,}  {r.mean:>12,.1f}  {r.min:>10,}  {r.max:>10,}")
        if r.unclosed or r.unmatched_ends:
            out.append(f"{'':<{w}}  warning: {r.unclosed} begin(s) never ended, {r.unmatched_ends} end(s) "
                       "without a begin")
    return out


def warning_lines(result) -> list[str]:
    """Diagnostics of the run (accesses to pages the guest did not map, ignored markers)."""
    out = [f"warning: {w}" for w in result.warnings]
    more = result.warning_count - len(result.warnings)
    if more > 0:
        out.append(f"warning: ... and {more} more")
    return out


def run_command(elf, input=None, journal=None, max_cycles=None, error=None,
                guest_stdout=None, guest_stderr=None) -> int:
    """``zkvm run``: run a guest ELF, print its stdout (its stderr to stderr; or write them
    to ``guest_stdout``/``guest_stderr``), then the summary, the cycle regions and whether
    the run can be proven; returns the exit status (0, :data:`EXIT_FAILED` or
    :data:`EXIT_ERROR`). A fault shows what the guest wrote before it.

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
    for path, what in ((journal, "journal"), (guest_stdout, "guest stdout"),
                       (guest_stderr, "guest stderr")):
        if path is not None and Path(path).is_dir():
            return fail(f"cannot write the {what} to {path}: it is a directory", EXIT_ERROR)
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
    from .api import MONOLITHIC_MAX_CYCLES, run

    try:
        result = run(program, private, max_cycles=max_cycles)
    except GuestError as e:
        out, err = getattr(e, "stdout", b""), getattr(e, "stderr", b"")
        try:
            _write_streams(out, err, guest_stdout, guest_stderr)
        except OSError:
            pass
        if out or err:
            sys.stderr.write(f"(the guest wrote {len(out)} bytes to stdout and {len(err)} to "
                             "stderr before the fault)\n")
        return fail(guest_error_message(e, elf), EXIT_ERROR)
    try:
        _write_streams(result.stdout, result.stderr, guest_stdout, guest_stderr)
    except OSError as e:
        return fail(f"cannot write guest output: {e.strerror or e}", EXIT_ERROR)
    for line in warning_lines(result):
        sys.stderr.write(line + "\n")
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
    lines += regions_lines(result)
    if result.unprovable:
        lines.append(f"provable       no: {result.unprovable}")
    elif result.cycles > MONOLITHIC_MAX_CYCLES:
        lines.append("provable       yes, as continuation segments (zkvm prove does it)")
    else:
        lines.append("provable       yes")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    if result.exit_code != 0:
        return fail(f"guest exited with code {result.exit_code}", EXIT_FAILED)
    return 0

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

import sys

from .runcmd import EXIT_ERROR, EXIT_FAILED, run_command  # noqa: F401 (re-exported)

__all__ = ["main", "run_command"]

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

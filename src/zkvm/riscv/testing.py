"""Helpers to build and run small hand-assembled programs (tests, chips/proving tests).

``run_both(words)`` runs a word list with the reference and the fast interpreter (event
recording on), checks that they agree on everything (exit code, registers, outputs, events
and syscall accesses) and returns the fast result. ``SCRATCH`` is a writable address (in
the stack region) programs may use for memory tests.
"""

from __future__ import annotations

from .asm import encode, exit_program, li
from .errors import GuestError
from .executor import ExecutionResult, execute
from .layout import Program

SCRATCH = 0x3F00_0000


def program(words: list[int], exit_code: int | str = 0) -> Program:
    """``words`` followed by ``exit_group(exit_code)``."""
    return Program.from_words(list(words) + exit_program(exit_code))


def agree(a: ExecutionResult, b: ExecutionResult) -> None:
    """Raise AssertionError (test helper) unless two results are identical."""
    for f in ("exit_code", "stdout", "stderr", "journal", "cycles", "registers", "pc", "note",
              "warnings", "warning_count"):
        if getattr(a, f) != getattr(b, f):
            raise AssertionError(f"{f} differs: {getattr(a, f)!r} != {getattr(b, f)!r}")
    if (a.events is None) != (b.events is None):
        raise AssertionError("only one result has events")
    if a.events is not None:
        if not a.events.equals(b.events):
            for i in range(min(len(a.events), len(b.events))):
                if a.events.row(i) != b.events.row(i):
                    raise AssertionError(f"event row {i} differs: {a.events.row(i)} != {b.events.row(i)}")
            raise AssertionError(f"event counts differ: {len(a.events)} != {len(b.events)}")
        if not a.syscall_accesses.equals(b.syscall_accesses):
            raise AssertionError("syscall accesses differ")


def run_both(prog: Program | list[int], input: bytes = b"", max_cycles: int = 100_000) -> ExecutionResult:
    """Run with both interpreters (recording); they must agree, also on the error raised."""
    if not isinstance(prog, Program):
        prog = program(prog)
    outs = []
    for engine in ("spec", "fast"):
        try:
            outs.append(execute(prog, input=input, max_cycles=max_cycles, record=True, engine=engine))
        except GuestError as e:
            outs.append(e)
    s, f = outs
    if isinstance(s, GuestError) or isinstance(f, GuestError):
        def key(e):
            return (type(e), getattr(e, "pc", None), getattr(e, "address", None), getattr(e, "kind", None))

        if key(s) != key(f):
            raise AssertionError(f"interpreters disagree: spec {s!r}, fast {f!r}")
        raise f
    agree(s, f)
    return f


def alu(name: str, a: int, b: int = 0, imm: int = 0) -> int:
    """Value of rd after ``name rd=x7, rs1=x5 (=a), rs2=x6 (=b), imm`` (both interpreters)."""
    words = li(5, a) + li(6, b) + [encode(name, rd=7, rs1=5, rs2=6, imm=imm)]
    return run_both(words).registers[7]

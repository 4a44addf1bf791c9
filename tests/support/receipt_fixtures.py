"""Regenerate the receipt fixtures of tests/receipt/fixtures/ after a deliberate format
change (not a test module): ``python -m tests.support.receipt_fixtures``.

Writes ``arith-nozk.receipt`` (``arith_words``, zk off: deterministic, its SHA-256 is
pinned in tests/receipt/test_encoding.py), ``echo-zk.receipt`` (``echo_words`` on "hello
world", zk on) and ``loop-composite.receipt`` (the loop guest, 40 iterations on input
bytes 0..39, segments of 2^10 rows, zk off), all with ``StarkParams.testing()``.
``dev.receipt`` holds no proof and is left alone.  Prints the new pinned digest."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "receipt" / "fixtures"


def main() -> None:
    from zkvm import continuation
    from zkvm.machine import Machine
    from zkvm.riscv.layout import Program
    from zkvm.stark.params import StarkParams

    from tests.support import core_programs, loop_guest

    params = StarkParams.testing()
    nozk = replace(params, zk=False)
    arith = Machine.for_program(Program.from_words(core_programs.arith_words()), nozk,
                                chips=core_programs.CHIPS).prove().to_bytes()
    (FIXTURES / "arith-nozk.receipt").write_bytes(arith)
    echo = Machine.for_program(Program.from_words(core_programs.echo_words()), params,
                               chips=("addsub",)).prove(b"hello world").to_bytes()
    (FIXTURES / "echo-zk.receipt").write_bytes(echo)
    prog = Program.from_words(loop_guest.loop_words(40))
    jobs = continuation.plan(prog, bytes(range(40)), nozk, 10, chips=loop_guest.CHIPS)
    recs = [continuation.prove_segment_job(j) for j in jobs]
    comp = continuation.assemble(jobs, recs, prog, nozk, chips=loop_guest.CHIPS).to_bytes()
    (FIXTURES / "loop-composite.receipt").write_bytes(comp)
    print("ARITH_NOZK_SHA256 =", hashlib.sha256(arith).hexdigest())


if __name__ == "__main__":
    main()

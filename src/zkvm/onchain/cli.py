"""``zkvm onchain``: the on-chain verifier's command group (thin over :mod:`zkvm.onchain`).

    zkvm onchain export -o DIR [--receipt receipt.bin --image-id HEX]
    zkvm onchain gas receipt.bin --image-id HEX
    zkvm onchain verify receipt.bin --image-id HEX

``verify`` is the on-chain verdict: it deploys the verifier contracts for the image in a
local EVM, submits the fact transactions (Merkle and DEEP openings, the FRI query phase,
constraint evaluation at ζ) and the statement check (StatementCheck.sol), and prints
every transaction's gas and ACCEPT (exit 0) or REJECT (exit 1); exit 3 for a receipt kind
not supported on chain yet, 2 for bad usage.  ``gas`` submits the fact transactions only
(no statement check, no verdict: it prints PARTIAL); its exit codes: 0 measured, 1 an
on-chain check rejected or the Python verifier rejected the receipt, 2 bad usage or a
piece not supported yet.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(
    name="onchain",
    help="On-chain verification: Solidity verifier contracts, their gas and verdict (docs/onchain.md).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_UNSUPPORTED = 3  # verify: a receipt kind the on-chain verifier does not handle yet


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


def _fail(message: str, code: int) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False).print(
        Text("error: ", style="bold red") + Text(message))
    return typer.Exit(code)


def _record(receipt: Path, image_id: str):
    from zkvm.stark.errors import VerificationError

    from . import session

    try:
        raw = receipt.read_bytes()
    except OSError as e:
        raise _fail(f"cannot read {receipt}: {e.strerror or e}", EXIT_ERROR) from None
    try:
        return session.record(raw, image_id)
    except session.UnsupportedReceipt as e:
        raise _fail(str(e), EXIT_ERROR) from None
    except VerificationError as e:  # before ValueError: a format error may be both
        raise _fail(f"the Python verifier rejects the receipt: {e}", EXIT_FAILED) from None
    except ValueError as e:
        raise _fail(f"bad --image-id: {e}", EXIT_ERROR) from None


@app.command()
def export(
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write."),
    receipt: Optional[Path] = typer.Option(None, "--receipt", help="Also write the constraint programs "
                                           "and generated evaluator code of this receipt's tables."),
    image_id: Optional[str] = typer.Option(None, "--image-id", help="Expected image ID (with --receipt)."),
) -> None:
    """Write the Solidity sources, the compiled contracts (ABI, bytecode) and, with
    --receipt, every table's constraint program and the straight-line evaluator code
    generated from it (runtime bytecode chunks and the code hash the verifying key
    registers)."""
    from . import artifacts
    from .codegen import evaluator_code
    from .constraints import compile_program

    if (receipt is None) != (image_id is None):
        raise _fail("--receipt and --image-id go together", EXIT_ERROR)
    rec = _record(receipt, image_id) if receipt is not None else None
    try:
        (output / "build").mkdir(parents=True, exist_ok=True)
        for name in artifacts.names():
            shutil.copyfile(artifacts.ARTIFACTS_DIR / f"{name}.json", output / "build" / f"{name}.json")
        src = artifacts.contracts_dir()
        if src is not None:
            (output / "src").mkdir(exist_ok=True)
            for f in sorted((src / "src").glob("*.sol")):
                shutil.copyfile(f, output / "src" / f.name)
        manifest = {"status": "single-segment receipts without a Keccak table (docs/onchain.md)",
                    "compiler": artifacts.load("MerkleFacts").compiler,
                    "contracts": artifacts.names(), "tables": []}
        if rec is not None:
            (output / "constraints").mkdir(exist_ok=True)
            for tc in rec.tables:
                prog = compile_program(tc.exprs)
                (output / "constraints" / f"{tc.name}.bin").write_bytes(prog.code)
                entry = {"name": tc.name, "constraints": len(tc.exprs), "nodes": prog.nodes,
                         "leaves": [list(s) for s in prog.slots], "program": f"constraints/{tc.name}.bin"}
                try:
                    ev = evaluator_code(prog.code, len(prog.slots))
                except ValueError as e:  # e.g. a constraint too large for one contract
                    entry["evaluator_error"] = str(e)
                else:  # the generated code the statement check calls (leafEvals), in call order
                    entry["evaluator"] = []
                    for k, chunk in enumerate(ev.chunks):
                        f = f"constraints/{tc.name}.{k}.runtime.bin"
                        (output / f).write_bytes(chunk)
                        entry["evaluator"].append({"runtime": f, "bytes": len(chunk)})
                    entry["code_hash"] = "0x" + ev.code_hash.hex()
                manifest["tables"].append(entry)
        (output / "deployment.json").write_text(json.dumps(manifest, indent=1) + "\n")
    except OSError as e:
        raise _fail(f"cannot write {output}: {e.strerror or e}", EXIT_ERROR) from None
    _out().print(f"wrote {output}: {len(manifest['contracts'])} contracts"
                 + (f", {len(manifest['tables'])} constraint programs" if rec else ""))


@app.command()
def gas(
    receipt: Path = typer.Argument(..., help="A receipt (zkvm prove -o, e.g. with --params evm)."),
    image_id: str = typer.Option(..., "--image-id", help="Expected image ID (64 hex digits)."),
) -> None:
    """Submit the receipt's fact transactions (Merkle openings, DEEP openings, FRI queries,
    constraint evaluations) to the contracts in a local EVM (EIP-7623 floor, EIP-7825 cap)
    and print every transaction's gas.  Partial: no statement check and no ACCEPT
    verdict (use `zkvm onchain verify`)."""
    from . import session
    from .chain import TX_GAS_CAP

    rec = _record(receipt, image_id)
    reps = session.run_pieces(rec)
    out = _out()
    out.print(f"{'transaction':62s} {'gas':>10s} {'floor':>10s} {'calldata':>9s}")
    total = 0
    bad = unsupported = 0
    for r in reps:
        total += r.gas
        mark = "ok" if r.ok else (f"NOT SUBMITTED ({r.reason})" if r.unsupported else f"REJECT ({r.reason})")
        out.print(f"{r.label:62s} {r.gas:10d} {r.floor:10d} {r.calldata:9d}  {mark}")
        bad += not r.ok and not r.unsupported
        unsupported += r.unsupported
    out.print(f"total {total} gas in {len(reps) - unsupported} transactions (cap {TX_GAS_CAP} each)")
    if unsupported and not bad:
        out.print(f"UNSUPPORTED: {unsupported} piece(s) could not be submitted (see above)")
        raise typer.Exit(EXIT_ERROR)
    if bad:
        out.print(f"REJECT: {bad} on-chain check(s) failed")
        raise typer.Exit(EXIT_FAILED)
    out.print("PARTIAL: challenges, Merkle openings, DEEP openings, FRI queries and constraint sums "
              "computed and checked on chain, without the statement check that ties them together: "
              "this is no ACCEPT (`zkvm onchain verify` gives the verdict)")


@app.command()
def verify(
    receipt: Path = typer.Argument(..., help="A single-segment receipt (zkvm prove -o)."),
    image_id: str = typer.Option(..., "--image-id", help="The image ID the verifier is deployed for."),
) -> None:
    """Deploy the on-chain verifier for the image into a local EVM (EIP-7623 floor,
    EIP-7825 cap), submit the receipt's fact transactions and the statement check, print
    every transaction's gas and ACCEPT (exit 0) or REJECT (exit 1).  Exit 3: a receipt
    kind not supported on chain yet (composite; a table over 12 000 constraint nodes, i.e.
    a non-empty Keccak table); exit 2: bad usage or unreadable file."""
    from zkvm.stark.errors import VerificationError

    from . import session, statement
    from .chain import TX_GAS_CAP

    try:
        raw = receipt.read_bytes()
    except OSError as e:
        raise _fail(f"cannot read {receipt}: {e.strerror or e}", EXIT_ERROR) from None
    out = _out()
    try:
        rec = session.record(raw, image_id, permissive=True)
        res = statement.verify_onchain(rec)
    except session.UnsupportedReceipt as e:
        raise _fail(f"unsupported on chain: {e}", EXIT_UNSUPPORTED) from None
    except VerificationError as e:  # before ValueError: a format error may be both
        out.print(f"REJECT: the receipt has no encoding for the verifier of this image "
                  f"(nothing submitted): {e}")
        raise typer.Exit(EXIT_FAILED) from None
    except ValueError as e:
        raise _fail(f"bad --image-id: {e}", EXIT_ERROR) from None
    out.print(f"{'transaction':62s} {'gas':>10s} {'floor':>10s} {'calldata':>9s}")
    for r in res.reports:
        mark = "ok" if r.ok else f"REVERT ({r.reason[:120]})"
        out.print(f"{r.label:62s} {r.gas:10d} {r.floor:10d} {r.calldata:9d}  {mark}")
    total = sum(r.gas for r in res.reports)
    out.print(f"total {total} gas in {len(res.reports)} transactions (cap {TX_GAS_CAP} each), "
              f"largest {max((r.gas for r in res.reports), default=0)}")
    if res.accepted:
        out.print("ACCEPT")
        return
    out.print(f"REJECT: {res.reason[:200]}")
    raise typer.Exit(EXIT_FAILED)

"""``zkvm onchain``: export writes sources, compiled contracts and constraint programs;
gas prints every transaction and says PARTIAL (never ACCEPT); a receipt the Python
verifier rejects, or for another image ID, exits 1; bad usage exits 2."""

import json

from typer.testing import CliRunner

from zkvm.cli import app

runner = CliRunner()


def test_export(tmp_path, fib_receipt):
    _, iid, path = fib_receipt
    r = runner.invoke(app, ["onchain", "export", "-o", str(tmp_path / "x")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x" / "build" / "MerkleFacts.json").is_file()
    assert (tmp_path / "x" / "src" / "MerkleFacts.sol").is_file()
    r = runner.invoke(app, ["onchain", "export", "-o", str(tmp_path / "y"), "--receipt", str(path),
                            "--image-id", iid.hex()])
    assert r.exit_code == 0, r.output
    m = json.loads((tmp_path / "y" / "deployment.json").read_text())
    assert m["tables"] and all((tmp_path / "y" / t["program"]).is_file() for t in m["tables"])
    # the generated evaluator code of every table, and its code hash (the verifying key's)
    from zkvm.onchain import codegen

    for t in m["tables"]:
        chunks = [(tmp_path / "y" / c["runtime"]).read_bytes() for c in t["evaluator"]]
        assert chunks and all(len(c) <= 24_576 for c in chunks)
        assert t["code_hash"] == "0x" + codegen.code_hash(chunks).hex()
    assert runner.invoke(app, ["onchain", "export", "-o", str(tmp_path / "z"), "--receipt",
                               str(path)]).exit_code == 2


def test_gas_honest_and_rejected(tmp_path, fib_receipt):
    raw, iid, path = fib_receipt
    r = runner.invoke(app, ["onchain", "gas", str(path), "--image-id", iid.hex()])
    assert r.exit_code == 0, r.output
    assert "StarkChallenges" in r.output and "MerkleDeep" in r.output and "ConstraintEval" in r.output and "FriQueries" in r.output and "PARTIAL" in r.output
    assert "ACCEPT" not in r.output.replace("no ACCEPT", "")
    other = bytes([iid[0] ^ 1]) + iid[1:]
    assert runner.invoke(app, ["onchain", "gas", str(path), "--image-id", other.hex()]).exit_code == 1
    bad = bytearray(raw)
    bad[len(bad) // 2] ^= 0x40
    (tmp_path / "bad.bin").write_bytes(bytes(bad))
    assert runner.invoke(app, ["onchain", "gas", str(tmp_path / "bad.bin"), "--image-id",
                               iid.hex()]).exit_code == 1
    assert runner.invoke(app, ["onchain", "gas", str(tmp_path / "missing.bin"), "--image-id",
                               iid.hex()]).exit_code == 2
    assert runner.invoke(app, ["onchain", "gas", str(path), "--image-id", "zz"]).exit_code == 2


def test_composite_receipts_are_refused_with_one_line():
    import pytest

    from zkvm.onchain import session
    from zkvm.receipt import CompositeReceipt

    fake = CompositeReceipt.__new__(CompositeReceipt)  # only its kind matters here
    with pytest.raises(session.UnsupportedReceipt, match="composite"):
        session.record(fake, "00" * 32)


def test_gas_on_garbage_is_one_line(tmp_path, fib_receipt):
    _, iid, _ = fib_receipt
    (tmp_path / "g.bin").write_bytes(b"garbage")
    r = runner.invoke(app, ["onchain", "gas", str(tmp_path / "g.bin"), "--image-id", iid.hex()])
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_too_large_programs_are_not_submitted(fib_receipt, monkeypatch):
    """A constraint program above MAX_PROGRAM_NODES (Keccak's) is reported as not
    submitted, and the command exits 2 (UNSUPPORTED), not 1 (REJECT)."""
    from zkvm.onchain import session

    _, iid, path = fib_receipt
    monkeypatch.setattr(session, "MAX_PROGRAM_NODES", 1000)  # the syscall table has 2049
    r = runner.invoke(app, ["onchain", "gas", str(path), "--image-id", iid.hex()])
    assert r.exit_code == 2 and "NOT SUBMITTED" in r.output and "UNSUPPORTED" in r.output
    assert "REJECT" not in r.output


def test_stacked_receipts_are_refused_with_one_line():
    """The default parameters stack short tables (StarkParams.log_stack); the contracts do
    not verify that DEEP term yet: refused before anything is recorded."""
    import dataclasses

    import pytest

    from zkvm.machine import Machine
    from zkvm.onchain import session
    from zkvm.riscv.layout import Program
    from zkvm.stark.params import StarkParams

    from tests.support.core_programs import echo_words

    p = dataclasses.replace(StarkParams.testing(), log_stack=2)
    m = Machine.for_program(Program.from_words(echo_words()), p)
    raw = m.prove(b"x").to_bytes()
    with pytest.raises(session.UnsupportedReceipt, match="stacked"):
        session.record(raw, m.image_id)

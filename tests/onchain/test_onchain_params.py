"""The ``evm`` parameter profile (issue 19, docs/onchain.md): a real receipt proven with it
verifies against the evm image ID and not against the default one."""

from pathlib import Path

import pytest

from zkvm import api
from zkvm.receipt import Receipt
from zkvm.stark.errors import VerificationError
from zkvm.stark.params import StarkParams

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_evm_profile_proves_and_verifies(tmp_path):
    elf = tmp_path / "fib.elf"
    api.build(REPO / "examples" / "fibonacci", elf, image_id_params="testing", debug_copy=False)
    inp = (REPO / "examples" / "fibonacci" / "input.bin").read_bytes()
    r = api.prove(elf, inp, params="evm")
    assert api.params_preset_name(api.stark_params("evm")) == "evm"
    raw = r.to_bytes()
    code, journal = api.verify(raw, api.image_id(elf, "evm"))
    assert code == 0 and journal
    with pytest.raises(VerificationError):  # an evm receipt is not a testing-params one
        api.verify(raw, api.image_id(elf, "testing"))
    # fewer queries than the default: the receipt carries 15 query proofs
    from zkvm.stark.proof import Proof
    p = Proof.from_bytes(Receipt.from_bytes(raw).proof)
    assert len(p.opening_proof.query_proofs) == StarkParams.evm().num_queries == 13


def test_evm_profile_groups_logup_interactions_by_three():
    """``max_constraint_degree = 4``: tables with many LogUp interactions (Syscall: 73)
    put three in a helper column; tables with few keep pairs (degree 3)."""
    from zkvm.machine import Machine
    from zkvm.riscv.layout import Program

    from tests.support import core_programs

    m = Machine.for_program(Program.from_words(core_programs.arith_words()), StarkParams.evm())
    by_name = {t.name: t for t in m.system().tables}
    sc = by_name["syscall"]
    assert sc.degree == 4 and max(len(g) for g in sc.layout.groups) == 3
    n = len(sc.interactions)  # greedy grouping in declaration order: about n/3 helpers
    assert -(-n // 3) <= len(sc.layout.groups) < -(-n // 2)
    assert by_name["program"].degree == 3
    d = Machine.for_program(Program.from_words(core_programs.arith_words()),
                            StarkParams.default())
    assert all(t.degree <= 3 for t in d.system().tables)

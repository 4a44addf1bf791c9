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
    # fewer queries than the default: the receipt carries 16 query proofs
    from zkvm.stark.proof import Proof
    p = Proof.from_bytes(Receipt.from_bytes(raw).proof)
    assert len(p.opening_proof.query_proofs) == StarkParams.evm().num_queries == 16

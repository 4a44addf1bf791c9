"""A fibonacci receipt proven once per session with ``--params testing`` (small, fast)
for the on-chain tests."""

from pathlib import Path

import pytest

from zkvm import api

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fib_receipt(tmp_path_factory):
    """(receipt bytes, image ID bytes, receipt path)."""
    d = tmp_path_factory.mktemp("onchain-fib")
    elf = d / "fib.elf"
    api.build(REPO / "examples" / "fibonacci", elf, image_id_params="testing", debug_copy=False)
    r = api.prove(elf, (REPO / "examples" / "fibonacci" / "input.bin").read_bytes(), params="testing")
    raw = r.to_bytes()
    path = d / "receipt.bin"
    path.write_bytes(raw)
    return raw, r.image_id, path

"""Host API of the EVM guest: pick a transaction, run it, prove it, verify a receipt.

    from zkvm.evm import host
    case = host.fixture_case("stExample/add11.json", "add11")
    run = host.run(case.input)                       # executor: journal, cycles
    receipt = host.prove(case.input, params="testing")
    journal = host.verify(receipt, params="testing") # checks the pinned image ID

The CLI (``zkvm evm ...``, :mod:`zkvm.evm.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import guest
from .encoding import EXIT_OK, GuestInput, Journal
from .statetest import DEFAULT_FORK, Case, FixtureError, cases_in_file

PINNED_IMAGE_IDS = Path(__file__).resolve().parent / "image_id.json"
"""The guest's image IDs per STARK parameter preset, pinned in the package (a verifier
needs no compiler). ``tests/evm`` checks they equal the IDs of the guest built from the
installed sources; ``zkvm evm image-id --write`` refreshes them after a change of the
guest, the toolchain or the circuits."""

PRESETS = ("default", "high", "testing")


class EvmVerifyError(Exception):
    """A receipt that is valid for the EVM guest's image but whose run did not end with a
    journal (the guest rejected its input), or whose journal is malformed."""


def fixture_case(path: str | os.PathLike, case: str | None = None, index: int = 0,
                 fork: str = DEFAULT_FORK) -> Case:
    """One case of a state-test file: test ``case`` (default: the file's only test) at
    post-state ``index`` of ``fork``. Raises :class:`FixtureError`."""
    p = Path(path)
    cases = [c for c in cases_in_file(p, str(p), fork) if case is None or c.test == case]
    tests = sorted({c.test for c in cases})
    if not cases:
        raise FixtureError(f"{p}: no {fork} case" + (f" named {case!r}" if case else ""))
    if case is None and len(tests) > 1:
        raise FixtureError(f"{p}: holds {len(tests)} tests, choose one with --case: {', '.join(tests[:5])}...")
    for c in cases:
        if c.index == index:
            return c
    raise FixtureError(f"{p}: test {cases[0].test!r} has no {fork} post-state {index} (0..{len(cases) - 1})")


def _bytes(inp: GuestInput | bytes) -> bytes:
    return inp.encode() if isinstance(inp, GuestInput) else bytes(inp)


def run(inp: GuestInput | bytes, max_cycles: int | None = None) -> guest.GuestRun:
    """Execute the guest on the input (the zkvm executor, no proof)."""
    return guest.run(_bytes(inp), max_cycles or guest.DEFAULT_MAX_CYCLES)


def prove(inp: GuestInput | bytes, params: str = "default", *, segment_po2: int | None = None,
          workers: int = 1, timings: dict | None = None):
    """Prove the guest's run on the input. Returns a ``Receipt`` (or a
    ``CompositeReceipt`` with ``segment_po2``, docs/continuations.md). Raises what
    :func:`zkvm.api.prove` raises (``UnprovableExecution`` ...)."""
    from .. import api

    data = _bytes(inp)
    if segment_po2 is not None or workers != 1:
        return api.prove_segments(guest.elf_bytes(), data, params=params, segment_po2=segment_po2,
                                  workers=workers)
    return api.prove(guest.program(), data, params=params, timings=timings)


def pinned_image_ids() -> dict[str, bytes]:
    """The pinned image IDs ``{preset: 32 bytes}``."""
    data = json.loads(PINNED_IMAGE_IDS.read_text())
    return {k: bytes.fromhex(data["image_id"][k]) for k in PRESETS}


def pinned_image_id(params: str = "default") -> bytes:
    if params not in PRESETS:
        raise ValueError(f"unknown parameter preset {params!r}; use one of {', '.join(PRESETS)}")
    return pinned_image_ids()[params]


def computed_image_ids() -> dict:
    """Image IDs of the guest built from the installed sources (builds it if needed)."""
    from .. import api
    import hashlib

    elf = guest.elf_bytes()
    return {"elf_sha256": hashlib.sha256(elf).hexdigest(),
            "source_digest": guest.source_digest(),
            "image_id": {k: api.image_id(elf, k).hex() for k in PRESETS}}


def write_pinned_image_ids(path: str | os.PathLike = PINNED_IMAGE_IDS) -> dict:
    data = computed_image_ids()
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
    return data


def verify(receipt, params: str = "default") -> Journal:
    """Verify a receipt (object, bytes or path) against the EVM guest's pinned image ID
    for ``params`` and return the decoded journal. Raises the verifier's
    ``VerificationError`` (another image, a forged proof or journal) or
    :class:`EvmVerifyError` (the guest exited without a journal)."""
    from .. import api

    exit_code, journal = api.verify(receipt, pinned_image_id(params))
    if exit_code != EXIT_OK:
        raise EvmVerifyError(f"the EVM guest exited with code {exit_code} (no statement: rejected input)")
    try:
        return Journal.decode(journal)
    except ValueError as e:
        raise EvmVerifyError(str(e)) from None

"""The host API: build a guest, run it, prove it, verify a receipt.

This is the layer the CLI and host programs call. It stays thin: each function composes
the lower layers (``zkvm.toolchain``, ``zkvm.riscv``) and adds nothing but argument
normalisation. Heavy modules are imported on first use so that ``zkvm build`` does not
pay for numba.

    from zkvm import api
    api.build("examples/fibonacci", "fib.elf")
    result = api.run("fib.elf", input=(1000).to_bytes(4, "little"))
    result.exit_code, result.stdout, result.journal, result.cycles
    receipt = api.prove("fib.elf", input=(1000).to_bytes(4, "little"))
    exit_code, journal = api.verify(receipt, api.image_id("fib.elf"))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence


if TYPE_CHECKING:  # pragma: no cover
    from .toolchain import BuildResult
    from .receipt import Receipt
    from .riscv import ExecutionResult, Program
    from .stark.params import StarkParams


def build(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    *,
    opt_level: str | int = "2",
    defines: Iterable[str] = (),
    compiler: str = "zig",
    manifest: bool | str | os.PathLike = True,
    image_id_params: str | None = "default",
) -> "BuildResult":
    """Build C ``sources`` (a directory or ``.c`` files) into the ELF ``output``.

    Hermetic and reproducible (docs/toolchain.md). Unless ``manifest`` is False, also
    writes the build manifest (docs/reproducible-builds.md) to ``manifest`` if it is a
    path, else next to the ELF (``app.elf`` -> ``app.manifest.json``, see
    :func:`manifest_path`), with the image ID for the parameter preset
    ``image_id_params`` (None: no image ID, faster). Raises
    ``zkvm.toolchain.BuildError`` or ``ToolchainError``.
    """
    if manifest is not False and image_id_params is not None:
        from .manifest import PARAMS_PRESETS

        if image_id_params not in PARAMS_PRESETS:
            raise ValueError(f"unknown parameter preset {image_id_params!r}; use one of {', '.join(PARAMS_PRESETS)}")
    from .toolchain import build as _toolchain_build  # lazy: `zkvm run` never needs it

    result = _toolchain_build(sources, output, opt_level=opt_level, extra_defines=defines, compiler=compiler)
    if manifest is not False:
        from .manifest import make_manifest, manifest_path_for, write_manifest

        target = manifest_path_for(result.path) if manifest is True else Path(manifest)
        write_manifest(make_manifest(result, image_id_params), target)
    return result


def manifest_path(elf: str | os.PathLike) -> Path:
    """Where ``build`` writes the manifest of the ELF ``elf``."""
    from .manifest import manifest_path_for

    return manifest_path_for(elf)


def verify_build(manifest: str | os.PathLike | dict, source: str | os.PathLike | None = None,
                 *, check_image_id: bool = True):
    """Rebuild what a build manifest describes from the sources in ``source`` (default:
    the manifest's directory) in a fresh temporary directory and compare toolchain,
    flags, every source file, the ELF (by segment and section) and the image ID.
    Returns a ``zkvm.manifest.VerifyResult`` (``.match``, ``.differences``,
    ``.report()``); raises ``zkvm.manifest.ManifestError`` for a malformed manifest."""
    from .manifest import verify_build as _verify_build

    return _verify_build(manifest, source, check_image_id=check_image_id)


def image_id(elf: bytes | str | os.PathLike, params: str = "default") -> bytes:
    """The 32-byte image ID of a guest ELF (bytes or path) for a STARK parameter preset
    (``"default"``, ``"high"`` or ``"testing"``; the image ID includes the parameters)."""
    from .manifest import compute_image_id

    return bytes.fromhex(compute_image_id(read_elf(elf), params))


def read_elf(elf: bytes | str | os.PathLike) -> bytes:
    """The ELF's bytes: ``elf`` itself if it is bytes, else the file it names."""
    if isinstance(elf, (bytes, bytearray, memoryview)):
        return bytes(elf)
    return Path(elf).read_bytes()


def load_program(elf: bytes | str | os.PathLike) -> "Program":
    """Parse a guest ELF (bytes or path). Raises ``zkvm.riscv.ElfError`` if malformed."""
    from .riscv import load_elf

    return load_elf(read_elf(elf))


def run(
    elf: "bytes | str | os.PathLike | Program",
    input: bytes = b"",
    *,
    max_cycles: int | None = None,
    record: bool = False,
) -> "ExecutionResult":
    """Run a guest with private ``input`` until it exits.

    ``elf`` is ELF bytes, a path, or an already loaded ``Program``. ``max_cycles=None``
    uses the executor's default limit. Raises ``zkvm.riscv.ElfError`` for a malformed ELF
    and a ``zkvm.riscv.GuestError`` subclass (with ``.pc``) when the guest faults or runs
    out of cycles. A guest that exits with a non-zero code is *not* an error here: see
    ``result.exit_code``.
    """
    from .riscv import DEFAULT_MAX_CYCLES, Program, execute

    program = elf if isinstance(elf, Program) else load_program(elf)
    limit = DEFAULT_MAX_CYCLES if max_cycles is None else max_cycles
    # "auto": short runs finish in the reference interpreter without loading numba
    return execute(program, input=bytes(input), max_cycles=limit, record=record,
                   engine="auto")


_LOAD_LIKE = {"lb", "lh", "lw", "lbu", "lhu", "jalr"}


def format_instruction(word: int, pc: int) -> str:
    """One instruction in assembler-like syntax (``x`` register names), or ``.word`` if
    ``word`` is not an instruction the zkvm executes."""
    from .riscv.decode import lookup
    from .riscv.decode import decode as _decode
    from .riscv.isa import INSTRUCTIONS

    op = lookup(word)
    if op is None:
        return f".word 0x{word:08x}"
    fmt = INSTRUCTIONS[op].fmt
    d = _decode(word, pc)
    n = d.name
    if fmt == "R":
        return f"{n} x{d.rd}, x{d.rs1}, x{d.rs2}"
    if fmt == "I":
        if n in _LOAD_LIKE:
            return f"{n} x{d.rd}, {d.imm}(x{d.rs1})"
        return f"{n} x{d.rd}, x{d.rs1}, {d.imm}"
    if fmt == "SH":
        return f"{n} x{d.rd}, x{d.rs1}, {d.imm}"
    if fmt == "S":
        return f"{n} x{d.rs2}, {d.imm}(x{d.rs1})"
    if fmt == "B":
        return f"{n} x{d.rs1}, x{d.rs2}, 0x{(pc + d.imm) & 0xFFFFFFFF:x}"
    if fmt == "U":
        return f"{n} x{d.rd}, 0x{(d.imm >> 12) & 0xFFFFF:x}"
    if fmt == "J":
        return f"{n} x{d.rd}, 0x{(pc + d.imm) & 0xFFFFFFFF:x}"
    if fmt == "A":
        return f"{n} x{d.rd}, x{d.rs2}, (x{d.rs1})"
    if fmt == "LR":
        return f"{n} x{d.rd}, (x{d.rs1})"
    return n


def disassemble(elf: "bytes | str | os.PathLike | Program") -> list[tuple[int, int, str]]:
    """``(address, word, text)`` for every 32-bit word of the executable segments."""
    from .riscv import Program

    program = elf if isinstance(elf, Program) else load_program(elf)
    out = []
    for seg in program.segments:
        if not seg.flags & 1:  # PF_X
            continue
        data = seg.data[: len(seg.data) & ~3]
        for off in range(0, len(data), 4):
            word = int.from_bytes(data[off : off + 4], "little")
            out.append((seg.vaddr + off, word, format_instruction(word, seg.vaddr + off)))
    return out


# ---------------------------------------------------------------------------------------
# proving and verifying (the circuits live in zkvm.chips; imported lazily: they load numba)


def stark_params(params: "str | StarkParams | None" = "default", *, zk: bool | None = None) -> "StarkParams":
    """A :class:`zkvm.stark.params.StarkParams` from a preset name (``"default"``,
    ``"high"``, ``"testing"``) or an instance; ``zk=False`` turns masking off (benchmarks
    only: a non-ZK receipt reveals trace values at the opened points)."""
    from .manifest import PARAMS_PRESETS
    from .stark.params import StarkParams

    if params is None:
        params = "default"
    if isinstance(params, StarkParams):
        if zk is None or zk == params.zk:
            return params
        import dataclasses

        return dataclasses.replace(params, zk=zk)
    if params not in PARAMS_PRESETS:
        raise ValueError(f"unknown parameter preset {params!r}; use one of {', '.join(PARAMS_PRESETS)}")
    preset = getattr(StarkParams, params)
    return preset() if zk is None else preset(zk=zk)


def prove(
    elf: "bytes | str | os.PathLike | Program",
    input: bytes = b"",
    *,
    params: "str | StarkParams | None" = "default",
    zk: bool | None = None,
    max_cycles: int | None = None,
    timings: dict | None = None,
    pad_cycles: int | None = None,
    pad_to: dict | None = None,
) -> "Receipt":
    """Execute the guest on the private ``input`` and prove the execution.

    Returns a :class:`zkvm.receipt.Receipt` (``receipt.to_bytes()`` is the file format).
    ``timings`` (a dict, optional) receives the per-phase wall times in seconds.
    ``pad_cycles=N`` hides the execution's length: every table is padded to a height that
    depends only on ``N`` and the program (``zkvm.chips.padding``), so every execution
    with ``cycles + input/journal bytes ≤ N`` gives a receipt of the same shape; one that
    does not fit raises ``zkvm.chips.padding.PadCyclesExceeded`` (an
    ``UnprovableExecution``). ``pad_to={table: height}`` overrides the heights of named
    witness tables (powers of two; tighter bounds from profiling the guest).
    Raises ``zkvm.riscv.ElfError`` / ``GuestError`` as :func:`run` does, and
    ``zkvm.chips.tracegen.UnprovableExecution`` when the run uses something the circuits
    do not support (e.g. more cycles than one proof holds).
    """
    from .chips.machine import prove as _prove
    from .riscv import Program

    program = elf if isinstance(elf, Program) else load_program(elf)
    return _prove(program, bytes(input), params=stark_params(params, zk=zk),
                  timings=timings, max_cycles=max_cycles, pad_cycles=pad_cycles,
                  pad_to=pad_to)


def prove_segments(
    elf: "bytes | str | os.PathLike",
    input: bytes = b"",
    *,
    params: "str | StarkParams | None" = "default",
    zk: bool | None = None,
    segment_po2: int | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    client=None,
    progress=None,
    max_cycles: int | None = None,
) -> "CompositeReceipt":
    """Prove a run of any length as segments of at most ``2^segment_po2`` EXEC steps
    (default ``zkvm.continuation.DEFAULT_SEGMENT_PO2``), proven independently on
    ``workers`` local processes or on the Dask cluster at ``dask_address`` (docs/
    continuations.md, docs/distributed.md).  Returns a
    :class:`zkvm.receipt.CompositeReceipt`; :func:`verify` accepts it.

    ``progress(done, total, label)`` is called after each proven segment.  Raises what
    :func:`prove` raises, ``ValueError`` for a bad ``segment_po2``/``workers`` and
    ``zkvm.distributed.ProvingFailed`` if a segment job fails on every retry.
    """
    from .continuation import DEFAULT_SEGMENT_PO2, prove_segments as _prove_segments

    return _prove_segments(read_elf(elf), bytes(input), stark_params(params, zk=zk),
                           segment_po2=DEFAULT_SEGMENT_PO2 if segment_po2 is None else segment_po2,
                           workers=workers, dask_address=dask_address, client=client,
                           progress=progress, max_cycles=max_cycles)


def load_receipt(receipt: "Receipt | CompositeReceipt | bytes | str | os.PathLike"):
    """A Receipt or CompositeReceipt from an object, its bytes or a file path
    (``ReceiptFormatError`` if malformed; ``OSError`` if the file cannot be read)."""
    from .receipt import CompositeReceipt, Receipt, load_any

    if isinstance(receipt, (Receipt, CompositeReceipt)):
        return receipt
    if isinstance(receipt, (bytes, bytearray, memoryview)):
        return load_any(bytes(receipt))
    return load_any(Path(receipt).read_bytes())


def verify(receipt: "Receipt | bytes | str | os.PathLike", image_id: "bytes | str") -> tuple[int, bytes]:
    """Verify a receipt against the expected image ID (32 bytes or 64 hex digits).

    Returns ``(exit_code, journal)``. Raises a subclass of
    ``zkvm.stark.errors.VerificationError`` naming the failed check (a malformed receipt,
    another program's image ID, or a proof that does not verify).
    """
    from .chips.machine import verify as _verify, verify_composite
    from .image_id import parse_image_id
    from .receipt import CompositeReceipt

    iid = parse_image_id(image_id) if isinstance(image_id, str) else bytes(image_id)
    r = load_receipt(receipt)
    if isinstance(r, CompositeReceipt):
        return verify_composite(r, iid)
    return _verify(r, iid)


def execute_only(
    elf: "bytes | str | os.PathLike | Program",
    input: bytes = b"",
    *,
    params: "str | StarkParams | None" = "default",
    max_cycles: int | None = None,
    pad_cycles: int | None = None,
    pad_to: dict | None = None,
) -> dict:
    """Dry run of :func:`prove`: execute and build every table's trace, without proving
    (``pad_cycles``, ``pad_to`` as in :func:`prove`: the heights are then the padded ones).

    Returns ``{"cycles", "exit_code", "journal", "tables": {name: height}, "cells"}`` so a
    user can see what a proof would cost. Raises what :func:`prove` raises.
    """
    from .chips.machine import Machine
    from .riscv import Program

    program = elf if isinstance(elf, Program) else load_program(elf)
    m = Machine.for_program(program, stark_params(params))
    result = m.execute(bytes(input), max_cycles)
    w, traces, _pv = m.traces(result, pad_cycles=pad_cycles, pad_to=pad_to)
    tables = {air.name: int(t.shape[0]) for air, t in zip(m.airs, traces)}
    cells = int(sum(t.shape[0] * t.shape[1] for t in traces))
    return {"cycles": int(result.cycles), "exit_code": int(w.exit_code), "journal": bytes(w.journal),
            "tables": tables, "cells": cells}

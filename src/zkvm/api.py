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
    api.Journal(journal).u32()                       # typed journal (docs/typed-io.md)

Developer tools: ``prove(..., dev=True)`` / ``ZKVM_DEV=1`` (dev mode, no proof:
docs/dev-mode.md), ``regions(result)`` (cycle-tracking regions), ``profile(...)``
(docs/profiler.md), ``new_project(...)`` (``zkvm new``), ``Journal`` / ``Input``.
"""

from __future__ import annotations

from .presets import PARAMS_PRESETS, stark_params  # noqa: F401 (public: zkvm.api.stark_params)

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .journal import Input, Journal, JournalError, JournalTrailingBytes, JournalTruncated, JournalValueError

if TYPE_CHECKING:  # pragma: no cover
    from .receipt import CompositeReceipt, DevReceipt, Receipt
    from .toolchain import BuildResult
    from .riscv import ExecutionResult, Program
    from .stark.params import StarkParams


def build(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    *,
    opt_level: str | int = "2",
    defines: Iterable[str] = (),
    compiler: str | None = None,
    manifest: bool | str | os.PathLike = True,
    image_id_params: str | None = "default",
    ndebug: bool = False,
    cxx_exceptions: bool = False,
    debug_copy: bool = True,
) -> "BuildResult":
    """Build a guest into the ELF ``output``: C or C++ ``sources`` (a directory or
    ``.c`` / ``.cpp`` files; ``cxx_exceptions`` turns C++ exceptions on) or a Rust crate
    (a directory holding ``Cargo.toml``). ``compiler`` None picks ``"rust"`` for a crate
    and ``"zig"`` otherwise (docs/toolchain.md).

    ``assert()`` stays in the guest at every optimisation level (a failed assertion is a
    provable exit code 134); ``ndebug=True`` defines ``NDEBUG`` (recorded in the
    manifest's defines) to drop them.

    Hermetic and reproducible (docs/toolchain.md). Unless ``manifest`` is False, also
    writes the build manifest (docs/reproducible-builds.md) to ``manifest`` if it is a
    path, else next to the ELF (``app.elf`` -> ``app.manifest.json``, see
    :func:`manifest_path`), with the image ID for the parameter preset
    ``image_id_params`` (None: no image ID, faster). ``debug_copy`` (zig route): also
    write the unstripped copy ``app.debug`` beside the ELF (symbols and line info for
    ``zkvm profile`` and symbolised faults; recorded in the manifest, not part of the
    image ID). The output path is checked before compiling (``IsADirectoryError`` /
    ``FileNotFoundError``-style ``OSError``). Raises ``zkvm.toolchain.BuildError`` or
    ``ToolchainError``.
    """
    from .diagnostics import check_output_path
    from .manifest import debug_path_for

    if manifest is not False and image_id_params is not None:
        from .manifest import PARAMS_PRESETS

        if image_id_params not in PARAMS_PRESETS:
            raise ValueError(f"unknown parameter preset {image_id_params!r}; use one of {', '.join(PARAMS_PRESETS)}")
    from .toolchain import build as _toolchain_build  # lazy: `zkvm run` never needs it

    check_output_path(output, "ELF", create_parent=True)
    defines = list(defines) + (["NDEBUG"] if ndebug and "NDEBUG" not in defines else [])
    # the debug copy is made by the zig route only (the rust and gcc routes ignore it)
    result = _toolchain_build(sources, output, opt_level=opt_level, extra_defines=defines, compiler=compiler,
                              cxx_exceptions=cxx_exceptions,
                              debug_output=debug_path_for(output) if debug_copy else None)
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


def image_id(elf: bytes | str | os.PathLike, params: str = "default", *, use_cache: bool = True) -> bytes:
    """The 32-byte image ID of a guest ELF (bytes or path) for a STARK parameter preset
    (``"default"``, ``"high"``, ``"evm"`` or ``"testing"``; the image ID includes the parameters).
    Answered from the local image-ID cache when this zkvm computed it before
    (:mod:`zkvm.idcache`; ``use_cache=False`` always recomputes)."""
    from .idcache import image_id as cached
    from .manifest import PARAMS_PRESETS

    if params not in PARAMS_PRESETS:
        raise ValueError(f"unknown parameter preset {params!r}; use one of {', '.join(PARAMS_PRESETS)}")
    return cached(read_elf(elf), params, use_cache=use_cache)


def params_preset_name(params) -> str:
    """The preset name of a ``StarkParams`` (``"default"``, ``"high"``, ``"evm"``, ``"testing"``,
    with ``" (no zk)"`` when masking is off), or ``"custom"``."""
    from .diagnostics import params_preset_name as name

    return name(params)


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


def regions(result) -> list:
    """Cycle-tracking regions of a run (``ZKVM_CYCLES_BEGIN/END`` in the guest,
    docs/cycle-tracking.md): a list of ``zkvm.riscv.hostcalls.RegionStats`` (``name``,
    ``count``, ``total``, ``mean``, ``min``, ``max``, ``unclosed``, ``unmatched_ends``)
    in order of first appearance. ``result`` is an ``ExecutionResult`` (or anything
    with ``cycle_markers``)."""
    from .riscv.hostcalls import region_stats

    return region_stats(getattr(result, "cycle_markers", ()))


def dev_mode(dev: bool | None = None) -> bool:
    """Whether dev mode is on: ``dev`` if given, else the environment variable
    ``ZKVM_DEV`` (``1``/``true``/``yes``/``on``). Dev mode proves nothing
    (docs/dev-mode.md)."""
    if dev is not None:
        return bool(dev)
    return os.environ.get("ZKVM_DEV", "").strip().lower() in ("1", "true", "yes", "on")


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
    dev: bool | None = None,
) -> "Receipt | DevReceipt":
    """Execute the guest on the private ``input`` and prove the execution.

    Dev mode (``dev=True``, or ``dev=None`` and ``ZKVM_DEV=1``): execute only and return
    a :class:`zkvm.receipt.DevReceipt` -- **not a proof** (:func:`prove_dev`).

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
    if dev_mode(dev):
        return prove_dev(elf, input, params=params, zk=zk, max_cycles=max_cycles, timings=timings)
    import time

    from .machine import Machine
    from .riscv import DEFAULT_MAX_CYCLES, Program, execute

    program = elf if isinstance(elf, Program) else load_program(elf)
    p = stark_params(params, zk=zk)
    # Execute first, without recording (a faulting, unprovable, too long or endless guest
    # fails in seconds and little memory, before the circuits are built), then record;
    # the result (stdout, stderr, markers) is handed back in timings["result"].
    t0 = time.perf_counter()
    check_provable(program, input, max_cycles=max_cycles)
    result = execute(program, bytes(input), max_cycles=max_cycles or DEFAULT_MAX_CYCLES, record=True)
    t_exec = time.perf_counter() - t0
    if timings is not None:
        timings["result"] = result
    m = Machine.for_program(elf if isinstance(elf, Program) else read_elf(elf), p)
    receipt = m.prove(bytes(input), result=result, timings=timings, max_cycles=max_cycles,
                      pad_cycles=pad_cycles, pad_to=pad_to)
    if timings is not None:
        timings["execute"] = t_exec
    return receipt


def prove_dev(
    elf: "bytes | str | os.PathLike | Program",
    input: bytes = b"",
    *,
    params: "str | StarkParams | None" = "default",
    zk: bool | None = None,
    max_cycles: int | None = None,
    timings: dict | None = None,
) -> "DevReceipt":
    """Dev mode: execute the guest and return a :class:`zkvm.receipt.DevReceipt` with
    the image ID, exit code, journal and cycle count -- **not a proof**. Only
    :func:`verify` with ``dev=True`` (or ``ZKVM_DEV=1``) accepts it; every other verifier
    rejects it (``zkvm.receipt.DevReceiptRejected``). ``params`` must be a preset name
    (the image ID is computed for it, through the image-ID cache). The execution's
    ``ExecutionResult`` is left in ``timings["result"]`` when ``timings`` is given."""
    import hashlib
    import time

    from .receipt import DevReceipt
    from .riscv import Program

    preset = "default" if params is None else params
    if not isinstance(preset, str):
        preset = params_preset_name(preset).split(" ")[0]
    p = stark_params(preset, zk=zk)
    if isinstance(elf, Program):
        raise TypeError("prove_dev needs the ELF (bytes or a path), not a loaded Program: "
                        "the dev receipt carries the ELF's image ID")
    data = read_elf(elf)
    t0 = time.perf_counter()
    result = run(data, input, max_cycles=max_cycles)
    t1 = time.perf_counter()
    from .idcache import image_id as cached

    iid = cached(data, preset, zk=p.zk)
    if timings is not None:
        timings.update({"execute": t1 - t0, "image_id": time.perf_counter() - t1,
                        "cycles": int(result.cycles), "result": result})
    return DevReceipt(iid, p, int(result.exit_code), bytes(result.journal), int(result.cycles),
                      hashlib.sha256(data).digest())


from .continuation import MONOLITHIC_MAX_CYCLES  # noqa: E402 (re-exported)


def check_provable(elf: "bytes | str | os.PathLike | Program", input: bytes = b"", *,
                   max_cycles: int | None = None, monolithic: bool = True) -> "ExecutionResult":
    """Run the guest once without recording (seconds, little memory) and raise before any
    tracing if the run cannot be proven: ``UnprovableExecution`` naming the first syscall
    outside the provable subset (docs/abi.md), or -- with ``monolithic`` -- ``RunTooLong``
    for a run longer than :data:`MONOLITHIC_MAX_CYCLES` (the message names
    ``--segment-po2``; ``zkvm prove`` then proves it as segments).  Raises
    ``GuestError`` (e.g. ``CycleLimitExceeded`` for a guest that never exits) like
    :func:`run`.  Returns the run's result."""
    from .chips.tracegen import RunTooLong, UnprovableExecution

    result = run(elf, input, max_cycles=max_cycles)
    if result.unprovable:
        raise UnprovableExecution(result.unprovable)
    if monolithic and result.cycles > MONOLITHIC_MAX_CYCLES:
        raise RunTooLong(
            f"the run takes {result.cycles} cycles, more than one proof holds "
            f"(2^{MONOLITHIC_MAX_CYCLES.bit_length() - 1}); prove it as segments "
            "(zkvm prove --segment-po2 20, or zkvm.api.prove_segments)", result.cycles)
    return result


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
    stats: dict | None = None,
) -> "CompositeReceipt":
    """Prove a run of any length as segments of at most ``2^segment_po2`` EXEC steps
    (default ``zkvm.continuation.DEFAULT_SEGMENT_PO2``), proven independently on
    ``workers`` local processes or on the Dask cluster at ``dask_address`` (docs/
    continuations.md, docs/distributed.md).  Returns a
    :class:`zkvm.receipt.CompositeReceipt`; :func:`verify` accepts it.

    ``progress(done, total, label)`` is called after each proven segment.  ``stats`` (a
    dict) receives ``peak_rss`` (bytes: the largest peak RSS of a process that proved a
    segment) and ``segment_seconds``.  Raises what :func:`prove` raises, ``ValueError``
    for a bad ``segment_po2``/``workers`` and ``zkvm.distributed.ProvingFailed`` if a
    segment job fails on every retry.
    """
    from .continuation import DEFAULT_SEGMENT_PO2, prove_segments as _prove_segments

    return _prove_segments(read_elf(elf), bytes(input), stark_params(params, zk=zk),
                           segment_po2=DEFAULT_SEGMENT_PO2 if segment_po2 is None else segment_po2,
                           workers=workers, dask_address=dask_address, client=client,
                           progress=progress, max_cycles=max_cycles, stats=stats)


def load_receipt(receipt: "Receipt | CompositeReceipt | bytes | str | os.PathLike", *, dev: bool = False):
    """A Receipt or CompositeReceipt from an object, its bytes or a file path
    (``ReceiptFormatError`` if malformed; ``OSError`` if the file cannot be read). A dev
    receipt loads only with ``dev=True`` (``DevReceiptRejected`` otherwise)."""
    from .receipt import CompositeReceipt, DevReceipt, DevReceiptRejected, Receipt, load_any

    if isinstance(receipt, DevReceipt):
        if not dev:
            raise DevReceiptRejected("this is a dev-mode receipt (DEV RECEIPT \u2014 NOT A PROOF): only a "
                                     "dev verify accepts it (dev=True, ZKVM_DEV=1)")
        return receipt
    if isinstance(receipt, (Receipt, CompositeReceipt)):
        return receipt
    if isinstance(receipt, (bytes, bytearray, memoryview)):
        return load_any(bytes(receipt), dev=dev)
    return load_any(Path(receipt).read_bytes(), dev=dev)


def verify(receipt: "Receipt | bytes | str | os.PathLike", image_id: "bytes | str", *,
           dev: bool | None = None) -> tuple[int, bytes]:
    """Verify a receipt against the expected image ID (32 bytes or 64 hex digits).

    Returns ``(exit_code, journal)``. Raises a subclass of
    ``zkvm.stark.errors.VerificationError`` naming the failed check (a malformed receipt,
    another program's image ID -- ``ImageIdMismatch`` names the parameter preset of
    both sides --, or a proof that does not verify). A dev receipt is rejected
    (``zkvm.receipt.DevReceiptRejected``) unless dev mode is on (``dev=True``, or
    ``dev=None`` and ``ZKVM_DEV=1``); see :func:`verify_receipt` for the details of what
    was verified.
    """
    v = verify_receipt(receipt, image_id, dev=dev)
    return v.exit_code, v.journal


def verify_receipt(receipt, image_id: "bytes | str", *, dev: bool | None = None):
    """:func:`verify`, returning a :class:`zkvm.diagnostics.Verified` (``exit_code``,
    ``journal``, ``image_id``, ``kind`` single/composite/dev, ``dev``, ``zk``,
    ``security_bits``, ``params``: the preset name, ``segments``, ``cycles`` for a dev
    receipt). A dev receipt accepted in dev mode also raises a
    ``zkvm.diagnostics.DevReceiptWarning`` (a warning, not an error)."""
    import warnings

    from .machine import ImageIdMismatch
    from .machine import verify as _verify, verify_composite
    from .diagnostics import DevReceiptWarning, Verified, image_id_mismatch_message
    from .receipt.image_id import parse_image_id
    from .receipt import DEV_BANNER, CompositeReceipt, DevReceipt

    iid = parse_image_id(image_id) if isinstance(image_id, str) else bytes(image_id)
    r = load_receipt(receipt, dev=dev_mode(dev))
    params = r.params if isinstance(r, DevReceipt) else r.vk.params
    if isinstance(r, DevReceipt):
        if r.image_id != iid:
            raise ImageIdMismatch(image_id_mismatch_message(r.image_id, params, iid, r.elf_sha256))
        warnings.warn(f"{DEV_BANNER}: accepted a dev-mode receipt (dev mode is on)", DevReceiptWarning,
                      stacklevel=2)
        return Verified(r.exit_code, bytes(r.journal), iid, "dev", True, params.zk, 0,
                        params_preset_name(params), 0, r.cycles)
    try:
        if isinstance(r, CompositeReceipt):
            code, journal = verify_composite(r, iid)
        else:
            code, journal = _verify(r, iid)
    except ImageIdMismatch:
        if r.image_id == iid:
            raise  # another cause (e.g. missing chips): keep its message
        raise ImageIdMismatch(image_id_mismatch_message(r.image_id, params, iid, r.elf_sha256)) from None
    kind = "composite" if isinstance(r, CompositeReceipt) else "single"
    return Verified(code, bytes(journal), iid, kind, False, params.zk, params.security_bits(),
                    params_preset_name(params), len(r.segments) if kind == "composite" else 1, None)


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

    Returns ``{"cycles", "exit_code", "journal", "tables": {name: height}, "cells",
    "extra_tables"}`` so a user can see what a proof would cost (``extra_tables``: the
    names of the chips' extra tables, ``addsub#2`` and so on, which are left out of a
    proof when empty). Raises what :func:`prove` raises.
    """
    from .machine import Machine
    from .machine.chips import ShardAir
    from .riscv import Program

    program = elf if isinstance(elf, Program) else load_program(elf)
    check_provable(program, input, max_cycles=max_cycles)  # before recording (memory)
    m = Machine.for_program(program, stark_params(params))
    result = m.execute(bytes(input), max_cycles)
    w, traces, _pv = m.traces(result, pad_cycles=pad_cycles, pad_to=pad_to)
    tables = {air.name: int(t.shape[0]) for air, t in zip(m.airs, traces)}
    cells = int(sum(t.shape[0] * t.shape[1] for t in traces))
    extra = [air.name for air in m.airs if isinstance(air, ShardAir)]
    return {"cycles": int(result.cycles), "exit_code": int(w.exit_code), "journal": bytes(w.journal),
            "tables": tables, "cells": cells, "extra_tables": extra}


# ---------------------------------------------------------------------------------------
# developer tools


def profile(elf, input: bytes = b"", *, symbols=None, max_cycles: int | None = None,
            cost_params: str = "default"):
    """Profile a run (docs/profiler.md): cycles per function (inclusive and exclusive,
    from a call-stack tracker over the executed pcs), collapsed stacks and proving-cost
    attribution per function. ``elf``: a path (its unstripped copy ``app.debug`` or a
    manifest-recorded one gives the symbols) or bytes; ``symbols``: an explicit ELF with
    symbols. Returns a :class:`zkvm.profiler.Profile`."""
    from .profiler import profile as _profile

    return _profile(elf, bytes(input), symbols=symbols, max_cycles=max_cycles, cost_params=cost_params)


def new_project(name: str, directory: "str | os.PathLike | None" = None, *, lang: str = "c") -> Path:
    """Create a guest + host project ``name`` (``zkvm new``, docs/project-template.md) in
    ``directory/name`` (default: the current directory). Returns its path."""
    from .templates import new_project as _new

    return _new(name, directory, lang=lang)

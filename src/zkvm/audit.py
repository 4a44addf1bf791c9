"""Miscompilation audit: build a guest with two compilers at every optimisation level,
run every build on every input, and flag any disagreement (docs/compiler-trust.md).

A proof shows that *the ELF* ran correctly; it says nothing about whether the ELF means
what the source says. A compiler that mis-optimises ``f(x) = 4 - x`` into ``f(x) = 4``
gets the wrong semantics proved, and since the input is private nobody can notice from
outside. The audit is differential testing: independent compilers (clang/LLVM + musl via
the pinned zig route, GCC + picolibc via :mod:`zkvm.toolchain.gcc`) and optimisation
levels must agree on the public behaviour -- exit code, stdout and journal -- of the
guest on every input tried. Disagreement means a compiler bug or undefined behaviour in
the guest; either must be fixed before a proof of that guest means anything.

It is testing, not proof: agreement on the inputs tried says nothing about other inputs.

Public API::

    specs = default_specs()                       # zig and gcc x -O0 -O1 -O2 -O3 -Os
    report = audit("examples/fibonacci", [InputCase("input.bin", data)], specs)
    print(format_report(report)); report.ok

    csmith_check(program_dir, specs)              # one generated program, executor + qemu

``audit_command`` is the ``zkvm audit`` command (typer signature). Execution goes through
an ``executor`` callable (default :func:`run_executor`), so tests can substitute a
deliberately broken executor and check that the executor-vs-qemu comparison catches it.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence

COMPILERS = ("zig", "gcc")
"""Compiler routes: ``zig`` = the pinned default (clang/LLVM + musl), ``gcc`` = GCC 12 +
picolibc (:mod:`zkvm.toolchain.gcc`)."""
LEVELS = ("0", "1", "2", "3", "s")
AUDIT_MAX_CYCLES = 200_000_000
"""Default cycle limit per run (a run that hits it is reported as ``timeout``)."""
QEMU = "qemu-riscv32"

# ---------------------------------------------------------------------------------------
# Proving-time estimate: ONE constant, measured by a bench script.
# ---------------------------------------------------------------------------------------
PROVER_CYCLES_PER_SECOND: float | None = 18_468.0
"""Guest cycles the prover proves per CPU-second (end to end, default parameters): the
one-number fit (``cycles_per_second``) of ``bench/bench_compiler_trust.py --fit`` over its
78 measured proofs (8 programs x 2 compilers x 5 levels, AMD EPYC, 2 cores, load 4.3-10.6;
docs/benchmarks.md), median relative error 15 %. It ignores padding to powers of two and
the fixed cost per proof: the main audit table's rough guide; the per-level summary uses
:data:`PROVE_MODEL` (trace cells). The single place to update when re-measured; ``None``
means "not measured" and estimates print as ``n/a``. Overridable per run with the
environment variable ``ZKVM_PROVER_CYCLES_PER_SECOND`` or ``zkvm audit
--prover-cycles-per-second``."""


def prover_cycles_per_second(override: float | None = None) -> float | None:
    """The cycles/s figure in force: ``override``, else the environment variable
    ``ZKVM_PROVER_CYCLES_PER_SECOND``, else :data:`PROVER_CYCLES_PER_SECOND`."""
    if override is not None:
        return float(override)
    env = os.environ.get("ZKVM_PROVER_CYCLES_PER_SECOND")
    if env:
        try:
            value = float(env)
        except ValueError:
            raise ValueError(f"ZKVM_PROVER_CYCLES_PER_SECOND={env!r} is not a number") from None
        if value > 0:
            return value
    return PROVER_CYCLES_PER_SECOND


def estimate_proving_seconds(cycles: int, cycles_per_second: float | None = None) -> float | None:
    """Estimated proving time of a run of ``cycles`` cycles: ``cycles / rate`` with the
    rate from :func:`prover_cycles_per_second`; ``None`` when no rate is known.

    A linear model: it ignores the fixed cost per proof and the padding of traces to
    powers of two, so it is a guide for comparing builds, not a promise."""
    rate = prover_cycles_per_second(cycles_per_second)
    if rate is None or rate <= 0:
        return None
    return cycles / rate


def format_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    return f"{s / 60:.1f} min"


# ---------------------------------------------------------------------------------------
# Proving-time model from trace sizes (the per-level summary, `zkvm audit --level-summary`)
# ---------------------------------------------------------------------------------------

PROVE_MODEL: dict | None = {
    "fixed_s": 2.457, "per_mcell_s": 0.289, "median_rel_error": 0.079, "max_rel_error": 0.465, "points": 78,
    "source": "bench/bench_compiler_trust.py --fit: 78 proofs (prover CPU time), AMD EPYC, 2 cores, load 4.3-10.6",
}
"""The proving-time model ``seconds = fixed_s * segments + per_mcell_s * cells / 1e6`` fitted by
``bench/bench_compiler_trust.py --fit`` on its measured proofs (default parameters), where
``cells`` is the committed trace area of a run: every table's padded height times its
committed main plus LogUp auxiliary columns (:func:`trace_profile`). A proof's cost is
dominated by committing, extending and opening these cells, so two builds that execute
the same number of cycles with a different instruction mix (more MUL/DIV or memory rows,
or a table crossing a power of two) get different estimates. Keys: ``fixed_s``,
``per_mcell_s``, ``source`` (command, machine, load), ``median_rel_error`` /
``max_rel_error`` (relative errors of the fit on the corpus: 8 % / 47 %, most of it the
noise of CPU times measured on a machine shared with other jobs). Times are the prover's
CPU time (user + sys of all its threads); on an idle 2-core machine a proof's wall time is
about CPU / 1.6-1.8 (docs/benchmarks.md). ``None``: not fitted, estimates read ``n/a``."""


def estimate_from_cells(cells: int | None, model: dict | None = None, segments: int = 1) -> float | None:
    """Estimated proving time (s, default parameters) of a run whose committed trace area
    is ``cells`` over ``segments`` proofs (:data:`PROVE_MODEL`); ``None`` if unknown. An
    estimate, not a measurement."""
    model = PROVE_MODEL if model is None else model
    if model is None or cells is None:
        return None
    return float(model["fixed_s"]) * max(1, segments) + float(model["per_mcell_s"]) * cells / 1e6


def trace_profile(elf: bytes, data: bytes = b"", params: str = "default", max_cycles: int | None = None) -> dict:
    """Execute ``elf`` on ``data`` and size what a proof of the run would commit, without
    proving: ``{"cycles", "exit_code", "journal_sha256", "stdout_sha256", "rows",
    "tables", "cells", "segments"}``.

    ``rows``: executed instructions per instruction chip (``zkvm.chips.opcodes``; one row
    each, unpadded -- the instruction mix). For a run that one proof holds (at most
    ``zkvm.continuation.MONOLITHIC_MAX_CYCLES`` cycles): ``tables`` is every table's padded height
    from the prover's own trace generation and ``cells`` the sum over tables of height x
    (committed main + LogUp auxiliary columns), ``segments`` = 1. A longer run is proven
    as continuation segments (``zkvm.api.prove_segments``, default segment size): then
    ``segments`` is their count, ``tables`` the largest height of each table over the
    segments and ``cells`` the sum over segments (:func:`_segments_profile`).
    Raises what :func:`zkvm.api.prove` raises for an unprovable or faulting run."""
    import numpy as np

    from .continuation import MONOLITHIC_MAX_CYCLES
    from .presets import stark_params
    from .machine import Machine
    from .riscv import DEFAULT_MAX_CYCLES, execute, load_elf

    elf = bytes(elf)
    program = load_elf(elf)
    out: dict = {}
    pre = execute(program, input=bytes(data), max_cycles=max_cycles or DEFAULT_MAX_CYCLES)
    out.update(cycles=int(pre.cycles), exit_code=int(pre.exit_code),
               journal_sha256=hashlib.sha256(bytes(pre.journal)).hexdigest(),
               stdout_sha256=hashlib.sha256(bytes(pre.stdout)).hexdigest())
    if pre.cycles > MONOLITHIC_MAX_CYCLES:
        out.update(_segments_profile(elf, bytes(data), stark_params(params), max_cycles))
        return out
    m = Machine.for_program(elf, stark_params(params))
    result = m.execute(bytes(data), max_cycles)
    w, traces, _pv = m.traces(result)
    names, counts = np.unique(np.asarray(w.chip_index).astype(str), return_counts=True)
    out["rows"] = {str(n): int(c) for n, c in zip(names, counts)}
    system = m.system()
    out["tables"] = {t.name: int(tr.shape[0]) for t, tr in zip(system.tables, traces)}
    out["cells"] = int(sum(int(tr.shape[0]) * (t.committed_width + t.aux_width)
                           for t, tr in zip(system.tables, traces)))
    out["segments"] = 1
    return out


def _segments_profile(elf: bytes, data: bytes, params, max_cycles: int | None) -> dict:
    """``rows``, ``tables``, ``cells``, ``segments`` of a run proven as segments: the
    run is cut as ``zkvm.api.prove_segments`` cuts it and each segment's traces are built
    the way ``Machine.prove_segment`` builds them, up to (not including) the STARK."""
    import numpy as np

    from .machine import Machine, salt_words
    from .continuation import plan
    from .memtree import MemTree
    from .riscv.segments import run_segment

    m = Machine.for_program(elf, params)
    system = m.segment_system()
    jobs = plan(elf, data, params, max_cycles=max_cycles)
    rows: dict[str, int] = {}
    tables: dict[str, int] = {}
    cells = 0
    for job in jobs:
        result = run_segment(m.program, job.start, record=True)
        keys, vals = job.start.memory_words()
        entry = MemTree.from_words(keys, vals, salt=salt_words(job.salt_in))
        w, traces, _paging = m.segment_traces(result, (keys, vals), entry, salt_words(job.salt_out),
                                              job.start.journal_len, job.start.halts)
        names, counts = np.unique(np.asarray(w.chip_index).astype(str), return_counts=True)
        for n, c in zip(names, counts):
            rows[str(n)] = rows.get(str(n), 0) + int(c)
        for t in system.tables:
            tr = traces.get(t.name)
            # the Bytes table's multiplicities come last in prove_segment; its height is fixed
            h = int(tr.shape[0]) if tr is not None else (1 << t.pre_log_height if t.pre_log_height is not None else 0)
            tables[t.name] = max(tables.get(t.name, 0), h)
            cells += h * (t.committed_width + t.aux_width)
    return {"rows": rows, "tables": tables, "cells": int(cells), "segments": len(jobs)}


class AuditError(RuntimeError):
    """The audit could not run at all (no input, nothing built, bad option)."""


# ---------------------------------------------------------------------------------------
# Builds
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildSpec:
    """One compiler route at one optimisation level."""

    compiler: str
    level: str

    @property
    def name(self) -> str:
        return f"{self.compiler} -O{self.level}"


def default_specs(compilers: Sequence[str] = COMPILERS, levels: Sequence[str] = LEVELS) -> list[BuildSpec]:
    from .toolchain import normalize_opt_level

    out = []
    for c in compilers:
        if c not in COMPILERS:
            raise AuditError(f"unknown compiler {c!r}; available: {', '.join(COMPILERS)}")
        for lv in levels:
            out.append(BuildSpec(c, normalize_opt_level(lv)))
    return out


@dataclass
class Build:
    """The result of building one spec: the ELF (or the error), and which earlier build
    produced byte-identical output (``same_as``), if any."""

    spec: BuildSpec
    elf_path: Path | None = None
    sha256: str | None = None
    size: int | None = None
    error: str | None = None
    same_as: str | None = None

    @property
    def ok(self) -> bool:
        return self.elf_path is not None


def _build_one(spec: BuildSpec, sources, out_dir: Path, defines: Sequence[str], cache_dir: Path | None) -> Build:
    from .toolchain import BuildError, ToolchainError

    try:
        if spec.compiler == "zig":
            from .toolchain import build, cached_build

            if cache_dir is not None:
                path = cached_build(sources, cache_dir, name="audit-zig", opt_level=spec.level, extra_defines=defines)
            else:
                path = build(sources, out_dir / f"zig-O{spec.level}.elf", spec.level, defines).path
        else:
            from .toolchain.gcc import build_gcc, cached_build_gcc

            if cache_dir is not None:
                path = cached_build_gcc(sources, cache_dir, name="audit", opt_level=spec.level, extra_defines=defines)
            else:
                path = build_gcc(sources, out_dir / f"gcc-O{spec.level}.elf", spec.level, defines).path
    except (BuildError, ToolchainError, ValueError, OSError) as e:
        first = str(e).strip().splitlines()
        return Build(spec, error=" / ".join(first[:3]) if first else type(e).__name__)
    data = Path(path).read_bytes()
    return Build(spec, elf_path=Path(path), sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def build_all(
    sources,
    specs: Sequence[BuildSpec],
    out_dir: str | os.PathLike,
    defines: Sequence[str] = (),
    cache_dir: str | os.PathLike | None = None,
    jobs: int = 2,
) -> list[Build]:
    """Build ``sources`` for every spec (``jobs`` compilers at a time). A failing build is
    returned with ``error`` set, never raised. Builds with byte-identical ELFs get
    ``same_as`` = the name of the first one (two levels can compile a simple guest to the same code)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        builds = list(pool.map(lambda s: _build_one(s, sources, out_dir, list(defines), cache), specs))
    first_of: dict[str, str] = {}
    for b in builds:
        if b.ok:
            if b.sha256 in first_of:
                b.same_as = first_of[b.sha256]
            else:
                first_of[b.sha256] = b.spec.name
    return builds


# ---------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The public behaviour of one run.

    ``kind``: ``"exit"`` (normal exit: ``exit_code``, ``stdout``, ``journal`` are what is
    compared), ``"fault"`` (the guest was stopped: memory fault, illegal instruction,
    signal; ``detail`` says which), ``"timeout"`` (cycle or time limit), ``"error"`` (the
    ELF could not be loaded or run at all). ``cycles`` is informational (0 under qemu).
    """

    kind: str
    exit_code: int | None = None
    stdout: bytes = b""
    journal: bytes = b""
    detail: str = ""
    cycles: int = 0

    def key(self) -> tuple:
        """What must be equal for two builds to agree."""
        if self.kind == "exit":
            return ("exit", self.exit_code, self.stdout, self.journal)
        if self.kind == "fault":
            return ("fault", self.detail.split(":")[0])
        return (self.kind,)

    def coarse_key(self) -> tuple:
        """For executor vs qemu: any fault equals any fault (the executor names a fault
        class, qemu a signal)."""
        if self.kind == "fault":
            return ("fault",)
        return self.key()

    def summary(self) -> str:
        if self.kind == "exit":
            j = self.journal.hex()
            j = (j[:16] + "..") if len(j) > 18 else (j or "-")
            out = self.stdout[:40].decode("utf-8", "replace").replace("\n", "\\n")
            if len(self.stdout) > 40:
                out += ".."
            return f"exit {self.exit_code}, journal {j}, stdout {out!r}"
        if self.kind == "fault":
            return f"fault ({self.detail})"
        return self.kind + (f" ({self.detail})" if self.detail else "")


Executor = Callable[[bytes, bytes, int], Outcome]


def run_executor(elf: bytes, data: bytes, max_cycles: int = AUDIT_MAX_CYCLES) -> Outcome:
    """Run ``elf`` in the zkvm executor on private input ``data``."""
    from .riscv import CycleLimitExceeded, ElfError, GuestError, execute, load_elf

    try:
        program = load_elf(elf)
    except ElfError as e:
        return Outcome("error", detail=f"ELF rejected: {e}")
    try:
        r = execute(program, input=data, max_cycles=max_cycles)
    except CycleLimitExceeded:
        return Outcome("timeout", detail=f"{max_cycles} cycles", cycles=max_cycles)
    except GuestError as e:
        return Outcome("fault", detail=f"{type(e).__name__}: {e}")
    return Outcome("exit", r.exit_code, r.stdout, r.journal, cycles=r.cycles)


def qemu_path() -> str | None:
    return shutil.which(QEMU)


def run_qemu(elf_path: str | os.PathLike, data: bytes, timeout_s: float = 30.0) -> Outcome:
    """Run the ELF under user-mode ``qemu-riscv32``: input on stdin, journal from fd 3.

    A guest killed by SIGABRT maps to exit code 134 (what the executor gives for musl's
    ``abort()``); other signals are faults."""
    qemu = qemu_path()
    if qemu is None:
        return Outcome("error", detail=f"{QEMU} not installed")
    with tempfile.TemporaryDirectory(prefix="zkvm-qemu-") as d:
        jpath = Path(d) / "journal"
        ipath = Path(d) / "input"
        ipath.write_bytes(data)
        with open(ipath, "rb") as fin:
            # The journal is fd 3 in the child: a tiny shell wrapper opens it there.
            cmd = ["/bin/sh", "-c", 'exec "$0" "$1" 3>"$2"', qemu, str(elf_path), str(jpath)]
            try:
                proc = subprocess.run(cmd, stdin=fin, capture_output=True, timeout=timeout_s)
            except subprocess.TimeoutExpired:
                return Outcome("timeout", detail=f"qemu > {timeout_s:g} s")
        journal = jpath.read_bytes()
    rc = proc.returncode
    if rc < 0:
        sig = -rc
        if sig == signal.SIGABRT:
            return Outcome("exit", 128 + sig, proc.stdout, journal)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return Outcome("fault", detail=f"{name}: killed by signal {sig}")
    return Outcome("exit", rc & 0xFF, proc.stdout, journal)


# ---------------------------------------------------------------------------------------
# The audit
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputCase:
    name: str
    data: bytes


def random_inputs(n: int, size: int, seed: int = 0) -> list[InputCase]:
    """``n`` random inputs of ``size`` bytes, reproducible from ``seed``."""
    rng = random.Random(seed)
    return [InputCase(f"random#{i} (seed {seed})", rng.randbytes(size)) for i in range(n)]


@dataclass
class Disagreement:
    """On input ``input_name`` the runs split into ``groups`` (build names, outcome);
    ``kind`` is ``"build-vs-build"`` (compiler bug or UB), ``"libc-formatting"`` (the
    builds agree on exit code and journal, and their stdout differs only in how the two
    C libraries print floating-point numbers: :func:`formatting_only`), or
    ``"executor-vs-qemu"`` (the zkvm executor and qemu ran the same ELF differently: a
    zkvm bug)."""

    kind: str
    input_name: str
    groups: list[tuple[list[str], Outcome]]

    def describe(self) -> str:
        lines = [f"{self.kind} on input {self.input_name!r}:"]
        for names, o in self.groups:
            lines.append(f"  {', '.join(names)}: {o.summary()}")
        lines += ["  " + ln for ln in self.first_difference().splitlines()]
        return "\n".join(lines)

    def first_difference(self) -> str:
        """Where the first two groups' outcomes first differ: the field (exit code,
        journal, stdout) and, for bytes, the first differing byte with context from
        each side (text shown escaped, binary in hex)."""
        from .diagnostics import bytes_diff

        if len(self.groups) < 2:
            return ""
        (na, a), (nb, b) = self.groups[0], self.groups[1]
        names = (na[0], nb[0])
        if a.kind != "exit" or b.kind != "exit":
            return ""
        if a.exit_code != b.exit_code:
            return f"exit code: {names[0]} {a.exit_code}, {names[1]} {b.exit_code}"
        if a.journal != b.journal:
            return "journal differs: " + bytes_diff(a.journal, b.journal, names)
        if a.stdout != b.stdout:
            return "stdout differs: " + bytes_diff(a.stdout, b.stdout, names)
        return ""


# A number as printf writes it: decimal or exponent form (no hex floats), or inf/nan.
_NUM = re.compile(rb"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)(?:inity)?", re.I)


def _is_float_token(t: bytes) -> bool:
    return any(c in t for c in b".eEiInN")


def _last_digit_unit(t: bytes) -> float:
    """The value of one unit in the last printed digit of a decimal token."""
    m = re.fullmatch(rb"[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?", t)
    if m is None:
        return 0.0
    frac = len(m.group(2) or b"")
    exp = int(m.group(3)) if m.group(3) else 0
    return 10.0 ** (exp - frac)


def formatting_only(a: bytes, b: bytes) -> bool:
    """True if stdouts ``a`` and ``b`` differ only in how floating-point numbers are
    printed: same text around the numbers, same count of numbers, integers equal, and
    every differing pair of numbers (at least one with a decimal point or exponent)
    within 5 units of the last printed digit of the less precise one (or a relative
    1e-9) -- e.g. musl ``0.56149998999999995`` vs picolibc ``0.56149999`` for
    ``%.17g``, or the rounding of ``%.3f``. A heuristic for classifying audit
    findings; it never hides a difference in exit code or journal."""
    if a == b:
        return False
    ta, tb = _NUM.split(a), _NUM.split(b)
    na, nb = _NUM.findall(a), _NUM.findall(b)
    if ta != tb or len(na) != len(nb):
        return False
    seen_float = False
    for x, y in zip(na, nb):
        if x == y:
            continue
        if not (_is_float_token(x) or _is_float_token(y)):
            return False  # an integer printed differently is a semantic difference
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if fx != fx or fy != fy:  # nan
            if not (fx != fx and fy != fy):
                return False
            continue
        tol = 5 * max(_last_digit_unit(x), _last_digit_unit(y))
        if abs(fx - fy) > max(tol, 1e-9 * max(abs(fx), abs(fy))):
            return False
        seen_float = True
    return seen_float


def classify(d: "Disagreement", specs_by_name: dict) -> str:
    """``"libc-formatting"`` for a build-vs-build split that is exactly one compiler
    route against the other (so one C library against the other) and whose outcomes
    agree on exit code and journal with stdouts that are :func:`formatting_only`;
    else the disagreement's own kind."""
    if d.kind != "build-vs-build" or len(d.groups) != 2:
        return d.kind
    comps = []
    for names, o in d.groups:
        if o.kind != "exit":
            return d.kind
        cs = {specs_by_name[n].compiler for n in names if n in specs_by_name}
        if len(cs) != 1:
            return d.kind
        comps.append(cs.pop())
    (_, a), (_, b) = d.groups
    if comps[0] == comps[1] or a.exit_code != b.exit_code or a.journal != b.journal:
        return d.kind
    return "libc-formatting" if formatting_only(a.stdout, b.stdout) else d.kind


@dataclass
class AuditReport:
    builds: list[Build]
    inputs: list[InputCase]
    results: dict[tuple[str, str], Outcome] = field(default_factory=dict)  # (build, input) -> outcome
    qemu_results: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    cycles_per_second: float | None = None

    @property
    def ok(self) -> bool:
        """No semantic disagreement (libc-formatting differences in stdout are reported
        apart and do not fail the audit: stdout is not part of the proof)."""
        return not self.semantic

    @property
    def semantic(self) -> list:
        return [d for d in self.disagreements if d.kind != "libc-formatting"]

    @property
    def formatting(self) -> list:
        return [d for d in self.disagreements if d.kind == "libc-formatting"]

    def differing(self, input_name: str) -> set[str]:
        """Builds whose outcome on ``input_name`` is not the majority outcome."""
        out: set[str] = set()
        for d in self.disagreements:
            if d.input_name == input_name and d.kind == "build-vs-build":
                for names, _ in d.groups[1:]:
                    out.update(names)
            if d.input_name == input_name and d.kind == "executor-vs-qemu":
                out.update(d.groups[0][0])
        return out


def _group(outcomes: dict[str, Outcome], key) -> list[tuple[list[str], Outcome]]:
    groups: dict[tuple, tuple[list[str], Outcome]] = {}
    for name, o in outcomes.items():
        groups.setdefault(key(o), ([], o))[0].append(name)
    # Majority first (ties: the group of the earliest build).
    return sorted(groups.values(), key=lambda g: -len(g[0]))


def compare_builds(outcomes: dict[str, Outcome], input_name: str) -> Disagreement | None:
    """A build-vs-build disagreement if the outcomes (in build order) are not all equal."""
    groups = _group(outcomes, Outcome.key)
    if len(groups) <= 1:
        return None
    return Disagreement("build-vs-build", input_name, groups)


def compare_executor_qemu(build_name: str, ex: Outcome, qe: Outcome, input_name: str) -> Disagreement | None:
    """An executor-vs-qemu disagreement for one ELF; inconclusive (None) when either side
    timed out or could not run."""
    if ex.kind in ("timeout", "error") or qe.kind in ("timeout", "error"):
        return None
    if ex.coarse_key() == qe.coarse_key():
        return None
    return Disagreement(
        "executor-vs-qemu", input_name, [([f"{build_name} (zkvm executor)"], ex), ([f"{build_name} (qemu)"], qe)]
    )


def audit(
    sources,
    inputs: Sequence[InputCase],
    specs: Sequence[BuildSpec] | None = None,
    *,
    defines: Sequence[str] = (),
    max_cycles: int = AUDIT_MAX_CYCLES,
    qemu: bool = False,
    qemu_timeout_s: float = 30.0,
    cache_dir: str | os.PathLike | None = None,
    work_dir: str | os.PathLike | None = None,
    jobs: int = 2,
    executor: Executor = run_executor,
    cycles_per_second: float | None = None,
) -> AuditReport:
    """Build ``sources`` for every spec, run every build on every input and compare.

    Byte-identical ELFs are run once. ``qemu=True`` also runs every distinct ELF under
    qemu-riscv32 and reports executor-vs-qemu differences. Raises AuditError when there
    is no input or no build succeeded.
    """
    if not inputs:
        raise AuditError("no inputs: give --input FILE, --inputs DIR or --random N")
    specs = list(specs) if specs is not None else default_specs()
    own_tmp = None
    if work_dir is None:
        own_tmp = tempfile.mkdtemp(prefix="zkvm-audit-")
        work_dir = own_tmp
    try:
        builds = build_all(sources, specs, work_dir, defines, cache_dir, jobs)
        ok = [b for b in builds if b.ok]
        if not ok:
            raise AuditError("no build succeeded:\n" + "\n".join(f"  {b.spec.name}: {b.error}" for b in builds))
        report = AuditReport(builds, list(inputs), cycles_per_second=prover_cycles_per_second(cycles_per_second))
        by_sha: dict[str, Build] = {}
        for b in ok:
            by_sha.setdefault(b.sha256, b)
        for case in inputs:
            per_sha = {sha: executor(b.elf_path.read_bytes(), case.data, max_cycles) for sha, b in by_sha.items()}
            for b in ok:
                report.results[(b.spec.name, case.name)] = per_sha[b.sha256]
            d = compare_builds({b.spec.name: per_sha[b.sha256] for b in ok}, case.name)
            if d is not None:
                d.kind = classify(d, {b.spec.name: b.spec for b in ok})
                report.disagreements.append(d)
            if qemu:
                for sha, b in by_sha.items():
                    if per_sha[sha].kind == "timeout":
                        continue  # inconclusive either way; do not spend qemu_timeout_s on it
                    qe = run_qemu(b.elf_path, case.data, qemu_timeout_s)
                    for bb in ok:
                        if bb.sha256 == sha:
                            report.qemu_results[(bb.spec.name, case.name)] = qe
                    dq = compare_executor_qemu(b.spec.name, per_sha[sha], qe, case.name)
                    if dq is not None:
                        report.disagreements.append(dq)
        return report
    finally:
        if own_tmp is not None:
            shutil.rmtree(own_tmp, ignore_errors=True)


def _cell(o: Outcome | None, differs: bool, fmt_only: bool = False) -> str:
    if o is None:
        return "-"
    if o.kind == "exit":
        return f"{'DIFFERS' if differs else ('libc-fmt' if fmt_only else 'agree')} {o.cycles:,}"
    tag = {"fault": "FAULT", "timeout": "TIMEOUT", "error": "ERROR"}[o.kind]
    return f"{'DIFFERS' if differs else 'agree'} {tag}"


def format_report(report: AuditReport) -> str:
    """The table (build x input -> agree / DIFFERS and cycles, ELF size, estimated
    proving time of the longest input) followed by the verdict."""
    inputs = report.inputs
    differing = {c.name: report.differing(c.name) for c in inputs}
    fmt_only = {c.name: {n for d in report.formatting if d.input_name == c.name for n in d.groups[1][0]}
                for c in inputs}
    headers = ["build", "ELF bytes", *[f"in{i + 1}" for i in range(len(inputs))], "est. prove (max)"]
    rows = []
    for b in report.builds:
        name = b.spec.name
        if not b.ok:
            rows.append([name, "-", *["build failed"] * len(inputs), "-"])
            continue
        cells, worst = [], 0
        for c in inputs:
            o = report.results.get((name, c.name))
            cells.append(_cell(o, name in differing[c.name], name in fmt_only[c.name]))
            if o is not None and o.kind == "exit":
                worst = max(worst, o.cycles)
        size = f"{b.size:,}" + (f" (= {b.same_as})" if b.same_as else "")
        est = format_seconds(estimate_proving_seconds(worst, report.cycles_per_second)) if worst else "-"
        rows.append([name, size, *cells, est])
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    fmt = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()
    lines = [fmt(headers), fmt(["-" * w for w in widths]), *map(fmt, rows), ""]
    for i, c in enumerate(inputs):
        lines.append(f"in{i + 1} = {c.name} ({len(c.data)} bytes)")
    rate = report.cycles_per_second
    lines.append(
        "est. prove = cycles / "
        + (f"{rate:,.0f} cycles/s: prover CPU time, default parameters, an estimate (zkvm.audit."
           "PROVER_CYCLES_PER_SECOND, fitted by bench/bench_compiler_trust.py --fit); --levels / --level-summary "
           "estimate it per build from the trace sizes" if rate
           else "prover cycles/s (not measured: set zkvm.audit.PROVER_CYCLES_PER_SECOND from "
                "bench/bench_compiler_trust.py --fit)")
    )
    timeouts = sorted({c for (_, c), o in report.results.items() if o.kind == "timeout"})
    if timeouts:
        lines.append(
            f"note: runs on {len(timeouts)} input(s) hit the cycle limit ({', '.join(timeouts[:3])}"
            + (", ..." if len(timeouts) > 3 else "")
            + "): their output was not compared; raise --max-cycles"
        )
    failed = [b for b in report.builds if not b.ok]
    for b in failed:
        lines.append(f"build failed: {b.spec.name}: {b.error}")
    lines.append("")
    fmt = report.formatting
    if fmt:
        lines.append(f"libc formatting: {len(fmt)} input(s) where the zig (musl) and gcc (picolibc) builds "
                     "agree on exit code and journal but print floating-point numbers differently "
                     "(not a compiler bug; stdout is not part of the proof). First one:")
        lines.append(fmt[0].describe())
        lines.append("")
    if report.ok:
        n = sum(1 for b in report.builds if b.ok)
        if fmt:
            lines.append(f"OK: all {n} builds agree on all {len(inputs)} inputs (exit code, journal; stdout "
                         "up to libc number formatting).")
        else:
            lines.append(f"OK: all {n} builds agree on all {len(inputs)} inputs (exit code, stdout, journal).")
    else:
        sem = report.semantic
        first = sem[0]
        kinds = sorted({d.kind for d in sem})
        lines.append(f"DISAGREEMENT ({', '.join(kinds)}); first disagreeing input: {first.input_name!r}")
        lines.append(first.describe())
        if len(sem) > 1:
            lines.append(f"(and {len(sem) - 1} more disagreement(s))")
        lines.append(
            "build-vs-build: a compiler bug or undefined behaviour in the guest; "
            "executor-vs-qemu: a zkvm executor bug. See docs/compiler-trust.md."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# The cost of each optimisation level (`zkvm audit --level-summary`)
# ---------------------------------------------------------------------------------------


@dataclass
class LevelCost:
    """What one build costs on one input: ``cycles``, the ELF size, the committed trace
    cells of a proof of that run (:func:`trace_profile`), the segments it takes, and the
    proving time *estimated* from the cells (:func:`estimate_from_cells`). ``error`` says
    why there are no figures (the run faulted, timed out or cannot be proven)."""

    name: str
    elf_bytes: int
    same_as: str | None = None
    cycles: int | None = None
    cells: int | None = None
    segments: int | None = None
    est_seconds: float | None = None
    error: str = ""


def level_costs(report: AuditReport, input_name: str | None = None, params: str = "default",
                model: dict | None = None) -> list[LevelCost]:
    """The cost of every successful build of ``report`` on one of its inputs (default:
    the first), one trace profile per distinct ELF (a few seconds each, more for long
    runs: it executes and generates every trace, without proving)."""
    case = next((c for c in report.inputs if input_name is None or c.name == input_name), None)
    if case is None:
        raise AuditError(f"no input named {input_name!r}")
    out: list[LevelCost] = []
    done: dict[str, LevelCost] = {}
    for b in report.builds:
        if not b.ok:
            out.append(LevelCost(b.spec.name, 0, error="build failed"))
            continue
        lc = LevelCost(b.spec.name, b.size, same_as=b.same_as)
        first = done.get(b.sha256)
        if first is not None:
            lc.cycles, lc.cells, lc.segments, lc.est_seconds, lc.error = (
                first.cycles, first.cells, first.segments, first.est_seconds, first.error)
        else:
            o = report.results.get((b.spec.name, case.name))
            if o is None or o.kind != "exit":
                lc.error = "no run" if o is None else o.kind
            else:
                try:
                    prof = trace_profile(b.elf_path.read_bytes(), case.data, params)
                    lc.cycles, lc.cells, lc.segments = prof["cycles"], prof["cells"], prof["segments"]
                    lc.est_seconds = estimate_from_cells(lc.cells, model, lc.segments or 1)
                except Exception as e:  # noqa: BLE001 -- an unprovable run is reported, not fatal
                    lc.cycles = o.cycles
                    lc.error = f"not provable: {str(e).splitlines()[0][:80]}" if str(e) else type(e).__name__
            done[b.sha256] = lc
        out.append(lc)
    return out


def _rel(x: float | None, base: float | None) -> str:
    if x is None or not base:
        return "-"
    return f"{(x / base - 1) * 100:+.1f} %"


def format_level_costs(costs: Sequence[LevelCost], input_name: str, model: dict | None = None) -> str:
    """The per-level table of ``zkvm audit --level-summary``: cycles, ELF bytes, trace
    cells, segments and the estimated proving time of each build, each relative to
    ``-O3`` of the same compiler, then how the estimate is made."""
    model = PROVE_MODEL if model is None else model
    base = {c.name.split(" ")[0]: c for c in costs if c.name.endswith("-O3") and c.cycles}
    headers = ["build", "cycles", "vs -O3", "ELF bytes", "trace cells", "segments", "est. prove", "vs -O3"]
    rows = []
    for c in costs:
        b = base.get(c.name.split(" ")[0])
        if c.cycles is None and c.error:
            rows.append([c.name, "-", "-", f"{c.elf_bytes:,}" if c.elf_bytes else "-", "-", "-", c.error, ""])
            continue
        rows.append([
            c.name, f"{c.cycles:,}", _rel(c.cycles, b.cycles if b else None),
            f"{c.elf_bytes:,}" + (f" (= {c.same_as})" if c.same_as else ""),
            f"{c.cells / 1e6:,.1f} M" if c.cells else "-", str(c.segments or "-"),
            format_seconds(c.est_seconds) if not c.error else c.error,
            _rel(c.est_seconds, b.est_seconds if b else None),
        ])
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    fmt = lambda r: "  ".join(str(x).rjust(w) if 0 < i < len(r) else str(x).ljust(w)
                              for i, (x, w) in enumerate(zip(r, widths))).rstrip()
    lines = [f"cost of each optimisation level on input {input_name!r}:", fmt(headers),
             fmt(["-" * w for w in widths]), *map(fmt, rows)]
    if model is None:
        lines.append("est. prove: n/a (no proving-time model: zkvm.audit.PROVE_MODEL is not set)")
    else:
        lines.append(f"est. prove: an ESTIMATE of the prover's CPU time, not a measurement: {model['fixed_s']:.2f} s "
                     f"per proof (segment) + {model['per_mcell_s']:.3f} s per million trace cells (default parameters; "
                     f"trace cells = every table's padded height x its committed main + LogUp columns), "
                     f"fitted on measured proofs ({model.get('source', 'bench/bench_compiler_trust.py')}); "
                     "a machine of another speed scales every figure alike, so compare the rows.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# csmith: generated programs
# ---------------------------------------------------------------------------------------

CSMITH = "csmith"
CSMITH_OPTIONS = (
    "--no-argc",  # main(void): the zkvm passes argv = ["guest"] anyway
    "--no-bitfields",
    "--no-packed-struct",  # packed structs give misaligned accesses (rejected by the zkvm)
    "--no-volatiles",
    "--no-volatile-pointers",
    "--no-float",
    "--no-builtins",
    "--quiet",
    "--concise",
    "--max-funcs", "6",
    "--max-block-depth", "3",
    "--max-array-len-per-dim", "6",
)
"""csmith options: freestanding-friendly (no argv, no packed structs or bit-fields, no
volatiles, no floats) and small, so that 2 compilers x 5 levels build in seconds."""


def csmith_runtime_header() -> Path:
    """Our replacement for csmith's runtime header (``tools/csmith/csmith.h``)."""
    here = Path(__file__).resolve()
    for root in (here.parents[2], Path.cwd()):
        p = root / "tools" / "csmith" / "csmith.h"
        if p.is_file():
            return p
    raise AuditError("tools/csmith/csmith.h not found (run from a zkvm source checkout)")


def generate_csmith(seed: int, out_dir: str | os.PathLike, options: Sequence[str] = CSMITH_OPTIONS) -> Path:
    """Generate program ``seed`` into ``out_dir/prog.c`` with ``csmith.h`` beside it
    (a guest directory ``zkvm build``/``zkvm audit`` accept). Returns ``out_dir``."""
    exe = shutil.which(CSMITH)
    if exe is None:
        raise AuditError("csmith is not installed (`apt-get install csmith`)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [exe, "--seed", str(seed), *options, "-o", str(out / "prog.c")], capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise AuditError(f"csmith --seed {seed} failed: {proc.stderr.strip()}")
    shutil.copyfile(csmith_runtime_header(), out / "csmith.h")
    return out


@dataclass
class CsmithResult:
    """Verdict on one generated program.

    ``verdict``: ``"agree"``; ``"executor-vs-qemu"`` (a zkvm bug: the same ELF ran
    differently); ``"build-vs-build"`` (a compiler bug or UB csmith failed to exclude);
    ``"timeout"`` (nothing finished: inconclusive); ``"build-failed"`` (no build, or only
    one compiler built it)."""

    seed: int | None
    verdict: str
    report: AuditReport | None
    message: str = ""

    def describe(self) -> str:
        head = f"seed {self.seed}: {self.verdict}"
        if self.message:
            head += f" -- {self.message}"
        if self.report is not None and self.report.disagreements:
            head += "\n" + "\n".join(d.describe() for d in self.report.disagreements[:4])
        return head


def csmith_check(
    program_dir: str | os.PathLike,
    specs: Sequence[BuildSpec] | None = None,
    *,
    seed: int | None = None,
    max_cycles: int = 10_000_000,
    qemu_timeout_s: float = 10.0,
    cache_dir: str | os.PathLike | None = None,
    jobs: int = 2,
    executor: Executor = run_executor,
) -> CsmithResult:
    """Build one csmith program with every spec, run each distinct ELF in ``executor`` and
    under qemu (empty input), and classify. Executor-vs-qemu takes precedence over
    build-vs-build: a zkvm bug makes the build comparison meaningless."""
    try:
        report = audit(
            program_dir, [InputCase("(none)", b"")], specs, max_cycles=max_cycles, qemu=True,
            qemu_timeout_s=qemu_timeout_s, cache_dir=cache_dir, jobs=jobs, executor=executor,
        )
    except AuditError as e:
        return CsmithResult(seed, "build-failed", None, str(e).splitlines()[0])
    built = {b.spec.compiler for b in report.builds if b.ok}
    kinds = {d.kind for d in report.disagreements}
    if "executor-vs-qemu" in kinds:
        return CsmithResult(seed, "executor-vs-qemu", report, "the zkvm executor and qemu disagree on the same ELF")
    if "build-vs-build" in kinds:
        finished = {o.key() for o in report.results.values() if o.kind != "timeout"}
        if len(finished) <= 1:
            return CsmithResult(seed, "timeout", report, "some builds hit the cycle limit; raise --max-cycles")
        return CsmithResult(seed, "build-vs-build", report, "builds disagree: compiler bug or undefined behaviour")
    outs = list(report.results.values())
    if outs and all(o.kind == "timeout" for o in outs):
        return CsmithResult(seed, "timeout", report, "every build hit the cycle limit")
    if len(built) < 2:
        return CsmithResult(seed, "build-failed", report, f"only {', '.join(sorted(built))} built it")
    return CsmithResult(seed, "agree", report)


# ---------------------------------------------------------------------------------------
# CLI: `zkvm audit`
# ---------------------------------------------------------------------------------------


def _collect_inputs(inputs_dir: Path | None, input_files: Sequence[Path]) -> list[InputCase]:
    cases = []
    if inputs_dir is not None:
        if not inputs_dir.is_dir():
            raise AuditError(f"--inputs: not a directory: {inputs_dir}")
        for p in sorted(inputs_dir.iterdir(), key=lambda q: q.name.encode()):
            if p.is_file():
                cases.append(InputCase(p.name, p.read_bytes()))
    for p in input_files:
        try:
            cases.append(InputCase(str(p), Path(p).read_bytes()))
        except OSError as e:
            raise AuditError(f"cannot read input {p}: {e.strerror or e}") from None
    return cases


def audit_command(
    sources: List[Path],
    inputs: Optional[Path] = None,
    input: Optional[List[Path]] = None,
    random_count: int = 0,
    input_size: Optional[int] = None,
    seed: int = 0,
    compilers: str = ",".join(COMPILERS),
    levels: Optional[str] = None,
    define: Optional[List[str]] = None,
    max_cycles: int = AUDIT_MAX_CYCLES,
    qemu: bool = False,
    jobs: int = 2,
    prover_cycles_per_second: Optional[float] = None,
    cache_dir: Optional[Path] = None,
    level_summary: Optional[bool] = None,
) -> None:
    """Build the guest with every compiler x optimisation level, run every build on every
    input, and fail if any two disagree (exit code, stdout, journal).

    ``--levels LIST`` (explicit) also prints the per-level cost summary after the verdict
    (:func:`format_level_costs`: cycles, ELF size, trace cells and the estimated proving
    time of every build on the first input, relative to -O3); ``--level-summary`` asks for
    it with the default levels, ``--no-level-summary`` turns it off.

    Exit codes: 0 all builds agree; 1 a disagreement (the report names the builds and the
    first input); 2 bad usage or nothing could be built.
    """
    import typer

    def fail(msg: str, code: int):
        typer.echo("error: " + msg, err=True)
        return typer.Exit(code)

    try:
        cases = _collect_inputs(inputs, list(input or []))
        if random_count:
            size = input_size if input_size is not None else (len(cases[0].data) if cases else None)
            if size is None:
                raise AuditError("--random needs --input-size (or an --input whose size is used)")
            cases += random_inputs(random_count, size, seed)
        if level_summary is None:
            level_summary = levels is not None
        level_list = LEVELS if levels is None else [lv.strip() for lv in levels.split(",") if lv.strip()]
        specs = default_specs([c.strip() for c in compilers.split(",") if c.strip()], level_list)
        if qemu and qemu_path() is None:
            raise AuditError(f"--qemu: {QEMU} is not installed")
        report = audit(
            sources, cases, specs, defines=list(define or []), max_cycles=max_cycles, qemu=qemu, jobs=jobs,
            cycles_per_second=prover_cycles_per_second, cache_dir=cache_dir,
        )
    except (AuditError, ValueError) as e:
        raise fail(str(e), 2) from None
    typer.echo(format_report(report))
    if level_summary:
        case = report.inputs[0]
        try:
            costs = level_costs(report, case.name)
        except AuditError as e:
            raise fail(str(e), 2) from None
        typer.echo("")
        typer.echo(format_level_costs(costs, case.name))
    if not report.ok:
        raise typer.Exit(1)


def _typer_signature():
    """Attach typer parameter metadata to :func:`audit_command` (kept apart so the engine
    above does not import typer)."""
    import inspect

    import typer

    params = {
        "sources": typer.Argument(..., help="Guest directory (its *.c files) or .c files."),
        "inputs": typer.Option(None, "--inputs", help="Directory: every file in it is one private input."),
        "input": typer.Option(None, "--input", "-i", help="A file holding one private input (repeatable)."),
        "random_count": typer.Option(0, "--random", min=0, help="Also run N random inputs."),
        "input_size": typer.Option(None, "--input-size", min=0,
                                   help="Size of random inputs [default: size of the first input]."),
        "seed": typer.Option(0, "--seed", help="Seed of the random inputs."),
        "compilers": typer.Option(",".join(COMPILERS), "--compilers", help="Comma-separated: zig,gcc."),
        "levels": typer.Option(
            None, "--levels",
            help=f"Comma-separated optimisation levels [default: {','.join(LEVELS)}]. Given explicitly, the audit "
                 "also prints what each level costs on the first input (cycles, ELF size, trace cells, "
                 "estimated proving time, relative to -O3), as --level-summary does."),
        "define": typer.Option(None, "-D", "--define", help="Preprocessor define NAME or NAME=VALUE."),
        "max_cycles": typer.Option(AUDIT_MAX_CYCLES, "--max-cycles", min=1, help="Cycle limit per run."),
        "qemu": typer.Option(False, "--qemu", help="Also run every ELF under qemu-riscv32 and compare."),
        "jobs": typer.Option(2, "--jobs", "-j", min=1, help="Parallel compilations."),
        "prover_cycles_per_second": typer.Option(
            None, "--prover-cycles-per-second", help="Override the prover speed used for estimates."),
        "cache_dir": typer.Option(None, "--cache-dir", help="Keep and reuse builds here (keyed by a digest of "
                                  "compiler, flags and sources) [default: build afresh in a temp dir]."),
        "level_summary": typer.Option(
            None, "--level-summary/--no-level-summary",
            help="Print (or not) what each build (compiler x level) costs on the first input: cycles, ELF size, "
                 "trace cells and the estimated proving time, relative to -O3 [default: on when --levels "
                 "is given]."),
    }
    sig = inspect.signature(audit_command)
    new = [p.replace(default=params[p.name]) for p in sig.parameters.values()]
    audit_command.__signature__ = sig.replace(parameters=new)


try:  # typer is a dependency of the CLI; the engine works without it
    _typer_signature()
except ImportError:  # pragma: no cover
    pass


__all__ = [
    "AUDIT_MAX_CYCLES",
    "COMPILERS",
    "LEVELS",
    "PROVER_CYCLES_PER_SECOND",
    "AuditError",
    "AuditReport",
    "Build",
    "BuildSpec",
    "CsmithResult",
    "Disagreement",
    "InputCase",
    "LevelCost",
    "Outcome",
    "PROVE_MODEL",
    "audit",
    "audit_command",
    "build_all",
    "compare_builds",
    "compare_executor_qemu",
    "csmith_check",
    "default_specs",
    "estimate_from_cells",
    "estimate_proving_seconds",
    "format_level_costs",
    "level_costs",
    "format_report",
    "generate_csmith",
    "prover_cycles_per_second",
    "run_executor",
    "run_qemu",
    "trace_profile",
]

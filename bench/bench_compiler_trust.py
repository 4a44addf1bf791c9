"""The cost of caution, measured: every corpus program x {zig, gcc} x {-O0 -O1 -O2 -O3 -Os}
-- cycles, ELF size, per-table trace heights, per-chip row counts (the instruction mix),
MEASURED proving time and receipt size -- and the summary tables of docs/compiler-trust.md.

    python bench/bench_compiler_trust.py                 # the full sweep (default params; long)
    python bench/bench_compiler_trust.py --quick         # smoke run: 2 small programs, testing params
    python bench/bench_compiler_trust.py --report        # only print the tables from the results file
    python bench/bench_compiler_trust.py --programs sort,json --compilers zig --levels 1,3

Resumable: every measurement is stored in the results file (default
``.zkvm-cache/compiler-trust/results-<params>-proof-v<N>.json``, N = the STARK proof format version) under the key
``<ELF sha256>:<input sha256>:<params>``, written after each proof, and a run skips what
is already there -- stop it at any time and start it again. Builds are cached by a digest
of compiler, flags and sources (``.zkvm-cache/compiler-trust/elf``). Byte-identical ELFs
(e.g. two levels that compile to the same code) are measured once.

Per distinct ELF it records: cycles and exit code (executor), the public outcome (all
builds of a program must agree on exit code, journal and stdout: the audit's check), the
rows of every instruction chip (unpadded: one row per executed instruction of that
chip), the padded height of every table and the committed cells (height x (main + LogUp
auxiliary columns)) from the prover's own trace generation, then a real proof with
``zkvm.api.prove`` (runs above ``MONOLITHIC_MAX_CYCLES`` are not proved by default -- the
report gives the fitted model's estimate, marked ``~`` -- and with ``--max-prove-cycles 0``
are proved by ``zkvm.api.prove_segments``, which needed 14 GiB for 2^20-cycle segments): its
wall time (end to end, as ``zkvm prove``: execute, witness, traces, STARK), the receipt
size, and a verification of the receipt against the ELF's image ID. The load average
before and after each proof, the CPU model and the time are stored with it: the machine
may be shared, so compare figures from one run, and read proving times as relative.

The corpus (``CORPUS``): the EVM guest on an ERC-20 transfer and two Ethereum state tests
(``--statetests DIR``, default /work/shared/evm-statetests: ethereum/tests
GeneralStateTests), the fibonacci / SHA-256 examples and the battleship referee over 8
games, a sorting and a JSON-parsing workload (bench/guests/), and two csmith programs
(bench/guests/csmith/, generated with ``zkvm.audit.CSMITH_OPTIONS`` at larger sizes and
kept as source so the corpus does not depend on the installed csmith).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".zkvm-cache" / "numba"))

from zkvm import audit as A  # noqa: E402

GUESTS = REPO / "bench" / "guests"
EXAMPLES = REPO / "examples"
LEVELS = ("0", "1", "2", "3", "s")
COMPILERS = ("zig", "gcc")
STATETESTS = Path(os.environ.get("ZKVM_STATETESTS", "/work/shared/evm-statetests"))


# ---------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------


@dataclass
class Program:
    """One corpus entry: what to build (a guest directory or a list of .c files) and a
    deterministic private input."""

    name: str
    sources: object
    make_input: Callable[[], bytes]
    what: str
    quick: bool = False
    needs: str = ""  # a path the input needs (skipped with a note when missing)
    defines: tuple = ()


def _rng(tag: str) -> random.Random:
    return random.Random(hashlib.sha256(tag.encode()).digest())


def fibonacci_input(n: int = 40_000) -> bytes:
    return n.to_bytes(4, "little")


def sha256_input(size: int = 2560) -> bytes:
    text = (EXAMPLES / "sha256" / "input-long.txt").read_bytes()
    return (text * (size // len(text) + 1))[:size]


def battleship_input(games: int = 8) -> bytes:
    """``games`` referee checks: the example's two valid boards with fresh salts and shots."""
    rng = _rng("battleship-batch")
    boards = [(EXAMPLES / "battleship" / f).read_bytes()[:100] for f in ("input-hit.bin", "input-miss.bin")]
    out = bytearray(games.to_bytes(4, "little"))
    for g in range(games):
        out += boards[g % 2] + rng.randbytes(32) + bytes([rng.randrange(10), rng.randrange(10)])
    return bytes(out)


def sort_input(n: int = 400) -> bytes:
    rng = _rng("sort")
    out = bytearray(n.to_bytes(4, "little"))
    for _ in range(n):
        out += rng.randrange(n // 2).to_bytes(4, "little") + rng.getrandbits(32).to_bytes(4, "little")
    return bytes(out)


def json_input(size: int = 5120) -> bytes:
    """A JSON document of about ``size`` bytes: an array of records (ids, names with
    escapes and \\u escapes, nested tags and scores, booleans, nulls, floats)."""
    rng = _rng("json")
    words = ["alpha", "beta", "gamma", "delta", "\u00e9t\u00e9", "na\\\"me", "tab\\t", "\\u00fc\\u00df", "\\ud83d\\ude00",
             "zk", "proof", "stark"]
    items = []
    total = 2
    i = 0
    while total < size:
        rec = ('{"id": %d, "name": "%s %s", "score": %d.%02d, "ratio": -%de-%d, "ok": %s, "tags": [%s], '
               '"meta": {"depth": [[%d, [%d]], {"x": null}], "note": "%s"}}') % (
            i, rng.choice(words), rng.choice(words), rng.randrange(10_000), rng.randrange(100),
            rng.randrange(1, 9), rng.randrange(1, 20), rng.choice(["true", "false"]),
            ", ".join('"%s"' % rng.choice(words) for _ in range(rng.randrange(4))),
            rng.randrange(-500, 500), rng.randrange(1 << 20), rng.choice(words))
        items.append(rec)
        total += len(rec.encode()) + 2
        i += 1
    return ("[\n  " + ",\n  ".join(items) + "\n]\n").encode()


def evm_erc20_input(holders: int = 16) -> bytes:
    """The guest input of an ERC-20 ``transfer`` (examples/evm-erc20's Token) in a token
    that already has ``holders`` holders (deployment and the earlier transfers run in the
    guest to produce the pre-state): the storage trie the guest rehashes is that of a
    token in use, not of a fresh one (a transfer in a fresh token runs ~96 k cycles)."""
    from zkvm.evm import abi
    from zkvm.evm.ethutil import keccak256, private_key_to_address
    from zkvm.evm.session import EvmSession

    token = json.loads((EXAMPLES / "evm-erc20" / "Token.json").read_text())
    alice = int.from_bytes(keccak256(b"zkvm example: alice"), "big")
    bob = private_key_to_address(int.from_bytes(keccak256(b"zkvm example: bob"), "big"))
    s = EvmSession()
    s.fund(private_key_to_address(alice), 10**18)
    addr = s.deploy(alice, bytes.fromhex(token["bytecode"][2:]) + abi.encode_value("uint256", 10**24)).created
    for i in range(holders - 1):
        holder = keccak256(b"holder %d" % i)[:20]
        s.execute(alice, addr, abi.call_data("transfer(address,uint256)", holder, (i + 1) * 10**18))
    inp = s.transaction(alice, addr, abi.call_data("transfer(address,uint256)", bob, 1234 * 10**18))
    inp.dump_state = False
    return inp.encode()


def evm_statetest_input(rel: str, test: str, index: int) -> Callable[[], bytes]:
    def make() -> bytes:
        from zkvm.evm.statetest import cases_in_file

        cases = [c for c in cases_in_file(STATETESTS / rel, rel) if c.test == test and c.index == index]
        if not cases:
            raise SystemExit(f"state test {rel}::{test}::{index} not found under {STATETESTS}")
        inp = cases[0].input
        inp.dump_state = False
        return inp.encode()

    return make


EVM_GUEST = REPO / "src" / "zkvm" / "evm" / "guest"
CORPUS = [
    Program("fibonacci", EXAMPLES / "fibonacci", fibonacci_input, "examples/fibonacci, n = 40 000"),
    Program("sha256", EXAMPLES / "sha256", sha256_input, "examples/sha256 (plain C), 2.5 KiB"),
    Program("battleship", [EXAMPLES / "battleship" / "board.c", GUESTS / "battleship-batch" / "batch.c"],
            battleship_input, "examples/battleship's referee over 8 games (bench/guests/battleship-batch)"),
    Program("sort", GUESTS / "sort", sort_input, "merge sort + quicksort + heap of 400 records (bench/guests/sort)"),
    Program("json", GUESTS / "json", json_input, "JSON parser, 5 KiB document (bench/guests/json)"),
    Program("evm-erc20", EVM_GUEST, evm_erc20_input, "EVM guest: ERC-20 transfer, token with 16 holders (examples/evm-erc20)"),
    Program("evm-wallet", EVM_GUEST, evm_statetest_input("stWalletTest/walletConfirm.json", "walletConfirm", 0),
            "EVM guest: state test stWalletTest/walletConfirm", needs=str(STATETESTS)),
    Program("evm-exp", EVM_GUEST, evm_statetest_input("stEIP158Specific/EXP_Empty.json", "EXP_Empty", 0),
            "EVM guest: state test stEIP158Specific/EXP_Empty", needs=str(STATETESTS)),
    Program("csmith-120", [GUESTS / "csmith" / "seed-120.c"], lambda: b"",
            "csmith --seed 120 (bench/guests/csmith)"),
    Program("csmith-160", [GUESTS / "csmith" / "seed-160.c"], lambda: b"",
            "csmith --seed 160 (bench/guests/csmith)"),
    Program("csmith-189", [GUESTS / "csmith" / "seed-189.c"], lambda: b"",
            "csmith --seed 189 (bench/guests/csmith)"),
]
QUICK = [
    Program("fibonacci", EXAMPLES / "fibonacci", lambda: fibonacci_input(3000), "examples/fibonacci, n = 3 000",
            quick=True),
    Program("sort", GUESTS / "sort", lambda: sort_input(200), "bench/guests/sort, 200 records", quick=True),
]


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "host": platform.node()}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def text_bytes(elf: bytes) -> int:
    """Bytes of executable code the ELF loads (RV32IM: 4 per instruction)."""
    from zkvm.riscv import load_elf
    from zkvm.riscv.layout import PF_X

    return sum(len(s.data) for s in load_elf(elf).segments if s.flags & PF_X)


def load_results(path: Path) -> dict:
    if path.is_file():
        try:
            data = json.loads(path.read_text())
            if isinstance(data, dict) and isinstance(data.get("measurements"), dict):
                return data
        except json.JSONDecodeError:
            print(f"warning: {path} is not valid JSON; starting afresh", file=sys.stderr)
    return {"version": 1, "measurements": {}, "builds": {}}


def save_results(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(part, path)


def measure(elf: bytes, data: bytes, params: str, prove: bool = True, repeat: int = 1) -> dict:
    """Everything about one run of ``elf`` on ``data`` (module docstring)."""
    from zkvm.audit import trace_profile

    out = trace_profile(elf, data, params)
    if prove:
        prove_runs(out, elf, data, params, repeat)
    return out


def prove_runs(out: dict, elf: bytes, data: bytes, params: str, times: int) -> None:
    """Prove ``times`` more times and keep, in ``out``, the run with the least CPU time
    over these and any run already recorded there (the least disturbed by other jobs on
    a shared machine); ``out["repeats"]`` counts all proofs made. Each receipt is
    verified against the ELF's image ID and must carry the executed exit code and journal."""
    import numpy as np

    from zkvm import api

    for _ in range(max(1, times)):
        load_before = os.getloadavg()
        c0, t0 = time.process_time(), time.perf_counter()
        if out["cycles"] <= api.MONOLITHIC_MAX_CYCLES:
            timings: dict = {}
            receipt = api.prove(elf, data, params=params, timings=timings)
            phases = {k: round(float(v), 3) for k, v in timings.items() if isinstance(v, (int, float, np.floating))}
        else:
            receipt = api.prove_segments(elf, data, params=params)  # workers=1: in-process, CPU time is ours
            phases = {}
        run = {"prove_s": time.perf_counter() - t0, "prove_cpu_s": time.process_time() - c0,
               "load": [round(x, 2) for x in (*load_before, *os.getloadavg())], "phases": phases,
               "receipt_bytes": len(receipt.to_bytes()), "when": time.strftime("%Y-%m-%dT%H:%M:%S")}
        t0 = time.perf_counter()
        code, journal = api.verify(receipt, api.image_id(elf, params))
        run["verify_s"] = time.perf_counter() - t0
        if code != out["exit_code"] or hashlib.sha256(journal).hexdigest() != out["journal_sha256"]:
            raise RuntimeError("the verified receipt's exit code or journal differs from the execution's")
        out.setdefault("all_cpu_s", []).append(round(run["prove_cpu_s"], 2))
        if "prove_cpu_s" not in out or run["prove_cpu_s"] < out["prove_cpu_s"]:
            out.update(run)
        out["repeats"] = out.get("repeats", 0) + 1


_WARM = False


def warm_up(params: str) -> None:
    """Prove one tiny run first, so that loading the numba kernels (and the first-call
    overheads) is not charged to the first measurement."""
    global _WARM
    if _WARM:
        return
    from zkvm import api
    from zkvm.toolchain import cached_build

    elf = cached_build(EXAMPLES / "fibonacci", REPO / ".zkvm-cache" / "compiler-trust" / "elf", name="warmup")
    t0 = time.perf_counter()
    api.prove(elf.read_bytes(), fibonacci_input(10), params=params)
    print(f"(warm-up proof: {time.perf_counter() - t0:.1f} s)", flush=True)
    _WARM = True


def run_sweep(programs, compilers, levels, params: str, results_path: Path, cache: Path, prove: bool = True,
              repeat: int = 1, max_prove_cycles: int | None = None) -> dict:
    data = load_results(results_path)
    data.setdefault("machine", machine_info())
    specs = A.default_specs(compilers, levels)
    for prog in programs:
        if prog.needs and not Path(prog.needs).exists():
            print(f"[{prog.name}] skipped: {prog.needs} does not exist", flush=True)
            continue
        inp = prog.make_input()
        in_sha = hashlib.sha256(inp).hexdigest()
        builds = A.build_all(prog.sources, specs, cache / "tmp", prog.defines, cache / "elf", jobs=2)
        outcomes = {}
        for b in builds:
            bkey = f"{prog.name}:{b.spec.compiler}:O{b.spec.level}"
            if not b.ok:
                print(f"[{prog.name}] {b.spec.name}: build failed: {b.error}", flush=True)
                data["builds"][bkey] = {"error": b.error}
                continue
            data["builds"][bkey] = {"program": prog.name, "what": prog.what, "compiler": b.spec.compiler,
                                    "level": b.spec.level, "elf_sha256": b.sha256, "elf_bytes": b.size,
                                    "text_bytes": text_bytes(b.elf_path.read_bytes()),
                                    "input_sha256": in_sha, "input_bytes": len(inp)}
            key = f"{b.sha256}:{in_sha}:{params}"
            m = data["measurements"].get(key)
            if prove and m is not None and max_prove_cycles and m["cycles"] > max_prove_cycles:
                if "prove_cpu_s" not in m:
                    print(f"[{prog.name}] {b.spec.name}: {m['cycles']:,} cycles > --max-prove-cycles: not proved "
                          "(the report shows the model's estimate)", flush=True)
            elif m is None or (prove and m.get("repeats", 0) < repeat):
                print(f"[{prog.name}] {b.spec.name}: measuring ...", flush=True)
                if prove:
                    warm_up(params)
                if m is None:
                    m = measure(b.elf_path.read_bytes(), inp, params, False)
                    if prove and not (max_prove_cycles and m["cycles"] > max_prove_cycles):
                        prove_runs(m, b.elf_path.read_bytes(), inp, params, repeat)
                else:
                    prove_runs(m, b.elf_path.read_bytes(), inp, params, repeat - m.get("repeats", 0))
                data["measurements"][key] = m
                save_results(results_path, data)
            outcomes[b.spec.name] = (m["exit_code"], m["journal_sha256"], m["stdout_sha256"])
            print(f"[{prog.name}] {b.spec.name}: {m['cycles']:,} cycles, ELF {b.size:,} B"
                  + (f", proved in {m['prove_s']:.1f} s wall / {m['prove_cpu_s']:.1f} s CPU (load "
                     f"{m['load'][0]:.1f}), receipt {m['receipt_bytes']:,} B" if "prove_s" in m else ""), flush=True)
        if len(set(outcomes.values())) > 1:
            raise SystemExit(f"[{prog.name}] builds DISAGREE on the public outcome: {outcomes}")
        save_results(results_path, data)
    return data


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------

CHIP_GROUPS = {
    "ALU": ("addsub", "bitwise", "lt", "shift", "lui_auipc"),
    "MUL": ("mul",),
    "DIV": ("divrem",),
    "load/store": ("loadstore", "atomic"),
    "branch/jump": ("branch", "jump"),
    "syscall": ("syscall",),
}


def geomean(xs) -> float:
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def pct(r: float) -> str:
    return f"{(r - 1) * 100:+.1f} %"


def rows_for(data: dict, params: str, programs=None):
    """``{program: {(compiler, level): (build, measurement)}}`` for the measured builds."""
    out: dict = {}
    for b in data["builds"].values():
        if "error" in b or (programs and b["program"] not in programs):
            continue
        m = data["measurements"].get(f"{b['elf_sha256']}:{b['input_sha256']}:{params}")
        if m is not None:
            out.setdefault(b["program"], {})[(b["compiler"], b["level"])] = (b, m)
    return out


def prove_cpu(m: dict, model: dict | None):
    """(proving CPU seconds, measured?) of one measurement: the measured proof, else the
    model's estimate from its trace cells and segments (``None`` without a model)."""
    if "prove_cpu_s" in m:
        return m["prove_cpu_s"], True
    if model is None or not m.get("cells"):
        return None, False
    return A.estimate_from_cells(m["cells"], model, m.get("segments", 1)), False


def fmt_prove(v, measured: bool) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if measured else f"~{v:.1f}"


def report(data: dict, params: str, programs=None, compilers=COMPILERS, levels=LEVELS) -> str:
    """The tables of docs/compiler-trust.md. Proving times are measured where a proof was
    made and otherwise the fitted model's estimate (:func:`fit_model`), printed ``~x``;
    every geometric mean of proving time says over how many programs it is measured."""
    table = rows_for(data, params, programs)
    order = [p.name for p in CORPUS + QUICK if p.name in table]
    order = list(dict.fromkeys(order + sorted(table)))
    specs = [(c, lv) for c in compilers for lv in levels]
    try:
        model = fit_model(data, params)
    except SystemExit:
        model = None
    any_proved = any("prove_cpu_s" in m for t in table.values() for (_, m) in t.values())
    show_prove = any_proved or model is not None
    L = []
    info = data.get("machine", {})
    loads = [m["load"][0] for t in table.values() for (_, m) in t.values() if "load" in m]
    L.append(f"machine: {info.get('cpu', '?')}, {info.get('cores', '?')} cores; params {params}; "
             + (f"load average during the proofs {min(loads):.1f}-{max(loads):.1f} (median "
                f"{sorted(loads)[len(loads) // 2]:.1f})" if loads else "not proved"))
    if model is not None:
        L.append(f"proving-time model (--fit): {model['fixed_s']:.2f} s CPU per segment + {model['per_mcell_s']:.3f} s "
                 f"CPU per million trace cells; {model['points']} proofs, relative error median "
                 f"{model['median_rel_error'] * 100:.0f} %, max {model['max_rel_error'] * 100:.0f} %")
    L.append("")
    # 1. per program: cycles / prove / ELF / receipt
    head = "| program | metric | " + " | ".join(f"{c} -O{lv}" for c, lv in specs) + " |"
    L += [head, "|---|---|" + "---:|" * len(specs)]
    for p in order:
        t = table[p]
        cell = lambda f: " | ".join(f(*t[s]) if s in t else "-" for s in specs)
        L.append(f"| {p} | cycles | " + cell(lambda b, m: f"{m['cycles']:,}") + " |")
        if show_prove:
            L.append(f"| | prove CPU (s) | " + cell(lambda b, m: fmt_prove(*prove_cpu(m, model))) + " |")
        if any_proved:
            L.append(f"| | prove wall (s) | " + cell(lambda b, m: f"{m['prove_s']:.1f}" if "prove_s" in m else "-") + " |")
            L.append(f"| | receipt (KiB) | " + cell(
                lambda b, m: f"{m['receipt_bytes'] / 1024:,.0f}" if "receipt_bytes" in m else "-") + " |")
        L.append(f"| | ELF (bytes) | " + cell(lambda b, m: f"{b['elf_bytes']:,}") + " |")
        L.append(f"| | code (bytes) | " + cell(lambda b, m: f"{b['text_bytes']:,}" if "text_bytes" in b else "-") + " |")
        L.append(f"| | cells (M) | " + cell(lambda b, m: f"{m['cells'] / 1e6:.1f}" if m.get("cells") else
                                              f"{m['segments']} segments") + " |")
        L.append(f"| | segments | " + cell(lambda b, m: str(m.get("segments", 1))) + " |")
    if show_prove:
        L.append("")
        L.append("prove CPU: measured (`12.3`) or, where no proof was made, the model's estimate from the "
                 "build's trace cells (`~12.3`).")
    L.append("")
    # 1b. are the zig levels really different programs now?
    if "zig" in compilers and {"1", "2", "3"} <= set(levels):
        distinct = {p: len({table[p][("zig", lv)][0]["elf_sha256"] for lv in ("1", "2", "3") if ("zig", lv) in table[p]})
                    for p in order}
        L.append("Distinct ELFs among zig -O1 / -O2 / -O3 (before the level mapping: 1 for every program): "
                 + ", ".join(f"{p} {n}" for p, n in distinct.items()))
        L.append("")
    complete = [p for p in order if all(s in table[p] for s in specs)]

    def prove_ratio(p, num, den, measured_only: bool):
        (vn, mn), (vd, md) = prove_cpu(table[p][num][1], model), prove_cpu(table[p][den][1], model)
        if vn is None or vd is None or (measured_only and not (mn and md)):
            return None
        return vn / vd

    def ratio_cells(pairs):
        """Geometric means of the proving-time ratio num/den: measured (n programs), and
        measured-or-estimated over all complete programs."""
        out = []
        for num, den in pairs:
            meas = [r for p in complete if (r := prove_ratio(p, num, den, True)) is not None]
            allr = [r for p in complete if (r := prove_ratio(p, num, den, False)) is not None]
            out.append((pct(geomean(meas)) + f" (n={len(meas)})" if meas else "-",
                        pct(geomean(allr)) if allr else "-"))
        return out

    # 2. geometric means relative to -O3 of the same compiler
    metrics = [("cycles", lambda b, m: m["cycles"]), ("ELF bytes", lambda b, m: b["elf_bytes"]),
               ("committed cells", lambda b, m: m["cells"])]
    if complete and all("text_bytes" in table[p][sp][0] for p in complete for sp in specs):
        metrics.append(("code bytes", lambda b, m: b["text_bytes"]))
    L.append(f"Geometric means over the {len(complete)} programs, relative to -O3 of the same compiler:")
    L.append("")
    L.append("| metric | " + " | ".join(f"{c} -O{lv}" for c, lv in specs) + " |")
    L.append("|---|" + "---:|" * len(specs))
    for name, f in metrics:
        cells = []
        for c, lv in specs:
            r = geomean([f(*table[p][(c, lv)]) / f(*table[p][(c, "3")]) for p in complete]) if "3" in levels else 1
            cells.append(pct(r))
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    if show_prove and "3" in levels:
        rc = ratio_cells([((c, lv), (c, "3")) for c, lv in specs])
        L.append("| proving CPU time, measured | " + " | ".join(a for a, _ in rc) + " |")
        L.append("| proving CPU time, measured or ~model | " + " | ".join(b for _, b in rc) + " |")
    L.append("")
    # 3. GCC vs LLVM at each level
    if set(compilers) >= {"zig", "gcc"}:
        L.append("GCC (+ picolibc) relative to zig/LLVM (+ musl) at the same level, geometric means:")
        L.append("")
        L.append("| metric | " + " | ".join(f"-O{lv}" for lv in levels) + " |")
        L.append("|---|" + "---:|" * len(levels))
        for name, f in metrics:
            L.append(f"| {name} | " + " | ".join(
                pct(geomean([f(*table[p][("gcc", lv)]) / f(*table[p][("zig", lv)]) for p in complete]))
                for lv in levels) + " |")
        if show_prove:
            rc = ratio_cells([(("gcc", lv), ("zig", lv)) for lv in levels])
            L.append("| proving CPU time, measured | " + " | ".join(a for a, _ in rc) + " |")
            L.append("| proving CPU time, measured or ~model | " + " | ".join(b for _, b in rc) + " |")
        L.append("")
    # 3b. per program: does proving cost follow cycles? (-O0, -O1 and -Os against -O3)
    if show_prove and "3" in levels:
        cmp_levels = [lv for lv in ("0", "1", "2", "s") if lv in levels]
        L.append("Per program, relative to -O3 of the same compiler: cycles / committed cells / proving CPU time "
                 "(`~`: the proving time of one side is the model's estimate):")
        L.append("")
        L.append("| program | " + " | ".join(f"{c} -O{lv}" for c in compilers for lv in cmp_levels) + " |")
        L.append("|---|" + "---:|" * (len(compilers) * len(cmp_levels)))
        for p in complete:
            vals = []
            for c in compilers:
                m3 = table[p][(c, "3")][1]
                for lv in cmp_levels:
                    m = table[p][(c, lv)][1]
                    (v, vm), (v3, v3m) = prove_cpu(m, model), prove_cpu(m3, model)
                    pr = "-" if v is None or v3 is None else ("" if vm and v3m else "~") + f"{(v / v3 - 1) * 100:+.0f}%"
                    vals.append(" / ".join([f"{(m['cycles'] / m3['cycles'] - 1) * 100:+.0f}%",
                                            f"{(m['cells'] / m3['cells'] - 1) * 100:+.0f}%", pr]))
            L.append(f"| {p} | " + " | ".join(vals) + " |")
        L.append("")
    # 4. instruction mix and proving cost per cycle
    L.append("Instruction mix (share of executed instructions per chip group, summed over the corpus), trace "
             "cells per cycle and measured proving CPU time per cycle (geometric means over the programs "
             "proved at that build):")
    L.append("")
    groups = list(CHIP_GROUPS)
    extra = ["cells / cycle", "CPU µs / cycle (n)"] if any_proved else ["cells / cycle"]
    L.append("| build | " + " | ".join(groups) + " | " + " | ".join(extra) + " |")
    L.append("|---|" + "---:|" * (len(groups) + len(extra)))
    for c, lv in specs:
        tot = {g: 0 for g in groups}
        for p in complete:
            rows = table[p][(c, lv)][1]["rows"]
            for g, chips in CHIP_GROUPS.items():
                tot[g] += sum(rows.get(ch, 0) for ch in chips)
        s = max(sum(tot.values()), 1)
        vals = [f"{100 * tot[g] / s:.1f} %" for g in groups]
        vals.append(f"{geomean([table[p][(c, lv)][1]['cells'] / table[p][(c, lv)][1]['cycles'] for p in complete]):.0f}")
        if any_proved:
            us = [1e6 * table[p][(c, lv)][1]["prove_cpu_s"] / table[p][(c, lv)][1]["cycles"] for p in complete
                  if "prove_cpu_s" in table[p][(c, lv)][1]]
            vals.append(f"{geomean(us):.1f} ({len(us)})" if us else "-")
        L.append(f"| {c} -O{lv} | " + " | ".join(vals) + " |")
    return "\n".join(L)


def fit_model(data: dict, params: str = "default", key: str = "prove_cpu_s") -> dict:
    """Fit ``seconds = fixed_s * segments + per_mcell_s * cells / 1e6`` to the measured
    proofs (least squares on relative errors, so short and long runs count alike): the
    model zkvm.audit.PROVE_MODEL holds for `zkvm audit --level-summary`."""
    import numpy as np

    pts = [m for k, m in data["measurements"].items() if k.endswith(f":{params}") and key in m and m.get("cells")]
    if len(pts) < 3:
        raise SystemExit(f"--fit: only {len(pts)} measured proofs with trace cells; run the sweep first")
    t = np.array([m[key] for m in pts])
    X = np.array([[m.get("segments", 1), m["cells"] / 1e6] for m in pts])
    (a, b), *_ = np.linalg.lstsq(X / t[:, None], np.ones_like(t), rcond=None)
    if a < 0:  # a negative cost per proof is noise of a narrow sample: fit the cells alone
        a, (b,) = 0.0, np.linalg.lstsq(X[:, 1:] / t[:, None], np.ones_like(t), rcond=None)[0]
    rel = (X @ np.array([a, b]) - t) / t
    # the one-number model of the audit's main table: seconds = cycles / rate (relative least squares)
    c_over_t = np.array([m["cycles"] for m in pts]) / t
    rate = float(np.sum(c_over_t ** 2) / np.sum(c_over_t))
    rel_c = np.array([m["cycles"] for m in pts]) / rate / t - 1
    loads = [m["load"][0] for m in pts if "load" in m]
    info = data.get("machine", {})
    return {"fixed_s": round(float(a), 3), "per_mcell_s": round(float(b), 4),
            "cycles_per_second": round(rate), "cycles_median_rel_error": round(float(np.median(np.abs(rel_c))), 3),
            "max_rel_error": round(float(np.max(np.abs(rel))), 3),
            "median_rel_error": round(float(np.median(np.abs(rel))), 3), "points": len(pts),
            "source": f"bench/bench_compiler_trust.py --fit: {len(pts)} proofs ({key}), {info.get('cpu', '?')}, "
                      f"{info.get('cores', '?')} cores, load {min(loads):.1f}-{max(loads):.1f}" if loads else ""}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 small programs, testing params")
    ap.add_argument("--params", default=None, help="STARK parameter preset [default: default; --quick: testing]")
    ap.add_argument("--programs", default="", help="comma-separated subset of the corpus")
    ap.add_argument("--compilers", default=",".join(COMPILERS))
    ap.add_argument("--levels", default=",".join(LEVELS))
    ap.add_argument("--results", type=Path, default=None, help="results JSON [default: .zkvm-cache/compiler-trust/"
                                                                "results-<params>-proof-v<N>.json]")
    ap.add_argument("--cache", type=Path, default=REPO / ".zkvm-cache" / "compiler-trust")
    ap.add_argument("--no-prove", action="store_true", help="cycles, heights and rows only (no proofs)")
    ap.add_argument("--repeat", type=int, default=1, help="prove each build N times in all (a second run with "
                    "a higher N adds proofs to the stored ones), keep the one with the least CPU time")
    ap.add_argument("--max-prove-cycles", type=int, default=None,
                    help="do not prove runs longer than this (they are sized, and the report shows the model's "
                         "estimate) [default: zkvm.api.MONOLITHIC_MAX_CYCLES, one proof per run: a 2^20-cycle "
                         "continuation segment proved in-process took 14 GiB here; 0: no limit]")
    ap.add_argument("--report", action="store_true", help="print the tables from the results file, measure nothing")
    ap.add_argument("--list", action="store_true", help="list the corpus")
    ap.add_argument("--fit", action="store_true", help="fit zkvm.audit.PROVE_MODEL to the results file and print it")
    args = ap.parse_args(argv)
    params = args.params or ("testing" if args.quick else "default")
    corpus = QUICK if args.quick else CORPUS
    if args.list:
        for p in corpus:
            print(f"{p.name:12} {p.what}")
        return 0
    want = [x for x in args.programs.split(",") if x]
    unknown = set(want) - {p.name for p in corpus}
    if unknown:
        ap.error(f"unknown program(s) {', '.join(sorted(unknown))}; --list shows the corpus")
    programs = [p for p in corpus if not want or p.name in want]
    compilers = tuple(x for x in args.compilers.split(",") if x)
    levels = tuple(x for x in args.levels.split(",") if x)
    from zkvm.stark.proof import VERSION as PROOF_VERSION

    # proving times of one proof format only: a new format (or prover) starts a new file
    results = args.results or args.cache / f"results-{params}-proof-v{PROOF_VERSION}{'-quick' if args.quick else ''}.json"
    if args.fit:
        print(json.dumps(fit_model(load_results(results), params), indent=1))
        return 0
    if args.report:
        data = load_results(results)
    else:
        info = machine_info()
        print(f"{info['cpu']}, {info['cores']} cores, load {os.getloadavg()[0]:.1f}; commit {git_commit()}; "
              f"params {params}; results {results}", flush=True)
        from zkvm.api import MONOLITHIC_MAX_CYCLES

        limit = MONOLITHIC_MAX_CYCLES if args.max_prove_cycles is None else args.max_prove_cycles
        data = run_sweep(programs, compilers, levels, params, results, args.cache, prove=not args.no_prove,
                         repeat=args.repeat, max_prove_cycles=limit or None)
    print()
    print(report(data, params, [p.name for p in programs], compilers, levels))
    return 0


if __name__ == "__main__":
    sys.exit(main())

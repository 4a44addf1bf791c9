"""Constraint coverage by mutation testing: is every circuit constraint load-bearing?

For every named constraint of every table of the RV32IM machine (and every BYTES lookup
interaction, i.e. every range check / byte-operation lookup), switch it off and look for
traces that the weakened system accepts and the real one rejects
(:mod:`zkvm.stark.mutation`, the debug checker is the oracle):

1. **suite**: the forged witnesses of the malicious-prover suites in ``tests/chips``
   (``test_alu_e2e.ATTACKS`` and the ``S.attack`` cases of ``test_control_e2e``,
   ``test_loadstore_e2e``, ``test_atomic_e2e``) -- a case that fails exactly one
   constraint (or one lookup interaction) with all buses otherwise balanced shows it;
2. **search**: targeted witness mutation with repairs on the honest traces of the small
   programs below (:func:`zkvm.stark.mutation.search_attack`).

Usage::

    python tools/constraint_coverage.py                      # full run, table to stdout
    python tools/constraint_coverage.py --out cov.json --md cov.md --budget 4
    python tools/constraint_coverage.py --sample 15 --seed 1 # a seeded sample
    python tools/constraint_coverage.py --tables addsub,lt --no-suite
    python tools/constraint_coverage.py --prove 3            # + proof-level check of 3 attacks

``--prove K``: for K found attacks, prove the forged traces with the debug checker off
against the *mutant* system and check that the mutant's verifier accepts while the real
verifier rejects (shows the checker oracle is faithful to the proof system).

Test-only: nothing here is reachable from the CLI or a receipt.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".zkvm-cache", "numba"))
sys.setrecursionlimit(max(sys.getrecursionlimit(), 200000))

import numpy as np  # noqa: E402

from zkvm.riscv.asm import encode, exit_program, li  # noqa: E402
from zkvm.stark import mutation as mu  # noqa: E402
from zkvm.stark.checker import check_traces  # noqa: E402
from zkvm.stark.params import StarkParams  # noqa: E402

PARAMS = StarkParams.testing()
NOP = encode("addi", rd=0, rs1=0, imm=0)
INT_MIN, M32 = 0x80000000, 0xFFFFFFFF
#: the bus whose interactions are covered as "range checks" (zkvm.chips.buses.BYTES)
LOOKUP_BUS_NAME = "bytes"


# ---------------------------------------------------------------------------------------
# programs: small, but every chip's every opcode, with edge-case operands


def _binops(ops, pairs, imms=(1, -1)):
    from zkvm.riscv.isa import BY_NAME

    w = []
    for op in ops:
        for a, b in pairs:
            if BY_NAME[op].fmt == "R":
                w += li(5, a) + li(6, b) + [encode(op, rd=7, rs1=5, rs2=6)]
            else:
                for imm in imms:
                    w += li(5, a) + [encode(op, rd=7, rs1=5, imm=imm)]
    return w


def prog_alu():
    return (_binops(["add", "sub", "addi"], [(0x12345678, 0x9ABCDEF0), (M32, 1)])
            + _binops(["and", "or", "xor", "andi", "ori", "xori"], [(0xF0F0A5A5, 0x0FF0FF00)])
            + _binops(["slt", "sltu", "slti", "sltiu"], [(INT_MIN, 1), (0x12345679, 0x12355678)])
            + [encode("add", rd=0, rs1=5, rs2=6), encode("sub", rd=8, rs1=8, rs2=8)])


def prog_shift_mul():
    return (_binops(["sll", "srl", "sra"], [(0xDEADBEEF, 9), (INT_MIN, 33)])
            + _binops(["slli", "srli", "srai"], [(0xDEADBEEF, 0)], imms=(0, 13))
            + _binops(["mul", "mulh", "mulhsu", "mulhu"], [(M32, INT_MIN), (0x12345, 0x6789)]))


def prog_div():
    return _binops(["div", "divu", "rem", "remu"],
                   [(0xFFFFFFF9, 2), (0x12345678, 0), (INT_MIN, M32), (100, 7)])


def prog_control():
    w = []
    for imm in (0x12345000, 0x80000000):
        w += [encode("lui", rd=5, imm=imm), encode("auipc", rd=6, imm=imm)]
    for op in ("beq", "bne", "blt", "bge", "bltu", "bgeu"):
        for a, b in ((1, 1), (0xFFFFFFFF, 1)):
            w += li(5, a) + li(6, b) + [encode(op, rs1=5, rs2=6, imm=8), NOP]
    w += [encode("jal", rd=1, imm=8), NOP]
    w += [encode("auipc", rd=5, imm=0), encode("addi", rd=5, rs1=5, imm=13),
          encode("jalr", rd=1, rs1=5, imm=0), NOP]
    return w


def prog_loadstore():
    w = li("t0", 0x80FF7F01) + [encode("sw", rs1="sp", rs2="t0", imm=-16)]
    for off in (0, 3):
        w += [encode("lb", rd="a0", rs1="sp", imm=-16 + off),
              encode("lbu", rd="a1", rs1="sp", imm=-16 + off),
              encode("sb", rs1="sp", rs2="t0", imm=-32 + off)]
    for off in (0, 2):
        w += [encode("lh", rd="a2", rs1="sp", imm=-16 + off),
              encode("lhu", rd="a3", rs1="sp", imm=-16 + off),
              encode("sh", rs1="sp", rs2="t0", imm=-24 + off)]
    w += [encode("lw", rd="a4", rs1="sp", imm=-32)]
    return w


def prog_atomic():
    w = [encode("addi", rd="t0", rs1="sp", imm=-64)] + li("t1", 0x80000001)
    w += [encode("lr.w", rd="a0", rs1="t0"), encode("sc.w", rd="a1", rs1="t0", rs2="t1"),
          encode("sc.w", rd="a1", rs1="t0", rs2="t1")]
    for op in ("amoswap.w", "amoadd.w", "amoxor.w", "amoand.w", "amoor.w", "amomin.w",
               "amomax.w", "amominu.w", "amomaxu.w"):
        w += [encode(op, rd="a4", rs1="t0", rs2="t1")]
    return w


def prog_syscall():
    """read(0, sp-64, 5); write(3, sp-64, n); getpid(); write(1, …); exit(7)."""
    e = encode
    return [
        e("addi", "a1", "sp", imm=-64), e("addi", "a2", 0, imm=5), e("addi", "a0", 0, imm=0),
        e("addi", "a7", 0, imm=63), e("ecall"),
        e("addi", "a2", "a0", imm=0), e("addi", "a0", 0, imm=3), e("addi", "a7", 0, imm=64),
        e("ecall"),
        e("addi", "a7", 0, imm=172), e("ecall"),
        e("addi", "a0", 0, imm=1), e("addi", "a7", 0, imm=64), e("ecall"),
    ], 7, b"hello"


PROGRAMS = {
    "alu": prog_alu, "shift_mul": prog_shift_mul, "div": prog_div, "control": prog_control,
    "loadstore": prog_loadstore, "atomic": prog_atomic, "syscall": prog_syscall,
}


def build_workspace(name: str):
    """``(machine, Workspace)`` of program ``name`` (honest traces, checked)."""
    from zkvm.chips.machine import Machine
    from zkvm.riscv.layout import Program

    got = PROGRAMS[name]()
    words, code, inp = (got, 0, b"") if isinstance(got, list) else got
    m = Machine.for_program(Program.from_words(list(words) + exit_program(code)), PARAMS)
    res = m.execute(inp)
    w, traces, pv = m.traces(res)
    system = m.system(len(w.journal))
    return m, mu.Workspace(system, traces, pv, label=name)


# ---------------------------------------------------------------------------------------
# the malicious-prover suites (harvest)


@dataclass
class SuiteCase:
    name: str
    shown: list = field(default_factory=list)   # "table.name" shown load-bearing
    failing: list = field(default_factory=list)  # what the full checker reports


def _lookup_sources(rep):
    return {f"{t}.{n}" for b in rep.bus_imbalances for (t, n, _r) in b.sources
            if t != "bytes"}


def _credit(system, traces, pv, name) -> SuiteCase:
    """What a forged witness shows: the single constraint (or single lookup interaction)
    it fails, confirmed by the oracle on a mutant without it."""
    case = SuiteCase(name)
    ws = mu.Workspace(system, traces, pv, label=name, check=False)
    done = ws.complete(system, traces)
    rep = check_traces(system, done, pv)
    cons = sorted({f"{f.table}.{f.constraint}" for f in rep.constraint_failures})
    buses_bad = {b.bus for b in rep.bus_imbalances}
    case.failing = cons + sorted(f"bus:{b}" for b in buses_bad)
    cand = None
    if len(cons) == 1 and not buses_bad:
        cand = cons[0]
    elif not cons and buses_bad == {LOOKUP_BUS_NAME}:
        src = _lookup_sources(rep)
        if len(src) == 1:
            cand = src.pop()
    if cand is not None:
        weak = mu.mutant(system, [cand])
        if mu.shows_load_bearing(system, weak, ws.complete(weak, traces), pv):
            case.shown.append(cand)
    return case


def harvest_suite(log=print, only_alu: bool = False) -> list[SuiteCase]:
    """Run the forgeries of the chips' malicious-prover suites (checker level only).
    ``only_alu``: just ``test_alu_e2e.ATTACKS`` (fast, for CI)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "chips"))
    cases: list[SuiteCase] = []
    try:
        import test_alu_e2e as A
    except Exception as e:  # pragma: no cover - depends on other people's files
        log(f"suite: cannot import test_alu_e2e: {e}")
        A = None
    if A is not None:
        for name in sorted(A.ATTACKS):
            f, _exp, _eb = A.ATTACKS[name]
            words, chip, forge = f()
            try:
                m, system, traces, pv = A._forged_traces(words, chip, A._first, forge)
                cases.append(_credit(system, traces, pv, f"test_alu_e2e::{name}"))
            except Exception as e:  # a broken case is reported, not fatal
                log(f"suite: {name}: {type(e).__name__}: {e}")
    if only_alu:
        return cases
    cases += _harvest_core(log)
    try:
        import c3_support as S
    except Exception as e:  # pragma: no cover
        log(f"suite: cannot import c3_support: {e}")
        return cases
    recorded = []

    def recorder(m, res, chip, forge, expect_constraints=(), expect_bytes=False,
                 other_buses=()):
        from zkvm.chips.bytes import BytesAir

        m._bytes_trace = lambda system, traces, pv: np.zeros(
            (1 << 16, len(BytesAir.columns.names)), dtype=np.uint32)
        w, traces, pv = m.traces(res)
        system = m.system(len(w.journal))
        names = [a.name for a in m.airs]
        ci = names.index(chip)
        air = m.airs[ci]
        rows = w.rows.select(w.chip_index == chip)
        t = traces[ci].copy()
        forge(air, air.columns.view(t), rows)
        t %= mu.P
        traces[ci] = t
        recorded.append((system, traces, pv))

    orig = S.attack
    S.attack = recorder
    try:
        for modname in ("test_control_e2e", "test_loadstore_e2e", "test_atomic_e2e"):
            try:
                mod = __import__(modname)
            except Exception as e:  # pragma: no cover
                log(f"suite: cannot import {modname}: {e}")
                continue
            for fname in sorted(dir(mod)):
                if not fname.startswith("test_malicious"):
                    continue
                recorded.clear()
                try:
                    getattr(mod, fname)()
                except Exception as e:
                    log(f"suite: {modname}::{fname}: {type(e).__name__}: {e}")
                    continue
                for system, traces, pv in recorded:
                    cases.append(_credit(system, traces, pv, f"{modname}::{fname}"))
    finally:
        S.attack = orig
    return cases


def _harvest_core(log):
    """``tests/chips/test_core.py``: its corruptions call ``check(m, traces, pv)``; record
    them by wrapping ``check`` and call every test that takes the module's fixtures."""
    import inspect

    try:
        import test_core as C
        from core_programs import CHIPS, arith_words, echo_words
    except Exception as e:  # pragma: no cover
        log(f"suite: cannot import test_core: {e}")
        return []
    from zkvm.chips.machine import Machine
    from zkvm.riscv.layout import Program

    def fixture(words, inp):
        m = Machine.for_program(Program.from_words(words), PARAMS, chips=CHIPS)
        w, traces, pv = m.traces(m.execute(inp))
        return m, w, traces, pv

    fx = {"testing_params": PARAMS}
    recorded = []
    orig = C.check

    def rec(m, traces, pv, journal_len=None):
        jl = len(pv) - 2 if journal_len is None else journal_len
        recorded.append((m.system(jl), [t.copy() for t in traces], list(pv)))
        return orig(m, traces, pv, journal_len)

    C.check = rec
    cases = []
    try:
        for fname in sorted(dir(C)):
            f = getattr(C, fname)
            if not fname.startswith("test_") or not callable(f):
                continue
            params = list(inspect.signature(f).parameters)
            if not params or not set(params) <= {"echo", "arith", "testing_params"}:
                continue
            if "echo" in params and "echo" not in fx:
                fx["echo"] = fixture(echo_words(), b"hello world")
            if "arith" in params and "arith" not in fx:
                fx["arith"] = fixture(arith_words(), b"")
            recorded.clear()
            try:
                f(*[fx[p] for p in params])
            except Exception as e:
                log(f"suite: test_core::{fname}: {type(e).__name__}: {e}")
                continue
            for system, traces, pv in recorded:
                if len(pv) != system.num_public_values:
                    continue  # a forged public-value vector: not a trace attack
                cases.append(_credit(system, traces, pv, f"test_core::{fname}"))
    finally:
        C.check = orig
    return cases


# ---------------------------------------------------------------------------------------
# the run


@dataclass
class Row:
    target: str
    kind: str
    shown: bool = False
    by: str = ""          # "suite: case" or "search: how"
    inert_only: bool = False
    changed: list = field(default_factory=list)
    seconds: float = 0.0


def targets_of(system, tables=None, interactions=True):
    """``[Target]``: every AIR constraint, and every interaction on the lookup bus that a
    table *sends* (range checks and byte operations)."""
    out = []
    for t in system.tables:
        if tables and t.name not in tables:
            continue
        for c in t.compiled.constraints:
            out.append(mu.Target(t.name, c.name, "constraint"))
        if interactions:
            for it in t.compiled.interactions:
                if it.bus.name == LOOKUP_BUS_NAME and it.sign > 0:
                    out.append(mu.Target(t.name, it.name, "interaction"))
    return out


def workspaces_for(table, wss):
    """Workspaces where ``table`` has real (non-inert) rows first, then the others."""
    real, other = [], []
    for ws in wss:
        tr = ws.traces[ws.tindex[table]]
        (real if not ws.row_inert(table, ws.traces, 0) or
         any(not ws.row_inert(table, ws.traces, r) for r in range(min(4, tr.shape[0])))
         else other).append(ws)
    return real + other


def run(targets, wss, suite_cases, budget, max_ws=2, seed=0, log=print, keep=0, sink=None):
    """Suite credit first, then the search; ``keep``: keep the forged traces of the first
    ``keep`` attacks found on real rows (for :func:`prove_sample`)."""
    by_suite = {}
    for c in suite_cases:
        for n in c.shown:
            by_suite.setdefault(n, c.name)
    rows = []
    for i, tg in enumerate(targets):
        row = Row(tg.full_name, tg.kind)
        if tg.full_name in by_suite:
            row.shown, row.by = True, "suite: " + by_suite[tg.full_name]
        else:
            t0 = time.monotonic()
            for k, ws in enumerate(workspaces_for(tg.table, wss)[:max_ws]):
                kept = sum(1 for x in rows if getattr(x, "traces", None))
                r = mu.search_attack(ws, tg, budget_s=budget if k == 0 else budget / 2,
                                     seed=seed,
                                     keep_traces=kept < keep)
                if r.found:
                    row.shown, row.by, row.inert_only = True, "search: " + r.how, r.inert_only
                    row.changed = r.changed
                    if r.traces is not None and not r.inert_only:
                        row.traces = (ws, r.traces)
                    break
            row.seconds = time.monotonic() - t0
        rows.append(row)
        if sink is not None:
            sink({k: v for k, v in row.__dict__.items() if k != "traces"})
        log(f"[{i + 1}/{len(targets)}] {tg.full_name}: "
            f"{'shown' if row.shown else 'NOT SHOWN'}"
            f"{' (padding rows only)' if row.inert_only else ''} {row.by[:90]}")
    return rows


def summarize(rows, systems_tables):
    per = {}
    for r in rows:
        table = r.target.split(".")[0]
        d = per.setdefault(table, {"constraints": 0, "c_shown": 0, "c_inert": 0,
                                   "lookups": 0, "l_shown": 0, "not_shown": []})
        if r.kind == "constraint":
            d["constraints"] += 1
            d["c_shown"] += r.shown
            d["c_inert"] += r.shown and r.inert_only
        else:
            d["lookups"] += 1
            d["l_shown"] += r.shown
        if not r.shown:
            d["not_shown"].append(r.target.split(".", 1)[1])
    order = [t for t in systems_tables if t in per]
    return {t: per[t] for t in order}


def markdown(summary, cmd, seconds):
    tc = sum(d["constraints"] for d in summary.values())
    ts = sum(d["c_shown"] for d in summary.values())
    lc = sum(d["lookups"] for d in summary.values())
    ls = sum(d["l_shown"] for d in summary.values())
    out = [f"Command: `{cmd}` ({seconds:.0f} s)", "",
           "| table | constraints | shown load-bearing | of which only on padding rows | "
           "lookup interactions | shown | not shown |",
           "|---|---|---|---|---|---|---|"]
    for t, d in summary.items():
        ns = ", ".join(f"`{x}`" for x in d["not_shown"]) or "—"
        out.append(f"| {t} | {d['constraints']} | {d['c_shown']} | {d['c_inert']} | "
                   f"{d['lookups']} | {d['l_shown']} | {ns} |")
    out.append(f"| **total** | {tc} | {ts} | {sum(d['c_inert'] for d in summary.values())} | "
               f"{lc} | {ls} | {tc - ts + lc - ls} |")
    return "\n".join(out)


def prove_sample(rows, k, log=print):
    """Proof-level confirmation of ``k`` found attacks (see module docstring)."""
    from zkvm.stark import prover, verifier
    from zkvm.stark.errors import VerificationError
    from zkvm.stark.system import ProvingKey, VerifyingKey

    os.environ.setdefault("ZKVM_QUOTIENT", "numpy")
    done = []
    for r in rows:
        if len(done) >= k:
            break
        if not r.shown or not getattr(r, "traces", None) or r.inert_only:
            continue
        (ws, m), traces = r.traces[0], r.traces[1]
        weak = mu.mutant(ws.system, [r.target])
        pk = ProvingKey(VerifyingKey(weak, m.pre_root), m.pre_data)
        proof = prover.prove(pk, traces, ws.pv, debug=False)
        verifier.verify(pk.vk, proof, ws.pv)  # the mutant accepts
        try:
            verifier.verify(m.verifying_key(len(ws.pv) - 2), proof, ws.pv)
            ok = False
        except VerificationError:
            ok = True
        log(f"prove: {r.target}: mutant verifier accepts, real verifier "
            f"{'rejects' if ok else 'ACCEPTS (oracle not faithful!)'}")
        done.append((r.target, ok))
    return done


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per target per program")
    ap.add_argument("--tables", default="", help="comma-separated tables (default all)")
    ap.add_argument("--programs", default="", help="comma-separated programs (default all)")
    ap.add_argument("--sample", type=int, default=0, help="only a seeded sample of targets")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-suite", action="store_true", help="skip the malicious-prover suites")
    ap.add_argument("--no-interactions", action="store_true", help="constraints only")
    ap.add_argument("--prove", type=int, default=0, help="prove K found attacks (slow)")
    ap.add_argument("--out", default="", help="write the results as JSON")
    ap.add_argument("--md", default="", help="write the summary table as markdown")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    log = lambda s: print(s, flush=True)  # noqa: E731
    progs = [p for p in (a.programs.split(",") if a.programs else PROGRAMS)]
    machines, wss = {}, []
    for p in progs:
        m, ws = build_workspace(p)
        ws.machine = m
        machines[p] = m
        wss.append(ws)
    log(f"built {len(wss)} workspaces in {time.monotonic() - t0:.1f} s")
    tables = set(a.tables.split(",")) if a.tables else None
    targets = targets_of(wss[0].system, tables, not a.no_interactions)
    if a.sample:
        targets = sorted(random.Random(a.seed).sample(targets, min(a.sample, len(targets))),
                         key=lambda t: targets_of(wss[0].system, tables,
                                                  not a.no_interactions).index(t))
    suite = [] if a.no_suite else harvest_suite(log)
    for c in suite:
        log(f"suite: {c.name}: fails {c.failing} -> shows {c.shown or '-'}")
    part = open(a.out + ".partial.jsonl", "w") if a.out else None

    def sink(d):
        if part is not None:
            part.write(json.dumps(d, default=str) + "\n")
            part.flush()
    rows = run(targets, wss, suite, a.budget, seed=a.seed, log=log, keep=a.prove, sink=sink)
    if a.prove:
        for r in rows:
            if getattr(r, "traces", None):
                ws, tr = r.traces
                r.traces = ((ws, ws.machine), tr)
        prove_sample(rows, a.prove, log)
    summary = summarize(rows, [t.name for t in wss[0].system.tables])
    cmd = "python tools/constraint_coverage.py " + " ".join(argv if argv is not None
                                                           else sys.argv[1:])
    md = markdown(summary, cmd.strip(), time.monotonic() - t0)
    print(md)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md + "\n")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"summary": summary,
                       "suite": [c.__dict__ for c in suite],
                       "rows": [{k: v for k, v in r.__dict__.items() if k != "traces"}
                                for r in rows]}, f, indent=1, default=str)
    return rows, summary


if __name__ == "__main__":
    main()

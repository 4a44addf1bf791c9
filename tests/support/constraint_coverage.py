"""Constraint coverage by mutation testing: is every circuit constraint load-bearing?

For every named constraint of every table of the RV32IM machine (and every BYTES lookup
interaction, i.e. every range check / byte-operation lookup), switch it off and look for
traces that the weakened system accepts and the real one rejects
(:mod:`tests.support.mutation`, the debug checker is the oracle):

1. **suite**: the forged witnesses of the malicious-prover suites in ``tests/chips``
   (``test_alu_e2e.ATTACKS`` and the ``S.attack`` cases of ``test_control_e2e``,
   ``test_loadstore_e2e``, ``test_atomic_e2e``) -- a case that fails exactly one
   constraint (or one lookup interaction) with all buses otherwise balanced shows it;
2. **search**: targeted witness mutation with repairs on the honest traces of the small
   programs below (:func:`tests.support.mutation.search_attack`).

The precompile and paging tables (``keccak``, ``mem_page``, ``mem_node``,
``poseidon2``) have their own workspaces -- the ``keccak`` program (two calls) and the
standalone ``paging`` system of ``tests/chips/test_mem_merkle.py`` -- and their own
forgeries, credited like suite cases: the Keccak *fault forgeries* (:class:`KFault`: one
θ/χ value changed, the rest of the call recomputed, the output words re-matched in the
memory chains), the paging digest forgeries (:func:`harvest_paging`: the test module's
forgeries, an untouched sibling's out digest, the key columns and kind of an access-free
page, every digest re-derived) and the Poseidon2 fault forgeries (:class:`PFault`: one
value of a ``poseidon2`` row moved, the rest of the row recomputed, the forged digest
carried up the memory tree to a new root).  ``--family-sample K`` searches only K members
of each family of >= 20 constraints (same name up to digits); ``--keccak-members N``
builds N fault forgeries per family (0: all, ~20 min).

Usage::

    python -m tests.support.coverage_report                      # full run, table to stdout
    python -m tests.support.coverage_report --out cov.json --md cov.md --budget 4
    python -m tests.support.coverage_report --sample 15 --seed 1 # a seeded sample
    python -m tests.support.coverage_report --tables addsub,lt --no-suite
    python -m tests.support.coverage_report --prove 3            # + proof-level check of 3 attacks
    python -m tests.support.coverage_report --tables keccak,mem_page,mem_node,poseidon2 \
        --budget 1.5 --family-sample 3 --keccak-members 20   # the new tables, ~10 min

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
import re
import sys
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".zkvm-cache", "numba"))
sys.setrecursionlimit(max(sys.getrecursionlimit(), 200000))

import numpy as np  # noqa: E402

from zkvm.riscv.asm import encode, exit_program, li  # noqa: E402
from tests.support import mutation as mu  # noqa: E402
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
    from zkvm.machine import Machine
    from zkvm.riscv.layout import Program

    got = PROGRAMS[name]()
    words, code, inp = (got, 0, b"") if isinstance(got, list) else got
    m = Machine.for_program(Program.from_words(list(words) + exit_program(code)), PARAMS)
    res = m.execute(inp)
    w, traces, pv = m.traces(res)
    return m, mu.Workspace(m.system(), traces, pv, label=name, public_data=w.journal)


# ---------------------------------------------------------------------------------------
# the malicious-prover suites (harvest)


@dataclass
class SuiteCase:
    name: str
    shown: list = field(default_factory=list)   # "table.name" shown load-bearing
    failing: list = field(default_factory=list)  # what the full checker reports
    inert: bool = False   # the forgery only changes padding rows (sends nothing)


def _lookup_sources(rep):
    return {f"{t}.{n}" for b in rep.bus_imbalances for (t, n, _r) in b.sources
            if t != "bytes"}


def _credit(system, traces, pv, name, public_data: bytes = b"") -> SuiteCase:
    """What a forged witness shows: the single constraint (or single lookup interaction)
    it fails, confirmed by the oracle on a mutant without it."""
    case = SuiteCase(name)
    ws = mu.Workspace(system, traces, pv, label=name, check=False, public_data=public_data)
    done = ws.complete(system, traces)
    rep = check_traces(system, done, pv, public_data=public_data)
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
        if mu.shows_load_bearing(system, weak, ws.complete(weak, traces), pv, public_data):
            case.shown.append(cand)
    return case


def harvest_suite(log=print, only_alu: bool = False) -> list[SuiteCase]:
    """Run the forgeries of the chips' malicious-prover suites (checker level only).
    ``only_alu``: just ``test_alu_e2e.ATTACKS`` (fast, for CI)."""
    cases: list[SuiteCase] = []
    try:
        from tests.chips import test_alu_e2e as A
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
        from tests.support import chip_checks as S
    except Exception as e:  # pragma: no cover
        log(f"suite: cannot import tests.support.chip_checks: {e}")
        return cases
    recorded = []

    def recorder(m, res, chip, forge, expect_constraints=(), expect_bytes=False,
                 other_buses=()):
        from zkvm.chips.bytes import BytesAir

        m._bytes_trace = lambda system, traces, pv: np.zeros(
            (1 << 16, len(BytesAir.columns.names)), dtype=np.uint32)
        w, traces, pv = m.traces(res)
        system = m.system()
        names = [a.name for a in m.airs]
        ci = names.index(chip)
        air = m.airs[ci]
        rows = w.rows.select(w.chip_index == chip)
        t = traces[ci].copy()
        forge(air, air.columns.view(t), rows)
        t %= mu.P
        traces[ci] = t
        recorded.append((system, traces, pv, w.journal))

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
                for system, traces, pv, journal in recorded:
                    cases.append(_credit(system, traces, pv, f"{modname}::{fname}", journal))
    finally:
        S.attack = orig
    return cases


def _harvest_core(log):
    """``tests/chips/test_core.py``: its corruptions call ``check(m, traces, pv)``; record
    them by wrapping ``check`` and call every test that takes the module's fixtures."""
    import inspect

    try:
        from tests.chips import test_core as C
        from tests.support.core_programs import CHIPS, arith_words, echo_words
    except Exception as e:  # pragma: no cover
        log(f"suite: cannot import test_core: {e}")
        return []
    from zkvm.machine import Machine
    from zkvm.riscv.layout import Program

    def fixture(words, inp):
        m = Machine.for_program(Program.from_words(words), PARAMS, chips=CHIPS)
        w, traces, pv = m.traces(m.execute(inp))
        return m, w, traces, pv

    fx = {"testing_params": PARAMS}
    recorded = []
    orig = C.check

    def rec(m, traces, pv, journal=b""):
        recorded.append((m.system(), [t.copy() for t in traces], list(pv), journal))
        return orig(m, traces, pv, journal)

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
            for system, traces, pv, journal in recorded:
                if len(pv) != system.num_public_values:
                    continue  # a forged public-value vector: not a trace attack
                cases.append(_credit(system, traces, pv, f"test_core::{fname}", journal))
    finally:
        C.check = orig
    return cases


# ---------------------------------------------------------------------------------------
# tables added with the precompiles and continuations: keccak, mem_page, mem_node,
# poseidon2 (docs/soundness.md §2.2 item 7 and §2.2.M)


def prog_keccak():
    """Two KECCAK_F1600 calls on random states at SCRATCH and SCRATCH + 0x400 (a1 = 0x1234
    and 0); nothing reads the outputs afterwards, so every output word's next MEMORY record
    is the memory boundary's ``final`` (plain columns, re-matched by cross-table repair)."""
    from zkvm.precompiles.keccak.air import SYS_KECCAK_F1600
    from zkvm.riscv.testing import SCRATCH

    rng = random.Random(11)
    words = []
    for p, a1 in ((SCRATCH, 0x1234), (SCRATCH + 0x400, 0)):
        words += li(28, p)
        for i in range(50):
            words += li(29, rng.getrandbits(32)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
        words += li(10, p) + li(11, a1) + li(17, SYS_KECCAK_F1600) + [encode("ecall")]
    return words


PROGRAMS["keccak"] = prog_keccak


def prog_sha256():
    """Three SHA256_COMPRESS calls (state at SCRATCH + 0x100·k, block at SCRATCH + 0x800 +
    0x100·k, random words): 192 real rows, so the 256-row table has padding rows too.
    Nothing reads the outputs afterwards (re-matched at the memory boundary)."""
    from zkvm.precompiles.sha256.air import SYS_SHA256_COMPRESS
    from zkvm.riscv.testing import SCRATCH

    rng = random.Random(12)
    words = []
    for k in range(3):
        st, bl = SCRATCH + 0x100 * k, SCRATCH + 0x800 + 0x100 * k
        for base, n in ((st, 8), (bl, 16)):
            words += li(28, base)
            for i in range(n):
                words += li(29, rng.getrandbits(32)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
        words += li(10, st) + li(11, bl) + li(17, SYS_SHA256_COMPRESS) + [encode("ecall")]
    return words


PROGRAMS["sha256"] = prog_sha256
#: workspaces that are not a machine program (built by their own function)
SPECIAL = {}


def build_paging_workspace():
    """``(scenario, Workspace)`` of the standalone paging system of
    ``tests/chips/test_mem_merkle.py`` (``mem_page``, ``mem_node``, ``poseidon2``,
    ``bytes`` and the test-only ``mem_user`` access table; public
    ``NODE(24, 0, root_in, root_out)``, 16 elements): two register pages, the salt page,
    RAM pages 1024 (accessed), 1025 and 1027 (touched without an access; 1027 is a right
    child whose left sibling 1026 is untouched, so some node rows have ``has_l = 0``), 7
    accesses."""
    from tests.chips import test_mem_merkle as T
    from zkvm import memtree as mt
    from zkvm.chips.mem_merkle import paging_witness

    sc = T.Scenario(PARAMS)
    last = dict(zip(sc.keys, sc.fts))
    keys = sorted(sc.keys + [sc.RAM + 3 * 64 + 4])
    sc.keys, sc.vals = keys, [sc.final_mem.get(k, sc.entry_words.get(k, 0)) for k in keys]
    sc.fts = [last.get(k, 0) for k in keys]
    sc.pw = paging_witness(sc.entry, sc.keys, sc.vals, sc.fts, sc.salt_out)
    sc.pv = mt.digest_elems(sc.pw.root_in) + mt.digest_elems(sc.pw.root_out)
    return sc, mu.Workspace(sc.system, sc.finish(sc.trace_dict()), sc.pv, label="paging")


SPECIAL["paging"] = build_paging_workspace
#: tables whose targets come from a SPECIAL workspace's system rather than the machine's
SPECIAL_TABLES = {"mem_page": "paging", "mem_node": "paging", "poseidon2": "paging"}


def _credit_one(ws, traces, pv, name, weak_cache=None) -> SuiteCase:
    """As :func:`_credit`, without building a second Workspace (the keccak table's 3351
    row functions make that slow): lookup multiplicities are completed by ``ws``
    (:meth:`~tests.support.mutation.Workspace.complete`), the full checker must fail exactly one constraint with every bus
    balanced (or exactly one byte-lookup interaction), and the mutant without it must
    accept."""
    case = SuiteCase(name)
    system = ws.system
    done = ws.complete(system, traces)
    rep = check_traces(system, done, pv, public_data=ws.public_data)
    cons = sorted({f"{f.table}.{f.constraint}" for f in rep.constraint_failures})
    buses_bad = sorted({b.bus for b in rep.bus_imbalances})
    case.failing = cons + [f"bus:{b}" for b in buses_bad]
    cand = None
    if len(cons) == 1 and not buses_bad:
        cand = cons[0]
    elif not cons and buses_bad == [LOOKUP_BUS_NAME]:
        src = _lookup_sources(rep)
        if len(src) == 1:
            cand = src.pop()
    if cand is not None:
        cache = weak_cache if weak_cache is not None else {}
        weak = cache.get(cand)
        if weak is None:
            weak = cache[cand] = mu.mutant(system, [cand])
        if check_traces(weak, ws.complete(weak, traces), pv, public_data=ws.public_data).ok:
            case.shown.append(cand)
    return case


# --- keccak: one state bit changed, the rest of the call recomputed -----------------------

_M64 = (1 << 64) - 1


def _rotl(x, k):
    k %= 64
    return ((x << k) | (x >> (64 - k))) & _M64 if k else x


@dataclass(frozen=True)
class KFault:
    """One fault in a Keccak call; the rest of the call is recomputed from it, so that
    (by the θ/χ algebra) exactly the constraint ``target`` fails:

    * ``c`` (x, z, rnd): column parity bit C[x][z] flipped → ``parity{x}_{z}``;
    * ``cp`` (x, z, rnd): C'[x][z] flipped, D from it → ``cp{x}_{z}``;
    * ``acomp`` (limb, rnd): θ reads the round input with a limb bit flipped, the ``a``
      column keeps the true input → ``a{i}_{k}``;
    * ``app`` (limb of lanes 1..24, rnd): a χ output limb bit flipped → ``chi{i}_{k}``;
    * ``chi0`` (z, rnd): a χ output bit of lane 0 flipped → ``chi0_{z}``;
    * ``next`` (limb, rnd ≥ 1): the next round's input ≠ this round's output →
      ``next_a{limb}``;
    * ``init`` (limb): round 0's input ≠ ``pre`` → ``init{limb}``;
    * ``out`` (limb): ``post`` (and the written word) ≠ round 23's output → ``out{limb}``;
    * ``cpost`` (limb): the written word (``post`` of rows 0..12) ≠ the computed output
      (``post`` of rows 13..23) → ``const_post{limb}``;
    * ``cpre`` (limb, word on mem row ≥ 1): the permutation runs on ``pre`` of rows before
      the word's memory row, which differs from the word read → ``const_pre{limb}``;
    * ``memin`` (limb): the permutation (and ``pre`` on every row) starts from a state
      that differs from the word read from memory → ``mem_in{slot}_{half}``;
    * ``memout`` (limb): the word written differs from ``post`` → ``mem_out{slot}_{half}``.
    """

    kind: str
    a: int = 0          # x, limb index or z
    z: int = 0
    rnd: int = 23

    @property
    def target(self):
        k, a, z = self.kind, self.a, self.z
        if k in ("memin", "memout"):
            lane, limb = a // 4, a % 4
            slot = 2 * (lane % 2) + limb // 2
            return f"mem_{k[3:]}{slot}_{limb % 2}"
        return {"c": f"parity{a}_{z}", "cp": f"cp{a}_{z}",
                "acomp": f"a{a // 4}_{a % 4}", "app": f"chi{a // 4}_{a % 4}",
                "chi0": f"chi0_{a}", "next": f"next_a{a}", "init": f"init{a}",
                "out": f"out{a}", "cpost": f"const_post{a}", "cpre": f"const_pre{a}"}[k]


def _keccak_call(S, f: KFault | None):
    """Rows of one call from input lanes ``S`` with fault ``f``:
    ``([(a, C, CP, Ap, App)] * 24, output lanes)`` (python ints)."""
    from zkvm.precompiles.keccak.air import RC, RHO

    rows = []
    A = list(S)
    kind = f.kind if f else ""
    bitmask = (1 << (16 * (f.a % 4))) if f else 0
    for rnd in range(24):
        if (kind == "init" and rnd == 0) or (kind == "next" and rnd == f.rnd):
            A[f.a // 4] ^= bitmask
        acol = list(A)
        At = list(A)
        if kind == "acomp" and rnd == f.rnd:
            At[f.a // 4] ^= bitmask
        C = [At[x] ^ At[x + 5] ^ At[x + 10] ^ At[x + 15] ^ At[x + 20] for x in range(5)]
        if kind == "c" and rnd == f.rnd:
            C[f.a] ^= 1 << f.z
        CP = [C[x] ^ C[(x - 1) % 5] ^ _rotl(C[(x + 1) % 5], 1) for x in range(5)]
        if kind == "cp" and rnd == f.rnd:
            CP[f.a] ^= 1 << f.z
        D = [C[x] ^ CP[x] for x in range(5)]
        Ap = [At[i] ^ D[i % 5] for i in range(25)]
        B = [0] * 25
        for x in range(5):
            for y in range(5):
                B[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl(Ap[x + 5 * y], RHO[x + 5 * y])
        App = [(B[i] ^ (~B[(i % 5 + 1) % 5 + 5 * (i // 5)] & B[(i % 5 + 2) % 5 + 5 * (i // 5)]))
               & _M64 for i in range(25)]
        if kind == "app" and rnd == f.rnd:
            App[f.a // 4] ^= bitmask
        if kind == "chi0" and rnd == f.rnd:
            App[0] ^= 1 << f.a
        rows.append((acol, C, CP, Ap, App))
        A = list(App)
        A[0] ^= RC[rnd]
    return rows, A


def _limbs(lanes):
    return [(x >> (16 * k)) & 0xFFFF for x in lanes for k in range(4)]


def _bits(lanes):
    return [(x >> z) & 1 for x in lanes for z in range(64)]


def keccak_forgery(ws, f: KFault | None, call: int = 0) -> list | None:
    """Traces of ``ws`` with call ``call`` of the keccak table rebuilt under fault ``f``
    (None: the honest call, a self-test) and the changed output words re-matched in the
    memory chains (cross-table repair of :mod:`tests.support.mutation`). None if the repair
    fails."""
    ti = ws.tindex["keccak"]
    cols = ws.system.tables[ti].air.columns
    t = ws.traces[ti].copy()
    v = cols.view(t)
    base = 24 * call
    pre = [int(x) for x in v.pre[base]]
    S = [sum(pre[4 * i + k] << (16 * k) for k in range(4)) for i in range(25)]
    if f is not None and f.kind in ("cpre", "memin"):
        S[f.a // 4] ^= 1 << (16 * (f.a % 4))
    rows, out = _keccak_call(S, f)
    post = _limbs(out)
    for rnd, (acol, C, CP, Ap, App) in enumerate(rows):
        r = base + rnd
        v.a[r] = _limbs(acol)
        v.c[r] = _bits(C)
        v.cp[r] = _bits(CP)
        v.ap[r] = _bits(Ap)
        v.app[r] = _limbs(App[1:])
        v.chi0[r] = _bits(App[:1])
        p = list(post)
        if f is not None and (f.kind == "out" or (f.kind == "cpost" and rnd < 13)):
            p[f.a] ^= 1
        v.post[r] = p
        if f is not None and f.kind == "cpre" and rnd < (f.a // 4) // 2:
            v.pre[r] = _limbs(S)   # the permutation's input; rows from the word's mem row on: true
        if f is not None and f.kind == "memin":
            v.pre[r] = _limbs(S)   # every row: mp (the memory word read) stays the true one
        if f is not None and f.kind == "memout" and rnd < 13:
            p = list(p)
            p[f.a] ^= 1            # only the written bytes; post stays the computed output
        write_keccak_mem_bytes(v, r, rnd, p)
    if f is None:
        return None if not np.array_equal(t, ws.traces[ti]) else list(ws.traces)
    return rematch(ws, mu.Target("keccak", f.target), t)


def rematch(ws, target, trace) -> list | None:
    """``ws``'s traces with ``target.table``'s trace replaced by ``trace`` (a rebuilt call)
    and every bus message it changed re-matched in the other tables (cross-table repair
    of :mod:`tests.support.mutation`, e.g. the memory boundary's ``final`` of a word the call
    wrote); None if the repair fails."""
    ti = ws.tindex[target.table]
    rows = np.flatnonzero(np.any(trace != ws.traces[ti], axis=1)).tolist()
    traces = list(ws.traces)
    traces[ti] = trace % mu.P
    srch = mu._Search(ws, target, ws.system, random.Random(0), time.monotonic() + 60)
    return srch._cross_repair(traces, ti, ws.traces[ti], rows)


def keccak_faults(members: int, seed: int = 0) -> list:
    """Faults to try: ``members`` per family (seeded), or every member when ``members`` is
    0.  Faults sit in the last round where they can (fewest output words change)."""
    fams = {
        "c": [KFault("c", x, z) for x in range(5) for z in range(64)],
        "cp": [KFault("cp", x, z) for x in range(5) for z in range(64)],
        "acomp": [KFault("acomp", i) for i in range(100)],
        "app": [KFault("app", i) for i in range(4, 100)],
        "chi0": [KFault("chi0", z) for z in range(64)],
        "next": [KFault("next", i) for i in range(100)],
        "init": [KFault("init", i, rnd=0) for i in range(100)],
        "out": [KFault("out", i) for i in range(100)],
        "cpost": [KFault("cpost", i) for i in range(100)],
        "cpre": [KFault("cpre", i) for i in range(8, 100)],
        # one limb per (slot, half) constraint: lanes 0, 1 cover slots 0..3
        "memin": [KFault("memin", i) for i in range(8)],
        "memout": [KFault("memout", i) for i in range(8)],
    }
    return sample_families(fams, members, seed)


def sample_families(fams: dict, members: int, seed: int = 0) -> list:
    """Every member of every family of ``fams`` (name -> list) when ``members`` is 0, else
    a seeded sample of ``members`` per family, each kept in its family's order."""
    rng = random.Random(seed)
    out = []
    for fs in fams.values():
        out += fs if not members else sorted(rng.sample(fs, min(members, len(fs))),
                                             key=fs.index)
    return out


def write_keccak_mem_bytes(v, r: int, rnd: int, post) -> None:
    """The bytes ``mn`` that row ``r`` (round ``rnd``) of a ``keccak`` call writes: on the
    memory rows (``rnd < 13``) slot ``j`` writes word ``4·rnd + j`` (``< 50``) of the output
    limbs ``post``; other rows write nothing."""
    if rnd >= 13:
        return
    for j in range(4):
        word = 4 * rnd + j
        if word >= 50:
            continue
        lane, h = word // 2, word % 2
        for tt in range(2):
            limb = int(post[4 * lane + 2 * h + tt])
            v.mn[r, 4 * j + 2 * tt] = limb & 0xFF
            v.mn[r, 4 * j + 2 * tt + 1] = limb >> 8


def harvest_keccak(ws, members: int, seed: int = 0, log=print) -> list[SuiteCase]:
    """The Keccak fault forgeries (:class:`KFault`) as suite cases."""
    if keccak_forgery(ws, None) is None:
        raise RuntimeError("keccak forgery: the honest call is not reproduced (layout changed)")
    cache: dict = {}
    cases = []
    for f in keccak_faults(members, seed):
        traces = keccak_forgery(ws, f)
        name = f"keccak-fault:{f.kind}({f.a},{f.z})@rnd{f.rnd}"
        if traces is None:
            log(f"{name}: memory re-match failed")
            continue
        c = _credit_one(ws, traces, ws.pv, name, cache)
        if c.shown and c.shown != [f"keccak.{f.target}"]:
            log(f"{name}: expected {f.target}, credited {c.shown}")
        cases.append(c)
    return cases


# --- paging: the forgeries of tests/chips/test_mem_merkle.py + digest-level seeds --------


def paging_sibling_forgery(sc, side: str, k: int):
    """``(traces, pv)``: element ``k`` of the *out* digest of an untouched ``side`` ("l"/"r")
    sibling changed, every digest re-derived and ``root_out`` the new root (memory the
    segment never accessed rewritten); None if no node row has such a sibling."""
    from tests.chips import test_mem_merkle as T
    from zkvm.chips.mem_merkle import MemNodeAir

    tr = sc.trace_dict()
    u = MemNodeAir.columns.view(tr["mem_node"])
    has = u.has_l if side == "l" else u.has_r
    rows = np.flatnonzero((u.is_real == 1) & (has == 0))
    if not len(rows):
        return None
    i = int(rows[k % len(rows)])
    d = getattr(u, side + "_out")
    d[i, k] = (int(d[i, k]) + 1) % mu.P   # a field element: stays canonical
    roots = T.rehash(tr)
    pv = sc.pv[:8] + roots[8:]
    return sc.finish(tr, sc.system, pv), pv


def paging_page_forgery(sc, col: str, delta: int):
    """``(traces, pv)``: column ``col`` of the row of RAM page 1025 (touched, never
    accessed: its 16 init/final MEMORY records cancel on the row) moved by ``delta``."""
    from tests.chips import test_mem_merkle as T

    tr = sc.trace_dict()
    i, vp = T._page_row(tr, 1025)
    getattr(vp, col)[i] = int(getattr(vp, col)[i]) + delta
    return sc.finish(tr, sc.system, sc.pv), sc.pv


def paging_salt_relabel_forgery(sc):
    """``(traces, pv)``: the row of RAM page 1025 (touched, never accessed) relabelled as
    a salt row (``is_ram = 0``, ``is_salt = 1``, key columns 0: no MEMORY traffic) and its
    exit word 0 rewritten, digests and ``root_out`` re-derived -- memory the segment never
    accessed changed, stopped only by ``salt_page`` (``P = 2`` on the salt row)."""
    from tests.chips import test_mem_merkle as T

    tr = sc.trace_dict()
    i, vp = T._page_row(tr, 1025)
    vp.is_ram[i], vp.is_salt[i], vp.kbase[i], vp.kstep[i] = 0, 1, 0, 0
    vp.p_lo[i], vp.p_hi[i] = 0, 0
    vp.v_out[i, 0] ^= 1
    roots = T.rehash(tr)
    pv = sc.pv[:8] + roots[8:]
    return sc.finish(tr, sc.system, pv), pv


# --- poseidon2: one value of one permutation row moved, the rest of the row recomputed ----


@dataclass(frozen=True)
class PFault:
    """One fault in a ``poseidon2`` row (:mod:`zkvm.chips.poseidon2`): the committed value
    moves by +1 and every later column of the row is recomputed from the columns as the
    constraints read them, so exactly the constraint ``target`` fails:

    * ``cube`` (full round ``r``, element ``i``): ``cube{r}[i] = x^3 + 1`` →
      ``full{r}_cube{i}`` (``state{r}`` is ``M_E`` of ``cube^2·x`` with the moved cube);
    * ``state`` (r, i): ``state{r}[i]`` one more than ``M_E(…)_i`` → ``full{r}_state{i}``;
    * ``pcube`` (partial round ``r``): ``p_cube[r] = x^3 + 1`` → ``part{r}_cube``;
    * ``psbox`` (r): ``p_sbox[r] = p_cube^2·x + 1`` → ``part{r}_sbox``.

    The digest (``state7[0..8]``) changes with it (except ``state`` faults on
    ``state7[8..16]``), so on a real row the forged compression is carried up the memory
    tree (:func:`p2_hash_forgery`) to a new root."""

    kind: str
    r: int
    i: int = 0

    @property
    def target(self) -> str:
        return {"cube": f"full{self.r}_cube{self.i}", "state": f"full{self.r}_state{self.i}",
                "pcube": f"part{self.r}_cube", "psbox": f"part{self.r}_sbox"}[self.kind]


def p2_row(block, fault: PFault | None = None, mult: int = 1) -> np.ndarray:
    """One ``poseidon2`` trace row (uint32) of ``block`` (16 canonical elements) under
    ``fault`` (None: the honest row, as ``Poseidon2Air.generate_trace`` writes it)."""
    from zkvm.chips.poseidon2 import Poseidon2Air
    from zkvm.hash.poseidon2 import (ALPHA, P as PP, RC_FULL, RC_PART, ROUNDS_F, ROUNDS_P,
                                     external_layer, internal_layer)

    assert ALPHA == 7
    cols = Poseidon2Air.columns
    row = cols.new_trace(1)
    v = cols.view(row)
    f = fault
    v.mult[0] = mult
    v.inp[0] = [int(x) for x in block]
    s = external_layer([int(x) for x in block])
    for r in range(ROUNDS_F):
        if r == ROUNDS_F // 2:
            pc, ps = [], []
            for q in range(ROUNDS_P):
                x = (s[0] + int(RC_PART[q])) % PP
                c = (pow(x, 3, PP) + (f is not None and f.kind == "pcube" and f.r == q)) % PP
                o = (c * c * x + (f is not None and f.kind == "psbox" and f.r == q)) % PP
                pc.append(c)
                ps.append(o)
                s[0] = o
                s = internal_layer(s)
            v.p_cube[0], v.p_sbox[0] = pc, ps
        xs = [(s[k] + int(RC_FULL[r, k])) % PP for k in range(16)]
        cube = [pow(x, 3, PP) for x in xs]
        if f is not None and f.kind == "cube" and f.r == r:
            cube[f.i] = (cube[f.i] + 1) % PP
        s = external_layer([c * c % PP * x % PP for c, x in zip(cube, xs)])
        if f is not None and f.kind == "state" and f.r == r:
            s[f.i] = (s[f.i] + 1) % PP
        getattr(v, f"cube{r}")[0] = cube
        getattr(v, f"state{r}")[0] = s
    return row[0]


class _P2Forge:
    """The hook of ``test_mem_merkle.rehash``: send ``index`` (rehash's order, one
    ``poseidon2`` row per send) gets the faulted row and its digest."""

    def __init__(self, index: int, fault: PFault | None):
        from zkvm.chips.poseidon2 import Poseidon2Air

        self.index, self.fault, self.row = index, fault, None
        self._dig = Poseidon2Air.digest_columns()

    def digest(self, block):
        self.row = p2_row(block, self.fault)
        return self.row[self._dig].copy()

    def patch(self, trace):
        trace[self.index] = self.row


def p2_hash_forgery(sc, f: PFault | None, index: int = 5):
    """``(traces, pv)`` of the paging scenario ``sc`` with the ``poseidon2`` row of send
    ``index`` (``test_mem_merkle.rehash`` order: page row 0 in A, B, leaf, out A, B, leaf,
    page row 1 …; default: the first page's *out* leaf, so the forged digest reaches
    ``root_out``) faulted, every digest above it re-derived and the roots from the result.
    ``f = None``: the honest rebuild (a self-test: the row must be the table's own)."""
    from tests.chips import test_mem_merkle as T

    tr = sc.trace_dict()
    hook = _P2Forge(index, f)
    roots = T.rehash(tr, forge=hook)
    if roots is None or hook.row is None:
        return None
    if f is None:
        ref = sc.trace_dict()
        T.rehash(ref)
        if not np.array_equal(ref["poseidon2"], tr["poseidon2"]):
            return None
    # bytes multiplicities are completed by the workspace (Workspace.complete)
    bytes_air = next(a for a in sc.airs if a.name == "bytes")
    tr["bytes"] = bytes_air.columns.new_trace(65536)
    return [tr[a.name] for a in sc.airs], roots


def p2_faults(members: int = 0, seed: int = 0) -> list[PFault]:
    """The Poseidon2 fault families (:class:`PFault`; ``members``: a seeded sample per
    family, 0 = all 282, one per constraint)."""
    from zkvm.hash.poseidon2 import ROUNDS_F, ROUNDS_P

    fams = {
        "cube": [PFault("cube", r, i) for r in range(ROUNDS_F) for i in range(16)],
        "state": [PFault("state", r, i) for r in range(ROUNDS_F) for i in range(16)],
        "pcube": [PFault("pcube", r) for r in range(ROUNDS_P)],
        "psbox": [PFault("psbox", r) for r in range(ROUNDS_P)],
    }
    return sample_families(fams, members, seed)


def harvest_poseidon2(sc, ws, members: int, seed: int = 0, log=print) -> list[SuiteCase]:
    """The Poseidon2 fault forgeries (:func:`p2_hash_forgery`, on the first page's out
    leaf) as suite cases of the paging workspace ``ws``."""
    if p2_hash_forgery(sc, None) is None:
        raise RuntimeError("poseidon2 forgery: the honest row is not reproduced (layout "
                           "changed)")
    cache: dict = {}
    cases = []
    for f in p2_faults(members, seed):
        traces, pv = p2_hash_forgery(sc, f)
        name = f"p2-fault:{f.kind}:r{f.r}:{f.i}"
        c = _credit_one(ws, traces, pv, name, cache)
        if c.shown != [f"poseidon2.{f.target}"]:
            log(f"{name}: expected {f.target}, fails {c.failing}, credited {c.shown}")
        cases.append(c)
    return cases


def harvest_paging(sc_ws, ws, log=print) -> list[SuiteCase]:
    """Forgeries on the paging scenario, each with every digest re-derived
    (``test_mem_merkle.rehash``):

    * the module's tests, on its own scenario (their ``Scenario.check`` / ``_shows``
      calls are recorded);
    * for every digest element ``k`` and side: an untouched sibling's *out* digest element
      changed (memory the segment never accessed rewritten), ``root_out`` re-derived
      → ``mem_node.l_keep{k}`` / ``r_keep{k}``;
    * on the RAM page touched without an access (page 1025: its init and final records
      cancel on its own row): ``kbase``, ``kstep``, ``p_lo`` moved (the records move
      with them and still cancel) → ``kbase`` / ``kstep`` / ``ram_page``.
    """
    from tests.chips import test_mem_merkle as T

    cache: dict = {}
    cases = []
    recorded = []
    sc = T.Scenario(PARAMS)

    def rec_check(tr, pv=None, system=None):
        pv = pv or sc.pv
        recorded.append((sc.finish(tr, sc.system, pv), list(pv)))
        return orig_check(tr, pv, system)

    def rec_shows(sc_, tr, names, pv=None):
        pv = pv or sc.pv
        recorded.append((sc.finish(tr, mu.mutant(sc.system, names), pv), list(pv)))
        return orig_shows(sc_, tr, names, pv)

    orig_check, orig_shows = sc.check, T._shows
    sc.check, T._shows = rec_check, rec_shows
    try:
        for fname in sorted(dir(T)):
            fn = getattr(T, fname)
            if not fname.startswith("test_") or not callable(fn):
                continue
            import inspect
            if list(inspect.signature(fn).parameters) != ["sc"]:
                continue
            recorded.clear()
            try:
                fn(sc)
            except Exception as e:
                log(f"suite: test_mem_merkle::{fname}: {type(e).__name__}: {e}")
                continue
            for traces, pv in recorded:
                if pv == sc.pv and all(np.array_equal(a, b) for a, b in
                                       zip(traces, sc.finish(sc.trace_dict()))):
                    continue  # an honest check
                cases.append(_credit_one(ws, traces, pv, f"test_mem_merkle::{fname}",
                                         cache))
    finally:
        sc.check, T._shows = orig_check, orig_shows

    sc = sc_ws
    for side in ("l", "r"):
        for k in range(8):
            got = paging_sibling_forgery(sc, side, k)
            if got is not None:
                cases.append(_credit_one(ws, got[0], got[1],
                                         f"paging:{side}_out[{k}] of an untouched sibling",
                                         cache))
    for col, delta in (("kbase", 4), ("kstep", 1), ("p_lo", 1)):
        tr, pv = paging_page_forgery(sc, col, delta)
        cases.append(_credit_one(ws, tr, pv,
                                 f"paging: {col} of an access-free RAM page + {delta}", cache))
    tr, pv = paging_salt_relabel_forgery(sc)
    cases.append(_credit_one(ws, tr, pv, "paging: access-free RAM page relabelled as salt "
                             "and rewritten", cache))
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
        if table not in ws.tindex:
            continue
        tr = ws.traces[ws.tindex[table]]
        (real if not ws.row_inert(table, ws.traces, 0) or
         any(not ws.row_inert(table, ws.traces, r) for r in range(min(4, tr.shape[0])))
         else other).append(ws)
    return real + other


def run(targets, wss, suite_cases, budget, max_ws=2, seed=0, log=print, keep=0, sink=None,
        skip=frozenset()):
    """Suite credit first, then the search; ``keep``: keep the forged traces of the first
    ``keep`` attacks found on real rows (for :func:`prove_sample`); ``skip``: full names
    not searched (members of a large family left out of the sample, reported "not tried")."""
    by_suite, inert_case = {}, {}
    for c in suite_cases:
        for n in c.shown:
            # a real-row forgery beats a padding-only one for the same target
            if n not in by_suite or (inert_case[n] and not c.inert):
                by_suite[n], inert_case[n] = c.name, c.inert
    rows = []
    for i, tg in enumerate(targets):
        row = Row(tg.full_name, tg.kind)
        if tg.full_name in by_suite:
            row.shown, row.by = True, "suite: " + by_suite[tg.full_name]
            row.inert_only = inert_case[tg.full_name]
        elif tg.full_name in skip:
            row.by = "not tried (family sample)"
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
        if row.by.startswith("not tried"):
            continue
        log(f"[{i + 1}/{len(targets)}] {tg.full_name}: "
            f"{'shown' if row.shown else 'NOT SHOWN'}"
            f"{' (padding rows only)' if row.inert_only else ''} {row.by[:90]}")
    return rows


def summarize(rows, systems_tables):
    per = {}
    for r in rows:
        table = r.target.split(".")[0]
        d = per.setdefault(table, {"constraints": 0, "c_shown": 0, "c_inert": 0,
                                   "lookups": 0, "l_shown": 0, "not_shown": [],
                                   "not_tried": 0})
        if r.kind == "constraint":
            d["constraints"] += 1
            d["c_shown"] += r.shown
            d["c_inert"] += r.shown and r.inert_only
        else:
            d["lookups"] += 1
            d["l_shown"] += r.shown
        if not r.shown:
            d["not_shown"].append(r.target.split(".", 1)[1])
            d["not_tried"] += r.by.startswith("not tried")
    order = [t for t in systems_tables if t in per]
    return {t: per[t] for t in order}


def family_of(name: str) -> str:
    """``"parity3_17"`` → ``"parity*_*"``: constraints generated by one loop."""
    return re.sub(r"\d+", "*", name)


def compress_names(names, min_family: int = 4) -> list[str]:
    """Names, with every family of ≥ ``min_family`` members written ``family (n)``."""
    fam: dict = {}
    for n in names:
        fam.setdefault(family_of(n), []).append(n)
    out = []
    for f, ms in fam.items():
        out += [f"{f} ({len(ms)})"] if len(ms) >= min_family else ms
    return out


def family_sample(targets, k: int, big: int = 20, seed: int = 0) -> set:
    """Full names of the targets *left out* when every family (same table, kind and
    :func:`family_of`) of at least ``big`` members is cut to a seeded sample of ``k``."""
    fams: dict = {}
    for tg in targets:
        fams.setdefault((tg.table, tg.kind, family_of(tg.name)), []).append(tg.full_name)
    rng = random.Random(seed)
    out = set()
    for ms in fams.values():
        if len(ms) >= big and k:
            keep = set(rng.sample(ms, min(k, len(ms))))
            out |= {m for m in ms if m not in keep}
    return out


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
        ns = ", ".join(f"`{x}`" for x in compress_names(d["not_shown"])) or "—"
        if d.get("not_tried"):
            ns += f" ({d['not_tried']} of these not searched: family sample)"
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
        proof = prover.prove(pk, traces, ws.pv, debug=False, public_data=ws.public_data)
        verifier.verify(pk.vk, proof, ws.pv, public_data=ws.public_data)  # the mutant accepts
        try:
            verifier.verify(m.verifying_key(), proof, ws.pv, public_data=ws.public_data)
            ok = False
        except VerificationError:
            ok = True
        log(f"prove: {r.target}: mutant verifier accepts, real verifier "
            f"{'rejects' if ok else 'ACCEPTS (oracle not faithful!)'}")
        done.append((r.target, ok))
    return done

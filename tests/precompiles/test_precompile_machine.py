"""The SHA-256 precompile inside the full machine (docs/circuits.md §11.1).

* examples/sha256-precompile proven and verified end to end through ``zkvm.api``, giving
  the journal of examples/sha256 (the plain-C program, only executed here);
* malicious witnesses at the checker level: a precompile ecall returning ``a0 ≠ 0``
  (the SDK would then also run its plain-C fallback), and a precompile call whose
  PRECOMPILE hand-off is dropped (the table does not run it);
* a KECCAK_F1600 call is provable too (its chip: tests/precompiles/keccak/test_keccak_air.py).
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from zkvm.machine import Machine
from zkvm.precompiles.keccak.air import SYS_KECCAK_F1600
from zkvm.precompiles.sha256.air import SYS_SHA256_COMPRESS
from zkvm.riscv.asm import encode, li
from zkvm.riscv.testing import SCRATCH, program
from zkvm.stark.checker import check_traces

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
ST, BLK = SCRATCH, SCRATCH + 0x100


def _build(tmp_path_factory, name):
    src = os.path.join(ROOT, "examples", name)
    if not os.path.isdir(src):
        pytest.skip(f"examples/{name} is missing")
    out = tmp_path_factory.mktemp("elf") / f"{name}.elf"
    try:
        from zkvm.toolchain.build import build

        build(src, out)
    except Exception as e:  # toolchain not installed in this environment
        pytest.skip(f"cannot build examples/{name}: {e}")
    return out.read_bytes()


def _store_words(addr, words):
    w = li(28, addr)
    for i, v in enumerate(words):
        w += li(29, int(v)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
    return w


def _sha_program():
    """One SHA256_COMPRESS call on a fixed state and block, then exit(0)."""
    words = _store_words(ST, range(1, 9)) + _store_words(BLK, [0x01020304 * i for i in range(16)])
    words += li(10, ST) + li(11, BLK) + li(17, SYS_SHA256_COMPRESS) + [encode("ecall")]
    return program(words, 0)


@pytest.fixture(scope="module")
def sha_honest(testing_params):
    m = Machine.for_program(_sha_program(), testing_params)
    w, traces, pv = m.traces(m.execute())
    assert check_traces(m.system(), traces, pv, public_data=w.journal).ok
    return m, w, traces, pv


def _tix(m, name):
    return [a.name for a in m.airs].index(name)


# ------------------------------------------------------------------ honest, end to end
def test_sha256_precompile_example_end_to_end(tmp_path_factory):
    import zkvm.api as api

    elf = _build(tmp_path_factory, "sha256-precompile")
    plain = _build(tmp_path_factory, "sha256")
    inp = bytes(range(100))  # two blocks
    receipt = api.prove(elf, inp, params="testing")
    code, journal = api.verify(receipt, api.image_id(elf, "testing"))
    assert code == 0
    assert journal == hashlib.sha256(inp).digest()
    # same journal as the plain-C example (executed only: one proof per test run)
    m = Machine.for_program(plain)
    r = m.execute(inp)
    assert bytes(r.journal) == journal and not r.precompile_calls.get("sha256_compress")
    rp = Machine.for_program(elf).execute(inp)
    assert rp.precompile_calls["sha256_compress"] == 2 and rp.cycles < r.cycles


# ------------------------------------------------------------------ malicious provers
def test_precompile_nonzero_a0_rejected(sha_honest):
    m, w, traces, pv = sha_honest
    traces = [t.copy() for t in traces]
    sc = traces[_tix(m, "syscall")]
    v = m.syscall_air.columns.view(sc)
    row = int(np.flatnonzero(v.s_sha256_compress == 1)[0])
    v.ret[row, 0] = 1  # claim the precompile failed: the SDK would run plain C as well
    rep = check_traces(m.system(), traces, pv, public_data=w.journal)
    assert any(f.table == "syscall" and "ret_const0" in f.constraint
               for f in rep.constraint_failures), str(rep)


def test_precompile_message_dropped_rejected(sha_honest):
    """The ecall claims SHA256_COMPRESS but the sha256 table does not run the call."""
    m, w, traces, pv = sha_honest
    traces = [t.copy() for t in traces]
    traces[_tix(m, "sha256")][:] = 0
    traces[_tix(m, "sha256_round")][:] = 0
    rep = check_traces(m.system(), traces, pv, public_data=w.journal)
    assert any(b.bus == "precompile" and any(s[0] == "syscall" for s in b.sources)
               for b in rep.bus_imbalances), str(rep)


def test_keccak_call_provable(testing_params):
    words = li(10, ST) + li(17, SYS_KECCAK_F1600) + [encode("ecall")]
    m = Machine.for_program(program(words, 0), testing_params)
    r = m.execute()
    assert r.precompile_calls.get("keccak_f1600") == 1
    w, traces, pv = m.traces(r)
    assert check_traces(m.system(), traces, pv, public_data=w.journal).ok

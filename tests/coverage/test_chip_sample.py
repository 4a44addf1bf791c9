"""CI sample of the constraint-coverage run on the real RV32IM chips.

A fixed, seeded sample of chip constraints (and byte-lookup interactions) across tables
must each be shown load-bearing by the targeted witness mutation of
``tests.support.mutation`` on the honest traces of ``tests/support/constraint_coverage.py``'s small
programs; the full run is ``python -m tests.support.coverage_report`` (docs/soundness.md).
One attack is also *proven*: the mutant's verifier accepts the proof, the real verifier
rejects it -- so the checker oracle is faithful to the proof system.
"""

from __future__ import annotations

import pytest

from tests.support import constraint_coverage as cc
from tests.support import mutation as mu
from zkvm.stark.checker import check_traces

#: Chosen with random.Random(2024).sample (3 per program) among the targets that the full
#: run (docs/soundness.md) showed load-bearing *on real rows* by the search in < 0.8 s.
SAMPLE = {
    "alu": ["interaction:lt.ltu", "addsub.limb1_sum", "bitwise.c1"],
    "syscall": ["io.one_start", "interaction:io.mem_lo", "io.ram_split"],
    "shift_mul": ["shift.result0", "interaction:mul.sign_bits", "shift.u0"],
    "div": ["interaction:divrem.d01", "divrem.zf_q3", "divrem.abs_r_limb2"],
    "control": ["jump.adapter.rd_ts", "jump.carry2_bool", "interaction:jump.adapter.rd_val01"],
    "loadstore": ["loadstore.addr3", "loadstore.mem_ts", "loadstore.sel1"],
    "atomic": ["atomic.res_out0", "atomic.rd2_sc", "atomic.cmp.ma"],
}

#: Seeds tried per target (search_attack max_seeds); every sampled target falls well within.
MAX_SEEDS = 400

_WS: dict = {}


def workspace(prog):
    if prog not in _WS:
        _WS[prog] = cc.build_workspace(prog)
    return _WS[prog]


def _target(spec):
    kind = "constraint"
    if spec.startswith("interaction:"):
        kind, spec = "interaction", spec.split(":", 1)[1]
    table, name = spec.split(".", 1)
    return mu.Target(table, name, kind)


CASES = [(p, s) for p, specs in SAMPLE.items() for s in specs]


@pytest.mark.parametrize("prog,spec", CASES, ids=[s for _, s in CASES])
def test_sampled_constraint_is_load_bearing(prog, spec):
    m, ws = workspace(prog)
    tg = _target(spec)
    names = (mu.constraint_names(ws.system) if tg.kind == "constraint"
             else mu.interaction_names(ws.system))
    assert tg.name in names[tg.table], f"{spec} no longer exists (renamed? update SAMPLE)"
    # a deterministic budget (seeds, not seconds): the result must not depend on the load
    r = mu.search_attack(ws, tg, keep_traces=True, max_seeds=MAX_SEEDS)
    assert r.found, f"{spec}: no attack found"
    # with every constraint on, the attack is rejected
    assert not check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data).ok
    assert check_traces(mu.mutant(ws.system, [tg.full_name]), r.traces, ws.pv, public_data=ws.public_data).ok


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_attack_proof_accepted_by_mutant_verifier_rejected_by_real_one(monkeypatch):
    from zkvm.stark import prover, verifier
    from zkvm.stark.errors import VerificationError
    from zkvm.stark.system import ProvingKey, VerifyingKey

    monkeypatch.setenv("ZKVM_QUOTIENT", "numpy")
    m, ws = workspace("alu")
    tg = mu.Target("addsub", "limb0_sum")
    # a deterministic budget (seeds, not seconds): the result must not depend on the load
    r = mu.search_attack(ws, tg, keep_traces=True, max_seeds=MAX_SEEDS)
    assert r.found and not r.inert_only
    weak = mu.mutant(ws.system, [tg.full_name])
    pk = ProvingKey(VerifyingKey(weak, m.pre_root), m.pre_data)
    proof = prover.prove(pk, r.traces, ws.pv, debug=False, public_data=ws.public_data)
    verifier.verify(pk.vk, proof, ws.pv, public_data=ws.public_data)
    with pytest.raises(VerificationError):
        verifier.verify(m.verifying_key(), proof, ws.pv, public_data=ws.public_data)


@pytest.mark.slow  # > 20 s on 2 shared cores (the inner loop skips it; CI runs it)
def test_all_suite_attacks_rejected_with_every_constraint_on():
    """The ALU malicious-prover suite (harvested as the coverage tool does): every forged
    witness fails the full checker, and the single-constraint ones are credited."""
    cases = [c for c in cc.harvest_suite(log=lambda s: None, only_alu=True)]
    assert len(cases) >= 10
    for c in cases:
        assert c.failing, f"{c.name} is accepted by the full system"
    shown = {n for c in cases for n in c.shown}
    assert {"addsub.limb0_sum", "divrem.rem_lt3", "lt.result"} <= shown

"""Zero knowledge: the opened values of a proof do not depend on the witness.

The statistical test fixes the verifier's challenges with a TEST-ONLY transcript override
(``monkeypatch`` makes ``Transcript.absorb_bytes`` a no-op, so every challenge depends
only on the sequence of squeeze labels; nothing in the engine or in proof bytes can turn
this on).  With the challenges fixed, the values a verifier sees -- the trace, LogUp and
quotient openings at ζ / ζ·ω, the Merkle-opened LDE rows at the query positions and the
FRI final polynomial -- are samples of a distribution that, with masking, must be
uniform and identical for two different witnesses; without masking (``zk=False``) they
are constants that differ between the witnesses, and the same test must detect that.

Randomness comes from ``os.urandom``; the thresholds (p < 1e-6 before a Bonferroni
correction) make a spurious failure of the zk half improbable (< 1e-4 per run).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from zkvm.field.babybear import P
from zkvm.stark.air import Air, Bus, Columns
from zkvm.stark.params import StarkParams
from zkvm.stark.prover import prove
from zkvm.stark.system import StarkSystem
from zkvm.stark.transcript import Transcript
from zkvm.stark.verifier import verify

SECRET_BUS = Bus(id=42, name="secret", width=2)
LOG_N = 6


class SecretAir(Air):
    """c = a·b·a (degree 3), s' = s + a (transition, s_0 = 0), and a LogUp send and
    receive of (a, b) on the same row (balanced inside the table: claimed sum 0)."""

    name = "secret"
    columns = Columns("a", "b", "c", "s")
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        b.assert_eq(loc.c, loc.a * loc.b * loc.a, "cube")
        b.when_first_row().assert_zero(loc.s, "s_first")
        b.when_transition().assert_eq(nxt.s, loc.s + loc.a, "s_step")
        b.send(SECRET_BUS, [loc.a, loc.b], name="send")
        b.receive(SECRET_BUS, [loc.a, loc.b], name="recv")


class FillerAir(Air):
    """A taller table (2^8 rows of zeros) beside which ``SecretAir`` has room to be
    committed stacked (``StarkParams.log_stack``).  Its constraint is of degree 3, so
    that every quotient chunk is a masked (uniform) polynomial: a lower degree would
    leave chunks that are zero polynomials, public zeros the uniformity test flags."""

    name = "filler"
    columns = Columns("x")
    max_degree = 3

    def eval(self, b):
        x = b.local.x
        b.assert_zero(x * x * x, "zero")


def secret_trace(seed: int) -> np.ndarray:
    n = 1 << LOG_N
    rng = np.random.default_rng(seed)
    t = SecretAir.columns.new_trace(n)
    v = SecretAir.columns.view(t)
    a = rng.integers(0, 1000, n, dtype=np.uint64)
    bb = rng.integers(0, 1000, n, dtype=np.uint64)
    v.a[:] = a
    v.b[:] = bb
    v.c[:] = (a * bb % P) * a % P
    v.s[:] = np.concatenate([[0], np.cumsum(a[:-1]) % P])
    return t


def _params(zk: bool) -> StarkParams:
    return StarkParams(log_blowup=2, num_queries=4, pow_bits=0, fri_log_arity=1,
                       log_final_poly_len=0, max_constraint_degree=3, is_testing=True, zk=zk)


@pytest.fixture
def fixed_challenges(monkeypatch):
    """TEST-ONLY: challenges independent of everything absorbed.  (Also runs numba's
    parallel kernels on one thread: these proofs are tiny and on a loaded machine the
    thread start-up dominates, ~30x.)"""
    monkeypatch.setattr(Transcript, "absorb_bytes", lambda self, label, data: None)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(threads)


def _features(proof) -> dict[str, list[int]]:
    """The values a verifier sees, grouped, as base-field integers."""
    groups: dict[str, list[int]] = {}
    names = ["main", "aux", "quotient"]
    for name, rnd in zip(names, proof.opened, strict=True):
        for mat in rnd:
            for k, pt in enumerate(mat):  # every matrix of the round (quotient: + R)
                groups.setdefault(f"{name}@{k}", []).extend(c for e in pt for c in e.coeffs)
    op = proof.opening_proof
    q0 = op.query_proofs[0]
    for r, name in enumerate(["main", "aux", "quotient"]):
        groups[f"{name}_lde_row"] = list(q0.input_openings[r].rows[0])
    if q0.fri_openings:
        groups["fri_layer0"] = list(q0.fri_openings[0].rows[0])
        if len(q0.fri_openings[0].rows) > 1:  # FRI leaf inputs (fri_leaf_inputs)
            groups["fri_layer0_leaf"] = [c for r in q0.fri_openings[0].rows[1:] for c in r]
    groups["fri_final"] = [c for t in op.final_poly for c in t]
    return groups


def _collect(params, trace, count):
    # a taller filler table: room to stack the secret one (k = 4), or (FRI leaf inputs)
    # the secret table's LDE size strictly inside FRI's first round (filler 2^10 rows:
    # LDE 2^12, the secret table's 2^11)
    filler = LOG_N + (4 if params.fri_leaf_inputs else 2)
    two = params.log_stack > 0 or params.fri_leaf_inputs
    system = StarkSystem([SecretAir(), FillerAir()] if two else [SecretAir()], params)
    pk, vk = system.setup()
    traces = [trace, np.zeros((1 << filler, 1), dtype=np.uint32)] if two else [trace]
    out: dict[str, list[list[int]]] = {}
    for i in range(count):
        proof = prove(pk, list(traces), [], debug=False)
        if i == 0:
            verify(vk, proof, [])  # the override is applied to both sides
        for g, vals in _features(proof).items():
            out.setdefault(g, []).append(vals)
    return {g: np.array(v, dtype=np.float64) for g, v in out.items()}  # (count, width)


def _chi2_uniform_pvalue(samples: np.ndarray, bins: int = 8) -> float:
    """p-value of Pearson's χ² test that ``samples`` (ints in [0, p)) are uniform on
    [0, p), Wilson–Hilferty normal approximation of the χ² tail."""
    u = samples.ravel() / P
    counts = np.bincount(np.minimum((u * bins).astype(int), bins - 1), minlength=bins)
    exp = u.size / bins
    x = float(((counts - exp) ** 2 / exp).sum())
    k = bins - 1
    z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


def _ks_pvalue(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov test (asymptotic p-value)."""
    a = np.sort(a.ravel())
    b = np.sort(b.ravel())
    allv = np.concatenate([a, b])
    d = float(np.max(np.abs(np.searchsorted(a, allv, side="right") / a.size
                            - np.searchsorted(b, allv, side="right") / b.size)))
    en = math.sqrt(a.size * b.size / (a.size + b.size))
    lam = (en + 0.12 + 0.11 / en) * d
    if lam < 0.2:
        return 1.0
    s = sum(2 * (-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam) for j in range(1, 101))
    return max(0.0, min(1.0, s))


COORDS = 6  # coordinates per group compared one by one between the two witnesses


def _distinguish(params, count):
    """Smallest Bonferroni-corrected p-values: (uniformity of witness A's values, of
    witness B's, per group, pooled over the group's coordinates; A vs B two-sample KS
    per coordinate, the first COORDS of every group), and the group names."""
    fa = _collect(params, secret_trace(1), count)
    fb = _collect(params, secret_trace(2), count)
    assert fa.keys() == fb.keys()
    m = len(fa)
    pu_a = min(_chi2_uniform_pvalue(fa[g]) for g in fa) * m
    pu_b = min(_chi2_uniform_pvalue(fb[g]) for g in fb) * m
    pairs = [(fa[g][:, j], fb[g][:, j]) for g in fa for j in range(min(COORDS, fa[g].shape[1]))]
    p_ab = min(_ks_pvalue(a, b) for a, b in pairs) * len(pairs)
    return pu_a, pu_b, p_ab, sorted(fa)


def test_opened_values_uniform_and_witness_independent(fixed_challenges):
    pu_a, pu_b, p_ab, groups = _distinguish(_params(zk=True), count=40)
    # every group the verifier sees is covered: trace/aux/quotient openings, LDE rows, FRI
    assert {"main@0", "main@1", "aux@0", "aux@1", "quotient@0", "main_lde_row",
            "aux_lde_row", "quotient_lde_row", "fri_layer0", "fri_final"} <= set(groups)
    assert pu_a > 1e-6 and pu_b > 1e-6, "opened values are not uniform"
    assert p_ab > 1e-6, "two witnesses give distinguishable opened values"


def test_stacked_opened_values_uniform_and_witness_independent(fixed_challenges):
    """The same with the secret table committed stacked (k = 4 beside a 4x taller one):
    its stacked LDE rows (the first matrix of each round) and its values at ζ / ζ·ω."""
    import dataclasses

    from zkvm.stark import protocol
    from zkvm.stark.zk import table_layout

    params = dataclasses.replace(_params(zk=True), log_stack=2)
    hs = [LOG_N, LOG_N + 2]
    lays = [table_layout(params, h, 3, 1) for h in hs]
    assert protocol.stack_logs(params, hs, lays)[0] > 0  # the secret table is stacked
    pu_a, pu_b, p_ab, groups = _distinguish(params, count=40)
    assert {"main_lde_row", "aux_lde_row", "quotient_lde_row"} <= set(groups)
    assert pu_a > 1e-6 and pu_b > 1e-6, "opened values are not uniform"
    assert p_ab > 1e-6, "two witnesses give distinguishable opened values"


def test_fri_leaf_inputs_uniform_and_witness_independent(fixed_challenges):
    """FRI leaf inputs (``fri_leaf_inputs``, arity 8): the secret table's DEEP word is
    opened in the first FRI round's leaves at 2 positions per query, masked by its own
    ``R_L`` (:func:`zkvm.stark.zk.leaf_mask_logs`)."""
    import dataclasses

    from zkvm.stark.fri import fri_rounds

    params = dataclasses.replace(_params(zk=True), fri_log_arity=3, fri_leaf_inputs=True)
    rounds, _ = fri_rounds([12, 11], 2, 6, 3, True)
    assert rounds[0] == (3, (11,))
    pu_a, pu_b, p_ab, groups = _distinguish(params, count=40)
    assert "fri_layer0_leaf" in groups
    assert pu_a > 1e-6 and pu_b > 1e-6, "opened values are not uniform"
    assert p_ab > 1e-6, "two witnesses give distinguishable opened values"


def test_same_test_detects_witness_dependence_without_masking(fixed_challenges):
    pu_a, pu_b, p_ab, _ = _distinguish(_params(zk=False), count=24)
    assert pu_a < 1e-6 and pu_b < 1e-6
    assert p_ab < 1e-6


def test_two_proofs_of_one_witness_differ():
    params = StarkParams.testing()
    system = StarkSystem([SecretAir()], params)
    pk, vk = system.setup()
    tr = secret_trace(3)
    p1 = prove(pk, [tr], [])
    p2 = prove(pk, [tr], [])
    assert p1.zk and p2.zk
    assert verify(vk, p1, []).zk and verify(vk, p2, []).zk
    f1, f2 = _features(p1), _features(p2)
    # different ζ (the roots differ), but also every opened group differs
    for g in ("main@0", "main@1", "aux@0", "quotient@0"):
        assert f1[g] != f2[g]
    assert p1.main_root != p2.main_root and p1.quotient_root != p2.quotient_root
    assert p1.to_bytes() != p2.to_bytes()

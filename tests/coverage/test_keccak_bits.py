"""Keccak θ booleanity (``keccak.ap_bool*``, ``keccak.c_bool*``): forgeries accepted by the
mutant without the one constraint and rejected by the full system (only that constraint
fails, every bus balanced), and the limb-top members that no real-row forgery can reach
(tests/support/coverage_keccak_bits.py; docs/soundness.md §2.2 item 7)."""

from __future__ import annotations

import pytest

from tests.support import constraint_coverage as cc
from tests.support import coverage_keccak_bits as kb


@pytest.fixture(scope="module")
def keccak_ws():
    return cc.build_workspace("keccak")[1]


def _credit(ws, traces, name):
    assert traces is not None, f"{name}: not built"
    return cc._credit_one(ws, traces, ws.pv, name)


@pytest.mark.parametrize("i,z", [(0, 3), (7, 20), (24, 60)])
def test_non_boolean_theta_output_is_an_accepted_forgery(keccak_ws, i, z):
    case = _credit(keccak_ws, kb.forge_ap_bool(keccak_ws, i, z), f"ap_bool{i}_{z}")
    assert case.failing == [f"keccak.ap_bool{i}_{z}"]
    assert case.shown == [f"keccak.ap_bool{i}_{z}"]


@pytest.mark.parametrize("x,z", [(2, 20), (4, 0), (0, 48)])
def test_non_boolean_column_parity_is_an_accepted_forgery(keccak_ws, x, z):
    case = _credit(keccak_ws, kb.forge_c_bool(keccak_ws, x, z), f"c_bool{x}_{z}")
    assert case.failing == [f"keccak.c_bool{x}_{z}"]
    assert case.shown == [f"keccak.c_bool{x}_{z}"]


def test_forged_call_outputs_something_that_is_not_keccak_f(keccak_ws):
    """The forgery is a real attack: the written state differs from Keccak-f(input)."""
    ti = keccak_ws.tindex["keccak"]
    cols = keccak_ws.system.tables[ti].air.columns
    honest = cols.view(keccak_ws.traces[ti]).post[0].copy()
    forged = cols.view(kb.forge_ap_bool(keccak_ws, 7, 20, rnd=10)[ti]).post[0]
    assert (forged != honest).any()


@pytest.mark.parametrize("fam,a,z", [("ap_bool", 3, 15), ("ap_bool", 2, 1),
                                     ("c_bool", 1, 62), ("c_bool", 0, 63)])
def test_limb_top_members_have_no_real_row_forgery(keccak_ws, fam, a, z):
    """``ap_bool{i}_{z}`` with ``z`` or ``z + ρ_i`` at a limb top (mod 16 = 15) and
    ``c_bool{x}_{z}`` with ``z mod 16 ∈ {14, 15}`` are implied on real rows; only a padding
    row (which sends nothing) can hold the non-boolean value."""
    red = kb.ap_bool_redundant if fam == "ap_bool" else kb.c_bool_redundant
    make = kb.ap_bool_round if fam == "ap_bool" else kb.c_bool_round
    assert red(a, z) is not None
    states = kb._states(keccak_ws, 0)
    assert all(make(states[r], a, z, r) is None for r in range(24))
    case = _credit(keccak_ws, kb.forge_padding(keccak_ws, fam, a, z), f"{fam}{a}_{z}@padding")
    assert case.shown == [f"keccak.{fam}{a}_{z}"]


def test_row_check_mirrors_the_chip(keccak_ws):
    """The construction's own pre-check (:func:`row_violations`; the oracle decides in the
    end): the honest round breaks nothing; a parity cell set to 2 makes ``A'``
    non-integral (reported, never silently accepted); a digit raised by 2 with the limb
    kept breaks ``ap_bool`` and that limb's composition."""
    A = kb._states(keccak_ws, 0)[5]
    dig, rv = kb.honest_round(A, 5)
    a_l = kb._limbs(dig).ravel()
    assert kb.row_violations(a_l, rv) == []
    C = rv["C"].copy()
    C[1, 7] = 2
    assert kb.row_violations(a_l, kb.round_values(dig, C, 5)) == ["non-integral AP"]
    dig2 = dig.copy()
    dig2[9, 40] += 2
    bad = kb.row_violations(a_l, kb.round_values(dig2, rv["C"], 5))
    assert "ap_bool9_40" in bad and "a9_2" in bad


@pytest.mark.slow
def test_c_bool_near_a_limb_top_is_shown_on_a_crafted_input():
    """``c_bool3_61`` (z mod 16 = 13) needs room above bit 61 in 15 limbs that none of the
    workspace's 48 round states offers; the guest chooses the input, so a crafted state
    (one call) is a fair attack."""
    cases = kb.harvest_crafted_c_bool([(3, 61)], log=lambda s: None)
    assert [(c.failing, c.shown) for c in cases] == [(["keccak.c_bool3_61"],
                                                       ["keccak.c_bool3_61"])]

"""CI sample of the constraint-coverage run on the tables added with the precompiles and
continuations: ``keccak``, ``mem_page``, ``mem_node``, ``poseidon2``, ``sha256``
(``tests/support/coverage_report.py --tables keccak,mem_page,mem_node,poseidon2``;
docs/soundness.md §2.2 item 7 and §2.2.M).

* Keccak: the fault forgeries (:class:`constraint_coverage.KFault`) rebuild the call from a
  changed θ/χ value and re-match the changed output words in the memory chains; each must
  fail exactly its one constraint with every bus balanced, and the mutant without that
  constraint must accept.  The rebuild without a fault must reproduce the honest trace
  (a guard against the chip's column layout changing under the tool).
* Paging: an untouched sibling's out digest rewritten (``mem_node.l_keep*``) and the key
  base of an access-free RAM page moved (``mem_page.kbase``), digests re-derived.
* ``poseidon2`` (the memory tree's hash table, in the paging workspace): one constraint
  shown by the targeted search (an unused output element of the last full round: the
  only single-cell attack, the other round columns all feed later ones), and the fault
  forgeries of :class:`constraint_coverage.PFault`: one value of a permutation row moved
  (an S-box cube, a full-round state element, a partial-round cube or S-box output), the
  rest of the row recomputed, the forged digest carried up the memory tree to a new root;
  each must fail exactly its one constraint with every bus balanced, and the mutant
  without it must accept.  The rebuild without a fault must reproduce the honest row.
* SHA-256 round core (``sha256`` precompile): the fault forgeries of
  ``tests/support/coverage_sha.py`` rebuild one call from a changed value (the rest of the call
  recomputed; the written state words re-matched in the memory chains); each must fail
  exactly its one constraint with every bus balanced, and the mutant without it must
  accept.  The rebuild without a fault must reproduce the honest call.
"""

from __future__ import annotations

import pytest

from tests.support import constraint_coverage as cc
from tests.support import coverage_sha as cs
from tests.support import mutation as mu
from zkvm.stark.checker import check_traces


@pytest.fixture(scope="module")
def keccak_ws():
    return cc.build_workspace("keccak")[1]


@pytest.fixture(scope="module")
def paging():
    return cc.build_paging_workspace()


def test_keccak_rebuild_without_fault_is_the_honest_trace(keccak_ws):
    assert cc.keccak_forgery(keccak_ws, None) is not None


@pytest.mark.parametrize("fault", [cc.KFault("c", 2, 17), cc.KFault("cpre", 41)],
                         ids=lambda f: f.target)
def test_keccak_fault_shows_exactly_its_constraint(keccak_ws, fault):
    traces = cc.keccak_forgery(keccak_ws, fault)
    assert traces is not None, "memory re-match failed"
    case = cc._credit_one(keccak_ws, traces, keccak_ws.pv, str(fault))
    assert case.failing == [f"keccak.{fault.target}"]
    assert case.shown == [f"keccak.{fault.target}"]


def test_untouched_sibling_rewrite_shows_l_keep(paging):
    sc, ws = paging
    traces, pv = cc.paging_sibling_forgery(sc, "l", 5)
    case = cc._credit_one(ws, traces, pv, "l_out[5]")
    assert case.shown == ["mem_node.l_keep5"], case.failing


def test_access_free_page_key_base_shows_kbase(paging):
    sc, ws = paging
    traces, pv = cc.paging_page_forgery(sc, "kbase", 4)
    case = cc._credit_one(ws, traces, pv, "kbase")
    assert case.shown == ["mem_page.kbase"], case.failing


def test_poseidon2_sampled_constraint_is_load_bearing(paging):
    _sc, ws = paging
    tg = mu.Target("poseidon2", P2_TARGET)
    r = mu.search_attack(ws, tg, keep_traces=True, max_seeds=400)  # seeds, not seconds: load-independent
    assert r.found, f"{tg.full_name}: no attack found"
    assert not r.inert_only                                   # on a real row
    assert not check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data).ok
    assert check_traces(mu.mutant(ws.system, [tg.full_name]), r.traces, ws.pv, public_data=ws.public_data).ok


#: shown by the search on a real row (~4 s on 2 cores): element 9 of the last full round's
#: state is not part of the digest (``state7[0..8]``) and feeds nothing, so one moved cell
#: fails only this constraint
P2_TARGET = "full7_state9"


@pytest.fixture(scope="module")
def sha_ws():
    return cc.build_workspace("sha256")[1]


def test_sha_rebuild_without_fault_is_the_honest_call(sha_ws):
    assert cs.sha256_forgery(sha_ws, None) is not None


def test_poseidon2_rebuild_without_fault_is_the_honest_row(paging):
    assert cc.p2_hash_forgery(paging[0], None) is not None


#: one member of each kind; co_lo is the field-wrap carry (2^16 * 30720 = p - 1)
SHA_FAULTS = [cs.SFault("next", "e", 9), cs.SFault("next", "w", 30), cs.SFault("init", "", 5, row=0),
              cs.SFault("eq", "nw", 1), cs.SFault("range", "cw"),
              cs.SFault("co_lo", "", 2, row=63), cs.SFault("bool", "g", 15, row=0),
              cs.SFault("bool", "x14", 3, row=20), cs.SFault("bool", "ne", 7, row=63),
              cs.SFault("sn", "", 13, row=6)]


@pytest.mark.parametrize("fault", SHA_FAULTS, ids=lambda f: f.target)
def test_sha256_fault_shows_exactly_its_constraint(sha_ws, fault):
    traces = next((t for c in range(3) if (t := cs.sha256_forgery(sha_ws, fault, c)) is not None),
                  None)
    assert traces is not None, "fault not placed / memory re-match failed"
    case = cc._credit_one(sha_ws, traces, sha_ws.pv, str(fault))
    want = f"sha256.{fault.target}"
    assert case.shown == [want], case.failing


#: an S-box cube (full round 1), a full-round state element, the partial rounds' cube and
#: S-box output, and the last round's cube (every digest element moves)
P2_FAULTS = [cc.PFault("cube", 1, 6), cc.PFault("state", 5, 11), cc.PFault("pcube", 3),
             cc.PFault("psbox", 9), cc.PFault("cube", 7, 2)]


@pytest.mark.parametrize("fault", P2_FAULTS, ids=lambda f: f.target)
def test_poseidon2_fault_shows_exactly_its_constraint(paging, fault):
    """A false compression (the faulted row's digest) proves a forged ``root_out`` (the
    first page's exit leaf) once its one constraint is off; the real system rejects it."""
    sc, ws = paging
    got = cc.p2_hash_forgery(sc, fault)
    assert got is not None
    traces, pv = got
    assert pv[:8] == list(ws.pv[:8]) and pv[8:] != list(ws.pv[8:])   # a forged root_out
    case = cc._credit_one(ws, traces, pv, str(fault))
    assert case.failing == [f"poseidon2.{fault.target}"]
    assert case.shown == [f"poseidon2.{fault.target}"]

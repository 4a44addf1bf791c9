"""CI sample of the constraint-coverage run on the tables added with the precompiles and
continuations: ``keccak``, ``mem_page``, ``mem_node``, ``sha256_hash``
(``tests/support/coverage_report.py --tables keccak,mem_page,mem_node,sha256_hash``;
docs/soundness.md §2.2 item 7 and §2.2.M).

* Keccak: the fault forgeries (:class:`constraint_coverage.KFault`) rebuild the call from a
  changed θ/χ value and re-match the changed output words in the memory chains; each must
  fail exactly its one constraint with every bus balanced, and the mutant without that
  constraint must accept.  The rebuild without a fault must reproduce the honest trace
  (a guard against the chip's column layout changing under the tool).
* Paging: an untouched sibling's out digest rewritten (``mem_node.l_keep*``) and the key
  base of an access-free RAM page moved (``mem_page.kbase``), digests re-derived.
* ``sha256_hash``: one constraint shown by the targeted search.
* SHA-256 round core (``sha256`` precompile and ``sha256_hash``): the fault forgeries of
  ``tests/support/coverage_sha.py`` rebuild one call from a changed value (the rest of the call
  recomputed; the precompile's written state words re-matched in the memory chains, the
  hash table's digest carried up the memory tree to a new root); each must fail exactly
  its one constraint with every bus balanced, and the mutant without it must accept.
  The rebuild without a fault must reproduce the honest call.
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


def test_sha256_hash_sampled_constraint_is_load_bearing(paging):
    _sc, ws = paging
    tg = mu.Target("sha256_hash", SHA_HASH_TARGET)
    r = mu.search_attack(ws, tg, keep_traces=True, max_seeds=400)  # seeds, not seconds: load-independent
    assert r.found, f"{tg.full_name}: no attack found"
    assert not check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv, public_data=ws.public_data).ok
    assert check_traces(mu.mutant(ws.system, [tg.full_name]), r.traces, ws.pv, public_data=ws.public_data).ok


#: shown by the search in the run of docs/soundness.md §2 (< 1 s there; on a real row, a
#: non-last row of a compression where the carry is unused -- see §2.2.M)
SHA_HASH_TARGET = "co0_lo_bool"


@pytest.fixture(scope="module")
def sha_ws():
    return cc.build_workspace("sha256")[1]


def test_sha_rebuild_without_fault_is_the_honest_call(sha_ws, paging):
    assert cs.sha256_forgery(sha_ws, None) is not None
    assert cs.hash_forgery(paging[0], None) is not None


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


@pytest.mark.parametrize("fault", [cs.SFault("const", "", 7, row=30), cs.SFault("co_hi", "", 1, row=63),
                                   cs.SFault("bool", "c", 20, row=0)], ids=lambda f: f.target)
def test_sha256_hash_fault_shows_exactly_its_constraint(paging, fault):
    sc, ws = paging
    got = next((r for i in (1, 0, 3, 2) if (r := cs.hash_forgery(sc, fault, i)) is not None), None)
    assert got is not None, "fault not placed"
    traces, pv = got
    assert pv != list(ws.pv) or fault.kind == "bool"   # a forged root, except trace-level faults
    case = cc._credit_one(ws, traces, pv, str(fault))
    assert case.shown == [f"sha256_hash.{fault.target}"], case.failing

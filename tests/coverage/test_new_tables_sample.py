"""CI sample of the constraint-coverage run on the tables added with the precompiles and
continuations: ``keccak``, ``mem_page``, ``mem_node``, ``sha256_hash``
(``tools/constraint_coverage.py --tables keccak,mem_page,mem_node,sha256_hash``;
docs/soundness.md §2.2 item 7 and §2.2.M).

* Keccak: the fault forgeries (:class:`constraint_coverage.KFault`) rebuild the call from a
  changed θ/χ value and re-match the changed output words in the memory chains; each must
  fail exactly its one constraint with every bus balanced, and the mutant without that
  constraint must accept.  The rebuild without a fault must reproduce the honest trace
  (a guard against the chip's column layout changing under the tool).
* Paging: an untouched sibling's out digest rewritten (``mem_node.l_keep*``) and the key
  base of an access-free RAM page moved (``mem_page.kbase``), digests re-derived.
* ``sha256_hash``: one constraint shown by the targeted search.
"""

from __future__ import annotations

import pytest

import constraint_coverage as cc
from zkvm.stark import mutation as mu
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
    r = mu.search_attack(ws, tg, budget_s=8, keep_traces=True)
    assert r.found, f"{tg.full_name}: no attack found"
    assert not check_traces(ws.system, ws.complete(ws.system, r.traces), ws.pv).ok
    assert check_traces(mu.mutant(ws.system, [tg.full_name]), r.traces, ws.pv).ok


#: shown by the search in the run of docs/soundness.md §2 (< 1 s there; on a real row, a
#: non-last row of a compression where the carry is unused -- see §2.2.M)
SHA_HASH_TARGET = "co0_lo_bool"

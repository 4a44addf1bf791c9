"""Gas of the on-chain verifier pieces that exist (issue 19, docs/onchain.md): the
MerkleFacts transactions of a receipt (every input round and FRI layer) and the
ConstraintEval call of every non-empty table at ζ, in the local EVM (pyrevm) with the
EIP-7623 floor and the EIP-7825 cap.

    .venv/bin/python bench/bench_onchain.py RECEIPT.bin IMAGE_ID_HEX

Prints one line per transaction (gas charged, pyrevm's gas_used, the calldata floor,
calldata bytes) and the totals; also the constraint-program size of every table of the
receipt's machine (empty tables included).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from zkvm import api  # noqa: E402
from zkvm.field.babybear import P, two_adic_generator  # noqa: E402
from zkvm.field.ext import Ext  # noqa: E402
from zkvm.onchain import abi, artifacts, merkle  # noqa: E402
from zkvm.onchain.chain import LocalChain  # noqa: E402
from zkvm.onchain.constraints import compile_program, leaf_values, pack  # noqa: E402
from zkvm.stark import verifier  # noqa: E402


def main() -> int:
    raw = Path(sys.argv[1]).read_bytes()
    iid = sys.argv[2]
    print(f"receipt {sys.argv[1]}: {len(raw)} bytes; load average {os.getloadavg()[0]:.1f}")
    tables = []
    orig = verifier._check_table

    def rec(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout):
        n = 1 << log_n
        k = t.layout.num_aux_ext
        aux_l, aux_n = (verifier._ext_cols(aux[0], k), verifier._ext_cols(aux[1], k)) \
            if aux is not None else ([], [])
        zh = zeta ** n - Ext.ONE
        w_inv = Ext.from_base(pow(two_adic_generator(log_n), P - 2, P))
        n_inv = Ext.from_base(pow(n, P - 2, P))
        last = w_inv * zh * n_inv / (zeta - w_inv)
        pre_l, pre_n = pre if pre is not None else ([], [])
        srcs = {"main": main[0], "main_next": main[1], "pre": pre_l, "pre_next": pre_n,
                "aux": aux_l, "aux_next": aux_n, "public": list(pv), "challenge": list(challenges),
                "claimed_sum": claimed, "is_first_row": zh * n_inv / (zeta - Ext.ONE),
                "is_last_row": last, "is_transition": Ext.ONE - last}
        tables.append((t, srcs, alpha))
        return orig(t, log_n, zeta, alpha, challenges, pv, main, pre, aux, quot, claimed, layout)

    verifier._check_table = rec
    try:
        st = merkle.record_statements(raw, iid)
    finally:
        verifier._check_table = orig
    chain = LocalChain()
    mf = artifacts.load("MerkleFacts")
    ce = artifacts.load("ConstraintEval")
    a_mf, a_ce = chain.deploy(mf), chain.deploy(ce)
    fmt = "{:44s} {:>10s} {:>10s} {:>10s} {:>8s}"
    print(fmt.format("transaction", "gas", "gas_used", "floor", "bytes"))
    tot_m = tot_c = 0
    for g in merkle.group_statements(st):
        r = chain.transact(a_mf, merkle.encode_group(g, mf.selector("registerOpenings")),
                           f"MerkleFacts L={g.L} matrices={len(g.dims)} q={len(g.by_index)}")
        assert r.ok, r.reason
        tot_m += r.gas
        print(fmt.format(r.label, str(r.gas), str(r.gas_used), str(r.floor), str(r.calldata)))
    ncons = 0
    for t, srcs, alpha in tables:
        exprs = [c.expr for c in t.all_constraints]
        prog = compile_program(exprs)
        data = abi.encode_call(ce.selector("evaluate"), ["bytes", "uint256[]", "uint256"],
                               [prog.code, leaf_values(prog, srcs), pack(alpha)])
        r = chain.transact(a_ce, data, f"ConstraintEval {t.name} c={len(exprs)} n={prog.nodes}")
        assert r.ok, r.reason
        tot_c += r.gas
        ncons += len(exprs)
        print(fmt.format(r.label, str(r.gas), str(r.gas_used), str(r.floor), str(r.calldata)))
    print(f"total MerkleFacts {tot_m}; total ConstraintEval {tot_c} ({ncons} constraints, one "
          f"transaction per table; batching them saves 21000 each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

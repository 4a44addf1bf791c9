"""Choosing the EVM parameter profile: receipt size, calldata gas and prover cost of
candidate STARK parameter sets (issue 19, docs/onchain.md "The evm profile").

    .venv/bin/python bench/bench_evm_params.py [--guest battleship|fibonacci] [--only NAME] [--onchain]

For every candidate (all ≥ 100 conjectured bits with zk) it proves the guest once
(after one warm-up proof with the default parameters, which also compiles the numba
kernels) and prints: conjectured and provable security, prove time, receipt bytes, how
they split (opened values at ζ, opened rows, Merkle siblings), and the EIP-7623 calldata
floor of the receipt as one transaction (10 gas per zero byte, 40 per non-zero byte)
next to the standard calldata cost (4 / 16).  The on-chain verifier's own gas is measured
by ``zkvm onchain verify`` (bench/bench_onchain.py); ``--onchain`` also verifies every
candidate's receipt in the local EVM (pyrevm, EIP-7623 floor) against its image ID and
prints the total gas, the number of transactions and the largest one.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from zkvm import api, threads  # noqa: E402
from zkvm.receipt import Receipt  # noqa: E402
from zkvm.stark.params import StarkParams  # noqa: E402
from zkvm.stark.proof import Proof  # noqa: E402

GUESTS = {
    "battleship": ("examples/battleship", "examples/battleship/input-hit.bin"),
    "fibonacci": ("examples/fibonacci", "examples/fibonacci/input.bin"),
}


def candidates() -> dict:
    P = StarkParams
    return {
        "default unstacked (lb2 q39 pow23 lf7)": P(log_blowup=2, num_queries=39, pow_bits=23,
                                                   fri_log_arity=3, log_final_poly_len=7),
        "default logup d4": P(log_blowup=2, num_queries=39, pow_bits=23, fri_log_arity=3,
                              log_final_poly_len=7, max_constraint_degree=4),
        "default logup d5": P(log_blowup=2, num_queries=39, pow_bits=23, fri_log_arity=3,
                              log_final_poly_len=7, max_constraint_degree=5),
        "lb3 q26 pow23": P(log_blowup=3, num_queries=26, pow_bits=23, fri_log_arity=3),
        "lb3 q25 pow26": P(log_blowup=3, num_queries=25, pow_bits=26, fri_log_arity=3),
        "lb4 q20 pow21": P(log_blowup=4, num_queries=20, pow_bits=21, fri_log_arity=3),
        "lb4 q19 pow25 (evm before)": P(log_blowup=4, num_queries=19, pow_bits=25, fri_log_arity=3),
        "evm (StarkParams.evm())": P.evm(),
        "lb5 q16 pow21 lf7": P(log_blowup=5, num_queries=16, pow_bits=21, fri_log_arity=3,
                               log_final_poly_len=7),
        "lb5 q16 pow21 logup d4": P(log_blowup=5, num_queries=16, pow_bits=21, fri_log_arity=3,
                                    max_constraint_degree=4),
        "lb5 q15 pow26": P(log_blowup=5, num_queries=15, pow_bits=26, fri_log_arity=3),
        "lb5 q15 pow26 logup d4": P(log_blowup=5, num_queries=15, pow_bits=26, fri_log_arity=3,
                                    max_constraint_degree=4),
        "lb6 q14 pow17": P(log_blowup=6, num_queries=14, pow_bits=17, fri_log_arity=3),
        "lb6 q13 pow23 d4": P(log_blowup=6, num_queries=13, pow_bits=23, fri_log_arity=3,
                              max_constraint_degree=4),
        "evm + stacked (log_stack 4)": dataclasses.replace(P.evm(), log_stack=4),
        "evm + leaf inputs": dataclasses.replace(P.evm(), fri_leaf_inputs=True),
        "default stacked, no leaf inputs": dataclasses.replace(P.default(), fri_leaf_inputs=False),
        "default (stacked, leaf inputs)": P.default(),
        "lb6 q13 pow23 d5": P(log_blowup=6, num_queries=13, pow_bits=23, fri_log_arity=3,
                              max_constraint_degree=5),
        "lb7 q11 pow24 d4": P(log_blowup=7, num_queries=11, pow_bits=24, fri_log_arity=3,
                              max_constraint_degree=4),
        "lb7 q11 pow24 d5": P(log_blowup=7, num_queries=11, pow_bits=24, fri_log_arity=3,
                              max_constraint_degree=5),
        "lb8 q10 pow21 d4": P(log_blowup=8, num_queries=10, pow_bits=21, fri_log_arity=3,
                              max_constraint_degree=4),
    }


def calldata_gas(b: bytes) -> tuple[int, int]:
    nz = len(b) - b.count(0)
    z = len(b) - nz
    return 10 * (z + 4 * nz), 4 * z + 16 * nz


def onchain_gas(elf: bytes, raw: bytes, params: StarkParams) -> tuple[int, int, int]:
    """(total gas, transactions, largest transaction) of verifying ``raw`` on chain."""
    from zkvm.machine import Machine
    from zkvm.onchain import session, statement

    res = statement.verify_onchain(session.record(raw, Machine.for_program(elf, params).image_id))
    if not res.accepted:
        raise SystemExit(f"on-chain verifier rejected an honest receipt: {res.reason}")
    gas = [r.gas for r in res.reports]
    return sum(gas), len(gas), max(gas)


def measure(elf: bytes, inp: bytes, params: StarkParams, onchain: bool = False) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    r = api.prove(elf, inp, params=params)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    raw = r.to_bytes()
    p = Proof.from_bytes(Receipt.from_bytes(raw).proof)
    op = p.opening_proof
    rows = 4 * sum(len(x) for q in op.query_proofs for o in q.input_openings + q.fri_openings
                   for x in o.rows)
    floor, std = calldata_gas(raw)
    return {"time": dt, "cpu": cpu, "bytes": len(raw), "ood": p.size_breakdown()["opened_values"],
            "rows": rows, "siblings": 32 * op.sent_digests(), "fri_layers": len(op.fri_commits),
            "floor": floor, "std": std,
            "onchain": onchain_gas(elf, raw, params) if onchain else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guest", choices=sorted(GUESTS), default="battleship")
    ap.add_argument("--only", default=None, help="substring of the candidate names to run")
    ap.add_argument("--onchain", action="store_true", help="also measure the on-chain verification gas")
    args = ap.parse_args()
    threads.configure()
    src, inp = GUESTS[args.guest]
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-evm-params-{args.guest}.elf"
    api.build(REPO / src, out)
    elf, data = out.read_bytes(), (REPO / inp).read_bytes()
    print(f"guest {args.guest}; load average {os.getloadavg()[0]:.1f}; warm-up proof ...",
          flush=True)
    measure(elf, data, StarkParams.testing())
    print(f"{'candidate':28s} {'bits':>4s} {'prov':>4s} {'prove s':>8s} {'cpu s':>6s} {'receipt':>8s} "
          f"{'ood':>6s} {'rows':>7s} {'sibl':>7s} {'fri':>3s} {'floor gas':>10s} {'std gas':>9s}"
          + (f" {'onchain gas':>11s} {'tx':>3s} {'largest':>9s}" if args.onchain else ""))
    for name, p in candidates().items():
        if args.only and args.only not in name:
            continue
        m = measure(elf, data, p, args.onchain)
        print(f"{name:28s} {p.security_bits():4d} {p.provable_security_bits():4d} "
              f"{m['time']:8.1f} {m['cpu']:6.1f} {m['bytes']:8d} {m['ood']:6d} {m['rows']:7d} "
              f"{m['siblings']:7d} {m['fri_layers']:3d} {m['floor']:10d} {m['std']:9d} "
              + (" {:11d} {:3d} {:9d}".format(*m["onchain"]) if m["onchain"] else "")
              + f"  "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

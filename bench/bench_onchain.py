"""Gas of the on-chain verification (issue 19, docs/onchain.md) of one receipt, in the
local EVM (pyrevm) with the EIP-7623 floor and the EIP-7825 cap, grouped by piece: every
fact transaction and the statement check (`zkvm onchain verify` prints them one by one).

    .venv/bin/python bench/bench_onchain.py RECEIPT.bin IMAGE_ID_HEX

Gas is deterministic: no timing, no dependence on the machine load.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from zkvm.onchain import session, statement  # noqa: E402


def main() -> int:
    raw = Path(sys.argv[1]).read_bytes()
    rec = session.record(raw, sys.argv[2])
    res = statement.verify_onchain(rec)
    reps = res.reports
    groups: dict = {}
    for r in reps:
        k = r.label.split()[0]
        g = groups.setdefault(k, [0, 0, 0, 0])
        g[0] += 1
        g[1] += r.gas
        g[2] += r.floor
        g[3] = max(g[3], r.gas)
        if not r.ok:
            print(f"REJECT {r.label}: {r.reason}")
    print(f"receipt {sys.argv[1]}: {len(raw)} bytes")
    print(f"{'piece':16s} {'tx':>3s} {'gas':>11s} {'floor':>11s} {'largest':>10s}")
    for k, (n, gas, floor, mx) in groups.items():
        print(f"{k:16s} {n:3d} {gas:11d} {floor:11d} {mx:10d}")
    print(f"{'total':16s} {len(reps):3d} {sum(r.gas for r in reps):11d}")
    print("ACCEPT" if res.accepted else f"REJECT: {res.reason}")
    return 0 if res.accepted else 1


if __name__ == "__main__":
    sys.exit(main())

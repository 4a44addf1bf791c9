"""How many `modexp` (0x05) calls an on-chain verification makes, per transaction, and
what they cost more under Osaka's EIP-7883 prices than pyrevm charges (docs/onchain.md
"Session 9: the 15 M target").

    .venv/bin/python bench/bench_onchain_modexp.py RECEIPT.bin IMAGE_ID_HEX

pyrevm 0.3.7 prices `modexp` by EIP-2565 (200 gas for our 32-byte operands, exponents
< 2^31) even with ``spec_id="OSAKA"``; EIP-7883 charges 500.  Counting: a copy of the
contracts is compiled (node + the pinned solc-js of contracts/, ~1 min) with every
``staticcall(gas(), 0x05, ...)`` sent to 0xf05 instead, where a forwarder burns k loop
iterations (26 gas each) and then calls 0x05; two verifications with k = 1 and 2 001
differ by exactly 52 000 gas per call.  Deterministic (gas, not time).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def forwarder(k: int) -> bytes:
    """PUSH2 k; loop: k −= 1 until 0 (26 gas per iteration); then forward the calldata to
    0x05 and return its 32-byte result."""
    return bytes.fromhex("61" + f"{k:04x}" + "5b6001900380600357503660006000376020600036600060055afa5060206000f3")


def main() -> int:
    import pyrevm

    from zkvm.onchain import artifacts, session, statement
    from zkvm.onchain.chain import LocalChain

    raw, iid = Path(sys.argv[1]).read_bytes(), sys.argv[2]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for f in ("compile.mjs", "package.json"):
            shutil.copy(REPO / "contracts" / f, d / f)
        shutil.copytree(REPO / "contracts" / "src", d / "src")
        (d / "node_modules").symlink_to(REPO / "contracts" / "node_modules")
        n = 0
        for sol in (d / "src").glob("*.sol"):
            t = sol.read_text()
            n += t.count("staticcall(gas(), 0x05,")
            sol.write_text(t.replace("staticcall(gas(), 0x05,", "staticcall(gas(), 0xf05,"))
        subprocess.run(["node", str(d / "compile.mjs"), str(d / "art")], check=True, capture_output=True)
        artifacts.ARTIFACTS_DIR = d / "art"
        runs = []
        for k in (1, 2001):
            chain = LocalChain()
            chain.evm.insert_account_info("0x" + "00" * 18 + "0f05", pyrevm.AccountInfo(code=forwarder(k)))
            res = statement.verify_onchain(session.record(raw, iid), chain)
            if not res.accepted:
                print(f"REJECT: {res.reason}")
                return 1
            runs.append([(r.label.split()[0], r.gas_used) for r in res.reports])
    print(f"{n} modexp call sites in the contracts")
    total = 0
    for (label, a), (_, b) in zip(*runs, strict=True):
        calls, rest = divmod(b - a, 52_000)
        assert rest == 0, (label, b - a)
        total += calls
        print(f"{label:16s} {calls:4d} modexp calls")
    print(f"total {total} calls: +{300 * total} gas at EIP-7883 prices (500 instead of 200 each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

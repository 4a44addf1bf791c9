"""The constraint-coverage report (docs/soundness.md §2): mutation testing of every
constraint and interaction, with the Keccak, SHA-256 and Poseidon2 fault forgeries.

    python -m tests.support.coverage_report --budget 1.5 --prove 2 --out cov.json --md cov.md

The machinery is in :mod:`tests.support.constraint_coverage`, :mod:`tests.support.coverage_sha`
and :mod:`tests.support.coverage_keccak_bits`; this module only drives them (so they do
not import each other in a circle)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from tests.support.constraint_coverage import (  # noqa: F401
    PROGRAMS,
    SPECIAL,
    SPECIAL_TABLES,
    build_workspace,
    family_sample,
    harvest_keccak,
    harvest_paging,
    harvest_poseidon2,
    harvest_suite,
    markdown,
    prove_sample,
    run,
    summarize,
    targets_of,
)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per target per program")
    ap.add_argument("--tables", default="", help="comma-separated tables (default all)")
    ap.add_argument("--programs", default="", help="comma-separated programs (default all)")
    ap.add_argument("--sample", type=int, default=0, help="only a seeded sample of targets")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-suite", action="store_true", help="skip the malicious-prover suites")
    ap.add_argument("--no-interactions", action="store_true", help="constraints only")
    ap.add_argument("--prove", type=int, default=0, help="prove K found attacks (slow)")
    ap.add_argument("--family-sample", type=int, default=0,
                    help="search only K members of each family of >= 20 constraints "
                         "(keccak, poseidon2); 0: all")
    ap.add_argument("--keccak-members", type=int, default=20,
                    help="Keccak fault forgeries per family (0: every member)")
    ap.add_argument("--sha-members", type=int, default=20,
                    help="SHA-256 round-core fault forgeries per family, for the sha256 "
                         "precompile table (0: every member)")
    ap.add_argument("--p2-members", type=int, default=0,
                    help="Poseidon2 fault forgeries per family (full-round cube / state, "
                         "partial-round cube / S-box) on the paging scenario (0: all 282, "
                         "one per constraint, ~2 min)")
    ap.add_argument("--out", default="", help="write the results as JSON")
    ap.add_argument("--md", default="", help="write the summary table as markdown")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    log = lambda s: print(s, flush=True)  # noqa: E731
    tables = set(a.tables.split(",")) if a.tables else None
    new_tables = set(SPECIAL_TABLES) | {"keccak", "keccak_round", "sha256", "sha256_round"}
    if a.programs:
        progs = a.programs.split(",")
    elif tables is None:
        progs = [*PROGRAMS, *SPECIAL]
    else:
        progs = sorted({SPECIAL_TABLES[t] for t in tables if t in SPECIAL_TABLES})
        if tables & {"keccak", "keccak_round"}:
            progs.append("keccak")
        if tables & {"sha256", "sha256_round"}:
            progs.append("sha256")
        if tables - new_tables:
            progs += [p for p in PROGRAMS if p not in ("keccak", "sha256")]
    wss, specials = [], {}
    for p in progs:
        if p in SPECIAL:
            obj, ws = SPECIAL[p]()
            ws.machine = None
            specials[p] = (obj, ws)
        else:
            m, ws = build_workspace(p)
            ws.machine = m
        wss.append(ws)
    log(f"built {len(wss)} workspaces in {time.monotonic() - t0:.1f} s")
    targets, seen, order = [], set(), []
    for ws in wss:
        for tb in ws.system.tables:
            if tb.name in seen:
                continue
            seen.add(tb.name)
            order.append(tb.name)
            targets += targets_of(ws.system, {tb.name} if tables is None or tb.name in tables
                                  else {"-none-"}, not a.no_interactions)
    if a.sample:
        keep = set(random.Random(a.seed).sample(range(len(targets)), min(a.sample, len(targets))))
        targets = [tg for i, tg in enumerate(targets) if i in keep]
    suite = []
    if not a.no_suite:
        if tables is None or tables - new_tables:
            suite += harvest_suite(log)
        kws = next((ws for ws in wss if ws.label == "keccak"), None)
        if kws is not None and (tables is None or "keccak" in tables):
            t1 = time.monotonic()
            suite += harvest_keccak(kws, a.keccak_members, a.seed, log)
            from tests.support import coverage_keccak_bits as kbits

            suite += kbits.harvest_keccak_bits(kws, a.keccak_members, a.seed, log)
            log(f"keccak fault forgeries: {time.monotonic() - t1:.0f} s")
        if "paging" in specials:
            t1 = time.monotonic()
            suite += harvest_paging(*specials["paging"], log=log)
            log(f"paging forgeries: {time.monotonic() - t1:.0f} s")
        if "paging" in specials and (tables is None or "poseidon2" in tables):
            t1 = time.monotonic()
            suite += harvest_poseidon2(*specials["paging"], a.p2_members, a.seed, log)
            log(f"poseidon2 fault forgeries: {time.monotonic() - t1:.0f} s")
        from tests.support import coverage_sha

        sws = next((ws for ws in wss if ws.label == "sha256"), None)
        if sws is not None and (tables is None or "sha256" in tables):
            t1 = time.monotonic()
            suite += coverage_sha.harvest_sha(sws, "sha256", a.sha_members, a.seed, log)
            log(f"sha256 fault forgeries: {time.monotonic() - t1:.0f} s")
    for c in suite:
        log(f"suite: {c.name}: fails {c.failing} -> shows {c.shown or '-'}")
    credited = {n for c in suite for n in c.shown}
    skip = (family_sample([tg for tg in targets if tg.full_name not in credited],
                          a.family_sample, seed=a.seed) if a.family_sample else set())
    part = open(a.out + ".partial.jsonl", "w") if a.out else None

    def sink(d):
        if part is not None:
            part.write(json.dumps(d, default=str) + "\n")
            part.flush()
    rows = run(targets, wss, suite, a.budget, seed=a.seed, log=log, keep=a.prove, sink=sink,
               skip=skip)
    if a.prove:
        for r in rows:
            if getattr(r, "traces", None):
                ws, tr = r.traces
                if ws.machine is None:  # a standalone system (paging): no machine key
                    r.traces = None
                    continue
                r.traces = ((ws, ws.machine), tr)
        prove_sample(rows, a.prove, log)
    summary = summarize(rows, order)
    cmd = "python -m tests.support.coverage_report " + " ".join(argv if argv is not None
                                                           else sys.argv[1:])
    md = markdown(summary, cmd.strip(), time.monotonic() - t0)
    print(md)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md + "\n")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"summary": summary,
                       "suite": [c.__dict__ for c in suite],
                       "rows": [{k: v for k, v in r.__dict__.items() if k != "traces"}
                                for r in rows]}, f, indent=1, default=str)
    return rows, summary


if __name__ == "__main__":
    main()

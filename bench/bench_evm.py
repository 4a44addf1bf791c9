"""Cycles per gas of the EVM guest, and where the cycles go.

    .venv/bin/python bench/bench_evm.py [--n 200] [--no-profile] [--prove default|testing]

Workloads (each one transaction, run in the zkvm executor; the cycle count covers the
whole guest run: input parsing, pre-state root, execution, post-state root, logs hash):

* ``transfer``  a plain ether transfer (21 000 gas: the fixed costs of a transaction)
* ``erc20``     ERC-20 ``transfer`` (examples/evm-erc20/Token.sol, deployed beforehand)
* ``keccak``    ``Bench.hashLoop(n)``: keccak256 of 64 bytes, n times
* ``arith``     ``Bench.arithLoop(n)``: mulmod/addmod/mul/div/exp/shift, n rounds

The profile runs the same sources built without stripping symbols (same code, same
cycle count: checked) and attributes each executed instruction to its function, then
groups the functions: interpreter (dispatch and opcode bodies, with the small inline
256-bit operations), 256-bit arithmetic (out of line: mul, div, mod, exp, addmod,
mulmod), keccak glue, trie + RLP, state tables + undo journal, memcpy/memset,
transaction (decoding, validation, logs hash), input parsing, libc (allocator, start-up).
Keccak-f permutations are precompile calls: one ecall each, listed separately.

``--prove P`` also proves the ERC-20 transfer with parameters P and reports the time
(the published guest; should it ever make a call the prover does not model, the bench
falls back to the ``-DEVM_STATIC_HEAP`` variant, allocations from a .bss bump region,
and says so).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

import numpy as np  # noqa: E402

from zkvm.evm import abi, guest  # noqa: E402
from zkvm.evm.ethutil import keccak256, private_key_to_address  # noqa: E402
from zkvm.evm.session import EvmSession  # noqa: E402
from zkvm.riscv import execute, load_elf  # noqa: E402

KEY = int.from_bytes(keccak256(b"bench: alice"), "big")
BOB = private_key_to_address(int.from_bytes(keccak256(b"bench: bob"), "big"))

GROUPS = [
    ("256-bit arithmetic", ("u256_", "divmod_", "limbs_used", "mul_overflow", "__udivdi3", "__umoddi3",
                            "__udivmoddi4", "compiler_rt.int.")),
    ("keccak glue", ("keccak", "zkvm_keccak", "create_address", "create2_address")),
    ("trie + RLP", ("encode_node", "node_ref", "compact_rlp", "wrap_list", "trie_root", "storage_root", "state_root",
                    "titem_cmp", "qsort", "rlp_", "sift", "trinkle", "cycle", "shl", "shr", "pntz", "wrapper_cmp")),
    ("state + journal", ("acct_", "slot_", "st_", "jpush", "set_exists", "check_empty", "addr_hash", "key_hash",
                         "code_new", "code_hash", "arena_alloc", "fresh_zeroed", "state_init")),
    ("memcpy/memset", ("memcpy", "memmove", "memset", "bcmp", "memcmp", "compiler_rt.bcmp")),
    ("transaction", ("process_transaction", "decode_tx", "access_list_walk", "signature_ok", "logs_hash",
                     "item_u256", "buf_")),
    ("input + journal", ("main", "load_state", "take", "read_all_input", "blob_base_fee", "dump_state", "put_u32")),
    ("interpreter", ("run_code", "do_call", "do_create", "process_message", "process_create_message",
                     "run_precompile", "jumpdests", "copy_padded", "mem_grow", "mem_cost", "add_log", "set_output",
                     "set_return_data", "interp_init", "is_precompile", "u256_to_addr", "addr_to_u256")),
]


def build_unstripped(out: Path) -> Path:
    """The guest's sources with the toolchain's flags except ``-s`` (symbols kept)."""
    from zkvm.toolchain.build import compiler_flags, sdk_include_dir

    tmp = Path(tempfile.mkdtemp(prefix="zkvm-evm-prof-"))
    try:
        (tmp / "src").mkdir()
        (tmp / "include").mkdir()
        for h in sdk_include_dir().glob("*.h"):
            shutil.copy(h, tmp / "include")
        for f in guest.GUEST_DIR.iterdir():
            if f.suffix in (".c", ".h"):
                shutil.copy(f, tmp / "src")
        flags = [x.replace("@ROOT@", str(tmp)) for x in compiler_flags(guest.OPT_LEVEL) if x != "-s"]
        srcs = sorted(str(p.relative_to(tmp)) for p in (tmp / "src").glob("*.c"))
        subprocess.run([sys.executable, "-m", "ziglang", "cc", *flags, "-o", str(out), *srcs], cwd=tmp, check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def symbols(elf: Path):
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as fh:
        ef = ELFFile(fh)
        out = [(s["st_value"], s["st_value"] + s["st_size"], s.name)
               for s in ef.get_section_by_name(".symtab").iter_symbols()
               if s["st_info"]["type"] == "STT_FUNC" and s["st_size"] > 0]
    return sorted(out)


def group_of(name: str) -> str:
    for g, prefixes in GROUPS:
        if any(name == p or name.startswith(p) for p in prefixes):
            return g
    return "libc + other"


def profile(program, syms, data: bytes) -> tuple[int, dict, collections.Counter]:
    r = execute(program, input=data, record=True, max_cycles=1 << 30)
    assert r.exit_code == 0, r.stderr
    pcs, counts = np.unique(np.asarray(r.events.pc), return_counts=True)
    starts = [s[0] for s in syms]
    by_fn: collections.Counter = collections.Counter()
    for pc, c in zip(pcs.tolist(), counts.tolist()):
        i = bisect.bisect_right(starts, pc) - 1
        by_fn[syms[i][2] if i >= 0 and pc < syms[i][1] else "?"] += c
    by_group: dict = collections.Counter()
    for fn, c in by_fn.items():
        by_group[group_of(fn)] += c
    return r.cycles, by_group, by_fn


def workloads(n: int) -> dict:
    token = json.loads((REPO / "examples/evm-erc20/Token.json").read_text())
    bench = json.loads((REPO / "bench/evm/Bench.json").read_text())
    s = EvmSession()
    alice = private_key_to_address(KEY)
    s.fund(alice, 10**20)
    t = s.deploy(KEY, bytes.fromhex(token["bytecode"][2:]) + abi.encode_value("uint256", 10**24)).created
    b = s.deploy(KEY, bytes.fromhex(bench["bytecode"][2:])).created
    inputs = {
        "transfer": s.transaction(KEY, BOB, value=1),
        "erc20": s.transaction(KEY, t, abi.call_data("transfer(address,uint256)", BOB, 1000)),
        "keccak": s.transaction(KEY, b, abi.call_data("hashLoop(uint256)", n), gas=10_000_000),
        "arith": s.transaction(KEY, b, abi.call_data("arithLoop(uint256)", n), gas=10_000_000),
    }
    for inp in inputs.values():
        inp.dump_state = False
    return inputs


def prove_erc20(data: bytes, params: str) -> None:
    from zkvm import api
    from zkvm.chips.tracegen import UnprovableExecution
    from zkvm.evm.encoding import Journal
    from zkvm.toolchain import cached_build

    program, what = guest.program(), "the EVM guest"
    try:
        api.execute_only(program, data, params=params)
    except UnprovableExecution as e:
        elf = cached_build(guest.GUEST_DIR, REPO / ".zkvm-cache" / "elf", name="evm-static-heap",
                           opt_level=guest.OPT_LEVEL, extra_defines=[f"EVM_STATIC_HEAP={64 << 20}"])
        program, what = load_elf(elf.read_bytes()), f"the -DEVM_STATIC_HEAP variant (the guest: {e})"
    timings: dict = {}
    t0 = time.perf_counter()
    receipt = api.prove(program, data, params=params, timings=timings)
    dt = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, journal = api.verify(receipt, receipt.image_id)
    vt = time.perf_counter() - t0
    j = Journal.decode(journal)
    print(f"\nERC-20 transfer proven with {what}, params {params}: {timings.get('cycles', 0)} cycles, "
          f"prove {dt:.1f} s, verify {vt:.2f} s, receipt {len(receipt.to_bytes())} bytes, status {j.status_name}")
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if isinstance(v, float)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="loop iterations of the keccak/arith workloads")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--prove", choices=["default", "high", "testing"], help="also prove the ERC-20 transfer")
    args = ap.parse_args()
    program = guest.program()
    inputs = workloads(args.n)
    rows = []
    print(f"EVM guest {guest.elf_path().name}; loops n = {args.n}\n")
    print("| workload | gas used | cycles | cycles/gas | keccak-f calls | executor time |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, inp in inputs.items():
        data = inp.encode()
        t0 = time.perf_counter()
        r = execute(program, input=data, max_cycles=1 << 31)
        dt = time.perf_counter() - t0
        from zkvm.evm.encoding import Journal

        j = Journal.decode(r.journal)
        assert j.status == 0, (name, j.status_name)
        calls = (r.precompile_calls or {}).get("keccak_f1600", 0)
        rows.append((name, data, r.cycles, j.gas_used))
        print(f"| {name} | {j.gas_used} | {r.cycles} | {r.cycles / j.gas_used:.2f} | {calls} | {dt:.2f} s |")
    if args.prove:
        prove_erc20(rows[1][1], args.prove)
    if args.no_profile:
        return 0
    with tempfile.TemporaryDirectory() as d:
        elf = build_unstripped(Path(d) / "evm-prof.elf")
        prog = load_elf(elf.read_bytes())
        syms = symbols(elf)
        groups = [g for g, _ in GROUPS] + ["libc + other"]
        print("\nWhere the cycles go (share of all executed instructions):\n")
        print("| group | " + " | ".join(name for name, *_ in rows) + " |")
        print("|---|" + "---:|" * len(rows))
        profiles = {}
        for name, data, cycles, _gas in rows:
            total, by_group, by_fn = profile(prog, syms, data)
            assert total == cycles, "the unstripped build must execute the same instructions"
            profiles[name] = (total, by_group, by_fn)
        for g in groups:
            cells = [f"{100 * profiles[n][1][g] / profiles[n][0]:.1f}%" for n, *_ in rows]
            print(f"| {g} | " + " | ".join(cells) + " |")
        for name, *_ in rows:
            total, _, by_fn = profiles[name]
            top = ", ".join(f"{fn} {100 * c / total:.0f}%" for fn, c in by_fn.most_common(6))
            print(f"\n{name}: {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

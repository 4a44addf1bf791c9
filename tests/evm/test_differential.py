"""Differential tests: the EVM guest against the Ethereum Foundation's executable
specification (``ethereum-execution``, Cancun) on generated transactions. Every run must
agree on the pre- and post-state roots, the logs hash, the gas used and the outcome.

* random ERC-20 transfers / approvals / transferFroms (examples/evm-erc20/Token.sol)
  between a few accounts, amounts that sometimes exceed balances or allowances;
* random bytecode over arithmetic, comparison, bitwise, memory, storage, transient
  storage and stack opcodes, with random gas limits (so out-of-gas hits anywhere);
* call chains (tests/evm/contracts/Nest.sol) that revert, run out of gas, hit INVALID or
  write in a static context at random depths, through CALL (with and without value),
  DELEGATECALL, STATICCALL and CALLCODE;
* a batch of the random-bytecode transactions written as a state-test file and checked
  by the specification's own command line (``ethereum-spec-evm statetest``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkvm.evm import abi, guest
from zkvm.evm.encoding import Account, GuestInput
from zkvm.evm.ethutil import Transaction, private_key_to_address

from .builders import CONTRACT, COINBASE, env
from .eels_oracle import run_eels

# the specification raises Python's recursion limit for deep call chains
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

REPO = Path(__file__).resolve().parents[2]
KEYS = [0x1001, 0x2002, 0x3003]
ADDRS = [private_key_to_address(k) for k in KEYS]
def hyp(n: int):
    n = int(n * float(os.environ.get("ZKVM_EVM_FUZZ_SCALE", "1")))  # more examples locally
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def agree(inp: GuestInput):
    """Run guest and specification; return the journal after checking they agree."""
    r = guest.run(inp.encode())
    assert r.exit_code == 0, r.stderr
    j, e = r.journal, run_eels(inp)
    assert j.pre_state_root == e.pre_root
    assert (j.status < 0x10) == e.valid, (j.status_name, e.error)
    assert j.post_state_root == e.post_root
    assert j.logs_hash == e.logs_hash
    assert j.gas_used == e.gas_used
    if e.valid:
        assert (j.status == 0) == e.succeeded
    return r


# --------------------------------------------------------------------------- ERC-20


TOKEN = json.loads((REPO / "examples/evm-erc20/Token.json").read_text())
OPS = st.lists(st.tuples(st.sampled_from(["transfer", "approve", "transferFrom"]), st.integers(0, 2),
                         st.integers(0, 2), st.integers(0, 2),
                         st.one_of(st.integers(0, 1500), st.just(2**256 - 1), st.integers(0, 2**256 - 1))),
               min_size=1, max_size=6)


@hyp(12)
@given(OPS)
def test_erc20_random_sequences(ops):
    from zkvm.evm.session import EvmSession

    s = EvmSession()
    for a in ADDRS:
        s.fund(a, 10**18)
    token = s.deploy(KEYS[0], bytes.fromhex(TOKEN["bytecode"][2:]) + abi.encode_value("uint256", 1000)).created
    for op, who, x, y, amount in ops:
        if op == "transfer":
            data = abi.call_data("transfer(address,uint256)", ADDRS[x], amount)
        elif op == "approve":
            data = abi.call_data("approve(address,uint256)", ADDRS[x], amount)
        else:
            data = abi.call_data("transferFrom(address,address,uint256)", ADDRS[x], ADDRS[y], amount)
        inp = s.transaction(KEYS[who], token, data)
        agree(inp)
        s._apply(inp)


# -------------------------------------------------------------------- random bytecode

BINARY = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18,
          0x1A, 0x1B, 0x1C, 0x1D]
TERNARY = [0x08, 0x09]
UNARY = [0x15, 0x19]
INTERESTING = [0, 1, 2, 3, 31, 32, 255, 256, 2**64 - 1, 2**128, 2**255 - 1, 2**255, 2**256 - 1, 2**256 - 2, 0x8000]


def push(v: int) -> bytes:
    if v == 0:
        return b"\x5f"
    n = (v.bit_length() + 7) // 8
    return bytes([0x5F + n]) + v.to_bytes(n, "big")


value_st = st.one_of(st.sampled_from(INTERESTING), st.integers(0, 2**256 - 1), st.integers(0, 300))
small_st = st.integers(0, 200)


@st.composite
def statement(draw) -> bytes:
    kind = draw(st.integers(0, 9))
    slot = push(draw(st.integers(0, 7)))
    if kind <= 3:      # binary op, result stored
        return push(draw(value_st)) + push(draw(value_st)) + bytes([draw(st.sampled_from(BINARY))]) + slot + b"\x55"
    if kind == 4:      # ternary / unary
        if draw(st.booleans()):
            return (push(draw(value_st)) + push(draw(value_st)) + push(draw(value_st))
                    + bytes([draw(st.sampled_from(TERNARY))]) + slot + b"\x55")
        return push(draw(value_st)) + bytes([draw(st.sampled_from(UNARY))]) + slot + b"\x55"
    if kind == 5:      # memory write (MSTORE / MSTORE8) and read back
        off = push(draw(small_st))
        op = draw(st.sampled_from([b"\x52", b"\x53"]))
        return push(draw(value_st)) + off + op + push(draw(small_st)) + b"\x51" + slot + b"\x55"
    if kind == 6:      # KECCAK256 / MCOPY / MSIZE
        which = draw(st.integers(0, 2))
        if which == 0:
            return push(draw(small_st)) + push(draw(small_st)) + b"\x20" + slot + b"\x55"
        if which == 1:
            return push(draw(small_st)) + push(draw(small_st)) + push(draw(small_st)) + b"\x5e"
        return b"\x59" + slot + b"\x55"
    if kind == 7:      # storage: SLOAD of a slot, SSTORE of a new value (refund paths)
        return push(draw(st.integers(0, 7))) + b"\x54" + push(draw(st.sampled_from([0, 1, 2]))) + b"\x01" + slot + b"\x55"
    if kind == 8:      # transient storage
        return push(draw(value_st)) + slot + b"\x5d" + slot + b"\x5c" + push(8 + draw(st.integers(0, 7))) + b"\x55"
    # raw: a few random stack ops (may underflow: an exceptional halt)
    ops = draw(st.lists(st.sampled_from([0x50, 0x80, 0x81, 0x82, 0x90, 0x91, 0x5A, 0x58, 0x30, 0x33, 0x34, 0x47]),
                        max_size=4))
    return push(draw(value_st)) + bytes(ops)


@st.composite
def program(draw) -> tuple[bytes, int, dict]:
    code = b"".join(draw(st.lists(statement(), min_size=1, max_size=12)))
    end = draw(st.sampled_from([b"\x00", b"\x60\x20\x60\x00\xf3", b"\x60\x20\x60\x00\xfd", b"\xfe", b""]))
    gas = draw(st.one_of(st.integers(21_000, 60_000), st.integers(60_000, 400_000)))
    storage = {k: draw(st.sampled_from([0, 1, 2, 2**255])) for k in range(draw(st.integers(0, 4)))}
    return code + end, gas, {k: v for k, v in storage.items() if v}


def bytecode_input(code: bytes, gas: int, storage: dict, value: int = 0) -> GuestInput:
    tx = Transaction(nonce=0, gas_limit=gas, to=CONTRACT, value=value, gas_price=10)
    pre = {ADDRS[0]: Account(balance=10**18), CONTRACT: Account(code=code, storage=storage)}
    return GuestInput(env(), ADDRS[0], tx.sign(KEYS[0]), pre)


@hyp(60)
@given(program(), st.integers(0, 3))
def test_random_bytecode(prog, value):
    code, gas, storage = prog
    agree(bytecode_input(code, gas, storage, value))


# ----------------------------------------------------------------- nested call chains


NEST = json.loads((REPO / "tests/evm/contracts/Nest.json").read_text())
NEST_CODE = bytes.fromhex(NEST["deployedBytecode"][2:])


@hyp(40)
@given(st.lists(st.integers(0, 255), min_size=1, max_size=10), st.integers(60_000, 3_000_000), st.integers(0, 3))
def test_call_chains_revert_at_random_depths(plan, gas, balance):
    data = abi.selector("step(uint256,bytes)") + abi.encode_value("uint256", 0) + abi.encode_value("uint256", 64) \
        + abi.encode_value("uint256", len(plan)) + bytes(plan).ljust(32 * ((len(plan) + 31) // 32), b"\0")
    tx = Transaction(nonce=0, gas_limit=gas, to=CONTRACT, value=balance, data=data, gas_price=10)
    pre = {ADDRS[0]: Account(balance=10**18),
           CONTRACT: Account(code=NEST_CODE, balance=balance, storage={0: 5, 1000: 1})}
    r = agree(GuestInput(env(), ADDRS[0], tx.sign(KEYS[0]), pre))
    assert r.journal.gas_used > 21_000


def test_deep_chain_reaches_depth_limit_of_gas():
    """A long plan of plain CALLs: runs until the 63/64 rule starves the chain."""
    plan = [0] * 300
    data = abi.selector("step(uint256,bytes)") + abi.encode_value("uint256", 0) + abi.encode_value("uint256", 64) \
        + abi.encode_value("uint256", len(plan)) + bytes(plan).ljust(320, b"\0")
    tx = Transaction(nonce=0, gas_limit=10_000_000, to=CONTRACT, data=data, gas_price=10)
    pre = {ADDRS[0]: Account(balance=10**18), CONTRACT: Account(code=NEST_CODE)}
    agree(GuestInput(env(), ADDRS[0], tx.sign(KEYS[0]), pre))


# ------------------------------------------- the specification's own command line


def test_statetest_cli_of_the_specification(tmp_path):
    """Random-bytecode transactions written as a state-test file (expected root: the
    guest's), checked by `ethereum-spec-evm statetest`."""
    import random
    import sys

    exe = Path(sys.executable).parent / "ethereum-spec-evm"
    assert exe.exists(), "ethereum-execution (a test dependency) provides ethereum-spec-evm"

    rnd = random.Random(1234)
    tests = {}
    for n in range(8):
        code = b"".join(push(rnd.choice(INTERESTING + [rnd.getrandbits(256)])) + push(rnd.choice(INTERESTING))
                        + bytes([rnd.choice(BINARY)]) + push(n % 4) + b"\x55" for _ in range(6))
        gas = rnd.choice([50_000, 200_000, 23_000])
        inp = bytecode_input(code, gas, {1: 7})
        r = guest.run(inp.encode())
        tests[f"random{n}"] = {
            "env": {"currentCoinbase": "0x" + COINBASE.hex(), "currentGasLimit": hex(inp.env.gas_limit),
                    "currentNumber": hex(inp.env.number), "currentTimestamp": hex(inp.env.timestamp),
                    "currentBaseFee": hex(inp.env.base_fee), "currentRandom": "0x" + inp.env.prev_randao.hex(),
                    "currentDifficulty": "0x0", "currentExcessBlobGas": "0x0"},
            "pre": {"0x" + a.hex(): {"balance": hex(acc.balance), "nonce": hex(acc.nonce), "code": "0x" + acc.code.hex(),
                                     "storage": {hex(k): hex(v) for k, v in acc.storage.items()}}
                    for a, acc in inp.pre.items()},
            "transaction": {"data": ["0x"], "gasLimit": [hex(gas)], "gasPrice": "0x0a", "nonce": "0x0",
                            "secretKey": "0x" + KEYS[0].to_bytes(32, "big").hex(), "sender": "0x" + ADDRS[0].hex(),
                            "to": "0x" + CONTRACT.hex(), "value": ["0x0"]},
            "post": {"Cancun": [{"hash": "0x" + r.journal.post_state_root.hex(),
                                 "logs": "0x" + r.journal.logs_hash.hex(),
                                 "indexes": {"data": 0, "gas": 0, "value": 0}, "txbytes": "0x" + inp.tx.hex()}]},
        }
    f = tmp_path / "random.json"
    f.write_text(json.dumps(tests))
    p = subprocess.run([str(exe), "statetest", str(f), "--json"], capture_output=True, text=True, timeout=300)
    results = json.loads(p.stdout)
    assert len(results) == 8
    assert all(x["pass"] for x in results), results

"""Transcript.sol (via TranscriptReplay) against zkvm.stark.transcript.Transcript: random
scripts of absorbs, base/extension/index samples and proof-of-work checks give the same
final state and the same samples; a nonce that misses the proof of work reverts."""

import random
import struct

import pytest

from zkvm.onchain import abi, artifacts
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import pack
from zkvm.stark.errors import PowError
from zkvm.stark.transcript import Transcript


@pytest.fixture(scope="module")
def replay():
    art = artifacts.load("TranscriptReplay")
    c = LocalChain()
    return c, c.deploy(art), art.selector("replay")


def _run(replay, tag: bytes, script: bytes):
    c, addr, sel = replay
    rep = c.transact(addr, abi.encode_call(sel, ["bytes", "bytes"], [tag, script]), "replay")
    if not rep.ok:
        return None, None, rep
    out = rep.output
    state = out[:32]
    n = int.from_bytes(out[64:96], "big")
    vals = [int.from_bytes(out[96 + 32 * i:128 + 32 * i], "big") for i in range(n)]
    return state, vals, rep


def _script(rng, t: Transcript):
    """A random script and the Python transcript's samples for it."""
    s = bytearray()
    outs = []
    for _ in range(rng.randrange(1, 25)):
        op = rng.choice("aaamwebip")
        label = bytes(rng.randrange(97, 123) for _ in range(rng.randrange(0, 12)))
        if op == "a":
            data = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 4, 31, 32, 33, 100, 300))))
            s += b"\x00" + struct.pack(">H", len(label)) + label + struct.pack(">I", len(data)) + data
            t.absorb_bytes(label, data)
        elif op == "m":  # absorb through memory (Transcript.absorb)
            data = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 4, 31, 32, 33, 100, 300))))
            s += b"\x05" + struct.pack(">H", len(label)) + label + struct.pack(">I", len(data)) + data
            t.absorb_bytes(label, data)
        elif op == "w":  # absorbWord (a 32-byte root)
            data = bytes(rng.randrange(256) for _ in range(32))
            s += b"\x06" + struct.pack(">H", len(label)) + label + data
            t.absorb_bytes(label, data)
        elif op == "e":
            s += b"\x01" + struct.pack(">H", len(label)) + label
            outs.append(pack(t.sample_ext(label)))
        elif op == "b":
            s += b"\x02" + struct.pack(">H", len(label)) + label
            outs.append(t.sample_base(label))
        elif op == "i":
            n = rng.randrange(0, 65)
            s += b"\x03" + bytes([n]) + struct.pack(">H", len(label)) + label
            outs.append(t.sample_bits(n, label))
        else:
            bits = rng.randrange(0, 9)
            nonce = t.copy().grind(bits) if bits else rng.randrange(1 << 64)
            s += b"\x04" + bytes([bits]) + struct.pack(">Q", nonce)
            t.check_pow(bits, nonce)
    return bytes(s), outs


def test_random_scripts_match_python(replay):
    rng = random.Random(1919)
    for _ in range(80):
        tag = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 20)))
        t = Transcript(tag)
        script, outs = _script(rng, t)
        state, vals, rep = _run(replay, tag, script)
        assert rep.ok, rep.reason
        assert state == t.state and vals == outs


def test_bad_pow_reverts(replay):
    t = Transcript(b"zkvm-stark-v1")
    t.absorb_bytes("x", b"abc")
    good = t.copy().grind(12)
    bad = next(n for n in range(good + 1, good + 10 ** 6)
               if not _passes(t.copy(), 12, n))
    with pytest.raises(PowError):
        t.copy().check_pow(12, bad)
    pre = b"\x00" + struct.pack(">H", 1) + b"x" + struct.pack(">I", 3) + b"abc"
    ok = _run(replay, b"zkvm-stark-v1", pre + b"\x04\x0c" + struct.pack(">Q", good))
    assert ok[2].ok
    assert not _run(replay, b"zkvm-stark-v1", pre + b"\x04\x0c" + struct.pack(">Q", bad))[2].ok


def _passes(t, bits, nonce) -> bool:
    try:
        t.check_pow(bits, nonce)
        return True
    except PowError:
        return False

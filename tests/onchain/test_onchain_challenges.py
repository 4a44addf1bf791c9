"""StarkChallenges.sol (the on-chain Fiat-Shamir replay of the STARK verifier) against the
Python verifier: from a real receipt's public inputs, commitments and opened values it
derives exactly the challenges the Python verifier sampled (LogUp α and β, the
constraint α, ζ, the PCS α, every FRI β and every query index); another journal, another
commitment or a wrong proof-of-work nonce changes them or reverts."""

import pytest

from zkvm import api
from zkvm.onchain import abi, artifacts, challenges
from zkvm.onchain.chain import LocalChain
from zkvm.onchain.constraints import pack
from zkvm.stark.transcript import Transcript


@pytest.fixture(scope="module")
def recorded(fib_receipt):
    raw, iid, _ = fib_receipt
    log = []
    o_ext, o_idx = Transcript.sample_ext, Transcript.sample_index

    def s_ext(self, label=b"ext"):
        v = o_ext(self, label)
        log.append((label, pack(v)))
        return v

    def s_idx(self, bits, label=b"index"):
        v = o_idx(self, bits, label)
        log.append((label, v))
        return v

    rec = {}
    Transcript.sample_ext, Transcript.sample_index = s_ext, s_idx
    try:
        with challenges.recording(rec):
            api.verify_receipt(raw, iid)
    finally:
        Transcript.sample_ext, Transcript.sample_index = o_ext, o_idx
    return challenges.input_of(rec), log


def _derive(inp):
    art = artifacts.load("StarkChallenges")
    c = LocalChain()
    addr = c.deploy(art)
    rep = c.transact(addr, abi.encode_call(art.selector("derive"), [challenges.INPUT_TYPES], [inp]))
    if not rep.ok:
        return None, rep
    out = rep.output
    w = [int.from_bytes(out[i:i + 32], "big") for i in range(0, len(out), 32)]
    # (offset to struct) then the struct: 5 words, offset betas, offset queries, arrays
    base = w[0] // 32
    head = w[base:base + 7]
    def arr(off):
        i = base + off // 32
        return w[i + 1:i + 1 + w[i]]
    return (head[:5], arr(head[5]), arr(head[6])), rep


def test_challenges_match_the_python_verifier(recorded):
    inp, log = recorded
    got, rep = _derive(inp)
    assert rep.ok, rep.reason
    want = {}
    for label, v in log:
        want.setdefault(label if isinstance(label, str) else label.decode(), []).append(v)
    five, betas, queries = got
    assert five == [want["logup_alpha"][0], want["logup_beta"][0], want["constraint_alpha"][0],
                    want["zeta"][-1], want["pcs_alpha"][0]]
    assert betas == want["fri_beta"]
    assert queries == want["fri_query"]


def test_other_inputs_change_or_revert(recorded):
    inp, _ = recorded
    good, _ = _derive(inp)
    other = list(inp)
    other[2] = inp[2] + b"\x00"  # another journal
    assert _derive(other)[0] != good
    other = list(inp)
    other[4] = bytes([inp[4][0] ^ 1]) + inp[4][1:]  # another main commitment
    assert _derive(other)[0] != good
    other = list(inp)
    other[18] = inp[18] + 1  # a nonce that (almost surely) misses the proof of work
    got, rep = _derive(other)
    assert got is None or got != good


def test_canonical_check_of_opened_values():
    """StarkChallenges' check that every opened point and value is a canonical u32 LE
    field element (eight words per calldata word with a fast top-bits test): the edges
    p − 1 (accepted), p, 2^31 − 1, 2^32 − 1 (rejected), in every lane position and tail."""
    import random
    import struct

    from zkvm.field.babybear import P
    from zkvm.onchain import abi, artifacts
    from zkvm.onchain.chain import LocalChain

    chain = LocalChain()
    sc = artifacts.load("StarkChallenges")
    addr = chain.deploy(sc)
    rng = random.Random(19)
    edge = [0, 1, P - 2, P - 1, P, P + 1, 0x77FFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 15 << 27, (15 << 27) + 2]
    for _ in range(150):
        n = rng.randrange(1, 20)
        vs = [rng.choice(edge + [rng.randrange(P)] * 4) for _ in range(n)]
        if rng.random() < 0.5:
            vs = [v if v < P else rng.randrange(P) for v in vs]
        out = chain.call(addr, abi.encode_call(sc.selector("isCanonical"), ["bytes"], [struct.pack(f"<{n}I", *vs)]))
        assert (out[-1] == 1) == all(v < P for v in vs), vs
    assert chain.call(addr, abi.encode_call(sc.selector("isCanonical"), ["bytes"], [b"\x00" * 5]))[-1] == 0


def test_malformed_inputs_revert(recorded):
    """derive's assembly encoders keep every check: a public value p, a height 2^32, a
    non-canonical limb (p) of a claimed sum or of the final polynomial, a value count
    that runs past (or falls short of) the opened values, a count of 2^32 all revert; the
    worst canonical limbs (p − 1) are accepted (without a proof of work) and change the
    challenges."""
    from zkvm.field.babybear import P

    inp, _ = recorded
    good, rep = _derive(inp)
    assert rep.ok

    def bad(i, v):
        other = list(inp)
        other[i] = v
        got, r = _derive(other)
        assert got is None and not r.ok, (i, r.reason)
        return r.reason

    bad(1, [P] + list(inp[1][1:]))
    bad(3, list(inp[3][:-1]) + [1 << 32])
    for i in (7, 16):
        for lane in range(4):
            xs = list(inp[i])
            xs[0] = (xs[0] & ~(0xFFFFFFFFFFFFFFFF << (64 * lane))) | (P << (64 * lane))
            bad(i, xs)
        xs = list(inp[i])
        xs[-1] = xs[-1] | (1 << 63)  # a limb >= 2^32
        bad(i, xs)
    vcs = list(inp[13])
    bad(13, vcs[:-1] + [vcs[-1] + 1])
    bad(13, vcs[:-1] + [vcs[-1] - 1])
    bad(13, vcs[:-1] + [1 << 32])
    other = list(inp)
    m = (P - 1) | (P - 1) << 64 | (P - 1) << 128 | (P - 1) << 192
    other[16] = [m] + list(inp[16][1:])
    other[17] = 0  # no proof of work (the nonce was ground for the real transcript)
    got, r = _derive(other)
    assert r.ok and got != good

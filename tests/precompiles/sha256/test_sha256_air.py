"""The SHA-256 precompile chip, standalone: the chip + its round table + Bytes, with the
rest of the machine replaced by public interactions (the PRECOMPILE hand-off of each call
and the initial/final MEMORY records of every word it touches).

Honest traces from real executions pass the debug checker and prove/verify; malicious
witnesses (wrong output word, input read from another address, a skipped round, a
padding row doing memory traffic, a call without its ecall) are rejected.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkvm.chips import buses
from zkvm.chips.bytes import BytesAir
from zkvm.precompiles.sha256.air import K, Sha256Air, Sha256RoundAir
from zkvm.chips.buses import PRECOMPILE
from zkvm.precompiles.sha256.air import SYS_SHA256_COMPRESS
from zkvm.precompiles.tables import memory_accesses, split_prev_ts
from zkvm.riscv.asm import encode, li
from zkvm.riscv.precompiles import PrecompileEvents
from zkvm.precompiles.sha256.exec import SHA256_K, sha256_compress
from zkvm.riscv.testing import SCRATCH, run_both
from zkvm.stark.checker import check_traces
from zkvm.stark.system import StarkSystem

ST, BLK = SCRATCH, SCRATCH + 0x100


def store_words(addr, words):
    w = li(28, addr)
    for i, v in enumerate(words):
        w += li(29, int(v)) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
    return w


def sha_calls(blocks, state_ptr=ST, block_ptr=BLK):
    """Execute SHA256_COMPRESS over ``blocks`` (chained) and return the recorded calls."""
    rng = random.Random(len(blocks))
    state = [rng.getrandbits(32) for _ in range(8)]
    prog = store_words(state_ptr, state)
    for blk in blocks:
        prog += store_words(block_ptr, np.frombuffer(blk, dtype="<u4"))
        prog += li(10, state_ptr) + li(11, block_ptr) + li(17, SYS_SHA256_COMPRESS) + [encode("ecall")]
    r = run_both(prog)
    calls = r.precompile_events.sha256
    st = state
    for i, blk in enumerate(blocks):
        st = list(sha256_compress(st, blk))
        assert list(calls.state_out[i]) == st
    return calls


def _limbs(x):
    return [(int(x) >> (8 * i)) & 0xFF for i in range(4)]


class Harness:
    """Traces and public interactions for a list of SHA256_COMPRESS calls."""

    def __init__(self, calls, params):
        self.calls = calls
        n = len(calls)
        self.ts = 10 + 100 * np.arange(n, dtype=np.int64)
        cyc_to_ts = dict(zip(calls.cycle.astype(np.int64).tolist(), self.ts.tolist()))

        Ev = PrecompileEvents.of(sha256=calls)

        key, time, before, after = memory_accesses(Ev, lambda c: np.array([cyc_to_ts[int(x)] for x in c]))
        order = np.lexsort((time, key))
        prev_ts = np.zeros(len(key), dtype=np.int64)
        k, t = key[order], time[order]
        same = np.r_[False, k[1:] == k[:-1]]
        pts = np.where(same, np.r_[0, t[:-1]], 0)
        # the program rewrote a word between two calls (its own stores): bridge the chain
        # with a public receive of the old record and send of the new one at time pts + 1
        bo, ao = before[order], after[order]
        changed = same & (bo != np.r_[0, ao[:-1]])
        self.bridges = [(int(k[i]), int(ao[i - 1]), int(pts[i]), int(bo[i])) for i in np.flatnonzero(changed)]
        pts = np.where(changed, pts + 1, pts)
        prev_ts[order] = pts
        sp = split_prev_ts(Ev, prev_ts)["sha256"]
        self.blk_pts, self.st_pts = sp["block"], sp["state"]
        # initial record per key = 'before' of its first access, final = 'after' of its last
        first = ~same
        lastm = np.r_[k[1:] != k[:-1], True]
        self.init = list(zip(k[first].tolist(), before[order][first].tolist()))
        self.final = list(zip(k[lastm].tolist(), after[order][lastm].tolist(), t[lastm].tolist()))
        self.airs = [Sha256Air(), Sha256RoundAir(), BytesAir()]

        def public(pv):
            out = []
            for i in range(n):
                out.append((PRECOMPILE, [SYS_SHA256_COMPRESS, int(self.ts[i]),
                                         *_limbs(calls.state_ptr[i]), *_limbs(calls.block_ptr[i])], 1))
            for kk, vv in self.init:
                out.append((buses.MEMORY, [kk, *_limbs(vv), 0], 1))
            for kk, old, tt, new in self.bridges:
                out.append((buses.MEMORY, [kk, *_limbs(old), tt], -1))
                out.append((buses.MEMORY, [kk, *_limbs(new), tt + 1], 1))
            for kk, vv, tt in self.final:
                out.append((buses.MEMORY, [kk, *_limbs(vv), tt], -1))
            return out

        self.system = StarkSystem(self.airs, params, num_public_values=1, public_interactions=public,
                                  name="sha256-precompile-test")

    def traces(self, mutate=None):
        sha = self.airs[0].generate_trace(self.calls, self.ts, self.blk_pts, self.st_pts)
        if mutate is not None:
            mutate(self.airs[0].columns.view(sha), sha)
        rnd = Sha256RoundAir.generate_trace(len(self.calls))
        tr = {"sha256": sha, "sha256_round": rnd}
        from zkvm.machine import Machine

        tr["bytes"] = Machine._bytes_trace(None, self.system, tr, [0])
        return [tr[a.name] for a in self.airs]

    def check(self, traces):
        return check_traces(self.system, traces, [0])


@pytest.fixture(scope="module")
def calls3(testing_params):
    rng = random.Random(3)
    blocks = [bytes(rng.randrange(256) for _ in range(64)) for _ in range(3)]
    return Harness(sha_calls(blocks), testing_params)


def test_round_constants_match_executor():
    assert tuple(K) == tuple(SHA256_K)


def test_degree_and_width(testing_params):
    sys_ = StarkSystem([Sha256Air(), Sha256RoundAir()], testing_params)
    t = sys_.tables[0]
    assert t.degree <= 3
    assert t.main_width < 600


def test_honest_calls3_pass_checker(calls3):
    rep = calls3.check(calls3.traces())
    assert rep.ok, str(rep)


def test_overlapping_buffers_pass_checker(testing_params):
    """state == block pointer: block reads come before the state write in the chip too."""
    rng = random.Random(5)
    words = [rng.getrandbits(32) for _ in range(16)]
    prog = store_words(ST, words) + li(10, ST) + li(11, ST) + li(17, SYS_SHA256_COMPRESS) + [encode("ecall")]
    calls = run_both(prog).precompile_events.sha256
    h = Harness(calls, testing_params)
    rep = h.check(h.traces())
    assert rep.ok, str(rep)


def _failing(rep):
    return {f.constraint for f in rep.constraint_failures} | {"bus:" + str(b.bus) for b in rep.bus_imbalances}


def test_wrong_output_word_rejected(calls3):
    def mut(v, t):
        v.sn[3, 0] = (int(v.sn[3, 0]) + 1) % 256          # state word 3 written wrong
    rep = calls3.check(calls3.traces(mut))
    assert not rep.ok
    # consistent lie: also change hout everywhere in the call -> the final addition fails
    def mut2(v, t):
        v.sn[3, 0] = (int(v.sn[3, 0]) + 1) % 256
        lo = v.hout[:64, 6].astype(np.int64)
        v.hout[:64, 6] = np.where(v.is_real[:64] == 1, lo + 1, lo)
    rep = calls3.check(calls3.traces(mut2))
    assert not rep.ok
    assert any(f.constraint.startswith("out3") for f in rep.constraint_failures) or rep.bus_imbalances


def test_input_from_other_address_rejected(calls3):
    def mut(v, t):
        v.wb[:64] = v.wb[:64] + 1                          # read the block 4 bytes further
        v.pb[0, 0] = int(v.pb[0, 0]) + 4
        v.qb[0] = int(v.qb[0]) + 1
    rep = calls3.check(calls3.traces(mut))
    assert not rep.ok
    assert rep.bus_imbalances  # PRECOMPILE and MEMORY no longer balance


def test_skipped_round_rejected(calls3):
    def mut(v, t):
        # drop round 30 of call 0: shift rows 31..63 up by one and repeat the last row
        t[30:63] = t[31:64]
    rep = calls3.check(calls3.traces(mut))
    assert not rep.ok
    assert "rnd_inc" in {f.constraint for f in rep.constraint_failures}


def test_wrong_round_constant_rejected(calls3):
    def mut(v, t):
        v.k_lo[5] = (int(v.k_lo[5]) + 1) % 65536
    rep = calls3.check(calls3.traces(mut))
    assert not rep.ok


def test_padding_row_cannot_touch_memory(calls3):
    def mut(v, t):
        v.f_blk[200] = 1                                   # a padding row "reads" memory
    rep = calls3.check(calls3.traces(mut))
    assert "f_blk_padding" in {f.constraint for f in rep.constraint_failures}


def test_call_without_ecall_rejected(calls3):
    """A fourth call appended to the table has no PRECOMPILE message to receive."""
    def mut(v, t):
        t[192:256] = t[64:128]
    rep = calls3.check(calls3.traces(mut))
    assert rep.bus_imbalances


def test_prove_verify_and_tampered_trace_fails(calls3, testing_params, monkeypatch):
    from zkvm.stark import prover, verifier


    pk, vk = calls3.system.setup()
    proof = prover.prove(pk, calls3.traces(), [0], debug=False)
    verifier.verify(vk, proof, [0])

    def mut(v, t):
        v.sn[3, 0] = (int(v.sn[3, 0]) + 1) % 256
        v.hout[:64, 6] = (v.hout[:64, 6].astype(np.int64) + 1)
    bad = prover.prove(pk, calls3.traces(mut), [0], debug=False)
    with pytest.raises(Exception):
        verifier.verify(vk, bad, [0])


def test_machine_hook_traces_match_harness(calls3):
    from zkvm.precompiles.tables import precompile_airs, precompile_traces

    airs = precompile_airs()
    assert [a.name for a in airs][:4] == ["sha256", "sha256_round", "keccak", "keccak_round"]
    h = calls3
    cyc_to_ts = dict(zip(h.calls.cycle.astype(np.int64).tolist(), h.ts.tolist()))

    Ev = PrecompileEvents.of(sha256=h.calls)

    prev = np.concatenate([np.concatenate([h.blk_pts, h.st_pts], axis=1).ravel()])
    out = precompile_traces(airs, Ev, lambda c: np.array([cyc_to_ts[int(x)] for x in c]), prev)
    ref = h.traces()
    assert np.array_equal(out["sha256"], ref[0])
    assert np.array_equal(out["sha256_round"], ref[1])

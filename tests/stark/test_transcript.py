"""Fiat-Shamir transcript: determinism, injectivity, sampling ranges, PoW; params."""

import struct

import math

import pytest

from zkvm.field.babybear import P
from zkvm.field.ext import Ext
from zkvm.stark.errors import ParamsError, PowError, TranscriptError, VerificationError
from zkvm.stark.params import EXT_FIELD_BITS, StarkParams
from zkvm.stark.transcript import Transcript


def test_deterministic():
    def run():
        t = Transcript(b"tag")
        t.absorb_bytes("a", b"xyz")
        t.absorb_field("f", [1, 2, 3])
        return [t.sample_base(), t.sample_ext(), t.sample_index(10), t.state]

    assert run() == run()


def test_domain_tag_and_labels_separate():
    assert Transcript(b"a").state != Transcript(b"b").state
    t1, t2 = Transcript(b"t"), Transcript(b"t")
    t1.absorb_bytes("x", b"1")
    t2.absorb_bytes("y", b"1")
    assert t1.state != t2.state


def test_injective_encoding():
    """Shifting bytes between label and data, or splitting one absorb into two, changes
    the state (length prefixes; checklist 19)."""
    a, b, c = Transcript(b"t"), Transcript(b"t"), Transcript(b"t")
    a.absorb_bytes("ab", b"c")
    b.absorb_bytes("a", b"bc")
    c.absorb_bytes("a", b"b")
    c.absorb_bytes("", b"c")
    assert len({a.state, b.state, c.state}) == 3
    d, e = Transcript(b"t"), Transcript(b"t")
    d.absorb_field("v", [1, 2])
    e.absorb_field("v", [1])
    e.absorb_field("v", [2])
    assert d.state != e.state


def test_sampling_changes_state():
    t = Transcript(b"t")
    xs = [t.sample_base() for _ in range(100)]
    assert len(set(xs)) == 100
    assert all(0 <= x < P for x in xs)
    for n in (0, 1, 5, 27, 64):
        for _ in range(20):
            assert 0 <= t.sample_bits(n) < (1 << n)
    e = t.sample_ext()
    assert isinstance(e, Ext) and all(0 <= c < P for c in e.coeffs)


def test_sample_base_rejects_out_of_range(monkeypatch):
    """Candidates ≥ p are skipped, not reduced (no modulo bias)."""
    t = Transcript(b"t")
    blocks = [struct.pack("<8I", *([P] * 8)),                       # all rejected
              struct.pack("<8I", (1 << 31) | 5, *([0] * 7))]          # top bit masked → 5
    monkeypatch.setattr(Transcript, "_squeeze", lambda self, label: blocks.pop(0))
    assert t.sample_base() == 5


def test_sample_base_roughly_uniform():
    t = Transcript(b"u")
    xs = [t.sample_base() for _ in range(4000)]
    buckets = [0] * 8
    for x in xs:
        buckets[x * 8 // P] += 1
    assert min(buckets) > 380 and max(buckets) < 620


def test_absorb_rejects_non_canonical():
    t = Transcript(b"t")
    with pytest.raises(TranscriptError):
        t.absorb_field("f", [P])
    with pytest.raises(TranscriptError):
        t.absorb_digest("d", b"short")
    with pytest.raises(TranscriptError):
        t.sample_bits(65)


def test_grind_and_check_pow():
    t = Transcript(b"t")
    t.absorb_bytes("x", b"y")
    v = t.copy()
    nonce = t.grind(12)
    v.check_pow(12, nonce)
    assert v.state == t.state  # prover and verifier stay in sync
    w = t.copy()
    w2 = t.copy()
    # a nonce failing the PoW raises; the first smaller nonce certainly fails (grind
    # returns the smallest valid one)
    u = Transcript(b"t")
    u.absorb_bytes("x", b"y")
    if nonce > 0:
        with pytest.raises(PowError):
            u.check_pow(12, nonce - 1)
    with pytest.raises(PowError):
        w.check_pow(12, -1)
    with pytest.raises(PowError):
        w2.check_pow(12, 1 << 64)
    assert issubclass(PowError, VerificationError)


def test_pow_nonce_absorbed():
    a, b = Transcript(b"t"), Transcript(b"t")
    a.check_pow(0, 1)
    b.check_pow(0, 2)
    assert a.sample_base() != b.sample_base()


# ---------------------------------------------------------------------------- params


def test_presets_security():
    assert StarkParams.default().security_bits() >= 100
    assert StarkParams.high().query_security_bits() >= 128
    assert StarkParams.high().security_bits() == EXT_FIELD_BITS == 123
    t = StarkParams.testing(zk=False)
    assert t.is_testing and t.security_bits() == t.num_queries * t.log_blowup + t.pow_bits < 40
    assert StarkParams.testing().security_bits() < 40
    assert not StarkParams.default().is_testing
    # zk mode costs a fraction of a bit per query (FRI rate (1 + 2^-6)/B); presets compensate
    for zk in (False, True):
        assert StarkParams.default(zk=zk).security_bits() >= 100
        assert StarkParams.default(zk=zk).zk is zk


def test_evm_preset_security():
    """The evm profile (docs/onchain.md): >= 100 conjectured bits with and without zk,
    computed by security_bits(); fewer queries than the default (less calldata)."""
    for zk in (False, True):
        e = StarkParams.evm(zk=zk)
        assert e.security_bits() >= 100 and e.zk is zk and not e.is_testing
    e = StarkParams.evm()
    assert (e.log_blowup, e.num_queries, e.pow_bits, e.fri_log_arity,
            e.max_constraint_degree) == (6, 13, 23, 3, 4)
    assert e.security_bits() == int(13 * (6 - math.log2(1 + 2 ** -6))) + 23 == 100
    assert StarkParams.evm(zk=False).security_bits() == 13 * 6 + 23 == 101
    # one query or one grinding bit fewer would drop below 100 bits
    assert StarkParams(**{**e.__dict__, "num_queries": 12}).security_bits() < 100
    assert StarkParams(**{**e.__dict__, "pow_bits": 22}).security_bits() < 100
    assert e.num_queries < StarkParams.default().num_queries
    assert 40 <= e.provable_security_bits() < e.query_security_bits()


def test_params_digest_distinguishes():
    ds = {p.digest() for p in (StarkParams.default(), StarkParams.high(), StarkParams.evm(),
                               StarkParams.testing())}
    assert len(ds) == 4
    a = StarkParams.testing()
    b = StarkParams(**{**a.__dict__, "is_testing": False})
    assert a.digest() != b.digest()
    c = StarkParams(**{**a.__dict__, "zk": not a.zk})
    assert a.digest() != c.digest()
    assert len(a.digest()) == 32


@pytest.mark.parametrize("kw", [
    {"log_blowup": 0}, {"log_blowup": 9}, {"num_queries": 0}, {"pow_bits": 31},
    {"fri_log_arity": 0}, {"fri_log_arity": 4}, {"log_final_poly_len": -1},
    {"max_constraint_degree": 1}, {"log_blowup": 1, "max_constraint_degree": 4},
    {"num_queries": 1.5}, {"num_queries": True}, {"is_testing": 1},
])
def test_params_validation(kw):
    with pytest.raises(ParamsError):
        StarkParams(**kw)


def test_provable_security_is_below_the_conjecture():
    """The proven (Johnson-bound) figure is reported next to the conjectured one and is
    well below it; it can only shrink as the LDE domain grows."""
    for p in (StarkParams.default(), StarkParams.default(zk=False), StarkParams.high()):
        assert 40 <= p.provable_security_bits() < p.query_security_bits()
        assert p.provable_security_bits(18) >= p.provable_security_bits(26)
    assert StarkParams.default().provable_security_bits() == 53

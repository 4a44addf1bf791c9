"""SHA-256 kernels vs FIPS 180-4 vectors and hashlib."""

import hashlib

import numpy as np
import pytest

from zkvm.hash.sha256 import (
    digest_from_bytes,
    digests_from_bytes,
    digests_to_bytes,
    hash_pairs,
    hash_rows,
    pow_search,
    sha256_many,
)

NIST = [
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    (b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
     b"klmnopqrlmnopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
]


@pytest.mark.parametrize("msg,hexd", NIST)
def test_nist_vectors(msg, hexd):
    arr = np.frombuffer(msg, dtype=np.uint8).reshape(1, len(msg))
    assert digests_to_bytes(sha256_many(arr)).hex() == hexd


def test_random_lengths_vs_hashlib():
    rng = np.random.default_rng(7)
    for L in range(0, 301):
        msgs = rng.integers(0, 256, (3, L), dtype=np.uint8)
        d = sha256_many(msgs)
        for i in range(3):
            assert digests_to_bytes(d[i]) == hashlib.sha256(msgs[i].tobytes()).digest(), L


@pytest.mark.parametrize("prefix", [0, 1, 2, 255])
def test_hash_rows_vs_hashlib(prefix):
    rng = np.random.default_rng(prefix)
    for w in list(range(0, 40)) + [64, 100]:
        mat = rng.integers(0, 2**32, (5, w), dtype=np.uint32)
        d = hash_rows(mat, prefix)
        for i in range(5):
            ref = hashlib.sha256(bytes([prefix]) + mat[i].astype("<u4").tobytes()).digest()
            assert digests_to_bytes(d[i]) == ref, w


def test_hash_rows_bitrev_order():
    rng = np.random.default_rng(3)
    mat = rng.integers(0, 2**32, (8, 3), dtype=np.uint32)
    d = hash_rows(mat, 0, row_order_bitrev=True)
    nat = hash_rows(mat, 0)
    for i, j in enumerate([0, 4, 2, 6, 1, 5, 3, 7]):
        assert (d[i] == nat[j]).all()
    with pytest.raises(ValueError):
        hash_rows(mat[:6], 0, row_order_bitrev=True)


def test_hash_pairs_vs_hashlib():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 2**32, (17, 8), dtype=np.uint32)
    b = rng.integers(0, 2**32, (17, 8), dtype=np.uint32)
    for prefix in (1, 2):
        d = hash_pairs(a, b, prefix)
        for i in range(17):
            ref = hashlib.sha256(bytes([prefix]) + digests_to_bytes(a[i]) + digests_to_bytes(b[i])).digest()
            assert digests_to_bytes(d[i]) == ref


def test_digest_bytes_roundtrip():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 2**32, (4, 8), dtype=np.uint32)
    b = digests_to_bytes(a)
    assert (digests_from_bytes(b) == a).all()
    assert (digest_from_bytes(b[:32]) == a[0]).all()
    with pytest.raises(ValueError):
        digest_from_bytes(b[:31])


def test_pow_search_matches_hashlib():
    prefix = b"\x02" + bytes(range(32))
    for bits in (1, 6, 10):
        n = pow_search(prefix, bits)
        d = hashlib.sha256(prefix + n.to_bytes(8, "little")).digest()
        assert int.from_bytes(d[:4], "big") >> (32 - bits) == 0
        # smallest: no smaller nonce works
        for m in range(n):
            d = hashlib.sha256(prefix + m.to_bytes(8, "little")).digest()
            assert int.from_bytes(d[:4], "big") >> (32 - bits) != 0

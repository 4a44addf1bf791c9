"""The multi-message row/pair kernels — portable (LANES-wide SIMD across messages) and,
where the CPU has them, SHA-NI — on batch sizes that exercise the partial last lane group
and the parallel chunking, against the scalar reference kernel ``sha256_many`` (an
independent one-message-at-a-time implementation) and hashlib."""

import hashlib

import numpy as np
import pytest

import importlib

S = importlib.import_module("zkvm.hash.sha256")  # the module (zkvm.hash.sha256 is also a function name)


#: kernel families to test: the portable one always, SHA-NI where the host supports it
PATHS = [False] + ([True] if S.HAVE_SHA_NI else [])


@pytest.fixture(params=PATHS, ids=lambda ni: "sha_ni" if ni else "portable")
def path(request, monkeypatch):
    monkeypatch.setattr(S, "_kernel", "ni" if request.param else "portable")
    return request.param


def _row_messages(mat, prefix):
    b = np.ascontiguousarray(mat).astype("<u4").view(np.uint8).reshape(mat.shape[0], -1)
    return np.concatenate([np.full((mat.shape[0], 1), prefix, dtype=np.uint8), b], axis=1)


@pytest.mark.parametrize("n,w", [(1, 64), (15, 8), (17, 13), (S._PAR_THRESHOLD + 37, 16), (4096, 3)])
def test_hash_rows_lanes_vs_reference(path, n, w):
    rng = np.random.default_rng(n + w)
    mat = rng.integers(0, 2**32, (n, w), dtype=np.uint32)
    got = S.hash_rows(mat, 0)
    assert (got == S.sha256_many(_row_messages(mat, 0))).all()
    if n & (n - 1) == 0:
        br = S.hash_rows(mat, 0, row_order_bitrev=True)
        assert (br == got[S.bitrev_permutation(n.bit_length() - 1)]).all()
    i = n - 1  # the last row sits in a partial lane group unless n % LANES == 0
    assert S.digests_to_bytes(got[i]) == hashlib.sha256(b"\x00" + mat[i].astype("<u4").tobytes()).digest()


@pytest.mark.parametrize("n", [1, 16, 31, S._PAR_THRESHOLD + 5])
def test_hash_pairs_lanes_vs_reference(path, n):
    rng = np.random.default_rng(n)
    a = rng.integers(0, 2**32, (n, 8), dtype=np.uint32)
    b = rng.integers(0, 2**32, (n, 8), dtype=np.uint32)
    for prefix in (1, 2):
        msgs = np.concatenate([
            np.full((n, 1), prefix, dtype=np.uint8),
            a.astype(">u4").view(np.uint8).reshape(n, 32),
            b.astype(">u4").view(np.uint8).reshape(n, 32),
        ], axis=1)
        assert (S.hash_pairs(a, b, prefix) == S.sha256_many(msgs)).all()


def test_hash_pairs_strided_views(path):
    """Merkle layers pass the even/odd rows of one (2m, 8) array as strided views."""
    rng = np.random.default_rng(9)
    layer = rng.integers(0, 2**32, (2 * 37, 8), dtype=np.uint32)
    pairs = layer.reshape(-1, 16)
    got = S.hash_pairs(pairs[:, :8], pairs[:, 8:], 1)
    ref = S.hash_pairs(np.ascontiguousarray(layer[0::2]), np.ascontiguousarray(layer[1::2]), 1)
    assert (got == ref).all()
    assert (S.hash_pairs(layer[0::2], layer[1::2], 1) == ref).all()


@pytest.mark.parametrize("w", [0, 1, 2, 13, 14, 15, 16, 17, 29, 30, 64, 100])
def test_hash_rows_every_padding_case(path, w):
    """Widths around the block boundaries (the 0x80 terminator and the length words land
    in the same or in a new block) for several prefixes, vs hashlib."""
    rng = np.random.default_rng(100 + w)
    mat = rng.integers(0, 2**32, (S.LANES + 3, w), dtype=np.uint32)
    mat[0] = 0xFFFFFFFF
    for prefix in (0, 2, 255):
        d = S.hash_rows(mat, prefix)
        for i in (0, 1, S.LANES, S.LANES + 2):
            ref = hashlib.sha256(bytes([prefix]) + mat[i].astype("<u4").tobytes()).digest()
            assert S.digests_to_bytes(d[i]) == ref


def test_sha_ni_detection_respects_env(monkeypatch):
    monkeypatch.setenv("ZKVM_SHA_NI", "0")
    assert S._detect_sha_ni() is False


@pytest.mark.parametrize("w1,w2", [(0, 3), (5, 0), (13, 8), (16, 1)])
def test_hash_rows_into_two_matrices(path, w1, w2):
    """Rows ``a[i] || b[i]`` hashed without concatenating, stored at ``order[i]``: the
    digests of the concatenated rows, scattered."""
    rng = np.random.default_rng(w1 * 7 + w2)
    n = S._PAR_THRESHOLD + 19
    a = rng.integers(0, 2**32, (n, w1), dtype=np.uint32)
    b = rng.integers(0, 2**32, (n, w2), dtype=np.uint32)
    ref = S.hash_rows(np.concatenate([a, b], axis=1), 0)
    out = np.zeros((n, 8), dtype=np.uint32)
    S.hash_rows_into(a, b, 0, np.zeros(0, dtype=np.int64), out)
    assert (out == ref).all()
    order = rng.permutation(n).astype(np.int64)
    out2 = np.zeros((n, 8), dtype=np.uint32)
    S.hash_rows_into(a[:100], b[:100], 0, order[:100], out2)
    assert (out2[order[:100]] == ref[:100]).all()

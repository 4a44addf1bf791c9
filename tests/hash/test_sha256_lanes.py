"""The multi-message (LANES-wide) row/pair kernels on batch sizes that exercise the
partial last lane group and the parallel chunking, against the scalar reference kernel
``sha256_many`` (an independent one-message-at-a-time implementation) and hashlib."""

import hashlib

import numpy as np
import pytest

import importlib

S = importlib.import_module("zkvm.hash.sha256")  # the module (zkvm.hash.sha256 is also a function name)


def _row_messages(mat, prefix):
    b = np.ascontiguousarray(mat).astype("<u4").view(np.uint8).reshape(mat.shape[0], -1)
    return np.concatenate([np.full((mat.shape[0], 1), prefix, dtype=np.uint8), b], axis=1)


@pytest.mark.parametrize("n,w", [(1, 64), (15, 8), (17, 13), (S._PAR_THRESHOLD + 37, 16), (4096, 3)])
def test_hash_rows_lanes_vs_reference(n, w):
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
def test_hash_pairs_lanes_vs_reference(n):
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

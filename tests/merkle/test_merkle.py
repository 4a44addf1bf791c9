"""Mixed-matrix Merkle tree: open/verify round trips and rejection of tampering."""

import hashlib

import numpy as np
import pytest

from zkvm.merkle import MerkleTree, verify_opening
from zkvm.merkle.verify import leaf_hash
from zkvm.stark.errors import MerkleError, VerificationError


def mats(seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 2**31, (16, 3), dtype=np.uint32),
        rng.integers(0, 2**31, (4, 2), dtype=np.uint32),
        rng.integers(0, 2**31, (16, 1), dtype=np.uint32),
        rng.integers(0, 2**31, (1, 5), dtype=np.uint32),
        rng.integers(0, 2**31, (8, 4), dtype=np.uint32),
    ]


@pytest.mark.parametrize("bitrev", [False, True])
def test_open_verify_all_indices(bitrev):
    ms = mats()
    t = MerkleTree(ms, bit_reversed_rows=bitrev)
    assert t.log_max_height == 4
    for i in range(16):
        rows, path = t.open(i)
        for m, (a, row) in enumerate(zip(ms, rows)):
            lh = t.log_heights[m]
            j = i >> (4 - lh)
            if bitrev:
                j = int(format(j, f"0{lh}b")[::-1], 2) if lh else 0
            assert row == a[j].tolist()
        verify_opening(t.root, 4, i, rows, t.dims, path)


def test_root_structure_matches_spec():
    """Recompute the root of a 2-leaf tree with an injected height-1 matrix by hand."""
    a = np.array([[1, 2], [3, 4]], dtype=np.uint32)
    b = np.array([[9]], dtype=np.uint32)
    t = MerkleTree([a, b])
    h = lambda x: hashlib.sha256(x).digest()  # noqa: E731
    le = lambda *v: b"".join(int(x).to_bytes(4, "little") for x in v)  # noqa: E731
    l0, l1 = h(b"\x00" + le(1, 2)), h(b"\x00" + le(3, 4))
    node = h(b"\x01" + l0 + l1)
    root = h(b"\x02" + node + h(b"\x00" + le(9)))
    assert t.root == root


def test_single_row_tree():
    a = np.array([[5, 6, 7]], dtype=np.uint32)
    t = MerkleTree([a])
    rows, path = t.open(0)
    assert path == []
    verify_opening(t.root, 0, 0, rows, t.dims, path)
    assert t.root == leaf_hash([[5, 6, 7]])


def _fixture():
    ms = mats(1)
    t = MerkleTree(ms)
    rows, path = t.open(5)
    return t, rows, path


def test_tampered_leaf_rejected():
    t, rows, path = _fixture()
    for m in range(len(rows)):
        bad = [list(r) for r in rows]
        bad[m][0] ^= 1
        with pytest.raises(MerkleError):
            verify_opening(t.root, 4, 5, bad, t.dims, path)


def test_tampered_path_rejected():
    t, rows, path = _fixture()
    for k in range(len(path)):
        bad = list(path)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(MerkleError):
            verify_opening(t.root, 4, 5, rows, t.dims, bad)


def test_wrong_index_rejected():
    t, rows, path = _fixture()
    for idx in (4, 6, 13):
        with pytest.raises(MerkleError):
            verify_opening(t.root, 4, idx, rows, t.dims, path)
    for idx in (-1, 16, 1 << 40):
        with pytest.raises(MerkleError):
            verify_opening(t.root, 4, idx, rows, t.dims, path)


def test_exact_lengths():
    t, rows, path = _fixture()
    with pytest.raises(MerkleError):  # path too short / long
        verify_opening(t.root, 4, 5, rows, t.dims, path[:-1])
    with pytest.raises(MerkleError):
        verify_opening(t.root, 4, 5, rows, t.dims, path + [path[0]])
    with pytest.raises(MerkleError):  # one matrix missing
        verify_opening(t.root, 4, 5, rows[:-1], t.dims, path)
    longer = [list(r) for r in rows]
    longer[0].append(0)
    with pytest.raises(MerkleError):  # leaf longer than the statement allows
        verify_opening(t.root, 4, 5, longer, t.dims, path)
    # moving a value between two matrices of the same height (same leaf bytes!) is
    # caught because widths come from the statement
    moved = [list(r) for r in rows]
    moved[2] = moved[0][-1:] + moved[2]
    moved[0] = moved[0][:-1]
    with pytest.raises(MerkleError):
        verify_opening(t.root, 4, 5, moved, t.dims, path)
    bad_dims = list(t.dims)
    bad_dims[1] = (3, 2)  # wrong height for matrix 1
    with pytest.raises(MerkleError):
        verify_opening(t.root, 4, 5, rows, bad_dims, path)
    with pytest.raises(MerkleError):
        verify_opening(t.root[:31], 4, 5, rows, t.dims, path)
    with pytest.raises(MerkleError):
        verify_opening(t.root, 4, 5, [[2**32] + r[1:] for r in rows], t.dims, path)


def test_errors_are_verification_errors():
    assert issubclass(MerkleError, VerificationError)


def test_bad_inputs_to_tree():
    with pytest.raises(ValueError):
        MerkleTree([])
    with pytest.raises(ValueError):
        MerkleTree([np.zeros((3, 2), dtype=np.uint32)])
    with pytest.raises(ValueError):
        MerkleTree([np.zeros((4, 2), dtype=np.uint64)])


@pytest.mark.parametrize("bitrev", [False, True])
@pytest.mark.parametrize("keep_from", [1, 3, 4, 20])
def test_unstored_low_levels_give_the_same_openings(bitrev, keep_from):
    """Levels below ``keep_from`` are not stored but recomputed for an opening: same root
    and same openings as a tree that stores every level, with matrices injected below,
    at and above that level."""
    from zkvm.merkle.verify import verify_opening

    rng = np.random.default_rng(keep_from)
    ms = [rng.integers(0, 2**31, (1 << h, w), dtype=np.uint32)
          for h, w in ((7, 5), (7, 3), (6, 2), (5, 9), (2, 1))]
    full = MerkleTree(ms, bit_reversed_rows=bitrev, keep_from=0)
    lean = MerkleTree(ms, bit_reversed_rows=bitrev, keep_from=keep_from)
    assert lean.root == full.root
    assert all(lean.layers[k] is None for k in range(min(keep_from, 7)))
    for i in (0, 1, 5, 64, 127, 77):
        assert lean.open(i) == full.open(i)
        rows, path = lean.open(i)
        verify_opening(lean.root, lean.log_max_height, i, rows, lean.dims, path)


@pytest.mark.parametrize("chunk_bytes", [None, 3 * 4 * 8])
@pytest.mark.parametrize("bitrev", [False, True])
@pytest.mark.parametrize("widths", [(3, 1), (2, 7, 1), (1, 1, 6, 2), (5, 1, 1, 1, 4)])
def test_several_matrices_of_one_height_hash_as_their_concatenation(bitrev, widths,
                                                                     chunk_bytes, monkeypatch):
    """Leaf ``j`` of a height shared by several matrices is SHA-256(0x00 ‖ the rows of
    all of them, in commit order), however the tree hashes the rows: two matrices from
    two parts (``_two_parts``), more from a reused buffer a chunk of rows at a time
    (``_chunked_leaves``; ``chunk_bytes`` small: chunks of one to three rows)."""
    from zkvm.merkle import tree as T
    from zkvm.merkle.tree import _two_parts

    if chunk_bytes is not None:
        monkeypatch.setattr(T, "_CONCAT_CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(sum(widths))
    ms = [rng.integers(0, 2**31, (8, w), dtype=np.uint32) for w in widths]
    ms.append(rng.integers(0, 2**31, (16, 2), dtype=np.uint32))  # a taller one: the 8s inject
    t = MerkleTree(ms, bit_reversed_rows=bitrev)
    got = t._leaf_hashes(3)
    whole = np.concatenate(ms[:-1], axis=1)
    for j in range(8):
        r = int(format(j, "03b")[::-1], 2) if bitrev else j
        want = hashlib.sha256(b"\x00" + whole[r].astype("<u4").tobytes()).digest()
        assert bytes(got[j].astype(">u4").tobytes()) == want
    a, b = _two_parts(ms[:-1])
    assert (np.concatenate([a, b], axis=1) == whole).all()
    for i in range(16):
        rows, path = t.open(i)
        verify_opening(t.root, 4, i, rows, t.dims, path)


@pytest.mark.parametrize("chunk_bytes", [None, 2 * 4 * 12])
@pytest.mark.parametrize("bitrev", [False, True])
@pytest.mark.parametrize("sm", [0, 1, 2])
def test_salted_height_of_several_matrices_hashes_rows_with_their_salt(bitrev, sm, chunk_bytes,
                                                                      monkeypatch):
    """Three matrices at the salted height: leaf ``j`` is SHA-256(0x00 ‖ the rows in
    commit order, the salt words right after the salted matrix's row), whichever chunks
    the rows are hashed in; openings verify."""
    from zkvm.merkle import tree as T
    from zkvm.merkle.tree import salt_words

    if chunk_bytes is not None:
        monkeypatch.setattr(T, "_CONCAT_CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(sm)
    ms = [rng.integers(0, 2**31, (8, w), dtype=np.uint32) for w in (2, 3, 1)]
    key, sw = bytes(range(32)), 4
    t = MerkleTree(ms, bit_reversed_rows=bitrev, salt=(sm, key, sw))
    got = t._leaf_hashes(3)
    for j in range(8):
        r = int(format(j, "03b")[::-1], 2) if bitrev else j
        parts = []
        for m, a in enumerate(ms):
            parts.append(a[r])
            if m == sm:
                parts.append(salt_words(key, np.array([r]), sw)[0])
        want = hashlib.sha256(b"\x00" + np.concatenate(parts).astype("<u4").tobytes()).digest()
        assert bytes(got[j].astype(">u4").tobytes()) == want
    for i in range(8):
        rows, path = t.open(i)
        verify_opening(t.root, 3, i, rows, t.dims, path)

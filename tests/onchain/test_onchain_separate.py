"""Which tables the on-chain verifier evaluates in a transaction of their own
(``zkvm.onchain.session.separate_tables``) and how wide rounds are batched
(``deep_batch``): functions of the verifying key and the heights (the shape records them)."""

import pytest

from zkvm.onchain import session
from zkvm.onchain.merkle import Group

# constraint nodes per table (tests/onchain: every table of the machine, session 7)
BASE = [84, 125, 61, 170, 339, 1854, 392, 407, 448, 590, 561, 399, 388, 430, 624]  # program .. loadstore
KECCAK, SHA256, MULMOD = 38_405, 5_732, 10_086


def test_battleship_like_receipts_have_no_separate_table():
    assert session.separate_tables(BASE) == [False] * len(BASE)
    assert session.separate_tables(BASE + [SHA256]) == [False] * (len(BASE) + 1)  # 12.6 k inline
    assert session.separate_tables(BASE + [MULMOD]) == [False] * (len(BASE) + 1)  # 16.9 k inline


def test_keccak_is_separate_and_then_the_inline_budget_shrinks():
    sep = session.separate_tables(BASE + [KECCAK])
    assert sep == [False] * len(BASE) + [True]
    sep = session.separate_tables(BASE + [SHA256, KECCAK])  # sha256 joins keccak
    assert sep[-2:] == [True, True] and not any(sep[:-2])
    nodes = BASE + [824, 853, SHA256, KECCAK, MULMOD]  # every table live
    sep = session.separate_tables(nodes)
    inline = sum(k for k, s in zip(nodes, sep, strict=True) if not s)
    assert sep[-1] and sep[-2] and sep[-3] and inline <= session.INLINE_BUDGET_WITH_SEPARATE
    # the largest remaining tables go first
    assert all(not s or k >= max(k2 for k2, s2 in zip(nodes, sep, strict=True) if not s2)
               for k, s in zip(nodes, sep, strict=True))


def test_table_over_the_limit_is_unsupported():
    with pytest.raises(session.UnsupportedReceipt, match="too large"):
        session.separate_tables(BASE + [session.MAX_PROGRAM_NODES + 1])


def test_deep_batch_by_round_width():
    def g(*widths):
        return Group(b"\0" * 32, 21, tuple((20, w) for w in widths), {})

    assert session.deep_batch(g(63)) == session.DEEP_BATCH
    assert session.deep_batch(g(552, 300, 500)) == session.DEEP_BATCH  # 1 352 columns: unchanged
    assert session.deep_batch(g(2781, 765)) == 9  # the Keccak receipt's main round (3 546 columns)
    assert 1 <= session.deep_batch(g(40_000)) < 9

"""Which tables the on-chain verifier evaluates in a transaction of their own
(``zkvm.onchain.session.separate_tables``) and how wide rounds are batched
(``deep_batch``): functions of the verifying key and the heights (the shape records them);
a separate table's own values and renumbered specs (``zkvm.onchain.statement.local_ranges``)."""

import pytest

from zkvm.onchain import session, statement
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


def test_local_values_are_the_tables_own():
    """local_ranges/local_values/the renumbered specs on a toy table: the leaves read the
    same values through the local specs as through the global ones."""
    specs = [0 << 32 | 7, 1 << 32 | 12, 2 << 32, 0 << 32 | 9, 5 << 32 | 1, 0 << 32 | 8, 0 << 32 | 30]
    rg = statement.local_ranges(specs)
    assert rg == [(7, 3), (12, 4), (30, 1)]
    vals = bytes(range(256)) * 2  # 32 values of 16 bytes
    loc = statement.local_values(vals, rg)
    assert len(loc) == 16 * 8
    local = statement.localize_specs(specs, rg)
    assert [s >> 32 for s in local] == [s >> 32 for s in specs]
    for g, lo in zip(specs, local, strict=True):
        if g >> 32 in (0, 1):
            n = 16 * (1 + 3 * (g >> 32))
            gi, li = g & 0xffffffff, lo & 0xffffffff
            assert loc[16 * li:16 * li + n] == vals[16 * gi:16 * gi + n]
        else:
            assert g == lo
    assert statement.pack_specs([1 << 32 | 0x0102]) == bytes([1, 0, 0, 1, 2])

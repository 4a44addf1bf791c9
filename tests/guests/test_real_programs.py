"""Real C programs (libc, malloc, stdio, qsort, strtod, printf with floats, assert) are
proven and verified, and run identically under qemu-riscv32 (issue 15).

* ``csvstats``: stdio input (fgets, i.e. musl's readv), a malloc'd hash table, calloc /
  realloc / free, a > 128 KiB mmap-backed buffer, qsort, printf/snprintf of doubles;
  a malformed row fails an ``assert`` -- exit code 134, proven like any other outcome
  (``zkvm build`` keeps asserts at -O2);
* ``bigio``: one ``read(0, buf, 1 MiB)`` and one 80 KiB ``write(3, ...)``;
* ``pages``: scanf, malloc and pseudo-random updates of n 64-byte records (the
  paging-heavy guest of tests/continuation/test_paging_cut.py).
"""

from __future__ import annotations

import random

import pytest

from zkvm import api


def csv_rows(n: int, seed: int = 5) -> bytes:
    r = random.Random(seed)
    keys = ["apple", "pear", "fig", "kiwi", "plum", "lime", "date", "yuzu"]
    return "".join(f"{r.choice(keys)},{r.uniform(-50, 100):.3f}\n" for _ in range(n)).encode()


def _same_as_qemu(elf, data, qemu_run, tmp_path):
    res = api.run(elf, data)
    out, code, journal = qemu_run(elf, data, tmp_path)
    assert (res.stdout, res.exit_code, res.journal) == (out, code, journal)
    assert res.unprovable is None, res.unprovable
    return res


def test_csvstats_like_qemu(guest_elf, qemu_run, tmp_path):
    elf = guest_elf("csvstats")
    res = _same_as_qemu(elf, csv_rows(20), qemu_run, tmp_path)
    assert res.exit_code == 0 and res.journal.startswith(b"n=20 keys=")
    bad = _same_as_qemu(elf, csv_rows(3) + b"no comma here\n", qemu_run, tmp_path)
    assert bad.exit_code == 134 and bad.journal == b""
    assert b"Assertion failed" in bad.stderr


def test_pages_like_qemu(guest_elf, qemu_run, tmp_path):
    elf = guest_elf("pages")
    res = _same_as_qemu(elf, b"300 2", qemu_run, tmp_path)
    assert res.exit_code == 0 and res.journal.startswith(b"n=300 sum=")
    assert _same_as_qemu(elf, b"0 5", qemu_run, tmp_path).exit_code == 2


@pytest.mark.slow
def test_csvstats_proves(guest_elf):
    elf = guest_elf("csvstats")
    data = csv_rows(20)
    res = api.run(elf, data)
    receipt = api.prove(elf, data, params="testing")
    assert api.verify(receipt.to_bytes(), api.image_id(elf, params="testing")) == (0, res.journal)


@pytest.mark.slow
def test_failed_assert_proves_exit_134(guest_elf):
    elf = guest_elf("csvstats")
    receipt = api.prove(elf, b"fig,1.5\nbroken row\n", params="testing")
    assert api.verify(receipt.to_bytes(), api.image_id(elf, params="testing")) == (134, b"")


@pytest.mark.slow
def test_one_mib_read_and_big_journal_write_prove(guest_elf, qemu_run, tmp_path):
    elf = guest_elf("bigio")
    data = random.Random(7).randbytes(1 << 20)
    res = _same_as_qemu(elf, data, qemu_run, tmp_path)
    assert res.journal[:4] == (1 << 20).to_bytes(4, "little")
    assert res.journal[8:] == data[:80 * 1024]
    receipt = api.prove(elf, data, params="testing")
    assert api.verify(receipt.to_bytes(), api.image_id(elf, params="testing")) == (0, res.journal)

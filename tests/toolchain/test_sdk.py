"""The guest SDK (zkvm.h): each wrapper, under the zkvm executor and under qemu-riscv32."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from zkvm import api
from zkvm.toolchain import build

SDK_GUEST = r"""
#include <stdio.h>
#include "zkvm.h"

int main(void)
{
    uint32_t mode = zkvm_read_u32();
    unsigned char buf[8];
    size_t n = zkvm_read(buf, sizeof buf);      /* up to 8 more bytes, fewer at EOF */
    zkvm_commit_u32((uint32_t)n);
    zkvm_commit(buf, n);
    if (mode == 1) {
        printf("lost");                         /* buffered: zkvm_exit does not flush */
        zkvm_exit(42);
    }
    if (mode == 2) {
        unsigned char more[4];
        zkvm_read_exact(more, sizeof more);     /* input is exhausted: exits 250 */
    }
    printf("mode %u\n", (unsigned)mode);
    return 7;
}
"""


@pytest.fixture(scope="module")
def sdk_elf(tmp_path_factory):
    d = tmp_path_factory.mktemp("sdk")
    (d / "sdk.c").write_text(SDK_GUEST)
    return build([d / "sdk.c"], d / "sdk.elf").path


CASES = [
    # input, exit code, stdout, journal
    ((0).to_bytes(4, "little") + b"abc", 7, b"mode 0\n", (3).to_bytes(4, "little") + b"abc"),
    ((0).to_bytes(4, "little") + bytes(range(10)), 7, b"mode 0\n", (8).to_bytes(4, "little") + bytes(range(8))),
    ((1).to_bytes(4, "little") + b"xy", 42, b"", (2).to_bytes(4, "little") + b"xy"),
    ((2).to_bytes(4, "little"), 250, b"", (0).to_bytes(4, "little")),
    (b"\x02\x00", 250, b"", b""),
]


@pytest.mark.parametrize("case", CASES, ids=["partial", "full", "exit-no-flush", "read-exact-short", "short-u32"])
def test_sdk_wrappers(sdk_elf, case):
    data, code, stdout, journal = case
    r = api.run(sdk_elf, data)
    assert (r.exit_code, r.stdout, r.journal) == (code, stdout, journal)
    if code == 250:
        assert r.stderr == b"zkvm: private input too short\n"


@pytest.mark.qemu
def test_sdk_same_under_qemu(sdk_elf, tmp_path):
    qemu = shutil.which("qemu-riscv32")
    if qemu is None:
        pytest.skip("qemu-riscv32 not installed")
    for data, code, stdout, journal in CASES:
        jf = tmp_path / "j.bin"
        p = subprocess.run(["sh", "-c", 'exec "$1" "$2" 3>"$3"', "sh", qemu, str(sdk_elf), str(jf)],
                           input=data, capture_output=True, timeout=60)
        assert (p.returncode, p.stdout, jf.read_bytes()) == (code, stdout, journal)

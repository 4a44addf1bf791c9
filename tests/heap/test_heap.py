"""zkvm.heap: large freed blocks stay in the process for the next allocation (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from zkvm import heap

_PROBE = """
import resource, sys
import numpy as np
from zkvm import heap, threads
threads.configure()
a = np.ones(64 << 20, dtype=np.uint32)   # 256 MiB, faulted in
del a
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(64 << 20, dtype=np.uint32)   # the same size again
f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
print(int(heap.retained()), f1 - f0)
"""

glibc = pytest.mark.skipif(not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"),
                           reason="the heap policy is glibc-only")


def _probe(**env):
    e = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=e, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    return int(out[0]), int(out[1])


@glibc
def test_configure_retains_freed_pages():
    retained, faults = _probe()
    assert retained == 1
    # 256 MiB reallocated from the heap: its pages are still mapped (a fresh mmap faults
    # at least 128 huge pages or 65 536 small ones)
    assert faults < 32, faults


@glibc
def test_opt_out_keeps_glibc_defaults():
    retained, faults = _probe(ZKVM_HEAP="system")
    assert retained == 0
    assert faults >= 128, faults


def test_release_and_retained_are_safe_to_call():
    heap.release()
    assert heap.retained() in (True, False)

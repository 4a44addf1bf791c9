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


_PREFAULT = """
import os, resource
os.environ["ZKVM_PREFAULT"] = "1"
import numpy as np
from zkvm import heap, threads
threads.configure()
pre = heap.prefault_async(384 << 20)
assert pre is not None
pre.finish()
assert heap.free_bytes() >= 256 << 20
assert heap.prefault_async(256 << 20) is None   # already free in the heap
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(64 << 20, dtype=np.uint32)          # 256 MiB from the faulted-in block
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
assert heap.free_bytes() < 384 << 20 <= heap.heap_bytes()
assert heap.prefault_async(384 << 20) is None   # held by the heap, partly in use: no regrowth
"""


@glibc
def test_prefault_serves_later_allocations_without_faults():
    out = subprocess.run([sys.executable, "-c", _PREFAULT], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert int(out[0]) < 32, out


def test_prefault_needs_the_retained_heap(monkeypatch):
    monkeypatch.setitem(heap._state, "retained", False)
    monkeypatch.setenv("ZKVM_PREFAULT", "1")
    assert heap.prefault_async(1 << 30) is None


_PROVE = """
import os, sys
os.environ["ZKVM_PREFAULT"] = "1"
sys.path.insert(0, os.path.join({root!r}, "bench"))
from zkvm import heap, threads
threads.configure()
from bench_prove import fib_words
from zkvm.machine import Machine, verify
from zkvm.machine import prover as mp
from zkvm.riscv.layout import Program
from zkvm.stark.params import StarkParams
started = []
orig = heap.prefault_async
heap.prefault_async = lambda n: started.append(n) or orig(n)
m = Machine.for_program(Program.from_words(fib_words(6000)), StarkParams.testing())
r = m.prove()
verify(r.to_bytes(), m.image_id)
print(int(heap.retained()), started[0] // mp.PREFAULT_BYTES_PER_CYCLE)
"""


@glibc
def test_machine_prove_prefaults_the_heap_and_verifies():
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    out = subprocess.run([sys.executable, "-c", _PROVE.format(root=os.path.abspath(root))],
                         capture_output=True, text=True, check=True, timeout=300).stdout.split()
    assert out == ["1", str(1 << 15)], out   # 30 000+ cycles padded to 2^15


def test_prefault_is_on_by_default_and_zero_turns_it_off(monkeypatch):
    monkeypatch.setitem(heap._state, "retained", True)
    monkeypatch.setattr(heap, "free_bytes", lambda: 0)
    monkeypatch.setattr(heap, "heap_bytes", lambda: 0)
    monkeypatch.setenv("ZKVM_PREFAULT", "0")
    assert heap.prefault_async(1 << 30) is None
    monkeypatch.delenv("ZKVM_PREFAULT", raising=False)
    pre = heap.prefault_async(heap.PREFAULT_MIN)
    assert pre is not None
    pre.finish()

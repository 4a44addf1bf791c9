"""Keep the memory a proof frees for the next allocation instead of giving it back to the
kernel (glibc processes; issue 17).

A 2^20-cycle proof allocates ~7.6 GB of large arrays (LDEs, coefficient matrices, Merkle
digests, quotient and DEEP buffers, ~2.7 GiB alive at the peak).  glibc serves every
allocation above its mmap threshold (at most 32 MiB) with a fresh ``mmap`` and returns it
with ``munmap`` on free, so the kernel zero-fills and faults in every page again, phase
after phase and proof after proof: 4.4-9 s of *system* CPU time per 2^20 proof on the
2-core project machine (huge pages make the faults fewer but each one zeroes and often
compacts 2 MiB).

:func:`retain` switches glibc to serving large blocks from its heap (``mallopt
M_MMAP_MAX = 0``) and never shrinking it (``M_TRIM_THRESHOLD`` = the largest size), so a
freed LDE's pages, already faulted in, serve the next LDE of the same proof or of the
next proof.  The cost: the process keeps its high-water mark of memory until it exits
(or calls :func:`release`), and free blocks between live ones can fragment the heap
(measured +0.26 GiB peak RSS on a second 2^20 proof in one process).  It is meant for
processes that prove (the ``zkvm`` command, proving workers, benchmarks: applied by
:func:`zkvm.threads.configure`); ``ZKVM_HEAP=system`` keeps glibc's defaults.

It also turns off numpy's transparent-huge-page hint (``madvise(MADV_HUGEPAGE)`` on
every array of ≥ 4 MiB; ``ZKVM_HUGEPAGES=1`` keeps it).  With THP in ``madvise`` mode and
the default ``defrag`` setting, every huge-page fault of a hinted region may compact
memory synchronously: growing the heap for a process's first 2^20 proof cost 7.3 s of
system time with the hint and 1.7 s without it, against ~0.8 s more user time (TLB
misses) with small pages once the heap is warm.

This module imports nothing from zkvm (any layer may use it); on another C library it
does nothing.
"""

from __future__ import annotations

import os
import sys

__all__ = ["retain", "release", "retained"]

#: mallopt parameter numbers (glibc <malloc.h>)
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4

_state = {"retained": False}


def _glibc():
    """The process's glibc as a ctypes library, or ``None`` (another libc, no ctypes)."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        import ctypes

        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not glibc/Linux
        return None


def retain() -> bool:
    """Serve large allocations from the heap and never trim it (see the module
    docstring).  Idempotent; returns whether the policy is in effect.  Nothing is done
    (``False``) with ``ZKVM_HEAP=system`` or on a C library other than glibc."""
    if _state["retained"]:
        return True
    if os.environ.get("ZKVM_HEAP", "").strip().lower() == "system":
        return False
    libc = _glibc()
    if libc is None:
        return False
    # M_TRIM_THRESHOLD takes an int that glibc stores as a size_t: -1 = never trim the top
    ok = libc.mallopt(_M_MMAP_MAX, 0) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, -1) == 1
    _state["retained"] = bool(ok)
    if ok and os.environ.get("ZKVM_HUGEPAGES", "").strip() != "1":
        _no_numpy_hugepages()
    return _state["retained"]


def _no_numpy_hugepages() -> None:
    """numpy's THP hint off: before numpy's import through its environment variable (no
    numpy import here: ``zkvm run`` starts without it), after it at run time."""
    np_mod = sys.modules.get("numpy")
    if np_mod is None:
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
        return
    if os.environ.get("NUMPY_MADVISE_HUGEPAGE", "").strip() == "1":
        return  # the user asked numpy for it
    try:
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def retained() -> bool:
    """Whether :func:`retain` is in effect in this process."""
    return _state["retained"]


def release() -> None:
    """Give the heap's free pages back to the kernel now (``malloc_trim(0)``); the policy
    stays in effect.  For a long-lived process that has finished proving."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)

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
(or calls :func:`release`), and free blocks between live ones can fragment the heap: a
later 2^20 proof in the same process peaks at 3.23-3.26 GiB instead of 2.73-2.76 GiB in
most runs (a 512+ MiB LDE finds no hole big enough: 1.16 GiB free in 18 pieces), with
or without the prefault and whether or not the Machine is reused, and not in others
(session 11; since the chips' rows are split over up to three tables, session 12, the
LDEs are smaller and later proofs measured 2.61 GiB, fibonacci, 2.85 GiB, the walker).
Serving the LDEs from a pool of their own mappings, reused by size (session 11), was
tried and dropped: the first proof then peaked at 3.07-3.18 GiB (the heap and the pool
share no space) and later ones at 3.11-3.24 GiB (the rest of the heap still fragments).  It is meant for
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

__all__ = ["retain", "release", "retained", "free_bytes", "heap_bytes", "prefault_async",
           "Prefault", "peak_rss_bytes"]

#: mallopt parameter numbers (glibc <malloc.h>)
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_TOP_PAD = -2
#: extra bytes per heap growth (fewer brk calls: each takes the mmap lock for writing)
_TOP_PAD = 64 << 20
#: madvise advice: populate (prefault) page tables writable, Linux >= 5.14
_MADV_POPULATE_WRITE = 23
_PAGE = 4096
#: below this many missing bytes :func:`prefault_async` does nothing
PREFAULT_MIN = 64 << 20
#: bytes faulted in per madvise call
_PREFAULT_CHUNK = 8 << 20

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
    ok = libc.mallopt(_M_MMAP_MAX, 0) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, -1) == 1 \
        and libc.mallopt(_M_TOP_PAD, _TOP_PAD) == 1
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


def _mallinfo2():
    """glibc's ``mallinfo2()`` (all arenas), or ``None`` (another libc, glibc < 2.33)."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    import ctypes

    class _MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                                                   "hblkhd", "usmblks", "fsmblks",
                                                   "uordblks", "fordblks", "keepcost")]

    libc.mallinfo2.restype = _MallInfo2
    return libc.mallinfo2()


def free_bytes() -> int:
    """Free bytes inside glibc's heaps (``mallinfo2().fordblks``, all arenas), or 0."""
    mi = _mallinfo2()
    return 0 if mi is None else int(mi.fordblks)


def heap_bytes() -> int:
    """Bytes glibc's heaps hold from the kernel (``mallinfo2().arena``, all arenas), or 0.
    Under :func:`retain` the heap never shrinks, so these pages have already been handed
    out (and written, for the prover's buffers) once."""
    mi = _mallinfo2()
    return 0 if mi is None else int(mi.arena)


class Prefault:
    """Heap pages being faulted in by a background thread (:func:`prefault_async`);
    :meth:`finish` waits for the thread."""

    def __init__(self, thread):
        self._thread = thread

    def finish(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def prefault_async(nbytes: int) -> Prefault | None:
    """Grow the retained heap to about ``nbytes`` free bytes and fault the new pages in
    on a background thread (``madvise(MADV_POPULATE_WRITE)``, which runs without the GIL),
    so that a process's first proof does not fault in its buffers one page at a time
    on the critical path.  Call it before serial work (the witness and trace building:
    one core is idle then on a 2-core machine) and :meth:`Prefault.finish` after it.

    The missing bytes are allocated as one block and freed at once (the retained heap
    keeps it), then faulted in from the bottom, where the serial work's own allocations
    land first; the rest serves the prover's buffers.

    On by default (``ZKVM_PREFAULT=0`` turns it off); does nothing (``None``) unless
    :func:`retain` is in effect, when the heap already holds ``nbytes`` (a later proof
    of the same size, even with its buffers partly in use), or for less than
    :data:`PREFAULT_MIN` missing bytes.  Measured on
    the 2-vCPU project machine (docs/benchmarks.md, "Session 10"): a process's first 2^20
    proof 9.66-10.11 s without and 8.82-9.16 s with it (quiet host), 14.42-14.83 vs
    13.67-13.95 s with a CPU burner on one core, two concurrent 1-thread proofs 16.1-16.5 vs
    15.6-16.1 s; system time 1.3-1.5 -> 0.9 s (one ``madvise`` per 8 MiB instead of one
    fault per page) and fewer CPU-seconds in total.  (Sessions 4-6 measured no gain, with a
    slower front-end and before the chunked populate.)  Costs memory only up to ``nbytes``
    (capped at an eighth of the machine's memory): callers pass at most what the proof
    will allocate anyway."""
    if not retained() or os.environ.get("ZKVM_PREFAULT", "").strip() == "0":
        return None
    try:  # never more than an eighth of the machine's memory
        nbytes = min(int(nbytes), os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 8)
    except (ValueError, OSError):  # pragma: no cover - no sysconf
        return None
    # pages the heap does not hold yet (free blocks inside it were faulted in by an
    # earlier proof: counting them as missing grew a second 2^20 proof's peak RSS from
    # 2.79 to 3.26 GiB)
    need = nbytes - max(heap_bytes(), free_bytes())
    if need < PREFAULT_MIN:
        return None
    libc = _glibc()
    if libc is None:  # pragma: no cover - retained() implies glibc
        return None
    import ctypes
    import threading

    import numpy as np

    # grow the heap by one block and free it at once (M_MMAP_MAX = 0: from the heap; no
    # trim: it stays there), then fault its pages in behind the allocator's back.  The
    # heap's layout is exactly that of a run without prefault, so later proofs of the
    # process fragment it no more (64 MiB pieces held until faulted in, the first
    # version, had a second 2^20 proof peak at 3.26 GiB instead of 2.79-2.93 GiB)
    buf = np.empty(need, dtype=np.uint8)
    start = (buf.ctypes.data + _PAGE - 1) & ~(_PAGE - 1)
    end = (buf.ctypes.data + buf.nbytes) & ~(_PAGE - 1)
    del buf
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int

    def populate():
        # ctypes drops the GIL for each call; on a kernel without the advice it fails
        # (EINVAL) and the pages are simply faulted in later, as without this.  In
        # chunks, from the bottom (where the allocator serves the trace building first):
        # the call holds the mmap lock, which the main thread's own page faults need.
        # Populating a page the main thread already uses is a no-op (never a write)
        for a in range(start, end, _PREFAULT_CHUNK):
            if madvise(a, min(_PREFAULT_CHUNK, end - a), _MADV_POPULATE_WRITE):
                return

    t = threading.Thread(target=populate, name="zkvm-heap-prefault", daemon=True)
    t.start()
    return Prefault(t)


def release() -> None:
    """Give the heap's free pages back to the kernel now (``malloc_trim(0)``); the policy
    stays in effect.  For a long-lived process that has finished proving."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far in bytes (``ru_maxrss``: KiB on
    Linux, bytes on macOS), 0 where the platform does not report it."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024

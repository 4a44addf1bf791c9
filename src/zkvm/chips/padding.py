"""Length hiding: pad every witness table to a height fixed in advance (``--pad-cycles N``).

Without padding, each table is as tall as the power of two above its row count, and the
heights are public (they are in the proof and seed the transcript): they reveal roughly
how many instructions of each kind the guest executed, how many bytes it read, and how
much memory it touched.  With ``pad_cycles = N`` every witness table gets a height that
depends only on ``N`` and the program, so every execution that *fits* ``N`` gives a
receipt of the same shape.

Fit condition and heights
-------------------------
An execution fits ``N`` when ``cycles + io_bytes ≤ N``, where ``io_bytes`` counts the
bytes moved by ``read`` (private input) and journal writes (one Io row each; each also
takes one EXEC time step).  Then, with ``T = trace_height(N)`` (the power of two ≥ N,
at least 8):

* every instruction chip and ``syscall``: ``T`` (a chip holds at most one row per
  cycle);
* ``io``: ``T`` (one row per byte moved);
* ``memory_boundary``: ``trace_height(32 + image_words + N)`` — one row per key: the 32
  registers, the image words, and at most one new RAM word per cycle or Io byte (a
  load/store/atomic touches one word, an Io row one word, other instructions none);
* any other witness table (the precompile table ``sha256``): ``T``, checked like the
  rest.  Precompile rows (and the RAM words a precompile call touches) are *not*
  bounded by the cycle count — one ``ecall`` is many rows and words — so for guests
  that use precompiles these two bounds are heuristics, and an execution that needs
  more raises :class:`PadCyclesExceeded` naming the table;
* tables with preprocessed columns (``program``, ``bytes``, ``memory_image``,
  ``sha256_round``) already have heights fixed by the program or the machine version
  (``bytes``: 2^16) and are left alone.

Every padding row is all-zero, which is every table's padding convention (``is_real = 0``
and a ``padding_suffix`` constraint where the table has transitions; a zero row makes no
bus interaction); the ``bytes`` multiplicities are computed after padding.

Correctness: padding changes nothing the verifier relies on — it checks whatever traces
it is given; a wrongly padded trace only makes the honest proof fail (completeness), and
tests/chips/test_pad_cycles.py runs the constraint checker on padded traces.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips.adapter import trace_height
from zkvm.chips.buses import EXEC_TS_BITS
from zkvm.chips.tracegen import UnprovableExecution

__all__ = ["PadCyclesExceeded", "pad_targets", "check_fit", "pad_traces"]

#: Keys reserved for the registers in the memory argument (keys 0..31).
NUM_REGISTER_KEYS = 32


class PadCyclesExceeded(UnprovableExecution):
    """The execution does not fit the heights chosen by ``--pad-cycles``."""


def _check_n(pad_cycles) -> int:
    if isinstance(pad_cycles, bool) or not isinstance(pad_cycles, (int, np.integer)):
        raise TypeError("pad_cycles must be an int")
    n = int(pad_cycles)
    if not 1 <= n <= 1 << EXEC_TS_BITS:
        raise ValueError(f"pad_cycles must be in 1..2^{EXEC_TS_BITS} (got {n})")
    return n


def pad_targets(pad_cycles: int, airs, image_words: int,
                pad_to: dict | None = None) -> dict[str, int]:
    """``{table: height}`` for every witness table of ``airs`` (module docstring): every
    table without preprocessed columns; depends only on ``pad_cycles``, the table list,
    the number of memory-image words and ``pad_to``.

    ``pad_to`` (optional) overrides the height of named witness tables (a power of two
    ≥ 8): a tighter bound chosen by the user, e.g. from profiling the guest (an
    execution that needs more rows raises :class:`PadCyclesExceeded`).  Raises
    ``ValueError`` for an unknown or preprocessed table or a bad height."""
    n = _check_n(pad_cycles)
    t = trace_height(n)
    out = {}
    fixed = set()
    for air in airs:
        name = air.name
        if air.preprocessed.width > 0:
            fixed.add(name)
            continue
        if name == "memory_boundary":
            out[name] = trace_height(NUM_REGISTER_KEYS + int(image_words) + n)
        else:
            out[name] = t
    for name, h in (pad_to or {}).items():
        if name in fixed:
            raise ValueError(f"table {name!r} has a fixed (preprocessed) height; it cannot "
                             "be padded")
        if name not in out:
            raise ValueError(f"unknown table {name!r} (tables: {', '.join(sorted(out))})")
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 8 or \
                h & (h - 1) or h > 1 << EXEC_TS_BITS:
            raise ValueError(f"pad height of {name!r} must be a power of two in "
                             f"8..2^{EXEC_TS_BITS} (got {h!r})")
        out[name] = int(h)
    return out


def check_fit(pad_cycles: int, cycles: int, io_bytes: int) -> None:
    """Raise :class:`PadCyclesExceeded` unless ``cycles + io_bytes ≤ pad_cycles``."""
    n = _check_n(pad_cycles)
    if cycles + io_bytes > n:
        raise PadCyclesExceeded(
            f"the execution needs {cycles} cycles + {io_bytes} input/journal bytes = "
            f"{cycles + io_bytes} > --pad-cycles {n}; raise --pad-cycles")


def pad_traces(traces: dict, targets: dict) -> None:
    """Append all-zero rows to ``traces[name]`` (in place in the dict) up to
    ``targets[name]``; :class:`PadCyclesExceeded` if a table is already taller."""
    for name, h in targets.items():
        tr = traces.get(name)
        if tr is None:
            continue
        cur = tr.shape[0]
        if cur > h:
            raise PadCyclesExceeded(f"table {name!r} needs {cur} rows, more than its "
                                    f"padded height {h}; raise --pad-cycles (or that "
                                    "table's --pad-table height)")
        if cur < h:
            pad = np.zeros((h - cur, tr.shape[1]), dtype=tr.dtype)
            traces[name] = np.concatenate([tr, pad], axis=0)

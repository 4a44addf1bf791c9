"""Memory tables: ``MemoryImage`` (preprocessed) and ``MemoryBoundary`` (docs/circuits.md §4).

Offline memory checking: every access receives the previous record ``(key, prev, prev_ts)``
and sends ``(key, new, t)`` with ``prev_ts < t``.  The chain of records of one key must
start with exactly one *initial* record at time 0 and end with exactly one *final*
record; these two tables provide them.

``MemoryImage`` — preprocessed columns ``is_real, key, v[4]``: every non-zero word of the
initial image (ELF segments, the initial stack), the initial registers (only ``sp`` =
x2 is non-zero) and the initial OS cells (break, first mmap address).  Sends ``(key, v, 0)`` with multiplicity ``is_real`` (preprocessed: 1 per
image word, 0 on padding).  The main column ``m`` is constrained equal to ``is_real``
(a table needs a main trace).

``MemoryBoundary`` — one row per key that is touched or in the image, **sorted strictly
increasing by key**:

* ``is_real`` (boolean, padding suffix), ``key``, ``zero_init`` (boolean, 0 on padding);
* sends ``(key, 0, 0, 0, 0, 0)`` with multiplicity ``zero_init`` (fresh memory is zero);
* receives ``(key, final[4], final_ts)`` with multiplicity ``is_real``;
* ``key = key_lo + 2^16·key_hi``, ``U16(key_lo)``, ``key_hi < 2^14``: every key < 2^30;
* on transitions to a real row: ``key' − key − 1 = gap_lo + 2^16·gap_hi``,
  ``U16(gap_lo)``, ``gap_hi < 2^14`` — with both keys < 2^30 this means ``key < key'``
  as integers (otherwise the difference wraps to ≥ p − 2^30 > 2^30);
* ``final_ts = fts_lo + 2^16·fts_hi``, ``U16(fts_lo)``, ``fts_hi`` a byte: < 2^24.

Correctness: keys are unique, so each key is finalised once; then bus balance forces
exactly one initial record per key (the number of chain starts equals the number of
chain ends), so an image word can never be "zero-initialised" instead of its image value,
nor a fresh word initialised twice (checklist 12).  The final-timestamp range check
keeps every timestamp an honest integer < 2^24 (checklist 11).
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import buses
from zkvm.riscv.layout import MMAP_START, OS_KEY_BRK, OS_KEY_MMAP
from zkvm.chips.adapter import trace_height, u32_limbs
from zkvm.stark.air import Air, Columns

SP = 2


def initial_words(program) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, values)`` (sorted uint32 arrays) of every non-zero word of the initial
    state: the initial registers (sp), the OS cells (the initial break and the first
    mmap address, docs/abi.md "OS state") and the RAM words of
    ``program.initial_memory()``."""
    addrs, vals = [], []
    for base, data in program.initial_memory():
        if not data:
            continue
        a = base + np.arange(len(data), dtype=np.int64)
        addrs.append(a)
        vals.append(np.frombuffer(bytes(data), dtype=np.uint8).astype(np.int64))
    if addrs:
        a = np.concatenate(addrs)
        v = np.concatenate(vals)
        nz = v != 0
        a, v = a[nz], v[nz]
        keys, inv = np.unique(a & ~3, return_inverse=True)
        word = np.zeros(len(keys), dtype=np.int64)
        np.add.at(word, inv, v << (8 * (a & 3)))  # distinct bytes never overlap
    else:
        keys = np.zeros(0, dtype=np.int64)
        word = np.zeros(0, dtype=np.int64)
    sp = program.initial_stack().sp
    os_keys = [OS_KEY_BRK, OS_KEY_MMAP]
    os_vals = [program.brk_start, MMAP_START]
    keys = np.concatenate([[SP], os_keys, keys]).astype(np.int64)
    word = np.concatenate([[sp], os_vals, word]).astype(np.int64)
    nz = word != 0
    return keys[nz].astype(np.uint32), word[nz].astype(np.uint32)


IMAGE_PRE = Columns(("is_real", "1 for an image word, 0 on padding"),
                    ("key", "register number or RAM word address"),
                    ("v", 4, "initial value, byte limbs"))


class MemoryImageAir(Air):
    """Preprocessed initial memory (module docstring)."""

    name = "memory_image"
    preprocessed = IMAGE_PRE
    columns = Columns(("m", "equals the preprocessed is_real"))
    max_degree = 3

    def __init__(self, keys=None, values=None, height: int | None = None):
        self.keys = None if keys is None else np.asarray(keys, dtype=np.uint32)
        self.values = None if values is None else np.asarray(values, dtype=np.uint32)
        n = 0 if self.keys is None else len(self.keys)
        self.height = trace_height(n) if height is None else height

    @classmethod
    def from_program(cls, program) -> "MemoryImageAir":
        return cls(*initial_words(program))

    def generate_preprocessed(self) -> np.ndarray:
        t = IMAGE_PRE.new_trace(self.height)
        if self.keys is None:
            return t
        n = len(self.keys)
        v = IMAGE_PRE.view(t)
        v.is_real[:n] = 1
        v.key[:n] = self.keys
        v.v[:n] = u32_limbs(self.values)
        return t

    def eval(self, b):
        p = b.preprocessed_local
        b.assert_eq(b.local.m, p.is_real, "m_is_real")
        b.send(buses.MEMORY, [p.key, *p.v, 0], multiplicity=p.is_real, name="image_init")

    def generate_trace(self) -> np.ndarray:
        t = self.columns.new_trace(self.height)
        if self.keys is not None:
            t[: len(self.keys), 0] = 1
        return t


class MemoryBoundaryAir(Air):
    """Zero-initialisation and finalisation of every touched key (module docstring)."""

    name = "memory_boundary"
    columns = Columns(
        ("is_real", "1 on real rows (a prefix)"),
        ("key", "register number or RAM word address; strictly increasing"),
        ("zero_init", "1 if the key is not in the image (initial record (key, 0, 0))"),
        ("final", 4, "final value, byte limbs"),
        ("final_ts", "timestamp of the last access (0 if never accessed)"),
        ("key_lo", "key mod 2^16"),
        ("key_hi", "key div 2^16 (< 2^14)"),
        ("gap_lo", "(next key - key - 1) mod 2^16"),
        ("gap_hi", "(next key - key - 1) div 2^16 (< 2^14)"),
        ("fts_lo", "final_ts mod 2^16"),
        ("fts_hi", "final_ts div 2^16 (a byte)"),
    )
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        r = loc.is_real
        b.assert_bool(r, "is_real_bool")
        b.when_transition().assert_zero(nxt.is_real * (1 - r), "padding_suffix")
        b.assert_bool(loc.zero_init, "zero_init_bool")
        b.assert_zero(loc.zero_init * (1 - r), "zero_init_real")
        b.assert_eq(loc.key, loc.key_lo + 65536 * loc.key_hi, "key_split")
        buses.range_u16(b, loc.key_lo, r, "key_lo_u16")
        buses.range_bits(b, loc.key_hi, 14, r, "key_hi_14")
        b.assert_eq(loc.final_ts, loc.fts_lo + 65536 * loc.fts_hi, "fts_split")
        buses.range_u16(b, loc.fts_lo, r, "fts_lo_u16")
        buses.range_u8_pair(b, loc.fts_hi, 0, r, "fts_hi_u8")
        step = b.is_transition * nxt.is_real
        b.when(step).assert_zero(nxt.key - loc.key - 1 - loc.gap_lo - 65536 * loc.gap_hi,
                                 "key_increasing")
        buses.range_u16(b, loc.gap_lo, step, "gap_lo_u16")
        buses.range_bits(b, loc.gap_hi, 14, step, "gap_hi_14")
        b.send(buses.MEMORY, [loc.key, 0, 0, 0, 0, 0], multiplicity=loc.zero_init,
               name="zero_init")
        b.receive(buses.MEMORY, [loc.key, *loc.final, loc.final_ts], multiplicity=r,
                  name="final")

    def generate_trace(self, keys, zero_init, final, final_ts) -> np.ndarray:
        """Rows from sorted unique ``keys`` (uint32), ``zero_init`` (bool), ``final``
        values (uint32 words) and ``final_ts`` (uint32)."""
        keys = np.asarray(keys, dtype=np.int64)
        n = len(keys)
        if n and (np.any(np.diff(keys) <= 0) or keys[-1] >= 1 << 30):
            raise ValueError("memory boundary keys must be sorted, unique and < 2^30")
        t = self.columns.new_trace(trace_height(n))
        v = self.columns.view(t)
        v.is_real[:n] = 1
        v.key[:n] = keys
        v.zero_init[:n] = zero_init
        v.final[:n] = u32_limbs(final)
        fts = np.asarray(final_ts, dtype=np.int64)
        v.final_ts[:n] = fts
        v.key_lo[:n] = keys & 0xFFFF
        v.key_hi[:n] = keys >> 16
        v.fts_lo[:n] = fts & 0xFFFF
        v.fts_hi[:n] = fts >> 16
        if n > 1:
            gap = keys[1:] - keys[:-1] - 1
            v.gap_lo[: n - 1] = gap & 0xFFFF
            v.gap_hi[: n - 1] = gap >> 16
        return t


def memory_root(program) -> bytes:
    """Root of the memory tree (:mod:`zkvm.memtree`, docs/continuations.md §2) of the
    initial state of a ``zkvm.riscv`` Program: every non-zero initial RAM word (ELF
    segments, the initial stack), register (``sp``) and OS cell, salt page 0.

    A composite receipt's first segment must start from this root, so the image ID binds
    the memory a continuation starts from (the monolithic machine binds the same words
    through its preprocessed ``memory_image`` table)."""
    from zkvm.memtree import MemTree

    keys, vals = initial_words(program)
    return MemTree.from_words(keys, vals).root_bytes()

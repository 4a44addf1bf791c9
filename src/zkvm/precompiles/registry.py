"""The precompile registry: one row per precompile, plain data (docs/precompiles.md).

A precompile is one folder ``zkvm/precompiles/<folder>/`` plus one :class:`Precompile`
row in :data:`REGISTRY`.  The folder holds

* ``exec.py`` -- the reference semantics the executor runs: ``run(words) -> words``
  on the buffers' 32-bit words (numpy/Python only: the executor never imports the field);
* ``air.py`` -- the tables that prove it: ``airs()`` (in the order of ``tables``) and
  ``traces(airs_by_name, calls, ts, prev_ts)``;
* ``sdk.h`` -- the guest SDK snippet, pasted into the generated
  ``guest/include/zkvm_precompiles.h`` (``python -m zkvm.precompiles.header``);
* ``README.md`` -- what it computes, its arguments and its constraints.

Everything else reads this module: the executor (numbers, buffers, dispatch), the syscall
chip (one flag per row, the EXEC steps it reserves), tracegen (memory accesses), the
machine (tables, real row counts), the continuation cost model (``call_cost``) and the
SDK header (``#define ZKVM_SYS_<C_NAME>``).  Bus ids of the whole machine are allocated
here too (:data:`BUS_IDS`), each exactly once.

This module imports only the standard library: it sits below the executor
(``zkvm.riscv``) in the layer order, and the folders' ``air`` modules are loaded lazily
(:meth:`Precompile.air`), so nothing here reaches the field or the STARK.

Calling convention (docs/abi.md, "Precompiles"): ``a7`` = number in ``0x5A00..0x5AFF``,
the buffers' pointers in ``a0``/``a1`` (4-byte aligned, whole buffer inside guest
memory with the needed permission), ``a0 := 0`` on return.  Every input word is read
before any output word is written, so the buffers may overlap.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, make_dataclass

#: the reserved syscall numbers of the precompiles
PRECOMPILE_RANGE = range(0x5A00, 0x5B00)


@dataclass(frozen=True)
class Buffer:
    """A guest buffer of ``words`` aligned 32-bit words at the address in register
    ``reg`` (10 = a0, 11 = a1); ``write``: read then overwritten with the result."""

    name: str
    reg: int
    words: int
    write: bool = False


@dataclass(frozen=True)
class Precompile:
    """One registry row.

    ``buffers`` are listed in *memory-time order*: a call at EXEC time ``ts`` accesses
    word ``i`` of the buffers' concatenation at memory time ``4(ts + 2) + i`` (the
    syscall row reserves :attr:`steps` EXEC steps after its own two).  ``call_cost``
    bounds the table rows one call adds (the continuation splitter's cost model);
    ``tables`` names the tables ``air.airs()`` returns (part of the chip list and so of
    the image ID); ``buses`` allocates the ids of the buses private to the folder.
    """

    name: str
    folder: str
    number: int
    c_name: str
    buffers: tuple
    call_cost: int
    tables: tuple
    buses: tuple = ()

    @property
    def words(self) -> int:
        return sum(b.words for b in self.buffers)

    @property
    def steps(self) -> int:
        """EXEC steps reserved after the syscall row's own two (4 memory times each)."""
        return -(-self.words // 4)

    def exec(self):
        """The folder's ``exec`` module (reference semantics; no field imports)."""
        return importlib.import_module(f"zkvm.precompiles.{self.folder}.exec")

    def air(self):
        """The folder's ``air`` module (tables and trace generation; chips layer)."""
        return importlib.import_module(f"zkvm.precompiles.{self.folder}.air")

    def calls_fields(self) -> list[str]:
        """Fields of the per-call records: ``cycle, a0, a1``, then per buffer
        ``<name>_ptr`` and its words (``<name>`` if read only, else ``<name>_in`` and
        ``<name>_out``)."""
        out = ["cycle", "a0", "a1"]
        for b in self.buffers:
            out.append(b.name + "_ptr")
        for b in self.buffers:
            out += [b.name + "_in", b.name + "_out"] if b.write else [b.name]
        return out


# ---------------------------------------------------------------------------- the rows
REGISTRY: tuple[Precompile, ...] = (
    Precompile(
        name="sha256_compress", folder="sha256", number=0x5A00, c_name="SHA256_COMPRESS",
        buffers=(Buffer("block", 11, 16), Buffer("state", 10, 8, write=True)),
        call_cost=64, tables=("sha256", "sha256_round"),
        buses=(("sha256_round", 17),),
    ),
    Precompile(
        name="keccak_f1600", folder="keccak", number=0x5A01, c_name="KECCAK_F1600",
        buffers=(Buffer("state", 10, 50, write=True),),
        call_cost=32, tables=("keccak", "keccak_round"),
        buses=(("keccak_round", 18),),
    ),
    Precompile(
        name="uint256_mulmod", folder="uint256", number=0x5A10, c_name="UINT256_MULMOD",
        buffers=(Buffer("ym", 11, 16), Buffer("x", 10, 8, write=True)),
        call_cost=2, tables=("uint256_mulmod",),
    ),
)

#: bus ids of the machine outside the precompile folders (each id once, checked below)
CORE_BUS_IDS = {
    "exec": 1, "program": 2, "memory": 3, "bytes": 4, "io": 5, "journal": 6,
    "precompile": 16, "mem_node": 19, "p2_hash": 21,
}  # fmt: skip

BY_NUMBER = {p.number: p for p in REGISTRY}
BY_NAME = {p.name: p for p in REGISTRY}
BY_FOLDER = {p.folder: p for p in REGISTRY}
BUS_IDS = dict(CORE_BUS_IDS)
for _p in REGISTRY:
    for _bus, _id in _p.buses:
        if _bus in BUS_IDS:
            raise RuntimeError(f"precompile registry: bus name {_bus!r} allocated twice")
        BUS_IDS[_bus] = _id


def _check() -> None:
    ids = list(BUS_IDS.values())
    if len(set(ids)) != len(ids):
        raise RuntimeError("precompile registry: a bus id is allocated twice")
    for attr in ("number", "name", "folder", "c_name"):
        vals = [getattr(p, attr) for p in REGISTRY]
        if len(set(vals)) != len(vals):
            raise RuntimeError(f"precompile registry: duplicate {attr}")
    for p in REGISTRY:
        if p.number not in PRECOMPILE_RANGE:
            raise RuntimeError(f"precompile {p.name}: number outside 0x5A00..0x5AFF")
        if not p.buffers or any(b.reg not in (10, 11) for b in p.buffers):
            raise RuntimeError(f"precompile {p.name}: buffers must sit at a0/a1")
        if not any(b.write for b in p.buffers):
            raise RuntimeError(f"precompile {p.name}: no output buffer")


_check()


def bus_id(name: str) -> int:
    """The id of bus ``name`` (:data:`BUS_IDS`)."""
    return BUS_IDS[name]


_CALLS: dict = {}


def calls_class(p: Precompile):
    """The dataclass of ``p``'s per-call records (:meth:`Precompile.calls_fields`; numpy
    uint32 arrays with one row per call; ``len()`` is the number of calls)."""
    cls = _CALLS.get(p.name)
    if cls is None:
        cls = make_dataclass(
            "".join(w.capitalize() for w in p.folder.split("_")) + "Calls",
            p.calls_fields(), namespace={"__len__": lambda self: len(self.cycle),
                                         "spec": p})
        _CALLS[p.name] = cls
    return cls


__all__ = ["PRECOMPILE_RANGE", "Buffer", "Precompile", "REGISTRY", "BY_NUMBER", "BY_NAME",
           "BY_FOLDER", "BUS_IDS", "CORE_BUS_IDS", "bus_id", "calls_class"]

"""The guest profiler (``zkvm profile``, docs/profiler.md) and the symbol tables behind it.

What it measures: one recorded execution (every executed instruction's pc), attributed to
the functions of the program's symbol table.

* **Symbols** (:class:`Symbols`) come from the unstripped copy ``app.debug`` that
  ``zkvm build`` writes beside ``app.elf`` (or the ELF itself when it has a symbol table,
  or ``--symbols FILE``). The copy is checked against the ELF: its allocated sections
  must be byte-identical, else it is stale and refused. Line info (DWARF) exists for the
  guest's own sources, not for musl.
* **Exclusive cycles** of a function: instructions executed at pcs inside it (exact).
* **Call stacks**: a tracker over the executed control transfers, following the RISC-V
  calling convention: ``jal``/``jalr`` with ``rd = ra`` (or ``t0``) is a call (push the
  callee, remember the return address ``pc + 4``); ``jalr x0, 0(ra)`` (``ret``) pops
  to the frame whose return address is the target (so ``longjmp``-like unwinding and
  missed frames resynchronise); a ``jal``/``jalr`` with ``rd = x0`` that lands on a
  function's first instruction is a tail call (replaces the top frame). The leaf of a
  stack is always the function of the pc, so stacks never hide where a cycle was spent.
* **Inclusive cycles** of a function: cycles whose stack contains it (once per cycle,
  even under recursion). ``main``'s inclusive count is nearly the whole run.
* **Collapsed stacks** (``stacks.folded``: ``_start;__libc_start_main;main;parse 1234``)
  for any flame-graph tool, and an SVG flame graph drawn with ``drawsvg``.
* **Proving cost** per function: each executed instruction becomes one row of its
  instruction chip (``zkvm.chips.opcodes`` maps the opcode to the chip); a row costs the
  chip's committed cells (main columns + LogUp auxiliary columns, 4 base columns per
  extension column). A function's cost is the sum over the instructions it ran
  (exclusive) -- ``cycles x per-table cost``. It ignores padding to powers of two, the
  fixed tables and the precompile tables (precompile calls are counted separately), so
  it is for comparing functions, not a prediction of proving time.

Memory: recording costs 36 bytes per cycle (plus ~16 bytes per cycle of analysis), so
profile runs of up to ~10^8 cycles on a machine with a few GiB free.
"""

from __future__ import annotations

import bisect
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

UNKNOWN = "[unknown]"


class SymbolsError(ValueError):
    """A symbol file cannot be used (unreadable, not an ELF, or not the same program)."""


# ---------------------------------------------------------------------------- symbols
@dataclass
class Symbols:
    """Function ranges and a line table of one program.

    ``starts``/``ends``/``names``: the functions, sorted by start (aliases at the same
    address collapse to one name: global before weak before local, then the name with
    fewer leading underscores). ``lines``: sorted ``(address, file, line)`` rows of the
    DWARF line programs (``file`` None marks the end of a sequence)."""

    starts: list
    ends: list
    names: list
    lines: list = field(default_factory=list)
    source: str = ""

    @classmethod
    def from_elf(cls, data: bytes, source: str = "") -> "Symbols":
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile
        from elftools.elf.sections import SymbolTableSection

        try:
            f = ELFFile(io.BytesIO(bytes(data)))
            rank = {"STB_GLOBAL": 0, "STB_WEAK": 1, "STB_LOCAL": 2}
            best: dict[int, tuple] = {}
            sizes: dict[int, int] = {}
            for sec in f.iter_sections():
                if not isinstance(sec, SymbolTableSection):
                    continue
                for sym in sec.iter_symbols():
                    if sym["st_info"]["type"] != "STT_FUNC" or not sym.name or sym["st_shndx"] == "SHN_UNDEF":
                        continue
                    addr = int(sym["st_value"]) & ~1
                    key = (rank.get(sym["st_info"]["bind"], 3), len(sym.name) - len(sym.name.lstrip("_")),
                           sym.name)
                    if addr not in best or key < best[addr]:
                        best[addr] = key
                    sizes[addr] = max(sizes.get(addr, 0), int(sym["st_size"]))
            starts = sorted(best)
            ends = []
            for i, a in enumerate(starts):
                nxt = starts[i + 1] if i + 1 < len(starts) else None
                end = a + sizes[a] if sizes[a] else (nxt if nxt is not None else a + 4)
                if nxt is not None:
                    end = min(end, nxt)
                ends.append(end)
            lines = _line_table(f) if f.has_dwarf_info() else []
        except (ELFError, ValueError, KeyError, OSError, EOFError, AttributeError, IndexError, TypeError) as e:
            raise SymbolsError(f"cannot read symbols{' from ' + source if source else ''}: {e}") from None
        return cls(starts, ends, [best[a][2] for a in starts], lines, source)

    def __post_init__(self):
        self._line_addrs = [row[0] for row in self.lines]

    def __len__(self) -> int:
        return len(self.starts)

    def index(self, pc: int) -> int | None:
        """Index of the function containing ``pc`` (None if none)."""
        i = bisect.bisect_right(self.starts, pc) - 1
        if i >= 0 and pc < self.ends[i]:
            return i
        return None

    def function(self, pc: int) -> tuple[str, int] | None:
        """``(name, offset of pc in it)`` or None."""
        i = self.index(pc)
        return None if i is None else (self.names[i], pc - self.starts[i])

    def line(self, pc: int) -> tuple[str, int] | None:
        """``(file, line)`` of ``pc`` from the DWARF line table, or None."""
        if not self.lines:
            return None
        i = bisect.bisect_right(self._line_addrs, pc) - 1
        # Line 0 marks compiler-made code (DWARF); report the closest earlier line of the
        # same sequence instead, as a debugger's "near" would.
        for k in range(i, max(i - 64, -1), -1):
            addr, fname, ln = self.lines[k]
            if fname is None:
                return None
            if ln > 0:
                return fname, ln
        return None

    def describe(self, pc: int) -> str | None:
        """``"parse_row+0x1c (main.c:42)"``, ``"memcpy+0x8"`` or None."""
        fn = self.function(pc)
        if fn is None:
            return None
        text = f"{fn[0]}+0x{fn[1]:x}"
        ln = self.line(pc)
        if ln is not None:
            text += f" ({ln[0]}:{ln[1]})"
        return text

    def vectorised_index(self, pcs: np.ndarray) -> np.ndarray:
        """Function index of every pc (``len(self)`` for pcs outside every function)."""
        starts = np.asarray(self.starts, dtype=np.int64)
        ends = np.asarray(self.ends, dtype=np.int64)
        idx = np.searchsorted(starts, pcs.astype(np.int64), side="right") - 1
        ok = idx >= 0
        ok[ok] &= pcs[ok].astype(np.int64) < ends[idx[ok]]
        return np.where(ok, idx, len(self.starts))


def _line_table(f) -> list:
    rows = []
    dw = f.get_dwarf_info()
    for cu in dw.iter_CUs():
        lp = dw.line_program_for_CU(cu)
        if lp is None:
            continue
        ver = lp.header["version"]
        files = lp.header["file_entry"]
        for entry in lp.get_entries():
            st = entry.state
            if st is None:
                continue
            if st.end_sequence:
                rows.append((st.address, None, 0))
                continue
            idx = st.file - 1 if ver < 5 else st.file
            name = "?"
            if 0 <= idx < len(files):
                raw = files[idx].name
                name = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            rows.append((st.address, os.path.basename(name), int(st.line)))
    rows.sort(key=lambda r: (r[0], r[1] is not None, r[2]))
    return rows


def _alloc_sections(data: bytes) -> list:
    from elftools.elf.elffile import ELFFile

    f = ELFFile(io.BytesIO(bytes(data)))
    out = []
    for sec in f.iter_sections():
        if sec["sh_flags"] & 2:  # SHF_ALLOC
            body = b"" if sec["sh_type"] == "SHT_NOBITS" else sec.data()
            out.append((sec.name, sec["sh_addr"], sec["sh_size"], body))
    return out


def same_program(elf: bytes, other: bytes) -> bool:
    """True if ``other`` (e.g. a debug copy) has exactly ``elf``'s allocated sections
    (names, addresses, sizes and bytes): then its symbols describe ``elf``'s code."""
    try:
        return _alloc_sections(elf) == _alloc_sections(other)
    except Exception:  # noqa: BLE001 -- unreadable: not the same program
        return False


def has_symtab(data: bytes) -> bool:
    from elftools.elf.elffile import ELFFile

    try:
        return ELFFile(io.BytesIO(bytes(data))).get_section_by_name(".symtab") is not None
    except Exception:  # noqa: BLE001
        return False


def find_symbols(elf_bytes: bytes, elf_path=None, explicit=None) -> tuple[Symbols | None, str]:
    """Symbols for a program and where they came from: ``(Symbols or None, note)``.

    Order: ``explicit`` (a file), the manifest's ``debug`` entry, ``app.debug`` beside
    ``elf_path``, the ELF itself if it has a symbol table. A symbol file that is not the
    same program (:func:`same_program`) is refused: ``explicit`` raises
    :class:`SymbolsError`, the others are skipped with the reason in the note."""
    notes = []
    cands = []
    if explicit is not None:
        try:
            data = Path(explicit).read_bytes()
        except OSError as e:
            raise SymbolsError(f"cannot read symbol file {explicit}: {e.strerror or e}") from None
        if not same_program(elf_bytes, data):
            raise SymbolsError(f"symbol file {explicit} is not the same program as the ELF "
                               "(its allocated sections differ)")
        return Symbols.from_elf(data, str(explicit)), f"symbols from {explicit}"
    if elf_path is not None:
        from .manifest import debug_path_for, manifest_path_for

        p = Path(elf_path)
        mp = manifest_path_for(p)
        if mp.is_file():
            try:
                import json

                m = json.loads(mp.read_text(encoding="utf-8"))
                dbg = m.get("debug") if isinstance(m, dict) else None
                if isinstance(dbg, dict) and isinstance(dbg.get("file"), str) and "/" not in dbg["file"]:
                    cands.append(p.with_name(dbg["file"]))
            except (OSError, ValueError):
                pass
        cands.append(debug_path_for(p))
    for c in dict.fromkeys(cands):
        if not c.is_file():
            continue
        data = c.read_bytes()
        if same_program(elf_bytes, data):
            return Symbols.from_elf(data, str(c)), f"symbols from {c}"
        notes.append(f"{c} is stale (not the same program as the ELF); ignored")
    if has_symtab(elf_bytes):
        return Symbols.from_elf(elf_bytes, "the ELF"), "symbols from the ELF itself"
    notes.append("no symbols: the ELF is stripped and has no debug copy (rebuild with `zkvm build`, "
                 "which writes app.debug beside app.elf, or give --symbols FILE)")
    return None, "; ".join(notes)


def symbols_for(elf_path) -> Symbols | None:
    """Symbols for the ELF file ``elf_path`` if any can be found (never raises)."""
    try:
        data = Path(elf_path).read_bytes()
        return find_symbols(data, elf_path)[0]
    except Exception:  # noqa: BLE001 -- diagnostics must not fail
        return None


# ---------------------------------------------------------------------------- call stacks
_JAL, _JALR = 0x6F, 0x67
_LINK = (1, 5)  # ra, t0


def control_events(insn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks ``(call, ret, jump_x0)`` over the executed instruction words:
    ``call`` = jal/jalr with rd in {ra, t0}; ``ret`` = jalr with rd = x0 and rs1 in
    {ra, t0}; ``jump_x0`` = other jal/jalr with rd = x0 (tail-call candidates)."""
    op = insn & 0x7F
    rd = (insn >> 7) & 0x1F
    rs1 = (insn >> 15) & 0x1F
    jump = (op == _JAL) | (op == _JALR)
    call = jump & ((rd == 1) | (rd == 5))
    ret = (op == _JALR) & (rd == 0) & ((rs1 == 1) | (rs1 == 5))
    jx0 = jump & (rd == 0) & ~ret
    return call, ret, jx0


def transfers(pc: np.ndarray, next_pc: np.ndarray, insn: np.ndarray, fid: np.ndarray,
              starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks ``(call, ret, tail)`` over the executed instructions (:func:`control_events`;
    a rd = x0 jump is a tail call when it lands on the first instruction of a function
    other than the current one)."""
    call, ret, jx0 = control_events(insn)
    if len(starts):
        nxt = next_pc.astype(np.int64)
        tgt_f = np.searchsorted(starts, nxt, side="right") - 1
        at_start = (tgt_f >= 0) & (starts[np.maximum(tgt_f, 0)] == nxt)
        tail = jx0 & at_start & (np.maximum(tgt_f, 0) != fid)
    else:
        tail = np.zeros(len(pc), dtype=bool)
    return call, ret, tail


def stack_ids(pc: np.ndarray, next_pc: np.ndarray, insn: np.ndarray, fid: np.ndarray, starts: np.ndarray,
              nfunc: int) -> tuple[np.ndarray, list]:
    """Per-cycle stack id and the interned stacks (tuples of function indices, outermost
    first; the leaf of a cycle is its pc's own function, appended when it differs from
    the top frame). Python iterates only over control transfers; the per-cycle ids are
    filled with ``np.repeat``."""
    n = len(pc)
    call, ret, tail = transfers(pc, next_pc, insn, fid, starts)
    ev = np.flatnonzero(call | ret | tail)
    fid_next = np.empty(n, dtype=np.int64)
    if n:
        fid_next[:-1] = fid[1:]
        fid_next[-1] = fid[-1]
    intern: dict[tuple, int] = {}
    stacks: list[tuple] = []

    def sid(frames) -> int:
        t = tuple(f for f, _ in frames)
        i = intern.get(t)
        if i is None:
            i = intern[t] = len(stacks)
            stacks.append(t)
        return i

    # frames: (function, return address); the bottom frame is the entry function.
    frames = [(int(fid[0]) if n else nfunc, -1)]
    ids = []
    bounds = []
    cur = sid(frames)
    last = 0
    for i in ev.tolist():
        bounds.append(i + 1 - last)
        ids.append(cur)
        last = i + 1
        if call[i]:
            frames.append((int(fid_next[i]), int(pc[i]) + 4))
        elif ret[i]:
            target = int(next_pc[i])
            for k in range(len(frames) - 1, 0, -1):
                if frames[k][1] == target:
                    del frames[k:]
                    break
            else:
                if len(frames) > 1:
                    frames.pop()
        else:  # tail call
            frames[-1] = (int(fid_next[i]), frames[-1][1])
        cur = sid(frames)
    bounds.append(n - last)
    ids.append(cur)
    per_cycle = np.repeat(np.asarray(ids, dtype=np.int64), np.asarray(bounds, dtype=np.int64))
    return per_cycle, stacks


# ---------------------------------------------------------------------------- costs
_CHIP_CELLS: dict = {}


def chip_cells_per_row() -> dict[str, int]:
    """``{chip: committed cells per row}`` of every instruction chip: main columns plus
    the LogUp auxiliary columns (4 base columns per extension column)."""
    if not _CHIP_CELLS:
        from .machine import available_chips
        from .stark.logup import build_layout

        for name, cls in available_chips().items():
            air = cls()
            layout = build_layout(air.name, air.compile(), air.max_degree, ())
            _CHIP_CELLS[name] = int(air.columns.width + layout.aux_width)
        try:
            from .chips.syscall import SyscallAir

            air = SyscallAir()
            _CHIP_CELLS.setdefault("syscall", int(air.columns.width + build_layout(
                air.name, air.compile(), air.max_degree, ()).aux_width))
        except Exception:  # noqa: BLE001 -- the syscall table may change shape; cost 0
            pass
    return dict(_CHIP_CELLS)


def instruction_chips(program, pcs: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``(chip index per executed instruction, chip names)`` from the opcode table."""
    from .chips import opcodes as opc
    from .riscv import fast

    code, base = fast.predecode(program)
    names = ["", *opc.INSTRUCTION_CHIPS]
    chip_idx = {c: i for i, c in enumerate(names)}
    op_to_chip = np.array([chip_idx.get(c, 0) for c in opc.chip_of_id()], dtype=np.int64)
    isa_map = opc.isa_op_map()
    widx = (pcs.astype(np.int64) - base) >> 2
    ok = (widx >= 0) & (widx < len(code))
    ops = np.where(ok, code[np.clip(widx, 0, max(len(code) - 1, 0)), fast.C_OP], len(isa_map) - 1)
    return op_to_chip[isa_map[ops]], names


# ---------------------------------------------------------------------------- profile
@dataclass
class FunctionStats:
    name: str
    exclusive: int
    inclusive: int
    cost: int  # committed cells of the instructions it ran (exclusive)
    calls: int  # times it was entered by a call (or tail call)
    precompile_calls: int = 0


@dataclass
class Profile:
    """The result of :func:`profile`. ``functions`` sorted by exclusive cycles (desc);
    ``folded``: collapsed-stack lines ``"a;b;c count"``; ``cycles`` = the run's cycles
    (every cycle is attributed exactly once: ``sum(exclusive) == cycles``)."""

    cycles: int
    exit_code: int
    functions: list
    folded: list
    chip_rows: dict
    chip_cells: dict
    symbols_note: str
    stdout: bytes = b""
    stderr: bytes = b""
    journal: bytes = b""

    @property
    def total_cost(self) -> int:
        return sum(f.cost for f in self.functions)

    def function(self, name: str) -> FunctionStats | None:
        return next((f for f in self.functions if f.name == name), None)

    def table(self, limit: int | None = 30) -> str:
        """The text report: one row per function (exclusive, inclusive, cost shares)."""
        tot_c = max(self.cycles, 1)
        tot_cost = max(self.total_cost, 1)
        rows = self.functions if limit is None else self.functions[:limit]
        w = max([len("function")] + [len(f.name) for f in rows])
        out = [f"{'function':<{w}}  {'exclusive':>12} {'%':>6}  {'inclusive':>12} {'%':>6}  "
               f"{'calls':>8}  {'proving cells':>14} {'%':>6}"]
        for f in rows:
            out.append(f"{f.name:<{w}}  {f.exclusive:>12,} {100 * f.exclusive / tot_c:>5.1f}%  "
                       f"{f.inclusive:>12,} {100 * f.inclusive / tot_c:>5.1f}%  {f.calls:>8,}  "
                       f"{f.cost:>14,} {100 * f.cost / tot_cost:>5.1f}%")
        if limit is not None and len(self.functions) > limit:
            out.append(f"... {len(self.functions) - limit} more functions (profile.txt has all)")
        return "\n".join(out)

    def write(self, out_dir, title: str = "zkvm profile") -> dict:
        """Write ``profile.txt`` (all functions), ``stacks.folded`` and
        ``flamegraph.svg`` into ``out_dir``; returns ``{kind: path}``."""
        d = Path(out_dir)
        d.mkdir(parents=True, exist_ok=True)
        paths = {"report": d / "profile.txt", "folded": d / "stacks.folded", "svg": d / "flamegraph.svg"}
        chips = ", ".join(f"{c} {r:,} rows x {self.chip_cells.get(c, 0)} cells"
                          for c, r in sorted(self.chip_rows.items(), key=lambda kv: -kv[1]))
        paths["report"].write_text(
            f"cycles {self.cycles:,}   exit code {self.exit_code}   {self.symbols_note}\n"
            f"instruction chips: {chips}\n\n{self.table(None)}\n", encoding="utf-8")
        paths["folded"].write_text("".join(line + "\n" for line in self.folded), encoding="utf-8")
        paths["svg"].write_text(flamegraph_svg(self.folded, title=f"{title} ({self.cycles:,} cycles)"),
                                encoding="utf-8")
        return paths


def profile(elf, input: bytes = b"", *, symbols=None, max_cycles: int | None = None,
            cost_params: str = "default") -> Profile:
    """Run the guest with recording and build a :class:`Profile` (module docstring).

    ``elf``: a path (symbols are looked up beside it) or ELF bytes; ``symbols``: an
    explicit symbol file. Raises what :func:`zkvm.api.run` raises (``ElfError``,
    ``GuestError``) and :class:`SymbolsError` for a bad explicit symbol file."""
    from .riscv import DEFAULT_MAX_CYCLES, execute, load_elf

    path = None
    if isinstance(elf, (bytes, bytearray, memoryview)):
        data = bytes(elf)
    else:
        path = Path(elf)
        data = path.read_bytes()
    program = load_elf(data)
    syms, note = find_symbols(data, path, symbols)
    result = execute(program, input=bytes(input), max_cycles=max_cycles or DEFAULT_MAX_CYCLES, record=True)
    ev = result.events
    pc = np.asarray(ev.pc, dtype=np.int64)
    next_pc = np.asarray(ev.next_pc, dtype=np.int64)
    insn = np.asarray(ev.insn, dtype=np.int64)
    if syms is None:
        syms = Symbols([], [], [])
    nf = len(syms)
    names = list(syms.names) + [UNKNOWN]
    fid = syms.vectorised_index(pc)
    starts = np.asarray(syms.starts, dtype=np.int64)
    per_cycle, stacks = stack_ids(pc, next_pc, insn, fid, starts, nf)
    # exclusive cycles, cost, entries
    exclusive = np.bincount(fid, minlength=nf + 1)
    chip_of, chip_names = instruction_chips(program, pc)
    cells = chip_cells_per_row()
    cell_of_chip = np.array([cells.get(c, 0) for c in chip_names], dtype=np.int64)
    cost = np.bincount(fid, weights=cell_of_chip[chip_of], minlength=nf + 1).astype(np.int64)
    chip_rows = {chip_names[i]: int(c) for i, c in enumerate(np.bincount(chip_of, minlength=len(chip_names)))
                 if c and chip_names[i]}
    call, _ret, tail = transfers(pc, next_pc, insn, fid, starts)
    entered = np.zeros(nf + 1, dtype=np.int64)
    if len(pc) > 1:
        entered = np.bincount(fid[1:][(call | tail)[:-1]], minlength=nf + 1)
    pre_calls = np.zeros(nf + 1, dtype=np.int64)
    ecall_rows = np.flatnonzero(insn == 0x73)
    if len(ecall_rows) and result.precompile_calls:
        from .riscv.precompiles import PRECOMPILE_RANGE

        # a7 of each ecall is in the event's rs1_val column (the executor records it there)
        a7 = np.asarray(ev.rs1_val, dtype=np.int64)[ecall_rows]
        sel = ecall_rows[(a7 >= PRECOMPILE_RANGE.start) & (a7 < PRECOMPILE_RANGE.stop)]
        pre_calls = np.bincount(fid[sel], minlength=nf + 1)
    # stacks: unique (stack, leaf) pairs
    key = per_cycle * (nf + 1) + fid
    uniq, counts = np.unique(key, return_counts=True)
    inclusive = np.zeros(nf + 1, dtype=np.int64)
    folded = []
    for k, c in zip(uniq.tolist(), counts.tolist()):
        st, leaf = divmod(k, nf + 1)
        frames = list(stacks[st])
        if not frames or frames[-1] != leaf:
            frames.append(leaf)
        for f in set(frames):
            inclusive[f] += c
        folded.append(";".join(names[f] for f in frames) + f" {c}")
    folded.sort()
    funcs = [FunctionStats(names[i], int(exclusive[i]), int(inclusive[i]), int(cost[i]), int(entered[i]),
                           int(pre_calls[i]))
             for i in range(nf + 1) if exclusive[i] or inclusive[i]]
    funcs.sort(key=lambda f: (-f.exclusive, -f.inclusive, f.name))
    return Profile(int(result.cycles), int(result.exit_code), funcs, folded, chip_rows,
                   {c: cells.get(c, 0) for c in chip_rows}, note, bytes(result.stdout),
                   bytes(result.stderr), bytes(result.journal))


# ---------------------------------------------------------------------------- flame graph
def _color(name: str) -> str:
    import hashlib

    h = hashlib.sha256(name.encode()).digest()
    r = 205 + h[0] % 50
    g = 80 + h[1] % 130
    b = h[2] % 60
    return f"rgb({r},{g},{b})"


def flamegraph_svg(folded: list, title: str = "zkvm profile", width: int = 1200, row_h: int = 17,
                   font_size: int = 11) -> str:
    """An SVG flame graph of collapsed stacks (``"a;b;c count"`` lines), drawn with the
    ``drawsvg`` library: one box per (stack prefix, function), width proportional to
    its cycles, callers below callees, a tooltip (``<title>``) on every box with the
    function, its cycles and its share."""
    import drawsvg as draw

    root: dict = {"n": 0, "c": {}}
    for line in folded:
        stack, _, cnt = line.rpartition(" ")
        n = int(cnt)
        root["n"] += n
        node = root
        for fr in stack.split(";"):
            node = node["c"].setdefault(fr, {"n": 0, "c": {}})
            node["n"] += n

    def depth(node) -> int:
        return 1 + max((depth(ch) for ch in node["c"].values()), default=0)

    levels = depth(root)
    pad_top, pad = 34, 10
    height = pad_top + levels * row_h + pad
    d = draw.Drawing(width, height)
    d.append(draw.Rectangle(0, 0, width, height, fill="rgb(248,248,248)"))
    d.append(draw.Text(title, 16, width / 2, 22, text_anchor="middle", font_family="Verdana, sans-serif"))
    total = max(root["n"], 1)
    scale = (width - 2 * pad) / total
    char_w = font_size * 0.6

    def box(name: str, n: int, x: float, level: int) -> None:
        w = n * scale
        if w < 0.3:
            return
        y = height - pad - (level + 1) * row_h
        g = draw.Group()
        g.append_title(f"{name} ({n:,} cycles, {100 * n / total:.2f}%)")
        g.append(draw.Rectangle(x, y, max(w - 0.5, 0.1), row_h - 1, rx=2, ry=2,
                                fill="rgb(230,230,230)" if level == 0 else _color(name)))
        fit = int((w - 6) / char_w)
        if fit >= 3:
            label = name if len(name) <= fit else name[:fit - 2] + ".."
            g.append(draw.Text(label, font_size, x + 3, y + row_h - 5, font_family="Verdana, sans-serif"))
        d.append(g)

    box("all", root["n"], pad, 0)

    def walk(node, x: float, level: int) -> None:
        for name in sorted(node["c"]):
            ch = node["c"][name]
            box(name, ch["n"], x, level)
            walk(ch, x, level + 1)
            x += ch["n"] * scale

    walk(root, pad, 1)
    return d.as_svg()


__all__ = ["FunctionStats", "Profile", "Symbols", "SymbolsError", "chip_cells_per_row", "find_symbols",
           "flamegraph_svg", "profile", "same_program", "stack_ids", "symbols_for"]

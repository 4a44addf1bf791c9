"""The adapter shared by every instruction chip (docs/circuits.md §5).

An instruction chip's columns are ``adapter_columns(ops) + core columns``::

    from zkvm.chips import adapter as ad
    from zkvm.stark.air import Air, Columns

    class AddSubAir(Air):
        name = "addsub"
        OPS = ("add", "sub", "addi")
        columns = Columns(*ad.adapter_columns(OPS), ("carry", 4, "…"))

        def eval(self, b):
            a = ad.eval_adapter(b, self.OPS)             # EXEC, PROGRAM, MEMORY, rd bytes
            loc = b.local
            ... constrain loc.rd_val from loc.rs1_val / loc.rs2_val / loc.imm ...

        def generate_trace(self, rows: ad.ExecRows):
            t, v = ad.new_trace(self.columns, rows.n)
            ad.fill_adapter(self.columns, t, rows, self.OPS)
            ... fill core columns for rows 0..n-1 (vectorised) ...
            return t

Adapter columns (all zero on padding rows):

* ``is_real`` — 1 on the rows of executed instructions (a prefix), 0 on padding;
* ``pc, ts, jpos`` — the EXEC state received (instruction address, instruction time,
  journal position);
* ``f_<op>`` — one boolean flag per instruction of the chip (``.`` in a name becomes
  ``_``: ``f_lr_w``); exactly one is set on a real row, none on padding;
* ``rd, rs1, rs2`` — register numbers, ``imm[4]`` — the immediate's two's-complement
  bytes, ``imm_f`` — the sign-extended immediate as a field element, ``rd_nz`` —
  ``rd ≠ 0``: all from the PROGRAM lookup (never free, checklist 3);
* ``rs1_val[4], rs2_val[4]`` — register values read (bytes: they were range-checked by
  whoever wrote them), ``rd_val[4]`` — the value written to rd (range-checked here as
  bytes unless the chip opts out), ``rd_prev[4]`` — rd's previous value (witness);
* ``rs1_prev_ts, rs1_lo, rs1_hi`` (same for ``rs2_``, ``rd_``) — the previous timestamp
  of each access and the limbs of ``t − prev_ts − 1``.

A chip may leave out the operand columns (``adapter_columns(ops, operands=False)``,
``eval_adapter(..., fixed_operands=(rd, rs1, rs2, imm))``: one instruction whose decoder
operands are fixed, ``ecall``) and the rd-slot columns (``rd_slot=False`` with
``write_rd=False, range_check_rd=False``): every FRI query opens a whole row, so unused
columns cost receipt bytes.

Constraints and interactions of :func:`eval_adapter`:

* ``is_real`` boolean, padding rows a suffix; each flag boolean; ``Σ flags = is_real``;
* EXEC: receive ``(pc, ts, jpos)`` (mult ``is_real``), send
  ``(next_pc, ts + ts_step, next_jpos)`` (mult ``exec_send_mult``, default ``is_real``);
* PROGRAM: send ``(pc, Σ flag_k·id_k, rd, rs1, rs2, imm0..3, imm_f, rd_nz)`` (mult ``is_real``);
* MEMORY: read ``rs1`` at ``4ts``, read ``rs2`` at ``4ts+1``, write ``rd`` at ``4ts+3``
  (mult ``is_real·rd_nz``: x0 is never written, checklist 6);
* BYTES: ``rd_val`` limbs are bytes (mult ``is_real``), plus the timestamp limb checks.

Correctness (design change, see docs/circuits.md §5): the flags must sum to *exactly*
``is_real`` (not ``≤``): otherwise a real row with no flag set would send opcode 0 and
could "execute" an undecodable word of the program table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields as dc_fields

import numpy as np

from zkvm.chips import buses
from zkvm.chips.opcodes import OPCODES
from zkvm.field.babybear import P

MIN_HEIGHT = 8


def flag_name(op: str) -> str:
    """Column name of the flag of instruction ``op`` (``"lr.w"`` → ``"f_lr_w"``)."""
    return "f_" + op.replace(".", "_")


#: the operand columns that a chip with fixed operands (``fixed_operands``) leaves out
OPERAND_COLUMNS = ("rd", "rs1", "rs2", "imm", "imm_f", "rd_nz")
#: the rd-slot columns that a chip without the rd write (``write_rd=False``) leaves out
RD_COLUMNS = ("rd_val", "rd_prev", "rd_prev_ts", "rd_lo", "rd_hi")


def adapter_columns(ops, operands: bool = True, rd_slot: bool = True) -> list[tuple]:
    """Column specs (for :class:`zkvm.stark.air.Columns`) of the adapter of a chip that
    executes the instructions ``ops`` (names from :mod:`zkvm.chips.opcodes`).

    ``operands=False``: no :data:`OPERAND_COLUMNS` (the chip's only instruction has
    operands fixed by the decoder; :func:`eval_adapter` then needs ``fixed_operands``).
    ``rd_slot=False``: no :data:`RD_COLUMNS` (the chip never writes rd through the
    adapter: ``write_rd=False, range_check_rd=False``)."""
    for op in ops:
        if op not in OPCODES:
            raise ValueError(f"adapter_columns: unknown instruction {op!r}")
    cols = [
        ("is_real", "1 on executed-instruction rows (a prefix), 0 on padding"),
        ("pc", "instruction address (EXEC state)"),
        ("ts", "instruction time (EXEC state), memory times are 4ts+slot"),
        ("jpos", "journal position (EXEC state)"),
        *[(flag_name(op), f"1 iff this row executes {op}") for op in ops],
        ("rd", "destination register number (PROGRAM)"),
        ("rs1", "first source register number (PROGRAM)"),
        ("rs2", "second source register number (PROGRAM)"),
        ("imm", 4, "immediate, two's-complement bytes little endian (PROGRAM)"),
        ("imm_f", "sign-extended immediate as a field element (PROGRAM)"),
        ("rd_nz", "rd != 0 (PROGRAM)"),
        ("rs1_val", 4, "value of rs1 (bytes)"),
        ("rs2_val", 4, "value of rs2 (bytes)"),
        ("rd_val", 4, "value written to rd (bytes, range-checked)"),
        ("rd_prev", 4, "previous value of rd (witness)"),
        ("rs1_prev_ts", "timestamp of the previous access to rs1"),
        ("rs1_lo", "low 16 bits of 4ts - rs1_prev_ts - 1"),
        ("rs1_hi", "high byte of 4ts - rs1_prev_ts - 1"),
        ("rs2_prev_ts", "timestamp of the previous access to rs2"),
        ("rs2_lo", "low 16 bits of 4ts+1 - rs2_prev_ts - 1"),
        ("rs2_hi", "high byte of 4ts+1 - rs2_prev_ts - 1"),
        ("rd_prev_ts", "timestamp of the previous access to rd"),
        ("rd_lo", "low 16 bits of 4ts+3 - rd_prev_ts - 1"),
        ("rd_hi", "high byte of 4ts+3 - rd_prev_ts - 1"),
    ]
    drop = (() if operands else OPERAND_COLUMNS) + (() if rd_slot else RD_COLUMNS)
    return [c for c in cols if c[0] not in drop]


def word(limbs):
    """``x0 + 2^8 x1 + 2^16 x2 + 2^24 x3`` of 4 limb expressions (only meaningful as an
    integer when the top limb is small, docs/circuits.md §2)."""
    return limbs[0] + 256 * limbs[1] + 65536 * limbs[2] + 16777216 * limbs[3]


@dataclass
class AdapterExprs:
    """What :func:`eval_adapter` returns: handy expressions for the core."""

    is_real: object
    flags: dict          # op name -> flag Expr
    opcode: object       # Σ flag_k · id_k
    ts: object
    pc: object


def eval_adapter(b, ops, next_pc=None, ts_step=1, exec_send_mult=None, next_jpos=None,
                 range_check_rd: bool = True, write_rd: bool = True,
                 fixed_operands=None) -> AdapterExprs:
    """Add the adapter's constraints and interactions (module docstring) to builder ``b``.

    Args:
        ops: the instruction names of the chip (same order as in :func:`adapter_columns`).
        next_pc: Expr of the next pc (default ``pc + 4``). Must have degree ≤ 2.
        ts_step: how far the EXEC time advances (default 1; Expr or int).
        exec_send_mult: multiplicity of the EXEC send (default ``is_real``; the exit
            syscall sends nothing). Must be ``is_real`` × booleans.
        next_jpos: journal position after the instruction (default unchanged).
        range_check_rd: range-check ``rd_val`` limbs as bytes (set False only when the
            core proves them bytes by construction, and say so in the chip docstring).
        write_rd: False for a chip that does not write rd through the adapter slot.
        fixed_operands: ``(rd, rs1, rs2, imm)`` ints for a chip of one instruction whose
            every program row has these operands (``ecall``: the decoder's ``(0, 17, 10,
            0)``) and whose columns leave out :data:`OPERAND_COLUMNS`: the PROGRAM
            message and the register keys use the constants.  Correctness: the message
            still names ``(pc, opcode)``, and a program row with that opcode has exactly
            these operands, so nothing a column could hold is lost.

    Interaction/constraint names start with ``adapter.``.
    """
    loc, nxt = b.local, b.next
    is_real = loc.is_real
    b.assert_bool(is_real, "adapter.is_real_bool")
    b.when_transition().assert_zero(nxt.is_real * (1 - is_real), "adapter.padding_suffix")
    flags = {}
    opcode = 0
    fsum = 0
    for op in ops:
        f = getattr(loc, flag_name(op))
        b.assert_bool(f, f"adapter.{flag_name(op)}_bool")
        flags[op] = f
        opcode = opcode + OPCODES[op].id * f
        fsum = fsum + f
    b.assert_eq(fsum, is_real, "adapter.one_flag")

    pc, ts, jpos = loc.pc, loc.ts, loc.jpos
    npc = pc + 4 if next_pc is None else next_pc
    njpos = jpos if next_jpos is None else next_jpos
    smult = is_real if exec_send_mult is None else exec_send_mult
    b.receive(buses.EXEC, [pc, ts, jpos], multiplicity=is_real, name="adapter.exec_recv")
    b.send(buses.EXEC, [npc, ts + ts_step, njpos], multiplicity=smult, name="adapter.exec_send")
    if fixed_operands is None:
        rs1, rs2 = loc.rs1, loc.rs2
        operands = [loc.rd, rs1, rs2, *loc.imm, loc.imm_f, loc.rd_nz]
    else:
        rd_c, rs1, rs2, imm_c = (int(x) for x in fixed_operands)
        operands = [rd_c, rs1, rs2, *[(imm_c >> (8 * i)) & 0xFF for i in range(4)],
                    imm_c % P, int(rd_c != 0)]
    b.send(buses.PROGRAM, [pc, opcode, *operands], multiplicity=is_real, name="adapter.program")

    t0 = 4 * ts
    buses.mem_read(b, rs1, loc.rs1_val, t0 + buses.SLOT_RS1, loc.rs1_prev_ts, loc.rs1_lo,
                   loc.rs1_hi, is_real, "adapter.rs1", check_hi=False)
    buses.mem_read(b, rs2, loc.rs2_val, t0 + buses.SLOT_RS2, loc.rs2_prev_ts, loc.rs2_lo,
                   loc.rs2_hi, is_real, "adapter.rs2", check_hi=False)
    buses.range_u8_pair(b, loc.rs1_hi, loc.rs2_hi, is_real, "adapter.rs12_hi")
    if write_rd:
        buses.mem_write(b, loc.rd, loc.rd_prev, loc.rd_val, t0 + buses.SLOT_RD, loc.rd_prev_ts,
                        loc.rd_lo, loc.rd_hi, is_real * loc.rd_nz, "adapter.rd")
    if range_check_rd:
        buses.range_u8_pair(b, loc.rd_val[0], loc.rd_val[1], is_real, "adapter.rd_val01")
        buses.range_u8_pair(b, loc.rd_val[2], loc.rd_val[3], is_real, "adapter.rd_val23")
    return AdapterExprs(is_real, flags, opcode, ts, pc)


# ------------------------------------------------------------------------------------
# trace generation


@dataclass
class ExecRows:
    """The executed instructions of one chip (or of the whole run), as numpy arrays of
    length ``n`` in execution order; built by :mod:`zkvm.chips.tracegen`.

    From the executor's ``Events`` (docs/architecture.md §5): ``pc, next_pc, insn,
    rs1_val, rs2_val, rd_val, mem_addr, mem_before, mem_after`` (uint32).

    **``rd_val`` is the executor's value: 0 when rd = x0.**  A core that constrains the
    result as a function of the operands must fill ``rd_val`` with the computed result on
    rows where ``rd == 0`` (the adapter writes nothing there, but the core's constraints
    still hold on that row).

    Decoded from the program table: ``opcode`` (circuit id), ``rd, rs1, rs2`` (uint32,
    0 for a format without the field), ``imm`` (int64, sign-extended; 0 if none).

    From the memory-history pass: ``ts`` (EXEC time, uint32), ``jpos`` (journal position
    before the instruction), ``prev_ts`` ``(n, 4)`` uint32 — for each slot
    (0 rs1, 1 rs2, 2 data memory, 3 rd) the timestamp of the previous access to the same
    key (0 for a slot that does no access), ``rd_prev`` (previous value of rd), and
    ``mem_prev_ts`` = ``prev_ts[:, 2]``.  ``index`` is the event index (int64).

    ``extra``: per-chip additional arrays (the syscall chip's second-step accesses).
    """

    index: np.ndarray
    pc: np.ndarray
    next_pc: np.ndarray
    insn: np.ndarray
    opcode: np.ndarray
    rd: np.ndarray
    rs1: np.ndarray
    rs2: np.ndarray
    imm: np.ndarray
    rs1_val: np.ndarray
    rs2_val: np.ndarray
    rd_val: np.ndarray
    mem_addr: np.ndarray
    mem_before: np.ndarray
    mem_after: np.ndarray
    ts: np.ndarray
    jpos: np.ndarray
    prev_ts: np.ndarray
    rd_prev: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.pc)

    @property
    def mem_prev_ts(self) -> np.ndarray:
        return self.prev_ts[:, 2]

    def select(self, idx) -> "ExecRows":
        """The rows ``idx`` (boolean mask or index array), extra arrays included (those
        are selected when first read: most chips never read them)."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)  # one index array, reused by every field
        kw = {}
        for f in dc_fields(self):
            if f.name == "extra":
                continue
            kw[f.name] = getattr(self, f.name)[idx]
        return ExecRows(**kw, extra=_SelectedExtra(self.extra, idx))

    @classmethod
    def empty(cls) -> "ExecRows":
        z = np.zeros(0, dtype=np.uint32)
        return cls(np.zeros(0, dtype=np.int64), z, z, z, z, z, z, z, np.zeros(0, dtype=np.int64),
                   z, z, z, z, z, z, z, z, np.zeros((0, 4), dtype=np.uint32), z)


class _SelectedExtra(Mapping):
    """``{k: v[idx] for k, v in src.items()}``, each entry computed on first access."""

    def __init__(self, src, idx):
        self._src = src
        self._idx = idx
        self._done: dict = {}

    def __getitem__(self, key):
        v = self._done.get(key)
        if v is None:
            v = self._done[key] = self._src[key][self._idx]
        return v

    def __iter__(self):
        return iter(self._src)

    def __len__(self):
        return len(self._src)


def trace_height(n: int) -> int:
    """Height of a table with ``n`` real rows: a power of two ≥ max(n, 8)."""
    h = MIN_HEIGHT
    while h < n:
        h <<= 1
    return h


def new_trace(columns, n: int):
    """``(trace, view)``: a zero trace of height :func:`trace_height(n)` and its column view."""
    t = columns.new_trace(trace_height(n))
    return t, columns.view(t)


def u32_limbs(x) -> np.ndarray:
    """``(n, 4)`` uint32 byte limbs (little endian) of a uint32/int64 array (mod 2^32)."""
    x = np.asarray(x)
    if x.dtype != np.uint32:
        x = (x.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
    b = np.ascontiguousarray(x, dtype="<u4").view(np.uint8).reshape(x.shape + (4,))
    return b.astype(np.uint32)


def field_of_signed(x) -> np.ndarray:
    """``x mod p`` as uint32 for a signed int64 array (``−k`` ↦ ``p − k``)."""
    return (np.asarray(x, dtype=np.int64) % P).astype(np.uint32)


def fill_adapter(columns, trace: np.ndarray, rows: ExecRows, ops,
                 fill_rd_val: bool = True) -> None:
    """Fill the adapter columns of rows ``0..rows.n-1`` of ``trace`` (vectorised).

    Sets ``rd_val`` from ``rows.rd_val`` unless ``fill_rd_val=False`` (see the warning in
    :class:`ExecRows` about rd = x0).  Raises ``ValueError`` if a row's opcode is not
    one of ``ops`` (a dispatch bug).
    """
    v = columns.view(trace)
    n = rows.n
    if n > trace.shape[0]:
        raise ValueError(f"{n} rows do not fit in a trace of height {trace.shape[0]}")
    if n == 0:
        return
    v.is_real[:n] = 1
    v.pc[:n] = rows.pc
    v.ts[:n] = rows.ts
    v.jpos[:n] = rows.jpos
    matched = np.zeros(n, dtype=bool)
    for op in ops:
        m = rows.opcode == OPCODES[op].id
        getattr(v, flag_name(op))[:n] = m
        matched |= m
    if not matched.all():
        bad = int(rows.opcode[np.flatnonzero(~matched)[0]])
        raise ValueError(f"fill_adapter: opcode id {bad} is not one of {list(ops)}")
    names = set(columns.names)
    rd_nz = rows.rd != 0
    if "rd" in names:
        v.rd[:n] = rows.rd
        v.rs1[:n] = rows.rs1
        v.rs2[:n] = rows.rs2
        v.imm[:n] = u32_limbs(rows.imm)
        v.imm_f[:n] = field_of_signed(rows.imm)
        v.rd_nz[:n] = rd_nz
    v.rs1_val[:n] = u32_limbs(rows.rs1_val)
    v.rs2_val[:n] = u32_limbs(rows.rs2_val)
    slots = [("rs1", 0, None), ("rs2", 1, None)]
    if "rd_val" in names:
        if fill_rd_val:
            v.rd_val[:n] = u32_limbs(rows.rd_val)
        v.rd_prev[:n] = u32_limbs(np.where(rd_nz, rows.rd_prev, 0))
        slots.append(("rd", 3, rd_nz))
    t4 = rows.ts.astype(np.int64) * 4
    for name, slot, active in slots:
        pts = rows.prev_ts[:, slot].astype(np.int64)
        t = t4 + slot
        if active is not None:
            pts = np.where(active, pts, 0)
            t = np.where(active, t, 1)  # inactive: lo = hi = 0
        lo, hi = buses.ts_diff_limbs(t, pts)
        getattr(v, name + "_prev_ts")[:n] = pts
        getattr(v, name + "_lo")[:n] = lo
        getattr(v, name + "_hi")[:n] = hi

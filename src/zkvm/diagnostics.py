"""Honest diagnostics: messages that say what happened, with everything needed to act.

Used by :mod:`zkvm.api` and the CLI (docs/diagnostics.md):

* :func:`check_output_path` -- an output path is checked *before* any work (a directory,
  a missing parent directory, an unwritable one), so nobody waits minutes for a proof
  that cannot be written;
* :func:`describe_guest_error` -- a guest fault with its pc symbolised
  (``in parse_row+0x1c (main.c:42)``) when symbols are at hand, and a stack overflow
  named as such, with the stack's limits;
* :func:`image_id_mismatch_message` -- an image-ID mismatch names the parameter preset
  of both sides (the image ID depends on ``--params``);
* :func:`first_difference` / :func:`bytes_diff` -- where two byte strings first differ,
  with context from each side (journal checks, ``zkvm audit``);
* :class:`Verified` -- what ``zkvm verify`` verified (kind, zero-knowledge, security).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class DevReceiptWarning(UserWarning):
    """A dev-mode receipt (no proof) was accepted because dev mode is on."""


@dataclass(frozen=True)
class Verified:
    """The outcome of :func:`zkvm.api.verify_receipt`.

    ``kind``: ``"single"``, ``"composite"`` or ``"dev"`` (a dev receipt: **no proof**,
    ``dev`` is True and ``security_bits`` 0). ``zk``: whether the proof is zero-knowledge
    (masked). ``security_bits``: the conjectured security of the receipt's parameters.
    ``params``: their preset name. ``segments``: segment proofs checked. ``cycles``: the
    dev receipt's claimed cycle count (None for real receipts: a proof does not reveal it)."""

    exit_code: int
    journal: bytes
    image_id: bytes
    kind: str
    dev: bool
    zk: bool
    security_bits: int
    params: str
    segments: int
    cycles: int | None


# ---------------------------------------------------------------------------- outputs
def check_output_path(path, what: str = "output", *, create_parent: bool = False) -> Path:
    """Raise a clear ``OSError`` unless ``path`` can be written as a file: it must not be
    a directory, and its directory must exist (or, with ``create_parent``, be creatable)
    and be writable. Called before any work, so a bad ``-o`` fails in milliseconds."""
    p = Path(path)
    if p.is_dir():
        raise IsADirectoryError(21, f"{what} path is a directory (give a file name)", str(p))
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        if create_parent:
            anc = parent
            while not anc.exists() and anc != anc.parent:
                anc = anc.parent
            if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK):
                raise PermissionError(13, f"cannot create the directory of the {what}", str(parent))
            return p
        raise FileNotFoundError(2, f"the directory of the {what} does not exist", str(parent))
    if not parent.is_dir():
        raise NotADirectoryError(20, f"the {what}'s parent is not a directory", str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(13, f"the {what}'s directory is not writable", str(parent))
    if p.exists() and not os.access(p, os.W_OK):
        raise PermissionError(13, f"the {what} file is not writable", str(p))
    return p


def os_error_text(e: OSError) -> str:
    """``"<strerror>: <filename>"`` for the OSErrors of :func:`check_output_path` and
    friends (one line)."""
    msg = e.strerror or str(e)
    return f"{msg}: {e.filename}" if e.filename else msg


# ---------------------------------------------------------------------------- params
def params_preset_name(params) -> str:
    """``"default"``, ``"high"``, ``"evm"``, ``"testing"`` (``+ " (no zk)"`` without masking) or
    ``"custom"`` for a ``StarkParams``."""
    from .stark.params import StarkParams

    for name in ("default", "high", "evm", "testing"):
        for zk in (True, False):
            if getattr(StarkParams, name)(zk=zk) == params:
                return name if zk else f"{name} (no zk)"
    return "custom"


def image_id_mismatch_message(got: bytes, got_params, expected: bytes, elf_sha256: bytes | None = None) -> str:
    """The message of an ``ImageIdMismatch``: both image IDs, the receipt's parameter
    preset, and what the expected image ID was computed for when this machine knows
    (:func:`zkvm.idcache.describe`). The image ID depends on the STARK parameters, so
    the same ELF proven with ``--params testing`` does not match a ``default`` ID; the
    message says so when that is (or may be) what happened."""
    from .idcache import describe

    preset = params_preset_name(got_params)
    flag = preset.split(" ")[0]
    msg = f"receipt is for image {got.hex()} (params {preset}), expected {expected.hex()}"
    known = describe(expected)
    if known is None:
        msg += (" (params unknown: that image ID was not computed on this machine)"
                f"; an image ID depends on the --params preset as well as on the program: if this "
                f"is the right program, compare with `zkvm image-id PROG.elf --params {flag}`")
        return msg
    exp_preset = known["preset"] + ("" if known.get("zk", True) else " (no zk)")
    msg += f" (params {exp_preset}, computed on this machine for ELF sha256 {str(known['elf_sha256'])[:16]}...)"
    same_elf = elf_sha256 is not None and bytes(elf_sha256).hex() == known["elf_sha256"]
    if exp_preset != preset:
        if same_elf:
            msg += (f"; same ELF, different parameters: the receipt was proven with --params {flag}, "
                    f"the expected ID is for --params {known['preset']}")
        else:
            msg += (f"; the parameters differ too (receipt {preset}, expected {exp_preset}): the image "
                    "ID depends on both the program and --params")
    elif same_elf:
        msg += "; same ELF and parameters but another circuit version (zkvm build)"
    else:
        msg += "; the receipt is for another program"
    return msg


# ---------------------------------------------------------------------------- faults
def stack_overflow(e) -> str | None:
    """A description if the guest error ``e`` is a stack overflow, else None.

    The stack is ``[STACK_START, STACK_TOP)`` (docs/abi.md); the pages below it belong to
    the mmap region and are unmapped unless an mmap reached that high. A read/write fault
    just below ``STACK_START`` (within 1 MiB), or any fault while ``sp`` itself is below
    ``STACK_START``, is the stack running out."""
    from .riscv.errors import MemoryFault
    from .riscv.layout import STACK_START, STACK_TOP

    if not isinstance(e, MemoryFault) or e.kind not in ("read", "write"):
        return None
    regs = getattr(e, "registers", None)
    sp = regs[2] if regs else None
    near = STACK_START - (1 << 20) <= e.address < STACK_START
    if not near and not (sp is not None and sp < STACK_START and e.address < STACK_START):
        return None
    size = (STACK_TOP - STACK_START) >> 20
    sp_txt = f", sp = 0x{sp:08x}" if sp is not None else ""
    return (f"stack overflow: {e.kind} of 0x{e.address:08x} below the stack limit 0x{STACK_START:08x} "
            f"(the stack is {size} MiB, 0x{STACK_START:08x}-0x{STACK_TOP:08x}{sp_txt}); "
            "deep or unbounded recursion, or a large local array")


def describe_guest_error(e, symbols=None) -> str:
    """One line for a ``GuestError``: its message (a stack overflow named as such) and
    ``at pc 0x... in func+0x1c (file.c:42)`` when ``symbols`` (a
    :class:`zkvm.profiler.Symbols`) know the pc."""
    import re

    text = stack_overflow(e) or re.sub(r" \(pc=0x[0-9a-fA-F]+\)$", "", str(e))
    pc = getattr(e, "pc", None)
    if not isinstance(pc, int):
        return text
    where = f" at pc 0x{pc:08x}"
    if symbols is not None:
        loc = symbols.describe(pc)
        if loc:
            where += f" in {loc}"
    return text + where


# ---------------------------------------------------------------------------- diffs
def first_difference(a: bytes, b: bytes) -> int | None:
    """Index of the first byte where ``a`` and ``b`` differ (the shorter length if one is
    a prefix of the other), or None if they are equal."""
    if a == b:
        return None
    n = min(len(a), len(b))
    for i in range(0, n, 4096):
        k = min(i + 4096, n)
        if a[i:k] != b[i:k]:
            return next(j for j in range(i, k) if a[j] != b[j])
    return n


def _show(data: bytes, lo: int, hi: int, text: bool) -> str:
    seg = data[lo:hi]
    if text:
        s = seg.decode("utf-8", "replace")
        return repr(s)[1:-1] if s else "(nothing)"
    return seg.hex(" ") if seg else "(nothing)"


def looks_textual(*items: bytes) -> bool:
    """True if every item is printable UTF-8 text (tabs and newlines allowed)."""
    for b in items:
        try:
            s = b.decode("utf-8")
        except UnicodeDecodeError:
            return False
        if any(not (c.isprintable() or c in "\n\t\r") for c in s):
            return False
    return True


def bytes_diff(a: bytes, b: bytes, names: tuple[str, str] = ("expected", "actual"), context: int = 24) -> str:
    """A short report of where ``a`` and ``b`` first differ: lengths, the offset (and
    line:column for text), and up to ``context`` bytes before and after from each side
    (hex, or escaped text when both are text). '' if equal."""
    i = first_difference(a, b)
    if i is None:
        return ""
    text = looks_textual(a, b)
    lo, hi = max(0, i - context), i + context
    lines = [f"{names[0]}: {len(a)} bytes, {names[1]}: {len(b)} bytes; first difference at byte {i}"]
    if text:
        line = a[:i].count(b"\n") + 1
        col = i - (a.rfind(b"\n", 0, i) + 1) + 1
        lines[0] += f" (line {line}, column {col})"
    w = max(len(names[0]), len(names[1]))
    for name, d in zip(names, (a, b)):
        if i >= len(d):
            lines.append(f"  {name:<{w}}  ...{_show(d, lo, i, text)}| (ends here)")
        else:
            lines.append(f"  {name:<{w}}  ...{_show(d, lo, i, text)}|{_show(d, i, hi, text)}...")
    return "\n".join(lines)


__all__ = ["DevReceiptWarning", "Verified", "bytes_diff", "check_output_path", "describe_guest_error",
           "first_difference", "image_id_mismatch_message", "looks_textual", "os_error_text",
           "params_preset_name", "stack_overflow"]

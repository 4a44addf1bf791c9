"""Keccak θ booleanity: forgeries for ``keccak.ap_bool{i}_{z}`` and ``keccak.c_bool{x}_{z}``
(issue #10, docs/soundness.md §2.2 item 7), and the redundancy classification of the
members no forgery can exist for.

The θ step of the ``keccak`` chip is proven *backwards* (src/zkvm/precompiles/keccak/air.py):
the round input limbs ``a`` are compositions ``Σ_t 2^t · xor2(A'[i][t], D[x][t])`` of the θ
output bits ``A'`` (column ``ap``) and ``D = xor2(C, C')``, with ``xor2(u, v) = u + v − 2uv``.
With a *non-boolean* value the composition is no longer a unique binary representation:
a digit ``e`` at bit ``z`` of a limb may be ``a_z + 2k`` if the limb's bits above ``z``
encode ``U − k`` instead of ``U`` -- the limb's *value* is unchanged.  θ then runs on that
other bit pattern (a different state ``A*``, equal to ``A`` in value), so the round, and the
call, compute ``Keccak-f`` of a state that is not the input: a real attack.

``ap_bool{i}_{z}`` (:func:`forge_ap_bool`).  In one round ``r`` of one call, lane ``i`` gets
the digit ``c = a_z + 2k`` (``k ∈ {±1, ±2}``) at bit ``z`` and ``U − k`` above it.  The column
parities ``C`` (boolean) are those of the new pattern mod 2, ``C'``/``D`` follow, every ``A'``
bit is ``b' ⊕ D`` except ``A'[i][z] = β`` with ``xor2(β, D) = c`` (``β = c`` or ``1 − c``, a
non-boolean integer).  The parity equation at ``(x, z)`` moves by ``±2k``, which must stay in
``{0, 2, 4}``; ρ, π, χ, ι run on ``A'`` with ``β`` in it, so the χ outputs that read ``β`` are
integers off by ``±2k`` (or ``0``), composed into the ``app`` / lane-0 limbs, which must stay
genuine 16-bit values (the next round re-composes them from boolean bits, and ``post`` is
written as range-checked bytes).  Later rounds run honestly from that state; ``post``, the
written bytes ``mn`` and the memory chains follow (cross-table repair, as
``constraint_coverage.keccak_forgery``).  Only ``ap_bool{i}_{z}`` fails.

``c_bool{x}_{z}`` (:func:`forge_c_bool`).  ``C[x][z] = γ`` (non-boolean).  ``γ`` enters
three ``C'`` values, and in sign form ``σ(u) = 1 − 2u`` (``σ(xor2(u, v)) = σ(u)σ(v)``):
``σ(D[x][z]) = σ(γ)² σ(s)``, ``σ(D[x+1][z]) = σ(γ) σ(C[x+2][z−1])``,
``σ(D[x−1][z+1]) = σ(γ) σ(C[x−2][z+1])`` -- non-boolean, since ``σ(γ) ≠ ±1``.  Every ``A'``
is still boolean, so each of the 15 lanes of those three columns has the forced digit
``e ∈ {D, 1 − D}`` with ``e ≡ a_bit (mod 2)`` at its special bit, and its bits above it
re-encode the limb value (shift ``(a_bit − e)/2``).  All other ``C`` bits are the parities of
the new patterns.  γ ranges over ``{−4..5} \\ {0, 1}`` (the parity equation at ``(x, z)``
bounds ``C'[x][z] ∈ [−4, 5]``); the three parity equations and the limb ranges decide.  χ
sees boolean ``A'`` only, so the round output is a genuine (wrong) state.  Near a limb top
the 15 re-encoded limbs have little room, and the workspace's 48 round states may not
offer it; the call's input is the guest's choice, so :func:`craft_c_bool_state` draws an
input state that does (:func:`harvest_crafted_c_bool`, one call per member).

Members redundant on real rows (:func:`ap_bool_redundant`, :func:`c_bool_redundant`; on a
padding row -- every multiplicity 0, ``a`` unconstrained -- any value is allowed and
harmless, :func:`forge_padding`): a non-boolean
digit at a limb's top bit (weight ``2^15``) cannot occur in the composition of a genuine
16-bit limb: ``a = low + 2^15 e`` with ``low ∈ [0, 2^15)`` and ``e`` a small integer (forced
by the parity equation) lies in ``[0, 2^16)`` only for ``e ∈ {0, 1}``.  Every round input
``a`` is genuine (``pre`` from memory bytes; by induction each earlier round's output is
composed from boolean χ values), so:

* ``ap_bool{i}_{z}`` with ``z mod 16 = 15`` is implied by ``a{i}_{z//16}`` + ``parity{x}_{z}``;
* ``ap_bool{i}_{z}`` with ``(z + ρ_i) mod 16 = 15`` is implied too: ``β`` is χ's ``b0`` at
  a B-limb's top bit, so that output digit is ``β`` or ``1 − β`` (its ``n`` is boolean),
  non-boolean, and the output limb is out of range; the next round's composition of that
  lane has only boolean digits (no other relaxed cell, except lane 0 whose ρ = 0 falls in
  the first case), and on round 23 ``post`` is composed of range-checked bytes;
* ``c_bool{x}_{z}`` with ``z mod 16 ∈ {14, 15}`` is implied: columns ``x`` and ``x+1`` need
  a non-boolean digit at bit ``z``, column ``x−1`` at bit ``z+1``.

Test-only (tools/), like ``constraint_coverage``.
"""

from __future__ import annotations

import random

import numpy as np

from tests.support import constraint_coverage as cc
from zkvm.precompiles.keccak.air import RC, RC_POS, RHO, b_source
from tests.support import mutation as mu

__all__ = ["forge_ap_bool", "forge_c_bool", "harvest_keccak_bits", "ap_bool_redundant",
           "c_bool_redundant", "row_violations", "forge_padding", "keccak_bit_members",
           "craft_c_bool_state", "crafted_workspace", "harvest_crafted_c_bool"]

P = mu.P
_L = np.arange(25)
_X = _L % 5
# B[X + 5Y][z] = A'[BL][BZ]  (ρ∘π)
_BL = np.zeros((25, 64), dtype=np.int64)
_BZ = np.zeros((25, 64), dtype=np.int64)
for _X_ in range(5):
    for _Y_ in range(5):
        for _z in range(64):
            _BL[_X_ + 5 * _Y_, _z], _BZ[_X_ + 5 * _Y_, _z] = b_source(_X_, _Y_, _z)
_B1 = np.array([(i % 5 + 1) % 5 + 5 * (i // 5) for i in range(25)])
_B2 = np.array([(i % 5 + 2) % 5 + 5 * (i // 5) for i in range(25)])
_W = (1 << np.arange(16, dtype=np.int64))  # limb weights


def _xor2(u, v):
    return u + v - 2 * u * v


def _xor3(u, v, w):
    return u + v + w - 2 * (u * v + u * w + v * w) + 4 * u * v * w


def _bits(lanes) -> np.ndarray:
    return np.array([[(int(v) >> z) & 1 for z in range(64)] for v in lanes], dtype=np.int64)


def _limbs(dig: np.ndarray) -> np.ndarray:
    """(m, 64) digits -> (m, 4) composed limb values Σ_t 2^t d[16k + t] (integers)."""
    return (dig.reshape(-1, 4, 16) * _W).sum(axis=2)


def _lanes_of(limbs) -> list[int]:
    lim = [int(v) for v in np.asarray(limbs).ravel()]
    return [sum(lim[4 * i + k] << (16 * k) for k in range(4)) for i in range(len(lim) // 4)]


def parities(dig: np.ndarray) -> np.ndarray:
    """Column parities (5, 64) of the digit pattern mod 2."""
    return dig.reshape(5, 5, 64).sum(axis=0) % 2


def round_values(dig: np.ndarray, C: np.ndarray, rnd: int):
    """The θ/χ/ι cells of one round from the digit pattern ``dig`` (25, 64) of the round
    input (its value composes to the ``a`` limbs) and the column-parity cells ``C`` (5, 64)
    (integers, not reduced):  ``dict(C, CP, D, AP, out)`` with ``AP`` solving
    ``xor2(AP, D) = dig`` exactly, ``out`` the (25, 64) digits of ``A'''`` (χ with ι;
    lanes 1..24 are the ``app`` composition, lane 0 the ``chi0`` cells with ι), or None
    when some ``AP`` is not an integer (the parity equation cannot hold then)."""
    Cm1 = C[[4, 0, 1, 2, 3]]
    Cp1 = np.roll(C[[1, 2, 3, 4, 0]], 1, axis=1)   # C[x+1][z−1]
    CP = _xor3(C, Cm1, Cp1)
    D = _xor2(C, CP)
    Dl = D[_X]
    num, den = dig - Dl, 1 - 2 * Dl
    if np.any(num % den):
        return None
    AP = num // den
    B = AP[_BL, _BZ]
    b1, b2 = B[_B1], B[_B2]
    n = b2 - b1 * b2
    chi = B + n - 2 * B * n
    out = chi.copy()
    rcb = [(RC[rnd] >> p) & 1 for p in RC_POS]
    for p, r in zip(RC_POS, rcb):
        out[0, p] = _xor2(chi[0, p], r)
    return dict(C=C, CP=CP, D=D, AP=AP, chi=chi, out=out)


def row_violations(a_limbs, v) -> list[str]:
    """The θ/χ constraints of the ``keccak`` chip that the round cells ``v``
    (:func:`round_values`) violate for input limbs ``a_limbs`` (100,), plus ``range:…`` for
    an output limb outside ``[0, 2^16)`` (the next round, or ``post``'s bytes, would fail).
    ``cp``, ``chi``, ``chi0`` hold by construction (their cells are the polynomials)."""
    if v is None:
        return ["non-integral AP"]
    bad = []
    C, AP, CP, D = v["C"], v["AP"], v["CP"], v["D"]
    for x, z in zip(*np.nonzero((C != 0) & (C != 1))):
        bad.append(f"c_bool{x}_{z}")
    for i, z in zip(*np.nonzero((AP != 0) & (AP != 1))):
        bad.append(f"ap_bool{i}_{z}")
    d = AP.reshape(5, 5, 64).sum(axis=0) - CP
    for x, z in zip(*np.nonzero((d != 0) & (d != 2) & (d != 4))):
        bad.append(f"parity{x}_{z}")
    comp = _limbs(_xor2(AP, D[_X])).ravel()
    for j in np.flatnonzero(comp != np.asarray(a_limbs, dtype=np.int64)):
        bad.append(f"a{j // 4}_{j % 4}")
    ol = _limbs(v["out"]).ravel()
    for j in np.flatnonzero((ol < 0) | (ol >= 1 << 16)):
        bad.append(f"range:lane{j // 4}_{j % 4}")
    return bad


def honest_round(lanes, rnd: int):
    dig = _bits(lanes)
    return dig, round_values(dig, parities(dig), rnd)


# --- the call rebuild -------------------------------------------------------------------

def _call_input(ws, call: int) -> list[int]:
    ti = ws.tindex["keccak"]
    v = ws.system.tables[ti].air.columns.view(ws.traces[ti])
    return _lanes_of(v.pre[24 * call])


def _write_row(v, r, a_limbs, rv):
    v.a[r] = np.asarray(a_limbs, dtype=np.int64) % P
    v.c[r] = rv["C"].ravel() % P
    v.cp[r] = rv["CP"].ravel() % P
    v.ap[r] = rv["AP"].ravel() % P
    v.app[r] = _limbs(rv["chi"][1:]).ravel() % P
    v.chi0[r] = rv["chi"][0] % P


def build_call(ws, call: int, forged: dict, target: str):
    """Traces of ``ws`` with call ``call`` rebuilt: round ``r`` in ``forged`` uses
    ``forged[r] = (digits, C)`` (the forged round's input value is the honest-so-far state:
    the digits must compose to it), every other round is honest from its input state;
    ``post``/``mn`` follow the final state and the changed output words are re-matched in
    the memory chains.  None if a forged round is not a valid row (beyond ``target``) or
    the re-match fails."""
    ti = ws.tindex["keccak"]
    cols = ws.system.tables[ti].air.columns
    t = ws.traces[ti].copy()
    v = cols.view(t)
    base = 24 * call
    A = _call_input(ws, call)
    for rnd in range(24):
        a_l = np.array([(A[i] >> (16 * k)) & 0xFFFF for i in range(25) for k in range(4)],
                       dtype=np.int64)
        if rnd in forged:
            dig, C = forged[rnd]
            if not np.array_equal(_limbs(dig).ravel(), a_l):
                return None
            rv = round_values(dig, C, rnd)
            if row_violations(a_l, rv) != [target]:
                return None
        else:
            _dig, rv = honest_round(A, rnd)
        _write_row(v, base + rnd, a_l, rv)
        A = _lanes_of(_limbs(rv["out"]))
    post = np.array([(A[i] >> (16 * k)) & 0xFFFF for i in range(25) for k in range(4)],
                    dtype=np.int64)
    for rnd in range(24):
        r = base + rnd
        v.post[r] = post
        cc.write_keccak_mem_bytes(v, r, rnd, post)
    if not forged:
        return list(ws.traces) if np.array_equal(t, ws.traces[ti]) else None
    return cc.rematch(ws, mu.Target("keccak", target), t)


def _states(ws, call: int) -> list[list[int]]:
    """Honest round inputs of call ``call`` (24 lists of 25 lanes)."""
    A = _call_input(ws, call)
    out = []
    for rnd in range(24):
        out.append(A)
        _dig, rv = honest_round(A, rnd)
        A = _lanes_of(_limbs(rv["out"]))
    return out


def _reencode(dig, lane, z, e) -> bool:
    """Put digit ``e`` at bit ``z`` of ``lane`` (in place) and re-encode the limb's bits
    above ``z`` so the limb value is unchanged; False if they cannot hold it."""
    k, zz = divmod(z, 16)
    row = dig[lane, 16 * k: 16 * k + 16]
    above = int((row[zz + 1:] * _W[:15 - zz]).sum())
    shift = int(row[zz]) - e
    if shift % 2:
        return False
    na = above + shift // 2
    if not 0 <= na < (1 << (15 - zz)):
        return False
    row[zz] = e
    row[zz + 1:] = (na >> np.arange(15 - zz)) & 1
    return True


# --- ap_bool ------------------------------------------------------------------------------

def ap_bool_redundant(i: int, z: int) -> str | None:
    """Why ``ap_bool{i}_{z}`` is implied by the other constraints, or None (module
    docstring)."""
    if z % 16 == 15:
        return "limb top of a (a{i}_{k} + parity force a boolean digit)"
    if (z + RHO[i]) % 16 == 15:
        return "chi b0 at a limb top (the output limb would leave [0, 2^16))"
    return None


def ap_bool_round(lanes, i: int, z: int, rnd: int):
    """``(digits, C)`` of a round-``rnd`` row violating only ``ap_bool{i}_{z}``, or None."""
    base = _bits(lanes)
    a_l = _limbs(base).ravel()
    for k in (1, -1, 2, -2):
        dig = base.copy()
        if not _reencode(dig, i, z, int(base[i, z]) + 2 * k):
            continue
        C = parities(dig)
        if row_violations(a_l, round_values(dig, C, rnd)) == [f"ap_bool{i}_{z}"]:
            return dig, C
    return None


def forge_ap_bool(ws, i: int, z: int, rnd: int | None = None, call: int = 0):
    """Traces of ``ws`` (the ``keccak`` workspace) in which call ``call`` holds a
    non-boolean ``A'[i][z]`` in round ``rnd`` (None: the latest round that works) and
    computes a wrong Keccak-f output; only ``keccak.ap_bool{i}_{z}`` fails.  None if no
    round works (always for the redundant members, :func:`ap_bool_redundant`)."""
    return _forge(ws, call, rnd, f"ap_bool{i}_{z}",
                  lambda lanes, r: ap_bool_round(lanes, i, z, r))


# --- c_bool -------------------------------------------------------------------------------

GAMMAS = (2, -1, 3, -2, 4, -3, 5, -4)


def c_bool_redundant(x: int, z: int) -> str | None:
    """Why ``c_bool{x}_{z}`` is implied by the other constraints, or None."""
    if z % 16 == 15:
        return "columns x, x+1 need a non-boolean digit at a limb top"
    if z % 16 == 14:
        return "column x-1 needs a non-boolean digit at a limb top (bit z+1)"
    return None


def c_bool_round(lanes, x: int, z: int, rnd: int):
    """``(digits, C)`` of a round-``rnd`` row violating only ``c_bool{x}_{z}``, or None."""
    base = _bits(lanes)
    a_l = _limbs(base).ravel()
    Ch = parities(base)
    for g in GAMMAS:
        Cg = Ch.copy()
        Cg[x, z] = g
        Cm1 = Cg[[4, 0, 1, 2, 3]]
        Cp1 = np.roll(Cg[[1, 2, 3, 4, 0]], 1, axis=1)
        D = _xor2(Cg, _xor3(Cg, Cm1, Cp1))
        dig = base.copy()
        ok = True
        for xs, zs in ((x, z), ((x + 1) % 5, z), ((x - 1) % 5, (z + 1) % 64)):
            Dv = int(D[xs, zs])
            for y in range(5):
                lane = xs + 5 * y
                e = Dv if (Dv - int(base[lane, zs])) % 2 == 0 else 1 - Dv
                if not _reencode(dig, lane, zs, e):
                    ok = False
                    break
            if not ok:
                break
        if not ok:
            continue
        C = parities(dig)
        C[x, z] = g
        if row_violations(a_l, round_values(dig, C, rnd)) == [f"c_bool{x}_{z}"]:
            return dig, C
    return None


def forge_c_bool(ws, x: int, z: int, rnd: int | None = None, call: int = 0):
    """As :func:`forge_ap_bool` for ``c_bool{x}_{z}``: ``C[x][z] = γ`` non-boolean in one
    round; only ``keccak.c_bool{x}_{z}`` fails."""
    return _forge(ws, call, rnd, f"c_bool{x}_{z}",
                  lambda lanes, r: c_bool_round(lanes, x, z, r))


def _forge(ws, call, rnd, target, make):
    states = _states(ws, call)
    for r in ([rnd] if rnd is not None else range(23, -1, -1)):
        got = make(states[r], r)
        if got is None:
            continue
        traces = build_call(ws, call, {r: got}, target)
        if traces is not None:
            return traces
    return None


# --- crafted input states (c_bool members whose conditions no workspace state meets) -------

def craft_c_bool_state(x: int, z: int, seed: int = 0, tries: int = 4000):
    """An input state (25 lanes) on whose round 0 :func:`c_bool_round` works, or None.

    The call's input is the guest's choice, so a state meeting the conditions is a fair
    attack.  Near a limb top the 15 re-encoded limbs have little room (``z mod 16 = 13``:
    2 bits above ``z``, 1 above ``z + 1``), so a random state works with probability
    ~2^-12; here the bits above each special bit are drawn where every shift fits (``U ∈
    [2, 2^w − 3]``; column ``x`` with ``w = 2``: ``U = 2 a_z + r``), the rest at random."""
    rng = random.Random(seed * 1000 + 5 * z + x)
    spec = ((x, z), ((x + 1) % 5, z), ((x - 1) % 5, (z + 1) % 64))
    for _ in range(tries):
        S = [rng.getrandbits(64) for _ in range(25)]
        for si, (xs, zs) in enumerate(spec):
            kk, q = divmod(zs, 16)
            w = 15 - q
            for y in range(5):
                lane = xs + 5 * y
                limb = (S[lane] >> (16 * kk)) & 0xFFFF
                a = (limb >> q) & 1
                if w >= 3:
                    U = rng.randrange(2, (1 << w) - 2)
                elif si == 0 and w == 2:
                    U = 2 * a + rng.randrange(2)
                else:
                    U = rng.randrange(1 << w)
                limb = (limb & ((1 << (q + 1)) - 1)) | (U << (q + 1))
                S[lane] = (S[lane] & ~(0xFFFF << (16 * kk))) | (limb << (16 * kk))
        if c_bool_round(S, x, z, 0) is not None:
            return S
    return None


def crafted_workspace(states, label: str = "keccak_crafted"):
    """The ``keccak`` workspace layout (``constraint_coverage.prog_keccak``) with one call
    per input state in ``states`` (call ``j`` at ``SCRATCH + 0x400 j``)."""
    from zkvm.precompiles.keccak.air import SYS_KECCAK_F1600
    from zkvm.riscv.asm import encode, li
    from zkvm.riscv.testing import SCRATCH

    words = []
    for j, S in enumerate(states):
        p = SCRATCH + 0x400 * j
        words += li(28, p)
        for i in range(50):
            wv = (S[i // 2] >> (32 * (i % 2))) & 0xFFFFFFFF
            words += li(29, wv) + [encode("sw", rs1=28, rs2=29, imm=4 * i)]
        words += li(10, p) + li(11, 0) + li(17, SYS_KECCAK_F1600) + [encode("ecall")]
    cc.PROGRAMS[label] = lambda: list(words)
    try:
        return cc.build_workspace(label)[1]
    finally:
        del cc.PROGRAMS[label]


def harvest_crafted_c_bool(members, log=print, seed: int = 0):
    """``SuiteCase`` objects for the ``c_bool`` members ``[(x, z), …]`` on one crafted
    workspace (one call per member, :func:`craft_c_bool_state`, forged in round 0)."""
    got = [(x, z, craft_c_bool_state(x, z, seed)) for x, z in members]
    for x, z, S in got:
        if S is None:
            log(f"keccak-bits:c_bool{x}_{z}: no crafted state found")
    got = [g for g in got if g[2] is not None]
    if not got:
        return []
    ws = crafted_workspace([S for _x, _z, S in got])
    cache: dict = {}
    cases = []
    for j, (x, z, _S) in enumerate(got):
        name = f"keccak-bits:c_bool{x}_{z}@crafted"
        traces = forge_c_bool(ws, x, z, rnd=0, call=j)
        if traces is None:
            log(f"{name}: not built")
            continue
        c = cc._credit_one(ws, traces, ws.pv, name, cache)
        log(f"{name}: {'shown' if c.shown == [f'keccak.c_bool{x}_{z}'] else c.failing}")
        cases.append(c)
    return cases


# --- padding rows ---------------------------------------------------------------------------

def forge_padding(ws, fam: str, a: int, z: int):
    """Traces of ``ws`` whose last ``keccak`` row (a padding row: ``is_real = 0``, every
    multiplicity 0, ``nx = 0`` so ``a`` is free) holds ``A'[a][z] = 2`` (``fam =
    "ap_bool"``) or ``C[a][z] = 2`` (``fam = "c_bool"``, with two ``A'`` ones in each of
    the three columns it reaches, so their parity equations hold), the ``a``/``app``/
    ``chi0`` cells recomputed.  Shows the constraint only *for the trace*: a padding row
    sends nothing, so no other table sees it (the tool's "padding rows only")."""
    ti = ws.tindex["keccak"]
    t = ws.traces[ti].copy()
    v = ws.system.tables[ti].air.columns.view(t)
    r = t.shape[0] - 1
    if int(v.is_real[r]) != 0 or np.any(t[r]):
        return None
    C = np.zeros((5, 64), dtype=np.int64)
    AP = np.zeros((25, 64), dtype=np.int64)
    if fam == "ap_bool":
        AP[a, z] = 2
    else:
        C[a, z] = 2
        for xs, zs in ((a, z), ((a + 1) % 5, z), ((a - 1) % 5, (z + 1) % 64)):
            AP[xs, zs] = AP[xs + 5, zs] = 1
    Cm1 = C[[4, 0, 1, 2, 3]]
    Cp1 = np.roll(C[[1, 2, 3, 4, 0]], 1, axis=1)
    D = _xor2(C, _xor3(C, Cm1, Cp1))
    dig = _xor2(AP, D[_X])
    rv = round_values(dig, C, 0)
    a_l = _limbs(dig).ravel()
    bad = [b for b in row_violations(a_l, rv) if not b.startswith("range:")]
    if bad != [f"{fam}{a}_{z}"]:
        return None
    _write_row(v, r, a_l, rv)
    traces = list(ws.traces)
    traces[ti] = t
    return traces


# --- harvest ------------------------------------------------------------------------------

def keccak_bit_members(members: int = 0, seed: int = 0) -> list[tuple[str, int, int]]:
    """``(family, a, z)`` for ``ap_bool`` (a = lane) and ``c_bool`` (a = column): every
    member when ``members`` is 0, else ``members`` per family (seeded)."""
    fams = {"ap_bool": [("ap_bool", i, z) for i in range(25) for z in range(64)],
            "c_bool": [("c_bool", x, z) for x in range(5) for z in range(64)]}
    return cc.sample_families(fams, members, seed)


def harvest_keccak_bits(ws, members: int = 0, seed: int = 0, log=print,
                        calls=(0, 1), padding: bool = True, crafted: bool = True,
                        which=None) -> list:
    """The ``ap_bool`` / ``c_bool`` forgeries as ``constraint_coverage.SuiteCase`` objects
    (credited by ``constraint_coverage._credit_one``), in three passes:

    1. a real-row forgery on ``ws`` (the ``keccak`` workspace), any round of ``calls``;
    2. with ``crafted``: the non-redundant ``c_bool`` members that pass 1 could not build,
       on a crafted workspace (:func:`harvest_crafted_c_bool`: their conditions need room
       above a bit near a limb top, which the workspace's 48 round states lack);
    3. with ``padding``: what is left -- the members redundant on real rows
       (:func:`ap_bool_redundant`, :func:`c_bool_redundant`) -- by a padding-row forgery
       (:func:`forge_padding`), ``case.inert = True`` (the tool's "padding rows only").

    ``which``: an explicit list of ``(family, a, z)`` members (overrides
    ``members``/``seed``).  Every member that is not shown is logged with the reason."""
    if build_call(ws, 0, {}, "") is None:
        raise RuntimeError("keccak bits: the honest call is not reproduced (layout changed)")
    cache: dict = {}
    cases = []
    forge = {"ap_bool": forge_ap_bool, "c_bool": forge_c_bool}
    red = {"ap_bool": ap_bool_redundant, "c_bool": c_bool_redundant}
    left = []
    for fam, a, z in (which if which is not None else keccak_bit_members(members, seed)):
        name = f"keccak-bits:{fam}{a}_{z}"
        why = red[fam](a, z)
        if why is not None:
            log(f"{name}: redundant on real rows ({why})")
            left.append((fam, a, z))
            continue
        traces = None
        for call in calls:
            traces = forge[fam](ws, a, z, call=call)
            if traces is not None:
                break
        if traces is None:
            log(f"{name}: no round of calls {list(calls)} works")
            left.append((fam, a, z))
            continue
        cases.append(_credited(ws, traces, name, f"{fam}{a}_{z}", cache, log))
    if crafted:
        want = [(a, z) for fam, a, z in left if fam == "c_bool" and c_bool_redundant(a, z) is None]
        got = harvest_crafted_c_bool(want, log) if want else []
        done = {c.shown[0] for c in got if c.shown}
        cases += got
        left = [m for m in left if f"keccak.{m[0]}{m[1]}_{m[2]}" not in done]
    if padding:
        for fam, a, z in left:
            traces = forge_padding(ws, fam, a, z)
            if traces is None:
                log(f"keccak-bits:{fam}{a}_{z}@padding: not built")
                continue
            c = _credited(ws, traces, f"keccak-bits:{fam}{a}_{z}@padding", f"{fam}{a}_{z}",
                          cache, log)
            c.inert = True
            cases.append(c)
    return cases


def _credited(ws, traces, name, target, cache, log):
    c = cc._credit_one(ws, traces, ws.pv, name, cache)
    log(f"{name}: shown" if c.shown == [f"keccak.{target}"]
        else f"{name}: credited {c.shown}, failing {c.failing}")
    return c

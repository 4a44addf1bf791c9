"""The Keccak-f[1600] precompile chip (docs/circuits.md §11.3).

One KECCAK_F1600 call (``uint64_t state[25]`` at ``a0``, lanes little endian: memory word
``2i`` is the low half of lane ``i``, lane ``(x, y)`` at index ``x + 5y``) is 24 rows of the
``keccak`` table, row ``r`` = round ``r``; the preprocessed ``keccak_round`` table pins,
per round index ``rnd``, the round constant and the row-type flags.

Per row (round ``r``), with ``A`` the state before the round:

* ``a[100]``: ``A`` as 16-bit limbs (lane ``L`` = limbs ``4L..4L+3``, low first);
* ``c[x][z]`` (bits): the column parities ``C[x] = ⊕_y A[x, y]``;
* ``cp[x][z]``: ``C'[x][z] = C[x][z] ⊕ C[x−1][z] ⊕ C[x+1][z−1]`` (= the parities of the
  θ output), a degree-3 polynomial of ``c`` bits (``x⊕y⊕z = x+y+z−2(xy+xz+yz)+4xyz``);
* ``ap[x + 5y][z]`` (bits): ``A' = θ(A)``.  θ is proven *backwards*, without bit columns
  for ``A``: (1) ``Σ_y A'[x, y, z] − C'[x, z] ∈ {0, 2, 4}`` (``d(d−2)(d−4) = 0``), and
  (2) every limb of ``a`` is the composition of the bits ``A' ⊕ C ⊕ C'`` (degree 3);
* ρ and π are a fixed permutation of the ``ap`` bits: ``B[y, 2x+3y][z] = A'[x, y][z − ρ_xy]``;
* χ: ``A''[x, y] = B[x, y] ⊕ (¬B[x+1, y] ∧ B[x+2, y])`` (``b0 + n − 2 b0 n`` with
  ``n = b2 − b1 b2``, degree 3): ``app`` holds ``A''`` of lanes 1..24 as limbs (composed
  from the χ polynomials), ``chi0`` the bits of ``A''[0, 0]``;
* ι: the round constant has non-zero bits only at ``2^j − 1`` (``j < 7``); ``rc[j]`` comes
  from the round lookup, so ``A'''[0, 0]``'s limbs are ``Σ 2^i chi0 + Σ_j 2^(2^j−1)
  (rc_j − 2·chi0[2^j−1]·rc_j)`` (degree 2);
* transition inside a call (``nx = is_real − f_last``): ``a' = A'''`` and the call constants
  (``ts``, ``w``, ``pre[100]``, ``post[100]``) equal; ``rnd' = rnd + 1``;
* first row (``f_first``): receives ``(0x5A01, ts, a0 limbs, a1 limbs)`` on PRECOMPILE
  (a1 is echoed, unused), splits the pointer ``a0`` into its word index ``w`` (4-aligned,
  ``2^16 ≤ a0 < 2^30``) and pins ``a = pre``;
* last row (``f_last``): ``post = A'''``;
* memory rows ``r < 13`` (``f_mem``; one-hot ``sel_r``): slot ``j < 4`` accesses word
  ``i = 4r + j`` (``i < 50``: slots 2, 3 of row 12 are off, ``f_mem4 = [r < 12]``) at key
  ``4(w + i)`` and memory time ``4(ts+2) + i`` (the times the Syscall row reserved,
  §11.1): it receives the bytes ``mp`` (composing to the selected ``pre`` limbs) and
  sends ``mn`` (range-checked bytes composing to the ``post`` limbs).

Correctness: ``c``/``ap`` are boolean (``cp``, ``chi0`` are polynomials of booleans that
only take the values 0/1 on booleans), so every limb composed from them is a genuine
16-bit value and the representation is unique.  From (2), the bits of ``A`` are
``A' ⊕ D`` with ``D = C ⊕ C'``; with the ``cp`` relation ``D[x] = C[x−1] ⊕ rot(C[x+1], 1)``
and from (1) ``C = ⊕_y A'[x, y] ⊕ D[x] = ⊕_y A[x, y]``: ``c`` is the true parity and
``A' = θ(A)`` exactly.  The round lookup (multiplicity ``is_real``) fixes the round
constant and flags per ``rnd``; ``rnd`` starts at 0 on the first row and after every
``f_last``, increments inside a call, and a call ends only at ``f_last`` (``nx·(1 −
is_real') = 0``; the table's last row is not mid-call), so every real row belongs to a
complete 24-round call that received exactly one PRECOMPILE message (padding rows of
the round table carry ``rnd ≥ 24``, which no real row can reach).  Every multiplicity
is ``is_real ×`` a flag, so padding rows send nothing.  Memory is only touched through
the MEMORY bus with the ``prev_ts < t`` check (buses.mem_access) at the times reserved
for this call.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import buses
from zkvm.chips.buses import PRECOMPILE
from zkvm.precompiles.keccak.constants import KECCAK_RC, KECCAK_RHO
from zkvm.precompiles.registry import BY_FOLDER, bus_id
from zkvm.stark.air import Air, Bus, Columns

SPEC = BY_FOLDER["keccak"]
SYS_KECCAK_F1600 = SPEC.number
#: the Keccak round lookup (:class:`KeccakRoundAir`):
#: ``(rnd, rc0..rc6, f_first, f_last, f_mem, f_mem4, sel0..sel12)``
KECCAK_ROUND = Bus(id=bus_id("keccak_round"), name="keccak_round", width=25)

ROUNDS = 24
ROUND_ROWS = 32  # the round table padded to a power of two (rows 24..31: rnd = 24..31)
MEM_ROWS = 13  # rows 0..12 access 4 words each (words 0..49)
WORDS = 50
M64 = (1 << 64) - 1

#: FIPS 202 round constants and rho offsets (plain data shared with the executor side:
#: constants.py)
RC = KECCAK_RC
RHO = KECCAK_RHO
#: bit positions where a round constant can be non-zero: 2^j − 1
RC_POS = tuple((1 << j) - 1 for j in range(7))


def rc_bits(rnd: int) -> list[int]:
    """The 7 bits ``rc_j`` of round constant ``rnd`` (``RC = Σ_j rc_j 2^(2^j − 1)``);
    ``ValueError`` if the constant has another bit set (it never does)."""
    v = RC[rnd]
    bits = [(v >> p) & 1 for p in RC_POS]
    if sum(b << p for b, p in zip(bits, RC_POS)) != v:
        raise ValueError(f"round constant {rnd} has bits outside 2^j - 1")
    return bits


def b_source(X: int, Y: int, z: int) -> tuple[int, int]:
    """``(lane, bit)`` of ``A'`` that ρ∘π moves to ``B[X, Y]`` bit ``z``:
    ``B[y, 2x+3y] = rot(A'[x, y], ρ[x, y])``, so ``y = X``, ``x = 3(Y − 3X) mod 5``."""
    y = X
    x = (3 * (Y - 3 * X)) % 5
    lane = x + 5 * y
    return lane, (z - RHO[lane]) % 64


ROUND_COLUMNS = ("rnd", *[f"rc{j}" for j in range(7)], "f_first", "f_last", "f_mem", "f_mem4",
                 *[f"sel{r}" for r in range(MEM_ROWS)])


class KeccakRoundAir(Air):
    """Preprocessed 32-row table (24 rounds + 8 unreachable rows with ``rnd = 24..31`` and
    every other column 0): ``(rnd, rc0..rc6, f_first, f_last, f_mem, f_mem4, sel0..sel12)``
    received on KECCAK_ROUND with a free multiplicity column."""

    name = "keccak_round"
    preprocessed = Columns(*[(c, "fixed") for c in ROUND_COLUMNS])
    columns = Columns(("mult", "number of keccak rows of this round"))
    max_degree = 3

    def generate_preprocessed(self) -> np.ndarray:
        r = np.arange(ROUND_ROWS)
        real = r < ROUNDS
        rcb = np.array([rc_bits(int(i)) if i < ROUNDS else [0] * 7 for i in r])
        cols = [r, *rcb.T, real & (r == 0), real & (r == ROUNDS - 1), r < MEM_ROWS,
                r < MEM_ROWS - 1]
        cols += [r == j for j in range(MEM_ROWS)]
        return np.stack([np.asarray(c, dtype=np.uint32) for c in cols], axis=1)

    def eval(self, b):
        p = b.preprocessed_local
        b.receive(KECCAK_ROUND, [getattr(p, c) for c in ROUND_COLUMNS],
                  multiplicity=b.local.mult, name="round", max_multiplicity=None)

    @staticmethod
    def generate_trace(num_calls: int) -> np.ndarray:
        t = np.zeros((ROUND_ROWS, 1), dtype=np.uint32)
        t[:ROUNDS, 0] = num_calls
        return t


def _xor3(x, y, z):
    return x + y + z - 2 * (x * y + x * z + y * z) + 4 * x * y * z


def _xor2(x, y):
    return x + y - 2 * x * y


class KeccakAir(Air):
    """24 rows per KECCAK_F1600 call (module docstring)."""

    name = "keccak"
    #: no real rows -> 0-row trace (all-padding rows satisfy every constraint and send
    #: nothing: tests/chips/test_empty_tables.py)
    may_be_empty = True
    columns = Columns(
        ("is_real", "1 on rows of a call (a prefix)"),
        ("rnd", "round index (from the keccak_round lookup)"),
        ("rc", 7, "round-constant bits at positions 2^j - 1 (lookup)"),
        ("f_first", "round 0 (lookup)"), ("f_last", "round 23 (lookup)"),
        ("f_mem", "rnd < 13: memory slots 0, 1 (lookup)"),
        ("f_mem4", "rnd < 12: memory slots 2, 3 (lookup)"),
        ("sel", MEM_ROWS, "one-hot rnd = j, j < 13 (lookup)"),
        ("ts", "EXEC time of the ecall (constant in a call)"),
        ("w", "state pointer / 4 (constant in a call)"),
        ("ps", 4, "state pointer (a0) limbs (first row)"), ("q", "ps[0] / 4 (first row)"),
        ("pa1", 4, "a1 limbs as sent by the ecall (first row; unused)"),
        ("pre", 100, "input state, 16-bit limbs (constant in a call)"),
        ("post", 100, "output state, 16-bit limbs (constant in a call)"),
        ("a", 100, "state before the round, 16-bit limbs"),
        ("c", 320, "column parities C[x][z] (bits)"),
        ("cp", 320, "C'[x][z] = C[x] ^ C[x-1] ^ rot(C[x+1], 1) (bits)"),
        ("ap", 1600, "theta output A'[x+5y][z] (bits)"),
        ("app", 96, "chi output A'' of lanes 1..24, 16-bit limbs"),
        ("chi0", 64, "chi output A''[0,0] (bits)"),
        ("mp", 16, "memory slot j: word bytes before (4 per slot)"),
        ("mn", 16, "memory slot j: word bytes after (4 per slot)"),
        ("m_prev_ts", 4, "memory slot j: previous access time"),
        ("m_lo", 4, "ts limb"), ("m_hi", 4, "ts limb"),
    )
    max_degree = 3

    def eval(self, b):
        loc, nxt = b.local, b.next
        r = loc.is_real
        nx = r - loc.f_last  # 1 on real rows followed by another row of the same call
        ff, fl = loc.f_first, loc.f_last

        # --- row structure ------------------------------------------------------------
        b.assert_bool(r, "is_real_bool")
        tr = b.when_transition()
        tr.assert_zero(nxt.is_real * (1 - r), "padding_suffix")
        b.send(KECCAK_ROUND, [loc.rnd, *loc.rc, ff, fl, loc.f_mem, loc.f_mem4, *loc.sel],
               multiplicity=r, name="round_lookup")
        b.when_first_row().assert_zero(loc.rnd, "first_rnd")
        tr.assert_zero(nx * (nxt.rnd - loc.rnd - 1), "rnd_inc")
        tr.assert_zero(nx * (1 - nxt.is_real), "call_complete")
        tr.assert_zero(fl * nxt.rnd, "call_starts_at_0")
        b.when_last_row().assert_zero(nx, "last_row_not_mid_call")
        for nm in ("ts", "w"):
            tr.assert_zero(nx * (getattr(nxt, nm) - getattr(loc, nm)), f"const_{nm}")
        for i in range(100):
            tr.assert_zero(nx * (nxt.pre[i] - loc.pre[i]), f"const_pre{i}")
            tr.assert_zero(nx * (nxt.post[i] - loc.post[i]), f"const_post{i}")

        # --- theta ----------------------------------------------------------------------
        C = [list(loc.c[64 * x: 64 * x + 64]) for x in range(5)]
        CP = [list(loc.cp[64 * x: 64 * x + 64]) for x in range(5)]
        AP = [list(loc.ap[64 * i: 64 * i + 64]) for i in range(25)]
        for x in range(5):
            for z in range(64):
                b.assert_bool(C[x][z], f"c_bool{x}_{z}")
                b.assert_zero(CP[x][z] - _xor3(C[x][z], C[(x - 1) % 5][z],
                                               C[(x + 1) % 5][(z - 1) % 64]), f"cp{x}_{z}")
                d = sum((AP[x + 5 * y][z] for y in range(1, 5)), AP[x][z]) - CP[x][z]
                b.assert_zero(d * (d - 2) * (d - 4), f"parity{x}_{z}")
        for i in range(25):
            for z in range(64):
                b.assert_bool(AP[i][z], f"ap_bool{i}_{z}")
        D = [[_xor2(C[x][z], CP[x][z]) for z in range(64)] for x in range(5)]
        for i in range(25):
            x = i % 5
            for k in range(4):
                bits = [_xor2(AP[i][16 * k + t], D[x][16 * k + t]) for t in range(16)]
                comp = sum((bits[t] * (1 << t) for t in range(1, 16)), bits[0])
                b.assert_zero(loc.a[4 * i + k] - comp, f"a{i}_{k}")

        # --- rho, pi, chi, iota ------------------------------------------------------------
        def bbit(X, Y, z):
            lane, bit = b_source(X, Y, z)
            return AP[lane][bit]

        def chi(X, Y, z):
            b0, b1, b2 = bbit(X, Y, z), bbit((X + 1) % 5, Y, z), bbit((X + 2) % 5, Y, z)
            n = b2 - b1 * b2
            return b0 + n - 2 * b0 * n

        out = [None] * 100  # A''' limbs as expressions of degree <= 2 (or columns)
        for i in range(1, 25):
            X, Y = i % 5, i // 5
            for k in range(4):
                comp = sum((chi(X, Y, 16 * k + t) * (1 << t) for t in range(1, 16)),
                           chi(X, Y, 16 * k))
                col = loc.app[4 * (i - 1) + k]
                b.assert_zero(col - comp, f"chi{i}_{k}")
                out[4 * i + k] = col
        ch0 = list(loc.chi0)
        for z in range(64):
            b.assert_zero(ch0[z] - chi(0, 0, z), f"chi0_{z}")
        for k in range(4):
            e = sum((ch0[16 * k + t] * (1 << t) for t in range(1, 16)), ch0[16 * k])
            for j, pos in enumerate(RC_POS):
                if pos // 16 == k:
                    rcj = loc.rc[j]
                    e = e + (1 << (pos % 16)) * (rcj - 2 * ch0[pos] * rcj)
            out[k] = e
        # not gated by is_transition (that would make lane 0 degree 4): on the table's last
        # row nx = 0 (last_row_not_mid_call), so the wrap-around to row 0 is harmless
        for i in range(100):
            b.assert_zero(nx * (nxt.a[i] - out[i]), f"next_a{i}")
            b.assert_zero(fl * (loc.post[i] - out[i]), f"out{i}")
            b.assert_zero(ff * (loc.a[i] - loc.pre[i]), f"init{i}")

        # --- first row: hand-off and pointer ------------------------------------------------
        rf = r * ff
        b.receive(PRECOMPILE, [SYS_KECCAK_F1600, loc.ts, *loc.ps, *loc.pa1], multiplicity=rf,
                  name="precompile_recv")
        p = loc.ps
        b.assert_zero(ff * (p[0] - 4 * loc.q), "ptr_aligned")
        b.assert_zero(ff * (loc.w - loc.q - 64 * p[1] - 16384 * p[2] - 4194304 * p[3]), "ptr_word")
        # q < 64 (so p0 = 4q is the byte's own value) and p3 < 64 (ptr < 2^30), one lookup
        buses.range_u8_pair(b, loc.q + 192, p[3] + 192, rf, "ptr_q_top")
        # ptr >= 2^16: p2 + 256 p3 >= 1
        buses.range_u16(b, p[2] + 256 * p[3] - 1, rf, "ptr_min")

        # --- rows 0..12: four memory words per row ---------------------------------------
        T0 = 4 * (loc.ts + 2)
        sel = list(loc.sel)
        mp, mn = list(loc.mp), list(loc.mn)
        for j in range(4):
            h, lo = j % 2, j // 2

            def pick(arr, limb):
                terms = [sel[rr] * arr[4 * (2 * rr + lo) + limb]
                         for rr in range(MEM_ROWS) if 2 * rr + lo < 25]
                return sum(terms[1:], terms[0])

            for t in range(2):
                b.assert_zero(mp[4 * j + 2 * t] + 256 * mp[4 * j + 2 * t + 1]
                              - pick(loc.pre, 2 * h + t), f"mem_in{j}_{t}")
                b.assert_zero(mn[4 * j + 2 * t] + 256 * mn[4 * j + 2 * t + 1]
                              - pick(loc.post, 2 * h + t), f"mem_out{j}_{t}")
            m = r * (loc.f_mem if j < 2 else loc.f_mem4)
            buses.mem_write(b, 4 * (loc.w + 4 * loc.rnd + j), mp[4 * j: 4 * j + 4],
                            mn[4 * j: 4 * j + 4], T0 + 4 * loc.rnd + j, loc.m_prev_ts[j],
                            loc.m_lo[j], loc.m_hi[j], m, f"m{j}", check_hi=False)
            buses.range_u8_pair(b, mn[4 * j], mn[4 * j + 1], m, f"mn{j}_01")
            buses.range_u8_pair(b, mn[4 * j + 2], mn[4 * j + 3], m, f"mn{j}_23")
        # the timestamp 'hi' bytes, two per lookup (slot j+2 is off only where j is on)
        buses.range_u8_pair(b, loc.m_hi[0], loc.m_hi[1], r * loc.f_mem, "m_hi01")
        buses.range_u8_pair(b, loc.m_hi[2], loc.m_hi[3], r * loc.f_mem, "m_hi23")

    # ------------------------------------------------------------------ trace
    def generate_trace(self, calls, ts, prev_ts) -> np.ndarray:
        """Trace of the calls ``calls`` (:func:`zkvm.precompiles.registry.calls_class`).

        ``ts``: EXEC time of each call's ecall (n,); ``prev_ts`` (n, 50): the previous
        access time of each state word (global memory history,
        :func:`zkvm.precompiles.tables.split_prev_ts`).  Vectorised over calls (the Python
        loops run over the 24 rounds and the 25 lanes).  ``pa1``: the ecall's ``a1``
        (``calls.a1``, recorded by the executor).
        """
        n = len(calls)
        rows = ROUNDS * n
        height = max(8, 1 << max(0, (rows - 1).bit_length()))
        trace = self.columns.new_trace(height)
        v = self.columns.view(trace)
        if n == 0:
            return trace
        u64 = np.uint64
        sin = calls.state_in.astype(u64)
        A = sin[:, 0::2] | (sin[:, 1::2] << u64(32))  # (n, 25) lanes

        def rotl(x, k):
            k %= 64
            return x if k == 0 else ((x << u64(k)) | (x >> u64(64 - k)))

        st_a = np.zeros((n, ROUNDS, 25), dtype=u64)
        st_c = np.zeros((n, ROUNDS, 5), dtype=u64)
        st_cp = np.zeros((n, ROUNDS, 5), dtype=u64)
        st_ap = np.zeros((n, ROUNDS, 25), dtype=u64)
        st_app = np.zeros((n, ROUNDS, 25), dtype=u64)
        for rnd in range(ROUNDS):
            st_a[:, rnd] = A
            C = A[:, 0:5] ^ A[:, 5:10] ^ A[:, 10:15] ^ A[:, 15:20] ^ A[:, 20:25]
            Dx = np.stack([C[:, (x - 1) % 5] ^ rotl(C[:, (x + 1) % 5], 1) for x in range(5)], axis=1)
            Ap = A ^ np.tile(Dx, (1, 5))
            st_c[:, rnd] = C
            st_cp[:, rnd] = C ^ Dx
            st_ap[:, rnd] = Ap
            B = np.zeros_like(Ap)
            for x in range(5):
                for y in range(5):
                    B[:, y + 5 * ((2 * x + 3 * y) % 5)] = rotl(Ap[:, x + 5 * y], RHO[x + 5 * y])
            App = np.stack([B[:, i] ^ (~B[:, (i % 5 + 1) % 5 + 5 * (i // 5)]
                                       & B[:, (i % 5 + 2) % 5 + 5 * (i // 5)]) for i in range(25)],
                           axis=1)
            st_app[:, rnd] = App
            A = App.copy()
            A[:, 0] ^= u64(RC[rnd])
        out = np.stack([A & u64(0xFFFFFFFF), A >> u64(32)], axis=2).reshape(n, 50).astype(np.uint32)
        if not np.array_equal(out, calls.state_out):
            raise ValueError("keccak precompile record disagrees with Keccak-f[1600] "
                             "(executor/tracegen mismatch)")

        def bits(x):  # (..., m) -> (..., 64 m)
            bb = (x[..., None] >> np.arange(64, dtype=u64)) & u64(1)
            return bb.reshape(*x.shape[:-1], -1).astype(np.uint32)

        def limbs16(x):  # (..., m) -> (..., 4 m)
            ll = (x[..., None] >> (16 * np.arange(4, dtype=u64))) & u64(0xFFFF)
            return ll.reshape(*x.shape[:-1], -1).astype(np.uint32)

        R = slice(0, rows)
        rnd = np.tile(np.arange(ROUNDS), n)
        v.is_real[R] = 1
        v.rnd[R] = rnd
        v.rc[R] = np.array([rc_bits(i) for i in range(ROUNDS)], dtype=np.uint32)[rnd]
        v.f_first[R] = rnd == 0
        v.f_last[R] = rnd == ROUNDS - 1
        v.f_mem[R] = rnd < MEM_ROWS
        v.f_mem4[R] = rnd < MEM_ROWS - 1
        v.sel[R] = rnd[:, None] == np.arange(MEM_ROWS)[None, :]
        rep = lambda x: np.repeat(np.asarray(x), ROUNDS, axis=0)  # noqa: E731
        ts = np.asarray(ts, dtype=np.int64)
        ptr = calls.state_ptr.astype(np.int64)
        v.ts[R] = rep(ts)
        v.w[R] = rep(ptr >> 2)
        first = np.arange(n) * ROUNDS
        v.ps[first] = np.stack([(ptr >> (8 * i)) & 0xFF for i in range(4)], axis=1)
        v.q[first] = (ptr & 0xFF) >> 2
        pre_l = limbs16(sin[:, 0::2] | (sin[:, 1::2] << u64(32)))
        post_l = limbs16(A)
        v.pre[R] = rep(pre_l)
        v.post[R] = rep(post_l)
        v.a[R] = limbs16(st_a.reshape(rows, 25))
        v.c[R] = bits(st_c.reshape(rows, 5))
        v.cp[R] = bits(st_cp.reshape(rows, 5))
        v.ap[R] = bits(st_ap.reshape(rows, 25))
        app = st_app.reshape(rows, 25)
        v.app[R] = limbs16(app[:, 1:])
        v.chi0[R] = bits(app[:, :1])
        # memory: row rr < 13 of each call, slot j: word 4rr + j (< 50)
        widx = np.arange(4 * MEM_ROWS)
        ok = widx < WORDS
        wi = widx[ok]
        mrow = (first[:, None] + (wi // 4)[None, :]).ravel()
        slot = np.tile(wi % 4, n)
        mvals = lambda words: np.stack([(words >> (8 * i)) & 0xFF for i in range(4)], axis=-1)  # noqa: E731
        bprev = mvals(calls.state_in.astype(np.int64)).reshape(n * WORDS, 4)
        bnew = mvals(calls.state_out.astype(np.int64)).reshape(n * WORDS, 4)
        for k in range(4):
            v.mp[mrow, 4 * slot + k] = bprev[:, k]
            v.mn[mrow, 4 * slot + k] = bnew[:, k]
        t0 = 4 * (ts + 2)
        pts = np.asarray(prev_ts, dtype=np.int64).reshape(n, WORDS)
        lo_, hi_ = buses.ts_diff_limbs((t0[:, None] + wi[None, :]).ravel(), pts.ravel())
        v.m_prev_ts[mrow, slot] = pts.ravel()
        v.m_lo[mrow, slot] = lo_
        v.m_hi[mrow, slot] = hi_
        a1 = calls.a1.astype(np.int64)  # the ecall's a1, recorded by the executor
        v.pa1[first] = np.stack([(a1 >> (8 * i)) & 0xFF for i in range(4)], axis=1)
        return trace


# ============================================================================ registry hooks
def airs() -> list:
    """The tables of this precompile, in the order of its registry row's ``tables``."""
    return [KeccakAir(), KeccakRoundAir()]


def traces(by_name: dict, calls, ts, prev_ts: dict) -> dict:
    """``{table: trace}`` for ``calls`` (``ts``: EXEC time of each ecall; ``prev_ts``:
    ``{buffer: (n, words)}`` previous access times, :func:`zkvm.precompiles.tables.
    split_prev_ts`)."""
    return {"keccak": by_name["keccak"].generate_trace(calls, ts, prev_ts["state"]),
            "keccak_round": KeccakRoundAir.generate_trace(len(calls))}

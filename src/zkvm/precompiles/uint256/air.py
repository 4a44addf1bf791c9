"""The ``uint256_mulmod`` table: one row per UINT256_MULMOD call (README.md in this folder).

Columns (byte limbs, little endian): ``x``, ``y``, ``m`` (32 each, the words read),
``r`` (32, the result written over ``x``), ``q`` (64, the quotient), ``mz`` (``m = 0``),
``carry`` (95, offset by 2^15), ``d``/``borrow`` (32 each, ``m − 1 − r``).

Constraints of a real row (``is_real``; padding rows are all zero and send nothing):

* hand-off: receives ``(0x5A10, ts, a0 limbs, a1 limbs)`` on PRECOMPILE; each pointer
  ``p`` is 4-aligned (``p0 = 4·qp``, ``qp < 64``), ``p < 2^30`` (``p3 < 64``) and
  ``p ≥ 2^16``; its word index ``w = qp + 2^6·p1 + 2^14·p2 + 2^22·p3``;
* memory, at memory times ``4(ts+2) + k``: ``k = 0..15`` read the 16 words of ``ym`` at
  ``4(wy + k)`` (values ``y`` then ``m``), ``k = 16..23`` read ``x`` and write ``r`` at
  ``4(wx + k − 16)``; every access proves ``prev_ts < t``;
* range: ``r``, ``q``, ``d`` are bytes (U8PAIR lookups), ``carry`` in ``[0, 2^16)``;
  ``x``, ``y``, ``m`` are bytes because every memory write range-checks its limbs;
* modulus: ``mz`` boolean; ``mz·Σ m_i = 0``; ``(is_real − mz)·(inv·Σ m_i − 1) = 0``, so
  ``mz = 1`` exactly when ``m = 0``; the modulus used is ``m' = m + mz·2^256``;
* product: for every byte position ``k = 0..95``,
  ``Σ_{i+j=k} x_i·y_j − Σ_{i+j=k} q_i·m'_j − r_k + c_{k−1} − 256·c_k = 0`` with
  ``c_k = carry_k − 2^15``, ``c_{−1} = c_95 = 0``;
* remainder: when ``m ≠ 0``, ``m − 1 − r = d`` byte by byte with boolean borrows and no
  final borrow, i.e. ``r < m``.

Correctness: every term of a position equation is bounded (products ≤ 33·255² <
2^22, ``|c| < 2^15``, ``256·|c| < 2^23``), so it holds over the integers, not only mod
p; summing the positions with weights ``256^k`` telescopes to ``x·y = q·m' + r`` as
integers.  With ``0 ≤ r < m'`` that makes ``r = x·y mod m'`` (and ``q`` unique).  Honest
carries satisfy ``|c_k| ≤ (2^22 + |c_{k−1}|)/256 < 2^15``.
"""

from __future__ import annotations

import numpy as np

from zkvm.chips import buses
from zkvm.chips.buses import PRECOMPILE
from zkvm.precompiles.registry import BY_FOLDER
from zkvm.stark.air import Air, Columns

SPEC = BY_FOLDER["uint256"]
SYS_UINT256_MULMOD = SPEC.number
N = 32          # bytes per 256-bit number
NQ = 64         # quotient bytes (x·y < 2^512)
NPOS = NQ + N   # byte positions of q·m' (m' has 33 limbs): 0..95
CARRY_OFFSET = 1 << 15
YM_WORDS, X_WORDS = 16, 8


class Uint256MulmodAir(Air):
    """One row per UINT256_MULMOD call (module docstring)."""

    name = "uint256_mulmod"
    may_be_empty = True
    columns = Columns(
        ("is_real", "1 on real rows"),
        ("ts", "EXEC time of the ecall"),
        ("px", 4, "a0 (x pointer) limbs"), ("py", 4, "a1 (y, m pointer) limbs"),
        ("qx", "px[0] / 4"), ("qy", "py[0] / 4"),
        ("wx", "x pointer / 4"), ("wy", "ym pointer / 4"),
        ("x", N, "x bytes (read)"), ("y", N, "y bytes (read)"), ("m", N, "m bytes (read)"),
        ("r", N, "result bytes (written over x)"),
        ("q", NQ, "quotient bytes"),
        ("mz", "1 iff m = 0 (modulus 2^256)"), ("m_inv", "inverse of the byte sum of m"),
        ("carry", NPOS - 1, "carry of byte position k, plus 2^15"),
        ("d", N, "m - 1 - r bytes (m != 0)"), ("borrow", N, "borrows of m - 1 - r"),
        ("prev_ts", YM_WORDS + X_WORDS, "previous access time per word (ym, then x)"),
        ("lo", YM_WORDS + X_WORDS, "ts limb"), ("hi", YM_WORDS + X_WORDS, "ts limb"),
    )
    max_degree = 3

    def eval(self, b):
        loc = b.local
        r = loc.is_real
        b.assert_bool(r, "is_real_bool")
        # --- hand-off and pointers ------------------------------------------------------
        b.receive(PRECOMPILE, [SYS_UINT256_MULMOD, loc.ts, *loc.px, *loc.py], multiplicity=r,
                  name="precompile_recv")
        for nm, p, q, w in (("x", loc.px, loc.qx, loc.wx), ("y", loc.py, loc.qy, loc.wy)):
            b.assert_zero(r * (p[0] - 4 * q), f"p{nm}_aligned")
            b.assert_zero(r * (w - q - 64 * p[1] - 16384 * p[2] - 4194304 * p[3]), f"p{nm}_word")
            buses.range_u8_pair(b, q + 192, p[3] + 192, r, f"p{nm}_q_top")
            buses.range_u16(b, p[2] + 256 * p[3] - 1, r, f"p{nm}_min")
        # --- memory ---------------------------------------------------------------------------
        T0 = 4 * (loc.ts + 2)
        ym = list(loc.y) + list(loc.m)
        for k in range(YM_WORDS):
            buses.mem_read(b, 4 * (loc.wy + k), ym[4 * k: 4 * k + 4], T0 + k, loc.prev_ts[k],
                           loc.lo[k], loc.hi[k], r, f"ym{k}", check_hi=False)
        for j in range(X_WORDS):
            k = YM_WORDS + j
            buses.mem_access(b, 4 * (loc.wx + j), list(loc.x[4 * j: 4 * j + 4]),
                             list(loc.r[4 * j: 4 * j + 4]), T0 + k, loc.prev_ts[k], loc.lo[k],
                             loc.hi[k], r, f"x{j}", check_hi=False)
        for k in range(0, YM_WORDS + X_WORDS, 2):
            buses.range_u8_pair(b, loc.hi[k], loc.hi[k + 1], r, f"ts_hi{k}")
        # --- ranges -----------------------------------------------------------------------------
        for nm, cols in (("r", loc.r), ("q", loc.q), ("d", loc.d)):
            for i in range(0, len(cols), 2):
                buses.range_u8_pair(b, cols[i], cols[i + 1], r, f"{nm}{i}_byte")
        for k in range(NPOS - 1):
            buses.range_u16(b, loc.carry[k], r, f"carry{k}")
        # --- modulus ------------------------------------------------------------------------------
        mz = loc.mz
        b.assert_bool(mz, "mz_bool")
        b.assert_zero(mz * (1 - r), "mz_real")
        msum = sum(loc.m[i] for i in range(N))
        b.assert_zero(mz * msum, "mz_m_zero")
        nzf = r - mz  # 1 iff a real row with m != 0
        b.assert_zero(nzf * (loc.m_inv * msum - 1), "m_nonzero")
        # --- x·y = q·m' + r --------------------------------------------------------------------
        mp = list(loc.m) + [mz]
        carry_prev = 0
        for k in range(NPOS):
            e = 0
            for i in range(max(0, k - N + 1), min(k, N - 1) + 1):
                e = e + loc.x[i] * loc.y[k - i]
            for i in range(max(0, k - N), min(k, NQ - 1) + 1):
                e = e - loc.q[i] * mp[k - i]
            if k < N:
                e = e - loc.r[k]
            c = (loc.carry[k] - CARRY_OFFSET) if k < NPOS - 1 else 0
            b.assert_zero(r * (e + carry_prev - 256 * c), f"mul{k}")
            carry_prev = c
        # --- r < m when m != 0: m - 1 - r = d, no final borrow -----------------------------
        bprev = 0
        for i in range(N):
            bi = loc.borrow[i]
            b.assert_bool(bi, f"borrow{i}_bool")
            one = 1 if i == 0 else 0
            b.assert_zero(nzf * (loc.m[i] - loc.r[i] - one - bprev + 256 * bi - loc.d[i]),
                          f"lt{i}")
            bprev = bi
        b.assert_zero(nzf * bprev, "r_lt_m")

    # ------------------------------------------------------------------ trace
    def generate_trace(self, calls, ts, ym_prev_ts, x_prev_ts) -> np.ndarray:
        """Trace of ``calls`` (:func:`zkvm.precompiles.registry.calls_class`); ``ts``: EXEC
        time of each ecall; ``ym_prev_ts`` (n, 16), ``x_prev_ts`` (n, 8): previous access
        times of the words (global memory history)."""
        n = len(calls)
        height = max(8, 1 << max(0, (n - 1).bit_length()))
        tr = self.columns.new_trace(height)
        v = self.columns.view(tr)
        if n == 0:
            return tr
        ts = np.asarray(ts, dtype=np.int64)
        R = slice(0, n)

        def lbytes(words):  # (n, k) uint32 words -> (n, 4k) bytes
            w = np.asarray(words, dtype=np.int64)
            return np.stack([(w >> (8 * i)) & 0xFF for i in range(4)], axis=-1).reshape(len(w), -1)

        v.is_real[R] = 1
        v.ts[R] = ts
        for nm, ptr in (("x", calls.x_ptr), ("y", calls.ym_ptr)):
            p = np.asarray(ptr, dtype=np.int64)
            getattr(v, "p" + nm)[R] = np.stack([(p >> (8 * i)) & 0xFF for i in range(4)], axis=1)
            getattr(v, "q" + nm)[R] = (p & 0xFF) >> 2
            getattr(v, "w" + nm)[R] = p >> 2
        xb, ymb, rb = lbytes(calls.x_in), lbytes(calls.ym), lbytes(calls.x_out)
        v.x[R], v.y[R], v.m[R], v.r[R] = xb, ymb[:, :N], ymb[:, N:], rb
        to_int = lambda row: int.from_bytes(bytes(int(t) for t in row), "little")  # noqa: E731
        from zkvm.field.babybear import inv as _inv

        for c in range(n):
            x, y, m, res = (to_int(a[c]) for a in (xb, ymb[:, :N], ymb[:, N:], rb))
            mp = m if m else 1 << 256
            q, rr = divmod(x * y, mp)
            if rr != res:
                raise ValueError("uint256_mulmod record disagrees with x*y mod m "
                                 "(executor/tracegen mismatch)")
            qb = np.frombuffer(q.to_bytes(NQ, "little"), dtype=np.uint8).astype(np.int64)
            v.q[c] = qb
            v.mz[c] = int(m == 0)
            msum = int(ymb[c, N:].sum())
            v.m_inv[c] = int(_inv(np.array([msum], dtype=np.uint32))[0]) if msum else 0
            mpl = np.concatenate([ymb[c, N:], [1 if m == 0 else 0]])
            conv = (np.convolve(xb[c], ymb[c, :N]).tolist() + [0] * NPOS)[:NPOS]
            qm = np.convolve(qb, mpl).tolist()
            carry = 0
            for k in range(NPOS - 1):
                e = conv[k] - qm[k] - (int(rb[c, k]) if k < N else 0) + carry
                if e % 256:
                    raise ValueError("uint256_mulmod carry chain broken (tracegen bug)")
                carry = e // 256
                v.carry[c, k] = carry + CARRY_OFFSET
            if m:
                d = m - 1 - res
                v.d[c] = np.frombuffer(d.to_bytes(N, "little"), dtype=np.uint8)
                bprev = 0
                for i in range(N):
                    t = int(ymb[c, N + i]) - int(rb[c, i]) - (1 if i == 0 else 0) - bprev
                    bprev = int(t < 0)
                    v.borrow[c, i] = bprev
        pts = np.concatenate([np.asarray(ym_prev_ts, dtype=np.int64),
                              np.asarray(x_prev_ts, dtype=np.int64)], axis=1)
        t = 4 * (ts[:, None] + 2) + np.arange(YM_WORDS + X_WORDS)[None, :]
        lo, hi = buses.ts_diff_limbs(t.ravel(), pts.ravel())
        v.prev_ts[R] = pts
        v.lo[R] = np.asarray(lo).reshape(n, -1)
        v.hi[R] = np.asarray(hi).reshape(n, -1)
        return tr


# ============================================================================ registry hooks
def airs() -> list:
    """The tables of this precompile, in the order of its registry row's ``tables``."""
    return [Uint256MulmodAir()]


def traces(by_name: dict, calls, ts, prev_ts: dict) -> dict:
    return {"uint256_mulmod": by_name["uint256_mulmod"].generate_trace(
        calls, ts, prev_ts["ym"], prev_ts["x"])}

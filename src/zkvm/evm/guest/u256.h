/*
 * u256.h -- 256-bit unsigned words for the EVM guest, in plain C.
 *
 * A word is eight 32-bit limbs, least significant first (w[0] holds bits 0..31). 32-bit
 * limbs because the guest runs on RV32IM: a 32x32->64 product is one `mul` plus one
 * `mulhu`, and every limb add is a single register add plus a carry compare.
 *
 * Every operation the interpreter needs lives here (small ones inline) or in u256.c
 * (division, modular arithmetic, exponentiation). Nothing else in the guest touches
 * limbs directly except the byte conversions below, so a later 256-bit precompile can
 * replace the hot functions (u256_mul, u256_mulmod, u256_divmod) in one place.
 *
 * All functions allow the result to alias an operand unless stated otherwise.
 */
#ifndef EVM_U256_H
#define EVM_U256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t w[8];
} u256;

/* ---- construction and tests ---------------------------------------------------- */

static inline void u256_zero(u256 *r)
{
    for (int i = 0; i < 8; i++) {
        r->w[i] = 0;
    }
}

static inline void u256_from_u64(u256 *r, uint64_t v)
{
    r->w[0] = (uint32_t)v;
    r->w[1] = (uint32_t)(v >> 32);
    for (int i = 2; i < 8; i++) {
        r->w[i] = 0;
    }
}

static inline void u256_from_u32(u256 *r, uint32_t v)
{
    r->w[0] = v;
    for (int i = 1; i < 8; i++) {
        r->w[i] = 0;
    }
}

static inline int u256_is_zero(const u256 *a)
{
    uint32_t x = 0;
    for (int i = 0; i < 8; i++) {
        x |= a->w[i];
    }
    return x == 0;
}

static inline int u256_eq(const u256 *a, const u256 *b)
{
    uint32_t x = 0;
    for (int i = 0; i < 8; i++) {
        x |= a->w[i] ^ b->w[i];
    }
    return x == 0;
}

/* 1 if a fits in 64 bits (the value is then u256_lo64(a)). */
static inline int u256_fits_u64(const u256 *a)
{
    return (a->w[2] | a->w[3] | a->w[4] | a->w[5] | a->w[6] | a->w[7]) == 0;
}

static inline int u256_fits_u32(const u256 *a)
{
    return (a->w[1] | a->w[2] | a->w[3] | a->w[4] | a->w[5] | a->w[6] | a->w[7]) == 0;
}

static inline uint64_t u256_lo64(const u256 *a)
{
    return (uint64_t)a->w[0] | ((uint64_t)a->w[1] << 32);
}

/* min(a, limit) as a uint64_t: "saturating" conversion for sizes, offsets and gas. */
static inline uint64_t u256_sat64(const u256 *a, uint64_t limit)
{
    if (!u256_fits_u64(a)) {
        return limit;
    }
    uint64_t v = u256_lo64(a);
    return v < limit ? v : limit;
}

/* -1, 0, 1 as a < b, a == b, a > b (unsigned). */
static inline int u256_cmp(const u256 *a, const u256 *b)
{
    for (int i = 7; i >= 0; i--) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] < b->w[i] ? -1 : 1;
        }
    }
    return 0;
}

static inline int u256_lt(const u256 *a, const u256 *b)
{
    return u256_cmp(a, b) < 0;
}

/* Signed (two's complement) a < b. */
static inline int u256_slt(const u256 *a, const u256 *b)
{
    uint32_t sa = a->w[7] >> 31, sb = b->w[7] >> 31;
    if (sa != sb) {
        return sa > sb; /* negative < non-negative */
    }
    return u256_cmp(a, b) < 0;
}

static inline int u256_is_neg(const u256 *a)
{
    return (int)(a->w[7] >> 31);
}

/* ---- add, sub, bitwise --------------------------------------------------------- */

/* r = a + b mod 2^256; returns the carry out (0 or 1). */
static inline uint32_t u256_add(u256 *r, const u256 *a, const u256 *b)
{
    uint32_t carry = 0;
    for (int i = 0; i < 8; i++) {
        uint32_t x = a->w[i], s = x + b->w[i];
        uint32_t c1 = s < x;
        uint32_t t = s + carry;
        carry = c1 | (t < s);
        r->w[i] = t;
    }
    return carry;
}

/* r = a - b mod 2^256; returns the borrow out (1 iff a < b). */
static inline uint32_t u256_sub(u256 *r, const u256 *a, const u256 *b)
{
    uint32_t borrow = 0;
    for (int i = 0; i < 8; i++) {
        uint32_t x = a->w[i], y = b->w[i];
        uint32_t d = x - y;
        uint32_t b1 = x < y;
        uint32_t t = d - borrow;
        borrow = b1 | (d < borrow);
        r->w[i] = t;
    }
    return borrow;
}

static inline void u256_neg(u256 *r, const u256 *a)
{
    u256 z;
    u256_zero(&z);
    u256_sub(r, &z, a);
}

static inline void u256_and(u256 *r, const u256 *a, const u256 *b)
{
    for (int i = 0; i < 8; i++) {
        r->w[i] = a->w[i] & b->w[i];
    }
}

static inline void u256_or(u256 *r, const u256 *a, const u256 *b)
{
    for (int i = 0; i < 8; i++) {
        r->w[i] = a->w[i] | b->w[i];
    }
}

static inline void u256_xor(u256 *r, const u256 *a, const u256 *b)
{
    for (int i = 0; i < 8; i++) {
        r->w[i] = a->w[i] ^ b->w[i];
    }
}

static inline void u256_not(u256 *r, const u256 *a)
{
    for (int i = 0; i < 8; i++) {
        r->w[i] = ~a->w[i];
    }
}

/* ---- shifts (shift amounts >= 256 give 0, or all sign bits for SAR) ------------- */

static inline void u256_shl(u256 *r, const u256 *a, unsigned shift)
{
    u256 t;
    if (shift >= 256) {
        u256_zero(r);
        return;
    }
    unsigned limbs = shift >> 5, bits = shift & 31;
    for (int i = 7; i >= 0; i--) {
        int src = i - (int)limbs;
        uint32_t v = 0;
        if (src >= 0) {
            v = a->w[src] << bits;
            if (bits && src >= 1) {
                v |= a->w[src - 1] >> (32 - bits);
            }
        }
        t.w[i] = v;
    }
    *r = t;
}

static inline void u256_shr(u256 *r, const u256 *a, unsigned shift)
{
    u256 t;
    if (shift >= 256) {
        u256_zero(r);
        return;
    }
    unsigned limbs = shift >> 5, bits = shift & 31;
    for (int i = 0; i < 8; i++) {
        unsigned src = (unsigned)i + limbs;
        uint32_t v = 0;
        if (src < 8) {
            v = a->w[src] >> bits;
            if (bits && src + 1 < 8) {
                v |= a->w[src + 1] << (32 - bits);
            }
        }
        t.w[i] = v;
    }
    *r = t;
}

static inline void u256_sar(u256 *r, const u256 *a, unsigned shift)
{
    uint32_t fill = (uint32_t)0 - (a->w[7] >> 31);
    u256 t;
    if (shift >= 256) {
        for (int i = 0; i < 8; i++) {
            r->w[i] = fill;
        }
        return;
    }
    unsigned limbs = shift >> 5, bits = shift & 31;
    for (int i = 0; i < 8; i++) {
        unsigned src = (unsigned)i + limbs;
        uint32_t lo = src < 8 ? a->w[src] : fill;
        uint32_t hi = src + 1 < 8 ? a->w[src + 1] : fill;
        t.w[i] = bits ? (lo >> bits) | (hi << (32 - bits)) : lo;
    }
    *r = t;
}

/* ---- byte conversions ---------------------------------------------------------- */

/* r = the big-endian 32 bytes at p (any alignment). */
static inline void u256_from_be(u256 *r, const uint8_t *p)
{
    for (int i = 0; i < 8; i++) {
        const uint8_t *q = p + 28 - 4 * i;
        r->w[i] = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
    }
}

/* r = the big-endian number in the n <= 32 bytes at p. */
static inline void u256_from_be_n(u256 *r, const uint8_t *p, size_t n)
{
    u256_zero(r);
    for (size_t i = 0; i < n; i++) {
        size_t bit = 8 * (n - 1 - i);
        r->w[bit >> 5] |= (uint32_t)p[i] << (bit & 31);
    }
}

/* The 32 big-endian bytes of a at p (any alignment). */
static inline void u256_to_be(uint8_t *p, const u256 *a)
{
    for (int i = 0; i < 8; i++) {
        uint8_t *q = p + 28 - 4 * i;
        uint32_t v = a->w[i];
        q[0] = (uint8_t)(v >> 24);
        q[1] = (uint8_t)(v >> 16);
        q[2] = (uint8_t)(v >> 8);
        q[3] = (uint8_t)v;
    }
}

/* Number of significant bytes of a (0 for a = 0). */
static inline unsigned u256_byte_len(const u256 *a)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t v = a->w[i];
        if (v) {
            unsigned b = 4;
            while (!(v >> 24)) {
                v <<= 8;
                b--;
            }
            return 4 * (unsigned)i + b;
        }
    }
    return 0;
}

/* Number of significant bits of a (0 for a = 0). */
static inline unsigned u256_bit_len(const u256 *a)
{
    for (int i = 7; i >= 0; i--) {
        if (a->w[i]) {
            return 32 * (unsigned)i + 32 - (unsigned)__builtin_clz(a->w[i]);
        }
    }
    return 0;
}

/* ---- EVM byte/sign operations -------------------------------------------------- */

/* BYTE: the i-th byte of x counting from the most significant (0 for i >= 32). */
static inline void u256_byte(u256 *r, const u256 *i, const u256 *x)
{
    uint32_t v = 0;
    if (u256_fits_u32(i) && i->w[0] < 32) {
        unsigned bit = 8 * (31 - i->w[0]);
        v = (x->w[bit >> 5] >> (bit & 31)) & 0xff;
    }
    u256_from_u32(r, v);
}

/* SIGNEXTEND: extend the sign of byte b (counting from the least significant) of x. */
static inline void u256_signextend(u256 *r, const u256 *b, const u256 *x)
{
    if (!u256_fits_u32(b) || b->w[0] >= 31) {
        *r = *x;
        return;
    }
    unsigned bit = 8 * b->w[0] + 7;
    unsigned limb = bit >> 5, off = bit & 31;
    uint32_t sign = (x->w[limb] >> off) & 1;
    uint32_t fill = (uint32_t)0 - sign;
    u256 t = *x;
    uint32_t keep = off == 31 ? 0xffffffffu : ((1u << (off + 1)) - 1);
    t.w[limb] = (t.w[limb] & keep) | (fill & ~keep);
    for (unsigned i = limb + 1; i < 8; i++) {
        t.w[i] = fill;
    }
    *r = t;
}

/* ---- multiplication and division (u256.c) --------------------------------------- */

/* r = a * b mod 2^256. */
void u256_mul(u256 *r, const u256 *a, const u256 *b);
/* q = a / b, m = a % b (unsigned); b = 0 gives q = m = 0 (EVM semantics). q or m may be NULL. */
void u256_divmod(u256 *q, u256 *m, const u256 *a, const u256 *b);
/* SDIV / SMOD (two's complement, EVM semantics: x / 0 = 0, x % 0 = 0, sign of SMOD = sign of a). */
void u256_sdiv(u256 *r, const u256 *a, const u256 *b);
void u256_smod(u256 *r, const u256 *a, const u256 *b);
/* (a + b) % n and (a * b) % n with full-width intermediates; n = 0 gives 0. */
void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *n);
void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *n);
/* r = base ^ exp mod 2^256. */
void u256_exp(u256 *r, const u256 *base, const u256 *exp);

#endif /* EVM_U256_H */

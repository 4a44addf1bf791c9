/*
 * u256.c -- the heavy 256-bit operations: multiplication, division (Knuth's algorithm D
 * on 32-bit limbs), ADDMOD, MULMOD and EXP. See u256.h for the representation.
 */
#include "u256.h"

/* Number of significant 32-bit limbs of the n-limb number a (0 for a = 0). */
static int limbs_used(const uint32_t *a, int n)
{
    while (n > 0 && a[n - 1] == 0) {
        n--;
    }
    return n;
}

void u256_mul(u256 *r, const u256 *a, const u256 *b)
{
    uint32_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int na = limbs_used(a->w, 8), nb = limbs_used(b->w, 8);
    for (int i = 0; i < na; i++) {
        uint32_t ai = a->w[i];
        if (ai == 0) {
            continue;
        }
        uint32_t carry = 0;
        int jmax = 8 - i;
        if (jmax > nb) {
            jmax = nb;
        }
        int j = 0;
        for (; j < jmax; j++) {
            uint64_t p = (uint64_t)ai * b->w[j] + t[i + j] + carry;
            t[i + j] = (uint32_t)p;
            carry = (uint32_t)(p >> 32);
        }
        if (i + j < 8) {
            t[i + j] = carry; /* nothing was there yet: row i only reaches i + nb */
        }
    }
    for (int i = 0; i < 8; i++) {
        r->w[i] = t[i];
    }
}

/*
 * (u1:u0) / v for a normalised v (top bit set) and u1 < v: the quotient fits 32 bits.
 * Two 32/16-bit steps with 32-bit divu (Hacker's Delight, "divlu"), instead of the
 * compiler's generic 64/64-bit division routine (several times slower on RV32).
 */
static inline uint32_t divlu(uint32_t u1, uint32_t u0, uint32_t v, uint32_t *r)
{
    const uint32_t b = 65536;
    uint32_t vn1 = v >> 16, vn0 = v & 0xffff;
    uint32_t un1 = u0 >> 16, un0 = u0 & 0xffff;
    uint32_t q1 = u1 / vn1, rhat = u1 - q1 * vn1;
    while (q1 >= b || q1 * vn0 > b * rhat + un1) {
        q1--;
        rhat += vn1;
        if (rhat >= b) {
            break;
        }
    }
    uint32_t un21 = u1 * b + un1 - q1 * v; /* mod 2^32: the true value is < v */
    uint32_t q0 = un21 / vn1;
    rhat = un21 - q0 * vn1;
    while (q0 >= b || q0 * vn0 > b * rhat + un0) {
        q0--;
        rhat += vn1;
        if (rhat >= b) {
            break;
        }
    }
    *r = un21 * b + un0 - q0 * v;
    return q1 * b + q0;
}

/*
 * Unsigned division of the m-limb number u by the n-limb number v (v[n-1] != 0,
 * 1 <= n <= m <= 16): q gets m - n + 1 limbs, r gets n limbs. Knuth, TAOCP vol. 2,
 * 4.3.1, algorithm D: normalise so the divisor's top bit is set, estimate each quotient
 * limb from the top two limbs (at most 2 too large), multiply-subtract, add back once
 * if it went negative.
 */
static void divmod_limbs(uint32_t *q, uint32_t *r, const uint32_t *u, int m, const uint32_t *v, int n)
{
    if (n == 1) { /* short division by a normalised single limb */
        int s1 = __builtin_clz(v[0]);
        uint32_t d = v[0] << s1;
        uint32_t rem = s1 ? u[m - 1] >> (32 - s1) : 0;
        for (int i = m - 1; i >= 0; i--) {
            uint32_t lo = s1 ? (u[i] << s1) | (i ? u[i - 1] >> (32 - s1) : 0) : u[i];
            q[i] = divlu(rem, lo, d, &rem);
        }
        r[0] = rem >> s1;
        return;
    }
    uint32_t vn[16], un[17];
    int s = __builtin_clz(v[n - 1]);
    for (int i = n - 1; i > 0; i--) {
        vn[i] = s ? (v[i] << s) | (v[i - 1] >> (32 - s)) : v[i];
    }
    vn[0] = v[0] << s;
    un[m] = s ? u[m - 1] >> (32 - s) : 0;
    for (int i = m - 1; i > 0; i--) {
        un[i] = s ? (u[i] << s) | (u[i - 1] >> (32 - s)) : u[i];
    }
    un[0] = u[0] << s;

    uint64_t vtop = vn[n - 1], vnext = vn[n - 2];
    for (int j = m - n; j >= 0; j--) {
        uint64_t num = ((uint64_t)un[j + n] << 32) | un[j + n - 1];
        uint64_t qhat, rhat;
        if (un[j + n] >= vtop) {
            /* the estimate would be >= 2^32: start from 2^32 - 1 */
            qhat = 0xffffffffull;
            rhat = num - qhat * vtop;
        } else {
            uint32_t r32;
            qhat = divlu(un[j + n], un[j + n - 1], (uint32_t)vtop, &r32);
            rhat = r32;
        }
        while (rhat < (1ull << 32) && qhat * vnext > ((rhat << 32) | un[j + n - 2])) {
            qhat--;
            rhat += vtop;
        }
        /* un[j .. j+n] -= qhat * vn */
        int64_t borrow = 0;
        uint32_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t p = qhat * vn[i] + carry;
            carry = (uint32_t)(p >> 32);
            int64_t t = (int64_t)un[i + j] - (int64_t)(uint32_t)p + borrow;
            un[i + j] = (uint32_t)t;
            borrow = t >> 32; /* 0 or -1 */
        }
        int64_t t = (int64_t)un[j + n] - (int64_t)carry + borrow;
        un[j + n] = (uint32_t)t;
        if (t < 0) {
            /* qhat was one too large: add the divisor back */
            qhat--;
            uint64_t c = 0;
            for (int i = 0; i < n; i++) {
                uint64_t sum = (uint64_t)un[i + j] + vn[i] + c;
                un[i + j] = (uint32_t)sum;
                c = sum >> 32;
            }
            un[j + n] += (uint32_t)c;
        }
        q[j] = (uint32_t)qhat;
    }
    for (int i = 0; i < n; i++) {
        r[i] = s ? (un[i] >> s) | (un[i + 1] << (32 - s)) : un[i];
    }
}

/* q (m-n+1 limbs, may be NULL) and r (n limbs... written as 8) of u (m limbs) / v (8 limbs).
 * v must be non-zero. r receives the remainder zero-extended to `rlen` limbs. */
static void divmod_wide(uint32_t *q, int qlen, uint32_t *r, int rlen, const uint32_t *u, int m, const uint32_t *v)
{
    int n = limbs_used(v, 8);
    int mu = limbs_used(u, m);
    uint32_t qq[17], rr[16];
    for (int i = 0; i < qlen; i++) {
        if (q) {
            q[i] = 0;
        }
    }
    for (int i = 0; i < rlen; i++) {
        r[i] = 0;
    }
    if (mu < n) { /* u < v */
        for (int i = 0; i < mu && i < rlen; i++) {
            r[i] = u[i];
        }
        return;
    }
    divmod_limbs(qq, rr, u, mu, v, n);
    if (q) {
        for (int i = 0; i <= mu - n && i < qlen; i++) {
            q[i] = qq[i];
        }
    }
    for (int i = 0; i < n && i < rlen; i++) {
        r[i] = rr[i];
    }
}

void u256_divmod(u256 *q, u256 *m, const u256 *a, const u256 *b)
{
    if (u256_is_zero(b)) {
        if (q) {
            u256_zero(q);
        }
        if (m) {
            u256_zero(m);
        }
        return;
    }
    u256 qq, rr;
    /* fast path: both fit in 64 bits */
    if (u256_fits_u64(a) && u256_fits_u64(b)) {
        uint64_t x = u256_lo64(a), y = u256_lo64(b);
        u256_from_u64(&qq, x / y);
        u256_from_u64(&rr, x % y);
    } else {
        divmod_wide(qq.w, 8, rr.w, 8, a->w, 8, b->w);
    }
    if (q) {
        *q = qq;
    }
    if (m) {
        *m = rr;
    }
}

void u256_sdiv(u256 *r, const u256 *a, const u256 *b)
{
    int na = u256_is_neg(a), nb = u256_is_neg(b);
    u256 x = *a, y = *b, q;
    if (na) {
        u256_neg(&x, &x);
    }
    if (nb) {
        u256_neg(&y, &y);
    }
    u256_divmod(&q, NULL, &x, &y);
    if (na != nb) {
        u256_neg(&q, &q);
    }
    *r = q;
}

void u256_smod(u256 *r, const u256 *a, const u256 *b)
{
    int na = u256_is_neg(a), nb = u256_is_neg(b);
    u256 x = *a, y = *b, m;
    if (na) {
        u256_neg(&x, &x);
    }
    if (nb) {
        u256_neg(&y, &y);
    }
    u256_divmod(NULL, &m, &x, &y);
    if (na) {
        u256_neg(&m, &m);
    }
    *r = m;
}

void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *n)
{
    if (u256_is_zero(n)) {
        u256_zero(r);
        return;
    }
    uint32_t sum[9];
    u256 s;
    sum[8] = u256_add(&s, a, b);
    for (int i = 0; i < 8; i++) {
        sum[i] = s.w[i];
    }
    u256 rem;
    divmod_wide(NULL, 0, rem.w, 8, sum, 9, n->w);
    *r = rem;
}

void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *n)
{
    if (u256_is_zero(n)) {
        u256_zero(r);
        return;
    }
    uint32_t prod[16];
    for (int i = 0; i < 16; i++) {
        prod[i] = 0;
    }
    int na = limbs_used(a->w, 8), nb = limbs_used(b->w, 8);
    for (int i = 0; i < na; i++) {
        uint32_t carry = 0;
        uint32_t ai = a->w[i];
        for (int j = 0; j < nb; j++) {
            uint64_t p = (uint64_t)ai * b->w[j] + prod[i + j] + carry;
            prod[i + j] = (uint32_t)p;
            carry = (uint32_t)(p >> 32);
        }
        prod[i + nb] = carry;
    }
    u256 rem;
    divmod_wide(NULL, 0, rem.w, 8, prod, 16, n->w);
    *r = rem;
}

void u256_exp(u256 *r, const u256 *base, const u256 *exp)
{
    u256 result, b = *base;
    u256_from_u32(&result, 1);
    unsigned bits = u256_bit_len(exp);
    for (unsigned i = 0; i < bits; i++) {
        if ((exp->w[i >> 5] >> (i & 31)) & 1) {
            u256_mul(&result, &result, &b);
        }
        if (i + 1 < bits) {
            u256_mul(&b, &b, &b);
        }
    }
    *r = result;
}

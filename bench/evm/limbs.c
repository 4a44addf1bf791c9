/*
 * limbs.c -- 256-bit add and multiply with 8 x 32-bit limbs (the EVM guest's choice)
 * against 4 x 64-bit limbs, on RV32IM. bench/bench_evm_limbs.py runs it.
 *
 * Input: u32 op (0: add32, 1: add64, 2: mul32, 3: mul64, 4: nothing), u32 iterations.
 * Journal: a checksum word, so the work cannot be optimised away.
 */
#include <stdint.h>

#include "zkvm.h"

typedef struct { uint32_t w[8]; } v32;
typedef struct { uint64_t w[4]; } v64;

__attribute__((noinline)) static void add32(v32 *r, const v32 *a, const v32 *b)
{
    uint32_t c = 0;
    for (int i = 0; i < 8; i++) {
        uint32_t s = a->w[i] + b->w[i];
        uint32_t c1 = s < a->w[i];
        uint32_t t = s + c;
        c = c1 | (t < s);
        r->w[i] = t;
    }
}

__attribute__((noinline)) static void add64(v64 *r, const v64 *a, const v64 *b)
{
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t s = a->w[i] + b->w[i];
        uint64_t c1 = s < a->w[i];
        uint64_t t = s + c;
        c = c1 | (t < s);
        r->w[i] = t;
    }
}

__attribute__((noinline)) static void mul32(v32 *r, const v32 *a, const v32 *b)
{
    uint32_t t[8] = {0};
    for (int i = 0; i < 8; i++) {
        uint32_t carry = 0;
        for (int j = 0; i + j < 8; j++) {
            uint64_t p = (uint64_t)a->w[i] * b->w[j] + t[i + j] + carry;
            t[i + j] = (uint32_t)p;
            carry = (uint32_t)(p >> 32);
        }
    }
    for (int i = 0; i < 8; i++) {
        r->w[i] = t[i];
    }
}

/* 64x64 -> 128 from four 32x32 products (RV32 has no 64-bit multiply) */
static inline void mul64x64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

__attribute__((noinline)) static void mul64(v64 *r, const v64 *a, const v64 *b)
{
    uint64_t t[4] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; i + j < 4; j++) {
            uint64_t lo, hi;
            mul64x64(a->w[i], b->w[j], &lo, &hi);
            lo += carry;
            hi += lo < carry;
            lo += t[i + j];
            hi += lo < t[i + j];
            t[i + j] = lo;
            carry = hi;
        }
    }
    for (int i = 0; i < 4; i++) {
        r->w[i] = t[i];
    }
}

int main(void)
{
    uint32_t op = zkvm_read_u32(), n = zkvm_read_u32();
    v32 a32 = {{0x89abcdefu, 0x01234567u, 0xdeadbeefu, 0x0badf00du, 0x13579bdfu, 0x2468ace0u, 0xfedcba98u, 0x76543210u}};
    v32 b32 = a32, r32 = a32;
    v64 a64, b64, r64;
    for (int i = 0; i < 4; i++) {
        a64.w[i] = (uint64_t)a32.w[2 * i] | ((uint64_t)a32.w[2 * i + 1] << 32);
    }
    b64 = a64;
    r64 = a64;
    for (uint32_t k = 0; k < n; k++) {
        switch (op) {
        case 0: add32(&r32, &r32, &b32); break;
        case 1: add64(&r64, &r64, &b64); break;
        case 2: mul32(&r32, &r32, &b32); break;
        case 3: mul64(&r64, &r64, &b64); break;
        default: break;
        }
    }
    uint32_t x = 0;
    for (int i = 0; i < 8; i++) {
        x ^= r32.w[i] ^ (uint32_t)(r64.w[i / 2] >> (32 * (i & 1)));
    }
    zkvm_commit_u32(x);
    return 0;
}

/*
 * csmith.h -- zkvm's own runtime header for csmith-generated programs
 * (tools/csmith_audit.py, zkvm.audit.generate_csmith). Replaces csmith's csmith.h,
 * platform_generic.h, random_inc.h and safe_math.h.
 *
 * A generated program computes a CRC-32 over all its global variables
 * (transparent_crc) and ends with platform_main_end(checksum, ...). Here that writes the
 * checksum to the *journal* (4 bytes, little-endian, via zkvm.h) and prints
 * "checksum = XXXXXXXX" on stdout, so the zkvm executor, qemu-riscv32 and every build
 * can be compared on the public output.
 *
 * The safe_* functions are csmith's contract: arithmetic that is never undefined in C.
 * Where the C operation would be undefined (signed overflow, division by zero,
 * INT_MIN / -1, shifting by a negative amount or >= 32, shifting a negative value or
 * shifting bits out of a signed value) the function returns its first operand instead.
 * Unsigned arithmetic wraps and is computed in `unsigned int` or wider, so that the
 * integer promotions of uint8_t/uint16_t to int cannot overflow. Written for zkvm from
 * the C standard's rules, not copied from csmith.
 */
#ifndef ZKVM_CSMITH_H
#define ZKVM_CSMITH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zkvm.h"

/* ---- checksum ----------------------------------------------------------------------- */

static uint32_t crc32_tab[256];
static uint32_t crc32_context = 0xFFFFFFFFUL;

static void crc32_gentab(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320UL : c >> 1;
        }
        crc32_tab[i] = c;
    }
}

static void crc32_byte(uint8_t b)
{
    crc32_context = (crc32_context >> 8) ^ crc32_tab[(crc32_context ^ b) & 0xFF];
}

static void transparent_crc(uint64_t val, const char *vname, int flag)
{
    for (int i = 0; i < 8; i++) {
        crc32_byte((uint8_t)(val >> (8 * i)));
    }
    if (flag) {
        printf("...checksum after hashing %s : %08X\n", vname, (unsigned)(crc32_context ^ 0xFFFFFFFFUL));
    }
}

static void transparent_crc_bytes(const void *ptr, int nbytes, const char *vname, int flag)
{
    const uint8_t *p = (const uint8_t *)ptr;
    for (int i = 0; i < nbytes; i++) {
        crc32_byte(p[i]);
    }
    if (flag) {
        printf("...checksum after hashing %s : %08X\n", vname, (unsigned)(crc32_context ^ 0xFFFFFFFFUL));
    }
}

static void platform_main_begin(void)
{
}

static void platform_main_end(uint32_t crc, int flag)
{
    (void)flag;
    zkvm_commit_u32(crc);
    printf("checksum = %08X\n", (unsigned)crc);
}

/* ---- safe math: signed -------------------------------------------------------------- */

#define ZKVM_SAFE_SIGNED(T, MIN, MAX)                                                        \
    static inline T safe_unary_minus_func_##T##_s(T a)                                       \
    {                                                                                        \
        return a == MIN ? a : (T)-a;                                                         \
    }                                                                                        \
    static inline T safe_add_func_##T##_s_s(T a, T b)                                        \
    {                                                                                        \
        return ((b > 0 && a > MAX - b) || (b < 0 && a < MIN - b)) ? a : (T)(a + b);          \
    }                                                                                        \
    static inline T safe_sub_func_##T##_s_s(T a, T b)                                        \
    {                                                                                        \
        return ((b < 0 && a > MAX + b) || (b > 0 && a < MIN + b)) ? a : (T)(a - b);          \
    }                                                                                        \
    static inline T safe_mul_func_##T##_s_s(T a, T b)                                        \
    {                                                                                        \
        if (a == 0 || b == 0) return (T)0;                                                   \
        if (a > 0 ? (b > 0 ? a > MAX / b : b < MIN / a)                                      \
                  : (b > 0 ? a < MIN / b : (a != 0 && b < MAX / a)))                         \
            return a;                                                                        \
        return (T)(a * b);                                                                   \
    }                                                                                        \
    static inline T safe_div_func_##T##_s_s(T a, T b)                                        \
    {                                                                                        \
        return (b == 0 || (a == MIN && b == -1)) ? a : (T)(a / b);                           \
    }                                                                                        \
    static inline T safe_mod_func_##T##_s_s(T a, T b)                                        \
    {                                                                                        \
        return (b == 0 || (a == MIN && b == -1)) ? a : (T)(a % b);                           \
    }                                                                                        \
    static inline T safe_lshift_func_##T##_s_s(T a, int b)                                   \
    {                                                                                        \
        return (a < 0 || b < 0 || b >= 32 || a > (MAX >> b)) ? a : (T)(a << b);              \
    }                                                                                        \
    static inline T safe_lshift_func_##T##_s_u(T a, unsigned int b)                          \
    {                                                                                        \
        return (a < 0 || b >= 32 || a > (MAX >> b)) ? a : (T)(a << b);                       \
    }                                                                                        \
    static inline T safe_rshift_func_##T##_s_s(T a, int b)                                   \
    {                                                                                        \
        return (a < 0 || b < 0 || b >= 32) ? a : (T)(a >> b);                                \
    }                                                                                        \
    static inline T safe_rshift_func_##T##_s_u(T a, unsigned int b)                          \
    {                                                                                        \
        return (a < 0 || b >= 32) ? a : (T)(a >> b);                                         \
    }

/* ---- safe math: unsigned (W: a type at least as wide as T and as unsigned int) ------- */

#define ZKVM_SAFE_UNSIGNED(T, W, MAX)                                                        \
    static inline T safe_unary_minus_func_##T##_u(T a)                                       \
    {                                                                                        \
        return (T)(0u - (W)a);                                                               \
    }                                                                                        \
    static inline T safe_add_func_##T##_u_u(T a, T b)                                        \
    {                                                                                        \
        return (T)((W)a + (W)b);                                                             \
    }                                                                                        \
    static inline T safe_sub_func_##T##_u_u(T a, T b)                                        \
    {                                                                                        \
        return (T)((W)a - (W)b);                                                             \
    }                                                                                        \
    static inline T safe_mul_func_##T##_u_u(T a, T b)                                        \
    {                                                                                        \
        return (T)((W)a * (W)b);                                                             \
    }                                                                                        \
    static inline T safe_div_func_##T##_u_u(T a, T b)                                        \
    {                                                                                        \
        return b == 0 ? a : (T)(a / b);                                                      \
    }                                                                                        \
    static inline T safe_mod_func_##T##_u_u(T a, T b)                                        \
    {                                                                                        \
        return b == 0 ? a : (T)(a % b);                                                      \
    }                                                                                        \
    static inline T safe_lshift_func_##T##_u_s(T a, int b)                                   \
    {                                                                                        \
        return (b < 0 || b >= 32 || a > (MAX >> b)) ? a : (T)((W)a << b);                    \
    }                                                                                        \
    static inline T safe_lshift_func_##T##_u_u(T a, unsigned int b)                         \
    {                                                                                        \
        return (b >= 32 || a > (MAX >> b)) ? a : (T)((W)a << b);                             \
    }                                                                                        \
    static inline T safe_rshift_func_##T##_u_s(T a, int b)                                   \
    {                                                                                        \
        return (b < 0 || b >= 32) ? a : (T)(a >> b);                                         \
    }                                                                                        \
    static inline T safe_rshift_func_##T##_u_u(T a, unsigned int b)                         \
    {                                                                                        \
        return b >= 32 ? a : (T)(a >> b);                                                    \
    }

ZKVM_SAFE_SIGNED(int8_t, INT8_MIN, INT8_MAX)
ZKVM_SAFE_SIGNED(int16_t, INT16_MIN, INT16_MAX)
ZKVM_SAFE_SIGNED(int32_t, INT32_MIN, INT32_MAX)
ZKVM_SAFE_SIGNED(int64_t, INT64_MIN, INT64_MAX)
ZKVM_SAFE_UNSIGNED(uint8_t, unsigned int, UINT8_MAX)
ZKVM_SAFE_UNSIGNED(uint16_t, unsigned int, UINT16_MAX)
ZKVM_SAFE_UNSIGNED(uint32_t, unsigned int, UINT32_MAX)
ZKVM_SAFE_UNSIGNED(uint64_t, uint64_t, UINT64_MAX)

#endif /* ZKVM_CSMITH_H */

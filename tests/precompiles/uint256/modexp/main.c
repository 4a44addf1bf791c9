/*
 * modexp: 256-bit modular exponentiation on the UINT256_MULMOD precompile.
 *
 * Private input: base, exponent, modulus (32 bytes each, little endian; fewer bytes
 * are zero-extended). Modulus 0 means 2^256.
 * Journal (public): base^exponent mod modulus (32 bytes, little endian).
 * Stdout: the result in hex (big endian) and the number of multiplications.
 *
 * Left-to-right square-and-multiply: one zkvm_uint256_mulmod per step. Build with
 * -DZKVM_NO_PRECOMPILES for the plain C path (same results, every step in RV32IM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkvm.h"

static void load(uint32_t out[8], const uint8_t *b)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                 (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
    }
}

int main(void)
{
    uint8_t in[96];
    memset(in, 0, sizeof in);
    size_t n = zkvm_read(in, sizeof in);
    (void)n;
    uint32_t *nums = malloc(4 * sizeof(uint32_t[8]));
    if (nums == NULL) {
        return 2;
    }
    uint32_t *base = nums, *e = nums + 8, *m = nums + 16, *acc = nums + 24;
    load(base, in);
    load(e, in + 32);
    load(m, in + 64);

    /* acc = 1 mod m (m = 1 gives 0) */
    static const uint32_t one[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    memset(acc, 0, 32);
    acc[0] = 1;
    zkvm_uint256_mulmod(acc, acc, one, m);
    unsigned muls = 1;
    int started = 0;
    for (int bit = 255; bit >= 0; bit--) {
        if (started) {
            zkvm_uint256_mulmod(acc, acc, acc, m);
            muls++;
        }
        if ((e[bit >> 5] >> (bit & 31)) & 1u) {
            zkvm_uint256_mulmod(acc, acc, base, m);
            muls++;
            started = 1;
        }
    }
    uint8_t out[32];
    for (int i = 0; i < 32; i++) {
        out[i] = (uint8_t)(acc[i >> 2] >> (8 * (i & 3)));
    }
    zkvm_commit(out, sizeof out);
    for (int i = 31; i >= 0; i--) {
        printf("%02x", out[i]);
    }
    printf("\n%u mulmods\n", muls);
    free(nums);
    return 0;
}

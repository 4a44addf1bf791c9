/* Optimisation-level test guest (tests/toolchain/test_opt_levels.py): a small hot loop
 * with a constant trip count and a helper worth inlining, where clang -O1 and -O3 make
 * different code (loop unrolling, inlining; -O3 also unswitches a loop
 * that -O2 leaves alone). Input: n (u32); journal: a u32 checksum. */
#include <stdint.h>

#include "zkvm.h"

static uint32_t mix(uint32_t x, uint32_t k)
{
    for (int i = 0; i < 8; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x = x * 2654435761u + k;
    }
    return x;
}

static uint32_t table[256];

/* a loop-invariant branch inside a loop: -O3 unswitches it (two copies of the loop) */
static uint32_t __attribute__((noinline)) walk(const uint32_t *t, uint32_t flag, uint32_t x)
{
    uint32_t acc = 0;
    for (uint32_t i = 0; i < 256; i++) {
        if (flag & 1) {
            acc += t[i] ^ x;
        } else {
            acc -= t[i] + x;
        }
        if (flag & 2) {
            acc = (acc << 3) | (acc >> 29);
        }
    }
    return acc;
}

int main(void)
{
    uint32_t n = zkvm_read_u32();
    uint32_t s = 0;
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < 256; i++) {
            table[i] = mix(table[i] + i, r);
        }
        for (uint32_t i = 0; i < 256; i++) {
            s += table[i] >> (i & 7);
        }
        s += walk(table, r + n, s);
    }
    zkvm_commit_u32(s);
    return 0;
}

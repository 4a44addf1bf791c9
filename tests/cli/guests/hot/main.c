/* A profiling target: main calls checksum() (a known helper) many times and mix()
 * from it; most cycles are in checksum. */
#include <stdint.h>
#include <stdio.h>

#include "zkvm.h"

__attribute__((noinline)) static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x45d9f3bu;
    return x ^ (x >> 16);
}

__attribute__((noinline)) uint32_t checksum(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return mix(h);
}

int main(void)
{
    static uint8_t buf[256];
    uint32_t rounds = zkvm_read_u32();
    uint32_t acc = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        buf[r & 255] = (uint8_t)r;
        acc += checksum(buf, sizeof buf);
    }
    zkvm_commit_u32(acc);
    printf("acc %u\n", (unsigned)acc);
    return 0;
}

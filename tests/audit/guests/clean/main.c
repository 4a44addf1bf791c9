/* A correct guest (tests/audit): no undefined behaviour, uses printf, malloc and the
 * journal. Every build must agree. Input: any bytes; journal: FNV-1a of the input and
 * the sum of a heap-allocated table; stdout: both in hex; exit code: input length % 7. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "zkvm.h"

int main(void)
{
    unsigned char buf[256];
    size_t n = zkvm_read(buf, sizeof buf);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ buf[i]) * 16777619u;
    }
    uint32_t *t = malloc(1000 * sizeof *t);
    if (t == NULL) {
        return 99;
    }
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        t[i] = i * h + (i >> 3);
        sum += t[i] ^ (sum >> 5);
    }
    free(t);
    zkvm_commit_u32(h);
    zkvm_commit_u32(sum);
    printf("fnv1a %08x sum %08x\n", (unsigned)h, (unsigned)sum);
    return (int)(n % 7);
}

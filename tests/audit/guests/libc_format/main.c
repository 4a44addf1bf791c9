/* Same computation with both compilers; only the C libraries' printing of doubles
 * differs (musl prints %.17g exactly, picolibc the shortest round-trip digits). The
 * journal carries the bits of the value, which agree. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zkvm.h"

int main(void)
{
    uint32_t n = zkvm_read_u32();
    volatile double base = 0.56149999;
    double x = base * (double)n;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    printf("value %u: %.17g (%.3f)\n", (unsigned)n, x, x);
    zkvm_commit_u64(bits);
    return 0;
}

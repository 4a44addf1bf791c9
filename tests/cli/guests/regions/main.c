/* Cycle-tracking regions: "outer" once around n calls of work(), which is "inner". */
#include <stdint.h>
#include <stdio.h>

#include "zkvm.h"

static volatile uint32_t sink;

__attribute__((noinline)) static void work(uint32_t i)
{
    ZKVM_CYCLES_BEGIN("inner");
    uint32_t acc = i;
    for (int k = 0; k < 10; k++) {
        acc = acc * 1103515245u + 12345u;
    }
    sink = acc;
    ZKVM_CYCLES_END("inner");
}

int main(void)
{
    uint32_t n = zkvm_read_u32();
    ZKVM_CYCLES_BEGIN("outer");
    for (uint32_t i = 0; i < n; i++) {
        work(i);
    }
    ZKVM_CYCLES_END("outer");
    zkvm_commit_u32(n);
    printf("done\n"); /* the same output for every n: cycles outside the regions do not depend on n */
    return 0;
}

/* Unbounded recursion: runs off the bottom of the 256 MiB stack. */
#include <stdint.h>
#include <stdio.h>

#include "zkvm.h"

__attribute__((noinline)) static uint32_t descend(uint32_t n)
{
    volatile uint8_t frame[4096];
    frame[0] = (uint8_t)n;
    return descend(n + 1) + frame[0];
}

int main(void)
{
    printf("descending\n");
    fflush(stdout);
    return (int)descend(zkvm_read_u32());
}

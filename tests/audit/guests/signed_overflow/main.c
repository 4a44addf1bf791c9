/* Deliberately undefined behaviour (tests/audit): signed overflow.
 *
 * Reads n (u32, little-endian) and commits whether n + 1 > n as a signed int. For
 * n = INT_MAX the addition overflows, which is undefined: an optimiser may fold the
 * comparison to 1 ("x + 1 > x is always true"), an unoptimised build computes the
 * wrapped sum and gets 0. The audit must report this guest as DIFFERS. */
#include <stdint.h>
#include <stdio.h>

#include "zkvm.h"

__attribute__((noinline)) static int grows(int x)
{
    return x + 1 > x;
}

int main(void)
{
    int x = (int)zkvm_read_u32();
    int r = grows(x);
    zkvm_commit_u32((uint32_t)r);
    printf("grows = %d\n", r);
    return 0;
}

/*
 * fibonacci: the hello world of zkVMs.
 *
 * Private input: n as a little-endian u32 (4 bytes).
 * Journal (public): fib(n) mod 2^32 as a little-endian u32 (4 bytes).
 *
 * n stays private: the proof shows "I know an n such that fib(n) mod 2^32 = <journal>".
 */
#include <stdint.h>
#include <stdio.h>

#include "zkvm.h"

static uint32_t fib(uint32_t n)
{
    uint32_t a = 0, b = 1; /* fib(0), fib(1) */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t next = a + b; /* wraps mod 2^32 */
        a = b;
        b = next;
    }
    return a;
}

int main(void)
{
    uint32_t n = zkvm_read_u32();
    uint32_t result = fib(n);
    zkvm_commit_u32(result);
    printf("fib(n) mod 2^32 = %u\n", (unsigned)result);
    return 0;
}

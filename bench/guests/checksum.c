/* CPU-heavy benchmark guest: a mixed ALU/memory/branch loop (xorshift, table updates,
 * multiply, a data-dependent branch). Prints a checksum; exit code 0. */
#include <stdint.h>
#include <stdio.h>

#ifndef ITERS
#define ITERS 3000000u
#endif

static uint32_t table[1024];

int main(void) {
    uint32_t x = 0x12345678u, acc = 0;
    for (uint32_t i = 0; i < 1024; i++) table[i] = i * 2654435761u;
    for (uint32_t i = 0; i < ITERS; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        uint32_t j = x & 1023;
        table[j] += acc ^ i;
        if (x & 0x100) acc += table[(j + 7) & 1023] * 31u;
        else acc = (acc >> 3) | (acc << 29);
        acc += (uint8_t)(x >> 9);
    }
    printf("checksum %08x\n", acc);
    return 0;
}

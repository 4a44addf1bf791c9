/* A paging-heavy guest (continuation splitter tests): reads "n rounds" from stdin, mallocs
 * n 64-byte records (n memory-tree pages) and updates words of pseudo-randomly chosen
 * records `rounds` times n times, so almost every few instructions touch another page.
 * Journals and prints "n=<n> sum=<hex>". */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    unsigned n = 0, rounds = 0;
    if (scanf("%u %u", &n, &rounds) != 2 || n == 0 || n > (1u << 20)) return 2;
    unsigned *a = malloc((size_t)n * 64);
    if (!a) return 3;
    for (unsigned i = 0; i < n; i++) a[16 * i] = i;
    unsigned x = 12345, sum = 0;
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            unsigned j = (x >> 8) % n;
            a[16 * j + (x & 15)] += i;
            sum = sum * 31 + a[16 * j];
        }
    }
    char out[64];
    int k = snprintf(out, sizeof out, "n=%u sum=%08x", n, sum);
    if (write(3, out, k) != k) return 4;
    printf("%s\n", out);
    free(a);
    return 0;
}

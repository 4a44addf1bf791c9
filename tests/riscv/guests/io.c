/* Reads all of stdin (the private input) with stdio, echoes a summary, writes the journal. */
#include <stdio.h>
#include <unistd.h>
#include <string.h>

int main(void) {
    static char buf[100000];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
    printf("read %zu bytes, hash %08x\n", n, sum);
    char j[32];
    int k = snprintf(j, sizeof j, "journal:%08x", sum);
    if (write(3, j, k) != k) return 99;
    return (int)(n & 0xFF);
}

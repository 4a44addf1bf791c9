/* Large I/O in single syscalls: reads up to 1 MiB of private input with ONE read(0, ...)
 * and writes the first JOURNAL_BYTES of it to the journal with ONE write(3, ...).
 *
 * Journal (public): the byte count read (u32 LE), a sparse checksum (u32 LE), then the
 * first JOURNAL_BYTES input bytes (fewer if the input is shorter).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_READ (1u << 20)
#define JOURNAL_BYTES (80u * 1024)

int main(void) {
    uint8_t *buf = malloc(MAX_READ);
    if (!buf) return 2;
    ssize_t n = read(0, buf, MAX_READ);
    if (n < 0) return 3;
    uint32_t sum = 0;
    for (ssize_t i = 0; i + 4 <= n; i += 256) {
        uint32_t w;
        memcpy(&w, buf + i, 4);
        sum = (sum << 5 | sum >> 27) ^ w;
    }
    uint32_t head[2] = {(uint32_t)n, sum};
    if (write(3, head, sizeof head) != sizeof head) return 4;
    size_t jn = (size_t)n < JOURNAL_BYTES ? (size_t)n : JOURNAL_BYTES;
    if (write(3, buf, jn) != (ssize_t)jn) return 5;
    printf("read %ld bytes, checksum %08x\n", (long)n, sum);
    free(buf);
    return 0;
}

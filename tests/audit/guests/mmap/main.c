/* Anonymous mappings (tests/audit/test_gcc_route.py): mmap, mprotect, munmap through
 * <sys/mman.h> -- musl's in the zig build, the GCC route's own (picolibc has none).
 *
 * Input: n (u32), 1..64: the number of pages to map. Journal: the sum of a pattern
 * written over the mapping and read back (u32), whether a fresh mapping reads as zero
 * (u32 0/1), and the results of mprotect and munmap (two i32). Exit code 2 for n out of
 * range. (No invalid request: the zkvm does not prove one, docs/abi.md.) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "zkvm.h"

int main(void)
{
    uint32_t n = zkvm_read_u32();
    if (n == 0 || n > 64) {
        fprintf(stderr, "n = %u out of range 1..64\n", n);
        return 2;
    }
    size_t len = (size_t)n * 4096;
    uint32_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "mmap failed: errno %d\n", errno);
        return 1;
    }
    uint32_t zero = 1;
    for (size_t i = 0; i < len / 4; i += 97) {
        zero &= p[i] == 0;
    }
    uint32_t sum = 0;
    for (size_t i = 0; i < len / 4; i++) {
        p[i] = (uint32_t)i * 2654435761u;
    }
    for (size_t i = 0; i < len / 4; i++) {
        sum += p[i] >> (i & 15);
    }
    int32_t prot = mprotect(p, 4096, PROT_READ);
    sum += p[1];  /* still readable */
    int32_t unmapped = munmap(p, len);
    uint32_t journal[4] = {sum, zero, (uint32_t)prot, (uint32_t)unmapped};
    zkvm_commit(journal, sizeof journal);
    printf("sum %08x zero %u mprotect %d munmap %d\n", sum, zero, prot, unmapped);
    return 0;
}

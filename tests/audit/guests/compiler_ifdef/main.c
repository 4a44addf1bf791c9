/* A planted compiler-dependent result (tests/audit): the journal differs between the
 * clang-based zig build and the GCC build. Stands in for a miscompilation that only one
 * compiler has. */
#include <stdint.h>

#include "zkvm.h"

int main(void)
{
    uint32_t n = zkvm_read_u32();
#ifdef __clang__
    zkvm_commit_u32(4 - n);
#else
    zkvm_commit_u32(4);
#endif
    return 0;
}

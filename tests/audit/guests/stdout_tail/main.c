/* A long common prefix, then a difference far into stdout (the report must show the
 * first differing byte with context, not two identical 40-byte prefixes). */
#include <stdio.h>

#include "zkvm.h"

int main(void)
{
    for (int i = 0; i < 8; i++) {
        printf("line %d: the same on every build\n", i);
    }
#ifdef __clang__
    printf("compiler: clang\n");
#else
    printf("compiler: gcc\n");
#endif
    zkvm_commit_u32(1);
    return 0;
}

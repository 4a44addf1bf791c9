/* Typed I/O round trip: reads one value of every type and commits it back (in the same
 * order), then commits a few constants, so host decoders can be checked against C. */
#include <stdint.h>

#include "zkvm.h"

int main(void)
{
    char s[32];
    unsigned char b[16];
    zkvm_commit_u8(zkvm_read_u8());
    zkvm_commit_i8(zkvm_read_i8());
    zkvm_commit_u16(zkvm_read_u16());
    zkvm_commit_i16(zkvm_read_i16());
    zkvm_commit_u32(zkvm_read_u32());
    zkvm_commit_i32(zkvm_read_i32());
    zkvm_commit_u64(zkvm_read_u64());
    zkvm_commit_i64(zkvm_read_i64());
    zkvm_commit_bool(zkvm_read_bool());
    size_t n = zkvm_read_bytes(b, sizeof b);
    zkvm_commit_bytes(b, n);
    zkvm_read_str(s, sizeof s);
    zkvm_commit_str(s);
    zkvm_commit_i64(-2);
    zkvm_commit_str("h\xc3\xa9llo");
    zkvm_commit_bool(42);
    return 0;
}

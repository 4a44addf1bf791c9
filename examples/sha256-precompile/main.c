/*
 * sha256-precompile: hash the whole private input with SHA-256, using the zkvm's
 * SHA256_COMPRESS precompile (zkvm.h: zkvm_sha256_accel_*) -- one ecall per 64-byte
 * block instead of ~2,500 RV32IM instructions.
 *
 * Same input, journal and stdout as examples/sha256 (the plain C version). Build with
 * -DZKVM_NO_PRECOMPILES to get the plain C code path from the same source.
 *
 * Private input: any bytes.
 * Journal (public): the 32-byte SHA-256 digest of the input.
 */
#include <stdio.h>

#include "zkvm.h"

int main(void)
{
    static unsigned char chunk[4096];
    unsigned char digest[32];
    zkvm_sha256_accel_ctx ctx;
    size_t n;

    zkvm_sha256_accel_init(&ctx);
    do {
        n = zkvm_read(chunk, sizeof chunk);
        zkvm_sha256_accel_update(&ctx, chunk, n);
    } while (n == sizeof chunk);
    zkvm_sha256_accel_final(&ctx, digest);

    zkvm_commit(digest, sizeof digest);
    for (int i = 0; i < 32; i++) {
        printf("%02x", digest[i]);
    }
    printf("\n");
    return 0;
}

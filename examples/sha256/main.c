/*
 * sha256: hash the whole private input with SHA-256 written in plain C (no precompile).
 *
 * Private input: any bytes.
 * Journal (public): the 32-byte SHA-256 digest of the input.
 */
#include <stdio.h>

#include "zkvm.h"
#include "zkvm_sha256.h"

int main(void)
{
    unsigned char chunk[512];
    unsigned char digest[32];
    zkvm_sha256_ctx ctx;
    size_t n;

    zkvm_sha256_init(&ctx);
    do {
        n = zkvm_read(chunk, sizeof chunk);
        zkvm_sha256_update(&ctx, chunk, n);
    } while (n == sizeof chunk);
    zkvm_sha256_final(&ctx, digest);

    zkvm_commit(digest, sizeof digest);
    for (int i = 0; i < 32; i++) {
        printf("%02x", digest[i]);
    }
    printf("\n");
    return 0;
}

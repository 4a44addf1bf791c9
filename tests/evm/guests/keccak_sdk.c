/*
 * keccak_sdk.c -- test guest for zkvm.h's streaming Keccak-256 (word-wise absorb).
 *
 * Input: u32 offset (0..3), u32 n_chunks, n_chunks x u32 chunk lengths, then the message.
 * The message is copied to a buffer at `offset` bytes past a word boundary (to exercise
 * unaligned input) and absorbed in the given chunks. Journal: the 32-byte digest, then the
 * digest of the one-shot zkvm_keccak256() over the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "zkvm.h"

int main(void)
{
    uint32_t off = zkvm_read_u32(), n = zkvm_read_u32();
    uint32_t *chunks = malloc(4 * (n + 1));
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        chunks[i] = zkvm_read_u32();
        total += chunks[i];
    }
    uint8_t *raw = malloc(total + 8);
    uint8_t *msg = (uint8_t *)(((uintptr_t)raw + 3) & ~(uintptr_t)3) + off;
    zkvm_read_exact(msg, total);
    zkvm_keccak256_ctx c;
    zkvm_keccak256_init(&c);
    size_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        zkvm_keccak256_update(&c, msg + pos, chunks[i]);
        pos += chunks[i];
    }
    uint8_t out[64];
    zkvm_keccak256_final(&c, out);
    zkvm_keccak256(msg, total, out + 32);
    zkvm_commit(out, 64);
    return 0;
}

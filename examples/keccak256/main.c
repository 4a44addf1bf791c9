/*
 * keccak256: Ethereum-style hashing with the zkvm's KECCAK_F1600 precompile.
 *
 * Private input: a message (any bytes).
 * Journal (public): keccak256(message) (32 bytes), then keccak256 of the Ethereum signed
 * message "\x19Ethereum Signed Message:\n" || decimal length || message (EIP-191,
 * personal_sign), 64 bytes in all.
 * Stdout: both digests in hex, one per line.
 *
 * Keccak-256 is Ethereum's hash (padding 0x01, not SHA3-256's 0x06). Each 136-byte block
 * costs one ecall (zkvm_keccakf). Build with -DZKVM_NO_PRECOMPILES for the plain C path.
 */
#include <stdio.h>

#include "zkvm.h"

static void print_hex(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", d[i]);
    }
    printf("\n");
}

int main(void)
{
    static unsigned char msg[1 << 16];
    uint8_t out[64];
    size_t n = zkvm_read(msg, sizeof msg);

    zkvm_keccak256(msg, n, out);

    /* EIP-191 prefix: "\x19Ethereum Signed Message:\n" followed by the length in decimal. */
    char prefix[64];
    int plen = snprintf(prefix, sizeof prefix, "\x19" "Ethereum Signed Message:\n%zu", n);
    zkvm_keccak256_ctx c;
    zkvm_keccak256_init(&c);
    zkvm_keccak256_update(&c, prefix, (size_t)plen);
    zkvm_keccak256_update(&c, msg, n);
    zkvm_keccak256_final(&c, out + 32);

    zkvm_commit(out, sizeof out);
    print_hex(out, 32);
    print_hex(out + 32, 32);
    return 0;
}

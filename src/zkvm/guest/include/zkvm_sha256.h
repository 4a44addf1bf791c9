/*
 * zkvm_sha256.h -- SHA-256 (FIPS 180-4) in plain portable C, header only.
 *
 * This is ordinary RV32IM code: the zkvm proves every instruction of it (there is no
 * SHA-256 precompile yet). It is what guests use to hash private data, e.g. to publish
 * a commitment sha256(secret || salt) in the journal.
 *
 *   zkvm_sha256_ctx c;
 *   zkvm_sha256_init(&c);
 *   zkvm_sha256_update(&c, data, len);   // any number of times
 *   zkvm_sha256_final(&c, digest);       // 32 bytes, big-endian words as in FIPS 180-4
 *
 * or zkvm_sha256(data, len, digest) for one buffer.
 */
#ifndef ZKVM_SHA256_H
#define ZKVM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t state[8];   /* H0..H7 */
    uint64_t length;     /* message length so far, in bytes */
    unsigned char block[64];
    size_t used;         /* bytes in `block` not yet compressed (0..63) */
} zkvm_sha256_ctx;

static const uint32_t zkvm_sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static inline uint32_t zkvm_sha256_rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

/* One compression of a 64-byte block into `state` (FIPS 180-4 section 6.2.2). */
static inline void zkvm_sha256_compress(uint32_t state[8], const unsigned char block[64])
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++) {
        w[t] = ((uint32_t)block[4 * t] << 24) | ((uint32_t)block[4 * t + 1] << 16) |
               ((uint32_t)block[4 * t + 2] << 8) | (uint32_t)block[4 * t + 3];
    }
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = zkvm_sha256_rotr(w[t - 15], 7) ^ zkvm_sha256_rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = zkvm_sha256_rotr(w[t - 2], 17) ^ zkvm_sha256_rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = zkvm_sha256_rotr(e, 6) ^ zkvm_sha256_rotr(e, 11) ^ zkvm_sha256_rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + zkvm_sha256_k[t] + w[t];
        uint32_t S0 = zkvm_sha256_rotr(a, 2) ^ zkvm_sha256_rotr(a, 13) ^ zkvm_sha256_rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

static inline void zkvm_sha256_init(zkvm_sha256_ctx *c)
{
    static const uint32_t h0[8] = {
        0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
        0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
    };
    for (int i = 0; i < 8; i++) {
        c->state[i] = h0[i];
    }
    c->length = 0;
    c->used = 0;
}

static inline void zkvm_sha256_update(zkvm_sha256_ctx *c, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    c->length += len;
    while (len > 0) {
        size_t take = 64 - c->used;
        if (take > len) {
            take = len;
        }
        for (size_t i = 0; i < take; i++) {
            c->block[c->used + i] = p[i];
        }
        c->used += take;
        p += take;
        len -= take;
        if (c->used == 64) {
            zkvm_sha256_compress(c->state, c->block);
            c->used = 0;
        }
    }
}

/* Pad (0x80, zeros, 64-bit big-endian bit length) and write the 32-byte digest. */
static inline void zkvm_sha256_final(zkvm_sha256_ctx *c, unsigned char digest[32])
{
    uint64_t bits = c->length * 8u;
    c->block[c->used++] = 0x80;
    if (c->used > 56) {
        while (c->used < 64) {
            c->block[c->used++] = 0;
        }
        zkvm_sha256_compress(c->state, c->block);
        c->used = 0;
    }
    while (c->used < 56) {
        c->block[c->used++] = 0;
    }
    for (int i = 0; i < 8; i++) {
        c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    }
    zkvm_sha256_compress(c->state, c->block);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(c->state[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(c->state[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(c->state[i] >> 8);
        digest[4 * i + 3] = (unsigned char)c->state[i];
    }
}

static inline void zkvm_sha256(const void *data, size_t len, unsigned char digest[32])
{
    zkvm_sha256_ctx c;
    zkvm_sha256_init(&c);
    zkvm_sha256_update(&c, data, len);
    zkvm_sha256_final(&c, digest);
}

#ifdef __cplusplus
}
#endif

#endif /* ZKVM_SHA256_H */

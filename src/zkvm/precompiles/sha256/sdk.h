/* SHA256_COMPRESS (0x5A00): a0 = uint32_t state[8] (in/out), a1 = 64-byte block; both
 * 4-byte aligned.
 *
 * Names: zkvm_sha256.h (plain C SHA-256) already owns zkvm_sha256_compress() and
 * zkvm_sha256(), so the precompile-backed SHA-256 functions here are zkvm_sha256_accel*;
 * a guest may include both headers. */

/* Plain C SHA-256 compression (FIPS 180-4 6.2.2), the precompile's fallback: the SDK's
 * zkvm_sha256.h already has one; reuse it rather than keep a second copy. */
static inline void zkvm__sha256_compress_sw(uint32_t state[8], const uint8_t block[64])
{
    zkvm_sha256_compress(state, block);
}

/* SHA-256 compression of one 64-byte block into `state` (H0..H7 as native uint32_t).
 * Uses the SHA256_COMPRESS precompile (one ecall); `block` may have any alignment. */
static inline void zkvm_sha256_accel_compress(uint32_t state[8], const uint8_t block[64])
{
#ifdef ZKVM_NO_PRECOMPILES
    zkvm__sha256_compress_sw(state, block);
#else
    uint32_t aligned[16];
    const uint8_t *blk = block;
    if (((uintptr_t)block & 3u) != 0) {
        __builtin_memcpy(aligned, block, 64);
        blk = (const uint8_t *)aligned;
    }
    if (zkvm_syscall3(ZKVM_SYS_SHA256_COMPRESS, (long)state, (long)blk, 0) != 0) {
        zkvm__sha256_compress_sw(state, blk); /* not under the zkvm (-ENOSYS) */
    }
#endif
}

/* Streaming SHA-256 on the precompile: init, update (any number of times), final. */
typedef struct {
    uint32_t state[8];
    uint32_t block[16]; /* 64 bytes, word aligned for the precompile */
    uint64_t length;    /* bytes so far */
    size_t used;        /* bytes buffered in `block` (0..63) */
} zkvm_sha256_accel_ctx;

static inline void zkvm_sha256_accel_init(zkvm_sha256_accel_ctx *c)
{
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    for (int i = 0; i < 8; i++) {
        c->state[i] = iv[i];
    }
    c->length = 0;
    c->used = 0;
}

static inline void zkvm_sha256_accel_update(zkvm_sha256_accel_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    uint8_t *blk = (uint8_t *)c->block;
    c->length += len;
    while (len > 0) {
        if (c->used == 0 && len >= 64) { /* whole blocks straight from the input */
            zkvm_sha256_accel_compress(c->state, p);
            p += 64;
            len -= 64;
            continue;
        }
        size_t take = 64 - c->used;
        if (take > len) {
            take = len;
        }
        __builtin_memcpy(blk + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used == 64) {
            zkvm_sha256_accel_compress(c->state, blk);
            c->used = 0;
        }
    }
}

/* Pad (0x80, zeros, 64-bit big-endian bit length) and write the 32-byte digest. */
static inline void zkvm_sha256_accel_final(zkvm_sha256_accel_ctx *c, uint8_t out[32])
{
    uint8_t *blk = (uint8_t *)c->block;
    uint64_t bits = c->length * 8u;
    blk[c->used++] = 0x80;
    if (c->used > 56) {
        __builtin_memset(blk + c->used, 0, 64 - c->used);
        zkvm_sha256_accel_compress(c->state, blk);
        c->used = 0;
    }
    __builtin_memset(blk + c->used, 0, 56 - c->used);
    for (int i = 0; i < 8; i++) {
        blk[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    }
    zkvm_sha256_accel_compress(c->state, blk);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->state[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->state[i];
    }
}

/* SHA-256 of `len` bytes at `data` into `out` (32 bytes), on the precompile. */
static inline void zkvm_sha256_accel(const void *data, size_t len, uint8_t out[32])
{
    zkvm_sha256_accel_ctx c;
    zkvm_sha256_accel_init(&c);
    zkvm_sha256_accel_update(&c, data, len);
    zkvm_sha256_accel_final(&c, out);
}

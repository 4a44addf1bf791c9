/* KECCAK_F1600 (0x5A01): a0 = uint64_t state[25] (in/out, 200 bytes); 4-byte aligned. */

static inline uint64_t zkvm__rotl64(uint64_t x, unsigned n)
{
    return n ? (x << n) | (x >> (64u - n)) : x;
}

/* Plain C Keccak-f[1600] (FIPS 202, 24 rounds), lane (x, y) at st[x + 5y]. */
static inline void zkvm__keccakf_sw(uint64_t st[25])
{
    static const uint64_t rc[24] = {
        0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
        0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
        0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
        0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
        0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
        0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
    };
    static const unsigned char rho[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                          25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
    uint64_t b[25], c[5];
    for (int r = 0; r < 24; r++) {
        for (int x = 0; x < 5; x++) {
            c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
        }
        for (int x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ zkvm__rotl64(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) {
                st[x + y] ^= d;
            }
        }
        for (int x = 0; x < 5; x++) {
            for (int y = 0; y < 5; y++) {
                b[y + 5 * ((2 * x + 3 * y) % 5)] = zkvm__rotl64(st[x + 5 * y], rho[x + 5 * y]);
            }
        }
        for (int y = 0; y < 25; y += 5) {
            for (int x = 0; x < 5; x++) {
                st[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
            }
        }
        st[0] ^= rc[r];
    }
}

/* The Keccak-f[1600] permutation of 25 little-endian lanes (KECCAK_F1600 precompile). */
static inline void zkvm_keccakf(uint64_t state[25])
{
#ifdef ZKVM_NO_PRECOMPILES
    zkvm__keccakf_sw(state);
#else
    if (zkvm_syscall3(ZKVM_SYS_KECCAK_F1600, (long)state, 0, 0) != 0) {
        zkvm__keccakf_sw(state); /* not under the zkvm (-ENOSYS) */
    }
#endif
}

/* Streaming Keccak-256 as used by Ethereum (rate 136 bytes, padding 0x01 ... 0x80; NOT
 * the SHA3-256 padding 0x06), on the KECCAK_F1600 precompile. */
typedef struct {
    uint64_t state[25];
    size_t used; /* bytes absorbed into the current block (0..135) */
} zkvm_keccak256_ctx;

#define ZKVM_KECCAK256_RATE 136

static inline void zkvm_keccak256_init(zkvm_keccak256_ctx *c)
{
    __builtin_memset(c->state, 0, sizeof c->state);
    c->used = 0;
}

static inline void zkvm__keccak_xor_byte(zkvm_keccak256_ctx *c, size_t i, uint8_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    ((uint8_t *)c->state)[i] ^= v; /* lanes are little-endian: byte i of the state */
#else
    c->state[i / 8] ^= (uint64_t)v << (8 * (i % 8));
#endif
}

/* Absorb: XOR the input into the rate part of the state and permute after each full
 * 136-byte block. On a little-endian machine (every RISC-V guest) the state is XORed a
 * 32-bit word at a time: one load and one store per 4 bytes when the input pointer is
 * 4-byte aligned, four byte loads otherwise (guests must not make misaligned accesses,
 * docs/abi.md); only the bytes before the next word boundary of the block and the last
 * 0..3 bytes go byte by byte. About 9x fewer instructions than byte-wise absorbing for
 * a 64-byte message. */
static inline void zkvm_keccak256_update(zkvm_keccak256_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    typedef uint32_t __attribute__((__may_alias__)) zkvm__u32a;
    while (len > 0) {
        while (len > 0 && (c->used & 3u) != 0) { /* up to the next word boundary */
            zkvm__keccak_xor_byte(c, c->used++, *p++);
            len--;
            if (c->used == ZKVM_KECCAK256_RATE) {
                zkvm_keccakf(c->state);
                c->used = 0;
            }
        }
        size_t words = (ZKVM_KECCAK256_RATE - c->used) / 4u;
        if (words > len / 4u) {
            words = len / 4u;
        }
        zkvm__u32a *st = (zkvm__u32a *)c->state + c->used / 4u;
        if (((uintptr_t)p & 3u) == 0) {
            const zkvm__u32a *src = (const zkvm__u32a *)p;
            for (size_t i = 0; i < words; i++) {
                st[i] ^= src[i];
            }
        } else {
            for (size_t i = 0; i < words; i++) {
                const uint8_t *q = p + 4 * i;
                st[i] ^= (uint32_t)q[0] | ((uint32_t)q[1] << 8) | ((uint32_t)q[2] << 16) | ((uint32_t)q[3] << 24);
            }
        }
        c->used += 4u * words;
        p += 4u * words;
        len -= 4u * words;
        if (c->used == ZKVM_KECCAK256_RATE) {
            zkvm_keccakf(c->state);
            c->used = 0;
            continue;
        }
        while (len > 0) { /* fewer than 4 bytes left (the block is not full) */
            zkvm__keccak_xor_byte(c, c->used++, *p++);
            len--;
        }
    }
#else
    while (len > 0) {
        zkvm__keccak_xor_byte(c, c->used++, *p++);
        len--;
        if (c->used == ZKVM_KECCAK256_RATE) {
            zkvm_keccakf(c->state);
            c->used = 0;
        }
    }
#endif
}

static inline void zkvm_keccak256_final(zkvm_keccak256_ctx *c, uint8_t out[32])
{
    zkvm__keccak_xor_byte(c, c->used, 0x01);
    zkvm__keccak_xor_byte(c, ZKVM_KECCAK256_RATE - 1, 0x80);
    zkvm_keccakf(c->state);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (((uintptr_t)out & 3u) == 0) { /* 8 word stores, no memcpy call */
        typedef uint32_t __attribute__((__may_alias__)) zkvm__u32o;
        const zkvm__u32o *st = (const zkvm__u32o *)c->state;
        zkvm__u32o *o = (zkvm__u32o *)out;
        for (int i = 0; i < 8; i++) {
            o[i] = st[i];
        }
    } else {
        __builtin_memcpy(out, c->state, 32);
    }
#else
    for (int i = 0; i < 32; i++) {
        out[i] = (uint8_t)(c->state[i / 8] >> (8 * (i % 8)));
    }
#endif
}

/* Keccak-256 (Ethereum) of `len` bytes at `data` into `out` (32 bytes). */
static inline void zkvm_keccak256(const void *data, size_t len, uint8_t out[32])
{
    zkvm_keccak256_ctx c;
    zkvm_keccak256_init(&c);
    zkvm_keccak256_update(&c, data, len);
    zkvm_keccak256_final(&c, out);
}

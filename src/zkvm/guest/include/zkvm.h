/*
 * zkvm.h -- the zkvm guest SDK (header only, no library to link).
 *
 * A guest is an ordinary static RV32IM Linux program (built by `zkvm build`, see
 * docs/toolchain.md). It talks to the zkvm through a handful of Linux system calls,
 * so the *same* ELF runs unchanged under `qemu-riscv32` and under the zkvm executor
 * (docs/abi.md):
 *
 *   private input  = file descriptor 0 (stdin under qemu), read with read(2)
 *   stdout/stderr  = file descriptors 1 and 2 (not part of the proof)
 *   journal        = file descriptor 3: the public output bound into the proof
 *   exit code      = exit_group(2); public, 0..255
 *
 * These wrappers issue the `ecall`s directly (syscall number in a7, arguments in
 * a0..a2, result in a0), so they work with or without a C library. They can be mixed
 * freely with musl's stdio for stdout/stderr. Two rules when you do:
 *
 *   - Do not read the private input through both stdio (`scanf`, `fread(stdin)`) and
 *     zkvm_read(): stdio buffers ahead and the two would see different bytes.
 *   - zkvm_exit() ends the program at once, *without* flushing stdio buffers. If you
 *     printed with printf, return from main() or call exit() instead (both flush and
 *     then issue exit_group), or fflush(stdout) first.
 *
 * Everything committed with zkvm_commit() is public: never commit secrets. Commit a
 * hash of a secret together with a random salt instead (see examples/battleship).
 */
#ifndef ZKVM_H
#define ZKVM_H

#include <stddef.h>
#include <stdint.h>

#include "zkvm_sha256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Linux RISC-V syscall numbers used by the zkvm ABI. */
#define ZKVM_SYS_READ 63
#define ZKVM_SYS_WRITE 64
#define ZKVM_SYS_EXIT 93
#define ZKVM_SYS_EXIT_GROUP 94

/* File descriptors with a meaning in the zkvm ABI. */
#define ZKVM_FD_INPUT 0   /* private input (read only) */
#define ZKVM_FD_STDOUT 1
#define ZKVM_FD_STDERR 2
#define ZKVM_FD_JOURNAL 3 /* public output (write only) */

/* Exit codes used by the SDK itself when it cannot go on. Pick other codes for your own
 * errors (1..127 is customary). */
#define ZKVM_EXIT_INPUT_SHORT 250  /* zkvm_read_exact(): the private input ended early */
#define ZKVM_EXIT_INPUT_ERROR 251  /* read(0) returned an error */
#define ZKVM_EXIT_COMMIT_ERROR 252 /* write(3) failed (journal not available) */

/* Raw three-argument system call: a7 = number, a0..a2 = arguments, result in a0
 * (negative errno on failure, Linux convention). */
static inline long zkvm_syscall3(long number, long arg0, long arg1, long arg2)
{
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = arg1;
    register long a2 __asm__("a2") = arg2;
    register long a7 __asm__("a7") = number;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

/* End the program now with exit code `code & 0xff` (exit_group). Does not flush stdio. */
static inline __attribute__((noreturn)) void zkvm_exit(int code)
{
    for (;;) {
        zkvm_syscall3(ZKVM_SYS_EXIT_GROUP, code, 0, 0);
    }
}

/* Write all `len` bytes of `buf` to file descriptor `fd`, retrying on short writes.
 * Returns 0 on success, the negative error from write(2) otherwise. */
static inline long zkvm_write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;
    while (len > 0) {
        long n = zkvm_syscall3(ZKVM_SYS_WRITE, fd, (long)p, (long)len);
        if (n < 0) {
            return n;
        }
        if (n == 0) {
            return -5; /* -EIO: no progress */
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Print `msg` on stderr (unbuffered) and exit with `code`. */
static inline __attribute__((noreturn)) void zkvm_fail(int code, const char *msg)
{
    size_t n = 0;
    while (msg[n] != '\0') {
        n++;
    }
    (void)zkvm_write_all(ZKVM_FD_STDERR, msg, n);
    zkvm_exit(code);
}

/* Read up to `len` bytes of private input into `buf`. Loops until `len` bytes are read
 * or the input ends; returns the number of bytes read (less than `len` only at the end
 * of the input). Exits with ZKVM_EXIT_INPUT_ERROR if read(2) fails. */
static inline size_t zkvm_read(void *buf, size_t len)
{
    unsigned char *p = (unsigned char *)buf;
    size_t done = 0;
    while (done < len) {
        long n = zkvm_syscall3(ZKVM_SYS_READ, ZKVM_FD_INPUT, (long)(p + done), (long)(len - done));
        if (n < 0) {
            zkvm_fail(ZKVM_EXIT_INPUT_ERROR, "zkvm: reading the private input failed\n");
        }
        if (n == 0) {
            break; /* end of input */
        }
        done += (size_t)n;
    }
    return done;
}

/* Read exactly `len` bytes of private input, or print an error on stderr and exit with
 * ZKVM_EXIT_INPUT_SHORT if the input ends first. */
static inline void zkvm_read_exact(void *buf, size_t len)
{
    if (zkvm_read(buf, len) != len) {
        zkvm_fail(ZKVM_EXIT_INPUT_SHORT, "zkvm: private input too short\n");
    }
}

/* Read a little-endian u32 from the private input (exits if fewer than 4 bytes remain). */
static inline uint32_t zkvm_read_u32(void)
{
    unsigned char b[4];
    zkvm_read_exact(b, 4);
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* Append `len` bytes to the journal (the public output). Exits with
 * ZKVM_EXIT_COMMIT_ERROR if the journal cannot be written. */
static inline void zkvm_commit(const void *buf, size_t len)
{
    if (zkvm_write_all(ZKVM_FD_JOURNAL, buf, len) != 0) {
        zkvm_fail(ZKVM_EXIT_COMMIT_ERROR, "zkvm: writing the journal (fd 3) failed\n");
    }
}

/* Append a u32 to the journal, little-endian. */
static inline void zkvm_commit_u32(uint32_t value)
{
    unsigned char b[4];
    b[0] = (unsigned char)value;
    b[1] = (unsigned char)(value >> 8);
    b[2] = (unsigned char)(value >> 16);
    b[3] = (unsigned char)(value >> 24);
    zkvm_commit(b, 4);
}

/* ----------------------------------------------------------------------------------
 * Typed journal and input (docs/typed-io.md). One encoding for both directions, shared
 * with the Rust SDK and zkvm.api.Journal / zkvm.api.Input on the host: values are
 * concatenated with no header and no padding, little-endian:
 *
 *   u8 i8 bool   1 byte (bool is 0 or 1)      u16 i16   2 bytes
 *   u32 i32      4 bytes                      u64 i64   8 bytes (two's complement)
 *   bytes, str   u32 length, then the raw bytes (UTF-8 for str, no NUL)
 *   fixed array  its N raw bytes (zkvm_commit / zkvm_read_exact)
 *
 * The host reads a journal back in the same order it was committed:
 *   Journal(receipt_journal).u32(), .bytes(), .str(), ... .done()
 * ---------------------------------------------------------------------------------- */
#define ZKVM_EXIT_INPUT_INVALID 253 /* a typed read found a bad value (bool not 0/1, a
                                       bytes/str length larger than the caller's buffer) */

static inline void zkvm__put_le(unsigned char *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        b[i] = (unsigned char)(v >> (8 * i));
    }
}

static inline uint64_t zkvm__get_le(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    return v;
}

static inline void zkvm__commit_le(uint64_t v, int n)
{
    unsigned char b[8];
    zkvm__put_le(b, v, n);
    zkvm_commit(b, (size_t)n);
}

static inline uint64_t zkvm__read_le(int n)
{
    unsigned char b[8];
    zkvm_read_exact(b, (size_t)n);
    return zkvm__get_le(b, n);
}

static inline void zkvm_commit_u8(uint8_t v) { zkvm__commit_le(v, 1); }
static inline void zkvm_commit_i8(int8_t v) { zkvm__commit_le((uint8_t)v, 1); }
static inline void zkvm_commit_u16(uint16_t v) { zkvm__commit_le(v, 2); }
static inline void zkvm_commit_i16(int16_t v) { zkvm__commit_le((uint16_t)v, 2); }
static inline void zkvm_commit_i32(int32_t v) { zkvm__commit_le((uint32_t)v, 4); }
static inline void zkvm_commit_u64(uint64_t v) { zkvm__commit_le(v, 8); }
static inline void zkvm_commit_i64(int64_t v) { zkvm__commit_le((uint64_t)v, 8); }
/* A bool: 1 for any non-zero `v`, else 0. */
static inline void zkvm_commit_bool(int v) { zkvm__commit_le(v ? 1u : 0u, 1); }

/* `len` bytes as a length-prefixed byte string (u32 length, then the bytes). */
static inline void zkvm_commit_bytes(const void *buf, size_t len)
{
    zkvm__commit_le((uint32_t)len, 4);
    zkvm_commit(buf, len);
}

/* A NUL-terminated string as a length-prefixed str (the NUL is not committed). */
static inline void zkvm_commit_str(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    zkvm_commit_bytes(s, n);
}

/* Typed reads of the private input (each exits with ZKVM_EXIT_INPUT_SHORT if the input
 * ends first). zkvm_read_u32() is above. */
static inline uint8_t zkvm_read_u8(void) { return (uint8_t)zkvm__read_le(1); }
static inline int8_t zkvm_read_i8(void) { return (int8_t)(uint8_t)zkvm__read_le(1); }
static inline uint16_t zkvm_read_u16(void) { return (uint16_t)zkvm__read_le(2); }
static inline int16_t zkvm_read_i16(void) { return (int16_t)(uint16_t)zkvm__read_le(2); }
static inline int32_t zkvm_read_i32(void) { return (int32_t)(uint32_t)zkvm__read_le(4); }
static inline uint64_t zkvm_read_u64(void) { return zkvm__read_le(8); }
static inline int64_t zkvm_read_i64(void) { return (int64_t)zkvm__read_le(8); }

/* A bool (1 byte, 0 or 1); any other value exits with ZKVM_EXIT_INPUT_INVALID. */
static inline int zkvm_read_bool(void)
{
    uint8_t b = zkvm_read_u8();
    if (b > 1) {
        zkvm_fail(ZKVM_EXIT_INPUT_INVALID, "zkvm: private input: bool is not 0 or 1\n");
    }
    return b;
}

/* A length-prefixed byte string into `buf` (capacity `cap`); returns its length. A
 * length above `cap` exits with ZKVM_EXIT_INPUT_INVALID (nothing is read past it). */
static inline size_t zkvm_read_bytes(void *buf, size_t cap)
{
    uint32_t n = zkvm_read_u32();
    if (n > cap) {
        zkvm_fail(ZKVM_EXIT_INPUT_INVALID, "zkvm: private input: bytes longer than the buffer\n");
    }
    zkvm_read_exact(buf, n);
    return n;
}

/* A length-prefixed str into `buf` (capacity `cap`, room for the NUL included), NUL
 * terminated; returns its length. Needs length < cap, else ZKVM_EXIT_INPUT_INVALID. */
static inline size_t zkvm_read_str(char *buf, size_t cap)
{
    uint32_t n = zkvm_read_u32();
    if (cap == 0 || n > cap - 1) {
        zkvm_fail(ZKVM_EXIT_INPUT_INVALID, "zkvm: private input: str longer than the buffer\n");
    }
    zkvm_read_exact(buf, n);
    buf[n] = '\0';
    return n;
}

/* ----------------------------------------------------------------------------------
 * Cycle tracking (docs/cycle-tracking.md): named regions reported by `zkvm run`.
 *
 *   ZKVM_CYCLES_BEGIN("parse");  ...  ZKVM_CYCLES_END("parse");
 *
 * Each marker is one ecall to the zkvm host call 0x5B00 (a0 = the NUL-terminated name,
 * a1 = 0 begin / 1 end); it returns 0 and changes nothing else, so the program computes
 * the same with or without markers (a few instructions per marker are counted). Under
 * Linux/qemu the call returns -ENOSYS, which is ignored. Regions may nest and repeat;
 * `zkvm run` prints per name: count, total and mean cycles. Define ZKVM_NO_CYCLE_MARKERS
 * to compile them out.
 * ---------------------------------------------------------------------------------- */
#define ZKVM_SYS_CYCLE_MARKER 0x5B00

static inline void zkvm_cycle_marker(const char *name, int end)
{
    (void)zkvm_syscall3(ZKVM_SYS_CYCLE_MARKER, (long)name, end ? 1 : 0, 0);
}

#ifdef ZKVM_NO_CYCLE_MARKERS
#define ZKVM_CYCLES_BEGIN(name) ((void)0)
#define ZKVM_CYCLES_END(name) ((void)0)
#else
#define ZKVM_CYCLES_BEGIN(name) zkvm_cycle_marker((name), 0)
#define ZKVM_CYCLES_END(name) zkvm_cycle_marker((name), 1)
#endif

/* ----------------------------------------------------------------------------------
 * Precompiles (docs/abi.md, "Precompiles"): hash permutations the zkvm executes and
 * proves with dedicated circuits instead of thousands of RV32IM instructions.
 *
 *   0x5A00 SHA256_COMPRESS  a0 = uint32_t state[8] (in/out), a1 = 64-byte block;
 *                           both 4-byte aligned
 *   0x5A01 KECCAK_F1600     a0 = uint64_t state[25] (in/out, 200 bytes); 4-byte aligned
 *
 * Both return 0 in a0. Under Linux/qemu-riscv32 the numbers are unknown (-ENOSYS); the
 * wrappers below then compute the same function in plain C, so the same ELF still runs
 * there. Define ZKVM_NO_PRECOMPILES before including zkvm.h to always use the plain C
 * code (for comparisons: same results, every round proved as RV32IM instructions).
 *
 * Names: zkvm_sha256.h (plain C SHA-256) already owns zkvm_sha256_compress() and
 * zkvm_sha256(), so the precompile-backed SHA-256 functions here are zkvm_sha256_accel*;
 * a guest may include both headers.
 * ---------------------------------------------------------------------------------- */
#define ZKVM_SYS_SHA256_COMPRESS 0x5A00
#define ZKVM_SYS_KECCAK_F1600 0x5A01

/* Plain C SHA-256 compression (FIPS 180-4 6.2.2), the precompile's fallback: the SDK's
 * zkvm_sha256.h already has one; reuse it rather than keep a second copy. */
static inline void zkvm__sha256_compress_sw(uint32_t state[8], const uint8_t block[64])
{
    zkvm_sha256_compress(state, block);
}

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

#ifdef __cplusplus
}
#endif

#endif /* ZKVM_H */

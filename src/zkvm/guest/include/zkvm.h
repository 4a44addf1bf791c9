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

/* Precompiles: generated from zkvm.precompiles (registry + each folder's sdk.h). */
#include "zkvm_precompiles.h"

#ifdef __cplusplus
}
#endif

#endif /* ZKVM_H */

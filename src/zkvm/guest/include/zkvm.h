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

#ifdef __cplusplus
}
#endif

#endif /* ZKVM_H */

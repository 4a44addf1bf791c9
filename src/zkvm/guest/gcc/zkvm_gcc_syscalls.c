/*
 * zkvm_gcc_syscalls.c -- the POSIX layer picolibc needs, on the zkvm's Linux-style ABI.
 *
 * picolibc is a bare-metal C library: it leaves the system interface (read, write,
 * _exit, sbrk, ...) and the stdio streams to the application. This file provides them
 * with the same `ecall`s a musl guest issues (docs/abi.md: number in a7, arguments in
 * a0..a2, result in a0, negative errno on failure), so a GCC-built guest behaves like
 * the zig/musl build of the same source in the zkvm executor and under qemu-riscv32:
 *
 *   read(0, ...)     private input            write(1|2, ...)  stdout / stderr
 *   write(3, ...)    journal (public output)  _exit(code)      exit_group(code)
 *   sbrk(n)          brk(2), heap after .bss  kill(pid, sig)   exit_group(128 + sig),
 *                                                               the status musl's abort()
 *                                                               gets in the executor
 *   mmap/munmap/mprotect  mmap2(2)/munmap(2)/mprotect(2): anonymous mappings
 *                    (include/sys/mman.h; picolibc has no such header)
 *
 * stdio: stdout is fully buffered (1024 bytes, like musl on a non-terminal) and flushed
 * by fflush(), exit()/return from main, and when full; stderr is unbuffered. As with
 * musl, zkvm_exit() and abort() end the program without flushing stdout. stdin reads
 * fd 0 one byte at a time (do not mix it with zkvm_read(), see zkvm.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

#define SYS_READ 63
#define SYS_WRITE 64
#define SYS_EXIT_GROUP 94
#define SYS_BRK 214
#define SYS_MUNMAP 215
#define SYS_MMAP2 222
#define SYS_MPROTECT 226

static inline long zkvm_gcc_ecall3(long n, long a, long b, long c)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

static long ret_errno(long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
    return ret_errno(zkvm_gcc_ecall3(SYS_READ, fd, (long)buf, (long)n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
    return ret_errno(zkvm_gcc_ecall3(SYS_WRITE, fd, (long)buf, (long)n));
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        long w = zkvm_gcc_ecall3(SYS_WRITE, fd, (long)p, (long)n);
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- stdio streams ---------------------------------------------------------------- */

static unsigned char out_buf[1024];
static size_t out_len;

static int out_flush(FILE *f)
{
    (void)f;
    int r = write_all(1, out_buf, out_len);
    out_len = 0;
    return r;
}

static int out_put(char c, FILE *f)
{
    out_buf[out_len++] = (unsigned char)c;
    if (out_len == sizeof out_buf && out_flush(f) != 0) {
        return EOF;
    }
    return (unsigned char)c;
}

static int err_put(char c, FILE *f)
{
    (void)f;
    return write_all(2, (const unsigned char *)&c, 1) == 0 ? (unsigned char)c : EOF;
}

static int in_get(FILE *f)
{
    (void)f;
    unsigned char c;
    long r = zkvm_gcc_ecall3(SYS_READ, 0, (long)&c, 1);
    if (r == 1) {
        return c;
    }
    return r == 0 ? _FDEV_EOF : _FDEV_ERR;
}

static FILE zkvm_stdin = FDEV_SETUP_STREAM(NULL, in_get, NULL, _FDEV_SETUP_READ);
static FILE zkvm_stdout = FDEV_SETUP_STREAM(out_put, NULL, out_flush, _FDEV_SETUP_WRITE);
static FILE zkvm_stderr = FDEV_SETUP_STREAM(err_put, NULL, NULL, _FDEV_SETUP_WRITE);

FILE *const stdin = &zkvm_stdin;
FILE *const stdout = &zkvm_stdout;
FILE *const stderr = &zkvm_stderr;

/* ---- process ---------------------------------------------------------------------- */

__attribute__((noreturn)) void _exit(int code)
{
    (void)out_flush(stdout);
    for (;;) {
        zkvm_gcc_ecall3(SYS_EXIT_GROUP, code, 0, 0);
    }
}

int getpid(void)
{
    return 1;
}

int kill(int pid, int sig)
{
    (void)pid;
    for (;;) {
        zkvm_gcc_ecall3(SYS_EXIT_GROUP, 128 + sig, 0, 0);
    }
}

/* ---- heap ------------------------------------------------------------------------- */

static uintptr_t cur_brk;

void *sbrk(ptrdiff_t incr)
{
    if (cur_brk == 0) {
        cur_brk = (uintptr_t)zkvm_gcc_ecall3(SYS_BRK, 0, 0, 0);
    }
    uintptr_t old = cur_brk;
    if (incr == 0) {
        return (void *)old;
    }
    uintptr_t want = old + (uintptr_t)incr;
    if ((incr > 0 && want < old) || (incr < 0 && want > old)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t got = (uintptr_t)zkvm_gcc_ecall3(SYS_BRK, (long)want, 0, 0);
    if (got != want) {
        errno = ENOMEM;
        return (void *)-1;
    }
    cur_brk = got;
    return (void *)old;
}

/* ---- anonymous mappings (sys/mman.h) ---------------------------------------------- */

static inline long zkvm_gcc_ecall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
    return a0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (off & 4095) { /* mmap2 takes the offset in pages, as musl's mmap does */
        errno = EINVAL;
        return (void *)-1;
    }
    long r = zkvm_gcc_ecall6(SYS_MMAP2, (long)addr, (long)len, prot, flags, fd, (long)(off >> 12));
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return (void *)-1;
    }
    return (void *)r;
}

int munmap(void *addr, size_t len)
{
    return (int)ret_errno(zkvm_gcc_ecall3(SYS_MUNMAP, (long)addr, (long)len, 0));
}

int mprotect(void *addr, size_t len, int prot)
{
    return (int)ret_errno(zkvm_gcc_ecall3(SYS_MPROTECT, (long)addr, (long)len, prot));
}

/* ---- what the rest of picolibc may reference: no files, no clock ------------------ */

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    errno = ENOSYS;
    return -1;
}

int close(int fd)
{
    (void)fd;
    return 0;
}

off_t lseek(int fd, off_t off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

int fstat(int fd, struct stat *st)
{
    (void)fd;
    (void)st;
    errno = ENOSYS;
    return -1;
}

int isatty(int fd)
{
    (void)fd;
    errno = ENOTTY;
    return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    if (tv) {
        tv->tv_sec = 0;
        tv->tv_usec = 0;
    }
    return 0;
}

clock_t times(struct tms *buf)
{
    if (buf) {
        buf->tms_utime = buf->tms_stime = buf->tms_cutime = buf->tms_cstime = 0;
    }
    return 0;
}

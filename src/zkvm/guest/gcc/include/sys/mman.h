/*
 * sys/mman.h for the GCC + picolibc route (picolibc, a bare-metal libc, has none).
 *
 * The zkvm's anonymous mappings (docs/abi.md: mmap2 222, munmap 215, mprotect 226),
 * implemented in zkvm_gcc_syscalls.c with the same ecalls musl issues, so a guest that
 * maps memory builds and runs the same with either compiler route. Only what the zkvm
 * supports: MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ / PROT_WRITE; the rest fails with
 * EINVAL as it does under musl.
 */
#ifndef ZKVM_GCC_SYS_MMAN_H
#define ZKVM_GCC_SYS_MMAN_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS

#define MAP_FAILED ((void *)-1)

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);

#ifdef __cplusplus
}
#endif

#endif

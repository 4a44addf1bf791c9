/*
 * util.c -- memory, errors, keccak.
 *
 * Memory: the guest runs one transaction and exits, so most records (accounts, storage
 * slots, code) come from a bump arena that is never freed. The zkvm's mmap never reuses
 * address ranges (docs/architecture.md, "mmap"), so freeing large blocks would not give
 * their addresses back anyway. The arena takes its chunks straight from mmap: anonymous
 * mappings are zero-filled (Linux, qemu and the zkvm alike), so nothing is cleared by
 * hand (the libc's calloc clears byte by byte: 4 cycles per byte).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "evm.h"
#include "zkvm.h"

#define ARENA_CHUNK (1u << 20)

static uint8_t *arena_ptr;
static size_t arena_left;

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fail_unsupported("evm: out of guest memory\n");
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fail_unsupported("evm: out of guest memory\n");
    }
    return q;
}

/* n zero bytes from a fresh anonymous mapping */
static void *fresh_zeroed(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fail_unsupported("evm: out of guest memory\n");
    }
    return p;
}

void *arena_alloc(size_t n)
{
    n = (n + 7u) & ~(size_t)7u;
    if (n > arena_left) {
        if (n >= ARENA_CHUNK / 4) {
            return fresh_zeroed(n);
        }
        arena_ptr = fresh_zeroed(ARENA_CHUNK);
        arena_left = ARENA_CHUNK;
    }
    void *p = arena_ptr;
    arena_ptr += n;
    arena_left -= n;
    return p;
}

void fail_input(const char *msg)
{
    zkvm_fail(EVM_EXIT_BAD_INPUT, msg);
}

void fail_unsupported(const char *msg)
{
    zkvm_fail(EVM_EXIT_UNSUPPORTED, msg);
}

void keccak(const void *data, size_t len, uint8_t out[32])
{
    zkvm_keccak256(data, len, out);
}

void buf_put(buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) {
            cap *= 2;
        }
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n) {
        memcpy(b->p + b->len, data, n);
    }
    b->len += n;
}

void buf_byte(buf *b, uint8_t v)
{
    buf_put(b, &v, 1);
}

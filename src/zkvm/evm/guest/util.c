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

#ifndef EVM_STATIC_HEAP
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

void xfree(void *p)
{
    free(p);
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
#else
/*
 * -DEVM_STATIC_HEAP=<bytes> (a measurement variant, not the published guest): every
 * allocation comes from a bump region in .bss and nothing is freed, so the guest makes no
 * memory system calls at all (no mmap, no allocator start-up). It runs only transactions
 * whose allocations fit the region.
 */
static uint8_t heap[EVM_STATIC_HEAP] __attribute__((aligned(16)));
static size_t heap_used;

static void *fresh_zeroed(size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n > sizeof heap - heap_used) {
        fail_unsupported("evm: static heap exhausted\n");
    }
    void *p = heap + heap_used;
    heap_used += n;
    return p;
}

void *xmalloc(size_t n)
{
    size_t *p = fresh_zeroed(n + 16);
    p[0] = n;
    return (uint8_t *)p + 16;
}

void *xrealloc(void *p, size_t n)
{
    if (!p) {
        return xmalloc(n);
    }
    size_t old = *(size_t *)((uint8_t *)p - 16);
    if (old >= n) {
        return p;
    }
    void *q = xmalloc(n);
    memcpy(q, p, old);
    return q;
}

void xfree(void *p)
{
    (void)p;
}
#endif

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

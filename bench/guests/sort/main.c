/*
 * sort: a sorting workload for the compiler-trust corpus (bench/bench_compiler_trust.py).
 *
 * Private input: n (u32, little-endian, 1..65536), then n records of 8 bytes: key (u32), value (u32).
 * The guest sorts the records three ways -- a stable bottom-up merge sort by key, an
 * in-place quicksort (median of three, insertion sort below 16 elements) by (key, value),
 * and a binary-heap priority queue draining the values -- checks that the results agree
 * with each other (exit 1 otherwise), and commits a digest of the sorted data.
 *
 * Journal (public, 16 bytes): n (u32), FNV-1a of the merge-sorted (key, value) stream
 * (u32), number of distinct keys (u32), FNV-1a of the heap-drained values (u32).
 *
 * Own code only (no qsort, no malloc: the arrays are static, so picolibc's malloc, which
 * clears every block byte by byte, does not dominate the GCC build): the point is what
 * the compiler does with loops, compares, swaps and array indexing, not which libc is
 * linked.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zkvm.h"

#define MAX_N (1u << 16)

typedef struct {
    uint32_t key;
    uint32_t value;
} rec;

static rec a[MAX_N], b[MAX_N], tmp[MAX_N];
static uint32_t heap[MAX_N];

static uint32_t fnv(uint32_t h, uint32_t x)
{
    for (int i = 0; i < 4; i++) {
        h = (h ^ (x & 0xFF)) * 16777619u;
        x >>= 8;
    }
    return h;
}

/* stable: equal keys keep their input order */
static void merge_sort(rec *a, rec *tmp, uint32_t n)
{
    for (uint32_t width = 1; width < n; width *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n;
            uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                tmp[k++] = a[j].key < a[i].key ? a[j++] : a[i++];
            }
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
}

static int rec_less(const rec *x, const rec *y)
{
    return x->key < y->key || (x->key == y->key && x->value < y->value);
}

static void swap(rec *x, rec *y)
{
    rec t = *x;
    *x = *y;
    *y = t;
}

static void quick_sort(rec *a, int32_t lo, int32_t hi) /* [lo, hi] inclusive */
{
    while (hi - lo >= 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (rec_less(&a[mid], &a[lo])) swap(&a[mid], &a[lo]);
        if (rec_less(&a[hi], &a[lo])) swap(&a[hi], &a[lo]);
        if (rec_less(&a[hi], &a[mid])) swap(&a[hi], &a[mid]);
        rec pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (rec_less(&a[i], &pivot)) i++;
            while (rec_less(&pivot, &a[j])) j--;
            if (i <= j) {
                swap(&a[i], &a[j]);
                i++;
                j--;
            }
        }
        /* recurse into the smaller half, loop on the larger: O(log n) stack */
        if (j - lo < hi - i) {
            quick_sort(a, lo, j);
            lo = i;
        } else {
            quick_sort(a, i, hi);
            hi = j;
        }
    }
    for (int32_t i = lo + 1; i <= hi; i++) {
        rec x = a[i];
        int32_t j = i - 1;
        while (j >= lo && rec_less(&x, &a[j])) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

/* min-heap of values */
static void heap_push(uint32_t *h, uint32_t *len, uint32_t v)
{
    uint32_t i = (*len)++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (h[p] <= v) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

static uint32_t heap_pop(uint32_t *h, uint32_t *len)
{
    uint32_t top = h[0];
    uint32_t v = h[--*len];
    uint32_t i = 0, n = *len;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h[c + 1] < h[c]) c++;
        if (v <= h[c]) break;
        h[i] = h[c];
        i = c;
    }
    if (n) h[i] = v;
    return top;
}

int main(void)
{
    uint32_t n = zkvm_read_u32();
    if (n == 0 || n > MAX_N) {
        fprintf(stderr, "sort: n = %u out of range 1..%u\n", n, MAX_N);
        return 2;
    }
    zkvm_read_exact(a, n * sizeof *a);
    memcpy(b, a, n * sizeof *a);

    merge_sort(a, tmp, n);
    quick_sort(b, 0, (int32_t)n - 1);

    uint32_t h_sorted = 2166136261u, distinct = 0, hlen = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && a[i].key < a[i - 1].key) {
            fprintf(stderr, "sort: merge sort out of order at %u\n", i);
            return 1;
        }
        if (a[i].key != b[i].key || (i > 0 && rec_less(&b[i], &b[i - 1]))) {
            fprintf(stderr, "sort: quicksort disagrees at %u\n", i);
            return 1;
        }
        distinct += i == 0 || a[i].key != a[i - 1].key;
        h_sorted = fnv(fnv(h_sorted, a[i].key), a[i].value);
        heap_push(heap, &hlen, a[i].value);
    }
    uint32_t h_heap = 2166136261u, prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = heap_pop(heap, &hlen);
        if (v < prev) {
            fprintf(stderr, "sort: heap out of order at %u\n", i);
            return 1;
        }
        prev = v;
        h_heap = fnv(h_heap, v);
    }
    uint32_t journal[4] = {n, h_sorted, distinct, h_heap};
    zkvm_commit(journal, sizeof journal);
    printf("sorted %u records, %u distinct keys, digest %08x %08x\n", n, distinct, h_sorted, h_heap);
    return 0;
}

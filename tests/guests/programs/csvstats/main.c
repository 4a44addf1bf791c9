/* A small "real program": a CSV aggregator using stdio input (fgets over musl's readv),
 * strtod, a malloc'd hash table with strdup'ed keys, calloc/realloc/free, qsort, a large
 * (> 128 KiB, mmap-backed) buffer, printf/snprintf with floats and assert.
 *
 * Input (private): lines "key,value\n" (value a decimal number).  A line without a comma
 * fails an assert (exit code 134, a provable outcome).
 * Journal (public): "n=<rows> keys=<distinct> total=<sum %.3f> top=<key> big=<checksum>\n".
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkvm.h"

typedef struct entry {
    char *key;
    double sum;
    long count;
    struct entry *next;
} entry;

typedef struct {
    entry **buckets;
    size_t nbuckets;
    size_t size;
} table;

static uint32_t hash_str(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static void table_grow(table *t) {
    size_t nb = t->nbuckets ? 2 * t->nbuckets : 8;
    entry **b = calloc(nb, sizeof *b);
    assert(b != NULL);
    for (size_t i = 0; i < t->nbuckets; i++) {
        entry *e = t->buckets[i];
        while (e) {
            entry *next = e->next;
            size_t j = hash_str(e->key) & (nb - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

static entry *table_get(table *t, const char *key) {
    if (t->size + 1 > t->nbuckets * 3 / 4) table_grow(t);
    size_t j = hash_str(key) & (t->nbuckets - 1);
    for (entry *e = t->buckets[j]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e;
    entry *e = calloc(1, sizeof *e);
    assert(e != NULL);
    e->key = strdup(key);
    e->next = t->buckets[j];
    t->buckets[j] = e;
    t->size++;
    return e;
}

static int by_sum_desc(const void *a, const void *b) {
    const entry *x = *(entry *const *)a, *y = *(entry *const *)b;
    if (x->sum != y->sum) return x->sum < y->sum ? 1 : -1;
    return strcmp(x->key, y->key);
}

int main(void) {
    table t = {0};
    char line[256];
    long rows = 0;
    double total = 0;
    char **lines = NULL; /* every key seen, grown with realloc */
    size_t nlines = 0, cap = 0;
    while (fgets(line, sizeof line, stdin)) {
        char *comma = strchr(line, ',');
        assert(comma != NULL && "every row is key,value");
        *comma = 0;
        char *end;
        double v = strtod(comma + 1, &end);
        entry *e = table_get(&t, line);
        e->sum += v;
        e->count++;
        total += v;
        rows++;
        if (nlines == cap) {
            cap = cap ? 2 * cap : 4;
            lines = realloc(lines, cap * sizeof *lines);
            assert(lines != NULL);
        }
        lines[nlines++] = e->key;
    }
    /* a large buffer: served by mmap, provably zero when fresh */
    size_t big_n = 132 * 1024 / sizeof(uint32_t);
    uint32_t *big = malloc(big_n * sizeof *big);
    assert(big != NULL);
    uint32_t *z = calloc(big_n, sizeof *z);
    assert(z != NULL);
    uint32_t check = 0;
    for (size_t i = 0; i < big_n; i += 61) {
        assert(z[i] == 0);
        big[i] = (uint32_t)i * 2654435761u ^ (uint32_t)rows;
    }
    for (size_t i = 0; i < big_n; i += 61) check = check * 31 + big[i];
    free(z);
    free(big);

    entry **all = malloc(t.size * sizeof *all);
    assert(t.size == 0 || all != NULL);
    size_t k = 0;
    for (size_t i = 0; i < t.nbuckets; i++)
        for (entry *e = t.buckets[i]; e; e = e->next) all[k++] = e;
    qsort(all, k, sizeof *all, by_sum_desc);
    for (size_t i = 0; i < k && i < 5; i++)
        printf("%-12s %10.3f (%ld rows)\n", all[i]->key, all[i]->sum, all[i]->count);

    char out[200];
    int len = snprintf(out, sizeof out, "n=%ld keys=%zu total=%.3f top=%s big=%08x lines=%zu\n", rows,
                       t.size, total, k ? all[0]->key : "-", check, nlines);
    zkvm_commit(out, (size_t)len);
    fputs(out, stdout);
    for (size_t i = 0; i < t.nbuckets; i++) {
        entry *e = t.buckets[i];
        while (e) {
            entry *next = e->next;
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(t.buckets);
    free(all);
    free(lines);
    return 0;
}

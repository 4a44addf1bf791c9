/* Exercises musl: printf, malloc/realloc/free (small and mmap-sized), qsort, string ops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void) {
    uint32_t s = 12345;
    int n = 500;
    int *v = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) { s = s * 1103515245u + 12345u; v[i] = (int)(s >> 8) - (1 << 22); }
    qsort(v, n, sizeof(int), cmp);
    for (int i = 1; i < n; i++) if (v[i - 1] > v[i]) { puts("unsorted"); return 1; }
    printf("min %d max %d median %d\n", v[0], v[n - 1], v[n / 2]);
    char buf[128];
    snprintf(buf, sizeof buf, "%s-%05d-%x-%c", "zkvm", 42, 0xbeef, 'Z');
    char *d = strdup(buf);
    printf("%s len=%zu cmp=%d chr=%s\n", d, strlen(d), strcmp(d, "zkvm"), strchr(d, 'b'));
    char *big = malloc(300000);               /* large: mmap */
    memset(big, 'a', 300000);
    memmove(big + 1, big, 1000);
    big = realloc(big, 600000);                /* mremap fails -> copy */
    big[599999] = 0;
    printf("big %zu %c\n", strlen(big), big[300000 - 1]);
    free(big);
    void *ptrs[64];
    for (int i = 0; i < 64; i++) ptrs[i] = malloc(16 * (i + 1));
    for (int i = 0; i < 64; i += 2) free(ptrs[i]);
    for (int i = 0; i < 64; i += 2) ptrs[i] = calloc(i + 1, 8);
    long long acc = 0;
    for (int i = 0; i < 64; i++) acc += ((char *)ptrs[i])[0];
    printf("acc %lld %lld %llu\n", acc, (long long)v[3] * v[4] / 7, 0xFFFFFFFFFFull / 3);
    fprintf(stderr, "to stderr %d\n", n);
    free(d);
    free(v);
    return 7;
}

/*
 * json: a parsing workload for the compiler-trust corpus (bench/bench_compiler_trust.py).
 *
 * Private input: a JSON document (RFC 8259: objects, arrays, strings with escapes
 * including \uXXXX and surrogate pairs, numbers, true/false/null), up to 1 MiB.
 * The guest parses it into a tree (nodes from a static arena), then walks the tree.
 *
 * Journal (public, 32 bytes, u32 little-endian each): objects, arrays, strings, numbers,
 * literals (true/false/null), the maximum nesting depth, the sum mod 2^32 of every
 * number's integer part, and FNV-1a of every decoded string (keys included, UTF-8).
 * Exit codes: 0 ok, 1 malformed JSON (the byte offset goes to stderr), 2 too large, too deep or out of memory.
 *
 * Own code only (no strtod, no libc parser): a recursive-descent parser with a
 * switch-heavy scanner, the kind of branchy code where optimisation levels differ. The
 * input buffer and the node arena are static (picolibc's malloc, in the GCC build, clears
 * every block byte by byte: a 1 MiB malloc would cost 4 M cycles there); only the
 * per-container child lists are malloc'd and realloc'd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkvm.h"

#define MAX_INPUT (1u << 20)
#define MAX_DEPTH 64

enum kind { J_NULL, J_TRUE, J_FALSE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

typedef struct node {
    uint8_t kind;
    uint32_t len;             /* string: bytes; array/object: children */
    union {
        int64_t integer;      /* number: integer part (saturating) */
        char *str;            /* string (decoded, not NUL-terminated) */
        struct node **kids;   /* array items; object: key, value, key, value, ... */
    } u;
} node;

#define ARENA_BYTES (4u << 20)

static uint8_t input[MAX_INPUT + 1];
static uint64_t arena_words[ARENA_BYTES / 8];
static const uint8_t *src;
static uint32_t pos, end;
static uint32_t arena_used;

static void fail(const char *what)
{
    fprintf(stderr, "json: %s at byte %u\n", what, pos);
    exit(1);
}

static void *alloc(uint32_t n)
{
    n = (n + 7u) & ~7u;
    if (n > ARENA_BYTES - arena_used) {
        fprintf(stderr, "json: out of memory\n");
        exit(2);
    }
    void *p = (uint8_t *)arena_words + arena_used;
    arena_used += n;
    return p;
}

static void skip_ws(void)
{
    while (pos < end) {
        switch (src[pos]) {
        case ' ': case '\t': case '\n': case '\r':
            pos++;
            break;
        default:
            return;
        }
    }
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static uint32_t hex4(void)
{
    if (end - pos < 4) fail("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(src[pos++]);
        if (h < 0) fail("bad hex digit");
        v = (v << 4) | (uint32_t)h;
    }
    return v;
}

static uint32_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* at the opening quote; decoded bytes never outnumber the source bytes */
static node *parse_string(void)
{
    pos++;
    uint32_t start = pos;
    while (pos < end && src[pos] != '"') pos += src[pos] == '\\' ? 2 : 1;
    if (pos >= end) fail("unterminated string");
    char *out = alloc(pos - start);
    uint32_t n = 0;
    pos = start;
    while (src[pos] != '"') {
        uint8_t c = src[pos++];
        if (c < 0x20) fail("control character in string");
        if (c != '\\') { out[n++] = (char)c; continue; }
        c = src[pos++];
        switch (c) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            uint32_t cp = hex4();
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (end - pos < 6 || src[pos] != '\\' || src[pos + 1] != 'u') fail("lone high surrogate");
                pos += 2;
                uint32_t lo = hex4();
                if (lo < 0xDC00 || lo >= 0xE000) fail("bad low surrogate");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                fail("lone low surrogate");
            }
            n += put_utf8(out + n, cp);
            break;
        }
        default:
            fail("bad escape");
        }
    }
    pos++;
    node *s = alloc(sizeof *s);
    s->kind = J_STRING;
    s->len = n;
    s->u.str = out;
    return s;
}

static node *parse_number(void)
{
    int neg = 0;
    int64_t v = 0;
    if (src[pos] == '-') { neg = 1; pos++; }
    if (pos >= end) fail("bad number");
    if (src[pos] == '0') {
        pos++;
    } else if (src[pos] >= '1' && src[pos] <= '9') {
        while (pos < end && src[pos] >= '0' && src[pos] <= '9') {
            if (v < (INT64_MAX - 9) / 10) v = v * 10 + (src[pos] - '0');
            pos++;
        }
    } else {
        fail("bad number");
    }
    if (pos < end && src[pos] == '.') {
        pos++;
        if (pos >= end || src[pos] < '0' || src[pos] > '9') fail("bad fraction");
        while (pos < end && src[pos] >= '0' && src[pos] <= '9') pos++;
    }
    if (pos < end && (src[pos] == 'e' || src[pos] == 'E')) {
        pos++;
        if (pos < end && (src[pos] == '+' || src[pos] == '-')) pos++;
        if (pos >= end || src[pos] < '0' || src[pos] > '9') fail("bad exponent");
        while (pos < end && src[pos] >= '0' && src[pos] <= '9') pos++;
    }
    node *x = alloc(sizeof *x);
    x->kind = J_NUMBER;
    x->len = 0;
    x->u.integer = neg ? -v : v;
    return x;
}

static node *parse_value(uint32_t depth);

static node *parse_container(uint32_t depth, uint8_t close, uint8_t kind)
{
    if (depth >= MAX_DEPTH) {
        fprintf(stderr, "json: nesting deeper than %d\n", MAX_DEPTH);
        exit(2);
    }
    pos++;
    uint32_t cap = 8, n = 0;
    node **kids = malloc(cap * sizeof *kids);
    skip_ws();
    if (pos < end && src[pos] == close) {
        pos++;
    } else {
        for (;;) {
            if (n + 2 > cap) {
                cap *= 2;
                kids = realloc(kids, cap * sizeof *kids);
            }
            if (!kids) fail("out of memory");
            if (kind == J_OBJECT) {
                skip_ws();
                if (pos >= end || src[pos] != '"') fail("expected a key");
                kids[n++] = parse_string();
                skip_ws();
                if (pos >= end || src[pos] != ':') fail("expected ':'");
                pos++;
            }
            kids[n++] = parse_value(depth + 1);
            skip_ws();
            if (pos < end && src[pos] == ',') { pos++; continue; }
            if (pos < end && src[pos] == close) { pos++; break; }
            fail(kind == J_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    node *c = alloc(sizeof *c);
    c->kind = kind;
    c->len = n;
    c->u.kids = alloc(n * sizeof *kids + 1);
    memcpy(c->u.kids, kids, n * sizeof *kids);
    free(kids);
    return c;
}

static node *literal(const char *word, uint8_t kind)
{
    uint32_t n = (uint32_t)strlen(word);
    if (end - pos < n || memcmp(src + pos, word, n) != 0) fail("bad literal");
    pos += n;
    node *x = alloc(sizeof *x);
    x->kind = kind;
    x->len = 0;
    return x;
}

static node *parse_value(uint32_t depth)
{
    skip_ws();
    if (pos >= end) fail("unexpected end of input");
    switch (src[pos]) {
    case '{': return parse_container(depth, '}', J_OBJECT);
    case '[': return parse_container(depth, ']', J_ARRAY);
    case '"': return parse_string();
    case 't': return literal("true", J_TRUE);
    case 'f': return literal("false", J_FALSE);
    case 'n': return literal("null", J_NULL);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number();
    default:
        fail("unexpected character");
    }
    return NULL;
}

typedef struct {
    uint32_t objects, arrays, strings, numbers, literals, max_depth, num_sum, str_hash;
} stats;

static void walk(const node *x, uint32_t depth, stats *s)
{
    if (depth > s->max_depth) s->max_depth = depth;
    switch (x->kind) {
    case J_OBJECT:
    case J_ARRAY:
        if (x->kind == J_OBJECT) s->objects++; else s->arrays++;
        for (uint32_t i = 0; i < x->len; i++) walk(x->u.kids[i], depth + 1, s);
        break;
    case J_STRING:
        s->strings++;
        for (uint32_t i = 0; i < x->len; i++) s->str_hash = (s->str_hash ^ (uint8_t)x->u.str[i]) * 16777619u;
        break;
    case J_NUMBER:
        s->numbers++;
        s->num_sum += (uint32_t)x->u.integer;
        break;
    default:
        s->literals++;
    }
}

int main(void)
{
    size_t n = zkvm_read(input, MAX_INPUT + 1);
    if (n > MAX_INPUT) {
        fprintf(stderr, "json: input larger than %u bytes\n", MAX_INPUT);
        return 2;
    }
    src = input;
    end = (uint32_t)n;
    node *root = parse_value(0);
    skip_ws();
    if (pos != end) fail("trailing data");
    stats s = {0};
    s.str_hash = 2166136261u;
    walk(root, 1, &s);
    zkvm_commit(&s, sizeof s);
    printf("objects %u arrays %u strings %u numbers %u literals %u depth %u sum %u hash %08x\n", s.objects,
           s.arrays, s.strings, s.numbers, s.literals, s.max_depth, s.num_sum, s.str_hash);
    return 0;
}

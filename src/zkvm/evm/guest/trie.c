/*
 * trie.c -- Merkle-Patricia trie roots (Yellow Paper, appendix D) of the account trie
 * and of each account's storage trie.
 *
 * Both tries are "secured" (keys are keccak256 of the address / of the 32-byte slot key)
 * so every key is 64 nibbles and no branch node carries a value. The root is built from
 * the sorted (hashed key, value) list in one recursive pass, like the specification's
 * patricialize(): one item is a leaf; items sharing a prefix from the current nibble
 * get an extension node; otherwise a branch node with one child per nibble. A node
 * whose RLP encoding is shorter than 32 bytes is embedded in its parent, otherwise the
 * parent holds its keccak256.
 *
 * Caching: the hashed address and each slot's hashed key are computed once; an
 * account's storage root is recomputed only if a storage write happened since the last
 * computation (sroot_valid), so the post-state root re-hashes only what changed below
 * the account level.
 */
#include <stdlib.h>
#include <string.h>

#include "evm.h"

typedef struct {
    const uint8_t *key; /* 32 bytes */
    const uint8_t *val;
    size_t vlen;
} titem;

/* keccak256(rlp(b"")) = keccak256(0x80) */
static const uint8_t EMPTY_TRIE_ROOT[32] = {0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e, 0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21};

#define NODE_MAX 640 /* a branch: 16 references of <= 33 bytes + value + header */
#define HDR 3          /* room for a list header in front of a payload (< 64 KiB) */

static inline unsigned nib(const uint8_t *k, unsigned i)
{
    return (k[i >> 1] >> ((i & 1) ? 0 : 4)) & 15u;
}

/* Hex-prefix encoding of nibbles [from, to) of key, as an RLP string, written at out. */
static size_t compact_rlp(uint8_t *out, const uint8_t *key, unsigned from, unsigned to, int leaf)
{
    unsigned n = to - from;
    size_t len = n / 2 + 1; /* hex-prefix bytes */
    uint8_t *hp = out + (len == 1 ? 0 : 1);
    size_t k = 0;
    if (n & 1) {
        hp[k++] = (uint8_t)((((leaf ? 2 : 0) + 1) << 4) | nib(key, from));
        from++;
    } else {
        hp[k++] = (uint8_t)((leaf ? 2 : 0) << 4);
    }
    for (unsigned i = from; i < to; i += 2) {
        hp[k++] = (uint8_t)(nib(key, i) << 4 | nib(key, i + 1));
    }
    if (len == 1) {
        return 1; /* a single byte below 0x80 (0x00..0x3f) is its own RLP encoding */
    }
    out[0] = (uint8_t)(0x80 + len); /* len <= 33 < 56 */
    return 1 + len;
}

/* Encode the node of it[0..n) at nibble `level` into buf (NODE_MAX bytes); returns a
 * pointer to the encoding inside buf (the payload is written once, at buf + HDR, and the
 * list header just before it) and its length. */
static const uint8_t *encode_node(const titem *it, size_t n, unsigned level, uint8_t *buf, size_t *len);

/* The reference to the node of it[0..n) in its parent, written at out: the node itself
 * if its encoding is shorter than 32 bytes, else the RLP string of its keccak256. */
static size_t node_ref(const titem *it, size_t n, unsigned level, uint8_t *out)
{
    uint8_t buf[NODE_MAX];
    size_t len;
    const uint8_t *enc = encode_node(it, n, level, buf, &len);
    if (len < 32) {
        memcpy(out, enc, len);
        return len;
    }
    out[0] = 0xa0;
    keccak(enc, len, out + 1);
    return 33;
}

static const uint8_t *finish_list(uint8_t *buf, size_t plen, size_t *len)
{
    size_t h = rlp_header_len(plen);
    rlp_header(buf + HDR - h, plen, 1);
    *len = h + plen;
    return buf + HDR - h;
}

static const uint8_t *encode_node(const titem *it, size_t n, unsigned level, uint8_t *buf, size_t *len)
{
    uint8_t *p = buf + HDR;
    size_t k = 0;
    if (n == 1) { /* leaf: [compact(rest of key, leaf), value] */
        k += compact_rlp(p, it[0].key, level, 64, 1);
        if (it[0].vlen + 3 + k > NODE_MAX - HDR) {
            fail_unsupported("evm: trie value too large\n");
        }
        k += rlp_string(p + k, it[0].val, it[0].vlen);
        return finish_list(buf, k, len);
    }
    /* the items are sorted: the common prefix of all is that of the first and last */
    unsigned q = level;
    while (q < 64 && nib(it[0].key, q) == nib(it[n - 1].key, q)) {
        q++;
    }
    if (q > level) { /* extension: [compact(prefix), child] */
        k += compact_rlp(p, it[0].key, level, q, 0);
        k += node_ref(it, n, q, p + k);
        return finish_list(buf, k, len);
    }
    /* branch: 16 children and an empty value */
    size_t i = 0;
    for (unsigned d = 0; d < 16; d++) {
        size_t j = i;
        while (j < n && nib(it[j].key, level) == d) {
            j++;
        }
        if (j == i) {
            p[k++] = 0x80;
        } else {
            k += node_ref(it + i, j - i, level + 1, p + k);
        }
        i = j;
    }
    p[k++] = 0x80;
    return finish_list(buf, k, len);
}

static int titem_cmp(const void *a, const void *b)
{
    return memcmp(((const titem *)a)->key, ((const titem *)b)->key, 32);
}

static void trie_root(titem *it, size_t n, uint8_t out[32])
{
    if (n == 0) {
        memcpy(out, EMPTY_TRIE_ROOT, 32);
        return;
    }
    qsort(it, n, sizeof(titem), titem_cmp);
    uint8_t buf[NODE_MAX];
    size_t len;
    const uint8_t *enc = encode_node(it, n, 0, buf, &len);
    keccak(enc, len, out);
}

static void storage_root(account *a, uint8_t out[32])
{
    if (a->sroot_valid) {
        memcpy(out, a->sroot, 32);
        return;
    }
    size_t n = a->nonzero;
    titem *it = n ? xmalloc(n * sizeof(titem)) : NULL;
    uint8_t *vals = n ? xmalloc(n * 33) : NULL;
    size_t k = 0;
    for (uint32_t i = 0; i < a->storage.cap; i++) {
        slot *s = a->storage.tab[i];
        if (!s || u256_is_zero(&s->cur)) {
            continue;
        }
        if (!s->hkey_valid) {
            uint8_t be[32];
            u256_to_be(be, &s->key);
            keccak(be, 32, s->hkey);
            s->hkey_valid = 1;
        }
        it[k].key = s->hkey;
        it[k].val = vals + 33 * k;
        it[k].vlen = rlp_u256(vals + 33 * k, &s->cur);
        k++;
    }
    trie_root(it, k, out);
    xfree(it);
    xfree(vals);
    memcpy(a->sroot, out, 32);
    a->sroot_valid = 1;
}

void state_root(uint8_t out[32])
{
    size_t n = 0;
    for (account *a = all_accounts; a; a = a->next_all) {
        n += a->exists;
    }
    titem *it = n ? xmalloc(n * sizeof(titem)) : NULL;
    uint8_t *vals = n ? xmalloc(n * 128) : NULL;
    size_t k = 0;
    for (account *a = all_accounts; a; a = a->next_all) {
        if (!a->exists) {
            continue;
        }
        if (!a->haddr_valid) {
            keccak(a->addr, 20, a->haddr);
            a->haddr_valid = 1;
        }
        /* rlp([nonce, balance, storage root, code hash]): the body (< 110 bytes) is
         * written at v + 2 and its header just before it */
        uint8_t *v = vals + 128 * k, *body = v + 2;
        size_t b = 0;
        b += rlp_u64(body + b, a->nonce);
        b += rlp_u256(body + b, &a->balance);
        body[b] = 0xa0;
        storage_root(a, body + b + 1);
        b += 33;
        body[b] = 0xa0;
        memcpy(body + b + 1, code_hash(a->code), 32);
        b += 33;
        size_t h = rlp_header_len(b);
        rlp_header(body - h, b, 1);
        it[k].key = a->haddr;
        it[k].val = body - h;
        it[k].vlen = h + b;
        k++;
    }
    trie_root(it, k, out);
    xfree(it);
    xfree(vals);
}

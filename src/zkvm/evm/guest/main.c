/*
 * main.c -- the EVM guest's entry point: read the input, compute the pre-state root,
 * run the transaction, commit the journal.
 *
 * Input (private; docs/evm.md, "Input"; all integers little-endian unless marked BE):
 *
 *   magic            8   "zkEVMin1"
 *   flags            u32  bit 0: write the post-state to stdout (below); others must be 0
 *   block environment (its bytes, from chain_id to the last block hash, are hashed
 *   into the journal's block-environment digest):
 *     chain_id        u64
 *     number          u64
 *     timestamp       u64
 *     gas_limit       u64   (< 2^63)
 *     excess_blob_gas u64
 *     coinbase        20
 *     base_fee        32 BE
 *     prev_randao     32
 *     n_hashes        u32   (<= 256)
 *     n_hashes x { number u64, hash 32 }
 *   transaction:
 *     sender          20
 *     tx_len          u32
 *     tx              tx_len bytes: a signed EIP-2718 transaction (legacy RLP list, or
 *                     type byte || RLP payload)
 *   pre-state:
 *     n_accounts      u32
 *     n_accounts x { address 20, nonce u64, balance 32 BE, code_len u32 (<= 1 MiB), code,
 *                    n_slots u32, n_slots x { key 32 BE, value 32 BE } }
 *   (nothing after the last account)
 *
 * Journal (public, 192 bytes): pre-state root 32 | block-environment digest 32 |
 * transaction hash 32 | sender 20 | post-state root 32 | logs hash 32 |
 * gas used u64 LE | status u32 LE.
 *
 * Post-state on stdout (flag bit 0; not part of the statement): the pre-state encoding
 * above (n_accounts, then every existing account with its non-zero slots) for the
 * state after the transaction, then the logs: n_logs u32, n_logs x { address 20,
 * n_topics u32, n_topics x topic 32, data_len u32, data }. A host uses it to build the next transaction's input;
 * the next journal's pre-state root, computed by the guest, links the two statements.
 *
 * Exit codes: 0 journal written (every transaction outcome, invalid ones included);
 * 2 malformed input; 3 unsupported (a precompile other than 0x02/0x04, or EVM memory
 * past the guest's limit). Nothing is committed unless 0.
 */
#include <stdlib.h>
#include <string.h>

#include "evm.h"
#include "zkvm.h"

#define FLAG_DUMP_STATE 1u

block_env ENV;
tx_env TX;

typedef struct {
    const uint8_t *p, *end;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        fail_input("evm: input too short\n");
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

static uint64_t take_u64(reader *r)
{
    const uint8_t *q = take(r, 8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | q[i];
    }
    return v;
}

static uint32_t take_u32(reader *r)
{
    const uint8_t *q = take(r, 4);
    return (uint32_t)q[0] | ((uint32_t)q[1] << 8) | ((uint32_t)q[2] << 16) | ((uint32_t)q[3] << 24);
}

static uint8_t *read_all_input(size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            b = xrealloc(b, cap);
        }
        size_t got = zkvm_read(b + n, cap - n);
        if (got == 0) {
            break;
        }
        n += got;
    }
    *len = n;
    return b;
}

/* fake_exponential(1, excess_blob_gas, 3338477) (EIP-4844) */
static void blob_base_fee(u256 *out, uint64_t excess)
{
    u256 acc, num, den, outsum, t, di;
    u256_from_u64(&den, 3338477);
    u256_from_u64(&num, excess);
    acc = den; /* factor * denominator */
    u256_zero(&outsum);
    for (uint64_t i = 1; !u256_is_zero(&acc); i++) {
        if (u256_add(&outsum, &outsum, &acc)) {
            fail_unsupported("evm: blob base fee overflows 256 bits\n");
        }
        if (u256_bit_len(&acc) + u256_bit_len(&num) > 256) {
            fail_unsupported("evm: blob base fee overflows 256 bits\n");
        }
        u256_mul(&t, &acc, &num);
        u256_from_u64(&di, 3338477ull * i);
        u256_divmod(&acc, NULL, &t, &di);
    }
    u256_divmod(out, NULL, &outsum, &den);
}

static void load_state(reader *r)
{
    uint32_t n = take_u32(r);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *addr = take(r, 20);
        if (acct_find(addr)) {
            fail_input("evm: input: duplicate account\n");
        }
        account *a = acct_get(addr);
        a->exists = 1;
        a->nonce = take_u64(r);
        u256_from_be(&a->balance, take(r, 32));
        uint32_t clen = take_u32(r);
        if (clen > (1u << 20)) {
            fail_input("evm: input: code longer than 1 MiB\n");
        }
        a->code = code_ref(take(r, clen), clen); /* the input buffer lives until exit */
        uint32_t ns = take_u32(r);
        if (ns > (uint32_t)((r->end - r->p) / 64)) {
            fail_input("evm: input too short\n");
        }
        for (uint32_t k = 0; k < ns; k++) {
            u256 key, val;
            u256_from_be(&key, take(r, 32));
            u256_from_be(&val, take(r, 32));
            if (slot_find(&a->storage, &key)) {
                fail_input("evm: input: duplicate storage key\n");
            }
            slot *s = slot_get(&a->storage, &key);
            s->cur = val;
            s->orig = val;
            a->nonzero += !u256_is_zero(&val);
        }
    }
    if (r->p != r->end) {
        fail_input("evm: input: trailing bytes after the pre-state\n");
    }
}

static void put_u32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, x, 4);
}

/* The post-state in the pre-state encoding and the logs, on stdout. */
static void dump_state(void)
{
    buf b = {0};
    uint32_t n = 0;
    for (account *a = all_accounts; a; a = a->next_all) {
        n += a->exists;
    }
    put_u32(&b, n);
    for (account *a = all_accounts; a; a = a->next_all) {
        if (!a->exists) {
            continue;
        }
        uint8_t x[32];
        buf_put(&b, a->addr, 20);
        for (int i = 0; i < 8; i++) {
            x[i] = (uint8_t)(a->nonce >> (8 * i));
        }
        buf_put(&b, x, 8);
        u256_to_be(x, &a->balance);
        buf_put(&b, x, 32);
        put_u32(&b, a->code->len);
        buf_put(&b, a->code->bytes, a->code->len);
        put_u32(&b, a->nonzero);
        for (uint32_t i = 0; i < a->storage.cap; i++) {
            slot *s = a->storage.tab[i];
            if (s && !u256_is_zero(&s->cur)) {
                u256_to_be(x, &s->key);
                buf_put(&b, x, 32);
                u256_to_be(x, &s->cur);
                buf_put(&b, x, 32);
            }
        }
    }
    put_u32(&b, NLOGS);
    for (uint32_t i = 0; i < NLOGS; i++) {
        log_entry *e = &LOGS[i];
        buf_put(&b, e->addr, 20);
        put_u32(&b, e->ntopics);
        buf_put(&b, e->topics, 32u * e->ntopics);
        put_u32(&b, e->len);
        buf_put(&b, e->data, e->len);
    }
    if (zkvm_write_all(ZKVM_FD_STDOUT, b.p, b.len) != 0) {
        fail_unsupported("evm: writing the post-state failed\n");
    }
}

int main(void)
{
    size_t in_len;
    uint8_t *in = read_all_input(&in_len);
    reader r = {in, in + in_len};
    if (memcmp(take(&r, 8), "zkEVMin1", 8) != 0) {
        fail_input("evm: input: bad magic (expected \"zkEVMin1\")\n");
    }
    uint32_t flags = take_u32(&r);
    if (flags & ~FLAG_DUMP_STATE) {
        fail_input("evm: input: unknown flags\n");
    }

    /* block environment */
    const uint8_t *env_start = r.p;
    ENV.chain_id = take_u64(&r);
    ENV.number = take_u64(&r);
    ENV.timestamp = take_u64(&r);
    ENV.gas_limit = take_u64(&r);
    ENV.excess_blob_gas = take_u64(&r);
    memcpy(ENV.coinbase, take(&r, 20), 20);
    u256_from_be(&ENV.base_fee, take(&r, 32));
    memcpy(ENV.prev_randao, take(&r, 32), 32);
    ENV.n_hashes = take_u32(&r);
    if (ENV.n_hashes > 256) {
        fail_input("evm: input: more than 256 block hashes\n");
    }
    for (uint32_t i = 0; i < ENV.n_hashes; i++) {
        ENV.hash_numbers[i] = take_u64(&r);
        memcpy(ENV.hashes[i], take(&r, 32), 32);
    }
    if (ENV.gas_limit >= (1ull << 63)) {
        fail_input("evm: input: block gas limit must be below 2^63\n");
    }
    uint8_t env_digest[32];
    keccak(env_start, (size_t)(r.p - env_start), env_digest);
    blob_base_fee(&ENV.blob_base_fee, ENV.excess_blob_gas);

    /* transaction */
    uint8_t sender[20];
    memcpy(sender, take(&r, 20), 20);
    uint32_t tx_len = take_u32(&r);
    const uint8_t *tx = take(&r, tx_len);
    uint8_t tx_hash[32];
    keccak(tx, tx_len, tx_hash);

    /* pre-state */
    state_init();
    interp_init();
    load_state(&r);
    uint8_t pre_root[32];
    state_root(pre_root);

    tx_result res = process_transaction(tx, tx_len, sender);

    uint8_t post_root[32], lh[32];
    state_root(post_root);
    logs_hash(lh);

    uint8_t j[192];
    memcpy(j + 0, pre_root, 32);
    memcpy(j + 32, env_digest, 32);
    memcpy(j + 64, tx_hash, 32);
    memcpy(j + 96, sender, 20);
    memcpy(j + 116, post_root, 32);
    memcpy(j + 148, lh, 32);
    for (int i = 0; i < 8; i++) {
        j[180 + i] = (uint8_t)(res.gas_used >> (8 * i));
    }
    for (int i = 0; i < 4; i++) {
        j[188 + i] = (uint8_t)((uint32_t)res.status >> (8 * i));
    }
    zkvm_commit(j, sizeof j);
    if (flags & FLAG_DUMP_STATE) {
        dump_state();
    }
    return 0;
}

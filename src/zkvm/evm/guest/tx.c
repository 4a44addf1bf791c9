/*
 * tx.c -- one transaction: decoding (types 0, 1, 2, 3), validation, intrinsic gas, fees,
 * execution and refunds, following the execution specification's process_transaction()
 * (Cancun: fork.py, transactions.py).
 *
 * The sender is an input (trusted, and public in the journal): the guest does not
 * recover it from the signature. It does check everything about the signature that does
 * not need the curve: r in [1, n), s in [1, n/2] (EIP-2), a legacy v of 27/28 or
 * 35/36 + 2 * chain_id (EIP-155), a typed y_parity of 0 or 1, and a typed transaction's
 * chain id equal to the block's (the specification instead recovers another sender).
 *
 * An invalid transaction (any failed check) leaves the state unchanged and gets one of
 * the ST_INVALID_* statuses; it is an outcome the journal proves, not a guest error.
 */
#include <stdlib.h>
#include <string.h>

#include "evm.h"

extern int64_t REFUND;

#define TX_BASE 21000
#define TX_DATA_ZERO 4
#define TX_DATA_NONZERO 16
#define TX_CREATE 32000
#define TX_ACCESS_ADDRESS 2400
#define TX_ACCESS_KEY 1900
#define GAS_PER_BLOB (1ull << 17)
#define MAX_BLOB_GAS_PER_BLOCK 786432ull /* 6 blobs */

/* secp256k1 group order n and n / 2 (big-endian) */
static const uint8_t SECP256K1_N[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

typedef struct {
    int type;
    uint64_t chain_id;
    u256 nonce;
    u256 gas_price;    /* legacy/type 1; max_fee_per_gas for type 2 */
    u256 max_priority; /* type 2 */
    u256 gas;
    int is_create;
    uint8_t to[20];
    u256 value;
    const uint8_t *data;
    uint32_t data_len;
    rlp_item access_list; /* the list item (types 1, 2, 3) */
    u256 max_fee_blob;    /* type 3 */
    rlp_item blob_hashes; /* type 3: the list item */
    uint32_t n_blobs;
    int blobs_ok;         /* every hash is 32 bytes with version 0x01 */
    u256 v, r, s;
} tx_fields;

static int item_u256(const uint8_t **cur, const uint8_t *end, u256 *out)
{
    rlp_item it;
    return rlp_next(cur, end, &it) || rlp_to_u256(&it, out);
}

/* Decode the EIP-2718 envelope. Returns 0, or an ST_INVALID_* status. */
static int decode_tx(const uint8_t *tx, size_t len, tx_fields *t)
{
    memset(t, 0, sizeof *t);
    if (len == 0) {
        return ST_INVALID_ENCODING;
    }
    const uint8_t *cur = tx, *end = tx + len;
    if (tx[0] >= 0xc0) {
        t->type = 0;
    } else if (tx[0] >= 1 && tx[0] <= 3) {
        t->type = tx[0];
        cur++;
    } else {
        return ST_INVALID_TX_TYPE;
    }
    rlp_item list;
    if (rlp_next(&cur, end, &list) || !list.is_list || cur != end) {
        return ST_INVALID_ENCODING;
    }
    const uint8_t *p = list.p, *e = list.p + list.len;
    rlp_item it;
    if (t->type != 0) {
        if (rlp_next(&p, e, &it) || rlp_to_u64(&it, &t->chain_id)) {
            return ST_INVALID_ENCODING;
        }
    }
    if (item_u256(&p, e, &t->nonce)) {
        return ST_INVALID_ENCODING;
    }
    if (t->type >= 2) {
        if (item_u256(&p, e, &t->max_priority)) {
            return ST_INVALID_ENCODING;
        }
    }
    if (item_u256(&p, e, &t->gas_price) || item_u256(&p, e, &t->gas)) {
        return ST_INVALID_ENCODING;
    }
    if (rlp_next(&p, e, &it) || it.is_list || (it.len != 0 && it.len != 20)) {
        return ST_INVALID_ENCODING;
    }
    t->is_create = it.len == 0;
    if (!t->is_create) {
        memcpy(t->to, it.p, 20);
    }
    if (item_u256(&p, e, &t->value)) {
        return ST_INVALID_ENCODING;
    }
    if (rlp_next(&p, e, &it) || it.is_list) {
        return ST_INVALID_ENCODING;
    }
    t->data = it.p;
    t->data_len = (uint32_t)it.len;
    if (t->type != 0) {
        if (rlp_next(&p, e, &t->access_list) || !t->access_list.is_list) {
            return ST_INVALID_ENCODING;
        }
        /* validate its shape: [[address, [key, ...]], ...] */
        const uint8_t *q = t->access_list.p, *qe = q + t->access_list.len;
        while (q < qe) {
            rlp_item entry, addr, keys, key;
            if (rlp_next(&q, qe, &entry) || !entry.is_list) {
                return ST_INVALID_ENCODING;
            }
            const uint8_t *r = entry.p, *re = r + entry.len;
            if (rlp_next(&r, re, &addr) || addr.is_list || addr.len != 20 || rlp_next(&r, re, &keys) ||
                !keys.is_list || r != re) {
                return ST_INVALID_ENCODING;
            }
            const uint8_t *k = keys.p, *ke = k + keys.len;
            while (k < ke) {
                if (rlp_next(&k, ke, &key) || key.is_list || key.len != 32) {
                    return ST_INVALID_ENCODING;
                }
            }
        }
    }
    if (t->type == 3) {
        if (item_u256(&p, e, &t->max_fee_blob) || rlp_next(&p, e, &t->blob_hashes) || !t->blob_hashes.is_list) {
            return ST_INVALID_ENCODING;
        }
        const uint8_t *q = t->blob_hashes.p, *qe = q + t->blob_hashes.len;
        t->blobs_ok = 1;
        while (q < qe) {
            rlp_item h;
            if (rlp_next(&q, qe, &h) || h.is_list || h.len != 32) {
                return ST_INVALID_ENCODING;
            }
            t->blobs_ok &= h.p[0] == 0x01; /* VERSIONED_HASH_VERSION_KZG */
            t->n_blobs++;
        }
    }
    if (item_u256(&p, e, &t->v) || item_u256(&p, e, &t->r) || item_u256(&p, e, &t->s) || p != e) {
        return ST_INVALID_ENCODING;
    }
    return 0;
}

/* Calls f(address, key or NULL) for each access-list entry (address first, then keys). */
static uint64_t access_list_walk(const tx_fields *t, int warm)
{
    uint64_t cost = 0;
    if (t->type == 0) {
        return 0;
    }
    const uint8_t *q = t->access_list.p, *qe = q + t->access_list.len;
    while (q < qe) {
        rlp_item entry, addr, keys, key;
        rlp_next(&q, qe, &entry);
        const uint8_t *r = entry.p, *re = r + entry.len;
        rlp_next(&r, re, &addr);
        rlp_next(&r, re, &keys);
        cost += TX_ACCESS_ADDRESS;
        account *a = warm ? acct_get(addr.p) : NULL;
        if (a) {
            st_mark_warm(a);
        }
        const uint8_t *k = keys.p, *ke = k + keys.len;
        while (k < ke) {
            rlp_next(&k, ke, &key);
            cost += TX_ACCESS_KEY;
            if (a) {
                u256 kv;
                u256_from_be(&kv, key.p);
                st_mark_slot_warm(slot_get(&a->storage, &kv));
            }
        }
    }
    return cost;
}

static int signature_ok(const tx_fields *t)
{
    u256 n, half, one;
    u256_from_be(&n, SECP256K1_N);
    u256_shr(&half, &n, 1);
    u256_from_u32(&one, 1);
    if (u256_is_zero(&t->r) || !u256_lt(&t->r, &n)) {
        return 0;
    }
    if (u256_is_zero(&t->s) || u256_lt(&half, &t->s)) {
        return 0;
    }
    if (t->type == 0) {
        if (!u256_fits_u64(&t->v)) {
            return 0;
        }
        uint64_t v = u256_lo64(&t->v);
        if (v == 27 || v == 28) {
            return 1;
        }
        if (ENV.chain_id > (UINT64_MAX - 36) / 2) {
            return 0;
        }
        return v == 35 + 2 * ENV.chain_id || v == 36 + 2 * ENV.chain_id;
    }
    return u256_is_zero(&t->v) || u256_eq(&t->v, &one);
}

/* r = a * b; returns 1 on overflow past 2^256. */
static int mul_overflow(u256 *r, const u256 *a, const u256 *b)
{
    if (u256_bit_len(a) + u256_bit_len(b) > 257) {
        return 1;
    }
    u256_mul(r, a, b);
    /* bit lengths summing to exactly 257 may or may not overflow: check by division */
    if (!u256_is_zero(a)) {
        u256 q;
        u256_divmod(&q, NULL, r, a);
        if (!u256_eq(&q, b)) {
            return 1;
        }
    }
    return 0;
}

tx_result process_transaction(const uint8_t *txb, size_t tx_len, const uint8_t sender_addr[20])
{
    tx_result res = {0, 0};
    tx_fields t;
    int bad = decode_tx(txb, tx_len, &t);
    if (bad) {
        res.status = bad;
        return res;
    }

    /* validate_transaction: intrinsic gas, nonce overflow, initcode size */
    uint64_t intrinsic = TX_BASE;
    for (uint32_t i = 0; i < t.data_len; i++) {
        intrinsic += t.data[i] ? TX_DATA_NONZERO : TX_DATA_ZERO;
    }
    if (t.is_create) {
        intrinsic += TX_CREATE + 2 * (((uint64_t)t.data_len + 31) / 32);
    }
    intrinsic += access_list_walk(&t, 0);
    u256 intr;
    u256_from_u64(&intr, intrinsic);
    if (u256_lt(&t.gas, &intr)) {
        res.status = ST_INVALID_INTRINSIC_GAS;
        return res;
    }
    u256 nonce_max;
    u256_from_u64(&nonce_max, UINT64_MAX);
    if (!u256_lt(&t.nonce, &nonce_max)) {
        res.status = ST_INVALID_NONCE_MAX;
        return res;
    }
    if (t.is_create && t.data_len > MAX_INITCODE_SIZE) {
        res.status = ST_INVALID_INITCODE_SIZE;
        return res;
    }

    /* check_transaction */
    if (!u256_fits_u64(&t.gas) || u256_lo64(&t.gas) > ENV.gas_limit) {
        res.status = ST_INVALID_GAS_LIMIT;
        return res;
    }
    uint64_t gas = u256_lo64(&t.gas); /* < 2^63: the block gas limit is */
    uint64_t blob_gas = (uint64_t)t.n_blobs * GAS_PER_BLOB;
    if (t.type == 3 && blob_gas > MAX_BLOB_GAS_PER_BLOCK) {
        res.status = ST_INVALID_BLOBS;
        return res;
    }
    if (!signature_ok(&t)) {
        res.status = ST_INVALID_SIGNATURE;
        return res;
    }
    if (t.type != 0 && t.chain_id != ENV.chain_id) {
        res.status = ST_INVALID_CHAIN_ID;
        return res;
    }
    account *sender = acct_get(sender_addr);
    u256 price, max_price;
    if (t.type >= 2) {
        if (u256_lt(&t.gas_price, &t.max_priority)) {
            res.status = ST_INVALID_PRIORITY_FEE;
            return res;
        }
        if (u256_lt(&t.gas_price, &ENV.base_fee)) {
            res.status = ST_INVALID_MAX_FEE;
            return res;
        }
        u256 room;
        u256_sub(&room, &t.gas_price, &ENV.base_fee);
        u256 prio = u256_lt(&t.max_priority, &room) ? t.max_priority : room;
        u256_add(&price, &prio, &ENV.base_fee);
        max_price = t.gas_price;
    } else {
        if (u256_lt(&t.gas_price, &ENV.base_fee)) {
            res.status = ST_INVALID_MAX_FEE;
            return res;
        }
        price = t.gas_price;
        max_price = t.gas_price;
    }
    u256 blob_gas256, blob_fee, max_blob_fee;
    u256_from_u64(&blob_gas256, blob_gas);
    u256_zero(&blob_fee);
    u256_zero(&max_blob_fee);
    if (t.type == 3) { /* EIP-4844 */
        if (t.is_create || t.n_blobs == 0 || !t.blobs_ok) {
            res.status = ST_INVALID_BLOBS;
            return res;
        }
        if (u256_lt(&t.max_fee_blob, &ENV.blob_base_fee)) {
            res.status = ST_INVALID_BLOB_FEE;
            return res;
        }
        if (mul_overflow(&max_blob_fee, &blob_gas256, &t.max_fee_blob)) {
            res.status = ST_INVALID_BALANCE;
            return res;
        }
        u256_mul(&blob_fee, &blob_gas256, &ENV.blob_base_fee); /* <= max_blob_fee */
    }
    if (!u256_fits_u64(&t.nonce) || u256_lo64(&t.nonce) != sender->nonce) {
        res.status = ST_INVALID_NONCE;
        return res;
    }
    u256 gas256, max_fee, need;
    u256_from_u64(&gas256, gas);
    if (mul_overflow(&max_fee, &gas256, &max_price) || u256_add(&max_fee, &max_fee, &max_blob_fee) ||
        u256_add(&need, &max_fee, &t.value) || u256_lt(&sender->balance, &need)) {
        res.status = ST_INVALID_BALANCE;
        return res;
    }
    if (sender->code->len != 0) {
        res.status = ST_INVALID_SENDER_CODE;
        return res;
    }

    /* the transaction is valid: buy gas */
    u256 fee;
    u256_mul(&fee, &gas256, &price); /* <= max_fee: no overflow */
    u256_add(&fee, &fee, &blob_fee);  /* the blob fee is burned */
    st_inc_nonce(sender);
    st_sub_balance(sender, &fee);
    memcpy(TX.origin, sender_addr, 20);
    TX.gas_price = price;
    TX.blob_hashes = t.type == 3 ? t.blob_hashes.p : NULL;
    TX.n_blobs = t.type == 3 ? t.n_blobs : 0;

    /* warm addresses and keys: coinbase (EIP-3651), access list, origin, precompiles, target */
    st_mark_warm(acct_get(ENV.coinbase));
    access_list_walk(&t, 1);
    st_mark_warm(sender);
    for (int i = 1; i <= 0x0a; i++) {
        uint8_t a[20] = {0};
        a[19] = (uint8_t)i;
        st_mark_warm(acct_get(a));
    }

    message m;
    memset(&m, 0, sizeof m);
    m.caller = sender;
    m.gas = (int64_t)(gas - intrinsic);
    m.value = t.value;
    m.depth = 0;
    m.should_transfer = 1;
    code *initcode = NULL;
    if (t.is_create) {
        /* address from the sender's nonce before this transaction */
        uint8_t buf[40], h[32];
        size_t k = 1;
        k += rlp_string(buf + k, sender_addr, 20);
        k += rlp_u64(buf + k, sender->nonce - 1);
        buf[0] = (uint8_t)(0xc0 + (k - 1));
        keccak(buf, k, h);
        account *target = acct_get(h + 12);
        st_mark_warm(target);
        m.target = target;
        initcode = code_ref(t.data, t.data_len);
        m.code = initcode;
        m.is_create = 1;
        if (target->nonce != 0 || target->code->len != 0 || target->nonzero != 0) {
            m.status = ST_HALT; /* address collision: all gas consumed */
            m.gas = 0;
        } else {
            process_create_message(&m);
        }
    } else {
        account *target = acct_get(t.to);
        st_mark_warm(target);
        m.target = target;
        m.code_account = target;
        m.code = target->code;
        m.data = t.data;
        m.data_len = t.data_len;
        process_message(&m);
    }
    if (m.status != ST_SUCCESS) {
        REFUND = 0;
    }

    /* refund and fees */
    uint64_t used = gas - (uint64_t)m.gas;
    uint64_t refund = REFUND > 0 ? (uint64_t)REFUND : 0;
    if (refund > used / 5) {
        refund = used / 5;
    }
    used -= refund;
    u256 left, back, prio_fee, tip;
    u256_from_u64(&left, gas - used);
    u256_mul(&back, &left, &price);
    st_add_balance(sender, &back);
    u256_sub(&prio_fee, &price, &ENV.base_fee);
    u256 used256;
    u256_from_u64(&used256, used);
    u256_mul(&tip, &used256, &prio_fee);
    st_add_balance(acct_get(ENV.coinbase), &tip);

    /* accounts self-destructed in the transaction that created them (EIP-6780) */
    for (account *a = all_accounts; a; a = a->next_all) {
        if (a->destructed) {
            st_destroy_storage(a);
            u256 zero;
            u256_zero(&zero);
            a->balance = zero;
            a->nonce = 0;
            a->code = &empty_code;
            a->exists = 0;
        }
    }
    res.status = m.status;
    res.gas_used = used;
    return res;
}

/* keccak256(rlp([[address, [topic, ...], data], ...])) */
void logs_hash(uint8_t out[32])
{
    buf b = {0};
    size_t total = 0;
    for (uint32_t i = 0; i < NLOGS; i++) {
        log_entry *e = &LOGS[i];
        size_t topics = 33 * (size_t)e->ntopics;
        size_t payload = 21 + rlp_header_len(topics) + topics + rlp_string_len(e->data, e->len);
        total += rlp_header_len(payload) + payload;
    }
    uint8_t hdr[9];
    buf_put(&b, hdr, rlp_header(hdr, total, 1));
    for (uint32_t i = 0; i < NLOGS; i++) {
        log_entry *e = &LOGS[i];
        size_t topics = 33 * (size_t)e->ntopics;
        size_t payload = 21 + rlp_header_len(topics) + topics + rlp_string_len(e->data, e->len);
        buf_put(&b, hdr, rlp_header(hdr, payload, 1));
        uint8_t tmp[33];
        buf_put(&b, tmp, rlp_string(tmp, e->addr, 20));
        buf_put(&b, hdr, rlp_header(hdr, topics, 1));
        for (int k = 0; k < e->ntopics; k++) {
            buf_put(&b, tmp, rlp_string(tmp, e->topics[k], 32));
        }
        if (e->len == 1 && e->data[0] < 0x80) {
            buf_put(&b, e->data, 1);
        } else {
            buf_put(&b, hdr, rlp_header(hdr, e->len, 0));
            buf_put(&b, e->data, e->len);
        }
    }
    keccak(b.p, b.len, out);
    xfree(b.p);
}

/*
 * state.c -- the world state during one transaction, with an undo journal.
 *
 * Every address the transaction looks at gets one `account` record (existing or not),
 * found through an open-addressing hash table; every storage key it looks at gets one
 * `slot` record in its account's table. Records live in the arena, so pointers to them
 * stay valid for the whole run.
 *
 * Reverts: every change (balance, nonce, code, existence, storage, transient storage,
 * warm marks, the self-destruct set) appends an entry with the old value to one undo
 * journal; a snapshot is the journal length and st_revert() undoes back to it. This is
 * equivalent to the specification's copies of the state at begin_transaction() and its
 * per-frame copies of the accessed-address and accessed-storage-key sets (a child's
 * additions survive only if the child succeeds).
 *
 * Empty accounts: the specification (Cancun, ethereum-execution 2.20) deletes an
 * account, with its storage, whenever a modification leaves it existing with nonce 0,
 * balance 0 and no code (state.modify_state). Every modification here ends with the same
 * check (check_empty).
 */
#include <string.h>

#include "evm.h"

/* ---- code ---------------------------------------------------------------------------------- */

static uint8_t empty_bytes[40];
code empty_code = {empty_bytes, empty_bytes, 0, 0, {0}, NULL};

code *code_new(const uint8_t *bytes, uint32_t len)
{
    if (len == 0) {
        return &empty_code;
    }
    code *c = arena_alloc(sizeof(code));
    c->padded = arena_alloc((size_t)len + 40); /* zero padding: PUSH32 at the end reads zeros */
    memcpy(c->padded, bytes, len);
    c->bytes = c->padded;
    c->len = len;
    return c;
}

code *code_ref(const uint8_t *bytes, uint32_t len)
{
    if (len == 0) {
        return &empty_code;
    }
    code *c = arena_alloc(sizeof(code));
    c->bytes = bytes;
    c->len = len;
    return c;
}

/* The interpreter reads up to 33 bytes past the last instruction (PUSH data at the end,
 * then STOP): it runs a zero-padded copy, made once per code on its first run (most
 * pre-state code is never run, only hashed). */
const uint8_t *code_padded(code *c)
{
    if (!c->padded) {
        c->padded = arena_alloc((size_t)c->len + 40);
        memcpy(c->padded, c->bytes, c->len);
    }
    return c->padded;
}

const uint8_t *code_hash(code *c)
{
    if (!c->hashed) {
        keccak(c->bytes, c->len, c->hash);
        c->hashed = 1;
    }
    return c->hash;
}

/* ---- accounts ------------------------------------------------------------------------------ */

static account **acct_tab;
static uint32_t acct_cap, acct_count;
account *all_accounts;

static uint32_t addr_hash(const uint8_t *a)
{
    uint32_t h = 0x811c9dc5u;
    for (int i = 0; i < 20; i++) {
        h = (h ^ a[i]) * 0x01000193u;
    }
    return h;
}

void state_init(void)
{
    acct_cap = 1024;
    acct_tab = arena_alloc(sizeof(account *) * acct_cap);
    acct_count = 0;
}

account *acct_find(const uint8_t addr[20])
{
    uint32_t mask = acct_cap - 1;
    for (uint32_t i = addr_hash(addr) & mask;; i = (i + 1) & mask) {
        account *a = acct_tab[i];
        if (!a) {
            return NULL;
        }
        if (memcmp(a->addr, addr, 20) == 0) {
            return a;
        }
    }
}

static void acct_insert(account *a)
{
    uint32_t mask = acct_cap - 1;
    uint32_t i = addr_hash(a->addr) & mask;
    while (acct_tab[i]) {
        i = (i + 1) & mask;
    }
    acct_tab[i] = a;
}

account *acct_get(const uint8_t addr[20])
{
    account *a = acct_find(addr);
    if (a) {
        return a;
    }
    if (2 * (acct_count + 1) > acct_cap) {
        account **old = acct_tab;
        uint32_t oldcap = acct_cap;
        acct_cap *= 2;
        acct_tab = arena_alloc(sizeof(account *) * acct_cap);
        for (uint32_t i = 0; i < oldcap; i++) {
            if (old[i]) {
                acct_insert(old[i]);
            }
        }
    }
    a = arena_alloc(sizeof(account));
    memcpy(a->addr, addr, 20);
    a->code = &empty_code;
    a->next_all = all_accounts;
    all_accounts = a;
    acct_insert(a);
    acct_count++;
    return a;
}

/* ---- storage slots --------------------------------------------------------------------------- */

static inline uint32_t key_hash(const u256 *k)
{
    uint32_t h = k->w[0] ^ (k->w[1] * 0x85ebca6bu) ^ (k->w[2] * 0xc2b2ae35u) ^ k->w[3] ^ k->w[4] ^ k->w[5] ^
                 k->w[6] ^ k->w[7];
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

slot *slot_find(const slotmap *m, const u256 *key)
{
    if (!m->cap) {
        return NULL;
    }
    uint32_t mask = m->cap - 1;
    for (uint32_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
        slot *s = m->tab[i];
        if (!s) {
            return NULL;
        }
        if (u256_eq(&s->key, key)) {
            return s;
        }
    }
}

static void slot_insert(slotmap *m, slot *s)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = key_hash(&s->key) & mask;
    while (m->tab[i]) {
        i = (i + 1) & mask;
    }
    m->tab[i] = s;
}

slot *slot_get(slotmap *m, const u256 *key)
{
    slot *s = slot_find(m, key);
    if (s) {
        return s;
    }
    if (2 * (m->count + 1) > m->cap) {
        slot **old = m->tab;
        uint32_t oldcap = m->cap;
        m->cap = oldcap ? 2 * oldcap : 8;
        m->tab = arena_alloc(sizeof(slot *) * m->cap);
        for (uint32_t i = 0; i < oldcap; i++) {
            if (old[i]) {
                slot_insert(m, old[i]);
            }
        }
    }
    s = arena_alloc(sizeof(slot));
    s->key = *key;
    slot_insert(m, s);
    m->count++;
    return s;
}

/* ---- the undo journal ------------------------------------------------------------------------ */

enum {
    J_BALANCE,
    J_NONCE,
    J_CODE,
    J_EXISTS,
    J_STORAGE,
    J_TRANSIENT,
    J_WARM,
    J_SLOT_WARM,
    J_DESTRUCTED,
};

typedef struct {
    uint32_t kind;
    account *a;
    slot *s;
    union {
        u256 v;
        uint64_t n;
        code *c;
    } old;
} jentry;

static jentry *jnl;
static size_t jnl_len, jnl_cap;

static jentry *jpush(uint32_t kind, account *a, slot *s)
{
    if (jnl_len == jnl_cap) {
        jnl_cap = jnl_cap ? 2 * jnl_cap : 1024;
        jnl = xrealloc(jnl, jnl_cap * sizeof(jentry));
    }
    jentry *e = &jnl[jnl_len++];
    e->kind = kind;
    e->a = a;
    e->s = s;
    return e;
}

size_t st_snapshot(void)
{
    return jnl_len;
}

void st_revert(size_t snap)
{
    while (jnl_len > snap) {
        jentry *e = &jnl[--jnl_len];
        account *a = e->a;
        slot *s = e->s;
        switch (e->kind) {
        case J_BALANCE:
            a->balance = e->old.v;
            break;
        case J_NONCE:
            a->nonce = e->old.n;
            break;
        case J_CODE:
            a->code = e->old.c;
            break;
        case J_EXISTS:
            a->exists = (uint8_t)e->old.n;
            break;
        case J_STORAGE: {
            int was_zero = u256_is_zero(&s->cur), will_be_zero = u256_is_zero(&e->old.v);
            a->nonzero += (uint32_t)was_zero - (uint32_t)will_be_zero;
            s->cur = e->old.v;
            a->sroot_valid = 0;
            break;
        }
        case J_TRANSIENT:
            s->cur = e->old.v;
            break;
        case J_WARM:
            a->warm = 0;
            break;
        case J_SLOT_WARM:
            s->warm = 0;
            break;
        case J_DESTRUCTED:
            a->destructed = 0;
            break;
        }
    }
}

/* ---- journaled modifications ---------------------------------------------------------------- */

static void set_exists(account *a, uint8_t v)
{
    if (a->exists != v) {
        jpush(J_EXISTS, a, NULL)->old.n = a->exists;
        a->exists = v;
    }
}

void st_set_storage(account *a, slot *s, const u256 *v)
{
    if (u256_eq(&s->cur, v)) {
        return;
    }
    jpush(J_STORAGE, a, s)->old.v = s->cur;
    int was_zero = u256_is_zero(&s->cur), now_zero = u256_is_zero(v);
    a->nonzero += (uint32_t)was_zero - (uint32_t)now_zero;
    s->cur = *v;
    a->sroot_valid = 0;
}

void st_destroy_storage(account *a)
{
    if (a->nonzero == 0) {
        return;
    }
    u256 zero;
    u256_zero(&zero);
    for (uint32_t i = 0; i < a->storage.cap; i++) {
        slot *s = a->storage.tab[i];
        if (s && !u256_is_zero(&s->cur)) {
            st_set_storage(a, s, &zero);
        }
    }
}

/* The end of the spec's modify_state(): an existing account left empty is destroyed. */
static void check_empty(account *a)
{
    if (a->exists && acct_is_empty(a)) {
        st_destroy_storage(a);
        set_exists(a, 0);
    }
}

void st_set_balance(account *a, const u256 *v)
{
    set_exists(a, 1);
    jpush(J_BALANCE, a, NULL)->old.v = a->balance;
    a->balance = *v;
    check_empty(a);
}

void st_add_balance(account *a, const u256 *v)
{
    u256 b;
    u256_add(&b, &a->balance, v);
    st_set_balance(a, &b);
}

void st_sub_balance(account *a, const u256 *v)
{
    u256 b;
    u256_sub(&b, &a->balance, v);
    st_set_balance(a, &b);
}

void st_move_ether(account *from, account *to, const u256 *amount)
{
    st_sub_balance(from, amount);
    st_add_balance(to, amount);
}

void st_inc_nonce(account *a)
{
    set_exists(a, 1);
    jpush(J_NONCE, a, NULL)->old.n = a->nonce;
    a->nonce++;
    check_empty(a);
}

void st_set_code(account *a, code *c)
{
    set_exists(a, 1);
    jpush(J_CODE, a, NULL)->old.c = a->code;
    a->code = c;
    check_empty(a);
}

void st_set_transient(slot *s, const u256 *v)
{
    if (u256_eq(&s->cur, v)) {
        return;
    }
    jpush(J_TRANSIENT, NULL, s)->old.v = s->cur;
    s->cur = *v;
}

void st_mark_warm(account *a)
{
    if (!a->warm) {
        jpush(J_WARM, a, NULL);
        a->warm = 1;
    }
}

void st_mark_slot_warm(slot *s)
{
    if (!s->warm) {
        jpush(J_SLOT_WARM, NULL, s);
        s->warm = 1;
    }
}

void st_mark_destructed(account *a)
{
    if (!a->destructed) {
        jpush(J_DESTRUCTED, a, NULL);
        a->destructed = 1;
    }
}

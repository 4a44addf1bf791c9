/*
 * interp.c -- the EVM interpreter (Cancun): opcodes, gas, memory, calls, creates and
 * the precompiles, following the execution specification (ethereum-execution 2.20,
 * ethereum/forks/cancun/vm) operation by operation.
 *
 * Dispatch is a computed goto (one indirect jump per opcode). The hot state of a frame
 * (pc, stack pointer, gas, memory) lives in local variables of run_code(); out-of-line
 * helpers (memory growth, calls, creates) get it through the `frame` struct and the
 * SYNC()/RELOAD() macros.
 *
 * Gas is a signed 64-bit count (the guest accepts block gas limits below 2^63).
 * Exceptional halts (out of gas, stack under/overflow, bad jump, invalid opcode, a write
 * in a static context, ...) all end the frame the same way: status ST_HALT, gas 0, no
 * output, every change of the frame undone.
 *
 * Re-entrancy: a call runs the child frame in a nested run_code(); each depth has its
 * own stack and memory buffer (pools, reused by the next frame at the same depth).
 */
#include <stdlib.h>
#include <string.h>

#include "evm.h"
#include "zkvm.h"

/* ---- gas constants (execution specification, vm/gas.py) ----------------------------- */
#define G_JUMPDEST 1
#define G_BASE 2
#define G_VERYLOW 3
#define G_LOW 5
#define G_MID 8
#define G_HIGH 10
#define G_EXP 10
#define G_EXP_BYTE 50
#define G_KECCAK 30
#define G_KECCAK_WORD 6
#define G_COPY 3
#define G_BLOCKHASH 20
#define G_LOG 375
#define G_LOG_DATA 8
#define G_LOG_TOPIC 375
#define G_CREATE 32000
#define G_CODE_DEPOSIT 200
#define G_NEW_ACCOUNT 25000
#define G_CALL_VALUE 9000
#define G_CALL_STIPEND 2300
#define G_SELFDESTRUCT 5000
#define G_SELFDESTRUCT_NEW 25000
#define G_COLD_SLOAD 2100
#define G_COLD_ACCOUNT 2600
#define G_WARM 100
#define G_SSTORE_SET 20000
#define G_SSTORE_UPDATE 5000
#define G_SSTORE_CLEAR_REFUND 4800
#define G_INITCODE_WORD 2
#define G_SHA256 60
#define G_SHA256_WORD 12
#define G_IDENTITY 15
#define G_IDENTITY_WORD 3

#define INF UINT64_MAX
#define BUDGET_MAX (1 << 30)

log_entry *LOGS;
uint32_t NLOGS;
static uint32_t logs_cap;
int64_t REFUND;

typedef struct frame {
    message *m;
    u256 *stack;     /* base of this frame's stack */
    uint8_t *mem;    /* memory buffer (capacity mcap) */
    uint64_t msize;  /* active size in bytes, a multiple of 32 */
    uint64_t mcap;
    uint8_t *rd;     /* return data of the last call/create (owned) */
    uint32_t rd_len;
    int64_t gas;
} frame;

/* per-depth pools: stacks and memory buffers are reused by later frames at that depth */
static u256 *stack_pool[DEPTH_LIMIT + 2];
static uint8_t *mem_pool[DEPTH_LIMIT + 2];
static uint64_t mem_pool_cap[DEPTH_LIMIT + 2];

void interp_init(void)
{
    NLOGS = 0;
    REFUND = 0;
}

int is_precompile(const uint8_t a[20])
{
    for (int i = 0; i < 19; i++) {
        if (a[i]) {
            return 0;
        }
    }
    return a[19] >= 1 && a[19] <= 0x0a;
}

/* ---- memory ------------------------------------------------------------------------------ */

static inline uint64_t words_of(uint64_t bytes)
{
    return (bytes + 31) / 32;
}

/* End (exclusive) of the byte range [off, off + len): 0 for len = 0 (no expansion), INF
 * when it cannot fit in 64 bits (then no amount of gas pays for it). */
static inline uint64_t region_end(const u256 *off, const u256 *len)
{
    if (u256_is_zero(len)) {
        return 0;
    }
    if (!u256_fits_u64(off) || !u256_fits_u64(len)) {
        return INF;
    }
    uint64_t o = u256_lo64(off), n = u256_lo64(len);
    if (o + n < o) {
        return INF;
    }
    return o + n;
}

static uint64_t mem_total_cost(uint64_t words)
{
    return 3 * words + (words * words) / 512; /* words <= 2^21 here: no overflow */
}

/* Gas to grow memory from f->msize to cover `end` bytes. For ends past the guest's
 * memory limit: INF if the exact cost exceeds `avail` (the caller then runs out of gas),
 * otherwise the guest cannot go on (EVM_EXIT_UNSUPPORTED). */
static uint64_t mem_cost(frame *f, uint64_t end, uint64_t avail)
{
    if (end <= f->msize) {
        return 0;
    }
    if (end <= EVM_MEMORY_LIMIT) {
        return mem_total_cost(words_of(end)) - mem_total_cost(f->msize / 32);
    }
    if (end == INF) {
        return INF;
    }
    /* exact cost in 256-bit arithmetic: 3w + floor(w^2 / 512) - C(old) */
    u256 w, c, t, old;
    u256_from_u64(&w, words_of(end));
    u256_mul(&c, &w, &w);
    u256_shr(&c, &c, 9);
    u256_from_u64(&t, 3);
    u256_mul(&t, &t, &w);
    u256_add(&c, &c, &t);
    u256_from_u64(&old, mem_total_cost(f->msize / 32));
    u256_sub(&c, &c, &old);
    u256 a;
    u256_from_u64(&a, avail);
    if (u256_lt(&a, &c)) {
        return INF;
    }
    fail_unsupported("evm: the transaction can pay for more EVM memory than the guest supports\n");
}

static void mem_grow(frame *f, uint64_t end)
{
    if (end <= f->msize) {
        return;
    }
    uint64_t size = words_of(end) * 32;
    if (size > f->mcap) {
        int d = f->m->depth;
        uint64_t cap = f->mcap ? 2 * f->mcap : 16384; /* few reallocations (each copies) */
        while (cap < size) {
            cap *= 2;
        }
        uint8_t *p = xmalloc((size_t)cap);
        memcpy(p, f->mem, (size_t)f->msize);
        xfree(f->mem);
        f->mem = p;
        f->mcap = cap;
        mem_pool[d] = p;
        mem_pool_cap[d] = cap;
    }
    memset(f->mem + f->msize, 0, (size_t)(size - f->msize));
    f->msize = size;
}

/* Copy `len` bytes from src (of size src_len, read from offset src_off, zero-filled past
 * its end; src_off may be anything) into memory at dst. */
static void copy_padded(uint8_t *dst, const uint8_t *src, uint64_t src_len, const u256 *src_off, uint64_t len)
{
    uint64_t o = u256_sat64(src_off, INF);
    uint64_t avail = o < src_len ? src_len - o : 0;
    uint64_t n = avail < len ? avail : len;
    if (n) {
        memcpy(dst, src + o, (size_t)n);
    }
    if (len > n) {
        memset(dst + n, 0, (size_t)(len - n));
    }
}

/* ---- jump destinations -------------------------------------------------------------------- */

/* Length of each instruction in bytes (PUSHn: 1 + n). */
static const uint8_t insn_len[256] = {
    [0 ... 0x5f] = 1, [0x60] = 2, [0x61] = 3, [0x62] = 4, [0x63] = 5, [0x64] = 6, [0x65] = 7, [0x66] = 8,
    [0x67] = 9, [0x68] = 10, [0x69] = 11, [0x6a] = 12, [0x6b] = 13, [0x6c] = 14, [0x6d] = 15, [0x6e] = 16,
    [0x6f] = 17, [0x70] = 18, [0x71] = 19, [0x72] = 20, [0x73] = 21, [0x74] = 22, [0x75] = 23, [0x76] = 24,
    [0x77] = 25, [0x78] = 26, [0x79] = 27, [0x7a] = 28, [0x7b] = 29, [0x7c] = 30, [0x7d] = 31, [0x7e] = 32,
    [0x7f] = 33, [0x80 ... 0xff] = 1,
};

/* Bitmap of the valid JUMP destinations: JUMPDEST bytes that are not PUSH data. */
static void jumpdest_scan(const uint8_t *b, uint32_t len, uint8_t *bm)
{
    for (uint32_t pc = 0; pc < len;) {
        uint8_t op = b[pc];
        if (op == 0x5b) {
            bm[pc >> 3] |= (uint8_t)(1u << (pc & 7));
        }
        pc += insn_len[op];
    }
}

static const uint8_t *jumpdests(code *c)
{
    if (!c->jumpdests) {
        uint8_t *bm = arena_alloc(c->len / 8 + 1);
        jumpdest_scan(c->bytes, c->len, bm);
        c->jumpdests = bm;
    }
    return c->jumpdests;
}

/* ---- logs ------------------------------------------------------------------------------------ */

static void add_log(const uint8_t addr[20], int ntopics, const u256 *topics, const uint8_t *data, uint64_t len)
{
    if (NLOGS == logs_cap) {
        logs_cap = logs_cap ? 2 * logs_cap : 16;
        LOGS = xrealloc(LOGS, logs_cap * sizeof(log_entry));
    }
    log_entry *e = &LOGS[NLOGS++];
    memcpy(e->addr, addr, 20);
    e->ntopics = (uint8_t)ntopics;
    for (int i = 0; i < ntopics; i++) {
        u256_to_be(e->topics[i], &topics[i]);
    }
    e->len = (uint32_t)len;
    e->data = NULL;
    if (len) {
        e->data = xmalloc((size_t)len);
        memcpy(e->data, data, (size_t)len);
    }
}

/* ---- precompiles ------------------------------------------------------------------------------ */

static void set_output(message *m, const uint8_t *data, uint64_t len)
{
    m->out = NULL;
    m->out_len = (uint32_t)len;
    if (len) {
        m->out = xmalloc((size_t)len);
        memcpy(m->out, data, (size_t)len);
    }
}

static void run_precompile(message *m)
{
    uint8_t which = m->code_account->addr[19];
    uint64_t words = words_of(m->data_len);
    uint64_t cost;
    switch (which) {
    case 0x02: /* SHA-256, on the zkvm's SHA-256 precompile */
        cost = G_SHA256 + G_SHA256_WORD * words;
        if ((uint64_t)m->gas < cost) {
            goto oog;
        }
        m->gas -= (int64_t)cost;
        {
            uint8_t h[32];
            zkvm_sha256_accel(m->data, m->data_len, h);
            set_output(m, h, 32);
        }
        break;
    case 0x04: /* identity */
        cost = G_IDENTITY + G_IDENTITY_WORD * words;
        if ((uint64_t)m->gas < cost) {
            goto oog;
        }
        m->gas -= (int64_t)cost;
        set_output(m, m->data, m->data_len);
        break;
    default:
        fail_unsupported("evm: precompile not implemented in this guest (only 0x02 SHA-256 and 0x04 identity)\n");
    }
    m->status = ST_SUCCESS;
    return;
oog:
    m->status = ST_HALT;
    m->gas = 0;
    m->out = NULL;
    m->out_len = 0;
}

/* ---- addresses -------------------------------------------------------------------------------- */

static void u256_to_addr(uint8_t out[20], const u256 *v)
{
    uint8_t be[32];
    u256_to_be(be, v);
    memcpy(out, be + 12, 20);
}

static void addr_to_u256(u256 *r, const uint8_t a[20])
{
    uint8_t be[32];
    memset(be, 0, 12);
    memcpy(be + 12, a, 20);
    u256_from_be(r, be);
}

/* keccak(rlp([sender, nonce]))[12:] */
static void create_address(uint8_t out[20], const uint8_t sender[20], uint64_t nonce)
{
    uint8_t buf[40];
    size_t k = 1;
    k += rlp_string(buf + k, sender, 20);
    k += rlp_u64(buf + k, nonce);
    buf[0] = (uint8_t)(0xc0 + (k - 1));
    uint8_t h[32];
    keccak(buf, k, h);
    memcpy(out, h + 12, 20);
}

/* keccak(0xff ++ sender ++ salt ++ keccak(initcode))[12:] */
static void create2_address(uint8_t out[20], const uint8_t sender[20], const u256 *salt, const uint8_t *init,
                            uint64_t len)
{
    uint8_t buf[85];
    buf[0] = 0xff;
    memcpy(buf + 1, sender, 20);
    u256_to_be(buf + 21, salt);
    keccak(init, (size_t)len, buf + 53);
    uint8_t h[32];
    keccak(buf, 85, h);
    memcpy(out, h + 12, 20);
}

/* ---- messages ----------------------------------------------------------------------------------- */

static void run_code(message *m);

void process_message(message *m)
{
    size_t snap = st_snapshot();
    uint32_t nlogs = NLOGS;
    int64_t refund = REFUND;
    m->out = NULL;
    m->out_len = 0;
    if (m->should_transfer && !u256_is_zero(&m->value)) {
        st_move_ether(m->caller, m->target, &m->value);
    }
    if (m->code_account && is_precompile(m->code_account->addr)) {
        run_precompile(m);
    } else {
        run_code(m);
    }
    if (m->status != ST_SUCCESS) {
        st_revert(snap);
        NLOGS = nlogs;
        REFUND = refund;
    }
}

void process_create_message(message *m)
{
    size_t snap = st_snapshot();
    uint32_t nlogs = NLOGS;
    int64_t refund = REFUND;
    account *t = m->target;
    st_destroy_storage(t);
    t->created = 1; /* not undone on revert (spec: mark_account_created) */
    st_inc_nonce(t);
    process_message(m);
    if (m->status == ST_SUCCESS) {
        uint64_t len = m->out_len;
        uint64_t cost = G_CODE_DEPOSIT * len;
        if ((len > 0 && m->out[0] == 0xef) || (uint64_t)m->gas < cost || len > MAX_CODE_SIZE) {
            st_revert(snap);
            NLOGS = nlogs;
            REFUND = refund;
            m->gas = 0;
            m->status = ST_HALT;
            xfree(m->out);
            m->out = NULL;
            m->out_len = 0;
            return;
        }
        m->gas -= (int64_t)cost;
        st_set_code(t, code_new(m->out, (uint32_t)len));
    } else {
        st_revert(snap);
        NLOGS = nlogs;
        REFUND = refund;
    }
}

static void set_return_data(frame *f, uint8_t *data, uint32_t len)
{
    xfree(f->rd);
    f->rd = data;
    f->rd_len = len;
}

enum { K_CALL, K_CALLCODE, K_DELEGATECALL, K_STATICCALL };

/* CALL, CALLCODE, DELEGATECALL, STATICCALL. `args` points at the deepest argument (the
 * result replaces it). Returns 0, or -1 for an exceptional halt of this frame. */
static int do_call(frame *f, u256 *top, int kind)
{
    message *m = f->m;
    int has_value = kind == K_CALL || kind == K_CALLCODE;
    /* top[-1] is the first argument (gas) */
    const u256 *a_gas = &top[-1];
    uint8_t to_addr[20];
    u256_to_addr(to_addr, &top[-2]);
    u256 value;
    const u256 *in_off, *in_len, *out_off, *out_len;
    if (has_value) {
        value = top[-3];
        in_off = &top[-4];
        in_len = &top[-5];
        out_off = &top[-6];
        out_len = &top[-7];
    } else {
        u256_zero(&value);
        in_off = &top[-3];
        in_len = &top[-4];
        out_off = &top[-5];
        out_len = &top[-6];
    }
    uint64_t e1 = region_end(in_off, in_len), e2 = region_end(out_off, out_len);
    uint64_t end = e1 > e2 ? e1 : e2;
    uint64_t gas_left = (uint64_t)f->gas;
    uint64_t mcost = mem_cost(f, end, gas_left);
    if (mcost == INF) {
        return -1;
    }
    account *to = acct_get(to_addr);
    uint64_t extra;
    if (to->warm) {
        extra = G_WARM;
    } else {
        st_mark_warm(to);
        extra = G_COLD_ACCOUNT;
    }
    int nonzero_value = !u256_is_zero(&value);
    if (kind == K_CALL && nonzero_value && !acct_alive(to)) {
        extra += G_NEW_ACCOUNT;
    }
    if (has_value && nonzero_value) {
        extra += G_CALL_VALUE;
    }
    if (gas_left < extra + mcost) {
        return -1; /* cost = gas + extra; charging cost + memory cost fails */
    }
    uint64_t avail = gas_left - mcost - extra;
    avail -= avail / 64;
    uint64_t g = u256_sat64(a_gas, INF);
    if (g > avail) {
        g = avail;
    }
    f->gas -= (int64_t)(g + extra + mcost);
    uint64_t sub_gas = g + (nonzero_value ? G_CALL_STIPEND : 0);
    if (kind == K_CALL && m->is_static && nonzero_value) {
        return -1;
    }
    mem_grow(f, end);

    u256 *result = &top[has_value ? -7 : -6];
    uint64_t oo = e2 ? u256_lo64(out_off) : 0, ol = e2 ? u256_lo64(out_len) : 0;
    uint64_t io = e1 ? u256_lo64(in_off) : 0, il = e1 ? u256_lo64(in_len) : 0;

    if (has_value && u256_lt(&m->target->balance, &value)) {
        set_return_data(f, NULL, 0);
        f->gas += (int64_t)sub_gas;
        u256_zero(result);
        return 0;
    }
    set_return_data(f, NULL, 0);
    if (m->depth + 1 > DEPTH_LIMIT) {
        f->gas += (int64_t)sub_gas;
        u256_zero(result);
        return 0;
    }
    message c;
    memset(&c, 0, sizeof c);
    c.code_account = to;
    c.code = to->code;
    c.data = il ? f->mem + io : NULL;
    c.data_len = (uint32_t)il;
    c.gas = (int64_t)sub_gas;
    c.depth = m->depth + 1;
    c.is_static = m->is_static;
    c.should_transfer = 1;
    switch (kind) {
    case K_CALL:
        c.caller = m->target;
        c.target = to;
        c.value = value;
        break;
    case K_CALLCODE:
        c.caller = m->target;
        c.target = m->target;
        c.value = value;
        break;
    case K_DELEGATECALL:
        c.caller = m->caller;
        c.target = m->target;
        c.value = m->value;
        c.should_transfer = 0;
        break;
    case K_STATICCALL:
        c.caller = m->target;
        c.target = to;
        c.is_static = 1;
        break;
    }
    process_message(&c);
    f->gas += c.gas;
    u256_from_u32(result, c.status == ST_SUCCESS);
    set_return_data(f, c.out, c.out_len);
    uint64_t n = ol < c.out_len ? ol : c.out_len;
    if (n) {
        memcpy(f->mem + oo, c.out, (size_t)n);
    }
    return 0;
}

/* CREATE (salt == NULL) and CREATE2. top[-1] = endowment, top[-2] = offset, top[-3] = size.
 * The result replaces the deepest argument. */
static int do_create(frame *f, u256 *top, const u256 *salt)
{
    message *m = f->m;
    u256 endowment = top[-1];
    const u256 *off = &top[-2], *len = &top[-3];
    u256 *result = salt ? &top[-4] : &top[-3];
    uint64_t end = region_end(off, len);
    uint64_t gas_left = (uint64_t)f->gas;
    uint64_t mcost = mem_cost(f, end, gas_left);
    if (mcost == INF) {
        return -1;
    }
    uint64_t size = end ? u256_lo64(len) : 0; /* end = INF was handled by mcost */
    uint64_t words = words_of(size);
    /* GAS_CREATE + (CREATE2: 6 * words) + memory + 2 * words; sizes here are < 2^40 */
    uint64_t cost = G_CREATE + mcost + G_INITCODE_WORD * words + (salt ? G_KECCAK_WORD * words : 0);
    if (cost > gas_left) {
        return -1;
    }
    f->gas -= (int64_t)cost;
    mem_grow(f, end);
    const uint8_t *init = size ? f->mem + u256_lo64(off) : empty_code.bytes;

    uint8_t new_addr[20];
    if (salt) {
        create2_address(new_addr, m->target->addr, salt, init, size);
    } else {
        create_address(new_addr, m->target->addr, m->target->nonce);
    }
    if (size > MAX_INITCODE_SIZE) {
        return -1;
    }
    int64_t create_gas = f->gas - f->gas / 64;
    f->gas -= create_gas;
    if (m->is_static) {
        return -1;
    }
    set_return_data(f, NULL, 0);
    account *self = m->target;
    if (u256_lt(&self->balance, &endowment) || self->nonce == UINT64_MAX || m->depth + 1 > DEPTH_LIMIT) {
        f->gas += create_gas;
        u256_zero(result);
        return 0;
    }
    account *t = acct_get(new_addr);
    st_mark_warm(t);
    if (t->nonce != 0 || t->code->len != 0 || t->nonzero != 0) {
        st_inc_nonce(self);
        u256_zero(result);
        return 0;
    }
    st_inc_nonce(self);

    /* the initcode as a code object with zero padding (freed after the run) */
    code ic;
    memset(&ic, 0, sizeof ic);
    ic.len = (uint32_t)size;
    ic.padded = xmalloc((size_t)size + 40);
    memcpy(ic.padded, init, (size_t)size);
    memset(ic.padded + size, 0, 40);
    ic.bytes = ic.padded;
    uint8_t *bm = xmalloc((size_t)size / 8 + 1);
    memset(bm, 0, (size_t)size / 8 + 1);

    message c;
    memset(&c, 0, sizeof c);
    c.caller = self;
    c.target = t;
    c.code_account = NULL;
    c.code = &ic;
    c.gas = create_gas;
    c.value = endowment;
    c.depth = m->depth + 1;
    c.is_create = 1;
    c.should_transfer = 1;
    /* jumpdests() allocates from the arena; give the initcode its own freeable bitmap */
    jumpdest_scan(ic.bytes, ic.len, bm);
    ic.jumpdests = bm;
    process_create_message(&c);
    xfree(ic.padded);
    xfree(bm);
    f->gas += c.gas;
    if (c.status == ST_SUCCESS) {
        xfree(c.out);
        addr_to_u256(result, t->addr);
    } else {
        set_return_data(f, c.out, c.out_len);
        u256_zero(result);
    }
    return 0;
}

/* ---- the interpreter ------------------------------------------------------------------------------ */

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
static void run_code(message *m)
{
    /* every opcode not listed is undefined: an exceptional halt */
    static const void *dispatch[256] = {
        [0 ... 255] = &&op_invalid,
        [0x00] = &&op_stop,
        [0x01] = &&op_add,
        [0x02] = &&op_mul,
        [0x03] = &&op_sub,
        [0x04] = &&op_div,
        [0x05] = &&op_sdiv,
        [0x06] = &&op_mod,
        [0x07] = &&op_smod,
        [0x08] = &&op_addmod,
        [0x09] = &&op_mulmod,
        [0x0a] = &&op_exp,
        [0x0b] = &&op_signextend,
        [0x10] = &&op_lt,
        [0x11] = &&op_gt,
        [0x12] = &&op_slt,
        [0x13] = &&op_sgt,
        [0x14] = &&op_eq,
        [0x15] = &&op_iszero,
        [0x16] = &&op_and,
        [0x17] = &&op_or,
        [0x18] = &&op_xor,
        [0x19] = &&op_not,
        [0x1a] = &&op_byte,
        [0x1b] = &&op_shl,
        [0x1c] = &&op_shr,
        [0x1d] = &&op_sar,
        [0x20] = &&op_keccak,
        [0x30] = &&op_address,
        [0x31] = &&op_balance,
        [0x32] = &&op_origin,
        [0x33] = &&op_caller,
        [0x34] = &&op_callvalue,
        [0x35] = &&op_calldataload,
        [0x36] = &&op_calldatasize,
        [0x37] = &&op_calldatacopy,
        [0x38] = &&op_codesize,
        [0x39] = &&op_codecopy,
        [0x3a] = &&op_gasprice,
        [0x3b] = &&op_extcodesize,
        [0x3c] = &&op_extcodecopy,
        [0x3d] = &&op_returndatasize,
        [0x3e] = &&op_returndatacopy,
        [0x3f] = &&op_extcodehash,
        [0x40] = &&op_blockhash,
        [0x41] = &&op_coinbase,
        [0x42] = &&op_timestamp,
        [0x43] = &&op_number,
        [0x44] = &&op_prevrandao,
        [0x45] = &&op_gaslimit,
        [0x46] = &&op_chainid,
        [0x47] = &&op_selfbalance,
        [0x48] = &&op_basefee,
        [0x49] = &&op_blobhash,
        [0x4a] = &&op_blobbasefee,
        [0x50] = &&op_pop,
        [0x51] = &&op_mload,
        [0x52] = &&op_mstore,
        [0x53] = &&op_mstore8,
        [0x54] = &&op_sload,
        [0x55] = &&op_sstore,
        [0x56] = &&op_jump,
        [0x57] = &&op_jumpi,
        [0x58] = &&op_pc,
        [0x59] = &&op_msize,
        [0x5a] = &&op_gas,
        [0x5b] = &&op_jumpdest,
        [0x5c] = &&op_tload,
        [0x5d] = &&op_tstore,
        [0x5e] = &&op_mcopy,
        [0x5f] = &&op_push0,
        [0x60] = &&op_push1,
        [0x61 ... 0x7f] = &&op_pushn,
        [0x80 ... 0x8f] = &&op_dup,
        [0x90 ... 0x9f] = &&op_swap,
        [0xa0 ... 0xa4] = &&op_log,
        [0xf0] = &&op_create,
        [0xf1] = &&op_call,
        [0xf2] = &&op_callcode,
        [0xf3] = &&op_return,
        [0xf4] = &&op_delegatecall,
        [0xf5] = &&op_create2,
        [0xfa] = &&op_staticcall,
        [0xfd] = &&op_revert,
        [0xff] = &&op_selfdestruct,
    };
#pragma clang diagnostic pop

    frame fr;
    frame *f = &fr;
    int d = m->depth;
    if (!stack_pool[d]) {
        stack_pool[d] = xmalloc(sizeof(u256) * (STACK_LIMIT + 1));
    }
    f->m = m;
    f->stack = stack_pool[d];
    f->mem = mem_pool[d];
    f->mcap = mem_pool_cap[d];
    f->msize = 0;
    f->rd = NULL;
    f->rd_len = 0;

    code *cd = m->code;
    const uint8_t *code0 = code_padded(cd);
    const uint8_t *jd = cd->len ? jumpdests(cd) : NULL;
    const uint8_t *pc = code0;
    u256 *const base = f->stack;
    u256 *sp = base;
    /* Gas left = reserve + budget. Opcodes charge the 32-bit budget (two instructions:
     * subtract, branch if negative); only when it goes negative is the reserve consulted
     * (OUT OF GAS, or a refill of up to 2^30). Transactions below 2^30 gas never refill. */
    int64_t reserve = 0;
    int32_t budget = 0;
#define GAS_TOTAL() (reserve + (int64_t)budget)
#define GAS_SET(g)                                                                                           \
    do {                                                                                                     \
        int64_t g_ = (g);                                                                                    \
        budget = (int32_t)(g_ > BUDGET_MAX ? BUDGET_MAX : g_);                                               \
        reserve = g_ - budget;                                                                               \
    } while (0)
    GAS_SET(m->gas);
    account *self = m->target;
    uint64_t end, c64;
    u256 tmp;

#define NEXT() goto *dispatch[*pc]
#define CHARGE(c)                                                                                            \
    do {                                                                                                     \
        budget -= (int32_t)(c);                                                                              \
        if (__builtin_expect(budget < 0, 0)) {                                                               \
            int64_t t_ = reserve + budget;                                                                   \
            if (t_ < 0)                                                                                      \
                goto oog;                                                                                    \
            GAS_SET(t_);                                                                                     \
        }                                                                                                    \
    } while (0)
/* charge a computed cost (may be up to INF) */
#define CHARGE64(c)                                                                                          \
    do {                                                                                                     \
        uint64_t c_ = (c);                                                                                   \
        int64_t t_ = GAS_TOTAL();                                                                            \
        if (c_ > (uint64_t)t_)                                                                               \
            goto oog;                                                                                        \
        GAS_SET(t_ - (int64_t)c_);                                                                           \
    } while (0)
#define NEED(n)                                                                                              \
    do {                                                                                                     \
        if (sp - base < (n))                                                                                 \
            goto halt;                                                                                       \
    } while (0)
#define ROOM(n)                                                                                              \
    do {                                                                                                     \
        if (sp - base > STACK_LIMIT - (n))                                                                   \
            goto halt;                                                                                       \
    } while (0)
#define T0 (sp[-1])
#define T1 (sp[-2])
#define T2 (sp[-3])
#define SYNC() (f->gas = GAS_TOTAL())
#define RELOAD() GAS_SET(f->gas)
/* charge for and grow memory to cover `e` bytes */
#define MEMGROW(e)                                                                                           \
    do {                                                                                                     \
        uint64_t e_ = (e);                                                                                   \
        if (e_ > f->msize) {                                                                                 \
            CHARGE64(mem_cost(f, e_, (uint64_t)GAS_TOTAL()));                                                        \
            mem_grow(f, e_);                                                                                 \
        }                                                                                                    \
    } while (0)
#define COPY_COST(len) (u256_fits_u64(&(len)) && u256_lo64(&(len)) < (1ull << 40) ? G_COPY * words_of(u256_lo64(&(len))) : INF)

    NEXT();

op_stop:
    m->status = ST_SUCCESS;
    goto done_ok;

op_add:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_add(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_mul:
    NEED(2);
    CHARGE(G_LOW);
    u256_mul(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_sub:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_sub(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_div:
    NEED(2);
    CHARGE(G_LOW);
    u256_divmod(&T1, NULL, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_sdiv:
    NEED(2);
    CHARGE(G_LOW);
    u256_sdiv(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_mod:
    NEED(2);
    CHARGE(G_LOW);
    u256_divmod(NULL, &T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_smod:
    NEED(2);
    CHARGE(G_LOW);
    u256_smod(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_addmod:
    NEED(3);
    CHARGE(G_MID);
    u256_addmod(&T2, &T0, &T1, &T2);
    sp -= 2;
    pc++;
    NEXT();
op_mulmod:
    NEED(3);
    CHARGE(G_MID);
    u256_mulmod(&T2, &T0, &T1, &T2);
    sp -= 2;
    pc++;
    NEXT();
op_exp:
    NEED(2);
    CHARGE(G_EXP + G_EXP_BYTE * (int64_t)u256_byte_len(&T1));
    u256_exp(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_signextend:
    NEED(2);
    CHARGE(G_LOW);
    u256_signextend(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();

op_lt:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&T1, u256_lt(&T0, &T1));
    sp--;
    pc++;
    NEXT();
op_gt:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&T1, u256_lt(&T1, &T0));
    sp--;
    pc++;
    NEXT();
op_slt:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&T1, u256_slt(&T0, &T1));
    sp--;
    pc++;
    NEXT();
op_sgt:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&T1, u256_slt(&T1, &T0));
    sp--;
    pc++;
    NEXT();
op_eq:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&T1, u256_eq(&T0, &T1));
    sp--;
    pc++;
    NEXT();
op_iszero:
    NEED(1);
    CHARGE(G_VERYLOW);
    u256_from_u32(&T0, u256_is_zero(&T0));
    pc++;
    NEXT();
op_and:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_and(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_or:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_or(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_xor:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_xor(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_not:
    NEED(1);
    CHARGE(G_VERYLOW);
    u256_not(&T0, &T0);
    pc++;
    NEXT();
op_byte:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_byte(&T1, &T0, &T1);
    sp--;
    pc++;
    NEXT();
op_shl:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_shl(&T1, &T1, u256_fits_u32(&T0) && T0.w[0] < 256 ? T0.w[0] : 256);
    sp--;
    pc++;
    NEXT();
op_shr:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_shr(&T1, &T1, u256_fits_u32(&T0) && T0.w[0] < 256 ? T0.w[0] : 256);
    sp--;
    pc++;
    NEXT();
op_sar:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_sar(&T1, &T1, u256_fits_u32(&T0) && T0.w[0] < 256 ? T0.w[0] : 256);
    sp--;
    pc++;
    NEXT();

op_keccak: {
    NEED(2);
    end = region_end(&T0, &T1);
    c64 = end == INF ? INF : G_KECCAK + G_KECCAK_WORD * words_of(u256_lo64(&T1));
    CHARGE64(c64);
    MEMGROW(end);
    uint8_t h[32];
    if (end) {
        keccak(f->mem + u256_lo64(&T0), (size_t)u256_lo64(&T1), h);
    } else {
        keccak(NULL, 0, h);
    }
    u256_from_be(&T1, h);
    sp--;
    pc++;
    NEXT();
}

op_address:
    ROOM(1);
    CHARGE(G_BASE);
    addr_to_u256(sp, self->addr);
    sp++;
    pc++;
    NEXT();
op_balance: {
    NEED(1);
    uint8_t a[20];
    u256_to_addr(a, &T0);
    account *acc = acct_get(a);
    if (acc->warm) {
        CHARGE(G_WARM);
    } else {
        st_mark_warm(acc);
        CHARGE(G_COLD_ACCOUNT);
    }
    T0 = acc->balance; /* a non-existent account has balance 0 */
    pc++;
    NEXT();
}
op_origin:
    ROOM(1);
    CHARGE(G_BASE);
    addr_to_u256(sp, TX.origin);
    sp++;
    pc++;
    NEXT();
op_caller:
    ROOM(1);
    CHARGE(G_BASE);
    addr_to_u256(sp, m->caller->addr);
    sp++;
    pc++;
    NEXT();
op_callvalue:
    ROOM(1);
    CHARGE(G_BASE);
    *sp = m->value;
    sp++;
    pc++;
    NEXT();
op_calldataload: {
    NEED(1);
    CHARGE(G_VERYLOW);
    if (u256_fits_u32(&T0) && T0.w[0] <= m->data_len && m->data_len - T0.w[0] >= 32) {
        u256_from_be(&T0, m->data + T0.w[0]); /* the whole word is inside the call data */
    } else {
        uint8_t w[32];
        copy_padded(w, m->data, m->data_len, &T0, 32);
        u256_from_be(&T0, w);
    }
    pc++;
    NEXT();
}
op_calldatasize:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u32(sp, m->data_len);
    sp++;
    pc++;
    NEXT();
op_calldatacopy:
    NEED(3);
    end = region_end(&T0, &T2);
    CHARGE64(end == INF ? INF : G_VERYLOW + COPY_COST(T2));
    MEMGROW(end);
    if (end) {
        copy_padded(f->mem + u256_lo64(&T0), m->data, m->data_len, &T1, u256_lo64(&T2));
    }
    sp -= 3;
    pc++;
    NEXT();
op_codesize:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u32(sp, cd->len);
    sp++;
    pc++;
    NEXT();
op_codecopy:
    NEED(3);
    end = region_end(&T0, &T2);
    CHARGE64(end == INF ? INF : G_VERYLOW + COPY_COST(T2));
    MEMGROW(end);
    if (end) {
        copy_padded(f->mem + u256_lo64(&T0), code0, cd->len, &T1, u256_lo64(&T2));
    }
    sp -= 3;
    pc++;
    NEXT();
op_gasprice:
    ROOM(1);
    CHARGE(G_BASE);
    *sp = TX.gas_price;
    sp++;
    pc++;
    NEXT();
op_extcodesize: {
    NEED(1);
    uint8_t a[20];
    u256_to_addr(a, &T0);
    account *acc = acct_get(a);
    if (acc->warm) {
        CHARGE(G_WARM);
    } else {
        st_mark_warm(acc);
        CHARGE(G_COLD_ACCOUNT);
    }
    u256_from_u32(&T0, acc->code->len);
    pc++;
    NEXT();
}
op_extcodecopy: {
    NEED(4);
    uint8_t a[20];
    u256_to_addr(a, &T0);
    end = region_end(&T1, &sp[-4]);
    c64 = end == INF ? INF : COPY_COST(sp[-4]);
    account *acc = acct_get(a);
    if (acc->warm) {
        c64 = c64 == INF ? INF : c64 + G_WARM;
    } else {
        st_mark_warm(acc);
        c64 = c64 == INF ? INF : c64 + G_COLD_ACCOUNT;
    }
    CHARGE64(c64);
    MEMGROW(end);
    if (end) {
        copy_padded(f->mem + u256_lo64(&T1), acc->code->bytes, acc->code->len, &T2, u256_lo64(&sp[-4]));
    }
    sp -= 4;
    pc++;
    NEXT();
}
op_returndatasize:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u32(sp, f->rd_len);
    sp++;
    pc++;
    NEXT();
op_returndatacopy: {
    NEED(3);
    end = region_end(&T0, &T2);
    CHARGE64(end == INF ? INF : G_VERYLOW + COPY_COST(T2));
    /* reading past the end of the return data is an exceptional halt */
    u256 rend;
    if (u256_add(&rend, &T1, &T2) || !u256_fits_u64(&rend) || u256_lo64(&rend) > f->rd_len) {
        goto halt;
    }
    MEMGROW(end);
    if (end) {
        memcpy(f->mem + u256_lo64(&T0), f->rd + u256_lo64(&T1), (size_t)u256_lo64(&T2));
    }
    sp -= 3;
    pc++;
    NEXT();
}
op_extcodehash: {
    NEED(1);
    uint8_t a[20];
    u256_to_addr(a, &T0);
    account *acc = acct_get(a);
    if (acc->warm) {
        CHARGE(G_WARM);
    } else {
        st_mark_warm(acc);
        CHARGE(G_COLD_ACCOUNT);
    }
    if (!acc->exists || acct_is_empty(acc)) {
        u256_zero(&T0);
    } else {
        u256_from_be(&T0, code_hash(acc->code));
    }
    pc++;
    NEXT();
}

op_blockhash: {
    NEED(1);
    CHARGE(G_BLOCKHASH);
    int found = 0;
    if (u256_fits_u64(&T0)) {
        uint64_t n = u256_lo64(&T0);
        if (n < ENV.number && ENV.number - n <= 256) {
            for (uint32_t i = 0; i < ENV.n_hashes; i++) {
                if (ENV.hash_numbers[i] == n) {
                    u256_from_be(&T0, ENV.hashes[i]);
                    found = 1;
                    break;
                }
            }
        }
    }
    if (!found) {
        u256_zero(&T0);
    }
    pc++;
    NEXT();
}
op_coinbase:
    ROOM(1);
    CHARGE(G_BASE);
    addr_to_u256(sp, ENV.coinbase);
    sp++;
    pc++;
    NEXT();
op_timestamp:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u64(sp, ENV.timestamp);
    sp++;
    pc++;
    NEXT();
op_number:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u64(sp, ENV.number);
    sp++;
    pc++;
    NEXT();
op_prevrandao:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_be(sp, ENV.prev_randao);
    sp++;
    pc++;
    NEXT();
op_gaslimit:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u64(sp, ENV.gas_limit);
    sp++;
    pc++;
    NEXT();
op_chainid:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u64(sp, ENV.chain_id);
    sp++;
    pc++;
    NEXT();
op_selfbalance:
    ROOM(1);
    CHARGE(G_LOW);
    *sp = self->balance;
    sp++;
    pc++;
    NEXT();
op_basefee:
    ROOM(1);
    CHARGE(G_BASE);
    *sp = ENV.base_fee;
    sp++;
    pc++;
    NEXT();
op_blobhash:
    NEED(1);
    CHARGE(G_VERYLOW);
    if (u256_fits_u32(&T0) && T0.w[0] < TX.n_blobs) {
        u256_from_be(&T0, TX.blob_hashes + 33 * T0.w[0] + 1); /* skip each item's 0xa0 */
    } else {
        u256_zero(&T0);
    }
    pc++;
    NEXT();
op_blobbasefee:
    ROOM(1);
    CHARGE(G_BASE);
    *sp = ENV.blob_base_fee;
    sp++;
    pc++;
    NEXT();

op_pop:
    NEED(1);
    CHARGE(G_BASE);
    sp--;
    pc++;
    NEXT();
op_mload:
    NEED(1);
    CHARGE(G_VERYLOW);
    u256_from_u32(&tmp, 32);
    end = region_end(&T0, &tmp);
    MEMGROW(end);
    u256_from_be(&T0, f->mem + u256_lo64(&T0));
    pc++;
    NEXT();
op_mstore:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&tmp, 32);
    end = region_end(&T0, &tmp);
    MEMGROW(end);
    u256_to_be(f->mem + u256_lo64(&T0), &T1);
    sp -= 2;
    pc++;
    NEXT();
op_mstore8:
    NEED(2);
    CHARGE(G_VERYLOW);
    u256_from_u32(&tmp, 1);
    end = region_end(&T0, &tmp);
    MEMGROW(end);
    f->mem[u256_lo64(&T0)] = (uint8_t)T1.w[0];
    sp -= 2;
    pc++;
    NEXT();
op_sload: {
    NEED(1);
    slot *s = slot_get(&self->storage, &T0);
    if (s->warm) {
        CHARGE(G_WARM);
    } else {
        st_mark_slot_warm(s);
        CHARGE(G_COLD_SLOAD);
    }
    T0 = s->cur;
    pc++;
    NEXT();
}
op_sstore: {
    NEED(2);
    if (GAS_TOTAL() <= G_CALL_STIPEND) {
        goto oog;
    }
    slot *s = slot_get(&self->storage, &T0);
    const u256 *nv = &T1;
    u256 orig;
    if (self->created) {
        u256_zero(&orig);
    } else {
        orig = s->orig;
    }
    const u256 *cur = &s->cur;
    int64_t cost = 0;
    if (!s->warm) {
        st_mark_slot_warm(s);
        cost += G_COLD_SLOAD;
    }
    int cur_eq_new = u256_eq(cur, nv);
    int orig_zero = u256_is_zero(&orig);
    if (u256_eq(&orig, cur) && !cur_eq_new) {
        cost += orig_zero ? G_SSTORE_SET : G_SSTORE_UPDATE - G_COLD_SLOAD;
    } else {
        cost += G_WARM;
    }
    if (!cur_eq_new) {
        int cur_zero = u256_is_zero(cur), new_zero = u256_is_zero(nv);
        if (!orig_zero && !cur_zero && new_zero) {
            REFUND += G_SSTORE_CLEAR_REFUND;
        }
        if (!orig_zero && cur_zero) {
            REFUND -= G_SSTORE_CLEAR_REFUND;
        }
        if (u256_eq(&orig, nv)) {
            REFUND += orig_zero ? G_SSTORE_SET - G_WARM : G_SSTORE_UPDATE - G_COLD_SLOAD - G_WARM;
        }
    }
    CHARGE(cost);
    if (m->is_static) {
        goto halt;
    }
    st_set_storage(self, s, nv);
    sp -= 2;
    pc++;
    NEXT();
}
op_jump: {
    NEED(1);
    CHARGE(G_MID);
    if (!u256_fits_u32(&T0) || T0.w[0] >= cd->len || !((jd[T0.w[0] >> 3] >> (T0.w[0] & 7)) & 1)) {
        goto halt;
    }
    pc = code0 + T0.w[0];
    sp--;
    NEXT();
}
op_jumpi: {
    NEED(2);
    CHARGE(G_HIGH);
    if (u256_is_zero(&T1)) {
        sp -= 2;
        pc++;
        NEXT();
    }
    if (!u256_fits_u32(&T0) || T0.w[0] >= cd->len || !((jd[T0.w[0] >> 3] >> (T0.w[0] & 7)) & 1)) {
        goto halt;
    }
    pc = code0 + T0.w[0];
    sp -= 2;
    NEXT();
}
op_pc:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u32(sp, (uint32_t)(pc - code0));
    sp++;
    pc++;
    NEXT();
op_msize:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u64(sp, f->msize);
    sp++;
    pc++;
    NEXT();
op_gas:
    ROOM(1);
    CHARGE(G_BASE);
    u256_from_u64(sp, (uint64_t)GAS_TOTAL());
    sp++;
    pc++;
    NEXT();
op_jumpdest:
    CHARGE(G_JUMPDEST);
    pc++;
    NEXT();
op_tload: {
    NEED(1);
    CHARGE(G_WARM);
    slot *s = slot_find(&self->transient, &T0);
    if (s) {
        T0 = s->cur;
    } else {
        u256_zero(&T0);
    }
    pc++;
    NEXT();
}
op_tstore: {
    NEED(2);
    CHARGE(G_WARM);
    if (m->is_static) {
        goto halt;
    }
    slot *s = slot_get(&self->transient, &T0);
    st_set_transient(s, &T1);
    sp -= 2;
    pc++;
    NEXT();
}
op_mcopy: {
    NEED(3);
    uint64_t e1 = region_end(&T1, &T2), e2 = region_end(&T0, &T2);
    end = e1 > e2 ? e1 : e2;
    CHARGE64(end == INF ? INF : G_VERYLOW + COPY_COST(T2));
    MEMGROW(end);
    if (end) {
        memmove(f->mem + u256_lo64(&T0), f->mem + u256_lo64(&T1), (size_t)u256_lo64(&T2));
    }
    sp -= 3;
    pc++;
    NEXT();
}
op_push0:
    ROOM(1);
    CHARGE(G_BASE);
    u256_zero(sp);
    sp++;
    pc++;
    NEXT();
op_push1:
    ROOM(1);
    CHARGE(G_VERYLOW);
    u256_from_u32(sp, pc[1]);
    sp++;
    pc += 2;
    NEXT();
op_pushn: {
    ROOM(1);
    CHARGE(G_VERYLOW);
    unsigned n = (unsigned)(*pc - 0x5f);
    /* limb i holds bytes [n - 4i - 4, n - 4i) of the immediate (big-endian) */
    const uint8_t *e = pc + 1 + n;
    unsigned i = 0;
    for (; 4 * i + 4 <= n; i++) {
        const uint8_t *q = e - 4 * i - 4;
        sp->w[i] = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
    }
    if (4 * i < n) {
        uint32_t v = 0;
        for (const uint8_t *q = pc + 1; q < e - 4 * i; q++) {
            v = (v << 8) | *q;
        }
        sp->w[i++] = v;
    }
    for (; i < 8; i++) {
        sp->w[i] = 0;
    }
    sp++;
    pc = e;
    NEXT();
}
op_dup: {
    int n = *pc - 0x7f;
    NEED(n);
    ROOM(1);
    CHARGE(G_VERYLOW);
    *sp = sp[-n];
    sp++;
    pc++;
    NEXT();
}
op_swap: {
    int n = *pc - 0x8f;
    NEED(n + 1);
    CHARGE(G_VERYLOW);
    tmp = sp[-1];
    sp[-1] = sp[-1 - n];
    sp[-1 - n] = tmp;
    pc++;
    NEXT();
}
op_log: {
    int nt = *pc - 0xa0;
    NEED(2 + nt);
    end = region_end(&T0, &T1);
    if (end == INF || u256_lo64(&T1) > (1ull << 40)) {
        goto oog;
    }
    c64 = G_LOG + G_LOG_DATA * u256_lo64(&T1) + G_LOG_TOPIC * (uint64_t)nt;
    CHARGE64(c64);
    MEMGROW(end);
    if (m->is_static) {
        goto halt;
    }
    u256 topics[4];
    for (int i = 0; i < nt; i++) {
        topics[i] = sp[-3 - i];
    }
    add_log(self->addr, nt, topics, end ? f->mem + u256_lo64(&T0) : NULL, end ? u256_lo64(&T1) : 0);
    sp -= 2 + nt;
    pc++;
    NEXT();
}

op_create:
    NEED(3);
    SYNC();
    if (do_create(f, sp, NULL)) {
        goto halt;
    }
    RELOAD();
    sp -= 2;
    pc++;
    NEXT();
op_create2:
    NEED(4);
    tmp = sp[-4];
    SYNC();
    if (do_create(f, sp, &tmp)) {
        goto halt;
    }
    RELOAD();
    sp -= 3;
    pc++;
    NEXT();
op_call:
    NEED(7);
    SYNC();
    if (do_call(f, sp, K_CALL)) {
        goto halt;
    }
    RELOAD();
    sp -= 6;
    pc++;
    NEXT();
op_callcode:
    NEED(7);
    SYNC();
    if (do_call(f, sp, K_CALLCODE)) {
        goto halt;
    }
    RELOAD();
    sp -= 6;
    pc++;
    NEXT();
op_delegatecall:
    NEED(6);
    SYNC();
    if (do_call(f, sp, K_DELEGATECALL)) {
        goto halt;
    }
    RELOAD();
    sp -= 5;
    pc++;
    NEXT();
op_staticcall:
    NEED(6);
    SYNC();
    if (do_call(f, sp, K_STATICCALL)) {
        goto halt;
    }
    RELOAD();
    sp -= 5;
    pc++;
    NEXT();

op_return:
op_revert: {
    NEED(2);
    end = region_end(&T0, &T1);
    MEMGROW(end);
    set_output(m, end ? f->mem + u256_lo64(&T0) : NULL, end ? u256_lo64(&T1) : 0);
    m->status = *pc == 0xf3 ? ST_SUCCESS : ST_REVERT;
    goto done_out;
}

op_selfdestruct: {
    NEED(1);
    uint8_t a[20];
    u256_to_addr(a, &T0);
    account *ben = acct_get(a);
    int64_t cost = G_SELFDESTRUCT;
    if (!ben->warm) {
        st_mark_warm(ben);
        cost += G_COLD_ACCOUNT;
    }
    if (!acct_alive(ben) && !u256_is_zero(&self->balance)) {
        cost += G_SELFDESTRUCT_NEW;
    }
    CHARGE(cost);
    if (m->is_static) {
        goto halt;
    }
    u256 bal = self->balance;
    st_move_ether(self, ben, &bal);
    if (self->created) {
        u256 zero;
        u256_zero(&zero);
        st_set_balance(self, &zero);
        st_mark_destructed(self);
    }
    m->status = ST_SUCCESS;
    goto done_ok;
}

op_invalid:
halt:
oog:
    m->status = ST_HALT;
    m->gas = 0;
    m->out = NULL;
    m->out_len = 0;
    goto finish;

done_ok:
    m->out = NULL;
    m->out_len = 0;
done_out:
    m->gas = GAS_TOTAL();
finish:
    xfree(f->rd);
    mem_pool[d] = f->mem;
    mem_pool_cap[d] = f->mcap;
    return;
}

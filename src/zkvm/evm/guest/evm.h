/*
 * evm.h -- shared declarations of the zkvm EVM guest (Cancun).
 *
 * The guest reads one private input (docs/evm.md, "Input"): a block environment, one
 * signed transaction with its (trusted) sender, and the complete pre-state. It computes
 * the pre-state root, applies the transaction with the Cancun rules of the Ethereum
 * execution specification, computes the post-state root and the logs hash, and commits
 * the fixed 192-byte statement to the journal (docs/evm.md, "Journal").
 *
 * Layout of the sources:
 *   u256.h/u256.c   256-bit words
 *   util.c          arena allocator, keccak wrapper, fatal errors
 *   rlp.c           RLP encoding and the transaction decoder
 *   state.c         accounts, storage, transient storage, the undo journal
 *   trie.c          Merkle-Patricia roots of the state and of the storage
 *   interp.c        the interpreter: opcodes, calls, creates, precompiles
 *   tx.c            transaction validation and execution, fees, refunds
 *   main.c          input parsing and the journal
 */
#ifndef EVM_EVM_H
#define EVM_EVM_H

#include <stddef.h>
#include <stdint.h>

#include "u256.h"

/* ---- guest exit codes (the journal is written only with EXIT_OK) ------------------- */
#define EVM_EXIT_OK 0
#define EVM_EXIT_BAD_INPUT 2   /* malformed input: message on stderr, no journal */
#define EVM_EXIT_UNSUPPORTED 3 /* an unimplemented precompile or a resource limit of the guest */

/* ---- journal status (docs/evm.md) ------------------------------------------------------ */
#define ST_SUCCESS 0x00
#define ST_REVERT 0x01
#define ST_HALT 0x02 /* exceptional halt (out of gas, invalid opcode, ...): all gas used */
/* invalid transactions: state unchanged, gas used 0 */
#define ST_INVALID_INTRINSIC_GAS 0x10
#define ST_INVALID_NONCE_MAX 0x11
#define ST_INVALID_INITCODE_SIZE 0x12
#define ST_INVALID_GAS_LIMIT 0x13
#define ST_INVALID_SIGNATURE 0x14
#define ST_INVALID_PRIORITY_FEE 0x15
#define ST_INVALID_MAX_FEE 0x16
#define ST_INVALID_NONCE 0x17
#define ST_INVALID_BALANCE 0x18
#define ST_INVALID_SENDER_CODE 0x19
#define ST_INVALID_CHAIN_ID 0x1a
#define ST_INVALID_ENCODING 0x1b
#define ST_INVALID_TX_TYPE 0x1c
#define ST_INVALID_BLOBS 0x1d    /* blob tx: no blobs, too many, a bad version, or a create */
#define ST_INVALID_BLOB_FEE 0x1e /* blob tx: max fee per blob gas below the blob gas price */

/* ---- limits ----------------------------------------------------------------------------- */
#define STACK_LIMIT 1024
#define DEPTH_LIMIT 1024
#define MAX_CODE_SIZE 0x6000
#define MAX_INITCODE_SIZE (2 * MAX_CODE_SIZE)
/* Guest resource limit: EVM memory of one frame (bytes). A transaction that can pay for
 * more (only with an absurd gas limit) stops with EVM_EXIT_UNSUPPORTED instead. */
#define EVM_MEMORY_LIMIT (64u << 20)

/* ---- util.c ------------------------------------------------------------------------------ */
void *arena_alloc(size_t n);         /* zeroed, 8-byte aligned, never freed */
void *xmalloc(size_t n);             /* malloc or fail with EVM_EXIT_UNSUPPORTED */
void *xrealloc(void *p, size_t n);
void xfree(void *p);
__attribute__((noreturn)) void fail_input(const char *msg);
__attribute__((noreturn)) void fail_unsupported(const char *msg);
void keccak(const void *data, size_t len, uint8_t out[32]);

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;
void buf_put(buf *b, const void *data, size_t n);
void buf_byte(buf *b, uint8_t v);

/* ---- rlp.c ------------------------------------------------------------------------------- */
/* Encoders write into a caller buffer and return the number of bytes written. */
size_t rlp_header(uint8_t *out, size_t payload_len, int is_list);
size_t rlp_string(uint8_t *out, const uint8_t *data, size_t len);
size_t rlp_u64(uint8_t *out, uint64_t v);
size_t rlp_u256(uint8_t *out, const u256 *v);
size_t rlp_header_len(size_t payload_len);
size_t rlp_string_len(const uint8_t *data, size_t len);

/* Decoder: one item at a time from a bounded span. Returns 0 on success, -1 if malformed
 * (truncated, non-canonical length). */
typedef struct {
    const uint8_t *p;   /* payload */
    size_t len;         /* payload length */
    int is_list;
} rlp_item;
int rlp_next(const uint8_t **cur, const uint8_t *end, rlp_item *item);
int rlp_to_u256(const rlp_item *it, u256 *out); /* canonical integer <= 32 bytes */
int rlp_to_u64(const rlp_item *it, uint64_t *out);

/* ---- state.c ------------------------------------------------------------------------------ */
typedef struct code {
    const uint8_t *bytes; /* len bytes (for code from the input: inside the input buffer) */
    uint8_t *padded;      /* NULL, or a copy followed by zero bytes, made when first run */
    uint32_t len;
    uint8_t hashed;
    uint8_t hash[32];
    uint8_t *jumpdests; /* bitmap, built on first execution */
} code;

typedef struct slot {
    u256 key;
    u256 cur;
    u256 orig; /* value at the start of the transaction */
    uint8_t warm;
    uint8_t hkey_valid;
    uint8_t hkey[32]; /* keccak(key), cached for the trie */
} slot;

typedef struct slotmap {
    slot **tab;
    uint32_t cap; /* power of two */
    uint32_t count;
} slotmap;

typedef struct account {
    uint8_t addr[20];
    uint8_t exists;
    uint8_t warm;
    uint8_t created;      /* created in this transaction (EIP-6780; not reverted) */
    uint8_t destructed;   /* in accounts_to_delete */
    uint8_t haddr_valid;
    uint8_t sroot_valid;  /* sroot holds the storage root of the current storage */
    uint64_t nonce;
    u256 balance;
    code *code;
    slotmap storage;
    slotmap transient;
    uint32_t nonzero;     /* storage slots with cur != 0 */
    uint8_t haddr[32];
    uint8_t sroot[32];
    struct account *next_all; /* list of all account records */
} account;

extern code empty_code;
extern account *all_accounts;

void state_init(void);
account *acct_get(const uint8_t addr[20]);     /* record, created (not existing) if new */
account *acct_find(const uint8_t addr[20]);    /* NULL if no record */
code *code_new(const uint8_t *bytes, uint32_t len); /* copies the bytes */
code *code_ref(const uint8_t *bytes, uint32_t len); /* bytes that live as long as the run */
const uint8_t *code_padded(code *c);               /* the bytes followed by 40 zero bytes */
const uint8_t *code_hash(code *c);
slot *slot_get(slotmap *m, const u256 *key);   /* created (zero) if new */
slot *slot_find(const slotmap *m, const u256 *key);

static inline int acct_is_empty(const account *a)
{
    return a->nonce == 0 && u256_is_zero(&a->balance) && a->code->len == 0;
}
/* is_account_alive: exists and not empty */
static inline int acct_alive(const account *a)
{
    return a->exists && !acct_is_empty(a);
}

/* Journaled modifications. Each may destroy an account that ends up existing and empty
 * (the spec's modify_state). */
void st_set_balance(account *a, const u256 *v);
void st_add_balance(account *a, const u256 *v);
void st_sub_balance(account *a, const u256 *v); /* caller checked a->balance >= v */
void st_inc_nonce(account *a);
void st_set_code(account *a, code *c);
void st_set_storage(account *a, slot *s, const u256 *v);
void st_set_transient(slot *s, const u256 *v);
void st_destroy_storage(account *a);
void st_mark_warm(account *a);
void st_mark_slot_warm(slot *s);
void st_mark_destructed(account *a);
void st_move_ether(account *from, account *to, const u256 *amount);

size_t st_snapshot(void);
void st_revert(size_t snap);

/* ---- trie.c ------------------------------------------------------------------------------- */
void state_root(uint8_t out[32]);

/* ---- logs ----------------------------------------------------------------------------------- */
typedef struct log_entry {
    uint8_t addr[20];
    uint8_t ntopics;
    uint8_t topics[4][32];
    uint8_t *data;
    uint32_t len;
} log_entry;

/* ---- environment ----------------------------------------------------------------------------- */
typedef struct {
    uint64_t chain_id, number, timestamp, gas_limit, excess_blob_gas;
    uint8_t coinbase[20];
    u256 base_fee;
    uint8_t prev_randao[32];
    uint32_t n_hashes;
    uint64_t hash_numbers[256];
    uint8_t hashes[256][32];
    u256 blob_base_fee; /* derived from excess_blob_gas */
} block_env;

typedef struct {
    uint8_t origin[20];
    u256 gas_price; /* effective gas price */
    const uint8_t *blob_hashes; /* RLP payload of the versioned hashes (33 bytes each) */
    uint32_t n_blobs;
} tx_env;

extern block_env ENV;
extern tx_env TX;

/* ---- interp.c ------------------------------------------------------------------------------- */
/* A message call (the spec's Message plus the Evm fields a caller reads back). */
typedef struct message {
    account *caller;
    account *target;        /* current_target: whose storage and balance */
    account *code_account;  /* code_address (NULL for a create) */
    code *code;
    const uint8_t *data;
    uint32_t data_len;
    u256 value;
    int64_t gas;            /* in: gas given; out: gas left */
    int depth;
    uint8_t is_static;
    uint8_t is_create;
    uint8_t should_transfer;
    /* results */
    int status;             /* ST_SUCCESS, ST_REVERT or ST_HALT */
    uint8_t *out;
    uint32_t out_len;
    int64_t refund;         /* refund counter of this frame (valid on success) */
} message;

void interp_init(void);
void process_message(message *m);        /* a call: value transfer + code or precompile */
void process_create_message(message *m); /* a create: initcode, code deposit */
int is_precompile(const uint8_t addr[20]);

/* logs (global list; reverted by truncation) */
extern log_entry *LOGS;
extern uint32_t NLOGS;

/* ---- tx.c --------------------------------------------------------------------------------- */
typedef struct {
    int status;
    uint64_t gas_used;
} tx_result;
tx_result process_transaction(const uint8_t *tx, size_t tx_len, const uint8_t sender[20]);
void logs_hash(uint8_t out[32]);

#endif /* EVM_EVM_H */

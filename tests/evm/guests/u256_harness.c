/*
 * u256_harness.c -- test guest for the EVM guest's 256-bit arithmetic (u256.h/u256.c).
 *
 * Input: records of 97 bytes: op (1 byte), a, b, c (32 bytes big-endian each), until the
 * input ends. Journal: the 32-byte big-endian result of each record. Ops: see the switch.
 */
#include "u256.h"
#include "zkvm.h"

int main(void)
{
    uint8_t rec[97];
    while (zkvm_read(rec, sizeof rec) == sizeof rec) {
        u256 a, b, c, r;
        u256_from_be(&a, rec + 1);
        u256_from_be(&b, rec + 33);
        u256_from_be(&c, rec + 65);
        unsigned sh = u256_fits_u32(&a) && a.w[0] < 256 ? a.w[0] : 256;
        switch (rec[0]) {
        case 0: u256_add(&r, &a, &b); break;
        case 1: u256_sub(&r, &a, &b); break;
        case 2: u256_mul(&r, &a, &b); break;
        case 3: u256_divmod(&r, 0, &a, &b); break;
        case 4: u256_divmod(0, &r, &a, &b); break;
        case 5: u256_sdiv(&r, &a, &b); break;
        case 6: u256_smod(&r, &a, &b); break;
        case 7: u256_addmod(&r, &a, &b, &c); break;
        case 8: u256_mulmod(&r, &a, &b, &c); break;
        case 9: u256_exp(&r, &a, &b); break;
        case 10: u256_signextend(&r, &a, &b); break;
        case 11: u256_byte(&r, &a, &b); break;
        case 12: u256_shl(&r, &b, sh); break;
        case 13: u256_shr(&r, &b, sh); break;
        case 14: u256_sar(&r, &b, sh); break;
        case 15: u256_from_u32(&r, (uint32_t)u256_lt(&a, &b)); break;
        case 16: u256_from_u32(&r, (uint32_t)u256_slt(&a, &b)); break;
        case 17: u256_from_u32(&r, u256_byte_len(&a)); break;
        default: zkvm_fail(1, "bad op\n");
        }
        uint8_t out[32];
        u256_to_be(out, &r);
        zkvm_commit(out, 32);
    }
    return 0;
}

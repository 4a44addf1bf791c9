/* UINT256_MULMOD (0x5A10): a0 = uint32_t x[8] (in/out), a1 = uint32_t ym[16] (y, then m);
 * both 4-byte aligned. x := x * y mod m, m = 0 meaning 2^256. Numbers are 8 little-endian
 * 32-bit words, least significant first. */

/* Plain C x*y mod m (m = 0: 2^256), the precompile's fallback: schoolbook product, then
 * bitwise long division of the 512-bit product (slow but obviously right). */
static inline void zkvm__uint256_mulmod_sw(uint32_t out[8], const uint32_t x[8],
                                           const uint32_t y[8], const uint32_t m[8])
{
    uint32_t p[16] = {0};
    for (int i = 0; i < 8; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 8; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + p[i + j] + carry;
            p[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        p[i + 8] = (uint32_t)carry;
    }
    int mzero = 1;
    for (int i = 0; i < 8; i++) {
        mzero &= m[i] == 0;
    }
    if (mzero) {
        for (int i = 0; i < 8; i++) {
            out[i] = p[i];
        }
        return;
    }
    /* r = (r << 1 | bit) mod m over the 512 product bits, r < m < 2^256 (r kept in 9
     * words: after the shift it may reach 2^257). */
    uint32_t r[9] = {0};
    for (int bit = 511; bit >= 0; bit--) {
        uint32_t in = (p[bit >> 5] >> (bit & 31)) & 1u;
        for (int i = 8; i > 0; i--) {
            r[i] = (r[i] << 1) | (r[i - 1] >> 31);
        }
        r[0] = (r[0] << 1) | in;
        /* if r >= m: r -= m */
        int ge = r[8] != 0;
        if (!ge) {
            ge = 1;
            for (int i = 7; i >= 0; i--) {
                if (r[i] != m[i]) {
                    ge = r[i] > m[i];
                    break;
                }
            }
        }
        if (ge) {
            uint64_t borrow = 0;
            for (int i = 0; i < 8; i++) {
                uint64_t t = (uint64_t)r[i] - m[i] - borrow;
                r[i] = (uint32_t)t;
                borrow = (t >> 63) & 1u;
            }
            r[8] -= (uint32_t)borrow;
        }
    }
    for (int i = 0; i < 8; i++) {
        out[i] = r[i];
    }
}

/* out := x * y mod m (m = 0 meaning 2^256), on the UINT256_MULMOD precompile; out may
 * alias x, y or m. */
static inline void zkvm_uint256_mulmod(uint32_t out[8], const uint32_t x[8],
                                       const uint32_t y[8], const uint32_t m[8])
{
#ifdef ZKVM_NO_PRECOMPILES
    zkvm__uint256_mulmod_sw(out, x, y, m);
#else
    uint32_t acc[8];
    uint32_t ym[16];
    for (int i = 0; i < 8; i++) {
        acc[i] = x[i];
        ym[i] = y[i];
        ym[8 + i] = m[i];
    }
    if (zkvm_syscall3(ZKVM_SYS_UINT256_MULMOD, (long)acc, (long)ym, 0) != 0) {
        zkvm__uint256_mulmod_sw(acc, acc, ym, ym + 8); /* not under the zkvm (-ENOSYS) */
    }
    for (int i = 0; i < 8; i++) {
        out[i] = acc[i];
    }
#endif
}

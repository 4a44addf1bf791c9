/*
 * rlp.c -- Recursive Length Prefix encoding (Yellow Paper, appendix B).
 *
 * Encoders write into caller buffers sized by the caller (the *_len helpers give the
 * sizes). The decoder is strict: it accepts only the canonical encoding (a single byte
 * below 0x80 is never wrapped, lengths have no leading zeros and use the short form
 * when they can, integers have no leading zero bytes), like the execution
 * specification's decoder.
 */
#include <string.h>

#include "evm.h"

size_t rlp_header_len(size_t payload_len)
{
    if (payload_len < 56) {
        return 1;
    }
    size_t n = 0;
    for (size_t v = payload_len; v; v >>= 8) {
        n++;
    }
    return 1 + n;
}

size_t rlp_header(uint8_t *out, size_t payload_len, int is_list)
{
    uint8_t base = is_list ? 0xc0 : 0x80;
    if (payload_len < 56) {
        out[0] = (uint8_t)(base + payload_len);
        return 1;
    }
    size_t n = 0;
    for (size_t v = payload_len; v; v >>= 8) {
        n++;
    }
    out[0] = (uint8_t)(base + 55 + n);
    for (size_t i = 0; i < n; i++) {
        out[n - i] = (uint8_t)(payload_len >> (8 * i));
    }
    return 1 + n;
}

size_t rlp_string_len(const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) {
        return 1;
    }
    return rlp_header_len(len) + len;
}

size_t rlp_string(uint8_t *out, const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) {
        out[0] = data[0];
        return 1;
    }
    size_t h = rlp_header(out, len, 0);
    memmove(out + h, data, len); /* callers may encode in place (data == out + 1) */
    return h + len;
}

size_t rlp_u64(uint8_t *out, uint64_t v)
{
    uint8_t b[8];
    size_t n = 0;
    for (int i = 7; i >= 0; i--) {
        uint8_t x = (uint8_t)(v >> (8 * i));
        if (n || x) {
            b[n++] = x;
        }
    }
    return rlp_string(out, b, n);
}

size_t rlp_u256(uint8_t *out, const u256 *v)
{
    uint8_t be[32];
    u256_to_be(be, v);
    size_t n = u256_byte_len(v);
    return rlp_string(out, be + 32 - n, n);
}

/* ---- decoder ----------------------------------------------------------------------------- */

static int read_len(const uint8_t *p, size_t n, size_t *out)
{
    if (n == 0 || n > 4 || p[0] == 0) {
        return -1; /* no leading zeros; payloads above 4 GiB are not representable here */
    }
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    if (v < 56) {
        return -1; /* should have used the short form */
    }
    *out = v;
    return 0;
}

int rlp_next(const uint8_t **cur, const uint8_t *end, rlp_item *item)
{
    const uint8_t *p = *cur;
    if (p >= end) {
        return -1;
    }
    size_t avail = (size_t)(end - p);
    uint8_t b = p[0];
    size_t hdr, len;
    if (b < 0x80) {
        item->p = p;
        item->len = 1;
        item->is_list = 0;
        *cur = p + 1;
        return 0;
    } else if (b < 0xb8) {
        hdr = 1;
        len = b - 0x80;
        item->is_list = 0;
        if (len == 1 && (avail < 2 || p[1] < 0x80)) {
            return -1; /* a single byte below 0x80 must be encoded as itself */
        }
    } else if (b < 0xc0) {
        size_t n = b - 0xb7;
        if (avail < 1 + n || read_len(p + 1, n, &len)) {
            return -1;
        }
        hdr = 1 + n;
        item->is_list = 0;
    } else if (b < 0xf8) {
        hdr = 1;
        len = b - 0xc0;
        item->is_list = 1;
    } else {
        size_t n = b - 0xf7;
        if (avail < 1 + n || read_len(p + 1, n, &len)) {
            return -1;
        }
        hdr = 1 + n;
        item->is_list = 1;
    }
    if (len > avail - hdr) {
        return -1;
    }
    item->p = p + hdr;
    item->len = len;
    *cur = p + hdr + len;
    return 0;
}

int rlp_to_u256(const rlp_item *it, u256 *out)
{
    if (it->is_list || it->len > 32 || (it->len > 0 && it->p[0] == 0)) {
        return -1;
    }
    u256_from_be_n(out, it->p, it->len);
    return 0;
}

int rlp_to_u64(const rlp_item *it, uint64_t *out)
{
    u256 v;
    if (rlp_to_u256(it, &v) || !u256_fits_u64(&v)) {
        return -1;
    }
    *out = u256_lo64(&v);
    return 0;
}

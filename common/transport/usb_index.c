/* usb_index.c: bundle.index, the block layout, digests and part list, both sides; see usb.h. */
#include "usb.h"

#include <stdlib.h>
#include <string.h>

#include "../core/base64.h"
#include "../core/text.h"
#include "../crypto/sha256.h"

/* Longest line of an index: the signature line, base64 of at most AS_USB_SIG_MAX bytes. */
#define INDEX_LINE_MAX (4 * AS_USB_SIG_MAX)
/* Longest digest or part line. */
#define ITEM_LINE_MAX 300
#define END_LINE (5 + 64) /* "end: " and a SHA-256 in hex */

void as_usb_index_free(as_usb_index *ix)
{
    free(ix->signature);
    free(ix->parts);
    free(ix->data_hash);
    free(ix->parity_hash);
    memset(ix, 0, sizeof *ix);
}

int as_usb_index_format(const as_usb_index *ix, as_buf *out, as_error *err)
{
    char hex[65];
    const as_ec_layout *l = &ix->layout;
    size_t start = out->len;
    as_hex_encode(hex, ix->sealed_sha256, 32);
    if (as_buf_printf(out, err,
                      AS_USB_INDEX_MAGIC
                      "\nbundle: %s\nsealed-size: %llu\nsealed-sha256: %s\n"
                      "block-size: %u\nredundancy: %u\ndata-blocks: %u\nstripes: %u\n"
                      "parity-blocks: %u\nsignature: ",
                      ix->bundle_id, (unsigned long long)l->size, hex, l->block, l->pct, l->k_total,
                      l->stripes, l->m_total) != 0)
        return -1;
    size_t b64len = as_b64_encoded_len(ix->signature_len, AS_B64_PADDED);
    char *b64 = malloc(b64len + 1);
    if (b64 == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_b64_encode(b64, ix->signature, ix->signature_len, AS_B64_PADDED);
    int rc = as_buf_printf(out, err, "%s\n", b64);
    free(b64);
    for (size_t i = 0; rc == 0 && i < ix->nparts; i++) {
        const as_usb_part_ref *p = &ix->parts[i];
        as_hex_encode(hex, p->sha256, 32);
        rc = as_buf_printf(out, err, "part: %s %u %u %llu %llu %s\n", p->object, p->index, p->count,
                           (unsigned long long)p->offset, (unsigned long long)p->length, hex);
    }
    for (uint32_t i = 0; rc == 0 && i < l->k_total; i++) {
        as_hex_encode(hex, ix->data_hash[i], AS_BLOCK_HASH);
        rc = as_buf_printf(out, err, "d %s\n", hex);
    }
    for (uint32_t i = 0; rc == 0 && i < l->m_total; i++) {
        as_hex_encode(hex, ix->parity_hash[i], AS_BLOCK_HASH);
        rc = as_buf_printf(out, err, "p %s\n", hex);
    }
    if (rc != 0)
        return -1;
    char end[65];
    as_sha256_hex(end, out->data + start, out->len - start);
    return as_buf_printf(out, err, "end: %s\n", end);
}

/*
 * Takes the closing "end: SHA256" line off the end of c, a cursor over all of data, and checks
 * it against what precedes it, which c then holds: a damaged index is set aside before any
 * field is trusted.
 */
static int closing_digest(const uint8_t *data, as_cursor *c, as_error *err)
{
    as_span line, key, hex;
    as_cursor lc;
    uint8_t want[32], got[32];
    size_t len = as_cursor_left(c);
    if (len < 72 || data[len - 1] != '\n')
        return as_fail(err, AS_ERR_FORMAT, "truncated");
    if (as_cursor_last_line(c, &line, END_LINE) != 0)
        return as_fail(err, AS_ERR_FORMAT, "no closing digest");
    as_span_cursor(line, &lc);
    if (line.n != END_LINE || as_cursor_token(&lc, &key) != 0 || !as_span_eq(key, "end:") ||
        as_cursor_token(&lc, &hex) != 0 || as_span_hex(hex, want, 32) != 0)
        return as_fail(err, AS_ERR_FORMAT, "no closing digest");
    as_sha256(got, data, as_cursor_left(c));
    if (!as_equal_ct(want, got, 32))
        return as_fail(err, AS_ERR_FORMAT,
                       "closing digest does not match (the file was modified or damaged)");
    return 0;
}

/* "key: N", N at most max (zero allowed: the layout check decides). */
static int kv_u64(as_cursor *c, const char *key, uint64_t max, uint64_t *v)
{
    as_span s;
    return as_cursor_kv(c, key, &s, INDEX_LINE_MAX) == 0 && as_span_u64(s, max, true, v) == 0 ? 0
                                                                                              : -1;
}

/* The header: magic, bundle id, sealed size and digest, and a layout the code accepts. */
static int read_header(as_cursor *c, as_usb_index *ix, as_error *err)
{
    as_span v;
    uint64_t size, block, pct, k, s, m;
    if (as_cursor_line_span(c, &v, 64) != 0 || !as_span_eq(v, AS_USB_INDEX_MAGIC))
        return as_fail(err, AS_ERR_FORMAT, "not an airseal index");
    if (as_cursor_kv(c, "bundle", &v, INDEX_LINE_MAX) != 0 ||
        as_usb_parse_bundle_id(v, ix->bundle_id) != 0)
        return as_fail(err, AS_ERR_FORMAT, "bundle id");
    if (kv_u64(c, "sealed-size", 1ULL << 50, &size) != 0 || size == 0 ||
        as_cursor_kv(c, "sealed-sha256", &v, INDEX_LINE_MAX) != 0 ||
        as_span_hex(v, ix->sealed_sha256, 32) != 0 ||
        kv_u64(c, "block-size", 16u << 20, &block) != 0 ||
        kv_u64(c, "redundancy", 100, &pct) != 0 ||
        kv_u64(c, "data-blocks", AS_EC_MAX_BLOCKS, &k) != 0 ||
        kv_u64(c, "stripes", AS_EC_MAX_BLOCKS, &s) != 0 ||
        kv_u64(c, "parity-blocks", AS_EC_MAX_BLOCKS, &m) != 0)
        return as_fail(err, AS_ERR_FORMAT, "header fields");
    ix->layout = (as_ec_layout){.size = size,
                                .block = (uint32_t)block,
                                .k_total = (uint32_t)k,
                                .stripes = (uint32_t)s,
                                .m_total = (uint32_t)m,
                                .pct = (uint32_t)pct};
    return as_ec_layout_check(&ix->layout, err);
}

/* The "signature:" line: the bundle.age.minisig file, base64. */
static int read_signature(as_cursor *c, as_usb_index *ix, as_error *err)
{
    as_span v;
    if (as_cursor_kv(c, "signature", &v, INDEX_LINE_MAX) != 0 || v.n > AS_USB_SIG_MAX * 2)
        return as_fail(err, AS_ERR_FORMAT, "signature");
    ix->signature = malloc(v.n ? v.n : 1);
    if (ix->signature == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    long sl = as_b64_decode(ix->signature, v.n, v.p, v.n, AS_B64_PADDED);
    if (sl <= 0)
        return as_fail(err, AS_ERR_FORMAT, "signature");
    ix->signature_len = (size_t)sl;
    return 0;
}

/* "part: OBJECT I N OFFSET LENGTH SHA256", appended to ix->parts. */
static int read_part_line(as_span line, as_usb_index *ix, as_error *err)
{
    as_cursor c;
    as_span f[7];
    uint64_t pi, pn;
    if (ix->nparts == 1u << 16)
        return as_fail(err, AS_ERR_FORMAT, "too many parts");
    as_usb_part_ref *pr = realloc(ix->parts, (ix->nparts + 1) * sizeof *pr);
    if (pr == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    ix->parts = pr;
    as_usb_part_ref *p = &pr[ix->nparts++];
    memset(p, 0, sizeof *p);
    as_span_cursor(line, &c);
    for (size_t i = 0; i < 7; i++)
        if (as_cursor_token(&c, &f[i]) != 0)
            return as_fail(err, AS_ERR_FORMAT, "part line");
    if (!as_span_eq(f[0], "part:") || as_cursor_end(&c) != 0 ||
        as_usb_parse_object(f[1], p->object) != 0 || as_span_u64(f[2], 1u << 20, false, &pi) != 0 ||
        as_span_u64(f[3], 1u << 20, false, &pn) != 0 || pi > pn ||
        as_span_u64(f[4], 1ULL << 50, true, &p->offset) != 0 ||
        as_span_u64(f[5], 1ULL << 50, true, &p->length) != 0 ||
        as_span_hex(f[6], p->sha256, 32) != 0)
        return as_fail(err, AS_ERR_FORMAT, "part line");
    p->index = (uint32_t)pi;
    p->count = (uint32_t)pn;
    return 0;
}

/* "d HEX" or "p HEX": a block digest line (the caller checks it is one). */
static bool is_digest_line(as_span line)
{
    return line.n == 2 + 2 * AS_BLOCK_HASH && line.p[1] == ' ' &&
           (line.p[0] == 'd' || line.p[0] == 'p');
}

/* The part lines, then K data digests, then M parity digests: nothing else, in that order. */
static int read_items(as_cursor *c, as_usb_index *ix, as_error *err)
{
    uint32_t k = ix->layout.k_total, m = ix->layout.m_total, nd = 0, np = 0;
    ix->data_hash = calloc(k, AS_BLOCK_HASH);
    ix->parity_hash = calloc(m ? m : 1, AS_BLOCK_HASH);
    if (ix->data_hash == NULL || ix->parity_hash == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    while (as_cursor_left(c) > 0) {
        as_span line;
        if (as_cursor_line_span(c, &line, ITEM_LINE_MAX) != 0)
            return as_fail(err, AS_ERR_FORMAT, "line too long");
        if (!is_digest_line(line)) {
            if (nd > 0 || line.n < 6 || memcmp(line.p, "part: ", 6) != 0)
                return as_fail(err, AS_ERR_FORMAT, "unexpected line");
            if (read_part_line(line, ix, err) != 0)
                return -1;
            continue;
        }
        bool data = line.p[0] == 'd';
        if (data && (np > 0 || nd == k))
            return as_fail(err, AS_ERR_FORMAT, "too many or misplaced data digests");
        if (!data && np == m)
            return as_fail(err, AS_ERR_FORMAT, "too many parity digests");
        as_span hex = {line.p + 2, line.n - 2};
        if (as_span_hex(hex, data ? ix->data_hash[nd++] : ix->parity_hash[np++], AS_BLOCK_HASH) !=
            0)
            return as_fail(err, AS_ERR_FORMAT, "block digest");
    }
    if (nd != k || np != m)
        return as_fail(err, AS_ERR_FORMAT, "%u data and %u parity digests, expected %u and %u", nd,
                       np, k, m);
    return 0;
}

int as_usb_index_parse(as_usb_index *ix, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    as_error e = {0};
    memset(ix, 0, sizeof *ix);
    as_cursor_init(&c, data, len);
    int rc = len > AS_USB_INDEX_MAX
                 ? as_fail(&e, AS_ERR_FORMAT, "larger than %u bytes", AS_USB_INDEX_MAX)
                 : 0;
    if (rc == 0)
        rc = closing_digest(data, &c, &e);
    if (rc == 0)
        rc = read_header(&c, ix, &e);
    if (rc == 0)
        rc = read_signature(&c, ix, &e);
    if (rc == 0)
        rc = read_items(&c, ix, &e);
    if (rc == 0)
        return 0;
    if (e.code != AS_ERR_NOMEM)
        as_error_prefix(&e, "damaged bundle.index: ");
    if (err != NULL && err->code == AS_OK)
        *err = e;
    as_usb_index_free(ix);
    return -1;
}

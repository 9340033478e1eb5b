/* frame_layout.c: the QR frame header as a table of fields, and its reader and writer; see
 * frame_layout.h. */
#include "frame_layout.h"

#include <string.h>

#include "../core/bytes.h"

/* docs/FORMAT.md 10.2, the one copy of it in the code. */
const as_frame_field as_frame_fields[AS_FF_COUNT] = {
    [AS_FF_MAGIC] = {"magic", 0, 3, true},
    [AS_FF_VERSION] = {"version", 3, 1, false},
    [AS_FF_BUNDLE] = {"bundle", 4, AS_FRAME_ID_LEN, true},
    [AS_FF_SEALED] = {"sealed-size", 12, 8, false},
    [AS_FF_SIG] = {"signature-size", 20, 2, false},
    [AS_FF_BLOCK] = {"block-size", 22, 2, false},
    [AS_FF_PCT] = {"redundancy", 24, 1, false},
    [AS_FF_K] = {"data-blocks", 25, 4, false},
    [AS_FF_M] = {"parity-blocks", 29, 4, false},
    [AS_FF_INDEX] = {"index", 33, 4, false},
    [AS_FF_CRC] = {"crc32", 37, 4, false},
};

uint64_t as_frame_get(const uint8_t *frame, as_frame_field_id f)
{
    const as_frame_field *d = &as_frame_fields[f];
    as_cursor c;
    uint64_t v = 0;
    as_cursor_init(&c, frame + d->offset, d->width);
    (void)as_cursor_be(&c, d->width, &v); /* cannot fail: the cursor holds width bytes */
    return v;
}

void as_frame_put(uint8_t *frame, as_frame_field_id f, uint64_t v)
{
    as_store_be(frame + as_frame_fields[f].offset, as_frame_fields[f].width, v);
}

uint32_t as_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        /* Building the table twice from two threads writes the same values: harmless. */
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int b = 0; b < 8; b++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t as_frame_crc(const uint8_t *frame, size_t len)
{
    uint32_t crc = as_crc32(0, frame, as_frame_fields[AS_FF_CRC].offset);
    return as_crc32(crc, frame + AS_FRAME_HEADER, len - AS_FRAME_HEADER);
}

void as_frame_put_crc(uint8_t *frame, size_t len)
{
    as_frame_put(frame, AS_FF_CRC, as_frame_crc(frame, len));
}

void as_frame_format(uint8_t *out, const as_frame_header *h, const uint8_t *block)
{
    memcpy(out + as_frame_fields[AS_FF_MAGIC].offset, AS_FRAME_MAGIC, 3);
    memcpy(out + as_frame_fields[AS_FF_BUNDLE].offset, h->bundle, AS_FRAME_ID_LEN);
    as_frame_put(out, AS_FF_VERSION, AS_FRAME_VERSION);
    as_frame_put(out, AS_FF_SEALED, h->sealed_size);
    as_frame_put(out, AS_FF_SIG, h->sig_size);
    as_frame_put(out, AS_FF_BLOCK, h->block);
    as_frame_put(out, AS_FF_PCT, h->pct);
    as_frame_put(out, AS_FF_K, h->k);
    as_frame_put(out, AS_FF_M, h->m);
    as_frame_put(out, AS_FF_INDEX, h->index);
    memcpy(out + AS_FRAME_HEADER, block, h->block);
    as_frame_put_crc(out, AS_FRAME_HEADER + h->block);
}

void as_frame_layout(const as_frame_header *h, as_ec_layout *l)
{
    memset(l, 0, sizeof *l);
    as_error e = {0};
    (void)as_ec_plan(l, h->sealed_size + h->sig_size, h->block, h->pct, &e);
}

/* Reads the header's fields in table order (the table is contiguous): byte strings by
 * reference into bytes[], integers into v[]. Fails when the header is truncated. */
static int read_fields(as_cursor *c, const uint8_t *bytes[AS_FF_COUNT], uint64_t v[AS_FF_COUNT])
{
    for (int f = 0; f < AS_FF_COUNT; f++) {
        const as_frame_field *d = &as_frame_fields[f];
        if ((d->bytes ? as_cursor_ref(c, &bytes[f], d->width) : as_cursor_be(c, d->width, &v[f])) !=
            0)
            return -1;
    }
    return 0;
}

/* The checks a header passes once its CRC matched: caps first (AS_ERR_LIMIT for a bundle too
 * large), then a layout that is exactly the one the erasure code derives from its sizes. */
static int check_header(const as_frame_header *h, as_error *err)
{
    if (h->block < AS_FRAME_MIN_BLOCK || h->block > AS_FRAME_MAX_BLOCK || h->pct > 100 ||
        h->sig_size == 0 || h->sig_size > AS_FRAME_MAX_SIG || h->sealed_size == 0)
        return as_fail(err, AS_ERR_FORMAT, "frame header out of range");
    if (h->sealed_size > AS_FRAME_MAX_OBJECT)
        return as_fail(err, AS_ERR_LIMIT, "frame declares a %llu-byte bundle, more than %u MiB",
                       (unsigned long long)h->sealed_size, AS_FRAME_MAX_OBJECT >> 20);
    as_ec_layout want;
    as_error e = {0};
    if (as_ec_plan(&want, h->sealed_size + h->sig_size, h->block, h->pct, &e) != 0 ||
        want.k_total != h->k || want.m_total != h->m)
        return as_fail(err, AS_ERR_FORMAT,
                       "frame declares %llu data and %llu parity blocks, inconsistent with its "
                       "sizes",
                       (unsigned long long)h->k, (unsigned long long)h->m);
    if (h->index >= h->k + h->m)
        return as_fail(err, AS_ERR_FORMAT, "frame index %u beyond its %u blocks", h->index,
                       h->k + h->m);
    return 0;
}

int as_frame_parse(as_frame_header *h, const uint8_t **block, const uint8_t *data, size_t len,
                   as_error *err)
{
    as_cursor c;
    const uint8_t *bytes[AS_FF_COUNT] = {0};
    uint64_t v[AS_FF_COUNT] = {0};
    memset(h, 0, sizeof *h);
    as_cursor_init(&c, data, len);
    if (read_fields(&c, bytes, v) != 0 || memcmp(bytes[AS_FF_MAGIC], AS_FRAME_MAGIC, 3) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal frame");
    if (v[AS_FF_VERSION] != AS_FRAME_VERSION)
        return as_fail(err, AS_ERR_FORMAT, "frame format version %u is not supported",
                       (unsigned)v[AS_FF_VERSION]);
    memcpy(h->bundle, bytes[AS_FF_BUNDLE], AS_FRAME_ID_LEN);
    /* each value fits its field's width, at most 32 bits but for the sealed size */
    h->sealed_size = v[AS_FF_SEALED];
    h->sig_size = (uint32_t)v[AS_FF_SIG];
    h->block = (uint32_t)v[AS_FF_BLOCK];
    h->pct = (uint32_t)v[AS_FF_PCT];
    h->k = (uint32_t)v[AS_FF_K];
    h->m = (uint32_t)v[AS_FF_M];
    h->index = (uint32_t)v[AS_FF_INDEX];
    if (as_cursor_left(&c) != h->block)
        return as_fail(err, AS_ERR_FORMAT, "frame holds %zu bytes, its header says %u",
                       as_cursor_left(&c), h->block);
    if (as_frame_crc(data, len) != v[AS_FF_CRC])
        return as_fail(err, AS_ERR_FORMAT, "frame CRC mismatch (damaged)");
    /* Only now is the header worth believing enough to check it against the caps. */
    if (check_header(h, err) != 0)
        return -1;
    return as_cursor_ref(&c, block, h->block);
}

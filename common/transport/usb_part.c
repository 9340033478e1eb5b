/* usb_part.c: the 512-byte text header of a part file, both sides; see usb.h. */
#include "usb.h"

#include <stdio.h>
#include <string.h>

#include "../core/text.h"

/* Longest line read in a part header: the whole header. */
#define PART_LINE_MAX AS_PART_HEADER

void as_part_header_format(uint8_t out[AS_PART_HEADER], const as_part_header *h)
{
    char hex[65];
    as_hex_encode(hex, h->sha256, 32);
    memset(out, ' ', AS_PART_HEADER);
    int n = snprintf((char *)out, AS_PART_HEADER,
                     AS_PART_MAGIC "bundle: %s\nobject: %s\npart: %u of %u\noffset: %llu\n"
                                   "length: %llu\nobject-size: %llu\nsha256: %s\n",
                     h->bundle_id, h->object, h->index, h->count, (unsigned long long)h->offset,
                     (unsigned long long)h->length, (unsigned long long)h->object_size, hex);
    /* snprintf's NUL becomes padding: spaces up to the last byte, which is a newline */
    if (n > 0 && n < AS_PART_HEADER)
        out[n] = ' ';
    out[AS_PART_HEADER - 1] = '\n';
}

int as_usb_parse_object(as_span s, char out[16])
{
    if (!as_span_eq(s, AS_USB_AGE) && !as_span_eq(s, AS_USB_PARITY))
        return -1;
    return as_span_str(s, out, 16);
}

int as_usb_parse_bundle_id(as_span s, char out[AS_BUNDLE_ID_HEX])
{
    uint8_t id[AS_BUNDLE_ID_LEN];
    if (as_span_hex(s, id, sizeof id) != 0)
        return -1;
    as_hex_encode(out, id, sizeof id); /* lower case, whatever the file held */
    return 0;
}

/* "I of N": 1 <= I <= N <= 2^20. */
static int part_number(as_span v, uint32_t *index, uint32_t *count)
{
    as_cursor c;
    as_span i, of, n;
    uint64_t vi, vn;
    as_span_cursor(v, &c);
    if (as_cursor_token(&c, &i) != 0 || as_cursor_token(&c, &of) != 0 || !as_span_eq(of, "of") ||
        as_cursor_token(&c, &n) != 0 || as_cursor_end(&c) != 0 ||
        as_span_u64(i, 1u << 20, false, &vi) != 0 || as_span_u64(n, 1u << 20, false, &vn) != 0 ||
        vi > vn)
        return -1;
    *index = (uint32_t)vi;
    *count = (uint32_t)vn;
    return 0;
}

/* "key: N" with N at most 2^50 (zero allowed unless nonzero). */
static int kv_u64(as_cursor *c, const char *key, bool nonzero, uint64_t *v)
{
    as_span s;
    return as_cursor_kv(c, key, &s, PART_LINE_MAX) == 0 &&
                   as_span_u64(s, 1ULL << 50, !nonzero, v) == 0
               ? 0
               : -1;
}

/* What follows the fields: one line of spaces, ending the header exactly. */
static int padding(as_cursor *c)
{
    as_span line;
    if (as_cursor_line_span(c, &line, PART_LINE_MAX) != 0 || as_cursor_end(c) != 0)
        return -1;
    for (size_t i = 0; i < line.n; i++)
        if (line.p[i] != ' ')
            return -1;
    return 0;
}

int as_part_header_parse(as_part_header *h, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    as_span v;
    memset(h, 0, sizeof *h);
    if (len < AS_PART_HEADER)
        return as_fail(err, AS_ERR_FORMAT, "part header truncated");
    as_cursor_init(&c, data, AS_PART_HEADER);
#define BAD(what) as_fail(err, AS_ERR_FORMAT, "malformed part header: %s", what)
    if (as_cursor_expect(&c, AS_PART_MAGIC, strlen(AS_PART_MAGIC)) != 0)
        return BAD("magic");
    if (as_cursor_kv(&c, "bundle", &v, PART_LINE_MAX) != 0 ||
        as_usb_parse_bundle_id(v, h->bundle_id) != 0)
        return BAD("bundle");
    if (as_cursor_kv(&c, "object", &v, PART_LINE_MAX) != 0 ||
        as_usb_parse_object(v, h->object) != 0)
        return BAD("object");
    if (as_cursor_kv(&c, "part", &v, PART_LINE_MAX) != 0)
        return BAD("part");
    if (part_number(v, &h->index, &h->count) != 0)
        return BAD("part number");
    if (kv_u64(&c, "offset", false, &h->offset) != 0 ||
        kv_u64(&c, "length", false, &h->length) != 0 ||
        kv_u64(&c, "object-size", true, &h->object_size) != 0)
        return BAD("offsets");
    if (h->offset > h->object_size || h->length > h->object_size - h->offset)
        return BAD("part lies outside the object");
    if (as_cursor_kv(&c, "sha256", &v, PART_LINE_MAX) != 0 || as_span_hex(v, h->sha256, 32) != 0)
        return BAD("sha256");
    if (padding(&c) != 0)
        return BAD("padding");
#undef BAD
    return 0;
}

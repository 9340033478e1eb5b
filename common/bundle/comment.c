/* comment.c: the outer signature's trusted comment, written by the sender and read by the
 * receiver; see comment.h. */
#include "comment.h"

#include <string.h>

#include "../core/bytes.h"
#include "../core/text.h"

#define COMMENT_PREFIX "airseal-bundle v1 "

int as_bundle_comment_format(char *out, size_t cap, const as_bundle_comment *c, as_error *err)
{
    as_buf b;
    char hex[65];
    int rc = -1;
    as_buf_init(&b, cap);
    as_hex_encode(hex, c->manifest_sha256, 32);
    if (as_buf_printf(&b, err, COMMENT_PREFIX "bundle:%s case:", c->bundle_id) == 0 &&
        as_pct_encode(&b, c->case_id, strlen(c->case_id), err) == 0 &&
        as_buf_printf(&b, err, " files:%llu bytes:%llu manifest:%s", (unsigned long long)c->files,
                      (unsigned long long)c->bytes, hex) == 0 &&
        as_buf_terminate(&b, err) == 0) {
        memcpy(out, b.data, b.len + 1);
        rc = 0;
    }
    as_buf_free(&b);
    return rc;
}

/* Every grammar failure reads the same way, with its reason. */
#define BAD(why) as_fail(err, AS_ERR_FORMAT, "not an airseal bundle signature: %s", why)

/* "bundle:<32 lower-case hex digits>": hex is the canonical spelling, as the manifest's. */
static int take_bundle_id(as_cursor *c, as_bundle_comment *bc, as_error *err)
{
    as_span v;
    uint8_t id[AS_BUNDLE_ID_LEN];
    if (as_cursor_field(c, "bundle:", &v) != 0 || v.n != 32 || as_span_hex(v, id, sizeof id) != 0)
        return BAD("bad bundle: field");
    as_hex_encode(bc->bundle_id, id, sizeof id);
    if (memcmp(bc->bundle_id, v.p, v.n) != 0)
        return BAD("bundle id must be lower-case hex");
    return 0;
}

/* "case:<%-encoded case id>": decoded, it must be a valid identifier. It is read before a
 * byte is decrypted, so a case id hiding characters is refused right here. */
static int take_case(as_cursor *c, as_bundle_comment *bc, as_error *err)
{
    as_span v;
    long n;
    if (as_cursor_field(c, "case:", &v) != 0 ||
        (n = as_pct_decode(bc->case_id, sizeof bc->case_id, v.p, v.n)) <= 0)
        return BAD("bad case: field");
    as_field_verdict fv = as_field_judge(AS_FIELD_CASE, bc->case_id, (size_t)n);
    if (fv == AS_FIELD_HIDDEN)
        return as_fail(err, AS_ERR_REJECTED,
                       "the bundle's case id contains direction or invisible characters: %s",
                       bc->case_id);
    if (fv != AS_FIELD_OK)
        return BAD("bad case: field");
    return 0;
}

/* "files:<n> bytes:<n>": decimal, no leading zero, within the limits a manifest may declare. */
static int take_counts(as_cursor *c, as_bundle_comment *bc, as_error *err)
{
    as_span v;
    if (as_cursor_field(c, "files:", &v) != 0 || as_span_u64(v, UINT64_MAX, true, &bc->files) != 0)
        return BAD("bad files: field");
    if (bc->files > AS_MANIFEST_MAX_FILES)
        return as_fail(err, AS_ERR_LIMIT,
                       "the bundle declares %llu files, more than the %u allowed",
                       (unsigned long long)bc->files, AS_MANIFEST_MAX_FILES);
    if (as_cursor_field(c, "bytes:", &v) != 0 || as_span_u64(v, UINT64_MAX, true, &bc->bytes) != 0)
        return BAD("bad bytes: field");
    if (bc->bytes > AS_MANIFEST_MAX_TOTAL)
        return as_fail(err, AS_ERR_LIMIT,
                       "the bundle declares %llu bytes of evidence, more than the 4 TiB allowed",
                       (unsigned long long)bc->bytes);
    return 0;
}

int as_bundle_comment_parse(as_bundle_comment *bc, const char *text, as_error *err)
{
    as_cursor c;
    as_span v;
    memset(bc, 0, sizeof *bc);
    as_cursor_init(&c, text, strlen(text));
    if (as_cursor_expect(&c, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) != 0)
        return BAD("trusted comment does not start with \"airseal-bundle v1\"");
    if (take_bundle_id(&c, bc, err) != 0 || take_case(&c, bc, err) != 0 ||
        take_counts(&c, bc, err) != 0)
        return -1;
    if (as_cursor_field(&c, "manifest:", &v) != 0 || v.n != 64 ||
        as_span_hex(v, bc->manifest_sha256, 32) != 0)
        return BAD("bad manifest: field");
    if (as_cursor_end(&c) != 0)
        return BAD("unexpected data at the end of the trusted comment");
    return 0;
}

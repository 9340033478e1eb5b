/* receipt.c: reading and verifying signed import receipts (both sides: the NGO's
 * verify-receipt, the station's verify); see receipt.h. Signing is in receipt_sign.c. */
#include "receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/sha256.h"
#include "../image/qr.h"
#include "custody.h"

#define HEADER AS_RECEIPT_HEADER
#define RECEIPT_LINE_MAX 512 /* bytes of a receipt line */

/* The next line, "<key>: <value>" with this key. */
static int kv(as_cursor *c, const char *key, as_span *v)
{
    return as_cursor_kv(c, key, v, RECEIPT_LINE_MAX);
}

/* The case line: a plain identifier (no control, bidi or invisible character). */
static int parse_case(as_receipt *r, as_span v, as_error *err)
{
    as_field_verdict cv = v.n == 0 ? AS_FIELD_UNPRINTABLE : as_field_judge(AS_FIELD_CASE, v.p, v.n);
    if (cv == AS_FIELD_HIDDEN)
        return as_fail(err, AS_ERR_REJECTED,
                       "the receipt's case id contains direction or invisible characters: %.*s",
                       (int)v.n, v.p);
    if (cv != AS_FIELD_OK || as_span_str(v, r->case_id, sizeof r->case_id) != 0)
        return -1;
    return 0;
}

int as_receipt_parse(as_receipt *r, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    as_span v;
    uint8_t raw[AS_BUNDLE_ID_LEN], keynum[AS_MINI_KEYNUM_LEN];
    memset(r, 0, sizeof *r);
    as_cursor_init(&c, data, len);
#define BAD(f) as_fail(err, AS_ERR_FORMAT, "not a valid airseal receipt: bad %s", f)
    if (as_cursor_expect(&c, HEADER "\n", strlen(HEADER) + 1) != 0)
        return BAD("first line");
    if (kv(&c, "station", &v) != 0 || as_mini_keyid_parse(keynum, v.p, v.n) != 0)
        return BAD("station");
    as_mini_keyid(keynum, r->station);
    if (kv(&c, "bundle", &v) != 0 || v.n != 32 || as_span_hex(v, raw, sizeof raw) != 0)
        return BAD("bundle");
    as_hex_encode(r->bundle_id, raw, sizeof raw);
    if (kv(&c, "case", &v) != 0 || parse_case(r, v, err) != 0)
        return BAD("case");
    if (kv(&c, "signer", &v) != 0 || as_mini_keyid_parse(keynum, v.p, v.n) != 0)
        return BAD("signer");
    as_mini_keyid(keynum, r->signer);
    if (kv(&c, "sealed-size", &v) != 0 || as_span_u64(v, UINT64_MAX, false, &r->sealed_size) != 0)
        return BAD("sealed-size");
    if (kv(&c, "sealed-sha256", &v) != 0 || as_span_hex(v, r->sealed_sha256, 32) != 0)
        return BAD("sealed-sha256");
    if (kv(&c, "manifest-sha256", &v) != 0 || as_span_hex(v, r->manifest_sha256, 32) != 0)
        return BAD("manifest-sha256");
    if (kv(&c, "files", &v) != 0 || as_span_u64(v, UINT64_MAX, true, &r->files) != 0)
        return BAD("files");
    if (kv(&c, "bytes", &v) != 0 || as_span_u64(v, UINT64_MAX, true, &r->bytes) != 0)
        return BAD("bytes");
    if (kv(&c, "imported", &v) != 0 || as_time_parse_utc(v.p, v.n, &r->imported) != 0)
        return BAD("imported");
    if (kv(&c, "custody-entry", &v) != 0 ||
        as_span_u64(v, UINT64_MAX, false, &r->custody_entry) != 0)
        return BAD("custody-entry");
    if (as_cursor_end(&c) != 0)
        return BAD("ending (extra data)");
#undef BAD
    return 0;
}

int as_receipt_verify(const uint8_t *text, size_t len, const uint8_t *sig, size_t siglen,
                      const as_mini_pubkey *station, as_receipt *r, as_error *err)
{
    as_mini_sig *s = malloc(sizeof *s);
    uint8_t h[AS_MINI_PREHASH_LEN];
    as_mini_prehash ph;
    int rc = -1;
    if (s == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (as_mini_sig_parse(s, sig, siglen, err) != 0)
        goto out;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, text, len);
    as_mini_prehash_final(&ph, h);
    if (as_mini_verify(station, s, h, NULL, 0, false, err) != 0)
        goto out;
    if (as_receipt_parse(r, text, len, err) != 0)
        goto out;
    char id[AS_MINI_KEYID_STR];
    as_mini_keyid(station->keynum, id);
    if (strcmp(id, r->station) != 0) {
        as_fail(err, AS_ERR_REJECTED, "receipt names station %s but is signed by key %s",
                r->station, id);
        goto out;
    }
    char want[160];
    snprintf(want, sizeof want, AS_RECEIPT_COMMENT_FMT, r->bundle_id, r->station);
    if (strcmp(s->trusted, want) != 0) {
        as_fail(err, AS_ERR_REJECTED, "the receipt's signed comment does not match its text");
        goto out;
    }
    rc = 0;
out:
    free(s);
    return rc;
}

int as_receipt_split(const uint8_t *payload, size_t len, size_t *text_len, as_error *err)
{
    as_cursor c;
    as_cursor_init(&c, payload, len);
    /* The text's lines up to the signature file's first line, "untrusted comment: ...". */
    if (as_cursor_expect(&c, HEADER "\n", strlen(HEADER) + 1) == 0) {
        while (as_cursor_left(&c) > 0) {
            size_t at = c.off;
            as_span k, v, line;
            if (as_cursor_any_kv(&c, &k, &v, AS_MINI_UNTRUSTED_MAX) == 0) {
                if (!as_span_eq(k, "untrusted comment"))
                    continue;
                *text_len = at;
                return 0;
            }
            if (as_cursor_line_span(&c, &line, AS_MINI_UNTRUSTED_MAX) != 0)
                break;
            if (as_span_eq(line, AS_RECEIPT_PROOF_HEADER)) {
                *text_len = at; /* a receipt with its inclusion proof (receipt.h) */
                return 0;
            }
        }
    }
    return as_fail(err, AS_ERR_FORMAT, "not an airseal receipt QR code");
}

typedef struct qr_payload {
    uint8_t *data;
    size_t len;
    int found;
} qr_payload;

static int keep_receipt(void *ctx, const uint8_t *data, size_t len)
{
    qr_payload *q = ctx;
    if (q->data == NULL && len > strlen(HEADER) && memcmp(data, HEADER, strlen(HEADER)) == 0) {
        q->data = malloc(len);
        if (q->data != NULL) {
            memcpy(q->data, data, len);
            q->len = len;
        }
    }
    q->found++;
    return 0;
}

int as_receipt_load(const char *path, uint8_t **text, size_t *tlen, uint8_t **sig, size_t *slen,
                    as_error *err)
{
    uint8_t *data = NULL;
    size_t len;
    *text = *sig = NULL;
    /* Receipts come back on the NGO's media: links are not followed, FIFOs not opened. */
    if (as_file_read_all_flags(path, 64u << 20, AS_FILE_NOFOLLOW, &data, &len, err) != 0)
        return -1;
    if (len >= strlen(HEADER) && memcmp(data, HEADER, strlen(HEADER)) == 0) {
        char *sigpath = as_path_fmt(err, "%s.minisig", path);
        int rc =
            sigpath ? as_file_read_all_flags(sigpath, 16384, AS_FILE_NOFOLLOW, sig, slen, err) : -1;
        free(sigpath);
        if (rc != 0) {
            free(data);
            return -1;
        }
        *text = data;
        *tlen = len;
        return 0;
    }
    as_image img;
    qr_payload q = {0};
    int rc = as_image_load_mem(&img, data, len, err);
    free(data);
    if (rc != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_USAGE,
                       "%s is neither a receipt text file nor a PNG or JPEG of its QR code", path);
    }
    if (as_qr_decode_photo(&img, keep_receipt, &q, err) < 0) {
        free(q.data);
        return -1;
    }
    size_t split;
    if (q.data == NULL || as_receipt_split(q.data, q.len, &split, err) != 0) {
        free(q.data);
        as_error_clear(err);
        return as_fail(err, AS_ERR_REJECTED, "%s: no airseal receipt QR code found (%d QR code%s)",
                       path, q.found, q.found == 1 ? "" : "s");
    }
    *text = malloc(split);
    *sig = malloc(q.len - split);
    if (*text == NULL || *sig == NULL) {
        free(*text);
        free(*sig);
        free(q.data);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    memcpy(*text, q.data, split);
    memcpy(*sig, q.data + split, q.len - split);
    *tlen = split;
    *slen = q.len - split;
    free(q.data);
    return 0;
}

bool as_receipt_is_proof(const uint8_t *data, size_t len)
{
    size_t n = strlen(AS_RECEIPT_PROOF_HEADER "\n");
    return len >= n && memcmp(data, AS_RECEIPT_PROOF_HEADER "\n", n) == 0;
}

int as_receipt_verify_proof(const uint8_t *text, size_t len, const uint8_t *proof, size_t plen,
                            const as_mini_pubkey *station, as_receipt *r, uint64_t *tree_size,
                            as_error *err)
{
    static as_log_entry e;
    char id[AS_MINI_KEYID_STR], want[65];
    if (as_receipt_parse(r, text, len, err) != 0)
        return -1;
    as_mini_keyid(station->keynum, id);
    if (strcmp(id, r->station) != 0)
        return as_fail(err, AS_ERR_REJECTED, "receipt names station %s but the key given is %s",
                       r->station, id);
    if (as_custody_entry_verify(proof, plen, station, &e, tree_size, err) != 0)
        return -1;
    as_sha256_hex(want, text, len);
    const char *got = as_log_get(&e, "receipt-sha256");
    if (strcmp(e.event, "import") != 0 || e.seq != r->custody_entry || got == NULL ||
        strcmp(got, want) != 0)
        return as_fail(err, AS_ERR_REJECTED,
                       "the inclusion proof is for custody log entry %llu, not this receipt's",
                       (unsigned long long)e.seq);
    return 0;
}

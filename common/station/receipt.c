/* receipt.c: signed import receipts; see receipt.h. */
#include "receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/file.h"
#include "../core/text.h"
#include "../image/qr.h"

#define HEADER "airseal receipt v1"

int as_receipt_format(const as_receipt *r, as_buf *out, as_error *err)
{
    char sealed[65], manifest[65], when[21];
    as_hex_encode(sealed, r->sealed_sha256, 32);
    as_hex_encode(manifest, r->manifest_sha256, 32);
    as_time_utc(when, r->imported);
    return as_buf_printf(out, err,
                         HEADER "\nstation: %s\nbundle: %s\ncase: %s\nsigner: %s\n"
                                "sealed-size: %llu\nsealed-sha256: %s\nmanifest-sha256: %s\n"
                                "files: %llu\nbytes: %llu\nimported: %s\ncustody-entry: %llu\n",
                         r->station, r->bundle_id, r->case_id, r->signer,
                         (unsigned long long)r->sealed_size, sealed, manifest,
                         (unsigned long long)r->files, (unsigned long long)r->bytes, when,
                         (unsigned long long)r->custody_entry);
}

static int line_kv(as_cursor *c, const char *key, const char **v, size_t *n)
{
    const char *line;
    size_t len, k = strlen(key);
    if (as_cursor_line(c, &line, &len, 512) != 0 || len < k + 2 || memcmp(line, key, k) != 0 ||
        line[k] != ':' || line[k + 1] != ' ')
        return -1;
    *v = line + k + 2;
    *n = len - k - 2;
    return 0;
}

int as_receipt_parse(as_receipt *r, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *v;
    size_t n;
    uint8_t raw[AS_BUNDLE_ID_LEN], keynum[AS_MINI_KEYNUM_LEN];
    memset(r, 0, sizeof *r);
    as_cursor_init(&c, data, len);
#define BAD(f) as_fail(err, AS_ERR_REJECTED, "not a valid airseal receipt: bad %s", f)
    if (as_cursor_expect(&c, HEADER "\n", strlen(HEADER) + 1) != 0)
        return BAD("first line");
    if (line_kv(&c, "station", &v, &n) != 0 || as_mini_keyid_parse(keynum, v, n) != 0)
        return BAD("station");
    as_mini_keyid(keynum, r->station);
    if (line_kv(&c, "bundle", &v, &n) != 0 || n != 32 || as_hex_decode(raw, sizeof raw, v, n) != 0)
        return BAD("bundle");
    as_hex_encode(r->bundle_id, raw, sizeof raw);
    if (line_kv(&c, "case", &v, &n) != 0 || n == 0)
        return BAD("case");
    as_field_verdict cv = as_field_judge(AS_FIELD_CASE, v, n);
    if (cv == AS_FIELD_HIDDEN)
        return as_fail(err, AS_ERR_REJECTED,
                       "the receipt's case id contains direction or invisible characters: %.*s",
                       (int)n, v);
    if (cv != AS_FIELD_OK)
        return BAD("case");
    memcpy(r->case_id, v, n);
    if (line_kv(&c, "signer", &v, &n) != 0 || as_mini_keyid_parse(keynum, v, n) != 0)
        return BAD("signer");
    as_mini_keyid(keynum, r->signer);
    if (line_kv(&c, "sealed-size", &v, &n) != 0 ||
        as_parse_u64(v, n, UINT64_MAX, false, &r->sealed_size) != 0)
        return BAD("sealed-size");
    if (line_kv(&c, "sealed-sha256", &v, &n) != 0 || as_hex_decode(r->sealed_sha256, 32, v, n) != 0)
        return BAD("sealed-sha256");
    if (line_kv(&c, "manifest-sha256", &v, &n) != 0 ||
        as_hex_decode(r->manifest_sha256, 32, v, n) != 0)
        return BAD("manifest-sha256");
    if (line_kv(&c, "files", &v, &n) != 0 || as_parse_u64(v, n, UINT64_MAX, true, &r->files) != 0)
        return BAD("files");
    if (line_kv(&c, "bytes", &v, &n) != 0 || as_parse_u64(v, n, UINT64_MAX, true, &r->bytes) != 0)
        return BAD("bytes");
    if (line_kv(&c, "imported", &v, &n) != 0 || as_time_parse_utc(v, n, &r->imported) != 0)
        return BAD("imported");
    if (line_kv(&c, "custody-entry", &v, &n) != 0 ||
        as_parse_u64(v, n, UINT64_MAX, false, &r->custody_entry) != 0)
        return BAD("custody-entry");
    if (as_cursor_end(&c) != 0)
        return BAD("ending (extra data)");
#undef BAD
    return 0;
}

int as_receipt_sign(const as_receipt *r, const uint8_t *text, size_t len, const as_mini_seckey *sk,
                    as_buf *sig, as_error *err)
{
    as_mini_sig *s = malloc(sizeof *s);
    uint8_t h[AS_MINI_PREHASH_LEN];
    char tc[160];
    as_mini_prehash ph;
    if (s == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, text, len);
    as_mini_prehash_final(&ph, h);
    snprintf(tc, sizeof tc, "airseal-receipt v1 bundle:%s station:%s", r->bundle_id, r->station);
    int rc = as_mini_sign(s, sk, h, tc, "airseal receipt signature", err) == 0 &&
                     as_mini_sig_format(sig, s, err) == 0
                 ? 0
                 : -1;
    free(s);
    return rc;
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
    snprintf(want, sizeof want, "airseal-receipt v1 bundle:%s station:%s", r->bundle_id,
             r->station);
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
    static const char marker[] = "\nuntrusted comment: ";
    const uint8_t *p = memmem(payload, len, marker, sizeof marker - 1);
    if (p == NULL || len < strlen(HEADER) || memcmp(payload, HEADER, strlen(HEADER)) != 0)
        return as_fail(err, AS_ERR_REJECTED, "not an airseal receipt QR code");
    *text_len = (size_t)(p - payload) + 1;
    return 0;
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

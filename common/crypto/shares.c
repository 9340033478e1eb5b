/* shares.c: k-of-n secret sharing and the airseal-share v1 text; see shares.h. */
#include "shares.h"

#include <libgfshare.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base64.h"
#include "../core/secret.h"
#include "../core/text.h"
#include "sha256.h"

#define MAGIC "airseal-share v1\n"
#define QR_MAGIC "airseal-share-qr"
#define COMMIT_DOMAIN "airseal-share v1 commitment\n"

/*
 * What libgfshare keeps, in its own malloc memory we cannot place in sodium memory: an
 * encoding context holds the shared bytes (salt and secret) and the k-1 random coefficient
 * rows (k * len bytes), a decoding context every share given to it (m * len bytes). libgfshare
 * 2.0 overwrites both buffers through gfshare_fill_rand before freeing them (test_shares
 * checks that it asks for those bytes), so we point gfshare_fill_rand at libsodium's
 * generator before every use: it makes the coefficients and the scrubbing both.
 */
static void gf_rand(unsigned char *p, unsigned int n)
{
    randombytes_buf(p, n);
}

/* A station id: 16 upper-case hex digits (a minisign key id as airseal prints it). */
static bool station_id_ok(const char *s, size_t n)
{
    if (n != AS_MINI_KEYID_STR - 1)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

int as_share_custodian_check(const char *s, size_t n, as_errcode code, as_error *err)
{
    if (n == 0 || n > AS_SHARE_CUSTODIAN_MAX)
        return as_fail(err, code, "a custodian's name must be 1 to %d bytes",
                       AS_SHARE_CUSTODIAN_MAX);
    if (!as_utf8_valid(s, n) || !as_text_printable(s, n, false))
        return as_fail(err, code, "a custodian's name must be printable UTF-8 on one line");
    if (!as_text_is_plain(s, n))
        return as_fail(err, code,
                       "a custodian's name must not contain direction or invisible "
                       "characters: %.*s",
                       (int)n, s);
    if (s[0] == ' ' || s[n - 1] == ' ')
        return as_fail(err, code, "a custodian's name must not start or end with a space");
    return 0;
}

/* The commitment: SHA-256 of the domain, the station id, the split id, k, n (one byte each)
 * and the shared bytes (salt, then secret). The hash state holds secret bytes: wiped. */
static void commit(uint8_t out[AS_SHARE_COMMIT_LEN], const char *station,
                   const uint8_t split[AS_SHARE_SPLIT_LEN], unsigned k, unsigned n,
                   const uint8_t *payload, size_t len)
{
    as_sha256_ctx h;
    uint8_t kn[2] = {(uint8_t)k, (uint8_t)n};
    as_sha256_init(&h);
    as_sha256_update(&h, COMMIT_DOMAIN, strlen(COMMIT_DOMAIN));
    as_sha256_update(&h, station, AS_MINI_KEYID_STR - 1);
    as_sha256_update(&h, split, AS_SHARE_SPLIT_LEN);
    as_sha256_update(&h, kn, 2);
    as_sha256_update(&h, payload, len);
    as_sha256_final(&h, out);
    as_wipe(&h, sizeof h);
}

void as_share_free(as_share *s)
{
    if (s == NULL)
        return;
    as_secret_free(s->y);
    memset(s, 0, sizeof *s);
}

void as_shares_free(as_share *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        as_share_free(&v[i]);
}

/* The split's parameters and names, judged before any secret is touched. */
static int split_args_check(unsigned k, unsigned n, const char *station,
                            const char *const *custodians, size_t len, as_error *err)
{
    if (k < AS_SHARES_MIN_K)
        return as_fail(err, AS_ERR_USAGE,
                       "a threshold of %u is refused: at least 2 shares must be needed (with "
                       "1, every share is the whole secret)",
                       k);
    if (n > AS_SHARES_MAX_N || k > n)
        return as_fail(err, AS_ERR_USAGE, "need 2 <= k <= n <= %d, not k = %u and n = %u",
                       AS_SHARES_MAX_N, k, n);
    if (len == 0 || len > AS_SHARE_SECRET_MAX)
        return as_fail(err, AS_ERR_USAGE, "a secret to split must be 1 to %d bytes, not %zu",
                       AS_SHARE_SECRET_MAX, len);
    if (!station_id_ok(station, strlen(station)))
        return as_fail(err, AS_ERR_USAGE, "%s is not a station id (16 upper-case hex digits)",
                       station);
    for (unsigned i = 0; i < n; i++) {
        if (as_share_custodian_check(custodians[i], strlen(custodians[i]), AS_ERR_USAGE, err))
            return -1;
        for (unsigned j = 0; j < i; j++)
            if (strcmp(custodians[i], custodians[j]) == 0)
                return as_fail(err, AS_ERR_USAGE, "custodian \"%s\" is named twice", custodians[i]);
    }
    return 0;
}

int as_shares_split(as_share *out, unsigned k, unsigned n, const char *station,
                    const char *const *custodians, const uint8_t *secret, size_t len, as_error *err)
{
    if (split_args_check(k, n, station, custodians, len, err) != 0)
        return -1;
    memset(out, 0, n * sizeof *out);
    size_t plen = AS_SHARE_SALT_LEN + len;
    uint8_t *payload = as_secret_alloc(plen, err);
    if (payload == NULL)
        return -1;
    randombytes_buf(payload, AS_SHARE_SALT_LEN);
    memcpy(payload + AS_SHARE_SALT_LEN, secret, len);
    uint8_t split[AS_SHARE_SPLIT_LEN], commitment[AS_SHARE_COMMIT_LEN];
    unsigned char xs[AS_SHARES_MAX_N];
    randombytes_buf(split, sizeof split);
    commit(commitment, station, split, k, n, payload, plen);
    for (unsigned i = 0; i < n; i++)
        xs[i] = (unsigned char)(i + 1);
    gfshare_fill_rand = gf_rand;
    gfshare_ctx *ctx = gfshare_ctx_init_enc(xs, n, (unsigned char)k, (unsigned)plen);
    if (ctx == NULL) {
        as_secret_free(payload);
        return as_fail(err, AS_ERR_NOMEM, "out of memory (libgfshare)");
    }
    gfshare_ctx_enc_setsecret(ctx, payload);
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        as_share *s = &out[i];
        if ((s->y = as_secret_alloc(plen, err)) == NULL) {
            rc = -1;
            break;
        }
        gfshare_ctx_enc_getshare(ctx, (unsigned char)i, s->y);
        memcpy(s->station, station, AS_MINI_KEYID_STR);
        memcpy(s->custodian, custodians[i], strlen(custodians[i]) + 1);
        s->k = k;
        s->n = n;
        s->index = i + 1;
        s->len = plen;
        memcpy(s->split, split, sizeof split);
        memcpy(s->commitment, commitment, sizeof commitment);
    }
    gfshare_ctx_free(ctx);
    as_secret_free(payload);
    if (rc != 0)
        as_shares_free(out, n);
    return rc;
}

int as_shares_interpolate(const uint8_t *xs, const uint8_t *const *ys, size_t m, size_t len,
                          uint8_t *out, as_error *err)
{
    if (m == 0 || m > AS_SHARES_MAX_N || len == 0 || len > AS_SHARE_SALT_LEN + AS_SHARE_SECRET_MAX)
        return as_fail(err, AS_ERR_INTERNAL, "interpolation of %zu shares of %zu bytes", m, len);
    unsigned char nrs[AS_SHARES_MAX_N];
    for (size_t j = 0; j < m; j++) {
        if (xs[j] == 0)
            return as_fail(err, AS_ERR_INTERNAL, "share index 0 given to interpolation");
        for (size_t l = 0; l < j; l++)
            if (xs[l] == xs[j])
                return as_fail(err, AS_ERR_INTERNAL, "share index %u given twice", xs[j]);
        nrs[j] = xs[j];
    }
    gfshare_fill_rand = gf_rand;
    gfshare_ctx *ctx = gfshare_ctx_init_dec(nrs, (unsigned)m, (unsigned)len);
    if (ctx == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory (libgfshare)");
    for (size_t j = 0; j < m; j++)
        gfshare_ctx_dec_giveshare(ctx, (unsigned char)j, (unsigned char *)ys[j]);
    gfshare_ctx_dec_extract(ctx, out);
    gfshare_ctx_free(ctx);
    return 0;
}

/* ---------------------------------------------------------------- text */

int as_share_format(const as_share *s, as_buf *out, as_error *err)
{
    char split[2 * AS_SHARE_SPLIT_LEN + 1], cm[2 * AS_SHARE_COMMIT_LEN + 1];
    char check[2 * AS_SHARE_CHECK_LEN + 1];
    uint8_t digest[AS_SHA256_LEN];
    size_t start = out->len, blen = as_b64_encoded_len(s->len, AS_B64_PADDED);
    char *b64 = as_secret_alloc(blen + 1, err);
    if (b64 == NULL)
        return -1;
    as_b64_encode(b64, s->y, s->len, AS_B64_PADDED);
    as_hex_encode(split, s->split, sizeof s->split);
    as_hex_encode(cm, s->commitment, sizeof s->commitment);
    int rc = as_buf_printf(out, err,
                           MAGIC "station: %s\ncustodian: %s\nthreshold: %u\nshares: %u\n"
                                 "index: %u\nsplit: %s\ncommitment: %s\nshare: %s\n",
                           s->station, s->custodian, s->k, s->n, s->index, split, cm, b64);
    as_secret_free(b64);
    if (rc != 0)
        return -1;
    as_sha256(digest, out->data + start, out->len - start);
    as_hex_encode(check, digest, AS_SHARE_CHECK_LEN);
    return as_buf_printf(out, err, "check: %s\n", check);
}

/* The raw fields of a share text, before the rules are applied. */
typedef struct share_fields {
    as_span station, custodian, share;
    uint64_t k, n, index;
    uint8_t check[AS_SHARE_CHECK_LEN];
    size_t body; /* bytes covered by the check */
} share_fields;

/* Exactly 2n lower-case hex digits: one spelling per value, so a share that parses formats
 * back to its own bytes (as_span_hex alone would take upper case too). */
static int lower_hex(as_span s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] >= 'A' && s.p[i] <= 'F')
            return -1;
    return as_span_hex(s, out, n);
}

/* Reads one "key: value" line, naming the key when it is missing or malformed. */
static int field(as_cursor *c, const char *key, as_span *v, size_t max, as_error *err)
{
    if (as_cursor_kv(c, key, v, max) != 0)
        return as_fail(err, AS_ERR_FORMAT, "share: the line \"%s: ...\" is missing or malformed",
                       key);
    return 0;
}

/* A "key: <decimal>" line. */
static int number(as_cursor *c, const char *key, uint64_t *v, as_error *err)
{
    as_span s;
    if (field(c, key, &s, 32, err) != 0)
        return -1;
    if (as_span_u64(s, 255, true, v) != 0)
        return as_fail(err, AS_ERR_FORMAT, "share: %s is not a number from 0 to 255", key);
    return 0;
}

/* The grammar: every line in order, the fixed-width fields decoded, nothing after. */
static int parse_fields(as_cursor *c, share_fields *f, as_share *s, as_error *err)
{
    as_span v;
    if (as_cursor_expect(c, MAGIC, strlen(MAGIC)) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal share (no \"airseal-share v1\" line)");
    if (field(c, "station", &f->station, 64, err) != 0 ||
        field(c, "custodian", &f->custodian, 16 + 4 * AS_SHARE_CUSTODIAN_MAX, err) != 0 ||
        number(c, "threshold", &f->k, err) != 0 || number(c, "shares", &f->n, err) != 0 ||
        number(c, "index", &f->index, err) != 0 || field(c, "split", &v, 64, err) != 0)
        return -1;
    if (lower_hex(v, s->split, AS_SHARE_SPLIT_LEN) != 0)
        return as_fail(err, AS_ERR_FORMAT, "share: split is not %d hex digits",
                       2 * AS_SHARE_SPLIT_LEN);
    if (field(c, "commitment", &v, 128, err) != 0)
        return -1;
    if (lower_hex(v, s->commitment, AS_SHARE_COMMIT_LEN) != 0)
        return as_fail(err, AS_ERR_FORMAT, "share: commitment is not %d hex digits",
                       2 * AS_SHARE_COMMIT_LEN);
    if (field(c, "share", &f->share, AS_SHARE_TEXT_MAX, err) != 0)
        return -1;
    f->body = c->off;
    if (field(c, "check", &v, 64, err) != 0)
        return -1;
    if (lower_hex(v, f->check, AS_SHARE_CHECK_LEN) != 0)
        return as_fail(err, AS_ERR_FORMAT, "share: check is not %d hex digits",
                       2 * AS_SHARE_CHECK_LEN);
    if (as_cursor_end(c) != 0)
        return as_fail(err, AS_ERR_FORMAT, "share: text after the check line");
    return 0;
}

/* The rules, once the check has shown the text is as written. */
static int judge_fields(const share_fields *f, as_share *s, as_error *err)
{
    if (as_share_custodian_check(f->custodian.p, f->custodian.n, AS_ERR_REJECTED, err) != 0)
        return -1;
    memcpy(s->custodian, f->custodian.p, f->custodian.n);
    s->custodian[f->custodian.n] = '\0';
    if (!station_id_ok(f->station.p, f->station.n))
        return as_fail(err, AS_ERR_REJECTED,
                       "share of %s: the station id is not 16 upper-case hex digits", s->custodian);
    memcpy(s->station, f->station.p, f->station.n);
    s->station[f->station.n] = '\0';
    if (f->k < AS_SHARES_MIN_K || f->n > AS_SHARES_MAX_N || f->k > f->n)
        return as_fail(err, AS_ERR_REJECTED,
                       "share of %s: threshold %u of %u shares is outside 2 <= k <= n <= %d",
                       s->custodian, (unsigned)f->k, (unsigned)f->n, AS_SHARES_MAX_N);
    if (f->index == 0 || f->index > f->n)
        return as_fail(err, AS_ERR_REJECTED, "share of %s: index %u is outside 1 to %u",
                       s->custodian, (unsigned)f->index, (unsigned)f->n);
    s->k = (unsigned)f->k;
    s->n = (unsigned)f->n;
    s->index = (unsigned)f->index;
    return 0;
}

/* Decodes the share bytes into sodium memory: the salt and 1 to AS_SHARE_SECRET_MAX bytes. */
static int decode_share(const share_fields *f, as_share *s, as_error *err)
{
    size_t cap = f->share.n / 4 * 3;
    if (f->share.n % 4 != 0 || cap < AS_SHARE_SALT_LEN + 1 ||
        cap > AS_SHARE_SALT_LEN + AS_SHARE_SECRET_MAX + 2)
        return as_fail(err, AS_ERR_REJECTED,
                       "share of %s (index %u): share is not base64 of %d "
                       "to %d bytes",
                       s->custodian, s->index, AS_SHARE_SALT_LEN + 1,
                       AS_SHARE_SALT_LEN + AS_SHARE_SECRET_MAX);
    if ((s->y = as_secret_alloc(cap, err)) == NULL)
        return -1;
    long got = as_b64_decode(s->y, cap, f->share.p, f->share.n, AS_B64_PADDED);
    if (got < AS_SHARE_SALT_LEN + 1 || got > AS_SHARE_SALT_LEN + AS_SHARE_SECRET_MAX)
        return as_fail(err, AS_ERR_REJECTED,
                       "share of %s (index %u): share is not canonical base64 of %d to %d "
                       "bytes",
                       s->custodian, s->index, AS_SHARE_SALT_LEN + 1,
                       AS_SHARE_SALT_LEN + AS_SHARE_SECRET_MAX);
    s->len = (size_t)got;
    return 0;
}

int as_share_parse(as_share *s, const uint8_t *text, size_t len, as_error *err)
{
    memset(s, 0, sizeof *s);
    if (len > AS_SHARE_TEXT_MAX)
        return as_fail(err, AS_ERR_LIMIT, "share: %zu bytes, more than a share's %d", len,
                       AS_SHARE_TEXT_MAX);
    share_fields f;
    as_cursor c;
    as_cursor_init(&c, text, len);
    if (parse_fields(&c, &f, s, err) != 0)
        return -1;
    uint8_t digest[AS_SHA256_LEN];
    as_sha256(digest, text, f.body);
    if (!as_equal_ct(digest, f.check, AS_SHARE_CHECK_LEN)) {
        memset(s, 0, sizeof *s);
        return as_fail(err, AS_ERR_REJECTED,
                       "share of %.*s (index %u) is damaged: its check does not match its text "
                       "(a changed or misread character)",
                       (int)f.custodian.n, f.custodian.p, (unsigned)f.index);
    }
    if (judge_fields(&f, s, err) != 0 || decode_share(&f, s, err) != 0) {
        as_share_free(s);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- combining */

/* Whether b belongs to the split of a: the same split id, parameters and commitment. */
static bool same_split(const as_share *a, const as_share *b)
{
    return memcmp(a->split, b->split, AS_SHARE_SPLIT_LEN) == 0 && a->k == b->k && a->n == b->n &&
           a->len == b->len && memcmp(a->commitment, b->commitment, AS_SHARE_COMMIT_LEN) == 0;
}

/* Every share names the station, split and an index of its own. */
static int combine_judge(const as_share *const *v, size_t m, const char *want, as_error *err)
{
    const as_share *f = v[0];
    char a[2 * AS_SHARE_SPLIT_LEN + 1], b[2 * AS_SHARE_SPLIT_LEN + 1];
    for (size_t j = 0; j < m; j++) {
        const as_share *s = v[j];
        if (strcmp(s->station, want) != 0)
            return as_fail(err, AS_ERR_REJECTED,
                           "the share of %s (index %u) is for station %s, not %s", s->custodian,
                           s->index, s->station, want);
        if (!same_split(f, s)) {
            as_hex_encode(a, s->split, AS_SHARE_SPLIT_LEN);
            as_hex_encode(b, f->split, AS_SHARE_SPLIT_LEN);
            return as_fail(err, AS_ERR_REJECTED,
                           "the share of %s (index %u) belongs to another split (%s, %u of %u) "
                           "than the share of %s (%s, %u of %u)",
                           s->custodian, s->index, a, s->k, s->n, f->custodian, b, f->k, f->n);
        }
        for (size_t l = 0; l < j; l++)
            if (v[l]->index == s->index)
                return as_fail(err, AS_ERR_REJECTED,
                               "the share of %s (index %u) repeats index %u, given already by "
                               "the share of %s",
                               s->custodian, s->index, s->index, v[l]->custodian);
    }
    if (m < f->k)
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "only %zu of the %u shares this split needs: fewer than %u reveal "
                       "nothing",
                       m, f->k, f->k);
    return 0;
}

/* Interpolates the first k-1 shares and v[last] into out. */
static int combine_some(const as_share *const *v, unsigned k, size_t last, uint8_t *out,
                        as_error *err)
{
    uint8_t xs[AS_SHARES_MAX_N];
    const uint8_t *ys[AS_SHARES_MAX_N];
    for (unsigned j = 0; j + 1 < k; j++) {
        xs[j] = (uint8_t)v[j]->index;
        ys[j] = v[j]->y;
    }
    xs[k - 1] = (uint8_t)v[last]->index;
    ys[k - 1] = v[last]->y;
    return as_shares_interpolate(xs, ys, k, v[0]->len, out, err);
}

/* The commitment refused the combination of v[0..k): one line naming them all. */
static int combine_mismatch(const as_share *const *v, unsigned k, as_error *err)
{
    char names[AS_ERROR_MSG_MAX] = "";
    size_t used = 0;
    for (unsigned j = 0; j < k && used < sizeof names; j++) {
        int w = snprintf(names + used, sizeof names - used, "%s%s (%u)", j ? ", " : "",
                         v[j]->custodian, v[j]->index);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return as_fail(err, AS_ERR_REJECTED,
                   "the shares of %s do not combine to the secret of their split: one of them "
                   "is forged or belongs to another split",
                   names);
}

int as_shares_combine(const as_share *const *v, size_t m, const char *station, as_buf *out,
                      as_error *err)
{
    if (m == 0)
        return as_fail(err, AS_ERR_INCOMPLETE, "no share given");
    if (combine_judge(v, m, station != NULL ? station : v[0]->station, err) != 0)
        return -1;
    const as_share *f = v[0];
    uint8_t *p = as_secret_alloc(f->len, err), *q = as_secret_alloc(f->len, err);
    uint8_t cm[AS_SHARE_COMMIT_LEN];
    int rc = -1;
    if (p == NULL || q == NULL || combine_some(v, f->k, f->k - 1, p, err) != 0)
        goto out;
    commit(cm, f->station, f->split, f->k, f->n, p, f->len);
    if (!as_equal_ct(cm, f->commitment, sizeof cm)) {
        combine_mismatch(v, f->k, err);
        goto out;
    }
    for (size_t j = f->k; j < m; j++) {
        if (combine_some(v, f->k, j, q, err) != 0)
            goto out;
        if (!as_equal_ct(p, q, f->len)) {
            as_fail(err, AS_ERR_REJECTED,
                    "the share of %s (index %u) does not fit the other shares of its split: "
                    "it is forged or damaged",
                    v[j]->custodian, v[j]->index);
            goto out;
        }
    }
    rc = as_buf_append(out, p + AS_SHARE_SALT_LEN, f->len - AS_SHARE_SALT_LEN, err);
out:
    as_secret_free(p);
    as_secret_free(q);
    as_wipe(cm, sizeof cm);
    return rc;
}

/* ---------------------------------------------------------------- QR codes */

unsigned as_share_qr_parts(size_t len)
{
    size_t parts = (len + AS_SHARE_QR_CHUNK - 1) / AS_SHARE_QR_CHUNK;
    return parts == 0 || parts > AS_SHARE_QR_MAX_PARTS ? 0 : (unsigned)parts;
}

int as_share_qr_payload(const as_share *s, const uint8_t *text, size_t len, unsigned part,
                        as_buf *out, as_error *err)
{
    unsigned parts = as_share_qr_parts(len);
    if (parts == 0 || part == 0 || part > parts)
        return as_fail(err, AS_ERR_INTERNAL, "QR part %u of a %zu-byte share", part, len);
    /* equal slices, so every code of a share has the same size */
    size_t slice = (len + parts - 1) / parts, off = (part - 1) * slice;
    size_t take = len - off < slice ? len - off : slice;
    char split[2 * AS_SHARE_SPLIT_LEN + 1];
    as_hex_encode(split, s->split, AS_SHARE_SPLIT_LEN);
    if (as_buf_printf(out, err, QR_MAGIC " v1 %s %u %u %u\n", split, s->index, part, parts))
        return -1;
    return as_buf_append(out, text + off, take, err);
}

void as_share_qr_set_init(as_share_qr_set *set)
{
    memset(set, 0, sizeof *set);
}

void as_share_qr_set_free(as_share_qr_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        for (unsigned p = 0; p < AS_SHARE_QR_MAX_PARTS; p++)
            as_buf_free(&set->g[i].chunk[p]);
    free(set->g);
    memset(set, 0, sizeof *set);
}

/* Parses a code's header line: "airseal-share-qr v1 <split> <index> <part> <parts>". */
static int qr_header(as_cursor *c, uint8_t split[AS_SHARE_SPLIT_LEN], unsigned *index,
                     unsigned *part, unsigned *parts, as_error *err)
{
    as_span line, t[6];
    as_cursor lc;
    uint64_t v[3];
    if (as_cursor_line_span(c, &line, 128) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal share code (no header line)");
    as_span_cursor(line, &lc);
    for (int i = 0; i < 6; i++)
        if (as_cursor_token(&lc, &t[i]) != 0)
            return as_fail(err, AS_ERR_FORMAT, "not an airseal share code (short header)");
    if (as_cursor_end(&lc) != 0 || !as_span_eq(t[0], QR_MAGIC) || !as_span_eq(t[1], "v1") ||
        lower_hex(t[2], split, AS_SHARE_SPLIT_LEN) != 0 ||
        as_span_u64(t[3], 255, false, &v[0]) != 0 ||
        as_span_u64(t[4], AS_SHARE_QR_MAX_PARTS, false, &v[1]) != 0 ||
        as_span_u64(t[5], AS_SHARE_QR_MAX_PARTS, false, &v[2]) != 0 || v[1] > v[2])
        return as_fail(err, AS_ERR_FORMAT, "not an airseal share code (bad header)");
    *index = (unsigned)v[0];
    *part = (unsigned)v[1];
    *parts = (unsigned)v[2];
    return 0;
}

/* The group of (split, index), made when new; NULL with err set past the cap. */
static as_share_qr_group *qr_group(as_share_qr_set *set, const uint8_t *split, unsigned index,
                                   unsigned parts, as_error *err)
{
    for (size_t i = 0; i < set->n; i++) {
        as_share_qr_group *g = &set->g[i];
        if (g->index != index || memcmp(g->split, split, AS_SHARE_SPLIT_LEN) != 0)
            continue;
        if (g->parts != parts) {
            as_fail(err, AS_ERR_REJECTED,
                    "QR codes of share index %u disagree on their count "
                    "(%u and %u)",
                    index, g->parts, parts);
            return NULL;
        }
        return g;
    }
    if (set->n >= AS_SHARE_QR_MAX_SHARES) {
        as_fail(err, AS_ERR_LIMIT, "QR codes of more than %d shares", AS_SHARE_QR_MAX_SHARES);
        return NULL;
    }
    as_share_qr_group *g = realloc(set->g, (set->n + 1) * sizeof *g);
    if (g == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    set->g = g;
    g = &set->g[set->n++];
    memset(g, 0, sizeof *g);
    memcpy(g->split, split, AS_SHARE_SPLIT_LEN);
    g->index = index;
    g->parts = parts;
    for (unsigned p = 0; p < AS_SHARE_QR_MAX_PARTS; p++)
        as_buf_init_secret(&g->chunk[p], AS_SHARE_QR_CHUNK);
    return g;
}

int as_share_qr_add(as_share_qr_set *set, const uint8_t *payload, size_t len, as_error *err)
{
    uint8_t split[AS_SHARE_SPLIT_LEN];
    unsigned index = 0, part = 0, parts = 0;
    as_cursor c;
    as_cursor_init(&c, payload, len);
    if (qr_header(&c, split, &index, &part, &parts, err) != 0)
        return -1;
    size_t n = as_cursor_left(&c);
    const uint8_t *body = payload + c.off;
    if (n == 0 || n > AS_SHARE_QR_CHUNK)
        return as_fail(err, AS_ERR_FORMAT, "share code %u of %u (index %u): %zu bytes of text",
                       part, parts, index, n);
    as_share_qr_group *g = qr_group(set, split, index, parts, err);
    if (g == NULL)
        return -1;
    as_buf *ch = &g->chunk[part - 1];
    if (ch->len > 0) {
        if (ch->len == n && memcmp(ch->data, body, n) == 0)
            return 0; /* the same code read again */
        return as_fail(err, AS_ERR_REJECTED,
                       "two different QR codes claim to be part %u of %u of share index %u", part,
                       parts, index);
    }
    return as_buf_append(ch, body, n, err);
}

int as_share_qr_text(const as_share_qr_set *set, size_t i, as_buf *out, as_error *err)
{
    const as_share_qr_group *g = &set->g[i];
    char missing[3 * AS_SHARE_QR_MAX_PARTS + 1] = "";
    size_t used = 0;
    for (unsigned p = 0; p < g->parts; p++)
        if (g->chunk[p].len == 0)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%u", used ? "," : "",
                                     p + 1);
    if (used > 0)
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "share index %u: QR code(s) %s of %u not read (photograph every code "
                       "of the share)",
                       g->index, missing, g->parts);
    for (unsigned p = 0; p < g->parts; p++)
        if (as_buf_append(out, g->chunk[p].data, g->chunk[p].len, err) != 0)
            return -1;
    return 0;
}

/* custody.c: the signed, hash-chained custody log; see custody.h. */
#include "custody.h"

#include <stdlib.h>
#include <string.h>

#include "../core/base64.h"
#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/sha256.h"

#define SIG_RAW_LEN (2 + AS_MINI_KEYNUM_LEN + crypto_sign_BYTES)

const char *as_log_get(const as_log_entry *e, const char *key)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].key, key) == 0)
            return e->fields[i].value;
    return NULL;
}

static bool event_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= AS_LOG_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* Splits the next space-separated token off [*p, end). */
static int token(const char **p, const char *end, const char **tok, size_t *n)
{
    if (*p >= end)
        return -1;
    const char *sp = memchr(*p, ' ', (size_t)(end - *p));
    const char *stop = sp ? sp : end;
    *tok = *p;
    *n = (size_t)(stop - *p);
    *p = sp ? sp + 1 : end;
    return *n == 0 ? -1 : 0;
}

/* Parses and checks one line; prev is the previous line's hash. */
static int check_line(const char *line, size_t n, uint64_t want_seq, const uint8_t prev[32],
                      const as_mini_pubkey *station, as_log_entry *e, as_error *err)
{
    const char *p = line, *end = line + n, *t;
    size_t tn;
    memset(e, 0, sizeof *e);
#define BAD(...) as_fail(err, AS_ERR_REJECTED, __VA_ARGS__)
    if (token(&p, end, &t, &tn) != 0 || as_parse_u64(t, tn, UINT64_MAX, false, &e->seq) != 0)
        return BAD("malformed sequence number");
    if (e->seq != want_seq)
        return BAD("sequence number %llu, expected %llu (entry missing, duplicated or moved)",
                   (unsigned long long)e->seq, (unsigned long long)want_seq);
    time_t when;
    if (token(&p, end, &t, &tn) != 0 || as_time_parse_utc(t, tn, &when) != 0)
        return BAD("malformed time");
    memcpy(e->time, t, 20);
    if (token(&p, end, &t, &tn) != 0 || !event_name_ok(t, tn))
        return BAD("malformed event name");
    memcpy(e->event, t, tn);
    const char *sig_tok = NULL, *prev_tok = NULL;
    size_t sig_n = 0, prev_n = 0;
    while (p < end) {
        if (token(&p, end, &t, &tn) != 0)
            return BAD("malformed field (empty token)");
        const char *eq = memchr(t, '=', tn);
        if (eq == NULL || eq == t)
            return BAD("malformed field");
        size_t kn = (size_t)(eq - t), vn = tn - kn - 1;
        if (sig_tok != NULL)
            return BAD("data after the signature");
        if (kn == 3 && memcmp(t, "sig", 3) == 0) {
            sig_tok = eq + 1;
            sig_n = vn;
            continue;
        }
        if (prev_tok != NULL)
            return BAD("field after prev=");
        if (kn == 4 && memcmp(t, "prev", 4) == 0) {
            prev_tok = eq + 1;
            prev_n = vn;
            continue;
        }
        if (e->nfields == AS_LOG_MAX_FIELDS || !event_name_ok(t, kn))
            return BAD("too many or malformed field names");
        memcpy(e->fields[e->nfields].key, t, kn);
        if (as_pct_decode(e->fields[e->nfields].value, AS_LOG_VALUE_MAX, eq + 1, vn) < 0)
            return BAD("malformed value of field %.*s", (int)kn, t);
        e->nfields++;
    }
    uint8_t got_prev[32];
    if (prev_tok == NULL || as_hex_decode(got_prev, 32, prev_tok, prev_n) != 0)
        return BAD("missing or malformed prev=");
    if (!as_equal_ct(got_prev, prev, 32))
        return BAD("prev= does not match the previous entry (chain broken)");
    uint8_t raw[SIG_RAW_LEN];
    if (sig_tok == NULL ||
        as_b64_decode_exact(raw, sizeof raw, sig_tok, sig_n, AS_B64_PADDED) != 0 ||
        memcmp(raw, "ED", 2) != 0)
        return BAD("missing or malformed sig=");
    as_mini_sig s;
    memset(&s, 0, sizeof s);
    memcpy(s.alg, raw, 2);
    memcpy(s.keynum, raw + 2, AS_MINI_KEYNUM_LEN);
    memcpy(s.sig, raw + 2 + AS_MINI_KEYNUM_LEN, crypto_sign_BYTES);
    if (sodium_memcmp(s.keynum, station->keynum, AS_MINI_KEYNUM_LEN) != 0)
        return BAD("signed by another key than the station's");
    uint8_t h[AS_MINI_PREHASH_LEN];
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, line, (size_t)(sig_tok - 5 - line));
    as_mini_prehash_final(&ph, h);
    if (crypto_sign_verify_detached(s.sig, h, sizeof h, station->pk) != 0)
        return BAD("signature does not verify (entry modified)");
#undef BAD
    as_sha256(e->line_hash, line, n);
    return 0;
}

int as_custody_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                      as_log_visit visit, void *ctx, uint64_t *count, as_error *err)
{
    as_cursor c;
    uint8_t prev[32] = {0};
    uint64_t seq = 0;
    int rc = -1;
    as_log_entry *e = malloc(sizeof *e);
    if (e == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_cursor_init(&c, data, len);
    while (as_cursor_left(&c) > 0) {
        const char *line;
        size_t n;
        seq++;
        if (as_cursor_line(&c, &line, &n, AS_LOG_LINE_MAX) != 0) {
            as_fail(err, AS_ERR_REJECTED,
                    "custody log entry %llu (line %llu): unterminated or too long",
                    (unsigned long long)seq, (unsigned long long)seq);
            goto out;
        }
        if (check_line(line, n, seq, prev, station, e, err) != 0) {
            as_error_prefix(err, "custody log entry %llu (line %llu): ", (unsigned long long)seq,
                            (unsigned long long)seq);
            goto out;
        }
        memcpy(prev, e->line_hash, 32);
        if (visit != NULL && visit(e, ctx, err) != 0)
            goto out;
    }
    if (seq == 0) {
        as_fail(err, AS_ERR_REJECTED, "custody log is empty (the init entry is missing)");
        goto out;
    }
    if (count != NULL)
        *count = seq;
    rc = 0;
out:
    free(e);
    return rc;
}

int as_custody_verify_file(const char *path, const as_mini_pubkey *station, as_log_visit visit,
                           void *ctx, uint64_t *count, as_error *err)
{
    uint8_t *data;
    size_t len;
    if (as_file_read_all_flags(path, AS_LOG_FILE_MAX, AS_FILE_NOFOLLOW, &data, &len, err) != 0)
        return -1;
    int rc = as_custody_verify(data, len, station, visit, ctx, count, err);
    free(data);
    return rc;
}

int as_custody_append(const char *path, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, int create,
                      uint64_t *seq_out, as_error *err)
{
    uint8_t *old = NULL;
    size_t oldlen = 0;
    uint64_t count = 0;
    uint8_t prev[32] = {0};
    as_mini_pubkey pk;
    as_buf b;
    int rc = -1;
    as_buf_init(&b, AS_LOG_FILE_MAX);
    as_mini_seckey_public(sk, &pk);
    if (!event_name_ok(event, strlen(event)) || nfields > AS_LOG_MAX_FIELDS)
        return as_fail(err, AS_ERR_INTERNAL, "bad custody log event");
    if (!create) {
        if (as_file_read_all_flags(path, AS_LOG_FILE_MAX, AS_FILE_NOFOLLOW, &old, &oldlen, err) !=
            0)
            goto out;
        if (as_custody_verify(old, oldlen, &pk, NULL, NULL, &count, err) != 0) {
            as_error_prefix(err, "refusing to extend a damaged log: ");
            goto out;
        }
        /* the last line's hash */
        size_t start = oldlen - 1;
        while (start > 0 && old[start - 1] != '\n')
            start--;
        as_sha256(prev, old + start, oldlen - 1 - start);
        if (as_buf_append(&b, old, oldlen, err) != 0)
            goto out;
    }
    size_t line_start = b.len;
    char t[21], hex[65];
    as_time_utc(t, when);
    if (as_buf_printf(&b, err, "%llu %s %s", (unsigned long long)(count + 1), t, event) != 0)
        goto out;
    for (size_t i = 0; i < nfields; i++) {
        if (!event_name_ok(fields[i].key, strlen(fields[i].key)) ||
            strlen(fields[i].value) >= AS_LOG_VALUE_MAX) {
            as_fail(err, AS_ERR_INTERNAL, "bad custody log field");
            goto out;
        }
        if (as_buf_printf(&b, err, " %s=", fields[i].key) != 0 ||
            as_pct_encode(&b, fields[i].value, strlen(fields[i].value), err) != 0)
            goto out;
    }
    as_hex_encode(hex, prev, 32);
    if (as_buf_printf(&b, err, " prev=%s", hex) != 0)
        goto out;
    uint8_t h[AS_MINI_PREHASH_LEN], raw[SIG_RAW_LEN];
    char b64[128];
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, b.data + line_start, b.len - line_start);
    as_mini_prehash_final(&ph, h);
    memcpy(raw, "ED", 2);
    memcpy(raw + 2, sk->keynum, AS_MINI_KEYNUM_LEN);
    crypto_sign_detached(raw + 2 + AS_MINI_KEYNUM_LEN, NULL, h, sizeof h, sk->sk);
    as_b64_encode(b64, raw, sizeof raw, AS_B64_PADDED);
    if (as_buf_printf(&b, err, " sig=%s\n", b64) != 0)
        goto out;
    if (b.len - line_start > AS_LOG_LINE_MAX) {
        as_fail(err, AS_ERR_INTERNAL, "custody log entry too long");
        goto out;
    }
    as_fault_point("custody:before-write");
    if (create ? as_file_create_excl(path, b.data, b.len, 0600, err)
               : as_file_write_atomic(path, b.data, b.len, 0600, err))
        goto out;
    as_fault_point("custody:after-write");
    if (seq_out != NULL)
        *seq_out = count + 1;
    rc = 0;
out:
    free(old);
    as_buf_free(&b);
    return rc;
}

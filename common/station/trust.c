/* trust.c: the trust store file; see trust.h. */
#include "trust.h"

#include <stdlib.h>
#include <string.h>

#include "../bundle/manifest.h"
#include "../core/file.h"
#include "../core/text.h"

#define HEADER "# airseal trust store v1"
#define LINE_MAX_TRUST 512 /* bytes of a line, without its LF */

void as_trust_free(as_trust_store *ts)
{
    free(ts->v);
    ts->v = NULL;
    ts->n = 0;
}

int as_trust_label_check(const char *label, as_error *err)
{
    size_t n = strlen(label);
    if (n == 0 || n > AS_TRUST_LABEL_MAX)
        return as_fail(err, AS_ERR_USAGE, "a label must be 1 to %d bytes", AS_TRUST_LABEL_MAX);
    as_field_verdict v = as_field_judge(AS_FIELD_LABEL, label, n);
    if (v == AS_FIELD_UNPRINTABLE)
        return as_fail(err, AS_ERR_USAGE, "a label must be printable UTF-8 on one line");
    if (v == AS_FIELD_HIDDEN)
        return as_fail(err, AS_ERR_USAGE,
                       "a label must not contain direction or invisible characters: %s", label);
    if (label[0] == ' ' || label[n - 1] == ' ')
        return as_fail(err, AS_ERR_USAGE, "a label must not start or end with a space");
    return 0;
}

const as_trust_entry *as_trust_find(const as_trust_store *ts,
                                    const uint8_t keynum[AS_MINI_KEYNUM_LEN])
{
    for (size_t i = 0; i < ts->n; i++)
        if (memcmp(ts->v[i].key.keynum, keynum, AS_MINI_KEYNUM_LEN) == 0)
            return &ts->v[i];
    return NULL;
}

int as_trust_add(as_trust_store *ts, const as_mini_pubkey *key, const char *label, as_error *err)
{
    const as_trust_entry *old = as_trust_find(ts, key->keynum);
    if (old != NULL) {
        char id[AS_MINI_KEYID_STR];
        as_mini_keyid(key->keynum, id);
        return as_fail(err, AS_ERR_EXISTS, "key %s is already trusted as \"%s\"", id, old->label);
    }
    if (as_trust_label_check(label, err) != 0)
        return -1;
    if (ts->n >= AS_TRUST_MAX_KEYS)
        return as_fail(err, AS_ERR_LIMIT, "the trust store holds %d keys already",
                       AS_TRUST_MAX_KEYS);
    as_trust_entry *v = realloc(ts->v, (ts->n + 1) * sizeof *v);
    if (v == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    ts->v = v;
    memset(&v[ts->n], 0, sizeof v[ts->n]);
    v[ts->n].key = *key;
    memcpy(v[ts->n].label, label, strlen(label) + 1);
    ts->n++;
    return 0;
}

int as_trust_remove(as_trust_store *ts, const uint8_t keynum[AS_MINI_KEYNUM_LEN],
                    as_trust_entry *removed, as_error *err)
{
    for (size_t i = 0; i < ts->n; i++) {
        if (memcmp(ts->v[i].key.keynum, keynum, AS_MINI_KEYNUM_LEN) == 0) {
            if (removed != NULL)
                *removed = ts->v[i];
            memmove(&ts->v[i], &ts->v[i + 1], (ts->n - i - 1) * sizeof ts->v[0]);
            ts->n--;
            return 0;
        }
    }
    char id[AS_MINI_KEYID_STR];
    as_mini_keyid(keynum, id);
    return as_fail(err, AS_ERR_USAGE, "key %s is not in the trust store", id);
}

/*
 * One entry line: "<KEYID> <minisign public key, base64> <label>", the label being the rest of
 * the line (it may hold spaces). Added to ts; the message names the line.
 */
static int parse_entry(as_trust_store *ts, as_span line, size_t lineno, as_error *err)
{
    as_cursor c;
    as_span id, b64, label;
    as_mini_pubkey key;
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    char text[AS_TRUST_LABEL_MAX + 1];
    as_span_cursor(line, &c);
    if (as_cursor_token(&c, &id) != 0 || id.n != 2 * AS_MINI_KEYNUM_LEN ||
        as_cursor_token(&c, &b64) != 0 || b64.n != AS_MINI_PUBKEY_B64_LEN ||
        as_cursor_left(&c) == 0)
        return as_fail(err, AS_ERR_FORMAT, "trust store line %zu is malformed", lineno);
    label = (as_span){(const char *)c.data + c.off, as_cursor_left(&c)};
    if (as_mini_keyid_parse(keynum, id.p, id.n) != 0 ||
        as_mini_pubkey_parse_b64(&key, b64.p, b64.n, err) != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_FORMAT, "trust store line %zu has a malformed key", lineno);
    }
    if (memcmp(keynum, key.keynum, AS_MINI_KEYNUM_LEN) != 0)
        return as_fail(err, AS_ERR_FORMAT, "trust store line %zu: key id does not match the key",
                       lineno);
    if (label.n > AS_TRUST_LABEL_MAX)
        return as_fail(err, AS_ERR_FORMAT, "trust store line %zu: label too long", lineno);
    if (as_span_str(label, text, sizeof text) != 0 || as_trust_add(ts, &key, text, err) != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_FORMAT, "trust store line %zu: bad label or duplicate key",
                       lineno);
    }
    return 0;
}

int as_trust_parse(as_trust_store *ts, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    size_t lineno = 1;
    ts->v = NULL;
    ts->n = 0;
    as_cursor_init(&c, data, len);
    if (len == 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal trust store (empty file)");
    if (as_cursor_expect(&c, HEADER "\n", strlen(HEADER) + 1) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal trust store (bad first line)");
    while (as_cursor_left(&c) > 0) {
        as_span line;
        lineno++;
        if (as_cursor_line_span(&c, &line, LINE_MAX_TRUST) != 0) {
            as_fail(err, AS_ERR_FORMAT, "trust store line %zu is too long or unterminated", lineno);
            goto fail;
        }
        /* blank lines and comments */
        if (line.n == 0 || line.p[0] == '#')
            continue;
        if (parse_entry(ts, line, lineno, err) != 0)
            goto fail;
    }
    return 0;
fail:
    as_trust_free(ts);
    return -1;
}

int as_trust_load(as_trust_store *ts, const char *path, as_error *err)
{
    uint8_t *data;
    size_t len;
    if (as_file_read_all_flags(path, 4u << 20, AS_FILE_NOFOLLOW, &data, &len, err) != 0)
        return -1;
    int rc = as_trust_parse(ts, data, len, err);
    if (rc != 0)
        as_error_prefix(err, "%s: ", path);
    free(data);
    return rc;
}

int as_trust_save(const as_trust_store *ts, const char *path, as_error *err)
{
    as_buf b;
    as_buf_init(&b, 8u << 20);
    int rc = as_buf_puts(&b, HEADER "\n# <key id> <minisign public key> <label>\n", err);
    for (size_t i = 0; rc == 0 && i < ts->n; i++) {
        char id[AS_MINI_KEYID_STR], b64[AS_MINI_PUBKEY_B64_LEN + 1];
        as_mini_keyid(ts->v[i].key.keynum, id);
        as_mini_pubkey_b64(&ts->v[i].key, b64);
        rc = as_buf_printf(&b, err, "%s %s %s\n", id, b64, ts->v[i].label);
    }
    if (rc == 0)
        rc = as_file_write_atomic(path, b.data, b.len, 0600, err);
    as_buf_free(&b);
    return rc;
}

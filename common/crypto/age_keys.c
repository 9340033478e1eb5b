/* age_keys.c: age X25519 keys and identity files; see age_keys.h. */
#include "age_keys.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/file.h"
#include "../core/secret.h"
#include "../core/text.h"

#define RECIPIENT_HRP "age"
#define IDENTITY_HRP "AGE-SECRET-KEY-"
#define MAX_IDENTITIES 64

int as_age_recipient_parse(as_age_recipient *out, const char *s, size_t len, as_error *err)
{
    char hrp[16];
    uint8_t data[40];
    if (len > 200)
        return as_fail(err, AS_ERR_FORMAT, "recipient is too long to be an age1... key");
    long n = as_bech32_decode(hrp, sizeof hrp, data, sizeof data, s, len);
    if (n < 0 || strcmp(hrp, RECIPIENT_HRP) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not a valid age recipient (expected age1...)");
    if (n != AS_AGE_KEY_LEN)
        return as_fail(err, AS_ERR_FORMAT, "age recipient has %ld bytes, expected 32", n);
    /* Reject keys that collapse the shared secret, checked with a random scalar. */
    uint8_t probe[32], ss[32];
    randombytes_buf(probe, sizeof probe);
    int low = crypto_scalarmult(ss, probe, data) != 0;
    as_wipe(probe, sizeof probe);
    as_wipe(ss, sizeof ss);
    if (low)
        return as_fail(err, AS_ERR_FORMAT, "age recipient is a low-order point and cannot be used");
    memcpy(out->pk, data, AS_AGE_KEY_LEN);
    return 0;
}

void as_age_recipient_format(const as_age_recipient *r, char out[AS_AGE_RECIPIENT_STR_MAX])
{
    as_bech32_encode(out, AS_AGE_RECIPIENT_STR_MAX, RECIPIENT_HRP, r->pk, AS_AGE_KEY_LEN, 0);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int as_age_recipient_from_arg(as_age_recipient *out, const char *arg, as_error *err)
{
    if (strncmp(arg, "age1", 4) == 0)
        return as_age_recipient_parse(out, arg, strlen(arg), err);
    uint8_t *data = NULL;
    size_t len = 0;
    if (as_file_read_all(arg, 64 * 1024, &data, &len, err) != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_USAGE,
                       "recipient '%s' is neither an age1... key nor a readable file", arg);
    }
    as_cursor c;
    as_cursor_init(&c, data, len);
    int found = 0, rc = -1;
    while (as_cursor_left(&c) > 0) {
        const char *line;
        size_t n;
        if (as_cursor_line(&c, &line, &n, 4096) != 0) {
            line = (const char *)c.data + c.off; /* last line without '\n' */
            n = as_cursor_left(&c);
            as_cursor_skip(&c, n);
        }
        while (n > 0 && is_space(line[n - 1]))
            n--;
        while (n > 0 && is_space(line[0])) {
            line++;
            n--;
        }
        if (n == 0 || line[0] == '#')
            continue;
        if (found) {
            as_fail(err, AS_ERR_FORMAT, "%s: holds more than one recipient; give one per -r", arg);
            goto out;
        }
        if (as_age_recipient_parse(out, line, n, err) != 0) {
            as_error_prefix(err, "%s: ", arg);
            goto out;
        }
        found = 1;
    }
    if (!found) {
        as_fail(err, AS_ERR_FORMAT, "%s: no age1... recipient in the file", arg);
        goto out;
    }
    rc = 0;
out:
    free(data);
    return rc;
}

as_age_identity *as_age_identity_generate(as_error *err)
{
    as_age_identity *id = as_secret_alloc(sizeof *id, err);
    if (id == NULL)
        return NULL;
    randombytes_buf(id->sk, sizeof id->sk);
    crypto_scalarmult_base(id->pk, id->sk);
    return id;
}

as_age_identity *as_age_identity_parse(const char *s, size_t len, as_error *err)
{
    if (len >= 19 && memcmp(s, "AGE-SECRET-KEY-PQ-1", 19) == 0) {
        as_fail(err, AS_ERR_FORMAT, "post-quantum age identities are not supported");
        return NULL;
    }
    char hrp[32];
    as_age_identity *id = as_secret_alloc(sizeof *id, err);
    if (id == NULL)
        return NULL;
    uint8_t *data = as_secret_alloc(48, err);
    if (data == NULL) {
        as_secret_free(id);
        return NULL;
    }
    long n = len > 200 ? -1 : as_bech32_decode(hrp, sizeof hrp, data, 48, s, len);
    if (n != AS_AGE_KEY_LEN || strcmp(hrp, IDENTITY_HRP) != 0) {
        as_fail(err, AS_ERR_FORMAT, "not a valid age identity (expected AGE-SECRET-KEY-1...)");
        as_secret_free(data);
        as_secret_free(id);
        return NULL;
    }
    memcpy(id->sk, data, AS_AGE_KEY_LEN);
    as_secret_free(data);
    crypto_scalarmult_base(id->pk, id->sk);
    return id;
}

void as_age_identity_format(const as_age_identity *id, char *out)
{
    as_bech32_encode(out, AS_AGE_IDENTITY_STR_MAX, IDENTITY_HRP, id->sk, AS_AGE_KEY_LEN, 1);
}

void as_age_identity_recipient(const as_age_identity *id, as_age_recipient *out)
{
    memcpy(out->pk, id->pk, AS_AGE_KEY_LEN);
}

void as_age_identity_free(as_age_identity *id)
{
    as_secret_free(id);
}

void as_age_identity_list_free(as_age_identity_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        as_age_identity_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int as_age_identity_file_parse(as_age_identity_list *out, const uint8_t *data, size_t len,
                               as_error *err)
{
    as_cursor c;
    as_cursor_init(&c, data, len);
    out->v = NULL;
    out->n = 0;
    size_t lineno = 0;
    while (as_cursor_left(&c) > 0) {
        const char *line;
        size_t n;
        lineno++;
        if (as_cursor_line(&c, &line, &n, 4096) != 0) {
            n = as_cursor_left(&c);
            if (n > 4096)
                goto too_long;
            line = (const char *)c.data + c.off;
            as_cursor_skip(&c, n);
        }
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        if (out->n == MAX_IDENTITIES) {
            as_fail(err, AS_ERR_LIMIT, "identity file holds more than %d identities",
                    MAX_IDENTITIES);
            goto fail;
        }
        as_age_identity *id = as_age_identity_parse(line, n, err);
        if (id == NULL) {
            as_error_prefix(err, "line %zu: ", lineno);
            goto fail;
        }
        as_age_identity **v = realloc(out->v, (out->n + 1) * sizeof *v);
        if (v == NULL) {
            as_age_identity_free(id);
            as_fail(err, AS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        out->v = v;
        out->v[out->n++] = id;
    }
    if (out->n == 0) {
        as_fail(err, AS_ERR_FORMAT, "no AGE-SECRET-KEY-1 identity in the file");
        goto fail;
    }
    return 0;
too_long:
    as_fail(err, AS_ERR_FORMAT, "line %zu is too long for an identity file", lineno);
fail:
    as_age_identity_list_free(out);
    return -1;
}

int as_age_identity_file_format(as_buf *out, const as_age_identity *id, time_t created,
                                as_error *err)
{
    char when[21], rcpt[AS_AGE_RECIPIENT_STR_MAX];
    as_age_recipient r;
    as_time_utc(when, created);
    as_age_identity_recipient(id, &r);
    as_age_recipient_format(&r, rcpt);
    char *secret = as_secret_alloc(AS_AGE_IDENTITY_STR_MAX, err);
    if (secret == NULL)
        return -1;
    as_age_identity_format(id, secret);
    int rc = as_buf_printf(out, err, "# created: %s\n# public key: %s\n%s\n", when, rcpt, secret);
    as_secret_free(secret);
    return rc;
}

/* ------------------------------------------------------------ post-quantum hybrid keys */

#define PQ_RECIPIENT_HRP "age1pq"
#define PQ_IDENTITY_HRP "AGE-SECRET-KEY-PQ-"

int as_age_pq_recipient_parse(as_age_pq_recipient *out, const char *s, size_t len, as_error *err)
{
    char hrp[16];
    uint8_t pk[AS_XWING_PK_LEN + 8];
    as_error why = {0};
    if (len >= AS_AGE_PQ_RECIPIENT_STR_MAX)
        return as_fail(err, AS_ERR_FORMAT, "recipient is too long to be an age1pq1... key");
    long n = as_bech32_decode(hrp, sizeof hrp, pk, sizeof pk, s, len);
    if (n < 0 || strcmp(hrp, PQ_RECIPIENT_HRP) != 0)
        return as_fail(err, AS_ERR_FORMAT,
                       "not a valid age hybrid recipient (expected age1pq1...)");
    if (n != AS_XWING_PK_LEN)
        return as_fail(err, AS_ERR_FORMAT, "age hybrid recipient has %ld bytes, expected %d", n,
                       AS_XWING_PK_LEN);
    /* Encapsulating once checks both halves: the modulus check and a low-order X25519 part. */
    uint8_t *scratch = as_secret_alloc(AS_XWING_CT_LEN + AS_XWING_SS_LEN, err);
    if (scratch == NULL)
        return -1;
    int rc = as_xwing_encaps(scratch, scratch + AS_XWING_CT_LEN, pk, &why);
    as_secret_free(scratch);
    if (rc != 0)
        return as_fail(err, why.code == AS_ERR_KEY ? AS_ERR_FORMAT : why.code,
                       "age hybrid recipient cannot be used: %s", why.msg);
    memcpy(out->pk, pk, AS_XWING_PK_LEN);
    return 0;
}

void as_age_pq_recipient_format(const as_age_pq_recipient *r, char out[AS_AGE_PQ_RECIPIENT_STR_MAX])
{
    as_bech32_encode(out, AS_AGE_PQ_RECIPIENT_STR_MAX, PQ_RECIPIENT_HRP, r->pk, AS_XWING_PK_LEN, 0);
}

as_age_pq_identity *as_age_pq_identity_generate(as_error *err)
{
    as_age_pq_identity *id = as_secret_alloc(sizeof *id, err);
    if (id == NULL)
        return NULL;
    randombytes_buf(id->seed, sizeof id->seed);
    if (as_xwing_public_key(id->pk, id->seed, err) != 0) {
        as_secret_free(id);
        return NULL;
    }
    return id;
}

as_age_pq_identity *as_age_pq_identity_parse(const char *s, size_t len, as_error *err)
{
    char hrp[32];
    as_age_pq_identity *id = as_secret_alloc(sizeof *id, err);
    uint8_t *data = as_secret_alloc(48, err);
    if (id == NULL || data == NULL)
        goto fail;
    long n = len > 200 ? -1 : as_bech32_decode(hrp, sizeof hrp, data, 48, s, len);
    if (n != AS_XWING_SK_LEN || strcmp(hrp, PQ_IDENTITY_HRP) != 0) {
        as_fail(err, AS_ERR_FORMAT,
                "not a valid age hybrid identity (expected AGE-SECRET-KEY-PQ-1...)");
        goto fail;
    }
    memcpy(id->seed, data, AS_XWING_SK_LEN);
    if (as_xwing_public_key(id->pk, id->seed, err) != 0)
        goto fail;
    as_secret_free(data);
    return id;
fail:
    as_secret_free(data);
    as_secret_free(id);
    return NULL;
}

void as_age_pq_identity_format(const as_age_pq_identity *id, char *out)
{
    as_bech32_encode(out, AS_AGE_PQ_IDENTITY_STR_MAX, PQ_IDENTITY_HRP, id->seed, AS_XWING_SK_LEN,
                     1);
}

void as_age_pq_identity_recipient(const as_age_pq_identity *id, as_age_pq_recipient *out)
{
    memcpy(out->pk, id->pk, AS_XWING_PK_LEN);
}

void as_age_pq_identity_free(as_age_pq_identity *id)
{
    as_secret_free(id);
}

/* ------------------------------------------------ hybrid identity files (station, interop) */

int as_age_pq_identity_file_format(as_buf *out, const as_age_pq_identity *id, time_t created,
                                   as_error *err)
{
    char when[21];
    as_age_pq_recipient r;
    as_time_utc(when, created);
    as_age_pq_identity_recipient(id, &r);
    char *rcpt = malloc(AS_AGE_PQ_RECIPIENT_STR_MAX);
    char *secret = rcpt ? as_secret_alloc(AS_AGE_PQ_IDENTITY_STR_MAX, err) : NULL;
    if (secret == NULL) {
        free(rcpt);
        return rcpt ? -1 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    as_age_pq_recipient_format(&r, rcpt);
    as_age_pq_identity_format(id, secret);
    int rc = as_buf_printf(out, err, "# created: %s\n# public key: %s\n%s\n", when, rcpt, secret);
    as_secret_free(secret);
    free(rcpt);
    return rc;
}

as_age_pq_identity *as_age_pq_identity_file_parse(const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    as_cursor_init(&c, data, len);
    as_age_pq_identity *id = NULL;
    size_t lineno = 0;
    while (as_cursor_left(&c) > 0) {
        const char *line;
        size_t n;
        lineno++;
        /* The public key comment is the longest line: about 1,975 bytes. */
        if (as_cursor_line(&c, &line, &n, 4096) != 0) {
            n = as_cursor_left(&c);
            line = (const char *)c.data + c.off;
            as_cursor_skip(&c, n);
        }
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        if (id != NULL) {
            as_age_pq_identity_free(id);
            as_fail(err, AS_ERR_FORMAT, "line %zu: a second identity (expected exactly one)",
                    lineno);
            return NULL;
        }
        id = as_age_pq_identity_parse(line, n, err);
        if (id == NULL) {
            as_error_prefix(err, "line %zu: ", lineno);
            return NULL;
        }
    }
    if (id == NULL)
        as_fail(err, AS_ERR_FORMAT, "no AGE-SECRET-KEY-PQ-1 identity in the file");
    return id;
}

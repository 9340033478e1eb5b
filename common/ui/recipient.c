/* recipient.c: -r arguments: age1 strings, recipient files, recipient QR images. */
#include "recipient.h"

#include <stdlib.h>
#include <string.h>

#include "../core/bytes.h"
#include "../core/file.h"
#include "../image/qr.h"

/* Room for the longest recipient (age1pq1..., 1959 characters) and a line end. */
#define SYMBOL_MAX (AS_AGE_PQ_RECIPIENT_STR_MAX + 8)

typedef struct first_symbol {
    char text[SYMBOL_MAX];
    size_t n;
    int found;
} first_symbol;

static int keep_first(void *ctx, const uint8_t *data, size_t len)
{
    first_symbol *f = ctx;
    if (f->found++ == 0 && len < sizeof f->text) {
        memcpy(f->text, data, len);
        f->n = len;
    }
    return 0;
}

bool as_recipient_arg_is_image(const char *arg)
{
    size_t n = strlen(arg);
    return n > 4 && (strcmp(arg + n - 4, ".png") == 0 || strcmp(arg + n - 4, ".jpg") == 0 ||
                     strcmp(arg + n - 4, ".PNG") == 0 || strcmp(arg + n - 4, ".JPG") == 0 ||
                     (n > 5 && strcmp(arg + n - 5, ".jpeg") == 0));
}

static bool has_prefix_nocase(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != prefix[i])
            return false;
    }
    return true;
}

int as_recipient_key_parse(as_recipient_key *out, const char *s, size_t len, as_error *err)
{
    char low[SYMBOL_MAX];
    bool lower = false, upper = false;
    if (len >= sizeof low)
        return as_fail(err, AS_ERR_FORMAT, "not an age recipient: %zu characters is too long", len);
    for (size_t i = 0; i < len; i++) {
        lower |= s[i] >= 'a' && s[i] <= 'z';
        upper |= s[i] >= 'A' && s[i] <= 'Z';
        low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    low[len] = '\0';
    /* Bech32 (BIP 173) is one case or the other, never both; age's decoder agrees. */
    const char *text = upper && !lower ? low : s;
    memset(out, 0, sizeof *out);
    if (has_prefix_nocase(s, len, "age1pq1")) {
        out->kind = AS_RCPT_PQ;
        return as_age_pq_recipient_parse(&out->pq, text, len, err);
    }
    out->kind = AS_RCPT_X25519;
    return as_age_recipient_parse(&out->x25519, text, len, err);
}

static int from_image(as_recipient_key *out, const char *arg, as_error *err)
{
    as_image img;
    first_symbol *f = calloc(1, sizeof *f);
    if (f == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    int rc = -1;
    if (as_image_load(&img, arg, err) != 0 || as_qr_decode_photo(&img, keep_first, f, err) < 0)
        goto out;
    if (f->found != 1 || f->n == 0) {
        as_fail(err, AS_ERR_USAGE, "%s: expected one QR code with an age1... recipient, found %d",
                arg, f->found);
        goto out;
    }
    while (f->n > 0 && (f->text[f->n - 1] == '\n' || f->text[f->n - 1] == '\r'))
        f->n--;
    rc = as_recipient_key_parse(out, f->text, f->n, err);
    if (rc != 0)
        as_error_prefix(err, "%s: ", arg);
out:
    free(f);
    return rc;
}

/* The one non-comment line of a recipient file, trimmed; 0 found, -1 with err set. */
static int file_line(const uint8_t *data, size_t len, const char *arg, const char **out,
                     size_t *outn, as_error *err)
{
    as_cursor c;
    as_cursor_init(&c, data, len);
    *out = NULL;
    while (as_cursor_left(&c) > 0) {
        const char *line;
        size_t n;
        if (as_cursor_line(&c, &line, &n, 4096) != 0) {
            line = (const char *)c.data + c.off; /* last line without '\n' */
            n = as_cursor_left(&c);
            as_cursor_skip(&c, n);
        }
        while (n > 0 && strchr(" \t\r", line[n - 1]) != NULL)
            n--;
        while (n > 0 && strchr(" \t\r", line[0]) != NULL) {
            line++;
            n--;
        }
        if (n == 0 || line[0] == '#')
            continue;
        if (*out != NULL)
            return as_fail(err, AS_ERR_FORMAT, "%s: holds more than one recipient; give one per -r",
                           arg);
        *out = line;
        *outn = n;
    }
    if (*out == NULL)
        return as_fail(err, AS_ERR_FORMAT, "%s: no age1... recipient in the file", arg);
    return 0;
}

static int from_file(as_recipient_key *out, const char *arg, as_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (as_file_read_all(arg, 64 * 1024, &data, &len, err) != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_USAGE,
                       "recipient '%s' is neither an age1... key nor a readable file", arg);
    }
    const char *line = NULL;
    size_t n = 0;
    int rc = file_line(data, len, arg, &line, &n, err);
    if (rc == 0 && (rc = as_recipient_key_parse(out, line, n, err)) != 0)
        as_error_prefix(err, "%s: ", arg);
    free(data);
    return rc;
}

int as_recipient_key_from_arg(as_recipient_key *out, const char *arg, as_error *err)
{
    if (as_recipient_arg_is_image(arg))
        return from_image(out, arg, err);
    if (has_prefix_nocase(arg, strlen(arg), "age1"))
        return as_recipient_key_parse(out, arg, strlen(arg), err);
    return from_file(out, arg, err);
}

int as_recipient_from_arg(as_age_recipient *out, const char *arg, as_error *err)
{
    as_recipient_key k;
    if (as_recipient_key_from_arg(&k, arg, err) != 0)
        return -1;
    if (k.kind != AS_RCPT_X25519)
        return as_fail(err, AS_ERR_USAGE,
                       "%s: a post-quantum age1pq1... recipient is not "
                       "accepted here",
                       arg);
    *out = k.x25519;
    return 0;
}

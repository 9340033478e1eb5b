/* error.c: one-line errors; see error.h. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

void as_error_clear(as_error *err)
{
    if (err == NULL)
        return;
    err->code = AS_OK;
    err->msg[0] = '\0';
}

/*
 * Formats the message and renders it with as_text_show(), the one way untrusted text is
 * shown: control, bidi and invisible characters in names and values become visible escapes
 * and a message stays one line. Formatting goes to a larger buffer first so the cut to the
 * message's size falls between two escapes, never inside one. fmt is always a caller's
 * literal, checked at the as_fail call sites (format attribute).
 */
__attribute__((format(printf, 3, 0))) static void vset(as_error *err, as_errcode code,
                                                       const char *fmt, va_list ap)
{
    char raw[4 * AS_ERROR_MSG_MAX];
    err->code = code;
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    if (n < 0)
        snprintf(raw, sizeof raw, "%s", as_errcode_name(code));
    as_text_show(err->msg, sizeof err->msg, raw, strlen(raw));
}

int as_fail(as_error *err, as_errcode code, const char *fmt, ...)
{
    if (err == NULL || err->code != AS_OK)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int as_fail_errno(as_error *err, as_errcode code, int errnum, const char *fmt, ...)
{
    if (err == NULL || err->code != AS_OK)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    const char *why = (errnum == ENOSPC || errnum == EDQUOT)
                          ? "disk full (free some space, then run the same command again)"
                          : strerror(errnum);
    size_t used = strlen(err->msg);
    if (used < sizeof err->msg - 1)
        snprintf(err->msg + used, sizeof err->msg - used, ": %s", why); /* our own text */
    return -1;
}

void as_error_prefix(as_error *err, const char *fmt, ...)
{
    if (err == NULL || err->code == AS_OK)
        return;
    char raw[256], prefix[AS_TEXT_SHOW_CAP(sizeof raw)];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    as_text_show(prefix, sizeof prefix, raw, strlen(raw)); /* the message is shown already */
    size_t plen = strlen(prefix), mlen = strlen(err->msg);
    if (plen > sizeof err->msg - 1)
        plen = sizeof err->msg - 1;
    if (plen + mlen > sizeof err->msg - 1)
        mlen = sizeof err->msg - 1 - plen; /* keep the start of the message, cut its end */
    memmove(err->msg + plen, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen + mlen] = '\0';
}

int as_exit_status(const as_error *err)
{
    if (err == NULL)
        return AS_EXIT_OK;
    switch (err->code) {
    case AS_OK:
        return AS_EXIT_OK;
    case AS_ERR_USAGE:
        return AS_EXIT_USAGE;
    case AS_ERR_BUSY:
        return AS_EXIT_BUSY;
    case AS_ERR_IO:
    case AS_ERR_NOMEM:
    case AS_ERR_INTERNAL:
        return AS_EXIT_SYSTEM;
    default:
        return AS_EXIT_REJECTED;
    }
}

/*
 * Each code's human name and its stable token, side by side so a new code cannot get one
 * without the other. The tokens are those --json has printed since format 1 (they began as
 * the names with spaces turned into '-'); they are API now, and the names are free to change.
 */
static const struct {
    const char *name;
    const char *token;
} codes[AS_ERRCODE_COUNT] = {
    [AS_OK] = {"ok", "ok"},
    [AS_ERR_USAGE] = {"usage error", "usage-error"},
    [AS_ERR_IO] = {"i/o error", "io-error"},
    [AS_ERR_NOMEM] = {"out of memory", "out-of-memory"},
    [AS_ERR_INTERNAL] = {"internal error", "internal-error"},
    [AS_ERR_FORMAT] = {"format error", "format-error"},
    [AS_ERR_LIMIT] = {"limit exceeded", "limit-exceeded"},
    [AS_ERR_ARMOR] = {"armor failure", "armor-failure"},
    [AS_ERR_HEADER] = {"header failure", "header-failure"},
    [AS_ERR_NO_MATCH] = {"no match", "no-match"},
    [AS_ERR_HMAC] = {"HMAC failure", "hmac-failure"},
    [AS_ERR_PAYLOAD] = {"payload failure", "payload-failure"},
    [AS_ERR_SIGNATURE] = {"bad signature", "bad-signature"},
    [AS_ERR_KEY] = {"key error", "key-error"},
    [AS_ERR_REJECTED] = {"rejected", "rejected"},
    [AS_ERR_EXISTS] = {"already exists", "already-exists"},
    [AS_ERR_INCOMPLETE] = {"incomplete", "incomplete"},
    [AS_ERR_BUSY] = {"station busy", "station-busy"},
};

const char *as_errcode_name(as_errcode code)
{
    if ((int)code < 0 || (int)code >= AS_ERRCODE_COUNT || codes[code].name == NULL)
        return "unknown error";
    return codes[code].name;
}

const char *as_errcode_token(as_errcode code)
{
    if ((int)code < 0 || (int)code >= AS_ERRCODE_COUNT || codes[code].token == NULL)
        return "unknown-error";
    return codes[code].token;
}

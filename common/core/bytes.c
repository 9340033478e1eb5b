/* bytes.c: bounded reader and capped buffer; see bytes.h. */
#include "bytes.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void as_cursor_init(as_cursor *c, const void *data, size_t len)
{
    c->data = data;
    c->len = data == NULL ? 0 : len;
    c->off = 0;
}

size_t as_cursor_left(const as_cursor *c)
{
    return c->len - c->off;
}

int as_cursor_ref(as_cursor *c, const uint8_t **out, size_t n)
{
    if (n > as_cursor_left(c))
        return -1;
    *out = c->data + c->off;
    c->off += n;
    return 0;
}

int as_cursor_get(as_cursor *c, void *out, size_t n)
{
    const uint8_t *p;
    if (as_cursor_ref(c, &p, n) != 0)
        return -1;
    if (n > 0)
        memcpy(out, p, n);
    return 0;
}

int as_cursor_skip(as_cursor *c, size_t n)
{
    const uint8_t *p;
    return as_cursor_ref(c, &p, n);
}

int as_cursor_u8(as_cursor *c, uint8_t *v)
{
    return as_cursor_get(c, v, 1);
}

int as_cursor_u16be(as_cursor *c, uint16_t *v)
{
    const uint8_t *p;
    if (as_cursor_ref(c, &p, 2) != 0)
        return -1;
    *v = as_load_u16be(p);
    return 0;
}

int as_cursor_u32be(as_cursor *c, uint32_t *v)
{
    const uint8_t *p;
    if (as_cursor_ref(c, &p, 4) != 0)
        return -1;
    *v = as_load_u32be(p);
    return 0;
}

int as_cursor_u64be(as_cursor *c, uint64_t *v)
{
    const uint8_t *p;
    if (as_cursor_ref(c, &p, 8) != 0)
        return -1;
    *v = as_load_u64be(p);
    return 0;
}

int as_cursor_u64le(as_cursor *c, uint64_t *v)
{
    const uint8_t *p;
    if (as_cursor_ref(c, &p, 8) != 0)
        return -1;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    *v = x;
    return 0;
}

int as_cursor_expect(as_cursor *c, const void *lit, size_t n)
{
    if (n > as_cursor_left(c) || memcmp(c->data + c->off, lit, n) != 0)
        return -1;
    c->off += n;
    return 0;
}

int as_cursor_line(as_cursor *c, const char **line, size_t *len, size_t max)
{
    size_t left = as_cursor_left(c);
    size_t scan = left < max ? left : max; /* the '\n' may sit at index max at the latest */
    if (scan < left)
        scan++;
    const uint8_t *start = c->data + c->off;
    const uint8_t *nl = memchr(start, '\n', scan);
    if (nl == NULL)
        return -1;
    *line = (const char *)start;
    *len = (size_t)(nl - start);
    c->off += *len + 1;
    return 0;
}

int as_cursor_end(const as_cursor *c)
{
    return as_cursor_left(c) == 0 ? 0 : -1;
}

int as_cursor_line_span(as_cursor *c, as_span *line, size_t max)
{
    return as_cursor_line(c, &line->p, &line->n, max);
}

/* Splits a line at its first ": "; the key must be non-empty. */
static int split_kv(as_span line, as_span *key, as_span *value)
{
    for (size_t i = 0; i + 1 < line.n; i++) {
        if (line.p[i] == ':' && line.p[i + 1] == ' ') {
            if (i == 0)
                return -1;
            *key = (as_span){line.p, i};
            *value = (as_span){line.p + i + 2, line.n - i - 2};
            return 0;
        }
    }
    return -1;
}

int as_cursor_any_kv(as_cursor *c, as_span *key, as_span *value, size_t max)
{
    size_t start = c->off;
    as_span line;
    if (as_cursor_line_span(c, &line, max) != 0)
        return -1;
    if (split_kv(line, key, value) != 0) {
        c->off = start;
        return -1;
    }
    return 0;
}

int as_cursor_kv(as_cursor *c, const char *key, as_span *value, size_t max)
{
    size_t start = c->off;
    as_span k;
    if (as_cursor_any_kv(c, &k, value, max) != 0)
        return -1;
    if (!as_span_eq(k, key)) {
        c->off = start;
        return -1;
    }
    return 0;
}

int as_cursor_token(as_cursor *c, as_span *tok)
{
    size_t left = as_cursor_left(c);
    const char *start = (const char *)c->data + c->off;
    const char *sp = left ? memchr(start, ' ', left) : NULL;
    size_t n = sp ? (size_t)(sp - start) : left;
    if (n == 0)
        return -1;
    if (sp != NULL && n + 1 == left)
        return -1; /* a trailing space: the empty token after it would be lost */
    *tok = (as_span){start, n};
    c->off += sp ? n + 1 : n;
    return 0;
}

int as_cursor_field(as_cursor *c, const char *prefix, as_span *value)
{
    size_t start = c->off, k = strlen(prefix);
    as_span tok;
    if (as_cursor_token(c, &tok) != 0)
        return -1;
    if (tok.n <= k || memcmp(tok.p, prefix, k) != 0) {
        c->off = start;
        return -1;
    }
    *value = (as_span){tok.p + k, tok.n - k};
    return 0;
}

int as_cursor_pair(as_cursor *c, char sep, as_span *key, as_span *value)
{
    size_t start = c->off;
    as_span tok;
    if (as_cursor_token(c, &tok) != 0)
        return -1;
    const char *at = memchr(tok.p, sep, tok.n);
    if (at == NULL || at == tok.p) {
        c->off = start;
        return -1;
    }
    *key = (as_span){tok.p, (size_t)(at - tok.p)};
    *value = (as_span){at + 1, tok.n - key->n - 1};
    return 0;
}

int as_cursor_last_line(as_cursor *c, as_span *line, size_t max)
{
    size_t left = as_cursor_left(c);
    const char *start = (const char *)c->data + c->off;
    if (left == 0 || start[left - 1] != '\n')
        return -1;
    /* Search back at most max+1 bytes for the '\n' ending the line before, so a hostile
     * text cannot make this scan more than the line it asks for. */
    size_t body = left - 1, n = 0;
    while (n < body && start[body - n - 1] != '\n') {
        if (n == max)
            return -1;
        n++;
    }
    *line = (as_span){start + body - n, n};
    c->len = c->off + body - n;
    return 0;
}

int as_cursor_be(as_cursor *c, unsigned width, uint64_t *v)
{
    const uint8_t *p;
    if (width == 0 || width > 8 || as_cursor_ref(c, &p, width) != 0)
        return -1;
    uint64_t x = 0;
    for (unsigned i = 0; i < width; i++)
        x = (x << 8) | p[i];
    *v = x;
    return 0;
}

void as_span_cursor(as_span s, as_cursor *c)
{
    as_cursor_init(c, s.p, s.n);
}

bool as_span_eq(as_span s, const char *lit)
{
    size_t k = strlen(lit);
    return s.n == k && (k == 0 || memcmp(s.p, lit, k) == 0);
}

int as_span_u64(as_span s, uint64_t max, bool allow_zero, uint64_t *v)
{
    return as_parse_u64(s.p, s.n, max, allow_zero, v);
}

int as_span_hex(as_span s, uint8_t *out, size_t n)
{
    return as_hex_decode(out, n, s.p, s.n);
}

int as_span_str(as_span s, char *out, size_t cap)
{
    if (s.n >= cap || (s.n > 0 && memchr(s.p, '\0', s.n) != NULL))
        return -1;
    if (s.n > 0)
        memcpy(out, s.p, s.n);
    out[s.n] = '\0';
    return 0;
}

void as_buf_init(as_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void as_buf_init_secret(as_buf *b, size_t max)
{
    as_buf_init(b, max);
    b->secret = true;
}

static int grow(as_buf *b, size_t need, as_error *err)
{
    if (need <= b->cap)
        return 0;
    if (need > b->max)
        return as_fail(err, AS_ERR_LIMIT, "data exceeds the %zu-byte limit", b->max);
    size_t cap = b->cap < 256 ? 256 : b->cap;
    while (cap < need)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    uint8_t *p;
    if (b->secret) {
        /* sodium_malloc cannot realloc: copy into a new guarded area, wipe and free the old. */
        p = sodium_malloc(cap);
        if (p == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of secure memory");
        if (b->len > 0)
            memcpy(p, b->data, b->len);
        if (b->data != NULL)
            sodium_free(b->data);
    } else {
        p = realloc(b->data, cap);
        if (p == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int as_buf_append(as_buf *b, const void *p, size_t n, as_error *err)
{
    if (n > b->max - b->len)
        return as_fail(err, AS_ERR_LIMIT, "data exceeds the %zu-byte limit", b->max);
    if (grow(b, b->len + n, err) != 0)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int as_buf_puts(as_buf *b, const char *s, as_error *err)
{
    return as_buf_append(b, s, strlen(s), err);
}

int as_buf_printf(as_buf *b, as_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return as_fail(err, AS_ERR_INTERNAL, "formatting failed");
    if ((size_t)n + 1 > b->max - b->len)
        return as_fail(err, AS_ERR_LIMIT, "data exceeds the %zu-byte limit", b->max);
    if (grow(b, b->len + (size_t)n + 1, err) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int as_buf_terminate(as_buf *b, as_error *err)
{
    if (b->len == b->max)
        return as_fail(err, AS_ERR_LIMIT, "data exceeds the %zu-byte limit", b->max);
    if (grow(b, b->len + 1, err) != 0)
        return -1;
    b->data[b->len] = '\0';
    return 0;
}

void as_buf_free(as_buf *b)
{
    if (b->data != NULL) {
        if (b->secret)
            sodium_free(b->data);
        else
            free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
}

void as_store_u16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void as_store_u32be(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void as_store_u64be(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void as_store_be(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = width; i > 0; i--, v >>= 8)
        p[i - 1] = (uint8_t)v;
}

void as_store_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

uint16_t as_load_u16be(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t as_load_u32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t as_load_u64be(const uint8_t *p)
{
    return ((uint64_t)as_load_u32be(p) << 32) | as_load_u32be(p + 4);
}

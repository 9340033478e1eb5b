/* armor.c: age ASCII armor; see armor.h. */
#include "armor.h"

#include <string.h>

#include "../core/base64.h"

#define COLUMNS 64
#define BYTES_PER_LINE 48
#define MAX_WHITESPACE 1024

static int emit_line(as_armor_writer *w, as_error *err)
{
    char line[COLUMNS + 2];
    as_b64_encode(line, w->pending, w->npending, AS_B64_PADDED);
    size_t n = strlen(line);
    line[n++] = '\n';
    w->npending = 0;
    return as_write(w->sink, (const uint8_t *)line, n, err);
}

static int start(as_armor_writer *w, as_error *err)
{
    if (w->started)
        return 0;
    w->started = true;
    return as_write(w->sink, (const uint8_t *)AS_ARMOR_BEGIN "\n", strlen(AS_ARMOR_BEGIN) + 1, err);
}

static int armor_write(as_writer *self, const uint8_t *buf, size_t n, as_error *err)
{
    as_armor_writer *w = (as_armor_writer *)self;
    if (start(w, err) != 0)
        return -1;
    while (n > 0) {
        /* A full line is only emitted when more data follows, so the last line is never
         * empty: a file ending on a line boundary ends with a full line, as age writes it. */
        if (w->npending == BYTES_PER_LINE && emit_line(w, err) != 0)
            return -1;
        size_t take = BYTES_PER_LINE - w->npending;
        if (take > n)
            take = n;
        memcpy(w->pending + w->npending, buf, take);
        w->npending += take;
        buf += take;
        n -= take;
    }
    return 0;
}

void as_armor_writer_init(as_armor_writer *w, as_writer *sink)
{
    memset(w, 0, sizeof *w);
    w->base.write = armor_write;
    w->sink = sink;
}

int as_armor_writer_finish(as_armor_writer *w, as_error *err)
{
    if (start(w, err) != 0)
        return -1;
    if (w->npending > 0 && emit_line(w, err) != 0)
        return -1;
    return as_write(w->sink, (const uint8_t *)AS_ARMOR_END "\n", strlen(AS_ARMOR_END) + 1, err);
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool as_armor_detect(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && i < MAX_WHITESPACE && is_ws(p[i]))
        i++;
    static const char begin[] = "-----BEGIN";
    return n - i >= sizeof begin - 1 && memcmp(p + i, begin, sizeof begin - 1) == 0;
}

static int fail(as_armor_reader *r, as_error *err, const char *why)
{
    r->state = -1;
    return as_fail(err, AS_ERR_ARMOR, "invalid armor: %s", why);
}

/* Reads one line; strips "\n" or "\r\n". Returns 1 with a line, 0 at end of stream without
 * a byte, -1 on error. *had_eol tells whether the line ended in LF. */
static int read_line(as_armor_reader *r, char *line, size_t cap, size_t *len, bool *had_eol,
                     as_error *err)
{
    ssize_t n = as_bufreader_line(&r->in, line, cap, err);
    if (n < 0) {
        r->state = -1;
        return -1;
    }
    if (n == 0)
        return 0;
    size_t k = (size_t)n;
    *had_eol = line[k - 1] == '\n';
    if (*had_eol) {
        k--;
        if (k > 0 && line[k - 1] == '\r')
            k--;
    } else if (k + 1 >= cap) {
        return fail(r, err, "line too long");
    }
    *len = k;
    return 1;
}

static int read_begin(as_armor_reader *r, as_error *err)
{
    const uint8_t *p;
    ssize_t avail = as_bufreader_peek(&r->in, &p, MAX_WHITESPACE + 1, err);
    if (avail < 0) {
        r->state = -1;
        return -1;
    }
    size_t skip = 0;
    while (skip < (size_t)avail && is_ws(p[skip]))
        skip++;
    if (skip > MAX_WHITESPACE)
        return fail(r, err, "too much whitespace before the BEGIN line");
    uint8_t sink[MAX_WHITESPACE];
    if (skip > 0 && as_read_full(&r->in.base, sink, skip, err) != (ssize_t)skip) {
        r->state = -1;
        return -1;
    }
    char line[128];
    size_t len;
    bool eol;
    int k = read_line(r, line, sizeof line, &len, &eol, err);
    if (k < 0)
        return -1;
    if (k == 0 || !eol || len != strlen(AS_ARMOR_BEGIN) || memcmp(line, AS_ARMOR_BEGIN, len) != 0)
        return fail(r, err, "missing or malformed BEGIN line");
    r->state = 1;
    return 0;
}

static int read_trailer(as_armor_reader *r, as_error *err)
{
    uint8_t tail[MAX_WHITESPACE + 1];
    ssize_t n = as_read_full(&r->in.base, tail, sizeof tail, err);
    if (n < 0) {
        r->state = -1;
        return -1;
    }
    if ((size_t)n > MAX_WHITESPACE)
        return fail(r, err, "too much data after the END line");
    for (ssize_t i = 0; i < n; i++)
        if (!is_ws(tail[i]))
            return fail(r, err, "data after the END line");
    r->state = 2;
    return 0;
}

/* Decodes the next data line into r->out, or handles the END line. */
static int next_line(as_armor_reader *r, as_error *err)
{
    char line[COLUMNS + 8];
    size_t len;
    bool eol;
    int k = read_line(r, line, sizeof line, &len, &eol, err);
    if (k < 0)
        return -1;
    if (k == 0)
        return fail(r, err, "missing END line");
    if (len == strlen(AS_ARMOR_END) && memcmp(line, AS_ARMOR_END, len) == 0)
        return read_trailer(r, err);
    if (!eol)
        return fail(r, err, "missing END line");
    if (r->last_was_short)
        return fail(r, err, "short line before the end of the data");
    if (len == 0)
        return fail(r, err, "empty line in armored data");
    if (len > COLUMNS)
        return fail(r, err, "line longer than 64 columns");
    long n = as_b64_decode(r->out, sizeof r->out, line, len, AS_B64_PADDED);
    if (n <= 0)
        return fail(r, err, "invalid base64 line");
    if (n < BYTES_PER_LINE)
        r->last_was_short = true;
    r->outpos = 0;
    r->outlen = (size_t)n;
    return 0;
}

static ssize_t armor_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    as_armor_reader *r = (as_armor_reader *)self;
    while (r->outpos == r->outlen) {
        if (r->state < 0)
            return as_fail(err, AS_ERR_ARMOR, "invalid armor");
        if (r->state == 2)
            return 0;
        if (r->state == 0 && read_begin(r, err) != 0)
            return -1;
        if (r->state == 1 && next_line(r, err) != 0)
            return -1;
    }
    size_t avail = r->outlen - r->outpos;
    if (n > avail)
        n = avail;
    memcpy(buf, r->out + r->outpos, n);
    r->outpos += n;
    return (ssize_t)n;
}

void as_armor_reader_init(as_armor_reader *r, as_reader *src)
{
    memset(r, 0, sizeof *r);
    r->base.read = armor_read;
    as_bufreader_init(&r->in, src);
}

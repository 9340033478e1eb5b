/* io.c: streams over file descriptors and memory; see io.h. */
#include "io.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"

ssize_t as_read(as_reader *r, uint8_t *buf, size_t n, as_error *err)
{
    return r->read(r, buf, n, err);
}

ssize_t as_read_full(as_reader *r, uint8_t *buf, size_t n, as_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = r->read(r, buf + got, n - got, err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

int as_write(as_writer *w, const uint8_t *buf, size_t n, as_error *err)
{
    if (n == 0)
        return 0;
    return w->write(w, buf, n, err);
}

static ssize_t fd_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    as_fd_reader *r = (as_fd_reader *)self;
    for (;;) {
        ssize_t k = read(r->fd, buf, n);
        if (k >= 0) {
            r->total += (uint64_t)k;
            return k;
        }
        if (errno != EINTR)
            return as_fail_errno(err, AS_ERR_IO, errno, "%s: read failed", r->name);
    }
}

void as_fd_reader_init(as_fd_reader *r, int fd, const char *name)
{
    r->base.read = fd_read;
    r->fd = fd;
    r->name = name;
    r->total = 0;
}

int as_pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
    const uint8_t *p = buf;
    while (n > 0) {
        size_t allow = as_fault_write_allow(n);
        if (allow == 0)
            return -1; /* errno is ENOSPC */
        ssize_t k = pwrite(fd, p, allow, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        p += k;
        off += k;
        n -= (size_t)k;
    }
    return 0;
}

int as_write_fd_all(int fd, const void *buf, size_t n, const char *name, as_error *err)
{
    const uint8_t *p = buf;
    while (n > 0) {
        size_t allow = as_fault_write_allow(n);
        if (allow == 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "%s: write failed", name);
        ssize_t k = write(fd, p, allow);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return as_fail_errno(err, AS_ERR_IO, errno, "%s: write failed", name);
        }
        if (k == 0)
            return as_fail(err, AS_ERR_IO, "%s: write failed: no progress", name);
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int fd_write(as_writer *self, const uint8_t *buf, size_t n, as_error *err)
{
    as_fd_writer *w = (as_fd_writer *)self;
    if (as_write_fd_all(w->fd, buf, n, w->name, err) != 0)
        return -1;
    w->total += n;
    return 0;
}

void as_fd_writer_init(as_fd_writer *w, int fd, const char *name)
{
    w->base.write = fd_write;
    w->fd = fd;
    w->name = name;
    w->total = 0;
}

static ssize_t mem_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    (void)err;
    as_mem_reader *r = (as_mem_reader *)self;
    size_t left = as_cursor_left(&r->cur);
    if (n > left)
        n = left;
    as_cursor_get(&r->cur, buf, n);
    return (ssize_t)n;
}

void as_mem_reader_init(as_mem_reader *r, const void *data, size_t len)
{
    r->base.read = mem_read;
    as_cursor_init(&r->cur, data, len);
}

static int buf_write(as_writer *self, const uint8_t *buf, size_t n, as_error *err)
{
    as_buf_writer *w = (as_buf_writer *)self;
    return as_buf_append(w->buf, buf, n, err);
}

void as_buf_writer_init(as_buf_writer *w, as_buf *buf)
{
    w->base.write = buf_write;
    w->buf = buf;
}

static int null_write(as_writer *self, const uint8_t *buf, size_t n, as_error *err)
{
    (void)buf;
    (void)err;
    ((as_null_writer *)self)->total += n;
    return 0;
}

void as_null_writer_init(as_null_writer *w)
{
    w->base.write = null_write;
    w->total = 0;
}

/* Moves unread bytes to the front and reads more until `want` are buffered or the end. */
static int fill(as_bufreader *br, size_t want, as_error *err)
{
    if (br->pos > 0) {
        memmove(br->buf, br->buf + br->pos, br->end - br->pos);
        br->end -= br->pos;
        br->pos = 0;
    }
    while (br->end < want && !br->eof) {
        if (br->failed)
            return -1;
        ssize_t k = as_read(br->src, br->buf + br->end, sizeof br->buf - br->end, err);
        if (k < 0) {
            br->failed = 1;
            return -1;
        }
        if (k == 0)
            br->eof = 1;
        br->end += (size_t)k;
    }
    return 0;
}

static ssize_t bufreader_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    as_bufreader *br = (as_bufreader *)self;
    if (br->pos == br->end) {
        if (br->failed)
            return -1;
        if (br->eof)
            return 0;
        /* Large reads bypass the buffer. */
        if (n >= sizeof br->buf) {
            ssize_t k = as_read(br->src, buf, n, err);
            if (k < 0)
                br->failed = 1;
            else if (k == 0)
                br->eof = 1;
            return k;
        }
        if (fill(br, 1, err) != 0)
            return -1;
        if (br->pos == br->end)
            return 0;
    }
    size_t avail = br->end - br->pos;
    if (n > avail)
        n = avail;
    memcpy(buf, br->buf + br->pos, n);
    br->pos += n;
    return (ssize_t)n;
}

void as_bufreader_init(as_bufreader *br, as_reader *src)
{
    br->base.read = bufreader_read;
    br->src = src;
    br->pos = br->end = 0;
    br->eof = br->failed = 0;
}

ssize_t as_bufreader_peek(as_bufreader *br, const uint8_t **p, size_t n, as_error *err)
{
    if (n > sizeof br->buf)
        n = sizeof br->buf;
    if (br->end - br->pos < n && fill(br, n, err) != 0)
        return -1;
    *p = br->buf + br->pos;
    return (ssize_t)(br->end - br->pos);
}

ssize_t as_bufreader_line(as_bufreader *br, char *out, size_t cap, as_error *err)
{
    size_t len = 0;
    while (len + 1 < cap) {
        if (br->pos == br->end) {
            if (fill(br, 1, err) != 0)
                return -1;
            if (br->pos == br->end)
                break; /* end of stream */
        }
        uint8_t c = br->buf[br->pos++];
        out[len++] = (char)c;
        if (c == '\n')
            break;
    }
    out[len] = '\0';
    return (ssize_t)len;
}

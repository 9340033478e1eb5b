/*
 * io.h: byte streams. Every layer of airseal (armor, age STREAM, tar, erasure coding) is a
 * reader that pulls from the layer below or a writer that pushes to it, so the same code
 * streams a 3 MB folder and a 30 GB video in constant memory.
 *
 * A concrete stream embeds as_reader/as_writer as its first member; the callbacks receive
 * that member and cast back to the containing struct.
 */
#ifndef AIRSEAL_CORE_IO_H
#define AIRSEAL_CORE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bytes.h"
#include "error.h"

typedef struct as_reader as_reader;
struct as_reader {
    /* Reads up to n (> 0) bytes. Returns the count (> 0), 0 at end of stream, -1 with err set.
     * After 0 or -1, further calls return the same. */
    ssize_t (*read)(as_reader *self, uint8_t *buf, size_t n, as_error *err);
};

typedef struct as_writer as_writer;
struct as_writer {
    /* Consumes all n bytes or fails with err set. */
    int (*write)(as_writer *self, const uint8_t *buf, size_t n, as_error *err);
};

/* Calls r->read. */
ssize_t as_read(as_reader *r, uint8_t *buf, size_t n, as_error *err);

/* Reads until n bytes or end of stream. Returns the count (< n only at end), or -1. */
ssize_t as_read_full(as_reader *r, uint8_t *buf, size_t n, as_error *err);

/* Calls w->write. */
int as_write(as_writer *w, const uint8_t *buf, size_t n, as_error *err);

/* Reads a file descriptor. name is used in error messages and must outlive the reader. */
typedef struct as_fd_reader {
    as_reader base;
    int fd;
    const char *name;
    uint64_t total; /* bytes read so far */
} as_fd_reader;
void as_fd_reader_init(as_fd_reader *r, int fd, const char *name);

/* Writes to a file descriptor, retrying short writes and EINTR. */
typedef struct as_fd_writer {
    as_writer base;
    int fd;
    const char *name;
    uint64_t total; /* bytes written so far */
} as_fd_writer;
void as_fd_writer_init(as_fd_writer *w, int fd, const char *name);

/* Writes all n bytes at offset off, retrying short writes and EINTR; 0, or -1 with errno set
 * (a write that makes no progress is EIO). Goes through the test-only full-disk hook
 * (AIRSEAL_TEST_ENOSPC_AT, see faults.h): every write airseal makes to disk goes through
 * this or as_write_fd_all. */
int as_pwrite_all(int fd, const void *buf, size_t n, off_t off);

/* Writes all of buf to fd; one-line error naming `name` on failure. */
int as_write_fd_all(int fd, const void *buf, size_t n, const char *name, as_error *err);

/* Reads from memory (borrowed). */
typedef struct as_mem_reader {
    as_reader base;
    as_cursor cur;
} as_mem_reader;
void as_mem_reader_init(as_mem_reader *r, const void *data, size_t len);

/* Appends to an as_buf (owned by the caller). */
typedef struct as_buf_writer {
    as_writer base;
    as_buf *buf;
} as_buf_writer;
void as_buf_writer_init(as_buf_writer *w, as_buf *buf);

/* Discards everything; counts bytes. */
typedef struct as_null_writer {
    as_writer base;
    uint64_t total;
} as_null_writer;
void as_null_writer_init(as_null_writer *w);

/*
 * A buffered reader with line access, for formats that start with a text header (age) and
 * continue in binary. Lines are bounded by the buffer size (AS_BUFREADER_SIZE).
 */
#define AS_BUFREADER_SIZE 4096
typedef struct as_bufreader {
    as_reader base;
    as_reader *src;
    uint8_t buf[AS_BUFREADER_SIZE];
    size_t pos, end;
    int eof;    /* src returned 0 */
    int failed; /* src returned -1; err was set then */
} as_bufreader;
void as_bufreader_init(as_bufreader *br, as_reader *src);

/*
 * Reads one line including its '\n' into out (cap bytes). Returns its length (> 0), 0 at end
 * of stream before any byte, -1 on error. A line longer than cap-1 or missing its '\n' at end
 * of stream is returned as is (without '\n'), so the caller decides: check the last byte.
 */
ssize_t as_bufreader_line(as_bufreader *br, char *out, size_t cap, as_error *err);

/* Makes at least n (<= AS_BUFREADER_SIZE) bytes available if the stream has them; returns
 * how many are buffered, or -1. *p points at them. Does not consume. */
ssize_t as_bufreader_peek(as_bufreader *br, const uint8_t **p, size_t n, as_error *err);

#endif

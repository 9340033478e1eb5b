/*
 * bytes.h: the bounded reader for untrusted bytes (as_cursor) and a capped growable buffer
 * (as_buf) for output.
 *
 * as_cursor follows OpenSSH's sshbuf discipline: every get consumes exactly the bytes it
 * returns or fails and consumes nothing; lengths are compared with what remains, never added
 * to an offset first, so no length field can overflow the arithmetic. A cursor never owns
 * memory. All as_cursor functions return 0 on success and -1 on failure; the caller, which
 * knows what it was parsing, writes the error message.
 */
#ifndef AIRSEAL_CORE_BYTES_H
#define AIRSEAL_CORE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct as_cursor {
    const uint8_t *data;
    size_t len;
    size_t off;
} as_cursor;

/* Starts reading len bytes at data. data may be NULL when len is 0. */
void as_cursor_init(as_cursor *c, const void *data, size_t len);

/* Bytes not yet consumed. */
size_t as_cursor_left(const as_cursor *c);

/* Copies the next n bytes to out. */
int as_cursor_get(as_cursor *c, void *out, size_t n);

/* Points *out at the next n bytes inside the cursor's buffer (borrowed, not copied). */
int as_cursor_ref(as_cursor *c, const uint8_t **out, size_t n);

/* Skips n bytes. */
int as_cursor_skip(as_cursor *c, size_t n);

/* Fixed-width integers, big- and little-endian. */
int as_cursor_u8(as_cursor *c, uint8_t *v);
int as_cursor_u16be(as_cursor *c, uint16_t *v);
int as_cursor_u32be(as_cursor *c, uint32_t *v);
int as_cursor_u64be(as_cursor *c, uint64_t *v);
int as_cursor_u64le(as_cursor *c, uint64_t *v);

/* Consumes the literal bytes lit[0..n) or fails without consuming. */
int as_cursor_expect(as_cursor *c, const void *lit, size_t n);

/*
 * Reads one line terminated by '\n' and no longer than max bytes (terminator excluded).
 * *line points into the buffer, *len excludes the '\n'. Fails if no '\n' occurs within max+1
 * bytes, so an attacker cannot make a parser scan an unbounded line.
 */
int as_cursor_line(as_cursor *c, const char **line, size_t *len, size_t max);

/* Succeeds only when every byte was consumed: trailing data is an error. */
int as_cursor_end(const as_cursor *c);

/*
 * Text verbs. Every airseal text format (manifest, index, part headers, receipt, trust store,
 * station.conf, custody log, trusted comments) is read with these, so there is one notion of
 * a line, a "key: value" pair, a token and a number. A span is a borrowed view into the
 * cursor's buffer; it is not NUL-terminated and may contain any byte.
 */
typedef struct as_span {
    const char *p;
    size_t n;
} as_span;

/* The next line (as as_cursor_line) as a span. */
int as_cursor_line_span(as_cursor *c, as_span *line, size_t max);

/*
 * Reads the next line, which must be exactly "<key>: <value>" with this key (max bounds the
 * whole line). The value may be empty and may contain ": ". Consumes nothing on failure.
 */
int as_cursor_kv(as_cursor *c, const char *key, as_span *value, size_t max);

/*
 * Reads the next line as "<key>: <value>" with any key: the key is what precedes the first
 * ": " and must be non-empty. Consumes nothing on failure.
 */
int as_cursor_any_kv(as_cursor *c, as_span *key, as_span *value, size_t max);

/*
 * Reads the next token: the bytes up to the next single ' ' (consumed) or to the end of the
 * cursor. Tokens are separated by exactly one space: an empty token (two spaces, a leading
 * or trailing space, or nothing left) fails and consumes nothing.
 */
int as_cursor_token(as_cursor *c, as_span *tok);

/* As as_cursor_token, but the token must start with prefix ("bundle:") and have something
 * after it; *value is what follows the prefix. */
int as_cursor_field(as_cursor *c, const char *prefix, as_span *value);

/*
 * Reads the next token (as as_cursor_token) and splits it at its first sep ('=' in
 * "key=value"): *key is what precedes it and must be non-empty, *value what follows (may be
 * empty). Fails, consuming nothing, when there is no token or no sep in it.
 */
int as_cursor_pair(as_cursor *c, char sep, as_span *key, as_span *value);

/*
 * Takes the last line off the END of the cursor: the text must end in '\n'; *line is the
 * final line without its '\n' (at most max bytes) and the cursor keeps what precedes it.
 * Used for a signature line that closes a text (custody log, receipt). Fails, changing
 * nothing, when the text does not end in '\n' or the line is longer than max.
 */
int as_cursor_last_line(as_cursor *c, as_span *line, size_t max);

/* Reads a big-endian unsigned integer of width bytes (1 to 8). */
int as_cursor_be(as_cursor *c, unsigned width, uint64_t *v);

/* A cursor over a span, to read inside a line with the same verbs. */
void as_span_cursor(as_span s, as_cursor *c);

/* True when the span is exactly the C string lit. */
bool as_span_eq(as_span s, const char *lit);

/* A decimal number: digits only, no sign, no leading zero, at most max; 0 only when
 * allow_zero. */
int as_span_u64(as_span s, uint64_t max, bool allow_zero, uint64_t *v);

/* Exactly 2*n lower- or upper-case hex digits into n bytes. */
int as_span_hex(as_span s, uint8_t *out, size_t n);

/* Copies the span into a NUL-terminated string; fails when it does not fit (cap includes the
 * NUL) or contains a NUL byte. */
int as_span_str(as_span s, char *out, size_t cap);

/*
 * as_buf: a growable byte buffer with a hard maximum. A buffer made with as_buf_init_secret()
 * lives in sodium_malloc memory and is wiped when it grows or is freed; use it for anything
 * holding key material or passphrases.
 */
typedef struct as_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
    bool secret;
} as_buf;

/* A buffer that may grow to max bytes. */
void as_buf_init(as_buf *b, size_t max);
void as_buf_init_secret(as_buf *b, size_t max);

/* Appends n bytes; fails with AS_ERR_LIMIT past max, AS_ERR_NOMEM when allocation fails. */
int as_buf_append(as_buf *b, const void *p, size_t n, as_error *err);

/* Appends a NUL-terminated string (without the NUL). */
int as_buf_puts(as_buf *b, const char *s, as_error *err);

/* Appends formatted text; fails rather than truncating. */
int as_buf_printf(as_buf *b, as_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes sure data[len] exists and is '\0' without counting it in len; for C-string use. */
int as_buf_terminate(as_buf *b, as_error *err);

/* Wipes (for secret buffers) and frees the storage; the buffer can be reused empty. */
void as_buf_free(as_buf *b);

/* Big-endian and little-endian stores into fixed arrays. */
void as_store_u16be(uint8_t *p, uint16_t v);
void as_store_u32be(uint8_t *p, uint32_t v);
void as_store_u64be(uint8_t *p, uint64_t v);
void as_store_u64le(uint8_t *p, uint64_t v);
/* Stores v big-endian in width bytes (1 to 8); the high bytes of v that do not fit are dropped. */
void as_store_be(uint8_t *p, unsigned width, uint64_t v);
uint32_t as_load_u32be(const uint8_t *p);
uint16_t as_load_u16be(const uint8_t *p);
uint64_t as_load_u64be(const uint8_t *p);

#endif

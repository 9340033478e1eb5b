/* custody.c: the signed, hash-chained custody log; see custody.h. */
#include "custody.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/sha256.h"

struct as_custody {
    int fd;                 /* open for appending, or -1 */
    char *path;             /* for error messages */
    as_mini_pubkey station; /* the key the log was verified with */
    uint64_t count;         /* entries; 0 once a failed append could not be undone */
    uint8_t head[32];       /* SHA-256 of the last entry's line: the next entry's prev */
    size_t end;             /* bytes of whole entries: where the next one goes */
    size_t size;            /* bytes in the file: end, plus a torn line if a crash left one */
};

/* What verifying a chain finds: its length, its head, where its whole entries end. */
typedef struct chain {
    uint64_t count;
    uint8_t head[32];
    size_t end;
} chain;

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

#define BAD_FORMAT(...) as_fail(err, AS_ERR_FORMAT, __VA_ARGS__)
#define BAD_RULE(...) as_fail(err, AS_ERR_REJECTED, __VA_ARGS__)

/* "<seq> <time> <event>": the sequence number must be want_seq. */
static int parse_head(as_cursor *c, uint64_t want_seq, as_log_entry *e, as_error *err)
{
    as_span t;
    time_t when;
    if (as_cursor_token(c, &t) != 0 || as_span_u64(t, UINT64_MAX, false, &e->seq) != 0)
        return BAD_FORMAT("malformed sequence number");
    if (e->seq != want_seq)
        return BAD_RULE("sequence number %llu, expected %llu (entry missing, duplicated or moved)",
                        (unsigned long long)e->seq, (unsigned long long)want_seq);
    if (as_cursor_token(c, &t) != 0 || as_time_parse_utc(t.p, t.n, &when) != 0)
        return BAD_FORMAT("malformed time");
    memcpy(e->time, t.p, 20);
    if (as_cursor_token(c, &t) != 0 || !event_name_ok(t.p, t.n))
        return BAD_FORMAT("malformed event name");
    memcpy(e->event, t.p, t.n);
    return 0;
}

/* One "<name>=<%-encoded value>" field into e. */
static int take_field(as_log_entry *e, as_span k, as_span v, as_error *err)
{
    if (e->nfields == AS_LOG_MAX_FIELDS || !event_name_ok(k.p, k.n))
        return BAD_FORMAT("too many or malformed field names");
    memcpy(e->fields[e->nfields].key, k.p, k.n);
    if (as_pct_decode(e->fields[e->nfields].value, AS_LOG_VALUE_MAX, v.p, v.n) < 0)
        return BAD_FORMAT("malformed value of field %.*s", (int)k.n, k.p);
    e->nfields++;
    return 0;
}

/* The fields after the event, then "prev=<hex>" and "sig=<base64>", the last two tokens. */
static int parse_fields(as_cursor *c, as_log_entry *e, as_span *prev, as_span *sig, as_error *err)
{
    *prev = *sig = (as_span){NULL, 0};
    while (as_cursor_left(c) > 0) {
        as_span k, v;
        if (as_cursor_pair(c, '=', &k, &v) != 0)
            return as_cursor_token(c, &k) != 0 ? BAD_FORMAT("malformed field (empty token)")
                                               : BAD_FORMAT("malformed field");
        if (sig->p != NULL)
            return BAD_FORMAT("data after the signature");
        if (as_span_eq(k, "sig")) {
            *sig = v;
            continue;
        }
        if (prev->p != NULL)
            return BAD_FORMAT("field after prev=");
        if (as_span_eq(k, "prev"))
            *prev = v;
        else if (take_field(e, k, v, err) != 0)
            return -1;
    }
    return 0;
}

/* The entry's seal: prev names the previous line, and the signature over the line's bytes
 * before " sig=" is the station's. */
static int check_seal(as_span line, as_span prev, as_span sig, const uint8_t want_prev[32],
                      const as_mini_pubkey *station, as_error *err)
{
    uint8_t got_prev[32];
    as_mini_detached d;
    if (prev.p == NULL || as_span_hex(prev, got_prev, 32) != 0)
        return BAD_FORMAT("missing or malformed prev=");
    if (!as_equal_ct(got_prev, want_prev, 32))
        return BAD_RULE("prev= does not match the previous entry (chain broken)");
    as_error why = {0};
    if (sig.p == NULL || as_mini_detached_parse(&d, sig.p, sig.n, false, &why) != 0)
        return BAD_FORMAT("missing or malformed sig=");
    size_t signed_len = (size_t)(sig.p - strlen(" sig=") - line.p);
    if (as_mini_detached_verify(station, &d, line.p, signed_len, &why) != 0)
        return why.code == AS_ERR_KEY ? BAD_RULE("signed by another key than the station's")
                                      : BAD_RULE("signature does not verify (entry modified)");
    return 0;
}

/* Parses and checks one line; prev is the previous line's hash. */
static int check_line(as_span line, uint64_t want_seq, const uint8_t prev[32],
                      const as_mini_pubkey *station, as_log_entry *e, as_error *err)
{
    as_cursor c;
    as_span prev_tok, sig_tok;
    memset(e, 0, sizeof *e);
    as_span_cursor(line, &c);
    if (parse_head(&c, want_seq, e, err) != 0 ||
        parse_fields(&c, e, &prev_tok, &sig_tok, err) != 0 ||
        check_seal(line, prev_tok, sig_tok, prev, station, err) != 0)
        return -1;
    as_sha256(e->line_hash, line.p, line.n);
    return 0;
}

/*
 * Verifies every whole entry of data and visits it; *out receives the chain's length, head
 * and end. A last line without '\n' that fits in a line is a torn append: not an entry.
 */
static int verify_chain(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                        as_log_visit visit, void *ctx, chain *out, as_error *err)
{
    as_cursor c;
    int rc = -1;
    as_log_entry *e = malloc(sizeof *e);
    memset(out, 0, sizeof *out);
    if (e == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_cursor_init(&c, data, len);
    while (as_cursor_left(&c) > 0) {
        as_span line;
        unsigned long long seq = out->count + 1;
        if (as_cursor_line_span(&c, &line, AS_LOG_LINE_MAX) != 0) {
            if (as_cursor_left(&c) <= AS_LOG_LINE_MAX)
                break; /* torn: never happened */
            as_fail(err, AS_ERR_FORMAT,
                    "custody log entry %llu (line %llu): unterminated or too long", seq, seq);
            goto out;
        }
        if (check_line(line, seq, out->head, station, e, err) != 0) {
            as_error_prefix(err, "custody log entry %llu (line %llu): ", seq, seq);
            goto out;
        }
        out->count = seq;
        out->end = c.off;
        memcpy(out->head, e->line_hash, 32);
        if (visit != NULL && visit(e, ctx, err) != 0)
            goto out;
    }
    if (out->count == 0) {
        as_fail(err, AS_ERR_FORMAT, "custody log is empty (the init entry is missing)");
        goto out;
    }
    rc = 0;
out:
    free(e);
    return rc;
}

int as_custody_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                      as_log_visit visit, void *ctx, uint64_t *count, as_error *err)
{
    chain ch;
    if (verify_chain(data, len, station, visit, ctx, &ch, err) != 0)
        return -1;
    if (count != NULL)
        *count = ch.count;
    return 0;
}

/* Reads the whole open file (size bytes by fstat, at most AS_LOG_FILE_MAX) into *out. */
static int read_log(int fd, uint64_t size, const char *path, uint8_t **out, size_t *len,
                    as_error *err)
{
    if (size > AS_LOG_FILE_MAX)
        return as_fail(err, AS_ERR_LIMIT, "%s: %llu bytes, larger than the %u-byte limit", path,
                       (unsigned long long)size, AS_LOG_FILE_MAX);
    uint8_t *buf = malloc((size_t)size + 1);
    size_t got = 0;
    if (buf == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory reading %s", path);
    while (got < size) {
        ssize_t k = read(fd, buf + got, (size_t)size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(buf);
            return k < 0 ? as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", path)
                         : as_fail(err, AS_ERR_IO, "cannot read %s: it shrank", path);
        }
        got += (size_t)k;
    }
    *out = buf;
    *len = got;
    return 0;
}

int as_custody_open(as_custody **out, const char *path, const as_mini_pubkey *station,
                    as_custody_mode mode, as_log_visit visit, void *ctx, as_error *err)
{
    uint64_t size;
    uint8_t *data = NULL;
    size_t len = 0;
    chain ch;
    *out = NULL;
    as_custody *log = calloc(1, sizeof *log);
    char *copy = strdup(path);
    if (log == NULL || copy == NULL) {
        free(log);
        free(copy);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    log->path = copy;
    log->station = *station;
    int flags = AS_FILE_NOFOLLOW | (mode == AS_CUSTODY_APPEND ? AS_FILE_RDWR : 0);
    log->fd = as_file_open_read(path, flags, &size, err);
    if (log->fd < 0 || read_log(log->fd, size, path, &data, &len, err) != 0 ||
        verify_chain(data, len, station, visit, ctx, &ch, err) != 0) {
        free(data);
        as_custody_close(log);
        return -1;
    }
    free(data);
    log->count = ch.count;
    memcpy(log->head, ch.head, 32);
    log->end = ch.end;
    log->size = len;
    if (mode == AS_CUSTODY_READ) {
        close(log->fd);
        log->fd = -1;
    }
    *out = log;
    return 0;
}

uint64_t as_custody_count(const as_custody *log)
{
    return log->count;
}

void as_custody_close(as_custody *log)
{
    if (log == NULL)
        return;
    if (log->fd >= 0)
        close(log->fd);
    free(log->path);
    free(log);
}

/*
 * Formats entry seq into b: "<seq> <time> <event> <fields> prev=<hex> sig=<base64>\n", signed
 * by sk over the bytes before " sig=". The fields come from the station itself: a bad name or
 * an overlong value is a bug (AS_ERR_INTERNAL).
 */
static int format_entry(as_buf *b, uint64_t seq, time_t when, const char *event,
                        const as_log_field *fields, size_t nfields, const uint8_t prev[32],
                        const as_mini_seckey *sk, as_error *err)
{
    char t[21], hex[65], sig[AS_MINI_DETACHED_B64_LEN + 1];
    if (!event_name_ok(event, strlen(event)) || nfields > AS_LOG_MAX_FIELDS)
        return as_fail(err, AS_ERR_INTERNAL, "bad custody log event");
    as_time_utc(t, when);
    if (as_buf_printf(b, err, "%llu %s %s", (unsigned long long)seq, t, event) != 0)
        return -1;
    for (size_t i = 0; i < nfields; i++) {
        if (!event_name_ok(fields[i].key, strlen(fields[i].key)) ||
            strlen(fields[i].value) >= AS_LOG_VALUE_MAX)
            return as_fail(err, AS_ERR_INTERNAL, "bad custody log field");
        if (as_buf_printf(b, err, " %s=", fields[i].key) != 0 ||
            as_pct_encode(b, fields[i].value, strlen(fields[i].value), err) != 0)
            return -1;
    }
    as_hex_encode(hex, prev, 32);
    if (as_buf_printf(b, err, " prev=%s", hex) != 0)
        return -1;
    as_mini_detached_sign(sig, sk, b->data, b->len);
    if (as_buf_printf(b, err, " sig=%s\n", sig) != 0)
        return -1;
    if (b->len - 1 > AS_LOG_LINE_MAX)
        return as_fail(err, AS_ERR_INTERNAL, "custody log entry too long");
    return 0;
}

/*
 * Writes one formatted entry at the end of the whole entries, cutting off a torn line first,
 * and syncs it. On failure puts the file back to its whole entries; when even that fails the
 * handle's count becomes 0 (unknown).
 */
static int write_entry(as_custody *log, const as_buf *b, as_error *err)
{
    if (log->size != log->end && ftruncate(log->fd, (off_t)log->end) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot cut the torn last line of %s",
                             log->path);
    log->size = log->end;
    if (lseek(log->fd, (off_t)log->end, SEEK_SET) < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", log->path);
    as_fault_point("custody:before-write");
    if (as_write_fd_all(log->fd, b->data, b->len, log->path, err) == 0) {
        as_fault_point("custody:written");
        if (as_fault_check("fsync") == 0 && fsync(log->fd) == 0)
            return 0;
        as_fail_errno(err, AS_ERR_IO, errno ? errno : EIO, "cannot sync %s", log->path);
    }
    if (ftruncate(log->fd, (off_t)log->end) != 0 || fsync(log->fd) != 0)
        log->count = 0;
    return -1;
}

int as_custody_append(as_custody *log, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, uint64_t *seq,
                      as_error *err)
{
    as_mini_pubkey pk;
    as_buf b;
    as_mini_seckey_public(sk, &pk);
    if (log->fd < 0 || log->count == 0)
        return as_fail(err, AS_ERR_INTERNAL, "custody log %s is not open for appending", log->path);
    if (memcmp(&pk, &log->station, sizeof pk) != 0)
        return as_fail(err, AS_ERR_INTERNAL, "custody log %s: not signed with the station key",
                       log->path);
    as_buf_init(&b, AS_LOG_LINE_MAX + 2);
    int rc = format_entry(&b, log->count + 1, when, event, fields, nfields, log->head, sk, err);
    if (rc == 0)
        rc = write_entry(log, &b, err);
    if (rc == 0) {
        as_fault_point("custody:after-write");
        as_sha256(log->head, b.data, b.len - 1);
        log->count++;
        log->end += b.len;
        log->size = log->end;
        if (seq != NULL)
            *seq = log->count;
    }
    as_buf_free(&b);
    return rc;
}

int as_custody_create(const char *path, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, as_error *err)
{
    static const uint8_t zero[32];
    as_buf b;
    as_buf_init(&b, AS_LOG_LINE_MAX + 2);
    int rc = format_entry(&b, 1, when, event, fields, nfields, zero, sk, err);
    if (rc == 0) {
        as_fault_point("custody:before-write");
        rc = as_file_create_excl(path, b.data, b.len, 0600, err);
    }
    if (rc == 0)
        as_fault_point("custody:after-write");
    as_buf_free(&b);
    return rc;
}

/* custody.c: the signed, hash-chained custody log and its Merkle tree: opening, appending,
 * proving; see custody.h. Reading and checking entries is in custody_entry.c. */
#include "custody.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/file.h"
#include "../core/io.h"
#include "../core/text.h"
#include "../crypto/checkpoint.h"
#include "../crypto/sha256.h"
#include "custody_entry.h"
#include "custody_tree.h"

struct as_custody {
    int fd;                 /* open for appending, or -1 */
    char *path;             /* for error messages */
    as_mini_pubkey station; /* the key the log was verified with */
    uint64_t count;         /* entries; 0 once a failed append could not be undone */
    uint8_t head[32];       /* SHA-256 of the last entry's line: the next entry's prev */
    size_t end;             /* bytes of whole entries: where the next one goes */
    size_t size;            /* bytes in the file: end, plus a torn line if a crash left one */
    uint8_t *data;          /* the whole entries, each line with its '\n' */
    uint64_t *off;          /* off[i]: where entry i + 1 starts in data; off[count] = end */
    uint64_t offcap;
    as_ctree tree; /* every entry a leaf (custody_tree.h) */
    bool marked;   /* the log says it is a tree log: a checkpoint must exist */
    char *tree_path, *ckpt_path;
    int tree_fd;        /* custody.tree, open for appending with the log, or -1 */
    uint64_t tree_nrec; /* whole records in custody.tree */
    uint8_t *ckpt;      /* the newest signed checkpoint, or NULL (a log from before the tree) */
    size_t ckpt_len;
    uint64_t ckpt_size; /* the tree size it signs */
    as_note_vkey vkey;  /* the station key as a note key named by the origin */
};

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
    if (!as_log_name_ok(event, strlen(event)) || nfields > AS_LOG_MAX_FIELDS)
        return as_fail(err, AS_ERR_INTERNAL, "bad custody log event");
    as_time_utc(t, when);
    if (as_buf_printf(b, err, "%llu %s %s", (unsigned long long)seq, t, event) != 0)
        return -1;
    for (size_t i = 0; i < nfields; i++) {
        if (!as_log_name_ok(fields[i].key, strlen(fields[i].key)) ||
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

/* ---------------------------------------------------------------- the tree beside the log */

#define TREE_REC AS_TLOG_HASH_LEN

/* The side files' paths: the log's path without ".log", then ".tree" and ".checkpoint". */
static int side_paths(as_custody *log, as_error *err)
{
    size_t n = strlen(log->path);
    if (n > 4 && strcmp(log->path + n - 4, ".log") == 0)
        n -= 4;
    log->tree_path = as_path_fmt(err, "%.*s.tree", (int)n, log->path);
    log->ckpt_path = as_path_fmt(err, "%.*s.checkpoint", (int)n, log->path);
    return log->tree_path != NULL && log->ckpt_path != NULL ? 0 : -1;
}

/* Room for the index of n entries. */
static int reserve_offsets(as_custody *log, uint64_t n, as_error *err)
{
    if (n + 1 <= log->offcap)
        return 0;
    uint64_t cap = log->offcap ? log->offcap * 2 : 1024;
    while (cap < n + 1)
        cap *= 2;
    uint64_t *grown = realloc(log->off, cap * sizeof *grown);
    if (grown == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    log->off = grown;
    log->offcap = cap;
    return 0;
}

/* Keeps a verified line: its offset, its leaf, and whether it marks the log as a tree log
 * (an init entry with tree=, or the tlog-start entry of a migration). */
static int take_line(void *ctx, as_span line, const as_log_entry *e, as_error *err)
{
    as_custody *log = ctx;
    uint64_t i = e->seq - 1;
    if (reserve_offsets(log, e->seq, err) != 0)
        return -1;
    log->off[i] = (uint64_t)((const uint8_t *)line.p - log->data);
    log->off[i + 1] = log->off[i] + line.n + 1;
    if ((e->seq == 1 && as_log_get(e, "tree") != NULL) || strcmp(e->event, "tlog-start") == 0)
        log->marked = true;
    return as_ctree_add(&log->tree, line.p, line.n, err);
}

/*
 * Compares custody.tree with the tree recomputed from the verified log: every whole record
 * must equal its recomputed hash. Fewer records (a crash before they were written) and a
 * torn last record are not errors; when appending, the file is cut to the records that match
 * and completed. Records for entries beyond the log (nothing writes them) are cut too.
 */
static int check_tree_file(as_custody *log, bool append, as_error *err)
{
    uint64_t size = 0;
    int have = as_path_exists(log->tree_path, err);
    int fd = have > 0 ? as_file_open_read(log->tree_path, AS_FILE_NOFOLLOW, &size, err) : -1;
    if (have < 0 || (have > 0 && fd < 0))
        return -1;
    /* Only the records the log accounts for are read: at most the tree's own size. */
    uint64_t whole = size / TREE_REC, n = whole < log->tree.nrec ? whole : log->tree.nrec;
    uint8_t *data = NULL;
    size_t got = 0;
    int rc = n == 0 ? 0 : read_log(fd, n * TREE_REC, log->tree_path, &data, &got, err);
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        return -1;
    for (uint64_t j = 0; j < n; j++)
        if (memcmp(data + j * TREE_REC, log->tree.rec[j], TREE_REC) != 0) {
            free(data);
            return as_fail(err, AS_ERR_REJECTED,
                           "%s: record %llu does not match the custody log (the tree file was "
                           "altered)",
                           log->tree_path, (unsigned long long)j + 1);
        }
    free(data);
    log->tree_nrec = n;
    if (!append)
        return 0;
    log->tree_fd = open(log->tree_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (log->tree_fd < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s", log->tree_path);
    if (ftruncate(log->tree_fd, (off_t)(n * TREE_REC)) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot cut %s", log->tree_path);
    return 0;
}

/* Appends the records the file lacks (those of entries appended since) and syncs it. */
static int sync_tree_file(as_custody *log, as_error *err)
{
    if (log->tree_nrec == log->tree.nrec)
        return 0;
    if (lseek(log->tree_fd, (off_t)(log->tree_nrec * TREE_REC), SEEK_SET) < 0 ||
        as_write_fd_all(log->tree_fd, log->tree.rec[log->tree_nrec],
                        (size_t)(log->tree.nrec - log->tree_nrec) * TREE_REC, log->tree_path,
                        err) != 0)
        return as_error_prefix(err, "custody tree: "), -1;
    if (as_fault_check("fsync") != 0 || fsync(log->tree_fd) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno ? errno : EIO, "cannot sync %s", log->tree_path);
    log->tree_nrec = log->tree.nrec;
    return 0;
}

/*
 * Reads custody.checkpoint, before the log: appends grow the log before they publish a
 * checkpoint, so a checkpoint read first never covers more than the log read after it, even
 * with an import running (readers do not take the station lock).
 */
static int read_checkpoint(as_custody *log, as_error *err)
{
    int have = as_path_exists(log->ckpt_path, err);
    if (have <= 0)
        return have;
    return as_file_read_all_flags(log->ckpt_path, AS_NOTE_MAX, AS_FILE_NOFOLLOW, &log->ckpt,
                                  &log->ckpt_len, err);
}

/*
 * Checks the checkpoint read: signed by the station under its origin, for at most the
 * entries the log holds, and with the root of the log's first entries. None is a log from
 * before the tree, unless the log says it is a tree log.
 */
static int check_checkpoint(as_custody *log, as_error *err)
{
    as_checkpoint cp;
    as_note note;
    as_tlog_source src;
    uint8_t root[AS_TLOG_HASH_LEN];
    if (log->ckpt == NULL)
        return log->marked ? as_fail(err, AS_ERR_REJECTED,
                                     "%s is missing, but the custody log is a Merkle tree log",
                                     log->ckpt_path)
                           : 0;
    if (as_checkpoint_open(&cp, &note, log->ckpt, log->ckpt_len, &log->vkey, 1, NULL, err) != 0)
        return as_error_prefix(err, "%s: ", log->ckpt_path), -1;
    if (cp.origin_len != log->vkey.name_len || memcmp(cp.origin, log->vkey.name, cp.origin_len))
        return as_fail(err, AS_ERR_REJECTED, "%s: origin %s is not this station's", log->ckpt_path,
                       cp.origin);
    if (cp.size > log->count)
        return as_fail(err, AS_ERR_REJECTED,
                       "the custody log holds %llu entries but its signed checkpoint covers "
                       "%llu: entries were removed",
                       (unsigned long long)log->count, (unsigned long long)cp.size);
    as_ctree_source(&log->tree, &src);
    if (as_tlog_root(&src, cp.size, root, err) != 0)
        return -1;
    if (!as_equal_ct(root, cp.root, AS_TLOG_HASH_LEN))
        return as_fail(err, AS_ERR_REJECTED,
                       "custody log entries 1 to %llu do not match the signed checkpoint (the "
                       "log was rewritten)",
                       (unsigned long long)cp.size);
    log->ckpt_size = cp.size;
    return 0;
}

/* Signs a checkpoint of the whole log as it is in memory into out. */
static int make_checkpoint(const as_custody *log, const as_mini_seckey *sk, as_buf *out,
                           as_error *err)
{
    as_checkpoint cp = {.size = log->count};
    memcpy(cp.origin, log->vkey.name, log->vkey.name_len);
    cp.origin_len = log->vkey.name_len;
    as_tlog_frontier_root(&log->tree.f, cp.root);
    as_buf_init(out, AS_NOTE_MAX);
    return as_checkpoint_sign(out, &cp, &log->vkey, sk->sk, err);
}

/* Writes a checkpoint of the whole log atomically and keeps it (taking b's bytes). */
static int publish_checkpoint(as_custody *log, as_buf *b, as_error *err)
{
    as_outfile o;
    if (as_outfile_open(&o, log->ckpt_path, 0644, err) != 0)
        return -1;
    if (as_write(&o.w.base, b->data, b->len, err) != 0) {
        as_outfile_abort(&o);
        return -1;
    }
    if (as_outfile_commit(&o, false, err) != 0) {
        if (!o.committed)
            return -1;
        /* The rename happened: the checkpoint is published and the entry has landed. Only
         * the folder's fsync failed; taking the entry back now would leave a log shorter
         * than its own signed checkpoint, a tamper alarm the station could never leave. If
         * the rename is lost in a power cut, the checkpoint is one entry behind: a crash
         * (FORMAT.md 6.1). */
        as_error_clear(err);
    }
    free(log->ckpt);
    log->ckpt = b->data;
    log->ckpt_len = b->len;
    log->ckpt_size = log->count;
    b->data = NULL;
    as_fault_point("custody:checkpoint-written");
    return 0;
}

/* Signs and writes a checkpoint of the whole log, if the newest one is older. */
static int sign_checkpoint(as_custody *log, const as_mini_seckey *sk, as_error *err)
{
    as_buf b;
    if (log->ckpt != NULL && log->ckpt_size == log->count)
        return 0;
    int rc =
        make_checkpoint(log, sk, &b, err) == 0 && publish_checkpoint(log, &b, err) == 0 ? 0 : -1;
    as_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- open, append, close */

/* Reads, verifies and indexes the log, then checks the tree and checkpoint beside it. */
static int load(as_custody *log, as_custody_mode mode, as_log_visit visit, void *ctx, as_error *err)
{
    uint64_t size;
    size_t len = 0;
    as_custody_chain_result ch = {.take = take_line, .take_ctx = log};
    int flags = AS_FILE_NOFOLLOW | (mode == AS_CUSTODY_APPEND ? AS_FILE_RDWR : 0);
    if (read_checkpoint(log, err) != 0)
        return -1;
    log->fd = as_file_open_read(log->path, flags, &size, err);
    if (log->fd < 0 || read_log(log->fd, size, log->path, &log->data, &len, err) != 0 ||
        as_custody_chain(log->data, len, &log->station, visit, ctx, &ch, err) != 0)
        return -1;
    log->count = ch.count;
    memcpy(log->head, ch.head, 32);
    log->end = ch.end;
    log->size = len;
    if (check_checkpoint(log, err) != 0)
        return -1;
    bool tree_log = log->ckpt != NULL;
    if (check_tree_file(log, mode == AS_CUSTODY_APPEND && tree_log, err) != 0 ||
        (log->tree_fd >= 0 && sync_tree_file(log, err) != 0))
        return -1;
    if (mode == AS_CUSTODY_READ) {
        close(log->fd);
        log->fd = -1;
    }
    return 0;
}

int as_custody_open(as_custody **out, const char *path, const as_mini_pubkey *station,
                    as_custody_mode mode, as_log_visit visit, void *ctx, as_error *err)
{
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
    log->fd = log->tree_fd = -1;
    as_ctree_init(&log->tree);
    if (side_paths(log, err) != 0 || as_custody_origin(station, &log->vkey, err) != 0 ||
        load(log, mode, visit, ctx, err) != 0) {
        as_custody_close(log);
        return -1;
    }
    *out = log;
    return 0;
}

uint64_t as_custody_tree_records(uint64_t n)
{
    return as_ctree_records(n);
}

uint64_t as_custody_count(const as_custody *log)
{
    return log->count;
}

bool as_custody_is_tree(const as_custody *log)
{
    return log->ckpt != NULL;
}

uint64_t as_custody_checkpoint_size(const as_custody *log)
{
    return log->ckpt != NULL ? log->ckpt_size : 0;
}

void as_custody_close(as_custody *log)
{
    if (log == NULL)
        return;
    if (log->fd >= 0)
        close(log->fd);
    if (log->tree_fd >= 0)
        close(log->tree_fd);
    as_ctree_free(&log->tree);
    free(log->data);
    free(log->off);
    free(log->ckpt);
    free(log->tree_path);
    free(log->ckpt_path);
    free(log->path);
    free(log);
}

/* Makes sure nothing after the line's write can fail for memory: room for the line, its
 * offset and its tree records. */
static int reserve_entry(as_custody *log, size_t len, as_error *err)
{
    uint8_t *grown = realloc(log->data, log->end + len);
    if (grown == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    log->data = grown;
    return reserve_offsets(log, log->count + 1, err) == 0 &&
                   as_ctree_reserve(&log->tree, log->count + 1, err) == 0
               ? 0
               : -1;
}

/* What an append changes in the handle, to put back when a step after the line fails. */
typedef struct undo {
    size_t end;
    uint64_t count, nrec, tree_nrec;
    uint8_t head[32];
    as_tlog_frontier f;
    bool marked;
} undo;

static void undo_save(const as_custody *log, undo *u)
{
    u->end = log->end;
    u->count = log->count;
    u->nrec = log->tree.nrec;
    u->tree_nrec = log->tree_nrec;
    memcpy(u->head, log->head, 32);
    u->f = log->tree.f;
    u->marked = log->marked;
}

/*
 * Takes a landed entry back: the log is cut to its old end and the tree file to its old
 * records (records beyond the log would be cut at the next open anyway), so the entry never
 * happened; no checkpoint covers it yet. When the log cannot be cut, count becomes 0.
 */
static void undo_entry(as_custody *log, const undo *u)
{
    bool cut = ftruncate(log->fd, (off_t)u->end) == 0 && fsync(log->fd) == 0;
    if (log->tree_fd >= 0 && log->tree_nrec > u->tree_nrec &&
        ftruncate(log->tree_fd, (off_t)(u->tree_nrec * TREE_REC)) == 0)
        (void)fsync(log->tree_fd);
    log->end = log->size = u->end;
    log->count = cut ? u->count : 0;
    log->tree.nrec = u->nrec;
    log->tree_nrec = u->tree_nrec;
    memcpy(log->head, u->head, 32);
    log->tree.f = u->f;
    log->marked = u->marked;
}

/* Proves the newest entry against the checkpoint ck (not yet published) and hands the proof
 * to landed. */
static int hand_proof(as_custody *log, const as_buf *ck, as_custody_landed_fn landed, void *ctx,
                      as_error *err)
{
    uint8_t *old = log->ckpt;
    size_t old_len = log->ckpt_len;
    uint64_t old_size = log->ckpt_size;
    as_buf proof;
    as_buf_init(&proof, AS_TLOG_PROOF_MAX);
    log->ckpt = ck->data;
    log->ckpt_len = ck->len;
    log->ckpt_size = log->count;
    int rc = as_custody_prove(log, log->count, &proof, err) == 0 &&
                     landed(ctx, log->count, proof.data, proof.len, err) == 0
                 ? 0
                 : -1;
    log->ckpt = old;
    log->ckpt_len = old_len;
    log->ckpt_size = old_size;
    as_buf_free(&proof);
    return rc;
}

/*
 * After the line b landed: keeps it (memory reserved, cannot fail), then, for a tree log,
 * appends its tree records, signs a checkpoint of the whole log, hands the entry's proof to
 * landed (may be NULL) and publishes the checkpoint. When any of these fails the entry is
 * taken back (undo_entry): an append is all or nothing, as without the tree.
 */
static int entry_landed(as_custody *log, const as_mini_seckey *sk, const as_buf *b,
                        const char *event, const undo *u, as_custody_landed_fn landed, void *ctx,
                        as_error *err)
{
    as_buf ck = {0};
    as_sha256(log->head, b->data, b->len - 1);
    memcpy(log->data + log->end, b->data, b->len);
    log->off[log->count] = log->end;
    log->off[log->count + 1] = log->end + b->len;
    (void)as_ctree_add(&log->tree, b->data, b->len - 1, err); /* reserved: cannot fail */
    log->count++;
    log->end += b->len;
    log->size = log->end;
    if (strcmp(event, "tlog-start") == 0)
        log->marked = true;
    if (log->ckpt == NULL)
        return 0; /* a log from before the tree: as_custody_migrate carries it over */
    int rc = sync_tree_file(log, err);
    if (rc == 0) {
        as_fault_point("custody:tree-appended");
        rc = make_checkpoint(log, sk, &ck, err);
    }
    if (rc == 0 && landed != NULL)
        rc = hand_proof(log, &ck, landed, ctx, err);
    if (rc == 0)
        rc = publish_checkpoint(log, &ck, err);
    as_buf_free(&ck);
    if (rc != 0)
        undo_entry(log, u);
    return rc;
}

int as_custody_append_proven(as_custody *log, const as_mini_seckey *sk, const char *event,
                             const as_log_field *fields, size_t nfields, time_t when,
                             as_custody_landed_fn landed, void *ctx, uint64_t *seq, as_error *err)
{
    as_mini_pubkey pk;
    as_buf b;
    undo u;
    as_mini_seckey_public(sk, &pk);
    if (log->fd < 0 || log->count == 0)
        return as_fail(err, AS_ERR_INTERNAL, "custody log %s is not open for appending", log->path);
    if (memcmp(&pk, &log->station, sizeof pk) != 0)
        return as_fail(err, AS_ERR_INTERNAL, "custody log %s: not signed with the station key",
                       log->path);
    as_buf_init(&b, AS_LOG_LINE_MAX + 2);
    undo_save(log, &u);
    int rc = format_entry(&b, log->count + 1, when, event, fields, nfields, log->head, sk, err);
    if (rc == 0)
        rc = reserve_entry(log, b.len, err);
    if (rc == 0)
        rc = write_entry(log, &b, err);
    if (rc == 0) {
        as_fault_point("custody:after-write");
        rc = entry_landed(log, sk, &b, event, &u, landed, ctx, err);
        if (rc == 0 && seq != NULL)
            *seq = log->count;
    }
    as_buf_free(&b);
    return rc;
}

int as_custody_append(as_custody *log, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, uint64_t *seq,
                      as_error *err)
{
    return as_custody_append_proven(log, sk, event, fields, nfields, when, NULL, NULL, seq, err);
}

int as_custody_sync(as_custody *log, const as_mini_seckey *sk, as_error *err)
{
    if (log->fd < 0 || log->count == 0 || log->ckpt == NULL)
        return as_fail(err, AS_ERR_INTERNAL, "custody log %s is not an open tree log", log->path);
    return sync_tree_file(log, err) == 0 && sign_checkpoint(log, sk, err) == 0 ? 0 : -1;
}

int as_custody_migrate(as_custody *log, const as_mini_seckey *sk, time_t when, uint64_t *seq,
                       as_error *err)
{
    char n[24];
    if (log->fd < 0 || log->count == 0)
        return as_fail(err, AS_ERR_INTERNAL, "custody log %s is not open for appending", log->path);
    if (log->marked && log->ckpt != NULL)
        return as_fail(err, AS_ERR_EXISTS, "%s is a Merkle tree log already", log->path);
    /* First the tree and a checkpoint of the old entries (from then on the log is a tree
     * log), then the entry that records the migration: a crash between the two leaves a tree
     * log that a second migrate finishes. */
    if (log->ckpt == NULL && (check_tree_file(log, true, err) != 0 ||
                              sync_tree_file(log, err) != 0 || sign_checkpoint(log, sk, err) != 0))
        return -1;
    snprintf(n, sizeof n, "%llu", (unsigned long long)log->count);
    as_log_field f[] = {{"entries", n}, {"tree", "rfc6962"}};
    return as_custody_append(log, sk, "tlog-start", f, 2, when, seq, err);
}

int as_custody_create(const char *path, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, as_error *err)
{
    static const uint8_t zero[32];
    as_buf b;
    as_custody *log = calloc(1, sizeof *log);
    as_buf_init(&b, AS_LOG_LINE_MAX + 2);
    int rc = log == NULL ? as_fail(err, AS_ERR_NOMEM, "out of memory")
                         : format_entry(&b, 1, when, event, fields, nfields, zero, sk, err);
    if (rc == 0) {
        as_fault_point("custody:before-write");
        rc = as_file_create_excl(path, b.data, b.len, 0600, err);
    }
    if (rc == 0)
        as_fault_point("custody:after-write");
    /* The tree of the one entry and its checkpoint. */
    if (rc == 0) {
        log->fd = log->tree_fd = -1;
        log->path = strdup(path);
        as_ctree_init(&log->tree);
        as_mini_seckey_public(sk, &log->station);
        rc = log->path == NULL ? as_fail(err, AS_ERR_NOMEM, "out of memory") : 0;
    }
    if (rc == 0)
        rc = side_paths(log, err) == 0 && as_custody_origin(&log->station, &log->vkey, err) == 0 &&
                     as_ctree_add(&log->tree, b.data, b.len - 1, err) == 0 &&
                     as_file_write_atomic(log->tree_path, log->tree.rec, TREE_REC, 0644, err) == 0
                 ? 0
                 : -1;
    if (rc == 0) {
        log->count = 1;
        rc = sign_checkpoint(log, sk, err);
    }
    as_custody_close(log);
    as_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- one entry, proven */

int as_custody_prove(const as_custody *log, uint64_t seq, as_buf *out, as_error *err)
{
    as_tlog_source src;
    as_tlog_proof *p;
    if (log->ckpt == NULL)
        return as_fail(err, AS_ERR_REJECTED,
                       "the custody log is not a Merkle tree log yet (airseal-recv log migrate)");
    if (seq == 0 || seq > log->ckpt_size)
        return as_fail(err, AS_ERR_USAGE,
                       "custody log entry %llu is not in the signed tree "
                       "(%llu entries)",
                       (unsigned long long)seq, (unsigned long long)log->ckpt_size);
    size_t n = (size_t)(log->off[seq] - log->off[seq - 1] - 1);
    if (n > AS_TLOG_PROOF_EXTRA_MAX)
        return as_fail(err, AS_ERR_INTERNAL, "custody log entry %llu is too long to prove",
                       (unsigned long long)seq);
    if ((p = calloc(1, sizeof *p)) == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    p->has_extra = true;
    p->extra_len = n;
    memcpy(p->extra, log->data + log->off[seq - 1], n);
    p->index = seq - 1;
    p->checkpoint = log->ckpt;
    p->checkpoint_len = log->ckpt_len;
    as_ctree_source(&log->tree, &src);
    int rc = as_tlog_prove_inclusion(&src, seq - 1, log->ckpt_size, &p->path, err) == 0 &&
                     as_tlog_proof_format(out, p, err) == 0
                 ? 0
                 : -1;
    free(p);
    return rc;
}

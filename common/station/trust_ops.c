/* trust_ops.c: trust changes under the station lock, the store checked against the log; see
 * trust_ops.h. */
#include "trust_ops.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/file.h"
#include "station_lock.h"

enum {
    LAST_NONE,
    LAST_ADD,
    LAST_REMOVE
};

/* What replaying the log's trust events gives, and the entry that did it last. */
typedef struct trust_replay {
    as_trust_store ts;
    int last;             /* the log's last entry, when it is a trust change */
    as_trust_entry entry; /* ... and its key and label */
    as_log_visit visit;
    void *ctx;
} trust_replay;

/* Reads key, pubkey and label of a trust-add / trust-remove entry (checked when signed). */
static int trust_fields(const as_log_entry *e, as_trust_entry *out, as_error *err)
{
    const char *id = as_log_get(e, "key"), *b64 = as_log_get(e, "pubkey");
    const char *label = as_log_get(e, "label");
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    memset(out, 0, sizeof *out);
    if (id == NULL || b64 == NULL || label == NULL || strlen(label) > AS_TRUST_LABEL_MAX ||
        as_mini_keyid_parse(keynum, id, strlen(id)) != 0 ||
        as_mini_pubkey_parse_b64(&out->key, b64, strlen(b64), err) != 0 ||
        memcmp(keynum, out->key.keynum, AS_MINI_KEYNUM_LEN) != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_FORMAT, "custody log entry %llu: malformed %s fields",
                       (unsigned long long)e->seq, e->event);
    }
    memcpy(out->label, label, strlen(label) + 1);
    return 0;
}

static int replay_visit(const as_log_entry *e, void *ctx, as_error *err)
{
    trust_replay *r = ctx;
    bool add = strcmp(e->event, "trust-add") == 0, rm = strcmp(e->event, "trust-remove") == 0;
    r->last = LAST_NONE;
    if (add || rm) {
        if (trust_fields(e, &r->entry, err) != 0)
            return -1;
        int rc = add ? as_trust_add(&r->ts, &r->entry.key, r->entry.label, err)
                     : as_trust_remove(&r->ts, r->entry.key.keynum, NULL, err);
        if (rc != 0) {
            /* A log signed by this station never does this: say which entry. */
            as_error_prefix(err, "custody log entry %llu: ", (unsigned long long)e->seq);
            return -1;
        }
        r->last = add ? LAST_ADD : LAST_REMOVE;
    }
    return r->visit != NULL ? r->visit(e, r->ctx, err) : 0;
}

static int store_copy(as_trust_store *dst, const as_trust_store *src, as_error *err)
{
    dst->n = 0;
    dst->v = src->n ? malloc(src->n * sizeof *src->v) : NULL;
    if (src->n && dst->v == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (src->n)
        memcpy(dst->v, src->v, src->n * sizeof *src->v);
    dst->n = src->n;
    return 0;
}

/*
 * Compares the file's store with the log's as sets. 0 when equal; otherwise 1 with the first
 * disagreement described in what (one phrase naming the key).
 */
static int store_diff(const as_trust_store *file, const as_trust_store *log, char *what, size_t cap)
{
    char id[AS_MINI_KEYID_STR];
    for (size_t i = 0; i < file->n; i++) {
        const as_trust_entry *f = &file->v[i], *l = as_trust_find(log, f->key.keynum);
        as_mini_keyid(f->key.keynum, id);
        if (l == NULL) {
            snprintf(what, cap,
                     "key %s (\"%s\") is in trusted-signers.txt but the custody log does not "
                     "trust it",
                     id, f->label);
            return 1;
        }
        if (memcmp(&l->key, &f->key, sizeof f->key) != 0) {
            snprintf(what, cap,
                     "key %s has another public key in trusted-signers.txt than in the custody "
                     "log",
                     id);
            return 1;
        }
        if (strcmp(l->label, f->label) != 0) {
            snprintf(what, cap,
                     "key %s is labelled \"%s\" in trusted-signers.txt but \"%s\" in the custody "
                     "log",
                     id, f->label, l->label);
            return 1;
        }
    }
    for (size_t i = 0; i < log->n; i++) {
        if (as_trust_find(file, log->v[i].key.keynum) == NULL) {
            as_mini_keyid(log->v[i].key.keynum, id);
            snprintf(what, cap,
                     "key %s (\"%s\") is trusted by the custody log but missing from "
                     "trusted-signers.txt",
                     id, log->v[i].label);
            return 1;
        }
    }
    return 0;
}

/* Whether the file is the log's store before its last entry: the crash window of a change. */
static int is_crash_window(const as_trust_store *file, const trust_replay *r, as_error *err)
{
    as_trust_store before;
    char what[8];
    if (r->last == LAST_NONE || store_copy(&before, &r->ts, err) != 0)
        return r->last == LAST_NONE ? 0 : -1;
    int rc = r->last == LAST_ADD ? as_trust_remove(&before, r->entry.key.keynum, NULL, err)
                                 : as_trust_add(&before, &r->entry.key, r->entry.label, err);
    int same = rc == 0 && store_diff(file, &before, what, sizeof what) == 0;
    as_trust_free(&before);
    as_error_clear(err);
    return same;
}

static int load_file(const as_station *st, const char *path, const trust_replay *r,
                     as_trust_store *file, as_error *err)
{
    int there = as_path_exists(path, err);
    if (there < 0)
        return -1;
    if (!there)
        return as_fail(err, AS_ERR_REJECTED,
                       "station %s has no trusted-signers.txt (its custody log trusts %zu "
                       "key%s); nothing was changed",
                       st->dir, r->ts.n, r->ts.n == 1 ? "" : "s");
    return as_trust_load(file, path, err);
}

/*
 * Opens the log (for appending when the caller holds the lock, so that the same verified
 * handle takes the operation's entry), replaying its trust events into r.
 */
static int open_log(const as_station *st, bool locked, trust_replay *r, as_custody **log,
                    as_error *err)
{
    char *path = as_station_path(st, AS_STATION_LOG, err);
    int rc =
        path ? as_custody_open(log, path, &st->pub, locked ? AS_CUSTODY_APPEND : AS_CUSTODY_READ,
                               replay_visit, r, err)
             : -1;
    if (rc != 0 && path != NULL && err->code != AS_ERR_NOMEM && err->code != AS_ERR_IO)
        as_error_prefix(err, "refusing to use station %s, whose custody log is damaged: ", st->dir);
    free(path);
    return rc;
}

/*
 * Compares trusted-signers.txt with the log's store r->ts. A disagreement is refused unless it
 * is the crash window of the log's last entry, which is completed when repair is set.
 */
static int compare_file(const as_station *st, bool repair, const trust_replay *r, as_error *err)
{
    as_trust_store file = {0};
    char what[400];
    char *path = as_station_path(st, AS_STATION_TRUST, err);
    int rc = -1;
    if (path == NULL || load_file(st, path, r, &file, err) != 0)
        goto out;
    if (store_diff(&file, &r->ts, what, sizeof what) != 0) {
        int window = is_crash_window(&file, r, err);
        if (window < 0)
            goto out;
        if (!window) {
            as_fail(err, AS_ERR_REJECTED,
                    "station %s: the trust store disagrees with the custody log: %s; nothing "
                    "was changed",
                    st->dir, what);
            goto out;
        }
        /* A trust change logged but not saved (killed in between): finish it now. */
        if (repair && as_trust_save(&r->ts, path, err) != 0)
            goto out;
        if (repair)
            as_fault_point("trust:completed");
    }
    rc = 0;
out:
    as_trust_free(&file);
    free(path);
    return rc;
}

/* as_station_trust_checked, with repair and an appendable log only when the caller holds the
 * lock. */
static int checked(const as_station *st, bool locked, as_trust_store *ts, as_log_visit visit,
                   void *ctx, as_custody **log, as_error *err)
{
    trust_replay r = {.visit = visit, .ctx = ctx};
    as_custody *opened = NULL;
    int rc = -1;
    if (open_log(st, locked, &r, &opened, err) == 0 && compare_file(st, locked, &r, err) == 0) {
        *ts = r.ts;
        r.ts.v = NULL;
        rc = 0;
    }
    as_trust_free(&r.ts);
    if (rc == 0 && log != NULL)
        *log = opened;
    else
        as_custody_close(opened);
    return rc;
}

int as_station_trust_checked(as_station *st, as_trust_store *ts, as_log_visit visit, void *ctx,
                             as_custody **log, as_error *err)
{
    if (log != NULL)
        *log = NULL;
    return checked(st, as_station_locked(st), ts, visit, ctx, log, err);
}

int as_station_trust_peek(const as_station *st, as_trust_store *ts, as_error *err)
{
    char *path = as_station_path(st, AS_STATION_TRUST, err);
    int rc = path ? as_trust_load(ts, path, err) : -1;
    free(path);
    return rc;
}

int as_station_trust_list(const as_station *st, as_trust_store *ts, as_error *err)
{
    return checked(st, false, ts, NULL, NULL, NULL, err);
}

/* Logs the change, then saves the store: the order the crash-window rule depends on. */
static int commit_change(as_station *st, as_custody *log, const as_trust_store *ts, bool adding,
                         const as_trust_entry *e, as_error *err)
{
    char id[AS_MINI_KEYID_STR], b64[AS_MINI_PUBKEY_B64_LEN + 1];
    as_mini_keyid(e->key.keynum, id);
    as_mini_pubkey_b64(&e->key, b64);
    as_log_field f[] = {{"key", id}, {"pubkey", b64}, {"label", e->label}};
    char *path = as_station_path(st, AS_STATION_TRUST, err);
    int rc = -1;
    if (path != NULL && as_custody_append(log, st->signer, adding ? "trust-add" : "trust-remove", f,
                                          3, time(NULL), NULL, err) == 0) {
        as_fault_point(adding ? "trust:add-logged" : "trust:remove-logged");
        rc = as_trust_save(ts, path, err);
    }
    free(path);
    return rc;
}

/* One trust change under the lock: check (the log verified once), apply in memory, log on the
 * same open log, save. */
static int trust_change(as_station *st, bool adding, as_trust_entry *e, as_error *err)
{
    as_trust_store ts = {0};
    as_custody *log = NULL;
    if (st->signer == NULL)
        return as_fail(err, AS_ERR_INTERNAL, "station %s is not unlocked", st->dir);
    if (as_station_lock(st, err) != 0)
        return -1;
    as_fault_point("trust:locked");
    int rc = as_station_trust_checked(st, &ts, NULL, NULL, &log, err);
    if (rc == 0)
        rc = adding ? as_trust_add(&ts, &e->key, e->label, err)
                    : as_trust_remove(&ts, e->key.keynum, e, err);
    if (rc == 0)
        rc = commit_change(st, log, &ts, adding, e, err);
    as_custody_close(log);
    as_trust_free(&ts);
    as_station_release(st);
    return rc;
}

int as_station_trust_add(as_station *st, const as_mini_pubkey *key, const char *label,
                         as_error *err)
{
    as_trust_entry e;
    memset(&e, 0, sizeof e);
    if (as_trust_label_check(label, err) != 0)
        return -1;
    e.key = *key;
    memcpy(e.label, label, strlen(label) + 1);
    return trust_change(st, true, &e, err);
}

int as_station_trust_remove(as_station *st, const uint8_t keynum[AS_MINI_KEYNUM_LEN],
                            as_trust_entry *removed, as_error *err)
{
    uint8_t k[AS_MINI_KEYNUM_LEN];
    memcpy(k, keynum, sizeof k); /* keynum may point into *removed */
    memset(removed, 0, sizeof *removed);
    memcpy(removed->key.keynum, k, sizeof k);
    return trust_change(st, false, removed, err);
}

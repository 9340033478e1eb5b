/*
 * custody.h: the station's custody log, an append-only hash chain of signed entries.
 *
 * One entry per line (format in docs/FORMAT.md):
 *
 *   <seq> <time> <event> <key>=<value>... prev=<sha256 hex> sig=<base64>
 *
 * seq counts from 1; time is UTC "YYYY-MM-DDTHH:MM:SSZ"; values are %-encoded tokens; prev is
 * the SHA-256 of the previous line (without its '\n'; 64 zeros for the first); sig is a
 * minisign ED signature line (base64 of "ED" || key number || Ed25519 signature of the
 * BLAKE2b-512 of the line's bytes before " sig=") by the station key.
 *
 * The log is used through one open handle per operation: as_custody_open() reads it and verifies
 * the whole chain once (a station never extends a log that has been tampered with), then
 * as_custody_append() adds entries to the open file, each with one write and an fsync. A
 * crash can leave at most a torn last line (no '\n'): it never happened. Verification ignores
 * it and the next append cuts it off before writing, so the log holds a whole new entry or
 * none. A failed append (disk full) truncates the file back to where it was.
 *
 * The log is also an RFC 6962 Merkle tree log (docs/FORMAT.md section 6): every entry line
 * (without its '\n') is a leaf, entry n being leaf index n - 1. Beside custody.log, two files
 * (their names: the log's path without ".log", plus ".tree" and ".checkpoint"):
 *
 *   custody.tree        every hash of the tree, 32 bytes a record, in the order the tree's
 *                       frontier completes them (custody_tree.h); a pure function of the log
 *   custody.checkpoint  the newest C2SP checkpoint, a signed note by the station key under
 *                       the origin "airseal.station/<station id>", written atomically
 *
 * An append writes the line (write, fsync), then its records (write, fsync), then a new
 * checkpoint: a crash leaves the tree short (completed at the next open for appending) or
 * the checkpoint behind (re-signed at the next append or as_custody_sync), never ahead. A
 * checkpoint that covers more entries than the log, or whose root is not that of the log's
 * first entries, is refused. A log from before the tree has no checkpoint and verifies as a
 * chain only until as_custody_migrate carries it into the tree; a log whose init entry has
 * tree= or that holds a tlog-start entry must have its checkpoint.
 */
#ifndef AIRSEAL_STATION_CUSTODY_H
#define AIRSEAL_STATION_CUSTODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../core/bytes.h"
#include "../core/error.h"
#include "../crypto/minisign.h"
#include "../crypto/note.h"

/* Checkpoints name the log "airseal.station/<station id>". */
#define AS_CUSTODY_ORIGIN_PREFIX "airseal.station/"

#define AS_LOG_MAX_FIELDS 16
#define AS_LOG_KEY_MAX 32
#define AS_LOG_VALUE_MAX 2048 /* a hybrid recipient (init) is 1,959 bytes */
#define AS_LOG_LINE_MAX 8192
#define AS_LOG_FILE_MAX (256u << 20)

typedef struct as_log_field {
    const char *key;
    const char *value;
} as_log_field;

typedef struct as_log_entry {
    uint64_t seq;
    char time[21];
    char event[AS_LOG_KEY_MAX];
    size_t nfields;
    struct {
        char key[AS_LOG_KEY_MAX];
        char value[AS_LOG_VALUE_MAX];
    } fields[AS_LOG_MAX_FIELDS];
    uint8_t line_hash[32]; /* SHA-256 of this line, what the next entry's prev must be */
} as_log_entry;

/* The value of a field, or NULL. */
const char *as_log_get(const as_log_entry *e, const char *key);

/*
 * Called for each verified entry, in order; return non-zero (with err set) to stop.
 */
typedef int (*as_log_visit)(const as_log_entry *e, void *ctx, as_error *err);

/*
 * Verifies the whole log held in memory against the station's public key and calls visit
 * (may be NULL) for every entry. Stops at the first broken entry with an error naming its
 * sequence number (line) and what is wrong: AS_ERR_FORMAT when an entry does not follow the
 * grammar, AS_ERR_REJECTED when it parses but breaks the chain or its signature. A final
 * line without '\n' (a torn append, at most AS_LOG_LINE_MAX bytes) is not an entry and is
 * ignored. *count receives the number of entries.
 */
int as_custody_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                      as_log_visit visit, void *ctx, uint64_t *count, as_error *err);

/* An open custody log: verified once, then appended to. */
typedef struct as_custody as_custody;

typedef enum {
    AS_CUSTODY_READ,   /* verify only; the file is not kept open */
    AS_CUSTODY_APPEND, /* the file stays open for as_custody_append; the caller holds the
                          station lock, so it is the only writer */
} as_custody_mode;

/*
 * Opens the log file at path (a regular file, not a link), reads it and verifies it as
 * as_custody_verify does, calling visit on every entry. *out receives the handle (close it
 * with as_custody_close), or NULL on failure.
 */
int as_custody_open(as_custody **out, const char *path, const as_mini_pubkey *station,
                    as_custody_mode mode, as_log_visit visit, void *ctx, as_error *err);

/*
 * The number of entries in the log as this handle knows it: the verified ones plus those it
 * appended. 0 when an append failed and the file could not be put back as it was (what it
 * holds is then unknown, and the handle refuses to append).
 */
uint64_t as_custody_count(const as_custody *log);

/*
 * Appends one entry signed by sk, which must be the station key the log was verified with,
 * to a log opened with AS_CUSTODY_APPEND: the line, then (a tree log) its tree records and a
 * new checkpoint. *seq (may be NULL) receives the new entry's number. On failure the files
 * are as they were (see as_custody_count for when they cannot be).
 */
int as_custody_append(as_custody *log, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, uint64_t *seq,
                      as_error *err);

/* True when the log is a Merkle tree log (it has a verified checkpoint). */
bool as_custody_is_tree(const as_custody *log);

/* The tree size the newest verified (or signed) checkpoint covers; 0 when there is none. */
uint64_t as_custody_checkpoint_size(const as_custody *log);

/*
 * For a tree log opened with AS_CUSTODY_APPEND: writes the tree records the file lacks and
 * signs a checkpoint of the whole log if the newest is older (what a crash between an
 * append's steps leaves behind). sk as for as_custody_append. Returns 0, or -1 with err set.
 */
int as_custody_sync(as_custody *log, const as_mini_seckey *sk, as_error *err);

/*
 * Carries a log from before the tree (opened with AS_CUSTODY_APPEND) into the tree: writes
 * custody.tree and a checkpoint of its entries as they are (they become the first leaves),
 * then appends the entry "tlog-start entries=<n> tree=rfc6962" recording the migration
 * (*seq, may be NULL, receives its number). AS_ERR_EXISTS when the log is a tree log already.
 */
int as_custody_migrate(as_custody *log, const as_mini_seckey *sk, time_t when, uint64_t *seq,
                       as_error *err);

/*
 * Appends to out the proof that entry seq is in the log: a C2SP tlog-proof (checkpoint.h)
 * whose extra is the entry's line (without '\n'), its index seq - 1, the inclusion path and
 * the newest checkpoint. Nothing of any other entry is in it. AS_ERR_REJECTED for a log from
 * before the tree, AS_ERR_USAGE for an entry the checkpoint does not cover.
 */
int as_custody_prove(const as_custody *log, uint64_t seq, as_buf *out, as_error *err);

/*
 * Verifies a proof made by as_custody_prove with the station's public key alone: the
 * checkpoint is signed by the station under its origin, the entry line is leaf index of
 * that tree, and the line is a well-formed entry numbered index + 1 signed by the station
 * (its prev= is not checked: the other entries stay unseen). Fills *e and *tree_size (may be
 * NULL). Returns 0, or -1 with err set (AS_ERR_FORMAT, AS_ERR_REJECTED, AS_ERR_SIGNATURE).
 */
int as_custody_entry_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                            as_log_entry *e, uint64_t *tree_size, as_error *err);

/* The number of 32-byte records in custody.tree for a log of n entries: 2n - popcount(n). */
uint64_t as_custody_tree_records(uint64_t n);

/* The station's note key: its public key named by its origin "airseal.station/<id>". */
int as_custody_origin(const as_mini_pubkey *station, as_note_vkey *vkey, as_error *err);

/*
 * Called by as_custody_append_proven once the new entry seq and its tree records have landed
 * and before the checkpoint that covers it is published, with the entry's proof (what
 * as_custody_prove will give once it is): the caller stores it, so that every proof it hands
 * out names an entry that is in the log. Returns 0, or -1 with err set to take the entry back.
 */
typedef int (*as_custody_landed_fn)(void *ctx, uint64_t seq, const uint8_t *proof, size_t len,
                                    as_error *err);

/*
 * as_custody_append, and for a tree log landed (may be NULL) is given the entry's proof
 * before its checkpoint is published. If landed, the tree records or the checkpoint fail,
 * the entry is taken back (the log and tree file cut to where they were): the append
 * happened entirely or not at all. For a log from before the tree landed is not called.
 */
int as_custody_append_proven(as_custody *log, const as_mini_seckey *sk, const char *event,
                             const as_log_field *fields, size_t nfields, time_t when,
                             as_custody_landed_fn landed, void *ctx, uint64_t *seq, as_error *err);

/* Closes the file and frees the handle. Accepts NULL. */
void as_custody_close(as_custody *log);

/* Creates a new log at path, which must not exist (AS_ERR_EXISTS), holding one entry: the
 * first (seq 1, prev all zero), signed by sk; and its tree and first checkpoint beside it.
 * A field tree=... in this entry makes the log one that must always have its checkpoint. */
int as_custody_create(const char *path, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, as_error *err);

#endif

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
 */
#ifndef AIRSEAL_STATION_CUSTODY_H
#define AIRSEAL_STATION_CUSTODY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../core/error.h"
#include "../crypto/minisign.h"

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
 * to a log opened with AS_CUSTODY_APPEND. *seq (may be NULL) receives the new entry's
 * number. On failure the file is as it was (see as_custody_count for when it cannot be).
 */
int as_custody_append(as_custody *log, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, uint64_t *seq,
                      as_error *err);

/* Closes the file and frees the handle. Accepts NULL. */
void as_custody_close(as_custody *log);

/* Creates a new log at path, which must not exist (AS_ERR_EXISTS), holding one entry: the
 * first (seq 1, prev all zero), signed by sk. */
int as_custody_create(const char *path, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, as_error *err);

#endif

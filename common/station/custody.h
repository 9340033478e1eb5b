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
 * Appending rewrites the log atomically (temporary + fsync + rename) after verifying the whole
 * existing chain, so a crash leaves the old log or the new one, and a station never extends
 * a log that has been tampered with.
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
 * sequence number (line) and what is wrong. *count receives the number of entries.
 */
int as_custody_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                      as_log_visit visit, void *ctx, uint64_t *count, as_error *err);

/* Reads and verifies the log file at path. */
int as_custody_verify_file(const char *path, const as_mini_pubkey *station, as_log_visit visit,
                           void *ctx, uint64_t *count, as_error *err);

/*
 * Appends one entry signed by sk. When create is set the log must not exist yet (the first
 * entry); otherwise it must exist and verify. *seq receives the new entry's number.
 */
int as_custody_append(const char *path, const as_mini_seckey *sk, const char *event,
                      const as_log_field *fields, size_t nfields, time_t when, int create,
                      uint64_t *seq, as_error *err);

#endif

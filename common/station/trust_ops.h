/*
 * trust_ops.h: the trust store as a station operation. Every change takes the station lock
 * inside, and every read checks trusted-signers.txt against the custody log, whose trust-add
 * and trust-remove entries (signed, hash-chained) are the authority: the file is a cache of
 * what the log says. See docs/FORMAT.md section 5.
 *
 * The one disagreement that is not refused is the crash window of a trust change: the log
 * entry is appended first and the file saved after it, so a crash in between leaves a log
 * whose last entry is a trust change the file does not show yet. Under the lock that change is
 * completed (the file rewritten from the log); a read without the lock uses the log's view.
 */
#ifndef AIRSEAL_STATION_TRUST_OPS_H
#define AIRSEAL_STATION_TRUST_OPS_H

#include "custody.h"
#include "station.h"
#include "trust.h"

/*
 * Reads the trust store without the lock and without the log check: only for early, advisory
 * answers (a front end checking that a change applies before it asks a human anything, an
 * import's cheap signer precheck). Every decision is taken again by the functions below.
 */
int as_station_trust_peek(const as_station *st, as_trust_store *ts, as_error *err);

/*
 * The trust store checked against the custody log (which is verified), for listing. Takes no
 * lock, so it never answers busy and changes nothing. *ts is the caller's to free.
 */
int as_station_trust_list(const as_station *st, as_trust_store *ts, as_error *err);

/*
 * Trusts key under label. st must be unlocked (it signs the log entry). Under the station
 * lock: checks the store against the log, refuses a key already trusted (AS_ERR_EXISTS),
 * appends "trust-add" to the log, then saves the store. AS_ERR_BUSY when the station is busy.
 */
int as_station_trust_add(as_station *st, const as_mini_pubkey *key, const char *label,
                         as_error *err);

/*
 * Removes the key with this key number, as as_station_trust_add does (log "trust-remove",
 * then save). *removed receives the removed entry. AS_ERR_USAGE when it is not trusted.
 */
int as_station_trust_remove(as_station *st, const uint8_t keynum[AS_MINI_KEYNUM_LEN],
                            as_trust_entry *removed, as_error *err);

/*
 * For the station module (intake, trust changes): opens the custody log and verifies it once,
 * replaying its trust events and calling visit (may be NULL) on every entry; loads
 * trusted-signers.txt and compares. Under the lock (st holds it) a crash window is completed
 * and *log (when log is not NULL) receives the log open for appending, the operation's one
 * handle (close it); without the lock the log's view is used and *log is opened read-only.
 * *ts receives the store (caller frees).
 */
int as_station_trust_checked(as_station *st, as_trust_store *ts, as_log_visit visit, void *ctx,
                             as_custody **log, as_error *err);

#endif

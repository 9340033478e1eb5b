/*
 * station.h: the court intake station's directory (layout in docs/FORMAT.md):
 *
 *   STATION/station.conf         format version, station id, recipient (and its type), whether
 *                                protected
 *   STATION/identity.age         age identity (hybrid mlkem768x25519 by default, or X25519),
 *                                encrypted to the station passphrase
 *   STATION/identity.txt         ... or in the clear (--no-passphrase), mode 0600
 *   STATION/recipient.pub        the age1pq1... (or age1...) line NGOs encrypt to
 *   STATION/station.key          minisign secret key that signs receipts and log entries
 *   STATION/station.pub          its public key, for NGOs and auditors
 *   STATION/trusted-signers.txt  the trust store
 *   STATION/custody.log          the custody log (first entry: init)
 *   STATION/vault/               imported bundles, vault/<case folder>/<bundle-id>/ (vault.h)
 *   STATION/receipts/            signed receipts
 *   STATION/staging/             work area of imports in progress
 *   STATION/.lock                the station lock (station_lock.h, inside the module only)
 *
 * The station id is the key id of the station's signing key. A station has exactly one
 * recipient type (FORMAT.md 4): a hybrid station holds no X25519 identity, so nothing sealed
 * to it can be opened by breaking X25519 alone.
 */
#ifndef AIRSEAL_STATION_STATION_H
#define AIRSEAL_STATION_STATION_H

#include <stdbool.h>
#include <time.h>

#include "../core/error.h"
#include "../crypto/age_keys.h"
#include "../crypto/fingerprint.h"
#include "../crypto/minisign.h"

#define AS_STATION_CONF "station.conf"
#define AS_STATION_IDENTITY_ENC "identity.age"
#define AS_STATION_IDENTITY_PLAIN "identity.txt"
#define AS_STATION_RECIPIENT "recipient.pub"
#define AS_STATION_RECIPIENT_PNG "recipient.png"
#define AS_STATION_SIGNKEY "station.key"
#define AS_STATION_PUBKEY "station.pub"
#define AS_STATION_TRUST "trusted-signers.txt"
#define AS_STATION_LOG "custody.log"
#define AS_STATION_VAULT "vault"
#define AS_STATION_RECEIPTS "receipts"
#define AS_STATION_STAGING "staging"
#define AS_STATION_SCAN_CACHE "scan-cache"

typedef enum {
    AS_STATION_X25519, /* classical: age1... / AGE-SECRET-KEY-1... (stations before issue 15) */
    AS_STATION_HYBRID, /* post-quantum hybrid: age1pq1... / AGE-SECRET-KEY-PQ-1... (default) */
} as_station_kind;

typedef struct as_station {
    char *dir;
    char id[AS_MINI_KEYID_STR];
    as_mini_pubkey pub;
    as_station_kind kind;
    as_age_recipient recipient;       /* set when kind is AS_STATION_X25519 */
    as_age_pq_recipient pq_recipient; /* set when kind is AS_STATION_HYBRID */
    bool protected_at_rest;
    time_t created;
    as_age_identity *identity;       /* set by as_station_unlock (classical) */
    as_age_pq_identity *pq_identity; /* set by as_station_unlock (hybrid) */
    as_mini_seckey *signer;          /* set by as_station_unlock */
    struct as_station_lockstate *lk; /* the lock and work folder; see station_lock.h */
} as_station;

/*
 * Creates a new station at dir (which must not exist, or be an empty directory). With a
 * passphrase the identity and the signing key are encrypted with it; passphrase NULL stores
 * them in the clear (0600). Built in a temporary directory beside dir and renamed into place,
 * so a failure leaves nothing. On success *st is open and unlocked.
 */
int as_station_create(as_station *st, const char *dir, const char *passphrase,
                      size_t passphrase_len, as_error *err);

/* As as_station_create, with the station's recipient type chosen: AS_STATION_HYBRID is what
 * `airseal-recv init` makes; as_station_create makes a classical station. */
int as_station_create_kind(as_station *st, const char *dir, as_station_kind kind,
                           const char *passphrase, size_t passphrase_len, as_error *err);

/* The station's recipient string (age1pq1... or age1...), NUL-terminated, into out. */
void as_station_recipient_format(const as_station *st, char out[AS_AGE_PQ_RECIPIENT_STR_MAX]);

/* The fingerprint of the station's recipient (fingerprint.h), of whichever type it is. */
void as_station_recipient_fingerprint(const as_station *st, char out[AS_FINGERPRINT_STR]);

/* Opens an existing station: reads and cross-checks its public parts. */
int as_station_open(as_station *st, const char *dir, as_error *err);

/*
 * Fails with AS_ERR_EXISTS when dir exists and is not an empty directory: the cheap check a
 * front end makes before asking for a new passphrase. as_station_create checks again (two
 * inits of one folder at once: exactly one rename wins, the other fails with AS_ERR_EXISTS).
 */
int as_station_can_create(const char *dir, as_error *err);

/* Decrypts the identity and the signing key. passphrase is ignored for an unprotected
 * station. A wrong passphrase is AS_ERR_KEY. */
int as_station_unlock(as_station *st, const char *passphrase, size_t passphrase_len, as_error *err);

/* A malloc'd path inside the station (free it), or NULL with err set. */
char *as_station_path(const as_station *st, const char *name, as_error *err);

/* Wipes keys and frees; releases the station lock and the work folder's lock if held. */
void as_station_close(as_station *st);

#endif

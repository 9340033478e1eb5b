/*
 * keyinfo.h: the `fingerprint` verb both programs have: what a public key file is and the
 * fingerprint to compare over the phone (common/crypto/fingerprint.h), for the NGO checking
 * the Court's recipient.pub and station.pub, the station checking an NGO's key, and auditors.
 * A whole verb (getopt, output) lives here rather than in sender/ and receiver/ because it is
 * the same in both and ui/ is the front ends' layer, above the library; each main() only
 * dispatches "fingerprint" to as_keyinfo_command().
 */
#ifndef AIRSEAL_UI_KEYINFO_H
#define AIRSEAL_UI_KEYINFO_H

#include "../core/error.h"
#include "../crypto/fingerprint.h"

typedef enum {
    AS_KEY_MINISIGN, /* a signing key: an NGO's, or a station's (receipts, custody log) */
    AS_KEY_AGE,      /* a station's encryption key (recipient) */
} as_key_kind;

typedef struct as_keyinfo {
    as_key_kind kind;
    char id[AS_AGE_PQ_RECIPIENT_STR_MAX]; /* minisign key id, or the age1pq1.../age1... one */
    char fingerprint[AS_FINGERPRINT_STR];
} as_keyinfo;

/*
 * Describes arg: a minisign public key file, an age recipient file, an age1... string, a
 * minisign public key string, or an image of a recipient QR code. A secret key file is refused
 * (AS_ERR_USAGE) without reading further than its first line.
 */
int as_keyinfo_describe(const char *arg, as_keyinfo *out, as_error *err);

/* `airseal-send fingerprint KEY...` and `airseal-recv fingerprint KEY...`: prints each key's
 * kind, id and fingerprint. Returns an exit status. */
int as_keyinfo_command(int argc, char **argv);

#endif

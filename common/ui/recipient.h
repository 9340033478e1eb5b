/* recipient.h: what -r accepts: an age1... or age1pq1... key, a file holding one, or a QR image
 * of one. */
#ifndef AIRSEAL_UI_RECIPIENT_H
#define AIRSEAL_UI_RECIPIENT_H

#include <stdbool.h>

#include "../core/error.h"
#include "../crypto/age_keys.h"

/* Parses one classical -r argument; an image file is decoded as the station's recipient QR
 * code. A hybrid (age1pq1...) recipient is refused (AS_ERR_USAGE). */
int as_recipient_from_arg(as_age_recipient *out, const char *arg, as_error *err);

typedef enum {
    AS_RCPT_X25519, /* age1...: classical */
    AS_RCPT_PQ,     /* age1pq1...: ML-KEM-768 + X25519 hybrid */
} as_recipient_kind;

/* A recipient of either kind; only the member named by kind is set. */
typedef struct as_recipient_key {
    as_recipient_kind kind;
    as_age_recipient x25519;
    as_age_pq_recipient pq;
} as_recipient_key;

/*
 * Parses one -r argument of either kind: a key string, a file holding one (`#` comments and
 * blank lines allowed), or a PNG/JPEG photo of a recipient QR code. Bech32 is case-insensitive:
 * an all-upper-case key (as the recipient QR code carries it, in alphanumeric mode) is
 * accepted; mixed case is not. Returns 0, or -1 with a one-line message naming arg.
 */
int as_recipient_key_from_arg(as_recipient_key *out, const char *arg, as_error *err);

/*
 * Parses the text of one recipient (len bytes, no surrounding whitespace) of either kind,
 * lower-casing an all-upper-case string first. Returns 0, or -1 with AS_ERR_FORMAT.
 */
int as_recipient_key_parse(as_recipient_key *out, const char *s, size_t len, as_error *err);

/* True if arg names a PNG or JPEG file by its extension (.png, .jpg, .jpeg, any case of
 * .PNG/.JPG): it is decoded as a recipient QR code, not read as a key file. */
bool as_recipient_arg_is_image(const char *arg);

#endif

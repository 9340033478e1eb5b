/*
 * age_keys.h: age v1 X25519 recipients (`age1...`) and identities (`AGE-SECRET-KEY-1...`),
 * and the age-keygen identity file format.
 *
 * An identity holds a 32-byte secret scalar and lives in secure memory as a whole; its
 * public half (the recipient) is recomputed from the secret when parsed, never trusted
 * from a file comment.
 */
#ifndef AIRSEAL_CRYPTO_AGE_KEYS_H
#define AIRSEAL_CRYPTO_AGE_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../core/bytes.h"
#include "../core/error.h"
#include "xwing.h"

#define AS_AGE_KEY_LEN 32
/* "age1" + 52 data characters + 6 checksum characters = 62; room for a NUL. */
#define AS_AGE_RECIPIENT_STR_MAX 64
/* "AGE-SECRET-KEY-1" + 52 + 6 = 74; room for a NUL. */
#define AS_AGE_IDENTITY_STR_MAX 80

typedef struct as_age_recipient {
    uint8_t pk[AS_AGE_KEY_LEN];
} as_age_recipient;

typedef struct as_age_identity {
    uint8_t sk[AS_AGE_KEY_LEN];
    uint8_t pk[AS_AGE_KEY_LEN]; /* X25519(sk, 9) */
} as_age_identity;

/* Parses an `age1...` string of len bytes (no surrounding whitespace). Rejects upper or mixed
 * case, a wrong checksum, a wrong length and keys whose X25519 with any scalar is all-zero
 * (low order), since nothing encrypted to them would be secret. */
int as_age_recipient_parse(as_age_recipient *out, const char *s, size_t len, as_error *err);

/* Writes the `age1...` form of r (NUL-terminated) into out. */
void as_age_recipient_format(const as_age_recipient *r, char out[AS_AGE_RECIPIENT_STR_MAX]);

/*
 * Parses a recipient given on a command line: an `age1...` string, or the path of a file
 * holding exactly one (with optional `#` comment lines and blank lines). Returns 0 or -1.
 */
int as_age_recipient_from_arg(as_age_recipient *out, const char *arg, as_error *err);

/* A fresh identity from the system CSPRNG, or NULL with err set. Free with
 * as_age_identity_free(). */
as_age_identity *as_age_identity_generate(as_error *err);

/* Parses an `AGE-SECRET-KEY-1...` string (upper case only, as age writes it). A post-quantum
 * `AGE-SECRET-KEY-PQ-1...` identity is reported as unsupported. */
as_age_identity *as_age_identity_parse(const char *s, size_t len, as_error *err);

/* Writes the `AGE-SECRET-KEY-1...` form into out (at least AS_AGE_IDENTITY_STR_MAX bytes;
 * the caller provides secure memory for it). */
void as_age_identity_format(const as_age_identity *id, char *out);

/* The recipient of an identity. */
void as_age_identity_recipient(const as_age_identity *id, as_age_recipient *out);

/* Wipes and frees. Accepts NULL. */
void as_age_identity_free(as_age_identity *id);

/* A list of identities read from an identity file. */
typedef struct as_age_identity_list {
    as_age_identity **v;
    size_t n;
} as_age_identity_list;

/*
 * Parses an age identity file (age-keygen's format): `#` comment lines, blank lines and one
 * identity per line, LF or CRLF. At least one identity is required; at most 64 are read.
 */
int as_age_identity_file_parse(as_age_identity_list *out, const uint8_t *data, size_t len,
                               as_error *err);

/* Frees every identity and the list. */
void as_age_identity_list_free(as_age_identity_list *l);

/*
 * Post-quantum hybrid keys (age v1.3 `mlkem768x25519`, C2SP age.md): the recipient
 * `age1pq1...` is the Bech32 of the 1216-byte X-Wing encapsulation key, the identity
 * `AGE-SECRET-KEY-PQ-1...` the Bech32 of its 32-byte seed. Kept apart from the X25519 types so
 * that no caller that assumes a 32-byte key can be handed a hybrid one by mistake.
 */
/* "age1pq1" + 1946 data characters + 6 checksum characters = 1959; room for a NUL. */
#define AS_AGE_PQ_RECIPIENT_STR_MAX 1960
/* "AGE-SECRET-KEY-PQ-1" + 52 + 6 = 77; room for a NUL. */
#define AS_AGE_PQ_IDENTITY_STR_MAX 80

typedef struct as_age_pq_recipient {
    uint8_t pk[AS_XWING_PK_LEN];
} as_age_pq_recipient;

typedef struct as_age_pq_identity {
    uint8_t seed[AS_XWING_SK_LEN];
    uint8_t pk[AS_XWING_PK_LEN]; /* recomputed from the seed */
} as_age_pq_identity;

/* Parses an `age1pq1...` string of len bytes (lower case, no whitespace). Rejects a wrong
 * checksum or length, an ML-KEM part that fails FIPS 203's modulus check and an X25519 part of
 * low order: nothing encrypted to such a key would be secret. Returns 0, or -1 with
 * AS_ERR_FORMAT. */
int as_age_pq_recipient_parse(as_age_pq_recipient *out, const char *s, size_t len, as_error *err);

/* Writes the `age1pq1...` form of r (NUL-terminated) into out. */
void as_age_pq_recipient_format(const as_age_pq_recipient *r,
                                char out[AS_AGE_PQ_RECIPIENT_STR_MAX]);

/* A fresh hybrid identity from the system CSPRNG, or NULL with err set. Free with
 * as_age_pq_identity_free(). */
as_age_pq_identity *as_age_pq_identity_generate(as_error *err);

/* Parses an `AGE-SECRET-KEY-PQ-1...` string (upper case only, as age writes it), or NULL with
 * AS_ERR_FORMAT. */
as_age_pq_identity *as_age_pq_identity_parse(const char *s, size_t len, as_error *err);

/* Writes the `AGE-SECRET-KEY-PQ-1...` form into out (AS_AGE_PQ_IDENTITY_STR_MAX bytes of
 * secure memory). */
void as_age_pq_identity_format(const as_age_pq_identity *id, char *out);

/* The recipient of a hybrid identity. */
void as_age_pq_identity_recipient(const as_age_pq_identity *id, as_age_pq_recipient *out);

/* Wipes and frees. Accepts NULL. */
void as_age_pq_identity_free(as_age_pq_identity *id);

/* Formats a hybrid identity as age-keygen -pq does (the public key comment is age1pq1...):
 *   # created: <RFC 3339 UTC>\n# public key: age1pq1...\nAGE-SECRET-KEY-PQ-1...\n
 * into out, a secret buffer (as_buf_init_secret). Returns 0 or -1. */
int as_age_pq_identity_file_format(as_buf *out, const as_age_pq_identity *id, time_t created,
                                   as_error *err);

/* Parses an identity file holding exactly one AGE-SECRET-KEY-PQ-1... line (`#` comments and
 * blank lines allowed, LF or CRLF). Returns the identity (free with as_age_pq_identity_free),
 * or NULL with AS_ERR_FORMAT naming the line. */
as_age_pq_identity *as_age_pq_identity_file_parse(const uint8_t *data, size_t len, as_error *err);

/*
 * Formats id as age-keygen does:
 *   # created: <RFC 3339 UTC>\n# public key: age1...\nAGE-SECRET-KEY-1...\n
 * into out, which must be a secret buffer (as_buf_init_secret).
 */
int as_age_identity_file_format(as_buf *out, const as_age_identity *id, time_t created,
                                as_error *err);

#endif

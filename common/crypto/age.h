/*
 * age.h: age v1 encryption (https://age-encryption.org/v1), byte-compatible with age 1.1.1.
 *
 * Encryption and decryption stream in constant memory: one 64 KiB chunk at a time. The
 * encryptor is an as_writer (write plaintext into it, the sealed file comes out of `sink`);
 * the decryptor is an as_reader (plaintext comes out of it, pulled from `src`).
 *
 * Decryption releases each chunk's plaintext only after that chunk's tag verifies, exactly as
 * age does; the end of the stream (final chunk flag, no trailing data) is only known at the
 * last read. Callers that must not keep anything from a truncated file write to a temporary
 * and commit only after as_read() returned 0.
 *
 * Failures are classified as in the age test vectors: AS_ERR_ARMOR, AS_ERR_HEADER,
 * AS_ERR_NO_MATCH, AS_ERR_HMAC, AS_ERR_PAYLOAD.
 */
#ifndef AIRSEAL_CRYPTO_AGE_H
#define AIRSEAL_CRYPTO_AGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/io.h"
#include "age_keys.h"

#define AS_AGE_CHUNK 65536
#define AS_AGE_TAG 16
#define AS_AGE_FILE_KEY_LEN 16
#define AS_AGE_NONCE_LEN 16
#define AS_AGE_SCRYPT_LOG_N 18     /* what age 1.1.1 writes */
#define AS_AGE_SCRYPT_MAX_LOG_N 22 /* what age 1.1.1 accepts */
#define AS_AGE_HEADER_MAX (1024 * 1024)
#define AS_AGE_MAX_STANZAS 1024
#define AS_AGE_MAX_ARGS 64

/* ---- header ---- */

typedef struct as_age_stanza {
    const char *args[AS_AGE_MAX_ARGS]; /* NUL-terminated copies, owned by the header */
    size_t nargs;
    uint8_t *body;
    size_t body_len;
} as_age_stanza;

typedef struct as_age_header {
    char *text;         /* the raw header bytes, NUL-terminated copy (owned) */
    size_t text_len;    /* through the MAC line's LF */
    size_t mac_covered; /* bytes covered by the MAC: through "---" */
    as_age_stanza *stanzas;
    size_t nstanzas;
    uint8_t mac[32];
} as_age_header;

/*
 * Parses a complete header (from "age-encryption.org/v1" through the MAC line's LF) held in
 * memory. Every malformation is AS_ERR_HEADER. Free with as_age_header_free().
 */
int as_age_header_parse(as_age_header *h, const uint8_t *text, size_t len, as_error *err);
void as_age_header_free(as_age_header *h);

/* ---- decryption ---- */

typedef struct as_age_keyring {
    as_age_identity *const *identities; /* X25519 identities to try, in order */
    size_t nidentities;
    const char *passphrase; /* NULL: no passphrase identity */
    size_t passphrase_len;
    unsigned scrypt_max_log_n;                /* 0: AS_AGE_SCRYPT_MAX_LOG_N */
    as_age_pq_identity *const *pq_identities; /* mlkem768x25519 identities, tried after X25519 */
    size_t npq_identities;
} as_age_keyring;

typedef enum {
    AS_AGE_ARMOR_AUTO, /* armored if the input starts (after whitespace) with -----BEGIN */
    AS_AGE_ARMOR_NEVER,
    AS_AGE_ARMOR_ALWAYS,
} as_age_armor_mode;

typedef struct as_age_decryptor as_age_decryptor;

/*
 * Reads and parses the header from src, unwraps the file key with the keyring, verifies the
 * header MAC and reads the payload nonce. Returns the decryptor, or NULL with err set.
 */
as_age_decryptor *as_age_decrypt_open(as_reader *src, const as_age_keyring *keys,
                                      as_age_armor_mode armor, as_error *err);

/* The plaintext stream. Returns 0 only after the final chunk verified and the input ended. */
as_reader *as_age_decryptor_reader(as_age_decryptor *d);

/* Wipes keys and frees. Accepts NULL. */
void as_age_decryptor_free(as_age_decryptor *d);

/* The stanza types of the file being decrypted (for policy checks by callers). */
const as_age_header *as_age_decryptor_header(const as_age_decryptor *d);

/* ---- encryption ---- */

typedef struct as_age_encrypt_opts {
    const as_age_recipient *recipients; /* X25519 recipients... */
    size_t nrecipients;
    const char *passphrase; /* ...or a passphrase (then no recipients) */
    size_t passphrase_len;
    unsigned scrypt_log_n; /* 0: AS_AGE_SCRYPT_LOG_N */
    bool armor;
    /* mlkem768x25519 recipients, after the X25519 ones. age.md says a file for hybrid
     * recipients SHOULD NOT also name classical ones (that would undo the protection); that
     * policy belongs to the callers, which know whether the user asked for the mix. */
    const as_age_pq_recipient *pq_recipients;
    size_t npq_recipients;
} as_age_encrypt_opts;

typedef struct as_age_encryptor as_age_encryptor;

/* Writes the header to sink and returns an encryptor, or NULL with err set. */
as_age_encryptor *as_age_encrypt_begin(const as_age_encrypt_opts *o, as_writer *sink,
                                       as_error *err);

/* The plaintext sink. */
as_writer *as_age_encryptor_writer(as_age_encryptor *e);

/* Encrypts the final chunk (and closes the armor). Must be called exactly once. */
int as_age_encrypt_finish(as_age_encryptor *e, as_error *err);

/* Wipes keys and frees. Accepts NULL. */
void as_age_encryptor_free(as_age_encryptor *e);

/* Size of the binary age payload (nonce + chunks) for n plaintext bytes. */
uint64_t as_age_payload_size(uint64_t n);

#endif

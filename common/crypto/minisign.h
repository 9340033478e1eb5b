/*
 * minisign.h: minisign-compatible keys and signatures (minisign 0.11 formats).
 *
 * Signatures are made only as prehashed "ED" (Ed25519 over the BLAKE2b-512 of the message),
 * which stock `minisign -V -H` accepts. Legacy "Ed" signatures (over the raw message) are read
 * only when the caller asks for it. Key ids are compared before any signature is checked,
 * so a signature by another key fails as "wrong key", not as "forged".
 *
 * Secret keys live in secure memory as a whole (as_mini_seckey). Secret key files are
 * encrypted as minisign does: the key block XORed with scrypt(passphrase, salt, opslimit,
 * memlimit) and checked with a BLAKE2b-256 checksum; or stored unencrypted when asked.
 */
#ifndef AIRSEAL_CRYPTO_MINISIGN_H
#define AIRSEAL_CRYPTO_MINISIGN_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/error.h"

#define AS_MINI_KEYNUM_LEN 8
#define AS_MINI_KEYID_STR 17 /* 16 hex digits + NUL */
#define AS_MINI_PUBKEY_B64_LEN 56
#define AS_MINI_UNTRUSTED_MAX 1024 /* whole line, prefix included, as minisign */
#define AS_MINI_TRUSTED_MAX 8192
#define AS_MINI_PREHASH_LEN 64
/* minisign's defaults for encrypting a secret key (crypto_pwhash_scryptsalsa208sha256's
 * "sensitive" limits): about 1 GiB of memory and a few seconds. */
#define AS_MINI_KDF_OPSLIMIT 33554432ULL
#define AS_MINI_KDF_MEMLIMIT 1073741824ULL

typedef struct as_mini_pubkey {
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
} as_mini_pubkey;

typedef struct as_mini_seckey {
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    uint8_t sk[crypto_sign_SECRETKEYBYTES]; /* seed || public key, libsodium layout */
} as_mini_seckey;

/* The key id as minisign prints it: the key number read as a little-endian 64-bit integer,
 * in 16 upper-case hex digits. */
void as_mini_keyid(const uint8_t keynum[AS_MINI_KEYNUM_LEN], char out[AS_MINI_KEYID_STR]);

/* Parses a 16-hex-digit key id (either case) into a key number. Returns 0 or -1. */
int as_mini_keyid_parse(uint8_t keynum[AS_MINI_KEYNUM_LEN], const char *s, size_t len);

/* A new key pair: random key number, Ed25519 keys. Returns the secret key (free with
 * as_mini_seckey_free) and fills *pk, or NULL with err set. */
as_mini_seckey *as_mini_keygen(as_mini_pubkey *pk, as_error *err);

/* The public half of a secret key. */
void as_mini_seckey_public(const as_mini_seckey *sk, as_mini_pubkey *pk);

/* Wipes and frees. Accepts NULL. */
void as_mini_seckey_free(as_mini_seckey *sk);

/* ---- public key files ---- */

/* The base64 line of a public key (what `minisign -P` takes), 56 characters + NUL. */
void as_mini_pubkey_b64(const as_mini_pubkey *pk, char out[AS_MINI_PUBKEY_B64_LEN + 1]);

/* Parses the base64 public-key string. */
int as_mini_pubkey_parse_b64(as_mini_pubkey *out, const char *s, size_t len, as_error *err);

/* Parses a public key file: "untrusted comment: ..." line, then the base64 line. */
int as_mini_pubkey_parse_file(as_mini_pubkey *out, const uint8_t *data, size_t len, as_error *err);

/* Reads and parses a public key file from disk (at most 4 KiB). */
int as_mini_pubkey_load(as_mini_pubkey *out, const char *path, as_error *err);

/* Formats a public key file. comment NULL gives "minisign public key <KEYID>". */
int as_mini_pubkey_format_file(as_buf *out, const as_mini_pubkey *pk, const char *comment,
                               as_error *err);

/* ---- secret key files ---- */

/* 1 if the secret key file is passphrase-encrypted, 0 if not, -1 if it does not parse. */
int as_mini_seckey_file_encrypted(const uint8_t *data, size_t len, as_error *err);

/*
 * Parses (and decrypts, when encrypted) a secret key file. passphrase may be NULL only for an
 * unencrypted key. A wrong passphrase is AS_ERR_KEY "wrong passphrase". KDF limits in the file
 * are capped (memory at 2 GiB) so a crafted key file cannot exhaust the machine.
 */
as_mini_seckey *as_mini_seckey_parse_file(const uint8_t *data, size_t len, const char *passphrase,
                                          size_t passphrase_len, as_error *err);

/*
 * Formats a secret key file into out (a secret buffer). With a passphrase, the key block is
 * encrypted with minisign's default scrypt limits; with passphrase NULL it is stored in the
 * clear (KDF "\0\0"), checksum set.
 */
int as_mini_seckey_format_file(as_buf *out, const as_mini_seckey *sk, const char *passphrase,
                               size_t passphrase_len, const char *comment, as_error *err);

/* ---- signatures ---- */

typedef struct as_mini_sig {
    uint8_t alg[2]; /* "ED" prehashed, "Ed" legacy */
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    uint8_t sig[crypto_sign_BYTES];
    char untrusted[AS_MINI_UNTRUSTED_MAX]; /* comment text without the prefix */
    char trusted[AS_MINI_TRUSTED_MAX];     /* comment text without the prefix */
    uint8_t global_sig[crypto_sign_BYTES];
} as_mini_sig;

/* Streaming BLAKE2b-512 of the message, the "prehash" of ED signatures. */
typedef struct as_mini_prehash {
    crypto_generichash_state st;
} as_mini_prehash;
void as_mini_prehash_init(as_mini_prehash *h);
void as_mini_prehash_update(as_mini_prehash *h, const void *data, size_t n);
void as_mini_prehash_final(as_mini_prehash *h, uint8_t out[AS_MINI_PREHASH_LEN]);

/* Prehashes a whole file, streaming. */
int as_mini_prehash_file(const char *path, uint8_t out[AS_MINI_PREHASH_LEN], as_error *err);

/*
 * Makes a prehashed ED signature. trusted must be printable UTF-8 (tab allowed), single line,
 * shorter than AS_MINI_TRUSTED_MAX - 18; untrusted NULL gives minisign's default.
 */
int as_mini_sign(as_mini_sig *out, const as_mini_seckey *sk,
                 const uint8_t prehash[AS_MINI_PREHASH_LEN], const char *trusted,
                 const char *untrusted, as_error *err);

/* Parses a signature file (4 lines; CRLF tolerated). */
int as_mini_sig_parse(as_mini_sig *out, const uint8_t *data, size_t len, as_error *err);

/* Formats a signature file (4 lines, LF). */
int as_mini_sig_format(as_buf *out, const as_mini_sig *s, as_error *err);

/*
 * Verifies s with pk. For ED, prehash is the message's BLAKE2b-512. For legacy Ed (only if
 * allow_legacy), msg/msglen is the whole message. Checks the key id first (AS_ERR_KEY), then
 * the signature and the trusted comment's global signature (AS_ERR_SIGNATURE).
 */
int as_mini_verify(const as_mini_pubkey *pk, const as_mini_sig *s,
                   const uint8_t prehash[AS_MINI_PREHASH_LEN], const uint8_t *msg, size_t msglen,
                   bool allow_legacy, as_error *err);

/* ---- detached signatures: the signature line alone ---- */

/*
 * A signature without its comments: what the second line of a signature file holds, base64 of
 * algorithm || key number || Ed25519 signature. A text that carries its own signatures (one
 * per custody log entry) stores this line; the comments and global signature of a signature
 * file are not part of it.
 */
typedef struct as_mini_detached {
    uint8_t alg[2]; /* "ED" prehashed, "Ed" legacy */
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    uint8_t sig[crypto_sign_BYTES];
} as_mini_detached;

#define AS_MINI_DETACHED_B64_LEN 100 /* base64 of the 74 bytes, padded */

/* Signs msg (prehashed ED: Ed25519 over its BLAKE2b-512) with sk; out receives the encoded
 * signature line, NUL-terminated. Cannot fail. */
void as_mini_detached_sign(char out[AS_MINI_DETACHED_B64_LEN + 1], const as_mini_seckey *sk,
                           const void *msg, size_t len);

/*
 * Decodes an encoded signature line (b64/len, not NUL-terminated). A legacy "Ed" signature is
 * accepted only when allow_legacy. Returns 0, or -1 with AS_ERR_FORMAT.
 */
int as_mini_detached_parse(as_mini_detached *out, const char *b64, size_t len, bool allow_legacy,
                           as_error *err);

/*
 * Verifies d over msg with pk: the key id first (AS_ERR_KEY, naming both ids), then the
 * signature (AS_ERR_SIGNATURE), over the BLAKE2b-512 of msg for ED or over msg for legacy Ed.
 */
int as_mini_detached_verify(const as_mini_pubkey *pk, const as_mini_detached *d, const void *msg,
                            size_t len, as_error *err);

/* Verifies a signature over a file, streaming for ED; legacy reads the file (<= 1 GiB). */
int as_mini_verify_file(const as_mini_pubkey *pk, const as_mini_sig *s, const char *path,
                        bool allow_legacy, as_error *err);

#endif

/*
 * note.h: C2SP signed notes (c2sp.org/signed-note), the envelope of transparency log
 * checkpoints and their cosignatures.
 *
 *   <text, ending in '\n'>
 *   <blank line>
 *   — <key name> <base64(key id (4 bytes, big-endian) || signature)>      (one or more)
 *
 * The dash is U+2014 (bytes e2 80 94). A note is UTF-8 with no control character but '\n';
 * the text is separated from the signatures by the last blank line. Key ids are
 * SHA-256(key name || 0x0a || type || public key)[:4]. airseal knows two signature types:
 * 0x01, Ed25519 over the text, and 0x04, c2sp.org/tlog-cosignature's timestamped Ed25519
 * (signature bytes: timestamp (8, big-endian) || Ed25519 over "cosignature/v1\ntime
 * <timestamp>\n" || text). Verifier keys ("vkeys") are "<name>+<hex key id>+<base64(type ||
 * public key)>".
 *
 * Verification follows the spec: a signature whose name and key id match no known key is
 * ignored; one that matches is verified and, if it fails, the whole note is refused; a
 * note with no verified signature from a known key is refused. airseal also refuses two
 * signatures by the same known key, which the spec leaves open.
 */
#ifndef AIRSEAL_CRYPTO_NOTE_H
#define AIRSEAL_CRYPTO_NOTE_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/error.h"

#define AS_NOTE_MAX 131072    /* whole note: 16 post-quantum signatures fit, as the spec asks */
#define AS_NOTE_LINE_MAX 8192 /* any line, terminator excluded */
#define AS_NOTE_SIGS_MAX 32   /* signature lines (the spec asks verifiers to accept 16) */
#define AS_NOTE_NAME_MAX 255  /* key name, bytes */
#define AS_NOTE_SIG_MAX 5120  /* decoded signature, key id included */
#define AS_NOTE_VKEY_MAX 320  /* a vkey's text */
#define AS_NOTE_KEYS_MAX 64   /* known keys one verification compares against */
#define AS_NOTE_TIME_MAX INT64_MAX /* cosignature timestamps (tlog-cosignature: < 2^63) */

enum {
    AS_NOTE_ED25519 = 0x01,  /* signed-note's Ed25519 */
    AS_NOTE_COSIG_V1 = 0x04, /* tlog-cosignature's timestamped Ed25519 (cosignature/v1) */
};

/* One signature line, borrowed from the parsed input. */
typedef struct as_note_sig {
    const char *name;
    size_t name_len;
    uint32_t key_id;
    const char *b64; /* base64 of key id || signature, canonical */
    size_t b64_len;
} as_note_sig;

/* A parsed note. Every pointer borrows from the bytes given to as_note_parse. */
typedef struct as_note {
    const char *text; /* the signed text, final '\n' included */
    size_t text_len;
    size_t nsigs;
    as_note_sig sig[AS_NOTE_SIGS_MAX];
} as_note;

/* A verifier key: what a verifier must be configured with, or a signer's public half. */
typedef struct as_note_vkey {
    char name[AS_NOTE_NAME_MAX + 1];
    size_t name_len;
    uint8_t type; /* AS_NOTE_ED25519 or AS_NOTE_COSIG_V1 */
    uint32_t key_id;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
} as_note_vkey;

/* What verification found for one known key. */
typedef struct as_note_result {
    bool ok;            /* a signature by this key verified */
    uint64_t timestamp; /* for AS_NOTE_COSIG_V1: the signed time, POSIX seconds */
} as_note_result;

/* SHA-256(name || 0x0a || type || pk)[:4], big-endian. */
uint32_t as_note_key_id(const char *name, size_t name_len, uint8_t type,
                        const uint8_t pk[crypto_sign_PUBLICKEYBYTES]);

/* True if name is a valid key name: non-empty, at most AS_NOTE_NAME_MAX bytes of UTF-8, no
 * Unicode space and no '+' (the spec's rule, what parsing accepts). */
bool as_note_name_valid(const char *name, size_t len);

/*
 * Fills k for the public key pk under name (valid as above and, since airseal shows key
 * names to people, plain text: as_text_is_plain) and type. Returns 0, or -1 with err set.
 */
int as_note_vkey_init(as_note_vkey *k, const char *name, size_t name_len, uint8_t type,
                      const uint8_t pk[crypto_sign_PUBLICKEYBYTES], as_error *err);

/* Parses "<name>+<8 lower-case hex digits>+<base64(type || 32-byte key)>": a name as in
 * as_note_vkey_init, a known type, and a key id that matches the key (AS_ERR_KEY when not).
 * Returns 0, or -1 with err set. */
int as_note_vkey_parse(as_note_vkey *k, const char *s, size_t len, as_error *err);

/* Appends the vkey text (no newline). */
int as_note_vkey_format(as_buf *out, const as_note_vkey *k, as_error *err);

/* Checks that text[0..len) can be signed: at most AS_NOTE_MAX bytes of UTF-8 with no control
 * character but '\n', ending in '\n', no line longer than AS_NOTE_LINE_MAX. Returns 0, or -1
 * with err set (AS_ERR_FORMAT or AS_ERR_LIMIT). */
int as_note_text_check(const char *text, size_t len, as_error *err);

/*
 * Parses a signed note (at most AS_NOTE_MAX bytes) without verifying anything: the text and
 * each signature line (name, key id, canonical base64 of 5..AS_NOTE_SIG_MAX bytes).
 * n borrows from data. Returns 0, or -1 with err set (AS_ERR_FORMAT or AS_ERR_LIMIT).
 */
int as_note_parse(as_note *n, const uint8_t *data, size_t len, as_error *err);

/* Appends the note as bytes: for a parsed note, exactly the bytes it was parsed from. */
int as_note_format(as_buf *out, const as_note *n, as_error *err);

/*
 * The message a cosignature/v1 signs: "cosignature/v1\ntime <timestamp>\n" || text (the
 * note text, signatures excluded). timestamp <= AS_NOTE_TIME_MAX. Appends it to out.
 */
int as_note_cosig_message(as_buf *out, uint64_t timestamp, const char *text, size_t len,
                          as_error *err);

/*
 * Appends one signature line "— <name> <base64>\n" for text (checked with
 * as_note_text_check), signed with sk, the libsodium Ed25519 secret key (seed || public key;
 * the caller keeps it in secure memory) whose public half must be key->pk. For
 * AS_NOTE_COSIG_V1 the signature carries `timestamp`; for AS_NOTE_ED25519 it is ignored.
 * Returns 0, or -1 with err set (AS_ERR_KEY for a secret key that is not key's).
 */
int as_note_sign(as_buf *out, const char *text, size_t len, const as_note_vkey *key,
                 const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint64_t timestamp, as_error *err);

/*
 * Verifies a parsed note against the known keys[0..nkeys) (no two with the same name and key
 * id; at most AS_NOTE_KEYS_MAX). res, when not NULL, has nkeys entries and tells which keys signed, and when. Returns
 * 0 when at least one known key's signature verified and none failed; -1 with err set
 * otherwise: AS_ERR_SIGNATURE for a signature that does not verify or no signature by a
 * known key, AS_ERR_REJECTED for two signatures by one key, AS_ERR_KEY for ambiguous keys.
 */
int as_note_verify(const as_note *n, const as_note_vkey *keys, size_t nkeys, as_note_result *res,
                   as_error *err);

#endif

/*
 * shares.h: a secret split among custodians, k of n (Shamir's scheme over GF(2^8), with
 * Debian's libgfshare), and the share's text format "airseal-share v1" (docs/FORMAT.md 13).
 *
 * Any k shares give the secret back; k-1 give no information about it at all (every value
 * of the secret is equally consistent with them). Shamir alone cannot tell a right
 * combination from a wrong one, so each share also carries:
 *   - a check (SHA-256 of its text, truncated), so a damaged share is named on reading;
 *   - a split id (16 random bytes) that binds the shares of one split together;
 *   - a commitment to the secret (SHA-256 over a domain, the split's parameters and the
 *     secret with 32 random bytes of salt shared along with it), so a combination that
 *     yields anything but the secret (a share of another split given a forged split id, a
 *     lie about k) is refused instead of restoring garbage. The salt makes the commitment
 *     hiding: without it, one share would reveal a guessable secret by trial.
 *
 * Share bytes (the salt, then the secret, as shared) live in sodium_malloc memory and are
 * wiped when freed.
 */
#ifndef AIRSEAL_CRYPTO_SHARES_H
#define AIRSEAL_CRYPTO_SHARES_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/error.h"
#include "minisign.h"

#define AS_SHARES_MIN_K 2          /* k = 1 would be the secret itself, n times */
#define AS_SHARES_MAX_N 16         /* custodians */
#define AS_SHARE_SECRET_MAX 8192   /* bytes of the secret (a station's keys: ~2.6 KB) */
#define AS_SHARE_CUSTODIAN_MAX 120 /* bytes, as a trust label */
#define AS_SHARE_SPLIT_LEN 16
#define AS_SHARE_SALT_LEN 32
#define AS_SHARE_COMMIT_LEN 32
#define AS_SHARE_CHECK_LEN 8
/* The longest share text: the fixed lines, a custodian, base64 of the salt and the secret. */
#define AS_SHARE_TEXT_MAX 12288

/* The QR codes of one share (FORMAT.md 13.3): its text cut in parts of at most this many
 * bytes, each behind a one-line header, so each code stays small enough to photograph. */
#define AS_SHARE_QR_CHUNK 1000
#define AS_SHARE_QR_MAX_PARTS 16
#define AS_SHARE_QR_PAYLOAD_MAX (AS_SHARE_QR_CHUNK + 96)

typedef struct as_share {
    char station[AS_MINI_KEYID_STR];            /* the station id: 16 upper-case hex digits */
    char custodian[AS_SHARE_CUSTODIAN_MAX + 1]; /* plain text, NUL-terminated */
    unsigned k, n, index;                       /* 2 <= k <= n <= 16, 1 <= index <= n */
    uint8_t split[AS_SHARE_SPLIT_LEN];
    uint8_t commitment[AS_SHARE_COMMIT_LEN];
    size_t len; /* share bytes: AS_SHARE_SALT_LEN + the secret's length */
    uint8_t *y; /* len bytes, sodium_malloc; NULL in a cleared share */
} as_share;

/*
 * Judges a custodian's name by the trust label's rules: 1 to AS_SHARE_CUSTODIAN_MAX bytes of
 * plain text (as_text_is_plain: well-formed UTF-8 with no control, bidi or invisible
 * character), not starting or ending with a space. Fails with `code` and a line saying why.
 */
int as_share_custodian_check(const char *s, size_t n, as_errcode code, as_error *err);

/*
 * Splits secret[0..len) (1 <= len <= AS_SHARE_SECRET_MAX) into n shares, out[0..n), any k of
 * which recover it: share i (0-based) goes to custodians[i] and has index i+1. station is
 * the station id (16 upper-case hex digits). Custodian names are checked (AS_ERR_USAGE) and
 * must differ. k = 1, k > n and n > 16 are AS_ERR_USAGE. On failure nothing is left in out
 * (every share freed). Free the shares with as_shares_free.
 */
int as_shares_split(as_share *out, unsigned k, unsigned n, const char *station,
                    const char *const *custodians, const uint8_t *secret, size_t len,
                    as_error *err);

/* Wipes and frees one share's bytes and clears it. Accepts a cleared share. */
void as_share_free(as_share *s);

/* as_share_free on v[0..n). */
void as_shares_free(as_share *v, size_t n);

/*
 * Appends the share's text (FORMAT.md 13.2) to out; use a secret buffer
 * (as_buf_init_secret): the text holds the share bytes.
 */
int as_share_format(const as_share *s, as_buf *out, as_error *err);

/*
 * Parses one share text, exactly as as_share_format writes it (nothing before or after).
 * AS_ERR_FORMAT when a line is missing or malformed (the message names the line),
 * AS_ERR_REJECTED when the check does not match ("damaged"), when the custodian's name
 * breaks the rules, or for k, n, index out of range (index 0, k > n, ...), AS_ERR_LIMIT over
 * AS_SHARE_TEXT_MAX. On success *s owns sodium memory: as_share_free it. On failure *s is
 * cleared.
 */
int as_share_parse(as_share *s, const uint8_t *text, size_t len, as_error *err);

/*
 * Combines shares v[0..m) into the secret, appended to out (use a secret buffer). Refuses,
 * naming the share by custodian and index and saying why: a station other than `station`
 * (or, station NULL, than the first share's) "is for station X", a split, k, n or commitment
 * other than the first share's "belongs to another split", an index given twice "duplicate
 * index", fewer than k distinct shares "only m of the k shares" (AS_ERR_INCOMPLETE), and k
 * shares whose combination does not match the commitment (one of them is forged or from
 * another split: all are named). Beyond the first k, each further share must agree with them
 * or is named as not fitting. Everything else is AS_ERR_REJECTED.
 */
int as_shares_combine(const as_share *const *v, size_t m, const char *station, as_buf *out,
                      as_error *err);

/*
 * The bare Shamir step (no format, no commitment): interpolates at x = 0 the m points
 * (xs[j], ys[j][i]) for each byte i < len into out[0..len). xs must be distinct and non-zero,
 * 1 <= m <= AS_SHARES_MAX_N. For tests of the scheme itself; use as_shares_combine.
 */
int as_shares_interpolate(const uint8_t *xs, const uint8_t *const *ys, size_t m, size_t len,
                          uint8_t *out, as_error *err);

/* ---- QR codes of a share (FORMAT.md 13.3) ---- */

/* How many QR parts a share text of len bytes is cut into (1 to AS_SHARE_QR_MAX_PARTS, or 0
 * when it is too long). */
unsigned as_share_qr_parts(size_t len);

/*
 * Appends to out the payload of QR code `part` (1 to parts) of share s, whose text is
 * text[0..len) (from as_share_format): the header line, then that part's slice of the text.
 * Use a secret buffer.
 */
int as_share_qr_payload(const as_share *s, const uint8_t *text, size_t len, unsigned part,
                        as_buf *out, as_error *err);

/* The QR codes read from photos, gathered per share (split id and index). */
#define AS_SHARE_QR_MAX_SHARES 64
typedef struct as_share_qr_group {
    uint8_t split[AS_SHARE_SPLIT_LEN];
    unsigned index, parts;
    as_buf chunk[AS_SHARE_QR_MAX_PARTS]; /* secret buffers; len 0 until that part is read */
} as_share_qr_group;

typedef struct as_share_qr_set {
    as_share_qr_group *g; /* sodium memory not needed: the chunks are secret buffers */
    size_t n;
} as_share_qr_set;

/* An empty set. */
void as_share_qr_set_init(as_share_qr_set *set);

/*
 * Adds one decoded QR payload. A code read twice (the same photo given twice) is accepted
 * once; a part that differs from one already read, or a part count that disagrees, is
 * AS_ERR_REJECTED; a payload that is not an airseal share code is AS_ERR_FORMAT.
 */
int as_share_qr_add(as_share_qr_set *set, const uint8_t *payload, size_t len, as_error *err);

/*
 * Appends the text of share group i (i < set->n) to out (a secret buffer): its parts in
 * order. AS_ERR_INCOMPLETE naming the missing parts when some were not read.
 */
int as_share_qr_text(const as_share_qr_set *set, size_t i, as_buf *out, as_error *err);

/* Wipes and frees the set. */
void as_share_qr_set_free(as_share_qr_set *set);

#endif

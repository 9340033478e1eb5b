/*
 * checkpoint.h: C2SP transparency log checkpoints (c2sp.org/tlog-checkpoint), their
 * cosignatures (c2sp.org/tlog-cosignature, cosignature/v1 over Ed25519) and the
 * offline-verifiable proof of one entry (c2sp.org/tlog-proof).
 *
 * A checkpoint is the text of a signed note (note.h):
 *
 *   <origin>                   non-empty, names the log
 *   <tree size>                decimal, no leading zero ("0" for the empty tree)
 *   <base64 root hash>         the RFC 6962 root (merkle.h), 32 bytes
 *   <extension line>...        optional, each non-empty, opaque
 *
 * A tlog-proof:
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64>             optional, unauthenticated application data
 *   index <entry index>        decimal, no leading zero
 *   <base64 hash>...           the inclusion proof, from the leaf's sibling up
 *   <blank line>
 *   <the signed checkpoint, verbatim>
 */
#ifndef AIRSEAL_CRYPTO_CHECKPOINT_H
#define AIRSEAL_CRYPTO_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/error.h"
#include "merkle.h"
#include "note.h"

#define AS_CKPT_ORIGIN_MAX 255
#define AS_TLOG_PROOF_EXTRA_MAX 8192            /* a custody log entry line (station/custody.h) */
#define AS_TLOG_PROOF_MAX (AS_NOTE_MAX + 20480) /* a whole tlog-proof file */

typedef struct as_checkpoint {
    char origin[AS_CKPT_ORIGIN_MAX + 1];
    size_t origin_len;
    uint64_t size;
    uint8_t root[AS_TLOG_HASH_LEN];
    const char *ext; /* extension lines, each ending in '\n'; borrowed; NULL when none */
    size_t ext_len;
} as_checkpoint;

/* Appends the checkpoint text. The origin must be non-empty plain text (as_text_is_plain)
 * without '\n'; ext, if any, non-empty lines each ending in '\n'. size <=
 * AS_TLOG_SIZE_MAX. Returns 0, or -1 with err set. */
int as_checkpoint_format(as_buf *out, const as_checkpoint *cp, as_error *err);

/*
 * Parses checkpoint text (a note's text, signatures excluded) strictly: the note text rules
 * (as_note_text_check), an origin of 1..AS_CKPT_ORIGIN_MAX bytes, a canonical decimal size
 * <= AS_TLOG_SIZE_MAX, canonical padded base64 of exactly 32 bytes, non-empty extension
 * lines. cp->ext borrows from text. Returns 0, or -1 with err set (AS_ERR_FORMAT).
 */
int as_checkpoint_parse(as_checkpoint *cp, const char *text, size_t len, as_error *err);

/* Appends a signed checkpoint: its text, a blank line and the log's signature line made with
 * key (type AS_NOTE_ED25519) and its secret key sk (note.h). Returns 0, or -1 with err set. */
int as_checkpoint_sign(as_buf *out, const as_checkpoint *cp, const as_note_vkey *key,
                       const uint8_t sk[crypto_sign_SECRETKEYBYTES], as_error *err);

/*
 * Opens a signed checkpoint: parses the note into *note (borrowing from data), verifies it
 * against keys[0..nkeys) as as_note_verify does, requires that keys[0], the log's key,
 * signed it, and parses the text into *cp. res as in as_note_verify (may be NULL) tells
 * which other keys (witnesses) cosigned. Returns 0, or -1 with err set.
 */
int as_checkpoint_open(as_checkpoint *cp, as_note *note, const uint8_t *data, size_t len,
                       const as_note_vkey *keys, size_t nkeys, as_note_result *res, as_error *err);

/*
 * A witness's cosignature: appends the signature line that witness (type AS_NOTE_COSIG_V1,
 * secret key sk) makes over the checkpoint text[0..len) at `timestamp` (POSIX seconds, below
 * 2^63). The text must parse as a checkpoint. The station appends the line to the signed
 * checkpoint's signature lines. Returns 0, or -1 with err set.
 */
int as_cosig_sign(as_buf *line, const char *text, size_t len, const as_note_vkey *witness,
                  const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint64_t timestamp, as_error *err);

/* The proof that one entry is in a log (c2sp.org/tlog-proof). */
typedef struct as_tlog_proof {
    bool has_extra;
    size_t extra_len; /* 1..AS_TLOG_PROOF_EXTRA_MAX when has_extra */
    uint8_t extra[AS_TLOG_PROOF_EXTRA_MAX];
    uint64_t index;
    as_tlog_path path;
    const uint8_t *checkpoint; /* the signed checkpoint note; borrowed */
    size_t checkpoint_len;
} as_tlog_proof;

/* Appends the proof. Returns 0, or -1 with err set. */
int as_tlog_proof_format(as_buf *out, const as_tlog_proof *p, as_error *err);

/*
 * Parses a proof (at most AS_TLOG_PROOF_MAX bytes) strictly, without verifying it: the
 * header, an optional non-empty extra, a canonical index below AS_TLOG_SIZE_MAX, at most
 * AS_TLOG_PATH_MAX hashes of 32 bytes, a blank line, then a signed note whose text is a
 * checkpoint. p->checkpoint borrows from data. Returns 0, or -1 with err set.
 */
int as_tlog_proof_parse(as_tlog_proof *p, const uint8_t *data, size_t len, as_error *err);

/*
 * Verifies a parsed proof for the entry whose leaf hash is leaf: the checkpoint as
 * as_checkpoint_open (keys[0] the log's key, the others witnesses whose cosignatures res
 * reports), then the inclusion of entry p->index in it. Fills *cp (borrowing from
 * p->checkpoint). Returns 0, or -1 with err set.
 */
int as_tlog_proof_verify(const as_tlog_proof *p, const uint8_t leaf[AS_TLOG_HASH_LEN],
                         const as_note_vkey *keys, size_t nkeys, as_note_result *res,
                         as_checkpoint *cp, as_error *err);

#endif

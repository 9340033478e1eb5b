/*
 * comment.h: what both sides of a bundle share: the names of the archive's first entries and
 * the outer signature's trusted comment (format: docs/FORMAT.md sections 7 and 7.4).
 *
 * The sender formats the comment when it signs bundle.age; the receiver parses it, after the
 * signature verified and before one byte is decrypted, so it is the first airseal text a
 * station reads from a bundle. It is one line, single spaces, fields in this order:
 *
 *   airseal-bundle v1 bundle:<id> case:<%-encoded case> files:<n> bytes:<n> manifest:<sha256>
 *
 * Kept apart from seal.c and unseal.c so each program links only its own side.
 */
#ifndef AIRSEAL_BUNDLE_COMMENT_H
#define AIRSEAL_BUNDLE_COMMENT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "manifest.h"

/* The archive inside bundle.age starts with these two entries; evidence lives below the third
 * name. */
#define AS_TAR_MANIFEST "manifest.txt"
#define AS_TAR_MANIFEST_SIG "manifest.txt.minisig"
#define AS_TAR_EVIDENCE "evidence/"

typedef struct as_bundle_comment {
    char bundle_id[AS_BUNDLE_ID_HEX]; /* 32 lower-case hex digits */
    char case_id[AS_CASE_MAX + 1];    /* decoded: a plain-text identifier */
    uint64_t files;                   /* at most AS_MANIFEST_MAX_FILES */
    uint64_t bytes;                   /* at most AS_MANIFEST_MAX_TOTAL */
    uint8_t manifest_sha256[32];
} as_bundle_comment;

/*
 * Formats the trusted comment of c into out (cap bytes, NUL included). Fails (AS_ERR_LIMIT)
 * rather than truncating.
 */
int as_bundle_comment_format(char *out, size_t cap, const as_bundle_comment *c, as_error *err);

/*
 * Parses the NUL-terminated trusted comment text into *c (zeroed first). Text that does not
 * follow the grammar above fails with AS_ERR_FORMAT and "not an airseal bundle signature:
 * <reason>" (another prefix; a missing, empty or malformed field; an upper-case bundle id; two spaces
 * or a trailing one; anything after the digest). A case id holding direction or invisible
 * characters parses but is refused (AS_ERR_REJECTED), as are counts above the manifest's
 * limits (AS_ERR_LIMIT), each with a line of its own.
 */
int as_bundle_comment_parse(as_bundle_comment *c, const char *text, as_error *err);

#endif

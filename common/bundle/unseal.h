/*
 * unseal.h: the receiver's side of a bundle: decrypt the (already signature-checked) sealed
 * file and extract it into a staging directory, treating every byte as hostile.
 *
 * Checks, each a one-line rejection: the first two entries are manifest.txt and its
 * signature; the manifest signature is by the same key as the outer signature; the manifest
 * matches the outer trusted comment (bundle id, case, counts, digest) and lists this station
 * as a recipient; every other entry is a regular file or folder under evidence/ that the
 * manifest lists, once, with its declared size and SHA-256; no links, hard links, devices,
 * FIFOs, sparse files, absolute paths, "..", invalid UTF-8, control characters, names that
 * collide when case is ignored; nothing listed is missing; nothing but zeros follows the
 * archive; the age stream ends properly. Files are created with O_EXCL|O_NOFOLLOW below a
 * directory descriptor, so nothing is ever written outside dest.
 */
#ifndef AIRSEAL_BUNDLE_UNSEAL_H
#define AIRSEAL_BUNDLE_UNSEAL_H

#include <stdbool.h>

#include "../core/progress.h"
#include "../crypto/age_keys.h"
#include "../crypto/minisign.h"
#include "comment.h"
#include "manifest.h"

typedef struct as_unseal_opts {
    const char *sealed_path;
    as_age_identity *identity;        /* a classical station's identity, or NULL... */
    as_age_pq_identity *pq_identity;  /* ...a hybrid station's (exactly one is set) */
    const as_mini_pubkey *signer;     /* the verified outer signer */
    const as_bundle_comment *comment; /* the verified outer trusted comment */
    const char *dest;                 /* an existing empty directory */
    /* The length of the longest folder path the entry will live at (staging, the vault, as
     * given and absolute), so every dest/evidence/<path> is checked against PATH_MAX before
     * extraction; 0 means strlen(dest). */
    size_t entry_path_max;
    const as_progress_sink *progress; /* where to report progress; NULL: silent */
} as_unseal_opts;

/*
 * Extracts into o->dest; on success *m holds the verified manifest (free it). Every limit a
 * later step applies (path depth and lengths, PATH_MAX below the entry, free space) is checked
 * on the verified manifest before one evidence byte is written. On failure dest may hold
 * partial files: the caller removes the folder (as_remove_tree).
 */
int as_unseal(const as_unseal_opts *o, as_manifest *m, as_error *err);

/*
 * Checks a manifest and its signature against the outer signature's signer and trusted
 * comment and, when station (classical) or station_pq (hybrid) is not NULL, that the station
 * is a recipient. Used by import and by the auditor's vault verification.
 */
int as_manifest_verify(const uint8_t *text, size_t len, const uint8_t *sig, size_t siglen,
                       const as_mini_pubkey *signer, const as_bundle_comment *comment,
                       const as_age_recipient *station, const as_age_pq_recipient *station_pq,
                       as_manifest *m, as_error *err);

#endif

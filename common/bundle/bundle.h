/*
 * bundle.h: sealing evidence into a bundle (sender) and the outer signature's trusted
 * comment, which both sides read (format: docs/FORMAT.md section 7).
 *
 * A sealed bundle is: tar (pax) of manifest.txt, manifest.txt.minisig and evidence/...,
 * encrypted with age to every recipient; its minisign signature's trusted comment reads
 *
 *   airseal-bundle v1 bundle:<id> case:<%-encoded case> files:<n> bytes:<n> manifest:<sha256>
 */
#ifndef AIRSEAL_BUNDLE_BUNDLE_H
#define AIRSEAL_BUNDLE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/io.h"
#include "../core/progress.h"
#include "../crypto/age_keys.h"
#include "../crypto/minisign.h"
#include "evidence.h"
#include "manifest.h"

#define AS_TAR_MANIFEST "manifest.txt"
#define AS_TAR_MANIFEST_SIG "manifest.txt.minisig"
#define AS_TAR_EVIDENCE "evidence/"

typedef struct as_bundle_comment {
    char bundle_id[AS_BUNDLE_ID_HEX];
    char case_id[AS_CASE_MAX + 1];
    uint64_t files;
    uint64_t bytes;
    uint8_t manifest_sha256[32];
} as_bundle_comment;

/* Formats the outer signature's trusted comment. */
int as_bundle_comment_format(char *out, size_t cap, const as_bundle_comment *c, as_error *err);

/* Parses it strictly (AS_ERR_REJECTED when it is not an airseal bundle comment). */
int as_bundle_comment_parse(as_bundle_comment *c, const char *text, as_error *err);

typedef struct as_seal_opts {
    const as_age_recipient *recipients; /* classical (X25519) recipients... */
    size_t nrecipients;
    /* ...and hybrid (mlkem768x25519) ones. Whether both kinds may be mixed is the caller's
     * policy (pack refuses the mix unless asked: age.md's SHOULD NOT). */
    const as_age_pq_recipient *pq_recipients;
    size_t npq_recipients;
    const as_mini_seckey *signer;
    const char *case_id;
    const char *collector; /* may be NULL */
    const char *note;      /* may be NULL */
    const as_evidence *evidence;
    as_writer *sink; /* receives the sealed bytes (bundle.age) */
    const as_progress_sink *progress; /* where to report progress; NULL: silent */
} as_seal_opts;

typedef struct as_seal_result {
    as_bundle_comment comment;
    char trusted_comment[AS_MINI_TRUSTED_MAX];
    uint64_t sealed_size;
    uint8_t sealed_sha256[32];
    as_mini_sig signature; /* the outer signature over the sealed bytes */
} as_seal_result;

/*
 * Hashes the evidence, writes and signs the manifest, streams the tar through age into
 * o->sink and signs the sealed bytes. A file that changes between the hash pass and the seal
 * pass aborts the seal (AS_ERR_REJECTED, naming it). Memory does not grow with the evidence.
 */
int as_seal(const as_seal_opts *o, as_seal_result *r, as_error *err);

#endif

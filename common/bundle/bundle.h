/*
 * bundle.h: sealing evidence into a bundle, the sender's side (format: docs/FORMAT.md
 * section 7).
 *
 * A sealed bundle is: tar (pax) of manifest.txt, manifest.txt.minisig and evidence/...,
 * encrypted with age to every recipient; its minisign signature's trusted comment
 * (comment.h) names the bundle, its case, counts and the manifest's digest. What the receiver
 * shares with the sender is in comment.h; this header also brings it in, for the callers
 * that see a bundle whole.
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
#include "comment.h"
#include "evidence.h"
#include "manifest.h"

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
    as_writer *sink;                  /* receives the sealed bytes (bundle.age) */
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

/*
 * intake.h: importing a bundle at the station, whatever carried it.
 *
 * A transport (USB folders, QR frames) first rebuilds the sealed file into a private work
 * folder under STATION/staging (without the station lock) and collects candidate signatures.
 * as_intake() then, under the station lock:
 *   1. verifies the outer signature against the trust store, before decrypting anything;
 *   2. reads the trusted comment; a bundle id is unique per station: the same bundle already in
 *      the log is reported as such and nothing changes, a different one is refused;
 *   3. decrypts and extracts into staging with every hostile-archive check (bundle/unseal.h);
 *   4. moves the complete entry into the vault with one rename;
 *   5. writes the signed receipt (text, signature, QR PNG) and appends the custody log.
 * A crash at any point leaves the vault with the bundle completely or not at all; running the
 * import again finishes whatever was left (receipt, log entry).
 */
#ifndef AIRSEAL_STATION_INTAKE_H
#define AIRSEAL_STATION_INTAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../bundle/bundle.h"
#include "../crypto/fingerprint.h"
#include "../transport/scan.h"
#include "../transport/usb_in.h"
#include "station.h"
#include "trust.h"

typedef enum {
    AS_IMPORT_NEW,       /* imported now */
    AS_IMPORT_ALREADY,   /* was in the vault and the log; nothing changed */
    AS_IMPORT_COMPLETED, /* was in the vault after an interrupted import; receipt and log done now */
} as_import_status;

typedef struct as_import_result {
    as_import_status status;
    as_bundle_comment comment;
    char signer[AS_MINI_KEYID_STR];
    char signer_label[AS_TRUST_LABEL_MAX + 1];
    char signer_fingerprint[AS_FINGERPRINT_STR];
    uint64_t sealed_size;
    uint8_t sealed_sha256[32];
    char vault_path[4096];
    char receipt_path[4096];
    uint64_t custody_entry;
    as_usb_report usb;
    struct {
        as_scan_stats scan;
        uint64_t frames, added, duplicates, conflicts, corrupt, other_bundles, from_cache;
        uint32_t data_blocks, total_blocks;
        char cache[4096];   /* where the frames of an incomplete scan are kept */
        char missing[1024]; /* frame numbers still needed, as ranges */
    } qr;
    uint32_t repaired;
} as_import_result;

/* What a transport hands over. */
typedef struct as_intake_input {
    const char *work;   /* the work folder inside STATION/staging */
    const char *sealed; /* the rebuilt sealed file, inside work */
    uint8_t sha256[32];
    uint8_t prehash[64];
    uint64_t size;
    const uint8_t *const *sigs; /* candidate signature files */
    const size_t *siglens;
    size_t nsigs;
    const char *transport; /* "usb" or "qr" */
    uint32_t repaired;
} as_intake_input;

/*
 * Fails with AS_ERR_KEY, naming the key, when the candidate signatures parse but none is by a
 * key in the trust store: a cheap early answer before a transport spends time rebuilding the
 * sealed file. Unparsable or absent signatures pass (as_intake reports them precisely).
 */
int as_intake_signer_precheck(as_station *st, const uint8_t *const *sigs, const size_t *lens,
                              size_t n, as_error *err);

/*
 * Runs steps 1-5 on an unlocked station (keys decrypted), under the station lock: takes it
 * when st does not hold it yet (and releases it before returning), AS_ERR_BUSY when another
 * process holds it. First, under the lock, removes what interrupted imports left in staging
 * (work folders whose flock nobody holds, temporaries of atomic writes) and checks the trust
 * store against the custody log. A bundle id is unique per station: one already in the log
 * (any case, any signer) is AS_IMPORT_ALREADY for the same sealed file and refused otherwise.
 */
int as_intake(as_station *st, const as_intake_input *in, const as_progress_sink *progress,
              as_import_result *r, as_error *err);

/*
 * Creates a fresh work folder in STATION/staging (malloc'd path) and holds an flock on it
 * (kept in st, released by the next call, as_station_close, or as_station_set_work_lock(st,
 * -1)) so that concurrent imports do not sweep it. Needs no station lock: a transport reads
 * its sources into it before as_intake takes the lock.
 */
char *as_intake_workdir(as_station *st, as_error *err);

/* USB import: gathers the sources, rebuilds and repairs bundle.age into a work folder without
 * the station lock, then runs as_intake() (which takes it). */
int as_import_usb(as_station *st, char *const *sources, size_t n, const as_progress_sink *progress,
                  as_import_result *r, as_error *err);

/*
 * QR import: decodes frames from images (sources: image files or folders of them) or from a
 * camera (camera != NULL), adds the frames this station kept from earlier scans of the same
 * bundle (STATION/scan-cache), rebuilds the sealed file and its signature, runs as_intake().
 * When frames are missing beyond repair, keeps every frame read in the scan cache and fails
 * with AS_ERR_INCOMPLETE naming the frame numbers to rescan (also in r->qr.missing).
 */
int as_import_qr(as_station *st, char *const *sources, size_t n, const char *camera,
                 const as_progress_sink *progress, as_import_result *r, as_error *err);

#endif

/*
 * vault.h: the station's evidence vault. An imported bundle lives, read-only, in
 *
 *   STATION/vault/<case folder>/<bundle id>/
 *       bundle.age  bundle.age.minisig  manifest.txt  manifest.txt.minisig  evidence/...
 *
 * where bundle.age and its signature are the sealed file exactly as it arrived (after any
 * repair: bit for bit what the NGO signed). An entry appears by one rename from staging, so
 * it is there completely or not at all.
 */
#ifndef AIRSEAL_STATION_VAULT_H
#define AIRSEAL_STATION_VAULT_H

#include <stdint.h>

#include "../bundle/bundle.h"
#include "../core/error.h"
#include "../crypto/minisign.h"
#include "station.h"

#define AS_VAULT_CASE_DIR_MAX 120   /* bytes of a case folder name, whatever the case id */
#define AS_VAULT_CASE_DIGEST_HEX 32 /* hex digits of SHA-256(case id) in a shortened name */

/*
 * The folder name of a case (malloc'd): bytes outside [A-Za-z0-9._-] and a leading '.' as %XX
 * when that fits in AS_VAULT_CASE_DIR_MAX bytes; otherwise the encoding of the longest prefix
 * of whole characters that fits, '~', and the first 32 hex digits of SHA-256(case id).
 */
char *as_vault_case_dir(const char *case_id, as_error *err);

/* STATION/vault/<case folder>/<bundle id> (malloc'd). */
char *as_vault_entry_path(const as_station *st, const char *case_id, const char *bundle_id,
                          as_error *err);

/* Makes staged (a complete entry) read-only, syncs it and renames it to final; fails with
 * AS_ERR_EXISTS if final exists. */
int as_vault_commit(const char *staged, const char *final, as_error *err);

typedef struct as_vault_report {
    as_bundle_comment comment;
    char signer[AS_MINI_KEYID_STR];
    uint64_t files_checked;
    uint64_t bytes_checked;
} as_vault_report;

/*
 * Verifies a vault entry with the NGO's public key: the sealed file's signature and trusted
 * comment, the manifest's signature and agreement with it, and every evidence file against
 * the manifest (present, same size and SHA-256), and that evidence/ holds nothing else.
 */
int as_vault_verify(const char *entry, const as_mini_pubkey *signer, as_vault_report *rep,
                    as_error *err);

/* Reads the signer key id from an entry's bundle.age.minisig (to find the key to verify with). */
int as_vault_signer(const char *entry, uint8_t keynum[AS_MINI_KEYNUM_LEN], as_error *err);

#endif

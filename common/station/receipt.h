/*
 * receipt.h: the station's signed receipt for an imported bundle (docs/FORMAT.md section 9).
 *
 *   airseal receipt v1
 *   station: <station key id>
 *   bundle: <bundle id>
 *   case: <case id>
 *   signer: <NGO key id>
 *   sealed-size: <bytes>
 *   sealed-sha256: <hex>
 *   manifest-sha256: <hex>
 *   files: <n>
 *   bytes: <n>
 *   imported: <UTC time>
 *   custody-entry: <n>
 *
 * signed with the station's minisign key (receipt.minisig, trusted comment
 * "airseal-receipt v1 bundle:<id> station:<id>"), and also shown as one QR code holding the
 * receipt text followed by its signature file, for the NGO to photograph.
 *
 * At a station whose custody log is a Merkle tree log (custody.h) the receipt also has
 * RECEIPT.tlog, the C2SP tlog-proof of its import entry (the entry line as the proof's
 * extra), and its QR code holds the receipt text followed by that proof instead of the
 * signature file: the entry is signed by the station and names the receipt text's SHA-256
 * (receipt-sha256=), so the proof authenticates the receipt and shows it is in the log.
 */
#ifndef AIRSEAL_STATION_RECEIPT_H
#define AIRSEAL_STATION_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../bundle/manifest.h"
#include "../core/bytes.h"
#include "../crypto/minisign.h"

typedef struct as_receipt {
    char station[AS_MINI_KEYID_STR];
    char bundle_id[AS_BUNDLE_ID_HEX];
    char case_id[AS_CASE_MAX + 1];
    char signer[AS_MINI_KEYID_STR];
    uint64_t sealed_size;
    uint8_t sealed_sha256[32];
    uint8_t manifest_sha256[32];
    uint64_t files, bytes;
    time_t imported;
    uint64_t custody_entry;
} as_receipt;

#define AS_RECEIPT_HEADER "airseal receipt v1"
#define AS_RECEIPT_PROOF_HEADER "c2sp.org/tlog-proof@v1"
/* The trusted comment of the receipt's signature: bundle id, then station id. */
#define AS_RECEIPT_COMMENT_FMT "airseal-receipt v1 bundle:%s station:%s"

/*
 * Parses a receipt text strictly (the lines above, in order, nothing else). AS_ERR_FORMAT
 * "not a valid airseal receipt: bad <field>" when it does not follow the grammar;
 * AS_ERR_REJECTED when its case id hides direction or invisible characters.
 */
int as_receipt_parse(as_receipt *r, const uint8_t *data, size_t len, as_error *err);

/* Verifies text + signature against the station key and parses the receipt. Checks that the
 * receipt's station id is the key that signed it. */
int as_receipt_verify(const uint8_t *text, size_t len, const uint8_t *sig, size_t siglen,
                      const as_mini_pubkey *station, as_receipt *r, as_error *err);

/* True when data (what follows a receipt's text) is an inclusion proof, not a signature. */
bool as_receipt_is_proof(const uint8_t *data, size_t len);

/*
 * Verifies a receipt by its inclusion proof alone (as_custody_entry_verify with the station
 * key): the proof's entry is an import entry with this receipt's number whose receipt-sha256
 * is the SHA-256 of text. Parses the receipt into *r; *tree_size (may be NULL) receives the
 * size of the signed tree. Returns 0, or -1 with err set.
 */
int as_receipt_verify_proof(const uint8_t *text, size_t len, const uint8_t *proof, size_t plen,
                            const as_mini_pubkey *station, as_receipt *r, uint64_t *tree_size,
                            as_error *err);

/* Splits a QR payload (receipt text then signature file, or then inclusion proof) into its
 * two parts. */
int as_receipt_split(const uint8_t *payload, size_t len, size_t *text_len, as_error *err);

/*
 * Reads a receipt given as PATH: a receipt text file (its signature in PATH.minisig) or a PNG
 * or JPEG photo of its QR code. *text and *sig are malloc'd (free both). For a QR code that
 * carries the inclusion proof instead of the signature, *sig is the proof
 * (as_receipt_is_proof).
 */
int as_receipt_load(const char *path, uint8_t **text, size_t *tlen, uint8_t **sig, size_t *slen,
                    as_error *err);

#endif

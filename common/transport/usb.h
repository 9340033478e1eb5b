/*
 * usb.h: the USB bundle directory (format: docs/FORMAT.md section 8).
 *
 *   bundle.age            the sealed file, plain (stock age/minisign read it as it is)
 *   bundle.age.minisig    its signature
 *   bundle.parity         Reed-Solomon parity over bundle.age (a part file, see below)
 *   bundle.index          block layout, per-block digests, part list, a copy of the signature
 *   README.txt            how to check the bundle with stock tools
 *
 * With --split SIZE, bundle.age and bundle.parity are written as part files no larger than
 * SIZE (bundle.age.part001, ...). A part file is a 512-byte text header (bundle id, object,
 * part number and count, offset, length, object size, SHA-256 of its payload) followed by its
 * slice of the object, so any part is identified by its content, whatever its name or the
 * stick it came on.
 *
 * The receiver takes any mix of directories and files, identifies what each file is by its
 * first bytes, rebuilds bundle.age from whatever copies and parts it has, checks every block
 * against the index and repairs damaged or missing blocks from parity.
 */
#ifndef AIRSEAL_TRANSPORT_USB_H
#define AIRSEAL_TRANSPORT_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bundle/bundle.h"
#include "../core/file.h"
#include "../core/progress.h"
#include "../crypto/sha256.h"
#include "erasure.h"

#define AS_USB_AGE "bundle.age"
#define AS_USB_SIG "bundle.age.minisig"
#define AS_USB_PARITY "bundle.parity"
#define AS_USB_INDEX "bundle.index"
#define AS_USB_README "README.txt"
#define AS_PART_HEADER 512
#define AS_USB_DEFAULT_REDUNDANCY 5
/* Parts must hold at least this much so a block spans at most two parts. */
#define AS_USB_MIN_SPLIT (2u << 20)
#define AS_BLOCK_HASH 16 /* truncated SHA-256 of a block: detects damage, is not a MAC */

/* ---- part headers ---- */

typedef struct as_part_header {
    char bundle_id[AS_BUNDLE_ID_HEX];
    char object[16]; /* "bundle.age" or "bundle.parity" */
    uint32_t index;  /* 1-based */
    uint32_t count;
    uint64_t offset;
    uint64_t length;
    uint64_t object_size;
    uint8_t sha256[32];
} as_part_header;

/* Formats exactly AS_PART_HEADER bytes into out. */
void as_part_header_format(uint8_t out[AS_PART_HEADER], const as_part_header *h);

/* Parses and checks a 512-byte header. */
int as_part_header_parse(as_part_header *h, const uint8_t *data, size_t len, as_error *err);

/* ---- index ---- */

typedef struct as_usb_part_ref {
    char object[16];
    uint32_t index, count;
    uint64_t offset, length;
    uint8_t sha256[32];
} as_usb_part_ref;

typedef struct as_usb_index {
    char bundle_id[AS_BUNDLE_ID_HEX];
    as_ec_layout layout;
    uint8_t sealed_sha256[32];
    uint8_t *signature; /* the bundle.age.minisig file */
    size_t signature_len;
    as_usb_part_ref *parts;
    size_t nparts;
    uint8_t (*data_hash)[AS_BLOCK_HASH];   /* K */
    uint8_t (*parity_hash)[AS_BLOCK_HASH]; /* M */
} as_usb_index;

/* Parses and checks an index (its closing digest, layout, counts). */
int as_usb_index_parse(as_usb_index *ix, const uint8_t *data, size_t len, as_error *err);
int as_usb_index_format(const as_usb_index *ix, as_buf *out, as_error *err);
void as_usb_index_free(as_usb_index *ix);

/* ---- sender ---- */

typedef struct as_usb_object_out as_usb_object_out;

typedef struct as_usb_out {
    as_writer base; /* the sealed bytes */
    char *dir;
    uint64_t split;          /* 0: one plain bundle.age */
    uint32_t block;          /* block size, chosen before sealing */
    as_usb_object_out *age;  /* bundle.age or its parts */
    as_sha256_ctx block_sha; /* digest of the block being written */
    uint32_t in_block;
    uint8_t (*data_hash)[AS_BLOCK_HASH];
    size_t nhash, caphash;
} as_usb_out;

/*
 * Starts writing a bundle into the existing, empty directory dir. split is the largest file
 * size allowed (0 for no limit); expected is the evidence size, used to choose the block size.
 */
int as_usb_out_open(as_usb_out *u, const char *dir, uint64_t split, uint64_t expected,
                    as_error *err);

/*
 * After as_seal() wrote through u->base: writes parity (redundancy percent), the signature,
 * the index and README.txt, and moves every file into place. signer_fp is the NGO key's
 * fingerprint, shown in README.txt.
 */
int as_usb_out_finish(as_usb_out *u, const as_seal_result *sr, unsigned redundancy,
                      const char *signer_id, const char *signer_fp, const as_progress_sink *progress, as_error *err);

/* Removes every temporary file; safe after finish and on failure. */
void as_usb_out_abort(as_usb_out *u);

/* ---- receiver ---- */

typedef struct as_usb_in as_usb_in;

typedef struct as_usb_report {
    size_t files_seen;       /* files looked at */
    size_t ignored;          /* files that are not part of a bundle */
    size_t bad_indexes;      /* damaged index copies */
    size_t parts;            /* part files recognised */
    uint32_t blocks_damaged; /* data blocks missing or failing their digest */
    uint32_t blocks_repaired;
    bool had_index;
} as_usb_report;

/*
 * Identifies the files in sources (directories are scanned one level deep; links are not
 * followed) and checks that they belong to one bundle. Returns a gatherer, or NULL with err
 * set (AS_ERR_REJECTED for mixed bundles, AS_ERR_INCOMPLETE when nothing usable is found).
 */
as_usb_in *as_usb_gather(char *const *sources, size_t n, as_usb_report *rep, as_error *err);

/* The bundle id, if known from an index, a part or a signature (else ""). */
const char *as_usb_bundle_id(const as_usb_in *in);

/* The candidate signature files found (distinct), to try against the trust store. */
size_t as_usb_signatures(const as_usb_in *in, const uint8_t *const **sigs, const size_t **lens);

/*
 * Writes the sealed file into the open output o (repairing from parity when needed; counts in
 * rep) and returns its SHA-256 and BLAKE2b-512 prehash. Fails with AS_ERR_INCOMPLETE when
 * damage exceeds the parity, saying how much is missing.
 */
int as_usb_assemble(as_usb_in *in, as_outfile *o, as_usb_report *rep, uint8_t sha256[32],
                    uint8_t prehash[64], uint64_t *size, const as_progress_sink *progress, as_error *err);

void as_usb_in_free(as_usb_in *in);

#endif

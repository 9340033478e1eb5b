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
 *
 * This header holds what both sides share: the file names and the two text formats, part
 * headers (usb_part.c) and the index (usb_index.c). The sender's writer is usb_out.h, the
 * receiver's gathering and assembly usb_in.h.
 */
#ifndef AIRSEAL_TRANSPORT_USB_H
#define AIRSEAL_TRANSPORT_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bundle/bundle.h"
#include "../core/bytes.h"
#include "erasure.h"

#define AS_USB_AGE "bundle.age"
#define AS_USB_SIG "bundle.age.minisig"
#define AS_USB_PARITY "bundle.parity"
#define AS_USB_INDEX "bundle.index"
#define AS_USB_README "README.txt"
/* The first bytes of a part file and of an index: how a file is recognised, whatever its name. */
#define AS_PART_MAGIC "airseal-part v1\n"
#define AS_USB_INDEX_MAGIC "airseal-index v1"
#define AS_PART_HEADER 512
#define AS_USB_INDEX_MAX (64u << 20)
#define AS_USB_SIG_MAX 16384
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

/* Formats exactly AS_PART_HEADER bytes into out: the text, then spaces, then a newline. */
void as_part_header_format(uint8_t out[AS_PART_HEADER], const as_part_header *h);

/* Parses and checks a 512-byte header (len may be larger: only the header is read). Fails with
 * AS_ERR_FORMAT "malformed part header: WHAT". */
int as_part_header_parse(as_part_header *h, const uint8_t *data, size_t len, as_error *err);

/* A bundle object's name, "bundle.age" or "bundle.parity", copied into out; -1 for any other. */
int as_usb_parse_object(as_span s, char out[16]);

/* A bundle id, 32 hex digits of either case, into its lower-case form. */
int as_usb_parse_bundle_id(as_span s, char out[AS_BUNDLE_ID_HEX]);

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

/* Parses and checks an index (its closing digest first, then layout, counts). Fails with
 * AS_ERR_FORMAT "damaged bundle.index: ..." (ix left empty). */
int as_usb_index_parse(as_usb_index *ix, const uint8_t *data, size_t len, as_error *err);

/* Appends the index's text to out, closed by the SHA-256 of what precedes it. */
int as_usb_index_format(const as_usb_index *ix, as_buf *out, as_error *err);

/* Frees what a parsed index holds and empties it. */
void as_usb_index_free(as_usb_index *ix);

#endif

/*
 * frame_layout.h: the QR frame, the optical transport's unit (format: docs/FORMAT.md section
 * 10.2). Each frame is one byte-mode QR code holding a fixed header and one block of the
 * object (the sealed file followed by its signature file, cut into K data blocks of B bytes
 * and M parity blocks by erasure.h's striped Reed-Solomon code).
 *
 * The header's fields are written once, in the table as_frame_fields[] (frame_layout.c):
 * the parser, the writer, the unit tests and the hostile-frame tool all go through it.
 * Frame number i + 1 of K + M carries block i. Its CRC detects damage, not forgery: what the
 * frames rebuild is trusted only once the NGO's signature verifies over it.
 *
 * Both sides use this file: the sender formats frames, the station parses them.
 */
#ifndef AIRSEAL_TRANSPORT_FRAME_LAYOUT_H
#define AIRSEAL_TRANSPORT_FRAME_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "erasure.h"

#define AS_FRAME_MAGIC "ASQ"
#define AS_FRAME_VERSION 1
#define AS_FRAME_HEADER 41
#define AS_FRAME_ID_LEN 8
#define AS_FRAME_MIN_BLOCK 16
/* The largest block a QR code can carry: 2953 bytes (version 40, level L) less the header. */
#define AS_FRAME_MAX_BLOCK (2953 - AS_FRAME_HEADER)
/* What frames may carry: 64 MiB is hours of animation or a ream of paper. */
#define AS_FRAME_MAX_OBJECT (64u << 20)
#define AS_FRAME_MAX_SIG 16384

/* The header's fields, in the order they occur. */
typedef enum {
    AS_FF_MAGIC,   /* "ASQ" */
    AS_FF_VERSION, /* AS_FRAME_VERSION */
    AS_FF_BUNDLE,  /* the bundle id's first AS_FRAME_ID_LEN bytes */
    AS_FF_SEALED,  /* S, bytes of bundle.age */
    AS_FF_SIG,     /* G, bytes of bundle.age.minisig */
    AS_FF_BLOCK,   /* B, block size */
    AS_FF_PCT,     /* redundancy percent */
    AS_FF_K,       /* data blocks */
    AS_FF_M,       /* parity blocks */
    AS_FF_INDEX,   /* block index, 0 .. K + M - 1: data blocks first, then parity */
    AS_FF_CRC,     /* CRC-32 of the header before this field, then the block */
    AS_FF_COUNT
} as_frame_field_id;

/* One header field: its name (as FORMAT.md and the test tools call it), where it lies and how
 * wide it is. Byte-string fields (magic, bundle) are copied; the others are big-endian
 * unsigned integers. */
typedef struct as_frame_field {
    const char *name;
    unsigned offset, width;
    bool bytes;
} as_frame_field;

/* The header layout: AS_FF_COUNT rows, contiguous, ending at AS_FRAME_HEADER. */
extern const as_frame_field as_frame_fields[AS_FF_COUNT];

/* The integer field f (not a byte string) of a frame of at least AS_FRAME_HEADER bytes. */
uint64_t as_frame_get(const uint8_t *frame, as_frame_field_id f);

/* Stores v into the integer field f of a frame (high bytes that do not fit are dropped). */
void as_frame_put(uint8_t *frame, as_frame_field_id f, uint64_t v);

/* CRC-32 as zlib and PNG compute it (polynomial 0xEDB88320, reflected). */
uint32_t as_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* The CRC a frame of len bytes (header and block) should carry. */
uint32_t as_frame_crc(const uint8_t *frame, size_t len);

/* Writes the right CRC into a frame of len bytes, after its other fields were changed. */
void as_frame_put_crc(uint8_t *frame, size_t len);

typedef struct as_frame_header {
    uint8_t bundle[AS_FRAME_ID_LEN];
    uint64_t sealed_size;
    uint32_t sig_size;
    uint32_t block;
    uint32_t pct;
    uint32_t k, m;
    uint32_t index;
} as_frame_header;

/* Writes header and block (h->block bytes) into out, which holds AS_FRAME_HEADER + block. */
void as_frame_format(uint8_t *out, const as_frame_header *h, const uint8_t *block);

/*
 * Parses one decoded QR payload: magic, version, CRC, and a layout that is the one the
 * erasure code derives from (S + G, B, redundancy), within the caps. On success *block points
 * into data. Errors are AS_ERR_FORMAT (not a frame, damaged, inconsistent) or AS_ERR_LIMIT
 * (over a cap).
 */
int as_frame_parse(as_frame_header *h, const uint8_t **block, const uint8_t *data, size_t len,
                   as_error *err);

/* The layout a (valid) header describes. */
void as_frame_layout(const as_frame_header *h, as_ec_layout *l);

#endif

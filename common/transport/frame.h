/*
 * frame.h: QR frames, the optical transport (format: docs/FORMAT.md section 10).
 *
 * The object carried is the sealed file followed by its signature file. It is cut into K
 * data blocks of B bytes and protected with M parity blocks by the erasure code of
 * erasure.h (the same striped Reed-Solomon code as USB parity). Each frame is one byte-mode
 * QR code holding a 41-byte header and one block:
 *
 *   off len
 *     0   3  magic "ASQ"
 *     3   1  format version, 1
 *     4   8  bundle id, its first 8 bytes
 *    12   8  sealed size S (bytes of bundle.age), big-endian
 *    20   2  signature size G (bytes of bundle.age.minisig)
 *    22   2  block size B
 *    24   1  redundancy percent
 *    25   4  K, data blocks
 *    29   4  M, parity blocks
 *    33   4  block index i (0..K+M-1): data blocks first, then parity
 *    37   4  CRC-32 (IEEE) of bytes 0..36 and the block
 *    41   B  the block
 *
 * Frame number i + 1 of K + M is block i. A CRC detects damage, not forgery: what the frames
 * rebuild is trusted only once the NGO's signature verifies over it.
 */
#ifndef AIRSEAL_TRANSPORT_FRAME_H
#define AIRSEAL_TRANSPORT_FRAME_H

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
/* What frames may carry: 64 MiB is hours of animation or a ream of paper. */
#define AS_FRAME_MAX_OBJECT (64u << 20)
#define AS_FRAME_MAX_SIG 16384
#define AS_FRAME_MAX_BUNDLES 8

typedef struct as_frame_header {
    uint8_t bundle[AS_FRAME_ID_LEN];
    uint64_t sealed_size;
    uint32_t sig_size;
    uint32_t block;
    uint32_t pct;
    uint32_t k, m;
    uint32_t index;
} as_frame_header;

/* CRC-32 as zlib and PNG compute it (polynomial 0xEDB88320, reflected). */
uint32_t as_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Writes header and block (h->block bytes) into out, which holds AS_FRAME_HEADER + block. */
void as_frame_format(uint8_t *out, const as_frame_header *h, const uint8_t *block);

/*
 * Parses one decoded QR payload: magic, version, CRC, and a layout that is the one the
 * erasure code derives from (S + G, B, redundancy), within the caps. On success *block points
 * into data. Errors are AS_ERR_FORMAT (not a frame, damaged) or AS_ERR_LIMIT (over a cap).
 */
int as_frame_parse(as_frame_header *h, const uint8_t **block, const uint8_t *data, size_t len,
                   as_error *err);

/* The layout a (valid) header describes. */
void as_frame_layout(const as_frame_header *h, as_ec_layout *l);

/* ---- sender: cutting an object into frames ---- */

typedef struct as_frame_encoder {
    as_frame_header h; /* index is set per frame */
    as_ec_layout l;
    uint8_t *blocks; /* (K + M) * B: data blocks then parity blocks */
} as_frame_encoder;

/*
 * Lays sealed ‖ sig out in blocks of `block` bytes and computes the parity. bundle_id is the
 * 16-byte id of the bundle.
 */
int as_frame_encoder_init(as_frame_encoder *e, const uint8_t bundle_id[16], const uint8_t *sealed,
                          size_t sealed_len, const uint8_t *sig, size_t sig_len, uint32_t block,
                          unsigned pct, as_error *err);
/* Writes frame i (AS_FRAME_HEADER + B bytes) into out. */
void as_frame_encoder_frame(const as_frame_encoder *e, uint32_t i, uint8_t *out);
void as_frame_encoder_free(as_frame_encoder *e);

/* ---- receiver: collecting frames ---- */

/* The largest block a QR code can carry: 2953 bytes (version 40, level L) less the header. */
#define AS_FRAME_MAX_BLOCK (2953 - AS_FRAME_HEADER)
/* Distinct blocks kept for one frame index (the genuine one and what an outsider showed). */
#define AS_FRAME_MAX_CANDIDATES 4
/* Rebuilt objects offered to the signature check before giving up. */
#define AS_FRAME_MAX_ATTEMPTS 16

typedef enum {
    AS_FRAME_ADDED,
    AS_FRAME_DUPLICATE, /* the same block again */
    AS_FRAME_CONFLICT,  /* a different block for an index already held (kept apart) */
    AS_FRAME_CORRUPT,   /* not a frame, bad CRC, inconsistent header, over a cap */
    AS_FRAME_FOREIGN,   /* a frame of another bundle than the one being collected */
} as_frame_result;

/* One distinct block read for a frame index. */
typedef struct as_frame_cand {
    uint8_t *block; /* B bytes; a data block's bytes past the object's end are zeros */
    uint32_t seen;  /* times read */
    uint64_t order; /* arrival number in the set: lower came first */
    bool fresh;     /* read in this scan, not only from the scan cache */
} as_frame_cand;

/* A frame index held with up to AS_FRAME_MAX_CANDIDATES distinct blocks. */
typedef struct as_frame_pos {
    uint32_t index;
    uint32_t n;
    bool named; /* to be rescanned (set when a rebuild fails) */
    as_frame_cand c[AS_FRAME_MAX_CANDIDATES];
} as_frame_pos;

/* uint32 -> uint32 open-addressing map: grows with what is put in, never with a claim. */
typedef struct as_frame_map {
    uint32_t *keys, *vals; /* key + 1, 0 for an empty slot */
    size_t cap, n;
} as_frame_map;

typedef struct as_frame_bundle {
    as_frame_header h;
    as_ec_layout l;
    as_frame_pos *pos; /* indices held, in arrival order */
    size_t npos, cappos;
    as_frame_map by_index;  /* frame index -> slot in pos */
    as_frame_map by_stripe; /* stripe -> distinct indices held */
    uint32_t held;          /* distinct indices held (npos) */
    uint32_t useful;        /* sum over stripes of min(k_s, indices held) */
    uint32_t contested;     /* indices with more than one distinct block */
    uint32_t *open;         /* stripes left unresolved by a failed rebuild, sorted */
    uint32_t nopen;
    uint8_t *blocks; /* after a successful rebuild: the object, K blocks of B bytes */
} as_frame_bundle;

typedef struct as_frame_set {
    as_frame_bundle bundles[AS_FRAME_MAX_BUNDLES];
    size_t nbundles;
    bool cached; /* frames being added come from the scan cache (not fresh) */
    uint64_t seen, added, duplicates, conflicts, corrupt, other_bundles, evicted;
    uint64_t arrivals;
    char first_corrupt[AS_ERROR_MSG_MAX]; /* why the first corrupt frame was refused */
} as_frame_set;

void as_frame_set_init(as_frame_set *s);
void as_frame_set_free(as_frame_set *s);

/*
 * Adds one decoded payload. Frames of up to AS_FRAME_MAX_BUNDLES bundles are kept apart, and
 * so are different blocks read for the same index (up to AS_FRAME_MAX_CANDIDATES; when full,
 * a fresh block replaces the earliest one that came only from the cache, otherwise the
 * newcomer is dropped and counted in evicted). Work and memory are proportional to the
 * frames added, whatever layout a frame claims.
 */
as_frame_result as_frame_set_add(as_frame_set *s, const uint8_t *data, size_t len);

/* The bundle with the most blocks (NULL if none), and how many frames belong to others. */
as_frame_bundle *as_frame_set_main(as_frame_set *s, uint64_t *others);

/* Blocks still needed: 0 when every stripe holds enough distinct indices. Constant time. */
uint32_t as_frame_bundle_needed(const as_frame_bundle *b);

/*
 * Checks one rebuilt object (sealed bytes followed by the signature file, S + G bytes):
 * returns 0 to accept it, or -1 with err set to refuse it.
 */
typedef int (*as_frame_verify_fn)(void *ctx, const uint8_t *object, as_error *err);

/*
 * Rebuilds the object into b->blocks. Each stripe is decoded from several choices of k_s
 * held blocks (freshly read first, uncontested first, latest or earliest of contested ones,
 * and the same from the other end); the codewords found are ranked by how many held indices
 * agree with them. Combinations of them (at most AS_FRAME_MAX_ATTEMPTS) are offered to
 * verify, best first, until one is accepted; verify NULL accepts the first. *repaired
 * receives how many data blocks no held block matched. Fails with AS_ERR_INCOMPLETE when
 * blocks are missing, or with verify's last error; then the frames to rescan are marked.
 */
int as_frame_bundle_solve(as_frame_bundle *b, as_frame_verify_fn verify, void *ctx,
                          uint32_t *repaired, as_error *err);

/* as_frame_bundle_solve without a verifier. */
int as_frame_bundle_rebuild(as_frame_bundle *b, uint32_t *repaired, as_error *err);

/*
 * Writes into out (NUL-terminated, at most cap bytes) the frame numbers that would complete
 * the bundle, as ranges "3-5, 17": every missing index of a stripe that lacks blocks, every
 * index held with conflicting blocks, and every index of a stripe a failed rebuild left
 * unresolved. Returns how many frame numbers that is. Work proportional to what is held.
 */
uint32_t as_frame_bundle_missing(const as_frame_bundle *b, char *out, size_t cap);

#endif

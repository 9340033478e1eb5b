/*
 * frame_collect.h: the station's side of QR frames: decoded payloads collected into a set
 * (kept apart by bundle and, for one index, by distinct block), rebuilt into the object once
 * enough are held, and the frames still needed named for a rescan (format: docs/FORMAT.md
 * sections 10.2 and 10.4).
 */
#ifndef AIRSEAL_TRANSPORT_FRAME_COLLECT_H
#define AIRSEAL_TRANSPORT_FRAME_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "erasure.h"
#include "frame_layout.h"

/* Bundles told apart in one set. */
#define AS_FRAME_MAX_BUNDLES 8
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

/* Stripe and row (data rows first, then parity rows) of frame index i in layout l. */
void as_frame_index_coords(const as_ec_layout *l, uint32_t i, uint32_t *stripe, uint32_t *row);

#endif

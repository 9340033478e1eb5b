/*
 * merkle.h: the RFC 6962 Merkle tree of a transparency log (C2SP tlog hashing, RFC 9162
 * section 2.1): leaf and node hashes, the root of a tree of any size, inclusion and
 * consistency proofs (made and verified), and the compact appender ("frontier") that keeps
 * the right edge of the tree so an append costs O(log n) hashes and no reread.
 *
 *   leaf hash = SHA-256(0x00 || entry)     node hash = SHA-256(0x01 || left || right)
 *   root of the empty tree = SHA-256("")
 *
 * Trees are read through a caller-supplied source (one leaf hash at a time, and optionally
 * the hash of any complete aligned subtree it has stored), so the station can back a tree by
 * a file and keep the proofs O(log n) by storing the subtree hashes that the frontier reports.
 *
 * Sizes are uint64_t but at most AS_TLOG_SIZE_MAX (2^63 - 1): then every proof has at most
 * AS_TLOG_PATH_MAX (64) hashes (a consistency proof between sizes just below 2^64 can need
 * 65). Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step, and a proof
 * of the wrong length fails there, named as too long or too short.
 */
#ifndef AIRSEAL_CRYPTO_MERKLE_H
#define AIRSEAL_CRYPTO_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/error.h"

#define AS_TLOG_HASH_LEN 32
#define AS_TLOG_PATH_MAX 64
#define AS_TLOG_SIZE_MAX ((UINT64_C(1) << 63) - 1)

/* The hashes of one proof, in RFC 6962 order: from the leaf's (or the old tree's) side up. */
typedef struct as_tlog_path {
    size_t n;
    uint8_t hash[AS_TLOG_PATH_MAX][AS_TLOG_HASH_LEN];
} as_tlog_path;

/* SHA-256(0x00 || data[0..n)): the hash of one log entry. */
void as_tlog_leaf_hash(uint8_t out[AS_TLOG_HASH_LEN], const void *data, size_t n);

/* SHA-256(0x01 || left || right). out may alias left or right. */
void as_tlog_node_hash(uint8_t out[AS_TLOG_HASH_LEN], const uint8_t left[AS_TLOG_HASH_LEN],
                       const uint8_t right[AS_TLOG_HASH_LEN]);

/* SHA-256(""): the root of the tree with no entries. */
void as_tlog_empty_root(uint8_t out[AS_TLOG_HASH_LEN]);

/*
 * Where a tree's hashes come from. leaf() fills out with the leaf hash of entry `index`
 * (always below the size being asked about) and returns 0, or -1 with err set. subtree() may
 * be NULL; otherwise it is offered every complete aligned subtree the computation needs (the
 * 2^level leaves starting at entry index << level, level >= 1) and returns 1 after filling
 * out, 0 when it does not have that hash (it is then computed from below), or -1 with err
 * set. A subtree() that answers wrongly makes wrong roots and proofs, not memory errors.
 */
typedef struct as_tlog_source {
    int (*leaf)(void *ctx, uint64_t index, uint8_t out[AS_TLOG_HASH_LEN], as_error *err);
    int (*subtree)(void *ctx, unsigned level, uint64_t index, uint8_t out[AS_TLOG_HASH_LEN],
                   as_error *err);
    void *ctx;
} as_tlog_source;

/* The root of the first `size` entries of src. Costs O(size) leaf reads without stored
 * subtrees, O(log size) with all of them. Returns 0, or -1 with err set. */
int as_tlog_root(const as_tlog_source *src, uint64_t size, uint8_t root[AS_TLOG_HASH_LEN],
                 as_error *err);

/* The inclusion proof of entry `index` in the tree of the first `size` entries (RFC 6962
 * PATH). index < size <= AS_TLOG_SIZE_MAX. Returns 0, or -1 with err set. */
int as_tlog_prove_inclusion(const as_tlog_source *src, uint64_t index, uint64_t size,
                            as_tlog_path *out, as_error *err);

/*
 * Checks that leaf is entry `index` of the tree of `size` entries whose root is `root`
 * (RFC 9162 section 2.1.3.2). Returns 0, or -1 with err set: AS_ERR_REJECTED naming why (an
 * index outside the tree, a proof too long or too short, or one that leads to another root).
 */
int as_tlog_verify_inclusion(const uint8_t leaf[AS_TLOG_HASH_LEN], uint64_t index, uint64_t size,
                             const as_tlog_path *path, const uint8_t root[AS_TLOG_HASH_LEN],
                             as_error *err);

/* The consistency proof from the first old_size entries to the first new_size (RFC 6962
 * PROOF); empty when old_size is 0 or equal to new_size. old_size <= new_size <=
 * AS_TLOG_SIZE_MAX. Returns 0, or -1 with err set. */
int as_tlog_prove_consistency(const as_tlog_source *src, uint64_t old_size, uint64_t new_size,
                              as_tlog_path *out, as_error *err);

/*
 * Checks that the tree (old_size, old_root) is a prefix of the tree (new_size, new_root)
 * (RFC 9162 section 2.1.4.2). Equal sizes need an empty proof and equal roots; old_size 0
 * needs an empty proof and old_root = SHA-256(""). Returns 0, or -1 with err set
 * (AS_ERR_REJECTED, naming why).
 */
int as_tlog_verify_consistency(uint64_t old_size, const uint8_t old_root[AS_TLOG_HASH_LEN],
                               uint64_t new_size, const uint8_t new_root[AS_TLOG_HASH_LEN],
                               const as_tlog_path *path, as_error *err);

/*
 * The frontier: the roots of the complete subtrees along the right edge of the tree, the
 * largest (leftmost) first, one per bit set in size. It gives the root after each append
 * with O(log n) hashes and is saved and restored as text (docs/FORMAT.md), so a log can
 * grow without rereading its entries. A frontier holds no secret.
 */
typedef struct as_tlog_frontier {
    uint64_t size;
    unsigned n;
    uint8_t hash[AS_TLOG_PATH_MAX][AS_TLOG_HASH_LEN];
} as_tlog_frontier;

/* Called by as_tlog_frontier_append for every subtree an append completes: the new leaf
 * (level 0) and each merged subtree (2^level leaves starting at index << level), what a
 * store needs to answer as_tlog_source.subtree. Returns 0, or -1 with err set. */
typedef int (*as_tlog_node_fn)(void *ctx, unsigned level, uint64_t index,
                               const uint8_t hash[AS_TLOG_HASH_LEN], as_error *err);

/* The frontier of the empty tree. */
void as_tlog_frontier_init(as_tlog_frontier *f);

/* Appends one leaf hash. sink may be NULL. If sink fails or the tree is full
 * (AS_TLOG_SIZE_MAX entries) the frontier is left as it was. Returns 0, or -1 with err set. */
int as_tlog_frontier_append(as_tlog_frontier *f, const uint8_t leaf[AS_TLOG_HASH_LEN],
                            as_tlog_node_fn sink, void *ctx, as_error *err);

/* The root of the tree the frontier describes (SHA-256("") when empty). */
void as_tlog_frontier_root(const as_tlog_frontier *f, uint8_t root[AS_TLOG_HASH_LEN]);

/* The frontier of the first `size` entries of src (O(log size) reads with stored subtrees):
 * to resume appending a log that has no saved frontier. Returns 0, or -1 with err set. */
int as_tlog_frontier_from_source(as_tlog_frontier *f, const as_tlog_source *src, uint64_t size,
                                 as_error *err);

/* Appends the text form ("airseal tlog frontier v1", the size, one base64 hash per line). */
int as_tlog_frontier_save(const as_tlog_frontier *f, as_buf *out, as_error *err);

/* Parses the text form strictly: canonical size, exactly one hash per bit set in it, no
 * trailing data. The caller checks the root against the newest signed checkpoint before
 * trusting it. Returns 0, or -1 with err set (AS_ERR_FORMAT). */
int as_tlog_frontier_load(as_tlog_frontier *f, const uint8_t *data, size_t len, as_error *err);

#endif

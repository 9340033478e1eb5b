/*
 * custody_tree.h: the custody log's Merkle tree (RFC 6962, merkle.h), kept beside the log
 * (docs/FORMAT.md section 6). Inside the station layer only: custody.c uses it.
 *
 * Every entry line (its bytes without '\n') is a leaf. The tree's hashes are kept in the
 * order the frontier reports them (as_tlog_frontier_append: the leaf, then each subtree the
 * append completes), which makes the position of every hash a function of its place in the
 * tree: the leaf of entry index i (0-based) is record 2i - popcount(i), and the subtree of
 * level L that it completes is L records later. The side file custody.tree holds exactly
 * these 32-byte records, so it is a pure function of the log: a reader recomputes it from
 * the verified entries and compares, and a crash can only leave it short (or with a torn
 * last record), never different.
 */
#ifndef AIRSEAL_STATION_CUSTODY_TREE_H
#define AIRSEAL_STATION_CUSTODY_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../crypto/merkle.h"

typedef struct as_ctree {
    as_tlog_frontier f;
    uint8_t (*rec)[AS_TLOG_HASH_LEN]; /* every hash the frontier reported, in order */
    uint64_t nrec, cap;
} as_ctree;

/* The number of records of a tree of n entries: 2n - popcount(n). */
uint64_t as_ctree_records(uint64_t n);

/* The empty tree. */
void as_ctree_init(as_ctree *t);

/* Frees the records. Accepts a tree never added to. */
void as_ctree_free(as_ctree *t);

/* Makes room for the records of a tree of n entries, so that adding up to n entries cannot
 * fail for memory. Returns 0, or -1 with err set. */
int as_ctree_reserve(as_ctree *t, uint64_t n, as_error *err);

/* Adds entry line[0..len) (without '\n') as the next leaf: O(log n) hashes. On failure (out
 * of memory) the tree is as it was. Returns 0, or -1 with err set. */
int as_ctree_add(as_ctree *t, const void *line, size_t len, as_error *err);

/* A source (merkle.h) answering every leaf and subtree of the tree from its records, so
 * roots and proofs cost O(log n). Valid while t is neither added to nor freed. */
void as_ctree_source(const as_ctree *t, as_tlog_source *src);

#endif

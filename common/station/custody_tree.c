/* custody_tree.c: the custody log's Merkle tree held as the frontier's records; see
 * custody_tree.h. */
#include "custody_tree.h"

#include <stdlib.h>
#include <string.h>

uint64_t as_ctree_records(uint64_t n)
{
    return 2 * n - (uint64_t)__builtin_popcountll(n);
}

/* Where the hash of the 2^level entries from index << level is kept. */
static uint64_t position(unsigned level, uint64_t index)
{
    uint64_t last = ((index + 1) << level) - 1; /* the leaf whose append completes it */
    return as_ctree_records(last) + level;
}

void as_ctree_init(as_ctree *t)
{
    memset(t, 0, sizeof *t);
    as_tlog_frontier_init(&t->f);
}

void as_ctree_free(as_ctree *t)
{
    free(t->rec);
    as_ctree_init(t);
}

/* The frontier's sink: the records arrive in exactly the order position() counts. */
static int keep(void *ctx, unsigned level, uint64_t index, const uint8_t hash[AS_TLOG_HASH_LEN],
                as_error *err)
{
    as_ctree *t = ctx;
    if (position(level, index) != t->nrec)
        return as_fail(err, AS_ERR_INTERNAL, "custody tree: record out of order");
    memcpy(t->rec[t->nrec++], hash, AS_TLOG_HASH_LEN);
    return 0;
}

int as_ctree_reserve(as_ctree *t, uint64_t n, as_error *err)
{
    uint64_t need = as_ctree_records(n);
    if (need > t->cap) {
        uint64_t cap = t->cap ? t->cap * 2 : 64;
        while (cap < need)
            cap *= 2;
        void *grown =
            cap > SIZE_MAX / AS_TLOG_HASH_LEN ? NULL : realloc(t->rec, cap * AS_TLOG_HASH_LEN);
        if (grown == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory (custody tree)");
        t->rec = grown;
        t->cap = cap;
    }
    return 0;
}

int as_ctree_add(as_ctree *t, const void *line, size_t len, as_error *err)
{
    uint8_t leaf[AS_TLOG_HASH_LEN];
    if (as_ctree_reserve(t, t->f.size + 1, err) != 0)
        return -1;
    as_tlog_leaf_hash(leaf, line, len);
    uint64_t before = t->nrec;
    if (as_tlog_frontier_append(&t->f, leaf, keep, t, err) != 0) {
        t->nrec = before;
        return -1;
    }
    return 0;
}

static int src_leaf(void *ctx, uint64_t index, uint8_t out[AS_TLOG_HASH_LEN], as_error *err)
{
    const as_ctree *t = ctx;
    if (index >= t->f.size)
        return as_fail(err, AS_ERR_INTERNAL, "custody tree: no entry %llu",
                       (unsigned long long)index + 1);
    memcpy(out, t->rec[position(0, index)], AS_TLOG_HASH_LEN);
    return 0;
}

static int src_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[AS_TLOG_HASH_LEN],
                       as_error *err)
{
    (void)err;
    const as_ctree *t = ctx;
    if (level >= 63 || index >= (t->f.size >> level))
        return 0; /* not complete: computed from below */
    memcpy(out, t->rec[position(level, index)], AS_TLOG_HASH_LEN);
    return 1;
}

void as_ctree_source(const as_ctree *t, as_tlog_source *src)
{
    src->leaf = src_leaf;
    src->subtree = src_subtree;
    src->ctx = (void *)t;
}

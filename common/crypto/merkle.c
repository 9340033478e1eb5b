/* merkle.c: RFC 6962 Merkle tree hashing, proofs and the frontier; see merkle.h. */
#include "merkle.h"

#include <string.h>

#include "../core/base64.h"
#include "../core/text.h"
#include "sha256.h"

#define FRONTIER_HEADER "airseal tlog frontier v1"
#define B64_HASH_LEN 44 /* padded base64 of 32 bytes */

void as_tlog_leaf_hash(uint8_t out[AS_TLOG_HASH_LEN], const void *data, size_t n)
{
    static const uint8_t prefix = 0x00;
    as_sha256_ctx h;
    as_sha256_init(&h);
    as_sha256_update(&h, &prefix, 1);
    as_sha256_update(&h, data, n);
    as_sha256_final(&h, out);
}

void as_tlog_node_hash(uint8_t out[AS_TLOG_HASH_LEN], const uint8_t left[AS_TLOG_HASH_LEN],
                       const uint8_t right[AS_TLOG_HASH_LEN])
{
    static const uint8_t prefix = 0x01;
    as_sha256_ctx h;
    as_sha256_init(&h);
    as_sha256_update(&h, &prefix, 1);
    as_sha256_update(&h, left, AS_TLOG_HASH_LEN);
    as_sha256_update(&h, right, AS_TLOG_HASH_LEN);
    /* Written only after both inputs were consumed, so out may alias either. */
    as_sha256_final(&h, out);
}

void as_tlog_empty_root(uint8_t out[AS_TLOG_HASH_LEN])
{
    as_sha256(out, "", 0);
}

/* The largest power of two below n (n >= 2): where RFC 6962 splits a tree of n leaves. */
static uint64_t split_point(uint64_t n)
{
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static bool is_pow2(uint64_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

static int read_leaf(const as_tlog_source *s, uint64_t i, uint8_t out[AS_TLOG_HASH_LEN],
                     as_error *err)
{
    if (s->leaf(s->ctx, i, out, err) == 0)
        return 0;
    /* A source that failed without saying why still yields one clear line. */
    return as_fail(err, AS_ERR_IO, "transparency log: cannot read the hash of entry %llu",
                   (unsigned long long)i);
}

/* MTH of the n >= 1 leaves starting at lo. Recursion depth is at most 64. */
static int range_hash(const as_tlog_source *s, uint64_t lo, uint64_t n,
                      uint8_t out[AS_TLOG_HASH_LEN], as_error *err)
{
    if (n == 1)
        return read_leaf(s, lo, out, err);
    if (s->subtree != NULL && is_pow2(n) && (lo & (n - 1)) == 0) {
        unsigned level = (unsigned)__builtin_ctzll(n);
        int got = s->subtree(s->ctx, level, lo >> level, out, err);
        if (got < 0)
            return as_fail(err, AS_ERR_IO, "transparency log: cannot read a stored subtree");
        if (got > 0)
            return 0;
    }
    uint64_t k = split_point(n);
    uint8_t left[AS_TLOG_HASH_LEN], right[AS_TLOG_HASH_LEN];
    if (range_hash(s, lo, k, left, err) != 0 || range_hash(s, lo + k, n - k, right, err) != 0)
        return -1;
    as_tlog_node_hash(out, left, right);
    return 0;
}

int as_tlog_root(const as_tlog_source *src, uint64_t size, uint8_t root[AS_TLOG_HASH_LEN],
                 as_error *err)
{
    if (size > AS_TLOG_SIZE_MAX)
        return as_fail(err, AS_ERR_LIMIT, "transparency log: a tree of %llu entries is too large",
                       (unsigned long long)size);
    if (size == 0) {
        as_tlog_empty_root(root);
        return 0;
    }
    return range_hash(src, 0, size, root, err);
}

/* The proof was collected from the root down; RFC 6962 lists it from the leaf up. */
static void reverse_path(as_tlog_path *p)
{
    uint8_t t[AS_TLOG_HASH_LEN];
    for (size_t i = 0, j = p->n; i + 1 < j; i++, j--) {
        memcpy(t, p->hash[i], sizeof t);
        memcpy(p->hash[i], p->hash[j - 1], sizeof t);
        memcpy(p->hash[j - 1], t, sizeof t);
    }
}

int as_tlog_prove_inclusion(const as_tlog_source *src, uint64_t index, uint64_t size,
                            as_tlog_path *out, as_error *err)
{
    out->n = 0;
    if (size > AS_TLOG_SIZE_MAX || index >= size)
        return as_fail(err, AS_ERR_USAGE,
                       "transparency log: no entry %llu in a tree of %llu entries",
                       (unsigned long long)index, (unsigned long long)size);
    /* PATH(m, D[lo:lo+n]): descend towards the leaf, keeping the sibling subtree each time. */
    uint64_t lo = 0, n = size, m = index;
    while (n > 1) {
        uint64_t k = split_point(n);
        int rc = m < k ? range_hash(src, lo + k, n - k, out->hash[out->n], err)
                       : range_hash(src, lo, k, out->hash[out->n], err);
        if (rc != 0)
            return -1;
        out->n++;
        if (m < k) {
            n = k;
        } else {
            lo += k;
            m -= k;
            n -= k;
        }
    }
    reverse_path(out);
    return 0;
}

int as_tlog_prove_consistency(const as_tlog_source *src, uint64_t old_size, uint64_t new_size,
                              as_tlog_path *out, as_error *err)
{
    out->n = 0;
    if (new_size > AS_TLOG_SIZE_MAX || old_size > new_size)
        return as_fail(err, AS_ERR_USAGE,
                       "transparency log: no consistency proof from %llu to %llu entries",
                       (unsigned long long)old_size, (unsigned long long)new_size);
    if (old_size == 0 || old_size == new_size)
        return 0;
    /* SUBPROOF(m, D[lo:lo+n], b), unrolled: b turns false once the old tree's root is no
     * longer a node the verifier can rebuild from the proof alone. */
    uint64_t lo = 0, n = new_size, m = old_size;
    bool whole = true;
    while (m != n) {
        uint64_t k = split_point(n);
        int rc = m <= k ? range_hash(src, lo + k, n - k, out->hash[out->n], err)
                        : range_hash(src, lo, k, out->hash[out->n], err);
        if (rc != 0)
            return -1;
        out->n++;
        if (m <= k) {
            n = k;
        } else {
            lo += k;
            m -= k;
            n -= k;
            whole = false;
        }
    }
    if (!whole) {
        if (range_hash(src, lo, n, out->hash[out->n], err) != 0)
            return -1;
        out->n++;
    }
    reverse_path(out);
    return 0;
}

/* Right-shifts fn and sn together until fn is odd or zero (RFC 9162, both algorithms). */
static void shift_to_odd(uint64_t *fn, uint64_t *sn)
{
    while ((*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

int as_tlog_verify_inclusion(const uint8_t leaf[AS_TLOG_HASH_LEN], uint64_t index, uint64_t size,
                             const as_tlog_path *path, const uint8_t root[AS_TLOG_HASH_LEN],
                             as_error *err)
{
    if (size > AS_TLOG_SIZE_MAX || path->n > AS_TLOG_PATH_MAX)
        return as_fail(err, AS_ERR_REJECTED, "inclusion proof: the tree size is too large");
    if (index >= size)
        return as_fail(err, AS_ERR_REJECTED,
                       "inclusion proof: entry %llu is not in a tree of %llu entries",
                       (unsigned long long)index, (unsigned long long)size);
    uint64_t fn = index, sn = size - 1;
    uint8_t r[AS_TLOG_HASH_LEN];
    memcpy(r, leaf, sizeof r);
    for (size_t i = 0; i < path->n; i++) {
        if (sn == 0)
            return as_fail(err, AS_ERR_REJECTED,
                           "inclusion proof: too long for entry %llu of %llu (%zu hashes)",
                           (unsigned long long)index, (unsigned long long)size, path->n);
        if ((fn & 1) || fn == sn) {
            as_tlog_node_hash(r, path->hash[i], r);
            shift_to_odd(&fn, &sn);
        } else {
            as_tlog_node_hash(r, r, path->hash[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return as_fail(err, AS_ERR_REJECTED,
                       "inclusion proof: too short for entry %llu of %llu (%zu hashes)",
                       (unsigned long long)index, (unsigned long long)size, path->n);
    if (!as_equal_ct(r, root, sizeof r))
        return as_fail(err, AS_ERR_REJECTED,
                       "inclusion proof: entry %llu does not lead to the root of the tree of "
                       "%llu entries",
                       (unsigned long long)index, (unsigned long long)size);
    return 0;
}

/* The cases RFC 9162's algorithm leaves out: an empty old tree, and equal sizes. */
static int consistency_trivial(uint64_t old_size, const uint8_t old_root[AS_TLOG_HASH_LEN],
                               uint64_t new_size, const uint8_t new_root[AS_TLOG_HASH_LEN],
                               const as_tlog_path *path, as_error *err)
{
    uint8_t empty[AS_TLOG_HASH_LEN];
    if (path->n != 0)
        return as_fail(err, AS_ERR_REJECTED,
                       "consistency proof: must be empty from %llu to %llu entries",
                       (unsigned long long)old_size, (unsigned long long)new_size);
    as_tlog_empty_root(empty);
    if (old_size == 0 && !as_equal_ct(old_root, empty, sizeof empty))
        return as_fail(err, AS_ERR_REJECTED,
                       "consistency proof: the old root is not the root of the empty tree");
    if (old_size == new_size && !as_equal_ct(old_root, new_root, AS_TLOG_HASH_LEN))
        return as_fail(err, AS_ERR_REJECTED,
                       "consistency proof: two different roots for the same tree size %llu",
                       (unsigned long long)old_size);
    return 0;
}

int as_tlog_verify_consistency(uint64_t old_size, const uint8_t old_root[AS_TLOG_HASH_LEN],
                               uint64_t new_size, const uint8_t new_root[AS_TLOG_HASH_LEN],
                               const as_tlog_path *path, as_error *err)
{
    if (new_size > AS_TLOG_SIZE_MAX || path->n > AS_TLOG_PATH_MAX)
        return as_fail(err, AS_ERR_REJECTED, "consistency proof: the tree size is too large");
    if (old_size > new_size)
        return as_fail(err, AS_ERR_REJECTED,
                       "consistency proof: the old tree (%llu entries) is larger than the new "
                       "one (%llu)",
                       (unsigned long long)old_size, (unsigned long long)new_size);
    if (old_size == 0 || old_size == new_size)
        return consistency_trivial(old_size, old_root, new_size, new_root, path, err);
    if (path->n == 0)
        return as_fail(err, AS_ERR_REJECTED, "consistency proof: empty");
    /* Step 2: a power-of-two old tree is a node of the new one, so its root starts the path. */
    const uint8_t *c0 = is_pow2(old_size) ? old_root : path->hash[0];
    size_t next = is_pow2(old_size) ? 0 : 1;
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[AS_TLOG_HASH_LEN], sr[AS_TLOG_HASH_LEN];
    memcpy(fr, c0, sizeof fr);
    memcpy(sr, c0, sizeof sr);
    for (size_t i = next; i < path->n; i++) {
        if (sn == 0)
            return as_fail(err, AS_ERR_REJECTED, "consistency proof: too long (%zu hashes)",
                           path->n);
        if ((fn & 1) || fn == sn) {
            as_tlog_node_hash(fr, path->hash[i], fr);
            as_tlog_node_hash(sr, path->hash[i], sr);
            shift_to_odd(&fn, &sn);
        } else {
            as_tlog_node_hash(sr, sr, path->hash[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return as_fail(err, AS_ERR_REJECTED, "consistency proof: too short (%zu hashes)", path->n);
    if (!as_equal_ct(fr, old_root, sizeof fr))
        return as_fail(err, AS_ERR_REJECTED,
                       "consistency proof: does not lead to the old root (%llu entries)",
                       (unsigned long long)old_size);
    if (!as_equal_ct(sr, new_root, sizeof sr))
        return as_fail(err, AS_ERR_REJECTED,
                       "consistency proof: does not lead to the new root (%llu entries)",
                       (unsigned long long)new_size);
    return 0;
}

/* ---- the frontier ---- */

void as_tlog_frontier_init(as_tlog_frontier *f)
{
    memset(f, 0, sizeof *f);
}

int as_tlog_frontier_append(as_tlog_frontier *f, const uint8_t leaf[AS_TLOG_HASH_LEN],
                            as_tlog_node_fn sink, void *ctx, as_error *err)
{
    if (f->size >= AS_TLOG_SIZE_MAX)
        return as_fail(err, AS_ERR_LIMIT, "transparency log: the tree is full");
    if (f->n != (unsigned)__builtin_popcountll(f->size))
        return as_fail(err, AS_ERR_INTERNAL, "transparency log: the frontier is inconsistent");
    /* Like incrementing a binary counter: each trailing 1 bit of the size is a complete
     * subtree that merges with the new one. Nothing is stored until every sink call passed. */
    uint8_t h[AS_TLOG_HASH_LEN];
    unsigned merges = (unsigned)__builtin_ctzll(~f->size);
    memcpy(h, leaf, sizeof h);
    if (sink != NULL && sink(ctx, 0, f->size, h, err) != 0)
        return -1;
    for (unsigned j = 0; j < merges; j++) {
        as_tlog_node_hash(h, f->hash[f->n - 1 - j], h);
        if (sink != NULL && sink(ctx, j + 1, f->size >> (j + 1), h, err) != 0)
            return -1;
    }
    f->n -= merges;
    memcpy(f->hash[f->n++], h, sizeof h);
    f->size++;
    return 0;
}

void as_tlog_frontier_root(const as_tlog_frontier *f, uint8_t root[AS_TLOG_HASH_LEN])
{
    if (f->n == 0) {
        as_tlog_empty_root(root);
        return;
    }
    /* MTH splits at the largest power of two: the leftmost subtree, then the rest. */
    memcpy(root, f->hash[f->n - 1], AS_TLOG_HASH_LEN);
    for (unsigned i = f->n - 1; i-- > 0;)
        as_tlog_node_hash(root, f->hash[i], root);
}

int as_tlog_frontier_from_source(as_tlog_frontier *f, const as_tlog_source *src, uint64_t size,
                                 as_error *err)
{
    as_tlog_frontier_init(f);
    if (size > AS_TLOG_SIZE_MAX)
        return as_fail(err, AS_ERR_LIMIT, "transparency log: a tree of %llu entries is too large",
                       (unsigned long long)size);
    uint64_t lo = 0;
    for (int bit = 63; bit >= 0; bit--) {
        uint64_t n = UINT64_C(1) << bit;
        if ((size & n) == 0)
            continue;
        if (range_hash(src, lo, n, f->hash[f->n], err) != 0) {
            as_tlog_frontier_init(f);
            return -1;
        }
        f->n++;
        lo += n;
    }
    f->size = size;
    return 0;
}

int as_tlog_frontier_save(const as_tlog_frontier *f, as_buf *out, as_error *err)
{
    char b64[B64_HASH_LEN + 1];
    if (as_buf_printf(out, err, FRONTIER_HEADER "\n%llu\n", (unsigned long long)f->size) != 0)
        return -1;
    for (unsigned i = 0; i < f->n; i++) {
        as_b64_encode(b64, f->hash[i], AS_TLOG_HASH_LEN, AS_B64_PADDED);
        if (as_buf_printf(out, err, "%s\n", b64) != 0)
            return -1;
    }
    return 0;
}

int as_tlog_frontier_load(as_tlog_frontier *f, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    uint64_t size;
    as_tlog_frontier_init(f);
    as_cursor_init(&c, data, len);
#define BAD(what) as_fail(err, AS_ERR_FORMAT, "not a valid transparency log frontier: %s", what)
    if (as_cursor_expect(&c, FRONTIER_HEADER "\n", sizeof FRONTIER_HEADER) != 0)
        return BAD("bad first line");
    if (as_cursor_line(&c, &line, &n, 20) != 0 ||
        as_parse_u64(line, n, AS_TLOG_SIZE_MAX, true, &size) != 0)
        return BAD("bad size");
    unsigned want = (unsigned)__builtin_popcountll(size);
    for (unsigned i = 0; i < want; i++) {
        if (as_cursor_line(&c, &line, &n, B64_HASH_LEN) != 0 ||
            as_b64_decode_exact(f->hash[i], AS_TLOG_HASH_LEN, line, n, AS_B64_PADDED) != 0) {
            as_tlog_frontier_init(f);
            return BAD("bad hash line");
        }
    }
    if (as_cursor_end(&c) != 0) {
        as_tlog_frontier_init(f);
        return BAD("extra data");
    }
#undef BAD
    f->n = want;
    f->size = size;
    return 0;
}

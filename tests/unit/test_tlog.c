/*
 * test_tlog.c: the transparency-log primitives (issue 16): RFC 6962 hashing and proofs
 * (merkle.c), C2SP signed notes (note.c), checkpoints, cosignatures and tlog-proofs
 * (checkpoint.c).
 *
 * Known answers come from the specifications' examples and their reference implementations
 * (the RFC 6962 test tree of Certificate Transparency, golang.org/x/mod/sumdb/note's
 * PeterNeumann and EnochRoot notes, the C2SP examples), and from tests/tools/tlog_oracle.py,
 * an independent implementation of RFC 6962's definitions in Python (its output is
 * tests/vectors/tlog/oracle.txt). Property tests: every tree size up to 300 with every index,
 * every pair of sizes up to 300, and single-bit changes of every part of a proof, all fixed
 * seeds.
 */
#include "helpers.h"

#include <stdio.h>

#include "common/core/base64.h"
#include "common/core/text.h"
#include "common/crypto/checkpoint.h"
#include "common/crypto/merkle.h"
#include "common/crypto/note.h"

#define EMDASH "\xe2\x80\x94"

/* ---- helpers ---- */

static void hx(uint8_t *out, size_t n, const char *hex)
{
    assert_int_equal(strlen(hex), 2 * n);
    assert_int_equal(as_hex_decode(out, n, hex, 2 * n), 0);
}

/* A fixed-seed generator for the property tests (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* An in-memory log: leaf hashes and, when use_nodes, the subtree hashes the frontier reported
 * while it was built (what the station will store). Counts what proofs read. */
#define TN 1100
#define TLEVELS 11
typedef struct mem_tree {
    uint64_t n;
    uint8_t leaf[TN][32];
    uint8_t node[TLEVELS][TN][32];
    bool have[TLEVELS][TN];
    bool use_nodes;
    unsigned long leaf_reads;
    as_tlog_frontier f;
} mem_tree;
static mem_tree T;

static int mem_leaf(void *ctx, uint64_t i, uint8_t out[32], as_error *err)
{
    mem_tree *t = ctx;
    if (i >= t->n)
        return as_fail(err, AS_ERR_IO, "no leaf %llu", (unsigned long long)i);
    t->leaf_reads++;
    memcpy(out, t->leaf[i], 32);
    return 0;
}

static int mem_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[32], as_error *err)
{
    mem_tree *t = ctx;
    (void)err;
    if (!t->use_nodes || level >= TLEVELS || index >= TN || !t->have[level][index])
        return 0;
    memcpy(out, t->node[level][index], 32);
    return 1;
}

static int mem_sink(void *ctx, unsigned level, uint64_t index, const uint8_t h[32], as_error *err)
{
    mem_tree *t = ctx;
    if (level >= TLEVELS || index >= TN)
        return as_fail(err, AS_ERR_LIMIT, "node store full");
    memcpy(t->node[level][index], h, 32);
    t->have[level][index] = true;
    return 0;
}

static as_tlog_source mem_source(mem_tree *t)
{
    as_tlog_source s = {mem_leaf, mem_subtree, t};
    return s;
}

/* Resets T and appends the leaves of data[0..n) (each datalen[i] bytes) through a frontier. */
static void tree_build(size_t n, const uint8_t *const *data, const size_t *datalen)
{
    as_error err = {0};
    memset(&T, 0, sizeof T);
    as_tlog_frontier_init(&T.f);
    for (size_t i = 0; i < n; i++) {
        as_tlog_leaf_hash(T.leaf[i], data[i], datalen[i]);
        T.n = i + 1;
        assert_int_equal(as_tlog_frontier_append(&T.f, T.leaf[i], mem_sink, &T, &err), 0);
    }
}

/* The leaves "entry 0", "entry 1", ... (what tlog_oracle.py calls "entry"). */
static void tree_build_entries(size_t n)
{
    static char text[TN][16];
    static const uint8_t *data[TN];
    static size_t len[TN];
    for (size_t i = 0; i < n; i++) {
        len[i] = (size_t)snprintf(text[i], sizeof text[i], "entry %zu", i);
        data[i] = (const uint8_t *)text[i];
    }
    tree_build(n, data, len);
}

static const char *const CT_LEAVES[8] = {"",
                                         "00",
                                         "10",
                                         "2021",
                                         "3031",
                                         "40414243",
                                         "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"};

static void tree_build_ct(void)
{
    static uint8_t raw[8][16];
    static const uint8_t *data[8];
    static size_t len[8];
    for (size_t i = 0; i < 8; i++) {
        len[i] = strlen(CT_LEAVES[i]) / 2;
        as_hex_decode(raw[i], len[i], CT_LEAVES[i], 2 * len[i]);
        data[i] = raw[i];
    }
    tree_build(8, data, len);
}

static void expect_fail(int rc, const as_error *err, as_errcode code, const char *needle)
{
    assert_int_equal(rc, -1);
    if (err->code != code || strstr(err->msg, needle) == NULL)
        fail_msg("expected %s /%s/, got %s: %s", as_errcode_name(code), needle,
                 as_errcode_name(err->code), err->msg);
}

/* ---- RFC 6962 known answers ---- */

/* The roots of the RFC 6962 test tree (Certificate Transparency's corpus, also used by
 * transparency-dev/merkle), sizes 1 to 8. */
static const char *const CT_ROOTS[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

static void hashes_known(void **state)
{
    (void)state;
    uint8_t h[32], want[32], a[32], b[32];
    as_tlog_empty_root(h);
    hx(want, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_memory_equal(h, want, 32);
    as_tlog_leaf_hash(a, "", 0);
    hx(want, 32, CT_ROOTS[0]);
    assert_memory_equal(a, want, 32);
    as_tlog_leaf_hash(b, "\x00", 1);
    as_tlog_node_hash(h, a, b);
    hx(want, 32, CT_ROOTS[1]);
    assert_memory_equal(h, want, 32);
    /* out may alias an input */
    as_tlog_node_hash(a, a, b);
    assert_memory_equal(a, want, 32);
}

static void check_path(const as_tlog_path *p, const char *const *hexes, size_t n)
{
    uint8_t want[32];
    assert_int_equal(p->n, n);
    for (size_t i = 0; i < n; i++) {
        hx(want, 32, hexes[i]);
        assert_memory_equal(p->hash[i], want, 32);
    }
}

/* transparency-dev/merkle's published inclusion and consistency proofs on the CT tree. */
static const struct {
    const char *what; /* "inclusion INDEX SIZE" or "consistency OLD NEW" */
    const char *h[3];
} CT_PROOFS[] = {
    {"inclusion 0 8",
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {"inclusion 5 8",
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {"inclusion 2 3", {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {"inclusion 1 5",
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {"consistency 1 8",
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {"consistency 6 8",
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {"consistency 2 5",
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {"consistency 6 7",
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static void ct_known_answers(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_path p;
    uint8_t r1[32], r2[32];
    tree_build_ct();
    as_tlog_source src = mem_source(&T);
    for (size_t n = 1; n <= 8; n++) {
        hx(r1, 32, CT_ROOTS[n - 1]);
        assert_int_equal(as_tlog_root(&src, n, r2, &err), 0);
        assert_memory_equal(r1, r2, 32);
    }
    for (size_t i = 0; i < sizeof CT_PROOFS / sizeof CT_PROOFS[0]; i++) {
        char *end;
        bool inclusion = CT_PROOFS[i].what[0] == 'i';
        uint64_t a = strtoull(strchr(CT_PROOFS[i].what, ' ') + 1, &end, 10);
        uint64_t b = strtoull(end + 1, NULL, 10);
        size_t n = CT_PROOFS[i].h[2] ? 3 : CT_PROOFS[i].h[1] ? 2 : 1;
        hx(r2, 32, CT_ROOTS[b - 1]);
        if (inclusion) {
            assert_int_equal(as_tlog_prove_inclusion(&src, a, b, &p, &err), 0);
            check_path(&p, CT_PROOFS[i].h, n);
            assert_int_equal(as_tlog_verify_inclusion(T.leaf[a], a, b, &p, r2, &err), 0);
        } else {
            assert_int_equal(as_tlog_prove_consistency(&src, a, b, &p, &err), 0);
            check_path(&p, CT_PROOFS[i].h, n);
            hx(r1, 32, CT_ROOTS[a - 1]);
            assert_int_equal(as_tlog_verify_consistency(a, r1, b, r2, &p, &err), 0);
        }
    }
}

/* ---- the Python oracle's vectors ---- */

/* Parses "hex,hex,..." or "-" into p. */
static void parse_hexes(as_tlog_path *p, const char *s, size_t len)
{
    p->n = 0;
    if (len == 1 && s[0] == '-')
        return;
    for (size_t at = 0; at < len; at += 65) {
        assert_true(p->n < AS_TLOG_PATH_MAX && at + 64 <= len);
        assert_int_equal(as_hex_decode(p->hash[p->n++], 32, s + at, 64), 0);
    }
}

static void oracle_line(const char *line, size_t len, unsigned *counts)
{
    as_error err = {0};
    as_tlog_path want, got;
    uint8_t root[32], root2[32];
    as_tlog_source src = mem_source(&T);
    char *end;
    if (len > 7 && memcmp(line, "leaves ", 7) == 0) {
        if (len == 9 && memcmp(line + 7, "ct", 2) == 0)
            tree_build_ct();
        else
            tree_build_entries(300);
        return;
    }
    if (memcmp(line, "root ", 5) == 0) {
        uint64_t n = strtoull(line + 5, &end, 10);
        assert_int_equal(as_hex_decode(root, 32, end + 1, 64), 0);
        T.use_nodes = false;
        assert_int_equal(as_tlog_root(&src, n, root2, &err), 0);
        assert_memory_equal(root, root2, 32);
        T.use_nodes = true;
        assert_int_equal(as_tlog_root(&src, n, root2, &err), 0);
        assert_memory_equal(root, root2, 32);
        counts[0]++;
        return;
    }
    bool inclusion = memcmp(line, "inclusion ", 10) == 0;
    if (!inclusion && memcmp(line, "consistency ", 12) != 0)
        return;
    uint64_t a = strtoull(line + (inclusion ? 10 : 12), &end, 10);
    uint64_t b = strtoull(end + 1, &end, 10);
    parse_hexes(&want, end + 1, len - (size_t)(end + 1 - line));
    T.use_nodes = (a + b) % 2 == 0; /* both ways of reading the tree, alternately */
    assert_int_equal(as_tlog_root(&src, b, root2, &err), 0);
    if (inclusion) {
        assert_int_equal(as_tlog_prove_inclusion(&src, a, b, &got, &err), 0);
        assert_int_equal(as_tlog_verify_inclusion(T.leaf[a], a, b, &want, root2, &err), 0);
    } else {
        assert_int_equal(as_tlog_prove_consistency(&src, a, b, &got, &err), 0);
        assert_int_equal(as_tlog_root(&src, a, root, &err), 0);
        assert_int_equal(as_tlog_verify_consistency(a, root, b, root2, &want, &err), 0);
    }
    assert_int_equal(got.n, want.n);
    assert_memory_equal(got.hash, want.hash, 32 * want.n);
    counts[inclusion ? 1 : 2]++;
}

static void oracle_extra_line(const char *line, size_t len, unsigned *counts)
{
    as_error err = {0};
    if (len > 6 && memcmp(line, "keyid ", 6) == 0) {
        const char *name = line + 6, *sp = memchr(name, ' ', len - 6);
        uint8_t pk[32], id[4];
        assert_non_null(sp);
        unsigned type = (unsigned)(sp[1] - '0');
        assert_int_equal(as_hex_decode(pk, 32, sp + 3, 64), 0);
        assert_int_equal(as_hex_decode(id, 4, sp + 68, 8), 0);
        assert_int_equal(as_note_key_id(name, (size_t)(sp - name), (uint8_t)type, pk),
                         as_load_u32be(id));
        counts[3]++;
    } else if (len > 14 && memcmp(line, "cosig-message ", 14) == 0) {
        const char *b64 = strchr(line + 14, ' ') + 1;
        size_t blen = len - (size_t)(b64 - line);
        uint8_t want[256];
        long n = as_b64_decode(want, sizeof want, b64, blen, AS_B64_PADDED);
        const char *body = memchr(want, '\n', (size_t)n);
        body =
            (const char *)memchr(body + 1, '\n', (size_t)n - (size_t)(body + 1 - (char *)want)) + 1;
        as_buf got;
        as_buf_init(&got, 4096);
        assert_int_equal(as_note_cosig_message(&got, strtoull(line + 14, NULL, 10), body,
                                               (size_t)n - (size_t)(body - (char *)want), &err),
                         0);
        assert_int_equal(got.len, (size_t)n);
        assert_memory_equal(got.data, want, got.len);
        as_buf_free(&got);
        counts[4]++;
    }
}

static void oracle_vectors(void **state)
{
    (void)state;
    char *text = vector_text("tlog/oracle.txt");
    unsigned counts[5] = {0};
    for (char *p = text; *p != '\0';) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && p[0] != '#') {
            oracle_line(p, len, counts);
            oracle_extra_line(p, len, counts);
        }
        p = nl ? nl + 1 : p + len;
    }
    free(text);
    print_message("# oracle: %u roots, %u inclusion and %u consistency proofs, %u key ids, %u "
                  "cosignature messages\n",
                  counts[0], counts[1], counts[2], counts[3], counts[4]);
    assert_int_equal(counts[0], 9 + 71);
    assert_int_equal(counts[1], 36 + 210 + 8);
    assert_int_equal(counts[2], 44 + 230 + 8);
    assert_int_equal(counts[3], 2);
    assert_int_equal(counts[4], 1);
}

/* ---- property tests: every size and index up to 300, every pair of sizes ---- */

#define PN 300

/*
 * A proof's hashes are opaque, so a verifier cannot tell two tree sizes (or indexes) apart
 * when RFC 9162's loop combines the proof in the same order for both: entry 0 of 5 and of 7
 * both hash right, right, right. Such a pair verifies (as in every RFC 9162 verifier, and
 * harmlessly: the size is signed with its root in the checkpoint, see
 * tlog_proof_every_bit). The "shape" below is that order; the property tests assert that a
 * changed size or index verifies exactly when its shape is unchanged, and fails otherwise.
 */
/* RFC 9162's loop from (fn, sn): `both` where the proof hash goes left (or the old root moves
 * with the new one), `right` where it goes right. Returns the length written. */
static size_t shape_loop(uint64_t fn, uint64_t sn, char both, char right, char *out)
{
    size_t k = 0;
    for (; sn != 0 && k < 70; fn >>= 1, sn >>= 1) {
        if ((fn & 1) || fn == sn) {
            out[k++] = both;
            while ((fn & 1) == 0 && fn != 0)
                fn >>= 1, sn >>= 1;
        } else {
            out[k++] = right;
        }
    }
    out[k] = '\0';
    return k;
}

static void inclusion_shape(uint64_t i, uint64_t n, char out[80])
{
    if (i >= n || n > AS_TLOG_SIZE_MAX)
        memcpy(out, "none", 5);
    else
        shape_loop(i, n - 1, 'L', 'R', out);
}

static void consistency_shape(uint64_t m, uint64_t n, char out[80])
{
    if (m == 0 || m >= n || n > AS_TLOG_SIZE_MAX) {
        memcpy(out, "none", 5);
        return;
    }
    out[0] = (m & (m - 1)) == 0 ? 'P' : 'p';
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1)
        fn >>= 1, sn >>= 1;
    shape_loop(fn, sn, 'B', 'S', out + 1);
}

static unsigned long shape_twins; /* size or index changes that verified, shape unchanged */

static void inclusion_changed(const uint8_t leaf[32], uint64_t i, uint64_t n, uint64_t i2,
                              uint64_t n2, const as_tlog_path *q, const uint8_t r[32])
{
    as_error err = {0};
    char a[80], b[80];
    inclusion_shape(i, n, a);
    inclusion_shape(i2, n2, b);
    int want = strcmp(a, b) == 0 ? 0 : -1;
    if (i2 != i && want == 0) /* an index is always bound: no two share a shape */
        fail_msg("entries %llu and %llu of %llu share a shape", (unsigned long long)i,
                 (unsigned long long)i2, (unsigned long long)n);
    if (as_tlog_verify_inclusion(leaf, i2, n2, q, r, &err) != want)
        fail_msg("inclusion %llu/%llu changed to %llu/%llu: expected %d", (unsigned long long)i,
                 (unsigned long long)n, (unsigned long long)i2, (unsigned long long)n2, want);
    shape_twins += want == 0;
}

/* Every single-bit change of the proof, the leaf and the root fails; of the index and the
 * size, every one that changes the proof's shape. */
static void inclusion_all_bits(uint64_t i, uint64_t n, const as_tlog_path *p,
                               const uint8_t root[32])
{
    as_error err = {0};
    as_tlog_path q = *p;
    uint8_t leaf[32], r[32];
    memcpy(leaf, T.leaf[i], 32);
    memcpy(r, root, 32);
    for (size_t h = 0; h < q.n; h++)
        for (unsigned bit = 0; bit < 256; bit++) {
            q.hash[h][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
            q.hash[h][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    for (unsigned bit = 0; bit < 256; bit++) {
        leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
        leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
        r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (unsigned bit = 0; bit < 64; bit++) {
        uint64_t m = UINT64_C(1) << bit;
        inclusion_changed(leaf, i, n, i ^ m, n, &q, r);
        inclusion_changed(leaf, i, n, i, n ^ m, &q, r);
    }
    assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), 0);
}

/* One seeded random bit of each part, and the proof cut short, lengthened and shifted. */
static void inclusion_some_bits(uint64_t i, uint64_t n, const as_tlog_path *p,
                                const uint8_t root[32])
{
    as_error err = {0};
    as_tlog_path q = *p;
    uint8_t leaf[32], r[32];
    unsigned bit = (unsigned)(rnd() % 256);
    memcpy(leaf, T.leaf[i], 32);
    memcpy(r, root, 32);
    if (q.n > 0) {
        size_t h = (size_t)(rnd() % q.n);
        q.hash[h][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
        q = *p;
        q.n--;
        assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
        q = *p;
        memmove(q.hash[1], q.hash[0], 32 * q.n);
        memcpy(q.hash[0], r, 32);
        q.n++;
        assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
        q = *p;
    }
    memcpy(q.hash[q.n++], r, 32);
    assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
    q = *p;
    leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
    leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    assert_int_equal(as_tlog_verify_inclusion(leaf, i, n, &q, r, &err), -1);
    r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    uint64_t m = UINT64_C(1) << (rnd() % 64);
    inclusion_changed(leaf, i, n, i ^ m, n, &q, r);
    inclusion_changed(leaf, i, n, i, n ^ m, &q, r);
}

static void inclusion_every_size(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_path p, slow;
    uint8_t root[32];
    unsigned long proofs = 0;
    shape_twins = 0;
    tree_build_entries(PN);
    as_tlog_source src = mem_source(&T);
    for (uint64_t n = 1; n <= PN; n++) {
        T.use_nodes = true;
        assert_int_equal(as_tlog_root(&src, n, root, &err), 0);
        uint64_t full = rnd() % n;
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(as_tlog_prove_inclusion(&src, i, n, &p, &err), 0);
            assert_int_equal(as_tlog_verify_inclusion(T.leaf[i], i, n, &p, root, &err), 0);
            if (i == full)
                inclusion_all_bits(i, n, &p, root);
            else
                inclusion_some_bits(i, n, &p, root);
            proofs++;
        }
        /* Made from the leaves alone, the same proofs (checked at both edges). */
        T.use_nodes = false;
        assert_int_equal(as_tlog_prove_inclusion(&src, n - 1, n, &slow, &err), 0);
        assert_int_equal(as_tlog_prove_inclusion(&src, n - 1, n, &p, &err), 0);
        assert_int_equal(slow.n, p.n);
        assert_memory_equal(slow.hash, p.hash, 32 * p.n);
    }
    print_message("# %lu inclusion proofs verified, each with its single-bit changes refused but "
                  "for %lu size changes of the same shape\n",
                  proofs, shape_twins);
}

/* A changed size verifies only in the trivial cases that hold, or with an unchanged shape. */
static void consistency_changed(uint64_t m, uint64_t n, uint64_t m2, uint64_t n2,
                                const as_tlog_path *q, const uint8_t a[32], const uint8_t b[32])
{
    as_error err = {0};
    char s1[80], s2[80];
    uint8_t e[32];
    as_tlog_empty_root(e);
    consistency_shape(m, n, s1);
    consistency_shape(m2, n2, s2);
    bool ok;
    if (n2 > AS_TLOG_SIZE_MAX || m2 > n2)
        ok = false;
    else if (m2 == 0 || m2 == n2)
        ok = q->n == 0 && (m2 != 0 || as_equal_ct(a, e, 32)) && (m2 != n2 || as_equal_ct(a, b, 32));
    else
        ok = q->n > 0 && strcmp(s1, s2) == 0;
    if (as_tlog_verify_consistency(m2, a, n2, b, q, &err) != (ok ? 0 : -1))
        fail_msg("consistency %llu->%llu changed to %llu->%llu: expected %s", (unsigned long long)m,
                 (unsigned long long)n, (unsigned long long)m2, (unsigned long long)n2,
                 ok ? "success" : "failure");
    shape_twins += ok && m2 != 0 && (m2 != m || n2 != n);
}

static void consistency_changes(uint64_t m, uint64_t n, const as_tlog_path *p, const uint8_t r1[32],
                                const uint8_t r2[32], bool every_bit)
{
    as_error err = {0};
    as_tlog_path q = *p;
    uint8_t a[32], b[32];
    memcpy(a, r1, 32);
    memcpy(b, r2, 32);
    for (unsigned bit = every_bit ? 0 : (unsigned)(rnd() % 256); bit < 256;
         bit = every_bit ? bit + 1 : 256) {
        uint8_t x = (uint8_t)(1u << (bit % 8));
        for (size_t h = 0; h < q.n; h++) {
            q.hash[h][bit / 8] ^= x;
            assert_int_equal(as_tlog_verify_consistency(m, a, n, b, &q, &err), -1);
            q.hash[h][bit / 8] ^= x;
        }
        a[bit / 8] ^= x;
        assert_int_equal(as_tlog_verify_consistency(m, a, n, b, &q, &err), -1);
        a[bit / 8] ^= x;
        b[bit / 8] ^= x;
        /* Any tree is consistent with the empty one: its new root is not bound. */
        assert_int_equal(as_tlog_verify_consistency(m, a, n, b, &q, &err), m == 0 ? 0 : -1);
        b[bit / 8] ^= x;
    }
    for (unsigned bit = every_bit ? 0 : (unsigned)(rnd() % 64); bit < 64;
         bit = every_bit ? bit + 1 : 64) {
        uint64_t x = UINT64_C(1) << bit;
        consistency_changed(m, n, m ^ x, n, &q, a, b);
        consistency_changed(m, n, m, n ^ x, &q, a, b);
    }
    if (q.n > 0) {
        q.n--;
        assert_int_equal(as_tlog_verify_consistency(m, a, n, b, &q, &err), -1);
        q = *p;
    }
    memcpy(q.hash[q.n++], b, 32);
    assert_int_equal(as_tlog_verify_consistency(m, a, n, b, &q, &err), -1);
    assert_int_equal(as_tlog_verify_consistency(m, a, n, b, p, &err), 0);
}

static void consistency_every_pair(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_path p;
    static uint8_t roots[PN + 1][32];
    unsigned long pairs = 0;
    shape_twins = 0;
    tree_build_entries(PN);
    T.use_nodes = true;
    as_tlog_source src = mem_source(&T);
    for (uint64_t n = 0; n <= PN; n++)
        assert_int_equal(as_tlog_root(&src, n, roots[n], &err), 0);
    for (uint64_t n = 1; n <= PN; n++) {
        uint64_t full = rnd() % (n + 1);
        for (uint64_t m = 0; m <= n; m++) {
            assert_int_equal(as_tlog_prove_consistency(&src, m, n, &p, &err), 0);
            assert_int_equal(as_tlog_verify_consistency(m, roots[m], n, roots[n], &p, &err), 0);
            consistency_changes(m, n, &p, roots[m], roots[n], m == full);
            pairs++;
        }
    }
    print_message("# %lu consistency proofs verified, each with its single-bit changes refused but "
                  "for %lu size changes of the same shape\n",
                  pairs, shape_twins);
}

/* ---- the frontier ---- */

static int failing_sink(void *ctx, unsigned level, uint64_t index, const uint8_t h[32],
                        as_error *err)
{
    (void)ctx, (void)h;
    if (level == 2)
        return as_fail(err, AS_ERR_IO, "disk full at node %u/%llu", level,
                       (unsigned long long)index);
    return 0;
}

static void same_frontier(const as_tlog_frontier *f, const as_tlog_frontier *g)
{
    assert_int_equal(f->size, g->size);
    assert_int_equal(f->n, g->n);
    assert_memory_equal(f->hash, g->hash, 32 * f->n);
}

static void frontier_roots(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_frontier f, g;
    uint8_t a[32], b[32];
    as_buf text;
    tree_build_entries(TN);
    as_tlog_source src = mem_source(&T);
    as_tlog_frontier_init(&f);
    for (uint64_t n = 0; n <= TN; n++) {
        as_tlog_frontier_root(&f, a);
        T.use_nodes = n > PN; /* the recursive definition, from the leaves, up to 300 */
        assert_int_equal(as_tlog_root(&src, n, b, &err), 0);
        assert_memory_equal(a, b, 32);
        as_buf_init(&text, 1 << 16);
        assert_int_equal(as_tlog_frontier_save(&f, &text, &err), 0);
        assert_int_equal(as_tlog_frontier_load(&g, text.data, text.len, &err), 0);
        same_frontier(&f, &g);
        as_buf_free(&text);
        T.use_nodes = n % 2 == 0;
        assert_int_equal(as_tlog_frontier_from_source(&g, &src, n, &err), 0);
        same_frontier(&f, &g);
        if (n < TN)
            assert_int_equal(as_tlog_frontier_append(&f, T.leaf[n], NULL, NULL, &err), 0);
    }
    /* A failing sink leaves the frontier as it was. */
    as_tlog_frontier_init(&f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(as_tlog_frontier_append(&f, T.leaf[i], failing_sink, NULL, &err), 0);
    g = f;
    expect_fail(as_tlog_frontier_append(&f, T.leaf[3], failing_sink, NULL, &err), &err, AS_ERR_IO,
                "disk full");
    same_frontier(&f, &g);
}

/* With the subtrees the frontier reported, a proof reads O(log n) hashes; without, O(n). */
static void stored_subtrees(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_path p;
    uint8_t r[32];
    tree_build_entries(1024);
    as_tlog_source src = mem_source(&T);
    T.use_nodes = false;
    T.leaf_reads = 0;
    assert_int_equal(as_tlog_prove_inclusion(&src, 517, 1024, &p, &err), 0);
    assert_int_equal(T.leaf_reads, 1023);
    T.use_nodes = true;
    T.leaf_reads = 0;
    assert_int_equal(as_tlog_prove_inclusion(&src, 517, 1024, &p, &err), 0);
    assert_int_equal(as_tlog_root(&src, 1024, r, &err), 0);
    assert_true(T.leaf_reads <= 1);
    assert_int_equal(as_tlog_verify_inclusion(T.leaf[517], 517, 1024, &p, r, &err), 0);
    T.leaf_reads = 0;
    assert_int_equal(as_tlog_prove_consistency(&src, 1000, 1024, &p, &err), 0);
    assert_true(T.leaf_reads <= 2);
    print_message("# a proof in a tree of 1024 read %lu leaf hashes with stored subtrees, 1023 "
                  "without\n",
                  T.leaf_reads);
    /* A source that fails is one clear error. */
    T.n = 10;
    expect_fail(as_tlog_prove_inclusion(&src, 3, 11, &p, &err), &err, AS_ERR_IO, "no leaf 10");
}

/* ---- trees near the size limit: every leaf the same, so every subtree hash is known ---- */

static uint8_t SAME[64][32]; /* SAME[l]: the root of 2^l identical leaves */

static int same_leaf(void *ctx, uint64_t i, uint8_t out[32], as_error *err)
{
    (void)ctx, (void)i, (void)err;
    memcpy(out, SAME[0], 32);
    return 0;
}

static int same_subtree(void *ctx, unsigned level, uint64_t i, uint8_t out[32], as_error *err)
{
    (void)ctx, (void)i, (void)err;
    memcpy(out, SAME[level], 32);
    return 1;
}

static void huge_trees(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_path p;
    as_tlog_frontier f;
    uint8_t r1[32], r2[32];
    as_tlog_source src = {same_leaf, same_subtree, NULL};
    const uint64_t max = AS_TLOG_SIZE_MAX, half = (UINT64_C(1) << 62) - 1;
    as_tlog_leaf_hash(SAME[0], "same", 4);
    for (int l = 1; l < 64; l++)
        as_tlog_node_hash(SAME[l], SAME[l - 1], SAME[l - 1]);
    assert_int_equal(as_tlog_root(&src, max, r2, &err), 0);
    assert_int_equal(as_tlog_root(&src, half, r1, &err), 0);
    /* The longest proofs there are: 63 hashes of inclusion, 64 of consistency. */
    assert_int_equal(as_tlog_prove_inclusion(&src, max - 1, max, &p, &err), 0);
    assert_int_equal(p.n, 62);
    assert_int_equal(as_tlog_prove_inclusion(&src, UINT64_C(1) << 61, max, &p, &err), 0);
    assert_int_equal(p.n, 63);
    assert_int_equal(as_tlog_verify_inclusion(SAME[0], UINT64_C(1) << 61, max, &p, r2, &err), 0);
    assert_int_equal(as_tlog_prove_consistency(&src, half, max, &p, &err), 0);
    assert_int_equal(p.n, 64);
    assert_int_equal(as_tlog_verify_consistency(half, r1, max, r2, &p, &err), 0);
    p.hash[63][0] ^= 1;
    expect_fail(as_tlog_verify_consistency(half, r1, max, r2, &p, &err), &err, AS_ERR_REJECTED,
                "does not lead to the new root");
    /* The frontier of a full tree, and no room for one more entry. */
    assert_int_equal(as_tlog_frontier_from_source(&f, &src, max, &err), 0);
    assert_int_equal(f.n, 63);
    as_tlog_frontier_root(&f, r1);
    assert_memory_equal(r1, r2, 32);
    as_error_clear(&err);
    expect_fail(as_tlog_frontier_append(&f, SAME[0], NULL, NULL, &err), &err, AS_ERR_LIMIT,
                "the tree is full");
    /* Past the limit, nothing is made or accepted. */
    as_error_clear(&err);
    expect_fail(as_tlog_root(&src, max + 1, r1, &err), &err, AS_ERR_LIMIT, "too large");
    as_error_clear(&err);
    expect_fail(as_tlog_prove_inclusion(&src, 0, max + 1, &p, &err), &err, AS_ERR_USAGE,
                "no entry 0");
    as_error_clear(&err);
    expect_fail(as_tlog_prove_consistency(&src, 1, max + 1, &p, &err), &err, AS_ERR_USAGE,
                "no consistency proof");
    p.n = 63;
    as_error_clear(&err);
    expect_fail(as_tlog_verify_inclusion(SAME[0], 0, max + 1, &p, r2, &err), &err, AS_ERR_REJECTED,
                "too large");
    p.n = AS_TLOG_PATH_MAX + 1;
    as_error_clear(&err);
    expect_fail(as_tlog_verify_consistency(1, r1, 2, r2, &p, &err), &err, AS_ERR_REJECTED,
                "too large");
}

/* ---- every rejection of the verifiers, each for its reason ---- */

static void verify_rejects(void **state)
{
    (void)state;
    as_error err = {0};
    as_tlog_path p, q, empty = {0};
    uint8_t r[PN + 1][32], e[32];
    tree_build_entries(20);
    as_tlog_source src = mem_source(&T);
    for (uint64_t n = 0; n <= 20; n++)
        assert_int_equal(as_tlog_root(&src, n, r[n], &err), 0);
    as_tlog_empty_root(e);
    assert_int_equal(as_tlog_prove_inclusion(&src, 5, 20, &p, &err), 0);
#define REJ(call, needle)                                                                          \
    do {                                                                                           \
        as_error_clear(&err);                                                                      \
        expect_fail((call), &err, AS_ERR_REJECTED, (needle));                                      \
    } while (0)
    REJ(as_tlog_verify_inclusion(T.leaf[5], 20, 20, &p, r[20], &err), "entry 20 is not in a tree");
    REJ(as_tlog_verify_inclusion(T.leaf[0], 0, 0, &empty, e, &err), "entry 0 is not in a tree");
    q = p;
    memcpy(q.hash[q.n++], r[20], 32);
    REJ(as_tlog_verify_inclusion(T.leaf[5], 5, 20, &q, r[20], &err), "too long");
    q = p;
    q.n--;
    REJ(as_tlog_verify_inclusion(T.leaf[5], 5, 20, &q, r[20], &err), "too short");
    REJ(as_tlog_verify_inclusion(T.leaf[6], 5, 20, &p, r[20], &err), "does not lead to the root");
    REJ(as_tlog_verify_inclusion(T.leaf[5], 5, 20, &p, r[19], &err), "does not lead to the root");
    assert_int_equal(as_tlog_prove_consistency(&src, 7, 20, &p, &err), 0);
    REJ(as_tlog_verify_consistency(20, r[20], 7, r[7], &p, &err), "larger than the new one");
    REJ(as_tlog_verify_consistency(7, r[7], 7, r[7], &p, &err), "must be empty");
    REJ(as_tlog_verify_consistency(7, r[7], 7, r[8], &empty, &err), "two different roots");
    REJ(as_tlog_verify_consistency(0, r[7], 7, r[7], &empty, &err), "not the root of the empty");
    REJ(as_tlog_verify_consistency(0, e, 7, r[7], &p, &err), "must be empty");
    REJ(as_tlog_verify_consistency(7, r[7], 20, r[20], &empty, &err), "consistency proof: empty");
    q = p;
    memcpy(q.hash[q.n++], r[20], 32);
    REJ(as_tlog_verify_consistency(7, r[7], 20, r[20], &q, &err), "too long");
    q = p;
    q.n--;
    REJ(as_tlog_verify_consistency(7, r[7], 20, r[20], &q, &err), "too short");
    REJ(as_tlog_verify_consistency(7, r[6], 20, r[20], &p, &err), "does not lead to the old root");
    REJ(as_tlog_verify_consistency(7, r[7], 20, r[19], &p, &err), "does not lead to the new root");
#undef REJ
    /* The trivial cases that hold. */
    assert_int_equal(as_tlog_verify_consistency(0, e, 7, r[7], &empty, &err), 0);
    assert_int_equal(as_tlog_verify_consistency(7, r[7], 7, r[7], &empty, &err), 0);
    assert_int_equal(as_tlog_verify_consistency(0, e, 0, e, &empty, &err), 0);
}

static void frontier_load_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *text, *needle;
    } BAD[] = {
        {"airseal tlog frontier v2\n0\n", "bad first line"},
        {"airseal tlog frontier v1\n01\n", "bad size"},
        {"airseal tlog frontier v1\n-1\n", "bad size"},
        {"airseal tlog frontier v1\n9223372036854775808\n", "bad size"},
        {"airseal tlog frontier v1\n1\n", "bad hash line"},
        {"airseal tlog frontier v1\n1\nbnVsbA==\n", "bad hash line"},
        {"airseal tlog frontier v1\n1\nEMoBFTY5TcRw8AVv1pv8LJ+mqLcEPasuJDTjF3WOj+Y\n",
         "bad hash line"},
        {"airseal tlog frontier v1\n2\nEMoBFTY5TcRw8AVv1pv8LJ+mqLcEPasuJDTjF3WOj+Y=\n"
         "EMoBFTY5TcRw8AVv1pv8LJ+mqLcEPasuJDTjF3WOj+Y=\n",
         "extra data"},
        {"airseal tlog frontier v1\n0\n\n", "extra data"},
        {"airseal tlog frontier v1\r\n0\n", "bad first line"},
    };
    as_tlog_frontier f;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        as_error err = {0};
        expect_fail(
            as_tlog_frontier_load(&f, (const uint8_t *)BAD[i].text, strlen(BAD[i].text), &err),
            &err, AS_ERR_FORMAT, BAD[i].needle);
        assert_int_equal(f.size, 0);
    }
}

/* ---- signed notes: golang.org/x/mod/sumdb/note's and C2SP's examples ---- */

static const char GO_TEXT[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char GO_SEED_B64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char PETER_VKEY[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char ENOCH_VKEY[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char PETER_SIG[] = EMDASH " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZ"
                                       "InNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char ENOCH_SIG[] = EMDASH " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n"
                                       "2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
static const char SPEC_VKEY[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char SPEC_NOTE[] = "This is an example message.\n\n" EMDASH
                                " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlT"
                                "gK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

static char *strjoin(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    assert_non_null(s);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

static void vkey(as_note_vkey *k, const char *s)
{
    as_error err = {0};
    if (as_note_vkey_parse(k, s, strlen(s), &err) != 0)
        fail_msg("vkey %s: %s", s, err.msg);
}

/* A key pair in secure memory from a 32-byte seed; frees with as_secret_free. */
static uint8_t *keypair(as_note_vkey *k, const char *name, uint8_t type, const uint8_t seed[32])
{
    as_error err = {0};
    uint8_t pk[32];
    uint8_t *sk = as_secret_alloc(crypto_sign_SECRETKEYBYTES, &err);
    assert_non_null(sk);
    crypto_sign_seed_keypair(pk, sk, seed);
    assert_int_equal(as_note_vkey_init(k, name, strlen(name), type, pk, &err), 0);
    return sk;
}

static void note_go_known_answers(void **state)
{
    (void)state;
    as_error err = {0};
    uint8_t raw[33];
    as_note_vkey peter, enoch, k;
    as_note_result res[2];
    as_note n;
    as_buf out;
    assert_int_equal(as_b64_decode_exact(raw, 33, GO_SEED_B64, strlen(GO_SEED_B64), AS_B64_PADDED),
                     0);
    uint8_t *sk = keypair(&k, "PeterNeumann", raw[0], raw + 1);
    vkey(&peter, PETER_VKEY);
    vkey(&enoch, ENOCH_VKEY);
    assert_int_equal(peter.key_id, 0xc74f20a3);
    as_buf_init(&out, 1 << 16);
    assert_int_equal(as_note_vkey_format(&out, &k, &err), 0);
    assert_int_equal(out.len, strlen(PETER_VKEY));
    assert_memory_equal(out.data, PETER_VKEY, out.len);
    /* Ed25519 is deterministic: signing the text gives the published signature line. */
    out.len = 0;
    assert_int_equal(as_note_sign(&out, GO_TEXT, strlen(GO_TEXT), &k, sk, 0, &err), 0);
    assert_int_equal(out.len, strlen(PETER_SIG));
    assert_memory_equal(out.data, PETER_SIG, out.len);
    as_secret_free(sk);
    /* The doubly signed note: each key alone, both together; the other one is ignored. */
    char *two = strjoin(GO_TEXT, "\n", PETER_SIG), *both = strjoin(two, ENOCH_SIG, "");
    assert_int_equal(as_note_parse(&n, (const uint8_t *)both, strlen(both), &err), 0);
    assert_int_equal(n.nsigs, 2);
    assert_int_equal(n.text_len, strlen(GO_TEXT));
    as_note_vkey keys[2] = {peter, enoch};
    assert_int_equal(as_note_verify(&n, keys, 2, res, &err), 0);
    assert_true(res[0].ok && res[1].ok);
    assert_int_equal(as_note_verify(&n, &peter, 1, res, &err), 0);
    assert_int_equal(as_note_verify(&n, &enoch, 1, res, &err), 0);
    out.len = 0;
    assert_int_equal(as_note_format(&out, &n, &err), 0);
    assert_int_equal(out.len, strlen(both));
    assert_memory_equal(out.data, both, out.len);
    /* C2SP's example key and note. */
    vkey(&k, SPEC_VKEY);
    assert_int_equal(as_note_parse(&n, (const uint8_t *)SPEC_NOTE, strlen(SPEC_NOTE), &err), 0);
    assert_int_equal(as_note_verify(&n, &k, 1, res, &err), 0);
    assert_true(res[0].ok);
    free(two);
    free(both);
    as_buf_free(&out);
}

static void vkey_known_and_rejected(void **state)
{
    (void)state;
    as_note_vkey k;
    as_buf out;
    as_error err = {0};
    /* transparency-dev/formats' keys: a '+' inside the base64, and a cosignature/v1 key whose
     * id (with type 0x04) is da77ade7. */
    vkey(&k, "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6");
    vkey(&k, "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
    assert_int_equal(k.type, AS_NOTE_COSIG_V1);
    as_buf_init(&out, 1024);
    assert_int_equal(as_note_vkey_format(&out, &k, &err), 0);
    assert_memory_equal(out.data, "remora.n621.de+da77ade7+BOvN", 27);
    as_buf_free(&out);
    static const struct {
        const char *s, *needle;
        as_errcode code;
    } BAD[] = {
        {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "the key id does not match", AS_ERR_KEY},
        {"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "bad key id",
         AS_ERR_FORMAT},
        {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "bad key id",
         AS_ERR_FORMAT},
        {"PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
         "bad base64 key", AS_ERR_FORMAT},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
         "the key id does not match", AS_ERR_KEY},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T=", "bad base64 key",
         AS_ERR_FORMAT},
        {"PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "unknown note signature type 0x65", AS_ERR_KEY},
        {"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name",
         AS_ERR_KEY},
        {"Peter\xe2\x80\xaeNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "key name", AS_ERR_KEY},
        {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name", AS_ERR_KEY},
        {"PeterNeumann+c74f20a3", "bad key id", AS_ERR_FORMAT},
        {"PeterNeumann", "not a note verifier key", AS_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        as_error_clear(&err);
        expect_fail(as_note_vkey_parse(&k, BAD[i].s, strlen(BAD[i].s), &err), &err, BAD[i].code,
                    BAD[i].needle);
    }
}

/* The Go note with both signatures, `from` replaced by `to` (first occurrence). */
static char *go_note_with(const char *from, const char *to)
{
    char *two = strjoin(GO_TEXT, "\n", PETER_SIG), *both = strjoin(two, ENOCH_SIG, "");
    free(two);
    char *at = strstr(both, from);
    assert_non_null(at);
    *at = '\0';
    char *out = strjoin(both, to, at + strlen(from));
    free(both);
    return out;
}

static void note_parse_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *name, *from, *to, *needle;
        as_errcode code;
    } BAD[] = {
        {"no final newline", "c+QQ=\n", "c+QQ=", "no final newline", AS_ERR_FORMAT},
        {"no blank line", "is.\n\n", "is.\n", "no blank line", AS_ERR_FORMAT},
        {"bad base64", "x08go/", "x08go!", "line 4: bad base64", AS_ERR_FORMAT},
        {"non-canonical base64", "JnAM=", "JnAN=", "line 4: bad base64", AS_ERR_FORMAT},
        {"base64 without padding", "JnAM=", "JnAM", "line 4: bad base64", AS_ERR_FORMAT},
        {"short signature",
         "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKv"
         "qfqdngotpRZb6KE6RyyBwJnAM=",
         "AAAAAA==", "line 4: signature too short", AS_ERR_FORMAT},
        {"en dash", EMDASH " Peter", "\xe2\x80\x93 Peter", "line 4 is not a signature",
         AS_ERR_FORMAT},
        {"ASCII dashes", EMDASH " Peter", "-- Peter", "line 4 is not a signature", AS_ERR_FORMAT},
        {"no space after the dash", EMDASH " Peter", EMDASH "Peter", "line 4 is not a signature",
         AS_ERR_FORMAT},
        {"plus in the name", "PeterNeumann", "Peter+Neumann", "line 4: bad key name",
         AS_ERR_FORMAT},
        {"empty name", "PeterNeumann ", " ", "line 4: bad key name", AS_ERR_FORMAT},
        {"no space before the signature", "PeterNeumann ", "PeterNeumann", "line 4: bad key name",
         AS_ERR_FORMAT},
        {"no-break space in the name", "PeterNeumann", "Peter\xc2\xa0Neumann",
         "line 4: bad key name", AS_ERR_FORMAT},
        {"CR", "problem,\n", "problem,\r\n", "control character 0x0d", AS_ERR_FORMAT},
        {"NUL", "problem,", "prob#em,", "control character 0x00", AS_ERR_FORMAT},
        {"tab", "problem,", "problem,\t", "control character 0x09", AS_ERR_FORMAT},
        {"ESC", "problem,", "\x1b[2Jproblem,", "control character 0x1b", AS_ERR_FORMAT},
        {"ill-formed UTF-8", "problem,", "probl\xc3m,", "not UTF-8", AS_ERR_FORMAT},
        {"overlong UTF-8", "problem,", "problem\xc0\xae", "not UTF-8", AS_ERR_FORMAT},
    };
    as_note n;
    as_error e = {0};
    char *nosig = strjoin(GO_TEXT, "\n", "");
    expect_fail(as_note_parse(&n, (const uint8_t *)nosig, strlen(nosig), &e), &e, AS_ERR_FORMAT,
                "no signature");
    free(nosig);
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        as_error err = {0};
        char *text = go_note_with(BAD[i].from, BAD[i].to);
        /* '#' stands for a NUL, which a C string cannot splice in. */
        size_t len = strlen(text);
        for (size_t j = 0; j < len; j++)
            if (text[j] == '#')
                text[j] = '\0';
        int rc = as_note_parse(&n, (const uint8_t *)text, len, &err);
        if (rc != -1 || err.code != BAD[i].code || strstr(err.msg, BAD[i].needle) == NULL)
            fail_msg("%s: expected /%s/, got %d %s", BAD[i].name, BAD[i].needle, rc, err.msg);
        free(text);
    }
}

/* The bounds: a long line, many signatures, a huge note, a huge signature. */
static void note_limits(void **state)
{
    (void)state;
    as_note n;
    as_buf b;
    as_error err = {0};
    char line[AS_NOTE_LINE_MAX + 2];
    memset(line, 'a', sizeof line);
    line[AS_NOTE_LINE_MAX + 1] = '\0';
    /* A text line of 8192 bytes passes, 8193 does not. */
    line[AS_NOTE_LINE_MAX] = '\0';
    char *ok = strjoin(line, "\n\n", PETER_SIG);
    assert_int_equal(as_note_parse(&n, (const uint8_t *)ok, strlen(ok), &err), 0);
    line[AS_NOTE_LINE_MAX] = 'a';
    char *bad = strjoin(line, "\n\n", PETER_SIG);
    expect_fail(as_note_parse(&n, (const uint8_t *)bad, strlen(bad), &err), &err, AS_ERR_LIMIT,
                "line 1 is longer than 8192 bytes");
    free(ok);
    free(bad);
    /* 32 signatures pass, 33 do not. */
    as_buf_init(&b, 1 << 20);
    as_buf_puts(&b, GO_TEXT, &err);
    as_buf_puts(&b, "\n", &err);
    for (int i = 0; i < AS_NOTE_SIGS_MAX; i++)
        as_buf_puts(&b, ENOCH_SIG, &err);
    assert_int_equal(as_note_parse(&n, b.data, b.len, &err), 0);
    as_buf_puts(&b, ENOCH_SIG, &err);
    as_error_clear(&err);
    expect_fail(as_note_parse(&n, b.data, b.len, &err), &err, AS_ERR_LIMIT,
                "more than 32 signatures");
    /* A post-quantum-sized signature (2,436 bytes) from an unknown key is read and ignored;
     * one over AS_NOTE_SIG_MAX is refused. */
    uint8_t raw[AS_NOTE_SIG_MAX + 3];
    char b64[((sizeof raw + 2) / 3) * 4 + 1];
    memset(raw, 0x5a, sizeof raw);
    as_b64_encode(b64, raw, 2436, AS_B64_PADDED);
    b.len = 0;
    as_buf_printf(&b, &err, "%s\n%s" EMDASH " pq.example/w %s\n", GO_TEXT, PETER_SIG, b64);
    assert_int_equal(as_note_parse(&n, b.data, b.len, &err), 0);
    as_note_vkey peter;
    vkey(&peter, PETER_VKEY);
    assert_int_equal(as_note_verify(&n, &peter, 1, NULL, &err), 0);
    as_b64_encode(b64, raw, sizeof raw, AS_B64_PADDED);
    b.len = 0;
    as_buf_printf(&b, &err, "%s\n" EMDASH " pq.example/w %s\n", GO_TEXT, b64);
    as_error_clear(&err);
    expect_fail(as_note_parse(&n, b.data, b.len, &err), &err, AS_ERR_LIMIT,
                "signature longer than 5120 bytes");
    /* The whole note is bounded before anything else is read. */
    b.len = 0;
    while (b.len <= AS_NOTE_MAX)
        as_buf_puts(&b, "a\n", &err);
    as_error_clear(&err);
    expect_fail(as_note_parse(&n, b.data, b.len, &err), &err, AS_ERR_LIMIT, "larger than");
    as_buf_free(&b);
}

/* Re-encodes signature line `which` of note text with one bit of its signature flipped. */
static char *flip_sig_bit(const char *note, const char *line)
{
    const char *b64 = strchr(strstr(note, line) + 4, ' ') + 1;
    size_t blen = (size_t)(strchr(b64, '\n') - b64);
    uint8_t raw[128];
    char enc[200];
    long n = as_b64_decode(raw, sizeof raw, b64, blen, AS_B64_PADDED);
    assert_true(n > 10);
    raw[n - 1] ^= 0x40;
    as_b64_encode(enc, raw, (size_t)n, AS_B64_PADDED);
    char *out = strdup(note);
    memcpy(out + (b64 - note), enc, blen);
    return out;
}

static int open_note(const char *text, const as_note_vkey *keys, size_t nkeys, as_note_result *res,
                     as_error *err)
{
    as_note n;
    as_error_clear(err);
    if (as_note_parse(&n, (const uint8_t *)text, strlen(text), err) != 0)
        fail_msg("parse: %s", err->msg);
    return as_note_verify(&n, keys, nkeys, res, err);
}

static void note_verify_rules(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey peter, enoch, other, keys[2];
    as_note_result res[2];
    vkey(&peter, PETER_VKEY);
    vkey(&enoch, ENOCH_VKEY);
    char *note = go_note_with("\n\n", "\n\n");
    /* The same name with another key id, or the same id under another name: unknown keys. */
    uint8_t pk[32] = {1};
    as_note_vkey_init(&other, "PeterNeumann", 12, AS_NOTE_ED25519, pk, &err);
    expect_fail(open_note(note, &other, 1, res, &err), &err, AS_ERR_SIGNATURE,
                "no signature by a known key");
    other = peter;
    memcpy(other.name, "PeterNeumanX", 12);
    expect_fail(open_note(note, &other, 1, res, &err), &err, AS_ERR_SIGNATURE,
                "no signature by a known key");
    /* A known key's signature that fails spoils the note, whatever else verifies. */
    char *flipped = flip_sig_bit(note, EMDASH " PeterNeumann");
    keys[0] = enoch;
    keys[1] = peter;
    expect_fail(open_note(flipped, keys, 2, res, &err), &err, AS_ERR_SIGNATURE,
                "signature by PeterNeumann does not verify");
    assert_int_equal(open_note(flipped, &enoch, 1, res, &err), 0); /* unknown to this verifier */
    char *edited = go_note_with("your problem,", "your problem;");
    expect_fail(open_note(edited, &peter, 1, res, &err), &err, AS_ERR_SIGNATURE,
                "signature by PeterNeumann does not verify");
    /* Two signatures by one key, and two known keys that cannot be told apart. */
    char *dup = go_note_with(ENOCH_SIG, PETER_SIG);
    expect_fail(open_note(dup, &peter, 1, res, &err), &err, AS_ERR_REJECTED,
                "two signatures by PeterNeumann");
    keys[0] = keys[1] = peter;
    expect_fail(open_note(note, keys, 2, res, &err), &err, AS_ERR_KEY,
                "two known note keys are named PeterNeumann+c74f20a3");
    /* A signature line moved above the last blank line is text, not a signature. */
    char *moved = go_note_with(ENOCH_SIG, "\n");
    char *moved2 = strjoin(moved, ENOCH_SIG, "");
    expect_fail(open_note(moved2, &peter, 1, res, &err), &err, AS_ERR_SIGNATURE,
                "no signature by a known key");
    free(note), free(flipped), free(edited), free(dup), free(moved), free(moved2);
}

/* ---- checkpoints and cosignatures ---- */

static const char SOFA[] = "example.com/behind-the-sofa\n20852163\n"
                           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
/* tlog-cosignature's example: the log's signature and witness w1's cosignature. */
static const char SOFA_SIGS[] = EMDASH
    " example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" EMDASH
    " witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX"
    "3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

static void checkpoint_spec_examples(void **state)
{
    (void)state;
    as_error err = {0};
    as_checkpoint cp;
    as_note n;
    as_buf out;
    uint8_t raw[80];
    assert_int_equal(as_checkpoint_parse(&cp, SOFA, strlen(SOFA), &err), 0);
    assert_int_equal(cp.origin_len, 27);
    assert_memory_equal(cp.origin, "example.com/behind-the-sofa", 27);
    assert_int_equal(cp.size, 20852163);
    assert_int_equal(cp.ext_len, 0);
    as_buf_init(&out, 1 << 16);
    assert_int_equal(as_checkpoint_format(&out, &cp, &err), 0);
    assert_int_equal(out.len, strlen(SOFA));
    assert_memory_equal(out.data, SOFA, out.len);
    /* The cosigned example: the witness's signature is key id || timestamp || Ed25519, and the
     * timestamp is the one the spec's signed message shows (time 1679315147). */
    char *note = strjoin(SOFA, "\n", SOFA_SIGS);
    assert_int_equal(as_note_parse(&n, (const uint8_t *)note, strlen(note), &err), 0);
    assert_int_equal(n.nsigs, 2);
    assert_int_equal(as_b64_decode(raw, sizeof raw, n.sig[1].b64, n.sig[1].b64_len, AS_B64_PADDED),
                     4 + 8 + 64);
    assert_int_equal(as_load_u64be(raw + 4), 1679315147);
    /* The cosignature/v1 message for it, byte for byte as the spec prints it. */
    static const char MSG[] = "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n"
                              "20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    out.len = 0;
    assert_int_equal(as_note_cosig_message(&out, 1679315147, SOFA, strlen(SOFA), &err), 0);
    assert_int_equal(out.len, strlen(MSG));
    assert_memory_equal(out.data, MSG, out.len);
    /* transparency-dev/formats' cosignature whose timestamp is 1727964367. */
    static const char GO_COSIG[] = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt9"
                                   "7w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==";
    assert_int_equal(as_b64_decode(raw, sizeof raw, GO_COSIG, strlen(GO_COSIG), AS_B64_PADDED), 76);
    assert_int_equal(as_load_u64be(raw + 4), 1727964367);
    free(note);
    as_buf_free(&out);
}

static void checkpoint_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *needle;
    } BAD[] = {
        {"20852163", "020852163", "bad tree size line"},
        {"20852163", "+20852163", "bad tree size line"},
        {"20852163", "-1", "bad tree size line"},
        {"20852163", "", "bad tree size line"},
        {"20852163", "9223372036854775808", "bad tree size line"},
        {"20852163", "2085 2163", "bad tree size line"},
        {"example.com/behind-the-sofa\n", "\n", "bad origin line"},
        {"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
         "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I", "bad root hash line"},
        {"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
         "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==", "bad root hash line"},
        {"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
         "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=", "bad root hash line"},
        {"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "", "bad root hash line"},
        {"q2I=\n", "q2I=\n\n", "empty extension line"},
        {"q2I=\n", "q2I=", "no final newline"},
        {"example.com", "example\r.com", "control character 0x0d"},
        {"example.com", "example#com", "control character 0x00"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        as_error err = {0};
        as_checkpoint cp;
        char text[512];
        const char *at = strstr(SOFA, BAD[i].from);
        int n = snprintf(text, sizeof text, "%.*s%s%s", (int)(at - SOFA), SOFA, BAD[i].to,
                         at + strlen(BAD[i].from));
        for (int j = 0; j < n; j++)
            if (text[j] == '#')
                text[j] = '\0';
        int rc = as_checkpoint_parse(&cp, text, (size_t)n, &err);
        if (rc != -1 || strstr(err.msg, BAD[i].needle) == NULL)
            fail_msg("case %zu: expected /%s/, got %d %s", i, BAD[i].needle, rc, err.msg);
    }
    /* An origin over 255 bytes, and extension lines that pass. */
    char text[600];
    as_checkpoint cp;
    as_error err = {0};
    memset(text, 'o', 256);
    snprintf(text + 256, sizeof text - 256, "\n1\n%s", strchr(strchr(SOFA, '\n') + 1, '\n') + 1);
    expect_fail(as_checkpoint_parse(&cp, text, strlen(text), &err), &err, AS_ERR_FORMAT,
                "bad origin line");
    char *ext = strjoin(SOFA, "ext one\n", "ext two\n");
    assert_int_equal(as_checkpoint_parse(&cp, ext, strlen(ext), &err), 0);
    assert_int_equal(cp.ext_len, 16);
    assert_memory_equal(cp.ext, "ext one\next two\n", 16);
    free(ext);
}

static const uint8_t SEED_LOG[32] = {1, 2, 3}, SEED_W1[32] = {4, 5, 6}, SEED_W2[32] = {7, 8, 9};

static void checkpoint_sign_open_cosign(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey log, w1, w2, wrong, keys[3];
    as_note_result res[3];
    as_checkpoint cp = {0}, back;
    as_note n;
    as_buf note, line;
    uint8_t *sk = keypair(&log, "airseal.test/station", AS_NOTE_ED25519, SEED_LOG);
    uint8_t *sk1 = keypair(&w1, "witness.test/one", AS_NOTE_COSIG_V1, SEED_W1);
    uint8_t *sk2 = keypair(&w2, "witness.test/two", AS_NOTE_COSIG_V1, SEED_W2);
    memcpy(cp.origin, "airseal.test/station", 20);
    cp.origin_len = 20;
    cp.size = 7;
    as_tlog_leaf_hash(cp.root, "x", 1);
    as_buf_init(&note, 1 << 16);
    as_buf_init(&line, 1 << 16);
    assert_int_equal(as_checkpoint_sign(&note, &cp, &log, sk, &err), 0);
    /* Two witnesses cosign the text; the station appends their lines. */
    assert_int_equal(as_note_parse(&n, note.data, note.len, &err), 0);
    size_t tl = n.text_len;
    assert_int_equal(as_cosig_sign(&line, n.text, tl, &w1, sk1, 1800000000, &err), 0);
    assert_int_equal(as_cosig_sign(&line, n.text, tl, &w2, sk2, 1800000005, &err), 0);
    assert_int_equal(as_buf_append(&note, line.data, line.len, &err), 0);
    keys[0] = log, keys[1] = w1, keys[2] = w2;
    assert_int_equal(as_checkpoint_open(&back, &n, note.data, note.len, keys, 3, res, &err), 0);
    assert_true(res[0].ok && res[1].ok && res[2].ok);
    assert_int_equal(res[1].timestamp, 1800000000);
    assert_int_equal(res[2].timestamp, 1800000005);
    assert_int_equal(back.size, 7);
    assert_memory_equal(back.root, cp.root, 32);
    /* A witness's key used as a plain Ed25519 key has another key id: its line is ignored. */
    wrong = w1;
    assert_int_equal(as_note_vkey_init(&wrong, w1.name, w1.name_len, AS_NOTE_ED25519, w1.pk, &err),
                     0);
    keys[1] = wrong;
    assert_int_equal(as_checkpoint_open(&back, &n, note.data, note.len, keys, 2, res, &err), 0);
    assert_false(res[1].ok);
    /* Cosigned, but not signed by the log's key (keys[0]); a log key named after another
     * origin. */
    uint8_t *skx = keypair(&wrong, "airseal.test/station", AS_NOTE_ED25519, SEED_W2);
    keys[0] = wrong, keys[1] = w1;
    expect_fail(as_checkpoint_open(&back, &n, note.data, note.len, keys, 2, res, &err), &err,
                AS_ERR_SIGNATURE, "not signed by the log key airseal.test/station");
    as_secret_free(skx);
    skx = keypair(&wrong, "airseal.test/other", AS_NOTE_ED25519, SEED_LOG);
    line.len = 0;
    cp.size = 8;
    assert_int_equal(as_checkpoint_sign(&line, &cp, &wrong, skx, &err), 0);
    as_error_clear(&err);
    expect_fail(as_checkpoint_open(&back, &n, line.data, line.len, &wrong, 1, res, &err), &err,
                AS_ERR_REJECTED,
                "the checkpoint is of log airseal.test/station, not of "
                "airseal.test/other");
    /* Wrong key kinds and wrong secret keys are refused before anything is signed. */
    as_error_clear(&err);
    expect_fail(as_cosig_sign(&line, n.text, tl, &log, sk, 1, &err), &err, AS_ERR_KEY,
                "not a cosignature/v1 key");
    as_error_clear(&err);
    expect_fail(as_cosig_sign(&line, n.text, tl, &w1, sk2, 1, &err), &err, AS_ERR_KEY,
                "the secret key is not the key of witness.test/one");
    as_error_clear(&err);
    expect_fail(as_cosig_sign(&line, "not\na checkpoint\n", 17, &w1, sk1, 1, &err), &err,
                AS_ERR_FORMAT, "bad tree size line");
    as_error_clear(&err);
    expect_fail(as_cosig_sign(&line, n.text, tl, &w1, sk1, UINT64_C(1) << 63, &err), &err,
                AS_ERR_REJECTED, "below 2^63");
    as_secret_free(sk), as_secret_free(sk1), as_secret_free(sk2), as_secret_free(skx);
    as_buf_free(&note), as_buf_free(&line);
}

/* A cosignature whose timestamp is 2^63 is refused even when its Ed25519 signature holds. */
static void cosig_time_limit(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey log, w1, keys[2];
    as_checkpoint cp = {0};
    as_note n;
    as_buf note, msg;
    uint8_t sig[4 + 8 + 64];
    char b64[120];
    uint8_t *sk = keypair(&log, "airseal.test/station", AS_NOTE_ED25519, SEED_LOG);
    uint8_t *sk1 = keypair(&w1, "witness.test/one", AS_NOTE_COSIG_V1, SEED_W1);
    memcpy(cp.origin, "airseal.test/station", 20);
    cp.origin_len = 20;
    as_tlog_empty_root(cp.root);
    as_buf_init(&note, 1 << 16);
    as_buf_init(&msg, 1 << 16);
    assert_int_equal(as_checkpoint_sign(&note, &cp, &log, sk, &err), 0);
    size_t text_len = (size_t)(strstr((char *)note.data, "\n\n") - (char *)note.data) + 1;
    as_buf_puts(&msg, "cosignature/v1\ntime 9223372036854775808\n", &err);
    as_buf_append(&msg, note.data, text_len, &err);
    as_store_u32be(sig, w1.key_id);
    as_store_u64be(sig + 4, UINT64_C(1) << 63);
    crypto_sign_detached(sig + 12, NULL, msg.data, msg.len, sk1);
    as_b64_encode(b64, sig, sizeof sig, AS_B64_PADDED);
    as_buf_printf(&note, &err, EMDASH " witness.test/one %s\n", b64);
    keys[0] = log, keys[1] = w1;
    expect_fail(as_checkpoint_open(&cp, &n, note.data, note.len, keys, 2, NULL, &err), &err,
                AS_ERR_SIGNATURE, "signature by witness.test/one does not verify");
    as_secret_free(sk), as_secret_free(sk1);
    as_buf_free(&note), as_buf_free(&msg);
}

/* ---- tlog-proof ---- */

/* A signed, cosigned checkpoint of the 300-entry tree T, in *note. */
static void signed_checkpoint(as_buf *note, uint64_t size, as_note_vkey *log, as_note_vkey *w1)
{
    as_error err = {0};
    as_checkpoint cp = {0};
    as_note n;
    as_tlog_source src = mem_source(&T);
    uint8_t *sk = keypair(log, "airseal.test/station", AS_NOTE_ED25519, SEED_LOG);
    uint8_t *sk1 = keypair(w1, "witness.test/one", AS_NOTE_COSIG_V1, SEED_W1);
    memcpy(cp.origin, "airseal.test/station", 20);
    cp.origin_len = 20;
    cp.size = size;
    T.use_nodes = true;
    assert_int_equal(as_tlog_root(&src, size, cp.root, &err), 0);
    as_buf_init(note, 1 << 16);
    assert_int_equal(as_checkpoint_sign(note, &cp, log, sk, &err), 0);
    assert_int_equal(as_note_parse(&n, note->data, note->len, &err), 0);
    size_t tl = n.text_len; /* n borrows from note: sign into note only after reading it */
    as_buf line;
    as_buf_init(&line, 4096);
    assert_int_equal(as_cosig_sign(&line, (const char *)note->data, tl, w1, sk1, 1800000000, &err),
                     0);
    assert_int_equal(as_buf_append(note, line.data, line.len, &err), 0);
    as_buf_free(&line);
    as_secret_free(sk), as_secret_free(sk1);
}

static void tlog_proof_round_trip(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey log, w1, keys[2];
    as_note_result res[2];
    as_checkpoint cp;
    as_buf note, text, again;
    static as_tlog_proof p, back;
    tree_build_entries(PN);
    as_tlog_source src = mem_source(&T);
    signed_checkpoint(&note, 300, &log, &w1);
    memset(&p, 0, sizeof p);
    p.index = 37;
    p.has_extra = true;
    p.extra_len = 11;
    memcpy(p.extra, "bundle:0011", 11);
    assert_int_equal(as_tlog_prove_inclusion(&src, 37, 300, &p.path, &err), 0);
    p.checkpoint = note.data;
    p.checkpoint_len = note.len;
    as_buf_init(&text, 1 << 17);
    as_buf_init(&again, 1 << 17);
    assert_int_equal(as_tlog_proof_format(&text, &p, &err), 0);
    assert_memory_equal(text.data, "c2sp.org/tlog-proof@v1\nextra YnVuZGxlOjAwMTE=\nindex 37\n",
                        54);
    assert_int_equal(as_tlog_proof_parse(&back, text.data, text.len, &err), 0);
    assert_int_equal(back.index, 37);
    assert_int_equal(back.path.n, p.path.n);
    assert_int_equal(as_tlog_proof_format(&again, &back, &err), 0);
    assert_int_equal(again.len, text.len);
    assert_memory_equal(again.data, text.data, text.len);
    keys[0] = log, keys[1] = w1;
    assert_int_equal(as_tlog_proof_verify(&back, T.leaf[37], keys, 2, res, &cp, &err), 0);
    assert_true(res[0].ok && res[1].ok);
    assert_int_equal(cp.size, 300);
    /* Another entry's hash, another index, a checkpoint of another key: refused. */
    expect_fail(as_tlog_proof_verify(&back, T.leaf[38], keys, 2, res, &cp, &err), &err,
                AS_ERR_REJECTED, "entry 37 does not lead to the root");
    back.index = 300;
    as_error_clear(&err);
    expect_fail(as_tlog_proof_verify(&back, T.leaf[37], keys, 2, res, &cp, &err), &err,
                AS_ERR_REJECTED, "entry 300 is not in a tree of 300 entries");
    as_note_vkey other;
    uint8_t *sk = keypair(&other, "airseal.test/station", AS_NOTE_ED25519, SEED_W2);
    as_secret_free(sk);
    keys[0] = other;
    as_error_clear(&err);
    expect_fail(as_tlog_proof_verify(&p, T.leaf[37], keys, 2, res, &cp, &err), &err,
                AS_ERR_SIGNATURE, "not signed by the log key");
    print_message("# a tlog-proof for entry 37 of 300 with one cosignature: %zu bytes\n", text.len);
    as_buf_free(&note), as_buf_free(&text), as_buf_free(&again);
}

/* At the level of a receipt, every single-bit change of a tlog-proof is refused, or costs it
 * the witness's cosignature (a signature line whose name or key id changes is, per the spec,
 * an unknown one, ignored): whatever a merely Merkle-level twin size would allow, the size
 * is signed. */
static void tlog_proof_every_bit(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey log, w1, keys[2];
    as_note_result res[2];
    as_checkpoint cp;
    as_buf note, text;
    static as_tlog_proof p, back;
    unsigned long refused = 0, lost = 0;
    tree_build_entries(PN);
    as_tlog_source src = mem_source(&T);
    signed_checkpoint(&note, 300, &log, &w1);
    memset(&p, 0, sizeof p);
    p.index = 37;
    assert_int_equal(as_tlog_prove_inclusion(&src, 37, 300, &p.path, &err), 0);
    p.checkpoint = note.data;
    p.checkpoint_len = note.len;
    as_buf_init(&text, 1 << 17);
    assert_int_equal(as_tlog_proof_format(&text, &p, &err), 0);
    keys[0] = log, keys[1] = w1;
    for (size_t at = 0; at < text.len; at++)
        for (unsigned bit = 0; bit < 8; bit++) {
            text.data[at] ^= (uint8_t)(1u << bit);
            as_error_clear(&err);
            int rc = as_tlog_proof_parse(&back, text.data, text.len, &err);
            if (rc == 0)
                rc = as_tlog_proof_verify(&back, T.leaf[37], keys, 2, res, &cp, &err);
            if (rc == 0 && res[0].ok && res[1].ok)
                fail_msg("byte %zu bit %u changed and the proof still verifies", at, bit);
            refused += rc != 0;
            lost += rc == 0;
            text.data[at] ^= (uint8_t)(1u << bit);
        }
    print_message("# every bit of a %zu-byte tlog-proof: %lu changes refused, %lu lost the "
                  "witness's cosignature\n",
                  text.len, refused, lost);
    as_buf_free(&note), as_buf_free(&text);
}

/* tlog-proof's own example, its elided signatures replaced by a real signed checkpoint. */
static const char SPEC_PROOF_HEAD[] = "c2sp.org/tlog-proof@v1\n"
                                      "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
                                      "index 73894\n"
                                      "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
                                      "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
                                      "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
                                      "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
                                      "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
                                      "\n";

static void tlog_proof_spec_and_rejects(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey log, w1;
    as_buf note, again;
    static as_tlog_proof p;
    tree_build_entries(PN);
    signed_checkpoint(&note, 300, &log, &w1);
    as_buf_terminate(&note, &err);
    char *spec = strjoin(SPEC_PROOF_HEAD, (const char *)note.data, "");
    assert_int_equal(as_tlog_proof_parse(&p, (const uint8_t *)spec, strlen(spec), &err), 0);
    assert_int_equal(p.index, 73894);
    assert_int_equal(p.path.n, 5);
    assert_true(p.has_extra && p.extra_len == 39);
    assert_memory_equal(p.extra, "age-v1.2.1-darwin-arm64.tar.gz", 30);
    as_buf_init(&again, 1 << 17);
    assert_int_equal(as_tlog_proof_format(&again, &p, &err), 0);
    assert_int_equal(again.len, strlen(spec));
    assert_memory_equal(again.data, spec, again.len);
    static const struct {
        const char *from, *to, *needle;
    } BAD[] = {
        {"tlog-proof@v1", "tlog-proof@v2", "bad first line"},
        {"extra YWdl", "extra !Wdl", "bad extra line"},
        {"extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n", "extra \n",
         "bad extra line"},
        {"index 73894", "index 073894", "bad index line"},
        {"index 73894", "index -5", "bad index line"},
        {"index 73894", "index 9223372036854775807", "bad index line"},
        {"index 73894\n", "", "bad index line"},
        {"index 73894", "Index 73894", "bad index line"},
        {"gSKyXoYZ", "gSKy!oYZ", "bad proof hash line 1"},
        {"Q1zs=", "Q1zs", "bad proof hash line 3"},
        {"1zs=\n",
         "1zs="
         "\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         "bad proof hash line 4"},
        {"vk=\n\n", "vk=\n", "bad proof hash line 6"},
        {"vk=\n\n", "vk=\r\n\n", "bad proof hash line 5"},
        {"\n\nairseal.test/station\n", "\n\nairseal.test/station", "not a valid"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char *at = strstr(spec, BAD[i].from);
        assert_non_null(at);
        char *head = strndup(spec, (size_t)(at - spec));
        char *text = strjoin(head, BAD[i].to, at + strlen(BAD[i].from));
        as_error_clear(&err);
        int rc = as_tlog_proof_parse(&p, (const uint8_t *)text, strlen(text), &err);
        if (rc != -1 || strstr(err.msg, BAD[i].needle) == NULL)
            fail_msg("case %zu: expected /%s/, got %d %s", i, BAD[i].needle, rc, err.msg);
        free(head), free(text);
    }
    /* 64 proof hashes pass the parser, 65 do not. */
    as_buf b;
    as_buf_init(&b, 1 << 18);
    as_buf_puts(&b, "c2sp.org/tlog-proof@v1\nindex 0\n", &err);
    for (int i = 0; i < AS_TLOG_PATH_MAX; i++)
        as_buf_puts(&b, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", &err);
    size_t keep = b.len;
    as_buf_printf(&b, &err, "\n%s", (const char *)note.data);
    assert_int_equal(as_tlog_proof_parse(&p, b.data, b.len, &err), 0);
    b.len = keep;
    as_buf_printf(&b, &err, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n%s",
                  (const char *)note.data);
    as_error_clear(&err);
    expect_fail(as_tlog_proof_parse(&p, b.data, b.len, &err), &err, AS_ERR_LIMIT,
                "more than 64 proof hashes");
    free(spec);
    as_buf_free(&note), as_buf_free(&again), as_buf_free(&b);
}

/* The receipt-sized proof of issue 16: an entry of a log of 10^6 entries, the checkpoint
 * signed by the station and cosigned by two witnesses, fits one QR code (v40-M: 2,331 bytes). */
static void tlog_proof_size_at_a_million(void **state)
{
    (void)state;
    as_error err = {0};
    as_note_vkey log, w1, w2;
    as_checkpoint cp = {0};
    as_buf note, text;
    static as_tlog_proof p;
    as_tlog_source src = {same_leaf, same_subtree, NULL};
    const uint64_t size = 1000000;
    uint8_t *sk = keypair(&log, "airseal.test/station", AS_NOTE_ED25519, SEED_LOG);
    uint8_t *sk1 = keypair(&w1, "witness.test/one", AS_NOTE_COSIG_V1, SEED_W1);
    uint8_t *sk2 = keypair(&w2, "witness.test/two", AS_NOTE_COSIG_V1, SEED_W2);
    as_tlog_leaf_hash(SAME[0], "same", 4);
    for (int l = 1; l < 64; l++)
        as_tlog_node_hash(SAME[l], SAME[l - 1], SAME[l - 1]);
    memcpy(cp.origin, "airseal.test/station", 20);
    cp.origin_len = 20;
    cp.size = size;
    assert_int_equal(as_tlog_root(&src, size, cp.root, &err), 0);
    as_buf_init(&note, 1 << 16);
    assert_int_equal(as_checkpoint_sign(&note, &cp, &log, sk, &err), 0);
    size_t tl = (size_t)(strstr((char *)note.data, "\n\n") - (char *)note.data) + 1;
    as_buf_init(&text, 1 << 16);
    assert_int_equal(as_cosig_sign(&text, (char *)note.data, tl, &w1, sk1, 1800000000, &err), 0);
    assert_int_equal(as_cosig_sign(&text, (char *)note.data, tl, &w2, sk2, 1800000000, &err), 0);
    as_buf_append(&note, text.data, text.len, &err);
    memset(&p, 0, sizeof p);
    p.index = 524287; /* the longest path in this tree */
    assert_int_equal(as_tlog_prove_inclusion(&src, p.index, size, &p.path, &err), 0);
    p.checkpoint = note.data;
    p.checkpoint_len = note.len;
    text.len = 0;
    assert_int_equal(as_tlog_proof_format(&text, &p, &err), 0);
    print_message("# tlog-proof, entry %llu of 10^6, 2 cosignatures: %zu hashes, %zu bytes\n",
                  (unsigned long long)p.index, p.path.n, text.len);
    assert_int_equal(p.path.n, 20);
    assert_true(text.len <= 2331);
    as_secret_free(sk), as_secret_free(sk1), as_secret_free(sk2);
    as_buf_free(&note), as_buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hashes_known),
        cmocka_unit_test(ct_known_answers),
        cmocka_unit_test(oracle_vectors),
        cmocka_unit_test(inclusion_every_size),
        cmocka_unit_test(consistency_every_pair),
        cmocka_unit_test(frontier_roots),
        cmocka_unit_test(stored_subtrees),
        cmocka_unit_test(huge_trees),
        cmocka_unit_test(verify_rejects),
        cmocka_unit_test(frontier_load_rejects),
        cmocka_unit_test(note_go_known_answers),
        cmocka_unit_test(vkey_known_and_rejected),
        cmocka_unit_test(note_parse_rejects),
        cmocka_unit_test(note_limits),
        cmocka_unit_test(note_verify_rules),
        cmocka_unit_test(checkpoint_spec_examples),
        cmocka_unit_test(checkpoint_rejects),
        cmocka_unit_test(checkpoint_sign_open_cosign),
        cmocka_unit_test(cosig_time_limit),
        cmocka_unit_test(tlog_proof_round_trip),
        cmocka_unit_test(tlog_proof_spec_and_rejects),
        cmocka_unit_test(tlog_proof_every_bit),
        cmocka_unit_test(tlog_proof_size_at_a_million),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}

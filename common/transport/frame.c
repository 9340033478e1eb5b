/* frame.c: QR frame format, encoder and collector; see frame.h. */
#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- CRC-32 */

uint32_t as_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        /* Building the table twice from two threads writes the same values: harmless. */
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int b = 0; b < 8; b++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---------------------------------------------------------------- header */

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void as_frame_format(uint8_t *out, const as_frame_header *h, const uint8_t *block)
{
    memcpy(out, AS_FRAME_MAGIC, 3);
    out[3] = AS_FRAME_VERSION;
    memcpy(out + 4, h->bundle, AS_FRAME_ID_LEN);
    put_be(out + 12, h->sealed_size, 8);
    put_be(out + 20, h->sig_size, 2);
    put_be(out + 22, h->block, 2);
    out[24] = (uint8_t)h->pct;
    put_be(out + 25, h->k, 4);
    put_be(out + 29, h->m, 4);
    put_be(out + 33, h->index, 4);
    memcpy(out + AS_FRAME_HEADER, block, h->block);
    uint32_t crc = as_crc32(0, out, 37);
    crc = as_crc32(crc, out + AS_FRAME_HEADER, h->block);
    put_be(out + 37, crc, 4);
}

void as_frame_layout(const as_frame_header *h, as_ec_layout *l)
{
    memset(l, 0, sizeof *l);
    as_error e = {0};
    (void)as_ec_plan(l, h->sealed_size + h->sig_size, h->block, h->pct, &e);
}

int as_frame_parse(as_frame_header *h, const uint8_t **block, const uint8_t *data, size_t len,
                   as_error *err)
{
    memset(h, 0, sizeof *h);
    if (len < AS_FRAME_HEADER || memcmp(data, AS_FRAME_MAGIC, 3) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal frame");
    if (data[3] != AS_FRAME_VERSION)
        return as_fail(err, AS_ERR_FORMAT, "frame format version %u is not supported", data[3]);
    memcpy(h->bundle, data + 4, AS_FRAME_ID_LEN);
    h->sealed_size = get_be(data + 12, 8);
    h->sig_size = (uint32_t)get_be(data + 20, 2);
    h->block = (uint32_t)get_be(data + 22, 2);
    h->pct = data[24];
    h->k = (uint32_t)get_be(data + 25, 4);
    h->m = (uint32_t)get_be(data + 29, 4);
    h->index = (uint32_t)get_be(data + 33, 4);
    if (len - AS_FRAME_HEADER != h->block)
        return as_fail(err, AS_ERR_FORMAT, "frame holds %zu bytes, its header says %u",
                       len - AS_FRAME_HEADER, h->block);
    uint32_t crc = as_crc32(0, data, 37);
    crc = as_crc32(crc, data + AS_FRAME_HEADER, h->block);
    if (crc != (uint32_t)get_be(data + 37, 4))
        return as_fail(err, AS_ERR_FORMAT, "frame CRC mismatch (damaged)");
    /* Only now is the header worth believing enough to check it against the caps. */
    if (h->block < AS_FRAME_MIN_BLOCK || h->block > AS_FRAME_MAX_BLOCK || h->pct > 100 ||
        h->sig_size == 0 || h->sig_size > AS_FRAME_MAX_SIG || h->sealed_size == 0)
        return as_fail(err, AS_ERR_FORMAT, "frame header out of range");
    if (h->sealed_size > AS_FRAME_MAX_OBJECT)
        return as_fail(err, AS_ERR_LIMIT, "frame declares a %llu-byte bundle, more than %u MiB",
                       (unsigned long long)h->sealed_size, AS_FRAME_MAX_OBJECT >> 20);
    as_ec_layout want;
    as_error e = {0};
    if (as_ec_plan(&want, h->sealed_size + h->sig_size, h->block, h->pct, &e) != 0 ||
        want.k_total != h->k || want.m_total != h->m)
        return as_fail(err, AS_ERR_FORMAT,
                       "frame declares %llu data and %llu parity blocks, inconsistent with its "
                       "sizes",
                       (unsigned long long)h->k, (unsigned long long)h->m);
    if (h->index >= h->k + h->m)
        return as_fail(err, AS_ERR_FORMAT, "frame index %u beyond its %u blocks", h->index,
                       h->k + h->m);
    *block = data + AS_FRAME_HEADER;
    return 0;
}

/* ---------------------------------------------------------------- memory-backed coding */

typedef struct mem_object {
    const as_ec_layout *l;
    uint8_t *blocks; /* K data blocks then M parity blocks, B bytes each */
} mem_object;

static int mem_read_data(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len,
                         as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(buf, o->blocks + (uint64_t)i * o->l->block + off, len);
    return 0;
}

static int mem_write_data(void *ctx, uint32_t i, uint32_t off, const uint8_t *buf, uint32_t len,
                          as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(o->blocks + (uint64_t)i * o->l->block + off, buf, len);
    return 0;
}

static int mem_read_parity(void *ctx, uint32_t p, uint32_t off, uint8_t *buf, uint32_t len,
                           as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(buf, o->blocks + ((uint64_t)o->l->k_total + p) * o->l->block + off, len);
    return 0;
}

static int mem_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                            as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(o->blocks + ((uint64_t)o->l->k_total + p) * o->l->block + off, buf, len);
    return 0;
}

static as_ec_io mem_io(mem_object *o)
{
    as_ec_io io = {.ctx = o,
                   .read_data = mem_read_data,
                   .write_data = mem_write_data,
                   .read_parity = mem_read_parity,
                   .write_parity = mem_write_parity,
                   .progress = NULL};
    return io;
}

/* ---------------------------------------------------------------- encoder */

int as_frame_encoder_init(as_frame_encoder *e, const uint8_t bundle_id[16], const uint8_t *sealed,
                          size_t sealed_len, const uint8_t *sig, size_t sig_len, uint32_t block,
                          unsigned pct, as_error *err)
{
    memset(e, 0, sizeof *e);
    if (sealed_len == 0 || sealed_len > AS_FRAME_MAX_OBJECT)
        return as_fail(err, AS_ERR_LIMIT,
                       "QR frames carry bundles of at most %u MiB; use a USB stick",
                       AS_FRAME_MAX_OBJECT >> 20);
    if (sig_len == 0 || sig_len > AS_FRAME_MAX_SIG)
        return as_fail(err, AS_ERR_FORMAT, "signature file of %zu bytes", sig_len);
    if (block < AS_FRAME_MIN_BLOCK || block > 65535)
        return as_fail(err, AS_ERR_USAGE, "block size %u out of range", block);
    if (as_ec_plan(&e->l, sealed_len + sig_len, block, pct, err) != 0)
        return -1;
    uint64_t n = (uint64_t)e->l.k_total + e->l.m_total;
    e->blocks = calloc(n, block);
    if (e->blocks == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    memcpy(e->blocks, sealed, sealed_len);
    memcpy(e->blocks + sealed_len, sig, sig_len);
    mem_object o = {.l = &e->l, .blocks = e->blocks};
    as_ec_io io = mem_io(&o);
    if (as_ec_encode(&e->l, &io, err) != 0) {
        as_frame_encoder_free(e);
        return -1;
    }
    memcpy(e->h.bundle, bundle_id, AS_FRAME_ID_LEN);
    e->h.sealed_size = sealed_len;
    e->h.sig_size = (uint32_t)sig_len;
    e->h.block = block;
    e->h.pct = pct;
    e->h.k = e->l.k_total;
    e->h.m = e->l.m_total;
    return 0;
}

void as_frame_encoder_frame(const as_frame_encoder *e, uint32_t i, uint8_t *out)
{
    as_frame_header h = e->h;
    h.index = i;
    as_frame_format(out, &h, e->blocks + (uint64_t)i * e->l.block);
}

void as_frame_encoder_free(as_frame_encoder *e)
{
    free(e->blocks);
    memset(e, 0, sizeof *e);
}

/* ---------------------------------------------------------------- maps */

static uint32_t map_hash(uint32_t k, size_t cap)
{
    return (uint32_t)((k * 2654435761u) & (cap - 1));
}

/* The value of key k, or UINT32_MAX. */
static uint32_t map_get(const as_frame_map *m, uint32_t k)
{
    if (m->cap == 0)
        return UINT32_MAX;
    for (uint32_t i = map_hash(k, m->cap);; i = (uint32_t)((i + 1) & (m->cap - 1))) {
        if (m->keys[i] == 0)
            return UINT32_MAX;
        if (m->keys[i] == k + 1)
            return m->vals[i];
    }
}

/* Sets key k to v; the table doubles at half load, so its size follows what was put in. */
static int map_put(as_frame_map *m, uint32_t k, uint32_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        as_frame_map g = {.cap = m->cap ? 2 * m->cap : 64};
        g.keys = calloc(g.cap, sizeof *g.keys);
        g.vals = calloc(g.cap, sizeof *g.vals);
        if (g.keys == NULL || g.vals == NULL) {
            free(g.keys);
            free(g.vals);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != 0)
                (void)map_put(&g, m->keys[i] - 1, m->vals[i]);
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    uint32_t i = map_hash(k, m->cap);
    while (m->keys[i] != 0 && m->keys[i] != k + 1)
        i = (uint32_t)((i + 1) & (m->cap - 1));
    if (m->keys[i] == 0)
        m->n++;
    m->keys[i] = k + 1;
    m->vals[i] = v;
    return 0;
}

static void map_free(as_frame_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- collector */

void as_frame_set_init(as_frame_set *s)
{
    memset(s, 0, sizeof *s);
}

static void bundle_free(as_frame_bundle *b)
{
    for (size_t i = 0; i < b->npos; i++)
        for (uint32_t c = 0; c < b->pos[i].n; c++)
            free(b->pos[i].c[c].block);
    free(b->pos);
    map_free(&b->by_index);
    map_free(&b->by_stripe);
    free(b->open);
    free(b->blocks);
    memset(b, 0, sizeof *b);
}

void as_frame_set_free(as_frame_set *s)
{
    for (size_t i = 0; i < s->nbundles; i++)
        bundle_free(&s->bundles[i]);
    memset(s, 0, sizeof *s);
}

static bool same_bundle(const as_frame_header *a, const as_frame_header *b)
{
    return memcmp(a->bundle, b->bundle, AS_FRAME_ID_LEN) == 0 && a->sealed_size == b->sealed_size &&
           a->sig_size == b->sig_size && a->block == b->block && a->pct == b->pct;
}

/* Stripe and row (data rows first, then parity rows) of frame index i. */
static void index_coords(const as_ec_layout *l, uint32_t i, uint32_t *stripe, uint32_t *row)
{
    if (i < l->k_total) {
        *stripe = i % l->stripes;
        *row = i / l->stripes;
        return;
    }
    uint32_t j;
    as_ec_parity_coords(l, i - l->k_total, stripe, &j);
    *row = as_ec_stripe_k(l, *stripe) + j;
}

/* Frame index of row r of stripe s. */
static uint32_t row_index(const as_ec_layout *l, uint32_t s, uint32_t r)
{
    uint32_t k = as_ec_stripe_k(l, s);
    return r < k ? as_ec_data_index(l, s, r) : l->k_total + as_ec_parity_index(l, s, r - k);
}

static void note_corrupt(as_frame_set *s, const char *why)
{
    if (s->corrupt++ == 0)
        snprintf(s->first_corrupt, sizeof s->first_corrupt, "%s", why);
}

static as_frame_bundle *find_bundle(as_frame_set *s, const as_frame_header *h)
{
    for (size_t i = 0; i < s->nbundles; i++)
        if (same_bundle(&s->bundles[i].h, h))
            return &s->bundles[i];
    if (s->nbundles == AS_FRAME_MAX_BUNDLES)
        return NULL;
    as_frame_bundle *b = &s->bundles[s->nbundles++];
    memset(b, 0, sizeof *b);
    b->h = *h;
    as_frame_layout(h, &b->l);
    return b;
}

/* A copy of the block, zero past the object's end for a data block (as the code sees it). */
static uint8_t *block_copy(const as_frame_bundle *b, uint32_t index, const uint8_t *block)
{
    uint8_t *p = malloc(b->h.block);
    if (p == NULL)
        return NULL;
    memcpy(p, block, b->h.block);
    if (index < b->l.k_total) {
        uint32_t valid = as_ec_data_len(&b->l, index);
        memset(p + valid, 0, b->h.block - valid);
    }
    return p;
}

/* The first block for an index: a new position, counted towards its stripe. */
static int add_position(as_frame_bundle *b, uint32_t index, uint8_t *copy, as_frame_set *s)
{
    if (b->npos == b->cappos) {
        size_t nc = b->cappos ? 2 * b->cappos : 16;
        as_frame_pos *np = realloc(b->pos, nc * sizeof *np);
        if (np == NULL)
            return -1;
        b->pos = np;
        b->cappos = nc;
    }
    uint32_t stripe, row;
    index_coords(&b->l, index, &stripe, &row);
    uint32_t inst = map_get(&b->by_stripe, stripe);
    inst = inst == UINT32_MAX ? 1 : inst + 1;
    if (map_put(&b->by_index, index, (uint32_t)b->npos) != 0 ||
        map_put(&b->by_stripe, stripe, inst) != 0)
        return -1;
    as_frame_pos *p = &b->pos[b->npos++];
    memset(p, 0, sizeof *p);
    p->index = index;
    p->n = 1;
    p->c[0] =
        (as_frame_cand){.block = copy, .seen = 1, .order = s->arrivals++, .fresh = !s->cached};
    b->held++;
    if (inst <= as_ec_stripe_k(&b->l, stripe))
        b->useful++;
    return 0;
}

/* Another block for a held index: the same one again, or a conflicting one kept apart. */
static as_frame_result add_candidate(as_frame_set *s, as_frame_bundle *b, as_frame_pos *p,
                                     const uint8_t *block)
{
    uint8_t *copy = block_copy(b, p->index, block);
    if (copy == NULL) {
        note_corrupt(s, "out of memory");
        return AS_FRAME_CORRUPT;
    }
    for (uint32_t c = 0; c < p->n; c++) {
        if (memcmp(p->c[c].block, copy, b->h.block) == 0) {
            free(copy);
            p->c[c].seen++;
            p->c[c].fresh |= !s->cached;
            s->duplicates++;
            return AS_FRAME_DUPLICATE;
        }
    }
    s->conflicts++;
    uint32_t slot = p->n;
    if (slot == AS_FRAME_MAX_CANDIDATES) {
        /* full: a fresh block replaces the earliest that only came from the cache */
        slot = UINT32_MAX;
        for (uint32_t c = 0; c < p->n && !s->cached; c++)
            if (!p->c[c].fresh && (slot == UINT32_MAX || p->c[c].order < p->c[slot].order))
                slot = c;
        s->evicted++;
        if (slot == UINT32_MAX) {
            free(copy);
            return AS_FRAME_CONFLICT;
        }
        free(p->c[slot].block);
    } else {
        if (p->n++ == 1)
            b->contested++;
    }
    p->c[slot] =
        (as_frame_cand){.block = copy, .seen = 1, .order = s->arrivals++, .fresh = !s->cached};
    return AS_FRAME_CONFLICT;
}

as_frame_result as_frame_set_add(as_frame_set *s, const uint8_t *data, size_t len)
{
    as_frame_header h;
    const uint8_t *block;
    as_error e = {0};
    s->seen++;
    if (as_frame_parse(&h, &block, data, len, &e) != 0) {
        note_corrupt(s, e.msg);
        return AS_FRAME_CORRUPT;
    }
    as_frame_bundle *b = find_bundle(s, &h);
    if (b == NULL) {
        s->other_bundles++;
        return AS_FRAME_FOREIGN;
    }
    uint32_t at = map_get(&b->by_index, h.index);
    if (at != UINT32_MAX)
        return add_candidate(s, b, &b->pos[at], block);
    uint8_t *copy = block_copy(b, h.index, block);
    if (copy == NULL || add_position(b, h.index, copy, s) != 0) {
        free(copy);
        note_corrupt(s, "out of memory");
        return AS_FRAME_CORRUPT;
    }
    s->added++;
    return AS_FRAME_ADDED;
}

as_frame_bundle *as_frame_set_main(as_frame_set *s, uint64_t *others)
{
    as_frame_bundle *best = NULL;
    uint64_t total = 0;
    for (size_t i = 0; i < s->nbundles; i++) {
        total += s->bundles[i].held;
        if (best == NULL || s->bundles[i].held > best->held)
            best = &s->bundles[i];
    }
    if (others != NULL)
        *others = s->other_bundles + (best ? total - best->held : 0);
    return best;
}

uint32_t as_frame_bundle_needed(const as_frame_bundle *b)
{
    return b->l.k_total - b->useful;
}

/* ---------------------------------------------------------------- rebuilding */

/*
 * A view is one way of choosing k_s of a stripe's held blocks to decode it from: which block
 * of a contested index to take, and from which end of the trust order (freshly read first,
 * then uncontested, then by row) to take them. Junk shown first, junk in the cache, or a
 * junk block at an uncontested index each leave at least one view decoding the genuine
 * codeword when the genuine blocks can.
 */
enum {
    PICK_FRESH,
    PICK_LATEST,
    PICK_EARLIEST
};
static const struct {
    uint8_t pick;
    bool reverse;
} VIEWS[] = {{PICK_FRESH, false}, {PICK_LATEST, false}, {PICK_EARLIEST, false},
             {PICK_FRESH, true},  {PICK_LATEST, true},  {PICK_EARLIEST, true}};
#define NVIEWS (sizeof VIEWS / sizeof VIEWS[0])

typedef struct held_ref {
    uint32_t stripe, row, slot;
    uint64_t key; /* trust order within the stripe, set per view */
} held_ref;

typedef struct stripe_sol {
    uint32_t first, count;      /* its held indices: refs[first .. first + count) */
    uint8_t nalt;               /* distinct codewords found */
    uint8_t view[NVIEWS];       /* the view that found each, best first */
    uint32_t support[NVIEWS];   /* held indices agreeing with it */
    uint32_t unmatched[NVIEWS]; /* its data blocks no held block matched */
    uint8_t same_as[NVIEWS];    /* per view: the view whose codeword it found, 0xff: none */
} stripe_sol;

typedef struct solver {
    as_frame_bundle *b;
    held_ref *refs;
    stripe_sol *sol;
    uint8_t *cw[NVIEWS]; /* codewords of the stripe being ranked, 255 rows of B */
    uint8_t *shards[AS_EC_MAX_SHARDS];
    as_rs rs;
} solver;

static int cmp_ref(const void *a, const void *b)
{
    const held_ref *x = a, *y = b;
    if (x->stripe != y->stripe)
        return x->stripe < y->stripe ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static uint32_t pick(const as_frame_pos *p, int how)
{
    uint32_t best = 0;
    for (uint32_t c = 1; c < p->n; c++) {
        const as_frame_cand *x = &p->c[c], *y = &p->c[best];
        bool better = how == PICK_LATEST     ? x->order > y->order
                      : how == PICK_EARLIEST ? x->order < y->order
                      : x->fresh != y->fresh ? x->fresh
                      : x->seen != y->seen   ? x->seen > y->seen
                                             : x->order < y->order;
        if (better)
            best = c;
    }
    return best;
}

/* Orders a stripe's held indices for view v: fresh choice first, then uncontested, by row. */
static void order_stripe(solver *sv, const stripe_sol *ss, size_t v)
{
    held_ref *r = sv->refs + ss->first;
    for (uint32_t i = 0; i < ss->count; i++) {
        const as_frame_pos *p = &sv->b->pos[r[i].slot];
        bool fresh = p->c[pick(p, VIEWS[v].pick)].fresh;
        r[i].key = (uint64_t)!fresh << 41 | (uint64_t)(p->n > 1) << 40 | r[i].row;
    }
    qsort(r, ss->count, sizeof *r, cmp_ref);
}

/*
 * Decodes stripe s by view v into cw (k_s + m_s rows of B): the data from the k_s chosen
 * blocks, then every parity row re-encoded. Sets *support and *unmatched; a codeword whose
 * last data block is not zero past the object's end is not one the sender made (support 0).
 */
static int decode_view(solver *sv, uint32_t s, size_t v, uint8_t *cw, uint32_t *support,
                       uint32_t *unmatched, as_error *err)
{
    const as_ec_layout *l = &sv->b->l;
    const stripe_sol *ss = &sv->sol[s];
    uint32_t k = as_ec_stripe_k(l, s), m = as_ec_stripe_m(l, s), B = l->block;
    if ((sv->rs.k != k || sv->rs.m != m) &&
        (as_rs_free(&sv->rs), as_rs_init(&sv->rs, k, m, err)) != 0)
        return -1;
    order_stripe(sv, ss, v);
    bool present[AS_EC_MAX_SHARDS] = {0};
    for (uint32_t r = 0; r < k + m; r++)
        sv->shards[r] = cw + (size_t)r * B;
    for (uint32_t i = 0; i < k; i++) {
        const held_ref *ref = &sv->refs[ss->first + (VIEWS[v].reverse ? ss->count - 1 - i : i)];
        const as_frame_pos *p = &sv->b->pos[ref->slot];
        memcpy(sv->shards[ref->row], p->c[pick(p, VIEWS[v].pick)].block, B);
        present[ref->row] = true;
    }
    if (as_rs_reconstruct(&sv->rs, B, sv->shards, present, err) != 0)
        return -1;
    as_rs_encode(&sv->rs, B, sv->shards, sv->shards + k);
    *support = *unmatched = 0;
    for (uint32_t r = 0; r < k; r++) {
        uint32_t valid = as_ec_data_len(l, as_ec_data_index(l, s, r));
        for (uint32_t x = valid; x < B; x++)
            if (sv->shards[r][x] != 0)
                return 0;
    }
    bool matched[AS_EC_MAX_SHARDS] = {0};
    for (uint32_t i = 0; i < ss->count; i++) {
        const held_ref *ref = &sv->refs[ss->first + i];
        const as_frame_pos *p = &sv->b->pos[ref->slot];
        for (uint32_t c = 0; c < p->n && !matched[ref->row]; c++)
            matched[ref->row] = memcmp(p->c[c].block, sv->shards[ref->row], B) == 0;
        *support += matched[ref->row];
    }
    for (uint32_t r = 0; r < k; r++)
        *unmatched += !matched[r];
    return 0;
}

static bool stripe_contested(const solver *sv, const stripe_sol *ss)
{
    for (uint32_t i = 0; i < ss->count; i++)
        if (sv->b->pos[sv->refs[ss->first + i].slot].n > 1)
            return true;
    return false;
}

/* Finds stripe s's distinct codewords, one per view at most, ranked by support. */
static int rank_stripe(solver *sv, uint32_t s, as_error *err)
{
    stripe_sol *ss = &sv->sol[s];
    size_t rows = (size_t)as_ec_stripe_k(&sv->b->l, s) + as_ec_stripe_m(&sv->b->l, s);
    size_t bytes = rows * sv->b->l.block;
    uint8_t found[NVIEWS];
    ss->nalt = 0;
    for (size_t v = 0; v < NVIEWS; v++) {
        uint32_t sup, unm;
        if (decode_view(sv, s, v, sv->cw[v], &sup, &unm, err) != 0)
            return -1;
        ss->same_as[v] = sup == 0 ? 0xff : (uint8_t)v;
        for (uint8_t a = 0; a < ss->nalt && ss->same_as[v] == v; a++)
            if (memcmp(sv->cw[found[a]], sv->cw[v], bytes) == 0)
                ss->same_as[v] = found[a];
        if (ss->same_as[v] != v)
            continue;
        /* insertion by support, stable: earlier views win ties */
        uint8_t at = ss->nalt++;
        while (at > 0 && ss->support[at - 1] < sup) {
            ss->view[at] = ss->view[at - 1];
            ss->support[at] = ss->support[at - 1];
            ss->unmatched[at] = ss->unmatched[at - 1];
            found[at] = found[at - 1];
            at--;
        }
        ss->view[at] = (uint8_t)v;
        ss->support[at] = sup;
        ss->unmatched[at] = unm;
        found[at] = (uint8_t)v;
        if (v == 0 && sup == ss->count && !stripe_contested(sv, ss)) {
            /* one block per index, all agreeing: the stripe is settled, and the other views
             * (each a matrix inversion) would find the same codeword */
            memset(ss->same_as, 0, sizeof ss->same_as);
            break;
        }
    }
    return 0;
}

/* Writes alternative a of stripe s into the object. */
static int apply_alt(solver *sv, uint32_t s, uint8_t a, as_error *err)
{
    const as_ec_layout *l = &sv->b->l;
    uint32_t sup, unm, B = l->block;
    if (decode_view(sv, s, sv->sol[s].view[a], sv->cw[0], &sup, &unm, err) != 0)
        return -1;
    for (uint32_t r = 0; r < as_ec_stripe_k(l, s); r++)
        memcpy(sv->b->blocks + (size_t)as_ec_data_index(l, s, r) * B, sv->cw[0] + (size_t)r * B, B);
    return 0;
}

/*
 * Fills attempt number t's choice per stripe (an index into each stripe's alternatives):
 * 0, the best everywhere; 1 .. NVIEWS, every stripe as one view decoded it (a whole other
 * bundle sharing the id prefix, junk shown first everywhere); then the best everywhere but
 * one stripe at a lesser alternative (a forged stripe that re-encodes consistently).
 * Returns false when t is past the last attempt.
 */
static bool attempt_choice(const solver *sv, uint32_t t, uint8_t *choice)
{
    uint32_t S = sv->b->l.stripes;
    memset(choice, 0, S);
    if (t == 0)
        return true;
    if (t <= NVIEWS) {
        for (uint32_t s = 0; s < S; s++)
            for (uint8_t a = 0; a < sv->sol[s].nalt; a++)
                if (sv->sol[s].view[a] == sv->sol[s].same_as[t - 1])
                    choice[s] = a;
        return true;
    }
    t -= NVIEWS + 1;
    for (uint32_t s = 0; s < S; s++) {
        if (t < (uint32_t)sv->sol[s].nalt - 1) {
            choice[s] = (uint8_t)(t + 1);
            return true;
        }
        t -= sv->sol[s].nalt - 1;
    }
    return false;
}

/* After a failure: every index of a stripe not settled by one fully agreeing codeword is to
 * be rescanned (all of them when every stripe looked settled: the signature refused it). */
static int mark_open(solver *sv)
{
    as_frame_bundle *b = sv->b;
    uint32_t S = b->l.stripes, n = 0;
    free(b->open);
    b->open = malloc((size_t)S * sizeof *b->open);
    b->nopen = 0;
    if (b->open == NULL)
        return -1;
    for (int all = 0; all < 2 && n == 0; all++)
        for (uint32_t s = 0; s < S; s++)
            if (all || sv->sol[s].nalt != 1 || sv->sol[s].support[0] != sv->sol[s].count)
                b->open[n++] = s;
    b->nopen = n;
    for (uint32_t s = 0, i = 0; i < n; s++) {
        if (s != b->open[i])
            continue;
        for (uint32_t j = 0; j < sv->sol[s].count; j++)
            b->pos[sv->refs[sv->sol[s].first + j].slot].named = true;
        i++;
    }
    return 0;
}

/* Offers the ranked combinations to verify; 0 when one is accepted. */
static int try_attempts(solver *sv, as_frame_verify_fn verify, void *ctx, uint32_t *repaired,
                        as_error *err)
{
    uint32_t S = sv->b->l.stripes;
    uint8_t *choice = malloc(S), *cur = malloc(S),
            *tried = malloc((size_t)AS_FRAME_MAX_ATTEMPTS * S);
    int rc = -1;
    uint32_t ntried = 0;
    as_error last = {0};
    if (choice == NULL || cur == NULL || tried == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    memset(cur, 0xff, S);
    for (uint32_t t = 0; ntried < AS_FRAME_MAX_ATTEMPTS && attempt_choice(sv, t, choice); t++) {
        bool seen = false;
        for (uint32_t i = 0; i < ntried && !seen; i++)
            seen = memcmp(tried + (size_t)i * S, choice, S) == 0;
        if (seen)
            continue;
        memcpy(tried + (size_t)ntried++ * S, choice, S);
        for (uint32_t s = 0; s < S; s++)
            if (cur[s] != choice[s] && apply_alt(sv, s, choice[s], err) != 0)
                goto out;
        memcpy(cur, choice, S);
        as_error e = {0};
        if (verify == NULL || verify(ctx, sv->b->blocks, &e) == 0) {
            *repaired = 0;
            for (uint32_t s = 0; s < S; s++)
                *repaired += sv->sol[s].unmatched[choice[s]];
            rc = 0;
            goto out;
        }
        last = e;
    }
    *err = last;
out:
    free(choice);
    free(cur);
    free(tried);
    return rc;
}

static int solver_init(solver *sv, as_frame_bundle *b, as_error *err)
{
    memset(sv, 0, sizeof *sv);
    sv->b = b;
    sv->refs = malloc(b->npos * sizeof *sv->refs);
    sv->sol = calloc(b->l.stripes, sizeof *sv->sol);
    bool ok = sv->refs != NULL && sv->sol != NULL;
    for (size_t v = 0; v < NVIEWS && ok; v++)
        ok = (sv->cw[v] = malloc((size_t)AS_EC_MAX_SHARDS * b->l.block)) != NULL;
    free(b->blocks);
    b->blocks = ok ? calloc(b->l.k_total, b->l.block) : NULL;
    if (!ok || b->blocks == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < b->npos; i++) {
        sv->refs[i].slot = (uint32_t)i;
        index_coords(&b->l, b->pos[i].index, &sv->refs[i].stripe, &sv->refs[i].row);
        sv->refs[i].key = 0;
    }
    qsort(sv->refs, b->npos, sizeof *sv->refs, cmp_ref);
    for (size_t i = 0; i < b->npos; i++) {
        stripe_sol *ss = &sv->sol[sv->refs[i].stripe];
        if (ss->count++ == 0)
            ss->first = (uint32_t)i;
    }
    return 0;
}

static void solver_free(solver *sv)
{
    free(sv->refs);
    free(sv->sol);
    for (size_t v = 0; v < NVIEWS; v++)
        free(sv->cw[v]);
    as_rs_free(&sv->rs);
}

int as_frame_bundle_solve(as_frame_bundle *b, as_frame_verify_fn verify, void *ctx,
                          uint32_t *repaired, as_error *err)
{
    *repaired = 0;
    uint32_t need = as_frame_bundle_needed(b);
    if (need > 0)
        return as_fail(err, AS_ERR_INCOMPLETE, "not enough frames: %u more needed", need);
    solver sv;
    int rc = solver_init(&sv, b, err);
    bool unsolved = false;
    for (uint32_t s = 0; rc == 0 && s < b->l.stripes; s++) {
        rc = rank_stripe(&sv, s, err);
        unsolved |= sv.sol[s].nalt == 0;
    }
    if (rc == 0 && unsolved)
        rc = as_fail(err, AS_ERR_INCOMPLETE, "the frames held do not rebuild a consistent bundle");
    if (rc == 0)
        rc = try_attempts(&sv, verify, ctx, repaired, err);
    if (rc != 0 && (err == NULL || err->code != AS_ERR_NOMEM) && sv.refs != NULL &&
        sv.sol != NULL && mark_open(&sv) != 0)
        as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (rc != 0) {
        free(b->blocks);
        b->blocks = NULL;
    }
    solver_free(&sv);
    return rc;
}

int as_frame_bundle_rebuild(as_frame_bundle *b, uint32_t *repaired, as_error *err)
{
    return as_frame_bundle_solve(b, NULL, NULL, repaired, err);
}

/* ---------------------------------------------------------------- what to rescan */

/* Appends "a" or "a-b" to out, with a separator; keeps out NUL-terminated and bounded. */
static void add_range(char *out, size_t cap, size_t *used, uint32_t a, uint32_t b, bool *full)
{
    if (*full)
        return;
    char item[32];
    int n = a == b ? snprintf(item, sizeof item, "%s%u", *used ? ", " : "", a)
                   : snprintf(item, sizeof item, "%s%u-%u", *used ? ", " : "", a, b);
    if (*used + (size_t)n + 5 >= cap) {
        snprintf(out + *used, cap - *used, ", ...");
        *full = true;
        return;
    }
    memcpy(out + *used, item, (size_t)n + 1);
    *used += (size_t)n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static bool is_open(const as_frame_bundle *b, uint32_t stripe)
{
    return b->nopen > 0 && bsearch(&stripe, b->open, b->nopen, sizeof *b->open, cmp_u32) != NULL;
}

/*
 * The frame indices NOT to ask for, sorted: held ones that are settled (one block, not marked
 * by a failed rebuild), and the unheld ones of stripes that hold enough. Its size follows
 * what is held (a full stripe has at most twice as many rows as the blocks it holds), never
 * the layout a frame claims.
 */
static uint32_t *settled_indices(const as_frame_bundle *b, size_t *n)
{
    const as_ec_layout *l = &b->l;
    size_t cap = 2 * b->npos + 2 * (size_t)AS_EC_MAX_SHARDS, used = 0;
    uint32_t *v = malloc(cap * sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < b->npos; i++) {
        const as_frame_pos *p = &b->pos[i];
        uint32_t stripe, row;
        index_coords(l, p->index, &stripe, &row);
        if (p->n == 1 && !p->named && !is_open(b, stripe))
            v[used++] = p->index;
    }
    for (size_t i = 0; i < b->by_stripe.cap; i++) {
        uint32_t s = b->by_stripe.keys[i] - 1;
        if (b->by_stripe.keys[i] == 0 || b->by_stripe.vals[i] < as_ec_stripe_k(l, s) ||
            is_open(b, s))
            continue;
        uint32_t rows = as_ec_stripe_k(l, s) + as_ec_stripe_m(l, s);
        for (uint32_t r = 0; r < rows; r++) {
            uint32_t idx = row_index(l, s, r);
            if (map_get(&b->by_index, idx) == UINT32_MAX && used < cap)
                v[used++] = idx;
        }
    }
    qsort(v, used, sizeof *v, cmp_u32);
    *n = used;
    return v;
}

uint32_t as_frame_bundle_missing(const as_frame_bundle *b, char *out, size_t cap)
{
    uint32_t n = b->l.k_total + b->l.m_total, count = 0;
    if (cap > 0)
        out[0] = '\0';
    size_t ns = 0;
    uint32_t *settled = settled_indices(b, &ns);
    if (settled == NULL)
        return 0;
    size_t used = 0;
    bool full = false;
    /* the gaps between settled indices are the frames to ask for */
    uint32_t next = 0;
    for (size_t i = 0; i <= ns; i++) {
        uint32_t stop = i < ns ? settled[i] : n;
        if (stop > next) {
            count += stop - next;
            if (cap > 0)
                add_range(out, cap, &used, next + 1, stop, &full);
        }
        if (i < ns && settled[i] + 1 > next)
            next = settled[i] + 1;
    }
    free(settled);
    return count;
}

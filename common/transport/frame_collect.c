/* frame_collect.c: collecting decoded QR frames into a set, and naming what is missing; see
 * frame_collect.h. The rebuild is frame_solve.c. */
#include "frame_collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void as_frame_index_coords(const as_ec_layout *l, uint32_t i, uint32_t *stripe, uint32_t *row)
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
    as_frame_index_coords(&b->l, index, &stripe, &row);
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
        as_frame_index_coords(l, p->index, &stripe, &row);
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

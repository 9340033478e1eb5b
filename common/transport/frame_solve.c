/* frame_solve.c: rebuilding the object from the frames collected, when junk or forged
 * blocks may be among them; see as_frame_bundle_solve in frame_collect.h. */
#include "frame_collect.h"

#include <stdlib.h>
#include <string.h>

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
        as_frame_index_coords(&b->l, b->pos[i].index, &sv->refs[i].stripe, &sv->refs[i].row);
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

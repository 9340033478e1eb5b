/* erasure_encode.c: the writer's side of the stripes: parity for a whole layout (airseal-send
 * only; the station repairs with erasure.c and never links this); see erasure.h. */
#include "erasure.h"

#include <pthread.h>
#include <stdlib.h>

/* Stripe s's parity, column by column, through c (k_s + m_s columns) and rs (re-made when
 * the stripe's shape differs from the last one's). */
static int encode_stripe(const as_ec_layout *l, const as_ec_io *io, uint32_t s, as_rs *rs,
                         as_ec_columns *c, as_error *err)
{
    uint32_t k = as_ec_stripe_k(l, s), m = as_ec_stripe_m(l, s);
    if (m == 0)
        return 0;
    if (as_rs_reshape(rs, k, m, err) != 0)
        return -1;
    for (uint32_t off = 0; off < l->block; off += AS_EC_COLUMN) {
        uint32_t len = l->block - off < AS_EC_COLUMN ? l->block - off : AS_EC_COLUMN;
        for (uint32_t r = 0; r < k; r++)
            if (io->read_data(io->ctx, as_ec_data_index(l, s, r), off, c->ptr[r], len, err) != 0)
                return -1;
        as_rs_encode(rs, len, c->ptr, c->ptr + k);
        for (uint32_t j = 0; j < m; j++)
            if (io->write_parity(io->ctx, as_ec_parity_index(l, s, j), off, c->ptr[k + j], len,
                                 err) != 0)
                return -1;
    }
    return 0;
}

/* The workers' shared state, under mu: the next stripe to take, how many are done, the
 * first failure. */
typedef struct encode_crew {
    const as_ec_layout *l;
    const as_ec_io *io;
    pthread_mutex_t mu;
    uint32_t next, done;
    bool failed;
    as_error err;
} encode_crew;

/* One worker: takes stripes until none is left or one failed. Scratch of its own; progress
 * reported under mu, so the sink never runs on two threads at once. */
static void encode_stripes(encode_crew *c)
{
    const as_ec_layout *l = c->l;
    as_ec_columns cols;
    as_rs rs = {0};
    as_error e = {0};
    int rc = as_ec_columns_alloc(&cols, as_ec_stripe_k(l, 0) + as_ec_stripe_m(l, 0), &e);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        uint32_t s = c->next++;
        bool stop = rc != 0 || c->failed || s >= l->stripes;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        rc = encode_stripe(l, c->io, s, &rs, &cols, &e);
        pthread_mutex_lock(&c->mu);
        c->done += rc == 0;
        if (rc == 0 && c->io->progress != NULL)
            c->io->progress(c->io->ctx, c->done);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_lock(&c->mu);
    if (rc != 0 && !c->failed) {
        c->failed = true;
        c->err = e;
    }
    pthread_mutex_unlock(&c->mu);
    as_rs_free(&rs);
    free(cols.mem); /* NULL when the allocation failed */
}

static void *encode_helper(void *arg)
{
    encode_stripes(arg);
    return NULL;
}

int as_ec_encode_threads(const as_ec_layout *l, const as_ec_io *io, unsigned threads, as_error *err)
{
    encode_crew c = {.l = l, .io = io};
    pthread_t helper;
    bool two = false;
    if (pthread_mutex_init(&c.mu, NULL) != 0)
        return as_fail(err, AS_ERR_INTERNAL, "cannot create a lock");
    if (threads > 1 && l->stripes > 1)
        two = pthread_create(&helper, NULL, encode_helper, &c) == 0;
    encode_stripes(&c);
    if (two)
        pthread_join(helper, NULL);
    pthread_mutex_destroy(&c.mu);
    if (c.failed) {
        if (err != NULL && err->code == AS_OK)
            *err = c.err;
        return -1;
    }
    return 0;
}

int as_ec_encode(const as_ec_layout *l, const as_ec_io *io, as_error *err)
{
    return as_ec_encode_threads(l, io, 1, err);
}

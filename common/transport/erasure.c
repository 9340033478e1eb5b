/* erasure.c: interleaved Reed-Solomon stripes on ISA-L; see erasure.h. */
#include "erasure.h"

#include <isa-l/erasure_code.h>
#include <stdlib.h>
#include <string.h>

uint32_t as_ec_block_for_file(uint64_t size)
{
    uint64_t want = size / 1000;
    uint32_t b = 4096;
    while (b < want && b < (1u << 20))
        b <<= 1;
    return b;
}

static uint32_t m_for(uint32_t k, uint32_t pct)
{
    if (pct == 0 || k == 0)
        return 0;
    uint32_t m = (uint32_t)(((uint64_t)k * pct + 99) / 100);
    return m == 0 ? 1 : m;
}

uint32_t as_ec_stripe_k(const as_ec_layout *l, uint32_t s)
{
    return l->k_total / l->stripes + (s < l->k_total % l->stripes ? 1 : 0);
}

uint32_t as_ec_stripe_m(const as_ec_layout *l, uint32_t s)
{
    return m_for(as_ec_stripe_k(l, s), l->pct);
}

static int plan_counts(as_ec_layout *l, as_error *err)
{
    if (l->block == 0 || l->size == 0 || l->pct > 100)
        return as_fail(err, AS_ERR_FORMAT, "invalid erasure-code layout");
    uint64_t k = (l->size + l->block - 1) / l->block;
    if (k > AS_EC_MAX_BLOCKS)
        return as_fail(err, AS_ERR_LIMIT, "more than %u blocks", AS_EC_MAX_BLOCKS);
    l->k_total = (uint32_t)k;
    /* the largest stripe height whose data and parity fit in 255 shards */
    uint32_t kmax = AS_EC_MAX_SHARDS;
    while (kmax > 1 && kmax + m_for(kmax, l->pct) > AS_EC_MAX_SHARDS)
        kmax--;
    if (kmax + m_for(kmax, l->pct) > AS_EC_MAX_SHARDS)
        return as_fail(err, AS_ERR_FORMAT, "redundancy %u%% is too high", l->pct);
    l->stripes = (l->k_total + kmax - 1) / kmax;
    /* k_s takes two values: k_lo + 1 for the first K mod S stripes, k_lo for the rest; counted
     * in constant time, as a frame's claimed layout is planned for every frame read. */
    uint32_t k_lo = l->k_total / l->stripes, n_hi = l->k_total % l->stripes;
    uint64_t m = (uint64_t)n_hi * m_for(k_lo + 1, l->pct) +
                 (uint64_t)(l->stripes - n_hi) * m_for(k_lo, l->pct);
    if (m > AS_EC_MAX_BLOCKS)
        return as_fail(err, AS_ERR_LIMIT, "more than %u parity blocks", AS_EC_MAX_BLOCKS);
    l->m_total = (uint32_t)m;
    return 0;
}

int as_ec_plan(as_ec_layout *l, uint64_t size, uint32_t block, unsigned pct, as_error *err)
{
    memset(l, 0, sizeof *l);
    l->size = size;
    l->block = block;
    l->pct = pct;
    return plan_counts(l, err);
}

int as_ec_layout_check(const as_ec_layout *l, as_error *err)
{
    if (l->block == 0 || l->block > (16u << 20))
        return as_fail(err, AS_ERR_FORMAT, "block size %u out of range", l->block);
    as_ec_layout want;
    if (as_ec_plan(&want, l->size, l->block, l->pct, err) != 0)
        return -1;
    if (want.k_total != l->k_total || want.stripes != l->stripes || want.m_total != l->m_total)
        return as_fail(err, AS_ERR_FORMAT,
                       "inconsistent block counts (%u data, %u stripes, %u parity; expected %u, "
                       "%u, %u)",
                       l->k_total, l->stripes, l->m_total, want.k_total, want.stripes,
                       want.m_total);
    return 0;
}

uint32_t as_ec_data_index(const as_ec_layout *l, uint32_t s, uint32_t r)
{
    return r * l->stripes + s;
}

/*
 * How many stripes (the first ones) have more parity rows than the last stripe. m_s takes at
 * most two values: stripes 0 .. K mod S - 1 hold one more data block, which may or may not
 * give them one more parity block. Constant time: callers map every block of a layout.
 */
static uint32_t stripes_with_more_parity(const as_ec_layout *l)
{
    uint32_t n_hi = l->k_total % l->stripes;
    if (n_hi == 0 || as_ec_stripe_m(l, 0) == as_ec_stripe_m(l, l->stripes - 1))
        return l->stripes;
    return n_hi;
}

uint32_t as_ec_parity_index(const as_ec_layout *l, uint32_t s, uint32_t j)
{
    uint32_t m_lo = as_ec_stripe_m(l, l->stripes - 1), n_hi = stripes_with_more_parity(l);
    /* rows below j: m_lo full rows of S, then (j - m_lo) rows of only the n_hi stripes */
    uint32_t before = j <= m_lo ? j * l->stripes : m_lo * l->stripes + (j - m_lo) * n_hi;
    return before + s;
}

void as_ec_parity_coords(const as_ec_layout *l, uint32_t p, uint32_t *s, uint32_t *j)
{
    uint32_t m_lo = as_ec_stripe_m(l, l->stripes - 1);
    uint32_t n_hi = stripes_with_more_parity(l);
    uint32_t full = m_lo * l->stripes;
    if (p < full) {
        *j = p / l->stripes;
        *s = p % l->stripes;
    } else {
        *j = m_lo + (p - full) / n_hi;
        *s = (p - full) % n_hi;
    }
}

uint32_t as_ec_data_len(const as_ec_layout *l, uint32_t i)
{
    uint64_t start = (uint64_t)i * l->block;
    if (start >= l->size)
        return 0;
    uint64_t left = l->size - start;
    return left < l->block ? (uint32_t)left : l->block;
}

/* ---------------------------------------------------------------- codec */

int as_rs_init(as_rs *rs, unsigned k, unsigned m, as_error *err)
{
    memset(rs, 0, sizeof *rs);
    if (k == 0 || k + m > AS_EC_MAX_SHARDS)
        return as_fail(err, AS_ERR_INTERNAL, "bad Reed-Solomon shape %u+%u", k, m);
    rs->k = k;
    rs->m = m;
    rs->matrix = malloc((size_t)(k + m) * k);
    rs->tables = malloc((size_t)32 * k * (m ? m : 1));
    if (rs->matrix == NULL || rs->tables == NULL) {
        as_rs_free(rs);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    gf_gen_cauchy1_matrix(rs->matrix, (int)(k + m), (int)k);
    if (m > 0)
        ec_init_tables((int)k, (int)m, rs->matrix + (size_t)k * k, rs->tables);
    return 0;
}

int as_rs_reshape(as_rs *rs, unsigned k, unsigned m, as_error *err)
{
    if (rs->k == k && rs->m == m)
        return 0;
    as_rs_free(rs);
    return as_rs_init(rs, k, m, err);
}

void as_rs_free(as_rs *rs)
{
    free(rs->matrix);
    free(rs->tables);
    memset(rs, 0, sizeof *rs);
}

void as_rs_encode(const as_rs *rs, size_t len, uint8_t **data, uint8_t **parity)
{
    if (rs->m > 0)
        ec_encode_data((int)len, (int)rs->k, (int)rs->m, rs->tables, data, parity);
}

int as_rs_reconstruct(const as_rs *rs, size_t len, uint8_t **shards, const bool *present,
                      as_error *err)
{
    unsigned k = rs->k, n = rs->k + rs->m;
    unsigned missing[AS_EC_MAX_SHARDS], nmissing = 0, rows[AS_EC_MAX_SHARDS], nrows = 0;
    for (unsigned i = 0; i < k; i++)
        if (!present[i])
            missing[nmissing++] = i;
    if (nmissing == 0)
        return 0;
    for (unsigned i = 0; i < n && nrows < k; i++)
        if (present[i])
            rows[nrows++] = i;
    if (nrows < k)
        return as_fail(err, AS_ERR_INCOMPLETE, "%u of %u blocks needed are missing", k - nrows, k);
    uint8_t *sub = malloc((size_t)k * k), *inv = malloc((size_t)k * k);
    uint8_t *dec = malloc((size_t)k * nmissing), *tbl = malloc((size_t)32 * k * nmissing);
    int rc = -1;
    if (sub == NULL || inv == NULL || dec == NULL || tbl == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* The k surviving rows of [I; C] form an invertible matrix B; data = B^-1 x survivors. */
    for (unsigned r = 0; r < k; r++)
        memcpy(sub + (size_t)r * k, rs->matrix + (size_t)rows[r] * k, k);
    if (gf_invert_matrix(sub, inv, (int)k) != 0) {
        as_fail(err, AS_ERR_INTERNAL, "singular Reed-Solomon matrix");
        goto out;
    }
    for (unsigned i = 0; i < nmissing; i++)
        memcpy(dec + (size_t)i * k, inv + (size_t)missing[i] * k, k);
    uint8_t *src[AS_EC_MAX_SHARDS], *dst[AS_EC_MAX_SHARDS];
    for (unsigned r = 0; r < k; r++)
        src[r] = shards[rows[r]];
    for (unsigned i = 0; i < nmissing; i++)
        dst[i] = shards[missing[i]];
    ec_init_tables((int)k, (int)nmissing, dec, tbl);
    ec_encode_data((int)len, (int)k, (int)nmissing, tbl, src, dst);
    rc = 0;
out:
    free(sub);
    free(inv);
    free(dec);
    free(tbl);
    return rc;
}

/* ---------------------------------------------------------------- stripe drivers */

int as_ec_columns_alloc(as_ec_columns *c, unsigned n, as_error *err)
{
    c->mem = malloc((size_t)n * AS_EC_COLUMN);
    if (c->mem == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; i < n; i++)
        c->ptr[i] = c->mem + (size_t)i * AS_EC_COLUMN;
    return 0;
}

uint32_t as_ec_stripe_shortfall(const as_ec_layout *l, uint32_t s, const bool *data_ok,
                                const bool *parity_ok)
{
    uint32_t k = as_ec_stripe_k(l, s), m = as_ec_stripe_m(l, s), good = 0;
    for (uint32_t r = 0; r < k; r++)
        good += data_ok[as_ec_data_index(l, s, r)];
    for (uint32_t j = 0; j < m; j++)
        good += parity_ok != NULL && parity_ok[as_ec_parity_index(l, s, j)];
    return good >= k ? 0 : k - good;
}

int as_ec_repair(const as_ec_layout *l, const as_ec_io *io, const bool *data_ok,
                 const bool *parity_ok, uint32_t *repaired, as_error *err)
{
    uint32_t bad_stripes = 0, first_bad = 0, first_short = 0, fixed = 0;
    for (uint32_t s = 0; s < l->stripes; s++) {
        uint32_t need = as_ec_stripe_shortfall(l, s, data_ok, parity_ok);
        if (need > 0 && bad_stripes++ == 0) {
            first_bad = s;
            first_short = need;
        }
    }
    if (bad_stripes > 0)
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "damaged beyond repair: %u of %u stripes lack blocks (stripe %u needs %u "
                       "more)",
                       bad_stripes, l->stripes, first_bad, first_short);
    as_ec_columns c;
    as_rs rs = {0};
    int rc = -1;
    if (as_ec_columns_alloc(&c, AS_EC_MAX_SHARDS, err) != 0)
        return -1;
    for (uint32_t s = 0; s < l->stripes; s++) {
        uint32_t k = as_ec_stripe_k(l, s), m = as_ec_stripe_m(l, s), lost = 0;
        bool present[AS_EC_MAX_SHARDS];
        for (uint32_t r = 0; r < k; r++) {
            present[r] = data_ok[as_ec_data_index(l, s, r)];
            lost += !present[r];
        }
        if (lost == 0)
            continue;
        for (uint32_t j = 0; j < m; j++)
            present[k + j] = parity_ok[as_ec_parity_index(l, s, j)];
        if (as_rs_reshape(&rs, k, m, err) != 0)
            goto out;
        for (uint32_t off = 0; off < l->block; off += AS_EC_COLUMN) {
            uint32_t len = l->block - off < AS_EC_COLUMN ? l->block - off : AS_EC_COLUMN;
            for (uint32_t r = 0; r < k; r++)
                if (present[r] &&
                    io->read_data(io->ctx, as_ec_data_index(l, s, r), off, c.ptr[r], len, err) != 0)
                    goto out;
            for (uint32_t j = 0; j < m; j++)
                if (present[k + j] && io->read_parity(io->ctx, as_ec_parity_index(l, s, j), off,
                                                      c.ptr[k + j], len, err) != 0)
                    goto out;
            if (as_rs_reconstruct(&rs, len, c.ptr, present, err) != 0)
                goto out;
            for (uint32_t r = 0; r < k; r++)
                if (!present[r] && io->write_data(io->ctx, as_ec_data_index(l, s, r), off, c.ptr[r],
                                                  len, err) != 0)
                    goto out;
        }
        fixed += lost;
        if (io->progress != NULL)
            io->progress(io->ctx, s + 1);
    }
    if (repaired != NULL)
        *repaired = fixed;
    rc = 0;
out:
    as_rs_free(&rs);
    free(c.mem);
    return rc;
}

/* test_erasure.c: Reed-Solomon stripes: layout properties, any k of n, repair, limits. */
#include <stdio.h>

#include "helpers.h"

#include "common/transport/erasure.h"

static void layout_properties(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {1, 4096, 4097, 200000, 3000000, 10000000, 123456789};
    static const unsigned pcts[] = {0, 1, 5, 12, 25, 50, 100};
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        for (size_t b = 0; b < sizeof pcts / sizeof pcts[0]; b++) {
            as_ec_layout l;
            as_error err = {0};
            uint32_t block = as_ec_block_for_file(sizes[a]);
            assert_int_equal(as_ec_plan(&l, sizes[a], block, pcts[b], &err), 0);
            assert_int_equal(as_ec_layout_check(&l, &err), 0);
            uint64_t k = 0, m = 0;
            for (uint32_t s = 0; s < l.stripes; s++) {
                uint32_t ks = as_ec_stripe_k(&l, s), ms = as_ec_stripe_m(&l, s);
                assert_true(ks + ms <= AS_EC_MAX_SHARDS);
                assert_true(ks >= 1);
                if (pcts[b] > 0)
                    assert_true(ms >= 1 && (uint64_t)ms * 100 >= (uint64_t)ks * pcts[b]);
                k += ks;
                m += ms;
            }
            assert_int_equal(k, l.k_total);
            assert_int_equal(m, l.m_total);
            assert_int_equal(as_ec_data_len(&l, l.k_total - 1),
                             sizes[a] - (uint64_t)(l.k_total - 1) * block);
            /* parity numbering is a bijection */
            bool *seen = calloc(l.m_total + 1, 1);
            for (uint32_t s = 0; s < l.stripes; s++) {
                for (uint32_t j = 0; j < as_ec_stripe_m(&l, s); j++) {
                    uint32_t p = as_ec_parity_index(&l, s, j), s2, j2;
                    assert_true(p < l.m_total);
                    assert_false(seen[p]);
                    seen[p] = true;
                    as_ec_parity_coords(&l, p, &s2, &j2);
                    assert_int_equal(s2, s);
                    assert_int_equal(j2, j);
                }
            }
            free(seen);
        }
    }
    /* a layout from untrusted metadata that does not add up is refused */
    as_ec_layout l;
    as_error err = {0};
    assert_int_equal(as_ec_plan(&l, 1000000, 4096, 5, &err), 0);
    l.m_total++;
    assert_int_equal(as_ec_layout_check(&l, &err), -1);
}

/* For random shapes and erasure patterns: any k of the k+m shards rebuild the data. */
static void any_k_of_n(void **state)
{
    (void)state;
    uint8_t rnd[64];
    for (uint32_t trial = 0; trial < 60; trial++) {
        fill_seeded(rnd, sizeof rnd, trial);
        unsigned k = 1 + rnd[0] % 60, m = 1 + rnd[1] % 20, len = 64 + rnd[2];
        if (trial == 0) {
            k = 242;
            m = 13;
        }
        as_rs rs;
        as_error err = {0};
        assert_int_equal(as_rs_init(&rs, k, m, &err), 0);
        uint8_t *mem = seeded_alloc((size_t)(k + m) * len, trial + 1000);
        uint8_t *orig = malloc((size_t)k * len);
        memcpy(orig, mem, (size_t)k * len);
        uint8_t *ptr[AS_EC_MAX_SHARDS];
        bool present[AS_EC_MAX_SHARDS];
        for (unsigned i = 0; i < k + m; i++)
            ptr[i] = mem + (size_t)i * len;
        as_rs_encode(&rs, len, ptr, ptr + k);
        /* erase exactly m shards chosen by the seed */
        for (unsigned i = 0; i < k + m; i++)
            present[i] = true;
        /* erase exactly m shards: the first m of a seeded Fisher-Yates shuffle */
        uint8_t pick[4 * AS_EC_MAX_SHARDS];
        unsigned order[AS_EC_MAX_SHARDS];
        fill_seeded(pick, sizeof pick, trial + 77);
        for (unsigned i = 0; i < k + m; i++)
            order[i] = i;
        for (unsigned i = k + m - 1; i > 0; i--) {
            uint32_t r = (uint32_t)pick[4 * i] | (uint32_t)pick[4 * i + 1] << 8 |
                         (uint32_t)pick[4 * i + 2] << 16 | (uint32_t)pick[4 * i + 3] << 24;
            unsigned j = r % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (unsigned e = 0; e < m; e++) {
            present[order[e]] = false;
            memset(ptr[order[e]], 0xee, len);
        }
        assert_int_equal(as_rs_reconstruct(&rs, len, ptr, present, &err), 0);
        assert_memory_equal(mem, orig, (size_t)k * len);
        /* one more erasure is too many */
        unsigned extra = 0;
        while (!present[extra])
            extra++;
        present[extra] = false;
        assert_int_equal(as_rs_reconstruct(&rs, len, ptr, present, &err), -1);
        assert_int_equal(err.code, AS_ERR_INCOMPLETE);
        as_rs_free(&rs);
        free(mem);
        free(orig);
    }
}

/* In-memory object for the stripe drivers. */
typedef struct memobj {
    const as_ec_layout *l;
    uint8_t *data;
    uint8_t *parity;
} memobj;

static int m_read_data(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len,
                       as_error *err)
{
    (void)err;
    memobj *o = ctx;
    uint32_t have = as_ec_data_len(o->l, i);
    uint32_t valid = off >= have ? 0 : (have - off < len ? have - off : len);
    memcpy(buf, o->data + (uint64_t)i * o->l->block + off, valid);
    memset(buf + valid, 0, len - valid);
    return 0;
}

static int m_write_data(void *ctx, uint32_t i, uint32_t off, const uint8_t *buf, uint32_t len,
                        as_error *err)
{
    (void)err;
    memobj *o = ctx;
    uint32_t have = as_ec_data_len(o->l, i);
    uint32_t valid = off >= have ? 0 : (have - off < len ? have - off : len);
    memcpy(o->data + (uint64_t)i * o->l->block + off, buf, valid);
    return 0;
}

static int m_read_parity(void *ctx, uint32_t p, uint32_t off, uint8_t *buf, uint32_t len,
                         as_error *err)
{
    (void)err;
    memobj *o = ctx;
    memcpy(buf, o->parity + (uint64_t)p * o->l->block + off, len);
    return 0;
}

static int m_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                          as_error *err)
{
    (void)err;
    memobj *o = ctx;
    memcpy(o->parity + (uint64_t)p * o->l->block + off, buf, len);
    return 0;
}

/* A burst of consecutive lost blocks (a bad region, a truncated tail) within the parity share
 * is repaired; the stripes spread it. */
static void burst_repair(void **state)
{
    (void)state;
    as_ec_layout l;
    as_error err = {0};
    uint64_t size = 3000000;
    assert_int_equal(as_ec_plan(&l, size, 4096, 5, &err), 0);
    memobj o = {&l, seeded_alloc(size + l.block, 7), calloc(l.m_total, l.block)};
    uint8_t *orig = malloc(size);
    memcpy(orig, o.data, size);
    as_ec_io io = {.ctx = &o,
                   .read_data = m_read_data,
                   .write_data = m_write_data,
                   .read_parity = m_read_parity,
                   .write_parity = m_write_parity};
    assert_int_equal(as_ec_encode(&l, &io, &err), 0);
    bool *dok = malloc(l.k_total), *pok = malloc(l.m_total);
    memset(pok, 1, l.m_total);
    /* lose the last 5% of the file: a truncated copy */
    uint32_t lost = l.m_total, repaired = 0;
    memset(dok, 1, l.k_total);
    for (uint32_t i = l.k_total - lost; i < l.k_total; i++) {
        dok[i] = false;
        memset(o.data + (uint64_t)i * l.block, 0, as_ec_data_len(&l, i));
    }
    assert_int_equal(as_ec_repair(&l, &io, dok, pok, &repaired, &err), 0);
    assert_int_equal(repaired, lost);
    assert_memory_equal(o.data, orig, size);
    /* one block more than a stripe's parity: refused, naming the shortfall */
    memset(dok, 1, l.k_total);
    for (uint32_t r = 0; r <= as_ec_stripe_m(&l, 0); r++)
        dok[as_ec_data_index(&l, 0, r)] = false;
    assert_int_equal(as_ec_stripe_shortfall(&l, 0, dok, pok), 1);
    assert_int_equal(as_ec_repair(&l, &io, dok, pok, &repaired, &err), -1);
    assert_int_equal(err.code, AS_ERR_INCOMPLETE);
    assert_non_null(strstr(err.msg, "needs 1 more"));
    free(o.data);
    free(o.parity);
    free(orig);
    free(dok);
    free(pok);
}

/* A parity write that fails at parity block `bad` with its own message. */
static int bad_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                            as_error *err)
{
    memobj *o = ctx;
    if (p == o->l->m_total / 2)
        return as_fail(err, AS_ERR_IO, "parity block %u: disk full", p);
    return m_write_parity(ctx, p, off, buf, len, err);
}

/* Two threads write exactly the parity one thread writes, for several shapes; a failure on
 * either thread ends the encode with that failure's message. */
static void threaded_parity_matches(void **state)
{
    (void)state;
    static const struct {
        uint64_t size;
        uint32_t block;
        unsigned pct;
    } cases[] = {
        {3000000, 4096, 5}, {700001, 65536 + 4096, 30}, {5000, 4096, 5}, {1 << 20, 4096, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        as_ec_layout l;
        as_error err = {0};
        assert_int_equal(as_ec_plan(&l, cases[c].size, cases[c].block, cases[c].pct, &err), 0);
        uint8_t *data = seeded_alloc(cases[c].size + l.block, (uint32_t)c + 50);
        memobj one = {&l, data, calloc(l.m_total + 1, l.block)};
        memobj two = {&l, data, calloc(l.m_total + 1, l.block)};
        as_ec_io io1 = {.ctx = &one, .read_data = m_read_data, .write_parity = m_write_parity};
        as_ec_io io2 = {.ctx = &two, .read_data = m_read_data, .write_parity = m_write_parity};
        assert_int_equal(as_ec_encode(&l, &io1, &err), 0);
        assert_int_equal(as_ec_encode_threads(&l, &io2, 2, &err), 0);
        assert_memory_equal(one.parity, two.parity, (size_t)l.m_total * l.block + 1);
        if (l.m_total > 0) {
            io2.write_parity = bad_write_parity;
            assert_int_equal(as_ec_encode_threads(&l, &io2, 2, &err), -1);
            assert_int_equal(err.code, AS_ERR_IO);
            char want[64];
            snprintf(want, sizeof want, "parity block %u: disk full", l.m_total / 2);
            assert_string_equal(err.msg, want);
        }
        free(one.parity);
        free(two.parity);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_properties),
        cmocka_unit_test(any_k_of_n),
        cmocka_unit_test(burst_repair),
        cmocka_unit_test(threaded_parity_matches),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}

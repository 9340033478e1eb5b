/* test_frame.c: QR frame layout, encoder and collector (common/transport/frame_*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/transport/frame_collect.h"
#include "common/transport/frame_encode.h"

static const uint8_t bundle_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static void crc32_known_answer(void **state)
{
    (void)state;
    assert_int_equal(as_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    assert_int_equal(as_crc32(0, NULL, 0), 0);
    /* incremental equals one-shot */
    uint32_t c = as_crc32(0, (const uint8_t *)"1234", 4);
    assert_int_equal(as_crc32(c, (const uint8_t *)"56789", 5), 0xCBF43926u);
}

typedef struct fixture {
    uint8_t sealed[20000], sig[300];
    as_frame_encoder e;
    uint8_t *frames; /* n frames of flen bytes */
    uint32_t n;
    size_t flen;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    as_error err = {0};
    fill(f->sealed, sizeof f->sealed, 1);
    fill(f->sig, sizeof f->sig, 2);
    assert_int_equal(as_frame_encoder_init(&f->e, bundle_id, f->sealed, sizeof f->sealed, f->sig,
                                           sizeof f->sig, 500, 30, &err),
                     0);
    f->n = f->e.l.k_total + f->e.l.m_total;
    f->flen = AS_FRAME_HEADER + 500;
    f->frames = malloc(f->n * f->flen);
    for (uint32_t i = 0; i < f->n; i++)
        as_frame_encoder_frame(&f->e, i, f->frames + i * f->flen);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    as_frame_encoder_free(&f->e);
    free(f->frames);
    free(f);
    return 0;
}

static void header_roundtrip(void **state)
{
    fixture *f = *state;
    as_frame_header h;
    const uint8_t *block;
    as_error err = {0};
    assert_int_equal(f->e.l.k_total, (20000 + 300 + 499) / 500);
    for (uint32_t i = 0; i < f->n; i++) {
        assert_int_equal(as_frame_parse(&h, &block, f->frames + i * f->flen, f->flen, &err), 0);
        assert_int_equal(h.index, i);
        assert_int_equal(h.sealed_size, 20000);
        assert_int_equal(h.sig_size, 300);
        assert_memory_equal(h.bundle, bundle_id, AS_FRAME_ID_LEN);
    }
    /* data block 0 is the start of the sealed file */
    assert_memory_equal(f->frames + AS_FRAME_HEADER, f->sealed, 500);
}

/* Every single-bit flip of a frame is refused (CRC, magic, or header checks). */
static void bit_flips_refused(void **state)
{
    fixture *f = *state;
    uint8_t *copy = malloc(f->flen);
    as_frame_header h;
    const uint8_t *block;
    for (size_t bit = 0; bit < f->flen * 8; bit += 7) {
        memcpy(copy, f->frames, f->flen);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        as_error err = {0};
        assert_int_equal(as_frame_parse(&h, &block, copy, f->flen, &err), -1);
    }
    free(copy);
}

/* Re-seals a frame whose fields were changed, through the library's own table. */
static void recrc(uint8_t *fr, size_t len)
{
    as_frame_put_crc(fr, len);
}

/* The table is the layout of FORMAT.md 10.2: contiguous fields from 0 to the header's end,
 * and a known header formats to known bytes. */
static void layout_table_known_answer(void **state)
{
    (void)state;
    unsigned at = 0;
    for (int f = 0; f < AS_FF_COUNT; f++) {
        assert_non_null(as_frame_fields[f].name);
        assert_int_equal(as_frame_fields[f].offset, at);
        assert_true(as_frame_fields[f].width >= 1 && as_frame_fields[f].width <= 8);
        at += as_frame_fields[f].width;
    }
    assert_int_equal(at, AS_FRAME_HEADER);
    as_frame_header h = {.bundle = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7},
                         .sealed_size = 0x0102030405060708ull,
                         .sig_size = 0x090a,
                         .block = 16,
                         .pct = 30,
                         .k = 0x0b0c0d0e,
                         .m = 0x0f101112,
                         .index = 0x13141516};
    uint8_t block[16] = {0}, fr[AS_FRAME_HEADER + 16];
    as_frame_format(fr, &h, block);
    static const uint8_t want[37] = {'A',  'S',  'Q',  1,    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                     0xa6, 0xa7, 1,    2,    3,    4,    5,    6,    7,    8,
                                     9,    10,   0,    16,   30,   0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
                                     0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16};
    assert_memory_equal(fr, want, sizeof want);
    uint32_t crc = as_crc32(as_crc32(0, want, sizeof want), block, sizeof block);
    assert_int_equal(as_frame_get(fr, AS_FF_CRC), crc);
    assert_int_equal(as_frame_get(fr, AS_FF_SEALED), h.sealed_size);
    assert_int_equal(as_frame_get(fr, AS_FF_INDEX), h.index);
    as_frame_put(fr, AS_FF_INDEX, 7);
    assert_int_equal(fr[36], 7);
    assert_int_equal(fr[33], 0);
}

static void hostile_headers(void **state)
{
    fixture *f = *state;
    uint8_t *fr = malloc(f->flen);
    as_frame_header h;
    const uint8_t *block;
    as_error err = {0};
    /* 2^32 - 1 data blocks */
    memcpy(fr, f->frames, f->flen);
    as_frame_put(fr, AS_FF_K, 0xffffffffu);
    recrc(fr, f->flen);
    assert_int_equal(as_frame_parse(&h, &block, fr, f->flen, &err), -1);
    assert_non_null(strstr(err.msg, "inconsistent"));
    /* index beyond the blocks */
    as_error_clear(&err);
    memcpy(fr, f->frames, f->flen);
    as_frame_put(fr, AS_FF_INDEX, f->n);
    recrc(fr, f->flen);
    assert_int_equal(as_frame_parse(&h, &block, fr, f->flen, &err), -1);
    /* a bundle over the cap */
    as_error_clear(&err);
    memcpy(fr, f->frames, f->flen);
    as_frame_put(fr, AS_FF_SEALED, 1ull << 32);
    recrc(fr, f->flen);
    assert_int_equal(as_frame_parse(&h, &block, fr, f->flen, &err), -1);
    assert_int_equal(err.code, AS_ERR_LIMIT);
    /* truncated */
    as_error_clear(&err);
    assert_int_equal(as_frame_parse(&h, &block, f->frames, f->flen - 1, &err), -1);
    assert_int_equal(as_frame_parse(&h, &block, f->frames, 10, &err), -1);
    free(fr);
}

static void collect_and_rebuild(void **state)
{
    fixture *f = *state;
    as_frame_set s;
    as_frame_set_init(&s);
    /* lose as many data frames as there are parity frames, every third one: repairable */
    uint32_t m = f->e.l.m_total, dropped = 0;
    for (uint32_t i = 0; i < f->n; i++) {
        if (i % 3 == 0 && dropped < m && i < f->e.l.k_total) {
            dropped++;
            continue;
        }
        assert_int_equal(as_frame_set_add(&s, f->frames + i * f->flen, f->flen), AS_FRAME_ADDED);
    }
    /* duplicates are recognised */
    assert_int_equal(as_frame_set_add(&s, f->frames + 1 * f->flen, f->flen), AS_FRAME_DUPLICATE);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    assert_non_null(b);
    assert_int_equal(as_frame_bundle_needed(b), 0);
    uint32_t repaired;
    as_error err = {0};
    assert_int_equal(as_frame_bundle_rebuild(b, &repaired, &err), 0);
    assert_int_equal(repaired, dropped);
    assert_memory_equal(b->blocks, f->sealed, sizeof f->sealed);
    assert_memory_equal(b->blocks + sizeof f->sealed, f->sig, sizeof f->sig);
    as_frame_set_free(&s);
}

static void conflicts_and_missing(void **state)
{
    fixture *f = *state;
    as_frame_set s;
    as_frame_set_init(&s);
    uint8_t *fr = malloc(f->flen);
    /* only the first half of the frames */
    for (uint32_t i = 0; i < f->n / 2; i++)
        as_frame_set_add(&s, f->frames + i * f->flen, f->flen);
    /* a different block for index 0, with a valid CRC: both are kept, apart */
    memcpy(fr, f->frames, f->flen);
    fr[AS_FRAME_HEADER] ^= 1;
    recrc(fr, f->flen);
    assert_int_equal(as_frame_set_add(&s, fr, f->flen), AS_FRAME_CONFLICT);
    assert_int_equal(as_frame_set_add(&s, f->frames, f->flen), AS_FRAME_DUPLICATE);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    assert_int_equal(b->pos[0].index, 0);
    assert_int_equal(b->pos[0].n, 2);
    assert_int_equal(b->contested, 1);
    uint32_t need = as_frame_bundle_needed(b);
    assert_true(need > 0);
    char list[4096];
    uint32_t count = as_frame_bundle_missing(b, list, sizeof list);
    assert_true(count >= need);
    /* frame 1 (index 0, conflicting) is among those asked for */
    assert_int_equal(strncmp(list, "1", 1), 0);
    uint32_t repaired;
    as_error err = {0};
    assert_int_equal(as_frame_bundle_rebuild(b, &repaired, &err), -1);
    assert_int_equal(err.code, AS_ERR_INCOMPLETE);
    /* a frame of another bundle is kept apart */
    memcpy(fr, f->frames + 5 * f->flen, f->flen);
    fr[as_frame_fields[AS_FF_BUNDLE].offset] ^= 0xff;
    recrc(fr, f->flen);
    assert_int_equal(as_frame_set_add(&s, fr, f->flen), AS_FRAME_ADDED);
    uint64_t others;
    assert_ptr_equal(as_frame_set_main(&s, &others), b);
    assert_int_equal(others, 1);
    /* a tiny message buffer is cut with an ellipsis, never overrun */
    char tiny[16];
    as_frame_bundle_missing(b, tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
    free(fr);
    as_frame_set_free(&s);
}

/* ---- bounded work whatever a frame claims; conflicting blocks kept apart ---- */

/* An encoder over a pseudo-random object of `size` bytes (signature 100 bytes). */
static uint8_t *make_object(as_frame_encoder *e, size_t size, uint32_t block, uint32_t seed)
{
    uint8_t *obj = malloc(size + 100);
    as_error err = {0};
    fill(obj, size + 100, seed);
    assert_int_equal(
        as_frame_encoder_init(e, bundle_id, obj, size, obj + size, 100, block, 30, &err), 0);
    return obj;
}

static void add_frame(as_frame_set *s, const as_frame_encoder *e, uint32_t i)
{
    uint8_t fr[AS_FRAME_HEADER + AS_FRAME_MAX_BLOCK];
    as_frame_encoder_frame(e, i, fr);
    (void)as_frame_set_add(s, fr, AS_FRAME_HEADER + e->l.block);
}

/* A frame with valid CRC and a random block for index i of e's bundle. */
static void add_junk(as_frame_set *s, const as_frame_encoder *e, uint32_t i, uint32_t seed)
{
    uint8_t fr[AS_FRAME_HEADER + AS_FRAME_MAX_BLOCK];
    as_frame_encoder_frame(e, i, fr);
    fill(fr + AS_FRAME_HEADER, e->l.block, seed);
    recrc(fr, AS_FRAME_HEADER + e->l.block);
    assert_int_equal(as_frame_set_add(s, fr, AS_FRAME_HEADER + e->l.block), AS_FRAME_CONFLICT);
}

typedef struct want_object {
    const uint8_t *obj;
    size_t len;
    unsigned calls;
} want_object;

/* Stands for the signature check: accepts only the genuine object. */
static int accept_genuine(void *ctx, const uint8_t *object, as_error *err)
{
    want_object *w = ctx;
    w->calls++;
    if (memcmp(object, w->obj, w->len) != 0)
        return as_fail(err, AS_ERR_SIGNATURE, "signature verification failed");
    return 0;
}

/* One tiny frame claiming a 64 MiB bundle in 16-byte blocks (about 4.2 million blocks):
 * adding it, counting what is needed and naming the missing frames cost nothing of that. */
static void huge_claim_is_cheap(void **state)
{
    (void)state;
    uint8_t fr[AS_FRAME_HEADER + 16] = {0};
    as_frame_header h = {
        .sealed_size = AS_FRAME_MAX_OBJECT, .sig_size = 1, .block = 16, .pct = 100};
    as_ec_layout l;
    as_frame_layout(&h, &l);
    h.k = l.k_total;
    h.m = l.m_total;
    h.index = l.k_total + l.m_total - 1; /* the last parity block: the deepest parity row */
    memcpy(h.bundle, bundle_id, AS_FRAME_ID_LEN);
    as_frame_format(fr, &h, fr + AS_FRAME_HEADER);
    as_frame_set s;
    as_frame_set_init(&s);
    assert_int_equal(as_frame_set_add(&s, fr, sizeof fr), AS_FRAME_ADDED);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    assert_int_equal(as_frame_bundle_needed(b), l.k_total - 1);
    char list[128];
    uint32_t n = l.k_total + l.m_total;
    assert_int_equal(as_frame_bundle_missing(b, list, sizeof list), n - 1);
    char want[64];
    snprintf(want, sizeof want, "1-%u", n - 1);
    assert_string_equal(list, want);
    uint32_t repaired;
    as_error err = {0};
    assert_int_equal(as_frame_bundle_rebuild(b, &repaired, &err), -1);
    assert_int_equal(err.code, AS_ERR_INCOMPLETE);
    /* about 33000 stripes: the parity index of each is found in constant time */
    for (uint32_t st = 0; st < l.stripes; st++) {
        uint32_t ps, pj;
        as_ec_parity_coords(&l, as_ec_parity_index(&l, st, 0), &ps, &pj);
        assert_int_equal(ps, st);
    }
    as_frame_set_free(&s);
}

/* Junk blocks with genuine headers for EVERY index, read before the genuine ones, over three
 * stripes: the genuine object is found among the combinations, and the signature-like check
 * is called a bounded number of times. */
static void junk_everywhere_first(void **state)
{
    (void)state;
    as_frame_encoder e;
    uint8_t *obj = make_object(&e, 9000, 16, 7);
    uint32_t n = e.l.k_total + e.l.m_total;
    assert_true(e.l.stripes >= 3);
    as_frame_set s;
    as_frame_set_init(&s);
    uint8_t fr[AS_FRAME_HEADER + 16];
    for (uint32_t i = 0; i < n; i++) {
        as_frame_encoder_frame(&e, i, fr);
        fill(fr + AS_FRAME_HEADER, 16, 1000 + i);
        recrc(fr, sizeof fr);
        assert_int_equal(as_frame_set_add(&s, fr, sizeof fr), AS_FRAME_ADDED);
    }
    for (uint32_t i = 0; i < n; i++)
        add_frame(&s, &e, i);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    assert_int_equal(b->contested, n);
    want_object w = {obj, 9100, 0};
    uint32_t repaired;
    as_error err = {0};
    assert_int_equal(as_frame_bundle_solve(b, accept_genuine, &w, &repaired, &err), 0);
    assert_memory_equal(b->blocks, obj, 9100);
    assert_true(w.calls <= AS_FRAME_MAX_ATTEMPTS);
    as_frame_set_free(&s);
    as_frame_encoder_free(&e);
    free(obj);
}

/* A forged stripe that is a consistent codeword of the real code (only the signature can
 * tell), read first, then every genuine frame: the combinations reach the genuine object. */
static void consistent_forged_stripe(void **state)
{
    (void)state;
    as_frame_encoder e, fake;
    uint8_t *obj = make_object(&e, 9000, 16, 7);
    uint8_t *forged = malloc(9100);
    memcpy(forged, obj, 9100);
    for (uint32_t r = 0; r < as_ec_stripe_k(&e.l, 1); r++)
        forged[as_ec_data_index(&e.l, 1, r) * 16] ^= 0x5a; /* stripe 1 only */
    as_error err = {0};
    assert_int_equal(
        as_frame_encoder_init(&fake, bundle_id, forged, 9000, forged + 9000, 100, 16, 30, &err), 0);
    as_frame_set s;
    as_frame_set_init(&s);
    uint32_t n = e.l.k_total + e.l.m_total;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t st, row;
        if (i < e.l.k_total)
            st = i % e.l.stripes;
        else
            as_ec_parity_coords(&e.l, i - e.l.k_total, &st, &row);
        if (st == 1)
            add_frame(&s, &fake, i);
    }
    for (uint32_t i = 0; i < n; i++)
        add_frame(&s, &e, i);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    want_object w = {obj, 9100, 0};
    uint32_t repaired;
    assert_int_equal(as_frame_bundle_solve(b, accept_genuine, &w, &repaired, &err), 0);
    assert_memory_equal(b->blocks, obj, 9100);
    assert_true(w.calls >= 2 && w.calls <= AS_FRAME_MAX_ATTEMPTS);
    as_frame_set_free(&s);
    as_frame_encoder_free(&e);
    as_frame_encoder_free(&fake);
    free(forged);
    free(obj);
}

/* Junk at an index whose genuine frame was never read, and junk read in the cache: parity
 * outvotes the first, a fresh block outranks the second; with every frame junk-contested and
 * nothing fresh, the rebuild fails and names the contested frames; rescanning them (fresh,
 * the rest from the cache) completes it. */
static void cache_poisoning_and_rescan(void **state)
{
    (void)state;
    as_frame_encoder e;
    uint8_t *obj = make_object(&e, 9000, 16, 9);
    uint32_t n = e.l.k_total + e.l.m_total;
    want_object w = {obj, 9100, 0};
    uint32_t repaired;
    as_error err = {0};
    /* a lone junk block where the genuine one is missing */
    as_frame_set s;
    as_frame_set_init(&s);
    uint8_t fr[AS_FRAME_HEADER + 16];
    for (uint32_t i = 1; i < n; i++)
        add_frame(&s, &e, i);
    as_frame_encoder_frame(&e, 0, fr);
    fill(fr + AS_FRAME_HEADER, 16, 77);
    recrc(fr, sizeof fr);
    assert_int_equal(as_frame_set_add(&s, fr, sizeof fr), AS_FRAME_ADDED);
    assert_int_equal(
        as_frame_bundle_solve(as_frame_set_main(&s, NULL), accept_genuine, &w, &repaired, &err), 0);
    as_frame_set_free(&s);
    /* the cache holds junk and genuine for every index, in an order no view untangles:
     * junk first for even indices, genuine first for odd ones */
    as_frame_set_init(&s);
    s.cached = true;
    for (uint32_t i = 0; i < n; i++) {
        if (i % 2)
            add_frame(&s, &e, i);
        as_frame_encoder_frame(&e, i, fr);
        fill(fr + AS_FRAME_HEADER, 16, 5000 + i);
        recrc(fr, sizeof fr);
        (void)as_frame_set_add(&s, fr, sizeof fr);
        if (i % 2 == 0)
            add_frame(&s, &e, i);
    }
    /* hundreds of junk blocks for index 3: the candidates stay bounded */
    for (uint32_t j = 0; j < 300; j++)
        add_junk(&s, &e, 3, 90000 + j);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    assert_int_equal(b->pos[3].n, AS_FRAME_MAX_CANDIDATES);
    assert_int_equal(as_frame_bundle_solve(b, accept_genuine, &w, &repaired, &err), -1);
    char list[256];
    assert_int_equal(as_frame_bundle_missing(b, list, sizeof list), n);
    /* the rescan: every named frame read fresh */
    s.cached = false;
    for (uint32_t i = 0; i < n; i++)
        add_frame(&s, &e, i);
    as_error_clear(&err);
    assert_int_equal(as_frame_bundle_solve(b, accept_genuine, &w, &repaired, &err), 0);
    assert_memory_equal(b->blocks, obj, 9100);
    as_frame_set_free(&s);
    as_frame_encoder_free(&e);
    free(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_known_answer),
        cmocka_unit_test(layout_table_known_answer),
        cmocka_unit_test_setup_teardown(header_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(bit_flips_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(collect_and_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(conflicts_and_missing, setup, teardown),
        cmocka_unit_test(huge_claim_is_cheap),
        cmocka_unit_test(junk_everywhere_first),
        cmocka_unit_test(consistent_forged_stripe),
        cmocka_unit_test(cache_poisoning_and_rescan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

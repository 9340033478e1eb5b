/* test_frame.c: QR frame format, encoder and collector (common/transport/frame.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/transport/frame.h"

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

/* Rewrites header fields with a valid CRC: the layout checks must refuse them. */
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void recrc(uint8_t *fr, size_t len)
{
    uint32_t c = as_crc32(0, fr, 37);
    put32(fr + 37, as_crc32(c, fr + AS_FRAME_HEADER, len - AS_FRAME_HEADER));
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
    put32(fr + 25, 0xffffffffu);
    recrc(fr, f->flen);
    assert_int_equal(as_frame_parse(&h, &block, fr, f->flen, &err), -1);
    assert_non_null(strstr(err.msg, "inconsistent"));
    /* index beyond the blocks */
    as_error_clear(&err);
    memcpy(fr, f->frames, f->flen);
    put32(fr + 33, f->n);
    recrc(fr, f->flen);
    assert_int_equal(as_frame_parse(&h, &block, fr, f->flen, &err), -1);
    /* a bundle over the cap */
    as_error_clear(&err);
    memcpy(fr, f->frames, f->flen);
    put32(fr + 12, 1);
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
    /* a different block for index 0, with a valid CRC: both are dropped */
    memcpy(fr, f->frames, f->flen);
    fr[AS_FRAME_HEADER] ^= 1;
    recrc(fr, f->flen);
    assert_int_equal(as_frame_set_add(&s, fr, f->flen), AS_FRAME_CONFLICT);
    assert_int_equal(as_frame_set_add(&s, f->frames, f->flen), AS_FRAME_CONFLICT);
    as_frame_bundle *b = as_frame_set_main(&s, NULL);
    assert_int_equal(b->state[0], 2);
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
    fr[4] ^= 0xff;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_known_answer),
        cmocka_unit_test_setup_teardown(header_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(bit_flips_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(collect_and_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(conflicts_and_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

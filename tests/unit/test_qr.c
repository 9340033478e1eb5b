/*
 * test_qr.c: the image module (common/image/): QR encode -> PNG -> load -> decode round trips
 * (bytes of every value, alphanumeric text), known capacities, the budgets that refuse a
 * hostile image before allocating for it, images that are not images, and the grey-level
 * transforms (shrink, crisp reduction, Otsu threshold) on known inputs.
 */
#include "helpers.h"

#include <zlib.h>

#include "common/image/image.h"
#include "common/image/qr.h"

/* Collects every symbol decoded. */
typedef struct symbols {
    uint8_t data[4][3000];
    size_t len[4];
    int n;
} symbols;

static int collect(void *ctx, const uint8_t *data, size_t len)
{
    symbols *s = ctx;
    if (s->n < 4 && len <= sizeof s->data[0]) {
        memcpy(s->data[s->n], data, len);
        s->len[s->n] = len;
    }
    s->n++;
    return 0;
}

/* Encodes q as a PNG in memory and loads it back. */
static void png_roundtrip(const as_qr *q, int scale, as_image *img)
{
    as_buf png;
    as_buf_writer w;
    as_error err = {0};
    as_buf_init(&png, 1u << 24);
    as_buf_writer_init(&w, &png);
    assert_int_equal(as_qr_write_png(q, scale, 4, &w.base, &err), 0);
    assert_int_equal(as_image_load_mem(img, png.data, png.len, &err), 0);
    assert_int_equal(img->width, (q->width + 8) * scale);
    as_buf_free(&png);
}

static void capacity_known_answers(void **state)
{
    (void)state;
    /* ISO/IEC 18004 table 7, byte mode */
    assert_int_equal(as_qr_capacity(1, AS_ECC_L), 17);
    assert_int_equal(as_qr_capacity(1, AS_ECC_H), 7);
    assert_int_equal(as_qr_capacity(25, AS_ECC_M), 997);
    assert_int_equal(as_qr_capacity(40, AS_ECC_L), 2953);
}

/* Every byte value survives: zbar must be in binary mode, and no ECI may be written. */
static void binary_roundtrip(void **state)
{
    (void)state;
    uint8_t data[600];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 8));
    as_qr q;
    as_image img;
    as_qr_decoder d;
    as_error err = {0};
    assert_int_equal(as_qr_encode(&q, data, sizeof data, 0, AS_ECC_M, &err), 0);
    assert_true(as_qr_capacity(q.version, AS_ECC_M) >= sizeof data);
    assert_true(q.version == 1 || as_qr_capacity(q.version - 1, AS_ECC_M) < sizeof data);
    png_roundtrip(&q, 3, &img);
    assert_int_equal(as_qr_decoder_init(&d, &err), 0);
    symbols s = {0};
    assert_int_equal(as_qr_decode(&d, &img, collect, &s, &err), 1);
    assert_int_equal(s.len[0], sizeof data);
    assert_memory_equal(s.data[0], data, sizeof data);
    as_qr_decoder_free(&d);
    as_image_free(&img);
    as_qr_free(&q);
}

/* Alphanumeric mode: the text comes back; a character outside the set is refused. */
static void alnum_roundtrip(void **state)
{
    (void)state;
    static const char key[] = "AGE1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS3TFWPX";
    as_qr q;
    as_image img;
    as_error err = {0};
    assert_int_equal(as_qr_encode_alnum(&q, key, AS_ECC_M, &err), 0);
    png_roundtrip(&q, 4, &img);
    symbols s = {0};
    assert_int_equal(as_qr_decode_photo(&img, collect, &s, &err), 1);
    assert_int_equal(s.len[0], strlen(key));
    assert_memory_equal(s.data[0], key, strlen(key));
    as_qr_free(&q);
    assert_int_equal(as_qr_encode_alnum(&q, "age1lower", AS_ECC_M, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
}

/* A PNG chunk: length, type, data, CRC over type and data. */
static size_t png_chunk(uint8_t *out, const char *type, const uint8_t *data, uint32_t n)
{
    as_store_u32be(out, n);
    memcpy(out + 4, type, 4);
    if (n > 0)
        memcpy(out + 8, data, n);
    as_store_u32be(out + 8 + n, (uint32_t)crc32(crc32(0, out + 4, 4), data, n));
    return 12 + n;
}

/* A grey 8-bit PNG header of w x h with a tiny IDAT: under 100 bytes. */
static size_t claim_png(uint8_t *out, uint32_t w, uint32_t h)
{
    uint8_t ihdr[13] = {0}, zeros[72] = {0},
            idat[128]; /* 8 rows of 8, each after its filter byte */
    uLongf zn = sizeof idat;
    as_store_u32be(ihdr, w);
    as_store_u32be(ihdr + 4, h);
    ihdr[8] = 8; /* bit depth; colour type 0, grey */
    assert_int_equal(compress(idat, &zn, zeros, sizeof zeros), Z_OK);
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    size_t n = 8;
    n += png_chunk(out + n, "IHDR", ihdr, sizeof ihdr);
    n += png_chunk(out + n, "IDAT", idat, (uint32_t)zn);
    n += png_chunk(out + n, "IEND", NULL, 0);
    return n;
}

/* Budgets and non-images, one row each: what is refused, with which code and words. */
static void hostile_images_table(void **state)
{
    (void)state;
    uint8_t huge[256], wide[256], real[256];
    size_t nhuge = claim_png(huge, 100000, 100000), nwide = claim_png(wide, 20000, 2);
    size_t nreal = claim_png(real, 8, 8);
    static const uint8_t jpeg_head[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F'};
    const struct {
        const char *what;
        const uint8_t *data;
        size_t len;
        as_errcode code;
        const char *words;
    } rows[] = {
        {"100000 x 100000 header", huge, nhuge, AS_ERR_LIMIT, "oversized PNG image"},
        {"a side over the cap", wide, nwide, AS_ERR_LIMIT, "oversized PNG image"},
        {"text", (const uint8_t *)"hello, world\n", 13, AS_ERR_FORMAT, "not a PNG or JPEG"},
        {"empty", (const uint8_t *)"", 0, AS_ERR_FORMAT, "not a PNG or JPEG"},
        {"PNG cut after its header", real, 33, AS_ERR_FORMAT, "damaged or unsupported PNG"},
        {"JPEG magic and nothing", jpeg_head, sizeof jpeg_head, AS_ERR_FORMAT, "JPEG"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        as_image img = {0};
        as_error err = {0};
        assert_int_equal(as_image_load_mem(&img, rows[i].data, rows[i].len, &err), -1);
        if (err.code != rows[i].code || strstr(err.msg, rows[i].words) == NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].what, err.code, err.msg);
        assert_null(img.px);
    }
    /* the same bytes with a sane size load */
    as_image img;
    as_error err = {0};
    assert_int_equal(as_image_load_mem(&img, real, nreal, &err), 0);
    assert_int_equal(img.width, 8);
    as_image_free(&img);
}

/* Shrinking averages whole blocks; Otsu separates two tones; thresholding applies it. */
static void grey_transforms_known_answers(void **state)
{
    (void)state;
    uint8_t px[16] = {0, 2, 100, 100, 4, 2, 100, 100, 50, 50, 200, 204, 50, 50, 200, 200};
    as_image img = {.width = 4, .height = 4, .px = malloc(16)};
    memcpy(img.px, px, 16);
    assert_int_equal(as_image_shrink(&img, 16), 0); /* within budget: unchanged */
    assert_int_equal(img.width, 4);
    assert_int_equal(as_image_shrink(&img, 4), 0);
    assert_int_equal(img.width, 2);
    assert_int_equal(img.height, 2);
    static const uint8_t want[4] = {2, 100, 50, 201};
    assert_memory_equal(img.px, want, 4);
    as_image_free(&img);

    uint8_t two[8] = {10, 10, 10, 10, 200, 200, 200, 200};
    as_image t = {.width = 8, .height = 1, .px = two}, bw = {.width = 8, .height = 1};
    int level = as_image_otsu_level(&t);
    assert_true(level >= 10 && level < 200);
    uint8_t out[8];
    bw.px = out;
    as_image_threshold(&t, &bw, level);
    static const uint8_t bwant[8] = {0, 0, 0, 0, 255, 255, 255, 255};
    assert_memory_equal(out, bwant, 8);
}

/* A pristine code at 5 pixels a module is resampled to exactly 2, and still decodes; a
 * photo-like image (grey pixels) is left alone. */
static void crisp_reduction(void **state)
{
    (void)state;
    as_qr q;
    as_image img, small = {0};
    as_error err = {0};
    assert_int_equal(as_qr_encode(&q, (const uint8_t *)"crisp", 5, 0, AS_ECC_M, &err), 0);
    png_roundtrip(&q, 5, &img);
    assert_int_equal(as_image_reduce_crisp(&img, &small), 1);
    assert_int_equal(small.width, (q.width + 8) * 2);
    symbols s = {0};
    assert_int_equal(as_qr_decode_photo(&small, collect, &s, &err), 1);
    assert_memory_equal(s.data[0], "crisp", 5);
    img.px[0] = 128;
    assert_int_equal(as_image_reduce_crisp(&img, &small), 0);
    as_image_free(&img);
    as_qr_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capacity_known_answers),
        cmocka_unit_test(binary_roundtrip),
        cmocka_unit_test(alnum_roundtrip),
        cmocka_unit_test(hostile_images_table),
        cmocka_unit_test(grey_transforms_known_answers),
        cmocka_unit_test(crisp_reduction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

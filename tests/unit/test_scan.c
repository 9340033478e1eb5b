/*
 * test_scan.c: reading QR frames from image files (common/transport/scan.c): listing the
 * images among sources, then decoding generated frame PNGs with two threads into a frame set,
 * alongside unreadable files and an image without a code, with every count checked.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/image/qr.h"
#include "common/transport/frame_encode.h"
#include "common/transport/scan.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-scan-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return as_remove_tree(tmpdir, NULL);
}

static const char *tmp(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void put_file(const char *name, const void *data, size_t n)
{
    as_error err = {0};
    assert_int_equal(as_file_write_atomic(tmp(name), data, n, 0644, &err), 0);
}

/* Writes every frame of e as frame-NNNNN.png, and returns how many. */
static uint32_t write_frames(const as_frame_encoder *e)
{
    uint32_t n = e->l.k_total + e->l.m_total;
    uint8_t fr[AS_FRAME_HEADER + 256];
    for (uint32_t i = 0; i < n; i++) {
        as_qr q;
        as_error err = {0};
        char name[32];
        as_frame_encoder_frame(e, i, fr);
        assert_int_equal(as_qr_encode(&q, fr, AS_FRAME_HEADER + e->l.block, 0, AS_ECC_M, &err), 0);
        snprintf(name, sizeof name, "frame-%05u.png", i + 1);
        assert_int_equal(as_qr_save_png(&q, 3, 4, tmp(name), &err), 0);
        as_qr_free(&q);
    }
    return n;
}

/* A blank white PNG: an image, but no code in it. */
static void write_blank(const char *name)
{
    uint8_t modules[21 * 21] = {0};
    as_qr blank = {.version = 1, .width = 21, .modules = modules};
    as_error err = {0};
    assert_int_equal(as_qr_save_png(&blank, 4, 4, tmp(name), &err), 0);
}

static void scan_folder_with_stats(void **state)
{
    (void)state;
    uint8_t sealed[1500], sig[100];
    fill_seeded(sealed, sizeof sealed, 3);
    fill_seeded(sig, sizeof sig, 4);
    const uint8_t id[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    as_frame_encoder e;
    as_error err = {0};
    assert_int_equal(
        as_frame_encoder_init(&e, id, sealed, sizeof sealed, sig, sizeof sig, 200, 30, &err), 0);
    uint32_t nframes = write_frames(&e);
    write_blank("blank.png");
    /* two unreadable images: PNG and JPEG magic, then nothing an image is made of */
    put_file("bad-1.png",
             "\x89PNG\r\n\x1a\n"
             "not really",
             18);
    put_file("bad-2.jpg",
             "\xff\xd8\xff"
             "garbage garbage",
             18);
    put_file("notes.txt", "not an image\n", 13);  /* not listed: no image magic */
    assert_int_equal(mkdir(tmp("sub"), 0700), 0); /* folders are not descended into */
    put_file("sub/frame-99999.png", "\x89PNG\r\n\x1a\n", 8);

    char *src[] = {tmpdir};
    char **paths;
    long n = as_scan_list_images(src, 1, &paths, &err);
    assert_int_equal(n, nframes + 3);
    assert_non_null(strstr(paths[0], "/bad-1.png")); /* sorted by path */
    assert_non_null(strstr(paths[n - 1], "/frame-"));
    assert_true(as_scan_is_image(paths[0]));
    assert_false(as_scan_is_image(tmp("notes.txt")));

    as_frame_set set;
    as_scan_stats st = {0};
    as_frame_set_init(&set);
    assert_int_equal(as_scan_images(paths, (size_t)n, 2, &set, &st, NULL, &err), 0);
    assert_int_equal(st.images, nframes + 3);
    assert_int_equal(st.unreadable, 2);
    assert_int_equal(st.no_code, 1); /* the blank one, and not the unreadable ones */
    assert_int_equal(st.symbols, nframes);
    assert_non_null(strstr(st.first_unreadable, "/bad-"));
    assert_int_equal(set.added, nframes);
    assert_int_equal(set.corrupt, 0);
    as_frame_bundle *b = as_frame_set_main(&set, NULL);
    assert_non_null(b);
    uint32_t repaired;
    assert_int_equal(as_frame_bundle_rebuild(b, &repaired, &err), 0);
    assert_int_equal(repaired, 0);
    assert_memory_equal(b->blocks, sealed, sizeof sealed);
    assert_memory_equal(b->blocks + sizeof sealed, sig, sizeof sig);
    as_frame_set_free(&set);
    as_scan_free_list(paths, (size_t)n);
    as_frame_encoder_free(&e);
}

/* A source that is neither a file nor a folder that exists is refused by name. */
static void missing_source_refused(void **state)
{
    (void)state;
    char *src[] = {(char *)tmp("no-such-folder")};
    char **paths = NULL;
    as_error err = {0};
    assert_int_equal(as_scan_list_images(src, 1, &paths, &err), -1);
    assert_non_null(strstr(err.msg, "no-such-folder"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(scan_folder_with_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_source_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

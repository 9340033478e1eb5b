/*
 * fuzz_image: the image path of a QR import. The input is one file as an operator might
 * hand it over (PNG or JPEG, by its magic bytes): decoded within the budgets of qr.h, shrunk
 * to the scan budget, offered to the exact resampler for pristine frames, and scanned by
 * zbar for QR codes; every decoded payload also goes into a frame set. A failure must be one
 * line of ours (the libraries print nothing); libFuzzer's -timeout and -rss_limit_mb (see
 * run-fuzz.sh) hold the time and memory budgets to account.
 */
#include "tests/fuzz/fuzz.h"

#include "common/transport/frame_collect.h"
#include "common/image/qr.h"

static int on_symbol(void *ctx, const uint8_t *data, size_t len)
{
    (void)as_frame_set_add(ctx, data, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static as_qr_decoder dec;
    as_error e = {0};
    if (dec.scanner == NULL && as_qr_decoder_init(&dec, &e) != 0)
        abort();
    as_image img;
    int rc = as_image_load_mem(&img, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc != 0)
        return 0;
    if ((uint64_t)img.width * (uint64_t)img.height > AS_IMAGE_MAX_PIXELS)
        abort(); /* the pixel budget was not enforced */
    if (as_image_shrink(&img, AS_IMAGE_SCAN_PIXELS) != 0) {
        as_image_free(&img);
        return 0;
    }
    if ((uint64_t)img.width * (uint64_t)img.height > AS_IMAGE_SCAN_PIXELS)
        abort();
    as_frame_set set;
    as_frame_set_init(&set);
    as_image small = {0};
    if (as_image_reduce_crisp(&img, &small) == 1) {
        (void)as_qr_decode(&dec, &small, on_symbol, &set, &e);
        as_image_free(&small);
    }
    as_error_clear(&e);
    rc = as_qr_decode(&dec, &img, on_symbol, &set, &e);
    fuzz_check_error(rc < 0 ? -1 : 0, &e);
    as_frame_set_free(&set);
    as_image_free(&img);
    return 0;
}

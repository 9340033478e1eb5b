/*
 * fuzz_frame: QR frame payloads and the collector. The input is a sequence of frames, each
 * prefixed by a 2-byte big-endian length whose top bit says "read from the scan cache" (the
 * rest is the length); every frame goes through the header parser and into a frame set, and
 * when a bundle has every block it needs, it is rebuilt with a verifier that refuses most
 * objects (so that the ranked combinations are tried), then the frames to rescan are named.
 * Cost must stay linear in the input whatever layout a frame claims: libFuzzer's -timeout
 * and -rss_limit_mb (run-fuzz.sh) enforce it.
 */
#include "tests/fuzz/fuzz.h"

#include "common/transport/frame_collect.h"

/* Accepts an object only when its first bytes make a multiple of 7: most attempts fail. */
static int picky(void *ctx, const uint8_t *object, as_error *err)
{
    (void)ctx;
    if ((object[0] | object[1] << 8) % 7 != 0)
        return as_fail(err, AS_ERR_SIGNATURE, "signature verification failed");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_frame_set set;
    as_frame_set_init(&set);
    size_t at = 0;
    while (size - at >= 2) {
        size_t len = (size_t)(data[at] & 0x7f) << 8 | data[at + 1];
        set.cached = (data[at] & 0x80) != 0;
        at += 2;
        if (len > size - at)
            len = size - at;
        as_frame_header h;
        const uint8_t *block;
        as_error e = {0};
        fuzz_check_error(as_frame_parse(&h, &block, data + at, len, &e), &e);
        (void)as_frame_set_add(&set, data + at, len);
        at += len;
    }
    uint64_t others;
    as_frame_bundle *b = as_frame_set_main(&set, &others);
    if (b != NULL) {
        char missing[256];
        (void)as_frame_bundle_missing(b, missing, sizeof missing);
        if (as_frame_bundle_needed(b) == 0) {
            uint32_t repaired;
            as_error e = {0};
            int rc = as_frame_bundle_solve(b, picky, NULL, &repaired, &e);
            fuzz_check_error(rc, &e);
            if (rc != 0)
                (void)as_frame_bundle_missing(b, missing, sizeof missing);
        }
    }
    as_frame_set_free(&set);
    return 0;
}

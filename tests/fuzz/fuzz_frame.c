/*
 * fuzz_frame: QR frame payloads. The input is a sequence of frames, each prefixed by a 2-byte
 * big-endian length; every frame goes through the header parser and into a frame set, and
 * when a bundle has every block it needs, it is rebuilt (the erasure decoder).
 */
#include "tests/fuzz/fuzz.h"

#include "common/transport/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_frame_set set;
    as_frame_set_init(&set);
    size_t at = 0;
    while (size - at >= 2) {
        size_t len = (size_t)data[at] << 8 | data[at + 1];
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
            fuzz_check_error(as_frame_bundle_rebuild(b, &repaired, &e), &e);
        }
    }
    as_frame_set_free(&set);
    return 0;
}

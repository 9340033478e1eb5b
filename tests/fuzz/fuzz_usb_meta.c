/* fuzz_usb_meta: USB bundle metadata: part file headers and bundle.index. */
#include "tests/fuzz/fuzz.h"

#include "common/transport/usb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_part_header h;
    as_error e = {0};
    fuzz_check_error(as_part_header_parse(&h, data, size, &e), &e);
    as_usb_index ix;
    as_error e2 = {0};
    memset(&ix, 0, sizeof ix);
    int rc = as_usb_index_parse(&ix, data, size, &e2);
    fuzz_check_error(rc, &e2);
    if (rc == 0)
        as_usb_index_free(&ix);
    return 0;
}

/* fuzz_receipt: receipt text, and the text/signature split of a receipt QR payload. */
#include "tests/fuzz/fuzz.h"

#include "common/station/receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_receipt r;
    as_error e = {0};
    fuzz_check_error(as_receipt_parse(&r, data, size, &e), &e);
    size_t tlen;
    as_error e2 = {0};
    int rc = as_receipt_split(data, size, &tlen, &e2);
    fuzz_check_error(rc, &e2);
    if (rc == 0 && tlen > size)
        abort();
    return 0;
}

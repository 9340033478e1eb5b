/* fuzz_trust: the station's trust store (trusted-signers.txt). */
#include "tests/fuzz/fuzz.h"

#include "common/station/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_trust_store ts;
    as_error e = {0};
    memset(&ts, 0, sizeof ts);
    int rc = as_trust_parse(&ts, data, size, &e);
    fuzz_check_error(rc, &e);
    as_trust_free(&ts);
    return 0;
}

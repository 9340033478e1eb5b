/* fuzz_age_header: the age v1 header parser (version line, stanzas, MAC line). */
#include "tests/fuzz/fuzz.h"

#include "common/crypto/age.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_age_header h;
    as_error e = {0};
    memset(&h, 0, sizeof h);
    int rc = as_age_header_parse(&h, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0)
        as_age_header_free(&h);
    return 0;
}

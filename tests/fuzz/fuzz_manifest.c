/* fuzz_manifest: the manifest parser and its checks (paths, duplicates, case collisions). */
#include "tests/fuzz/fuzz.h"

#include "common/bundle/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_manifest m;
    as_error e = {0};
    memset(&m, 0, sizeof m);
    int rc = as_manifest_parse(&m, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0)
        as_manifest_free(&m);
    return 0;
}

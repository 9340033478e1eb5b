/* fuzz_armor: the ASCII armor decoder (age's strict PEM profile), read to the end. */
#include "tests/fuzz/fuzz.h"

#include "common/core/io.h"
#include "common/crypto/armor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_mem_reader src;
    as_armor_reader ar;
    as_error e = {0};
    as_mem_reader_init(&src, data, size);
    as_armor_reader_init(&ar, &src.base);
    (void)as_armor_detect(data, size);
    uint8_t buf[4096];
    ssize_t n;
    while ((n = as_read(&ar.base, buf, sizeof buf, &e)) > 0)
        ;
    fuzz_check_error(n < 0 ? -1 : 0, &e);
    return 0;
}

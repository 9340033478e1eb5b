/* fuzz_age_keys: age identity files, and recipient and identity strings (Bech32). */
#include "tests/fuzz/fuzz.h"

#include "common/crypto/age_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_error e = {0};
    as_age_identity_list ids;
    memset(&ids, 0, sizeof ids);
    int rc = as_age_identity_file_parse(&ids, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0)
        as_age_identity_list_free(&ids);

    char *text = fuzz_text(data, size);
    as_age_recipient r;
    as_error e2 = {0};
    fuzz_check_error(as_age_recipient_parse(&r, text, size, &e2), &e2);
    as_error e3 = {0};
    as_age_identity *id = as_age_identity_parse(text, size, &e3);
    fuzz_check_error(id == NULL ? -1 : 0, &e3);
    as_age_identity_free(id);
    free(text);
    return 0;
}

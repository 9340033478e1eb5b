/*
 * fuzz_age_stream: a whole age file (binary or armored) opened with a fixed X25519 identity
 * and read to the end: header, stanza unwrap, MAC, STREAM chunks, armor. The seed corpus holds
 * files encrypted to this identity, so mutations reach the payload.
 */
#include "tests/fuzz/fuzz.h"

#include "common/core/io.h"
#include "common/crypto/age.h"
#include "common/crypto/age_keys.h"

/* A test identity, public in this repository; its recipient is in tests/fuzz/README.md. */
static const char IDENTITY[] =
    "AGE-SECRET-KEY-1MHK83UCPCRUCM3G47KQYHR26CG67NFHULQMNH60H63VR83V52YVSXH8Y5W";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static as_age_identity *id;
    as_error e = {0};
    if (id == NULL && (id = as_age_identity_parse(IDENTITY, sizeof IDENTITY - 1, &e)) == NULL)
        abort();
    as_age_identity *ids[1] = {id};
    as_age_keyring keys = {.identities = ids, .nidentities = 1};
    fuzz_decrypt_all(data, size, &keys);
    return 0;
}

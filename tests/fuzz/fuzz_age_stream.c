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
    as_mem_reader src;
    as_mem_reader_init(&src, data, size);
    as_age_identity *ids[1] = {id};
    as_age_keyring keys = {.identities = ids, .nidentities = 1};
    as_age_decryptor *d = as_age_decrypt_open(&src.base, &keys, AS_AGE_ARMOR_AUTO, &e);
    if (d == NULL) {
        fuzz_check_error(-1, &e);
        return 0;
    }
    uint8_t buf[16384];
    ssize_t n;
    while ((n = as_read(as_age_decryptor_reader(d), buf, sizeof buf, &e)) > 0)
        ;
    fuzz_check_error(n < 0 ? -1 : 0, &e);
    as_age_decryptor_free(d);
    return 0;
}

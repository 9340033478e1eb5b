/*
 * fuzz_age_pq: age's post-quantum hybrid side: the input as an `age1pq1...` recipient and an
 * `AGE-SECRET-KEY-PQ-1...` identity string, and as a whole age file opened with a fixed hybrid
 * identity (mlkem768x25519 stanza unwrap through X-Wing and HPKE, MAC, payload). The seeds are
 * the C2SP hybrid vectors, encrypted to this identity, so mutations reach every stage.
 */
#include "tests/fuzz/fuzz.h"

#include "common/core/io.h"
#include "common/crypto/age.h"
#include "common/crypto/age_keys.h"

/* The identity of the C2SP age vectors `hybrid*` (tests/vectors/age), public test data. */
static const char IDENTITY[] =
    "AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7PU2LHT8EH9W6YLNC3SW78XKG";

static void keys(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    as_age_pq_recipient *r = malloc(sizeof *r);
    as_error e = {0}, e2 = {0};
    if (r == NULL)
        abort();
    fuzz_check_error(as_age_pq_recipient_parse(r, text, size, &e), &e);
    as_age_pq_identity *id = as_age_pq_identity_parse(text, size, &e2);
    fuzz_check_error(id == NULL ? -1 : 0, &e2);
    as_age_pq_identity_free(id);
    free(r);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static as_age_pq_identity *id;
    as_error e = {0};
    if (id == NULL && (id = as_age_pq_identity_parse(IDENTITY, sizeof IDENTITY - 1, &e)) == NULL)
        abort();
    keys(data, size);
    as_age_pq_identity *ids[1] = {id};
    as_age_keyring kr = {.pq_identities = ids, .npq_identities = 1};
    fuzz_decrypt_all(data, size, &kr);
    return 0;
}

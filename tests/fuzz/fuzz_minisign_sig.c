/*
 * fuzz_minisign_sig: minisign signature files, verified (ED and legacy Ed) against a fixed
 * test key over a fixed message, and their trusted comment read as an airseal bundle comment.
 * Seeds are signatures by tests/fuzz/keys/fuzz.key over tests/fuzz/keys/message.txt.
 */
#include "tests/fuzz/fuzz.h"

#include "common/bundle/bundle.h"
#include "common/crypto/minisign.h"

static const char PUBKEY[] = "RWTO09twBEP35NCmUC7fh12ZV24FrODRQ8HAvdHvoy2HL4RVsnkjhASU";
static const char MESSAGE[] = "airseal fuzz message\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static as_mini_pubkey pk;
    static uint8_t prehash[AS_MINI_PREHASH_LEN];
    static int ready;
    as_error e = {0};
    if (!ready) {
        if (as_mini_pubkey_parse_b64(&pk, PUBKEY, sizeof PUBKEY - 1, &e) != 0)
            abort();
        as_mini_prehash h;
        as_mini_prehash_init(&h);
        as_mini_prehash_update(&h, MESSAGE, sizeof MESSAGE - 1);
        as_mini_prehash_final(&h, prehash);
        ready = 1;
    }
    as_mini_sig sig;
    int rc = as_mini_sig_parse(&sig, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc != 0)
        return 0;
    as_error e2 = {0};
    fuzz_check_error(
        as_mini_verify(&pk, &sig, prehash, (const uint8_t *)MESSAGE, sizeof MESSAGE - 1, true, &e2),
        &e2);
    as_bundle_comment c;
    as_error e3 = {0};
    fuzz_check_error(as_bundle_comment_parse(&c, sig.trusted, &e3), &e3);
    return 0;
}

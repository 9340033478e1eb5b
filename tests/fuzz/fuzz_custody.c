/*
 * fuzz_custody: a custody log verified against the station key its first entry names (or a
 * fixed test key when it names none), every entry visited.
 */
#include "tests/fuzz/fuzz.h"

#include "common/station/custody.h"

static const char PUBKEY[] = "RWTO09twBEP35NCmUC7fh12ZV24FrODRQ8HAvdHvoy2HL4RVsnkjhASU";

static int visit(const as_log_entry *e, void *ctx, as_error *err)
{
    (void)err;
    (void)as_log_get(e, "bundle");
    ++*(uint64_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    static as_mini_pubkey pk;
    static int ready;
    as_error e = {0};
    if (!ready) {
        if (as_mini_pubkey_parse_b64(&pk, PUBKEY, sizeof PUBKEY - 1, &e) != 0)
            abort();
        ready = 1;
    }
    /* A station's log names its key in the first entry ("key=<base64>"): use it, so seeds
     * from any station verify and mutations reach every check. */
    const uint8_t *k = size > 4 ? memmem(data, size, " key=", 5) : NULL;
    as_mini_pubkey own;
    as_error ke = {0};
    const as_mini_pubkey *use = &pk;
    if (k != NULL && (size_t)(data + size - (k + 5)) >= AS_MINI_PUBKEY_B64_LEN &&
        as_mini_pubkey_parse_b64(&own, (const char *)k + 5, AS_MINI_PUBKEY_B64_LEN, &ke) == 0)
        use = &own;
    uint64_t seen = 0, count = 0;
    int rc = as_custody_verify(data, size, use, visit, &seen, &count, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0 && seen != count)
        abort();
    return 0;
}

/*
 * fuzz_custody: a custody log verified against the station key its first entry names (or a
 * fixed test key when it names none), every entry visited; and the same bytes as the proof
 * of one entry (as_custody_entry_verify, what verify-entry and verify-receipt read), against
 * the key its entry names when it is an init entry.
 */
#include "tests/fuzz/fuzz.h"

#include "common/crypto/checkpoint.h"
#include "common/station/custody.h"

static const char PUBKEY[] = "RWTO09twBEP35NCmUC7fh12ZV24FrODRQ8HAvdHvoy2HL4RVsnkjhASU";

static int visit(const as_log_entry *e, void *ctx, as_error *err)
{
    (void)err;
    (void)as_log_get(e, "bundle");
    ++*(uint64_t *)ctx;
    return 0;
}

/* The station key a "key=<base64>" field in data[0..size) names, or NULL. */
static const as_mini_pubkey *key_in(const uint8_t *data, size_t size, as_mini_pubkey *own)
{
    const uint8_t *k = size > 4 ? memmem(data, size, " key=", 5) : NULL;
    as_error ke = {0};
    if (k != NULL && (size_t)(data + size - (k + 5)) >= AS_MINI_PUBKEY_B64_LEN &&
        as_mini_pubkey_parse_b64(own, (const char *)k + 5, AS_MINI_PUBKEY_B64_LEN, &ke) == 0)
        return own;
    return NULL;
}

/* data as one entry's tlog-proof: what verifies is the entry numbered index + 1. */
static void entry_proof(const uint8_t *data, size_t size, const as_mini_pubkey *pk)
{
    static as_tlog_proof p;
    static as_log_entry e;
    as_mini_pubkey own;
    as_error pe = {0}, e2 = {0};
    const as_mini_pubkey *use = pk, *named;
    if (as_tlog_proof_parse(&p, data, size, &pe) == 0 && p.has_extra &&
        (named = key_in(p.extra, p.extra_len, &own)) != NULL)
        use = named;
    int rc = as_custody_entry_verify(data, size, use, &e, NULL, &e2);
    fuzz_check_error(rc, &e2);
    if (rc == 0 && e.seq != p.index + 1)
        abort();
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
    as_mini_pubkey own;
    const as_mini_pubkey *use = key_in(data, size, &own);
    if (use == NULL)
        use = &pk;
    uint64_t seen = 0, count = 0;
    int rc = as_custody_verify(data, size, use, visit, &seen, &count, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0 && seen != count)
        abort();
    entry_proof(data, size, &pk);
    return 0;
}

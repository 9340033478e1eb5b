/* fingerprint.c: phone-readable key fingerprints; see fingerprint.h. */
#include "fingerprint.h"

#include <stdio.h>
#include <string.h>

#include "sha256.h"

static void fingerprint(const char *kind, const uint8_t *key, size_t n,
                        char out[AS_FINGERPRINT_STR])
{
    static const char domain[] = "airseal fingerprint v1";
    as_sha256_ctx h;
    uint8_t d[AS_SHA256_LEN];
    as_sha256_init(&h);
    as_sha256_update(&h, domain, sizeof domain); /* includes the NUL separator */
    as_sha256_update(&h, kind, strlen(kind) + 1);
    as_sha256_update(&h, key, n);
    as_sha256_final(&h, d);
    size_t o = 0;
    for (int g = 0; g < 6; g++) {
        uint64_t v = 0;
        for (int i = 0; i < 5; i++)
            v = (v << 8) | d[g * 5 + i];
        o += (size_t)snprintf(out + o, AS_FINGERPRINT_STR - o, g ? " %05u" : "%05u",
                              (unsigned)(v % 100000));
    }
}

void as_fingerprint_minisign(const as_mini_pubkey *pk, char out[AS_FINGERPRINT_STR])
{
    uint8_t raw[2 + AS_MINI_KEYNUM_LEN + sizeof pk->pk];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, pk->keynum, AS_MINI_KEYNUM_LEN);
    memcpy(raw + 2 + AS_MINI_KEYNUM_LEN, pk->pk, sizeof pk->pk);
    fingerprint("minisign", raw, sizeof raw, out);
}

void as_fingerprint_age(const as_age_recipient *r, char out[AS_FINGERPRINT_STR])
{
    fingerprint("age-x25519", r->pk, sizeof r->pk, out);
}

void as_fingerprint_age_pq(const as_age_pq_recipient *r, char out[AS_FINGERPRINT_STR])
{
    fingerprint("age-mlkem768x25519", r->pk, sizeof r->pk, out);
}

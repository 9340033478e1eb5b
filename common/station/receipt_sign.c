/* receipt_sign.c: the station writes and signs a receipt (airseal-recv only); see
 * receipt_sign.h. */
#include "receipt_sign.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/text.h"

int as_receipt_format(const as_receipt *r, as_buf *out, as_error *err)
{
    char sealed[65], manifest[65], when[21];
    as_hex_encode(sealed, r->sealed_sha256, 32);
    as_hex_encode(manifest, r->manifest_sha256, 32);
    as_time_utc(when, r->imported);
    return as_buf_printf(
        out, err,
        AS_RECEIPT_HEADER "\nstation: %s\nbundle: %s\ncase: %s\nsigner: %s\n"
                          "sealed-size: %llu\nsealed-sha256: %s\nmanifest-sha256: %s\n"
                          "files: %llu\nbytes: %llu\nimported: %s\ncustody-entry: %llu\n",
        r->station, r->bundle_id, r->case_id, r->signer, (unsigned long long)r->sealed_size, sealed,
        manifest, (unsigned long long)r->files, (unsigned long long)r->bytes, when,
        (unsigned long long)r->custody_entry);
}

int as_receipt_sign(const as_receipt *r, const uint8_t *text, size_t len, const as_mini_seckey *sk,
                    as_buf *sig, as_error *err)
{
    as_mini_sig *s = malloc(sizeof *s);
    uint8_t h[AS_MINI_PREHASH_LEN];
    char tc[160];
    as_mini_prehash ph;
    if (s == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, text, len);
    as_mini_prehash_final(&ph, h);
    snprintf(tc, sizeof tc, AS_RECEIPT_COMMENT_FMT, r->bundle_id, r->station);
    int rc = as_mini_sign(s, sk, h, tc, "airseal receipt signature", err) == 0 &&
                     as_mini_sig_format(sig, s, err) == 0
                 ? 0
                 : -1;
    free(s);
    return rc;
}

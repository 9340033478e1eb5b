/* hkdf.c: HKDF-SHA-256 for 32-byte outputs; see hkdf.h. */
#include "hkdf.h"

#include <sodium.h>
#include <string.h>

void as_hkdf_sha256(uint8_t out[AS_HKDF_LEN], const uint8_t *ikm, size_t ikm_len,
                    const uint8_t *salt, size_t salt_len, const char *info)
{
    static const uint8_t zeros[32] = {0};
    crypto_auth_hmacsha256_state st;
    uint8_t prk[32];
    const uint8_t one = 1;

    if (salt_len == 0) {
        salt = zeros;
        salt_len = sizeof zeros;
    }
    crypto_auth_hmacsha256_init(&st, salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);

    crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
    crypto_auth_hmacsha256_update(&st, &one, 1);
    crypto_auth_hmacsha256_final(&st, out);

    sodium_memzero(prk, sizeof prk);
    sodium_memzero(&st, sizeof st);
}

void as_hkdf_sha256_extract(uint8_t prk[AS_HKDF_LEN], const uint8_t *salt, size_t salt_len,
                            const as_hkdf_part *ikm, size_t nikm)
{
    static const uint8_t zeros[32] = {0};
    crypto_auth_hmacsha256_state st;
    if (salt_len == 0) {
        salt = zeros;
        salt_len = sizeof zeros;
    }
    crypto_auth_hmacsha256_init(&st, salt, salt_len);
    for (size_t i = 0; i < nikm; i++)
        crypto_auth_hmacsha256_update(&st, ikm[i].p, ikm[i].n);
    crypto_auth_hmacsha256_final(&st, prk);
    sodium_memzero(&st, sizeof st);
}

void as_hkdf_sha256_expand(uint8_t *out, size_t out_len, const uint8_t prk[AS_HKDF_LEN],
                           const as_hkdf_part *info, size_t ninfo)
{
    crypto_auth_hmacsha256_state st;
    uint8_t block[AS_HKDF_LEN];
    const uint8_t one = 1;
    crypto_auth_hmacsha256_init(&st, prk, AS_HKDF_LEN);
    for (size_t i = 0; i < ninfo; i++)
        crypto_auth_hmacsha256_update(&st, info[i].p, info[i].n);
    crypto_auth_hmacsha256_update(&st, &one, 1);
    crypto_auth_hmacsha256_final(&st, block);
    memcpy(out, block, out_len < sizeof block ? out_len : sizeof block);
    sodium_memzero(block, sizeof block);
    sodium_memzero(&st, sizeof st);
}

/*
 * hkdf.h: HKDF-SHA-256 (RFC 5869) with a 32-byte output, built on libsodium 1.0.18's
 * HMAC-SHA-256 (which has no HKDF of its own). age only ever derives 32 bytes, so the expand
 * step is the single block T(1) = HMAC(PRK, info || 0x01).
 */
#ifndef AIRSEAL_CRYPTO_HKDF_H
#define AIRSEAL_CRYPTO_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define AS_HKDF_LEN 32

/* out = HKDF-SHA-256(ikm, salt, info), 32 bytes. salt may be empty (treated as 32 zeros, which
 * equals an empty HMAC key). Intermediate values are wiped. */
void as_hkdf_sha256(uint8_t out[AS_HKDF_LEN], const uint8_t *ikm, size_t ikm_len,
                    const uint8_t *salt, size_t salt_len, const char *info);

/* One piece of a concatenated HKDF input (HPKE's labeled inputs are built from several). */
typedef struct as_hkdf_part {
    const void *p;
    size_t n;
} as_hkdf_part;

/* HKDF-Extract: prk = HMAC-SHA-256(salt, ikm[0] || ... || ikm[nikm-1]); an empty salt is 32
 * zeros. The HMAC state is wiped. */
void as_hkdf_sha256_extract(uint8_t prk[AS_HKDF_LEN], const uint8_t *salt, size_t salt_len,
                            const as_hkdf_part *ikm, size_t nikm);

/* HKDF-Expand to out_len <= 32 bytes (one block): the first out_len bytes of
 * HMAC-SHA-256(prk, info[0] || ... || info[ninfo-1] || 0x01). Intermediate values are wiped. */
void as_hkdf_sha256_expand(uint8_t *out, size_t out_len, const uint8_t prk[AS_HKDF_LEN],
                           const as_hkdf_part *info, size_t ninfo);

#endif

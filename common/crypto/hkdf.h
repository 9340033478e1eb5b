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

#endif

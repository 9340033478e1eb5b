/*
 * hpke.h: HPKE (RFC 9180) base mode, single shot, with the one suite age's mlkem768x25519
 * recipients use: KEM MLKEM768-X25519 (X-Wing, id 0x647a), KDF HKDF-SHA256 (0x0001), AEAD
 * ChaCha20-Poly1305 (0x0003). No PSK, no exporter, sequence number 0 only: age seals exactly one
 * message (the file key) per encapsulation.
 */
#ifndef AIRSEAL_CRYPTO_HPKE_H
#define AIRSEAL_CRYPTO_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "xwing.h"

#define AS_HPKE_ENC_LEN AS_XWING_CT_LEN /* the encapsulated key, 1120 bytes */
#define AS_HPKE_TAG_LEN 16              /* ciphertext = plaintext + 16 bytes */

/* SealBase(pk, info, aad, pt) with the encapsulation randomness given (known-answer tests):
 * writes enc and ct (pt_len + 16 bytes). Returns 0, or -1 with err set (AS_ERR_KEY for an invalid
 * recipient key). */
int as_hpke_seal_derand(uint8_t enc[AS_HPKE_ENC_LEN], uint8_t *ct,
                        const uint8_t pk[AS_XWING_PK_LEN], const uint8_t *info, size_t info_len,
                        const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                        const uint8_t eseed[AS_XWING_ESEED_LEN], as_error *err);

/* SealBase with fresh randomness. Same contract. */
int as_hpke_seal(uint8_t enc[AS_HPKE_ENC_LEN], uint8_t *ct, const uint8_t pk[AS_XWING_PK_LEN],
                 const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len,
                 const uint8_t *pt, size_t pt_len, as_error *err);

/* OpenBase(enc, sk, info, aad, ct): writes pt (ct_len - 16 bytes) only if the tag verifies.
 * Returns 0, or -1 with AS_ERR_KEY when ct does not open under this key (wrong recipient, or
 * enc or ct damaged: implicit rejection makes these indistinguishable), AS_ERR_FORMAT for a
 * ciphertext shorter than its tag or a low-order X25519 share; pt is then zeroed. */
int as_hpke_open(uint8_t *pt, const uint8_t sk[AS_XWING_SK_LEN], const uint8_t enc[AS_HPKE_ENC_LEN],
                 const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len,
                 const uint8_t *ct, size_t ct_len, as_error *err);

#endif
